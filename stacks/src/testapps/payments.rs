//! `payments`: a platform written from the docs, not derived from the
//! reference apps, that composes what they do not:
//!
//! - the layout "database admits nodes" across stacks: the node security
//!   group lives in the cluster stack, the database in the data stack, and
//!   the ingress rule is placed in the cluster stack (its scope), so the
//!   data stack never depends on the cluster stack;
//! - grants instead of hand-written ARNs (IAM database connect, the master
//!   secret, a partner API key);
//! - a composed `MeshService` canary: versions v1/v2, `User-Agent: iOS` to
//!   v2, a header-triggered fault, a 98/2 split with 5 % mirrored to v2,
//!   through an ingress gateway;
//! - a patch on an emitted object (listed in `escapeHatches`);
//! - ambient mode: the ambient install profile, a namespace in ambient mode
//!   with a waypoint, and an L7 policy attached to the Service with
//!   `targetRefs`.

use meshsynth::aws::eks::{EksCluster, EksClusterProps, NodeGroup, NodeGroupProps};
use meshsynth::aws::iam::PolicyStatement;
use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
use meshsynth::aws::network::{
    Port, SecurityGroup, SecurityGroupProps, SubnetGroup, SubnetKind, Vpc, VpcProps,
};
use meshsynth::aws::rds::{AuroraPostgresCluster, AuroraPostgresClusterProps};
use meshsynth::aws::secrets::{Secret, SecretProps};
use meshsynth::core::{App, Chart, ChartProps, Env, Error, K8sPatch, StackRef};
use meshsynth::mesh::gateway_api::{Waypoint, WaypointProps};
use meshsynth::mesh::istio::install::{IstioInstall, IstioInstallProps};
use meshsynth::mesh::istio::networking::{
    Gateway, GatewayPort, GatewaySpec, Server, ServerTls, StringMatch,
};
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::security::{
    AuthorizationAction, AuthorizationPolicy, AuthorizationPolicySpec, Operation, PolicyTargetRef,
    Rule, RuleFrom, RuleTo, Source,
};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{
    IngressRoute, IrsaNeeds, MeshService, MeshServiceProps, Scaling, ServiceIdentity,
};
use meshsynth::mesh::traffic::{ServiceVersion, TrafficRule};
use meshsynth::serde_json::json;

/// The account of the test app (the documentation account).
pub const ACCOUNT: &str = "123456789012";
/// The region of the test app.
pub const REGION: &str = "eu-central-1";
/// The EKS cluster (and Kubernetes cluster) name.
pub const CLUSTER: &str = "payments-eks";

const PORT_REASON: &str = "clients find the port in config; security groups, TLS and IAM authentication protect the data, not an unusual port";

fn stack(app: &mut App, name: &str, what: &str) -> Result<StackRef, Error> {
    super::tagged_stack(
        app,
        Env::new(ACCOUNT, REGION),
        ("payments", "app.kubernetes.io/part-of"),
        name,
        what,
    )
}

/// Adds the `payments` app.
pub fn build(app: &mut App) -> Result<(), Error> {
    // Network and keys.
    let net = stack(app, "payments-network", "VPC and the data key")?;
    let (vpc, key) = network(app, &net)?;

    // Data: the ledger database and a partner API key. Nothing here refers
    // to the cluster stack.
    let data = stack(app, "payments-data", "Aurora PostgreSQL and secrets")?;
    let (ledger_db, partner_key) = data_stack(app, &data, &vpc, &key)?;

    // Cluster: EKS, the node security group, and the rule that lets the
    // nodes reach the database, placed here so the dependency points from
    // the cluster stack to the data stack only.
    let eks = stack(app, "payments-cluster", "EKS, nodes and workloads")?;
    let mut s = app.scope(eks.node())?;
    let cluster = cluster(&mut s, &vpc, &key, &ledger_db)?;

    // Checkout: sidecar mode, canaried through the public gateway.
    let checkout = Chart::new(
        &mut s,
        "Checkout",
        ChartProps::new(CLUSTER).namespace("checkout"),
    )?;
    let payments = Chart::new(
        &mut s,
        "Ledger",
        ChartProps::new(CLUSTER).namespace("payments"),
    )?;
    let mut c = app.scope(checkout.node())?;
    checkout_chart(&mut c, &cluster, &ledger_db, &partner_key)?;

    // Ledger: ambient mode, with a waypoint for its L7 policy.
    let mut l = app.scope(payments.node())?;
    ledger_chart(&mut l, &cluster, &ledger_db)
}

/// The VPC and the data key.
fn network(app: &mut App, net: &StackRef) -> Result<(Vpc, Key), Error> {
    let mut s = app.scope(net.node())?;
    let vpc = Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            cidr: "10.40.0.0/16".into(),
            subnets: vec![
                SubnetGroup::new("Public", SubnetKind::Public, 24),
                SubnetGroup::new("Private", SubnetKind::Private, 20),
                SubnetGroup::new("Isolated", SubnetKind::Isolated, 24),
            ],
            ..Default::default()
        },
    )?;
    let key = Key::new(
        &mut s,
        "DataKey",
        KeyProps {
            alias: Some("payments/data".into()),
            users: vec![
                KeyUser::CloudWatchLogs,
                KeyUser::ViaService("rds".into()),
                KeyUser::ViaService("secretsmanager".into()),
                KeyUser::ViaService("ec2".into()),
                KeyUser::Ec2AutoScaling,
            ],
            ..Default::default()
        },
    )?;
    Ok((vpc, key))
}

/// The ledger database and the partner API key.
fn data_stack(
    app: &mut App,
    data: &StackRef,
    vpc: &Vpc,
    key: &Key,
) -> Result<(AuroraPostgresCluster, Secret), Error> {
    let mut s = app.scope(data.node())?;
    let db = AuroraPostgresCluster::new(
        &mut s,
        "LedgerDb",
        AuroraPostgresClusterProps {
            vpc_id: vpc.vpc_id(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Isolated),
            database_name: Some("ledger".into()),
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    s.at(db.resource.node())?
        .suppress("AwsSolutions-RDS11", PORT_REASON)?;
    let partner = Secret::new(
        &mut s,
        "PartnerApiKey",
        SecretProps {
            name: Some("payments/partner-api-key".into()),
            encryption_key: Some(key.arn()),
            template: r#"{"client":"payments"}"#.into(),
            ..Default::default()
        },
    )?;
    s.at(partner.resource.node())?.suppress(
        "AwsSolutions-SMG4",
        "the acquirer issues this key and rotates it by hand; it has no rotation API",
    )?;
    Ok((db, partner))
}

/// The node security group (admitted by the database), the cluster and
/// its node group.
fn cluster(
    s: &mut meshsynth::core::Scope<'_>,
    vpc: &Vpc,
    key: &Key,
    ledger_db: &AuroraPostgresCluster,
) -> Result<EksCluster, Error> {
    let nodes_sg = SecurityGroup::new(
        s,
        "NodesSecurityGroup",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: "payments EKS nodes".into(),
            allow_all_outbound: true,
        },
    )?;
    ledger_db.security_group.allow_from(
        s,
        &nodes_sg,
        Port::tcp(5432),
        "PostgreSQL from the payments nodes",
    )?;
    let cluster = EksCluster::new(
        s,
        "Cluster",
        EksClusterProps {
            name: CLUSTER.into(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Private),
            security_group_ids: vec![nodes_sg.group_id()],
            ..Default::default()
        },
    )?;
    NodeGroup::new(
        s,
        "Nodes",
        &cluster,
        NodeGroupProps {
            volume_key: Some(key.arn()),
            security_group_ids: vec![
                cluster.resource.cluster_security_group_id(),
                nodes_sg.group_id(),
            ],
            ..Default::default()
        },
    )?;
    Ok(cluster)
}

/// Istio (ambient-capable), the sidecar-mode checkout namespace, its
/// public gateway and the canaried checkout service.
fn checkout_chart(
    c: &mut meshsynth::core::Scope<'_>,
    cluster: &EksCluster,
    ledger_db: &AuroraPostgresCluster,
    partner_key: &Secret,
) -> Result<(), Error> {
    IstioInstall::new(
        c,
        "Istio",
        IstioInstallProps {
            ambient: true,
            tag: Some("1.28.1".into()),
            ..Default::default()
        },
    )?;
    MeshNamespace::new(
        c,
        "Namespace",
        MeshNamespaceProps {
            name: "checkout".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    let mut gw = Gateway::named(
        "public",
        GatewaySpec {
            selector: Some([("istio".to_string(), "ingressgateway".to_string())].into()),
            servers: Some(vec![Server {
                port: GatewayPort {
                    number: 443,
                    name: "https".into(),
                    protocol: "HTTPS".into(),
                    target_port: None,
                },
                hosts: vec!["pay.example.com".into()],
                tls: Some(ServerTls {
                    mode: Some(meshsynth::mesh::istio::networking::ServerTlsMode::Simple),
                    credential_name: Some("pay-example-com".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
        },
    );
    // The certificate comes from the platform's cert pipeline, not this app.
    gw.metadata.annotations = Some(
        [(
            meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION.to_string(),
            "pay-example-com=cert-manager (platform issuer)".to_string(),
        )]
        .into(),
    );
    gw.add(c, "PublicGateway")?;
    MeshService::new(
        c,
        "Checkout",
        MeshServiceProps {
            name: "checkout".into(),
            image: "registry.example.com/payments/checkout:3.2.0".into(),
            health_path: Some("/healthz".into()),
            versions: vec![ServiceVersion::new(
                "v2",
                "registry.example.com/payments/checkout:3.3.0-rc.1",
            )],
            traffic: vec![
                TrafficRule::new("ios")
                    .header("user-agent", StringMatch::regex(".*iOS.*"))
                    .to("v2"),
                TrafficRule::new("chaos")
                    .header("x-payments-chaos", StringMatch::exact("on"))
                    .delay("2s", 50.0)
                    .abort(503, 10.0),
                TrafficRule::new("default")
                    .split([("v1", 98), ("v2", 2)])
                    .mirror("v2", 5.0),
            ],
            routes: vec![IngressRoute {
                gateway: "public".into(),
                hosts: vec!["pay.example.com".into()],
                prefix: "/checkout".into(),
            }],
            scaling: Scaling::Hpa {
                min: 2,
                max: 12,
                cpu_percent: Some(70),
                memory_percent: None,
                extra: vec![],
                scale_up: None,
                scale_down: None,
            },
            identity: ServiceIdentity::Irsa(IrsaNeeds {
                oidc: cluster.oidc_provider(),
                statements: partner_key
                    .grant_read()
                    .into_iter()
                    .chain([PolicyStatement::allow(
                        ["rds:DescribeDBClusters"],
                        [ledger_db.resource.arn()],
                    )])
                    .collect(),
                managed_policy_arns: vec![],
            }),
            ..Default::default()
        },
    )?;
    // Escape hatch: a Deployment field MeshService does not expose.
    c.patch_object(
        "Checkout/Deployment",
        K8sPatch::Merge(json!({"spec": {"minReadySeconds": 10}})),
    )?;
    Ok(())
}

/// The ambient ledger namespace, its waypoint, the ledger service and the
/// L7 policy only the waypoint can enforce.
fn ledger_chart(
    l: &mut meshsynth::core::Scope<'_>,
    cluster: &EksCluster,
    ledger_db: &AuroraPostgresCluster,
) -> Result<(), Error> {
    MeshNamespace::new(
        l,
        "Namespace",
        MeshNamespaceProps {
            name: "payments".into(),
            mesh: MeshMode::Ambient,
            ..Default::default()
        },
    )?;
    Waypoint::new(l, "Waypoint", WaypointProps::default())?;
    let ledger = MeshService::new(
        l,
        "Ledger",
        MeshServiceProps {
            name: "ledger".into(),
            image: "registry.example.com/payments/ledger:1.9.4".into(),
            health_path: Some("/healthz".into()),
            waypoint: Some("waypoint".into()),
            // Checkout is not an allowed caller (that would allow every
            // request): the waypoint admits only its writes (below); its
            // namespace is a network peer for the NetworkPolicy.
            network_peers: vec!["checkout".into()],
            identity: ServiceIdentity::Irsa(IrsaNeeds {
                oidc: cluster.oidc_provider(),
                statements: ledger_db
                    .grant_connect("ledger_app")
                    .into_iter()
                    .chain(ledger_db.grant_read_master_secret())
                    .collect(),
                managed_policy_arns: vec![],
            }),
            ..Default::default()
        },
    )?;
    // Checkout may post entries; only the waypoint can see methods and paths.
    AuthorizationPolicy::named(
        "ledger-writes",
        AuthorizationPolicySpec {
            target_refs: Some(vec![PolicyTargetRef::service(ledger.name.clone())]),
            action: Some(AuthorizationAction::Allow),
            rules: Some(vec![Rule {
                from: Some(vec![RuleFrom {
                    source: Some(Source {
                        principals: Some(vec!["cluster.local/ns/checkout/sa/checkout".into()]),
                        ..Default::default()
                    }),
                }]),
                to: Some(vec![RuleTo {
                    operation: Some(Operation {
                        methods: Some(vec!["POST".into()]),
                        paths: Some(vec!["/entries".into(), "/entries/*".into()]),
                        ..Default::default()
                    }),
                }]),
                when: None,
            }]),
            ..Default::default()
        },
    )
    .add(l, "LedgerWrites")?;
    Ok(())
}
