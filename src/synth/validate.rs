//! Stage: validation of Kubernetes names (unique per cluster, namespace
//! and kind, and valid for their kind), and of every object's labels and
//! annotations as the API server checks them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::PodTemplateSpec;

use crate::core::diag::Diagnostic;
use crate::core::names::{self, shown};
use crate::core::tree::{App, NodeKind};
use crate::core::K8sObject;

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
        check_labels_and_annotations(&n.path, o.as_ref(), diags);
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

/// The API server's limit on an object's annotations, keys and values
/// together (`TotalAnnotationSizeLimitB`).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

/// Label keys and values, and annotation keys, as the API server checks
/// them on every object (and a workload's pod template): one it refuses
/// would fail `kubectl apply` after the AWS side deployed.
fn check_labels_and_annotations(path: &str, o: &dyn K8sObject, diags: &mut Vec<Diagnostic>) {
    let meta = o.metadata();
    check_labels(path, "metadata.labels", meta.labels.as_ref(), diags);
    check_annotations(
        path,
        "metadata.annotations",
        meta.annotations.as_ref(),
        diags,
    );
    if let Some(t) = pod_template(o) {
        let m = t.metadata.as_ref();
        let at = "spec.template.metadata";
        check_labels(
            path,
            &format!("{at}.labels"),
            m.and_then(|m| m.labels.as_ref()),
            diags,
        );
        check_annotations(
            path,
            &format!("{at}.annotations"),
            m.and_then(|m| m.annotations.as_ref()),
            diags,
        );
    }
}

/// The pod template of a workload kind (`core::object`'s four, and Job).
fn pod_template(o: &dyn K8sObject) -> Option<&PodTemplateSpec> {
    crate::core::object::workload_pod_template(o).or_else(|| {
        let job = o.as_any().downcast_ref::<Job>()?;
        job.spec.as_ref().map(|s| &s.template)
    })
}

fn check_labels(
    path: &str,
    at: &str,
    labels: Option<&BTreeMap<String, String>>,
    diags: &mut Vec<Diagnostic>,
) {
    for (k, v) in labels.into_iter().flatten() {
        if let Some(why) = names::qualified_name_problem(k) {
            diags.push(
                Diagnostic::error(path, format!("{at}: key {} is not a valid label key: {why}", shown(k)))
                    .with_hint("a label key is an optional DNS subdomain and '/', then up to 63 letters, digits, '-', '_' or '.', e.g. app.kubernetes.io/name; kubectl apply would refuse this object"),
            );
        } else if let Some(why) = names::label_value_problem(v) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("{at}[{}]: {} is not a valid label value: {why}", shown(k), shown(v)),
                )
                .with_hint("a label value is up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit; put free text in an annotation"),
            );
        }
    }
}

fn check_annotations(
    path: &str,
    at: &str,
    annotations: Option<&BTreeMap<String, String>>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(annotations) = annotations else {
        return;
    };
    for k in annotations.keys() {
        // The API server checks the key lower-cased.
        if let Some(why) = names::qualified_name_problem(&k.to_ascii_lowercase()) {
            diags.push(
                Diagnostic::error(path, format!("{at}: key {} is not a valid annotation key: {why}", shown(k)))
                    .with_hint("an annotation key is an optional DNS subdomain and '/', then up to 63 letters, digits, '-', '_' or '.'; kubectl apply would refuse this object"),
            );
        }
    }
    let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > ANNOTATIONS_MAX_BYTES {
        diags.push(
            Diagnostic::error(
                path,
                format!("{at}: {size} bytes of annotations, over the API server's limit of {ANNOTATIONS_MAX_BYTES}"),
            )
            .with_hint("keep large data in a ConfigMap and reference it from an annotation"),
        );
    }
}
