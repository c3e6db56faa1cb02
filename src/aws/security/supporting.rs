//! Security rules of the supporting families: Secrets Manager, CloudWatch Logs, ECR.

use super::report;
use crate::aws::ecr::cfn::CfnRepository;
use crate::aws::logs::cfn::CfnLogGroup;
use crate::aws::secrets::cfn::CfnSecret;
use crate::core::App;
use crate::core::Diagnostic;

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, s) in app.resources_of::<CfnSecret>() {
        report(
            out,
            "AwsSolutions-SMG4",
            path,
            "the secret has no automatic rotation".into(),
            "rotate it with a rotation schedule",
        );
        if s.kms_key_id.is_none() {
            report(
                out,
                "MS-SMG-1",
                path,
                "the secret uses the AWS-managed key".into(),
                "set SecretProps::encryption_key",
            );
        }
    }
    for (path, g) in app.resources_of::<CfnLogGroup>() {
        if g.kms_key_id.is_none() {
            report(
                out,
                "MS-LOGS-1",
                path,
                "the log group is not encrypted with KMS".into(),
                "set LogGroupProps::encryption_key",
            );
        }
        if g.retention_in_days.is_none() {
            report(
                out,
                "MS-LOGS-2",
                path,
                "the log group keeps logs forever".into(),
                "set a retention",
            );
        }
    }
    for (path, r) in app.resources_of::<CfnRepository>() {
        let scan = r
            .image_scanning_configuration
            .as_ref()
            .is_some_and(|c| c.scan_on_push);
        let immutable = r.image_tag_mutability.as_deref() == Some("IMMUTABLE");
        let kms = r
            .encryption_configuration
            .as_ref()
            .is_some_and(|e| e.encryption_type == "KMS");
        if !(scan && immutable && kms) {
            report(
                out,
                "MS-ECR-1",
                path,
                format!("scan on push {scan}, immutable tags {immutable}, KMS encryption {kms}"),
                "keep all three on",
            );
        }
    }
}
