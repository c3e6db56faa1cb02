//! Rust names for CRD ones: project and version modules, fields, nested
//! type segments and enum variants.

use super::*;

/// The Rust module of a project folder: `istio-1.28.10` → `istio`.
pub fn project_module(folder: &str) -> String {
    let base = folder.split('/').next().unwrap_or(folder);
    let name: Vec<&str> = base
        .split('-')
        .take_while(|p| {
            let digits = p.strip_prefix('v').unwrap_or(p);
            !digits.starts_with(|c: char| c.is_ascii_digit())
        })
        .collect();
    name.join("_")
}

/// The module of a group and version inside its project:
/// `networking.istio.io` + `v1` → `networking_v1`; a project's main group
/// (the one named like the project) is just the version.
pub fn version_module(group: &str, version: &str) -> String {
    let first = group.split('.').next().unwrap_or(group);
    let first = if group.ends_with(".x-k8s.io") {
        format!("{first}_x")
    } else {
        first.to_string()
    };
    format!("{}_{version}", first.replace('-', "_"))
}

pub(crate) const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `consecutive5xxErrors` → `consecutive5xx_errors`; `x-forwarded-for` →
/// `x_forwarded_for`; keywords are raw (`r#type`).
pub(crate) fn field_name(json: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = json.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if !out.is_empty() && !out.ends_with('_') && (prev_lower || (prev_upper && next_lower))
            {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_string();
    if out.is_empty() {
        out = "field".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if matches!(out.as_str(), "self" | "super" | "crate" | "Self") {
        out.push('_');
    } else if KEYWORDS.contains(&out.as_str()) {
        out.insert_str(0, "r#");
    }
    out
}

/// `allowedRoutes` → `AllowedRoutes`; `x-forwarded` → `XForwarded`.
pub(crate) fn type_segment(json: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in json.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        } else {
            upper = true;
        }
    }
    out
}

/// The variants of a string enum. Istio writes its enums in SCREAMING_SNAKE (`ISTIO_MUTUAL`): as Rust
/// variants these read `IstioMutual`, the way kopium and prost name them,
/// unless that collides (`http` and `HTTP` in one enum).
pub(crate) fn enum_variants(strs: &[&str]) -> Vec<Option<String>> {
    let pascal: Vec<Option<String>> = strs.iter().map(|v| variant(v)).collect();
    let distinct: BTreeSet<&String> = pascal.iter().flatten().collect();
    if distinct.len() == strs.len() {
        return pascal;
    }
    strs.iter().map(|v| as_written(v)).collect()
}

/// An enum variant for a string value, or `None` when the value has no
/// identifier form (`=~`, ``, `1.2`): the enum is then a `String`.
pub(crate) fn variant(value: &str) -> Option<String> {
    let screaming = value.chars().any(|c| c.is_ascii_uppercase())
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !screaming {
        return as_written(value);
    }
    as_written(&value.to_ascii_lowercase())
}

pub(crate) fn as_written(value: &str) -> Option<String> {
    let v = type_segment(value);
    let ok = !v.is_empty()
        && v.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ' '));
    ok.then_some(v)
}
