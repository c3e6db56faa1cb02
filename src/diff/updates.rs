//! What an in-place CloudFormation update does beyond "update": an RDS
//! major version upgrade the service refuses, and the updates that restart
//! or fail over the resource. The plan says so in the resource's reason.

use serde_json::Value as Json;

use super::Change;

/// The major version of an RDS engine version: the first number for
/// PostgreSQL (`17.6` → `17`), the first two for the others (`8.0.40` →
/// `8.0`); `None` when not literal.
fn engine_major(engine: &str, version: &Json) -> Option<String> {
    let v = version.as_str()?;
    let parts: Vec<&str> = v.split('.').collect();
    let n = if engine.contains("postgres") { 1 } else { 2 };
    (parts.len() >= n).then(|| parts[..n].join("."))
}

/// An RDS engine version change across a major version without
/// `AllowMajorVersionUpgrade`: the plan would show a plain in-place update,
/// but RDS refuses it and the stack update fails.
pub(super) fn major_upgrade_refused(resource_type: &str, old: &Json, new: &Json) -> Option<String> {
    if !matches!(
        resource_type,
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster"
    ) {
        return None;
    }
    let prop = |r: &Json, k: &str| r.get("Properties").and_then(|p| p.get(k)).cloned();
    let engine = prop(new, "Engine")?;
    let engine = engine.as_str()?.to_ascii_lowercase();
    let (from, to) = (prop(old, "EngineVersion")?, prop(new, "EngineVersion")?);
    let (a, b) = (engine_major(&engine, &from)?, engine_major(&engine, &to)?);
    if a == b {
        return None;
    }
    let allowed = matches!(
        prop(new, "AllowMajorVersionUpgrade"),
        Some(Json::Bool(true))
    ) || prop(new, "AllowMajorVersionUpgrade")
        .and_then(|v| v.as_str().map(|s| s.eq_ignore_ascii_case("true")))
        .unwrap_or(false);
    if allowed {
        return None;
    }
    Some(format!(
        "EngineVersion {} → {} is a major upgrade ({a} → {b}) without AllowMajorVersionUpgrade: RDS refuses it and the stack update fails (set AllowMajorVersionUpgrade: true for this deploy, and check the parameter group's family)",
        from.as_str().unwrap_or_default(),
        to.as_str().unwrap_or_default()
    ))
}

/// In-place updates that interrupt the resource, per (type, top-level
/// property), as the CloudFormation reference's "Update requires: Some
/// interruptions" and the services' documentation describe them: a plain
/// "update" would hide a reboot or a failover from the reviewer.
const INTERRUPTING_UPDATES: &[(&str, &str, &str)] = &[
    ("AWS::RDS::DBInstance", "DBInstanceClass", "the instance restarts on the new class: a Multi-AZ instance fails over to its standby (about a minute of errors), a single-AZ one is down for the change (minutes); CloudFormation applies it now, not in the maintenance window"),
    ("AWS::RDS::DBInstance", "EngineVersion", "the engine upgrade restarts the instance (downtime, a failover for Multi-AZ)"),
    ("AWS::RDS::DBInstance", "DBParameterGroupName", "static parameters of the new group apply only after a reboot"),
    ("AWS::RDS::DBInstance", "StorageType", "changing the storage type can degrade the instance for hours while it converts"),
    ("AWS::RDS::DBInstance", "CACertificateIdentifier", "the instance restarts to load the new certificate authority"),
    ("AWS::RDS::DBCluster", "EngineVersion", "the cluster's instances restart on the new engine version (downtime)"),
    ("AWS::RDS::DBCluster", "DBClusterInstanceClass", "every instance of the cluster restarts on the new class"),
    ("AWS::ElastiCache::ReplicationGroup", "CacheNodeType", "the nodes are replaced one by one on the new type (online scaling: connections drop during each switch)"),
    ("AWS::ElastiCache::ReplicationGroup", "EngineVersion", "the nodes restart on the new engine version one by one"),
    ("AWS::MSK::Cluster", "BrokerNodeGroupInfo", "brokers restart one at a time (a rolling update that takes about 15 minutes per broker)"),
    ("AWS::MSK::Cluster", "KafkaVersion", "brokers restart one at a time on the new Kafka version"),
    ("AWS::EKS::Cluster", "Version", "the control plane upgrades in place (about 10 minutes; node groups stay on the old version until upgraded)"),
    ("AWS::EKS::Nodegroup", "ReleaseVersion", "every node is drained and replaced (pods are evicted, within PodDisruptionBudgets)"),
    ("AWS::EKS::Nodegroup", "Version", "every node is drained and replaced (pods are evicted, within PodDisruptionBudgets)"),
    ("AWS::EKS::Nodegroup", "LaunchTemplate", "a new launch template version drains and replaces every node"),
    ("AWS::OpenSearchService::Domain", "ClusterConfig", "a blue/green deployment copies the domain (hours for large domains)"),
    ("AWS::OpenSearchService::Domain", "EngineVersion", "a blue/green deployment upgrades the domain"),
    ("AWS::EC2::Instance", "InstanceType", "the instance is stopped and started again on the new type"),
];

/// What an in-place update of `resource_type` interrupts, from the
/// top-level properties it changes.
pub(super) fn interruption(resource_type: &str, changes: &[Change]) -> Option<String> {
    let notes: Vec<String> = INTERRUPTING_UPDATES
        .iter()
        .filter(|(t, prop, _)| {
            *t == resource_type
                && changes.iter().any(|c| {
                    c.path.strip_prefix("Properties.").is_some_and(|p| {
                        p == *prop
                            || p.starts_with(&format!("{prop}."))
                            || p.starts_with(&format!("{prop}["))
                    })
                })
        })
        .map(|(_, prop, note)| format!("{prop}: {note}"))
        .collect();
    (!notes.is_empty()).then(|| format!("in place, with interruption: {}", notes.join("; ")))
}
