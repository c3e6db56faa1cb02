//! YAML read the way Kubernetes reads it. `kubectl` and the API server's
//! YAML reader follow YAML 1.1, serde_yaml follows 1.2: `defaultMode: 0400`
//! is 256 to Kubernetes and the string "0400" to serde_yaml, and
//! `enabled: yes` is `true` to Kubernetes and "yes" to serde_yaml (so
//! `value: no` in an env var is a boolean that the API server refuses, the
//! "Norway problem"). Only plain (unquoted) scalars change; the document's
//! events (yaml-rust2 reports each scalar's style) say which ones are.

use super::lines::{walk, Node, Seg};
use crate::untrusted::yaml::yaml11_shape;

/// Whether `s` is an integer in YAML 1.1 only: octal with a leading zero
/// (`0400`) or with digit separators (`1_000`). YAML 1.2 reads both as
/// strings.
pub(super) fn yaml11_integer(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = if body.len() > 1
        && body.starts_with('0')
        && body.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else if body.contains('_')
        && !body.starts_with('_')
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        body.replace('_', "").parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -n } else { n })
}

/// Whether `s` is a boolean in YAML 1.1 only (go-yaml v2's table, which
/// Kubernetes' reader uses): `y`, `yes`, `on`, `n`, `no`, `off` in their
/// lower, capitalized and upper forms. `true` and `false` are booleans in
/// both versions and serde_yaml already reads them.
pub(super) fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn yaml11_value(s: &str) -> Option<serde_json::Value> {
    yaml11_integer(s)
        .map(serde_json::Value::from)
        .or_else(|| yaml11_bool(s).map(serde_json::Value::Bool))
}

/// Whether [`retype`] may change anything read from `text`. False for
/// most documents, so the second parse is skipped; it looks at bytes only.
pub(crate) fn may_retype(text: &str) -> bool {
    has_candidate(text)
}

/// Rewrites the values of `json` (read from `text` by serde_yaml) that a
/// YAML 1.1 reader types differently. Keys stay strings (Kubernetes
/// objects' keys are field names and labels).
pub(crate) fn retype(text: &str, json: &mut serde_json::Value) {
    let mut plain: Vec<(Vec<Seg>, String)> = Vec::new();
    let parsed = walk(text, |path, node, _| {
        if let Node::Scalar(token, true) = node {
            if yaml11_value(token).is_some() {
                plain.push((path.to_vec(), token.to_string()));
            }
        }
    });
    if !parsed {
        return;
    }
    for (path, token) in plain {
        if let Some(at) = value_at(json, &path) {
            if at.as_str() == Some(token.as_str()) {
                if let Some(v) = yaml11_value(&token) {
                    *at = v;
                }
            }
        }
    }
}

/// Whether `text` may hold a plain scalar that YAML 1.1 types differently:
/// a token (between whitespace, `,:{}[]` or any non-ASCII byte) of the
/// shape [`yaml11_value`] reads. Splitting at every non-ASCII byte finds
/// each token a split at Unicode whitespace would (candidates are ASCII),
/// so this never misses one; it runs over every document, so it looks at
/// bytes only, through two tables, and parses nothing.
fn has_candidate(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if SEPARATOR[usize::from(b[i])] {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !SEPARATOR[usize::from(b[i])] {
            i += 1;
        }
        if MAY_START[usize::from(b[start])] && yaml11_shape(&b[start..i]) {
            return true;
        }
    }
    false
}

/// The bytes that end a token for [`has_candidate`].
static SEPARATOR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0x80;
    while c < 256 {
        t[c] = true;
        c += 1;
    }
    let seps = b" \t\n\x0b\x0c\r,:{}[]";
    let mut i = 0;
    while i < seps.len() {
        t[seps[i] as usize] = true;
        i += 1;
    }
    t
};

/// The first bytes of the tokens [`yaml11_shape`] accepts: `yYoOnN`
/// for the booleans, a sign, a digit.
static MAY_START: [bool; 256] = {
    let mut t = [false; 256];
    let starts = b"yYoOnN+-0123456789";
    let mut i = 0;
    while i < starts.len() {
        t[starts[i] as usize] = true;
        i += 1;
    }
    t
};

fn value_at<'j>(
    json: &'j mut serde_json::Value,
    path: &[Seg],
) -> Option<&'j mut serde_json::Value> {
    let mut at = json;
    for seg in path {
        at = match (seg, at) {
            (Seg::Key(k), serde_json::Value::Object(m)) => m.get_mut(k)?,
            (Seg::Index(i), serde_json::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_integers_are_read_as_kubernetes_reads_them() {
        assert_eq!(yaml11_integer("0400"), Some(256));
        assert_eq!(yaml11_integer("-010"), Some(-8));
        assert_eq!(yaml11_integer("1_000"), Some(1000));
        assert_eq!(yaml11_integer("0"), None);
        assert_eq!(yaml11_integer("08"), None);
        assert_eq!(yaml11_integer("v0400"), None);
        let text = "spec:\n  defaultMode: 0400 # r--\n  label: '0644'\n  items:\n    - 0600\n";
        let mut v = serde_json::json!({"spec": {"defaultMode": "0400", "label": "0644", "items": ["0600"]}});
        retype(text, &mut v);
        assert_eq!(
            v,
            serde_json::json!({"spec": {"defaultMode": 256, "label": "0644", "items": [384]}})
        );
    }

    #[test]
    fn the_candidate_scan_finds_tokens_between_any_separators() {
        for text in [
            "a: 0400",
            "a: [1_000]",
            "a: {b: yes}",
            "a:\u{a0}no",
            "a:\u{2003}Off\n",
            "a,-010",
            "\x0bON",
        ] {
            assert!(has_candidate(text), "{text:?}");
        }
        // Every token yaml11_value reads has the shape the scan looks for
        // (all tokens of up to four characters over a telling alphabet).
        let alphabet: Vec<char> = "0178_+-yesnofONFY".chars().collect();
        let mut tokens = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = tokens
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for t in &longer {
                if yaml11_value(t).is_some() {
                    assert!(yaml11_shape(t.as_bytes()), "{t:?}");
                }
            }
            tokens = longer;
        }
        for text in [
            "a: 400", "a: 'x'", "a: yesno", "a: _1", "a: 08", "nope: 1", "a: b",
        ] {
            assert!(!has_candidate(text), "{text:?}");
        }
    }

    /// The table-driven scan decides as a split at each separator byte
    /// does, on random texts over candidates' bytes, separators and
    /// non-ASCII characters.
    #[test]
    fn the_table_scan_decides_as_a_split_at_each_separator() {
        let split = |text: &str| {
            text.as_bytes()
                .split(|b| !b.is_ascii() || b" \t\n\x0b\x0c\r,:{}[]".contains(b))
                .any(yaml11_shape)
        };
        let alphabet: Vec<char> = "0178_+-yesnofONFYx :,{}[]\t\n\r\x0b\u{a0}é'\"#"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        };
        let (mut yes, mut no) = (0, 0);
        for _ in 0..50_000 {
            let len = next(12);
            let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let expected = split(&text);
            assert_eq!(has_candidate(&text), expected, "{text:?}");
            if expected {
                yes += 1;
            } else {
                no += 1;
            }
        }
        // Both answers are exercised.
        assert!(yes > 1_000 && no > 1_000, "{yes} / {no}");
    }

    /// The block reader says a document holds no YAML 1.1 candidate only
    /// when retyping would change nothing: a plain candidate in every
    /// place a value can be is noted; quoted ones, keys, comments and
    /// literal blocks are not, and retyping leaves those documents as read.
    #[test]
    fn the_block_readers_note_is_what_retyping_would_find() {
        use crate::untrusted::yaml::{Parsed, Yaml11, YamlReader};
        let read = |text: &str| match YamlReader::for_input(0).document_json(text) {
            Ok(Parsed::Json(json, yaml11)) => (json, yaml11),
            other => panic!("{text:?}: {other:?}"),
        };
        // Each text, and whether it holds a plain candidate in a value.
        for (text, candidate) in [
            ("a: yes\n", true),
            ("a:\n- 0400\n", true),
            ("a: [x, Off]\n", true),
            ("a: {b: 1_000}\n", true),
            ("- a: n # a comment\n", true),
            ("a: 'yes'\n", false),
            ("on: 1\nyes: [\"0400\"]\n", false),
            ("a: x # no\n", false),
            ("a: |\n  on\n  0400\n", false),
            ("a: yes please\n", false),
            ("a: {'n': x}\n", false),
            ("a: 0400.5\n", false),
        ] {
            let (mut json, yaml11) = read(text);
            let expected = if candidate {
                Yaml11::Maybe
            } else {
                Yaml11::Same
            };
            assert_eq!(yaml11, expected, "{text:?}");
            let before = json.clone();
            retype(text, &mut json);
            assert_eq!(json != before, candidate, "{text:?}");
        }
        // Where the byte scan alone would have parsed the text again.
        assert!(has_candidate("on: 1\n") && has_candidate("a: x # no\n"));
    }

    #[test]
    fn yaml_1_1_booleans_are_read_as_kubernetes_reads_them_and_quoted_ones_stay_strings() {
        let text = "spec:\n  a: yes\n  b: \"yes\"\n  c: Off\n  env:\n  - name: NORWAY\n    value: no\n  - name: QUOTED\n    value: 'no'\n  flow: {d: on, e: 'on'}\n";
        let mut v = serde_json::json!({"spec": {
            "a": "yes", "b": "yes", "c": "Off",
            "env": [{"name": "NORWAY", "value": "no"}, {"name": "QUOTED", "value": "no"}],
            "flow": {"d": "on", "e": "on"}
        }});
        retype(text, &mut v);
        assert_eq!(
            v,
            serde_json::json!({"spec": {
                "a": true, "b": "yes", "c": false,
                "env": [{"name": "NORWAY", "value": false}, {"name": "QUOTED", "value": "no"}],
                "flow": {"d": true, "e": "on"}
            }})
        );
    }
}
