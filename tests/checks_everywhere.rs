//! Every Kubernetes object is checked, however it was added: an app whose
//! objects were all added with `Scope::add_object` enables no check
//! itself, and `meshsynth synth` (`cli::main`) and `testing::synth_app`
//! turn the Kubernetes checks and the mesh analyzers on for every app
//! (`mesh::enable_checks`). Before, the app below synthesized without a
//! finding. The AWS security rules stay enabled by the AWS constructs
//! (docs/security.md): an app of L1 structs alone is checked by its
//! registry schemas, and calls `aws::security::enable` for the rules.

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use meshsynth::cli::run_with_args;
use meshsynth::core::{App, Chart, ChartProps, Context, Error};
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::synth::{synth, SynthOptions};
use meshsynth::testing::synth_app;

/// Objects added with `Scope::add_object` only: a ConfigMap in a
/// namespace nothing creates (`MS-MESH-7`) and a VirtualService routing to
/// a host no Service or ServiceEntry defines (`IST0101`).
fn raw_objects(app: &mut App) -> Result<(), Error> {
    let chart = Chart::new(
        &mut app.root(),
        "Shop",
        ChartProps::new("prod").namespace("shop"),
    )?;
    let mut c = app.scope(chart.node())?;
    c.add_object("Config", ConfigMap::default())?;
    c.add_object(
        "Routing",
        VirtualService::named(
            "routing",
            VirtualServiceSpec {
                hosts: Some(vec!["web".into()]),
                http: Some(vec![HttpRoute {
                    route: Some(vec![HttpRouteDestination::to(Destination::host("nope"))]),
                    ..Default::default()
                }]),
                ..Default::default()
            },
        ),
    )?;
    Ok(())
}

fn codes(e: &Error) -> Vec<String> {
    let mut c: Vec<String> = e
        .diagnostics()
        .iter()
        .filter_map(|d| d.code.clone())
        .collect();
    c.sort();
    c
}

#[test]
fn synth_synth_runs_what_the_app_enabled() {
    // `synth::synth` runs what the app's constructs enabled: nothing,
    // here, until the program enables the checks itself.
    let mut app = App::new(Context::new());
    raw_objects(&mut app).unwrap();
    assert!(synth(app, &SynthOptions::default()).is_ok());
    let mut app = App::new(Context::new());
    raw_objects(&mut app).unwrap();
    meshsynth::mesh::enable_checks(&mut app.root());
    let e = synth(app, &SynthOptions::default()).expect_err("enabled");
    assert_eq!(codes(&e), ["IST0101", "MS-MESH-7"], "{e}");
}

#[test]
fn objects_added_with_scope_add_object_get_the_kubernetes_and_mesh_checks() {
    let e = synth_app(raw_objects, &[]).err().expect("the objects fail");
    assert_eq!(codes(&e), ["IST0101", "MS-MESH-7"], "{e}");

    // The CLI path (`cli::main`, which a platform binary runs): exit 1, one
    // line per finding naming the construct path, and nothing written.
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("mesh.out");
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = run_with_args(
        ["meshsynth", "synth", "-o", out.to_str().unwrap()],
        &raw_objects,
        &mut stdout,
        &mut stderr,
    );
    let err = String::from_utf8_lossy(&stderr);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[MS-MESH-7]: Shop/Config"), "{err}");
    assert!(err.contains("error[IST0101]: Shop/Routing"), "{err}");
    assert!(!out.exists(), "nothing is written");

    // Fixed as the hint says (a Namespace, a routable host): clean.
    let fixed = |app: &mut App| -> Result<(), Error> {
        let chart = Chart::new(
            &mut app.root(),
            "Shop",
            ChartProps::new("prod").namespace("shop"),
        )?;
        let mut c = app.scope(chart.node())?;
        c.add_object(
            "Ns",
            Namespace {
                metadata: ObjectMeta {
                    name: Some("shop".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        )?;
        c.add_object("Config", ConfigMap::default())?;
        Ok(())
    };
    let s = synth_app(fixed, &[]).expect("clean");
    assert!(s.diagnostics().is_empty());
}

/// Label keys and values and annotation keys are checked as the API server
/// checks them, on every object and a workload's pod template: each of
/// these made `kubectl apply` fail after synth passed.
#[test]
fn labels_and_annotations_the_api_server_refuses_fail_synth() {
    use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
    use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
    use std::collections::BTreeMap;

    fn map(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
    let build = |labels: Vec<(&'static str, &'static str)>,
                 annotations: Vec<(&'static str, &'static str)>,
                 template: Vec<(&'static str, &'static str)>| {
        move |app: &mut App| -> Result<(), Error> {
            let chart = Chart::new(
                &mut app.root(),
                "Shop",
                ChartProps::new("prod").namespace("default"),
            )?;
            let mut c = app.scope(chart.node())?;
            c.add_object(
                "Config",
                ConfigMap {
                    metadata: ObjectMeta {
                        labels: map(&labels),
                        annotations: map(&annotations),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            )?;
            c.add_object(
                "Web",
                Deployment {
                    spec: Some(DeploymentSpec {
                        selector: LabelSelector {
                            match_labels: map(&[("app", "web")]),
                            ..Default::default()
                        },
                        template: PodTemplateSpec {
                            metadata: Some(ObjectMeta {
                                labels: map(&template),
                                ..Default::default()
                            }),
                            spec: Some(PodSpec {
                                containers: vec![Container {
                                    name: "web".into(),
                                    image: Some("nginx:1.27.2".into()),
                                    ..Default::default()
                                }],
                                ..Default::default()
                            }),
                        },
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )?;
            Ok(())
        }
    };
    let fine = synth_app(
        build(
            vec![("app.kubernetes.io/name", "shop"), ("tier", "")],
            vec![("example.com/Owner", "free text: any characters")],
            vec![("app", "web")],
        ),
        &[],
    );
    assert!(fine.is_ok(), "{:?}", fine.err().map(|e| e.to_string()));

    let e = synth_app(
        build(
            vec![("team name", "x"), ("version", "1.2.3+build")],
            vec![("a/b/c", "x")],
            vec![("app", "-web")],
        ),
        &[],
    )
    .err()
    .expect("refused");
    let text = e.to_string();
    for want in [
        r#"Shop/Config: metadata.labels: key "team name" is not a valid label key"#,
        r#"Shop/Config: metadata.labels["version"]: "1.2.3+build" is not a valid label value: only letters"#,
        r#"Shop/Config: metadata.annotations: key "a/b/c" is not a valid annotation key: it has more than one '/'"#,
        r#"Shop/Web: spec.template.metadata.labels["app"]: "-web" is not a valid label value: it must start and end"#,
    ] {
        assert!(text.contains(want), "{want}\nin: {text}");
    }
}
