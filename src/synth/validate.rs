//! Stage: validation of Kubernetes names: unique per cluster, namespace
//! and kind, and valid for their kind.

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::diag::Diagnostic;
use crate::core::names;
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
        let check = match o.kind() {
            "Namespace" => names::validate_dns1123_label(name),
            "Service" => names::validate_dns1123_label(name).and_then(|()| {
                if name.starts_with(|c: char| c.is_ascii_digit()) {
                    Err(names::NameError::new(format!(
                        "{name:?} is not a DNS-1035 label: a Service name must start with a letter"
                    )))
                } else {
                    Ok(())
                }
            }),
            _ => names::validate_dns1123_subdomain(name),
        };
        if let Err(e) = check {
            diags.push(
                Diagnostic::error(n.path.to_string(), format!("{} name: {e}", o.kind()))
                    .with_hint("choose a lower-case DNS-1123 name such as \"order-service\""),
            );
        }
        if let Some(ns) = &meta.namespace {
            if let Err(e) = names::validate_dns1123_label(ns) {
                diags.push(Diagnostic::error(
                    n.path.to_string(),
                    format!("namespace: {e}"),
                ));
            }
        } else if o.namespaced() {
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
