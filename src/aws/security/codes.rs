//! The security rules' codes, one constant each: a rule names its
//! constant, and [`super::RULES`] lists the same constants.

/// `AwsSolutions-EC23`.
pub const AWS_SOLUTIONS_EC23: &str = "AwsSolutions-EC23";
/// `AwsSolutions-EC26`.
pub const AWS_SOLUTIONS_EC26: &str = "AwsSolutions-EC26";
/// `AwsSolutions-EC27`.
pub const AWS_SOLUTIONS_EC27: &str = "AwsSolutions-EC27";
/// `AwsSolutions-VPC7`.
pub const AWS_SOLUTIONS_VPC7: &str = "AwsSolutions-VPC7";
/// `MS-EC2-1`.
pub const MS_EC2_1: &str = "MS-EC2-1";
/// `AwsSolutions-IAM4`.
pub const AWS_SOLUTIONS_IAM4: &str = "AwsSolutions-IAM4";
/// `AwsSolutions-IAM5`.
pub const AWS_SOLUTIONS_IAM5: &str = "AwsSolutions-IAM5";
/// `MS-IAM-1`.
pub const MS_IAM_1: &str = "MS-IAM-1";
/// `MS-IAM-2`: a ServiceAccount annotated with a role whose trust policy
/// does not admit that ServiceAccount.
pub const MS_IAM_2: &str = "MS-IAM-2";
/// `AwsSolutions-KMS5`.
pub const AWS_SOLUTIONS_KMS5: &str = "AwsSolutions-KMS5";
/// `AwsSolutions-EKS1`.
pub const AWS_SOLUTIONS_EKS1: &str = "AwsSolutions-EKS1";
/// `AwsSolutions-EKS2`.
pub const AWS_SOLUTIONS_EKS2: &str = "AwsSolutions-EKS2";
/// `MS-EKS-1`.
pub const MS_EKS_1: &str = "MS-EKS-1";
/// `AwsSolutions-RDS2`.
pub const AWS_SOLUTIONS_RDS2: &str = "AwsSolutions-RDS2";
/// `AwsSolutions-RDS3`.
pub const AWS_SOLUTIONS_RDS3: &str = "AwsSolutions-RDS3";
/// `AwsSolutions-RDS6`.
pub const AWS_SOLUTIONS_RDS6: &str = "AwsSolutions-RDS6";
/// `AwsSolutions-RDS10`.
pub const AWS_SOLUTIONS_RDS10: &str = "AwsSolutions-RDS10";
/// `AwsSolutions-RDS11`.
pub const AWS_SOLUTIONS_RDS11: &str = "AwsSolutions-RDS11";
/// `AwsSolutions-RDS13`.
pub const AWS_SOLUTIONS_RDS13: &str = "AwsSolutions-RDS13";
/// `MS-RDS-1`.
pub const MS_RDS_1: &str = "MS-RDS-1";
/// `MS-RDS-2`.
pub const MS_RDS_2: &str = "MS-RDS-2";
/// `MS-RDS-3`.
pub const MS_RDS_3: &str = "MS-RDS-3";
/// `AwsSolutions-AEC1`.
pub const AWS_SOLUTIONS_AEC1: &str = "AwsSolutions-AEC1";
/// `AwsSolutions-AEC3`.
pub const AWS_SOLUTIONS_AEC3: &str = "AwsSolutions-AEC3";
/// `AwsSolutions-AEC4`.
pub const AWS_SOLUTIONS_AEC4: &str = "AwsSolutions-AEC4";
/// `AwsSolutions-AEC5`.
pub const AWS_SOLUTIONS_AEC5: &str = "AwsSolutions-AEC5";
/// `AwsSolutions-AEC6`.
pub const AWS_SOLUTIONS_AEC6: &str = "AwsSolutions-AEC6";
/// `MS-CACHE-1`.
pub const MS_CACHE_1: &str = "MS-CACHE-1";
/// `AwsSolutions-MSK2`.
pub const AWS_SOLUTIONS_MSK2: &str = "AwsSolutions-MSK2";
/// `AwsSolutions-MSK3`.
pub const AWS_SOLUTIONS_MSK3: &str = "AwsSolutions-MSK3";
/// `AwsSolutions-MSK6`.
pub const AWS_SOLUTIONS_MSK6: &str = "AwsSolutions-MSK6";
/// `MS-MSK-1`.
pub const MS_MSK_1: &str = "MS-MSK-1";
/// `MS-MSK-2`.
pub const MS_MSK_2: &str = "MS-MSK-2";
/// `AwsSolutions-SMG4`.
pub const AWS_SOLUTIONS_SMG4: &str = "AwsSolutions-SMG4";
/// `MS-SMG-1`.
pub const MS_SMG_1: &str = "MS-SMG-1";
/// `MS-LOGS-1`.
pub const MS_LOGS_1: &str = "MS-LOGS-1";
/// `MS-LOGS-2`.
pub const MS_LOGS_2: &str = "MS-LOGS-2";
/// `MS-ECR-1`.
pub const MS_ECR_1: &str = "MS-ECR-1";
/// `MS-SSM-1`.
pub const MS_SSM_1: &str = "MS-SSM-1";
/// `AwsSolutions-S1`.
pub const AWS_SOLUTIONS_S1: &str = "AwsSolutions-S1";
/// `AwsSolutions-S2`.
pub const AWS_SOLUTIONS_S2: &str = "AwsSolutions-S2";
/// `AwsSolutions-SQS2`.
pub const AWS_SOLUTIONS_SQS2: &str = "AwsSolutions-SQS2";
/// `AwsSolutions-SNS2`.
pub const AWS_SOLUTIONS_SNS2: &str = "AwsSolutions-SNS2";
/// `AwsSolutions-DDB3`.
pub const AWS_SOLUTIONS_DDB3: &str = "AwsSolutions-DDB3";
/// `MS-S3-1`.
pub const MS_S3_1: &str = "MS-S3-1";
/// `AwsSolutions-CFR4`.
pub const AWS_SOLUTIONS_CFR4: &str = "AwsSolutions-CFR4";
/// `MS-CFR-1`.
pub const MS_CFR_1: &str = "MS-CFR-1";
