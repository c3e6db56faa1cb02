//! ElastiCache family: a Redis or Valkey replication group with its subnet,
//! parameter and security groups; encryption at rest (KMS) and in transit,
//! an AUTH token from Secrets Manager, Multi-AZ with automatic failover;
//! primary and reader endpoints exported as stack outputs.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::elasticache::{CacheReplicationGroup, CacheReplicationGroupProps};
//! use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
//! use meshsynth::aws::network::{SubnetKind, Vpc, VpcProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let st = Stack::new(&mut app.root(), "acme-cache",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(st.node())?;
//!     let vpc = Vpc::new(&mut s, "Vpc", VpcProps::default())?;
//!     let key = Key::new(&mut s, "Key", KeyProps {
//!         users: vec![KeyUser::ViaService("elasticache".into()), KeyUser::ViaService("secretsmanager".into())],
//!         ..Default::default()
//!     })?;
//!     CacheReplicationGroup::new(&mut s, "Sessions", CacheReplicationGroupProps {
//!         id: "acme-sessions".into(),
//!         vpc_id: vpc.vpc_id(),
//!         subnet_ids: vpc.subnet_ids(SubnetKind::Private),
//!         encryption_key: key.arn(),
//!         port: 6380,
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-cache").has_resource_properties("AWS::ElastiCache::ReplicationGroup",
//!     serde_json::json!({ "TransitEncryptionEnabled": true, "AtRestEncryptionEnabled": true }));
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::elasticache as cfn;

use std::collections::BTreeMap;

use cfn::{CfnParameterGroup, CfnReplicationGroup, CfnSubnetGroup};

use crate::aws::network::{SecurityGroup, SecurityGroupProps};
use crate::aws::secrets::{Secret, SecretProps};
use crate::core::{CfnOutput, CfnOutputProps, Error, ResourceRef, Scope, Value};

/// The cache engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheEngine {
    /// Redis OSS.
    #[default]
    Redis,
    /// Valkey.
    Valkey,
}

/// Props of a `CacheReplicationGroup`.
#[derive(Debug, Clone)]
pub struct CacheReplicationGroupProps {
    /// The replication group id (1-40 lower-case letters, digits, `-`). Required (no default).
    pub id: String,
    /// Engine. Default: Redis.
    pub engine: CacheEngine,
    /// Engine version. Default: `7.1` (Redis), `8.0` (Valkey).
    pub engine_version: Option<String>,
    /// Node type. Default: `cache.t3.micro`.
    pub node_type: String,
    /// Nodes (primary + replicas), 2 to 6 for Multi-AZ. Default: 2.
    pub nodes: i64,
    /// Port (a TCP port: 70000 does not compile). Default: 6379.
    pub port: u16,
    /// The VPC. Required (no default).
    pub vpc_id: Value,
    /// Subnets (private), in at least 2 AZs. Required (no default).
    pub subnet_ids: Vec<Value>,
    /// KMS key ARN for data at rest and the AUTH token secret. Required (no default: never the
    /// AWS-owned key).
    pub encryption_key: Value,
    /// Engine parameters; with none, the engine's default group
    /// (`default.redis7`, `default.valkey8`) is used. Default: none.
    pub parameters: BTreeMap<String, String>,
    /// Weekly maintenance window (UTC). Default: `sun:05:00-sun:06:00`.
    pub maintenance_window: String,
    /// Daily snapshots kept. Default: 7.
    pub snapshot_retention_days: i64,
}

impl Default for CacheReplicationGroupProps {
    fn default() -> Self {
        CacheReplicationGroupProps {
            id: String::new(),
            engine: CacheEngine::Redis,
            engine_version: None,
            node_type: "cache.t3.micro".into(),
            nodes: 2,
            port: 6379,
            vpc_id: Value::str(""),
            subnet_ids: Vec::new(),
            encryption_key: Value::str(""),
            parameters: BTreeMap::new(),
            maintenance_window: "sun:05:00-sun:06:00".into(),
            snapshot_retention_days: 7,
        }
    }
}

/// A Redis/Valkey replication group.
#[derive(Debug, Clone)]
pub struct CacheReplicationGroup {
    /// The L1 replication group.
    pub resource: ResourceRef<CfnReplicationGroup>,
    /// The group's security group: grant clients the port.
    pub security_group: SecurityGroup,
    /// The AUTH token secret.
    pub auth_token: Secret,
}

/// Everything ElastiCache would refuse in the props, before anything is
/// added.
fn check(path: &str, props: &CacheReplicationGroupProps) -> Result<(), Error> {
    let err = |m: String, h: &str| Error::construct(path.to_string(), m, h);
    let id_ok = !props.id.is_empty()
        && props.id.len() <= 40
        && props.id.starts_with(|c: char| c.is_ascii_lowercase())
        && props
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !props.id.ends_with('-')
        && !props.id.contains("--");
    if !id_ok {
        return Err(err(
            format!("replication group id {:?} is invalid", props.id),
            "use 1-40 lower-case letters, digits and single '-', starting with a letter",
        ));
    }
    if !(2..=6).contains(&props.nodes) {
        return Err(err(
            format!("{} nodes: Multi-AZ with failover needs 2 to 6", props.nodes),
            "use 2 or more nodes",
        ));
    }
    if props.subnet_ids.len() < 2 {
        return Err(err(
            format!(
                "the subnet group needs at least 2 AZs; {} subnets given",
                props.subnet_ids.len()
            ),
            "pass private subnets of 2 or more AZs",
        ));
    }
    if !props.node_type.starts_with("cache.") {
        return Err(err(
            format!(
                "node type {:?} is not an ElastiCache node type",
                props.node_type
            ),
            "use e.g. cache.t3.micro",
        ));
    }
    if props.encryption_key.as_literal() == Some("") || props.vpc_id.as_literal() == Some("") {
        return Err(err(
            "encryption_key and vpc_id are required".into(),
            "pass key.arn() and vpc.vpc_id()",
        ));
    }
    Ok(())
}

impl CacheReplicationGroup {
    /// Adds the replication group and what it needs.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: CacheReplicationGroupProps,
    ) -> Result<CacheReplicationGroup, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        // Refused props are reported and the construct still built: one synth
        // lists every mistake of the platform.
        scope.refuse_all(check(&path, &props).err());
        let (engine, version, family) = match props.engine {
            CacheEngine::Redis => (
                "redis",
                props.engine_version.clone().unwrap_or_else(|| "7.1".into()),
                "redis7",
            ),
            CacheEngine::Valkey => (
                "valkey",
                props.engine_version.clone().unwrap_or_else(|| "8.0".into()),
                "valkey8",
            ),
        };
        let mut s = scope.child(id)?;
        let auth_token = auth_token(&mut s, &path, &props.encryption_key)?;
        let sg = SecurityGroup::new(
            &mut s,
            "SecurityGroup",
            SecurityGroupProps {
                vpc_id: props.vpc_id.clone(),
                description: format!("{path}: cache clients"),
                allow_all_outbound: false,
            },
        )?;
        let subnet_group = s.add_resource(
            "SubnetGroup",
            CfnSubnetGroup::new(format!("{path} subnets"), props.subnet_ids),
        )?;
        let parameter_group = if props.parameters.is_empty() {
            Value::Str(format!("default.{family}"))
        } else {
            s.add_resource(
                "ParameterGroup",
                CfnParameterGroup {
                    properties: Some(props.parameters.into()),
                    ..CfnParameterGroup::new(family, format!("{path} parameters"))
                },
            )?
            .reference()
        };
        let resource = s.add_resource(
            "Resource",
            CfnReplicationGroup {
                replication_group_id: Some(props.id.into()),
                engine: Some(engine.into()),
                engine_version: Some(version.into()),
                cache_node_type: Some(props.node_type.into()),
                num_cache_clusters: Some(props.nodes.into()),
                automatic_failover_enabled: Some(true.into()),
                multi_az_enabled: Some(true.into()),
                at_rest_encryption_enabled: Some(true.into()),
                kms_key_id: Some(props.encryption_key),
                transit_encryption_enabled: Some(true.into()),
                auth_token: Some(auth_token.dynamic_reference()),
                cache_subnet_group_name: Some(subnet_group.reference()),
                security_group_ids: Some(vec![sg.group_id()]),
                cache_parameter_group_name: Some(parameter_group),
                port: Some(props.port.into()),
                preferred_maintenance_window: Some(props.maintenance_window.into()),
                snapshot_retention_limit: Some(props.snapshot_retention_days.into()),
                snapshot_window: Some("03:00-04:00".into()),
                auto_minor_version_upgrade: Some(true.into()),
                ..CfnReplicationGroup::new(path.clone())
            },
        )?;
        // Cached data can be a system of record (sessions): a final snapshot
        // is taken when the group is deleted or replaced.
        let o = s.options(resource.node())?;
        o.deletion_policy = Some(crate::core::DeletionPolicy::Snapshot);
        o.update_replace_policy = Some(crate::core::DeletionPolicy::Snapshot);
        endpoint_outputs(&mut s, &path, &resource)?;
        Ok(CacheReplicationGroup {
            resource,
            security_group: sg,
            auth_token,
        })
    }
}

impl CacheReplicationGroup {
    /// The primary endpoint host name (a deferred value in Kubernetes
    /// objects), named like the databases' accessor.
    pub fn endpoint_address(&self) -> Value {
        self.resource.primary_endpoint_address()
    }

    /// The primary endpoint port.
    pub fn endpoint_port(&self) -> Value {
        self.resource.primary_endpoint_port()
    }

    /// The reader endpoint host name.
    pub fn reader_endpoint_address(&self) -> Value {
        self.resource.reader_endpoint_address()
    }

    /// Least-privilege statements for a client to read the AUTH token it
    /// connects with (the token's secret, decrypted through Secrets Manager).
    pub fn grant_auth(&self) -> Vec<crate::aws::iam::PolicyStatement> {
        self.auth_token.grant_read()
    }
}

impl ResourceRef<CfnReplicationGroup> {
    /// The primary endpoint host name.
    pub fn primary_endpoint_address(&self) -> Value {
        self.attr("PrimaryEndPoint.Address")
    }
    /// The primary endpoint port.
    pub fn primary_endpoint_port(&self) -> Value {
        self.attr("PrimaryEndPoint.Port")
    }
    /// The reader endpoint host name.
    pub fn reader_endpoint_address(&self) -> Value {
        self.attr("ReaderEndPoint.Address")
    }
    /// The reader endpoint port.
    pub fn reader_endpoint_port(&self) -> Value {
        self.attr("ReaderEndPoint.Port")
    }
}
/// The AUTH token, generated into a secret under the group's key.
fn auth_token(s: &mut Scope<'_>, path: &str, key: &Value) -> Result<Secret, Error> {
    let auth_token = Secret::new(
        s,
        "AuthToken",
        SecretProps {
            description: Some(format!("{path}: AUTH token")),
            encryption_key: Some(key.clone()),
            generate_key: "token".into(),
            length: 64,
            // AUTH tokens accept printable ASCII except a few; alphanumerics are always safe.
            exclude_punctuation: true,
            ..Default::default()
        },
    )?;
    s.at(auth_token.resource.node())?.suppress(
        crate::aws::security::codes::AWS_SOLUTIONS_SMG4,
        "an ElastiCache AUTH token rotates through ModifyReplicationGroup, which Secrets Manager rotation cannot drive without a Lambda; rotate by redeploying",
    )?;
    Ok(auth_token)
}

/// Outputs for the endpoints clients connect to.
fn endpoint_outputs(
    s: &mut Scope<'_>,
    path: &str,
    resource: &ResourceRef<CfnReplicationGroup>,
) -> Result<(), Error> {
    for (oid, value, what) in [
        (
            "PrimaryEndpointAddress",
            resource.primary_endpoint_address(),
            "primary endpoint host",
        ),
        (
            "PrimaryEndpointPort",
            resource.primary_endpoint_port(),
            "primary endpoint port",
        ),
        (
            "ReaderEndpointAddress",
            resource.reader_endpoint_address(),
            "reader endpoint host",
        ),
    ] {
        CfnOutput::new(
            s,
            oid,
            CfnOutputProps {
                value,
                description: Some(format!("{path}: {what}")),
                export_name: None,
            },
        )?;
    }
    Ok(())
}
