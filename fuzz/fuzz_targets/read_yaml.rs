//! Fuzz target for the one budgeted YAML reader every command uses on
//! untrusted text (`meshsynth::untrusted::yaml`): whatever the bytes (alias
//! bombs, deep nesting, odd line breaks, merge keys, tags), it returns
//! documents or an error, never panics, and never materializes more nodes
//! than its budget. A small budget makes alias-heavy inputs hit it often.
//! Each input is also read straight to JSON (as `analyze` reads a
//! document), which must give what the YAML read gives, converted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshsynth::untrusted::{YamlError, YamlReader};

/// Nodes in a value, aliases expanded (what was materialized).
fn nodes(v: &serde_yaml::Value) -> usize {
    use serde_yaml::Value as Y;
    1 + match v {
        Y::Sequence(s) => s.iter().map(nodes).sum(),
        Y::Mapping(m) => m.iter().map(|(k, v)| nodes(k) + nodes(v)).sum(),
        Y::Tagged(t) => nodes(&t.value),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let budget = 2_000;
    // The read straight to JSON (analyze's) never differs from the YAML read.
    meshsynth::untrusted::yaml::fuzz_differential(&text, budget, 64 * 1024);
    let reader = YamlReader::with_budget(budget, 64 * 1024);
    match reader.documents(&text) {
        Ok(docs) => {
            // Merges copy entries after the count, so allow their share.
            let total: usize = docs.iter().map(nodes).sum();
            assert!(total <= budget * 2, "{total} nodes from a budget of {budget}");
            for d in docs {
                let _ = meshsynth::untrusted::yaml::to_json(d);
            }
        }
        Err(YamlError::Syntax(_) | YamlError::TooDeep(_) | YamlError::OverBudget { .. } | YamlError::Ambiguous(_)) => {}
    }
});
