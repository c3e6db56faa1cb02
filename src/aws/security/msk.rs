//! Security rules of MSK: TLS, broker logs, KMS, IAM authentication.

use super::report;
use crate::aws::msk::cfn::CfnMskCluster;
use crate::core::App;
use crate::core::Diagnostic;

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, c) in app.resources_of::<CfnMskCluster>() {
        let transit = c
            .encryption_info
            .as_ref()
            .and_then(|e| e.encryption_in_transit.as_ref());
        if transit
            .and_then(|t| t.client_broker.as_deref())
            .is_some_and(|cb| cb != "TLS")
        {
            report(
                out,
                "AwsSolutions-MSK2",
                path,
                "clients may connect without TLS".into(),
                "set ClientBroker to TLS",
            );
        }
        if transit.and_then(|t| t.in_cluster) == Some(false) {
            report(
                out,
                "AwsSolutions-MSK3",
                path,
                "traffic between brokers is not encrypted".into(),
                "set InCluster to true",
            );
        }
        let logs = c.logging_info.as_ref().is_some_and(|l| {
            l.broker_logs
                .cloud_watch_logs
                .as_ref()
                .is_some_and(|cw| cw.enabled)
        });
        if !logs {
            report(
                out,
                "AwsSolutions-MSK6",
                path,
                "broker logs are off".into(),
                "send broker logs to CloudWatch Logs",
            );
        }
        if c.encryption_info
            .as_ref()
            .and_then(|e| e.encryption_at_rest.as_ref())
            .is_none()
        {
            report(
                out,
                "MS-MSK-1",
                path,
                "data at rest uses the AWS-owned key".into(),
                "set EncryptionAtRest with a KMS key",
            );
        }
        let auth = c.client_authentication.as_ref();
        let unauthenticated = auth.is_none_or(|a| {
            a.unauthenticated.as_ref().is_some_and(|u| u.enabled)
                || a.sasl
                    .as_ref()
                    .and_then(|s| s.iam.as_ref())
                    .is_none_or(|i| !i.enabled)
        });
        if unauthenticated {
            report(
                out,
                "MS-MSK-2",
                path,
                "clients may connect without IAM authentication".into(),
                "enable SASL/IAM and disable unauthenticated access",
            );
        }
    }
}
