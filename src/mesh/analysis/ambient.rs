//! Ambient-mode checks: policies and resources that assume a sidecar, and
//! waypoint enrollments that point nowhere.

use crate::mesh::analysis::codes;
use std::collections::BTreeMap;

use crate::core::Diagnostic;
use crate::mesh::analysis::checks::{error, warn};
use crate::mesh::analysis::index::{labels, Index, PodInfo};
use crate::mesh::crd::SpecOf;
use crate::mesh::gateway_api::USE_WAYPOINT_LABEL;
use crate::mesh::istio::security::{AuthorizationPolicy, Rule};

fn ns_labels<'x>(
    ix: &'x Index<'_>,
    cluster: &str,
    ns: &str,
) -> Option<&'x BTreeMap<String, String>> {
    ix.namespaces
        .get(&(cluster, ns.to_string()))
        .and_then(|n| n.obj.metadata.labels.as_ref())
}

/// The waypoint an object's `istio.io/use-waypoint` label names.
fn use_waypoint(labels: Option<&BTreeMap<String, String>>) -> Option<&String> {
    labels.and_then(|l| l.get(USE_WAYPOINT_LABEL))
}

/// Whether the namespace's Namespace object puts it in ambient mode.
fn ambient_namespace(ix: &Index<'_>, cluster: &str, ns: &str) -> bool {
    ns_labels(ix, cluster, ns)
        .and_then(|l| l.get("istio.io/dataplane-mode"))
        .is_some_and(|m| m == "ambient")
}

/// Whether the pod is captured by ztunnel: its namespace is in ambient mode
/// and the pod neither opts out nor carries a sidecar.
fn ambient_pod(ix: &Index<'_>, pod: &PodInfo<'_>) -> bool {
    let ambient_ns = ambient_namespace(ix, pod.cluster, &pod.ns);
    let opted_out = pod
        .labels
        .get("istio.io/dataplane-mode")
        .is_some_and(|m| m == "none");
    let sidecar = pod
        .labels
        .get("sidecar.istio.io/inject")
        .is_some_and(|v| v == "true");
    ambient_ns && !opted_out && !sidecar
}

/// The waypoint a pod's traffic goes through: a Service selecting it that
/// names one, else its namespace's.
fn waypoint_of(ix: &Index<'_>, pod: &PodInfo<'_>) -> Option<String> {
    ix.services_of(pod)
        .into_iter()
        .find_map(|s| use_waypoint(s.obj.metadata.labels.as_ref()))
        .or_else(|| use_waypoint(ns_labels(ix, pod.cluster, &pod.ns)))
        .filter(|w| *w != "none")
        .cloned()
}

/// The L7 attributes a rule uses (methods, paths, hosts, request
/// principals, request-level conditions), which ztunnel cannot enforce.
fn l7_attributes(rule: &Rule) -> Vec<&'static str> {
    let mut out = Vec::new();
    for o in rule
        .to
        .iter()
        .flatten()
        .filter_map(|t| t.operation.as_ref())
    {
        if o.methods.is_some() || o.not_methods.is_some() {
            out.push("methods");
        }
        if o.paths.is_some() || o.not_paths.is_some() {
            out.push("paths");
        }
        if o.hosts.is_some() || o.not_hosts.is_some() {
            out.push("hosts");
        }
    }
    for s in rule.from.iter().flatten().filter_map(|f| f.source.as_ref()) {
        if s.request_principals.is_some() || s.not_request_principals.is_some() {
            out.push("requestPrincipals");
        }
    }
    for w in rule.when.iter().flatten() {
        if w.key.starts_with("request.") {
            out.push("request conditions");
        }
    }
    out
}

/// MS-MESH-8 (L7 AuthorizationPolicy on ambient workloads that only
/// ztunnel sees), IST0167 (a Sidecar in an ambient
/// namespace), MS-MESH-10 (a waypoint enrollment or a policy's
/// `targetRefs` naming nothing) and MS-MESH-12 (a workload policy that
/// refuses the workload's own waypoint).
pub fn ambient(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for p in &ix.authorization_policies {
        check_policy(ix, p.path, p.cluster, &p.ns, p.obj, out);
        check_waypoint_admitted(ix, p.path, p.cluster, &p.ns, p.obj, out);
        check_target_refs(ix, p.path, p.cluster, &p.ns, p.obj, out);
    }
    for s in &ix.sidecars {
        // As istioctl: a namespace that also enables sidecar injection is
        // not taken for an ambient one.
        let sidecar_labels = ns_labels(ix, s.cluster, &s.ns).is_some_and(|l| {
            l.get("istio-injection").is_some_and(|v| v == "enabled")
                || l.get("istio.io/rev").is_some_and(|v| !v.is_empty())
        });
        if ambient_namespace(ix, s.cluster, &s.ns) && !sidecar_labels {
            out.push(warn(
                codes::IST0167,
                s.path,
                format!(
                    "Sidecar {} configures sidecar proxies, but namespace {} is in ambient mode and its pods have none: the policy has no effect",
                    s.name, s.ns
                ),
                "remove the Sidecar (ztunnel and waypoints need none), or move the workloads to a sidecar namespace",
            ));
        }
    }
    // Enrollments: namespaces and Services naming a waypoint.
    let mut enrollments: Vec<(&str, &str, &str, &str, &str)> = Vec::new();
    for ((cluster, ns), n) in &ix.namespaces {
        if let Some(w) = use_waypoint(n.obj.metadata.labels.as_ref()) {
            enrollments.push((n.path, cluster, ns, w, "namespace"));
        }
    }
    for s in &ix.services {
        if let Some(w) = use_waypoint(s.obj.metadata.labels.as_ref()) {
            enrollments.push((s.path, s.cluster, &s.ns, w, "Service"));
        }
    }
    for (path, cluster, ns, waypoint, what) in enrollments {
        if waypoint == "none" {
            continue;
        }
        if !ix
            .waypoints
            .contains(&(cluster, ns.to_string(), waypoint.to_string()))
        {
            out.push(error(
                codes::MS_MESH_10,
                path,
                format!("the {what} uses waypoint {waypoint:?}, but namespace {ns} has no waypoint of that name"),
                "add a Waypoint with that name to the namespace, or fix the istio.io/use-waypoint label",
            ));
        }
    }
}

fn check_policy(
    ix: &Index<'_>,
    path: &str,
    cluster: &str,
    ns: &str,
    policy: &AuthorizationPolicy,
    out: &mut Vec<Diagnostic>,
) {
    let spec = policy.spec();
    if spec.target_ref.is_some() || spec.target_refs.is_some() {
        return; // attached to a waypoint or Service: enforced at L7
    }
    let l7: Vec<&str> = spec
        .rules
        .iter()
        .flatten()
        .flat_map(l7_attributes)
        .collect();
    if l7.is_empty() {
        return;
    }
    let pods: Vec<&PodInfo<'_>> = match &spec.selector {
        Some(s) => ix.pods_selected(cluster, ns, labels(&s.match_labels)),
        None => ix
            .pods_by_ns
            .get(&(cluster, ns.to_string()))
            .into_iter()
            .flatten()
            .map(|&i| &ix.pods[i])
            .collect(),
    };
    let Some(pod) = pods.into_iter().find(|p| ambient_pod(ix, p)) else {
        return;
    };
    let mut l7 = l7;
    l7.sort();
    l7.dedup();
    let (msg, hint) = match waypoint_of(ix, pod) {
        None => (
            format!(
                "L7 rules ({}) select ambient workload {} {}, which has no waypoint: ztunnel cannot evaluate L7 attributes and fails safe, turning the policy into a DENY of the traffic its L4 attributes match",
                l7.join(", "), pod.kind, pod.name
            ),
            "add a Waypoint, enroll the namespace or Service (use-waypoint), and attach the policy with targetRefs",
        ),
        Some(w) => (
            format!(
                "L7 rules ({}) select ambient workload {} {} by label, so ztunnel gets them instead of its waypoint {w:?}: ztunnel cannot evaluate L7 attributes and fails safe, turning the policy into a DENY of the traffic its L4 attributes match",
                l7.join(", "), pod.kind, pod.name
            ),
            "attach the policy to the Service or waypoint with targetRefs instead of a selector",
        ),
    };
    out.push(error(codes::MS_MESH_8, path, msg, hint));
}

/// Whether an AuthorizationPolicy principal pattern (`*`, `prefix*`,
/// `*suffix` or exact; any trust domain) matches `…/ns/<ns>/sa/<sa>`.
fn principal_matches(pattern: &str, ns: &str, sa: &str) -> bool {
    let tail = format!("/ns/{ns}/sa/{sa}");
    let full = format!("cluster.local{tail}");
    if pattern == "*" {
        true
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        full.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        full.ends_with(suffix)
    } else {
        pattern.ends_with(&tail) && !pattern[..pattern.len() - tail.len()].contains('/')
    }
}

/// Whether an ALLOW rule admits a connection from the waypoint `(ns, sa)`
/// as ztunnel sees it (the waypoint's identity). Conditions ztunnel cannot
/// judge on the waypoint's connection are given the benefit of the doubt.
fn rule_admits(rule: &Rule, ns: &str, sa: &str) -> bool {
    let Some(from) = rule.from.as_ref().filter(|f| !f.is_empty()) else {
        return true;
    };
    from.iter().any(|f| {
        let Some(src) = &f.source else { return true };
        let any = |v: &Option<Vec<String>>, hit: &dyn Fn(&str) -> bool| {
            v.as_ref().is_none_or(|l| l.iter().any(|x| hit(x)))
        };
        let none = |v: &Option<Vec<String>>, hit: &dyn Fn(&str) -> bool| {
            v.as_ref().is_none_or(|l| !l.iter().any(|x| hit(x)))
        };
        let principal = |x: &str| principal_matches(x, ns, sa);
        let namespace = |x: &str| x == "*" || x == ns;
        let account = |x: &str| x == "*" || x == format!("{ns}/{sa}");
        any(&src.principals, &principal)
            && none(&src.not_principals, &principal)
            && any(&src.namespaces, &namespace)
            && none(&src.not_namespaces, &namespace)
            && any(&src.service_accounts, &account)
            && none(&src.not_service_accounts, &account)
    })
}

/// MS-MESH-12: an ALLOW policy selecting an ambient workload behind a
/// waypoint whose rules do not admit the waypoint. ztunnel enforces it on
/// the connection from the waypoint, so every caller through the waypoint
/// is refused (Istio's ambient docs: the workload policy must allow the
/// waypoint's identity).
fn check_waypoint_admitted(
    ix: &Index<'_>,
    path: &str,
    cluster: &str,
    ns: &str,
    policy: &AuthorizationPolicy,
    out: &mut Vec<Diagnostic>,
) {
    let spec = policy.spec();
    let allow = spec
        .action
        .is_none_or(|a| a == crate::mesh::istio::security::AuthorizationAction::Allow);
    if !allow || spec.target_ref.is_some() || spec.target_refs.is_some() {
        return;
    }
    // No rules: an explicit deny-all, meant as such.
    let Some(rules) = spec.rules.as_ref().filter(|r| !r.is_empty()) else {
        return;
    };
    let pods: Vec<&PodInfo<'_>> = match &spec.selector {
        Some(s) => ix.pods_selected(cluster, ns, labels(&s.match_labels)),
        None => return, // namespace-wide: the waypoint's own pods included
    };
    for pod in pods.into_iter().filter(|p| ambient_pod(ix, p)) {
        let Some(w) = waypoint_of(ix, pod) else {
            continue;
        };
        if rules.iter().any(|r| rule_admits(r, &pod.ns, &w)) {
            continue;
        }
        out.push(error(
            codes::MS_MESH_12,
            path,
            format!(
                "the policy selects ambient workload {} {}, whose traffic comes through waypoint {w:?}, but no rule admits the waypoint's identity (cluster.local/ns/{}/sa/{w}): ztunnel enforces the policy on the waypoint's connection and refuses every caller",
                pod.kind, pod.name, pod.ns
            ),
            "admit the waypoint's principal in this policy, and check the callers in a policy attached to the Service (targetRefs)",
        ));
        return; // one finding per policy
    }
}

/// A policy's `targetRefs` must name a Service or Gateway API Gateway
/// (a waypoint or an ingress) of its namespace.
fn check_target_refs(
    ix: &Index<'_>,
    path: &str,
    cluster: &str,
    ns: &str,
    policy: &AuthorizationPolicy,
    out: &mut Vec<Diagnostic>,
) {
    let spec = policy.spec();
    let refs = spec
        .target_ref
        .iter()
        .chain(spec.target_refs.iter().flatten());
    for (i, t) in refs.enumerate() {
        let found = match t.kind.as_str() {
            "Service" => ix
                .services_by_ns
                .get(&(cluster, ns.to_string()))
                .into_iter()
                .flatten()
                .any(|&s| ix.services[s].name == t.name),
            "Gateway" => ix
                .k8s_gateways
                .contains(&(cluster, ns.to_string(), t.name.clone())),
            _ => true,
        };
        if !found {
            out.push(error(
                codes::MS_MESH_10,
                path,
                format!(
                    "spec.targetRefs[{i}]: {} {:?} is not in namespace {ns}, so the policy applies to nothing",
                    t.kind, t.name
                ),
                "fix the name, or add the Service or Gateway (waypoint or ingress) to the namespace",
            ));
        }
    }
}
