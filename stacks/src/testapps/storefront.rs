//! `storefront`: a Kubernetes-only platform routed with the Gateway API
//! end to end, written from docs/mesh.md's "Gateway API routing":
//!
//! - the platform's choice through the context (`mesh:routing-api =
//!   gateway-api`), and one service overriding it with the experimental
//!   channel for its retry policy;
//! - the edge as a Gateway API `Gateway` of class `istio` in a namespace of
//!   its own, HTTPS for two hosts and the HTTP → HTTPS redirect route;
//! - a sidecar namespace (`shop`: web, cart) and an ambient namespace with
//!   a waypoint (`catalog`), whose composed traffic (a header match to v2, a
//!   90/10 split, 5 % mirrored to v2, a per-rule timeout) becomes the
//!   HTTPRoute the waypoint enforces.

use meshsynth::core::{App, Chart, ChartProps, ChartRef, Error};
use meshsynth::mesh::gateway_api::{RoutingApi, Waypoint, WaypointProps, ROUTING_CONTEXT_KEY};
use meshsynth::mesh::istio::install::{IstioInstall, IstioInstallProps};
use meshsynth::mesh::istio::networking::StringMatch;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::{EdgeGateway, EdgeGatewayProps, MeshMtls, MeshMtlsProps};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{IngressRoute, MeshService, MeshServiceProps};
use meshsynth::mesh::traffic::{ServiceVersion, TrafficRule};

/// The Kubernetes cluster name.
pub const CLUSTER: &str = "storefront-eks";

/// The context the app is synthesized with: Gateway API routing for the
/// whole platform.
pub const CONTEXT: &[(&str, &str)] = &[(ROUTING_CONTEXT_KEY, "gateway-api")];

/// Adds the `storefront` app.
pub fn build(app: &mut App) -> Result<(), Error> {
    let edge = Chart::new(
        &mut app.root(),
        "Edge",
        ChartProps::new(CLUSTER).namespace("istio-ingress"),
    )?;
    let shop = Chart::new(
        &mut app.root(),
        "Shop",
        ChartProps::new(CLUSTER).namespace("shop"),
    )?;
    let catalog = Chart::new(
        &mut app.root(),
        "Catalog",
        ChartProps::new(CLUSTER).namespace("catalog"),
    )?;

    // The mesh and its edge.
    let gateway = edge_chart(app, &edge)?;

    // Sidecar namespace: the storefront and the cart, both public.
    shop_chart(app, &shop, &gateway)?;

    // Ambient namespace: the catalog behind its waypoint, canaried.
    catalog_chart(app, &catalog)
}

/// Istio (ambient-capable, no default ingress), mesh-wide mTLS and the
/// public edge gateway in its own namespace.
fn edge_chart(app: &mut App, edge: &ChartRef) -> Result<EdgeGateway, Error> {
    let mut e = app.scope(edge.node())?;
    IstioInstall::new(
        &mut e,
        "Istio",
        IstioInstallProps {
            ambient: true,
            tag: Some("1.28.1".into()),
            ingress_gateway: None,
            ..Default::default()
        },
    )?;
    MeshMtls::new(&mut e, "Mtls", MeshMtlsProps::default())?;
    MeshNamespace::new(
        &mut e,
        "Namespace",
        MeshNamespaceProps {
            name: "istio-ingress".into(),
            // Istio renders the Gateway's pods itself, proxy included.
            labels: [("istio-injection".to_string(), "disabled".to_string())].into(),
            ..Default::default()
        },
    )?;
    EdgeGateway::new(
        &mut e,
        "Public",
        EdgeGatewayProps {
            namespace: Some("istio-ingress".into()),
            hosts: vec!["shop.example.com".into(), "www.shop.example.com".into()],
            tls_credential: Some("shop-example-com".into()),
            // Issued outside the app (cert-manager in the cluster).
            tls_credential_source: Some("cert-manager".into()),
            ..Default::default()
        },
    )
}

/// The sidecar namespace: the storefront and the cart, both public.
fn shop_chart(app: &mut App, shop: &ChartRef, gateway: &EdgeGateway) -> Result<(), Error> {
    let mut s = app.scope(shop.node())?;
    MeshNamespace::new(
        &mut s,
        "Namespace",
        MeshNamespaceProps {
            name: "shop".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    for (id, name, prefix) in [("Web", "web", "/"), ("Cart", "cart", "/cart")] {
        MeshService::new(
            &mut s,
            id,
            MeshServiceProps {
                name: name.into(),
                image: format!("registry.example.com/storefront/{name}:2.4.0"),
                health_path: Some("/healthz".into()),
                routes: vec![IngressRoute {
                    gateway: gateway.reference(),
                    hosts: vec!["shop.example.com".into(), "www.shop.example.com".into()],
                    prefix: prefix.into(),
                }],
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

/// The ambient namespace: the catalog behind its waypoint, canaried.
fn catalog_chart(app: &mut App, catalog: &ChartRef) -> Result<(), Error> {
    let mut c = app.scope(catalog.node())?;
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: "catalog".into(),
            mesh: MeshMode::Ambient,
            waypoint: Some("waypoint".into()),
            ..Default::default()
        },
    )?;
    Waypoint::new(&mut c, "Waypoint", WaypointProps::default())?;
    MeshService::new(
        &mut c,
        "Catalog",
        MeshServiceProps {
            name: "catalog".into(),
            image: "registry.example.com/storefront/catalog:5.1.0".into(),
            health_path: Some("/healthz".into()),
            routing: Some(RoutingApi::GatewayApiExperimental),
            allowed_callers: vec![
                ("shop".into(), "web".into()),
                ("shop".into(), "cart".into()),
            ],
            versions: vec![ServiceVersion::new(
                "v2",
                "registry.example.com/storefront/catalog:5.2.0-rc.2",
            )],
            traffic: vec![
                TrafficRule::new("beta")
                    .header("x-storefront-beta", StringMatch::exact("true"))
                    .to("v2")
                    .timeout("3s"),
                TrafficRule::new("default")
                    .split([("v1", 90), ("v2", 10)])
                    .mirror("v2", 5.0),
            ],
            ..Default::default()
        },
    )?;
    Ok(())
}
