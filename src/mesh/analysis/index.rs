//! The object index the analyzers share: every object of the tree sorted by
//! kind, cluster and namespace once, so each check is a lookup instead of a
//! scan (synth of thousands of objects stays well under a second).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Pod, PodSpec, Secret, Service};
use serde_json::Value as Json;

use crate::core::{App, InstallKind, K8sObject, RawObject};
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::install::ISTIO_SYSTEM;
use crate::mesh::istio::networking::{
    DestinationRule, EnvoyFilter, Gateway, ServiceEntry, Sidecar, VirtualService, WorkloadEntry,
};
use crate::mesh::istio::security::{
    AuthorizationPolicy, PeerAuthentication, RequestAuthentication,
};
use crate::mesh::istio::telemetry::Telemetry;
use crate::mesh::rollouts::Rollout;

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

fn downcast<T: 'static>(obj: &dyn K8sObject) -> Option<&T> {
    obj.as_any().downcast_ref::<T>()
}

impl<'a> Index<'a> {
    /// Builds the index in one pass over the tree.
    pub fn build(app: &'a App) -> Index<'a> {
        let mut ix = Index::default();
        for (path, cluster, obj) in app.all_objects() {
            let meta = obj.metadata();
            let ns = meta.namespace.clone().unwrap_or_else(|| "default".into());
            let name = meta.name.clone().unwrap_or_default();
            // A bare Pod's annotations are checked once, as a pod template's.
            if let Some(a) = meta.annotations.as_ref().filter(|_| obj.kind() != "Pod") {
                ix.annotated.push((path, obj.kind(), a, false));
            }
            macro_rules! item {
                ($o:expr) => {
                    Item {
                        path,
                        cluster,
                        ns: ns.clone(),
                        name: name.clone(),
                        obj: $o,
                    }
                };
            }
            if let Some(o) = downcast::<Namespace>(obj) {
                ix.namespaces.insert((cluster, name.clone()), item!(o));
            } else if let Some(o) = downcast::<Service>(obj) {
                let i = ix.services.len();
                if let Some((k, v)) = o
                    .spec
                    .as_ref()
                    .and_then(|s| s.selector.as_ref())
                    .and_then(|s| s.iter().next())
                {
                    ix.services_by_label
                        .entry((cluster, ns.clone(), k.clone(), v.clone()))
                        .or_default()
                        .push(i);
                }
                ix.services_by_ns
                    .entry((cluster, ns.clone()))
                    .or_default()
                    .push(i);
                ix.services_by_host
                    .entry(fqdn(&name, &ns))
                    .or_default()
                    .push(i);
                let export_to: Vec<String> = meta
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(SERVICE_EXPORT_TO))
                    .map(|v| v.split(',').map(str::to_string).collect())
                    .unwrap_or_default();
                let ports = o
                    .spec
                    .as_ref()
                    .and_then(|s| s.ports.as_ref())
                    .into_iter()
                    .flatten()
                    .map(|p| i64::from(p.port))
                    .collect();
                ix.dest_hosts
                    .entry(fqdn(&name, &ns))
                    .or_default()
                    .push(HostEntry::new(&ns, &export_to, ports));
                ix.services.push(item!(o));
            } else if let Some(o) = downcast::<Deployment>(obj) {
                if let Some(t) = o.spec.as_ref().map(|s| &s.template) {
                    ix.add_pod(
                        path,
                        "Deployment",
                        &name,
                        cluster,
                        &ns,
                        t.metadata.as_ref().and_then(|m| m.labels.as_ref()),
                        t.metadata.as_ref().and_then(|m| m.annotations.as_ref()),
                        t.spec.as_ref(),
                    );
                }
            } else if let Some(o) = downcast::<StatefulSet>(obj) {
                if let Some(t) = o.spec.as_ref().map(|s| &s.template) {
                    ix.add_pod(
                        path,
                        "StatefulSet",
                        &name,
                        cluster,
                        &ns,
                        t.metadata.as_ref().and_then(|m| m.labels.as_ref()),
                        t.metadata.as_ref().and_then(|m| m.annotations.as_ref()),
                        t.spec.as_ref(),
                    );
                }
            } else if let Some(o) = downcast::<DaemonSet>(obj) {
                if let Some(t) = o.spec.as_ref().map(|s| &s.template) {
                    ix.add_pod(
                        path,
                        "DaemonSet",
                        &name,
                        cluster,
                        &ns,
                        t.metadata.as_ref().and_then(|m| m.labels.as_ref()),
                        t.metadata.as_ref().and_then(|m| m.annotations.as_ref()),
                        t.spec.as_ref(),
                    );
                }
            } else if let Some(o) = downcast::<Pod>(obj) {
                // Bare Pods (YAML given to `meshsynth analyze`) are workloads too.
                ix.add_pod(
                    path,
                    "Pod",
                    &name,
                    cluster,
                    &ns,
                    o.metadata.labels.as_ref(),
                    o.metadata.annotations.as_ref(),
                    o.spec.as_ref(),
                );
            } else if let Some(o) = downcast::<Rollout>(obj) {
                let t = o.spec.template.as_ref();
                let meta = t.and_then(|t| t.metadata.as_ref());
                ix.add_pod(
                    path,
                    "Rollout",
                    &name,
                    cluster,
                    &ns,
                    meta.and_then(|m| m.labels.as_ref()),
                    meta.and_then(|m| m.annotations.as_ref()),
                    t.and_then(|t| t.spec.as_ref()),
                );
            } else if downcast::<k8s_openapi::api::core::v1::ServiceAccount>(obj).is_some() {
                ix.service_accounts
                    .insert((cluster, ns.clone(), name.clone()));
            } else if downcast::<Secret>(obj).is_some() {
                ix.secrets.insert((cluster, ns.clone(), name.clone()), path);
            } else if let Some(o) = downcast::<RawObject>(obj).filter(|o| {
                o.api_version.starts_with("extensions.istio.io/") && o.kind == "WasmPlugin"
            }) {
                ix.wasm_plugins.push(ApiObject {
                    path,
                    cluster,
                    kind: o.kind.as_str(),
                    ns: ns.clone(),
                    name: name.clone(),
                    json: body_json(o),
                });
            } else if let Some(o) = downcast::<RawObject>(obj)
                .filter(|o| o.api_version.starts_with("gateway.networking.k8s.io/"))
            {
                ix.gateway_api.push(ApiObject {
                    path,
                    cluster,
                    kind: o.kind.as_str(),
                    ns: ns.clone(),
                    name: name.clone(),
                    json: body_json(o),
                });
            } else if let Some(o) = downcast::<RawObject>(obj) {
                // Objects that create a Secret: cert-manager, External Secrets.
                let target = match o.kind.as_str() {
                    "Certificate" => o.body.get("spec").and_then(|s| s.get("secretName")),
                    "ExternalSecret" => o
                        .body
                        .get("spec")
                        .and_then(|s| s.get("target"))
                        .and_then(|t| t.get("name")),
                    _ => None,
                };
                if let Some(t) = target.and_then(Json::as_str) {
                    ix.secrets
                        .insert((cluster, ns.clone(), t.to_string()), path);
                }
            } else if let Some(o) = downcast::<crate::mesh::gateway_api::Gateway>(obj) {
                ix.k8s_gateways.insert((cluster, ns.clone(), name.clone()));
                ix.gateway_api.push(ApiObject {
                    path,
                    cluster,
                    kind: "Gateway",
                    ns: ns.clone(),
                    name: name.clone(),
                    json: serde_json::json!({ "spec": serde_json::to_value(&o.spec).unwrap_or_default() }),
                });
                // Istio deploys the Gateway as pods labelled with its name:
                // policies and selectors that pick them match these.
                if ["istio", crate::mesh::gateway_api::WAYPOINT_CLASS]
                    .contains(&o.spec.gateway_class_name.as_str())
                {
                    let labels = BTreeMap::from([(
                        crate::mesh::gateway_api::GATEWAY_NAME_LABEL.to_string(),
                        name.clone(),
                    )]);
                    ix.index_pod(cluster, &ns, &labels);
                    ix.pods.push(PodInfo {
                        path,
                        kind: "Gateway API Gateway",
                        name: name.clone(),
                        cluster,
                        ns: ns.clone(),
                        labels,
                        annotations: None,
                        spec: None,
                        gateway_ports: Vec::new(),
                        installed_gateway: true,
                    });
                }
                if o.spec.gateway_class_name == crate::mesh::gateway_api::WAYPOINT_CLASS {
                    ix.waypoints.insert((cluster, ns.clone(), name.clone()));
                }
            } else if let Some(o) = downcast::<crate::mesh::gateway_api::HTTPRoute>(obj) {
                // Routes the DSL writes are checked like routes read from YAML.
                ix.gateway_api.push(ApiObject {
                    path,
                    cluster,
                    kind: "HTTPRoute",
                    ns: ns.clone(),
                    name: name.clone(),
                    json: serde_json::json!({ "spec": serde_json::to_value(&o.spec).unwrap_or_default() }),
                });
            } else if let Some(o) = downcast::<Gateway>(obj) {
                ix.gateways_by_key
                    .insert((cluster, ns.clone(), name.clone()), ix.gateways.len());
                ix.gateways.push(item!(o));
            } else if let Some(o) = downcast::<VirtualService>(obj) {
                ix.virtual_services.push(item!(o));
            } else if let Some(o) = downcast::<DestinationRule>(obj) {
                ix.drs_by_host
                    .entry((cluster, fqdn(&o.spec().host, &ns)))
                    .or_default()
                    .push(ix.destination_rules.len());
                ix.destination_rules.push(item!(o));
            } else if let Some(o) = downcast::<ServiceEntry>(obj) {
                let export_to = o.spec.export_to.as_deref().unwrap_or_default();
                let ports: Vec<i64> = o.spec.ports.iter().flatten().map(|p| p.number).collect();
                for h in &o.spec.hosts {
                    let entry = HostEntry::new(&ns, export_to, ports.clone());
                    if h.contains('*') {
                        ix.se_wildcards.push(h.clone());
                        ix.dest_wildcards.push((h.clone(), entry));
                    } else {
                        ix.se_hosts.insert(h.clone());
                        ix.dest_hosts.entry(fqdn(h, &ns)).or_default().push(entry);
                    }
                }
                ix.service_entries.push(item!(o));
            } else if let Some(o) = downcast::<WorkloadEntry>(obj) {
                ix.workload_entries.push(item!(o));
            } else if let Some(o) = downcast::<EnvoyFilter>(obj) {
                ix.envoy_filters.push(item!(o));
            } else if let Some(o) = downcast::<Sidecar>(obj) {
                ix.sidecars.push(item!(o));
            } else if let Some(o) = downcast::<PeerAuthentication>(obj) {
                ix.peer_authentications.push(item!(o));
            } else if let Some(o) = downcast::<AuthorizationPolicy>(obj) {
                ix.authorization_policies.push(item!(o));
            } else if let Some(o) = downcast::<RequestAuthentication>(obj) {
                ix.request_authentications.push(item!(o));
            } else if let Some(o) = downcast::<Telemetry>(obj) {
                ix.telemetries.push(item!(o));
            }
        }
        for input in app.install_inputs() {
            let (path, cluster, content) = (input.path, input.cluster, input.content);
            match input.kind {
                InstallKind::IstioOperator => ix.add_installed_gateways(path, cluster, content),
                InstallKind::HelmValues { chart } if chart == "istio/gateway" => {
                    ix.add_helm_gateway(path, cluster, content)
                }
                InstallKind::HelmValues { .. } => {}
            }
        }
        ix
    }

    #[allow(clippy::too_many_arguments)]
    fn add_pod(
        &mut self,
        path: &'a str,
        kind: &'static str,
        name: &str,
        cluster: &'a str,
        ns: &str,
        labels: Option<&BTreeMap<String, String>>,
        annotations: Option<&'a BTreeMap<String, String>>,
        spec: Option<&'a PodSpec>,
    ) {
        let labels = labels.cloned().unwrap_or_default();
        if let Some(annotations) = annotations.filter(|a| !a.is_empty()) {
            self.annotated.push((path, "Pod", annotations, true));
        }
        self.index_pod(cluster, ns, &labels);
        self.pods.push(PodInfo {
            path,
            kind,
            name: name.to_string(),
            cluster,
            ns: ns.to_string(),
            labels,
            annotations,
            spec,
            gateway_ports: Vec::new(),
            installed_gateway: false,
        });
    }

    /// Gateway workloads an IstioOperator installs (they have no object in the tree).
    fn add_installed_gateways(&mut self, path: &'a str, cluster: &'a str, op: &Json) {
        let Some(list) = op
            .pointer("/spec/components/ingressGateways")
            .and_then(Json::as_array)
        else {
            return;
        };
        for g in list {
            if g.get("enabled").and_then(Json::as_bool) == Some(false) {
                continue;
            }
            let name = g
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("istio-ingressgateway")
                .to_string();
            let ns = g
                .get("namespace")
                .and_then(Json::as_str)
                .unwrap_or(ISTIO_SYSTEM)
                .to_string();
            let labels: BTreeMap<String, String> = match g.get("label").and_then(Json::as_object) {
                Some(m) => m
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect(),
                None => BTreeMap::from([
                    ("app".into(), "istio-ingressgateway".into()),
                    ("istio".into(), "ingressgateway".into()),
                ]),
            };
            let ports: Vec<(u16, u16)> =
                match g.pointer("/k8s/service/ports").and_then(Json::as_array) {
                    Some(ps) => ps
                        .iter()
                        .filter_map(|p| {
                            let port = u16::try_from(p.get("port")?.as_u64()?).ok()?;
                            let target = p
                                .get("targetPort")
                                .and_then(Json::as_u64)
                                .and_then(|t| u16::try_from(t).ok())
                                .unwrap_or(port);
                            Some((port, target))
                        })
                        .collect(),
                    // istioctl's default ingress gateway Service.
                    None => vec![(15021, 15021), (80, 8080), (443, 8443)],
                };
            self.index_pod(cluster, &ns, &labels);
            self.pods.push(PodInfo {
                path,
                kind: "IstioOperator gateway",
                name,
                cluster,
                ns,
                labels,
                annotations: None,
                spec: None,
                gateway_ports: ports,
                installed_gateway: true,
            });
        }
    }

    /// Records where the next pod lives and which labels it carries.
    fn index_pod(&mut self, cluster: &'a str, ns: &str, labels: &BTreeMap<String, String>) {
        let i = self.pods.len();
        self.pods_by_ns
            .entry((cluster, ns.to_string()))
            .or_default()
            .push(i);
        for (k, v) in labels {
            self.pods_by_label
                .entry((cluster, ns.to_string(), k.clone(), v.clone()))
                .or_default()
                .push(i);
        }
    }

    /// A gateway installed with the `istio/gateway` Helm chart: the chart
    /// labels its pods `app: <name>` and `istio: <name without "istio-">`,
    /// plus the `labels` value.
    fn add_helm_gateway(&mut self, path: &'a str, cluster: &'a str, values: &Json) {
        let name = values
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or("istio-ingressgateway")
            .to_string();
        let mut labels = BTreeMap::from([
            ("app".to_string(), name.clone()),
            (
                "istio".to_string(),
                name.strip_prefix("istio-").unwrap_or(&name).to_string(),
            ),
        ]);
        if let Some(m) = values.get("labels").and_then(Json::as_object) {
            for (k, v) in m {
                if let Some(v) = v.as_str() {
                    labels.insert(k.clone(), v.to_string());
                }
            }
        }
        let ports: Vec<(u16, u16)> = match values.pointer("/service/ports").and_then(Json::as_array)
        {
            Some(ps) => ps
                .iter()
                .filter_map(|p| {
                    let port = u16::try_from(p.get("port")?.as_u64()?).ok()?;
                    let target = p
                        .get("targetPort")
                        .and_then(Json::as_u64)
                        .and_then(|t| u16::try_from(t).ok())
                        .unwrap_or(port);
                    Some((port, target))
                })
                .collect(),
            // The chart's default Service.
            None => vec![(15021, 15021), (80, 80), (443, 443)],
        };
        // The release namespace is not in the values; istio-system is the usual one.
        let ns = ISTIO_SYSTEM.to_string();
        self.index_pod(cluster, &ns, &labels);
        self.pods.push(PodInfo {
            path,
            kind: "istio/gateway release",
            name,
            cluster,
            ns,
            labels,
            annotations: None,
            spec: None,
            gateway_ports: ports,
            installed_gateway: true,
        });
    }

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
