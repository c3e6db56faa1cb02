//! Security rules of the supporting families: Secrets Manager, CloudWatch Logs, ECR.

use super::{lit, obj, on, report, Props};
use crate::core::Diagnostic;

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    match cfn_type {
        "AWS::SecretsManager::Secret" => {
            report(
                out,
                super::codes::AWS_SOLUTIONS_SMG4,
                path,
                "the secret has no automatic rotation".into(),
                "rotate it with a rotation schedule",
            );
            if !props.contains_key("KmsKeyId") {
                report(
                    out,
                    super::codes::MS_SMG_1,
                    path,
                    "the secret uses the AWS-managed key".into(),
                    "set SecretProps::encryption_key",
                );
            }
        }
        "AWS::Logs::LogGroup" => {
            if !props.contains_key("KmsKeyId") {
                report(
                    out,
                    super::codes::MS_LOGS_1,
                    path,
                    "the log group is not encrypted with KMS".into(),
                    "set LogGroupProps::encryption_key",
                );
            }
            if !props.contains_key("RetentionInDays") {
                report(
                    out,
                    super::codes::MS_LOGS_2,
                    path,
                    "the log group keeps logs forever".into(),
                    "set a retention",
                );
            }
        }
        "AWS::ECR::Repository" => {
            let scan =
                obj(props, "ImageScanningConfiguration").is_some_and(|c| on(c, "ScanOnPush"));
            let immutable = lit(props, "ImageTagMutability").as_deref() == Some("IMMUTABLE");
            let kms = obj(props, "EncryptionConfiguration")
                .and_then(|e| lit(e, "EncryptionType"))
                .as_deref()
                == Some("KMS");
            if !(scan && immutable && kms) {
                report(
                    out,
                    super::codes::MS_ECR_1,
                    path,
                    format!(
                        "scan on push {scan}, immutable tags {immutable}, KMS encryption {kms}"
                    ),
                    "keep all three on",
                );
            }
        }
        _ => {}
    }
}
