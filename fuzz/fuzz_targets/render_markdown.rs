//! Fuzz target for the Markdown plan a bot posts to a pull request: values
//! from an assembly (names, types, property values) must stay inside their
//! table cell and code span, as a CommonMark + GFM parser reads the comment:
//! the only HTML is the template's own tags, nothing links, and every table
//! row keeps its cell count (the check is `tests/support/inert_markdown.rs`).
//!
//! Input: bytes split at NUL into up to four strings, used as a resource id,
//! a property value before and after, and an object name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshsynth::assembly::{parse_assembly_files, LoadLimits};
use meshsynth::diff::render::markdown;
use meshsynth::diff::{plan, Snapshot, StackFilter};
use serde_json::json;

fn assembly(id: &str, value: &str, name: &str) -> Vec<(String, Vec<u8>)> {
    let template = json!({"Resources": {id: {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": value}}}});
    let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "shop"}, "data": {"v": value}});
    let manifest = json!({"version": "1", "stacks": [{"name": "s", "path": "s", "environment": {"account": null, "region": null},
        "template": "s.template.json", "templateSize": 0, "dependencies": [], "parameters": {}, "outputs": {},
        "terminationProtection": false, "resourceCount": 1, "escapeHatches": []}],
        "clusters": [{"name": "c", "directory": "k8s/c", "kustomization": "k8s/c/kustomization.yaml",
        "files": [{"file": "k8s/c/a.yaml", "chart": "s/Chart", "objects": 1}], "deferredInputs": [], "installInputs": [], "escapeHatches": []}]});
    vec![
        ("manifest.json".into(), serde_json::to_vec(&manifest).unwrap()),
        ("s.template.json".into(), serde_json::to_vec(&template).unwrap()),
        ("k8s/c/a.yaml".into(), meshsynth::emit::yaml::to_yaml(&object).into_bytes()),
    ]
}

#[path = "../../tests/support/inert_markdown.rs"]
mod inert_markdown;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let id = parts.next().unwrap_or("Topic").to_string();
    let old = parts.next().unwrap_or("").to_string();
    let new = parts.next().unwrap_or("x").to_string();
    let name = parts.next().unwrap_or("cm").to_string();
    let limits = LoadLimits::default();
    let (Ok(before), Ok(after)) = (
        parse_assembly_files(&assembly(&id, &old, &name), &limits),
        parse_assembly_files(&assembly(&id, &new, &name), &limits),
    ) else {
        return;
    };
    let before = Snapshot::from_assembly("before".into(), before);
    let p = plan(&before, &after, &StackFilter::default()).expect("no pattern, no error");
    let md = markdown(&p).expect("templates render");
    // Read as GitHub reads it: values add no HTML, link or mention, and
    // stay in their cells.
    inert_markdown::check(&md, &["@user", "https://"]);
});
