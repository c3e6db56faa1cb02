//! Controllers that act on a workload from outside it, caught at synth as
//! `analyze` catches them in YAML: two autoscalers on one Deployment
//! (MS-K8S-1) and pods under two PodDisruptionBudgets (MS-K8S-2).

use std::collections::BTreeMap;

use meshsynth::core::{App, Chart, ChartProps, Context, Diagnostic, Error, Scope};
use meshsynth::k8s::workloads::{
    AppDeployment, AppDeploymentProps, AppPodDisruptionBudget, AppPodDisruptionBudgetProps,
    ContainerPort, ContainerProps, Disruption, Hpa, HpaMetric, HpaProps, PodProps,
};
use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};
use meshsynth::synth::{synth, SynthOptions};

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Chart `C` (namespace `shop`) with a `worker` Deployment, then `f`;
/// every diagnostic of synth.
fn run(f: impl FnOnce(&mut Scope<'_>)) -> Vec<Diagnostic> {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    AppDeployment::new(
        &mut c,
        "Worker",
        AppDeploymentProps {
            name: "worker".into(),
            replicas: None,
            pod: PodProps {
                selector: labels(&[("app", "worker"), ("tier", "back")]),
                containers: vec![ContainerProps {
                    name: "worker".into(),
                    image: "registry.example.com/worker:1.0.0".into(),
                    ports: vec![ContainerPort {
                        name: "http".into(),
                        port: 8080,
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            },
            labels: BTreeMap::new(),
        },
    )
    .unwrap();
    f(&mut c);
    match synth(app, &SynthOptions::default()) {
        Ok(s) => s.diagnostics,
        Err(Error::Diagnostics(d)) => d,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn codes(ds: &[Diagnostic]) -> Vec<(String, String)> {
    ds.iter()
        .filter_map(|d| Some((d.code.clone()?, d.path.clone())))
        .filter(|(c, _)| c.starts_with("MS-K8S"))
        .collect()
}

fn hpa(c: &mut Scope<'_>, id: &str) {
    Hpa::new(
        c,
        id,
        HpaProps {
            name: "worker".into(),
            target: ("apps/v1".into(), "Deployment".into(), "worker".into()),
            min_replicas: 2,
            max_replicas: 10,
            metrics: vec![HpaMetric::Cpu(70)],
            scale_up: None,
            scale_down: None,
        },
    )
    .unwrap();
}

fn keda(c: &mut Scope<'_>, id: &str, name: &str) {
    KedaScaler::new(
        c,
        id,
        KedaScalerProps {
            name: name.into(),
            target: ("apps/v1".into(), "Deployment".into(), "worker".into()),
            min_replicas: 1,
            max_replicas: 20,
            polling_interval: None,
            cooldown_period: None,
            triggers: vec![Trigger::Prometheus {
                server_address: "http://prometheus.monitoring:9090".into(),
                query: "sum(rate(jobs_total[1m]))".into(),
                threshold: "10".into(),
                activation_threshold: None,
            }],
            aws_identity: AwsIdentity::Workload,
        },
    )
    .unwrap();
}

fn pdb(c: &mut Scope<'_>, id: &str, name: &str, selector: &[(&str, &str)]) {
    AppPodDisruptionBudget::new(
        c,
        id,
        AppPodDisruptionBudgetProps {
            name: name.into(),
            selector: labels(selector),
            budget: Disruption::MaxUnavailable(1),
        },
    )
    .unwrap();
}

#[test]
fn an_hpa_and_a_scaled_object_on_one_deployment_are_two_controllers() {
    let ds = run(|c| {
        hpa(c, "Hpa");
        keda(c, "Scaler", "worker-jobs");
    });
    assert_eq!(
        codes(&ds),
        [("MS-K8S-1".to_string(), "C/Scaler".to_string())],
        "{ds:#?}"
    );
    let d = &ds
        .iter()
        .find(|d| d.code.as_deref() == Some("MS-K8S-1"))
        .unwrap();
    assert!(
        d.message.contains("Deployment shop/worker"),
        "{}",
        d.message
    );
}

#[test]
fn one_autoscaler_a_workload_is_clean() {
    assert_eq!(codes(&run(|c| hpa(c, "Hpa"))), []);
    assert_eq!(codes(&run(|c| keda(c, "Scaler", "worker-jobs"))), []);
}

#[test]
fn two_budgets_over_one_workload_block_drains() {
    let ds = run(|c| {
        pdb(c, "Pdb", "worker", &[("app", "worker")]);
        pdb(c, "TierPdb", "back", &[("tier", "back")]);
    });
    assert_eq!(
        codes(&ds),
        [("MS-K8S-2".to_string(), "C/TierPdb".to_string())],
        "{ds:#?}"
    );
}

#[test]
fn one_budget_a_workload_is_clean() {
    let ds = run(|c| {
        pdb(c, "Pdb", "worker", &[("app", "worker")]);
        pdb(c, "Other", "web", &[("app", "web")]);
    });
    assert_eq!(codes(&ds), []);
}

/// A PodDisruptionBudget selecting by expressions only (what
/// `AppPodDisruptionBudget` does not write).
fn pdb_by_expression(c: &mut Scope<'_>, id: &str, name: &str, tier: &str) {
    use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
        LabelSelector, LabelSelectorRequirement, ObjectMeta,
    };
    let budget = PodDisruptionBudget {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: Some(PodDisruptionBudgetSpec {
            selector: Some(LabelSelector {
                match_expressions: Some(vec![LabelSelectorRequirement {
                    key: "tier".into(),
                    operator: "In".into(),
                    values: Some(vec![tier.into()]),
                }]),
                match_labels: None,
            }),
            ..Default::default()
        }),
        status: None,
    };
    c.add_object(id, budget).unwrap();
}

/// Budgets are looked up by label, not compared with every workload: the
/// ones that share a label but miss another, or select by expressions, must
/// still be judged as before, and named in their order.
#[test]
fn budgets_found_by_label_and_by_expression_are_all_named() {
    let ds = run(|c| {
        // Same first label as the workload, but a second that differs.
        pdb(c, "Front", "front", &[("app", "worker"), ("tier", "front")]);
        pdb(c, "Both", "both", &[("app", "worker"), ("tier", "back")]);
        pdb_by_expression(c, "Expr", "by-tier", "back");
        pdb_by_expression(c, "OtherExpr", "by-other-tier", "front");
        pdb(c, "Web", "web", &[("app", "web")]);
        pdb(c, "Tier", "tier", &[("tier", "back")]);
    });
    assert_eq!(
        codes(&ds),
        [("MS-K8S-2".to_string(), "C/Tier".to_string())],
        "{ds:#?}"
    );
    let d = &ds
        .iter()
        .find(|d| d.code.as_deref() == Some("MS-K8S-2"))
        .unwrap();
    assert!(
        d.message.contains("by both (C/Both), by-tier (C/Expr)"),
        "{}",
        d.message
    );
    assert!(!d.message.contains("front"), "{}", d.message);
}

/// The MS-K8S codes `analyze` reports for `yaml`.
fn analyzed(yaml: &str) -> Vec<String> {
    let sources = [meshsynth::analyze::Source {
        name: "controllers.yaml".into(),
        text: yaml.into(),
    }];
    let report =
        meshsynth::analyze::analyze_sources(&sources, &meshsynth::analyze::Options::default())
            .unwrap();
    report
        .findings
        .into_iter()
        .filter(|f| f.code.starts_with("MS-K8S"))
        .map(|f| format!("{} {}", f.code, f.name.unwrap_or_default()))
        .collect()
}

const WORKER: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: worker, namespace: shop}\nspec:\n  selector: {matchLabels: {app: worker}}\n  template:\n    metadata: {labels: {app: worker}}\n    spec:\n      containers:\n      - {name: worker, image: example.com/worker:1}\n";

/// YAML objects are read in place (their metadata typed, their `spec` as
/// written): an HPA that KEDA owns (as exported from a live cluster) is
/// the ScaledObject's means, not a second autoscaler.
#[test]
fn analyze_reads_an_hpa_owned_by_a_scaled_object_as_its_means() {
    let hpa = |owner: &str| {
        format!("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: keda-hpa-worker\n  namespace: shop\n{owner}spec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: worker}}\n  maxReplicas: 10\n")
    };
    let so = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: worker, namespace: shop}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers:\n  - type: cpu\n    metricType: Utilization\n    metadata: {value: \"60\"}\n";
    let owned = "  ownerReferences:\n  - {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, name: worker, uid: 3f1c}\n";
    let yaml = |owner: &str| format!("{WORKER}---\n{}---\n{so}", hpa(owner));
    assert_eq!(analyzed(&yaml(owned)), Vec::<String>::new());
    assert_eq!(analyzed(&yaml("")), ["MS-K8S-1 worker"]);
}

/// An empty selector selects every pod in policy/v1; policy/v1beta1 (where
/// it selected none) is no longer served, and is reported as that instead.
#[test]
fn analyze_reads_an_empty_budget_selector_by_its_api_version() {
    let budgets = |version: &str| {
        (1..=2)
            .map(|i| format!("---\napiVersion: {version}\nkind: PodDisruptionBudget\nmetadata: {{name: all-{i}, namespace: shop}}\nspec:\n  minAvailable: 1\n  selector: {{}}\n"))
            .collect::<String>()
    };
    assert_eq!(
        analyzed(&format!("{WORKER}{}", budgets("policy/v1"))),
        ["MS-K8S-2 all-2"]
    );
    assert_eq!(
        analyzed(&format!("{WORKER}{}", budgets("policy/v1beta1"))),
        ["MS-K8S-3 all-1", "MS-K8S-3 all-2"]
    );
}
