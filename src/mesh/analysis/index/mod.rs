//! The object index the analyzers share: every object of the tree sorted by
//! kind, cluster and namespace once, so each check is a lookup instead of a
//! scan (synth of thousands of objects stays well under a second).

use std::collections::BTreeMap;

mod build;
pub mod twins;

use k8s_openapi::api::core::v1::{Namespace, PodSpec, Service};
use serde_json::Value as Json;

use crate::core::RawObject;
use crate::mesh::istio::networking::{
    DestinationRule, EnvoyFilter, Gateway, ServiceEntry, Sidecar, VirtualService, WorkloadEntry,
};
use crate::mesh::istio::security::{
    AuthorizationPolicy, PeerAuthentication, RequestAuthentication,
};
use crate::mesh::istio::telemetry::Telemetry;

/// (cluster, namespace, label key, label value).
pub type LabelKey<'a> = (&'a str, String, String, String);

/// One object with where it lives.
pub struct Item<'a, T> {
    pub path: &'a str,
    pub cluster: &'a str,
    pub ns: String,
    pub name: String,
    pub obj: &'a T,
}

/// A pod template of a workload (or an installed gateway).
pub struct PodInfo<'a> {
    /// The construct path of the workload (or install input).
    pub path: &'a str,
    pub kind: &'static str,
    pub name: String,
    pub cluster: &'a str,
    pub ns: String,
    pub labels: BTreeMap<String, String>,
    /// The pod (template) annotations.
    pub annotations: Option<&'a BTreeMap<String, String>>,
    /// The workload object's own labels (a Deployment's, not its
    /// template's), which istioctl reads to recognise istiod.
    pub meta_labels: Option<&'a BTreeMap<String, String>>,
    pub spec: Option<&'a PodSpec>,
    /// Service ports (port, targetPort) known for an installed gateway.
    pub gateway_ports: Vec<(u16, u16)>,
    /// True for gateways installed by an IstioOperator (no object in the tree).
    pub installed_gateway: bool,
}

/// A raw object's body (`spec` and all) as one JSON object.
fn body_json(o: &RawObject) -> Json {
    Json::Object(o.body.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// A Gateway API object as its JSON (`spec` and all).
pub struct ApiObject<'a> {
    pub path: &'a str,
    pub cluster: &'a str,
    pub kind: &'a str,
    pub ns: String,
    pub name: String,
    pub json: Json,
}

/// An Ingress as the ALB checks read it.
pub struct IngressInfo<'a> {
    pub path: &'a str,
    /// `spec.ingressClassName`.
    pub class: Option<String>,
    pub annotations: Option<&'a BTreeMap<String, String>>,
}

/// Where a destination host is visible from (`exportTo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    /// `*` (and the default): every namespace.
    All,
    /// One namespace (`.` is the owner's).
    Namespace(String),
}

/// A Service or ServiceEntry host as a route destination sees it.
pub struct HostEntry {
    pub exports: Vec<Export>,
    /// Port numbers (a Service's `port`, a ServiceEntry's `number`).
    pub ports: Vec<i64>,
}

impl HostEntry {
    fn new(owner_ns: &str, export_to: &[String], ports: Vec<i64>) -> Self {
        let exports = if export_to.is_empty() {
            vec![Export::All]
        } else {
            export_to
                .iter()
                .map(|e| e.trim())
                .filter(|e| !e.is_empty() && *e != "~")
                .map(|e| match e {
                    "*" => Export::All,
                    "." => Export::Namespace(owner_ns.to_string()),
                    ns => Export::Namespace(ns.to_string()),
                })
                .collect()
        };
        HostEntry { exports, ports }
    }

    fn visible_in(&self, scope: &Export) -> bool {
        self.exports.contains(scope)
    }
}

/// The annotation through which a Service limits where it is visible.
pub const SERVICE_EXPORT_TO: &str = "networking.istio.io/exportTo";

/// Everything the analyzers look at.
#[derive(Default)]
pub struct Index<'a> {
    pub namespaces: BTreeMap<(&'a str, String), Item<'a, Namespace>>,
    pub services: Vec<Item<'a, Service>>,
    /// (cluster, ns) → indices into `services`.
    pub services_by_ns: BTreeMap<(&'a str, String), Vec<usize>>,
    /// FQDN → indices into `services`, over every cluster.
    pub services_by_host: BTreeMap<String, Vec<usize>>,
    pub pods: Vec<PodInfo<'a>>,
    /// (cluster, ns) → indices into `pods`.
    pub pods_by_ns: BTreeMap<(&'a str, String), Vec<usize>>,
    /// (cluster, ns, label key, label value) → indices into `pods`, so a
    /// selector is matched against the pods carrying its first label only.
    pub pods_by_label: BTreeMap<LabelKey<'a>, Vec<usize>>,
    /// (cluster, ns, key, value) of each Service's first selector label → indices into `services`.
    pub services_by_label: BTreeMap<LabelKey<'a>, Vec<usize>>,
    /// (cluster, ns, name) of Secrets and of objects that create one
    /// (cert-manager Certificates, ExternalSecrets).
    pub secrets: BTreeMap<(&'a str, String, String), &'a str>,
    /// The Secret objects themselves, by (cluster, ns, name), for the
    /// checks of what a TLS credential holds.
    pub secret_objects: BTreeMap<(&'a str, String, String), &'a k8s_openapi::api::core::v1::Secret>,
    /// The cluster's own configuration as JSON (metadata included):
    /// ConfigMaps, webhook configurations, CustomResourceDefinitions and
    /// Nodes, which the control-plane checks read.
    pub config: Vec<ApiObject<'a>>,
    /// (cluster, ns, name) of ServiceAccounts.
    pub service_accounts: std::collections::BTreeSet<(&'a str, String, String)>,
    pub gateways: Vec<Item<'a, Gateway>>,
    /// (cluster, ns, name) → index into `gateways`.
    pub gateways_by_key: BTreeMap<(&'a str, String, String), usize>,
    pub virtual_services: Vec<Item<'a, VirtualService>>,
    pub destination_rules: Vec<Item<'a, DestinationRule>>,
    /// (cluster, host FQDN) → indices into `destination_rules`.
    pub drs_by_host: BTreeMap<(&'a str, String), Vec<usize>>,
    pub service_entries: Vec<Item<'a, ServiceEntry>>,
    /// Exact ServiceEntry hosts, and wildcard ones (few) to match by suffix.
    pub se_hosts: std::collections::BTreeSet<String>,
    pub se_wildcards: Vec<String>,
    /// Destination hosts (Service FQDNs and ServiceEntry hosts) with the
    /// namespaces they are exported to and their ports, as Istio resolves
    /// a route's destination.
    pub dest_hosts: BTreeMap<String, Vec<HostEntry>>,
    /// The same, for wildcard ServiceEntry hosts (few; matched by suffix).
    pub dest_wildcards: Vec<(String, HostEntry)>,
    pub workload_entries: Vec<Item<'a, WorkloadEntry>>,
    pub envoy_filters: Vec<Item<'a, EnvoyFilter>>,
    pub sidecars: Vec<Item<'a, Sidecar>>,
    pub peer_authentications: Vec<Item<'a, PeerAuthentication>>,
    pub authorization_policies: Vec<Item<'a, AuthorizationPolicy>>,
    pub request_authentications: Vec<Item<'a, RequestAuthentication>>,
    pub telemetries: Vec<Item<'a, Telemetry>>,
    /// (cluster, ns, name) of ambient waypoints (Gateway API Gateways of class `istio-waypoint`).
    pub waypoints: std::collections::BTreeSet<(&'a str, String, String)>,
    /// (cluster, ns, name) of every Gateway API Gateway, waypoints included.
    pub k8s_gateways: std::collections::BTreeSet<(&'a str, String, String)>,
    /// Gateway API objects as JSON for the Gateway API analyzers: Gateways
    /// and routes, ReferenceGrants, GatewayClasses, BackendTLSPolicies.
    pub gateway_api: Vec<ApiObject<'a>>,
    /// WasmPlugins as JSON (their selector and targetRefs are read).
    pub wasm_plugins: Vec<ApiObject<'a>>,
    /// Ingresses, for the ALB checks.
    pub ingresses: Vec<IngressInfo<'a>>,
    /// Every object, for annotation checks: (path, kind, annotations, is pod template).
    pub annotated: Vec<(&'a str, &'a str, &'a BTreeMap<String, String>, bool)>,
}

/// The FQDN Istio gives a host written in namespace `ns`.
pub fn fqdn(host: &str, ns: &str) -> String {
    if host.contains('*') || host.contains('.') {
        host.to_string()
    } else {
        format!("{host}.{ns}.svc.cluster.local")
    }
}

/// Whether `host` matches `pattern` (which may start with `*`).
pub fn host_matches(pattern: &str, host: &str) -> bool {
    if pattern == "*" || pattern == host {
        return true;
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return host.ends_with(suffix);
    }
    if let Some(suffix) = host.strip_prefix('*') {
        return pattern.ends_with(suffix);
    }
    false
}

/// A selector's or object's labels, empty when absent.
pub fn labels(l: &Option<BTreeMap<String, String>>) -> &BTreeMap<String, String> {
    static EMPTY: BTreeMap<String, String> = BTreeMap::new();
    l.as_ref().unwrap_or(&EMPTY)
}

/// Whether `labels` contains every pair of `selector`.
pub fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

impl<'a> Index<'a> {
    /// Pods in (cluster, ns) whose labels contain `selector` (all of them
    /// for an empty selector).
    pub fn pods_selected(
        &self,
        cluster: &str,
        ns: &str,
        selector: &BTreeMap<String, String>,
    ) -> Vec<&PodInfo<'a>> {
        // Candidates: the pods carrying the selector's first label.
        let candidates = match selector.iter().next() {
            Some((k, v)) => {
                self.pods_by_label
                    .get(&(cluster, ns.to_string(), k.clone(), v.clone()))
            }
            None => self.pods_by_ns.get(&(cluster, ns.to_string())),
        };
        candidates
            .map(|v| {
                v.iter()
                    .map(|&i| &self.pods[i])
                    .filter(|p| selects(selector, &p.labels))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Services in the pod's namespace that select it.
    pub fn services_of(&self, pod: &PodInfo<'_>) -> Vec<&Item<'a, Service>> {
        let mut out: Vec<usize> = Vec::new();
        for (k, v) in &pod.labels {
            let key = (pod.cluster, pod.ns.clone(), k.clone(), v.clone());
            for &i in self.services_by_label.get(&key).into_iter().flatten() {
                let selected = self.services[i]
                    .obj
                    .spec
                    .as_ref()
                    .and_then(|sp| sp.selector.as_ref())
                    .is_some_and(|sel| selects(sel, &pod.labels));
                if selected {
                    out.push(i);
                }
            }
        }
        // Tree order, each Service once.
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(|i| &self.services[i]).collect()
    }

    /// Whether a host is known to the mesh: a Service (any cluster) or a ServiceEntry host.
    pub fn host_known(&self, host: &str) -> bool {
        self.services_by_host.contains_key(host)
            || self.se_hosts.contains(host)
            || self.se_wildcards.iter().any(|w| host_matches(w, host))
    }

    /// (cluster, namespace) of the Namespace objects and of the namespaces
    /// workloads and Services live in.
    pub fn namespaces_in_use(&self) -> std::collections::BTreeSet<(&'a str, &str)> {
        let mut known = std::collections::BTreeSet::new();
        known.extend(self.namespaces.keys().map(|(c, n)| (*c, n.as_str())));
        known.extend(self.pods_by_ns.keys().map(|(c, n)| (*c, n.as_str())));
        known.extend(self.services_by_ns.keys().map(|(c, n)| (*c, n.as_str())));
        known
    }

    /// The Service or ServiceEntry a route written in namespace `from`
    /// (exported to `export_to`, empty for the default) reaches for `host`
    /// (an FQDN), as Istio resolves it: first a host visible everywhere,
    /// then one exported to the route's namespace or to a namespace the
    /// route is exported to, then a wildcard ServiceEntry host visible
    /// everywhere or in `from`.
    pub fn destination(&self, host: &str, from: &str, export_to: &[String]) -> Option<&HostEntry> {
        let entries = self
            .dest_hosts
            .get(host)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(e) = entries.iter().find(|e| e.visible_in(&Export::All)) {
            return Some(e);
        }
        let scopes: Vec<Export> = if export_to.is_empty() {
            vec![Export::Namespace(from.to_string())]
        } else {
            export_to
                .iter()
                .map(|e| match e.as_str() {
                    "." => Export::Namespace(from.to_string()),
                    "*" => Export::All,
                    ns => Export::Namespace(ns.to_string()),
                })
                .collect()
        };
        for scope in &scopes {
            if let Some(e) = entries.iter().find(|e| e.visible_in(scope)) {
                return Some(e);
            }
        }
        let here = Export::Namespace(from.to_string());
        let bare = host.trim_start_matches('*');
        self.dest_wildcards
            .iter()
            .filter(|(_, e)| e.visible_in(&Export::All) || e.visible_in(&here))
            .find(|(w, _)| bare.ends_with(w.trim_start_matches('*')))
            .map(|(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_hosts_are_expanded_in_their_namespace() {
        assert_eq!(fqdn("web", "shop"), "web.shop.svc.cluster.local");
        assert_eq!(fqdn("api.global", "shop"), "api.global");
        assert_eq!(fqdn("*.example.com", "shop"), "*.example.com");
    }

    #[test]
    fn wildcard_hosts_match_by_suffix() {
        assert!(host_matches("*", "anything"));
        assert!(host_matches("*.example.com", "api.example.com"));
        assert!(!host_matches("*.example.com", "example.org"));
        assert!(host_matches("api.example.com", "*.example.com"));
        assert!(!host_matches("a.example.com", "b.example.com"));
    }

    #[test]
    fn selectors_are_subsets_of_labels() {
        let labels = BTreeMap::from([
            ("app".to_string(), "web".to_string()),
            ("version".to_string(), "v1".to_string()),
        ]);
        assert!(selects(&BTreeMap::new(), &labels));
        assert!(selects(
            &BTreeMap::from([("app".to_string(), "web".to_string())]),
            &labels
        ));
        assert!(!selects(
            &BTreeMap::from([("version".to_string(), "v2".to_string())]),
            &labels
        ));
    }
}
