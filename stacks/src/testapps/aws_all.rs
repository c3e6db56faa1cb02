//! `aws-all`: one app that uses every AWS construct of the library, with
//! their secure defaults, so the conformance step (cfn-lint, checkov) and the
//! snapshots cover them all. One stack per family keeps each snapshot
//! reviewable and exercises cross-stack references.

use std::collections::BTreeMap;

use meshsynth::k8s_openapi::api::core::v1::ConfigMap;
use meshsynth::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use meshsynth::aws::ecr::{Repository, RepositoryProps};
use meshsynth::aws::eks::{
    Capacity, EksCluster, EksClusterProps, NodeGroup, NodeGroupProps, Taint, TaintEffect,
};
use meshsynth::aws::elasticache::{CacheReplicationGroup, CacheReplicationGroupProps};
use meshsynth::aws::iam::{
    IrsaRole, IrsaRoleProps, ManagedPolicy, ManagedPolicyProps, PolicyStatement,
};
use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
use meshsynth::aws::logs::{LogGroup, LogGroupProps};
use meshsynth::aws::msk::{MskCluster, MskClusterProps, IAM_TLS_PORT};
use meshsynth::aws::network::{
    Endpoint, Port, SecurityGroup, SecurityGroupProps, SubnetGroup, SubnetKind, Vpc, VpcProps,
    WorldIngress,
};
use meshsynth::aws::rds::{
    AuroraPostgresCluster, AuroraPostgresClusterProps, PostgresInstance, PostgresInstanceProps,
};
use meshsynth::aws::route53::{HealthCheck, HealthCheckProps};
use meshsynth::aws::secrets::{Secret, SecretProps};
use meshsynth::aws::ssm::{ParameterValue, StringParameter, StringParameterProps};
use meshsynth::core::value::ArnPart;
use meshsynth::core::{App, Arn, Chart, ChartProps, Env, Error, StackRef};

/// The account of the test app (the documentation account).
pub const ACCOUNT: &str = "123456789012";
/// The region of the test app.
pub const REGION: &str = "ap-northeast-1";

/// Why the test app keeps the engines' default ports (suppressed, recorded).
const PORT_REASON: &str = "clients find the port in config; security groups, TLS and authentication protect the data, not an unusual port";

fn stack(app: &mut App, name: &str, what: &str) -> Result<StackRef, Error> {
    super::tagged_stack(
        app,
        Env::new(ACCOUNT, REGION),
        ("aws-all", "project"),
        name,
        what,
    )
}

/// Adds the `aws-all` app.
pub fn build(app: &mut App) -> Result<(), Error> {
    // Network: VPC with flow logs and endpoints, security groups.
    let net = stack(app, "aws-all-network", "network")?;
    let (vpc, nodes_sg) = network(app, &net)?;
    let private = vpc.subnet_ids(SubnetKind::Private);
    let isolated = vpc.subnet_ids(SubnetKind::Isolated);

    // Keys.
    let keys = stack(app, "aws-all-keys", "KMS keys")?;
    let key = data_key(app, &keys)?;

    // Databases.
    let dbs = stack(app, "aws-all-databases", "RDS PostgreSQL and Aurora")?;
    let db = databases(app, &dbs, (&vpc, &nodes_sg, &isolated, &key))?;

    // Streaming and cache.
    let streaming = stack(app, "aws-all-streaming", "MSK and ElastiCache")?;
    let (kafka, redis) = streaming_stack(app, &streaming, (&vpc, &nodes_sg, &private, &key))?;

    // Supporting resources.
    let support = stack(
        app,
        "aws-all-support",
        "SSM, Secrets Manager, ECR, logs, Route 53",
    )?;
    let app_logs = supporting(app, &support, &db, &key)?;

    // EKS: cluster, node groups, IRSA and a workload chart.
    let eks = stack(app, "aws-all-eks", "EKS cluster, node groups and IRSA")?;
    let mut s = app.scope(eks.node())?;
    let (cluster, tracing) = cluster(&mut s, &private, &nodes_sg, &key)?;
    let chart = Chart::new(
        &mut s,
        "Workloads",
        ChartProps::new("aws-all").namespace("shop"),
    )?;
    let mut c = app.scope(chart.node())?;
    workloads(&mut c, &cluster, (&db, &kafka, &redis), &app_logs, &tracing)
}
/// The cluster, a SPOT and an on-demand node group, and the tracing policy
/// workloads share.
fn cluster(
    s: &mut meshsynth::core::Scope<'_>,
    private: &[meshsynth::core::Value],
    nodes_sg: &SecurityGroup,
    key: &Key,
) -> Result<(EksCluster, ManagedPolicy), Error> {
    let cluster = EksCluster::new(
        s,
        "Cluster",
        EksClusterProps {
            name: "aws-all-cluster".into(),
            subnet_ids: private.to_vec(),
            security_group_ids: vec![nodes_sg.group_id()],
            admin_principal_arns: vec![Arn::new("iam", "role/platform-admin")
                .region(ArnPart::Empty)
                .value()],
            ..Default::default()
        },
    )?;
    let mut labels = BTreeMap::new();
    labels.insert("workload".to_string(), "general".to_string());
    NodeGroup::new(
        s,
        "SpotNodes",
        &cluster,
        NodeGroupProps {
            name: Some("aws-all-spot-nodes".into()),
            capacity: Capacity::Spot,
            instance_types: vec!["t3.medium".into(), "t3.large".into()],
            min_size: 1,
            desired_size: 2,
            max_size: 10,
            labels,
            taints: vec![Taint {
                key: "spot".into(),
                value: Some("true".into()),
                effect: TaintEffect::PreferNoSchedule,
            }],
            volume_key: Some(key.arn()),
            security_group_ids: vec![
                cluster.resource.cluster_security_group_id(),
                nodes_sg.group_id(),
            ],
            ..Default::default()
        },
    )?;
    NodeGroup::new(s, "OnDemandNodes", &cluster, NodeGroupProps::default())?;

    let tracing = ManagedPolicy::new(
        s,
        "TracingPolicy",
        ManagedPolicyProps {
            description: Some("X-Ray traces and CloudWatch metrics from workloads".into()),
            statements: vec![PolicyStatement::allow(
                [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "cloudwatch:PutMetricData",
                ],
                [meshsynth::core::Value::str("*")],
            )],
            ..Default::default()
        },
    )?;
    Ok((cluster, tracing))
}

/// Two IRSA roles (least privilege through the data constructs' grants)
/// and a ConfigMap of values known only after deploy.
fn workloads(
    c: &mut meshsynth::core::Scope<'_>,
    cluster: &EksCluster,
    (db, kafka, redis): (&PostgresInstance, &MskCluster, &CacheReplicationGroup),
    app_logs: &LogGroup,
    tracing: &ManagedPolicy,
) -> Result<(), Error> {
    let order = IrsaRole::new(
        c,
        "OrderIrsa",
        IrsaRoleProps {
            oidc: cluster.oidc_provider(),
            namespace: "shop".into(),
            service_account: "order-service-sa".into(),
            statements: vec![
                PolicyStatement::allow(
                    [
                        "ssm:GetParameter",
                        "ssm:GetParameters",
                        "ssm:GetParametersByPath",
                    ],
                    [StringParameter::path_arn_any("/shop/order")],
                ),
                PolicyStatement::allow(["rds:DescribeDBInstances"], [db.resource.arn()]),
            ]
            .into_iter()
            // Least privilege without hand-written ARNs: the master secret
            // (and its key, through Secrets Manager only) and IAM connect.
            .chain(db.grant_read_master_secret())
            .chain(db.grant_connect("orderuser"))
            .chain(kafka.grant_produce(&["orders"]))
            .chain(kafka.grant_consume(&["payments"], "order-service"))
            .chain(redis.grant_auth())
            .collect(),
            managed_policy_arns: vec![tracing.arn()],
        },
    )?;
    IrsaRole::new(
        c,
        "FluentBitIrsa",
        IrsaRoleProps {
            oidc: cluster.oidc_provider(),
            namespace: "amazon-cloudwatch".into(),
            service_account: "fluent-bit".into(),
            statements: vec![PolicyStatement::allow(
                [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                [app_logs.arn()],
            )],
            ..Default::default()
        },
    )?;
    // Values that exist only after deploy reach Kubernetes as deferred inputs.
    let mut data = BTreeMap::new();
    data.insert("DB_HOST".to_string(), c.deferred(&db.endpoint_address())?);
    data.insert("DB_PORT".to_string(), c.deferred(&db.endpoint_port())?);
    data.insert(
        "REDIS_HOST".to_string(),
        c.deferred(&redis.resource.primary_endpoint_address())?,
    );
    data.insert("KAFKA_CLUSTER_ARN".to_string(), c.deferred(&kafka.arn())?);
    data.insert(
        "KAFKA_BOOTSTRAP_SERVERS".to_string(),
        c.deferred_lookup(&kafka.bootstrap_brokers())?,
    );
    data.insert("ORDER_ROLE_ARN".to_string(), order.role_arn.clone());
    c.add_object(
        "OrderConfig",
        ConfigMap {
            metadata: ObjectMeta {
                name: Some("order-config".into()),
                ..Default::default()
            },
            data: Some(data),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// The VPC (public, private and isolated subnets, endpoints) and the node
/// and load-balancer security groups.
fn network(app: &mut App, net: &StackRef) -> Result<(Vpc, SecurityGroup), Error> {
    let mut s = app.scope(net.node())?;
    let vpc = Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            subnets: vec![
                SubnetGroup::new("Public", SubnetKind::Public, 24),
                SubnetGroup::new("Private", SubnetKind::Private, 19),
                SubnetGroup::new("Isolated", SubnetKind::Isolated, 24),
            ],
            endpoints: vec![
                Endpoint::S3Gateway,
                Endpoint::Ecr,
                Endpoint::Sts,
                Endpoint::Logs,
            ],
            ..Default::default()
        },
    )?;
    let nodes_sg = SecurityGroup::new(
        &mut s,
        "NodesSecurityGroup",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: "EKS worker nodes".into(),
            allow_all_outbound: true,
        },
    )?;
    nodes_sg.allow_from_cidr(
        &mut s,
        &vpc.cidr.to_string(),
        Port::tcp(443),
        "HTTPS from inside the VPC",
    )?;
    let lb_sg = SecurityGroup::new(
        &mut s,
        "LoadBalancerSecurityGroup",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: "internet-facing application load balancer".into(),
            allow_all_outbound: true,
        },
    )?;
    lb_sg.allow_from_anywhere(
        &mut s,
        Port::tcp(443),
        "HTTPS from the internet",
        WorldIngress::InternetFacingLoadBalancer,
    )?;
    lb_sg.allow_from_anywhere(
        &mut s,
        Port::tcp(80),
        "HTTP from the internet, redirected to HTTPS",
        WorldIngress::InternetFacingLoadBalancer,
    )?;
    nodes_sg.allow_from(
        &mut s,
        &lb_sg,
        Port::tcp(8080),
        "service traffic from the load balancer",
    )?;
    Ok((vpc, nodes_sg))
}

/// The data key every encrypted resource uses.
fn data_key(app: &mut App, keys: &StackRef) -> Result<Key, Error> {
    let mut s = app.scope(keys.node())?;
    Key::new(
        &mut s,
        "DataKey",
        KeyProps {
            alias: Some("aws-all/data".into()),
            users: vec![
                KeyUser::CloudWatchLogs,
                KeyUser::ViaService("rds".into()),
                KeyUser::ViaService("kafka".into()),
                KeyUser::ViaService("elasticache".into()),
                KeyUser::ViaService("secretsmanager".into()),
                KeyUser::ViaService("ec2".into()),
                KeyUser::Ec2AutoScaling,
            ],
            ..Default::default()
        },
    )
}

/// A PostgreSQL instance and an Aurora cluster, both admitting the nodes.
fn databases(
    app: &mut App,
    dbs: &StackRef,
    (vpc, nodes_sg, isolated, key): (&Vpc, &SecurityGroup, &[meshsynth::core::Value], &Key),
) -> Result<PostgresInstance, Error> {
    let mut s = app.scope(dbs.node())?;
    let db = PostgresInstance::new(
        &mut s,
        "OrderDb",
        PostgresInstanceProps {
            identifier: Some("aws-all-order-db".into()),
            database_name: Some("orderdb".into()),
            master_username: "orderuser".into(),
            vpc_id: vpc.vpc_id(),
            subnet_ids: isolated.to_vec(),
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    s.at(db.resource.node())?
        .suppress("AwsSolutions-RDS11", PORT_REASON)?;
    db.security_group.allow_from(
        &mut s,
        nodes_sg,
        Port::tcp(5432),
        "PostgreSQL from the EKS nodes",
    )?;
    let aurora = AuroraPostgresCluster::new(
        &mut s,
        "Aurora",
        AuroraPostgresClusterProps {
            vpc_id: vpc.vpc_id(),
            subnet_ids: isolated.to_vec(),
            database_name: Some("catalog".into()),
            ..Default::default()
        },
    )?;
    s.at(aurora.resource.node())?
        .suppress("AwsSolutions-RDS11", PORT_REASON)?;
    aurora.security_group.allow_from(
        &mut s,
        nodes_sg,
        Port::tcp(5432),
        "PostgreSQL from the EKS nodes",
    )?;
    Ok(db)
}

/// MSK and Redis, both admitting the nodes.
fn streaming_stack(
    app: &mut App,
    streaming: &StackRef,
    (vpc, nodes_sg, private, key): (&Vpc, &SecurityGroup, &[meshsynth::core::Value], &Key),
) -> Result<(MskCluster, CacheReplicationGroup), Error> {
    let mut s = app.scope(streaming.node())?;
    let kafka = MskCluster::new(
        &mut s,
        "Kafka",
        MskClusterProps {
            name: "aws-all-kafka".into(),
            vpc_id: vpc.vpc_id(),
            subnet_ids: private.to_vec(),
            encryption_key: key.arn(),
            ..Default::default()
        },
    )?;
    kafka.security_group.allow_from(
        &mut s,
        nodes_sg,
        Port::tcp(IAM_TLS_PORT),
        "Kafka (IAM over TLS) from the EKS nodes",
    )?;
    let redis = CacheReplicationGroup::new(
        &mut s,
        "Redis",
        CacheReplicationGroupProps {
            id: "aws-all-redis".into(),
            vpc_id: vpc.vpc_id(),
            subnet_ids: private[..2].to_vec(),
            encryption_key: key.arn(),
            ..Default::default()
        },
    )?;
    s.at(redis.resource.node())?
        .suppress("AwsSolutions-AEC5", PORT_REASON)?;
    redis.security_group.allow_from(
        &mut s,
        nodes_sg,
        Port::tcp(6379),
        "Redis (TLS) from the EKS nodes",
    )?;
    Ok((kafka, redis))
}

/// SSM parameters, a secret, an image repository, a health check and the
/// application log group.
fn supporting(
    app: &mut App,
    support: &StackRef,
    db: &PostgresInstance,
    key: &Key,
) -> Result<LogGroup, Error> {
    let mut s = app.scope(support.node())?;
    StringParameter::new(
        &mut s,
        "DatabaseHostParameter",
        StringParameterProps {
            name: "/shop/order/database-host".into(),
            value: ParameterValue::String(db.endpoint_address()),
            description: Some("order database host".into()),
        },
    )?;
    StringParameter::new(
        &mut s,
        "FeatureFlags",
        StringParameterProps {
            name: "/shop/order/features".into(),
            value: ParameterValue::StringList(vec!["checkout-v2".into(), "fast-refunds".into()]),
            description: None,
        },
    )?;
    let api_key = Secret::new(
        &mut s,
        "PartnerApiKey",
        SecretProps {
            name: Some("aws-all/partner-api-key".into()),
            encryption_key: Some(key.arn()),
            template: r#"{"username":"aws-all"}"#.into(),
            ..Default::default()
        },
    )?;
    s.at(api_key.resource.node())?.suppress(
        "AwsSolutions-SMG4",
        "the partner rotates this key by hand every 90 days; there is no rotation API",
    )?;
    Repository::new(
        &mut s,
        "OrderImages",
        RepositoryProps {
            name: "aws-all/order".into(),
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    HealthCheck::new(
        &mut s,
        "IngressHealth",
        HealthCheckProps {
            domain_name: "shop.example.com".into(),
            ..Default::default()
        },
    )?;
    LogGroup::new(
        &mut s,
        "ApplicationLogs",
        LogGroupProps {
            name: Some("/aws/eks/aws-all/application".into()),
            retention_days: 90,
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )
}
