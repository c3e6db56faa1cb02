//! What the test-app tests share: writing an assembly where the
//! conformance step finds it, and snapshotting every file of it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Writes `files` to `target/conformance/<app>/` (the conformance step
/// validates every directory there) and returns that directory.
pub fn write_for_conformance(app: &str, files: &[(String, Vec<u8>)]) -> PathBuf {
    let target = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join(format!("target/conformance/{app}"));
    std::fs::create_dir_all(target.parent().expect("parent")).expect("conformance dir");
    meshsynth::assembly::write_atomically(&target, files).expect("assembly written");
    target
}

/// Snapshots every file in `dir` (relative to the repository root), one
/// `.snap` per file, and fails on a snapshot no file produced any more.
pub fn snapshot_files(dir: &str, files: &[(String, Vec<u8>)]) {
    let mut names = BTreeSet::new();
    for (file, bytes) in files {
        let text = String::from_utf8(bytes.clone()).expect("UTF-8");
        let name = file.replace('/', "__");
        insta::with_settings!({
            snapshot_path => format!("../../../{dir}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => file.clone(),
        }, {
            insta::assert_snapshot!(name.clone(), text);
        });
        names.insert(format!("{name}.snap"));
    }
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let stale: Vec<String> = std::fs::read_dir(root.join(dir))
        .expect("snapshot dir exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|f| f.ends_with(".snap") && !names.contains(f))
        .collect();
    assert!(stale.is_empty(), "unreferenced snapshots: {stale:?}");
}
