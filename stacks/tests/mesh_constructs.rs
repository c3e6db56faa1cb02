//! The `mesh_all` test app: every mesh and workload construct, synthesized,
//! snapshotted file by file (exact bytes) under `snapshots/mesh/`, and written
//! to `target/conformance/mesh/` for the project's conformance step (strict
//! Kubernetes + CRD schema validation).

use std::collections::BTreeSet;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions, Synthesis};

const DIR: &str = "snapshots/mesh";

fn synthesize() -> Synthesis {
    let mut app = App::new(Context::new());
    meshsynth_stacks::testapps::mesh_all::build(&mut app).expect("mesh_all builds");
    synth(app, &SynthOptions::default()).expect("mesh_all synthesizes")
}

/// The snapshot name of an assembly file: its path with `/` as `__`.
fn snapshot_name(file: &str) -> String {
    file.replace('/', "__")
}

#[test]
fn mesh_all_synthesizes_without_findings() {
    let out = synthesize();
    let shown: Vec<String> = out.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(shown.is_empty(), "unexpected diagnostics: {shown:#?}");
}

#[test]
fn mesh_all_is_deterministic() {
    assert_eq!(
        synthesize().assembly.all_files(),
        synthesize().assembly.all_files()
    );
}

#[test]
fn mesh_all_matches_snapshots_and_is_written_for_conformance() {
    let out = synthesize();
    let mut names = BTreeSet::new();
    for (file, bytes) in out.assembly.all_files() {
        let text = String::from_utf8(bytes).expect("assembly files are UTF-8");
        let name = snapshot_name(&file);
        insta::with_settings!({
            snapshot_path => format!("../../{DIR}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => file.clone(),
        }, {
            insta::assert_snapshot!(name.clone(), text);
        });
        names.insert(name);
    }
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let stale: Vec<String> = std::fs::read_dir(root.join(DIR))
        .expect("snapshot dir exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|f| f.ends_with(".snap"))
        .filter(|f| !names.contains(f.trim_end_matches(".snap")))
        .collect();
    assert!(
        stale.is_empty(),
        "unreferenced snapshots in {DIR}: {stale:?}"
    );
    let target = root.join("target/conformance/mesh");
    std::fs::create_dir_all(root.join("target/conformance")).expect("conformance dir");
    meshsynth::assembly::write_atomically(&target, &out.assembly.all_files())
        .expect("assembly written");
}

/// A Kafka trigger fed by a CloudFormation attribute (as the MSK construct
/// gives it) becomes a visible placeholder, listed as a deferred input.
#[test]
fn kafka_brokers_from_cloudformation_are_deferred() {
    use meshsynth::core::{CfnRaw, Chart, ChartProps, Stack, StackProps, TagStyle};
    use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};

    let mut app = App::new(Context::new());
    let stack = Stack::new(&mut app.root(), "data", StackProps::default()).unwrap();
    let mut s = app.scope(stack.node()).unwrap();
    let brokers = s
        .add_raw_resource(
            "Brokers",
            CfnRaw {
                type_name: "AWS::SSM::Parameter".into(),
                properties: [
                    ("Name".to_string(), "/shop/kafka/brokers".into()),
                    ("Type".to_string(), "String".into()),
                    ("Value".to_string(), "b-1.example:9098".into()),
                ]
                .into_iter()
                .collect(),
                tags: TagStyle::None,
            },
        )
        .unwrap();
    let chart = Chart::new(&mut s, "Cluster", ChartProps::new("main").namespace("shop")).unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    KedaScaler::new(
        &mut c,
        "Scaler",
        KedaScalerProps {
            name: "orders".into(),
            target: ("apps/v1".into(), "Deployment".into(), "orders".into()),
            min_replicas: 1,
            max_replicas: 4,
            polling_interval: None,
            cooldown_period: None,
            triggers: vec![Trigger::Kafka {
                bootstrap_servers: meshsynth::core::Value::GetAtt(brokers, "Value".into()),
                consumer_group: "orders".into(),
                topic: "orders".into(),
                lag_threshold: 10,
                msk_iam_region: None,
            }],
            aws_identity: AwsIdentity::Workload,
        },
    )
    .unwrap();
    let out = synth(app, &SynthOptions::default()).expect("synthesizes");
    let cluster = &out.assembly.manifest.clusters[0];
    assert_eq!(cluster.deferred_inputs.len(), 1, "{cluster:?}");
    let placeholder = &cluster.deferred_inputs[0].placeholder;
    assert_eq!(placeholder, "${meshsynth:data/Brokers#Value}");
    let files = out.assembly.all_files();
    let (_, body) = files
        .iter()
        .find(|(f, _)| f.ends_with("cluster.yaml"))
        .expect("chart file");
    assert!(String::from_utf8_lossy(body).contains(placeholder.as_str()));
}
