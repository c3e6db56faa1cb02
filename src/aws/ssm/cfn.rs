//! L1 types of the SSM family (`AWS::SSM::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_SSM.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::core::{CfnResource, ResourceRef, TagStyle, Value};

/// `AWS::SSM::Parameter` (`String` or `StringList`; CloudFormation cannot
/// create `SecureString`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnParameter {
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub parameter_type: Option<String>,
    pub value: Option<Value>,
    pub description: Option<String>,
    pub tier: Option<String>,
    pub allowed_pattern: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

impl CfnResource for CfnParameter {
    const TYPE: &'static str = "AWS::SSM::Parameter";
    const CREATE_ONLY: &'static [&'static str] = &["Name"];
    const TAGS: TagStyle = TagStyle::Map;
}

impl ResourceRef<CfnParameter> {
    /// `Ref`: the parameter name.
    pub fn parameter_name(&self) -> Value {
        self.reference()
    }
}
