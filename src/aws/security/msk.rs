//! Security rules of MSK: TLS, broker logs, KMS, IAM authentication.

use super::{lit, literally_false, obj, on, report, Props};
use crate::core::Diagnostic;

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    if cfn_type != "AWS::MSK::Cluster" {
        return;
    }
    let encryption = obj(props, "EncryptionInfo");
    let transit = encryption.and_then(|e| obj(e, "EncryptionInTransit"));
    if transit
        .and_then(|t| lit(t, "ClientBroker"))
        .is_some_and(|cb| cb != "TLS")
    {
        report(
            out,
            super::codes::AWS_SOLUTIONS_MSK2,
            path,
            "clients may connect without TLS".into(),
            "set ClientBroker to TLS",
        );
    }
    if transit.is_some_and(|t| literally_false(t, "InCluster")) {
        report(
            out,
            super::codes::AWS_SOLUTIONS_MSK3,
            path,
            "traffic between brokers is not encrypted".into(),
            "set InCluster to true",
        );
    }
    let logs = obj(props, "LoggingInfo")
        .and_then(|l| obj(l, "BrokerLogs"))
        .and_then(|b| obj(b, "CloudWatchLogs"))
        .is_some_and(|cw| on(cw, "Enabled"));
    if !logs {
        report(
            out,
            super::codes::AWS_SOLUTIONS_MSK6,
            path,
            "broker logs are off".into(),
            "send broker logs to CloudWatch Logs",
        );
    }
    if encryption
        .and_then(|e| obj(e, "EncryptionAtRest"))
        .is_none()
    {
        report(
            out,
            super::codes::MS_MSK_1,
            path,
            "data at rest uses the AWS-owned key".into(),
            "set EncryptionAtRest with a KMS key",
        );
    }
    let unauthenticated = obj(props, "ClientAuthentication").is_none_or(|a| {
        obj(a, "Unauthenticated").is_some_and(|u| on(u, "Enabled"))
            || !obj(a, "Sasl")
                .and_then(|s| obj(s, "Iam"))
                .is_some_and(|i| on(i, "Enabled"))
    });
    if unauthenticated {
        report(
            out,
            super::codes::MS_MSK_2,
            path,
            "clients may connect without IAM authentication".into(),
            "enable SASL/IAM and disable unauthenticated access",
        );
    }
}
