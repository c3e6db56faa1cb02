//! The `registry-types` test app: 17 registry types outside the hand-written
//! L1 structs, written with the generated typed structs. It must synthesize with no
//! diagnostics (every resource passes its schema check), match its reviewed
//! snapshot, and is written to `target/conformance/registry/` for cfn-lint
//! (warnings fatal) and checkov.

/// The app itself (beside the tests: it needs service features the
/// reference apps' build does not compile, `[dev-dependencies]`).
#[path = "apps/registry_types.rs"]
mod app;

use std::path::Path;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};

#[test]
fn registry_types_synthesize_clean_and_are_written_for_conformance() {
    let mut app = App::new(Context::new());
    app::build(&mut app).expect("registry-types builds");
    let out = match synth(app, &SynthOptions::default()) {
        Ok(out) => out,
        Err(e) => panic!(
            "registry-types synthesizes: {:#?}",
            e.diagnostics()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        ),
    };
    assert!(
        out.diagnostics.is_empty(),
        "no diagnostics expected: {:#?}",
        out.diagnostics
    );
    let files = out.assembly.all_files();
    let types: std::collections::BTreeSet<String> = files
        .iter()
        .filter(|(f, _)| f.ends_with(".template.json"))
        .flat_map(|(_, b)| {
            let t: serde_json::Value = serde_json::from_slice(b).expect("template JSON");
            t["Resources"]
                .as_object()
                .map(|m| {
                    m.values()
                        .filter_map(|r| r["Type"].as_str().map(String::from))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .filter(|t| meshsynth::aws::cfn::lookup(t).is_some())
        .collect();
    let services: std::collections::BTreeSet<&str> =
        types.iter().filter_map(|t| t.split("::").nth(1)).collect();
    assert!(types.len() >= 17, "{types:?}");
    assert!(services.len() >= 11, "{services:?}");
    let target =
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("target/conformance/registry");
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).expect("conformance dir");
    }
    meshsynth::assembly::write_atomically(&target, &files).expect("assembly written");
    for (file, bytes) in files {
        let text = String::from_utf8(bytes).expect("UTF-8");
        insta::with_settings!({
            snapshot_path => "../../snapshots/registry",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => file.clone(),
        }, {
            insta::assert_snapshot!(file.replace('/', "__"), text);
        });
    }
}
