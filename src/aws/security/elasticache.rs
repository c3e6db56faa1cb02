//! Security rules of ElastiCache: VPC placement, encryption, Multi-AZ, AUTH.

use super::{intrinsic, lit, off, report, Props};
use crate::core::Diagnostic;

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    if cfn_type != "AWS::ElastiCache::ReplicationGroup" {
        return;
    }
    if !props.contains_key("CacheSubnetGroupName") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_AEC1,
            path,
            "the replication group has no VPC subnet group".into(),
            "set CacheSubnetGroupName",
        );
    }
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
            super::codes::AWS_SOLUTIONS_AEC3,
            path,
            format!("encryption {which} is off"),
            "enable both AtRestEncryptionEnabled and TransitEncryptionEnabled",
        );
    }
    if off(props, "MultiAZEnabled") || off(props, "AutomaticFailoverEnabled") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_AEC4,
            path,
            "Multi-AZ with automatic failover is off".into(),
            "enable both with 2 or more nodes",
        );
    }
    if lit(props, "Port").is_none_or(|p| p == "6379") && !intrinsic(props, "Port") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_AEC5,
            path,
            "the replication group listens on the default port 6379".into(),
            "use a non-default port",
        );
    }
    if !props.contains_key("AuthToken") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_AEC6,
            path,
            "no AUTH token".into(),
            "set an AUTH token from Secrets Manager",
        );
    }
    if !props.contains_key("KmsKeyId") {
        report(
            out,
            super::codes::MS_CACHE_1,
            path,
            "data at rest uses the AWS-owned key".into(),
            "set KmsKeyId",
        );
    }
}
