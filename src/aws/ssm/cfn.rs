//! L1 types of the SSM family (`AWS::SSM::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_SSM.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::SSM::Parameter` (`String` or `StringList`; CloudFormation cannot
/// create `SecureString`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnParameter {
    /// `Name`: The name of the parameter.
    pub name: Option<String>,
    /// `Type`: The type of parameter.
    #[serde(rename = "Type")]
    pub parameter_type: Option<String>,
    /// `Value`: The parameter value.
    pub value: Option<Value>,
    /// `Description`: Information about the parameter.
    pub description: Option<String>,
    /// `Tier`: The parameter tier.
    pub tier: Option<String>,
    /// `AllowedPattern`: A regular expression used to validate the parameter value.
    pub allowed_pattern: Option<String>,
    /// `Tags`: Optional metadata that you assign to a resource in the form of an arbitrary set of tags (key-value pairs).
    pub tags: Option<BTreeMap<String, String>>,
}

impl CfnResource for CfnParameter {
    const TYPE: &'static str = "AWS::SSM::Parameter";
}

impl ResourceRef<CfnParameter> {
    /// `Ref`: the parameter name.
    pub fn parameter_name(&self) -> Value {
        self.reference()
    }
}
