//! Security policy checks: selectors, ports, mTLS against DestinationRule TLS.

use crate::mesh::analysis::codes;
use std::collections::{BTreeMap, BTreeSet};

use crate::core::Diagnostic;
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::networking::ClientTlsMode;
use crate::mesh::istio::security::MtlsMode;

use super::{error, warn};
use crate::mesh::analysis::index::{fqdn, labels, selects, Index, Item, PodInfo};

/// Effective mTLS mode for a pod: workload PA, then namespace PA, then mesh-wide (istio-system).
fn mtls_mode(ix: &Index<'_>, pod: &PodInfo<'_>) -> Option<(MtlsMode, String)> {
    let mode_of = |pa: &Item<'_, crate::mesh::istio::security::PeerAuthentication>| {
        pa.obj
            .spec()
            .mtls
            .as_ref()
            .and_then(|m| m.mode)
            .map(|m| (m, pa.path.to_string()))
    };
    let in_cluster = ix
        .peer_authentications
        .iter()
        .filter(|p| p.cluster == pod.cluster);
    let mut ns_level = None;
    let mut mesh_level = None;
    for pa in in_cluster {
        match &pa.obj.spec().selector {
            Some(sel) if pa.ns == pod.ns && selects(labels(&sel.match_labels), &pod.labels) => {
                if let Some(m) = mode_of(pa) {
                    return Some(m);
                }
            }
            None if pa.ns == pod.ns => ns_level = ns_level.or_else(|| mode_of(pa)),
            None if pa.ns == crate::mesh::istio::install::ISTIO_SYSTEM => {
                mesh_level = mesh_level.or_else(|| mode_of(pa))
            }
            _ => {}
        }
    }
    ns_level.or(mesh_level)
}

/// Policies: selectors that match nothing (IST0101 for Sidecars and
/// Telemetries, IST0127 for AuthorizationPolicies, MS-MESH-6 for the
/// authentication policies), IST0167, MS-MESH-5 (mTLS vs DR TLS).
pub fn policies(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut selected = peer_authentications(ix, out);
    authorization_policy_namespaces(ix, out);
    authorization_policy_principals(ix, out);
    gateway_api_selectors(ix, out);
    selected.extend(authorization_policy_ports(ix, out));
    selected.extend(ix.request_authentications.iter().filter_map(|p| {
        let s = p.obj.spec().selector.as_ref()?;
        Some(entry(p, labels(&s.match_labels), "RequestAuthentication"))
    }));
    selected.extend(ix.telemetries.iter().filter_map(|p| {
        let s = p.obj.spec().selector.as_ref()?;
        Some(entry(p, labels(&s.match_labels), "Telemetry"))
    }));
    selected.extend(ix.sidecars.iter().filter_map(|p| {
        let s = p.obj.spec().workload_selector.as_ref()?;
        Some(entry(p, labels(&s.labels), "Sidecar"))
    }));
    selectors_matching_nothing(ix, selected, out);
    // PeerAuthentication mode against DestinationRule TLS.
    mtls_against_destination_rules(ix, out);
}

/// (path, cluster, namespace, selector, kind) of a selector-bearing policy.
type Selected<'x> = (
    &'x str,
    &'x str,
    &'x str,
    &'x BTreeMap<String, String>,
    &'x str,
);

fn entry<'x, T>(
    p: &'x Item<'x, T>,
    sel: &'x BTreeMap<String, String>,
    kind: &'x str,
) -> Selected<'x> {
    (p.path, p.cluster, &p.ns, sel, kind)
}

/// IST0167 for port-level mTLS without a selector; the selectors.
fn peer_authentications<'x>(ix: &'x Index<'x>, out: &mut Vec<Diagnostic>) -> Vec<Selected<'x>> {
    let mut selected = Vec::new();
    for p in &ix.peer_authentications {
        if let Some(s) = &p.obj.spec().selector {
            selected.push(entry(p, labels(&s.match_labels), "PeerAuthentication"));
        } else if p.obj.spec().port_level_mtls.is_some() {
            out.push(warn(
                codes::IST0167,
                p.path,
                "portLevelMtls has no effect without a workload selector".into(),
                "add spec.selector, or set the mode namespace-wide",
            ));
        }
    }
    selected
}

/// IST0167 for a rule port that is not a port of the selected workloads;
/// the selectors.
fn authorization_policy_ports<'x>(
    ix: &'x Index<'x>,
    out: &mut Vec<Diagnostic>,
) -> Vec<Selected<'x>> {
    let mut selected = Vec::new();
    for p in &ix.authorization_policies {
        if let Some(s) = &p.obj.spec().selector {
            selected.push(entry(p, labels(&s.match_labels), "AuthorizationPolicy"));
            let pods = ix.pods_selected(p.cluster, &p.ns, labels(&s.match_labels));
            let container_ports: BTreeSet<String> = pods
                .iter()
                .filter_map(|p| p.spec)
                .flat_map(|s| s.containers.iter())
                .flat_map(|c| c.ports.iter().flatten())
                .map(|cp| cp.container_port.to_string())
                .collect();
            if !pods.is_empty() && !container_ports.is_empty() {
                for (i, r) in p.obj.spec().rules.iter().flatten().enumerate() {
                    for to in r.to.iter().flatten() {
                        let ports = to.operation.as_ref().and_then(|o| o.ports.as_ref());
                        for port in ports.into_iter().flatten() {
                            if !container_ports.contains(port) {
                                out.push(warn(
                                    codes::IST0167,
                                    p.path,
                                    format!("spec.rules[{i}]: port {port} is not a port of the selected workloads ({}), so the rule never matches", super::list_text(container_ports.iter())),
                                    "use the container (target) port",
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    selected
}

/// IST0101, IST0127 and MS-MESH-6: a selector that matches no workload.
fn selectors_matching_nothing(
    ix: &Index<'_>,
    selected: Vec<Selected<'_>>,
    out: &mut Vec<Diagnostic>,
) {
    for (path, cluster, ns, sel, kind) in selected {
        // An AuthorizationPolicy in the root namespace selects workloads
        // of every namespace.
        let root = kind == "AuthorizationPolicy" && ns == crate::mesh::istio::install::ISTIO_SYSTEM;
        let none = if root {
            !ix.pods
                .iter()
                .any(|p| p.cluster == cluster && selects(sel, &p.labels))
        } else {
            ix.pods_selected(cluster, ns, sel).is_empty()
        };
        if !sel.is_empty() && none {
            // istioctl's codes where it has an analyzer for the kind (the
            // level kept an error: a policy or Sidecar meant for a workload
            // that applies to none is a silent hole).
            let code = match kind {
                "Sidecar" | "Telemetry" => codes::IST0101,
                "AuthorizationPolicy" => codes::IST0127,
                _ => codes::MS_MESH_6,
            };
            out.push(error(
                code,
                path,
                format!("{kind} selector {} matches no workload in namespace {ns}: referenced selector not found", super::labels_text(sel)),
                "fix the labels, or add the workload it is meant for",
            ));
        }
    }
}

/// MS-MESH-5: a DestinationRule's TLS mode the destination's
/// PeerAuthentication refuses.
fn mtls_against_destination_rules(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for dr in &ix.destination_rules {
        let Some(mode) = dr
            .obj
            .spec()
            .traffic_policy
            .as_ref()
            .and_then(|t| t.tls.as_ref())
            .and_then(|t| t.mode)
        else {
            continue;
        };
        let host = fqdn(&dr.obj.spec().host, &dr.ns);
        let Some(svc) = ix
            .services_by_host
            .get(&host)
            .into_iter()
            .flatten()
            .map(|&i| &ix.services[i])
            .find(|s| s.cluster == dr.cluster)
        else {
            continue;
        };
        let Some(sel) = svc.obj.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
            continue;
        };
        for pod in ix.pods_selected(svc.cluster, &svc.ns, sel) {
            let Some((pa, pa_path)) = mtls_mode(ix, pod) else {
                continue;
            };
            let conflict = match (pa, mode) {
                (MtlsMode::Strict, ClientTlsMode::Disable) => Some("sends plaintext"),
                (MtlsMode::Strict, ClientTlsMode::Simple | ClientTlsMode::Mutual) => {
                    Some("sends non-Istio TLS")
                }
                (MtlsMode::Disable, ClientTlsMode::IstioMutual) => Some("sends Istio mTLS"),
                _ => None,
            };
            if let Some(what) = conflict {
                out.push(error(
                    codes::MS_MESH_5,
                    dr.path,
                    format!(
                        "traffic to {} {what}, but {pa_path} sets mTLS {} for its pods: requests will fail",
                        dr.obj.spec().host,
                        super::enum_text(&pa)
                    ),
                    "use tls.mode ISTIO_MUTUAL (or drop the DestinationRule TLS setting) to match the PeerAuthentication",
                ));
                break;
            }
        }
    }
}

/// IST0101 for an AuthorizationPolicy source `namespaces`/`notNamespaces`
/// entry (exact, `prefix*`, `*suffix` or `*`) that matches no namespace of
/// its cluster, and IST0127 for a namespace-wide policy (no selector, not
/// in the root namespace) in a namespace without workloads. Namespaces are
/// the Namespace objects and the namespaces objects live in.
fn authorization_policy_namespaces(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let known = ix.namespaces_in_use();
    let matches = |cluster: &str, pattern: &str| {
        known.iter().filter(|(c, _)| *c == cluster).any(|(_, ns)| {
            if pattern == "*" {
                true
            } else if let Some(suffix) = pattern.strip_prefix('*') {
                ns.ends_with(suffix)
            } else if let Some(prefix) = pattern.strip_suffix('*') {
                ns.starts_with(prefix)
            } else {
                *ns == pattern
            }
        })
    };
    for p in &ix.authorization_policies {
        let spec = p.obj.spec();
        for (i, r) in spec.rules.iter().flatten().enumerate() {
            for (j, from) in r.from.iter().flatten().enumerate() {
                let Some(src) = &from.source else { continue };
                for (field, list) in [
                    ("namespaces", &src.namespaces),
                    ("notNamespaces", &src.not_namespaces),
                ] {
                    for ns in list.iter().flatten() {
                        if !matches(p.cluster, ns) {
                            out.push(error(
                                codes::IST0101,
                                p.path,
                                format!("spec.rules[{i}].from[{j}].source.{field}: referenced namespace {ns:?} not found"),
                                "fix the namespace name or pattern, or create the namespace",
                            ));
                        }
                    }
                }
            }
        }
        if spec.selector.is_none()
            && p.ns != crate::mesh::istio::install::ISTIO_SYSTEM
            && !ix.pods_by_ns.contains_key(&(p.cluster, p.ns.clone()))
        {
            out.push(error(
                codes::IST0127,
                p.path,
                format!("namespace-wide AuthorizationPolicy in namespace {} matches no workload: there is none in the namespace", p.ns),
                "move the policy to the namespace of the workloads it is meant for",
            ));
        }
    }
}

use crate::mesh::gateway_api::GATEWAY_NAME_LABEL;

/// IST0166: an AuthorizationPolicy, RequestAuthentication or Telemetry
/// whose `selector` picks the pods of a Gateway API Gateway (label
/// `gateway.networking.k8s.io/gateway-name`) and has no `targetRef(s)`:
/// Istio applies policies to such gateways only through `targetRefs`, so
/// the selector has no effect.
fn gateway_api_selectors(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut check = |path: &str,
                     cluster: &str,
                     ns: &str,
                     sel: &BTreeMap<String, String>,
                     kind: &str,
                     targeted: bool| {
        if targeted || sel.is_empty() {
            return;
        }
        let gateway_pod = ix
            .pods_selected(cluster, ns, sel)
            .into_iter()
            .find_map(|p| p.labels.get(GATEWAY_NAME_LABEL));
        let gateway = gateway_pod.or_else(|| sel.get(GATEWAY_NAME_LABEL));
        if let Some(gw) = gateway {
            out.push(warn(
                codes::IST0166,
                path,
                format!("{kind} selects the pods of Gateway API gateway {gw:?} with a selector, which Istio ignores for such gateways"),
                "attach it with targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: <gateway>}] instead of a selector",
            ));
        }
    };
    // (path, cluster, namespace, selector labels, kind, has targetRef(s)).
    macro_rules! selecting {
        ($items:expr, $kind:literal) => {
            $items.iter().filter_map(|p| {
                let s = p.obj.spec();
                let sel = s.selector.as_ref()?;
                let targeted =
                    s.target_ref.is_some() || s.target_refs.as_ref().is_some_and(|t| !t.is_empty());
                Some((
                    p.path,
                    p.cluster,
                    p.ns.as_str(),
                    labels(&sel.match_labels),
                    $kind,
                    targeted,
                ))
            })
        };
    }
    let policies = selecting!(ix.authorization_policies, "AuthorizationPolicy")
        .chain(selecting!(
            ix.request_authentications,
            "RequestAuthentication"
        ))
        .chain(selecting!(ix.telemetries, "Telemetry"));
    for (path, cluster, ns, sel, kind, targeted) in policies {
        check(path, cluster, ns, sel, kind, targeted);
    }
    for w in &ix.wasm_plugins {
        let spec = w.json.get("spec").unwrap_or(&serde_json::Value::Null);
        let sel: BTreeMap<String, String> = spec
            .pointer("/selector/matchLabels")
            .and_then(|m| serde_json::from_value(m.clone()).ok())
            .unwrap_or_default();
        let targeted = spec.get("targetRef").is_some()
            || spec
                .get("targetRefs")
                .and_then(|t| t.as_array())
                .is_some_and(|t| !t.is_empty());
        check(w.path, w.cluster, &w.ns, &sel, "WasmPlugin", targeted);
    }
}

/// MS-MESH-11: an AuthorizationPolicy source principal
/// (`<trust domain>/ns/<namespace>/sa/<service account>`) naming a
/// namespace nothing creates, or a service account its namespace does not
/// have (checked where the input has ServiceAccounts in that namespace, as
/// a synthesized app always does): the real caller would be refused.
fn authorization_policy_principals(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut namespaces = ix.namespaces_in_use();
    namespaces.extend(ix.service_accounts.iter().map(|(c, n, _)| (*c, n.as_str())));
    for p in &ix.authorization_policies {
        for (i, r) in p.obj.spec().rules.iter().flatten().enumerate() {
            for (j, from) in r.from.iter().flatten().enumerate() {
                let Some(src) = &from.source else { continue };
                for principal in src.principals.iter().flatten() {
                    if principal.contains('*') {
                        continue;
                    }
                    let parts: Vec<&str> = principal.split('/').collect();
                    let [_, "ns", ns, "sa", sa] = parts.as_slice() else {
                        continue;
                    };
                    let at = format!("spec.rules[{i}].from[{j}].source.principals");
                    let here = namespaces
                        .iter()
                        .filter(|(c, _)| *c == p.cluster)
                        .map(|(_, n)| *n);
                    if !crate::k8s::BUILTIN_NAMESPACES.contains(ns)
                        && *ns != crate::mesh::istio::install::ISTIO_SYSTEM
                        && !namespaces.contains(&(p.cluster, *ns))
                    {
                        let hint = match crate::core::names::closest(ns, here) {
                            Some(m) => format!("did you mean namespace {m:?}? Fix the caller, or create the namespace"),
                            None => "fix the caller's namespace, or create the namespace".to_string(),
                        };
                        out.push(error(
                            codes::MS_MESH_11,
                            p.path,
                            format!("{at}: {principal:?} names namespace {ns:?}, which nothing creates: that caller does not exist"),
                            &hint,
                        ));
                        continue;
                    }
                    // The namespace's accounts, read as a range of the
                    // sorted set: a scan of every account for every
                    // principal grew with their product.
                    let from = (p.cluster, ns.to_string(), String::new());
                    let accounts: Vec<&str> = ix
                        .service_accounts
                        .range(from..)
                        .take_while(|(c, n, _)| *c == p.cluster && n == ns)
                        .map(|(_, _, a)| a.as_str())
                        .collect();
                    // Istio creates the accounts of the Gateways it deploys:
                    // a waypoint's is its name, another Gateway's `<name>-istio`.
                    let deployed = ix
                        .k8s_gateways
                        .iter()
                        .filter(|(c, n, _)| *c == p.cluster && n == ns)
                        .any(|(_, _, g)| *sa == g || sa.strip_suffix("-istio") == Some(g.as_str()))
                        || uses_waypoint(ix, p.cluster, ns, sa);
                    if !accounts.is_empty()
                        && *sa != "default"
                        && !deployed
                        && !accounts.contains(sa)
                    {
                        let hint = match crate::core::names::closest(sa, accounts.iter().copied()) {
                            Some(m) => format!("did you mean service account {m:?}? Fix the caller, or create the account"),
                            None => "fix the caller's service account, or create it".to_string(),
                        };
                        out.push(error(
                            codes::MS_MESH_11,
                            p.path,
                            format!("{at}: {principal:?} names service account {sa:?}, which namespace {ns} does not have: that caller does not exist"),
                            &hint,
                        ));
                    }
                }
            }
        }
    }
}

/// Whether a Service or the Namespace of `ns` enrolls in waypoint `name`
/// (`istio.io/use-waypoint`): its identity is the waypoint's, and a missing
/// waypoint is MS-MESH-10's to report.
fn uses_waypoint(ix: &Index<'_>, cluster: &str, ns: &str, name: &str) -> bool {
    let named = |l: &BTreeMap<String, String>| {
        l.get(crate::mesh::gateway_api::USE_WAYPOINT_LABEL)
            .is_some_and(|w| w == name)
    };
    ix.namespaces
        .get(&(cluster, ns.to_string()))
        .is_some_and(|n| named(labels(&n.obj.metadata.labels)))
        || ix
            .services_by_ns
            .get(&(cluster, ns.to_string()))
            .into_iter()
            .flatten()
            .any(|&i| named(labels(&ix.services[i].obj.metadata.labels)))
}
