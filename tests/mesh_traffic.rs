//! `MeshService` composed routing: versions, ordered rules with header and
//! URI matches, weighted splits, mirroring, faults and per-rule timeouts,
//! in the in-mesh and the ingress VirtualService; and the errors a wrong
//! plan gets.

use meshsynth::mesh::istio::install::{IstioInstall, IstioInstallProps};
use meshsynth::mesh::istio::networking::{Gateway, GatewayPort, GatewaySpec, Server, StringMatch};
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{Delivery, IngressRoute, MeshService, MeshServiceProps};
use meshsynth::mesh::traffic::{ServiceVersion, TrafficRule};
use meshsynth::testing::synth_app;
use meshsynth::{App, Chart, ChartProps, Error};
use serde_json::json;

fn app(props: impl Fn() -> MeshServiceProps) -> impl Fn(&mut App) -> Result<(), Error> {
    move |app: &mut App| {
        let chart = Chart::new(
            &mut app.root(),
            "Shop",
            ChartProps::new("acme-prod").namespace("shop"),
        )?;
        let mut c = app.scope(chart.node())?;
        MeshNamespace::new(
            &mut c,
            "Namespace",
            MeshNamespaceProps {
                name: "shop".into(),
                mesh: MeshMode::Sidecar,
                ..Default::default()
            },
        )?;
        IstioInstall::new(
            &mut c,
            "Istio",
            IstioInstallProps {
                tag: Some("1.28.1".into()),
                ..Default::default()
            },
        )?;
        Gateway::named(
            "public",
            GatewaySpec {
                selector: Some([("istio".to_string(), "ingressgateway".to_string())].into()),
                servers: Some(vec![Server {
                    port: GatewayPort {
                        number: 80,
                        name: "http".into(),
                        protocol: "HTTP".into(),
                        target_port: None,
                    },
                    hosts: vec!["shop.example.com".into()],
                    ..Default::default()
                }]),
            },
        )
        .add(&mut c, "Gateway")?;
        MeshService::new(&mut c, "Orders", props())?;
        Ok(())
    }
}

fn canary() -> MeshServiceProps {
    MeshServiceProps {
        name: "orders".into(),
        image: "registry.example.com/acme/orders:1.4.2".into(),
        versions: vec![ServiceVersion::new(
            "v2",
            "registry.example.com/acme/orders:1.5.0",
        )],
        traffic: vec![
            TrafficRule::new("ios")
                .header("user-agent", StringMatch::regex(".*iOS.*"))
                .to("v2"),
            TrafficRule::new("chaos")
                .header("x-chaos", StringMatch::exact("on"))
                .delay("2s", 50.0)
                .abort(503, 10.0)
                .timeout("1s"),
            TrafficRule::new("default")
                .split([("v1", 98), ("v2", 2)])
                .mirror("v2", 5.0),
        ],
        routes: vec![IngressRoute {
            gateway: "public".into(),
            hosts: vec!["shop.example.com".into()],
            prefix: "/orders".into(),
        }],
        ..Default::default()
    }
}

#[test]
fn a_98_2_canary_with_a_header_route_needs_no_hand_built_istio_object() {
    let out = synth_app(app(canary), &[]).unwrap();
    assert!(out.diagnostics().is_empty(), "{:?}", out.diagnostics());

    // One Deployment per version, each selecting its own pods.
    out.object_in("Deployment", "shop", "orders").has(json!({
        "spec": {"selector": {"matchLabels": {"app": "orders", "version": "v1"}}}
    }));
    out.object_in("Deployment", "shop", "orders-v2").has(json!({
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "orders", "version": "v2"}},
            "template": {"spec": {"containers": [{"image": "registry.example.com/acme/orders:1.5.0"}]}}
        }
    }));
    // The Service spans both versions.
    out.object_in("Service", "shop", "orders").has(json!({
        "spec": {"selector": {"app": "orders"}}
    }));

    out.object_in("DestinationRule", "shop", "orders")
        .has(json!({
            "spec": {"subsets": [
                {"name": "v1", "labels": {"version": "v1"}},
                {"name": "v2", "labels": {"version": "v2"}}
            ]}
        }));

    let dest = |subset: &str| json!({"host": "orders", "subset": subset, "port": {"number": 8080}});
    out.object_in("VirtualService", "shop", "orders")
        .has(json!({
            "spec": {"http": [
                {"name": "ios",
                 "match": [{"headers": {"user-agent": {"regex": ".*iOS.*"}}}],
                 "route": [{"destination": dest("v2")}],
                 "timeout": "10s"},
                {"name": "chaos",
                 "match": [{"headers": {"x-chaos": {"exact": "on"}}}],
                 "route": [{"destination": dest("v1")}],
                 "timeout": "1s",
                 "fault": {"delay": {"fixedDelay": "2s", "percentage": {"value": 50.0}},
                           "abort": {"httpStatus": 503, "percentage": {"value": 10.0}}}},
                {"name": "default",
                 "route": [{"destination": dest("v1"), "weight": 98},
                           {"destination": dest("v2"), "weight": 2}],
                 "mirror": dest("v2"),
                 "mirrorPercentage": {"value": 5.0}}
            ]}
        }));
    // The ingress VirtualService keeps the rules, each within the route's prefix.
    out.object_in("VirtualService", "shop", "orders-ingress")
        .has(json!({
            "spec": {
                "gateways": ["public"],
                "http": [
                    {"name": "ios", "match": [{"uri": {"prefix": "/orders"},
                                               "headers": {"user-agent": {"regex": ".*iOS.*"}}}]},
                    {"name": "chaos", "match": [{"uri": {"prefix": "/orders"},
                                                 "headers": {"x-chaos": {"exact": "on"}}}]},
                    {"name": "default", "match": [{"uri": {"prefix": "/orders"}}],
                     "route": [{"weight": 98}, {"weight": 2}]}
                ]
            }
        }));
}

#[test]
fn without_a_rule_for_the_rest_a_primary_route_is_added() {
    let out = synth_app(
        app(|| MeshServiceProps {
            routes: vec![],
            traffic: vec![TrafficRule::new("beta")
                .uri(StringMatch::prefix("/beta"))
                .to("v2")],
            ..canary()
        }),
        &[],
    )
    .unwrap();
    assert!(out.diagnostics().is_empty(), "{:?}", out.diagnostics());
    out.object_in("VirtualService", "shop", "orders")
        .has(json!({
            "spec": {"http": [
                {"name": "beta", "match": [{"uri": {"prefix": "/beta"}}]},
                {"name": "primary", "route": [{"destination": {"subset": "v1"}}]}
            ]}
        }));
}

fn error_of(props: impl Fn() -> MeshServiceProps) -> String {
    match synth_app(app(props), &[]) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_wrong_plan_is_one_error_naming_the_service() {
    type Props = Box<dyn Fn() -> MeshServiceProps>;
    let cases: Vec<(Props, &str)> = vec![
        (
            Box::new(|| MeshServiceProps {
                traffic: vec![TrafficRule::new("all").to("v3")],
                ..canary()
            }),
            "Shop/Orders: traffic rule \"all\" sends traffic to version \"v3\", which the service does not run (hint: add it to `versions`, or use one of: v1, v2)",
        ),
        (
            Box::new(|| MeshServiceProps {
                traffic: vec![TrafficRule::new("all").split([("v1", 90), ("v2", 2)])],
                ..canary()
            }),
            "Shop/Orders: traffic rule \"all\" has weights summing to 92",
        ),
        (
            Box::new(|| MeshServiceProps {
                traffic: vec![
                    TrafficRule::new("all").to("v1"),
                    TrafficRule::new("ios")
                        .header("user-agent", StringMatch::regex(".*iOS.*"))
                        .to("v2"),
                ],
                ..canary()
            }),
            "Shop/Orders: traffic rule \"all\" has no conditions, so the rules after it never apply",
        ),
        (
            Box::new(|| MeshServiceProps {
                traffic: vec![TrafficRule::new("all").mirror("v2", 120.0)],
                ..canary()
            }),
            "the mirror share of traffic rule \"all\" is 120 %, outside 0–100",
        ),
        (
            Box::new(|| MeshServiceProps {
                versions: vec![ServiceVersion::new("v1", "registry.example.com/acme/orders:1.5.0")],
                ..canary()
            }),
            "Shop/Orders: version \"v1\" is declared twice",
        ),
        (
            Box::new(|| MeshServiceProps {
                delivery: Delivery::Canary {
                    steps: vec![],
                    analysis_template: None,
                },
                ..canary()
            }),
            "Shop/Orders: versions and traffic rules route between Deployments",
        ),
    ];
    for (props, expected) in cases {
        let e = error_of(props);
        assert!(e.contains(expected), "{e}\n  expected: {expected}");
        assert!(!e.contains('\n'), "one line: {e}");
    }
}
