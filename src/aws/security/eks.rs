//! Security rules of EKS: endpoint access, control-plane logs, secrets encryption.

use super::{lit, literally_false, obj, objects, report, Props};
use crate::core::Diagnostic;

/// Every control-plane log type; the EKS construct turns all of them on by
/// default, and `AwsSolutions-EKS2` wants every one.
pub const CONTROL_PLANE_LOG_TYPES: &[&str] = &[
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    if cfn_type != "AWS::EKS::Cluster" {
        return;
    }
    // The endpoint is public unless EndpointPublicAccess is literally false.
    let public = obj(props, "ResourcesVpcConfig")
        .is_none_or(|v| !literally_false(v, "EndpointPublicAccess"));
    if public {
        report(
            out,
            super::codes::AWS_SOLUTIONS_EKS1,
            path,
            "the Kubernetes API endpoint is public".into(),
            "use EndpointAccess::Private",
        );
    }
    let enabled: Vec<String> = obj(props, "Logging")
        .and_then(|l| obj(l, "ClusterLogging"))
        .map(|c| {
            objects(c, "EnabledTypes")
                .filter_map(|t| lit(t, "Type"))
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&str> = CONTROL_PLANE_LOG_TYPES
        .iter()
        .copied()
        .filter(|t| !enabled.iter().any(|e| e == t))
        .collect();
    if !missing.is_empty() {
        report(
            out,
            super::codes::AWS_SOLUTIONS_EKS2,
            path,
            format!("control-plane log types off: {}", missing.join(", ")),
            "enable every log type",
        );
    }
    let secrets = objects(props, "EncryptionConfig").any(|e| {
        e.get("Resources")
            .and_then(|r| r.as_array())
            .is_some_and(|r| r.iter().any(|x| x.as_str() == Some("secrets")))
    });
    if !secrets {
        report(
            out,
            super::codes::MS_EKS_1,
            path,
            "Kubernetes secrets are not envelope-encrypted with KMS".into(),
            "set EncryptionConfig for secrets",
        );
    }
}
