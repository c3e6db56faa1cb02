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

/// A Kafka trigger fed by an MSK cluster's brokers becomes a visible
/// placeholder, listed as a deferred input with the lookup deploy performs.
#[test]
fn kafka_brokers_from_msk_are_a_deferred_lookup() {
    use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
    use meshsynth::aws::msk::{MskCluster, MskClusterProps};
    use meshsynth::aws::network::{SubnetKind, Vpc, VpcProps};
    use meshsynth::core::{Chart, ChartProps, Env, Lookup, MskListener, Stack, StackProps};
    use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};

    let mut app = App::new(Context::new());
    let stack = Stack::new(
        &mut app.root(),
        "data",
        StackProps {
            env: Env::new("123456789012", "eu-west-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let mut s = app.scope(stack.node()).unwrap();
    let vpc = Vpc::new(&mut s, "Vpc", VpcProps::default()).unwrap();
    let key = Key::new(
        &mut s,
        "Key",
        KeyProps {
            users: vec![KeyUser::ViaService("kafka".into()), KeyUser::CloudWatchLogs],
            ..Default::default()
        },
    )
    .unwrap();
    let kafka = MskCluster::new(
        &mut s,
        "Kafka",
        MskClusterProps {
            name: "shop-kafka".into(),
            vpc_id: vpc.vpc_id(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Private),
            encryption_key: key.arn(),
            ..Default::default()
        },
    )
    .unwrap();
    let chart = Chart::new(&mut s, "Cluster", ChartProps::new("main").namespace("shop")).unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    meshsynth::mesh::namespace::MeshNamespace::new(
        &mut c,
        "Namespace",
        meshsynth::mesh::namespace::MeshNamespaceProps {
            name: "shop".into(),
            mesh: meshsynth::mesh::namespace::MeshMode::Sidecar,
            ..Default::default()
        },
    )
    .unwrap();
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
                bootstrap_servers: kafka.bootstrap_brokers().into(),
                consumer_group: "orders".into(),
                topic: "orders".into(),
                lag_threshold: 10,
                msk_iam_region: Some("eu-west-1".into()),
            }],
            aws_identity: AwsIdentity::Workload,
        },
    )
    .unwrap();
    let out = synth(app, &SynthOptions::default()).expect("synthesizes");
    let cluster = &out.assembly.manifest.clusters[0];
    assert_eq!(cluster.deferred_inputs.len(), 1, "{cluster:?}");
    let input = &cluster.deferred_inputs[0];
    assert_eq!(
        input.placeholder,
        "${meshsynth:data/Kafka/Resource#Ref|mskBootstrapBrokers:saslIam}"
    );
    assert_eq!(
        input.lookup,
        Some(Lookup::MskBootstrapBrokers {
            listener: MskListener::SaslIam
        })
    );
    let manifest = String::from_utf8(out.assembly.manifest_bytes()).unwrap();
    assert!(
        manifest.contains(r#""lookup": {"#)
            && manifest.contains(r#""kind": "mskBootstrapBrokers""#),
        "{manifest}"
    );
    let files = out.assembly.all_files();
    let (_, body) = files
        .iter()
        .find(|(f, _)| f.ends_with("cluster.yaml"))
        .expect("chart file");
    let body = String::from_utf8_lossy(body);
    assert!(
        body.contains(&format!("bootstrapServers: {}", input.placeholder))
            || body.contains(input.placeholder.as_str()),
        "{body}"
    );
}
