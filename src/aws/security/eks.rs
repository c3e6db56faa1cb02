//! Security rules of EKS: endpoint access, control-plane logs, secrets encryption, IMDSv2.

use super::report;
use crate::aws::eks::cfn::CfnCluster;
use crate::aws::eks::cfn::CONTROL_PLANE_LOG_TYPES;
use crate::core::App;
use crate::core::Diagnostic;

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, c) in app.resources_of::<CfnCluster>() {
        let public = c
            .resources_vpc_config
            .as_ref()
            .is_none_or(|v| v.endpoint_public_access != Some(false));
        if public {
            report(
                out,
                "AwsSolutions-EKS1",
                path,
                "the Kubernetes API endpoint is public".into(),
                "use EndpointAccess::Private",
            );
        }
        let enabled: Vec<&str> = c
            .logging
            .iter()
            .flat_map(|l| {
                l.cluster_logging
                    .enabled_types
                    .iter()
                    .map(|t| t.log_type.as_str())
            })
            .collect();
        let missing: Vec<&&str> = CONTROL_PLANE_LOG_TYPES
            .iter()
            .filter(|t| !enabled.contains(t))
            .collect();
        if !missing.is_empty() {
            report(
                out,
                "AwsSolutions-EKS2",
                path,
                format!("control-plane log types off: {missing:?}"),
                "enable every log type",
            );
        }
        let secrets = c
            .encryption_config
            .iter()
            .flatten()
            .any(|e| e.resources.iter().any(|r| r == "secrets"));
        if !secrets {
            report(
                out,
                "MS-EKS-1",
                path,
                "Kubernetes secrets are not envelope-encrypted with KMS".into(),
                "set EncryptionConfig for secrets",
            );
        }
    }
}
