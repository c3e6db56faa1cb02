//! The cross-object mesh checks: references between Istio objects,
//! Services, workloads and policies. Each check reads the shared index.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::Diagnostic;
use crate::k8s::workloads::{AppProtocol, ISTIO_PROXY_UID};
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::networking::{
    ClientTlsMode, ClientTlsSettings, Destination, Gateway, ServerTlsMode, VirtualService,
};
use crate::mesh::istio::security::MtlsMode;

use super::index::{fqdn, host_matches, labels, selects, Index, Item, PodInfo};

/// The annotation through which a Gateway declares where a TLS credential
/// comes from when no Secret-producing object is in the app (e.g. a Secret
/// created by a separate cert pipeline): `name=source[,name=source]`.
pub const CREDENTIAL_SOURCES_ANNOTATION: &str = "meshsynth.io/tls-credential-sources";

fn warn(code: &str, path: &str, msg: String, hint: &str) -> Diagnostic {
    Diagnostic::warning(path, msg)
        .with_code(code)
        .with_hint(hint)
}

pub(super) fn error(code: &str, path: &str, msg: String, hint: &str) -> Diagnostic {
    Diagnostic::error(path, msg).with_code(code).with_hint(hint)
}

/// Gateways a VirtualService binds to; `None` entries are `mesh`.
fn vs_gateways(vs: &Item<'_, VirtualService>) -> Vec<Option<(String, String)>> {
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

/// Gateway workloads (any namespace of the cluster) a Gateway selects.
fn gateway_workloads<'x, 'a>(ix: &'x Index<'a>, gw: &Item<'a, Gateway>) -> Vec<&'x PodInfo<'a>> {
    ix.pods
        .iter()
        .filter(|p| p.cluster == gw.cluster && selects(labels(&gw.obj.spec().selector), &p.labels))
        .filter(|p| p.installed_gateway || p.labels.contains_key("istio"))
        .collect()
}

/// VirtualService ↔ Gateway checks: IST0101 (gateway), IST0132, IST0165, MS-MESH-002.
pub fn virtual_service_gateways(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // Hosts served by each gateway, for the unbound-ingress check.
    let mut gateway_hosts: BTreeMap<&str, Vec<(String, &str)>> = BTreeMap::new();
    for gw in &ix.gateways {
        for s in gw.obj.spec().servers.iter().flatten() {
            // AUTO_PASSTHROUGH servers (east-west) carry no routing rules.
            if s.tls.as_ref().and_then(|t| t.mode) == Some(ServerTlsMode::AutoPassthrough) {
                continue;
            }
            for h in &s.hosts {
                let host = h.split_once('/').map(|(_, h)| h).unwrap_or(h);
                gateway_hosts
                    .entry(gw.cluster)
                    .or_default()
                    .push((host.to_string(), gw.name.as_str()));
            }
        }
    }
    for vs in &ix.virtual_services {
        let bindings = vs_gateways(vs);
        for b in bindings.iter().flatten() {
            let (ns, name) = b;
            let Some(&gi) = ix
                .gateways_by_key
                .get(&(vs.cluster, ns.clone(), name.clone()))
            else {
                out.push(error(
                    "IST0101",
                    vs.path,
                    format!(
                        "referenced gateway {ns}/{name} not found in cluster {}",
                        vs.cluster
                    ),
                    "define the Gateway, or fix spec.gateways (`name` or `namespace/name`)",
                ));
                continue;
            };
            let gw = &ix.gateways[gi];
            if gw.name.ends_with("-istio-autogenerated-k8s-gateway")
                || gw.name.ends_with("-istio-autogenerated-k8s-ingress")
                || gw
                    .obj
                    .spec()
                    .servers
                    .as_ref()
                    .is_some_and(|v| !v.is_empty())
                    && gw.obj.spec().servers.iter().flatten().all(|s| {
                        s.tls
                            .as_ref()
                            .and_then(|t| t.mode)
                            .is_some_and(|m| m == ServerTlsMode::AutoPassthrough)
                    })
            {
                out.push(warn(
                    "IST0165",
                    vs.path,
                    format!("gateway {ns}/{name} is internal (generated, or AUTO_PASSTHROUGH only); routes bound to it have no effect"),
                    "bind the VirtualService to an ingress Gateway",
                ));
                continue;
            }
            let served = vs.obj.spec().hosts.iter().flatten().any(|h| {
                gw.obj.spec().servers.iter().flatten().any(|s| {
                    s.hosts.iter().any(|gh| {
                        let (gns, ghost) = gh.split_once('/').unwrap_or(("*", gh));
                        (gns == "*" || gns == "." && vs.ns == gw.ns || gns == vs.ns)
                            && (host_matches(ghost, h) || host_matches(h, ghost))
                    })
                })
            });
            // An error, not istioctl's warning: traffic for the host never
            // reaches the service (a known failure of the reference platforms).
            if !served {
                out.push(error(
                    "IST0132",
                    vs.path,
                    format!(
                        "none of the hosts {:?} is served by gateway {ns}/{name}",
                        vs.obj.spec().hosts
                    ),
                    "add the host to the Gateway's servers, or fix the VirtualService hosts",
                ));
            }
        }
        if bindings.iter().all(Option::is_none) {
            if let Some(hosts) = gateway_hosts.get(vs.cluster) {
                let hit = vs.obj.spec().hosts.iter().flatten().find_map(|h| {
                    hosts
                        .iter()
                        .find(|(gh, _)| gh != "*" && host_matches(gh, h))
                        .map(|(_, g)| (h, *g))
                });
                if let Some((h, g)) = hit {
                    out.push(error(
                        "MS-MESH-002",
                        vs.path,
                        format!("host {h:?} is served by gateway {g}, but this VirtualService is bound to no gateway, so ingress traffic never reaches its rules"),
                        "set spec.gateways to the Gateway (add \"mesh\" too for in-mesh callers)",
                    ));
                }
            }
        }
    }
}

/// Destination checks: IST0101 (host, subset), IST0112, IST0140, MS-MESH-001.
pub fn virtual_service_destinations(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // Mesh-only VirtualServices with subset routing, per (cluster, host).
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
    for vs in &ix.virtual_services {
        let gateway_bound = vs_gateways(vs).iter().any(Option::is_some);
        for (field, d) in destinations(vs.obj) {
            let host = fqdn(&d.host, &vs.ns);
            if !ix.host_known(&host) {
                out.push(error(
                    "IST0101",
                    vs.path,
                    format!(
                        "{field}: referenced host {:?} not found (no Service or ServiceEntry)",
                        d.host
                    ),
                    "define the Service or a ServiceEntry for the host, or fix the destination",
                ));
                // The subset is still checked: one finding per problem, and
                // an unknown host must not hide a missing subset.
            }
            if let Some(subset) = &d.subset {
                let defined = ix
                    .drs_by_host
                    .get(&(vs.cluster, host.clone()))
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
                        "IST0101",
                        vs.path,
                        format!("{field}: referenced subset {subset:?} of host {:?} not found in any DestinationRule", d.host),
                        "define the subset in the host's DestinationRule, or route to an existing subset",
                    ));
                }
            }
            if gateway_bound && d.port.is_none() {
                if let Some(svcs) = ix.services_by_host.get(&host) {
                    let ports = svcs
                        .first()
                        .and_then(|&i| ix.services[i].obj.spec.as_ref())
                        .and_then(|s| s.ports.as_ref())
                        .map_or(0, Vec::len);
                    if ports > 1 {
                        out.push(error(
                            "IST0112",
                            vs.path,
                            format!("{field}: host {:?} exposes {ports} ports; a gateway route must say which", d.host),
                            "set destination.port.number",
                        ));
                    }
                }
            }
            if gateway_bound && d.subset.is_none() {
                if let Some(mesh_vs) = subset_routed.get(&(vs.cluster, host.clone())) {
                    out.push(warn(
                        "IST0140",
                        mesh_vs,
                        format!("subset rules for {:?} have no effect on requests from the ingress gateway ({})", d.host, vs.path),
                        "bind this VirtualService to the gateway too, or route the gateway traffic to subsets",
                    ));
                }
            }
        }
        // Weights.
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
                        "MS-MESH-001",
                        vs.path,
                        format!("{field}: route weights sum to {sum}, not 100"),
                        "make the weights of the rule's destinations add up to 100",
                    ));
                }
            }
        }
    }
}

/// IST0130 / IST0131: unreachable rules and ineffective matches.
pub fn virtual_service_rules(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for vs in &ix.virtual_services {
        invalid_regexes(vs, out);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut catch_all: Option<usize> = None;
        for (i, r) in vs.obj.spec().http.iter().flatten().enumerate() {
            if let Some(c) = catch_all {
                out.push(warn(
                    "IST0130",
                    vs.path,
                    format!("spec.http[{i}] is unreachable: spec.http[{c}] matches every request"),
                    "move the catch-all rule last",
                ));
                continue;
            }
            let matches = r.r#match.as_deref().unwrap_or_default();
            if matches.is_empty() {
                catch_all = Some(i);
                continue;
            }
            let keys: Vec<String> = matches
                .iter()
                .map(|m| {
                    let mut m = m.clone();
                    m.name = None;
                    // Invariant: match structs are plain data and always serialize.
                    serde_json::to_string(&m).expect("match serializes")
                })
                .collect();
            let dup: Vec<usize> = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| seen.contains(*k))
                .map(|(j, _)| j)
                .collect();
            if !dup.is_empty() && dup.len() == keys.len() {
                out.push(warn(
                    "IST0130",
                    vs.path,
                    format!("spec.http[{i}] is unreachable: every match repeats an earlier rule's"),
                    "remove the rule or change its matches",
                ));
            } else {
                for j in dup {
                    out.push(warn(
                        "IST0131",
                        vs.path,
                        format!("spec.http[{i}].match[{j}] is ineffective: an earlier rule has the same match"),
                        "remove the duplicate match",
                    ));
                }
            }
            seen.extend(keys);
        }
    }
}

/// IST0109: two mesh VirtualServices for one host.
pub fn conflicting_mesh_hosts(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut owners: BTreeMap<(&str, String), &str> = BTreeMap::new();
    for vs in &ix.virtual_services {
        if !mesh_bound(vs) {
            continue;
        }
        for h in vs.obj.spec().hosts.iter().flatten() {
            let key = (vs.cluster, fqdn(h, &vs.ns));
            if let Some(first) = owners.get(&key) {
                out.push(error(
                    "IST0109",
                    vs.path,
                    format!("host {:?} is also routed for the mesh by {first}; sidecars would pick one at random", key.1),
                    "merge the rules into one VirtualService per host",
                ));
            } else {
                owners.insert(key, vs.path);
            }
        }
    }
}

fn tls_unverified(t: &ClientTlsSettings) -> bool {
    matches!(t.mode, Some(ClientTlsMode::Simple | ClientTlsMode::Mutual))
        && t.ca_certificates.is_none()
        && t.credential_name.is_none()
        && t.insecure_skip_verify != Some(true)
}

/// DestinationRule checks: IST0128, IST0129, IST0173, IST0174.
pub fn destination_rules(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for dr in &ix.destination_rules {
        let host = fqdn(&dr.obj.spec().host, &dr.ns);
        if !ix.host_known(&host) {
            out.push(warn(
                "IST0174",
                dr.path,
                format!(
                    "host {:?} matches no Service or ServiceEntry",
                    dr.obj.spec().host
                ),
                "fix spec.host, or define the Service or a ServiceEntry",
            ));
        }
        let policies =
            std::iter::once((
                "spec.trafficPolicy".to_string(),
                &dr.obj.spec().traffic_policy,
            ))
            .chain(dr.obj.spec().subsets.iter().flatten().enumerate().map(
                |(i, s)| {
                    (
                        format!("spec.subsets[{i}].trafficPolicy"),
                        &s.traffic_policy,
                    )
                },
            ));
        for (field, tp) in policies {
            let Some(tp) = tp else { continue };
            if tp.tls.as_ref().is_some_and(tls_unverified) {
                out.push(warn(
                    "IST0128",
                    dr.path,
                    format!(
                        "{field}.tls: the server certificate is not verified (no caCertificates)"
                    ),
                    "set caCertificates or credentialName",
                ));
            }
            for (i, p) in tp.port_level_settings.iter().flatten().enumerate() {
                if p.tls.as_ref().is_some_and(tls_unverified) {
                    out.push(warn(
                        "IST0129",
                        dr.path,
                        format!("{field}.portLevelSettings[{i}].tls: the server certificate is not verified (no caCertificates)"),
                        "set caCertificates or credentialName",
                    ));
                }
            }
        }
        // Subsets against the pods of the host's Service in this cluster.
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
        let pods = ix.pods_selected(svc.cluster, &svc.ns, sel);
        for (i, s) in dr.obj.spec().subsets.iter().flatten().enumerate() {
            // Topology labels describe nodes, not pod templates (istioctl 1.28
            // stopped flagging subsets that use them).
            let labels: BTreeMap<String, String> = s
                .labels
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| {
                    !k.starts_with("topology.kubernetes.io/")
                        && !k.starts_with("topology.istio.io/")
                })
                .collect();
            if !pods.iter().any(|p| selects(&labels, &p.labels)) {
                out.push(warn(
                    "IST0173",
                    dr.path,
                    format!(
                        "spec.subsets[{i}] ({:?}) selects no pods of service {}: no workload has labels {labels:?}",
                        s.name, svc.name
                    ),
                    "label the workload's pod template (e.g. version: v1), or fix the subset labels",
                ));
            }
        }
    }
}

/// Gateway checks: MS-MESH-003, MS-MESH-004, IST0101 (credential), IST0162, IST0145, IST0138.
pub fn gateways(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // (cluster, selector, port) → [(gateway idx, hosts)] for IST0145.
    type Listeners<'x> = BTreeMap<(&'x str, String, i64), Vec<(usize, &'x Vec<String>)>>;
    let mut listeners: Listeners<'_> = BTreeMap::new();
    let mut certs: BTreeMap<(&str, String, String), Vec<usize>> = BTreeMap::new();
    for (gi, gw) in ix.gateways.iter().enumerate() {
        let workloads = gateway_workloads(ix, gw);
        if workloads.is_empty() {
            out.push(error(
                "MS-MESH-003",
                gw.path,
                format!(
                    "selector {:?} matches no gateway workload in cluster {}",
                    gw.obj.spec().selector, gw.cluster
                ),
                "install the gateway (IstioInstall) or fix the selector, e.g. istio: ingressgateway",
            ));
        }
        let sel = format!("{:?}", gw.obj.spec().selector);
        // Ports of the gateway Services.
        let mut ports: BTreeSet<u16> = BTreeSet::new();
        for w in &workloads {
            for (p, t) in &w.gateway_ports {
                ports.insert(*p);
                ports.insert(*t);
            }
            if !w.installed_gateway {
                for s in ix.services_of(w) {
                    for sp in s
                        .obj
                        .spec
                        .as_ref()
                        .and_then(|s| s.ports.as_ref())
                        .into_iter()
                        .flatten()
                    {
                        ports.extend(u16::try_from(sp.port).ok());
                        if let Some(IntOrString::Int(t)) = &sp.target_port {
                            ports.extend(u16::try_from(*t).ok());
                        }
                    }
                }
            }
        }
        let sources: BTreeSet<String> = gw
            .obj
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(CREDENTIAL_SOURCES_ANNOTATION))
            .map(|v| {
                v.split(',')
                    .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let secret_namespaces: BTreeSet<&str> = if workloads.is_empty() {
            BTreeSet::from([gw.ns.as_str()])
        } else {
            workloads.iter().map(|w| w.ns.as_str()).collect()
        };
        for (si, s) in gw.obj.spec().servers.iter().flatten().enumerate() {
            if !ports.is_empty() && !ports.iter().any(|p| i64::from(*p) == s.port.number) {
                out.push(warn(
                    "IST0162",
                    gw.path,
                    format!(
                        "spec.servers[{si}]: port {} is not exposed by the gateway's Service (ports {ports:?})",
                        s.port.number
                    ),
                    "use a port of the gateway Service, or add it to the installation",
                ));
            }
            listeners
                .entry((gw.cluster, sel.clone(), s.port.number))
                .or_default()
                .push((gi, &s.hosts));
            let Some(tls) = &s.tls else { continue };
            let terminates = matches!(
                tls.mode,
                Some(ServerTlsMode::Simple | ServerTlsMode::Mutual | ServerTlsMode::OptionalMutual)
            );
            let mut creds: Vec<&String> = tls.credential_name.iter().collect();
            creds.extend(tls.credential_names.iter().flatten());
            if terminates && creds.is_empty() && tls.server_certificate.is_none() {
                out.push(error(
                    "MS-MESH-004",
                    gw.path,
                    format!("spec.servers[{si}]: TLS mode {:?} without a credential: the certificate has no source", tls.mode.unwrap_or(ServerTlsMode::Simple)),
                    "set tls.credentialName to a Secret in the gateway's namespace",
                ));
            }
            for c in creds {
                certs
                    .entry((gw.cluster, sel.clone(), c.clone()))
                    .or_default()
                    .push(gi);
                let found = secret_namespaces.iter().any(|ns| {
                    ix.secrets
                        .contains_key(&(gw.cluster, ns.to_string(), c.clone()))
                });
                if !found && !sources.contains(c) {
                    out.push(error(
                        "IST0101",
                        gw.path,
                        format!(
                            "spec.servers[{si}]: referenced secret {c:?} not found in namespace {}: the TLS credential has no source",
                            secret_namespaces.iter().copied().collect::<Vec<_>>().join(", ")
                        ),
                        "add the Secret (or a cert-manager Certificate / ExternalSecret producing it) to the app, or declare its source in the meshsynth.io/tls-credential-sources annotation",
                    ));
                }
            }
        }
    }
    for ((_, _, port), ls) in listeners {
        for (a, (ga, ha)) in ls.iter().enumerate() {
            for (gb, hb) in ls.iter().skip(a + 1) {
                if ga == gb {
                    continue;
                }
                let overlap = ha
                    .iter()
                    .find(|h| hb.iter().any(|o| host_matches(h, o) || host_matches(o, h)));
                if let Some(h) = overlap {
                    out.push(error(
                        "IST0145",
                        ix.gateways[*gb].path,
                        format!(
                            "conflicts with gateway {}: same selector, port {port} and host {h:?}",
                            ix.gateways[*ga].path
                        ),
                        "merge the servers into one Gateway, or use distinct hosts",
                    ));
                }
            }
        }
    }
    for ((_, _, cert), gs) in certs {
        let distinct: BTreeSet<usize> = gs.iter().copied().collect();
        if distinct.len() > 1 {
            for g in distinct.iter().skip(1) {
                out.push(warn(
                    "IST0138",
                    ix.gateways[*g].path,
                    format!("certificate {cert:?} is also used by another Gateway on the same workload; HTTP/2 connection reuse can route to the wrong one (404)"),
                    "serve both hosts from one Gateway server, or use distinct certificates",
                ));
            }
        }
    }
}

/// ServiceEntry checks: IST0134, IST0177.
pub fn service_entries(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut protocols: BTreeMap<(&str, String, i64), (String, &str)> = BTreeMap::new();
    for se in &ix.service_entries {
        let s = &se.obj.spec;
        let no_addresses = s.addresses.as_ref().is_none_or(Vec::is_empty);
        for p in s.ports.iter().flatten() {
            let proto = p.protocol.clone().unwrap_or_default().to_ascii_uppercase();
            if no_addresses && (proto.is_empty() || proto == "TCP") {
                out.push(warn(
                    "IST0134",
                    se.path,
                    format!("port {} ({}) is TCP but the ServiceEntry has no addresses; traffic to it cannot be told apart", p.number, p.name),
                    "set spec.addresses, or use an HTTP/TLS protocol",
                ));
            }
            for h in &s.hosts {
                let key = (se.cluster, h.clone(), p.number);
                match protocols.get(&key) {
                    Some((other, path)) if *other != proto => out.push(error(
                        "IST0177",
                        se.path,
                        format!(
                            "host {h:?} port {} is {proto} here but {other} in {path}",
                            p.number
                        ),
                        "use one protocol per host and port",
                    )),
                    Some(_) => {}
                    None => {
                        protocols.insert(key, (proto.clone(), se.path));
                    }
                }
            }
        }
    }
}

/// IST0111 and IST0160: several selector-less Sidecars / Telemetries in a namespace.
pub fn namespace_singletons(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut sidecars: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for s in &ix.sidecars {
        if s.obj.spec().workload_selector.is_some() {
            continue;
        }
        if let Some(first) = sidecars.get(&(s.cluster, s.ns.as_str())) {
            out.push(error(
                "IST0111",
                s.path,
                format!(
                    "namespace {} already has a Sidecar without workload selector ({first})",
                    s.ns
                ),
                "keep one namespace-wide Sidecar, or give this one a workloadSelector",
            ));
        } else {
            sidecars.insert((s.cluster, s.ns.as_str()), s.path);
        }
    }
    let mut tels: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for t in &ix.telemetries {
        if t.obj.spec().selector.is_some() {
            continue;
        }
        if let Some(first) = tels.get(&(t.cluster, t.ns.as_str())) {
            out.push(error(
                "IST0160",
                t.path,
                format!(
                    "namespace {} already has a Telemetry without selector ({first})",
                    t.ns
                ),
                "keep one namespace-wide Telemetry, or give this one a selector",
            ));
        } else {
            tels.insert((t.cluster, t.ns.as_str()), t.path);
        }
    }
    // IST0110 / IST0169: two selector-bearing Sidecars (Telemetries) that
    // select the same pod; which one applies is undefined.
    let sidecar_selectors = ix.sidecars.iter().filter_map(|s| {
        let sel = s.obj.spec().workload_selector.as_ref()?;
        Some((s.path, s.cluster, s.ns.as_str(), labels(&sel.labels)))
    });
    same_pod_selected(ix, "IST0110", "Sidecar", sidecar_selectors, out);
    let telemetry_selectors = ix.telemetries.iter().filter_map(|t| {
        let sel = t.obj.spec().selector.as_ref()?;
        Some((t.path, t.cluster, t.ns.as_str(), labels(&sel.match_labels)))
    });
    same_pod_selected(ix, "IST0169", "Telemetry", telemetry_selectors, out);
}

/// Reports each object whose selector picks a pod an earlier object of the
/// same kind (same namespace) already picks; one finding per object.
fn same_pod_selected<'a>(
    ix: &Index<'a>,
    code: &str,
    kind: &str,
    selectors: impl Iterator<Item = (&'a str, &'a str, &'a str, &'a BTreeMap<String, String>)>,
    out: &mut Vec<Diagnostic>,
) {
    // (cluster, pod path, pod name) → the first object selecting it.
    let mut owner: BTreeMap<(&str, &str, String), &str> = BTreeMap::new();
    for (path, cluster, ns, labels) in selectors {
        let mut reported = false;
        for pod in ix.pods_selected(cluster, ns, labels) {
            let key = (cluster, pod.path, pod.name.clone());
            match owner.get(&key) {
                Some(first) if !reported => {
                    reported = true;
                    out.push(error(
                        code,
                        path,
                        format!(
                            "{kind} selects workload {} ({}), which {first} also selects; which one applies is undefined",
                            pod.name, pod.path
                        ),
                        "make the selectors disjoint, or merge the two",
                    ));
                }
                Some(_) => {}
                None => {
                    owner.insert(key, path);
                }
            }
        }
    }
}

fn port_protocol(name: &str) -> Option<&'static str> {
    AppProtocol::PREFIXES
        .iter()
        .copied()
        .filter(|p| name == *p || name.starts_with(&format!("{p}-")))
        .max_by_key(|p| p.len())
}

/// Services and workloads: IST0117, IST0118, IST0116, IST0137, IST0144, IST0157, IST0158, IST0102, IST0123.
pub fn services_and_workloads(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for s in &ix.services {
        for p in s
            .obj
            .spec
            .as_ref()
            .and_then(|s| s.ports.as_ref())
            .into_iter()
            .flatten()
        {
            if p.app_protocol.is_some() {
                continue;
            }
            let name = p.name.clone().unwrap_or_default();
            if port_protocol(&name).is_none() {
                out.push(warn(
                    "IST0118",
                    s.path,
                    format!("port {} is named {name:?}, which does not follow Istio's <protocol>[-<suffix>] naming", p.port),
                    "name it e.g. \"http\", \"grpc-api\" or \"tcp-db\", or set appProtocol",
                ));
            }
        }
    }
    for pod in ix.pods.iter().filter(|p| !p.installed_gateway) {
        let svcs = ix.services_of(pod);
        // Gateways (label `istio`, or in istio-system) are reached through their own Service or none.
        let gateway =
            pod.labels.contains_key("istio") || pod.ns == crate::mesh::istio::install::ISTIO_SYSTEM;
        if svcs.is_empty() && pod.kind == "Deployment" && !gateway && pod_injected(ix, pod) {
            out.push(warn(
                "IST0117",
                pod.path,
                format!(
                    "no Service selects Deployment {}: the mesh needs a Service to route to it and to name its traffic",
                    pod.name
                ),
                "add a Service selecting the pod labels (MeshService makes one), or opt the pods out of injection",
            ));
        }
        let mut by_port: BTreeMap<i32, (Option<&str>, &str)> = BTreeMap::new();
        let mut by_target: BTreeMap<i32, (i32, &str)> = BTreeMap::new();
        for s in &svcs {
            for p in s
                .obj
                .spec
                .as_ref()
                .and_then(|s| s.ports.as_ref())
                .into_iter()
                .flatten()
            {
                let proto = port_protocol(p.name.as_deref().unwrap_or(""));
                if let Some((other, path)) = by_port.get(&p.port) {
                    if *other != proto && *path != s.path {
                        out.push(warn(
                            "IST0116",
                            pod.path,
                            format!(
                                "services {path} and {} both select this {} with port {} but different protocols",
                                s.path, pod.kind, p.port
                            ),
                            "use one protocol per port across the Services of a workload",
                        ));
                    }
                } else {
                    by_port.insert(p.port, (proto, s.path));
                }
                let target = match &p.target_port {
                    Some(IntOrString::Int(t)) => *t,
                    _ => p.port,
                };
                if let Some((other_port, path)) = by_target.get(&target) {
                    if *other_port != p.port && *path != s.path {
                        out.push(warn(
                            "IST0137",
                            pod.path,
                            format!(
                                "services {path} and {} route to target port {target} of this {} through different ports ({other_port} and {})",
                                s.path, pod.kind, p.port
                            ),
                            "expose a target port through the same port number in every Service",
                        ));
                    }
                } else {
                    by_target.insert(target, (p.port, s.path));
                }
            }
        }
        if let Some(spec) = pod.spec {
            image_auto_without_injection(ix, pod, spec, out);
            let pod_uid = spec.security_context.as_ref().and_then(|s| s.run_as_user);
            for c in &spec.containers {
                if c.name == "istio-proxy" {
                    continue;
                }
                let uid = c
                    .security_context
                    .as_ref()
                    .and_then(|s| s.run_as_user)
                    .or(pod_uid);
                if uid == Some(ISTIO_PROXY_UID) {
                    out.push(error(
                        "IST0144",
                        pod.path,
                        format!("container {} runs as UID 1337, the Istio proxy's: its traffic bypasses the sidecar", c.name),
                        "run the application as another non-root UID",
                    ));
                }
            }
        }
    }
    // Namespaces.
    let has_mesh_config: BTreeSet<&str> = ix
        .virtual_services
        .iter()
        .map(|v| v.cluster)
        .chain(ix.destination_rules.iter().map(|d| d.cluster))
        .chain(ix.peer_authentications.iter().map(|d| d.cluster))
        .collect();
    for ((cluster, name), ns) in &ix.namespaces {
        let labels = ns.obj.metadata.labels.clone().unwrap_or_default();
        let injection = labels.get("istio-injection").map(String::as_str);
        if injection.is_some() && labels.contains_key("istio.io/rev") {
            out.push(warn(
                "IST0123",
                ns.path,
                format!("namespace {name} has both istio-injection and istio.io/rev labels"),
                "keep one injection label (MeshNamespace sets exactly one)",
            ));
        }
        let enrolled = namespace_enrolled(&labels);
        let opted_out = injection == Some("disabled");
        if enrolled || opted_out || !has_mesh_config.contains(cluster) {
            continue;
        }
        let workloads: Vec<&PodInfo<'_>> = ix
            .pods_by_ns
            .get(&(*cluster, name.clone()))
            .into_iter()
            .flatten()
            .map(|&i| &ix.pods[i])
            .filter(|p| {
                !p.installed_gateway
                    && p.labels.get("sidecar.istio.io/inject").map(String::as_str) != Some("true")
            })
            .collect();
        // An error, not istioctl's info: pods without a sidecar fall out of
        // STRICT mTLS and policy. Opting out is explicit (istio-injection=disabled).
        if let Some(w) = workloads.first() {
            out.push(error(
                "IST0102",
                ns.path,
                format!("namespace {name} is not enabled for injection, so {} ({}) runs without a sidecar", w.name, w.path),
                "create it with MeshMode::Sidecar or MeshMode::Ambient, or label it istio-injection=disabled to opt out",
            ));
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
                    "IST0122",
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

/// Whether a workload's pods get a sidecar: its own label, else its
/// Namespace object's labels (unknown namespace: not decided, so false).
fn pod_injected(ix: &Index<'_>, pod: &PodInfo<'_>) -> bool {
    match pod
        .labels
        .get("sidecar.istio.io/inject")
        .map(String::as_str)
    {
        Some("true") => true,
        Some(_) => false,
        None => ix
            .namespaces
            .get(&(pod.cluster, pod.ns.clone()))
            .is_some_and(|ns| {
                let labels = ns.obj.metadata.labels.clone().unwrap_or_default();
                labels.get("istio-injection").map(String::as_str) == Some("enabled")
                    || labels.contains_key("istio.io/rev")
            }),
    }
}

/// Whether a namespace object enrolls its pods in the mesh.
fn namespace_enrolled(labels: &BTreeMap<String, String>) -> bool {
    labels.get("istio-injection").map(String::as_str) == Some("enabled")
        || labels.contains_key("istio.io/rev")
        || labels.get("istio.io/dataplane-mode").map(String::as_str) == Some("ambient")
}

/// IST0157 / IST0158: a container with `image: auto` (filled in by the
/// injector, as gateway Deployments do) in a pod that is not targeted for
/// injection: the image stays `auto` and the pod never starts. Warning for
/// a workload's template, error for a bare Pod, as istioctl. Decided only
/// when the namespace's Namespace object is known (or the pod opts out).
fn image_auto_without_injection(
    ix: &Index<'_>,
    pod: &PodInfo<'_>,
    spec: &k8s_openapi::api::core::v1::PodSpec,
    out: &mut Vec<Diagnostic>,
) {
    let Some(c) = spec
        .containers
        .iter()
        .find(|c| c.image.as_deref() == Some("auto"))
    else {
        return;
    };
    let pod_label = pod
        .labels
        .get("sidecar.istio.io/inject")
        .map(String::as_str);
    let targeted = match pod_label {
        Some("true") => true,
        Some("false") => false,
        _ => match ix.namespaces.get(&(pod.cluster, pod.ns.clone())) {
            Some(ns) => namespace_enrolled(&ns.obj.metadata.labels.clone().unwrap_or_default()),
            None => return,
        },
    };
    if targeted {
        return;
    }
    let message = format!(
        "container {} has image \"auto\" but the pod is not targeted for injection (namespace {} is not enrolled{}), so the image is never filled in",
        c.name,
        pod.ns,
        if pod_label == Some("false") { "; the pod sets sidecar.istio.io/inject=false" } else { "" }
    );
    let hint = "enable injection for the namespace (istio-injection=enabled or istio.io/rev), or label the pod sidecar.istio.io/inject=\"true\"";
    out.push(if pod.kind == "Pod" {
        error("IST0158", pod.path, message, hint)
    } else {
        warn("IST0157", pod.path, message, hint)
    });
}

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

/// Policies: MS-MESH-006 (selector matches nothing), IST0167, MS-MESH-005 (mTLS vs DR TLS).
pub fn policies(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // (path, cluster, namespace, selector, kind) of every selector-bearing policy.
    type Selected<'x> = (
        &'x str,
        &'x str,
        &'x str,
        &'x BTreeMap<String, String>,
        &'x str,
    );
    let mut selected: Vec<Selected<'_>> = Vec::new();
    for p in &ix.peer_authentications {
        if let Some(s) = &p.obj.spec().selector {
            selected.push((
                p.path,
                p.cluster,
                &p.ns,
                labels(&s.match_labels),
                "PeerAuthentication",
            ));
        } else if p.obj.spec().port_level_mtls.is_some() {
            out.push(warn(
                "IST0167",
                p.path,
                "portLevelMtls has no effect without a workload selector".into(),
                "add spec.selector, or set the mode namespace-wide",
            ));
        }
    }
    for p in &ix.authorization_policies {
        if let Some(s) = &p.obj.spec().selector {
            selected.push((
                p.path,
                p.cluster,
                &p.ns,
                labels(&s.match_labels),
                "AuthorizationPolicy",
            ));
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
                                    "IST0167",
                                    p.path,
                                    format!("spec.rules[{i}]: port {port} is not a port of the selected workloads ({container_ports:?}), so the rule never matches"),
                                    "use the container (target) port",
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    for p in &ix.request_authentications {
        if let Some(s) = &p.obj.spec().selector {
            selected.push((
                p.path,
                p.cluster,
                &p.ns,
                labels(&s.match_labels),
                "RequestAuthentication",
            ));
        }
    }
    for p in &ix.telemetries {
        if let Some(s) = &p.obj.spec().selector {
            selected.push((
                p.path,
                p.cluster,
                &p.ns,
                labels(&s.match_labels),
                "Telemetry",
            ));
        }
    }
    for p in &ix.sidecars {
        if let Some(s) = &p.obj.spec().workload_selector {
            selected.push((p.path, p.cluster, &p.ns, labels(&s.labels), "Sidecar"));
        }
    }
    for (path, cluster, ns, sel, kind) in selected {
        if !sel.is_empty() && ix.pods_selected(cluster, ns, sel).is_empty() {
            out.push(error(
                "MS-MESH-006",
                path,
                format!("{kind} selector {sel:?} matches no workload in namespace {ns}"),
                "fix the labels, or add the workload it is meant for",
            ));
        }
    }
    // PeerAuthentication mode against DestinationRule TLS.
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
                    "MS-MESH-005",
                    dr.path,
                    format!(
                        "traffic to {} {what}, but {pa_path} sets mTLS {pa:?} for its pods: requests will fail",
                        dr.obj.spec().host
                    ),
                    "use tls.mode ISTIO_MUTUAL (or drop the DestinationRule TLS setting) to match the PeerAuthentication",
                ));
                break;
            }
        }
    }
}
