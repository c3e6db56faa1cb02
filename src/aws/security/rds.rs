//! Security rules of RDS and Aurora: encryption, exposure, availability,
//! authentication, backups, TLS.

use super::{intrinsic, lit, obj, off, on, report, Props};
use crate::core::Diagnostic;

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    match cfn_type {
        "AWS::RDS::DBInstance" => instance(props, path, out),
        "AWS::RDS::DBCluster" => {
            storage_encrypted(props, path, out);
            database(props, path, "cluster", out);
        }
        "AWS::RDS::DBParameterGroup" | "AWS::RDS::DBClusterParameterGroup" => {
            let postgres = lit(props, "Family").is_some_and(|f| f.contains("postgres"));
            let forced = obj(props, "Parameters")
                .and_then(|p| lit(p, "rds.force_ssl"))
                .as_deref()
                == Some("1");
            if postgres && !forced {
                report(
                    out,
                    super::codes::MS_RDS_3,
                    path,
                    "the parameter group does not force TLS".into(),
                    "set rds.force_ssl=1",
                );
            }
        }
        _ => {}
    }
}

fn instance(props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    if on(props, "PubliclyAccessible") {
        report(
            out,
            super::codes::MS_RDS_1,
            path,
            "the DB instance is publicly accessible".into(),
            "keep databases in private subnets",
        );
    }
    if props.contains_key("DBClusterIdentifier") {
        return; // Storage, backups and protection belong to the cluster.
    }
    storage_encrypted(props, path, out);
    if off(props, "MultiAZ") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_RDS3,
            path,
            "the instance is not Multi-AZ".into(),
            "set multi_az",
        );
    }
    database(props, path, "instance", out);
}

fn storage_encrypted(props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    if off(props, "StorageEncrypted") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_RDS2,
            path,
            "storage is not encrypted (StorageEncrypted is not true)".into(),
            "set StorageEncrypted with a KMS key",
        );
    }
}

/// The rules an instance outside a cluster shares with a cluster.
fn database(props: &Props, path: &str, what: &str, out: &mut Vec<Diagnostic>) {
    if off(props, "EnableIAMDatabaseAuthentication") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_RDS6,
            path,
            "IAM database authentication is off".into(),
            "enable it",
        );
    }
    if off(props, "DeletionProtection") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_RDS10,
            path,
            "deletion protection is off".into(),
            "enable it",
        );
    }
    if lit(props, "BackupRetentionPeriod").as_deref() == Some("0") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_RDS13,
            path,
            "automated backups are off".into(),
            "keep 1 to 35 days",
        );
    }
    if off(props, "ManageMasterUserPassword") {
        report(
            out,
            super::codes::MS_RDS_2,
            path,
            "the master password is not managed by Secrets Manager".into(),
            "set ManageMasterUserPassword",
        );
    }
    let engine = lit(props, "Engine").unwrap_or_default();
    let default_port = !intrinsic(props, "Port")
        && lit(props, "Port").is_none_or(|p| Some(p.as_str()) == default_port(&engine));
    if default_port {
        report(
            out,
            super::codes::AWS_SOLUTIONS_RDS11,
            path,
            format!("the {what} listens on the engine's default port"),
            "use a non-default port",
        );
    }
}

fn default_port(engine: &str) -> Option<&'static str> {
    match engine {
        "postgres" | "aurora-postgresql" => Some("5432"),
        "mysql" | "mariadb" | "aurora-mysql" => Some("3306"),
        _ => None,
    }
}
