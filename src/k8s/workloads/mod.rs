//! Workload constructs (construct layer) over `k8s-openapi` core kinds:
//! Deployment with secure pod defaults, Service with Istio port naming,
//! ServiceAccount, ConfigMap, PodDisruptionBudget, NetworkPolicy and HPA v2.
//! Every object is added through `mesh::add_object`, so the offline mesh
//! analyzers see it.
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::k8s::workloads::{
//!     AppDeployment, AppService, ContainerPort, ContainerProps, AppDeploymentProps, PodProps,
//!     ServicePortProps, AppServiceProps,
//! };
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         MeshNamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
//!     let selector = BTreeMap::from([("app".to_string(), "web".to_string())]);
//!     // Non-root, read-only root filesystem, dropped capabilities, seccomp, probes and
//!     // requests/limits are the defaults.
//!     AppDeployment::new(&mut c, "Web", AppDeploymentProps {
//!         name: "web".into(),
//!         replicas: Some(2),
//!         pod: PodProps {
//!             selector: selector.clone(),
//!             containers: vec![ContainerProps {
//!                 name: "web".into(),
//!                 image: "registry.example.com/acme/web:1.2.3".into(),
//!                 ports: vec![ContainerPort { name: "http".into(), port: 8080 }],
//!                 ..Default::default()
//!             }],
//!             ..Default::default()
//!         },
//!         ..Default::default()
//!     })?;
//!     AppService::new(&mut c, "WebService", AppServiceProps {
//!         name: "web".into(),
//!         selector,
//!         ports: vec![ServicePortProps::http(80, 8080)],
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.object("Deployment", "web").has(serde_json::json!({ "spec": { "template": { "spec": {
//!     "securityContext": { "runAsNonRoot": true } } } } }));
//! synth.object("Service", "web").has(serde_json::json!({ "spec": { "ports": [{ "name": "http", "port": 80 }] } }));
//! ```

mod autoscaling;
mod deprecated;
mod image;
mod pod;
mod service;

pub use crate::core::image::{check_image_pinned, ImageError, ImageRef};
pub use autoscaling::{Hpa, HpaMetric, HpaProps, ScalingRules};
#[allow(deprecated)]
pub use deprecated::{
    config_map, network_policy, network_policy_from_cidrs, pod_disruption_budget, service_account,
    DeploymentProps, NetworkPolicyProps, ServiceProps,
};
pub use pod::{
    ContainerPort, ContainerProps, PodProps, ProbeProps, Resources, ISTIO_PROXY_UID, PROXY_UID_CODE,
};
pub use service::{AppProtocol, AppServiceProps, ServicePortProps, ServiceType};

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::names::validate_dns1123_label;
use crate::core::{Error, ObjectRef, Scope};
use crate::k8s::add_object;

/// Validates a Kubernetes object name given by the user (a DNS-1123 label).
pub fn check_name(scope: &Scope<'_>, id: &str, what: &str, name: &str) -> Result<(), Error> {
    validate_dns1123_label(name).map_err(|e| {
        Error::construct(
            scope.child_path(id),
            format!("{what}: {e}"),
            "use lower-case letters, digits and '-', e.g. \"order-service\"",
        )
    })
}

/// Checks a port number is in 1..=65535.
pub fn check_port(path: &str, what: &str, port: u16) -> Result<i32, Error> {
    if port != 0 {
        Ok(i32::from(port))
    } else {
        Err(Error::construct(
            path,
            format!("{what}: port {port} is out of range"),
            "use a port between 1 and 65535",
        ))
    }
}

fn meta(name: &str, labels: &BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        labels: (!labels.is_empty()).then(|| labels.clone()),
        ..Default::default()
    }
}

/// Props of an `AppDeployment`.
#[derive(Debug, Clone, Default)]
pub struct AppDeploymentProps {
    /// `metadata.name`; a DNS-1123 label. Required (no default).
    pub name: String,
    /// Replicas. Default: unset (Kubernetes' 1; leave unset when an autoscaler owns the count).
    pub replicas: Option<i32>,
    /// The pod template. Required: its selector and containers have no defaults.
    pub pod: PodProps,
    /// Labels of the Deployment object itself. Default: the pod's selector labels.
    pub labels: BTreeMap<String, String>,
}

/// A Deployment whose pods carry the secure defaults of `PodProps`.
pub struct AppDeployment;

impl AppDeployment {
    /// Adds the Deployment.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AppDeploymentProps,
    ) -> Result<ObjectRef<Deployment>, Error> {
        check_name(scope, id, "deployment name", &props.name)?;
        let path = scope.child_path(id);
        let template = props.pod.template(&path)?;
        let labels = if props.labels.is_empty() {
            props.pod.selector.clone()
        } else {
            props.labels.clone()
        };
        let d = Deployment {
            metadata: meta(&props.name, &labels),
            spec: Some(DeploymentSpec {
                replicas: props.replicas,
                selector: LabelSelector {
                    match_labels: Some(props.pod.selector.clone()),
                    ..Default::default()
                },
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".into()),
                    ..Default::default()
                }),
                template,
                ..Default::default()
            }),
            ..Default::default()
        };
        let d = add_object(scope, id, d)?;
        props.pod.record_checkov_deviations(scope, d.node())?;
        Ok(d)
    }
}

/// A Service whose port names follow Istio's protocol naming.
pub struct AppService;

impl AppService {
    /// Adds the Service.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AppServiceProps,
    ) -> Result<ObjectRef<Service>, Error> {
        check_name(scope, id, "service name", &props.name)?;
        let path = scope.child_path(id);
        let svc = props.build(&path)?;
        add_object(scope, id, svc)
    }
}

/// Props of [`AppServiceAccount`].
#[derive(Debug, Clone, Default)]
pub struct AppServiceAccountProps {
    /// `metadata.name`; a DNS-1123 subdomain. Required (no default).
    pub name: String,
    /// The namespace. Default: the chart's.
    pub namespace: Option<String>,
    /// Annotations, e.g. `eks.amazonaws.com/role-arn`. Default: none.
    pub annotations: BTreeMap<String, String>,
}

/// A ServiceAccount that does not mount its token: pods opt in through the
/// projected IRSA volume.
pub struct AppServiceAccount;

impl AppServiceAccount {
    /// Adds the ServiceAccount.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AppServiceAccountProps,
    ) -> Result<ObjectRef<ServiceAccount>, Error> {
        let AppServiceAccountProps {
            name,
            namespace,
            annotations,
        } = props;
        check_name(scope, id, "service account name", &name)?;
        let sa = ServiceAccount {
            metadata: ObjectMeta {
                name: Some(name),
                namespace,
                annotations: (!annotations.is_empty()).then_some(annotations),
                ..Default::default()
            },
            // Pods opt in to a token explicitly through the projected IRSA volume.
            automount_service_account_token: Some(false),
            ..Default::default()
        };
        add_object(scope, id, sa)
    }
}

/// Props of [`AppConfigMap`].
#[derive(Debug, Clone, Default)]
pub struct AppConfigMapProps {
    /// `metadata.name`; a DNS-1123 subdomain. Required (no default).
    pub name: String,
    /// The entries. Default: none.
    pub data: BTreeMap<String, String>,
}

/// A ConfigMap of plain configuration (secrets belong in a Secret).
pub struct AppConfigMap;

impl AppConfigMap {
    /// Adds the ConfigMap.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AppConfigMapProps,
    ) -> Result<ObjectRef<ConfigMap>, Error> {
        check_name(scope, id, "config map name", &props.name)?;
        let cm = ConfigMap {
            metadata: meta(&props.name, &BTreeMap::new()),
            data: Some(props.data),
            ..Default::default()
        };
        add_object(scope, id, cm)
    }
}

/// How many pods a disruption may leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disruption {
    /// At least this many pods stay available.
    MinAvailable(i32),
    /// At most this many pods are down at once.
    MaxUnavailable(i32),
}

/// Props of [`AppPodDisruptionBudget`].
#[derive(Debug, Clone)]
pub struct AppPodDisruptionBudgetProps {
    /// `metadata.name`; a DNS-1123 subdomain. Required (no default).
    pub name: String,
    /// The pods' labels. Required (no default).
    pub selector: BTreeMap<String, String>,
    /// How many pods a disruption may leave. Required (no default).
    pub budget: Disruption,
}

/// A PodDisruptionBudget over the pods a selector picks.
pub struct AppPodDisruptionBudget;

impl AppPodDisruptionBudget {
    /// Adds the PodDisruptionBudget.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AppPodDisruptionBudgetProps,
    ) -> Result<ObjectRef<PodDisruptionBudget>, Error> {
        let AppPodDisruptionBudgetProps {
            name,
            selector,
            budget,
        } = props;
        check_name(scope, id, "pod disruption budget name", &name)?;
        let (min_available, max_unavailable) = match budget {
            Disruption::MinAvailable(n) => (Some(IntOrString::Int(n)), None),
            Disruption::MaxUnavailable(n) => (None, Some(IntOrString::Int(n))),
        };
        let pdb = PodDisruptionBudget {
            metadata: meta(&name, &BTreeMap::new()),
            spec: Some(PodDisruptionBudgetSpec {
                min_available,
                max_unavailable,
                selector: Some(LabelSelector {
                    match_labels: Some(selector),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        add_object(scope, id, pdb)
    }
}

/// Props of [`AppNetworkPolicy`]: who may connect to the selected pods.
#[derive(Debug, Clone, Default)]
pub struct AppNetworkPolicyProps {
    /// `metadata.name`; a DNS-1123 label. Required (no default).
    pub name: String,
    /// The pods the policy protects. Default: empty, which selects every pod of the namespace.
    pub pod_selector: BTreeMap<String, String>,
    /// Allowed peers as (namespace labels, pod labels). Default: none, which denies all
    /// ingress.
    pub allow_from: Vec<(BTreeMap<String, String>, BTreeMap<String, String>)>,
    /// Allowed TCP ports. Default: every port.
    pub ports: Vec<u16>,
}

/// A NetworkPolicy restricting ingress to the selected pods.
pub struct AppNetworkPolicy;

impl AppNetworkPolicy {
    /// Adds the NetworkPolicy.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AppNetworkPolicyProps,
    ) -> Result<ObjectRef<NetworkPolicy>, Error> {
        check_name(scope, id, "network policy name", &props.name)?;
        let path = scope.child_path(id);
        let selector = |m: &BTreeMap<String, String>| {
            (!m.is_empty()).then(|| LabelSelector {
                match_labels: Some(m.clone()),
                ..Default::default()
            })
        };
        let from: Vec<NetworkPolicyPeer> = props
            .allow_from
            .iter()
            .map(|(ns, pods)| NetworkPolicyPeer {
                namespace_selector: selector(ns),
                pod_selector: selector(pods),
                ..Default::default()
            })
            .collect();
        let ports = props
            .ports
            .iter()
            .map(|p| {
                Ok(NetworkPolicyPort {
                    port: Some(IntOrString::Int(check_port(&path, "network policy", *p)?)),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let ingress = (!from.is_empty()).then(|| {
            vec![NetworkPolicyIngressRule {
                from: Some(from),
                ports: (!ports.is_empty()).then_some(ports),
            }]
        });
        let np = NetworkPolicy {
            metadata: meta(&props.name, &BTreeMap::new()),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(props.pod_selector.clone()),
                    ..Default::default()
                }),
                policy_types: Some(vec!["Ingress".into()]),
                ingress,
                ..Default::default()
            }),
        };
        add_object(scope, id, np)
    }
}

/// Props of [`CidrNetworkPolicy`].
#[derive(Debug, Clone, Default)]
pub struct CidrNetworkPolicyProps {
    /// `metadata.name`; a DNS-1123 subdomain. Required (no default).
    pub name: String,
    /// The pods the policy protects. Default: empty, which selects every pod of the namespace.
    pub pod_selector: BTreeMap<String, String>,
    /// The admitted ranges; at least one, none of them `/0`. Required (no default).
    pub cidrs: Vec<String>,
    /// Admitted TCP ports. Default: every port.
    pub ports: Vec<u16>,
}

/// A NetworkPolicy admitting TCP ports to the selected pods from IP ranges
/// only, e.g. the VPC CIDR for an ALB's IP targets, whose traffic comes from
/// the load balancer's addresses rather than from pods. A `/0` range is
/// refused: it would be no policy at all.
pub struct CidrNetworkPolicy;

impl CidrNetworkPolicy {
    /// Adds the NetworkPolicy.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: CidrNetworkPolicyProps,
    ) -> Result<ObjectRef<NetworkPolicy>, Error> {
        let CidrNetworkPolicyProps {
            name,
            pod_selector,
            cidrs,
            ports,
        } = props;
        cidr_policy(scope, id, &name, &pod_selector, &cidrs, &ports)
    }
}

fn cidr_policy(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    pod_selector: &BTreeMap<String, String>,
    cidrs: &[String],
    ports: &[u16],
) -> Result<ObjectRef<NetworkPolicy>, Error> {
    check_name(scope, id, "network policy name", name)?;
    let path = scope.child_path(id);
    if cidrs.is_empty() {
        return Err(Error::construct(
            path,
            "a CIDR network policy needs at least one range",
            "pass e.g. the VPC CIDR, or use AppNetworkPolicy with an empty allow list to deny all",
        ));
    }
    let mut from = Vec::new();
    for c in cidrs {
        let net: ipnet::IpNet = c.parse().map_err(|_| {
            Error::construct(
                path.clone(),
                format!("{c:?} is not a CIDR range"),
                "use a range such as 10.0.0.0/16",
            )
        })?;
        if net.prefix_len() == 0 || net.network() != net.addr() {
            return Err(Error::construct(
                path.clone(),
                format!("{c} admits the whole internet or has host bits set"),
                "admit a specific range such as the VPC CIDR",
            ));
        }
        from.push(NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: c.clone(),
                except: None,
            }),
            ..Default::default()
        });
    }
    let ports = ports
        .iter()
        .map(|p| {
            Ok(NetworkPolicyPort {
                port: Some(IntOrString::Int(check_port(&path, "network policy", *p)?)),
                protocol: Some("TCP".into()),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let np = NetworkPolicy {
        metadata: meta(name, &BTreeMap::new()),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(pod_selector.clone()),
                ..Default::default()
            }),
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(from),
                ports: (!ports.is_empty()).then_some(ports),
            }]),
            ..Default::default()
        }),
    };
    add_object(scope, id, np)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{App, Chart, ChartProps, Context};

    #[test]
    fn cidr_policy_admits_ranges_and_refuses_the_internet() {
        let mut app = App::new(Context::new());
        let chart = Chart::new(&mut app.root(), "C", ChartProps::new("c").namespace("ns")).unwrap();
        let mut s = app.scope(chart.node()).unwrap();
        let sel = BTreeMap::from([("app".to_string(), "web".to_string())]);
        let np = CidrNetworkPolicy::new(
            &mut s,
            "Np",
            CidrNetworkPolicyProps {
                name: "web".into(),
                pod_selector: sel.clone(),
                cidrs: vec!["10.0.0.0/16".into()],
                ports: vec![8080],
            },
        )
        .unwrap();
        let obj = s.app().object(&np).unwrap();
        let rule = &obj.spec.as_ref().unwrap().ingress.as_ref().unwrap()[0];
        let peer = &rule.from.as_ref().unwrap()[0];
        assert_eq!(peer.ip_block.as_ref().unwrap().cidr, "10.0.0.0/16");
        assert_eq!(
            rule.ports.as_ref().unwrap()[0].port,
            Some(IntOrString::Int(8080))
        );
        for bad in ["0.0.0.0/0", "10.0.0.1/16", "nope"] {
            let e = cidr_policy(&mut s, "Bad", "bad", &sel, &[bad.into()], &[80]);
            assert!(e.is_err(), "{bad}");
        }
        assert!(cidr_policy(&mut s, "None", "none", &sel, &[], &[80]).is_err());
    }
}
