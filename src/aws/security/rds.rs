//! Security rules of RDS (typed fields; storage encryption reads the emitted properties, see `emitted`).

use super::report;
use crate::aws::rds::cfn::CfnDbCluster;
use crate::aws::rds::cfn::CfnDbClusterParameterGroup;
use crate::aws::rds::cfn::CfnDbInstance;
use crate::aws::rds::cfn::CfnDbParameterGroup;
use crate::core::App;
use crate::core::Diagnostic;

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, db) in app.resources_of::<CfnDbInstance>() {
        if db.publicly_accessible == Some(true) {
            report(
                out,
                "MS-RDS-1",
                path,
                "the DB instance is publicly accessible".into(),
                "keep databases in private subnets",
            );
        }
        if db.db_cluster_identifier.is_some() {
            continue; // Storage, backups and protection belong to the cluster.
        }
        let engine = db.engine.as_deref().unwrap_or_default();
        if db.multi_az != Some(true) {
            report(
                out,
                "AwsSolutions-RDS3",
                path,
                "the instance is not Multi-AZ".into(),
                "set multi_az",
            );
        }
        if db.enable_iam_database_authentication != Some(true) {
            report(
                out,
                "AwsSolutions-RDS6",
                path,
                "IAM database authentication is off".into(),
                "enable it",
            );
        }
        if db.deletion_protection != Some(true) {
            report(
                out,
                "AwsSolutions-RDS10",
                path,
                "deletion protection is off".into(),
                "enable it",
            );
        }
        if db.backup_retention_period == Some(0) {
            report(
                out,
                "AwsSolutions-RDS13",
                path,
                "automated backups are off".into(),
                "keep 1 to 35 days",
            );
        }
        if db.manage_master_user_password != Some(true) {
            report(
                out,
                "MS-RDS-2",
                path,
                "the master password is not managed by Secrets Manager".into(),
                "set ManageMasterUserPassword",
            );
        }
        let default_port = db
            .port
            .as_deref()
            .is_none_or(|p| Some(p) == default_port(engine));
        if default_port {
            report(
                out,
                "AwsSolutions-RDS11",
                path,
                "the instance listens on the engine's default port".into(),
                "use a non-default port",
            );
        }
    }
    for (path, c) in app.resources_of::<CfnDbCluster>() {
        if c.enable_iam_database_authentication != Some(true) {
            report(
                out,
                "AwsSolutions-RDS6",
                path,
                "IAM database authentication is off".into(),
                "enable it",
            );
        }
        if c.deletion_protection != Some(true) {
            report(
                out,
                "AwsSolutions-RDS10",
                path,
                "deletion protection is off".into(),
                "enable it",
            );
        }
        if c.backup_retention_period == Some(0) {
            report(
                out,
                "AwsSolutions-RDS13",
                path,
                "automated backups are off".into(),
                "keep 1 to 35 days",
            );
        }
        if c.manage_master_user_password != Some(true) {
            report(
                out,
                "MS-RDS-2",
                path,
                "the master password is not managed by Secrets Manager".into(),
                "set ManageMasterUserPassword",
            );
        }
        let engine = c.engine.as_deref().unwrap_or_default();
        let port = c.port.map(|p| p.to_string());
        if port
            .as_deref()
            .is_none_or(|p| Some(p) == default_port(engine))
        {
            report(
                out,
                "AwsSolutions-RDS11",
                path,
                "the cluster listens on the engine's default port".into(),
                "use a non-default port",
            );
        }
    }
    let force_ssl = |path: &str,
                     family: Option<&str>,
                     params: Option<&std::collections::BTreeMap<String, String>>,
                     out: &mut Vec<Diagnostic>| {
        if family.is_some_and(|f| f.contains("postgres"))
            && params
                .and_then(|p| p.get("rds.force_ssl"))
                .map(String::as_str)
                != Some("1")
        {
            report(
                out,
                "MS-RDS-3",
                path,
                "the parameter group does not force TLS".into(),
                "set rds.force_ssl=1",
            );
        }
    };
    for (path, g) in app.resources_of::<CfnDbParameterGroup>() {
        force_ssl(path, g.family.as_deref(), g.parameters.as_ref(), out);
    }
    for (path, g) in app.resources_of::<CfnDbClusterParameterGroup>() {
        force_ssl(path, g.family.as_deref(), g.parameters.as_ref(), out);
    }
}

fn default_port(engine: &str) -> Option<&'static str> {
    match engine {
        "postgres" | "aurora-postgresql" => Some("5432"),
        "mysql" | "mariadb" | "aurora-mysql" => Some("3306"),
        _ => None,
    }
}
