//! Gateway checks: selectors, ports, credentials, conflicts.

use crate::mesh::analysis::codes;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::Diagnostic;
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::networking::{Gateway, ServerTlsMode};

use super::{error, warn, CREDENTIAL_SOURCES_ANNOTATION};
use crate::mesh::analysis::index::{host_matches, labels, selects, Index, Item, PodInfo};

/// Pods (any namespace of the cluster) a Gateway's selector matches, as
/// istioctl matches them: every workload and Pod, not only gateways.
fn selected_pods<'x, 'a>(ix: &'x Index<'a>, gw: &Item<'a, Gateway>) -> Vec<&'x PodInfo<'a>> {
    ix.pods
        .iter()
        .filter(|p| p.cluster == gw.cluster && selects(labels(&gw.obj.spec().selector), &p.labels))
        .collect()
}

/// Whether a selected pod runs a gateway proxy: installed as one, labelled
/// `istio`, or a running Pod with its proxy container.
fn runs_gateway(p: &PodInfo<'_>) -> bool {
    p.installed_gateway
        || p.labels.contains_key("istio")
        || p.kind == "Pod"
            && p.spec
                .is_some_and(|s| s.containers.iter().any(|c| c.name == "istio-proxy"))
}

/// Gateway checks: IST0101 (selector, credential), MS-MESH-3, MS-MESH-4,
/// IST0161, IST0162, IST0145, IST0138.
pub fn gateways(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // Each gateway's servers as (port, hosts), and its TLS credentials,
    // for IST0145 and IST0138.
    let mut listeners: Vec<Vec<(i64, &Vec<String>)>> = vec![Vec::new(); ix.gateways.len()];
    let mut certs: Vec<BTreeSet<&String>> = vec![BTreeSet::new(); ix.gateways.len()];
    for (gi, gw) in ix.gateways.iter().enumerate() {
        let workloads = selected_pods(ix, gw);
        selector_found(gw, &workloads, out);
        let ports = service_ports(ix, &workloads);
        let secret_namespaces: BTreeSet<&str> = if workloads.is_empty() {
            BTreeSet::from([gw.ns.as_str()])
        } else {
            workloads.iter().map(|w| w.ns.as_str()).collect()
        };
        let credentials = Credentials {
            sources: credential_sources(gw),
            namespaces: secret_namespaces,
            // With no workload selected the credential's namespace is
            // unknown: the selector finding says what to fix first.
            judge_missing: !workloads.is_empty(),
        };
        for (si, s) in gw.obj.spec().servers.iter().flatten().enumerate() {
            if s.port.number != 0
                && !ports.is_empty()
                && !ports
                    .iter()
                    .any(|p| i64::from(*p) == i64::from(s.port.number))
            {
                out.push(warn(
                    codes::IST0162,
                    gw.path,
                    format!(
                        "spec.servers[{si}]: port {} is not exposed by the gateway's Service (ports {})",
                        s.port.number,
                        super::list_text(ports.iter())
                    ),
                    "use a port of the gateway Service, or add it to the installation",
                ));
            }
            listeners[gi].push((i64::from(s.port.number), &s.hosts));
            if let Some(tls) = &s.tls {
                certs[gi].extend(server_credentials(ix, gw, (si, tls), &credentials, out));
            }
        }
    }
    conflicting_gateways(ix, &listeners, &certs, out);
}

/// IST0101 (the selector matches nothing) and MS-MESH-3 (it matches pods
/// none of which is a gateway).
fn selector_found(gw: &Item<'_, Gateway>, selected: &[&PodInfo<'_>], out: &mut Vec<Diagnostic>) {
    let selector = labels(&gw.obj.spec().selector);
    if selected.is_empty() {
        out.push(error(
            codes::IST0101,
            gw.path,
            format!(
                "referenced selector {} not found: it matches no workload in cluster {}",
                super::labels_text(selector),
                gw.cluster
            ),
            "install the gateway (IstioInstall) or fix the selector, e.g. istio: ingressgateway",
        ));
    } else if !selected.iter().any(|p| runs_gateway(p)) {
        out.push(error(
            codes::MS_MESH_3,
            gw.path,
            format!(
                "selector {} matches {} {}, which runs no gateway proxy",
                super::labels_text(selector),
                selected[0].kind,
                selected[0].name
            ),
            "select the gateway's pods (e.g. istio: ingressgateway), not an application's",
        ));
    }
}

/// The ports (and target ports) of the Services in front of the gateway's pods.
fn service_ports(ix: &Index<'_>, workloads: &[&PodInfo<'_>]) -> BTreeSet<u16> {
    let mut ports: BTreeSet<u16> = BTreeSet::new();
    for w in workloads {
        for (p, t) in &w.gateway_ports {
            ports.insert(*p);
            ports.insert(*t);
        }
        if w.installed_gateway {
            continue;
        }
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
    ports
}

/// The credential names the Gateway declares a source for (its
/// `meshsynth.io/tls-credential-sources` annotation).
fn credential_sources(gw: &Item<'_, Gateway>) -> BTreeSet<String> {
    gw.obj
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(CREDENTIAL_SOURCES_ANNOTATION))
        .map(|v| {
            v.split(',')
                .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Where a Gateway's credentials must be found.
struct Credentials<'x> {
    sources: BTreeSet<String>,
    /// The namespaces of the gateway's pods (its own when none).
    namespaces: BTreeSet<&'x str>,
    /// Whether a missing Secret is reported.
    judge_missing: bool,
}

/// One TLS server: MS-MESH-4 (no credential), IST0161 (a Secret without a
/// usable certificate), IST0101 (no Secret). Returns its credential names.
fn server_credentials<'t>(
    ix: &Index<'_>,
    gw: &Item<'_, Gateway>,
    (si, tls): (usize, &'t crate::mesh::istio::networking::ServerTls),
    c: &Credentials<'_>,
    out: &mut Vec<Diagnostic>,
) -> Vec<&'t String> {
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
            format!("spec.servers[{si}]: TLS mode {} without a credential: the certificate has no source", tls_mode_name(tls.mode.unwrap_or(ServerTlsMode::Simple))),
            "set tls.credentialName to a Secret in the gateway's namespace",
        ));
    }
    for name in &creds {
        let key = |ns: &&str| (gw.cluster, ns.to_string(), (*name).clone());
        let found = c
            .namespaces
            .iter()
            .any(|ns| ix.secrets.contains_key(&key(ns)));
        let secret = c
            .namespaces
            .iter()
            .find_map(|ns| ix.secret_objects.get(&key(ns)));
        if let Some(Err(why)) = secret.map(|s| crate::k8s::tls::check_tls_secret(s)) {
            out.push(error(
                codes::IST0161,
                gw.path,
                format!("spec.servers[{si}]: credential {name:?} is not a usable TLS certificate: {why}"),
                "store the PEM certificate chain under tls.crt and its key under tls.key (kubectl create secret tls), and renew an expired certificate",
            ));
        }
        if !found && !c.sources.contains(*name) && c.judge_missing {
            out.push(error(
                codes::IST0101,
                gw.path,
                format!(
                    "spec.servers[{si}]: referenced secret {name:?} not found in namespace {}: the TLS credential has no source",
                    c.namespaces.iter().copied().collect::<Vec<_>>().join(", ")
                ),
                "add the Secret (or a cert-manager Certificate / ExternalSecret producing it) to the app, or declare its source in the meshsynth.io/tls-credential-sources annotation",
            ));
        }
    }
    creds
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

/// A server TLS mode as the Gateway spells it.
fn tls_mode_name(m: ServerTlsMode) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "SIMPLE".into())
}
