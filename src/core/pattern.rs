//! Schema `pattern`s matched with a per-pattern cache: the same few
//! patterns are matched thousands of times in a synth, by the CloudFormation
//! registry checks and the Kubernetes CRD checks alike.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;

/// A compiled pattern: the schema's own (Unicode) form, or an ASCII-only
/// form for ASCII text. Both are `None` when Rust's regex cannot express the
/// pattern (look-around, back-references), which is then not checked.
#[derive(Clone, Default)]
struct Compiled {
    unicode: Option<Option<Arc<Regex>>>,
    ascii: Option<Option<Arc<regex::bytes::Regex>>>,
}

/// The pattern with the Unicode classes schemas use narrowed to ASCII, or
/// `None` when it uses one this does not know. On ASCII text both forms
/// match alike, and the ASCII one compiles several times faster (no UTF-8
/// automata), which is most of what checking costs a synth.
fn ascii_form(pattern: &str) -> Option<String> {
    const CLASSES: &[(&str, &str)] = &[
        (r"\p{L}", "[A-Za-z]"),
        (r"\p{Lu}", "[A-Z]"),
        (r"\p{Ll}", "[a-z]"),
        (r"\p{N}", "[0-9]"),
        (r"\p{Nd}", "[0-9]"),
        (r"\p{Z}", "[ ]"),
        (r"\p{Zs}", "[ ]"),
        (r"\p{P}", r"[!-#%-*,-/:;?@\[-\]_{}]"),
        (r"\p{S}", r"[$+<->^`|~]"),
    ];
    let mut out = pattern.to_string();
    for (from, to) in CLASSES {
        out = out.replace(from, to);
    }
    (!out.contains(r"\p{") && !out.contains(r"\P{") && out.is_ascii()).then_some(out)
}

/// Whether `text` matches `pattern`; `None` when the pattern cannot be checked.
pub(crate) fn matches(pattern: &str, text: &str) -> Option<bool> {
    static CACHE: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut guard = cache.lock().unwrap_or_else(|p| p.into_inner());
    // Looked up before anything is allocated or rewritten: the same few
    // patterns are matched thousands of times.
    if !guard.contains_key(pattern) {
        guard.insert(pattern.to_string(), Compiled::default());
    }
    let entry = guard.get_mut(pattern)?;
    if text.is_ascii() {
        let re = entry
            .ascii
            .get_or_insert_with(|| {
                ascii_form(pattern).and_then(|ascii| {
                    regex::bytes::RegexBuilder::new(&ascii)
                        .unicode(false)
                        .build()
                        .ok()
                        .map(Arc::new)
                })
            })
            .clone();
        if let Some(re) = re {
            return Some(re.is_match(text.as_bytes()));
        }
    }
    let re = entry
        .unicode
        .get_or_insert_with(|| Regex::new(pattern).ok().map(Arc::new))
        .clone();
    re.map(|r| r.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_forms_match_like_the_unicode_patterns_on_ascii_text() {
        let tag = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$";
        for text in [
            "team:payments",
            "a b",
            "x/y=z+1@2",
            "bad!",
            "semi;colon",
            "",
        ] {
            let unicode = Regex::new(tag).unwrap().is_match(text);
            assert_eq!(matches(tag, text), Some(unicode), "{text}");
        }
        assert_eq!(matches(tag, "équipe"), Some(true));
        assert_eq!(matches("^(?!aws:).*$", "x"), None, "look-around is skipped");
    }
}
