//! Snapshot tests of the built-in reference apps: each app synthesized on its
//! own, every file of its assembly as a snapshot under `snapshots/apps/<app>/`,
//! exact bytes, no redactions. A snapshot that no longer matches a file fails
//! the run, so stale ones cannot pile up.

use std::collections::BTreeSet;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};

/// The snapshot name of an assembly file: its path with `/` as `__`.
fn snapshot_name(file: &str) -> String {
    file.replace('/', "__")
}

#[test]
fn reference_apps_match_snapshots() {
    let root =
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("snapshots/apps");
    for (name, add) in meshsynth_stacks::APPS {
        let mut app = App::new(Context::new());
        add(&mut app).unwrap_or_else(|e| panic!("{name} builds: {e}"));
        let out = synth(app, &SynthOptions::default())
            .unwrap_or_else(|e| panic!("{name} synthesizes: {e}\n{:#?}", e.diagnostics()));
        let mut names = BTreeSet::new();
        for (file, bytes) in out.assembly.all_files() {
            let text = String::from_utf8(bytes).expect("assembly files are UTF-8");
            let snap = snapshot_name(&file);
            insta::with_settings!({
                snapshot_path => format!("../../snapshots/apps/{name}"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("{name}: {file}"),
            }, {
                insta::assert_snapshot!(snap.clone(), text);
            });
            names.insert(snap);
        }
        let stale: Vec<String> = std::fs::read_dir(root.join(name))
            .expect("snapshot dir exists")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|f| f.ends_with(".snap"))
            .filter(|f| !names.contains(f.trim_end_matches(".snap")))
            .collect();
        assert!(
            stale.is_empty(),
            "unreferenced snapshots of {name}: {stale:?}"
        );
    }
    let apps: BTreeSet<String> = meshsynth_stacks::APPS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let dirs: Vec<String> = std::fs::read_dir(&root)
        .expect("snapshots/apps exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|d| !apps.contains(d))
        .collect();
    assert!(
        dirs.is_empty(),
        "snapshot dirs of apps that no longer exist: {dirs:?}"
    );
}
