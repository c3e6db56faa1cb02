//! What the API server does to an object before it validates it: `null`
//! fields whose schema is not nullable are dropped, absent properties with
//! a schema `default` are filled. The check runs on the result.

use super::check::MAX_DEPTH;
use super::schema::Node;
use super::tree::{Tree, View};

/// Drops each `null` field whose schema is not nullable and fills each
/// absent property that has a schema `default`, in every object present, as
/// the API server does on a create.
pub(super) fn prune_and_default<T: Tree>(schema: &Node, value: &mut T, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value.view() {
        View::Object(_) => {
            if value.entries().any(|(_, v)| v.is_null()) {
                value.retain_fields(&mut |k, v| {
                    !v.is_null()
                        || schema
                            .properties
                            .as_ref()
                            .and_then(|p| p.get(k))
                            .is_some_and(|s| s.nullable)
                });
            }
            if let Some(props) = &schema.properties {
                for (k, d) in schema.defaults() {
                    if value.field(k).is_none() {
                        value.push_field(k.clone(), T::from_json(d.clone()));
                    }
                }
                value.each_child_mut(&mut |k, v| {
                    if let Some(sub) = k.and_then(|k| props.get(k)) {
                        prune_and_default(sub, v, depth + 1);
                    }
                });
            } else if let Some(sub) = schema.additional_schema() {
                value.each_child_mut(&mut |_, v| prune_and_default(sub, v, depth + 1));
            }
        }
        View::Array(_) => {
            if let Some(sub) = &schema.items {
                value.each_child_mut(&mut |_, v| prune_and_default(sub, v, depth + 1));
            }
        }
        _ => {}
    }
}

/// Whether [`prune_and_default`] would change `value`: a `null` it drops
/// or a default it fills, at any depth it walks.
pub(super) fn changed_by_pruning<T: Tree>(schema: &Node, value: &T, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match value.view() {
        View::Object(_) => {
            let nullable = |k: &str| {
                schema
                    .properties
                    .as_ref()
                    .and_then(|p| p.get(k))
                    .is_some_and(|s| s.nullable)
            };
            if value.entries().any(|(k, v)| v.is_null() && !nullable(k)) {
                return true;
            }
            if let Some(props) = &schema.properties {
                schema
                    .defaults()
                    .iter()
                    .any(|(k, _)| value.field(k).is_none())
                    || value.entries().any(|(k, v)| {
                        props
                            .get(k)
                            .is_some_and(|sub| changed_by_pruning(sub, v, depth + 1))
                    })
            } else if let Some(sub) = schema.additional_schema() {
                value
                    .entries()
                    .any(|(_, v)| changed_by_pruning(sub, v, depth + 1))
            } else {
                false
            }
        }
        View::Array(items) => schema
            .items
            .as_ref()
            .is_some_and(|sub| items.iter().any(|v| changed_by_pruning(sub, v, depth + 1))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::crd::{lookup, node_of, Lookup};
    use serde_json::json;

    /// A borrowed object is copied only when pruning or defaulting would
    /// change it; either way the check says what the owned check says.
    #[test]
    fn the_copy_is_skipped_only_when_pruning_changes_nothing() {
        let route = json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "r"},
            "spec": {"parentRefs": [{"name": "web"}], "rules": [{"backendRefs": [{"name": "svc", "port": 80}]}]}
        });
        let dr = json!({
            "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": "d"}, "spec": {"host": "reviews"}
        });
        let nulls = json!({
            "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": "d"}, "spec": {"host": "reviews", "trafficPolicy": null}
        });
        let mut changed = Vec::new();
        for o in [route, dr, nulls] {
            assert_eq!(
                super::super::check_object(&o),
                super::super::check::check_owned(o.clone())
            );
            let api = o["apiVersion"].as_str().unwrap();
            let Lookup::Found(v) = lookup(api, o["kind"].as_str().unwrap()) else {
                panic!("{api} is a CRD kind");
            };
            let schema = node_of(v);
            let mut pruned = o.clone();
            prune_and_default(schema, &mut pruned, 0);
            assert_eq!(changed_by_pruning(schema, &o, 0), pruned != o, "{o}");
            changed.push(pruned != o);
        }
        // The route gains defaults, the bare rule nothing, the null is dropped.
        assert_eq!(changed, [true, false, true]);
    }
}
