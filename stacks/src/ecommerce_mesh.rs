//! `ecommerce-mesh`: the reference app of REFERENCE.md section 2 (seed 003):
//! six services on Istio 1.28 behind an NLB ingress gateway, on an EKS
//! cluster whose nodes admit istiod's webhooks. Stacks: `ecommerce-mesh-network`
//! (VPC) and `ecommerce-mesh-cluster` (EKS, node group, and the cluster's
//! Kubernetes objects).

use std::collections::BTreeMap;

use meshsynth::aws::eks::{EksCluster, EksClusterProps, NodeGroup, NodeGroupProps};
use meshsynth::aws::network::{SubnetKind, Vpc, VpcProps};
use meshsynth::core::{
    App, Chart, ChartProps, ChartRef, Env, Error, Scope, Stack, StackProps, StackRef, Tags,
};
use meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION;
use meshsynth::mesh::istio::networking::StringMatch;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::{
    Gateway, GatewaySpec, IstioInstall, IstioInstallProps, MtlsMode, PeerAuthentication,
    PeerAuthenticationSpec,
};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{IngressRoute, MeshService, MeshServiceProps};
use meshsynth::mesh::traffic::{ServiceVersion, TrafficRule};

/// The tag (and Kubernetes label) naming the app on every resource and
/// object. Not `app`: Kubernetes objects use `app` for their component.
pub const PART_OF: &str = "app.kubernetes.io/part-of";
/// The app name; every stack name starts with it.
pub const APP: &str = "ecommerce-mesh";
/// The namespace of the services.
pub const NAMESPACE: &str = "ecommerce";
/// The external host of the API.
pub const HOST: &str = "api.c4ang.com";
/// The ingress Gateway.
pub const GATEWAY: &str = "ecommerce-gateway";
/// The TLS credential (Secret in `istio-system`) of the HTTPS server.
pub const TLS_CREDENTIAL: &str = "ecommerce-tls-cert";
/// The documented services: (name, API path prefix).
pub const SERVICES: [(&str, &str); 6] = [
    ("customer-service", "/api/v1/customers"),
    ("order-service", "/api/v1/orders"),
    ("product-service", "/api/v1/products"),
    ("payment-service", "/api/v1/payments"),
    ("recommendation-service", "/api/v1/recommendations"),
    ("saga-tracker", "/api/v1/saga"),
];
/// Where the service images live; replace with your registry.
const REGISTRY: &str = "registry.example.com/ecommerce";
/// The Istio release of the seed (1.28.0), pinned.
const ISTIO_TAG: &str = "1.28.0";

/// The services for `-c services=N`: the first N documented ones, then
/// generated `svc-7`, `svc-8`, … of the same shape.
pub fn services(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| match SERVICES.get(i) {
            Some((name, prefix)) => (name.to_string(), prefix.to_string()),
            None => (format!("svc-{}", i + 1), format!("/api/v1/svc-{}", i + 1)),
        })
        .collect()
}

/// Adds the app.
pub fn build(app: &mut App) -> Result<(), Error> {
    let n = app
        .context()
        .get_in::<usize>("services", 0..=crate::MAX_SERVICES)?
        .unwrap_or(SERVICES.len());
    // The seed runs in Seoul (the c4ang platform).
    let env = Env::region("ap-northeast-2");

    let net = Stack::new(
        &mut app.root(),
        &format!("{APP}-network"),
        StackProps {
            env: env.clone(),
            description: Some("meshsynth ecommerce-mesh: network".into()),
            ..Default::default()
        },
    )?;
    let vpc = {
        let mut s = app.scope(net.node())?;
        Tags::add(&mut s, PART_OF, APP);
        Vpc::new(&mut s, "Vpc", VpcProps::default())?
    };

    let cl = cluster_stack(app, env, &vpc)?;
    let chart = mesh_platform(app, &cl)?;
    let mut c = app.scope(chart.node())?;
    shop_services(&mut c, n)
}

/// EKS and its node group (Kubernetes 1.28+ asked; the construct's default,
/// the newest with pinned add-ons, is used).
fn cluster_stack(app: &mut App, env: Env, vpc: &Vpc) -> Result<StackRef, Error> {
    let cl = Stack::new(
        &mut app.root(),
        &format!("{APP}-cluster"),
        StackProps {
            env,
            description: Some("meshsynth ecommerce-mesh: EKS cluster and mesh".into()),
            ..Default::default()
        },
    )?;
    let mut s = app.scope(cl.node())?;
    Tags::add(&mut s, PART_OF, APP);
    // The seed asks for Kubernetes 1.28+; the construct's default (1.33) is
    // the newest version with pinned add-ons.
    let cluster = EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: APP.into(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Private),
            ..Default::default()
        },
    )?;
    // The seed's "istiod webhook port 443 blocked by the node security group"
    // cannot happen: the node group opens 15017 and 443 to the control plane.
    NodeGroup::new(
        &mut s,
        "Nodes",
        &cluster,
        NodeGroupProps {
            name: Some(format!("{APP}-nodes")),
            // Six services × 2 replicas, each with an Envoy sidecar, plus istiod
            // and the gateway: larger than the t3.medium default.
            instance_types: vec!["m5.large".into()],
            min_size: 2,
            desired_size: 3,
            max_size: 6,
            istio_webhook_access: Some(vpc.vpc_id()),
            ..Default::default()
        },
    )?;
    Ok(cl)
}

/// The mesh chart: the namespace (injection on), Istio with its default
/// ingress gateway, the TLS Gateway and strict mTLS.
fn mesh_platform(app: &mut App, cl: &StackRef) -> Result<ChartRef, Error> {
    let mut s = app.scope(cl.node())?;
    let chart = Chart::new(&mut s, "Mesh", ChartProps::new(APP).namespace(NAMESPACE))?;
    let mut c = app.scope(chart.node())?;
    // Injection is a namespace label, so no pod of the app runs without its
    // sidecar (the seed's "pods stay 1/1" failure).
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: NAMESPACE.into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    // Default ingress gateway: `istio-ingressgateway`, labels
    // `istio: ingressgateway`, Service annotated for an NLB.
    IstioInstall::new(
        &mut c,
        "Istio",
        IstioInstallProps {
            tag: Some(ISTIO_TAG.into()),
            ..Default::default()
        },
    )?;

    let mut gw = Gateway::named(
        GATEWAY,
        GatewaySpec::ingress(&[HOST, "*"], Some(TLS_CREDENTIAL), false),
    );
    // The certificate behind the credential is declared here (the seed
    // creates the Secret by hand with `kubectl create secret tls`); the
    // analyzer refuses a credential without a declared source.
    gw.metadata.annotations = Some(BTreeMap::from([(
        CREDENTIAL_SOURCES_ANNOTATION.to_string(),
        format!("{TLS_CREDENTIAL}=kubernetes.io/tls Secret in istio-system (ACM-exported or cert-manager issued)"),
    )]));
    gw.add(&mut c, "Gateway")?;

    PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
        .add(&mut c, "Mtls")?;
    Ok(chart)
}

/// The shop's services, one MeshService each (recommendation-service
/// canaried).
fn shop_services(c: &mut Scope<'_>, n: usize) -> Result<(), Error> {
    // Each MeshService gives the Deployment (2 replicas), Service,
    // DestinationRule (100 TCP connections, 100 HTTP/2 requests, ejection
    // after 5 consecutive 5xx, round robin), the VirtualService
    // `<name>-ingress` bound to the gateway on `api.c4ang.com` (prefix,
    // 3 retries, 10s timeout) and an AuthorizationPolicy.
    for (i, (name, prefix)) in services(n).into_iter().enumerate() {
        // REFERENCE §5 (seed 004): a 98/2 canary with `User-Agent: iOS` → v2
        // and mirrored traffic, composed by MeshService rather than
        // hand-built; the recommendation service is the one being canaried.
        let (versions, traffic) = if name == "recommendation-service" {
            (
                vec![ServiceVersion::new(
                    "v2",
                    format!("{REGISTRY}/{name}:1.1.0"),
                )],
                vec![
                    TrafficRule::new("ios")
                        .header("user-agent", StringMatch::regex(".*iOS.*"))
                        .to("v2"),
                    TrafficRule::new("canary")
                        .split([("v1", 98), ("v2", 2)])
                        .mirror("v2", 10.0),
                ],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        MeshService::new(
            c,
            &format!("Service{}", i + 1),
            MeshServiceProps {
                image: format!("{REGISTRY}/{name}:1.0.0"),
                routes: vec![IngressRoute {
                    gateway: GATEWAY.into(),
                    hosts: vec![HOST.into()],
                    prefix,
                }],
                name,
                versions,
                traffic,
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_take_the_documented_list_then_generate() {
        assert_eq!(
            services(1),
            [("customer-service".into(), "/api/v1/customers".into())]
        );
        assert_eq!(services(6).len(), 6);
        let s = services(8);
        assert_eq!(s[5].0, "saga-tracker");
        assert_eq!(s[6], ("svc-7".into(), "/api/v1/svc-7".into()));
        assert_eq!(s[7].0, "svc-8");
        assert!(services(0).is_empty());
    }
}
