//! Fuzz target for the YAML emitter's contract: whatever strings, keys and
//! numbers a tree holds, the emitted document reads back (serde_yaml, which
//! treats U+2028, U+2029 and NEL as line breaks as YAML 1.1 readers do) as
//! exactly one document equal to the tree.
//!
//! Input: a JSON document when the bytes are one; otherwise the bytes (as
//! UTF-8, lossily) are used as a key and as values at several depths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshsynth::emit::yaml::to_yaml;
use serde_json::{json, Value};

fn check(tree: &Value) {
    let text = to_yaml(tree);
    let mut docs = Vec::new();
    for d in serde_yaml::Deserializer::from_str(&text) {
        let v: Value = serde::Deserialize::deserialize(d)
            .unwrap_or_else(|e| panic!("emitted YAML does not parse: {e}\n{text}"));
        docs.push(v);
    }
    assert_eq!(docs.len(), 1, "{text}");
    assert_eq!(&docs[0], tree, "read back differently:\n{text}");
}

/// serde_json's own marker keys: a map keyed by one is read back as a raw
/// or arbitrary-precision value, not as a map, by serde_json itself (the
/// emitter writes it as an ordinary key, which YAML readers keep).
const SERDE_JSON_MARKER: &str = "$serde_json::private::";

fuzz_target!(|data: &[u8]| {
    if String::from_utf8_lossy(data).contains(SERDE_JSON_MARKER) {
        return;
    }
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        // Floats serde_yaml reads within one ulp are not the emitter's fault.
        if !v.to_string().contains(['.', 'e', 'E']) {
            check(&v);
        }
    }
    let s = String::from_utf8_lossy(data).into_owned();
    check(&json!({ s.clone(): s.clone(), "k": [s.clone(), { s.clone(): [s.clone()] }] }));
});
