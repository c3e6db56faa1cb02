//! L1 types of the Secrets Manager family (`AWS::SecretsManager::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_SecretsManager.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::SecretsManager::Secret`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecret {
    /// `Name`: The name of the new secret.
    pub name: Option<String>,
    /// `Description`: The description of the secret.
    pub description: Option<String>,
    /// `KmsKeyId`: The ARN, key ID, or alias of the KMS key that Secrets Manager uses to encrypt the secret value in the secret.
    pub kms_key_id: Option<Value>,
    /// `GenerateSecretString`: A structure that specifies how to generate a password to encrypt and store in the secret.
    pub generate_secret_string: Option<CfnGenerateSecretString>,
    /// `Tags`: A list of tags to attach to the secret.
    pub tags: Option<Vec<CfnTag>>,
}

/// `GenerateSecretString`: Secrets Manager makes the value; it never
/// appears in the template.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnGenerateSecretString {
    /// `SecretStringTemplate`: A template that the generated string must match.
    pub secret_string_template: Option<String>,
    /// `GenerateStringKey`: The JSON key name for the key/value pair, where the value is the generated password.
    pub generate_string_key: Option<String>,
    /// `PasswordLength`: The length of the password.
    pub password_length: Option<i64>,
    /// `ExcludeCharacters`: A string of the characters that you don't want in the password.
    pub exclude_characters: Option<String>,
    /// `ExcludePunctuation`: Specifies whether to exclude the following punctuation characters from the password: ''!
    pub exclude_punctuation: Option<bool>,
    /// `RequireEachIncludedType`: Specifies whether to include at least one upper and lowercase letter, one number, and one punctuation.
    pub require_each_included_type: Option<bool>,
}

impl CfnResource for CfnSecret {
    const TYPE: &'static str = "AWS::SecretsManager::Secret";
}

impl ResourceRef<CfnSecret> {
    /// `Ref`: the secret ARN.
    pub fn secret_arn(&self) -> Value {
        self.reference()
    }
}
