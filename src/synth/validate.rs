//! Stage: validation of Kubernetes names (unique per cluster, namespace
//! and kind), and of every object's metadata as the API server checks it
//! (`core::meta_rules`: names by kind, labels, annotations).

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::diag::Diagnostic;
use crate::core::tree::{App, NodeKind};

/// Validates explicit Kubernetes names and reports objects that collide.
pub(super) fn check_object_names(app: &App, order: &[u32], diags: &mut Vec<Diagnostic>) {
    // Borrowed keys and a fast hasher: one entry per object of the app.
    type Key<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);
    let mut seen: HashMap<Key<'_>, &Arc<str>, foldhash::fast::RandomState> = HashMap::default();
    let mut collisions: Vec<(&str, &str, &str, &str)> = Vec::new();
    for &i in order {
        let n = app.node(i);
        let NodeKind::Object(o) = &n.kind else {
            continue;
        };
        let Some(chart) = n.chart else { continue };
        let cluster = app.chart_info(chart).cluster.as_str();
        let meta = o.metadata();
        let name = meta.name.as_deref().unwrap_or_default();
        for p in crate::core::meta_rules::problems(o.as_ref()) {
            diags.push(Diagnostic::error(n.path.to_string(), p.message).with_hint(p.hint));
        }
        if meta.namespace.is_none() && o.namespaced() {
            diags.push(
                Diagnostic::error(
                    n.path.to_string(),
                    format!("{} {name} has no namespace", o.kind()),
                )
                .with_hint("set ChartProps::namespace or the object's metadata.namespace"),
            );
        }
        let group = o
            .api_version()
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("");
        let key = (
            cluster,
            group,
            o.kind(),
            meta.namespace.as_deref().unwrap_or_default(),
            name,
        );
        if let Some(other) = seen.insert(key, &n.path) {
            collisions.push((n.path.as_ref(), other.as_ref(), o.kind(), name));
        }
    }
    report_collisions(&collisions, diags);
}

/// One error per colliding object; but when two constructs collide on
/// several objects (a `MeshService` declared twice under one name), one
/// error at the construct lists them, rather than one line per object.
fn report_collisions(collisions: &[(&str, &str, &str, &str)], diags: &mut Vec<Diagnostic>) {
    fn parent(p: &str) -> &str {
        p.rsplit_once('/').map_or("", |(head, _)| head)
    }
    let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
    for &(path, other, _, _) in collisions {
        *pairs.entry((parent(path), parent(other))).or_default() += 1;
    }
    let mut grouped: Vec<(&str, &str)> = Vec::new();
    for &(path, other, kind, name) in collisions {
        let pair = (parent(path), parent(other));
        let shared = pair.0 != pair.1 && !pair.0.is_empty() && pairs[&pair] > 1;
        if !shared {
            diags.push(
                Diagnostic::error(
                    path.to_string(),
                    format!(
                        "{kind} {name} collides with {other} in the same cluster and namespace"
                    ),
                )
                .with_hint("give one of them another name"),
            );
        } else if !grouped.contains(&pair) {
            grouped.push(pair);
            let objects: Vec<String> = collisions
                .iter()
                .filter(|&&(p, o, _, _)| (parent(p), parent(o)) == pair)
                .map(|&(_, _, kind, name)| format!("{kind} {name}"))
                .collect();
            diags.push(
                Diagnostic::error(
                    pair.0.to_string(),
                    format!(
                        "{} of its objects collide with those of {} in the same cluster and namespace: {}",
                        objects.len(),
                        pair.1,
                        objects.join(", ")
                    ),
                )
                .with_hint("give one of the two constructs another name (e.g. its `name` prop)"),
            );
        }
    }
}
