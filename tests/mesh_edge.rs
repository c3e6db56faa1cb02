//! The platform-wide Istio constructs: the edge Gateway services' routes
//! bind to, and mesh-wide mutual TLS.

use meshsynth::mesh::istio::install::{IstioInstall, IstioInstallProps};
use meshsynth::mesh::istio::{EdgeGateway, EdgeGatewayProps, MeshMtls, MeshMtlsProps, MtlsMode};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{IngressRoute, MeshService, MeshServiceProps};
use meshsynth::testing::synth_app;
use meshsynth::{App, Chart, ChartProps, Error};
use serde_json::json;

fn platform(app: &mut App) -> Result<(), Error> {
    let chart = Chart::new(
        &mut app.root(),
        "Shop",
        ChartProps::new("prod").namespace("shop"),
    )?;
    let mut c = app.scope(chart.node())?;
    IstioInstall::new(&mut c, "Istio", IstioInstallProps::default())?;
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: "shop".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    let gw = EdgeGateway::new(
        &mut c,
        "Public",
        EdgeGatewayProps {
            hosts: vec!["shop.example.com".into()],
            namespace: Some("istio-system".into()),
            ..Default::default()
        },
    )?;
    MeshMtls::new(&mut c, "Mtls", MeshMtlsProps::default())?;
    MeshService::new(
        &mut c,
        "Web",
        MeshServiceProps {
            name: "web".into(),
            image: "registry.example.com/web:1.0.0".into(),
            routes: vec![IngressRoute {
                gateway: gw.reference(),
                hosts: vec!["shop.example.com".into()],
                prefix: "/".into(),
            }],
            ..Default::default()
        },
    )?;
    Ok(())
}

#[test]
fn an_edge_gateway_and_strict_mtls_synthesize_clean_with_a_routed_service() {
    let s = synth_app(platform, &[]).unwrap();
    assert!(s.diagnostics().is_empty(), "{:#?}", s.diagnostics());
    s.object("Gateway", "public").has(json!({
        "metadata": { "namespace": "istio-system" },
        "spec": {
            "selector": { "istio": "ingressgateway" },
            "servers": [{ "port": { "number": 80, "protocol": "HTTP" }, "hosts": ["shop.example.com"] }]
        }
    }));
    s.object("PeerAuthentication", "default").has(json!({
        "metadata": { "namespace": "istio-system" },
        "spec": { "mtls": { "mode": "STRICT" } }
    }));
    s.object("VirtualService", "web-ingress")
        .has(json!({ "spec": { "gateways": ["istio-system/public"] } }));
    let permissive = MeshMtlsProps {
        mode: MtlsMode::Permissive,
    };
    assert_ne!(permissive, MeshMtlsProps::default());
}

#[test]
fn an_edge_gateway_without_hosts_is_a_construct_error() {
    let err = synth_app(
        |app: &mut App| {
            let chart = Chart::new(&mut app.root(), "C", ChartProps::new("k").namespace("a"))?;
            let mut c = app.scope(chart.node())?;
            EdgeGateway::new(&mut c, "Public", EdgeGatewayProps::default())?;
            Ok(())
        },
        &[],
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.starts_with("C/Public: an edge Gateway needs at least one host"),
        "{err}"
    );
}
