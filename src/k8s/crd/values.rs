//! The checks of one value against one schema node that need no context:
//! its type, enum, pattern, format, length, size and range.

use serde_json::Value as Json;

use super::schema::Node;
use super::tree::{Tree, View};
use crate::core::pattern::matches;

fn type_name<T: Tree>(v: &T) -> &'static str {
    match v.view() {
        View::Null => "null",
        View::Bool(_) => "boolean",
        View::Number(n) if n.is_f64() => "number",
        View::Number(_) => "integer",
        View::String(_) => "string",
        View::Array(_) => "array",
        View::Object(_) => "object",
    }
}

fn is_integer<T: Tree>(v: &T) -> bool {
    match v.view() {
        View::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn quoted_list(values: &[Json]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type mismatch, or `None` when the value has an allowed type.
pub(super) fn type_problem<T: Tree>(schema: &Node, value: &T) -> Option<String> {
    let view = value.view();
    if schema.int_or_string {
        return (!(matches!(view, View::String(_)) || is_integer(value)))
            .then(|| format!("must be an integer or a string, not {}", type_name(value)));
    }
    let want = schema.ty.as_deref()?;
    let ok = match want {
        "object" => matches!(view, View::Object(_)),
        "array" => matches!(view, View::Array(_)),
        "string" => matches!(view, View::String(_)),
        "integer" => is_integer(value),
        "number" => matches!(view, View::Number(_)),
        "boolean" => matches!(view, View::Bool(_)),
        _ => true,
    };
    (!ok).then(|| format!("must be {} {want}, not {}", article(want), type_name(value)))
}

fn article(t: &str) -> &'static str {
    if matches!(t.as_bytes().first(), Some(b'a' | b'i' | b'o')) {
        "an"
    } else {
        "a"
    }
}

/// Enum, pattern, format, length, size and range problems of a value whose
/// type is right.
pub(super) fn value_problems<T: Tree>(schema: &Node, value: &T) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(values) = &schema.enum_values {
        let found = values
            .iter()
            .any(|e| value.eq_json(e) || (e.as_f64().is_some() && e.as_f64() == value.as_f64()));
        if !found {
            out.push(format!(
                "unsupported value {}; supported values: {}",
                value.to_json(),
                quoted_list(values)
            ));
        }
    }
    match value.view() {
        View::String(s) => {
            if schema.min_length.is_some() || schema.max_length.is_some() {
                let chars = s.chars().count() as f64;
                if let Some(min) = schema.min_length.filter(|m| chars < *m) {
                    out.push(format!(
                        "must be at least {min} {} long",
                        plural(min, "character")
                    ));
                }
                if let Some(max) = schema.max_length.filter(|m| chars > *m) {
                    out.push(format!(
                        "must be at most {max} characters long (it has {chars})"
                    ));
                }
            }
            if let Some(p) = &schema.pattern {
                if matches(p, s) == Some(false) {
                    out.push(format!(
                        "{} does not match the pattern {p:?}",
                        value.to_json()
                    ));
                }
            }
            if let Some(f) = &schema.format {
                if !format_ok(f, s) {
                    out.push(format!("{} is not a valid {f}", value.to_json()));
                }
            }
        }
        View::Number(n) => {
            let value = n;
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.minimum {
                if x < min || (schema.exclusive_minimum && x == min) {
                    out.push(format!("{value} is less than the minimum {min}"));
                }
            }
            if let Some(max) = schema.maximum {
                if x > max || (schema.exclusive_maximum && x == max) {
                    out.push(format!("{value} is greater than the maximum {max}"));
                }
            }
            if let Some(m) = schema.multiple_of.filter(|m| *m > 0.0) {
                if (x / m).fract() != 0.0 {
                    out.push(format!("{value} is not a multiple of {m}"));
                }
            }
        }
        View::Array(items) => {
            let n = items.len() as f64;
            if let Some(min) = schema.min_items.filter(|m| n < *m) {
                out.push(format!("must have at least {min} {}", plural(min, "item")));
            }
            if let Some(max) = schema.max_items.filter(|m| n > *m) {
                out.push(format!(
                    "must have at most {max} {} (it has {n})",
                    plural(max, "item")
                ));
            }
        }
        View::Object(len) => {
            let n = len as f64;
            if let Some(min) = schema.min_properties.filter(|m| n < *m) {
                out.push(format!("must have at least {min} {}", plural(min, "field")));
            }
            if let Some(max) = schema.max_properties.filter(|m| n > *m) {
                out.push(format!(
                    "must have at most {max} {} (it has {n})",
                    plural(max, "field")
                ));
            }
        }
        _ => {}
    }
    out
}

fn plural(n: f64, word: &str) -> String {
    if n == 1.0 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// The string formats the API server checks; others (`int32`, `double`,
/// `binary`…) are not checked on strings.
fn format_ok(format: &str, s: &str) -> bool {
    match format {
        "ipv4" => s.parse::<std::net::Ipv4Addr>().is_ok(),
        "ipv6" => s.parse::<std::net::Ipv6Addr>().is_ok(),
        "date-time" => is_rfc3339(s),
        _ => true,
    }
}

/// `2006-01-02T15:04:05Z` or with a fraction and an offset.
pub(super) fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
    {
        return false;
    }
    if !matches!(b[10], b'T' | b't' | b' ')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    matches!(rest, "Z" | "z")
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':'
            && rest[1..3].bytes().all(|c| c.is_ascii_digit())
            && rest[4..6].bytes().all(|c| c.is_ascii_digit()))
}
