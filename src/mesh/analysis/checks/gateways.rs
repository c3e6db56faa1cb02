//! Gateway checks: selectors, ports, credentials, conflicts.

use crate::mesh::analysis::codes;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::Diagnostic;
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::networking::{Gateway, ServerTlsMode};

use super::{error, warn, CREDENTIAL_SOURCES_ANNOTATION};
use crate::mesh::analysis::index::{host_matches, labels, selects, Index, Item, PodInfo};

/// Gateway workloads (any namespace of the cluster) a Gateway selects.
fn gateway_workloads<'x, 'a>(ix: &'x Index<'a>, gw: &Item<'a, Gateway>) -> Vec<&'x PodInfo<'a>> {
    ix.pods
        .iter()
        .filter(|p| p.cluster == gw.cluster && selects(labels(&gw.obj.spec().selector), &p.labels))
        .filter(|p| p.installed_gateway || p.labels.contains_key("istio"))
        .collect()
}

/// Gateway checks: MS-MESH-3, MS-MESH-4, IST0101 (credential), IST0162, IST0145, IST0138.
pub fn gateways(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // Each gateway's servers as (port, hosts), and its TLS credentials,
    // for IST0145 and IST0138.
    let mut listeners: Vec<Vec<(i64, &Vec<String>)>> = vec![Vec::new(); ix.gateways.len()];
    let mut certs: Vec<BTreeSet<&String>> = vec![BTreeSet::new(); ix.gateways.len()];
    for (gi, gw) in ix.gateways.iter().enumerate() {
        let workloads = gateway_workloads(ix, gw);
        if workloads.is_empty() {
            out.push(error(
                codes::MS_MESH_3,
                gw.path,
                format!(
                    "selector {:?} matches no gateway workload in cluster {}",
                    gw.obj.spec().selector, gw.cluster
                ),
                "install the gateway (IstioInstall) or fix the selector, e.g. istio: ingressgateway",
            ));
        }
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
            if !ports.is_empty()
                && !ports
                    .iter()
                    .any(|p| i64::from(*p) == i64::from(s.port.number))
            {
                out.push(warn(
                    codes::IST0162,
                    gw.path,
                    format!(
                        "spec.servers[{si}]: port {} is not exposed by the gateway's Service (ports {ports:?})",
                        s.port.number
                    ),
                    "use a port of the gateway Service, or add it to the installation",
                ));
            }
            listeners[gi].push((i64::from(s.port.number), &s.hosts));
            let Some(tls) = &s.tls else { continue };
            let terminates = matches!(
                tls.mode,
                Some(ServerTlsMode::Simple | ServerTlsMode::Mutual | ServerTlsMode::OptionalMutual)
            );
            let mut creds: Vec<&String> = tls.credential_name.iter().collect();
            creds.extend(tls.credential_names.iter().flatten());
            if terminates && creds.is_empty() && tls.server_certificate.is_none() {
                out.push(error(
                    codes::MS_MESH_4,
                    gw.path,
                    format!("spec.servers[{si}]: TLS mode {:?} without a credential: the certificate has no source", tls.mode.unwrap_or(ServerTlsMode::Simple)),
                    "set tls.credentialName to a Secret in the gateway's namespace",
                ));
            }
            for c in creds {
                certs[gi].insert(c);
                let found = secret_namespaces.iter().any(|ns| {
                    ix.secrets
                        .contains_key(&(gw.cluster, ns.to_string(), c.clone()))
                });
                if !found && !sources.contains(c) {
                    out.push(error(
                        codes::IST0101,
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
    conflicting_gateways(ix, &listeners, &certs, out);
}

/// Whether every label of `a`'s selector is in `b`'s (so `a`'s gateway
/// workloads include `b`'s). An empty selector is no selector here.
fn selector_within(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
    !a.is_empty() && selects(a, b)
}

/// IST0145: Gateways of one cluster, one selector within the other's (both
/// program the same gateway pods), with a server on the same port for an
/// overlapping host; every such Gateway is reported once. IST0138: a
/// Gateway whose selector is within another's (so its workloads also
/// serve the other's servers) using the same TLS credential; HTTP/2
/// connection reuse across the hosts then returns 404s.
fn conflicting_gateways(
    ix: &Index<'_>,
    listeners: &[Vec<(i64, &Vec<String>)>],
    certs: &[BTreeSet<&String>],
    out: &mut Vec<Diagnostic>,
) {
    let sel = |g: usize| labels(&ix.gateways[g].obj.spec().selector);
    let mut conflicts: BTreeMap<usize, (usize, i64, String)> = BTreeMap::new();
    let mut duplicate_cert: BTreeMap<usize, (usize, String)> = BTreeMap::new();
    for a in 0..ix.gateways.len() {
        for b in a + 1..ix.gateways.len() {
            if ix.gateways[a].cluster != ix.gateways[b].cluster {
                continue;
            }
            let a_in_b = selector_within(sel(a), sel(b));
            let b_in_a = selector_within(sel(b), sel(a));
            if !a_in_b && !b_in_a {
                continue;
            }
            let shared = listeners[a].iter().find_map(|(pa, ha)| {
                listeners[b]
                    .iter()
                    .filter(|(pb, _)| pb == pa)
                    .find_map(|(_, hb)| {
                        ha.iter()
                            .find(|h| hb.iter().any(|o| host_matches(h, o) || host_matches(o, h)))
                            .map(|h| (*pa, h.clone()))
                    })
            });
            if let Some((port, host)) = shared {
                conflicts.entry(a).or_insert((b, port, host.clone()));
                conflicts.entry(b).or_insert((a, port, host));
            }
            if let Some(cert) = certs[a].intersection(&certs[b]).next() {
                if a_in_b {
                    duplicate_cert.entry(a).or_insert((b, cert.to_string()));
                }
                if b_in_a {
                    duplicate_cert.entry(b).or_insert((a, cert.to_string()));
                }
            }
        }
    }
    for (g, (other, port, host)) in conflicts {
        out.push(error(
            codes::IST0145,
            ix.gateways[g].path,
            format!(
                "conflicts with gateway {}: the same gateway workloads, port {port} and host {host:?}",
                ix.gateways[other].path
            ),
            "merge the servers into one Gateway, or use distinct hosts",
        ));
    }
    for (g, (other, cert)) in duplicate_cert {
        out.push(warn(
            codes::IST0138,
            ix.gateways[g].path,
            format!(
                "certificate {cert:?} is also used by gateway {} on the same gateway workloads; HTTP/2 connection reuse can route to the wrong one (404)",
                ix.gateways[other].path
            ),
            "serve both hosts from one Gateway server, or use distinct certificates",
        ));
    }
}
