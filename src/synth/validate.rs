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
            diags.push(
                Diagnostic::error(
                    n.path.to_string(),
                    format!(
                        "{} {name} collides with {other} in the same cluster and namespace",
                        o.kind()
                    ),
                )
                .with_hint("give one of them another name"),
            );
        }
    }
}
