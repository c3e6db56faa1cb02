//! The rules that read a resource's final properties, after overrides and raw resources, so an escape hatch is judged like a typed field: RDS and ElastiCache encryption, and the data services written with generated L1 structs (S3, SQS, SNS, DynamoDB).

use super::{off, report};
use crate::core::Diagnostic;

/// The rules that read a resource's final properties, after overrides and
/// raw resources, so an escape hatch that turns encryption off is caught
/// exactly like the typed field.
pub(crate) fn check_emitted(
    cfn_type: &str,
    props: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    match cfn_type {
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => {
            // An instance of a cluster takes its storage from the cluster.
            if props.contains_key("DBClusterIdentifier") && cfn_type == "AWS::RDS::DBInstance" {
                return;
            }
            if off(props, "StorageEncrypted") {
                report(
                    out,
                    "AwsSolutions-RDS2",
                    path,
                    "storage is not encrypted (StorageEncrypted is not true)".into(),
                    "set StorageEncrypted with a KMS key",
                );
            }
        }
        "AWS::ElastiCache::ReplicationGroup" => {
            let at_rest = off(props, "AtRestEncryptionEnabled");
            let transit = off(props, "TransitEncryptionEnabled");
            if at_rest || transit {
                let which = match (at_rest, transit) {
                    (true, true) => "at rest and in transit",
                    (true, false) => "at rest (AtRestEncryptionEnabled is not true)",
                    _ => "in transit (TransitEncryptionEnabled is not true)",
                };
                report(
                    out,
                    "AwsSolutions-AEC3",
                    path,
                    format!("encryption {which} is off"),
                    "enable both AtRestEncryptionEnabled and TransitEncryptionEnabled",
                );
            }
        }
        // Data services written with the generated L1 structs or raw: the
        // rules read what is emitted, so both are judged alike.
        "AWS::S3::Bucket" => {
            if props.get("LoggingConfiguration").is_none() {
                report(
                    out,
                    "AwsSolutions-S1",
                    path,
                    "the bucket has no server access logging (LoggingConfiguration)".into(),
                    "log to an access-log bucket with LoggingConfiguration.DestinationBucketName",
                );
            }
            let block = props.get("PublicAccessBlockConfiguration");
            let all_on = block.and_then(|b| b.as_object()).is_some_and(|b| {
                [
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                ]
                .iter()
                .all(|k| !off(b, k))
            });
            if !all_on {
                report(
                    out,
                    "AwsSolutions-S2",
                    path,
                    "public access is not fully blocked (PublicAccessBlockConfiguration)".into(),
                    "set BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets to true",
                );
            }
        }
        "AWS::SQS::Queue"
            if props.get("KmsMasterKeyId").is_none() && off(props, "SqsManagedSseEnabled") =>
        {
            report(
                out,
                "AwsSolutions-SQS2",
                path,
                "the queue has no server-side encryption".into(),
                "set KmsMasterKeyId (a customer key) or SqsManagedSseEnabled",
            );
        }
        "AWS::SNS::Topic" if props.get("KmsMasterKeyId").is_none() => {
            report(
                out,
                "AwsSolutions-SNS2",
                path,
                "the topic has no server-side encryption".into(),
                "set KmsMasterKeyId",
            );
        }
        "AWS::DynamoDB::Table" => {
            let pitr = props
                .get("PointInTimeRecoverySpecification")
                .and_then(|p| p.as_object())
                .is_some_and(|p| !off(p, "PointInTimeRecoveryEnabled"));
            if !pitr {
                report(
                    out,
                    "AwsSolutions-DDB3",
                    path,
                    "point-in-time recovery is off".into(),
                    "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
                );
            }
        }
        _ => {}
    }
}
