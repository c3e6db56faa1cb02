//! Controllers that act on a workload from outside it. Two autoscalers on
//! one workload overwrite each other's replica count (`MS-K8S-1`); a pod
//! under two PodDisruptionBudgets cannot be evicted at all, so every node
//! drain blocks on it (`MS-K8S-2`). The API server accepts each object
//! alone, so nothing says so before run time. Typed and raw objects (and
//! YAML given to `meshsynth analyze`) are read alike, as JSON: a typed one
//! writes the fields read, a raw one is read in place.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value as Json;

use crate::core::object::RawObject;
use crate::core::{App, Diagnostic, K8sObject, ObjectEntry};

/// Two autoscalers (HorizontalPodAutoscaler, KEDA ScaledObject) scale one
/// workload.
pub const AUTOSCALER_CONFLICT: &str = "MS-K8S-1";
/// A workload's pods are selected by more than one PodDisruptionBudget.
pub const BUDGET_OVERLAP: &str = "MS-K8S-2";

/// The annotation with which a ScaledObject takes over an existing HPA
/// (named in `spec.advanced.horizontalPodAutoscalerConfig.name`).
pub const TRANSFER_HPA_ANNOTATION: &str = "scaledobject.keda.sh/transfer-hpa-ownership";

/// The kinds whose pod template labels a budget can select.
const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Rollout",
    "Pod",
];

/// One controller as the checks read it: its metadata typed, the fields of
/// its `spec` they read ([`SPEC_READ`]) as JSON.
struct Controller<'a> {
    path: &'a str,
    cluster: &'a str,
    kind: &'a str,
    api_version: &'a str,
    meta: &'a ObjectMeta,
    ns: String,
    name: String,
    spec: Cow<'a, Json>,
}

impl<'a> Controller<'a> {
    fn of(e: &ObjectEntry<'a>, group: &str) -> Option<Controller<'a>> {
        let obj = e.object;
        let g = crate::core::object::api_group(obj.api_version());
        if g != group {
            return None;
        }
        // A raw object (every object `analyze` reads of these kinds) is
        // read in place: copying each one whole to JSON for its `spec` was
        // most of this check's time and memory at scale.
        let spec = match RawObject::unpatched(obj) {
            Some(raw) => Cow::Borrowed(raw.body.get("spec").unwrap_or(&Json::Null)),
            None => match typed_spec(obj) {
                Some(spec) => Cow::Owned(spec?),
                None => match obj.to_json().ok()? {
                    Json::Object(mut map) => Cow::Owned(read_spec(map.shift_remove("spec"))),
                    _ => Cow::Owned(Json::Null),
                },
            },
        };
        Some(Controller {
            path: e.path,
            cluster: e.cluster,
            kind: obj.kind(),
            api_version: obj.api_version(),
            meta: obj.metadata(),
            ns: namespace(obj),
            name: obj.metadata().name.clone().unwrap_or_default(),
            spec,
        })
    }
}

/// The fields of a controller's `spec` the checks read; a typed object's
/// copy keeps only these, since every autoscaler and budget of the app is
/// held at once (a ScaledObject's triggers were most of this check's memory
/// at 10,000 resources).
const SPEC_READ: [&str; 3] = ["scaleTargetRef", "advanced", "selector"];

fn read_spec(spec: Option<Json>) -> Json {
    match spec {
        Some(Json::Object(mut m)) => {
            m.retain(|k, _| SPEC_READ.contains(&k.as_str()));
            Json::Object(m)
        }
        other => other.unwrap_or_default(),
    }
}

/// [`read_spec`] of a typed autoscaler, budget or ScaledObject, written
/// from the fields read alone: the whole object written to JSON for three
/// of its fields was most of this check's time at 10,000 resources. `None`
/// for any other object (a patched one included: its JSON is what it is);
/// `Some(None)` when a field does not serialize.
fn typed_spec(obj: &dyn K8sObject) -> Option<Option<Json>> {
    use crate::k8s::crd::types::keda::keda_v1alpha1::ScaledObject;
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    fn json<T: serde::Serialize>(v: &T) -> Option<Json> {
        crate::core::LiteValue::of(v)
            .ok()
            .map(crate::core::LiteValue::into_json)
    }
    if obj.is_patched() {
        return None;
    }
    let any = obj.as_any();
    let mut m = serde_json::Map::new();
    if let Some(h) = any.downcast_ref::<HorizontalPodAutoscaler>() {
        let Some(spec) = &h.spec else {
            return Some(Some(Json::Null));
        };
        m.insert("scaleTargetRef".into(), json(&spec.scale_target_ref)?);
    } else if let Some(b) = any.downcast_ref::<PodDisruptionBudget>() {
        let Some(spec) = &b.spec else {
            return Some(Some(Json::Null));
        };
        if let Some(sel) = &spec.selector {
            m.insert("selector".into(), json(sel)?);
        }
    } else if let Some(so) = any.downcast_ref::<ScaledObject>() {
        if let Some(adv) = &so.spec.advanced {
            m.insert("advanced".into(), json(adv)?);
        }
        m.insert("scaleTargetRef".into(), json(&so.spec.scale_target_ref)?);
    } else {
        return None;
    }
    Some(Some(Json::Object(m)))
}

fn namespace(obj: &dyn K8sObject) -> String {
    obj.metadata()
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into())
}

/// MS-K8S-1 and MS-K8S-2 over every object of the app.
pub fn check(app: &App, out: &mut Vec<Diagnostic>) {
    let of = |kind: &str, group: &str| -> Vec<Controller<'_>> {
        app.objects_of_kind(kind)
            .iter()
            .filter_map(|e| Controller::of(e, group))
            .collect()
    };
    let mut scalers = of("HorizontalPodAutoscaler", "autoscaling");
    scalers.extend(of("ScaledObject", "keda.sh"));
    autoscalers(&scalers, out);
    let budgets = of("PodDisruptionBudget", "policy");
    if budgets.len() >= 2 {
        disruption_budgets(app, &budgets, out);
    }
}

fn str_at<'j>(v: &'j Json, path: &[&str]) -> Option<&'j str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// The workload an autoscaler scales: (kind, name). A ScaledObject's kind
/// defaults to Deployment.
fn scale_target(o: &Controller<'_>) -> Option<(String, String)> {
    let target = o.spec.get("scaleTargetRef")?;
    let name = target.get("name")?.as_str()?.to_string();
    let kind = match target.get("kind").and_then(Json::as_str) {
        Some(k) => k.to_string(),
        None if o.kind == "ScaledObject" => "Deployment".to_string(),
        None => return None,
    };
    Some((kind, name))
}

/// KEDA's own HPA (owned by a ScaledObject, as in an export of a live
/// cluster): not a second controller but the first one's means.
fn owned_by_keda(o: &Controller<'_>) -> bool {
    o.meta
        .owner_references
        .iter()
        .flatten()
        .any(|r| r.kind == "ScaledObject")
}

/// Whether ScaledObject `so` takes HPA `hpa` over, KEDA's documented way
/// to move an existing HPA under a ScaledObject.
fn takes_over(so: &Controller<'_>, hpa: &Controller<'_>) -> bool {
    so.kind == "ScaledObject"
        && hpa.kind == "HorizontalPodAutoscaler"
        && so
            .meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(TRANSFER_HPA_ANNOTATION))
            .map(String::as_str)
            == Some("true")
        && str_at(
            &so.spec,
            &["advanced", "horizontalPodAutoscalerConfig", "name"],
        ) == Some(hpa.name.as_str())
}

type TargetKey<'a> = (&'a str, String, String, String);

fn autoscalers(scalers: &[Controller<'_>], out: &mut Vec<Diagnostic>) {
    let mut by_target: BTreeMap<TargetKey<'_>, Vec<&Controller<'_>>> = BTreeMap::new();
    for o in scalers.iter().filter(|o| !owned_by_keda(o)) {
        if let Some((kind, name)) = scale_target(o) {
            by_target
                .entry((o.cluster, o.ns.clone(), kind, name))
                .or_default()
                .push(o);
        }
    }
    for ((_, ns, kind, name), found) in by_target {
        let Some((first, rest)) = found.split_first() else {
            continue;
        };
        for o in rest {
            if takes_over(first, o) || takes_over(o, first) {
                continue;
            }
            let webhook = if o.kind != first.kind {
                " (KEDA's admission webhook refuses a ScaledObject on a workload an HPA already scales)"
            } else {
                ""
            };
            out.push(
                Diagnostic::error(
                    o.path,
                    format!(
                        "{} {} and {} {} ({}) both scale {kind} {ns}/{name}: the two controllers overwrite each other's replica count{webhook}",
                        o.kind, o.name, first.kind, first.name, first.path
                    ),
                )
                .with_code(AUTOSCALER_CONFLICT)
                .with_hint(format!(
                    "keep one autoscaler per workload: a ScaledObject can carry CPU and memory triggers too, or let it take the HPA over ({TRANSFER_HPA_ANNOTATION}: \"true\" and spec.advanced.horizontalPodAutoscalerConfig.name)"
                )),
            );
        }
    }
}

/// Whether a Kubernetes label selector (`matchLabels`, `matchExpressions`)
/// selects `labels`. `empty_selects_all` is the meaning of `{}`, which
/// differs between policy/v1 (every pod) and policy/v1beta1 (none).
pub(crate) fn selects(
    selector: &Json,
    labels: &BTreeMap<String, String>,
    empty_selects_all: bool,
) -> bool {
    let Some(sel) = selector.as_object() else {
        return false;
    };
    let match_labels = sel.get("matchLabels").and_then(Json::as_object);
    let exprs = sel.get("matchExpressions").and_then(Json::as_array);
    if match_labels.is_none_or(|m| m.is_empty()) && exprs.is_none_or(|e| e.is_empty()) {
        return empty_selects_all;
    }
    let labels_ok = match_labels.into_iter().flatten().all(|(k, v)| {
        v.as_str()
            .is_some_and(|v| labels.get(k).map(String::as_str) == Some(v))
    });
    let exprs_ok = exprs.into_iter().flatten().all(|e| {
        let Some(key) = e.get("key").and_then(Json::as_str) else {
            return false;
        };
        let values: Vec<&str> = e
            .get("values")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        let have = labels.get(key).map(String::as_str);
        match e.get("operator").and_then(Json::as_str) {
            Some("In") => have.is_some_and(|h| values.contains(&h)),
            Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
            Some("Exists") => have.is_some(),
            Some("DoesNotExist") => have.is_none(),
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

/// The pod template of a typed Deployment, StatefulSet, DaemonSet or
/// ReplicaSet that no patch changed, read in place; `None` for any other
/// object, whose template is then read from its JSON. Serializing every
/// workload to JSON for one field of its template was most of the cost of
/// the checks that look at workloads at scale.
pub(crate) fn typed_pod_template(obj: &dyn K8sObject) -> Option<&PodTemplateSpec> {
    if obj.is_patched() {
        return None;
    }
    crate::core::object::workload_pod_template(obj)
}

/// The labels of the pods a workload makes (a Pod's own labels).
fn pod_labels(obj: &dyn K8sObject) -> BTreeMap<String, String> {
    if obj.kind() == "Pod" {
        return obj.metadata().labels.clone().unwrap_or_default();
    }
    if let Some(t) = typed_pod_template(obj) {
        return t
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
    }
    let json = obj.to_json().unwrap_or_default();
    json.pointer("/spec/template/metadata/labels")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The budgets of one namespace, indexed so a workload is compared only
/// with those that can select it: a budget with `matchLabels` selects only
/// pods carrying its first label, so it is filed under that label; the
/// rest (expressions only, empty or malformed selectors) are always tried.
/// Comparing every workload with every budget of its namespace was
/// quadratic (800 × 800 per namespace at 10,000 resources).
#[derive(Default)]
struct NamespaceBudgets {
    by_label: HashMap<(String, String), Vec<usize>>,
    always: Vec<usize>,
}

impl NamespaceBudgets {
    fn file(&mut self, i: usize, b: &Controller<'_>) {
        let first = b
            .spec
            .pointer("/selector/matchLabels")
            .and_then(Json::as_object)
            .and_then(|m| m.iter().next())
            .and_then(|(k, v)| Some((k.clone(), v.as_str()?.to_string())));
        match first {
            Some(key) => self.by_label.entry(key).or_default().push(i),
            None => self.always.push(i),
        }
    }

    /// The budgets that may select pods labelled `labels`, in the order
    /// they were given.
    fn candidates(&self, labels: &BTreeMap<String, String>) -> Vec<usize> {
        let mut out = self.always.clone();
        for (k, v) in labels {
            // A lookup without cloning the pair would need a borrowed key
            // type; labels are few, so the clone is cheap.
            if let Some(found) = self.by_label.get(&(k.clone(), v.clone())) {
                out.extend_from_slice(found);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn disruption_budgets(app: &App, budgets: &[Controller<'_>], out: &mut Vec<Diagnostic>) {
    let mut per_ns: HashMap<(&str, &str), NamespaceBudgets> = HashMap::new();
    for (i, b) in budgets.iter().enumerate() {
        per_ns
            .entry((b.cluster, b.ns.as_str()))
            .or_default()
            .file(i, b);
    }
    // Only namespaces with two budgets or more can hold an overlap.
    per_ns.retain(|_, n| n.always.len() + n.by_label.values().map(Vec::len).sum::<usize>() >= 2);
    for kind in WORKLOADS {
        for e in app.objects_of_kind(kind) {
            let ns = namespace(e.object);
            let Some(index) = per_ns.get(&(e.cluster, ns.as_str())) else {
                continue;
            };
            let labels = pod_labels(e.object);
            let over: Vec<&Controller<'_>> = index
                .candidates(&labels)
                .into_iter()
                .map(|i| &budgets[i])
                .filter(|b| {
                    let v1 = b.api_version == "policy/v1";
                    b.spec
                        .pointer("/selector")
                        .is_some_and(|s| selects(s, &labels, v1))
                })
                .collect();
            let Some((last, others)) = over.split_last() else {
                continue;
            };
            if others.is_empty() {
                continue;
            }
            let others: Vec<String> = others
                .iter()
                .map(|b| format!("{} ({})", b.name, b.path))
                .collect();
            let workload = e.object.metadata().name.as_deref().unwrap_or_default();
            out.push(
                Diagnostic::error(
                    last.path,
                    format!(
                        "the pods of {kind} {ns}/{workload} are selected by this PodDisruptionBudget {} and by {}: the eviction API refuses to evict a pod with more than one budget, so node drains and upgrades block on them",
                        last.name,
                        others.join(", ")
                    ),
                )
                .with_code(BUDGET_OVERLAP)
                .with_hint("keep one PodDisruptionBudget per workload: narrow the selectors so each pod is under exactly one"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors_read_labels_and_expressions() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let sel = |j: &str| serde_json::from_str::<Json>(j).unwrap();
        assert!(selects(&sel(r#"{"matchLabels":{"app":"web"}}"#), &l, true));
        assert!(!selects(&sel(r#"{"matchLabels":{"app":"api"}}"#), &l, true));
        assert!(selects(&sel("{}"), &l, true));
        assert!(!selects(&sel("{}"), &l, false));
        assert!(!selects(&Json::Null, &l, true));
        let ex = |op: &str, vals: &str| {
            sel(&format!(
                r#"{{"matchExpressions":[{{"key":"tier","operator":"{op}","values":{vals}}}]}}"#
            ))
        };
        assert!(selects(&ex("In", r#"["front","back"]"#), &l, true));
        assert!(!selects(&ex("NotIn", r#"["front"]"#), &l, true));
        assert!(selects(&ex("Exists", "[]"), &l, true));
        assert!(!selects(&ex("DoesNotExist", "[]"), &l, true));
        assert!(!selects(&ex("Sideways", "[]"), &l, true));
    }
}
