//! What the API server refuses in any object's metadata: an API version it
//! no longer serves, its name (by the kind's rule), its namespace's name,
//! label keys and values, annotation keys and their total size, and the
//! same for a workload's pod template.
//! One set of rules for both halves: synth reports them as errors of its
//! naming stage, `meshsynth analyze` as `MS-K8S-3` findings.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::names::{self, shown};
use crate::core::object::api_group;
use crate::core::K8sObject;

/// The API server's limit on an object's annotations, keys and values
/// together (`TotalAnnotationSizeLimitB`).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

/// The longest name a CronJob may have: its Jobs' names add 11 characters
/// and must stay DNS-1035 labels.
const CRONJOB_NAME_MAX: usize = 52;

/// One refused field: the message (field first) and what to do.
pub(crate) struct Problem {
    pub message: String,
    pub hint: &'static str,
}

/// Every problem of `o`'s metadata (and its pod template's), in field
/// order. A missing namespace is the caller's to judge (synth sets one,
/// `analyze` defaults it).
pub(crate) fn problems(o: &dyn K8sObject) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(r) = crate::core::removed_apis::removed(o.api_version(), o.kind()) {
        out.push(Problem {
            message: crate::core::removed_apis::message(o.api_version(), o.kind(), r),
            hint: r.instead,
        });
    }
    let meta = o.metadata();
    name(o, meta, &mut out);
    if let Some(ns) = &meta.namespace {
        if let Some(why) = label_problem(ns) {
            out.push(Problem {
                message: format!("namespace: {} is not a DNS-1123 label: {why}", shown(ns)),
                hint: "name namespaces with lower-case letters, digits and '-', such as \"shop\"",
            });
        }
    }
    labels("metadata", meta.labels.as_ref(), &mut out);
    annotations("metadata", meta.annotations.as_ref(), &mut out);
    if let Some((at, m)) = template_metadata(o) {
        let m = m.as_ref();
        labels(at, m.and_then(|m| m.labels.as_ref()), &mut out);
        annotations(at, m.and_then(|m| m.annotations.as_ref()), &mut out);
    }
    out
}

/// The name, by the rule of its kind: a DNS-1123 label for a Namespace, a
/// DNS-1035 label for a Service, a path segment for RBAC's kinds (roles
/// are named `system:…`), a DNS-1123 subdomain for the rest.
fn name(o: &dyn K8sObject, meta: &ObjectMeta, out: &mut Vec<Problem>) {
    let kind = o.kind();
    let hint = "choose a lower-case DNS-1123 name such as \"order-service\"";
    let Some(name) = meta.name.as_deref().filter(|n| !n.is_empty()) else {
        if meta.generate_name.as_deref().is_none_or(str::is_empty) {
            out.push(Problem {
                message: format!("{kind} name: metadata.name is required"),
                hint,
            });
        }
        return;
    };
    let rbac = api_group(o.api_version()) == "rbac.authorization.k8s.io";
    let why = match kind {
        _ if rbac => (matches!(name, "." | "..") || name.contains(['/', '%']))
            .then(|| "is not a valid name: it may not be '.' or '..', or hold '/' or '%'".to_string()),
        "Namespace" => label_problem(name).map(|w| format!("is not a DNS-1123 label: {w}")),
        "Service" => label_problem(name)
            .map(|w| format!("is not a DNS-1123 label: {w}"))
            .or_else(|| {
                name.starts_with(|c: char| c.is_ascii_digit()).then(|| {
                    "is not a DNS-1035 label: a Service name must start with a letter".to_string()
                })
            }),
        _ => subdomain_problem(name)
            .map(|w| format!("is not a DNS-1123 subdomain: {w}"))
            .or_else(|| {
                (kind == "CronJob" && name.len() > CRONJOB_NAME_MAX).then(|| {
                    format!("is longer than {CRONJOB_NAME_MAX} characters, the most a CronJob's name may be (the names of its Jobs add 11)")
                })
            }),
    };
    if let Some(why) = why {
        out.push(Problem {
            message: format!("{kind} name: {} {why}", shown(name)),
            hint,
        });
    }
}

fn label_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 63 {
        Some("it must be 1 to 63 characters")
    } else if names::validate_dns1123_label(name).is_err() {
        Some("use lower-case letters, digits and '-', starting and ending with a letter or digit")
    } else {
        None
    }
}

fn subdomain_problem(name: &str) -> Option<&'static str> {
    if name.len() > 253 {
        Some("it must be 1 to 253 characters")
    } else if names::validate_dns1123_subdomain(name).is_err() {
        Some("use lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit")
    } else {
        None
    }
}

/// The pod template's metadata of a workload kind (`core::object`'s four,
/// Job and CronJob), with its field path.
fn template_metadata(o: &dyn K8sObject) -> Option<(&'static str, &Option<ObjectMeta>)> {
    if let Some(t) = crate::core::object::workload_pod_template(o) {
        return Some(("spec.template.metadata", &t.metadata));
    }
    let any = o.as_any();
    if let Some(job) = any.downcast_ref::<Job>() {
        return Some((
            "spec.template.metadata",
            &job.spec.as_ref()?.template.metadata,
        ));
    }
    let cron = any.downcast_ref::<CronJob>()?;
    let template = cron.spec.as_ref()?.job_template.spec.as_ref()?;
    Some((
        "spec.jobTemplate.spec.template.metadata",
        &template.template.metadata,
    ))
}

/// The labels of the metadata at `at` (`metadata`, or a template's).
fn labels(at: &str, labels: Option<&BTreeMap<String, String>>, out: &mut Vec<Problem>) {
    for (k, v) in labels.into_iter().flatten() {
        if let Some(why) = names::qualified_name_problem(k) {
            out.push(Problem {
                message: format!("{at}.labels: key {} is not a valid label key: {why}", shown(k)),
                hint: "a label key is an optional DNS subdomain and '/', then up to 63 letters, digits, '-', '_' or '.', e.g. app.kubernetes.io/name; kubectl apply would refuse this object",
            });
        } else if let Some(why) = names::label_value_problem(v) {
            out.push(Problem {
                message: format!("{at}.labels[{}]: {} is not a valid label value: {why}", shown(k), shown(v)),
                hint: "a label value is up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit; put free text in an annotation",
            });
        }
    }
}

/// The annotations of the metadata at `at` (`metadata`, or a template's).
fn annotations(at: &str, annotations: Option<&BTreeMap<String, String>>, out: &mut Vec<Problem>) {
    let Some(annotations) = annotations else {
        return;
    };
    for k in annotations.keys() {
        // The API server checks the key lower-cased.
        if let Some(why) = names::qualified_name_problem(&k.to_ascii_lowercase()) {
            out.push(Problem {
                message: format!("{at}.annotations: key {} is not a valid annotation key: {why}", shown(k)),
                hint: "an annotation key is an optional DNS subdomain and '/', then up to 63 letters, digits, '-', '_' or '.'; kubectl apply would refuse this object",
            });
        }
    }
    let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > ANNOTATIONS_MAX_BYTES {
        out.push(Problem {
            message: format!(
                "{at}.annotations: {size} bytes of annotations, over the API server's limit of {ANNOTATIONS_MAX_BYTES}"
            ),
            hint: "keep large data in a ConfigMap and reference it from an annotation",
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ConfigMap, Service};
    use k8s_openapi::api::rbac::v1::ClusterRole;

    fn named<T: K8sObject + Default>(name: &str) -> Vec<String> {
        let mut o = T::default();
        o.metadata_mut().name = Some(name.into());
        problems(&o).into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn names_follow_their_kinds_rule() {
        assert!(named::<ConfigMap>("web.settings").is_empty());
        assert_eq!(
            named::<ConfigMap>("Web_Settings"),
            ["ConfigMap name: \"Web_Settings\" is not a DNS-1123 subdomain: use lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"]
        );
        assert_eq!(
            named::<Service>("web.api"),
            ["Service name: \"web.api\" is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit"]
        );
        assert_eq!(named::<Service>("1web").len(), 1);
        assert!(named::<ClusterRole>("system:aggregate-to-view").is_empty());
        assert_eq!(named::<ClusterRole>("a/b").len(), 1);
        assert!(named::<CronJob>(&"n".repeat(52)).is_empty());
        assert_eq!(named::<CronJob>(&"n".repeat(53)).len(), 1);
        // Cut for the terminal: a long name is not echoed whole.
        let long = named::<ConfigMap>(&"X".repeat(10_000));
        assert!(long[0].len() < 400, "{}", long[0]);
        assert_eq!(
            problems(&ConfigMap::default())[0].message,
            "ConfigMap name: metadata.name is required"
        );
    }
}
