//! The Kubernetes patch escape hatch: merge and JSON patches by construct
//! path, listed in `manifest.json` (with user-added install inputs), seen by the mesh analyzers, and refused
//! with one clear line when they cannot apply.

use meshsynth::core::{InstallKind, K8sPatch};
use meshsynth::mesh::keda::{AwsIdentity, Trigger};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{MeshService, MeshServiceProps, Scaling};
use meshsynth::mesh::traffic::ServiceVersion;
use meshsynth::testing::{synth_app, Synthesized};
use meshsynth::{App, Chart, ChartProps, Error};
use serde_json::json;

fn app(patches: Vec<(&'static str, K8sPatch)>) -> impl Fn(&mut App) -> Result<(), Error> {
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
        MeshService::new(
            &mut c,
            "Orders",
            MeshServiceProps {
                name: "orders".into(),
                image: "registry.example.com/acme/orders:1.4.2".into(),
                versions: vec![ServiceVersion::new(
                    "v2",
                    "registry.example.com/acme/orders:1.5.0",
                )],
                scaling: Scaling::Keda {
                    min: 2,
                    max: 4,
                    triggers: vec![Trigger::Prometheus {
                        server_address: "http://prometheus-operated.monitoring:9090".into(),
                        query: "sum(rate(http_requests_total{app=\"orders\"}[2m]))".into(),
                        threshold: "100".into(),
                        activation_threshold: None,
                    }],
                    aws_identity: AwsIdentity::Workload,
                },
                ..Default::default()
            },
        )?;
        // Helm values a user adds are an escape hatch too.
        c.add_install_input(
            "ztunnel-extra",
            InstallKind::HelmValues {
                chart: "istio/ztunnel".into(),
            },
            &json!({"resources": {"requests": {"cpu": "200m"}}}),
        )?;
        for (path, patch) in &patches {
            c.patch_object(path, patch.clone())?;
        }
        Ok(())
    }
}

fn synth(patches: Vec<(&'static str, K8sPatch)>) -> Result<Synthesized, Error> {
    synth_app(app(patches), &[])
}

#[test]
fn merge_and_json_patches_reach_the_manifest_and_are_listed() {
    let out = synth(vec![
        (
            "Orders/Deployment",
            K8sPatch::Merge(json!({"spec": {"template": {"spec": {
                "priorityClassName": "business-critical"
            }}}})),
        ),
        (
            // A field the typed VirtualService does not model still reaches the manifest.
            "Orders/VirtualService",
            K8sPatch::Json(json!([
                {"op": "add", "path": "/spec/http/0/corsPolicy",
                 "value": {"allowOrigins": [{"exact": "https://shop.example.com"}]}}
            ])),
        ),
        (
            "Orders/ScaledObject",
            K8sPatch::Merge(json!({"spec": {"cooldownPeriod": 60}})),
        ),
    ])
    .unwrap();
    assert!(out.diagnostics().is_empty(), "{:?}", out.diagnostics());
    out.object_in("Deployment", "shop", "orders").has(json!({
        "spec": {"template": {"spec": {"priorityClassName": "business-critical"}}}
    }));
    out.object_in("VirtualService", "shop", "orders")
        .has(json!({
            "spec": {"http": [{
                "corsPolicy": {"allowOrigins": [{"exact": "https://shop.example.com"}]}
            }]}
        }));
    out.object_in("ScaledObject", "shop", "orders").has(json!({
        "spec": {"cooldownPeriod": 60, "minReplicaCount": 2}
    }));
    let manifest: serde_json::Value =
        serde_json::from_str(out.file("manifest.json").unwrap()).unwrap();
    assert_eq!(
        manifest["clusters"][0]["escapeHatches"],
        json!([
            "Shop/Orders/Deployment",
            "Shop/Orders/VirtualService",
            "Shop/Orders/ScaledObject",
            "Shop/ztunnel-extra"
        ])
    );
}

#[test]
fn a_patch_the_crd_refuses_is_an_error_naming_the_field() {
    let err = synth(vec![
        (
            "Orders/VirtualService",
            K8sPatch::Json(json!([
                {"op": "add", "path": "/spec/http/0/x-experimental", "value": true}
            ])),
        ),
        (
            "Orders/ScaledObject",
            K8sPatch::Merge(json!({"spec": {"pollingIntervall": 30}})),
        ),
    ])
    .err()
    .expect("fields the CRDs refuse are errors");
    let Error::Diagnostics(found) = err else {
        panic!("expected diagnostics, got {err}")
    };
    let found: Vec<String> = found.iter().map(|d| d.to_string()).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().any(
            |f| f.starts_with("error[MS-CRD-1]: Shop/Orders/VirtualService: ")
                && f.contains("spec.http[0].x-experimental: unknown field")
        ),
        "{found:?}"
    );
    assert!(
        found.iter().any(
            |f| f.starts_with("error[MS-CRD-1]: Shop/Orders/ScaledObject: ")
                && f.contains(
                    "spec.pollingIntervall: unknown field (did you mean \"pollingInterval\"?)"
                )
        ),
        "{found:?}"
    );
}

#[test]
fn the_mesh_analyzers_see_the_patched_object() {
    let err = synth(vec![(
        "Orders/VirtualService",
        K8sPatch::Json(json!([
            {"op": "replace", "path": "/spec/http/0/route/0/destination/subset", "value": "v9"}
        ])),
    )])
    .err()
    .expect("an undefined subset is an error");
    let Error::Diagnostics(found) = err else {
        panic!("expected diagnostics, got {err}")
    };
    let err = found
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        err.contains("IST0101") && err.contains("Shop/Orders/VirtualService") && err.contains("v9"),
        "{err}"
    );
}

#[test]
fn a_patch_that_cannot_apply_is_one_error_naming_the_path() {
    let cases = vec![
        (
            "Orders/VirtualServce",
            K8sPatch::Merge(json!({})),
            "Shop: cannot patch \"Orders/VirtualServce\": Shop/Orders has no child \"VirtualServce\" (hint: its children are: ServiceAccount, Deployment, Deployment-v2, Service, DestinationRule, VirtualService, AuthorizationPolicy, NetworkPolicy, ScaledObject, Pdb)",
        ),
        (
            "Orders",
            K8sPatch::Merge(json!({})),
            "Shop/Orders: cannot patch: this construct is not a Kubernetes object",
        ),
        (
            "Orders/Service",
            K8sPatch::Merge(json!({"kind": "Endpoints"})),
            "Shop/Orders/Service: patch failed: the patch changes kind (it must stay \"Service\")",
        ),
        (
            "Orders/Service",
            K8sPatch::Json(json!([{"op": "test", "path": "/spec/type", "value": "NodePort"}])),
            "Shop/Orders/Service: patch failed: operation '/0' failed at path '/spec/type'",
        ),
        (
            "Orders/Service",
            K8sPatch::Merge(json!({"spec": {"ports": "http"}})),
            "Shop/Orders/Service: patch failed: the patched object is not a valid Service",
        ),
    ];
    for (path, patch, expected) in cases {
        let err = synth(vec![(path, patch)])
            .err()
            .expect("the patch is refused")
            .to_string();
        assert!(err.contains(expected), "{err}\n  expected: {expected}");
        assert!(!err.contains('\n'), "one line: {err}");
    }
}

#[test]
fn an_istio_operator_input_without_metadata_is_refused_at_synth() {
    // The deployer and `meshsynth diff` read it as a Kubernetes object; a
    // synth that accepted it wrote an assembly they could not read.
    let err = synth_app(
        |app: &mut App| {
            let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod"))?;
            let mut c = app.scope(chart.node())?;
            c.add_install_input(
                "operator",
                InstallKind::IstioOperator,
                &json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator",
                        "spec": {"profile": "minimal"}}),
            )
        },
        &[],
    )
    .err()
    .expect("refused");
    let text = err.to_string();
    assert!(
        text.starts_with("Shop/operator: IstioOperator install input has no metadata.name"),
        "{text}"
    );
}
