//! `MS-KEDA-2`: a KEDA trigger that reads AWS with the workload's identity
//! (`podIdentity.identityOwner: workload`), where the workload's IRSA role,
//! a role of the app, allows no statement the scaler needs. KEDA then gets
//! AccessDenied on every poll and the workload never scales. `MeshService`
//! grants what its triggers need; this catches a scaler and a role written
//! apart. Roles with managed policies, roles not named literally, and
//! ServiceAccounts annotated with a role outside the app are not judged.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value as Json;

use crate::aws::cfn::iam::CfnRole;
use crate::aws::iam::irsa::ROLE_ARN_ANNOTATION;
use crate::core::{App, Diagnostic, K8sObject, Value};
use crate::k8s::controllers::typed_pod_template;

/// `MS-KEDA-2`.
pub const TRIGGER_GRANT: &str = "MS-KEDA-2";

/// The action each AWS trigger type cannot work without.
const NEEDED: &[(&str, &str)] = &[
    ("aws-cloudwatch", "cloudwatch:GetMetricData"),
    ("aws-sqs-queue", "sqs:GetQueueAttributes"),
    ("aws-kinesis-stream", "kinesis:DescribeStreamSummary"),
    ("aws-dynamodb", "dynamodb:Query"),
];

/// What a role of the app allows: its inline statements' actions, or
/// `None` when it cannot be judged (managed policies, no literal name).
struct RoleGrants<'a> {
    path: &'a str,
    actions: Option<Vec<String>>,
}

/// Roles of the app by literal name.
fn roles(app: &App) -> BTreeMap<String, RoleGrants<'_>> {
    let mut out = BTreeMap::new();
    for (path, r) in app.resources_of::<CfnRole>() {
        let Some(name) = r.role_name.as_ref().and_then(Value::as_literal) else {
            continue;
        };
        let managed = r
            .managed_policy_arns
            .as_ref()
            .is_some_and(|m| !m.is_empty());
        let actions = (!managed).then(|| {
            let mut a = Vec::new();
            for p in r.policies.iter().flatten() {
                allowed_actions(&p.policy_document, &mut a);
            }
            a
        });
        out.insert(name.to_string(), RoleGrants { path, actions });
    }
    out
}

/// The actions of the `Allow` statements of a policy document.
fn allowed_actions(doc: &Value, out: &mut Vec<String>) {
    let Value::Map(doc) = doc else { return };
    let statements = match doc.get("Statement") {
        Some(Value::List(l)) => l.iter().collect::<Vec<_>>(),
        Some(one) => vec![one],
        None => return,
    };
    for s in statements {
        let Value::Map(s) = s else { continue };
        if s.get("Effect").and_then(Value::as_literal) != Some("Allow") {
            continue;
        }
        match s.get("Action") {
            Some(Value::List(l)) => {
                out.extend(l.iter().filter_map(Value::as_literal).map(str::to_string))
            }
            Some(v) => out.extend(v.as_literal().map(str::to_string)),
            None => {}
        }
    }
}

/// Whether an IAM action pattern (`cloudwatch:Get*`, `*`) covers `action`,
/// case-insensitively as IAM compares them.
fn covers(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match p.split_once('*') {
        None => p == a,
        Some((head, tail)) => {
            a.starts_with(head) && a.len() >= head.len() + tail.len() && {
                let rest = &a[head.len()..];
                if tail.contains('*') {
                    // Rare; a second wildcard matches anything after it.
                    true
                } else {
                    rest.ends_with(tail)
                }
            }
        }
    }
}

/// The TriggerAuthentications that hand KEDA the workload's own AWS
/// identity, by (namespace, name).
fn workload_identities(app: &App) -> HashSet<(String, String)> {
    app.objects_of_kind("TriggerAuthentication")
        .into_iter()
        .filter(|e| {
            e.object.to_json().is_ok_and(|j| {
                j.pointer("/spec/podIdentity/provider")
                    .and_then(Json::as_str)
                    == Some("aws")
                    && j.pointer("/spec/podIdentity/identityOwner")
                        .and_then(Json::as_str)
                        == Some("workload")
            })
        })
        .map(|e| ns_name(e.object))
        .collect()
}

/// An object's namespace (`default` when unset) and name.
fn ns_name(obj: &dyn K8sObject) -> (String, String) {
    let meta = obj.metadata();
    let ns = meta.namespace.clone().unwrap_or_else(|| "default".into());
    (ns, meta.name.clone().unwrap_or_default())
}

/// Objects of `kind` by (namespace, name); the first of a name wins, as a
/// search in order would find it. Looking each ScaledObject's target up
/// in a list was quadratic at scale.
fn by_name<'a>(app: &'a App, kind: &str) -> HashMap<(String, String), &'a dyn K8sObject> {
    let mut out = HashMap::new();
    for e in app.objects_of_kind(kind) {
        out.entry(ns_name(e.object)).or_insert(e.object);
    }
    out
}

/// The ServiceAccount a Deployment's pods run as (a typed one read in
/// place, see [`typed_pod_template`]).
fn service_account(dep: &dyn K8sObject) -> String {
    if let Some(t) = typed_pod_template(dep) {
        return t
            .spec
            .as_ref()
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_else(|| "default".into());
    }
    dep.to_json()
        .ok()
        .and_then(|j| {
            j.pointer("/spec/template/spec/serviceAccountName")
                .and_then(Json::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "default".into())
}

/// What the check reads of a ScaledObject: its target's name, and each
/// trigger's type and TriggerAuthentication. A typed one is read through
/// its struct (writing each whole object to JSON for these was most of
/// the check's time at 10,000 resources); a patched or raw one (every one
/// `analyze` reads) through its JSON, one at a time.
struct Scaled {
    target: String,
    triggers: Vec<(String, Option<String>)>,
}

impl Scaled {
    fn of(obj: &dyn K8sObject) -> Option<Scaled> {
        if !obj.is_patched() {
            if let Some(so) = obj
                .as_any()
                .downcast_ref::<crate::mesh::keda::ScaledObject>()
            {
                return Some(Scaled {
                    target: so.spec.scale_target_ref.name.clone(),
                    triggers: so
                        .spec
                        .triggers
                        .iter()
                        .map(|t| {
                            let auth = t.authentication_ref.as_ref().map(|a| a.name.clone());
                            (t.r#type.clone(), auth)
                        })
                        .collect(),
                });
            }
        }
        let whole;
        let spec = match crate::core::RawObject::unpatched(obj) {
            Some(raw) => raw.body.get("spec"),
            None => {
                whole = obj.to_json().ok()?;
                whole.get("spec")
            }
        }
        .unwrap_or(&Json::Null);
        let text = |v: &Json, at: &str| v.pointer(at).and_then(Json::as_str).map(str::to_string);
        Some(Scaled {
            target: text(spec, "/scaleTargetRef/name").unwrap_or_default(),
            triggers: spec
                .pointer("/triggers")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .map(|t| {
                    (
                        text(t, "/type").unwrap_or_default(),
                        text(t, "/authenticationRef/name"),
                    )
                })
                .collect(),
        })
    }
}

/// Runs the check over the app.
pub fn check(app: &App, out: &mut Vec<Diagnostic>) {
    let scaled = app.objects_of_kind("ScaledObject");
    if scaled.is_empty() {
        return;
    }
    let roles = roles(app);
    if roles.is_empty() {
        return;
    }
    let by_workload = workload_identities(app);
    let deployments = by_name(app, "Deployment");
    let accounts = by_name(app, "ServiceAccount");
    for e in &scaled {
        let Some(so) = Scaled::of(e.object) else {
            continue;
        };
        let (path, (ns, name)) = (e.path, ns_name(e.object));
        let Some(dep) = deployments.get(&(ns.clone(), so.target)) else {
            continue;
        };
        let sa = service_account(*dep);
        let Some(role_name) = accounts
            .get(&(ns.clone(), sa))
            .and_then(|a| a.metadata().annotations.as_ref()?.get(ROLE_ARN_ANNOTATION))
            .and_then(|arn| arn.rsplit('/').next())
        else {
            continue;
        };
        let Some(role) = roles.get(role_name) else {
            continue;
        };
        let Some(actions) = &role.actions else {
            continue;
        };
        for (i, (ty, auth)) in so.triggers.iter().enumerate() {
            let Some((_, needed)) = NEEDED.iter().find(|(k, _)| k == ty) else {
                continue;
            };
            let workload = auth
                .as_ref()
                .is_some_and(|a| by_workload.contains(&(ns.clone(), a.clone())));
            if !workload || actions.iter().any(|a| covers(a, needed)) {
                continue;
            }
            out.push(
                Diagnostic::error(
                    path,
                    format!(
                        "spec.triggers[{i}] ({ty}) of ScaledObject {ns}/{name} reads AWS with the workload's role {role_name} ({}), which does not allow {needed}: KEDA gets AccessDenied and the workload never scales",
                        role.path
                    ),
                )
                .with_code(TRIGGER_GRANT)
                .with_hint(format!(
                    "add an Allow statement for {needed} to the role (MeshService does it from the trigger: Trigger::required_statements)"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ScaledObject reads the same through its struct as through its
    /// JSON (a raw one, in place).
    #[test]
    fn a_scaled_object_reads_alike_typed_and_raw() {
        let spec = serde_json::json!({
            "scaleTargetRef": {"name": "worker"},
            "triggers": [
                {"type": "aws-sqs-queue", "authenticationRef": {"name": "worker-aws"}, "metadata": {}},
                {"type": "cpu", "metadata": {}},
            ],
        });
        let typed = crate::mesh::keda::ScaledObject {
            spec: serde_json::from_value(spec.clone()).unwrap(),
            ..Default::default()
        };
        let raw = crate::core::RawObject {
            api_version: "keda.sh/v1alpha1".into(),
            kind: "ScaledObject".into(),
            namespaced: true,
            metadata: Default::default(),
            body: [("spec".to_string(), spec)].into_iter().collect(),
        };
        for o in [&typed as &dyn K8sObject, &raw] {
            let s = Scaled::of(o).unwrap();
            assert_eq!(s.target, "worker");
            assert_eq!(
                s.triggers,
                [
                    ("aws-sqs-queue".to_string(), Some("worker-aws".to_string())),
                    ("cpu".to_string(), None),
                ]
            );
        }
    }

    #[test]
    fn action_patterns_cover_as_iam_matches() {
        assert!(covers(
            "cloudwatch:GetMetricData",
            "cloudwatch:GetMetricData"
        ));
        assert!(covers("cloudwatch:get*", "cloudwatch:GetMetricData"));
        assert!(covers("*", "sqs:GetQueueAttributes"));
        assert!(covers("sqs:*", "sqs:GetQueueAttributes"));
        assert!(!covers("sqs:ReceiveMessage", "sqs:GetQueueAttributes"));
        assert!(!covers(
            "cloudwatch:PutMetricData",
            "cloudwatch:GetMetricData"
        ));
    }
}
