//! Snapshot tests of the built-in reference apps: every file of the
//! synthesized assembly, exact bytes, no redactions. A snapshot file that no
//! longer matches any assembly file fails the run, so stale ones cannot pile up.

use std::collections::BTreeSet;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};

const DIR: &str = "snapshots/apps";

/// The snapshot name of an assembly file: its path with `/` as `__`.
fn snapshot_name(file: &str) -> String {
    file.replace('/', "__")
}

#[test]
fn reference_apps_match_snapshots() {
    let mut app = App::new(Context::new());
    meshsynth::stacks::build(&mut app).expect("reference apps build");
    let out = synth(app, &SynthOptions::default()).expect("reference apps synthesize");
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
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    let stale: Vec<String> = std::fs::read_dir(&root)
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
}
