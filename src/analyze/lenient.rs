//! Reading what parses of an object that does not: istioctl analyzes an
//! object past a schema error (its proto decoder keeps the rest), so a
//! VirtualService with one broken route still has its other routes
//! checked. Here each deserialization error is repaired where it points,
//! and the object is read again: a missing required field takes its zero
//! value (`""`, `0`, `false`, or an empty object whose own fields are
//! repaired in turn), as a proto decoder reads an absent field, so list
//! positions stay as written; a field of the wrong type is removed.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::core::tracked::Segment;

/// Repairs tried before giving up: each removes one part, and an object
/// with more broken parts than this is not worth guessing at.
const MAX_REPAIRS: usize = 32;

/// `json` read as `T` without the parts that do not parse; `None` when what
/// is left would be the whole object (or nothing).
pub(super) fn parse<T: DeserializeOwned>(mut json: Value) -> Option<T> {
    for _ in 0..MAX_REPAIRS {
        let err = match crate::core::object::deserialize_with_path::<T>(&json) {
            Ok(t) => return Some(t),
            Err(e) => e,
        };
        let mut at = Vec::new();
        for seg in err.path().segments() {
            match seg {
                Segment::Index(index) => at.push(Step::Index(*index)),
                Segment::Key(key) => at.push(Step::Key(key.clone())),
                // An enum's variant or an unread key cannot be located in
                // the JSON: stop at the part above it.
                Segment::Variant(_) | Segment::Unknown => break,
            }
        }
        // A missing field names the object that lacks it: the field takes
        // its zero value, or, when none fits, that object goes. A field of
        // the wrong type names itself.
        // (The root's own fields are not guessed at.)
        if let Some(field) = missing_field(&err.inner().to_string()).filter(|_| !at.is_empty()) {
            if fill_zero::<T>(&mut json, &at, &field) {
                continue;
            }
        }
        if at.is_empty() || !remove(&mut json, &at) {
            return None;
        }
    }
    None
}

/// The field a "missing field `x`" error names.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(f, _)| f.to_string())
}

/// Sets `field` of the object at `at` to the first zero value after which
/// the error is no longer about that field's type; false when none fits.
fn fill_zero<T: DeserializeOwned>(json: &mut Value, at: &[Step], field: &str) -> bool {
    let Some(Value::Object(obj)) = locate(json, at) else {
        return false;
    };
    if obj.contains_key(field) {
        return false;
    }
    let zeros = [
        Value::String(String::new()),
        Value::Object(serde_json::Map::new()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
    ];
    for zero in zeros {
        if let Some(Value::Object(obj)) = locate(json, at) {
            obj.insert(field.to_string(), zero);
        }
        let wrong_type = match crate::core::object::deserialize_with_path::<T>(&*json) {
            Ok(_) => false,
            Err(e) => {
                let path = e.path().to_string();
                let here = path
                    .rsplit_once('.')
                    .map_or(path.as_str(), |(_, last)| last);
                here == field && e.inner().to_string().starts_with("invalid type")
            }
        };
        if !wrong_type {
            return true;
        }
    }
    if let Some(Value::Object(obj)) = locate(json, at) {
        obj.shift_remove(field);
    }
    false
}

/// The value at `path`.
fn locate<'v>(json: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let mut v = json;
    for step in path {
        v = match (step, v) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

enum Step {
    Key(String),
    Index(usize),
}

/// Removes the value at `path` (a map entry or a list element).
fn remove(json: &mut Value, path: &[Step]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut v = json;
    for step in parents {
        let next = match (step, v) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k),
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        let Some(next) = next else {
            return false;
        };
        v = next;
    }
    match (last, v) {
        (Step::Key(k), Value::Object(m)) => m.shift_remove(k).is_some(),
        (Step::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Route {
        host: String,
        port: Option<u16>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Spec {
        name: String,
        routes: Vec<Route>,
    }

    #[test]
    fn broken_parts_go_missing_ones_take_zero_values_and_the_rest_is_read() {
        let json = serde_json::json!({
            "name": "shop",
            "routes": [{}, {"host": "a", "port": "http"}, {"host": "b", "port": 80}]
        });
        let spec: Spec = parse(json).unwrap();
        assert_eq!(spec.name, "shop");
        // The empty route keeps its place, with the zero host, as a proto
        // decoder reads it.
        assert_eq!(
            spec.routes,
            [
                Route {
                    host: String::new(),
                    port: None
                },
                Route {
                    host: "a".into(),
                    port: None
                },
                Route {
                    host: "b".into(),
                    port: Some(80)
                }
            ]
        );
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Dest {
        host: String,
        weight: u32,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Rule {
        destination: Dest,
    }

    #[test]
    fn a_missing_object_is_an_empty_one_with_zero_fields() {
        let rules: Vec<Rule> =
            parse(serde_json::json!([{}, {"destination": {"host": "x"}}])).unwrap();
        assert_eq!(
            rules[0].destination,
            Dest {
                host: String::new(),
                weight: 0
            }
        );
        assert_eq!(
            rules[1].destination,
            Dest {
                host: "x".into(),
                weight: 0
            }
        );
    }

    #[test]
    fn a_broken_required_root_field_gives_up() {
        assert!(parse::<Spec>(serde_json::json!({"name": 3, "routes": []})).is_none());
        assert!(parse::<Spec>(serde_json::json!("text")).is_none());
    }
}
