//! DestinationRule and ServiceEntry checks.

use crate::mesh::analysis::codes;
use std::collections::BTreeMap;

use crate::core::Diagnostic;
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::networking::{ClientTlsMode, ClientTlsSettings};

use super::{error, warn};
use crate::mesh::analysis::index::{fqdn, selects, Index};

/// A `credentialName` supplies the CA only where the rule applies to
/// gateways (it has a `workloadSelector`): sidecars cannot read Secrets.
fn tls_unverified(t: &ClientTlsSettings, selected: bool) -> bool {
    matches!(t.mode, Some(ClientTlsMode::Simple | ClientTlsMode::Mutual))
        && t.ca_certificates.is_none()
        && (t.credential_name.is_none() || !selected)
        && t.insecure_skip_verify != Some(true)
}

/// DestinationRule checks: IST0128, IST0129, IST0173, IST0174.
pub fn destination_rules(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for dr in &ix.destination_rules {
        let selected = dr.obj.spec().workload_selector.is_some();
        let unverified = |t: &ClientTlsSettings| tls_unverified(t, selected);
        let host = fqdn(&dr.obj.spec().host, &dr.ns);
        if !ix.host_known(&host) {
            out.push(warn(
                codes::IST0174,
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
            if tp.tls.as_ref().is_some_and(unverified) {
                out.push(warn(
                    codes::IST0128,
                    dr.path,
                    format!(
                        "{field}.tls: the server certificate is not verified (no caCertificates)"
                    ),
                    "set caCertificates (or credentialName, in a rule with a workloadSelector for gateways)",
                ));
            }
            for (i, p) in tp.port_level_settings.iter().flatten().enumerate() {
                if p.tls.as_ref().is_some_and(unverified) {
                    out.push(warn(
                        codes::IST0129,
                        dr.path,
                        format!("{field}.portLevelSettings[{i}].tls: the server certificate is not verified (no caCertificates)"),
                        "set caCertificates (or credentialName, in a rule with a workloadSelector for gateways)",
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
            let wanted = s.labels.clone().unwrap_or_default();
            // Topology labels describe nodes, not pod templates (istioctl
            // 1.28 stopped flagging subsets that use them); one with an
            // empty value matches no pod, as Istio only adds the label
            // from a node that has it.
            let empty_topology = wanted
                .iter()
                .find(|(k, v)| topology_label(k) && v.is_empty());
            let labels: BTreeMap<String, String> = wanted
                .clone()
                .into_iter()
                .filter(|(k, _)| !topology_label(k))
                .collect();
            let why = match empty_topology {
                Some((k, _)) => Some(format!(
                    "topology label {k} is empty, which no node gives a pod"
                )),
                None if !pods.iter().any(|p| selects(&labels, &p.labels)) => Some(format!(
                    "no workload has labels {}",
                    labels
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                None => None,
            };
            if let Some(why) = why {
                out.push(warn(
                    codes::IST0173,
                    dr.path,
                    format!(
                        "spec.subsets[{i}] ({:?}) selects no pods of service {}: {why}",
                        s.name, svc.name
                    ),
                    "label the workload's pod template (e.g. version: v1), or fix the subset labels",
                ));
            }
        }
    }
}

/// Labels Istio derives from a pod's node (region, zone, cluster, network).
fn topology_label(key: &str) -> bool {
    key.starts_with("topology.kubernetes.io/") || key.starts_with("topology.istio.io/")
}

/// ServiceEntry checks: IST0134, and IST0177: ServiceEntries giving one
/// host and port different protocols where both are visible to the same
/// namespace (`exportTo`: absent or `*` is everywhere, `.` its own
/// namespace). Every ServiceEntry of a conflict is reported once, as
/// istioctl does.
pub fn service_entries(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // (cluster, host, port) → [(entry, protocol, everywhere, namespaces)].
    type Claim = (usize, String, bool, Vec<String>);
    let mut claims: BTreeMap<(&str, String, i64), Vec<Claim>> = BTreeMap::new();
    for (n, se) in ix.service_entries.iter().enumerate() {
        let s = &se.obj.spec;
        let no_addresses = s.addresses.as_ref().is_none_or(Vec::is_empty);
        let export_to = s.export_to.as_deref().unwrap_or_default();
        let everywhere = export_to.is_empty() || export_to.iter().any(|e| e == "*");
        let scopes: Vec<String> = export_to
            .iter()
            .map(|e| if e == "." { se.ns.clone() } else { e.clone() })
            .collect();
        for p in s.ports.iter().flatten() {
            let proto = p.protocol.clone().unwrap_or_default().to_ascii_uppercase();
            if no_addresses && (proto.is_empty() || proto == "TCP") {
                out.push(warn(
                    codes::IST0134,
                    se.path,
                    format!("port {} ({}) is TCP but the ServiceEntry has no addresses; traffic to it cannot be told apart", p.number, p.name),
                    "set spec.addresses, or use an HTTP/TLS protocol",
                ));
            }
            for h in &s.hosts {
                claims
                    .entry((se.cluster, h.clone(), i64::from(p.number)))
                    .or_default()
                    .push((n, proto.clone(), everywhere, scopes.clone()));
            }
        }
    }
    let visible_together =
        |a: &Claim, b: &Claim| a.2 || b.2 || a.3.iter().any(|ns| b.3.contains(ns));
    let mut conflict: BTreeMap<usize, (usize, String, i64, String, String)> = BTreeMap::new();
    for ((_, host, port), list) in &claims {
        for (k, a) in list.iter().enumerate() {
            for b in &list[k + 1..] {
                if a.0 != b.0 && a.1 != b.1 && visible_together(a, b) {
                    conflict.entry(a.0).or_insert((
                        b.0,
                        host.clone(),
                        *port,
                        a.1.clone(),
                        b.1.clone(),
                    ));
                    conflict.entry(b.0).or_insert((
                        a.0,
                        host.clone(),
                        *port,
                        b.1.clone(),
                        a.1.clone(),
                    ));
                }
            }
        }
    }
    for (se, (other, host, port, mine, theirs)) in conflict {
        out.push(error(
            codes::IST0177,
            ix.service_entries[se].path,
            format!(
                "host {host:?} port {port} is {mine} here but {theirs} in {}",
                ix.service_entries[other].path
            ),
            "use one protocol per host and port (or export the entries to different namespaces)",
        ));
    }
}
