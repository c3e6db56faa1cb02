//! L1 types of the KMS family (`AWS::KMS::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_KMS.html>

use serde::Serialize;

use crate::aws::iam::policy::PolicyDocument;
use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::KMS::Key`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnKey {
    /// `Description`: A description of the KMS key.
    pub description: Option<String>,
    /// `EnableKeyRotation`: Enables automatic rotation of the key material for the specified KMS key.
    pub enable_key_rotation: Option<bool>,
    /// `Enabled`: Specifies whether the KMS key is enabled.
    pub enabled: Option<bool>,
    /// `KeyPolicy`: The key policy to attach to the KMS key.
    pub key_policy: Option<PolicyDocument>,
    /// `KeySpec`: Specifies the type of KMS key to create.
    pub key_spec: Option<String>,
    /// `KeyUsage`: Determines the [cryptographic operations](https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#cryptographic-operations) for which you can use the KMS key.
    pub key_usage: Option<String>,
    /// `MultiRegion`: Creates a multi-Region primary key that you can replicate in other AWS-Regions.
    pub multi_region: Option<bool>,
    /// `PendingWindowInDays`: Specifies the number of days in the waiting period before KMS deletes a KMS key that has been removed from a CloudFormation stack.
    pub pending_window_in_days: Option<i64>,
    /// `Tags`: Assigns one or more tags to the replica key.
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
    /// `AliasName`: Specifies the alias name.
    pub alias_name: Option<String>,
    /// `TargetKeyId`: Associates the alias with the specified [](https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#customer-cmk).
    pub target_key_id: Option<Value>,
}

impl CfnResource for CfnAlias {
    const TYPE: &'static str = "AWS::KMS::Alias";
}
