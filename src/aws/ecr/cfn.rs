//! L1 types of the ECR family (`AWS::ECR::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ECR.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::ECR::Repository`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRepository {
    /// `RepositoryName`: The name to use for the repository.
    pub repository_name: Option<String>,
    /// `ImageTagMutability`: The tag mutability setting for the repository.
    pub image_tag_mutability: Option<String>,
    /// `ImageScanningConfiguration`: The ''imageScanningConfiguration'' parameter is being deprecated, in favor of specifying the image scanning configuration at the registry level.
    pub image_scanning_configuration: Option<CfnImageScanning>,
    /// `EncryptionConfiguration`: The encryption configuration for the repository.
    pub encryption_configuration: Option<CfnRepositoryEncryption>,
    /// `LifecyclePolicy`: Creates or updates a lifecycle policy.
    pub lifecycle_policy: Option<CfnLifecyclePolicy>,
    /// `Tags`: An array of key-value pairs to apply to this resource.
    pub tags: Option<Vec<CfnTag>>,
}

/// `ImageScanningConfiguration`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnImageScanning {
    /// `ScanOnPush`: The setting that determines whether images are scanned after being pushed to a repository.
    pub scan_on_push: bool,
}

/// `EncryptionConfiguration`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRepositoryEncryption {
    /// `EncryptionType`: The encryption type to use.
    pub encryption_type: String,
    /// `KmsKey`: If you use the ''KMS'' encryption type, specify the KMS key to use for encryption.
    pub kms_key: Option<Value>,
}

/// `LifecyclePolicy`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLifecyclePolicy {
    /// `LifecyclePolicyText`: The JSON repository policy text to apply to the repository.
    pub lifecycle_policy_text: String,
}

impl CfnResource for CfnRepository {
    const TYPE: &'static str = "AWS::ECR::Repository";
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
