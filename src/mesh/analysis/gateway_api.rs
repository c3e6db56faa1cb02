//! The Gateway API analyzed: routes (HTTPRoute, GRPCRoute, TCPRoute,
//! TLSRoute, UDPRoute) against the Gateways, listeners and Services they
//! name, cross-namespace references against ReferenceGrants, Gateways
//! against their GatewayClass, BackendTLSPolicies against their targets
//! (MS-GW-1 to MS-GW-9; istioctl has no analyzer for these). The
//! objects are read as JSON once their CRD schema check passed: every
//! route kind shares the shapes read here (`parentRefs`, `hostnames`,
//! `rules[].backendRefs`).

use crate::mesh::analysis::codes;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::core::Diagnostic;

use super::index::{labels, selects, ApiObject, Index};

const GROUP: &str = "gateway.networking.k8s.io";
const ROUTE_KINDS: &[&str] = &["HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"];
/// The classes Istio creates itself (no GatewayClass object in the input).
const ISTIO_CLASSES: &[&str] = &["istio", "istio-waypoint", "istio-remote", "istio-east-west"];

fn str_at<'j>(v: &'j Json, key: &str) -> Option<&'j str> {
    v.get(key).and_then(Json::as_str)
}

fn list<'j>(v: &'j Json, key: &str) -> &'j [Json] {
    v.get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

fn spec<'o>(o: &'o ApiObject<'_>) -> &'o Json {
    o.json.get("spec").unwrap_or(&Json::Null)
}

/// Whether a route hostname and a listener hostname (either may start
/// with `*.`) can match the same request.
fn hostnames_intersect(a: &str, b: &str) -> bool {
    let wild = |w: &str, h: &str| {
        w.strip_prefix('*')
            .is_some_and(|suffix| h.ends_with(suffix) && h.len() > suffix.len())
    };
    a == b || wild(a, b) || wild(b, a)
}

/// The route kinds a listener admits when `allowedRoutes.kinds` is empty.
fn default_kinds(protocol: &str) -> Option<&'static [&'static str]> {
    match protocol {
        "HTTP" | "HTTPS" => Some(&["HTTPRoute", "GRPCRoute"]),
        "TLS" => Some(&["TLSRoute", "TCPRoute"]),
        "TCP" => Some(&["TCPRoute"]),
        "UDP" => Some(&["UDPRoute"]),
        // HBONE (waypoints) and implementation-specific protocols.
        _ => None,
    }
}

/// Runs the Gateway API checks.
pub fn check(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    if ix.gateway_api.is_empty() {
        return;
    }
    let mut gateways: BTreeMap<(&str, &str, &str), &ApiObject<'_>> = BTreeMap::new();
    let mut grants: BTreeMap<(&str, &str), Vec<&ApiObject<'_>>> = BTreeMap::new();
    let mut classes: BTreeSet<(&str, &str)> = BTreeSet::new();
    for o in &ix.gateway_api {
        match o.kind {
            "Gateway" => {
                gateways.insert((o.cluster, &o.ns, &o.name), o);
            }
            "ReferenceGrant" => grants.entry((o.cluster, &o.ns)).or_default().push(o),
            "GatewayClass" => {
                classes.insert((o.cluster, &o.name));
            }
            _ => {}
        }
    }
    same_matches(ix, out);
    let ctx = Ctx { ix, grants };
    for o in &ix.gateway_api {
        match o.kind {
            k if ROUTE_KINDS.contains(&k) => ctx.route(o, &gateways, out),
            "Gateway" => ctx.gateway(o, &classes, out),
            "BackendTLSPolicy" => ctx.backend_tls_policy(o, out),
            _ => {}
        }
    }
}

struct Ctx<'i, 'a> {
    ix: &'i Index<'a>,
    grants: BTreeMap<(&'i str, &'i str), Vec<&'i ApiObject<'a>>>,
}

impl Ctx<'_, '_> {
    /// The ports of Service `ns/name` in `cluster`, if it exists.
    fn service_ports(&self, cluster: &str, ns: &str, name: &str) -> Option<Vec<i64>> {
        let ids = self.ix.services_by_ns.get(&(cluster, ns.to_string()))?;
        let s = ids
            .iter()
            .map(|&i| &self.ix.services[i])
            .find(|s| s.name == name)?;
        Some(
            s.obj
                .spec
                .as_ref()
                .and_then(|s| s.ports.as_ref())
                .into_iter()
                .flatten()
                .map(|p| i64::from(p.port))
                .collect(),
        )
    }

    /// Whether a ReferenceGrant in `to_ns` lets `from_kind` objects of
    /// `from_ns` refer to `to_kind` `to_name` (core group).
    fn granted(
        &self,
        cluster: &str,
        (from_kind, from_ns): (&str, &str),
        (to_kind, to_ns, to_name): (&str, &str, &str),
    ) -> bool {
        self.grants
            .get(&(cluster, to_ns))
            .into_iter()
            .flatten()
            .any(|g| {
                let s = spec(g);
                let from = list(s, "from").iter().any(|f| {
                    str_at(f, "group") == Some(GROUP)
                        && str_at(f, "kind") == Some(from_kind)
                        && str_at(f, "namespace") == Some(from_ns)
                });
                let to = list(s, "to").iter().any(|t| {
                    matches!(str_at(t, "group"), Some("") | None)
                        && str_at(t, "kind") == Some(to_kind)
                        && str_at(t, "name").is_none_or(|n| n == to_name)
                });
                from && to
            })
    }

    fn route(
        &self,
        r: &ApiObject<'_>,
        gateways: &BTreeMap<(&str, &str, &str), &ApiObject<'_>>,
        out: &mut Vec<Diagnostic>,
    ) {
        let s = spec(r);
        let hostnames: Vec<&str> = list(s, "hostnames")
            .iter()
            .filter_map(Json::as_str)
            .collect();
        for (i, p) in list(s, "parentRefs").iter().enumerate() {
            let at = format!("spec.parentRefs[{i}]");
            let group = str_at(p, "group").unwrap_or(GROUP);
            let kind = str_at(p, "kind").unwrap_or("Gateway");
            let name = str_at(p, "name").unwrap_or("");
            let ns = str_at(p, "namespace").unwrap_or(&r.ns);
            match (group, kind) {
                (GROUP, "Gateway") => {
                    let Some(gw) = gateways.get(&(r.cluster, ns, name)) else {
                        out.push(gw_error(
                            codes::MS_GW_1,
                            r.path,
                            format!("{at}: Gateway {ns}/{name} not found"),
                            "fix the parentRef, or add the Gateway",
                        ));
                        continue;
                    };
                    self.attach(r, &at, p, gw, &hostnames, out);
                }
                ("" | "core", "Service") if self.service_ports(r.cluster, ns, name).is_none() => {
                    out.push(gw_error(
                        codes::MS_GW_1,
                        r.path,
                        format!("{at}: Service {ns}/{name} not found (a mesh route's parent)"),
                        "fix the parentRef, or add the Service",
                    ));
                }
                _ => {}
            }
        }
        for (j, rule) in list(s, "rules").iter().enumerate() {
            let backends = list(rule, "backendRefs");
            for (k, b) in backends.iter().enumerate() {
                let at = format!("spec.rules[{j}].backendRefs[{k}]");
                let group = str_at(b, "group").unwrap_or("");
                let kind = str_at(b, "kind").unwrap_or("Service");
                if !matches!(group, "" | "core") || kind != "Service" {
                    continue;
                }
                let name = str_at(b, "name").unwrap_or("");
                let ns = str_at(b, "namespace").unwrap_or(&r.ns);
                match self.service_ports(r.cluster, ns, name) {
                    None => out.push(gw_error(
                        codes::MS_GW_4,
                        r.path,
                        format!("{at}: Service {ns}/{name} not found"),
                        "fix the backendRef, or add the Service",
                    )),
                    Some(ports) => {
                        if let Some(port) = b.get("port").and_then(Json::as_i64) {
                            if !ports.contains(&port) {
                                out.push(gw_error(codes::MS_GW_4, r.path, format!("{at}: Service {ns}/{name} has no port {port} (ports {ports:?})"), "use one of the Service's ports"));
                            }
                        }
                    }
                }
                if ns != r.ns && !self.granted(r.cluster, (r.kind, &r.ns), ("Service", ns, name)) {
                    out.push(gw_error(codes::MS_GW_5, r.path, format!("{at}: Service {ns}/{name} is in another namespace and no ReferenceGrant in {ns} allows {} from {}", r.kind, r.ns), "add a ReferenceGrant in the Service's namespace (from: this route kind and namespace; to: Service)"));
                }
            }
            let weights: Vec<i64> = backends
                .iter()
                .map(|b| b.get("weight").and_then(Json::as_i64).unwrap_or(1))
                .collect();
            if !weights.is_empty() && weights.iter().all(|w| *w == 0) {
                out.push(
                    Diagnostic::warning(r.path, format!("spec.rules[{j}]: every backendRef has weight 0, so the rule answers every request with an error (500)"))
                        .with_code(codes::MS_GW_6)
                        .with_hint("give at least one backendRef a weight above 0"),
                );
            }
        }
    }

    /// MS-GW-2 / MS-GW-3: the listeners a parentRef selects, whether
    /// one admits the route's kind and namespace, and whether the route's
    /// hostnames meet theirs.
    fn attach(
        &self,
        r: &ApiObject<'_>,
        at: &str,
        p: &Json,
        gw: &ApiObject<'_>,
        hostnames: &[&str],
        out: &mut Vec<Diagnostic>,
    ) {
        let section = str_at(p, "sectionName");
        let port = p.get("port").and_then(Json::as_i64);
        let listeners: Vec<&Json> = list(spec(gw), "listeners")
            .iter()
            .filter(|l| section.is_none_or(|s| str_at(l, "name") == Some(s)))
            .filter(|l| port.is_none_or(|p| l.get("port").and_then(Json::as_i64) == Some(p)))
            .collect();
        let gw_name = format!("{}/{}", gw.ns, gw.name);
        if listeners.is_empty() {
            let which = match (section, port) {
                (Some(s), Some(p)) => format!("named {s:?} on port {p}"),
                (Some(s), None) => format!("named {s:?}"),
                (None, Some(p)) => format!("on port {p}"),
                (None, None) => "at all".to_string(),
            };
            out.push(gw_error(
                codes::MS_GW_2,
                r.path,
                format!("{at}: Gateway {gw_name} has no listener {which}"),
                "fix sectionName/port, or add the listener",
            ));
            return;
        }
        let ns_labels = self
            .ix
            .namespaces
            .get(&(r.cluster, r.ns.clone()))
            .map(|n| labels(&n.obj.metadata.labels));
        let admits = |l: &Json| {
            let allowed = l.get("allowedRoutes").unwrap_or(&Json::Null);
            let namespaces = allowed.get("namespaces").unwrap_or(&Json::Null);
            let ns_ok = match str_at(namespaces, "from").unwrap_or("Same") {
                "All" => true,
                "Same" => r.ns == gw.ns,
                "Selector" => {
                    let sel = namespaces.get("selector").unwrap_or(&Json::Null);
                    let wanted: BTreeMap<String, String> = sel
                        .get("matchLabels")
                        .and_then(|m| serde_json::from_value(m.clone()).ok())
                        .unwrap_or_default();
                    // Expressions are not evaluated: such a selector admits.
                    sel.get("matchExpressions").is_some()
                        || ns_labels.is_some_and(|have| selects(&wanted, have))
                }
                _ => true,
            };
            let kinds = list(allowed, "kinds");
            let kind_ok = if kinds.is_empty() {
                default_kinds(str_at(l, "protocol").unwrap_or(""))
                    .is_none_or(|k| k.contains(&r.kind))
            } else {
                kinds.iter().any(|k| {
                    str_at(k, "kind") == Some(r.kind)
                        && str_at(k, "group").unwrap_or(GROUP) == GROUP
                })
            };
            ns_ok && kind_ok
        };
        let admitting: Vec<&&Json> = listeners.iter().filter(|l| admits(l)).collect();
        if admitting.is_empty() {
            out.push(gw_error(codes::MS_GW_2, r.path, format!("{at}: no listener of Gateway {gw_name} that it selects allows a {} from namespace {} (allowedRoutes)", r.kind, r.ns), "widen the listener's allowedRoutes (namespaces.from, kinds), or attach to another listener"));
            return;
        }
        if hostnames.is_empty() {
            return;
        }
        let meets = admitting.iter().any(|l| match str_at(l, "hostname") {
            None => true,
            Some(lh) => hostnames.iter().any(|h| hostnames_intersect(h, lh)),
        });
        if !meets {
            let listener_hosts: Vec<&str> = admitting
                .iter()
                .filter_map(|l| str_at(l, "hostname"))
                .collect();
            out.push(gw_error(codes::MS_GW_3, r.path, format!("{at}: hostnames [{}] meet no hostname of the listeners of Gateway {gw_name} ([{}]), so the route attaches to nothing", hostnames.join(", "), listener_hosts.join(", ")), "make a route hostname match a listener hostname (or a wildcard of it)"));
        }
    }

    /// MS-GW-7 (class) and MS-GW-5 (cross-namespace certificates).
    fn gateway(
        &self,
        gw: &ApiObject<'_>,
        classes: &BTreeSet<(&str, &str)>,
        out: &mut Vec<Diagnostic>,
    ) {
        let s = spec(gw);
        let class = str_at(s, "gatewayClassName").unwrap_or("");
        let any_class = classes.iter().any(|(c, _)| *c == gw.cluster);
        if any_class && !ISTIO_CLASSES.contains(&class) && !classes.contains(&(gw.cluster, class)) {
            out.push(
                Diagnostic::warning(gw.path, format!("gatewayClassName {class:?} names no GatewayClass of the input (nor one Istio creates): no controller will program this Gateway"))
                    .with_code(codes::MS_GW_7)
                    .with_hint("fix the class name, or add its GatewayClass"),
            );
        }
        for (i, l) in list(s, "listeners").iter().enumerate() {
            let tls = l.get("tls").unwrap_or(&Json::Null);
            for (k, c) in list(tls, "certificateRefs").iter().enumerate() {
                let kind = str_at(c, "kind").unwrap_or("Secret");
                let name = str_at(c, "name").unwrap_or("");
                let group = str_at(c, "group").unwrap_or("");
                let secret_ns = str_at(c, "namespace").unwrap_or(&gw.ns);
                if kind == "Secret" && group.is_empty() {
                    self.certificate_source(gw, (i, k), (secret_ns, name), out);
                }
                let Some(ns) = str_at(c, "namespace").filter(|n| *n != gw.ns) else {
                    continue;
                };
                if kind == "Secret"
                    && !self.granted(gw.cluster, ("Gateway", &gw.ns), ("Secret", ns, name))
                {
                    out.push(gw_error(codes::MS_GW_5, gw.path, format!("spec.listeners[{i}].tls.certificateRefs[{k}]: Secret {ns}/{name} is in another namespace and no ReferenceGrant in {ns} allows Gateways from {}", gw.ns), "add a ReferenceGrant in the Secret's namespace (from: Gateway in this namespace; to: Secret)"));
                }
            }
        }
    }

    /// IST0101: a listener's certificate Secret that nothing in the cluster
    /// creates (no Secret, cert-manager Certificate or ExternalSecret of
    /// that name), as an Istio Gateway's `credentialName` is checked. The
    /// Gateway's `meshsynth.io/tls-credential-sources` annotation names
    /// Secrets made elsewhere.
    fn certificate_source(
        &self,
        gw: &ApiObject<'_>,
        (listener, index): (usize, usize),
        (ns, name): (&str, &str),
        out: &mut Vec<Diagnostic>,
    ) {
        let declared = gw
            .json
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(super::checks::CREDENTIAL_SOURCES_ANNOTATION))
            .and_then(Json::as_str)
            .is_some_and(|v| {
                v.split(',')
                    .filter_map(|p| p.split_once('='))
                    .any(|(n, _)| n.trim() == name)
            });
        let exists = self
            .ix
            .secrets
            .contains_key(&(gw.cluster, ns.to_string(), name.to_string()));
        if !exists && !declared {
            out.push(gw_error(
                codes::IST0101,
                gw.path,
                format!("spec.listeners[{listener}].tls.certificateRefs[{index}]: referenced secret {ns}/{name} not found: the TLS certificate has no source"),
                "add the Secret (or a cert-manager Certificate / ExternalSecret producing it) to the app, or declare its source in the meshsynth.io/tls-credential-sources annotation",
            ));
        }
    }

    /// MS-GW-8: a BackendTLSPolicy whose target Service does not exist.
    fn backend_tls_policy(&self, p: &ApiObject<'_>, out: &mut Vec<Diagnostic>) {
        for (i, t) in list(spec(p), "targetRefs").iter().enumerate() {
            let kind = str_at(t, "kind").unwrap_or("");
            let name = str_at(t, "name").unwrap_or("");
            if kind == "Service" && self.service_ports(p.cluster, &p.ns, name).is_none() {
                out.push(gw_error(codes::MS_GW_8, p.path, format!("spec.targetRefs[{i}]: Service {}/{name} not found, so the policy applies to nothing", p.ns), "fix the target, or add the Service"));
            }
        }
    }
}

/// MS-GW-9: two HTTPRoutes or GRPCRoutes attached to the same parent
/// (Gateway and listener, or Service) with the same match for the same
/// hostname. The Gateway API keeps the older route's rule and ignores the
/// other's, so one of them silently does nothing. Reported on the later
/// route in namespace/name order, naming the other. A rule without
/// matches is the default match (`PathPrefix /`).
fn same_matches(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut routes: Vec<&ApiObject<'_>> = ix
        .gateway_api
        .iter()
        .filter(|o| matches!(o.kind, "HTTPRoute" | "GRPCRoute"))
        .collect();
    routes.sort_by(|a, b| (a.cluster, &a.ns, &a.name).cmp(&(b.cluster, &b.ns, &b.name)));
    // (cluster, kind, parent, hostname, match) → the first route.
    let mut claimed: BTreeMap<(&str, &str, String, String, String), &ApiObject<'_>> =
        BTreeMap::new();
    for r in routes {
        let s = spec(r);
        let mut hosts: Vec<String> = list(s, "hostnames")
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect();
        if hosts.is_empty() {
            hosts.push("*".into());
        }
        let default_match = serde_json::json!({ "path": { "type": "PathPrefix", "value": "/" } });
        let mut reported = false;
        for p in list(s, "parentRefs") {
            let parent = format!(
                "{}/{}/{}/{}/{}",
                str_at(p, "kind").unwrap_or("Gateway"),
                str_at(p, "namespace").unwrap_or(&r.ns),
                str_at(p, "name").unwrap_or(""),
                str_at(p, "sectionName").unwrap_or(""),
                p.get("port")
                    .and_then(Json::as_i64)
                    .map_or(String::new(), |n| n.to_string()),
            );
            for rule in list(s, "rules") {
                let matches = list(rule, "matches");
                let keys: Vec<String> = if matches.is_empty() {
                    vec![default_match.to_string()]
                } else {
                    matches.iter().map(Json::to_string).collect()
                };
                for key in keys {
                    for h in &hosts {
                        let slot = (r.cluster, r.kind, parent.clone(), h.clone(), key.clone());
                        match claimed.get(&slot) {
                            Some(first) if first.path != r.path && !reported => {
                                reported = true;
                                out.push(
                                    Diagnostic::warning(
                                        r.path,
                                        format!(
                                            "{} {}/{} already routes the same match for host {h:?} on the same parent; only one of them takes effect (the older route, or at equal age the first by namespace/name)",
                                            first.kind, first.ns, first.name
                                        ),
                                    )
                                    .with_code(codes::MS_GW_9)
                                    .with_hint("merge the rules into one route, or make the matches or hostnames differ"),
                                );
                            }
                            Some(_) => {}
                            None => {
                                claimed.insert(slot, r);
                            }
                        }
                    }
                }
            }
        }
    }
}

fn gw_error(code: &str, path: &str, message: String, hint: &str) -> Diagnostic {
    Diagnostic::error(path, message)
        .with_code(code)
        .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_meet_through_wildcards() {
        assert!(hostnames_intersect("shop.example.com", "shop.example.com"));
        assert!(hostnames_intersect("*.example.com", "shop.example.com"));
        assert!(hostnames_intersect("shop.example.com", "*.example.com"));
        assert!(!hostnames_intersect("*.example.com", "example.com"));
        assert!(!hostnames_intersect("shop.example.org", "*.example.com"));
    }
}
