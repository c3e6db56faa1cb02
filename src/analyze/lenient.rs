//! Reading what parses of an object that does not: istioctl analyzes an
//! object past a schema error (its proto decoder keeps the rest), so a
//! VirtualService with one broken route still has its other routes
//! checked. Here each deserialization error removes the smallest part it
//! names (the field of a wrong type, or the object missing a required
//! field), and the object is read again.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Repairs tried before giving up: each removes one part, and an object
/// with more broken parts than this is not worth guessing at.
const MAX_REPAIRS: usize = 32;

/// `json` read as `T` without the parts that do not parse; `None` when what
/// is left would be the whole object (or nothing).
pub(super) fn parse<T: DeserializeOwned>(mut json: Value) -> Option<T> {
    for _ in 0..MAX_REPAIRS {
        let err = match serde_path_to_error::deserialize::<_, T>(json.clone()) {
            Ok(t) => return Some(t),
            Err(e) => e,
        };
        let mut at = Vec::new();
        for seg in err.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => at.push(Step::Index(*index)),
                serde_path_to_error::Segment::Map { key } => at.push(Step::Key(key.clone())),
                // Enum variants and unknown segments cannot be located in
                // the JSON: stop at the part above them.
                _ => break,
            }
        }
        // A missing field names the object that lacks it: that object goes.
        // A field of the wrong type names itself.
        if at.is_empty() || !remove(&mut json, &at) {
            return None;
        }
    }
    None
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
    fn broken_parts_go_and_the_rest_is_read() {
        let json = serde_json::json!({
            "name": "shop",
            "routes": [{}, {"host": "a", "port": "http"}, {"host": "b", "port": 80}]
        });
        let spec: Spec = parse(json).unwrap();
        assert_eq!(spec.name, "shop");
        assert_eq!(
            spec.routes,
            [
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

    #[test]
    fn a_broken_required_root_field_gives_up() {
        assert!(parse::<Spec>(serde_json::json!({"name": 3, "routes": []})).is_none());
        assert!(parse::<Spec>(serde_json::json!("text")).is_none());
    }
}
