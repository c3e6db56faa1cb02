//! What nobody wrote: the fields the API server, its admission webhooks and
//! controllers add to an object. The live object is cut down to the shape
//! of the assembly's (fields the assembly does not set are defaults or
//! someone else's), except where an addition is itself drift: a label or
//! annotation added by hand, a container nobody injects.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{Map, Value as Json};

use crate::assembly::ObjectKey;

/// Annotations the cluster or a deploy tool sets (an entry ending in `/`
/// is a prefix): not drift.
const IGNORED_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "kubectl.kubernetes.io/restartedAt",
    "deployment.kubernetes.io/revision",
    "deprecated.daemonset.template.generation",
    "autoscaling.alpha.kubernetes.io/",
    "control-plane.alpha.kubernetes.io/leader",
    "endpoints.kubernetes.io/last-change-trigger-time",
    "pv.kubernetes.io/",
    "volume.beta.kubernetes.io/",
    "volume.kubernetes.io/",
    "meta.helm.sh/",
    "argocd.argoproj.io/tracking-id",
    "sidecar.istio.io/status",
    "kubernetes.io/change-cause",
];

/// Labels the cluster or a deploy tool sets.
const IGNORED_LABELS: &[&str] = &[
    "kubernetes.io/metadata.name",
    "pod-template-hash",
    "controller-revision-hash",
    "argocd.argoproj.io/instance",
    "service.istio.io/canonical-name",
    "service.istio.io/canonical-revision",
    "security.istio.io/tlsMode",
];

/// Containers Istio's injector adds to a pod template.
const INJECTED_CONTAINERS: &[&str] = &["istio-proxy", "istio-init", "istio-validation"];

/// Volumes (and their mounts) Istio's injector and the service account
/// admission add (an entry ending in `-` is a prefix).
const INJECTED_VOLUMES: &[&str] = &[
    "istio-envoy",
    "istio-data",
    "istio-podinfo",
    "istio-token",
    "istiod-ca-cert",
    "istio-ca-crl",
    "workload-socket",
    "credential-socket",
    "workload-certs",
    "kube-api-access-",
];

/// The annotations drift ignores (a trailing `/` marks a prefix).
pub fn ignored_annotations() -> &'static [&'static str] {
    IGNORED_ANNOTATIONS
}

/// The labels drift ignores.
pub fn ignored_labels() -> &'static [&'static str] {
    IGNORED_LABELS
}

fn listed(list: &[&str], name: &str) -> bool {
    list.iter().any(|l| {
        if let Some(prefix) = l.strip_suffix('/') {
            name.strip_prefix(prefix)
                .is_some_and(|r| r.starts_with('/'))
        } else if let Some(prefix) = l.strip_suffix('-') {
            name.starts_with(prefix) && name.len() > l.len()
        } else {
            name == *l
        }
    })
}

/// Workloads an autoscaler owns the replicas of, as (namespace, kind,
/// name): from HorizontalPodAutoscalers and KEDA ScaledObjects on either
/// side (one made by hand in the cluster counts too).
pub(super) fn scaled_targets<'a>(
    desired: impl Iterator<Item = &'a Json>,
    live: impl Iterator<Item = &'a Json>,
) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for o in desired.chain(live) {
        let kind = o.get("kind").and_then(Json::as_str).unwrap_or_default();
        let default_kind = match kind {
            "HorizontalPodAutoscaler" => None,
            "ScaledObject" => Some("Deployment"),
            _ => continue,
        };
        let Some(target) = o.pointer("/spec/scaleTargetRef") else {
            continue;
        };
        let target_kind = target
            .get("kind")
            .and_then(Json::as_str)
            .or(default_kind)
            .unwrap_or_default();
        let (Some(name), Some(ns)) = (
            target.get("name").and_then(Json::as_str),
            o.pointer("/metadata/namespace").and_then(Json::as_str),
        ) else {
            continue;
        };
        out.insert((ns.to_string(), target_kind.to_string(), name.to_string()));
    }
    out
}

fn is_scaled(key: &ObjectKey, scaled: &BTreeSet<(String, String, String)>) -> bool {
    key.namespace
        .as_ref()
        .is_some_and(|ns| scaled.contains(&(ns.clone(), key.kind.clone(), key.name.clone())))
}

/// The assembly's object as the cluster would store it: a Secret's
/// `stringData` folded into `data` (base64), replicas an autoscaler owns
/// left out.
pub(super) fn expected(
    key: &ObjectKey,
    body: &Json,
    scaled: &BTreeSet<(String, String, String)>,
) -> Json {
    let mut e = body.clone();
    let Some(m) = e.as_object_mut() else {
        return e;
    };
    m.remove("status");
    if is_scaled(key, scaled) {
        if let Some(Json::Object(spec)) = m.get_mut("spec") {
            spec.remove("replicas");
        }
    }
    if key.group.is_empty() && key.kind == "Secret" {
        if let Some(Json::Object(string_data)) = m.remove("stringData") {
            let data = m.entry("data").or_insert_with(|| Json::Object(Map::new()));
            if let Json::Object(data) = data {
                for (k, v) in string_data {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    data.insert(
                        k,
                        Json::String(base64::engine::general_purpose::STANDARD.encode(text)),
                    );
                }
            }
        }
    }
    e
}

/// The live object cut down to `expected`'s shape.
pub(super) fn project(
    key: &ObjectKey,
    expected: &Json,
    live: &Json,
    scaled: &BTreeSet<(String, String, String)>,
) -> Json {
    let mut seen = cut(&mut Vec::new(), expected, live);
    if let Some(m) = seen.as_object_mut() {
        // Matched by group, not version: the export shows the version the
        // client asked for.
        if let Some(v) = expected.get("apiVersion") {
            m.insert("apiVersion".into(), v.clone());
        }
        if is_scaled(key, scaled) {
            if let Some(Json::Object(spec)) = m.get_mut("spec") {
                spec.remove("replicas");
            }
        }
    }
    seen
}

/// A value the API server leaves out when it is the zero value
/// (`omitempty`): `false`, `0`, `""`, `[]`, `{}`.
fn is_zero(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::Bool(b) => !b,
        Json::Number(n) => n.as_f64() == Some(0.0),
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
    }
}

fn cut(path: &mut Vec<String>, e: &Json, a: &Json) -> Json {
    match (e, a) {
        (Json::Object(em), Json::Object(am)) => {
            if is_label_map(path) {
                let ignore = if path.last().is_some_and(|k| k == "labels") {
                    IGNORED_LABELS
                } else {
                    IGNORED_ANNOTATIONS
                };
                return Json::Object(
                    am.iter()
                        .filter(|(k, _)| em.contains_key(*k) || !listed(ignore, k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                );
            }
            let mut out = Map::new();
            for (k, ev) in em {
                path.push(k.clone());
                match am.get(k) {
                    Some(av) => {
                        out.insert(k.clone(), cut(path, ev, av));
                    }
                    None if is_zero(ev) => {
                        out.insert(k.clone(), ev.clone());
                    }
                    None => {}
                }
                path.pop();
            }
            // Labels or annotations added by hand where the assembly has none.
            if path.last().is_some_and(|k| k == "metadata") {
                for k in ["labels", "annotations"] {
                    if em.contains_key(k) {
                        continue;
                    }
                    if let Some(Json::Object(added)) = am.get(k) {
                        path.push(k.to_string());
                        let kept = cut(
                            path,
                            &Json::Object(Map::new()),
                            &Json::Object(added.clone()),
                        );
                        path.pop();
                        if kept.as_object().is_some_and(|m| !m.is_empty()) {
                            out.insert(k.to_string(), kept);
                        }
                    }
                }
            }
            Json::Object(out)
        }
        (Json::Array(ev), Json::Array(av)) => cut_list(path, ev, av),
        _ if e != a && quantity_path(path) && quantity_eq(e, a) => e.clone(),
        _ => a.clone(),
    }
}

/// A field that holds quantities (resource requests and limits, quotas,
/// sizes), where the server rewrites `0.5` as `500m`; elsewhere `1.2` and
/// `1.20` stay different strings.
fn quantity_path(path: &[String]) -> bool {
    path.iter().any(|k| {
        matches!(
            k.as_str(),
            "resources" | "limits" | "requests" | "hard" | "capacity" | "overhead" | "sizeLimit"
        )
    })
}

/// `metadata.labels` or `metadata.annotations` (of the object or of a
/// pod template): compared whole, minus what tools set.
fn is_label_map(path: &[String]) -> bool {
    let n = path.len();
    n >= 2 && path[n - 2] == "metadata" && matches!(path[n - 1].as_str(), "labels" | "annotations")
}

fn names(items: &[Json]) -> Option<Vec<&str>> {
    items
        .iter()
        .map(|i| i.get("name").and_then(Json::as_str))
        .collect()
}

fn cut_list(path: &mut Vec<String>, ev: &[Json], av: &[Json]) -> Json {
    if let (Some(en), Some(an)) = (names(ev), names(av)) {
        if !ev.is_empty() {
            let injected: &[&str] = match path.last().map(String::as_str) {
                Some("containers" | "initContainers") => INJECTED_CONTAINERS,
                Some("volumes" | "volumeMounts") => INJECTED_VOLUMES,
                _ => &[],
            };
            let mut out = Vec::new();
            for (e, n) in ev.iter().zip(&en) {
                if let Some(i) = an.iter().position(|x| x == n) {
                    out.push(cut(path, e, &av[i]));
                }
            }
            for (a, n) in av.iter().zip(&an) {
                if !en.contains(n) && !listed(injected, n) {
                    out.push(a.clone());
                }
            }
            return Json::Array(out);
        }
    }
    if ev.len() == av.len() {
        return Json::Array(ev.iter().zip(av).map(|(e, a)| cut(path, e, a)).collect());
    }
    Json::Array(av.to_vec())
}

/// True when `a` and `b` are the same Kubernetes quantity written two ways
/// (`0.5` and `500m`, `1Gi` and `1073741824`); false when either is not one.
pub fn quantity_eq(a: &Json, b: &Json) -> bool {
    match (quantity(a), quantity(b)) {
        (Some(x), Some(y)) => x == y || ((x - y).abs() <= 1e-9 * x.abs().max(y.abs())),
        _ => false,
    }
}

fn quantity(v: &Json) -> Option<f64> {
    let s = match v {
        Json::Number(n) => return n.as_f64(),
        Json::String(s) => s.as_str(),
        _ => return None,
    };
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, f)| s.strip_suffix(suffix).map(|n| (n, *f)))
        .unwrap_or((s, 1.0));
    let plain = !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E'))
        && number.chars().next().is_some_and(|c| c != 'e' && c != 'E');
    if !plain {
        return None;
    }
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// An object the cluster makes or a controller owns: not drift when the
/// assembly lacks it.
pub(super) fn made_by_the_cluster(key: &ObjectKey, body: &Json) -> bool {
    let owned = body
        .pointer("/metadata/ownerReferences")
        .and_then(Json::as_array)
        .is_some_and(|o| !o.is_empty());
    if owned {
        return true;
    }
    let core = key.group.is_empty();
    match key.kind.as_str() {
        "Event" | "Endpoints" | "EndpointSlice" | "Lease" | "ControllerRevision" => true,
        "ConfigMap" if core => {
            matches!(key.name.as_str(), "kube-root-ca.crt" | "istio-ca-root-cert")
        }
        "ServiceAccount" if core => key.name == "default",
        "Secret" if core => matches!(
            body.get("type").and_then(Json::as_str),
            Some("kubernetes.io/service-account-token" | "helm.sh/release.v1")
        ),
        _ => false,
    }
}
