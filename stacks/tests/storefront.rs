//! The `storefront` test app (Gateway API routing end to end): it must
//! synthesize with no diagnostics, route only with the Gateway API, match
//! its reviewed snapshots, analyze from its files with the same (no)
//! findings as synth, and is written to `target/conformance/storefront/` for
//! the Kubernetes + Gateway API schema validators and checkov. What the
//! Gateway API cannot express is refused with one error naming the rule.

use std::collections::BTreeSet;
use std::process::Command;

use crate::common;

use meshsynth::core::{App, Chart, ChartProps, Error};
use meshsynth::mesh::gateway_api::RoutingApi;
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{Delivery, MeshService, MeshServiceProps, Resilience};
use meshsynth::mesh::traffic::{ServiceVersion, TrafficRule};
use meshsynth::testing::synth_app;
use meshsynth_stacks::testapps::storefront;
use serde_json::json;

const DIR: &str = "snapshots/storefront";

#[test]
fn storefront_synthesizes_clean_analyzes_clean_and_is_written_for_conformance() {
    let synth = synth_app(storefront::build, storefront::CONTEXT).unwrap_or_else(|e| {
        panic!(
            "storefront synthesizes: {:?}",
            e.diagnostics()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        )
    });
    assert!(
        synth.diagnostics().is_empty(),
        "no diagnostics expected: {:#?}",
        synth.diagnostics()
    );
    assert!(synth.objects_of_kind("VirtualService").is_empty());
    let routes: BTreeSet<String> = synth
        .objects_of_kind("HTTPRoute")
        .iter()
        .map(|o| o.qualified_name())
        .collect();
    let expected: BTreeSet<String> = [
        "istio-ingress/public-https-redirect",
        "shop/web",
        "shop/web-ingress",
        "shop/cart",
        "shop/cart-ingress",
        "catalog/catalog",
    ]
    .iter()
    .map(|s| format!("HTTPRoute {s}"))
    .collect();
    assert_eq!(routes, expected);

    // The catalog's composed traffic, as the waypoint reads it.
    let catalog = synth.object_in("HTTPRoute", "catalog", "catalog");
    catalog.has(json!({"spec": {
        "parentRefs": [{"group": "", "kind": "Service", "name": "catalog", "port": 8080}],
        "rules": [
            {"matches": [{"headers": [{"name": "x-storefront-beta", "type": "Exact", "value": "true"}]}],
             "backendRefs": [{"name": "catalog-v2", "port": 8080}],
             "timeouts": {"request": "3s", "backendRequest": "2s"}},
            {"backendRefs": [{"name": "catalog-v1", "port": 8080, "weight": 90},
                             {"name": "catalog-v2", "port": 8080, "weight": 10}],
             "filters": [{"type": "RequestMirror", "requestMirror": {
                 "backendRef": {"name": "catalog-v2", "port": 8080}, "percent": 5}}]}
        ]
    }}));
    // Experimental channel: the service's retries are kept.
    assert_eq!(
        catalog.json()["spec"]["rules"][1]["retry"],
        json!({"attempts": 3, "codes": [409, 500, 502, 503, 504]})
    );
    // One Service per version, each selecting its pods.
    synth
        .object_in("Service", "catalog", "catalog-v2")
        .has(json!({"spec": {"selector": {"app": "catalog", "version": "v2"}}}));
    // The callers' policy names the Gateway's identity, not Istio's
    // ingress gateway.
    let ap = synth.object_in("AuthorizationPolicy", "shop", "web");
    assert!(
        ap.to_yaml()
            .contains("cluster.local/ns/istio-ingress/sa/public-istio"),
        "{}",
        ap.to_yaml()
    );
    // Behind the namespace's waypoint, ztunnel sees the waypoint: the
    // workload policy admits it, the callers are checked at the Service.
    synth
        .object_in("AuthorizationPolicy", "catalog", "catalog")
        .has(json!({"spec": {"rules": [{"from": [{"source": {
            "principals": ["cluster.local/ns/catalog/sa/waypoint"]}}]}]}}));
    synth
        .object_in("AuthorizationPolicy", "catalog", "catalog-callers")
        .has(json!({"spec": {"rules": [{"from": [{"source": {
            "principals": ["cluster.local/ns/shop/sa/web", "cluster.local/ns/shop/sa/cart"]}}]}]}}));
    // The edge: HTTPS per host, HTTP only for the redirect.
    let gw = synth.object_in("Gateway", "istio-ingress", "public");
    gw.has(json!({"spec": {"gatewayClassName": "istio"}}));
    assert_eq!(gw.json()["spec"]["listeners"].as_array().unwrap().len(), 4);

    // Snapshots of every file, reviewed.
    let files: Vec<(String, Vec<u8>)> = synth.synthesis().assembly.all_files();
    let target = common::write_for_conformance("storefront", &files);
    common::snapshot_files(DIR, &files);

    // Analyzed from its files: the same findings as synth (none).
    let o = Command::new(env!("CARGO_BIN_EXE_meshsynth-apps"))
        .arg("analyze")
        .arg(&target)
        .output()
        .expect("run analyze");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.starts_with("\u{2714} No validation issues found"),
        "{stdout}"
    );
}

/// A one-service app in chart `shop`, routed with `api`.
fn one_service(
    api: Option<RoutingApi>,
    props: MeshServiceProps,
) -> impl Fn(&mut App) -> Result<(), Error> {
    move |app: &mut App| {
        let chart = Chart::new(
            &mut app.root(),
            "Shop",
            ChartProps::new("c").namespace("shop"),
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
        MeshService::new(
            &mut c,
            "Api",
            MeshServiceProps {
                routing: api,
                ..props.clone()
            },
        )?;
        Ok(())
    }
}

fn api_props() -> MeshServiceProps {
    MeshServiceProps {
        name: "api".into(),
        image: "registry.example.com/api:1.0.0".into(),
        ..Default::default()
    }
}

fn refused(build: impl Fn(&mut App) -> Result<(), Error>, context: &[(&str, &str)]) -> String {
    match synth_app(build, context) {
        Ok(_) => panic!("expected a construct error"),
        Err(e) => {
            let msg = e.to_string();
            assert_eq!(msg.lines().count(), 1, "one line: {msg}");
            msg
        }
    }
}

#[test]
fn what_the_gateway_api_cannot_express_is_refused_naming_the_rule() {
    let canary = |traffic: Vec<TrafficRule>| MeshServiceProps {
        versions: vec![ServiceVersion::new("v2", "registry.example.com/api:1.1.0")],
        traffic,
        ..api_props()
    };
    let api = Some(RoutingApi::GatewayApi);

    let msg = refused(
        one_service(
            api,
            canary(vec![TrafficRule::new("chaos").abort(503, 10.0)]),
        ),
        &[],
    );
    assert!(
        msg.contains("Shop/Api") && msg.contains("\"chaos\"") && msg.contains("fault"),
        "{msg}"
    );

    let msg = refused(
        one_service(
            api,
            MeshServiceProps {
                resilience: Resilience {
                    retries: 5,
                    ..Default::default()
                },
                ..api_props()
            },
        ),
        &[],
    );
    assert!(
        msg.contains("standard channel") && msg.contains("GatewayApiExperimental"),
        "{msg}"
    );

    let msg = refused(
        one_service(
            api,
            canary(vec![TrafficRule::new("slow").to("v2").timeout("1.5s")]),
        ),
        &[],
    );
    assert!(msg.contains("\"slow\"") && msg.contains("1.5s"), "{msg}");

    let msg = refused(
        one_service(
            api,
            MeshServiceProps {
                delivery: Delivery::Canary {
                    steps: vec![],
                    analysis_template: None,
                },
                ..api_props()
            },
        ),
        &[],
    );
    assert!(msg.contains("Shop/Api") && msg.contains("anary"), "{msg}");

    let msg = refused(
        one_service(None, api_props()),
        &[("mesh:routing-api", "gateway")],
    );
    assert!(
        msg.contains("mesh:routing-api") && msg.contains("gateway-api"),
        "{msg}"
    );
}

#[test]
fn the_istio_api_stays_the_default_and_a_construct_overrides_the_platform() {
    let synth = synth_app(one_service(None, api_props()), &[]).expect("synth");
    assert_eq!(synth.objects_of_kind("VirtualService").len(), 1);
    assert!(synth.objects_of_kind("HTTPRoute").is_empty());
    let synth = synth_app(
        one_service(Some(RoutingApi::Istio), api_props()),
        &[("mesh:routing-api", "gateway-api")],
    )
    .expect("synth");
    assert!(synth.objects_of_kind("HTTPRoute").is_empty());
    let synth = synth_app(
        one_service(None, api_props()),
        &[("mesh:routing-api", "gateway-api")],
    )
    .expect("synth");
    assert_eq!(synth.objects_of_kind("HTTPRoute").len(), 1);
    assert!(synth.objects_of_kind("VirtualService").is_empty());
}
