//! The `meshsynth-apps` binary builds the four reference apps as parts of
//! one app (`build_in_parts`); its assembly, diagnostics and selection
//! must be those of the same apps in one tree (`build`), byte for byte.

use meshsynth::cli::build_and_synth;
use meshsynth::synth::{SynthOptions, Synthesis};

fn synthesized(
    build: fn(&mut meshsynth::core::App) -> Result<(), meshsynth::core::Error>,
    context: &[&str],
    patterns: &[&str],
) -> (Result<Synthesis, String>, String) {
    let context: Vec<String> = context.iter().map(|s| s.to_string()).collect();
    let opts = SynthOptions {
        patterns: patterns.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let mut err = Vec::new();
    let out = build_and_synth(&build, &context, &opts, &mut err).map_err(|e| e.to_string());
    (out, String::from_utf8(err).unwrap())
}

fn assert_same(context: &[&str], patterns: &[&str]) {
    let (one, one_err) = synthesized(meshsynth_stacks::build, context, patterns);
    let (parts, parts_err) = synthesized(meshsynth_stacks::build_in_parts, context, patterns);
    assert_eq!(one_err, parts_err, "{context:?} {patterns:?}");
    let (one, parts) = (one.unwrap(), parts.unwrap());
    assert_eq!(
        one.assembly.manifest_bytes(),
        parts.assembly.manifest_bytes(),
        "{context:?} {patterns:?}"
    );
    let (mut a, mut b) = (one.assembly.all_files(), parts.assembly.all_files());
    a.sort();
    b.sort();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(x == y, "{} differs in parts ({context:?})", x.0);
    }
    assert_eq!(one.diagnostics, parts.diagnostics);
    let mut notes = (one.notes, parts.notes);
    notes.0.sort();
    notes.1.sort();
    assert_eq!(notes.0, notes.1, "notes are grouped by part, but the same");
}

#[test]
fn the_reference_apps_in_parts_are_the_same_assembly_as_in_one_tree() {
    assert_same(&[], &[]);
    assert_same(&["services=12"], &[]);
    assert_same(&["apps=ecommerce-mesh,advanced-mesh"], &[]);
}

#[test]
fn stack_patterns_select_alike_in_parts() {
    assert_same(&[], &["*-cluster"]);
    assert_same(&[], &["ecommerce*", "genai-demo-network"]);
    let (one, _) = synthesized(meshsynth_stacks::build, &[], &["ecommerce*", "nomatch"]);
    let (parts, _) = synthesized(
        meshsynth_stacks::build_in_parts,
        &[],
        &["ecommerce*", "nomatch"],
    );
    assert_eq!(one.unwrap_err(), parts.unwrap_err());
}

#[test]
fn context_keys_read_in_parts_are_not_reported_unused() {
    let (_, err) = synthesized(
        meshsynth_stacks::build_in_parts,
        &["services=3", "servics=4"],
        &[],
    );
    assert!(
        err.contains(r#"context key "servics" was not used"#),
        "{err}"
    );
    assert!(!err.contains(r#""services""#), "{err}");
}

#[test]
fn one_tree_builds_the_apps_without_parts() {
    use meshsynth::core::{App, Context};
    let mut app = App::new(Context::from_pairs(["one-tree=true"]).unwrap());
    meshsynth_stacks::build_in_parts(&mut app).unwrap();
    assert!(app.part_names().is_empty());
    assert!(!app.objects().is_empty());
    let mut app = App::new(Context::new());
    meshsynth_stacks::build_in_parts(&mut app).unwrap();
    assert_eq!(
        app.part_names(),
        [
            "genai-demo",
            "ecommerce-mesh",
            "cross-region-mesh",
            "advanced-mesh"
        ]
    );
}
