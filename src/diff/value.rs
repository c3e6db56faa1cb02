//! Structural diff of two JSON trees: the building block of resource and
//! object diffs. Lists of objects are matched by identity where one exists
//! (a container or port by `name`, a tag by `Key`, a route by its `match`),
//! so inserting one item does not show every later item as changed.

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::{Change, ChangeOp};

/// One step of a path into a JSON tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
    /// A list item matched by identity: `field=value`.
    Item(String, String),
}

/// Fields that identify an item of a list of objects, in order of preference.
/// The first one present on every item of both lists, with values unique on
/// each side, is used.
const IDENTITY_FIELDS: &[&str] = &[
    "name",
    "Name",
    "Key",
    "key",
    "Sid",
    "Id",
    "id",
    "mountPath",
    "containerPort",
    "port",
    "match",
];

/// Renders a path: `spec.template.spec.containers[name=app].image`.
pub(crate) fn format_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let plain = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push('[');
                    out.push_str(&Json::String(k.clone()).to_string());
                    out.push(']');
                }
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Item(f, v) => out.push_str(&format!("[{f}={v}]")),
        }
    }
    out
}

/// A change found by [`diff_values`], before it is classified.
#[derive(Debug, Clone)]
pub(crate) struct RawChange {
    pub path: Vec<Seg>,
    pub op: ChangeOp,
    pub old: Option<Json>,
    pub new: Option<Json>,
}

impl RawChange {
    /// The public form, with the replacement flag the caller computed.
    pub(crate) fn into_change(self, forces_replacement: bool) -> Change {
        Change {
            path: format_path(&self.path),
            op: self.op,
            old: self.old,
            new: self.new,
            forces_replacement,
        }
    }
}

/// True for a CloudFormation intrinsic (`{"Ref": …}`, `{"Fn::…": …}`): it is
/// one value, so a change inside it is shown as a change of the whole.
fn is_intrinsic(m: &serde_json::Map<String, Json>) -> bool {
    m.len() == 1
        && m.keys()
            .next()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
}

/// Appends the changes from `old` to `new` under `path` to `out`.
pub(crate) fn diff_values(path: &mut Vec<Seg>, old: &Json, new: &Json, out: &mut Vec<RawChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Json::Object(a), Json::Object(b)) if !is_intrinsic(a) && !is_intrinsic(b) => {
            for (k, va) in a {
                path.push(Seg::Key(k.clone()));
                match b.get(k) {
                    Some(vb) => diff_values(path, va, vb, out),
                    None => out.push(RawChange {
                        path: path.clone(),
                        op: ChangeOp::Removed,
                        old: Some(va.clone()),
                        new: None,
                    }),
                }
                path.pop();
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    path.push(Seg::Key(k.clone()));
                    out.push(RawChange {
                        path: path.clone(),
                        op: ChangeOp::Added,
                        old: None,
                        new: Some(vb.clone()),
                    });
                    path.pop();
                }
            }
        }
        (Json::Array(a), Json::Array(b))
            if a.iter().chain(b).all(Json::is_object) && !(a.is_empty() && b.is_empty()) =>
        {
            match identity_field(a, b) {
                Some(field) => diff_by_identity(path, field, a, b, out),
                None => diff_by_position(path, a, b, out),
            }
        }
        _ => out.push(RawChange {
            path: path.clone(),
            op: ChangeOp::Changed,
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
    }
}

/// The identity of a list item under `field`, if it has one.
fn identity(item: &Json, field: &str) -> Option<String> {
    match item.get(field)? {
        Json::String(s) => Some(s.clone()),
        Json::Null => None,
        other => Some(super::canonical(other)),
    }
}

fn identity_field(a: &[Json], b: &[Json]) -> Option<&'static str> {
    'fields: for field in IDENTITY_FIELDS {
        for side in [a, b] {
            let mut seen = std::collections::BTreeSet::new();
            for item in side {
                match identity(item, field) {
                    Some(id) if !seen.contains(&id) => {
                        seen.insert(id);
                    }
                    _ => continue 'fields,
                }
            }
        }
        return Some(field);
    }
    None
}

fn diff_by_identity(
    path: &mut Vec<Seg>,
    field: &str,
    a: &[Json],
    b: &[Json],
    out: &mut Vec<RawChange>,
) {
    // Invariant: identity_field checked every item has a unique identity.
    let ids = |side: &[Json]| -> IndexMap<String, usize> {
        side.iter()
            .enumerate()
            .map(|(i, item)| (identity(item, field).expect("identity checked"), i))
            .collect()
    };
    let (ia, ib) = (ids(a), ids(b));
    for (id, &i) in &ia {
        path.push(Seg::Item(field.to_string(), id.clone()));
        match ib.get(id) {
            Some(&j) => diff_values(path, &a[i], &b[j], out),
            None => out.push(RawChange {
                path: path.clone(),
                op: ChangeOp::Removed,
                old: Some(a[i].clone()),
                new: None,
            }),
        }
        path.pop();
    }
    for (id, &j) in &ib {
        if !ia.contains_key(id) {
            path.push(Seg::Item(field.to_string(), id.clone()));
            out.push(RawChange {
                path: path.clone(),
                op: ChangeOp::Added,
                old: None,
                new: Some(b[j].clone()),
            });
            path.pop();
        }
    }
    // Order matters for some lists (Istio routes: first match wins).
    let common_a: Vec<&String> = ia.keys().filter(|k| ib.contains_key(*k)).collect();
    let common_b: Vec<&String> = ib.keys().filter(|k| ia.contains_key(*k)).collect();
    if common_a != common_b {
        let order =
            |v: &[&String]| Json::Array(v.iter().map(|s| Json::String((*s).clone())).collect());
        out.push(RawChange {
            path: path.clone(),
            op: ChangeOp::Reordered,
            old: Some(order(&common_a)),
            new: Some(order(&common_b)),
        });
    }
}

fn diff_by_position(path: &mut Vec<Seg>, a: &[Json], b: &[Json], out: &mut Vec<RawChange>) {
    for i in 0..a.len().max(b.len()) {
        path.push(Seg::Index(i));
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => diff_values(path, x, y, out),
            (Some(x), None) => out.push(RawChange {
                path: path.clone(),
                op: ChangeOp::Removed,
                old: Some(x.clone()),
                new: None,
            }),
            (None, Some(y)) => out.push(RawChange {
                path: path.clone(),
                op: ChangeOp::Added,
                old: None,
                new: Some(y.clone()),
            }),
            (None, None) => {}
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn changes(a: Json, b: Json) -> Vec<String> {
        let mut out = Vec::new();
        diff_values(&mut Vec::new(), &a, &b, &mut out);
        out.into_iter()
            .map(|c| format!("{:?} {}", c.op, format_path(&c.path)))
            .collect()
    }

    #[test]
    fn containers_and_ports_match_by_name() {
        let a = json!({"containers": [
            {"name": "app", "image": "a:1", "ports": [{"name": "http", "containerPort": 80}]},
            {"name": "sidecar", "image": "s:1"}]});
        let b = json!({"containers": [
            {"name": "init", "image": "i:1"},
            {"name": "app", "image": "a:2", "ports": [{"name": "http", "containerPort": 8080}]},
            {"name": "sidecar", "image": "s:1"}]});
        assert_eq!(
            changes(a, b),
            [
                "Changed containers[name=app].image",
                "Changed containers[name=app].ports[name=http].containerPort",
                "Added containers[name=init]",
            ]
        );
    }

    #[test]
    fn routes_match_by_match_and_order_is_reported() {
        let r1 = json!({"match": [{"uri": {"prefix": "/a"}}], "route": [{"destination": {"host": "a"}}]});
        let r2 = json!({"match": [{"uri": {"prefix": "/b"}}], "route": [{"destination": {"host": "b"}}]});
        let c = changes(
            json!({"http": [r1.clone(), r2.clone()]}),
            json!({"http": [r2, r1]}),
        );
        assert_eq!(c, ["Reordered http"]);
    }

    #[test]
    fn intrinsics_change_as_a_whole_and_odd_keys_are_quoted() {
        assert_eq!(
            changes(
                json!({"V": {"Ref": "A"}}),
                json!({"V": {"Fn::GetAtt": ["A", "Arn"]}})
            ),
            ["Changed V"]
        );
        assert_eq!(
            changes(
                json!({"annotations": {"eks.amazonaws.com/role-arn": "a"}}),
                json!({"annotations": {"eks.amazonaws.com/role-arn": "b"}})
            ),
            ["Changed annotations[\"eks.amazonaws.com/role-arn\"]"]
        );
    }

    #[test]
    fn scalar_lists_change_as_a_whole_and_anonymous_objects_by_position() {
        assert_eq!(
            changes(json!({"a": [1, 2]}), json!({"a": [1, 3]})),
            ["Changed a"]
        );
        assert_eq!(
            changes(json!([{"x": 1}]), json!([{"x": 2}, {"x": 3}])),
            ["Changed [0].x", "Added [1]"]
        );
    }
}
