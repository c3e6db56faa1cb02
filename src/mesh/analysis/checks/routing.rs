//! VirtualService checks: destinations, rule order and matches, hosts
//! claimed twice (gateway bindings are `bindings`).

use crate::mesh::analysis::codes;
use std::collections::{BTreeMap, BTreeSet};

use crate::core::Diagnostic;
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::networking::{Destination, VirtualService};

use super::{error, warn};
use crate::mesh::analysis::index::{fqdn, host_matches, Index, Item};

/// Gateways a VirtualService binds to; `None` entries are `mesh`.
pub(super) fn vs_gateways(vs: &Item<'_, VirtualService>) -> Vec<Option<(String, String)>> {
    match &vs.obj.spec().gateways {
        None => vec![None],
        Some(g) if g.is_empty() => vec![None],
        Some(g) => g
            .iter()
            .map(|g| {
                if g == "mesh" {
                    None
                } else {
                    Some(match g.split_once('/') {
                        Some((ns, n)) => (ns.to_string(), n.to_string()),
                        None => (vs.ns.clone(), g.clone()),
                    })
                }
            })
            .collect(),
    }
}

fn mesh_bound(vs: &Item<'_, VirtualService>) -> bool {
    vs_gateways(vs).iter().any(Option::is_none)
}

/// Every destination of a VirtualService with a field path.
fn destinations(vs: &VirtualService) -> Vec<(String, &Destination)> {
    let mut out = Vec::new();
    for (i, r) in vs.spec().http.iter().flatten().enumerate() {
        for (j, d) in r.route.iter().flatten().enumerate() {
            out.push((format!("spec.http[{i}].route[{j}]"), &d.destination));
        }
        if let Some(m) = &r.mirror {
            out.push((format!("spec.http[{i}].mirror"), m));
        }
        for (j, m) in r.mirrors.iter().flatten().enumerate() {
            out.push((format!("spec.http[{i}].mirrors[{j}]"), &m.destination));
        }
    }
    for (i, r) in vs.spec().tcp.iter().flatten().enumerate() {
        for (j, d) in r.route.iter().flatten().enumerate() {
            out.push((format!("spec.tcp[{i}].route[{j}]"), &d.destination));
        }
    }
    for (i, r) in vs.spec().tls.iter().flatten().enumerate() {
        for (j, d) in r.route.iter().flatten().enumerate() {
            out.push((format!("spec.tls[{i}].route[{j}]"), &d.destination));
        }
    }
    out
}

/// Destination checks: IST0101 (host, subset), IST0112, IST0140, MS-MESH-1.
pub fn virtual_service_destinations(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let subset_routed = subset_routed(ix);
    for vs in &ix.virtual_services {
        let gateway_bound = vs_gateways(vs).iter().any(Option::is_some);
        let export_to = vs.obj.spec().export_to.as_deref().unwrap_or_default();
        for (field, d) in destinations(vs.obj) {
            let host = fqdn(&d.host, &vs.ns);
            destination_host(ix, vs, (&field, d), &host, export_to, out);
            // The subset is still checked: one finding per problem, and an
            // unknown host must not hide a missing subset.
            destination_subset(ix, vs, (&field, d), &host, out);
            if gateway_bound && d.subset.is_none() {
                if let Some(mesh_vs) = subset_routed.get(&(vs.cluster, host.clone())) {
                    out.push(warn(
                        codes::IST0140,
                        vs.path,
                        format!("{field}: the subset rules of {mesh_vs} for {:?} have no effect on requests through this gateway route, which names no subset", d.host),
                        "route the gateway traffic to a subset here too, or bind the mesh VirtualService to the gateway",
                    ));
                }
            }
        }
        // Weights.
        route_weights(vs, out);
    }
}

/// Mesh-only VirtualServices with subset routing, per (cluster, host).
fn subset_routed<'a>(ix: &Index<'a>) -> BTreeMap<(&'a str, String), &'a str> {
    let mut subset_routed: BTreeMap<(&str, String), &str> = BTreeMap::new();
    for vs in &ix.virtual_services {
        if vs_gateways(vs).iter().all(Option::is_none)
            && destinations(vs.obj).iter().any(|(_, d)| d.subset.is_some())
        {
            for h in vs.obj.spec().hosts.iter().flatten() {
                subset_routed.insert((vs.cluster, fqdn(h, &vs.ns)), vs.path);
            }
        }
    }
    subset_routed
}

/// IST0101 (host or port unknown, or not exported here) and IST0112 (a
/// multi-port host without a port).
fn destination_host(
    ix: &Index<'_>,
    vs: &Item<'_, VirtualService>,
    (field, d): (&str, &Destination),
    host: &str,
    export_to: &[String],
    out: &mut Vec<Diagnostic>,
) {
    match ix.destination(host, &vs.ns, export_to) {
        None => {
            let why = if ix.host_known(host) {
                format!(
                    "its Service or ServiceEntry is not exported to namespace {:?}",
                    vs.ns
                )
            } else {
                "no Service or ServiceEntry".to_string()
            };
            out.push(error(
                codes::IST0101,
                vs.path,
                format!("{field}: referenced host {:?} not found ({why})", d.host),
                "define the Service or a ServiceEntry for the host, export it to this namespace, or fix the destination",
            ));
        }
        Some(entry) => match d.port.as_ref().and_then(|p| p.number).map(i64::from) {
            None if entry.ports.len() > 1 => {
                let ports: Vec<String> = entry.ports.iter().map(i64::to_string).collect();
                out.push(error(
                    codes::IST0112,
                    vs.path,
                    format!(
                        "{field}: host {:?} exposes ports {}; the destination must say which",
                        d.host,
                        ports.join(", ")
                    ),
                    "set destination.port.number",
                ));
            }
            Some(port) if !entry.ports.contains(&port) => {
                out.push(error(
                    codes::IST0101,
                    vs.path,
                    format!("{field}: referenced host:port {}:{port} not found (the host has no port {port})", d.host),
                    "use one of the host's ports in destination.port.number",
                ));
            }
            _ => {}
        },
    }
}

/// IST0101: a subset no DestinationRule of the host defines.
fn destination_subset(
    ix: &Index<'_>,
    vs: &Item<'_, VirtualService>,
    (field, d): (&str, &Destination),
    host: &str,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(subset) = &d.subset {
        let defined = ix
            .drs_by_host
            .get(&(vs.cluster, host.to_string()))
            .into_iter()
            .flatten()
            .any(|&i| {
                ix.destination_rules[i]
                    .obj
                    .spec()
                    .subsets
                    .iter()
                    .flatten()
                    .any(|s| &s.name == subset)
            });
        if !defined {
            out.push(error(
                codes::IST0101,
                vs.path,
                format!("{field}: referenced subset {subset:?} of host {:?} not found in any DestinationRule", d.host),
                "define the subset in the host's DestinationRule, or route to an existing subset",
            ));
        }
    }
}

/// MS-MESH-1: weights of a rule's destinations that do not add up to 100.
fn route_weights(vs: &Item<'_, VirtualService>, out: &mut Vec<Diagnostic>) {
    let mut groups: Vec<(String, Vec<Option<i32>>)> = Vec::new();
    for (i, r) in vs.obj.spec().http.iter().flatten().enumerate() {
        if let Some(route) = &r.route {
            groups.push((
                format!("spec.http[{i}]"),
                route.iter().map(|d| d.weight).collect(),
            ));
        }
    }
    for (i, r) in vs.obj.spec().tcp.iter().flatten().enumerate() {
        groups.push((
            format!("spec.tcp[{i}]"),
            r.route.iter().flatten().map(|d| d.weight).collect(),
        ));
    }
    for (i, r) in vs.obj.spec().tls.iter().flatten().enumerate() {
        groups.push((
            format!("spec.tls[{i}]"),
            r.route.iter().flatten().map(|d| d.weight).collect(),
        ));
    }
    for (field, ws) in groups {
        if ws.len() > 1 {
            let sum: i32 = ws.iter().map(|w| w.unwrap_or(0)).sum();
            if sum != 100 {
                out.push(error(
                    codes::MS_MESH_1,
                    vs.path,
                    format!("{field}: route weights sum to {sum}, not 100"),
                    "make the weights of the rule's destinations add up to 100",
                ));
            }
        }
    }
}

/// IST0130 / IST0131: unreachable rules and ineffective matches, of HTTP,
/// TCP and TLS rules alike, as Istio's validation decides them: a match is
/// ineffective when an earlier rule has the same one (names aside) or, for
/// HTTP, when an earlier URI prefix with the same other conditions covers
/// it; a rule is unreachable when all its matches are, or when a rule
/// without matches comes before it.
pub fn virtual_service_rules(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for vs in &ix.virtual_services {
        invalid_regexes(vs, out);
        let spec = vs.obj.spec();
        let http: Vec<Vec<String>> = spec
            .http
            .iter()
            .flatten()
            .map(|r| {
                let matches = r.r#match.as_deref().unwrap_or_default();
                matches
                    .iter()
                    .map(|m| {
                        let mut m = m.clone();
                        m.name = None;
                        match_key(&m)
                    })
                    .collect()
            })
            .collect();
        unreachable_rules(vs.path, "http", &http, out);
        let tcp: Vec<Vec<String>> = spec
            .tcp
            .iter()
            .flatten()
            .map(|r| r.r#match.iter().flatten().map(match_key).collect())
            .collect();
        unreachable_rules(vs.path, "tcp", &tcp, out);
        let tls: Vec<Vec<String>> = spec
            .tls
            .iter()
            .flatten()
            .map(|r| r.r#match.iter().map(match_key).collect())
            .collect();
        unreachable_rules(vs.path, "tls", &tls, out);
        overlapping_prefixes(vs, out);
    }
}

/// A match's identity: its JSON, the way Istio compares them.
fn match_key<T: serde::Serialize>(m: &T) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

/// The duplicate-match pass over one list of rules (`field` is `http`,
/// `tcp` or `tls`), each given by its matches' keys.
fn unreachable_rules(path: &str, field: &str, rules: &[Vec<String>], out: &mut Vec<Diagnostic>) {
    let mut first_rule_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut catch_all: Option<usize> = None;
    for (i, keys) in rules.iter().enumerate() {
        if let Some(c) = catch_all {
            let why = if keys.is_empty() {
                "only the last rule may have no matches"
            } else {
                "it matches every request"
            };
            out.push(warn(
                codes::IST0130,
                path,
                format!(
                    "spec.{field}[{i}] is unreachable: spec.{field}[{c}] has no match, so {why}"
                ),
                "move the rule without matches last",
            ));
            if keys.is_empty() {
                catch_all = Some(i);
            }
            continue;
        }
        if keys.is_empty() {
            catch_all = Some(i);
            continue;
        }
        let mut repeated = 0;
        for (j, k) in keys.iter().enumerate() {
            match first_rule_of.get(k.as_str()) {
                Some(&earlier) => {
                    repeated += 1;
                    out.push(warn(
                        codes::IST0131,
                        path,
                        format!("spec.{field}[{i}].match[{j}] is ineffective: spec.{field}[{earlier}] has the same match"),
                        "remove the duplicate match",
                    ));
                }
                None => {
                    first_rule_of.insert(k, i);
                }
            }
        }
        if repeated == keys.len() {
            out.push(warn(
                codes::IST0130,
                path,
                format!("spec.{field}[{i}] is unreachable: every match repeats an earlier rule's"),
                "remove the rule or change its matches",
            ));
        }
    }
}

/// An HTTP match with a URI prefix, reduced to what the overlap test
/// compares (string matches as `exact:…`, `prefix:…` or `regex:…`, no
/// condition as empty).
struct PrefixMatch {
    rule: usize,
    index: usize,
    prefix: String,
    port: Option<i64>,
    method: String,
    authority: String,
    headers: BTreeMap<String, String>,
    query: BTreeMap<String, String>,
    without: BTreeMap<String, String>,
}

fn exact_or_prefix(m: Option<&crate::mesh::istio::networking::StringMatch>) -> String {
    let Some(m) = m else {
        return String::new();
    };
    match (&m.exact, &m.prefix, &m.regex) {
        (Some(e), _, _) if !e.is_empty() => format!("exact:{e}"),
        (_, Some(p), _) if !p.is_empty() => format!("prefix:{p}"),
        (_, _, Some(r)) => format!("regex:{r}"),
        _ => String::new(),
    }
}

/// Every request `b` matches, `a` matches too: `a` has no condition, the
/// same one, or a prefix that `b`'s exact value or prefix extends. (Istio's
/// validation counts a missing method as `GET` and tests prefixes the other
/// way round; this is what is true of requests.)
fn covers(a: &str, b: &str) -> bool {
    if a.is_empty() || a == b {
        return true;
    }
    let Some(p) = a.strip_prefix("prefix:") else {
        return false;
    };
    let value = b
        .strip_prefix("prefix:")
        .or_else(|| b.strip_prefix("exact:"));
    value.is_some_and(|v| v.starts_with(p))
}

/// Each condition of `a` covers `b`'s on the same key (`b` may add more).
fn covers_map(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
    a.iter()
        .all(|(k, v)| b.get(k).is_some_and(|w| covers(v, w)))
}

/// IST0131 for an HTTP match whose URI prefix extends an earlier match's
/// prefix while every other condition is the same (Istio's overlap check).
fn overlapping_prefixes(vs: &Item<'_, VirtualService>, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut found: Vec<PrefixMatch> = Vec::new();
    let rules = vs.obj.spec().http.as_deref().unwrap_or_default();
    let mut catch_all = false;
    for (i, r) in rules.iter().enumerate() {
        let matches = r.r#match.as_deref().unwrap_or_default();
        if matches.is_empty() || catch_all {
            catch_all = true;
            continue;
        }
        for (j, m) in matches.iter().enumerate() {
            let mut unnamed = m.clone();
            unnamed.name = None;
            if !seen.insert(match_key(&unnamed)) {
                continue;
            }
            let Some(prefix) = m.uri.as_ref().and_then(|u| u.prefix.clone()) else {
                continue;
            };
            if prefix.is_empty() {
                continue;
            }
            let map =
                |m: &Option<BTreeMap<String, crate::mesh::istio::networking::StringMatch>>| {
                    m.iter()
                        .flatten()
                        .map(|(k, v)| (k.clone(), exact_or_prefix(Some(v))))
                        .collect()
                };
            let method = exact_or_prefix(m.method.as_ref());
            found.push(PrefixMatch {
                rule: i,
                index: j,
                prefix,
                port: m.port.map(i64::from),
                method,
                authority: exact_or_prefix(m.authority.as_ref()),
                headers: map(&m.headers),
                query: map(&m.query_params),
                without: map(&m.without_headers),
            });
        }
    }
    for (n, a) in found.iter().enumerate() {
        for b in &found[n + 1..] {
            if b.prefix != a.prefix
                && b.prefix.starts_with(&a.prefix)
                && a.port == b.port
                && covers(&a.method, &b.method)
                && covers(&a.authority, &b.authority)
                && covers_map(&a.headers, &b.headers)
                && covers_map(&a.query, &b.query)
                && a.without == b.without
            {
                out.push(warn(
                    codes::IST0131,
                    vs.path,
                    format!(
                        "spec.http[{}].match[{}] (prefix {:?}) is ineffective: spec.http[{}].match[{}] (prefix {:?}) matches every request it would",
                        b.rule, b.index, b.prefix, a.rule, a.index, a.prefix
                    ),
                    "put the longer prefix first, or make the conditions differ",
                ));
            }
        }
    }
}

/// IST0109: mesh VirtualServices whose hosts overlap (the same host, or a
/// wildcard covering the other's) where both are visible: either is
/// exported everywhere (no `exportTo`, or `*`), or both are in one
/// namespace. Every VirtualService of a conflict is reported once, naming
/// the others, as istioctl does.
pub fn conflicting_mesh_hosts(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    struct Claim {
        vs: usize,
        host: String,
        everywhere: bool,
    }
    let mut exact: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    let mut wildcards: Vec<usize> = Vec::new();
    let mut claims: Vec<Claim> = Vec::new();
    for (n, vs) in ix.virtual_services.iter().enumerate() {
        if !mesh_bound(vs) {
            continue;
        }
        let export_to = vs.obj.spec().export_to.as_deref().unwrap_or_default();
        let everywhere = export_to.is_empty() || export_to.iter().any(|e| e == "*");
        for h in vs.obj.spec().hosts.iter().flatten() {
            claims.push(Claim {
                vs: n,
                host: fqdn(h, &vs.ns),
                everywhere,
            });
        }
    }
    for (c, claim) in claims.iter().enumerate() {
        if claim.host.contains('*') {
            wildcards.push(c);
        }
    }
    for (c, claim) in claims.iter().enumerate() {
        if !claim.host.contains('*') {
            let cluster = ix.virtual_services[claim.vs].cluster;
            exact
                .entry((cluster, claim.host.as_str()))
                .or_default()
                .push(c);
        }
    }
    // Each VirtualService's conflicts: (the other VirtualService, the host).
    let mut conflicts: BTreeMap<usize, Vec<(usize, &str)>> = BTreeMap::new();
    let mut pair = |a: usize, b: usize| {
        let (x, y) = (&claims[a], &claims[b]);
        if x.vs == y.vs {
            return;
        }
        let (vx, vy) = (&ix.virtual_services[x.vs], &ix.virtual_services[y.vs]);
        let visible = x.everywhere || y.everywhere || vx.ns == vy.ns;
        if vx.cluster != vy.cluster || !visible {
            return;
        }
        if !(host_matches(&x.host, &y.host) || host_matches(&y.host, &x.host)) {
            return;
        }
        conflicts.entry(x.vs).or_default().push((y.vs, &x.host));
        conflicts.entry(y.vs).or_default().push((x.vs, &y.host));
    };
    for group in exact.values() {
        for (k, &a) in group.iter().enumerate() {
            for &b in &group[k + 1..] {
                pair(a, b);
            }
        }
    }
    let wild: Vec<bool> = claims.iter().map(|c| c.host.contains('*')).collect();
    for &w in &wildcards {
        for (other, &other_wild) in wild.iter().enumerate() {
            // Two wildcards meet once (from the first of them).
            if other != w && !(other_wild && other < w) {
                pair(w, other);
            }
        }
    }
    for (vs, mut with) in conflicts {
        with.sort();
        with.dedup();
        let host = with[0].1;
        let others: BTreeSet<&str> = with
            .iter()
            .map(|(o, _)| ix.virtual_services[*o].path)
            .collect();
        let others: Vec<&str> = others.into_iter().collect();
        out.push(error(
            codes::IST0109,
            ix.virtual_services[vs].path,
            format!(
                "host {host:?} is also routed for the mesh by {}; sidecars would pick one at random",
                others.join(", ")
            ),
            "merge the rules into one VirtualService per host, or limit them with exportTo",
        ));
    }
}

/// IST0149: a gateway-bound VirtualService routing on a JWT claim
/// (`@request.auth.claims.…` header match) through a gateway whose
/// workloads no RequestAuthentication applies to: the claim is never
/// populated, so the match never succeeds. A RequestAuthentication applies
/// when it is mesh-wide (`istio-system`, no selector), namespace-wide in
/// the gateway workload's namespace, or selects it; with no workload in the
/// input, one in the Gateway's namespace or `istio-system` whose selector
/// is within the Gateway's counts.
pub fn jwt_claim_routes(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    use crate::mesh::analysis::index::{labels, selects};
    use crate::mesh::istio::install::ISTIO_SYSTEM;
    for vs in &ix.virtual_services {
        let claim = vs.obj.spec().http.iter().flatten().find_map(|r| {
            r.r#match.iter().flatten().find_map(|m| {
                m.headers
                    .iter()
                    .flatten()
                    .chain(m.without_headers.iter().flatten())
                    .map(|(k, _)| k)
                    .find(|k| k.starts_with("@request.auth.claims"))
            })
        });
        let Some(claim) = claim else { continue };
        for (ns, name) in vs_gateways(vs).into_iter().flatten() {
            let Some(&g) = ix
                .gateways_by_key
                .get(&(vs.cluster, ns.clone(), name.clone()))
            else {
                continue;
            };
            let gw = &ix.gateways[g];
            let selector = labels(&gw.obj.spec().selector);
            let pods: Vec<_> = ix
                .pods
                .iter()
                .filter(|p| {
                    p.cluster == gw.cluster && !selector.is_empty() && selects(selector, &p.labels)
                })
                .collect();
            let applies = |ra_ns: &str, sel: Option<&BTreeMap<String, String>>| {
                let sel = sel.filter(|s| !s.is_empty());
                if pods.is_empty() {
                    (ra_ns == gw.ns || ra_ns == ISTIO_SYSTEM)
                        && sel.is_none_or(|s| selects(s, selector))
                } else {
                    pods.iter().any(|p| match sel {
                        None => ra_ns == ISTIO_SYSTEM || ra_ns == p.ns,
                        Some(s) => {
                            (ra_ns == p.ns || ra_ns == ISTIO_SYSTEM) && selects(s, &p.labels)
                        }
                    })
                }
            };
            let covered = ix.request_authentications.iter().any(|ra| {
                ra.cluster == vs.cluster
                    && applies(
                        &ra.ns,
                        ra.obj
                            .spec()
                            .selector
                            .as_ref()
                            .map(|s| labels(&s.match_labels)),
                    )
            });
            if !covered {
                out.push(error(
                    codes::IST0149,
                    vs.path,
                    format!("routes on the JWT claim header {claim:?} through gateway {ns}/{name}, but no RequestAuthentication applies to that gateway's workloads: the claim is never set"),
                    "add a RequestAuthentication selecting the gateway workloads (or in istio-system for the mesh)",
                ));
            }
        }
    }
}

/// IST0122: a `regex` string match Envoy's RE2 engine would reject. The
/// `regex` crate's syntax is RE2's (no look-around, no back-references), so
/// what it cannot parse, Envoy cannot either.
fn invalid_regexes(
    vs: &Item<'_, crate::mesh::istio::networking::VirtualService>,
    out: &mut Vec<Diagnostic>,
) {
    use crate::mesh::istio::networking::StringMatch;
    let mut check = |field: String, m: &StringMatch| {
        if let Some(re) = &m.regex {
            // Parsing is what decides validity; compiling the matcher too
            // cost more than the rest of the analyzers on a small synth.
            if let Err(e) = regex_syntax::Parser::new().parse(re) {
                let why = e.to_string();
                let why = why.lines().last().unwrap_or("invalid").trim().to_string();
                out.push(warn(
                    codes::IST0122,
                    vs.path,
                    format!("{field}: regular expression {re:?} is invalid ({why})"),
                    "fix the expression (RE2 syntax: no look-around or back-references)",
                ));
            }
        }
    };
    for (i, r) in vs.obj.spec().http.iter().flatten().enumerate() {
        for (j, m) in r.r#match.iter().flatten().enumerate() {
            let at = |f: &str| format!("spec.http[{i}].match[{j}].{f}");
            for (f, v) in [
                ("uri", &m.uri),
                ("scheme", &m.scheme),
                ("method", &m.method),
                ("authority", &m.authority),
            ] {
                if let Some(v) = v {
                    check(at(f), v);
                }
            }
            for (f, map) in [
                ("headers", &m.headers),
                ("queryParams", &m.query_params),
                ("withoutHeaders", &m.without_headers),
            ] {
                for (k, v) in map.iter().flatten() {
                    check(at(&format!("{f}.{k}")), v);
                }
            }
        }
    }
}
