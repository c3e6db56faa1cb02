//! Gateway checks: selectors, ports, credentials, conflicts.

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
