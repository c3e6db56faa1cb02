//! Ambient mode end to end at synth: the install profile (istio-cni and
//! ztunnel inputs), a waypoint, `istio.io/use-waypoint` wiring from a
//! namespace and a Service, and the ambient analyzer checks.

use meshsynth::mesh::gateway_api::{Waypoint, WaypointProps};
use meshsynth::mesh::istio::install::{ControlPlane, IstioInstall, IstioInstallProps};
use meshsynth::mesh::istio::networking::{Sidecar, SidecarSpec};
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::security::WorkloadSelector;
use meshsynth::mesh::istio::security::{
    AuthorizationAction, AuthorizationPolicy, AuthorizationPolicySpec, Operation, PolicyTargetRef,
    Rule, RuleTo,
};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{MeshService, MeshServiceProps};
use meshsynth::testing::synth_app;
use meshsynth::{App, Chart, ChartProps, Error};
use serde_json::json;

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    /// Waypoint on the Service, policy attached with targetRefs.
    Good,
    /// The policy selects the pods by label, and nothing uses a waypoint.
    L7WithoutWaypoint,
    /// A Sidecar left in the ambient namespace.
    Sidecar,
    /// The Service names a waypoint that does not exist.
    MissingWaypoint,
    /// The policy's targetRefs names a Service that does not exist.
    WrongTarget,
    /// The waypoint written as a plain Gateway API Gateway (a raw object),
    /// not through the `Waypoint` construct.
    RawWaypoint,
}

fn app(variant: Variant) -> impl Fn(&mut App) -> Result<(), Error> {
    move |app: &mut App| {
        let chart = Chart::new(
            &mut app.root(),
            "Payments",
            ChartProps::new("acme-prod").namespace("payments"),
        )?;
        let mut c = app.scope(chart.node())?;
        IstioInstall::new(
            &mut c,
            "Istio",
            IstioInstallProps {
                ambient: true,
                tag: Some("1.28.1".into()),
                ingress_gateway: None,
                ..Default::default()
            },
        )?;
        MeshNamespace::new(
            &mut c,
            "Namespace",
            MeshNamespaceProps {
                name: "payments".into(),
                mesh: MeshMode::Ambient,
                ..Default::default()
            },
        )?;
        match variant {
            Variant::MissingWaypoint => {}
            Variant::RawWaypoint => {
                let spec = json!({"spec": {"gatewayClassName": "istio-waypoint",
                    "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}]}});
                let raw = meshsynth::core::RawObject {
                    api_version: "gateway.networking.k8s.io/v1".into(),
                    kind: "Gateway".into(),
                    namespaced: true,
                    metadata: serde_json::from_value(json!({"name": "waypoint",
                        "namespace": "payments", "labels": {"istio.io/waypoint-for": "service"}}))
                    .expect("metadata"),
                    body: spec
                        .as_object()
                        .expect("object")
                        .clone()
                        .into_iter()
                        .collect(),
                };
                c.add_object("Waypoint", raw)?;
            }
            _ => {
                Waypoint::new(&mut c, "Waypoint", WaypointProps::default())?;
            }
        }
        MeshService::new(
            &mut c,
            "Ledger",
            MeshServiceProps {
                name: "ledger".into(),
                image: "registry.example.com/acme/ledger:2.0.1".into(),
                waypoint: (variant != Variant::L7WithoutWaypoint).then(|| "waypoint".into()),
                ..Default::default()
            },
        )?;
        let by_label = variant == Variant::L7WithoutWaypoint;
        AuthorizationPolicy::named(
            "ledger-read-only",
            AuthorizationPolicySpec {
                selector: by_label.then(|| WorkloadSelector {
                    match_labels: Some([("app".to_string(), "ledger".to_string())].into()),
                }),
                target_refs: (!by_label).then(|| {
                    vec![PolicyTargetRef::service(
                        if variant == Variant::WrongTarget {
                            "ledgr"
                        } else {
                            "ledger"
                        },
                    )]
                }),
                action: Some(AuthorizationAction::Allow),
                rules: Some(vec![Rule {
                    from: None,
                    to: Some(vec![RuleTo {
                        operation: Some(Operation {
                            methods: Some(vec!["GET".into()]),
                            ..Default::default()
                        }),
                    }]),
                    when: None,
                }]),
                ..Default::default()
            },
        )
        .add(&mut c, "ReadOnly")?;
        if variant == Variant::Sidecar {
            Sidecar::named("default", SidecarSpec::default()).add(&mut c, "Sidecar")?;
        }
        Ok(())
    }
}

fn codes(variant: Variant) -> Vec<String> {
    match synth_app(app(variant), &[]) {
        Ok(out) => out.diagnostics().iter().map(|d| d.to_string()).collect(),
        Err(Error::Diagnostics(d)) => d.iter().map(|d| d.to_string()).collect(),
        Err(e) => panic!("unexpected error: {e}"),
    }
}

#[test]
fn an_ambient_namespace_with_a_waypoint_synthesizes_cleanly() {
    let out = synth_app(app(Variant::Good), &[]).unwrap();
    assert!(out.diagnostics().is_empty(), "{:?}", out.diagnostics());
    out.object_in("Gateway", "payments", "waypoint").has(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "metadata": {"labels": {"istio.io/waypoint-for": "service"}},
        "spec": {"gatewayClassName": "istio-waypoint",
                 "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}]}
    }));
    out.object_in("Service", "payments", "ledger").has(json!({
        "metadata": {"labels": {"istio.io/use-waypoint": "waypoint"}}
    }));
    out.object("Namespace", "payments").has(json!({
        "metadata": {"labels": {"istio.io/dataplane-mode": "ambient"}}
    }));
    out.object_in("AuthorizationPolicy", "payments", "ledger-read-only")
        .has(json!({
            "spec": {"targetRefs": [{"group": "", "kind": "Service", "name": "ledger"}]}
        }));
    // The ambient profile and the cni/ztunnel charts' values are install inputs.
    let files = out.file_names();
    for f in [
        "k8s/acme-prod/istio-control-plane-cni.values.yaml",
        "k8s/acme-prod/istio-control-plane-ztunnel.values.yaml",
    ] {
        assert!(files.contains(&f), "{f} missing from {files:?}");
    }
    let operator = out
        .file("k8s/acme-prod/istio-control-plane.istiooperator.yaml")
        .expect("operator file");
    assert!(operator.contains("profile: ambient"), "{operator}");
}

/// Issue 44, regression 2: a waypoint declared as a plain Gateway object
/// (`gatewayClassName: istio-waypoint`) is a waypoint, as the construct's is.
#[test]
fn a_waypoint_written_as_a_plain_gateway_counts_as_one() {
    let out = synth_app(app(Variant::RawWaypoint), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.diagnostics().is_empty(), "{:?}", out.diagnostics());
}

#[test]
fn ambient_mistakes_are_reported() {
    let l7 = codes(Variant::L7WithoutWaypoint);
    assert!(
        l7.len() == 1 && l7[0].contains("[MS-MESH-8]") && l7[0].contains("Payments/ReadOnly"),
        "{l7:#?}"
    );
    let sidecar = codes(Variant::Sidecar);
    assert!(
        sidecar.len() == 1 && sidecar[0].contains("warning[IST0167]"),
        "{sidecar:#?}"
    );
    let missing = codes(Variant::MissingWaypoint);
    assert!(
        missing.len() == 1
            && missing[0].contains("[MS-MESH-10]")
            && missing[0].contains("Payments/Ledger/Service"),
        "{missing:#?}"
    );
    let target = codes(Variant::WrongTarget);
    assert_eq!(
        target,
        ["error[MS-MESH-10]: Payments/ReadOnly: spec.targetRefs[0]: Service \"ledgr\" is not in namespace payments, so the policy applies to nothing (hint: fix the name, or add the Service or Gateway (waypoint or ingress) to the namespace)"]
    );
}

#[test]
fn ambient_props_that_cannot_work_are_construct_errors() {
    let err = synth_app(
        |app: &mut App| {
            let chart = Chart::new(&mut app.root(), "C", ChartProps::new("k").namespace("a"))?;
            let mut c = app.scope(chart.node())?;
            MeshNamespace::new(
                &mut c,
                "Ns",
                MeshNamespaceProps {
                    name: "a".into(),
                    mesh: MeshMode::Sidecar,
                    waypoint: Some("waypoint".into()),
                    ..Default::default()
                },
            )?;
            Ok(())
        },
        &[],
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.starts_with("C/Ns: a waypoint serves ambient workloads only"),
        "{err}"
    );
    let err = synth_app(
        |app: &mut App| {
            let chart = Chart::new(&mut app.root(), "C", ChartProps::new("k").namespace("a"))?;
            let mut c = app.scope(chart.node())?;
            IstioInstall::new(
                &mut c,
                "Istio",
                IstioInstallProps {
                    ambient: true,
                    control_plane: ControlPlane::Remote {
                        remote_pilot_address: None,
                    },
                    ..Default::default()
                },
            )?;
            Ok(())
        },
        &[],
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.starts_with("C/Istio: ambient mode is installed with a primary control plane"),
        "{err}"
    );
}

/// Objects added raw count as typed ones in every analyzer: a raw
/// VirtualService routing to a subset no DestinationRule defines is IST0101,
/// as the typed one is.
#[test]
fn a_raw_object_is_analyzed_like_a_typed_one() {
    let build = |app: &mut App| -> Result<(), Error> {
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
        let body = json!({"spec": {"hosts": ["reviews"],
            "http": [{"route": [{"destination": {"host": "reviews", "subset": "v2"}}]}]}});
        c.add_object(
            "Routing",
            meshsynth::core::RawObject {
                api_version: "networking.istio.io/v1".into(),
                kind: "VirtualService".into(),
                namespaced: true,
                metadata: serde_json::from_value(json!({"name": "reviews", "namespace": "shop"}))
                    .expect("metadata"),
                body: body
                    .as_object()
                    .expect("object")
                    .clone()
                    .into_iter()
                    .collect(),
            },
        )?;
        Ok(())
    };
    let text = match synth_app(build, &[]) {
        Err(Error::Diagnostics(d)) => d
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!(
            "expected IST0101, got {:?}",
            other.map(|o| o.diagnostics().len())
        ),
    };
    assert!(
        text.contains("IST0101") && text.contains("Shop/Routing"),
        "{text}"
    );
}
