//! Building the index: one pass over the tree's objects, each filed by
//! kind, then the gateways that install inputs (IstioOperator, Helm values)
//! create without an object.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, Pod, PodSpec, Secret, Service, ServiceAccount,
};
use serde_json::Value as Json;

use super::{body_json, fqdn, ApiObject, HostEntry, Index, Item, PodInfo, SERVICE_EXPORT_TO};
use crate::core::{App, InstallKind, K8sObject, RawObject};
use crate::mesh::crd::SpecOf;
use crate::mesh::gateway_api::{self, GATEWAY_NAME_LABEL, WAYPOINT_CLASS};
use crate::mesh::istio::install::ISTIO_SYSTEM;
use crate::mesh::istio::networking::{
    DestinationRule, EnvoyFilter, Gateway, ServiceEntry, Sidecar, VirtualService, WorkloadEntry,
};
use crate::mesh::istio::security::{
    AuthorizationPolicy, PeerAuthentication, RequestAuthentication,
};
use crate::mesh::istio::telemetry::Telemetry;
use crate::mesh::rollouts::Rollout;

fn downcast<T: 'static>(obj: &dyn K8sObject) -> Option<&T> {
    obj.as_any().downcast_ref::<T>()
}

/// Where an object lives: what every entry of the index records.
struct At<'a> {
    path: &'a str,
    cluster: &'a str,
    ns: String,
    name: String,
}

impl<'a> At<'a> {
    fn item<T>(&self, obj: &'a T) -> Item<'a, T> {
        Item {
            path: self.path,
            cluster: self.cluster,
            ns: self.ns.clone(),
            name: self.name.clone(),
            obj,
        }
    }

    fn key(&self) -> (&'a str, String, String) {
        (self.cluster, self.ns.clone(), self.name.clone())
    }

    fn api_object(&self, kind: &'a str, json: Json) -> ApiObject<'a> {
        ApiObject {
            path: self.path,
            cluster: self.cluster,
            kind,
            ns: self.ns.clone(),
            name: self.name.clone(),
            json,
        }
    }
}

/// A workload's pod template, as the index files it.
struct Template<'a> {
    kind: &'static str,
    /// The workload object's own labels.
    meta_labels: Option<&'a BTreeMap<String, String>>,
    labels: Option<&'a BTreeMap<String, String>>,
    annotations: Option<&'a BTreeMap<String, String>>,
    spec: Option<&'a PodSpec>,
}

impl<'a> Template<'a> {
    fn of(
        kind: &'static str,
        meta: &'a k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
        t: &'a k8s_openapi::api::core::v1::PodTemplateSpec,
    ) -> Self {
        Template {
            kind,
            meta_labels: meta.labels.as_ref(),
            labels: t.metadata.as_ref().and_then(|m| m.labels.as_ref()),
            annotations: t.metadata.as_ref().and_then(|m| m.annotations.as_ref()),
            spec: t.spec.as_ref(),
        }
    }
}

impl<'a> Index<'a> {
    /// Builds the index in one pass over the tree; a raw object with a
    /// typed twin (`twins`) is filed as the twin.
    pub fn build(app: &'a App, twins: &'a super::twins::Twins) -> Index<'a> {
        let mut ix = Index::default();
        for e in app.objects() {
            let obj = twins.get(e.path).map_or(e.object, |t| t.as_ref());
            ix.add_object(e.path, e.cluster, obj);
        }
        for input in app.install_input_refs() {
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

    /// Files one object under its kind (each kind is one of the groups below).
    fn add_object(&mut self, path: &'a str, cluster: &'a str, obj: &'a dyn K8sObject) {
        let meta = obj.metadata();
        let at = At {
            path,
            cluster,
            ns: meta.namespace.clone().unwrap_or_else(|| "default".into()),
            name: meta.name.clone().unwrap_or_default(),
        };
        // A bare Pod's annotations are checked once, as a pod template's;
        // an Ingress's are the load balancer controller's, which istioctl
        // does not check either.
        if let Some(a) = meta
            .annotations
            .as_ref()
            .filter(|_| !matches!(obj.kind(), "Pod" | "Ingress"))
        {
            self.annotated.push((path, obj.kind(), a, false));
        }
        if obj.kind() == "Ingress" {
            let class = downcast::<k8s_openapi::api::networking::v1::Ingress>(obj)
                .and_then(|i| i.spec.as_ref()?.ingress_class_name.clone())
                .or_else(|| {
                    downcast::<RawObject>(obj).and_then(|r| {
                        r.body
                            .get("spec")?
                            .get("ingressClassName")?
                            .as_str()
                            .map(str::to_string)
                    })
                });
            self.ingresses.push(super::IngressInfo {
                path,
                class,
                annotations: meta.annotations.as_ref(),
            });
        }
        let _filed = self.add_core(&at, obj)
            || self.add_raw(&at, obj)
            || self.add_gateway_api(&at, obj)
            || self.add_istio(&at, obj);
    }

    /// Namespaces, Services, workloads, ServiceAccounts and Secrets.
    fn add_core(&mut self, at: &At<'a>, obj: &'a dyn K8sObject) -> bool {
        if let Some(o) = downcast::<Namespace>(obj) {
            self.namespaces
                .insert((at.cluster, at.name.clone()), at.item(o));
        } else if let Some(o) = downcast::<Service>(obj) {
            self.add_service(at, o);
        } else if let Some(o) = downcast::<Deployment>(obj) {
            if let Some(t) = o.spec.as_ref().map(|s| &s.template) {
                self.add_pod(at, Template::of("Deployment", &o.metadata, t));
            }
        } else if let Some(o) = downcast::<StatefulSet>(obj) {
            if let Some(t) = o.spec.as_ref().map(|s| &s.template) {
                self.add_pod(at, Template::of("StatefulSet", &o.metadata, t));
            }
        } else if let Some(o) = downcast::<DaemonSet>(obj) {
            if let Some(t) = o.spec.as_ref().map(|s| &s.template) {
                self.add_pod(at, Template::of("DaemonSet", &o.metadata, t));
            }
        } else if let Some(o) = downcast::<Pod>(obj) {
            // Bare Pods (YAML given to `meshsynth analyze`) are workloads too.
            let template = Template {
                kind: "Pod",
                meta_labels: o.metadata.labels.as_ref(),
                labels: o.metadata.labels.as_ref(),
                annotations: o.metadata.annotations.as_ref(),
                spec: o.spec.as_ref(),
            };
            self.add_pod(at, template);
        } else if let Some(o) = downcast::<Rollout>(obj) {
            let t = o.spec.template.as_ref();
            let meta = t.and_then(|t| t.metadata.as_ref());
            let template = Template {
                kind: "Rollout",
                meta_labels: o.metadata.labels.as_ref(),
                labels: meta.and_then(|m| m.labels.as_ref()),
                annotations: meta.and_then(|m| m.annotations.as_ref()),
                spec: t.and_then(|t| t.spec.as_ref()),
            };
            self.add_pod(at, template);
        } else if downcast::<ServiceAccount>(obj).is_some() {
            self.service_accounts.insert(at.key());
        } else if let Some(o) = downcast::<Secret>(obj) {
            self.secrets.insert(at.key(), at.path);
            self.secret_objects.insert(at.key(), o);
        } else if downcast::<ConfigMap>(obj).is_some() {
            self.add_config(at, obj);
        } else {
            return false;
        }
        true
    }

    fn add_service(&mut self, at: &At<'a>, o: &'a Service) {
        let (ns, name) = (&at.ns, &at.name);
        let i = self.services.len();
        if let Some((k, v)) = o
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .and_then(|s| s.iter().next())
        {
            self.services_by_label
                .entry((at.cluster, ns.clone(), k.clone(), v.clone()))
                .or_default()
                .push(i);
        }
        self.services_by_ns
            .entry((at.cluster, ns.clone()))
            .or_default()
            .push(i);
        self.services_by_host
            .entry(fqdn(name, ns))
            .or_default()
            .push(i);
        let export_to: Vec<String> = o
            .metadata
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
        self.dest_hosts
            .entry(fqdn(name, ns))
            .or_default()
            .push(HostEntry::new(ns, &export_to, ports));
        self.services.push(at.item(o));
    }

    /// Untyped objects: WasmPlugins and Gateway API objects read from YAML,
    /// and the objects that create a Secret (cert-manager, External Secrets).
    fn add_raw(&mut self, at: &At<'a>, obj: &'a dyn K8sObject) -> bool {
        let Some(o) = downcast::<RawObject>(obj) else {
            return false;
        };
        if is_config_kind(&o.api_version, &o.kind) {
            self.add_config(at, obj);
        } else if o.api_version.starts_with("extensions.istio.io/") && o.kind == "WasmPlugin" {
            self.wasm_plugins
                .push(at.api_object(o.kind.as_str(), body_json(o)));
        } else if o.api_version.starts_with("gateway.networking.k8s.io/") {
            if o.kind == "Gateway" {
                // A Gateway written as a raw object (or read from YAML into
                // one) is a Gateway like a typed one: a waypoint, pods.
                let class = o
                    .body
                    .get("spec")
                    .and_then(|s| s.get("gatewayClassName"))
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                self.add_k8s_gateway(at, class);
            }
            let mut json = body_json(o);
            if let (Some(a), Json::Object(m)) = (&o.metadata.annotations, &mut json) {
                m.insert("metadata".into(), serde_json::json!({ "annotations": a }));
            }
            self.gateway_api.push(at.api_object(o.kind.as_str(), json));
        } else {
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
                self.secrets
                    .insert((at.cluster, at.ns.clone(), t.to_string()), at.path);
            }
        }
        true
    }

    /// A configuration object of the cluster, as its whole JSON.
    fn add_config(&mut self, at: &At<'a>, obj: &'a dyn K8sObject) {
        if let Ok(json) = obj.to_json() {
            let kind = obj.kind();
            self.config.push(at.api_object(kind, json));
        }
    }

    /// The DSL's typed Gateway API Gateways and HTTPRoutes, checked like
    /// those read from YAML.
    fn add_gateway_api(&mut self, at: &At<'a>, obj: &'a dyn K8sObject) -> bool {
        if let Some(o) = downcast::<gateway_api::Gateway>(obj) {
            let spec = serde_json::to_value(&o.spec).unwrap_or_default();
            let annotations = &o.metadata.annotations;
            let json =
                serde_json::json!({ "spec": spec, "metadata": { "annotations": annotations } });
            self.gateway_api.push(at.api_object("Gateway", json));
            self.add_k8s_gateway(at, o.spec.gateway_class_name.as_str());
        } else if let Some(o) = downcast::<gateway_api::HTTPRoute>(obj) {
            let spec = serde_json::to_value(&o.spec).unwrap_or_default();
            self.gateway_api
                .push(at.api_object("HTTPRoute", serde_json::json!({ "spec": spec })));
        } else {
            return false;
        }
        true
    }

    /// A Gateway API Gateway of class `class`, typed or raw alike: known by
    /// key, a waypoint when its class says so, and (for Istio's classes)
    /// the pods Istio deploys for it, labelled with its name, which policies
    /// and selectors match.
    fn add_k8s_gateway(&mut self, at: &At<'a>, class: &str) {
        self.k8s_gateways.insert(at.key());
        if ["istio", WAYPOINT_CLASS].contains(&class) {
            let labels = BTreeMap::from([(GATEWAY_NAME_LABEL.to_string(), at.name.clone())]);
            let pod = At {
                path: at.path,
                cluster: at.cluster,
                ns: at.ns.clone(),
                name: at.name.clone(),
            };
            self.add_installed_gateway(pod, "Gateway API Gateway", labels, Vec::new());
        }
        if class == WAYPOINT_CLASS {
            self.waypoints.insert(at.key());
        }
    }

    /// Istio's networking, security and telemetry kinds.
    fn add_istio(&mut self, at: &At<'a>, obj: &'a dyn K8sObject) -> bool {
        if let Some(o) = downcast::<Gateway>(obj) {
            self.gateways_by_key.insert(at.key(), self.gateways.len());
            self.gateways.push(at.item(o));
        } else if let Some(o) = downcast::<VirtualService>(obj) {
            self.virtual_services.push(at.item(o));
        } else if let Some(o) = downcast::<DestinationRule>(obj) {
            self.drs_by_host
                .entry((at.cluster, fqdn(&o.spec().host, &at.ns)))
                .or_default()
                .push(self.destination_rules.len());
            self.destination_rules.push(at.item(o));
        } else if let Some(o) = downcast::<ServiceEntry>(obj) {
            self.add_service_entry(at, o);
        } else if let Some(o) = downcast::<WorkloadEntry>(obj) {
            self.workload_entries.push(at.item(o));
        } else if let Some(o) = downcast::<EnvoyFilter>(obj) {
            self.envoy_filters.push(at.item(o));
        } else if let Some(o) = downcast::<Sidecar>(obj) {
            self.sidecars.push(at.item(o));
        } else if let Some(o) = downcast::<PeerAuthentication>(obj) {
            self.peer_authentications.push(at.item(o));
        } else if let Some(o) = downcast::<AuthorizationPolicy>(obj) {
            self.authorization_policies.push(at.item(o));
        } else if let Some(o) = downcast::<RequestAuthentication>(obj) {
            self.request_authentications.push(at.item(o));
        } else if let Some(o) = downcast::<Telemetry>(obj) {
            self.telemetries.push(at.item(o));
        } else {
            return false;
        }
        true
    }

    fn add_service_entry(&mut self, at: &At<'a>, o: &'a ServiceEntry) {
        let export_to = o.spec.export_to.as_deref().unwrap_or_default();
        let ports: Vec<i64> = o
            .spec
            .ports
            .iter()
            .flatten()
            .map(|p| i64::from(p.number))
            .collect();
        for h in &o.spec.hosts {
            let entry = HostEntry::new(&at.ns, export_to, ports.clone());
            if h.contains('*') {
                self.se_wildcards.push(h.clone());
                self.dest_wildcards.push((h.clone(), entry));
            } else {
                self.se_hosts.insert(h.clone());
                self.dest_hosts
                    .entry(fqdn(h, &at.ns))
                    .or_default()
                    .push(entry);
            }
        }
        self.service_entries.push(at.item(o));
    }

    /// The pods of a gateway an installer or Istio itself deploys: no
    /// object in the tree, known by its labels and Service ports.
    fn add_installed_gateway(
        &mut self,
        at: At<'a>,
        kind: &'static str,
        labels: BTreeMap<String, String>,
        gateway_ports: Vec<(u16, u16)>,
    ) {
        self.index_pod(at.cluster, &at.ns, &labels);
        self.pods.push(PodInfo {
            path: at.path,
            kind,
            name: at.name,
            cluster: at.cluster,
            ns: at.ns,
            labels,
            annotations: None,
            meta_labels: None,
            spec: None,
            gateway_ports,
            installed_gateway: true,
        });
    }

    fn add_pod(&mut self, at: &At<'a>, t: Template<'a>) {
        let labels = t.labels.cloned().unwrap_or_default();
        if let Some(annotations) = t.annotations.filter(|a| !a.is_empty()) {
            self.annotated.push((at.path, "Pod", annotations, true));
        }
        self.index_pod(at.cluster, &at.ns, &labels);
        self.pods.push(PodInfo {
            path: at.path,
            kind: t.kind,
            name: at.name.clone(),
            cluster: at.cluster,
            ns: at.ns.clone(),
            labels,
            annotations: t.annotations,
            meta_labels: t.meta_labels,
            spec: t.spec,
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
            // istioctl's default ingress gateway Service.
            let ports = service_ports(
                g.pointer("/k8s/service/ports"),
                &[(15021, 15021), (80, 8080), (443, 8443)],
            );
            let at = At {
                path,
                cluster,
                ns,
                name,
            };
            self.add_installed_gateway(at, "IstioOperator gateway", labels, ports);
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
        // The chart's default Service.
        let ports = service_ports(
            values.pointer("/service/ports"),
            &[(15021, 15021), (80, 80), (443, 443)],
        );
        // The release namespace is not in the values; istio-system is the usual one.
        let ns = ISTIO_SYSTEM.to_string();
        let at = At {
            path,
            cluster,
            ns,
            name,
        };
        self.add_installed_gateway(at, "istio/gateway release", labels, ports);
    }
}

/// A gateway Service's (port, targetPort) pairs from install values, or
/// the installer's default Service when the values set none.
fn service_ports(ports: Option<&Json>, default: &[(u16, u16)]) -> Vec<(u16, u16)> {
    match ports.and_then(Json::as_array) {
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
        None => default.to_vec(),
    }
}

/// Kinds of the cluster's own configuration the control-plane checks read
/// (raw, as `meshsynth analyze` reads them from YAML).
fn is_config_kind(api_version: &str, kind: &str) -> bool {
    let group = crate::core::object::api_group(api_version);
    matches!(
        (group, kind),
        ("", "ConfigMap" | "Node")
            | (
                "admissionregistration.k8s.io",
                "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration"
            )
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
    )
}
