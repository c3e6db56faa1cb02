//! Aspects: visitors over the locked tree, applied before validation. `Tags`
//! is the first: tags reach every taggable resource and become labels on
//! Kubernetes objects.

use std::collections::BTreeMap;

use crate::core::diag::Diagnostic;
use crate::core::tree::{App, NodeKind, Scope};

/// What an aspect sees of one node.
pub struct NodeMut<'a> {
    /// The node's construct path.
    pub path: &'a str,
    pub(crate) kind: &'a mut NodeKind,
    pub(crate) diagnostics: &'a mut Vec<Diagnostic>,
}

impl NodeMut<'_> {
    /// The tags of a CloudFormation resource. Synthesis writes them into the
    /// property the type's registry schema names for tags (list or map), or
    /// drops them for a type that takes none.
    pub fn cfn_tags(&mut self) -> Option<&mut BTreeMap<String, String>> {
        match self.kind {
            NodeKind::Resource(r) => Some(&mut r.tags),
            _ => None,
        }
    }

    /// The object's metadata, when it is a Kubernetes object.
    pub fn k8s_metadata(
        &mut self,
    ) -> Option<&mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta> {
        match self.kind {
            NodeKind::Object(o) => Some(o.metadata_mut()),
            _ => None,
        }
    }

    /// The CloudFormation type, when it is a resource.
    pub fn cfn_type(&self) -> Option<&str> {
        match &*self.kind {
            NodeKind::Resource(r) => Some(r.resource.cfn_type()),
            _ => None,
        }
    }

    /// Reports a diagnostic about this node (reported once synthesis validates).
    pub fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }
}

/// A visitor applied to every node of the subtree it was added to.
/// `Send + Sync` because the tree that holds it is shared by synthesis threads.
pub trait Aspect: Send + Sync {
    /// Visits one node; called for every node of the scope the aspect was added to.
    fn visit(&self, node: &mut NodeMut<'_>);
}

/// Tags for every taggable resource and object under a scope.
#[derive(Debug, Clone, Default)]
pub struct Tags {
    tags: BTreeMap<String, String>,
    /// Set once the warning about a selector label key was given.
    warned: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Label keys a tag does not set on Kubernetes objects: `app` and
/// `version` are what workloads' selectors, NetworkPolicies, monitors and
/// Istio (its canonical service name and revision) read, so one value on
/// every object would make unrelated objects match each other.
pub const SELECTOR_LABEL_KEYS: &[&str] = &["app", "version"];

impl Tags {
    /// Adds `key=value` to everything under `scope`. Tags and labels a
    /// construct set itself win; among aspects, deeper scopes win. A key of
    /// [`SELECTOR_LABEL_KEYS`] tags CloudFormation resources only (with a
    /// warning when it meets a Kubernetes object).
    pub fn add(scope: &mut Scope<'_>, key: &str, value: &str) {
        let mut t = Tags::default();
        t.tags.insert(key.to_string(), value.to_string());
        scope.add_aspect(t);
    }

    /// Adds several tags at once.
    pub fn add_all<'k>(scope: &mut Scope<'_>, tags: impl IntoIterator<Item = (&'k str, &'k str)>) {
        let t = Tags {
            tags: tags
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        scope.add_aspect(t);
    }
}

/// A label key is a DNS-1123 subdomain prefix plus a name of ≤ 63 characters.
fn valid_label_key(key: &str) -> bool {
    crate::core::names::qualified_name_problem(key).is_none()
}

fn valid_label_value(v: &str) -> bool {
    crate::core::names::label_value_problem(v).is_none()
}

impl Aspect for Tags {
    fn visit(&self, node: &mut NodeMut<'_>) {
        // Never overwrite: what a construct set itself wins, and aspects run
        // deepest first, so a deeper scope's tag wins over a shallower one.
        if let Some(tags) = node.cfn_tags() {
            for (k, v) in &self.tags {
                if !tags.contains_key(k) {
                    tags.insert(k.clone(), v.clone());
                }
            }
            return;
        }
        let mut bad = Vec::new();
        let mut selector = None;
        if let Some(meta) = node.k8s_metadata() {
            let labels = meta.labels.get_or_insert_with(Default::default);
            for (k, v) in &self.tags {
                if SELECTOR_LABEL_KEYS.contains(&k.as_str()) {
                    selector = Some(k.clone());
                    continue;
                }
                // A Kubernetes label cannot hold every tag; say which is dropped.
                if valid_label_key(k) && valid_label_value(v) {
                    if !labels.contains_key(k) {
                        labels.insert(k.clone(), v.clone());
                    }
                } else {
                    bad.push(k.clone());
                }
            }
        }
        if selector.is_none() && bad.is_empty() {
            return;
        }
        let path = node.path.to_string();
        let first = || !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(k) = selector.filter(|_| first()) {
            node.report(
                Diagnostic::warning(
                    path.clone(),
                    format!("tag {k:?} is not applied as a Kubernetes label: `{k}` is the label selectors and Istio read, and one value on every object would make them match each other; it tags CloudFormation resources only"),
                )
                .with_hint("for a label on every object use another key, e.g. app.kubernetes.io/part-of or platform"),
            );
        }
        for k in bad {
            node.report(
                Diagnostic::warning(
                    path.clone(),
                    format!("tag {k:?} is not a valid Kubernetes label; it was not applied as a label"),
                )
                .with_hint("label keys and values are ≤ 63 characters of letters, digits, '-', '_' and '.'"),
            );
        }
    }
}

/// Applies every aspect to its subtree, deepest scopes first: aspects only
/// fill what is unset, so the deeper (more specific) one wins.
pub(crate) fn apply(app: &mut App) {
    let mut aspects = std::mem::take(&mut app.aspects);
    aspects.sort_by_key(|(node, _)| std::cmp::Reverse(depth(app, *node)));
    let mut diagnostics = Vec::new();
    for (root, aspect) in &aspects {
        for index in app.subtree(*root) {
            let node = app.node_mut(index);
            let mut view = NodeMut {
                path: &node.path,
                kind: &mut node.kind,
                diagnostics: &mut diagnostics,
            };
            aspect.visit(&mut view);
        }
    }
    app.diagnostics.extend(diagnostics);
    app.aspects = aspects;
}

fn depth(app: &App, mut node: u32) -> usize {
    let mut d = 0;
    while let Some(p) = app.node(node).parent {
        d += 1;
        node = p;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_labels_and_deeper_tags_win() {
        use crate::core::{Chart, ChartProps, Context};
        let mut app = App::new(Context::new());
        let chart = Chart::new(&mut app.root(), "c", ChartProps::new("k").namespace("ns")).unwrap();
        let mut cs = app.scope(chart.node()).unwrap();
        Tags::add(&mut cs, "app", "outer");
        Tags::add(&mut cs, "team", "outer");
        let mut inner = cs.child("Inner").unwrap();
        Tags::add(&mut inner, "team", "inner");
        let cm = k8s_openapi::api::core::v1::ConfigMap {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                labels: Some(
                    [("app".to_string(), "mine".to_string())]
                        .into_iter()
                        .collect(),
                ),
                ..Default::default()
            },
            ..Default::default()
        };
        let o = inner.add_object("Cm", cm).unwrap();
        apply(&mut app);
        let labels = app.object(&o).unwrap().metadata.labels.clone().unwrap();
        assert_eq!(labels["app"], "mine");
        assert_eq!(labels["team"], "inner");
    }

    #[test]
    fn a_selector_key_tags_resources_but_labels_no_object() {
        use crate::core::{Chart, ChartProps, Context};
        let mut app = App::new(Context::new());
        let chart = Chart::new(&mut app.root(), "c", ChartProps::new("k").namespace("ns")).unwrap();
        let mut cs = app.scope(chart.node()).unwrap();
        Tags::add(&mut cs, "app", "shop");
        let a = cs
            .add_object("A", k8s_openapi::api::core::v1::ConfigMap::default())
            .unwrap();
        cs.add_object("B", k8s_openapi::api::core::v1::ConfigMap::default())
            .unwrap();
        apply(&mut app);
        let labels = app
            .object(&a)
            .unwrap()
            .metadata
            .labels
            .clone()
            .unwrap_or_default();
        assert!(!labels.contains_key("app"), "{labels:?}");
        let warnings: Vec<_> = app
            .diagnostics()
            .iter()
            .filter(|d| d.message.contains("is not applied as a Kubernetes label"))
            .collect();
        assert_eq!(
            warnings.len(),
            1,
            "one warning, not one per object: {warnings:?}"
        );
    }

    #[test]
    fn label_syntax() {
        assert!(valid_label_key("app.kubernetes.io/name"));
        assert!(valid_label_key("Project"));
        assert!(!valid_label_key("bad key"));
        assert!(valid_label_value("genai-demo"));
        assert!(!valid_label_value("has space"));
    }
}
