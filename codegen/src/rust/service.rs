//! A service's module: its resource types, with the property types two or
//! more of them define identically written once in `shared_types`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::TypeOut;

/// The module that holds the property types several resource types of a
/// service define identically (tags, most often).
const SHARED: &str = "shared_types";

/// An item's code without its doc comments.
fn shape(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("///"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `text` names `name` as a whole word.
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// For each type, which of its nested items come from the shared module.
fn shared_flags(types: &[TypeOut]) -> Vec<Vec<bool>> {
    // Items compare without their doc comments, which schemas word per type
    // ("the tags of the VPC"); the shared copy keeps the first one's docs.
    let shapes: Vec<Vec<String>> = types
        .iter()
        .map(|t| t.nested.iter().map(|(_, text)| shape(text)).collect())
        .collect();
    let shape_of = |t: usize, i: usize| shapes[t][i].as_str();
    // For each name, the shape most types define it with (first seen wins a tie).
    let mut tally: Vec<(&str, &str, usize)> = Vec::new();
    for (ti, t) in types.iter().enumerate() {
        for (i, (name, _)) in t.nested.iter().enumerate() {
            let body = shape_of(ti, i);
            match tally.iter_mut().find(|(n, b, _)| n == name && *b == body) {
                Some(e) => e.2 += 1,
                None => tally.push((name, body, 1)),
            }
        }
    }
    let mut chosen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut best: BTreeMap<&str, usize> = BTreeMap::new();
    for (n, b, c) in &tally {
        if *c >= 2 && best.get(n).is_none_or(|m| c > m) {
            best.insert(n, *c);
            chosen.insert(n, b);
        }
    }
    // shared[t][i]: whether item i of type t comes from the shared module.
    let mut shared: Vec<Vec<bool>> = types
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            t.nested
                .iter()
                .enumerate()
                .map(|(i, (n, _))| chosen.get(n.as_str()) == Some(&shape_of(ti, i)))
                .collect()
        })
        .collect();
    loop {
        for (t, flags) in types.iter().zip(shared.iter_mut()) {
            loop {
                let mut changed = false;
                for i in 0..t.nested.len() {
                    if !flags[i] {
                        continue;
                    }
                    let (own, text) = &t.nested[i];
                    let needs_local = t.nested.iter().enumerate().any(|(j, (other, _))| {
                        j != i && !flags[j] && other != own && mentions(text, other)
                    });
                    if needs_local {
                        flags[i] = false;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        let mut users: BTreeMap<&str, usize> = BTreeMap::new();
        for (t, flags) in types.iter().zip(&shared) {
            for ((n, _), f) in t.nested.iter().zip(flags) {
                if *f {
                    *users.entry(n.as_str()).or_default() += 1;
                }
            }
        }
        let lonely: Vec<&str> = chosen
            .keys()
            .copied()
            .filter(|n| users.get(n).copied().unwrap_or(0) < 2)
            .collect();
        if lonely.is_empty() {
            break;
        }
        for n in lonely {
            chosen.remove(n);
        }
        for (t, flags) in types.iter().zip(shared.iter_mut()) {
            for ((n, _), f) in t.nested.iter().zip(flags.iter_mut()) {
                if *f && !chosen.contains_key(n.as_str()) {
                    *f = false;
                }
            }
        }
    }
    shared
}

/// A service's module body: its resource types, with each property type
/// that two or more of them define identically written once in
/// `shared_types` and re-exported by each type's submodule. A type is
/// shared only with everything it names, so the shared module is closed.
pub fn service_items(types: &[TypeOut]) -> String {
    let shared = shared_flags(types);
    let any_shared = shared.iter().flatten().any(|f| *f);
    let mut out = String::new();
    let indent = |out: &mut String, text: &str| {
        for line in text.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "    {line}");
            }
        }
    };
    if any_shared {
        let _ = writeln!(
            out,
            "/// Property types that several resource types of the service define\n/// identically; each type's module re-exports the ones it uses.\npub mod {SHARED} {{\n    #[allow(unused_imports)]\n    use super::*;\n"
        );
        let mut written = BTreeSet::new();
        for (t, flags) in types.iter().zip(&shared) {
            for ((n, text), f) in t.nested.iter().zip(flags) {
                if *f && written.insert(n.as_str()) {
                    indent(&mut out, text);
                }
            }
        }
        out.push_str("}\n\n");
    }
    for (t, flags) in types.iter().zip(&shared) {
        if !t.nested.is_empty() {
            let _ = writeln!(
                out,
                "/// Property types of [`{}`].\npub mod {} {{\n    #[allow(unused_imports)]\n    use super::*;\n",
                t.struct_name, t.sub
            );
            for ((n, text), f) in t.nested.iter().zip(flags) {
                if *f {
                    let _ = writeln!(out, "    pub use super::{SHARED}::{n};\n");
                } else {
                    indent(&mut out, text);
                }
            }
            out.push_str("}\n\n");
        }
        out.push_str(&t.own);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(sub: &str, nested: &[(&str, &str)]) -> TypeOut {
        TypeOut {
            sub: sub.into(),
            struct_name: format!("Cfn{sub}"),
            nested: nested
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            own: format!("pub struct Cfn{sub};\n"),
        }
    }

    #[test]
    fn identical_property_types_are_written_once_with_what_they_name() {
        let tag_a = "/// Tags of A.\npub struct Tag { pub key: Value }\n";
        let tag_b = "/// Tags of B.\npub struct Tag { pub key: Value }\n";
        let rule = "pub struct Rule { pub mode: Mode }\n";
        let out = service_items(&[
            ty(
                "a",
                &[
                    ("Tag", tag_a),
                    ("Mode", "pub enum Mode { X }\n"),
                    ("Rule", rule),
                ],
            ),
            ty(
                "b",
                &[
                    ("Tag", tag_b),
                    ("Mode", "pub enum Mode { Y }\n"),
                    ("Rule", rule),
                ],
            ),
        ]);
        // Tag differs only in its docs: shared, with the first one's docs.
        assert_eq!(out.matches("pub struct Tag").count(), 1, "{out}");
        assert!(out.contains("Tags of A.") && !out.contains("Tags of B."));
        assert_eq!(out.matches("pub use super::shared_types::Tag;").count(), 2);
        // Rule is identical but names a Mode that differs: it stays in each type.
        assert_eq!(out.matches("pub struct Rule").count(), 2, "{out}");
        assert!(!out.contains("shared_types::Rule"));
    }
}
