//! `MeshService` (L3 construct): one declaration — name, image, port,
//! replicas, routes, resilience, scaling and identity — becomes, consistent
//! by construction, the ServiceAccount (IRSA-linked when IAM needs are
//! given), the Deployment or Argo Rollout, the Service, VirtualServices and
//! DestinationRule, the HPA or KEDA ScaledObject, the PodDisruptionBudget and
//! the AuthorizationPolicy and NetworkPolicy.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, NamespaceProps};
//! use meshsynth::mesh::service::{MeshService, MeshServiceProps, Scaling};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         NamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
//!     // One declaration: ServiceAccount, Deployment, Service, DestinationRule, VirtualService,
//!     // HPA, PodDisruptionBudget, AuthorizationPolicy and NetworkPolicy, consistent by construction.
//!     MeshService::new(&mut c, "Orders", MeshServiceProps {
//!         name: "orders".into(),
//!         image: "registry.example.com/acme/orders:1.4.2".into(),
//!         health_path: Some("/healthz".into()),
//!         scaling: Scaling::Hpa {
//!             min: 2, max: 10, cpu_percent: Some(70), memory_percent: None,
//!             extra: vec![], scale_up: None, scale_down: None,
//!         },
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! for kind in ["ServiceAccount", "Deployment", "Service", "DestinationRule", "HorizontalPodAutoscaler",
//!              "PodDisruptionBudget", "AuthorizationPolicy", "NetworkPolicy"] {
//!     assert_eq!(synth.objects_of_kind(kind).len(), 1, "{kind}");
//! }
//! ```

mod network;

pub use network::{AMBIENT_PROBE_SOURCE, HBONE_PORT};

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::{Error, ObjectRef, Scope, Value};
use crate::k8s::workloads::{
    self, AppDeployment, AppProtocol, AppService, ContainerPort, ContainerProps, DeploymentProps,
    Disruption, Hpa, HpaMetric, HpaProps, PodProps, ProbeProps, Resources, ScalingRules,
    ServicePortProps, ServiceProps,
};
use crate::mesh::gateway_api::USE_WAYPOINT_LABEL;
use crate::mesh::istio::networking::{
    ClientTlsMode, ClientTlsSettings, ConnectionPoolSettings, Destination, DestinationRule,
    DestinationRuleSpec, HttpRetry, HttpRoute, HttpRouteDestination, HttpSettings,
    LoadBalancerSettings, OutlierDetection, SimpleLb, Subset, TcpSettings, TrafficPolicy,
    VirtualService, VirtualServiceSpec,
};
use crate::mesh::istio::prelude::*;
use crate::mesh::istio::security::{
    principal, AuthorizationAction, AuthorizationPolicy, AuthorizationPolicySpec, PolicyTargetRef,
    Rule, RuleFrom, Source, WorkloadSelector,
};
use crate::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};
use crate::mesh::rollouts::{
    canary_success_rate_analysis, pod_template, selector, success_rate_analysis, BlueGreen, Canary,
    CanaryStep, IstioDestinationRuleRef, IstioTrafficRouting, IstioVirtualServiceRef, Rollout,
    RolloutSpec, RolloutStrategy, TrafficRouting,
};
use crate::mesh::traffic::{matches_for, Plan, ServiceVersion, TrafficRule};

use crate::aws::iam::{IrsaRole, IrsaRoleProps, OidcProviderRef, PolicyStatement};

/// The mesh's trust domain, used for SPIFFE principals.
pub const TRUST_DOMAIN: &str = "cluster.local";

/// The ingress gateway's identity (istioctl's default installation).
pub const INGRESS_GATEWAY_PRINCIPAL: &str =
    "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";

/// IAM needs of a service, for an IRSA role.
#[derive(Debug, Clone, PartialEq)]
pub struct IrsaNeeds {
    /// The cluster's OIDC provider (`EksCluster::oidc_provider()`).
    pub oidc: OidcProviderRef,
    /// Permissions of the role, as typed statements.
    pub statements: Vec<PolicyStatement>,
    /// Managed policies to attach. Default: none.
    pub managed_policy_arns: Vec<Value>,
}

/// Who the service's pods are in AWS.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ServiceIdentity {
    /// A ServiceAccount with no cloud identity.
    #[default]
    Plain,
    /// An existing IAM role (literal ARN or a CloudFormation attribute).
    RoleArn(Value),
    /// A new IRSA role with these permissions (integration point with
    /// `aws::iam::IrsaRole`; see `service_account_for`).
    Irsa(IrsaNeeds),
}

/// The ServiceAccount of a workload: the one place where identity becomes
/// objects. For `Irsa`, `aws::iam::IrsaRole::new` creates the role and the
/// ServiceAccount from one call, so the trust policy names this very account.
pub fn service_account_for(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    namespace: Option<&str>,
    identity: &ServiceIdentity,
) -> Result<ObjectRef<ServiceAccount>, Error> {
    match identity {
        ServiceIdentity::Plain => {
            workloads::service_account(scope, id, name, namespace, BTreeMap::new())
        }
        ServiceIdentity::RoleArn(arn) => {
            let arn = scope.deferred(arn)?;
            workloads::service_account(
                scope,
                id,
                name,
                namespace,
                BTreeMap::from([("eks.amazonaws.com/role-arn".to_string(), arn)]),
            )
        }
        ServiceIdentity::Irsa(needs) => {
            let ns = namespace
                .or(scope.chart_namespace())
                .unwrap_or("default")
                .to_string();
            IrsaRole::new(
                scope,
                id,
                IrsaRoleProps {
                    oidc: needs.oidc.clone(),
                    namespace: ns,
                    service_account: name.into(),
                    statements: needs.statements.clone(),
                    managed_policy_arns: needs.managed_policy_arns.clone(),
                },
            )
            .map(|r| r.service_account)
        }
    }
}

/// An ingress route through a Gateway.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngressRoute {
    /// The Gateway (`name` or `namespace/name`).
    pub gateway: String,
    /// External hosts, e.g. `api.c4ang.com`.
    pub hosts: Vec<String>,
    /// URI prefix, e.g. `/api/v1/orders`.
    pub prefix: String,
}

/// Retries, timeouts and circuit breaking.
#[derive(Debug, Clone, PartialEq)]
pub struct Resilience {
    /// Request timeout. Default: `10s`.
    pub timeout: String,
    /// Retry attempts. Default: 3.
    pub retries: i32,
    /// Per-try timeout. Default: `2s`.
    pub per_try_timeout: String,
    /// Default: `5xx,reset,connect-failure,retriable-4xx`.
    pub retry_on: String,
    /// TCP connection cap. Default: 100.
    pub max_connections: i32,
    /// Concurrent HTTP/2 requests cap. Default: 100.
    pub http2_max_requests: i32,
    /// Pending HTTP/1 requests cap. Default: 100.
    pub http1_max_pending_requests: i32,
    /// Consecutive 5xx before ejection. Default: 5.
    pub consecutive_5xx_errors: u32,
    /// Default: `30s`.
    pub ejection_interval: String,
    /// Default: `30s`.
    pub base_ejection_time: String,
    /// Default: round robin.
    pub load_balancer: SimpleLb,
}

impl Default for Resilience {
    fn default() -> Self {
        Resilience {
            timeout: "10s".into(),
            retries: 3,
            per_try_timeout: "2s".into(),
            retry_on: "5xx,reset,connect-failure,retriable-4xx".into(),
            max_connections: 100,
            http2_max_requests: 100,
            http1_max_pending_requests: 100,
            consecutive_5xx_errors: 5,
            ejection_interval: "30s".into(),
            base_ejection_time: "30s".into(),
            load_balancer: SimpleLb::RoundRobin,
        }
    }
}

/// How the replica count is managed.
#[derive(Debug, Clone, PartialEq)]
pub enum Scaling {
    /// A fixed count.
    Fixed(i32),
    /// HPA v2 on CPU/memory utilization (and optional extra metrics).
    Hpa {
        /// Fewest replicas, at least 1.
        min: i32,
        /// Most replicas.
        max: i32,
        /// Target average CPU utilisation in percent. Default: none.
        cpu_percent: Option<i32>,
        /// Target average memory utilisation in percent. Default: none.
        memory_percent: Option<i32>,
        /// Further metrics. Default: none.
        extra: Vec<HpaMetric>,
        /// Scale-up behaviour. Default: Kubernetes'.
        scale_up: Option<ScalingRules>,
        /// Scale-down behaviour. Default: Kubernetes'.
        scale_down: Option<ScalingRules>,
    },
    /// A KEDA ScaledObject.
    Keda {
        /// Fewest replicas; 0 scales to zero.
        min: i32,
        /// Most replicas.
        max: i32,
        /// The triggers.
        triggers: Vec<Trigger>,
        /// Identity for AWS triggers.
        aws_identity: AwsIdentity,
    },
}

/// How new versions roll out.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Delivery {
    /// A plain Deployment (rolling update).
    #[default]
    Deployment,
    /// Argo Rollouts blue/green with active and preview Services.
    BlueGreen {
        /// Default: false (a human promotes).
        auto_promotion: bool,
        /// Default used by the reference apps: 30.
        scale_down_delay_seconds: i32,
        /// AnalysisTemplate run before and after promotion (e.g. `success-rate`).
        analysis_template: Option<String>,
    },
    /// Argo Rollouts canary, shifting weight through the VirtualService and DestinationRule subsets.
    Canary {
        /// e.g. weights 10, 50 with pauses.
        steps: Vec<CanaryStep>,
        /// AnalysisTemplate run in the background during the steps (e.g. `success-rate`). Default: none.
        analysis_template: Option<String>,
    },
}

/// Props of a `MeshService`.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshServiceProps {
    /// Name of every object; a DNS-1123 label starting with a letter. Required (no default).
    pub name: String,
    /// Pinned image (a tag other than `latest`, or a digest). Required (no default).
    pub image: String,
    /// Container port. Default: 8080.
    pub port: u16,
    /// Service port. Default: `port`.
    pub service_port: Option<u16>,
    /// Default: HTTP.
    pub protocol: AppProtocol,
    /// The `version` label of the pods. Default: `v1`.
    pub version: String,
    /// Liveness/readiness HTTP path. Default: TCP probes on the port.
    pub health_path: Option<String>,
    /// Environment variables, in order. Default: none.
    pub env: Vec<(String, String)>,
    /// Default: `Resources::default()`.
    pub resources: Option<Resources>,
    /// Ingress routes. Default: none (mesh only).
    pub routes: Vec<IngressRoute>,
    /// Timeouts, retries and outlier detection of the DestinationRule and VirtualService.
    /// Default: `Resilience::default()`.
    pub resilience: Resilience,
    /// Default: 2 fixed replicas.
    pub scaling: Scaling,
    /// The service's AWS identity (IRSA) and ServiceAccount. Default: `ServiceIdentity::Plain`
    /// (a ServiceAccount with no AWS role).
    pub identity: ServiceIdentity,
    /// ServiceAccount name. Default: `name` (e.g. `order-service-sa` to follow a naming scheme).
    pub service_account_name: Option<String>,
    /// How new versions roll out: a Deployment, or an Argo Rollout (canary or blue/green).
    /// Default: `Delivery::Deployment`.
    pub delivery: Delivery,
    /// Emit the Istio traffic objects (DestinationRule, VirtualServices,
    /// AuthorizationPolicy). Whether the pods get a sidecar is the
    /// namespace's mode (`MeshNamespace`), not this. Default: true. Without
    /// them the service is a plain Kubernetes workload (canary delivery and
    /// routes need Istio routing and are refused).
    pub istio_objects: bool,
    /// Callers allowed in, as (namespace, service account). Default: none —
    /// only the ingress gateway (with routes) or the own namespace (without).
    pub allowed_callers: Vec<(String, String)>,
    /// Further versions run beside the primary one (`version`), each a
    /// Deployment `<name>-<version>` and a DestinationRule subset. With
    /// versions, every Deployment selects on `version` too (a selector is
    /// immutable: adding the first version replaces the primary Deployment).
    /// Needs `Delivery::Deployment`. Default: none.
    pub versions: Vec<ServiceVersion>,
    /// The ambient waypoint (`Waypoint` name) the Service's traffic goes
    /// through, as the `istio.io/use-waypoint` label on the Service; for a
    /// Service in an ambient namespace. Default: none (the namespace's, if
    /// it names one).
    pub waypoint: Option<String>,
    /// Ordered traffic rules (matches, weighted splits, mirroring, faults,
    /// per-rule timeouts and retries) for the in-mesh and ingress
    /// VirtualServices; see [`TrafficRule`]. Needs `Delivery::Deployment`.
    /// Default: none (every request to the primary version).
    pub traffic: Vec<TrafficRule>,
    /// Emit a Kubernetes NetworkPolicy named `name`, the CNI-level twin of
    /// the AuthorizationPolicy: on the container port and Istio's HBONE port
    /// 15008 it admits only the namespaces callers may come from (those of
    /// `allowed_callers`; `istio-system` and any `namespace/` of a route's
    /// gateway with routes; the service's own namespace when neither is
    /// given), and on the container port the address ambient mode gives
    /// kubelet's probes (169.254.7.127). Egress is not restricted. Default:
    /// true; set false when you write the service's policy yourself with
    /// `workloads::network_policy`.
    pub network_policy: bool,
    /// Further namespaces the NetworkPolicy admits on every port, e.g.
    /// `monitoring` for a Prometheus that scrapes the sidecar's merged
    /// metrics on 15020. Default: none.
    pub network_peers: Vec<String>,
}

impl Default for MeshServiceProps {
    fn default() -> Self {
        MeshServiceProps {
            name: String::new(),
            image: String::new(),
            port: 8080,
            service_port: None,
            protocol: AppProtocol::Http,
            version: "v1".into(),
            health_path: None,
            env: Vec::new(),
            resources: None,
            routes: Vec::new(),
            resilience: Resilience::default(),
            scaling: Scaling::Fixed(2),
            identity: ServiceIdentity::Plain,
            service_account_name: None,
            delivery: Delivery::Deployment,
            istio_objects: true,
            allowed_callers: Vec::new(),
            versions: Vec::new(),
            traffic: Vec::new(),
            waypoint: None,
            network_policy: true,
            network_peers: Vec::new(),
        }
    }
}

/// The gateways of the routes, in first-use order, with the name of the
/// ingress VirtualService made for each.
/// The Rollout named `name` (the chart sets its namespace).
fn rollout(name: &str, spec: RolloutSpec) -> Rollout {
    Rollout {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..Default::default()
        },
        spec,
        status: None,
    }
}

fn ingress_virtual_services(name: &str, routes: &[IngressRoute]) -> Vec<(String, String)> {
    let mut gateways: Vec<&str> = Vec::new();
    for r in routes {
        if !gateways.contains(&r.gateway.as_str()) {
            gateways.push(&r.gateway);
        }
    }
    gateways
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let vs = if i == 0 {
                format!("{name}-ingress")
            } else {
                format!("{name}-ingress-{i}")
            };
            (g.to_string(), vs)
        })
        .collect()
}

/// What a `MeshService` produced.
pub struct MeshService {
    /// The name of every object.
    pub name: String,
    /// The namespace.
    pub namespace: String,
    /// The ServiceAccount the pods run as.
    pub service_account: ObjectRef<ServiceAccount>,
    /// The Kubernetes host callers use (`name`, or the active Service for blue/green).
    pub host: String,
    /// The SPIFFE principal of the service's pods.
    pub principal: String,
}

impl MeshService {
    /// Adds every object of the service.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: MeshServiceProps,
    ) -> Result<MeshService, Error> {
        workloads::check_name(scope, id, "mesh service name", &props.name)?;
        let path = format!("{}/{id}", scope.path());
        workloads::check_port(&path, "container port", props.port)?;
        if !props.istio_objects
            && (!props.routes.is_empty() || matches!(props.delivery, Delivery::Canary { .. }))
        {
            return Err(Error::construct(
                path,
                "ingress routes and canary delivery are Istio routing; they need istio_objects: true",
                "set istio_objects: true, or use an AlbIngress and blue/green delivery",
            ));
        }
        let composed = !props.versions.is_empty() || !props.traffic.is_empty();
        if composed && !matches!(props.delivery, Delivery::Deployment) {
            return Err(Error::construct(
                path,
                "versions and traffic rules route between Deployments; Argo Rollouts delivery routes on its own",
                "use Delivery::Deployment with versions and traffic rules, or drop them for the Rollout",
            ));
        }
        if composed && !props.istio_objects {
            return Err(Error::construct(
                path,
                "versions and traffic rules are Istio routing; they need istio_objects: true",
                "set istio_objects: true, or drop versions and traffic",
            ));
        }
        let plan = if composed {
            Some(Plan::new(
                &path,
                &props.version,
                &props.versions,
                &props.traffic,
            )?)
        } else {
            None
        };
        let mut s = scope.child(id)?;
        let name = props.name.clone();
        let sa_name = props
            .service_account_name
            .clone()
            .unwrap_or_else(|| name.clone());
        let sa = service_account_for(&mut s, "ServiceAccount", &sa_name, None, &props.identity)?;
        let namespace = sa.namespace().unwrap_or("default").to_string();
        let app_labels = BTreeMap::from([("app".to_string(), name.clone())]);
        let mut pod_labels = BTreeMap::from([("version".to_string(), props.version.clone())]);
        if matches!(props.delivery, Delivery::Deployment) {
            pod_labels.insert("app.kubernetes.io/name".into(), name.clone());
        }
        let probe = props.health_path.as_ref().map(|p| ProbeProps::Http {
            path: p.clone(),
            port: props.port,
        });
        // Versions run side by side, so each Deployment must select its own pods.
        let mut pod_selector = app_labels.clone();
        if !props.versions.is_empty() {
            pod_selector.insert("version".into(), props.version.clone());
        }
        let pod = PodProps {
            selector: pod_selector,
            labels: pod_labels,
            annotations: BTreeMap::new(),
            service_account: Some(sa_name.clone()),
            containers: vec![ContainerProps {
                name: "app".into(),
                image: props.image.clone(),
                ports: vec![ContainerPort {
                    name: props.protocol.prefix().into(),
                    port: props.port,
                }],
                env: props.env.clone(),
                resources: props.resources.clone(),
                liveness: probe.clone(),
                readiness: probe,
                ..Default::default()
            }],
            volumes: Vec::new(),
            kubernetes_api_access: false,
        };
        let fixed = match props.scaling {
            Scaling::Fixed(n) => Some(n),
            _ => None,
        };
        let min_replicas = match &props.scaling {
            Scaling::Fixed(n) => *n,
            Scaling::Hpa { min, .. } | Scaling::Keda { min, .. } => *min,
        };
        let service_port = props.service_port.unwrap_or(props.port);
        let mut svc_labels = app_labels.clone();
        if let Some(w) = &props.waypoint {
            svc_labels.insert(USE_WAYPOINT_LABEL.into(), w.clone());
        }
        let svc_props = |svc_name: String| ServiceProps {
            name: svc_name,
            selector: app_labels.clone(),
            ports: vec![ServicePortProps {
                protocol: props.protocol,
                port: service_port,
                target_port: Some(props.port),
                suffix: None,
            }],
            labels: svc_labels.clone(),
            ..Default::default()
        };

        // Workload and Services.
        let (host, target) = match &props.delivery {
            Delivery::Deployment => {
                AppDeployment::new(
                    &mut s,
                    "Deployment",
                    DeploymentProps {
                        name: name.clone(),
                        replicas: fixed,
                        pod: pod.clone(),
                        labels: app_labels.clone(),
                    },
                )?;
                for v in &props.versions {
                    let mut p = pod.clone();
                    p.selector.insert("version".into(), v.name.clone());
                    p.labels.insert("version".into(), v.name.clone());
                    p.containers[0].image = v.image.clone();
                    p.containers[0].env = v.env.clone();
                    AppDeployment::new(
                        &mut s,
                        &format!("Deployment-{}", v.name),
                        DeploymentProps {
                            name: format!("{name}-{}", v.name),
                            replicas: Some(v.replicas),
                            pod: p,
                            labels: app_labels.clone(),
                        },
                    )?;
                }
                AppService::new(&mut s, "Service", svc_props(name.clone()))?;
                (name.clone(), ("apps/v1", "Deployment"))
            }
            Delivery::BlueGreen {
                auto_promotion,
                scale_down_delay_seconds,
                analysis_template,
            } => {
                let active = format!("{name}-active");
                let preview = format!("{name}-preview");
                AppService::new(&mut s, "ActiveService", svc_props(active.clone()))?;
                AppService::new(&mut s, "PreviewService", svc_props(preview.clone()))?;
                let analysis = analysis_template
                    .as_ref()
                    .map(|t| success_rate_analysis(t, &preview, &namespace));
                let post = analysis_template
                    .as_ref()
                    .map(|t| success_rate_analysis(t, &active, &namespace));
                let r = rollout(
                    &name,
                    RolloutSpec {
                        replicas: fixed,
                        selector: Some(selector(&app_labels)),
                        template: Some(pod_template(pod.template(&path)?)),
                        strategy: Some(RolloutStrategy {
                            blue_green: Some(BlueGreen {
                                active_service: active.clone(),
                                preview_service: Some(preview),
                                auto_promotion_enabled: Some(*auto_promotion),
                                scale_down_delay_seconds: Some(*scale_down_delay_seconds),
                                pre_promotion_analysis: analysis,
                                post_promotion_analysis: post,
                                ..Default::default()
                            }),
                            canary: None,
                        }),
                        revision_history_limit: Some(3),
                        ..Default::default()
                    },
                );
                let r = crate::mesh::add_object(&mut s, "Rollout", r)?;
                pod.record_checkov_deviations(&mut s, r.node())?;
                (active, ("argoproj.io/v1alpha1", "Rollout"))
            }
            Delivery::Canary {
                steps,
                analysis_template,
            } => {
                AppService::new(&mut s, "Service", svc_props(name.clone()))?;
                let r = rollout(
                    &name,
                    RolloutSpec {
                        replicas: fixed,
                        selector: Some(selector(&app_labels)),
                        template: Some(pod_template(pod.template(&path)?)),
                        strategy: Some(RolloutStrategy {
                            blue_green: None,
                            canary: Some(Canary {
                                traffic_routing: Some(TrafficRouting {
                                    istio: Some(IstioTrafficRouting {
                                        // The ingress VirtualServices shift weight too,
                                        // or gateway traffic would skip the canary.
                                        virtual_service: None,
                                        virtual_services: Some(
                                            std::iter::once(IstioVirtualServiceRef {
                                                name: name.clone(),
                                                routes: Some(vec!["primary".into()]),
                                                ..Default::default()
                                            })
                                            .chain(
                                                ingress_virtual_services(&name, &props.routes)
                                                    .into_iter()
                                                    .map(|(_, vs)| IstioVirtualServiceRef {
                                                        name: vs,
                                                        routes: Some(vec!["ingress".into()]),
                                                        ..Default::default()
                                                    }),
                                            )
                                            .collect(),
                                        ),
                                        destination_rule: Some(IstioDestinationRuleRef {
                                            name: name.clone(),
                                            canary_subset_name: "canary".into(),
                                            stable_subset_name: "stable".into(),
                                            additional_subset_names: None,
                                        }),
                                    }),
                                    ..Default::default()
                                }),
                                steps: Some(steps.iter().map(|s| s.0.clone()).collect()),
                                analysis: analysis_template
                                    .as_ref()
                                    .map(|t| canary_success_rate_analysis(t, &name, &namespace)),
                                ..Default::default()
                            }),
                        }),
                        revision_history_limit: Some(3),
                        ..Default::default()
                    },
                );
                let r = crate::mesh::add_object(&mut s, "Rollout", r)?;
                pod.record_checkov_deviations(&mut s, r.node())?;
                (name.clone(), ("argoproj.io/v1alpha1", "Rollout"))
            }
        };
        let dest = Destination::host(host.clone()).port(service_port);
        if props.istio_objects {
            Self::mesh_objects(
                &mut s,
                &props,
                &name,
                &namespace,
                &host,
                &dest,
                plan.as_ref(),
            )?;
        }
        if props.network_policy {
            network::add(&mut s, &props, &namespace)?;
        }
        Self::scaling(&mut s, &props, &name, target, min_replicas)?;
        Ok(MeshService {
            principal: principal(TRUST_DOMAIN, &namespace, &sa_name),
            name,
            namespace,
            service_account: sa,
            host,
        })
    }

    /// DestinationRule, VirtualServices and AuthorizationPolicy.
    fn mesh_objects(
        s: &mut Scope<'_>,
        props: &MeshServiceProps,
        name: &str,
        namespace: &str,
        host: &str,
        dest: &Destination,
        plan: Option<&Plan<'_>>,
    ) -> Result<(), Error> {
        let canary = matches!(props.delivery, Delivery::Canary { .. });
        let app_labels = BTreeMap::from([("app".to_string(), name.to_string())]);
        let res = &props.resilience;
        let retries = HttpRetry {
            attempts: Some(res.retries),
            per_try_timeout: Some(res.per_try_timeout.clone()),
            retry_on: Some(res.retry_on.clone()),
            ..Default::default()
        };

        // DestinationRule: pool limits, ejection, mTLS, and canary subsets.
        let dr = DestinationRule::named(
            name.to_string(),
            DestinationRuleSpec {
                host: host.to_string(),
                traffic_policy: Some(TrafficPolicy {
                    load_balancer: Some(LoadBalancerSettings {
                        simple: Some(res.load_balancer),
                        ..Default::default()
                    }),
                    connection_pool: Some(ConnectionPoolSettings {
                        tcp: Some(TcpSettings {
                            max_connections: Some(res.max_connections),
                            ..Default::default()
                        }),
                        http: Some(HttpSettings {
                            http2_max_requests: Some(res.http2_max_requests),
                            http1_max_pending_requests: Some(res.http1_max_pending_requests),
                            ..Default::default()
                        }),
                    }),
                    outlier_detection: Some(OutlierDetection {
                        consecutive5xx_errors: Some(res.consecutive_5xx_errors.into()),
                        interval: Some(res.ejection_interval.clone()),
                        base_ejection_time: Some(res.base_ejection_time.clone()),
                        max_ejection_percent: Some(50),
                        ..Default::default()
                    }),
                    tls: Some(ClientTlsSettings {
                        mode: Some(ClientTlsMode::IstioMutual),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                // Argo Rollouts adds the pod-template hash to these at runtime.
                subsets: plan.map(Plan::subsets).or_else(|| {
                    canary.then(|| {
                        vec![
                            Subset {
                                name: "stable".into(),
                                labels: Some(app_labels.clone()),
                                traffic_policy: None,
                            },
                            Subset {
                                name: "canary".into(),
                                labels: Some(app_labels.clone()),
                                traffic_policy: None,
                            },
                        ]
                    })
                }),
                ..Default::default()
            },
        );
        dr.add(s, "DestinationRule")?;

        // In-mesh routing: retries and timeout for every caller.
        let route = if canary {
            vec![
                HttpRouteDestination::weighted(dest.clone().subset("stable"), 100),
                HttpRouteDestination::weighted(dest.clone().subset("canary"), 0),
            ]
        } else {
            vec![HttpRouteDestination::to(dest.clone())]
        };
        let mesh_http = match plan {
            Some(p) => p.routes(dest, &[], &res.timeout, &retries),
            None => vec![HttpRoute {
                name: Some("primary".into()),
                route: Some(route.clone()),
                timeout: Some(res.timeout.clone()),
                retries: Some(retries.clone()),
                ..Default::default()
            }],
        };
        VirtualService::named(
            name.to_string(),
            VirtualServiceSpec {
                hosts: Some(vec![host.to_string()]),
                http: Some(mesh_http),
                ..Default::default()
            },
        )
        .add(s, "VirtualService")?;

        // Ingress routing: one gateway-bound VirtualService per gateway.
        for (gi, (gw, vs_name)) in ingress_virtual_services(name, &props.routes)
            .into_iter()
            .enumerate()
        {
            let rs: Vec<&IngressRoute> = props.routes.iter().filter(|r| r.gateway == gw).collect();
            let mut hosts: Vec<String> = rs.iter().flat_map(|r| r.hosts.clone()).collect();
            hosts.sort();
            hosts.dedup();
            let prefixes: Vec<String> = rs.iter().map(|r| r.prefix.clone()).collect();
            let id = if gi == 0 {
                "IngressVirtualService".to_string()
            } else {
                format!("IngressVirtualService{gi}")
            };
            let http = match plan {
                Some(p) => p.routes(dest, &prefixes, &res.timeout, &retries),
                None => vec![HttpRoute {
                    name: Some("ingress".into()),
                    r#match: Some(matches_for(&[], &prefixes)),
                    route: Some(route.clone()),
                    timeout: Some(res.timeout.clone()),
                    retries: Some(retries.clone()),
                    ..Default::default()
                }],
            };
            VirtualService::named(
                vs_name,
                VirtualServiceSpec {
                    hosts: Some(hosts),
                    gateways: Some(vec![gw.clone()]),
                    http: Some(http),
                    ..Default::default()
                },
            )
            .add(s, &id)?;
        }

        // Who may call it.
        let mut principals: Vec<String> = props
            .allowed_callers
            .iter()
            .map(|(ns, sa)| principal(TRUST_DOMAIN, ns, sa))
            .collect();
        if !props.routes.is_empty() {
            principals.push(INGRESS_GATEWAY_PRINCIPAL.into());
        }
        let callers = if principals.is_empty() {
            Source {
                namespaces: Some(vec![namespace.to_string()]),
                ..Default::default()
            }
        } else {
            Source {
                principals: Some(principals),
                ..Default::default()
            }
        };
        let allow = |source: Source| {
            Some(vec![Rule {
                from: Some(vec![RuleFrom {
                    source: Some(source),
                }]),
                to: None,
                when: None,
            }])
        };
        // Behind a waypoint, ztunnel sees the waypoint's identity, not the
        // callers' (Istio's ambient docs): the workload policy admits the
        // waypoint (and the ingress gateway, which reaches pods directly),
        // and the callers are checked by the waypoint, through a policy
        // attached to the Service.
        let workload_source = match &props.waypoint {
            Some(w) => {
                let mut admitted = vec![principal(TRUST_DOMAIN, namespace, w)];
                if !props.routes.is_empty() {
                    admitted.push(INGRESS_GATEWAY_PRINCIPAL.into());
                }
                Source {
                    principals: Some(admitted),
                    ..Default::default()
                }
            }
            None => callers.clone(),
        };
        AuthorizationPolicy::named(
            name.to_string(),
            AuthorizationPolicySpec {
                selector: Some(WorkloadSelector {
                    match_labels: Some(app_labels.clone()),
                }),
                action: Some(AuthorizationAction::Allow),
                rules: allow(workload_source),
                ..Default::default()
            },
        )
        .add(s, "AuthorizationPolicy")?;
        if props.waypoint.is_some() {
            AuthorizationPolicy::named(
                format!("{name}-callers"),
                AuthorizationPolicySpec {
                    target_refs: Some(vec![PolicyTargetRef::service(name.to_string())]),
                    action: Some(AuthorizationAction::Allow),
                    rules: allow(callers),
                    ..Default::default()
                },
            )
            .add(s, "CallersPolicy")?;
        }

        Ok(())
    }

    /// HPA or KEDA, and the disruption budget.
    fn scaling(
        s: &mut Scope<'_>,
        props: &MeshServiceProps,
        name: &str,
        target: (&str, &str),
        min_replicas: i32,
    ) -> Result<(), Error> {
        let app_labels = BTreeMap::from([("app".to_string(), name.to_string())]);
        match &props.scaling {
            Scaling::Fixed(_) => {}
            Scaling::Hpa {
                min,
                max,
                cpu_percent,
                memory_percent,
                extra,
                scale_up,
                scale_down,
            } => {
                let mut metrics = Vec::new();
                metrics.extend(cpu_percent.map(HpaMetric::Cpu));
                metrics.extend(memory_percent.map(HpaMetric::Memory));
                metrics.extend(extra.iter().cloned());
                Hpa::new(
                    s,
                    "Hpa",
                    HpaProps {
                        name: format!("{name}-hpa"),
                        target: (target.0.into(), target.1.into(), name.to_string()),
                        min_replicas: *min,
                        max_replicas: *max,
                        metrics,
                        scale_up: scale_up.clone(),
                        scale_down: scale_down.clone(),
                    },
                )?;
            }
            Scaling::Keda {
                min,
                max,
                triggers,
                aws_identity,
            } => {
                KedaScaler::new(
                    s,
                    "ScaledObject",
                    KedaScalerProps {
                        name: name.to_string(),
                        target: (target.0.into(), target.1.into(), name.to_string()),
                        min_replicas: *min,
                        max_replicas: *max,
                        polling_interval: Some(30),
                        cooldown_period: Some(300),
                        triggers: triggers.clone(),
                        aws_identity: aws_identity.clone(),
                    },
                )?;
            }
        }
        if min_replicas >= 2 {
            workloads::pod_disruption_budget(
                s,
                "Pdb",
                &format!("{name}-pdb"),
                &app_labels,
                Disruption::MinAvailable(min_replicas / 2),
            )?;
        }

        Ok(())
    }
}
