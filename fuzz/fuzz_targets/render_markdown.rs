//! Fuzz target for the Markdown plan a bot posts to a pull request: values
//! from an assembly (names, types, property values) must stay inside their
//! table cell and code span: the only HTML is the template's own tags, no
//! `<` of a value reaches the output raw, and every table row keeps its
//! cell count.
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

const OWN_TAGS: &[&str] = &["<details>", "</details>", "<summary>", "</summary>", "<b>", "</b>", "<code>", "</code>", "<br>"];

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
    // Every `<` is one of the template's own tags.
    let mut rest = md.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let own = OWN_TAGS.iter().find(|t| rest.starts_with(**t));
        assert!(own.is_some(), "a raw `<` from a value: {:?}", &rest[..rest.len().min(60)]);
        rest = &rest[1..];
    }
    // Table rows keep their four cells: each data row has five unescaped pipes.
    for line in md.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| Action") && !l.starts_with("| Area")) {
        let pipes = line
            .char_indices()
            .filter(|(i, c)| *c == '|' && (*i == 0 || line.as_bytes()[i - 1] != b'\\'))
            .count();
        assert!(pipes == 5 || pipes == 3, "a value split its row: {line}");
    }
});
