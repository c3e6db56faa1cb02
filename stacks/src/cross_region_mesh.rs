//! `cross-region-mesh` (reference app, REFERENCE.md section 3, seed 000):
//! one Istio mesh (`mesh1`) over an EKS cluster in each of two regions.
//! Per region: network, data, image and cluster stacks. The one
//! cross-region fact, the other region's east-west gateway address, is a
//! CloudFormation reference: each network stack allocates the Elastic IPs
//! its east-west gateway's NLB uses, and each cluster stack reads the other
//! region's first address with `Fn::GetStackOutput` into an SSM parameter,
//! which its mesh objects receive as a deferred input. One deploy wires both
//! regions; no context value, no second pass.

use std::collections::BTreeMap;

use meshsynth::aws::ecr::{Repository, RepositoryProps};
use meshsynth::aws::eks::{EksCluster, EksClusterProps, NodeGroup, NodeGroupProps};
use meshsynth::aws::elasticache::{CacheReplicationGroup, CacheReplicationGroupProps};
use meshsynth::aws::iam::PolicyStatement;
use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
use meshsynth::aws::network::cfn::CfnEip;
use meshsynth::aws::network::{Port, SecurityGroup, SecurityGroupProps, SubnetKind, Vpc, VpcProps};
use meshsynth::aws::ssm::{ParameterValue, StringParameter, StringParameterProps};
use meshsynth::core::value::ArnPart;
use meshsynth::core::{
    App, Arn, Chart, ChartProps, Env, Error, ResourceRef, Scope, Stack, StackProps, StackRef, Tags,
    Value,
};
use meshsynth::k8s::crd::types::ObjectMeta;
use meshsynth::k8s::workloads::{network_policy, HpaMetric, NetworkPolicyProps, ScalingRules};
use meshsynth::k8s_openapi::api::core::v1::{HTTPGetAction, Probe};
use meshsynth::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::keda::{AwsIdentity, Trigger};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, NamespaceProps};
use meshsynth::mesh::prometheus::{
    Endpoint, LabelSelector, NamespaceSelector, ServiceMonitor, ServiceMonitorSpec,
};
use meshsynth::mesh::service::{
    IrsaNeeds, MeshService, MeshServiceProps, Scaling, ServiceIdentity,
};

/// The app name: every stack name starts with it.
pub const APP: &str = "cross-region-mesh";
/// The documentation account (override with `-c cross-region-mesh:account=…`).
pub const ACCOUNT: &str = "123456789012";
/// The two regions when `-c regions=` is not given.
pub const DEFAULT_REGIONS: [&str; 2] = ["ap-northeast-1", "us-west-2"];
/// The mesh id shared by both clusters.
pub const MESH_ID: &str = "mesh1";
/// The namespace of the global services.
pub const NAMESPACE: &str = "global-services";
/// The documented global services (`-c services=N` takes the first N and
/// adds `svc-4`, `svc-5`, … of the same shape beyond them).
pub const SERVICES: [&str; 3] = ["order-service", "payment-service", "catalog-service"];
/// Image repositories per image stack (one resource each).
pub const REPOSITORIES_PER_STACK: usize = 100;
/// The pinned Istio release.
pub const ISTIO_TAG: &str = "1.28.1";
/// The image tag every service runs.
pub const IMAGE_TAG: &str = "1.0.0";
/// The header that asks for a region.
pub const REGION_HEADER: &str = "x-region-preference";
/// The header that keeps latency-sensitive requests in the caller's region.
pub const LATENCY_HEADER: &str = "x-latency-sensitive";
/// Prometheus inside each cluster (KEDA queries it).
const PROMETHEUS: &str = "http://prometheus-operated.monitoring.svc.cluster.local:9090";
/// The service port of every global service.
const PORT: u16 = 8080;
/// The east-west gateway's mTLS passthrough port.
const EAST_WEST_PORT: u16 = 15443;

/// The service names for `count` services.
pub fn service_names(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| match SERVICES.get(i) {
            Some(s) => s.to_string(),
            None => format!("svc-{}", i + 1),
        })
        .collect()
}

/// Whether `r` reads as an AWS region name (`ap-northeast-1`, `us-gov-west-1`).
pub fn is_region_name(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    let (geo, rest) = match parts.as_slice() {
        [geo, "gov", rest @ ..] | [geo, rest @ ..] => (geo, rest),
        [] => return false,
    };
    let [direction, number] = rest else {
        return false;
    };
    geo.len() == 2
        && geo.chars().all(|c| c.is_ascii_lowercase())
        && !direction.is_empty()
        && direction.chars().all(|c| c.is_ascii_lowercase())
        && !number.is_empty()
        && number.len() <= 2
        && number.chars().all(|c| c.is_ascii_digit())
}

/// The two regions of the mesh, from `-c regions=<a>,<b>`.
pub fn regions(app: &App) -> Result<[String; 2], Error> {
    let given = app.context().get::<Vec<String>>("regions")?;
    let list = given.unwrap_or_else(|| DEFAULT_REGIONS.iter().map(|s| s.to_string()).collect());
    let hint =
        "use -c regions=<a>,<b> with two distinct region names, e.g. ap-northeast-1,us-west-2";
    match list.as_slice() {
        [a, b] => {
            for r in [a, b] {
                if !is_region_name(r) {
                    return Err(Error::construct(
                        APP.to_string(),
                        format!("regions: {r:?} is not an AWS region name"),
                        hint,
                    ));
                }
            }
            if a == b {
                return Err(Error::construct(
                    APP.to_string(),
                    format!("regions: both are {a}; the mesh spans two distinct regions"),
                    hint,
                ));
            }
            Ok([a.clone(), b.clone()])
        }
        other => Err(Error::construct(
            APP.to_string(),
            format!(
                "regions: {} given; cross-region-mesh needs exactly two",
                other.len()
            ),
            hint,
        )),
    }
}

/// The cluster (and EKS cluster) name of a region.
pub fn cluster_name(region: &str) -> String {
    format!("{APP}-{region}")
}

/// The Istio network of a region.
pub fn network_name(region: &str) -> String {
    format!("network-{region}")
}

/// The mesh host of a global service.
pub fn global_host(service: &str) -> String {
    format!("{service}.global")
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn stack(app: &mut App, env: &Env, name: &str, what: &str) -> Result<StackRef, Error> {
    let stack = Stack::new(
        &mut app.root(),
        name,
        StackProps {
            env: env.clone(),
            description: Some(format!("meshsynth cross-region-mesh: {what}")),
            ..Default::default()
        },
    )?;
    // "project", not "app": pods already use "app" for the service name.
    Tags::add(&mut app.scope(stack.node())?, "project", APP);
    Ok(stack)
}

/// PascalCase construct id of a service name (`order-service` → `OrderService`).
fn construct_id(name: &str) -> String {
    name.split('-')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Adds the `cross-region-mesh` app.
pub fn build(app: &mut App) -> Result<(), Error> {
    let [first, second] = regions(app)?;
    let ctx = app.context();
    let count = ctx.get::<usize>("services")?.unwrap_or(SERVICES.len());
    if count == 0 {
        return Err(Error::construct(
            APP.to_string(),
            "services=0 leaves the mesh without services",
            "use -c services=N with N of at least 1 (default 3)",
        ));
    }
    let account = ctx.get_or("cross-region-mesh:account", ACCOUNT.to_string())?;
    let chaos = ctx.get_or("cross-region-mesh:chaos", false)?;
    // The Route 53 zone the load balancer manages (`-c cross-region-mesh:hosted-zone-id=…`).
    let zone = ctx.get_or(
        "cross-region-mesh:hosted-zone-id",
        "Z0123456789EXAMPLE".to_string(),
    )?;
    let names = service_names(count);
    // Networks first: each region's cluster reads the other's gateway address.
    let mut networks = Vec::new();
    for (i, region) in [&first, &second].into_iter().enumerate() {
        // Non-overlapping VPCs: 10.10.0.0/16, 10.20.0.0/16.
        networks.push(network(
            app,
            &account,
            region,
            &format!("10.{}.0.0/16", 10 * (i + 1)),
        )?);
    }
    for (l, r) in [(0, 1), (1, 0)] {
        let (local, remote) = ([&first, &second][l], [&first, &second][r]);
        region(
            app,
            &RegionProps {
                account: account.clone(),
                local: local.clone(),
                remote: remote.clone(),
                remote_gateway: String::new(),
                services: names.clone(),
                chaos,
                zone: zone.clone(),
            },
            &networks[l],
            &networks[r],
        )?;
    }
    Ok(())
}

/// One region's network stack: the VPC, the nodes' security group and the
/// Elastic IPs of the east-west gateway's NLB (one per public subnet).
struct Network {
    vpc: Vpc,
    nodes_sg: SecurityGroup,
    east_west_addresses: Vec<ResourceRef<CfnEip>>,
}

fn network(app: &mut App, account: &str, region: &str, cidr: &str) -> Result<Network, Error> {
    let env = Env::new(account.to_string(), region.to_string());
    let prefix = format!("{APP}-{region}");
    let cluster_name = cluster_name(region);
    let net = stack(
        app,
        &env,
        &format!("{prefix}-network"),
        &format!("network in {region}"),
    )?;
    let mut s = app.scope(net.node())?;
    let vpc = Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            cidr: cidr.to_string(),
            ..Default::default()
        },
    )?;
    let nodes_sg = SecurityGroup::new(
        &mut s,
        "NodesSecurityGroup",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: format!("{cluster_name} worker nodes"),
            allow_all_outbound: true,
        },
    )?;
    // istiod's webhook and the sidecars' traffic come from inside the VPC.
    nodes_sg.allow_from_cidr(
        &mut s,
        &vpc.cidr.to_string(),
        Port::tcp(443),
        "HTTPS and the istiod webhook from inside the VPC",
    )?;
    // Fixed addresses for the east-west gateway: the AWS Load Balancer
    // Controller gives its NLB these (aws-load-balancer-eip-allocations), so
    // the other region knows the address from CloudFormation.
    let mut east_west_addresses = Vec::new();
    for i in 1..=vpc.subnet_ids(SubnetKind::Public).len() {
        east_west_addresses.push(s.add_resource(
            &format!("EastWestAddress{i}"),
            CfnEip {
                domain: Some("vpc".into()),
                ..Default::default()
            },
        )?);
    }
    Ok(Network {
        vpc,
        nodes_sg,
        east_west_addresses,
    })
}

#[derive(Clone)]
struct RegionProps {
    account: String,
    local: String,
    remote: String,
    /// The other region's east-west gateway address: a deferred input, set
    /// once the cluster's chart exists.
    remote_gateway: String,
    services: Vec<String>,
    chaos: bool,
    zone: String,
}

/// Every stack and object of one region but its network.
fn region(
    app: &mut App,
    p: &RegionProps,
    net: &Network,
    remote_net: &Network,
) -> Result<(), Error> {
    let env = Env::new(p.account.clone(), p.local.clone());
    let prefix = format!("{APP}-{}", p.local);
    let cluster_name = cluster_name(&p.local);
    let (vpc, nodes_sg) = (&net.vpc, net.nodes_sg);
    let private = vpc.subnet_ids(SubnetKind::Private);

    // Data: the region's key and session cache.
    let data = stack(
        app,
        &env,
        &format!("{prefix}-data"),
        &format!("key and cache in {}", p.local),
    )?;
    let (key, redis) = {
        let mut s = app.scope(data.node())?;
        let key = Key::new(
            &mut s,
            "DataKey",
            KeyProps {
                alias: Some(format!("{APP}/data")),
                users: vec![
                    KeyUser::CloudWatchLogs,
                    KeyUser::ViaService("elasticache".into()),
                    KeyUser::ViaService("secretsmanager".into()),
                    KeyUser::ViaService("ecr".into()),
                    KeyUser::ViaService("ec2".into()),
                    KeyUser::Ec2AutoScaling,
                ],
                ..Default::default()
            },
        )?;
        let redis = CacheReplicationGroup::new(
            &mut s,
            "Sessions",
            CacheReplicationGroupProps {
                id: format!("{APP}-sessions"),
                vpc_id: vpc.vpc_id(),
                subnet_ids: private[..2].to_vec(),
                encryption_key: key.arn(),
                ..Default::default()
            },
        )?;
        s.at(redis.resource.node())?.suppress(
            "AwsSolutions-AEC5",
            "clients find the port in config; security groups, TLS and the AUTH token protect the data",
        )?;
        redis.security_group.allow_from(
            &mut s,
            &nodes_sg,
            Port::tcp(6379),
            "Redis (TLS) from the EKS nodes",
        )?;
        (key, redis)
    };

    // Images: one repository per service (and the load balancer), spread
    // over numbered stacks so large service counts stay under 500 resources.
    let mut images = BTreeMap::new();
    let mut all: Vec<String> = p.services.clone();
    all.push("cross-region-lb".into());
    for (g, group) in all.chunks(REPOSITORIES_PER_STACK).enumerate() {
        let st = stack(
            app,
            &env,
            &format!("{prefix}-images-{}", g + 1),
            &format!("image repositories in {}", p.local),
        )?;
        let mut s = app.scope(st.node())?;
        for name in group {
            let repo = Repository::new(
                &mut s,
                &construct_id(name),
                RepositoryProps {
                    name: format!("{APP}/{name}"),
                    encryption_key: Some(key.arn()),
                    ..Default::default()
                },
            )?;
            images.insert(name.clone(), repo.image(IMAGE_TAG)?);
        }
    }

    // Cluster.
    let eks = stack(
        app,
        &env,
        &format!("{prefix}-cluster"),
        &format!("EKS cluster and mesh in {}", p.local),
    )?;
    let mut s = app.scope(eks.node())?;
    let cluster = EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: cluster_name.clone(),
            subnet_ids: private.clone(),
            security_group_ids: vec![nodes_sg.group_id()],
            ..Default::default()
        },
    )?;
    NodeGroup::new(
        &mut s,
        "Nodes",
        &cluster,
        NodeGroupProps {
            name: Some(format!("{cluster_name}-nodes")),
            instance_types: vec!["m5.large".into()],
            min_size: 3,
            desired_size: 3,
            max_size: 12,
            volume_key: Some(key.arn()),
            security_group_ids: vec![
                cluster.resource.cluster_security_group_id(),
                nodes_sg.group_id(),
            ],
            ..Default::default()
        },
    )?;
    // The other region's east-west gateway address, read across regions by
    // CloudFormation (Fn::GetStackOutput of its network stack) into this
    // region's parameter store, where operators and the mesh read it.
    let remote_address = StringParameter::new(
        &mut s,
        "RemoteEastWestAddress",
        StringParameterProps {
            name: format!("/{APP}/{}/remote-east-west-address", p.local),
            value: ParameterValue::String(remote_net.east_west_addresses[0].reference()),
            description: Some(format!(
                "east-west gateway address of {} (its NLB's first Elastic IP)",
                p.remote
            )),
        },
    )?;
    let chart = Chart::new(
        &mut s,
        "Mesh",
        ChartProps::new(cluster_name.clone()).namespace(NAMESPACE),
    )?;
    let mut c = app.scope(chart.node())?;
    let p = &RegionProps {
        remote_gateway: c.deferred(&remote_address.resource.attr("Value"))?,
        ..p.clone()
    };
    // The NLB of this region's east-west gateway takes the network stack's
    // Elastic IPs, one per public subnet (deferred inputs of the install inputs).
    let mut allocations = Vec::new();
    for eip in &net.east_west_addresses {
        allocations.push(c.deferred(&eip.allocation_id())?);
    }
    let mut public_subnets = Vec::new();
    for subnet in vpc.subnet_ids(SubnetKind::Public) {
        public_subnets.push(c.deferred(&subnet)?);
    }
    MeshNamespace::new(
        &mut c,
        "Namespace",
        NamespaceProps {
            name: NAMESPACE.into(),
            mesh: MeshMode::Sidecar,
            labels: labels(&[("topology.istio.io/network", &network_name(&p.local))]),
            waypoint: None,
        },
    )?;
    IstioInstall::new(
        &mut c,
        "Istio",
        IstioInstallProps {
            mesh_id: MESH_ID.into(),
            cluster_name: cluster_name.clone(),
            network: network_name(&p.local),
            // Multi-primary, multi-network: istiod in each cluster, an
            // east-west gateway behind an NLB on 80, 443 and 15443.
            east_west_gateway: true,
            east_west_extra_ports: vec![("http2".into(), 80, 8080), ("https".into(), 443, 8443)],
            east_west_service_annotations: BTreeMap::from([
                (
                    "service.beta.kubernetes.io/aws-load-balancer-eip-allocations".to_string(),
                    allocations.join(","),
                ),
                (
                    "service.beta.kubernetes.io/aws-load-balancer-subnets".to_string(),
                    public_subnets.join(","),
                ),
            ]),
            pilot_env: BTreeMap::from([
                (
                    "PILOT_ENABLE_WORKLOAD_ENTRY_AUTOREGISTRATION".to_string(),
                    "true".to_string(),
                ),
                (
                    "PILOT_ENABLE_WORKLOAD_ENTRY_HEALTHCHECKS".to_string(),
                    "true".to_string(),
                ),
            ]),
            tag: Some(ISTIO_TAG.into()),
            ..Default::default()
        },
    )?;
    PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
        .add(&mut c, "Mtls")?;
    // Egress limited to the namespace, the control plane and the mesh's
    // registry (the *.global ServiceEntries live in this namespace).
    Sidecar::named(
        "default",
        SidecarSpec {
            egress: Some(vec![IstioEgressListener {
                hosts: vec!["./*".into(), "istio-system/*".into()],
                ..Default::default()
            }]),
            outbound_traffic_policy: Some(OutboundTrafficPolicy {
                mode: Some(OutboundMode::RegistryOnly),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .add(&mut c, "Sidecar")?;

    // The session cache's address exists only after deploy: a deferred input.
    let redis_host = c.deferred(&redis.resource.primary_endpoint_address())?;
    for name in &p.services {
        global_service(&mut c, p, name, &images[name], &redis_host)?;
    }
    load_balancer(
        &mut c,
        p,
        &cluster.oidc_provider(),
        &images["cross-region-lb"],
    )?;
    Ok(())
}

/// A global service in one region: the workload (KEDA-scaled), its
/// ServiceEntry and the other region's WorkloadEntry, routing and circuit
/// breaking, and its ServiceMonitor.
fn global_service(
    c: &mut Scope<'_>,
    p: &RegionProps,
    name: &str,
    image: &str,
    redis_host: &str,
) -> Result<(), Error> {
    let id = construct_id(name);
    let host = global_host(name);
    let local_net = network_name(&p.local);
    let remote_net = network_name(&p.remote);
    let svc_sel = format!(
        "destination_service_name=\"{name}\",destination_service_namespace=\"{NAMESPACE}\",reporter=\"destination\""
    );
    MeshService::new(
        c,
        &id,
        MeshServiceProps {
            name: name.into(),
            image: image.into(),
            port: PORT,
            health_path: Some("/healthz".into()),
            // Its own policy, below, admits Prometheus (monitoring) on the port only.
            network_policy: false,
            env: vec![
                ("AWS_REGION".into(), p.local.clone()),
                ("REDIS_HOST".into(), redis_host.into()),
            ],
            scaling: Scaling::Keda {
                min: 3,
                max: 20,
                triggers: vec![
                    // P95 latency above 200 ms.
                    Trigger::Prometheus {
                        server_address: PROMETHEUS.into(),
                        query: format!(
                            "histogram_quantile(0.95, sum(rate(istio_request_duration_milliseconds_bucket{{{svc_sel}}}[2m])) by (le))"
                        ),
                        threshold: "200".into(),
                        activation_threshold: None,
                    },
                    // 50 requests/s per pod (KEDA divides the total by the threshold).
                    Trigger::Prometheus {
                        server_address: PROMETHEUS.into(),
                        query: format!("sum(rate(istio_requests_total{{{svc_sel}}}[2m]))"),
                        threshold: "50".into(),
                        activation_threshold: None,
                    },
                    // This region's share of the service's load, in percent:
                    // above 70 (the local weight) the region scales out.
                    Trigger::Prometheus {
                        server_address: PROMETHEUS.into(),
                        query: format!(
                            "100 * sum(rate(istio_requests_total{{{svc_sel},destination_cluster=\"{}\"}}[2m])) / clamp_min(sum(rate(istio_requests_total{{{svc_sel}}}[2m])), 1)",
                            cluster_name(&p.local)
                        ),
                        threshold: "70".into(),
                        activation_threshold: None,
                    },
                ],
                aws_identity: AwsIdentity::Workload,
            },
            ..Default::default()
        },
    )?;
    // Ingress on the service port from the namespace, the gateways
    // (istio-system) and Prometheus (monitoring) only.
    let ns = |n: &str| labels(&[("kubernetes.io/metadata.name", n)]);
    network_policy(
        c,
        &format!("{id}NetworkPolicy"),
        NetworkPolicyProps {
            name: name.into(),
            pod_selector: labels(&[("app", name)]),
            allow_from: vec![
                (ns(NAMESPACE), BTreeMap::new()),
                (ns("istio-system"), BTreeMap::new()),
                (ns("monitoring"), BTreeMap::new()),
            ],
            ports: vec![PORT],
        },
    )?;

    // Discovery: the global host selects this region's pods and the other
    // region's WorkloadEntry (reached through its east-west gateway).
    let app_label = labels(&[("app", name)]);
    ServiceEntry::named(
        format!("{name}-global"),
        ServiceEntrySpec {
            hosts: vec![host.clone()],
            location: Some(Location::MeshInternal),
            resolution: Some(Resolution::Dns),
            ports: Some(vec![ServicePort {
                number: PORT.into(),
                protocol: Some("HTTP".into()),
                name: "http".into(),
                ..Default::default()
            }]),
            workload_selector: Some(SidecarWorkloadSelector {
                labels: Some(app_label.clone()),
            }),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(c, &format!("{id}Global"))?;
    let mut remote_labels = app_label.clone();
    remote_labels.insert("topology.istio.io/network".into(), remote_net.clone());
    WorkloadEntry::named(
        format!("{name}-{}", p.remote),
        WorkloadEntrySpec {
            address: Some(p.remote_gateway.clone()),
            ports: Some(BTreeMap::from([(
                "http".to_string(),
                i64::from(EAST_WEST_PORT),
            )])),
            labels: Some(remote_labels.clone()),
            network: Some(remote_net.clone()),
            locality: Some(p.remote.clone()),
            // Priority: the other region is the lower-priority endpoint;
            // the DestinationRule fails over to it by network.
            weight: Some(30),
            service_account: Some(name.into()),
        },
    )
    .add(c, &format!("{id}Remote"))?;
    // Health checks of the remote endpoints: 30 s interval, 5 s timeout,
    // 3 failures (istiod probes WorkloadGroup members with
    // PILOT_ENABLE_WORKLOAD_ENTRY_HEALTHCHECKS; the DestinationRule's
    // outlier detection ejects on the same thresholds).
    WorkloadGroup::named(
        format!("{name}-{}", p.remote),
        WorkloadGroupSpec {
            metadata: Some(WorkloadGroupMetadata {
                labels: Some(remote_labels),
                annotations: None,
            }),
            template: WorkloadGroupTemplate {
                network: Some(remote_net.clone()),
                locality: Some(p.remote.clone()),
                service_account: Some(name.into()),
                ..Default::default()
            },
            probe: Some(Probe {
                period_seconds: Some(30),
                timeout_seconds: Some(5),
                failure_threshold: Some(3),
                http_get: Some(HTTPGetAction {
                    path: Some("/healthz".into()),
                    port: IntOrString::Int(PORT.into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        },
    )
    .add(c, &format!("{id}RemoteGroup"))?;

    // Locality-aware load balancing and a circuit breaker.
    let subset = |n: &str, network: &str| Subset {
        name: n.into(),
        labels: Some(labels(&[("topology.istio.io/network", network)])),
        ..Default::default()
    };
    DestinationRule::named(
        format!("{name}-global"),
        DestinationRuleSpec {
            host: host.clone(),
            traffic_policy: Some(TrafficPolicy {
                load_balancer: Some(LoadBalancerSettings {
                    simple: Some(SimpleLb::LeastRequest),
                    locality_lb_setting: Some(LocalityLbSetting {
                        enabled: Some(true),
                        // Priorities: same network first, then same region.
                        failover_priority: Some(vec![
                            "topology.istio.io/network".into(),
                            "topology.kubernetes.io/region".into(),
                        ]),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                connection_pool: Some(ConnectionPoolSettings {
                    tcp: Some(TcpSettings {
                        max_connections: Some(100),
                        connect_timeout: Some("5s".into()),
                        ..Default::default()
                    }),
                    http: Some(HttpSettings {
                        http1_max_pending_requests: Some(100),
                        http2_max_requests: Some(100),
                        ..Default::default()
                    }),
                }),
                outlier_detection: Some(OutlierDetection {
                    consecutive5xx_errors: Some(3),
                    interval: Some("30s".into()),
                    base_ejection_time: Some("30s".into()),
                    max_ejection_percent: Some(50),
                    ..Default::default()
                }),
                tls: Some(ClientTlsSettings {
                    mode: Some(ClientTlsMode::IstioMutual),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            subsets: Some(vec![
                subset("local", &local_net),
                subset("remote", &remote_net),
            ]),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(c, &format!("{id}GlobalRule"))?;

    // Routing on the global host.
    let to = |s: &str| Destination::host(host.clone()).subset(s);
    let header = |k: &str, v: &str| HttpMatchRequest {
        headers: Some(BTreeMap::from([(k.to_string(), StringMatch::exact(v))])),
        ..Default::default()
    };
    let retries = HttpRetry {
        attempts: Some(3),
        per_try_timeout: Some("2s".into()),
        retry_on: Some("5xx,reset,connect-failure,retriable-4xx".into()),
        // Exponential backoff starting at 25 ms (Envoy's default base).
        backoff: Some("25ms".into()),
        ..Default::default()
    };
    // Delay injection for chaos tests, off unless -c cross-region-mesh:chaos=true.
    let fault = p.chaos.then(|| HttpFaultInjection {
        delay: Some(FaultDelay {
            fixed_delay: Some("2s".into()),
            percentage: Some(Percent::new(10.0)),
            ..Default::default()
        }),
        abort: None,
    });
    let route =
        |n: &str, m: Option<HttpMatchRequest>, dests: Vec<HttpRouteDestination>| HttpRoute {
            name: Some(n.into()),
            r#match: m.map(|m| vec![m]),
            route: Some(dests),
            timeout: Some("10s".into()),
            retries: Some(retries.clone()),
            fault: fault.clone(),
            ..Default::default()
        };
    VirtualService::named(
        format!("{name}-global"),
        VirtualServiceSpec {
            hosts: Some(vec![host.clone()]),
            http: Some(vec![
                route(
                    "latency-sensitive",
                    Some(header(LATENCY_HEADER, "true")),
                    vec![HttpRouteDestination::to(to("local"))],
                ),
                route(
                    "prefer-local-region",
                    Some(header(REGION_HEADER, &p.local)),
                    vec![HttpRouteDestination::to(to("local"))],
                ),
                route(
                    "prefer-remote-region",
                    Some(header(REGION_HEADER, &p.remote)),
                    vec![HttpRouteDestination::to(to("remote"))],
                ),
                route(
                    "weighted",
                    None,
                    vec![
                        HttpRouteDestination::weighted(to("local"), 70),
                        HttpRouteDestination::weighted(to("remote"), 30),
                    ],
                ),
            ]),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(c, &format!("{id}GlobalRouting"))?;

    let monitor = ServiceMonitor {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: ServiceMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(app_label),
                ..Default::default()
            },
            namespace_selector: Some(NamespaceSelector {
                match_names: Some(vec![NAMESPACE.into()]),
                ..Default::default()
            }),
            endpoints: vec![Endpoint {
                port: Some("http".into()),
                path: Some("/metrics".into()),
                interval: Some("30s".into()),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: None,
    };
    meshsynth::mesh::add_object(c, &format!("{id}Monitor"), monitor)?;
    Ok(())
}

/// The cross-region load balancer: an IRSA ServiceAccount whose role may
/// manage this region's target groups, the app's Route 53 records and read
/// CloudWatch, and an HPA on Istio metrics.
fn load_balancer(
    c: &mut Scope<'_>,
    p: &RegionProps,
    oidc: &meshsynth::aws::iam::OidcProviderRef,
    image: &str,
) -> Result<(), Error> {
    let name = "cross-region-lb";
    let zone_arn = Arn::new("route53", format!("hostedzone/{}", p.zone))
        .region(ArnPart::Empty)
        .account(ArnPart::Empty)
        .value();
    let statements = vec![
        // Actions without resource-level permissions (security::NO_RESOURCE_LEVEL_ACTIONS).
        PolicyStatement::allow(
            [
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeListeners",
                "route53:ListHostedZones",
                "route53:ListHealthChecks",
                "cloudwatch:GetMetricData",
                "cloudwatch:ListMetrics",
                "cloudwatch:PutMetricData",
            ],
            [Value::str("*")],
        ),
        // Target registration only on this app's target groups.
        PolicyStatement::allow(
            [
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
            ],
            [Arn::new("elasticloadbalancing", format!("targetgroup/{APP}-*/*")).value()],
        ),
        // DNS weights and failover records in the app's zone only.
        PolicyStatement::allow(
            [
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
            ],
            [zone_arn],
        ),
        PolicyStatement::allow(
            ["route53:GetHealthCheck", "route53:GetHealthCheckStatus"],
            [Arn::new("route53", "healthcheck/*")
                .region(ArnPart::Empty)
                .account(ArnPart::Empty)
                .value()],
        ),
        PolicyStatement::allow(
            ["cloudwatch:DescribeAlarms"],
            [Arn::new("cloudwatch", format!("alarm:{APP}-*")).value()],
        ),
    ];
    MeshService::new(
        c,
        "CrossRegionLb",
        MeshServiceProps {
            name: name.into(),
            image: image.into(),
            port: PORT,
            health_path: Some("/healthz".into()),
            // Its own policy, below, admits Prometheus (monitoring) on the port only.
            network_policy: false,
            env: vec![
                ("AWS_REGION".into(), p.local.clone()),
                ("PEER_REGION".into(), p.remote.clone()),
                ("HOSTED_ZONE_ID".into(), p.zone.clone()),
            ],
            identity: ServiceIdentity::Irsa(IrsaNeeds {
                oidc: oidc.clone(),
                statements,
                managed_policy_arns: Vec::new(),
            }),
            scaling: Scaling::Hpa {
                min: 3,
                max: 20,
                cpu_percent: Some(70),
                memory_percent: None,
                extra: vec![
                    HpaMetric::Pods {
                        metric: "istio_requests_per_second".into(),
                        average_value: "50".into(),
                    },
                    HpaMetric::Pods {
                        metric: "istio_request_duration_p95_milliseconds".into(),
                        average_value: "200".into(),
                    },
                ],
                // Scale up fast, down slowly.
                scale_up: Some(ScalingRules {
                    stabilization_window_seconds: 60,
                    policies: vec![("Percent".into(), 100, 60)],
                }),
                scale_down: Some(ScalingRules {
                    stabilization_window_seconds: 300,
                    policies: vec![("Pods".into(), 1, 60)],
                }),
            },
            ..Default::default()
        },
    )?;
    network_policy(
        c,
        "CrossRegionLbNetworkPolicy",
        NetworkPolicyProps {
            name: name.into(),
            pod_selector: labels(&[("app", name)]),
            allow_from: vec![
                (
                    labels(&[("kubernetes.io/metadata.name", NAMESPACE)]),
                    BTreeMap::new(),
                ),
                (
                    labels(&[("kubernetes.io/metadata.name", "istio-system")]),
                    BTreeMap::new(),
                ),
                (
                    labels(&[("kubernetes.io/metadata.name", "monitoring")]),
                    BTreeMap::new(),
                ),
            ],
            ports: vec![PORT],
        },
    )?;
    let monitor = ServiceMonitor {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: ServiceMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(labels(&[("app", name)])),
                ..Default::default()
            },
            namespace_selector: Some(NamespaceSelector {
                match_names: Some(vec![NAMESPACE.into()]),
                ..Default::default()
            }),
            endpoints: vec![Endpoint {
                port: Some("http".into()),
                path: Some("/metrics".into()),
                interval: Some("30s".into()),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: None,
    };
    meshsynth::mesh::add_object(c, "CrossRegionLbMonitor", monitor)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "ap-northeast-1",
            "us-west-2",
            "us-gov-west-1",
            "eu-central-2",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "tokyo",
            "ap-northeast",
            "AP-northeast-1",
            "ap-northeast-x",
            "a-b-1",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
