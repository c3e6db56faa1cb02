//! Security rules of ElastiCache (typed fields; encryption reads the emitted properties, see `emitted`).

use super::report;
use crate::aws::elasticache::cfn::CfnReplicationGroup;
use crate::core::App;
use crate::core::Diagnostic;

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, g) in app.resources_of::<CfnReplicationGroup>() {
        if g.cache_subnet_group_name.is_none() {
            report(
                out,
                "AwsSolutions-AEC1",
                path,
                "the replication group has no VPC subnet group".into(),
                "set CacheSubnetGroupName",
            );
        }
        if g.multi_az_enabled != Some(true) || g.automatic_failover_enabled != Some(true) {
            report(
                out,
                "AwsSolutions-AEC4",
                path,
                "Multi-AZ with automatic failover is off".into(),
                "enable both with 2 or more nodes",
            );
        }
        if g.port.is_none_or(|p| p == 6379) {
            report(
                out,
                "AwsSolutions-AEC5",
                path,
                "the replication group listens on the default port 6379".into(),
                "use a non-default port",
            );
        }
        if g.auth_token.is_none() {
            report(
                out,
                "AwsSolutions-AEC6",
                path,
                "no AUTH token".into(),
                "set an AUTH token from Secrets Manager",
            );
        }
        if g.kms_key_id.is_none() {
            report(
                out,
                "MS-CACHE-1",
                path,
                "data at rest uses the AWS-owned key".into(),
                "set KmsKeyId",
            );
        }
    }
}
