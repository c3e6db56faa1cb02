//! L1 types of the ECR family (`AWS::ECR::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ECR.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::ECR::Repository`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRepository {
    pub repository_name: Option<String>,
    pub image_tag_mutability: Option<String>,
    pub image_scanning_configuration: Option<CfnImageScanning>,
    pub encryption_configuration: Option<CfnRepositoryEncryption>,
    pub lifecycle_policy: Option<CfnLifecyclePolicy>,
    pub tags: Option<Vec<CfnTag>>,
}

/// `ImageScanningConfiguration`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnImageScanning {
    pub scan_on_push: bool,
}

/// `EncryptionConfiguration`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRepositoryEncryption {
    pub encryption_type: String,
    pub kms_key: Option<Value>,
}

/// `LifecyclePolicy`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLifecyclePolicy {
    pub lifecycle_policy_text: String,
}

impl CfnResource for CfnRepository {
    const TYPE: &'static str = "AWS::ECR::Repository";
    const CREATE_ONLY: &'static [&'static str] = &[
        "EncryptionConfiguration",
        "EncryptionConfiguration.EncryptionType",
        "EncryptionConfiguration.KmsKey",
        "RepositoryName",
    ];
}

impl ResourceRef<CfnRepository> {
    /// `Ref`: the repository name.
    pub fn repository_name(&self) -> Value {
        self.reference()
    }
    /// The repository ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The repository URI (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`).
    pub fn repository_uri(&self) -> Value {
        self.attr("RepositoryUri")
    }
}
