//! A platform written for meshsynth 0.1.0 (d08ad80), kept as it was. Every
//! name below is the 0.1.0 spelling, deprecated since 0.2.0: the crate
//! compiles with deprecation warnings (allowed here so CI's `-D warnings`
//! passes) and `tests/upgrade.rs` checks that it synthesizes what 0.1.0
//! synthesized, apart from the output changes CHANGELOG.md announces.
//!
//! Do not modernize this file: it is the contract. It was compiled and run
//! against 0.1.0 to produce `v0.1.0/`, the assembly it is compared with.
//! Left out: struct literals of the Istio, KEDA, Prometheus and Argo kinds,
//! whose shapes 0.2.0 replaced by the generated ones (CHANGELOG.md, "Istio
//! and add-on kinds").

#![allow(deprecated)]

use std::collections::BTreeMap;

use meshsynth::aws::eks::{EksCluster, EksClusterProps};
use meshsynth::aws::elasticache::{CacheReplicationGroup, CacheReplicationGroupProps};
use meshsynth::aws::iam::{IrsaRole, IrsaRoleProps, PolicyStatement, Principal, Role, RoleProps};
use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
use meshsynth::aws::network::cfn::security_group::Egress;
use meshsynth::aws::network::cfn::CfnSecurityGroup;
use meshsynth::aws::network::{Port, SecurityGroup, SecurityGroupProps, SubnetKind, Vpc, VpcProps};
use meshsynth::aws::rds::{AuroraPostgresCluster, DatabaseProps, PostgresInstance};
use meshsynth::aws::secrets::{Secret, SecretProps};
use meshsynth::core::{
    CfnOutput, CfnParameter, CfnRaw, K8sPatch, OutputProps, ParameterProps, TagStyle, Tags, Value,
};
use meshsynth::k8s::core::{MeshMode, MeshNamespace, NamespaceProps};
use meshsynth::k8s::workloads::{
    config_map, network_policy, network_policy_from_cidrs, pod_disruption_budget, service_account,
    AppDeployment, AppService, ContainerPort, ContainerProps, DeploymentProps, Disruption,
    NetworkPolicyProps, PodProps, ServicePortProps, ServiceProps,
};
use meshsynth::mesh::fluentbit::{FluentBit, FluentBitProps};
use meshsynth::mesh::ingress::{AlbIngress, AlbIngressProps, AlbPath};
use meshsynth::mesh::service::{MeshService, MeshServiceProps, Scaling, ServiceIdentity};
use meshsynth::{App, Chart, ChartProps, Env, Error, Stack, StackProps};

fn labels(app: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_string(), app.to_string())])
}

/// The whole platform: network, cluster, databases, a meshed namespace with
/// a service, plain workloads, ingress and log shipping.
pub fn build(app: &mut App) -> Result<(), Error> {
    let env = Env::new("123456789012", "eu-west-1");

    // The scaffold of 0.1.0's `meshsynth init`.
    let network = Stack::new(
        &mut app.root(),
        "compat-network",
        StackProps {
            env: env.clone(),
            ..Default::default()
        },
    )?;
    let vpc = {
        let mut scope = app.scope(network.node())?;
        Tags::add(&mut scope, "platform", "compat");
        Vpc::new(
            &mut scope,
            "Vpc",
            VpcProps {
                cidr: "10.20.0.0/16".into(),
                ..Default::default()
            },
        )?
    };

    let st = Stack::new(
        &mut app.root(),
        "compat-services",
        StackProps {
            env,
            ..Default::default()
        },
    )?;
    let mut s = app.scope(st.node())?;
    Tags::add(&mut s, "platform", "compat");
    s.add_resource(
        "AppSecurityGroup",
        CfnSecurityGroup {
            vpc_id: Some(vpc.vpc_id()),
            security_group_egress: Some(vec![Egress {
                from_port: Some(443u16.into()),
                to_port: Some(443u16.into()),
                cidr_ip: Some(vpc.cidr.to_string().into()),
                description: Some("HTTPS inside the VPC only".into()),
                ..Egress::new("tcp")
            }]),
            ..CfnSecurityGroup::new("compat application pods")
        },
    )?;
    let cluster = EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: "compat".into(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Private),
            ..Default::default()
        },
    )?;
    let db = PostgresInstance::new(
        &mut s,
        "Orders",
        DatabaseProps {
            database_name: Some("orders".into()),
            vpc_id: vpc.vpc_id(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Private),
            port: 5433,
            ..Default::default()
        },
    )?;
    AuroraPostgresCluster::new(
        &mut s,
        "Ledger",
        DatabaseProps {
            database_name: Some("ledger".into()),
            vpc_id: vpc.vpc_id(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Private),
            port: 5433,
            ..Default::default()
        },
    )?;
    let key = Key::new(
        &mut s,
        "Key",
        KeyProps {
            users: vec![KeyUser::ViaService("secretsmanager".into())],
            ..Default::default()
        },
    )?;
    let secret = Secret::new(
        &mut s,
        "PartnerKey",
        SecretProps {
            name: Some("compat/partner-key".into()),
            encryption_key: Some(key.arn()),
            template: r#"{"username":"compat"}"#.into(),
            ..Default::default()
        },
    )?;
    s.at(secret.resource.node())?
        .suppress("AwsSolutions-SMG4", "the partner rotates this key by hand")?;
    s.add_raw_resource(
        "Jobs",
        CfnRaw {
            type_name: "AWS::SQS::Queue".into(),
            properties: [
                ("VisibilityTimeout".to_string(), Value::Int(60)),
                ("KmsMasterKeyId".to_string(), key.arn()),
            ]
            .into_iter()
            .collect(),
            tags: TagStyle::List,
        },
    )?;
    let tier = CfnParameter::new(
        &mut s,
        "Tier",
        ParameterProps {
            param_type: "String".into(),
            default: Some("gold".into()),
            allowed_values: vec!["gold".into(), "silver".into()],
            ..Default::default()
        },
    )?;
    CfnOutput::new(
        &mut s,
        "TierOut",
        OutputProps {
            value: tier,
            description: Some("the tier".into()),
            export_name: None,
        },
    )?;

    // A data stack made after the cluster's stack: the cluster's role uses
    // its key, and its cache admits the cluster's nodes from the cluster's
    // scope (0.2.0's first release candidate failed this with a cycle).
    let data = Stack::new(
        &mut app.root(),
        "compat-data",
        StackProps {
            env: Env::new("123456789012", "eu-west-1"),
            ..Default::default()
        },
    )?;
    let (cache, data_key) = {
        let mut d = app.scope(data.node())?;
        let data_key = Key::new(&mut d, "DataKey", KeyProps::default())?;
        let cache = CacheReplicationGroup::new(
            &mut d,
            "Sessions",
            CacheReplicationGroupProps {
                id: "compat-sessions".into(),
                port: 6380,
                vpc_id: vpc.vpc_id(),
                subnet_ids: vpc.subnet_ids(SubnetKind::Private),
                encryption_key: data_key.arn(),
                ..Default::default()
            },
        )?;
        (cache, data_key)
    };
    let mut s = app.scope(st.node())?;
    let nodes = SecurityGroup::new(
        &mut s,
        "Nodes",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: "worker nodes".into(),
            allow_all_outbound: true,
        },
    )?;
    Role::new(
        &mut s,
        "SessionReader",
        RoleProps {
            assumed_by: vec![Principal::Service(Value::str("ec2.amazonaws.com"))],
            statements: vec![PolicyStatement::allow(["kms:Decrypt"], [data_key.arn()])],
            ..Default::default()
        },
    )?;
    cache.security_group.allow_from(
        &mut s,
        &nodes,
        Port::tcp(6380),
        "nodes to the session cache",
    )?;

    let chart = Chart::new(&mut s, "Shop", ChartProps::new("compat").namespace("shop"))?;
    let mut c = app.scope(chart.node())?;
    MeshNamespace::new(
        &mut c,
        "Namespace",
        NamespaceProps {
            name: "shop".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    let role = IrsaRole::new(
        &mut c,
        "OrdersIrsa",
        IrsaRoleProps {
            oidc: cluster.oidc_provider(),
            namespace: "shop".into(),
            service_account: "reports".into(),
            statements: db
                .grant_read_master_secret()
                .into_iter()
                .chain(db.grant_connect("orders_app"))
                .collect(),
            ..Default::default()
        },
    )?;
    let mut data = BTreeMap::new();
    data.insert("DB_HOST".to_string(), c.deferred(&db.endpoint_address())?);
    data.insert("ROLE_ARN".to_string(), role.role_arn.clone());
    config_map(&mut c, "OrdersConfig", "orders-config", data)?;
    MeshService::new(
        &mut c,
        "Orders",
        MeshServiceProps {
            name: "orders".into(),
            image: "registry.example.com/acme/orders:1.4.2".into(),
            health_path: Some("/healthz".into()),
            scaling: Scaling::Hpa {
                min: 2,
                max: 10,
                cpu_percent: Some(70),
                memory_percent: None,
                extra: vec![],
                scale_up: None,
                scale_down: None,
            },
            ..Default::default()
        },
    )?;
    c.patch_object(
        "Orders/Deployment",
        K8sPatch::Merge(serde_json::json!({"spec": {"minReadySeconds": 10}})),
    )?;

    // The plain workload constructs under their 0.1.0 names.
    service_account(&mut c, "WorkerSa", "worker", None, BTreeMap::new())?;
    AppDeployment::new(
        &mut c,
        "Worker",
        DeploymentProps {
            name: "worker".into(),
            replicas: Some(2),
            pod: PodProps {
                selector: labels("worker"),
                service_account: Some("worker".into()),
                containers: vec![ContainerProps {
                    name: "worker".into(),
                    image: "registry.example.com/acme/worker:3.1.0".into(),
                    ports: vec![ContainerPort {
                        name: "http".into(),
                        port: 8080,
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        },
    )?;
    AppService::new(
        &mut c,
        "WorkerService",
        ServiceProps {
            name: "worker".into(),
            selector: labels("worker"),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )?;
    pod_disruption_budget(
        &mut c,
        "WorkerPdb",
        "worker",
        &labels("worker"),
        Disruption::MinAvailable(1),
    )?;
    network_policy(
        &mut c,
        "WorkerPolicy",
        NetworkPolicyProps {
            name: "worker".into(),
            pod_selector: labels("worker"),
            allow_from: vec![(BTreeMap::new(), labels("orders"))],
            ports: vec![8080],
        },
    )?;
    network_policy_from_cidrs(
        &mut c,
        "WorkerFromVpc",
        "worker-from-vpc",
        &labels("worker"),
        &["10.20.0.0/16".to_string()],
        &[8080],
    )?;
    AlbIngress::new(
        &mut c,
        "Ingress",
        AlbIngressProps {
            name: "shop".into(),
            paths: vec![AlbPath {
                path: "/".into(),
                service: "worker".into(),
                port: 80,
            }],
            ..Default::default()
        },
    )?;
    // A rule code of 0.1.0 in a suppression: MS-MESH-007 is MS-MESH-7 now.
    c.suppress(
        "MS-MESH-007",
        "the logging namespace is made by the cluster's bootstrap",
    )?;
    FluentBit::new(
        &mut c,
        "Logs",
        FluentBitProps {
            cluster_name: "compat".into(),
            region: "eu-west-1".into(),
            log_group: "/compat/containers".into(),
            namespace: "logging".into(),
            identity: ServiceIdentity::Plain,
            ..Default::default()
        },
    )?;
    Ok(())
}

/// The tree's Kubernetes objects as 0.1.0's tuples (path, cluster, kind).
pub fn object_list(app: &App) -> Vec<String> {
    app.all_objects()
        .into_iter()
        .map(|(path, cluster, o)| format!("{cluster} {path} {}", o.kind()))
        .collect()
}

/// The analyzer catalog as 0.1.0 named it.
pub fn first_analyzer() -> Option<&'static meshsynth::mesh::analysis::catalog::AnalyzerInfo> {
    meshsynth::mesh::analysis::catalog::ANALYZERS.first()
}
