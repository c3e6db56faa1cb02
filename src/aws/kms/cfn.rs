//! L1 types of the KMS family (`AWS::KMS::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_KMS.html>

use serde::Serialize;

use crate::aws::iam::PolicyDocument;
use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, TagStyle, Value};

/// `AWS::KMS::Key`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnKey {
    pub description: Option<String>,
    pub enable_key_rotation: Option<bool>,
    pub enabled: Option<bool>,
    pub key_policy: Option<PolicyDocument>,
    pub key_spec: Option<String>,
    pub key_usage: Option<String>,
    pub multi_region: Option<bool>,
    pub pending_window_in_days: Option<i64>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnKey {
    const TYPE: &'static str = "AWS::KMS::Key";
}

impl ResourceRef<CfnKey> {
    /// `Ref`: the key id.
    pub fn key_id(&self) -> Value {
        self.reference()
    }
    /// The key ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
}

/// `AWS::KMS::Alias`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAlias {
    pub alias_name: Option<String>,
    pub target_key_id: Option<Value>,
}

impl CfnResource for CfnAlias {
    const TYPE: &'static str = "AWS::KMS::Alias";
    const CREATE_ONLY: &'static [&'static str] = &["AliasName"];
    const TAGS: TagStyle = TagStyle::None;
}
