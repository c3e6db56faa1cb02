//! The props of a `MeshService`: what a service declares.

use crate::core::Value;
use crate::k8s::workloads::{AppProtocol, HpaMetric, Resources, ScalingRules};
use crate::mesh::gateway_api::RoutingApi;
use crate::mesh::istio::networking::SimpleLb;
use crate::mesh::keda::{AwsIdentity, Trigger};
use crate::mesh::rollouts::CanaryStep;
use crate::mesh::traffic::{ServiceVersion, TrafficRule};

use crate::aws::iam::{OidcProviderRef, PolicyStatement};

/// IAM needs of a service, for an IRSA role.
#[derive(Debug, Clone, PartialEq)]
pub struct IrsaNeeds {
    /// The cluster's OIDC provider (`EksCluster::oidc_provider()`).
    /// Required (no default).
    pub oidc: OidcProviderRef,
    /// Permissions of the role, as typed statements (a KEDA trigger's
    /// grant is added to them). Default: none.
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

/// An ingress route through a Gateway.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IngressRoute {
    /// The Gateway (`name` or `namespace/name`; without a namespace, the
    /// service's): an Istio `Gateway`, or with Gateway API routing a
    /// Gateway API `Gateway` (`EdgeGateway::reference` gives it).
    /// Required (no default).
    pub gateway: String,
    /// External hosts, e.g. `api.c4ang.com`. Required: at least one.
    pub hosts: Vec<String>,
    /// URI prefix, e.g. `/api/v1/orders`. Default: empty; give the prefix
    /// the route serves (`/` for every path).
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
    /// Which failures are retried (Envoy's `retry_on` conditions).
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
    /// How often hosts are scanned for ejection. Default: `30s`.
    pub ejection_interval: String,
    /// How long an ejected host stays out, times its ejections. Default: `30s`.
    pub base_ejection_time: String,
    /// How requests are spread over healthy hosts. Default: round robin.
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

/// How the replica count is managed. Default: `Fixed(2)`, two replicas,
/// so one can drain while the other serves.
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

impl Default for Scaling {
    fn default() -> Self {
        Scaling::Fixed(2)
    }
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
    /// What the port speaks; names the Service port so Istio picks its
    /// protocol. Default: HTTP.
    pub protocol: AppProtocol,
    /// The `version` label of the pods. Default: `v1`.
    pub version: String,
    /// Liveness/readiness HTTP path. Default: TCP probes on the port.
    pub health_path: Option<String>,
    /// Environment variables, in order. Default: none.
    pub env: Vec<(String, String)>,
    /// Container requests and limits (every container gets both, for
    /// the scheduler and the security rules). Default: `None`, read as
    /// `Resources::default()` (100m/128Mi requested, 500m/512Mi limits).
    pub resources: Option<Resources>,
    /// Ingress routes. Default: none (mesh only).
    pub routes: Vec<IngressRoute>,
    /// Timeouts, retries and outlier detection of the DestinationRule and VirtualService.
    /// Default: `Resilience::default()`.
    pub resilience: Resilience,
    /// How the replica count is managed: fixed, an HPA, or KEDA.
    /// Default: 2 fixed replicas (`Scaling::default()`).
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
    /// The API the service's HTTP routing is written in: Istio's
    /// VirtualServices, or Gateway API HTTPRoutes (one attached to the
    /// Service for in-mesh traffic, enforced by the sidecars or, in ambient
    /// mode, by the waypoint; one per ingress gateway). See
    /// [`RoutingApi`]. Default: `None` (the platform's choice, context key
    /// `mesh:routing-api`, else Istio's API).
    pub routing: Option<RoutingApi>,
    /// Ordered traffic rules (matches, weighted splits, mirroring, faults,
    /// per-rule timeouts and retries) for the in-mesh and ingress
    /// VirtualServices, or HTTPRoutes with Gateway API routing (where
    /// faults are refused); see [`TrafficRule`]. Needs `Delivery::Deployment`.
    /// Default: none (every request to the primary version).
    pub traffic: Vec<TrafficRule>,
    /// Emit a Kubernetes NetworkPolicy named `name`, the CNI-level twin of
    /// the AuthorizationPolicy: on the container port and Istio's HBONE port
    /// 15008 it admits only the namespaces callers may come from (those of
    /// `allowed_callers`; with routes, `istio-system` and any `namespace/`
    /// of a route's gateway, or with Gateway API routing the Gateways'
    /// namespaces; the service's own namespace behind a waypoint, or when
    /// neither callers nor routes are given), and on the container port the address ambient mode gives
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
            scaling: Scaling::default(),
            identity: ServiceIdentity::Plain,
            service_account_name: None,
            delivery: Delivery::Deployment,
            istio_objects: true,
            allowed_callers: Vec::new(),
            versions: Vec::new(),
            traffic: Vec::new(),
            waypoint: None,
            routing: None,
            network_policy: true,
            network_peers: Vec::new(),
        }
    }
}
