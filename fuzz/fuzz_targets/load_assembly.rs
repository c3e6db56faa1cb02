//! Fuzz target for the assembly loader (untrusted input from pull requests)
//! and, when an input loads, for diff (against nothing, itself, and itself
//! with every resource retyped, so every resource is replaced) and its three
//! renderers.
//!
//! Input format: parts separated by two NUL bytes; the first part is
//! `manifest.json`, every other part is `path\ncontents` (the seeds in
//! `fuzz/seeds/load_assembly/` are real assemblies in this form).
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshsynth::assembly::{parse_assembly_files, LoadLimits};
use meshsynth::diff::render::{json, markdown, text};
use meshsynth::diff::{plan, Snapshot, StackFilter};

fn split(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == 0 && data[i + 1] == 0 {
            parts.push(&data[start..i]);
            i += 2;
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(&data[start.min(data.len())..]);
    let mut files = vec![("manifest.json".to_string(), parts[0].to_vec())];
    for p in &parts[1..] {
        let (name, body) = match p.iter().position(|b| *b == b'\n') {
            Some(n) => (&p[..n], &p[n + 1..]),
            None => (&p[..], &[][..]),
        };
        files.push((String::from_utf8_lossy(name).into_owned(), body.to_vec()));
    }
    files
}

fuzz_target!(|data: &[u8]| {
    let files = split(data);
    let limits = LoadLimits {
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
    };
    if let Ok(a) = parse_assembly_files(&files, &limits) {
        let empty = Snapshot::empty("empty");
        let itself = Snapshot::from_assembly("itself".into(), a.clone());
        // Every resource's type changed: every resource is replaced, so the
        // plan carries each replacement to its readers and checks exports.
        let mut old = a.clone();
        for t in old.templates.values_mut() {
            let resources = t.get_mut("Resources").and_then(|r| r.as_object_mut());
            for r in resources.into_iter().flat_map(|m| m.values_mut()) {
                if let Some(serde_json::Value::String(ty)) = r.get_mut("Type") {
                    ty.push_str("Old");
                }
            }
        }
        let retyped = Snapshot::from_assembly("retyped".into(), old);
        for before in [&empty, &itself, &retyped] {
            let p = plan(before, &a, &StackFilter::default()).expect("no pattern, no error");
            let _ = text(&p, true);
            let _ = markdown(&p).expect("templates render");
            let _ = json(&p);
        }
    }
});
