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
use meshsynth::k8s::workloads::{AppNetworkPolicy, AppNetworkPolicyProps, HpaMetric, ScalingRules};
use meshsynth::k8s_openapi::api::core::v1::{HTTPGetAction, Probe};
use meshsynth::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::keda::{AwsIdentity, Trigger};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::prometheus::{
    Endpoint, LabelSelector, NamespaceSelector, ServiceMonitor, ServiceMonitorSpec,
};
use meshsynth::mesh::service::{
    IrsaNeeds, MeshService, MeshServiceProps, Scaling, ServiceIdentity,
};

mod region;
mod services;
#[cfg(test)]
mod tests;

use region::*;
use services::*;

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
    let count = ctx
        .get_in::<usize>("services", 0..=crate::MAX_SERVICES)?
        .unwrap_or(SERVICES.len());
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
