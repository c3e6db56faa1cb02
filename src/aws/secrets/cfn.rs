//! L1 types of the Secrets Manager family (`AWS::SecretsManager::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_SecretsManager.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::SecretsManager::Secret`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecret {
    pub name: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<Value>,
    pub generate_secret_string: Option<CfnGenerateSecretString>,
    pub tags: Option<Vec<CfnTag>>,
}

/// `GenerateSecretString`: Secrets Manager makes the value; it never
/// appears in the template.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnGenerateSecretString {
    pub secret_string_template: Option<String>,
    pub generate_string_key: Option<String>,
    pub password_length: Option<i64>,
    pub exclude_characters: Option<String>,
    pub exclude_punctuation: Option<bool>,
    pub require_each_included_type: Option<bool>,
}

impl CfnResource for CfnSecret {
    const TYPE: &'static str = "AWS::SecretsManager::Secret";
    const CREATE_ONLY: &'static [&'static str] = &["Name"];
}

impl ResourceRef<CfnSecret> {
    /// `Ref`: the secret ARN.
    pub fn secret_arn(&self) -> Value {
        self.reference()
    }
}
