//! MSK family: a provisioned Kafka cluster with KMS at rest, TLS between
//! clients and brokers and inside the cluster, IAM client authentication,
//! broker logs to CloudWatch Logs, and its configuration resource.
//! CloudFormation exposes only the cluster ARN: the bootstrap brokers are
//! looked up at deploy (`kafka:GetBootstrapBrokers`); see docs/aws.md.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
//! use meshsynth::aws::msk::{MskCluster, MskClusterProps};
//! use meshsynth::aws::network::{SubnetKind, Vpc, VpcProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let st = Stack::new(&mut app.root(), "acme-streaming",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(st.node())?;
//!     let vpc = Vpc::new(&mut s, "Vpc", VpcProps::default())?;
//!     let key = Key::new(&mut s, "Key", KeyProps {
//!         users: vec![KeyUser::ViaService("kafka".into()), KeyUser::CloudWatchLogs],
//!         ..Default::default()
//!     })?;
//!     MskCluster::new(&mut s, "Kafka", MskClusterProps {
//!         name: "acme-kafka".into(),
//!         vpc_id: vpc.vpc_id(),
//!         subnet_ids: vpc.subnet_ids(SubnetKind::Private),
//!         encryption_key: key.arn(),
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-streaming").resource_count_is("AWS::MSK::Cluster", 1);
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::msk as cfn;

use cfn::{cluster, CfnCluster, CfnConfiguration};

use crate::aws::iam::PolicyStatement;
use crate::aws::logs::{LogGroup, LogGroupProps};
use crate::aws::network::{SecurityGroup, SecurityGroupProps};
use crate::core::{
    CfnOutput, CfnOutputProps, Error, Lookup, LookupValue, MskListener, ResourceRef, Scope, Value,
};

/// The port of IAM-authenticated TLS listeners.
pub const IAM_TLS_PORT: u16 = 9098;

/// Props of an `MskCluster`.
#[derive(Debug, Clone)]
pub struct MskClusterProps {
    /// Cluster name (1-64 of letters, digits and `-`). Required (no default).
    pub name: String,
    /// Kafka version. Default: `3.6.0`.
    pub kafka_version: String,
    /// Broker count; a multiple of the number of subnets (AZs). Default: 3.
    pub broker_count: i64,
    /// Broker instance type. Default: `kafka.m5.large`.
    pub instance_type: String,
    /// EBS volume per broker in GiB. Default: 100.
    pub volume_size_gib: i64,
    /// The VPC. Required (no default).
    pub vpc_id: Value,
    /// Client subnets, one per AZ (2 or 3). Required (no default).
    pub subnet_ids: Vec<Value>,
    /// KMS key ARN for data at rest. Required (no default: never the AWS-owned key).
    pub encryption_key: Value,
    /// Broker log retention in days. Default: 365.
    pub log_retention_days: i64,
    /// Extra broker properties (`key=value` lines, added after the defaults).
    /// Default: none.
    pub server_properties: Vec<(String, String)>,
}

impl Default for MskClusterProps {
    fn default() -> Self {
        MskClusterProps {
            name: String::new(),
            kafka_version: "3.6.0".into(),
            broker_count: 3,
            instance_type: "kafka.m5.large".into(),
            volume_size_gib: 100,
            vpc_id: Value::str(""),
            subnet_ids: Vec::new(),
            encryption_key: Value::str(""),
            log_retention_days: 365,
            server_properties: Vec::new(),
        }
    }
}

/// A provisioned MSK cluster.
#[derive(Debug, Clone)]
pub struct MskCluster {
    /// The L1 cluster.
    pub resource: ResourceRef<CfnCluster>,
    /// The configuration.
    pub configuration: ResourceRef<CfnConfiguration>,
    /// The brokers' security group: grant clients port `IAM_TLS_PORT`.
    pub security_group: SecurityGroup,
    /// The broker log group.
    pub log_group: LogGroup,
}

/// Everything MSK would refuse in the props, before anything is added.
fn check(path: &str, props: &MskClusterProps) -> Result<(), Error> {
    let err = |m: String, h: &str| Error::construct(path.to_string(), m, h);
    let name_ok = !props.name.is_empty()
        && props.name.len() <= 64
        && props.name.starts_with(|c: char| c.is_ascii_alphabetic())
        && props
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !name_ok {
        return Err(err(
            format!("cluster name {:?} is invalid", props.name),
            "use 1-64 letters, digits and '-', starting with a letter",
        ));
    }
    let azs = props.subnet_ids.len() as i64;
    if !(2..=3).contains(&azs) {
        return Err(err(
            format!("MSK needs client subnets in 2 or 3 AZs; {azs} given"),
            "pass one private subnet per AZ",
        ));
    }
    if props.broker_count < 1 || props.broker_count % azs != 0 {
        return Err(err(
            format!(
                "broker count {} is not a multiple of the AZ count {azs}",
                props.broker_count
            ),
            "MSK spreads brokers evenly over the AZs: use a multiple of the number of subnets",
        ));
    }
    if !props.instance_type.starts_with("kafka.") {
        return Err(err(
            format!(
                "instance type {:?} is not an MSK broker type",
                props.instance_type
            ),
            "use e.g. kafka.m5.large",
        ));
    }
    if !(1..=16384).contains(&props.volume_size_gib) {
        return Err(err(
            format!("EBS size {} GiB is outside 1..16384", props.volume_size_gib),
            "use e.g. 100",
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

/// The broker configuration: safe defaults (no auto-created topics,
/// replication over up to three brokers, no unclean leader election), then
/// the props' own properties.
fn server_properties(props: &MskClusterProps) -> String {
    let replication = props.broker_count.min(3);
    let mut lines = vec![
        "auto.create.topics.enable=false".to_string(),
        format!("default.replication.factor={replication}"),
        format!("min.insync.replicas={}", (replication - 1).max(1)),
        "num.partitions=3".to_string(),
        "unclean.leader.election.enable=false".to_string(),
    ];
    lines.extend(
        props
            .server_properties
            .iter()
            .map(|(k, v)| format!("{k}={v}")),
    );
    lines.join("\n") + "\n"
}

impl MskCluster {
    /// Adds the cluster, its configuration, security group and log group.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: MskClusterProps,
    ) -> Result<MskCluster, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        // Refused props are reported and the construct still built: one synth
        // lists every mistake of the platform.
        scope.refuse_all(check(&path, &props).err());
        let mut s = scope.child(id)?;
        let sg = SecurityGroup::new(
            &mut s,
            "SecurityGroup",
            SecurityGroupProps {
                vpc_id: props.vpc_id.clone(),
                description: format!("{path}: Kafka brokers"),
                allow_all_outbound: false,
            },
        )?;
        let log_group = LogGroup::new(
            &mut s,
            "BrokerLogs",
            LogGroupProps {
                retention_days: props.log_retention_days,
                encryption_key: Some(props.encryption_key.clone()),
                ..Default::default()
            },
        )?;
        let configuration = s.add_resource(
            "Configuration",
            CfnConfiguration {
                description: Some(format!("{path} broker configuration").into()),
                kafka_versions_list: Some(vec![props.kafka_version.clone().into()]),
                ..CfnConfiguration::new(format!("{}-config", props.name), server_properties(&props))
            },
        )?;
        let resource = s.add_resource(
            "Resource",
            CfnCluster {
                encryption_info: Some(cluster::EncryptionInfo {
                    encryption_at_rest: Some(cluster::EncryptionAtRest::new(props.encryption_key)),
                    encryption_in_transit: Some(cluster::EncryptionInTransit {
                        client_broker: Some(cluster::ClientBroker::Tls),
                        in_cluster: Some(true.into()),
                    }),
                }),
                client_authentication: Some(cluster::ClientAuthentication {
                    sasl: Some(cluster::Sasl {
                        iam: Some(cluster::Iam::new(true)),
                        ..Default::default()
                    }),
                    unauthenticated: Some(cluster::Unauthenticated::new(false)),
                    ..Default::default()
                }),
                logging_info: Some(cluster::LoggingInfo {
                    broker_logs: Some(cluster::BrokerLogs {
                        cloud_watch_logs: Some(cluster::CloudWatchLogs {
                            log_group: Some(log_group.name()),
                            ..cluster::CloudWatchLogs::new(true)
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                configuration_info: Some(cluster::ConfigurationInfo::new(
                    configuration.arn(),
                    configuration.latest_revision(),
                )),
                enhanced_monitoring: Some(cluster::EnhancedMonitoring::PerBroker),
                ..CfnCluster::new(
                    cluster::BrokerNodeGroupInfo {
                        security_groups: Some(vec![sg.group_id()]),
                        storage_info: Some(cluster::StorageInfo {
                            ebs_storage_info: Some(cluster::EBSStorageInfo {
                                volume_size: Some(props.volume_size_gib.into()),
                                ..Default::default()
                            }),
                        }),
                        ..cluster::BrokerNodeGroupInfo::new(props.subnet_ids, props.instance_type)
                    },
                    props.name,
                    props.kafka_version,
                    props.broker_count,
                )
            },
        )?;
        // The brokers hold the topics' data and MSK takes no snapshot: the
        // cluster is kept when it leaves the stack.
        let o = s.options(resource.node())?;
        o.deletion_policy = Some(crate::core::DeletionPolicy::Retain);
        o.update_replace_policy = Some(crate::core::DeletionPolicy::Retain);
        CfnOutput::new(
            &mut s,
            "ClusterArn",
            CfnOutputProps {
                value: resource.arn(),
                description: Some(format!(
                    "{path}: cluster ARN (deploy looks up the bootstrap brokers from it)"
                )),
                export_name: None,
            },
        )?;
        Ok(MskCluster {
            resource,
            configuration,
            security_group: sg,
            log_group,
        })
    }

    /// The bootstrap brokers of the IAM-over-TLS listener (port
    /// `IAM_TLS_PORT`), for clients and KEDA's Kafka trigger. CloudFormation
    /// cannot output them, so they are a deferred lookup: deploy reads the
    /// cluster ARN from the stack's outputs and asks Kafka
    /// `GetBootstrapBrokers`. Use it with `Scope::deferred_lookup` in a chart.
    pub fn bootstrap_brokers(&self) -> LookupValue {
        LookupValue {
            value: self.arn(),
            lookup: Lookup::MskBootstrapBrokers {
                listener: MskListener::SaslIam,
            },
        }
    }

    /// The ARN of a `kind` (`topic`, `group`) of this cluster named `name`:
    /// the cluster ARN with `:cluster/` swapped for `:<kind>/`, plus `/<name>`
    /// (`arn:aws:kafka:<region>:<account>:topic/<cluster>/<uuid>/<name>`).
    fn resource_arn(&self, kind: &str, name: &str) -> Value {
        let parts = || Value::split(":cluster/", self.arn());
        Value::join(
            "",
            vec![
                Value::select(0, parts()),
                Value::Str(format!(":{kind}/")),
                Value::select(1, parts()),
                Value::Str(format!("/{name}")),
            ],
        )
    }

    /// MSK IAM: `kafka-cluster:Connect` and `DescribeCluster` on the cluster.
    pub fn grant_connect(&self) -> Vec<PolicyStatement> {
        vec![PolicyStatement::allow(
            ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"],
            [self.arn()],
        )]
    }

    /// MSK IAM: connect, and write to `topics` (`WriteData`, `DescribeTopic`).
    pub fn grant_produce(&self, topics: &[&str]) -> Vec<PolicyStatement> {
        let mut out = self.grant_connect();
        out.push(PolicyStatement::allow(
            ["kafka-cluster:WriteData", "kafka-cluster:DescribeTopic"],
            topics.iter().map(|t| self.resource_arn("topic", t)),
        ));
        out
    }

    /// MSK IAM: connect, read `topics` (`ReadData`, `DescribeTopic`) as
    /// consumer group `group` (`AlterGroup`, `DescribeGroup`).
    pub fn grant_consume(&self, topics: &[&str], group: &str) -> Vec<PolicyStatement> {
        let mut out = self.grant_connect();
        out.push(PolicyStatement::allow(
            ["kafka-cluster:ReadData", "kafka-cluster:DescribeTopic"],
            topics.iter().map(|t| self.resource_arn("topic", t)),
        ));
        out.push(PolicyStatement::allow(
            ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
            [self.resource_arn("group", group)],
        ));
        out
    }

    /// The cluster ARN.
    pub fn arn(&self) -> Value {
        self.resource.arn()
    }
}

impl ResourceRef<CfnCluster> {
    /// `Ref`: the cluster ARN. (CloudFormation exposes nothing else: no
    /// bootstrap brokers; see docs/aws.md.)
    pub fn arn(&self) -> Value {
        self.reference()
    }
}

impl ResourceRef<CfnConfiguration> {
    /// The configuration ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The latest revision number.
    pub fn latest_revision(&self) -> Value {
        self.attr("LatestRevision.Revision")
    }
}
