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
    meshsynth::stacks::testapps::mesh_all::build(&mut app).expect("mesh_all builds");
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
            snapshot_path => format!("../{DIR}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => file.clone(),
        }, {
            insta::assert_snapshot!(name.clone(), text);
        });
        names.insert(name);
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
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
