//! `genai-demo` (reference app, REFERENCE.md section 1, seed 001): an
//! AWS-native microservice platform on EKS in ap-northeast-1 — no Istio.
//! Network, keys, cluster, messaging and per-service data stacks; each
//! service is a Kubernetes workload with its own IRSA role, database, ECR
//! repository and SSM configuration, so the model can be scaled with
//! `-c services=N`.

use std::collections::BTreeMap;

use meshsynth::addons::fluentbit::{log_group_statements, FluentBit, FluentBitProps};
use meshsynth::addons::ingress::{AlbIngress, AlbIngressProps, AlbPath};
use meshsynth::aws::ecr::{Repository, RepositoryProps};
use meshsynth::aws::eks::{Capacity, EksCluster, EksClusterProps, NodeGroup, NodeGroupProps};
use meshsynth::aws::elasticache::{CacheReplicationGroup, CacheReplicationGroupProps};
use meshsynth::aws::iam::{ManagedPolicy, ManagedPolicyProps, PolicyStatement};
use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
use meshsynth::aws::logs::{LogGroup, LogGroupProps};
use meshsynth::aws::msk::{MskCluster, MskClusterProps, IAM_TLS_PORT};
use meshsynth::aws::network::{Port, SecurityGroup, SecurityGroupProps, SubnetKind, Vpc, VpcProps};
use meshsynth::aws::rds::{PostgresInstance, PostgresInstanceProps};
use meshsynth::aws::ssm::{ParameterValue, StringParameter, StringParameterProps};
use meshsynth::core::value::{partition_of, ArnPart};
use meshsynth::core::{
    App, Arn, Chart, ChartProps, Env, Error, Stack, StackProps, StackRef, Tags, Value,
};
use meshsynth::k8s::crd::types::{IntOrString, ObjectMeta};
use meshsynth::k8s::workloads::{
    CidrNetworkPolicy, CidrNetworkPolicyProps, Hpa, HpaMetric, HpaProps,
};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::rollouts::{
    AnalysisTemplate, AnalysisTemplateSpec, Argument, Metric, MetricProvider, PrometheusMetric,
};
use meshsynth::mesh::service::{
    Delivery, IrsaNeeds, MeshService, MeshServiceProps, Scaling, ServiceIdentity,
};

/// The app name: every stack name starts with it.
pub const APP: &str = "genai-demo";
/// The documentation account (override with `-c genai-demo:account=…`).
pub const ACCOUNT: &str = "123456789012";
/// The region of seed 001 (override with `-c genai-demo:region=…`).
pub const REGION: &str = "ap-northeast-1";
/// The EKS cluster.
pub const CLUSTER: &str = "genai-demo-cluster";
/// The namespace of the services.
pub const NAMESPACE: &str = "genai-demo";
/// The Fluent Bit log group; the Fluent Bit role may write only here.
pub const LOG_GROUP: &str = "/aws/eks/genai-demo/application";
/// The documented services, in order (`-c services=N` takes the first N,
/// and adds `svc-7`, `svc-8`, … of the same shape beyond them).
pub const SERVICES: [&str; 6] = [
    "order",
    "payment",
    "inventory",
    "pricing",
    "delivery",
    "notification",
];
/// Services per data stack: about 20 keeps each stack far below
/// CloudFormation's 500 resources and 200 outputs.
pub const SERVICES_PER_STACK: usize = 20;
/// The image tag every service runs. Seed 001 deploys `:latest`, which
/// floats and is refused by the pinned-image rule; a release tag replaces it.
pub const IMAGE_TAG: &str = "1.0.0";
/// Prometheus inside the cluster (the analysis runs against it).
const PROMETHEUS: &str = "http://prometheus-server.monitoring.svc.cluster.local:80";

/// The short service names for `count` services.
pub fn service_names(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| match SERVICES.get(i) {
            Some(s) => s.to_string(),
            None => format!("svc-{}", i + 1),
        })
        .collect()
}

fn stack(app: &mut App, env: &Env, suffix: &str, what: &str) -> Result<StackRef, Error> {
    let stack = Stack::new(
        &mut app.root(),
        &format!("{APP}-{suffix}"),
        StackProps {
            env: env.clone(),
            description: Some(format!("meshsynth genai-demo: {what}")),
            ..Default::default()
        },
    )?;
    // "project", not "app": pods already use "app" for the service name.
    Tags::add(&mut app.scope(stack.node())?, "project", APP);
    Ok(stack)
}

/// PascalCase construct id of a short service name (`svc-7` → `Svc7`).
fn construct_id(short: &str) -> String {
    short
        .split('-')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Adds the `genai-demo` app: a stack per concern, then the services,
/// about 20 per data stack.
pub fn build(app: &mut App) -> Result<(), Error> {
    let Settings {
        count,
        env,
        region,
        certificate,
    } = settings(app)?;

    // Network: public and private subnets in 3 AZs; the node security group.
    let net = stack(app, &env, "network", "VPC and security groups")?;
    let (vpc, nodes_sg) = network(app, &net)?;
    let private = vpc.subnet_ids(SubnetKind::Private);

    // One customer key for the data services, logs and node volumes.
    let keys = stack(app, &env, "keys", "KMS key")?;
    let key = data_key(app, &keys)?;

    // Messaging: MSK and Redis.
    let messaging = stack(app, &env, "messaging", "MSK and ElastiCache Redis")?;
    let (kafka, redis) = messaging_stack(app, &messaging, &vpc, &nodes_sg, &private, &key)?;

    // Cluster: EKS, the SPOT node group, logging and the shared objects.
    let eks = stack(
        app,
        &env,
        "cluster",
        "EKS cluster, node group and platform objects",
    )?;
    let (cluster, observability) = cluster_stack(app, &eks, (&nodes_sg, &private, &key), &region)?;

    // Services, about 20 per data stack.
    let platform = Platform {
        env,
        region,
        certificate,
        vpc,
        nodes_sg,
        private,
        key,
        kafka,
        redis,
        cluster,
        observability,
    };
    let names = service_names(count);
    for (g, group) in names.chunks(SERVICES_PER_STACK).enumerate() {
        data_stack(app, g, group, &platform)?;
    }
    Ok(())
}

/// What the context sets: the service count, the environment and the
/// listener certificate.
struct Settings {
    count: usize,
    env: Env,
    region: String,
    certificate: String,
}

fn settings(app: &App) -> Result<Settings, Error> {
    let ctx = app.context();
    let count = ctx
        .get_in::<usize>("services", 0..=crate::MAX_SERVICES)?
        .unwrap_or(SERVICES.len());
    let account = ctx.get_or("genai-demo:account", ACCOUNT.to_string())?;
    let region = ctx.get_or("genai-demo:region", REGION.to_string())?;
    // No ACM construct exists (a certificate needs DNS validation in the
    // user's zone), so the listener certificate is a context value.
    let certificate = ctx.get::<String>("genai-demo:certificate-arn")?;
    if count == 0 {
        return Err(Error::construct(
            APP.to_string(),
            "services=0 leaves genai-demo without services",
            "use -c services=N with N of at least 1 (default 6)",
        ));
    }
    // An Ingress annotation holds the certificate ARN, so it must be final
    // at synth: a placeholder certificate of the stack's account and region.
    let certificate = match certificate {
        Some(arn) => arn,
        None => Arn::new("acm", "certificate/00000000-0000-0000-0000-000000000000")
            .region(ArnPart::Literal(region.clone()))
            .account(ArnPart::Literal(account.clone()))
            .literal(partition_of(&region))
            // Invariant: every part of this ARN is literal.
            .expect("literal ARN parts"),
    };
    let env = Env::new(account, region.clone());
    Ok(Settings {
        count,
        env,
        region,
        certificate,
    })
}

/// The VPC and the node security group.
fn network(app: &mut App, net: &StackRef) -> Result<(Vpc, SecurityGroup), Error> {
    let mut s = app.scope(net.node())?;
    // Defaults: 10.0.0.0/16, 3 AZs, a public /24 and a private /19 per
    // AZ (private_subnet_1..3 of the seed), a NAT gateway per AZ, flow logs.
    let vpc = Vpc::new(&mut s, "Vpc", VpcProps::default())?;
    let nodes_sg = SecurityGroup::new(
        &mut s,
        "NodesSecurityGroup",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: "genai-demo EKS worker nodes".into(),
            allow_all_outbound: true,
        },
    )?;
    nodes_sg.allow_from_cidr(
        &mut s,
        &vpc.cidr.to_string(),
        Port::tcp(443),
        "HTTPS from inside the VPC",
    )?;
    Ok((vpc, nodes_sg))
}

/// The customer key of the data services, logs and node volumes.
fn data_key(app: &mut App, keys: &StackRef) -> Result<Key, Error> {
    let mut s = app.scope(keys.node())?;
    Key::new(
        &mut s,
        "DataKey",
        KeyProps {
            alias: Some("genai-demo/data".into()),
            users: vec![
                KeyUser::CloudWatchLogs,
                KeyUser::ViaService("rds".into()),
                KeyUser::ViaService("kafka".into()),
                KeyUser::ViaService("elasticache".into()),
                KeyUser::ViaService("secretsmanager".into()),
                KeyUser::ViaService("ecr".into()),
                KeyUser::ViaService("ec2".into()),
                KeyUser::Ec2AutoScaling,
            ],
            ..Default::default()
        },
    )
}

/// MSK and Redis, each admitting the nodes.
fn messaging_stack(
    app: &mut App,
    messaging: &StackRef,
    vpc: &Vpc,
    nodes_sg: &SecurityGroup,
    private: &[Value],
    key: &Key,
) -> Result<(MskCluster, CacheReplicationGroup), Error> {
    let mut s = app.scope(messaging.node())?;
    let kafka = MskCluster::new(
        &mut s,
        "Kafka",
        MskClusterProps {
            name: "genai-demo-kafka".into(),
            // Seed 001 runs Kafka 2.8.1, which MSK no longer supports;
            // 3.6.0 is a supported version.
            kafka_version: "3.6.0".into(),
            broker_count: 3,
            instance_type: "kafka.m5.large".into(),
            volume_size_gib: 100,
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
            id: "genai-demo-redis".into(),
            node_type: "cache.t3.micro".into(),
            nodes: 2,
            port: 6379,
            vpc_id: vpc.vpc_id(),
            // The seed's subnet group spans two private subnets.
            subnet_ids: private[..2].to_vec(),
            encryption_key: key.arn(),
            // No parameters: the default.redis7 group.
            ..Default::default()
        },
    )?;
    s.at(redis.resource.node())?.suppress(
        "AwsSolutions-AEC5",
        "the seed's clients expect 6379; security groups, TLS and the AUTH token protect the data",
    )?;
    redis.security_group.allow_from(
        &mut s,
        nodes_sg,
        Port::tcp(6379),
        "Redis (TLS) from the EKS nodes",
    )?;
    Ok((kafka, redis))
}

/// EKS, the SPOT node group, the application log group, the observability
/// policy, the platform chart and Fluent Bit.
fn cluster_stack(
    app: &mut App,
    eks: &StackRef,
    (nodes_sg, private, key): (&SecurityGroup, &[Value], &Key),
    region: &str,
) -> Result<(EksCluster, ManagedPolicy), Error> {
    let mut s = app.scope(eks.node())?;
    let cluster = EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: CLUSTER.into(),
            subnet_ids: private.to_vec(),
            security_group_ids: vec![nodes_sg.group_id()],
            ..Default::default()
        },
    )?;
    NodeGroup::new(
        &mut s,
        "SpotNodes",
        &cluster,
        NodeGroupProps {
            name: Some("genai-demo-spot-nodes".into()),
            capacity: Capacity::Spot,
            instance_types: vec!["t3.medium".into(), "t3.large".into()],
            min_size: 1,
            desired_size: 2,
            max_size: 10,
            subnet_ids: private.to_vec(),
            volume_key: Some(key.arn()),
            security_group_ids: vec![
                cluster.resource.cluster_security_group_id(),
                nodes_sg.group_id(),
            ],
            ..Default::default()
        },
    )?;
    LogGroup::new(
        &mut s,
        "ApplicationLogs",
        LogGroupProps {
            name: Some(LOG_GROUP.into()),
            retention_days: 90,
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    // CloudWatch metrics and X-Ray traces from every service. These
    // actions have no resource-level permissions; metrics are limited to
    // the app's namespace by the cloudwatch:namespace condition.
    let observability = ManagedPolicy::new(
        &mut s,
        "ObservabilityPolicy",
        ManagedPolicyProps {
            description: Some("genai-demo services: X-Ray traces and CloudWatch metrics".into()),
            statements: vec![
                PolicyStatement::allow(
                    ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    [Value::str("*")],
                ),
                PolicyStatement::allow(["cloudwatch:PutMetricData"], [Value::str("*")])
                    .with_condition(
                        "StringEquals",
                        Value::str("cloudwatch:namespace"),
                        vec![Value::str(APP)],
                    ),
            ],
            ..Default::default()
        },
    )?;
    let platform = Chart::new(
        &mut s,
        "Platform",
        ChartProps::new(CLUSTER).namespace(NAMESPACE),
    )?;
    let mut c = app.scope(platform.node())?;
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: NAMESPACE.into(),
            // AWS-native on purpose: no service mesh.
            mesh: MeshMode::None,
            ..Default::default()
        },
    )?;
    success_rate_template(&mut c)?;
    let logging = {
        let mut s = app.scope(eks.node())?;
        Chart::new(
            &mut s,
            "Logging",
            ChartProps::new(CLUSTER).namespace("amazon-cloudwatch"),
        )?
    };
    let mut l = app.scope(logging.node())?;
    FluentBit::new(
        &mut l,
        "FluentBit",
        FluentBitProps {
            // The seed's image is amazon/aws-for-fluent-bit:stable; the
            // floating tag is refused, so the construct's pinned default
            // (aws-for-fluent-bit:2.32.2) is used.
            cluster_name: CLUSTER.into(),
            region: region.to_string(),
            log_group: LOG_GROUP.into(),
            identity: ServiceIdentity::Irsa(IrsaNeeds {
                oidc: cluster.oidc_provider(),
                statements: log_group_statements(LOG_GROUP),
                managed_policy_arns: Vec::new(),
            }),
            ..Default::default()
        },
    )?;
    Ok((cluster, observability))
}

/// What every service builds on.
struct Platform {
    env: Env,
    region: String,
    certificate: String,
    vpc: Vpc,
    nodes_sg: SecurityGroup,
    private: Vec<Value>,
    key: Key,
    kafka: MskCluster,
    redis: CacheReplicationGroup,
    cluster: EksCluster,
    observability: ManagedPolicy,
}

/// One data stack: its services, and one internet-facing ALB routing to them.
fn data_stack(app: &mut App, g: usize, group: &[String], p: &Platform) -> Result<(), Error> {
    let data = stack(
        app,
        &p.env,
        &format!("data-{}", g + 1),
        &format!(
            "services {} to {}",
            g * SERVICES_PER_STACK + 1,
            g * SERVICES_PER_STACK + group.len()
        ),
    )?;
    let mut paths = Vec::new();
    for short in group {
        paths.push(service(app, &data, short, p)?);
    }
    // One internet-facing ALB per data stack (an ALB listener holds 100
    // rules): 80 and 443, 80 redirected to 443, targets on 8080.
    let mut s = app.scope(data.node())?;
    let routing = Chart::new(
        &mut s,
        "Ingress",
        ChartProps::new(CLUSTER).namespace(NAMESPACE),
    )?;
    let mut c = app.scope(routing.node())?;
    AlbIngress::new(
        &mut c,
        "Alb",
        AlbIngressProps {
            name: if g == 0 {
                format!("{APP}-alb")
            } else {
                format!("{APP}-alb-{}", g + 1)
            },
            paths,
            certificate_arn: Some(Value::str(p.certificate.clone())),
            internet_facing: true,
            ..Default::default()
        },
    )?;
    Ok(())
}

/// One service: its image repository, database, configuration, workload
/// with its identity, network policy and (order) autoscaler; returns its
/// ALB path.
fn service(app: &mut App, data: &StackRef, short: &str, p: &Platform) -> Result<AlbPath, Error> {
    let Platform { vpc, key, .. } = p;
    let service = format!("{short}-service");
    let id = construct_id(short);
    let mut s = app.scope(data.node())?;
    let mut sv = s.child(&id)?;
    // The seed tags the order database Service=order-service; every
    // resource and object of a service carries its tag.
    Tags::add(&mut sv, "Service", &service);
    let repo = Repository::new(
        &mut sv,
        "Images",
        RepositoryProps {
            name: format!("{APP}/{service}"),
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    let db_name = format!("{}db", short.replace('-', ""));
    let db = database(&mut sv, short, &db_name, p)?;
    // The seed's /genai-demo/database/url and /username become
    // /genai-demo/<service>/database/..., so that each service's role,
    // scoped to /genai-demo/<service>/*, reads its own database only.
    // Plain configuration only: the password is the RDS-managed
    // Secrets Manager secret (ManageMasterUserPassword), never an SSM
    // value (CloudFormation cannot create SecureString parameters).
    let prefix = format!("/{APP}/{short}");
    parameters(&mut sv, &prefix, &service, short, (&db, &db_name))?;
    let chart = Chart::new(
        &mut sv,
        "Workload",
        ChartProps::new(CLUSTER).namespace(NAMESPACE),
    )?;
    let mut c = app.scope(chart.node())?;
    let env_vars = service_env(&mut c, &prefix, (&db, &db_name), p)?;
    let identity = identity(&prefix, &db, p);
    let order = short == "order";
    MeshService::new(
        &mut c,
        "Service",
        MeshServiceProps {
            name: service.clone(),
            image: repo.image(IMAGE_TAG)?,
            port: 8080,
            env: env_vars,
            identity,
            service_account_name: Some(format!("{service}-sa")),
            istio_objects: false,
            // Its policy admits the VPC CIDR (the ALB's IP targets), below.
            network_policy: false,
            // order-service: Argo Rollouts blue/green, 5 replicas, a
            // human promotes, success-rate analysis before and after.
            delivery: if order {
                Delivery::BlueGreen {
                    auto_promotion: false,
                    scale_down_delay_seconds: 30,
                    analysis_template: Some("success-rate".into()),
                }
            } else {
                Delivery::Deployment
            },
            scaling: Scaling::Fixed(if order { 5 } else { 2 }),
            ..Default::default()
        },
    )?;
    // Ingress on 8080 from inside the VPC only: the ALB's IP targets
    // and the other services (VPC CNI pod addresses) come from there.
    CidrNetworkPolicy::new(
        &mut c,
        "NetworkPolicy",
        CidrNetworkPolicyProps {
            name: service.clone(),
            pod_selector: BTreeMap::from([("app".to_string(), service.clone())]),
            cidrs: vec![vpc.cidr.to_string()],
            ports: vec![8080],
        },
    )?;
    if order {
        // The Rollout starts at 5 replicas; the HPA then keeps it
        // within 2..10 on CPU 70 % and memory 80 %.
        Hpa::new(
            &mut c,
            "Hpa",
            HpaProps {
                name: "order-service-hpa".into(),
                target: (
                    "argoproj.io/v1alpha1".into(),
                    "Rollout".into(),
                    service.clone(),
                ),
                min_replicas: 2,
                max_replicas: 10,
                metrics: vec![HpaMetric::Cpu(70), HpaMetric::Memory(80)],
                scale_up: None,
                scale_down: None,
            },
        )?;
    }
    Ok(AlbPath {
        path: format!("/api/{short}"),
        // Blue/green: the ALB sends traffic to the active Service.
        service: if order {
            format!("{service}-active")
        } else {
            service.clone()
        },
        port: 8080,
    })
}

/// The service's environment; what is known only after deploy is a
/// deferred input filled from the data and messaging stacks' outputs.
fn service_env(
    c: &mut meshsynth::core::Scope<'_>,
    prefix: &str,
    (db, db_name): (&PostgresInstance, &str),
    p: &Platform,
) -> Result<Vec<(String, String)>, Error> {
    let Platform {
        region,
        kafka,
        redis,
        ..
    } = p;
    Ok(vec![
        ("AWS_REGION".to_string(), region.clone()),
        ("SSM_PREFIX".to_string(), prefix.to_string()),
        // Known only after deploy: deferred inputs filled from the
        // data and messaging stacks' outputs.
        ("DB_HOST".to_string(), c.deferred(&db.endpoint_address())?),
        ("DB_PORT".to_string(), c.deferred(&db.endpoint_port())?),
        ("DB_NAME".to_string(), db_name.to_string()),
        (
            "REDIS_HOST".to_string(),
            c.deferred(&redis.resource.primary_endpoint_address())?,
        ),
        ("KAFKA_CLUSTER_ARN".to_string(), c.deferred(&kafka.arn())?),
        // Looked up at deploy (Kafka GetBootstrapBrokers, IAM listener).
        (
            "KAFKA_BOOTSTRAP_SERVERS".to_string(),
            c.deferred_lookup(&kafka.bootstrap_brokers())?,
        ),
    ])
}

/// A service's PostgreSQL instance, admitting the nodes on 5432.
fn database(
    sv: &mut meshsynth::core::Scope<'_>,
    short: &str,
    db_name: &str,
    p: &Platform,
) -> Result<PostgresInstance, Error> {
    let Platform {
        vpc,
        nodes_sg,
        private,
        key,
        ..
    } = p;
    let db = PostgresInstance::new(
        sv,
        "Database",
        PostgresInstanceProps {
            identifier: Some(format!("{APP}-{short}-db")),
            // Seed 001 pins postgres 14.9, which RDS has retired;
            // 14.20 is a supported 14.x minor (cfn-lint lists up to 14.17 as deprecated).
            engine_version: "14.20".into(),
            instance_class: Some("db.t3.micro".into()),
            database_name: Some(db_name.to_string()),
            master_username: format!("{}user", short.replace('-', "")),
            vpc_id: vpc.vpc_id(),
            subnet_ids: private.clone(),
            encryption_key: Some(key.arn()),
            allocated_storage_gib: 20,
            max_allocated_storage_gib: Some(100),
            backup_retention_days: 7,
            backup_window: "03:00-04:00".into(),
            maintenance_window: "sun:04:00-sun:05:00".into(),
            // The seed keeps a final snapshot named
            // genai-demo-<service>-db-final-snapshot; the construct's
            // DeletionPolicy Snapshot keeps one (CloudFormation names it).
            ..Default::default()
        },
    )?;
    sv.at(db.resource.node())?.suppress(
        "AwsSolutions-RDS11",
        "the services find the port in SSM; security groups, TLS and IAM authentication protect the data",
    )?;
    // RDS accepts 5432 only from the node security group.
    db.security_group.allow_from(
        sv,
        nodes_sg,
        Port::tcp(5432),
        "PostgreSQL from the EKS nodes",
    )?;
    Ok(db)
}

/// The service's plain configuration in SSM: its database URL and user.
fn parameters(
    sv: &mut meshsynth::core::Scope<'_>,
    prefix: &str,
    service: &str,
    short: &str,
    (db, db_name): (&PostgresInstance, &str),
) -> Result<(), Error> {
    StringParameter::new(
        sv,
        "DatabaseUrl",
        StringParameterProps {
            name: format!("{prefix}/database/url"),
            value: ParameterValue::String(Value::join(
                "",
                vec![
                    Value::str("jdbc:postgresql://"),
                    db.endpoint_address(),
                    Value::str(":"),
                    db.endpoint_port(),
                    Value::str(format!("/{db_name}")),
                ],
            )),
            description: Some(format!("{service} JDBC URL")),
        },
    )?;
    StringParameter::new(
        sv,
        "DatabaseUsername",
        StringParameterProps {
            name: format!("{prefix}/database/username"),
            value: ParameterValue::String(Value::str(format!("{}user", short.replace('-', "")))),
            description: Some(format!("{service} database user")),
        },
    )?;
    Ok(())
}

/// The service's IRSA role: its own SSM prefix, its database, and the
/// shared observability policy.
fn identity(prefix: &str, db: &PostgresInstance, p: &Platform) -> ServiceIdentity {
    // Seed 001 scopes the policy to arn:aws:ssm:*:*:parameter/...; the
    // region and account are narrowed to the stack's, where the
    // parameters live.
    let ssm_arn = Arn::new("ssm", format!("parameter{prefix}/*")).value();
    ServiceIdentity::Irsa(IrsaNeeds {
        oidc: p.cluster.oidc_provider(),
        statements: vec![
            PolicyStatement::allow(
                [
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:GetParametersByPath",
                ],
                [ssm_arn],
            ),
            PolicyStatement::allow(["rds:DescribeDBInstances"], [db.resource.arn()]),
        ],
        managed_policy_arns: vec![p.observability.arn()],
    })
}

/// The `success-rate` AnalysisTemplate of the blue/green analysis. Without
/// Istio there is no `istio_requests_total`, so it reads the Spring Boot
/// (Micrometer) request counter the services export.
fn success_rate_template(c: &mut meshsynth::core::Scope<'_>) -> Result<(), Error> {
    let sel = "service=\"{{args.service-name}}\",namespace=\"{{args.namespace}}\"";
    let query = format!(
        "sum(irate(http_server_requests_seconds_count{{{sel},status!~\"5..\"}}[2m])) / sum(irate(http_server_requests_seconds_count{{{sel}}}[2m]))"
    );
    let argument = |name: &str| Argument {
        name: name.into(),
        value: None,
        value_from: None,
    };
    let template = AnalysisTemplate {
        metadata: ObjectMeta {
            name: Some("success-rate".into()),
            ..Default::default()
        },
        spec: AnalysisTemplateSpec {
            args: Some(vec![argument("service-name"), argument("namespace")]),
            metrics: Some(vec![Metric {
                name: "success-rate".into(),
                interval: Some("1m".into()),
                count: Some(IntOrString::Int(5)),
                // No traffic yields an empty result, which must not pass.
                success_condition: Some(
                    "len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.95".into(),
                ),
                failure_limit: Some(IntOrString::Int(2)),
                provider: MetricProvider {
                    prometheus: Some(PrometheusMetric {
                        address: Some(PROMETHEUS.into()),
                        query: Some(query),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            }]),
            ..Default::default()
        },
    };
    meshsynth::mesh::add_object(c, "SuccessRate", template)?;
    Ok(())
}
