//! Istio `networking.istio.io/v1` kinds (model layer): Gateway, VirtualService,
//! DestinationRule, ServiceEntry, WorkloadEntry, WorkloadGroup and Sidecar, as
//! typed structs that serialize to exactly the CRD's field names.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::mesh::crd::crd_kind;

// ---------------------------------------------------------------- Gateway

crd_kind!(
    /// An Istio Gateway: the ports and hosts a gateway workload listens on.
    Gateway, GatewaySpec, group: "networking.istio.io", version: "v1", plural: "gateways"
);

/// `Gateway.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// Labels of the gateway workload pods (e.g. `istio: ingressgateway`).
    pub selector: BTreeMap<String, String>,
    pub servers: Vec<Server>,
}

impl GatewaySpec {
    /// The usual ingress: `istio: ingressgateway` pods, HTTP on 80 and, with
    /// a credential, HTTPS on 443 terminated with that Secret (HTTP then
    /// redirects to HTTPS when `https_redirect`).
    pub fn ingress(hosts: &[&str], tls_credential: Option<&str>, https_redirect: bool) -> Self {
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let mut servers = vec![Server {
            port: GatewayPort {
                number: 80,
                protocol: "HTTP".into(),
                name: "http".into(),
                target_port: None,
            },
            hosts: hosts.clone(),
            tls: (https_redirect && tls_credential.is_some()).then(|| ServerTls {
                https_redirect: Some(true),
                ..Default::default()
            }),
            name: None,
            bind: None,
        }];
        if let Some(cred) = tls_credential {
            servers.push(Server {
                port: GatewayPort {
                    number: 443,
                    protocol: "HTTPS".into(),
                    name: "https".into(),
                    target_port: None,
                },
                hosts,
                tls: Some(ServerTls {
                    mode: Some(ServerTlsMode::Simple),
                    credential_name: Some(cred.into()),
                    ..Default::default()
                }),
                name: None,
                bind: None,
            });
        }
        GatewaySpec {
            selector: BTreeMap::from([("istio".into(), "ingressgateway".into())]),
            servers,
        }
    }
}

/// A listener of a Gateway.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    pub port: GatewayPort,
    pub hosts: Vec<String>,
    pub tls: Option<ServerTls>,
    pub name: Option<String>,
    pub bind: Option<String>,
}

/// The port of a Gateway server.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayPort {
    pub number: u32,
    /// HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP or TLS.
    pub protocol: String,
    pub name: String,
    pub target_port: Option<u32>,
}

/// TLS mode of a Gateway server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerTlsMode {
    Passthrough,
    Simple,
    Mutual,
    AutoPassthrough,
    IstioMutual,
    OptionalMutual,
}

/// TLS settings of a Gateway server.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTls {
    pub https_redirect: Option<bool>,
    pub mode: Option<ServerTlsMode>,
    /// The Secret (in the gateway's namespace) holding the certificate.
    pub credential_name: Option<String>,
    /// Several certificate Secrets (Istio ≥ 1.27).
    pub credential_names: Option<Vec<String>>,
    /// Secret/ConfigMap with the CA certificates for MUTUAL (Istio ≥ 1.28).
    pub ca_cert_credential_name: Option<String>,
    pub server_certificate: Option<String>,
    pub private_key: Option<String>,
    pub ca_certificates: Option<String>,
    pub subject_alt_names: Option<Vec<String>>,
    pub min_protocol_version: Option<String>,
    pub max_protocol_version: Option<String>,
}

// ---------------------------------------------------------------- VirtualService

crd_kind!(
    /// An Istio VirtualService: routing rules for a set of hosts.
    VirtualService, VirtualServiceSpec, group: "networking.istio.io", version: "v1", plural: "virtualservices"
);

/// `VirtualService.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServiceSpec {
    pub hosts: Vec<String>,
    /// Gateways (`ns/name` or `name`) and/or `mesh`. Default: `mesh` only.
    pub gateways: Option<Vec<String>>,
    pub http: Option<Vec<HttpRoute>>,
    pub tls: Option<Vec<TlsRoute>>,
    pub tcp: Option<Vec<TcpRoute>>,
    pub export_to: Option<Vec<String>>,
}

/// A string matcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StringMatch {
    Exact(String),
    Prefix(String),
    Regex(String),
}

/// One HTTP route rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    pub name: Option<String>,
    #[serde(rename = "match")]
    pub matches: Option<Vec<HttpMatchRequest>>,
    pub route: Option<Vec<HttpRouteDestination>>,
    pub redirect: Option<HttpRedirect>,
    pub direct_response: Option<HttpDirectResponse>,
    pub rewrite: Option<HttpRewrite>,
    /// e.g. `10s`.
    pub timeout: Option<String>,
    pub retries: Option<HttpRetry>,
    pub fault: Option<HttpFaultInjection>,
    pub mirror: Option<Destination>,
    pub mirror_percentage: Option<Percent>,
    pub cors_policy: Option<CorsPolicy>,
    pub headers: Option<Headers>,
}

/// Match conditions of an HTTP rule (all must hold).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpMatchRequest {
    pub name: Option<String>,
    pub uri: Option<StringMatch>,
    pub scheme: Option<StringMatch>,
    pub method: Option<StringMatch>,
    pub authority: Option<StringMatch>,
    pub headers: Option<BTreeMap<String, StringMatch>>,
    pub port: Option<u32>,
    pub source_labels: Option<BTreeMap<String, String>>,
    pub gateways: Option<Vec<String>>,
    pub query_params: Option<BTreeMap<String, StringMatch>>,
    pub ignore_uri_case: Option<bool>,
    pub without_headers: Option<BTreeMap<String, StringMatch>>,
    pub source_namespace: Option<String>,
}

impl HttpMatchRequest {
    /// A match on a URI prefix.
    pub fn prefix(p: impl Into<String>) -> Self {
        HttpMatchRequest {
            uri: Some(StringMatch::Prefix(p.into())),
            ..Default::default()
        }
    }
}

/// Where traffic goes: a host, optionally a subset and port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    pub host: String,
    pub subset: Option<String>,
    pub port: Option<PortSelector>,
}

impl Destination {
    /// A destination on a host.
    pub fn host(host: impl Into<String>) -> Self {
        Destination {
            host: host.into(),
            ..Default::default()
        }
    }
    /// The same destination restricted to a subset.
    pub fn subset(mut self, s: impl Into<String>) -> Self {
        self.subset = Some(s.into());
        self
    }
    /// The same destination on a port.
    pub fn port(mut self, number: u32) -> Self {
        self.port = Some(PortSelector { number });
        self
    }
}

/// A port number selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PortSelector {
    pub number: u32,
}

/// A weighted HTTP destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteDestination {
    pub destination: Destination,
    /// Percentage 0–100 of the traffic; all weights of a rule sum to 100.
    pub weight: Option<i32>,
    pub headers: Option<Headers>,
}

impl HttpRouteDestination {
    /// A destination with a weight.
    pub fn weighted(destination: Destination, weight: i32) -> Self {
        HttpRouteDestination {
            destination,
            weight: Some(weight),
            headers: None,
        }
    }
}

impl From<Destination> for HttpRouteDestination {
    fn from(destination: Destination) -> Self {
        HttpRouteDestination {
            destination,
            weight: None,
            headers: None,
        }
    }
}

/// Header manipulation for requests and responses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Headers {
    pub request: Option<HeaderOperations>,
    pub response: Option<HeaderOperations>,
}

/// Set, add or remove headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HeaderOperations {
    pub set: Option<BTreeMap<String, String>>,
    pub add: Option<BTreeMap<String, String>>,
    pub remove: Option<Vec<String>>,
}

/// An HTTP redirect.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRedirect {
    pub uri: Option<String>,
    pub authority: Option<String>,
    pub port: Option<u32>,
    pub scheme: Option<String>,
    pub redirect_code: Option<u32>,
}

/// A fixed response.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpDirectResponse {
    pub status: u32,
    pub body: Option<HttpBody>,
}

/// A direct response's body.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpBody {
    pub string: Option<String>,
}

/// A URI/authority rewrite.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpRewrite {
    pub uri: Option<String>,
    pub authority: Option<String>,
}

/// Retry policy of an HTTP rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    pub attempts: i32,
    /// e.g. `2s`.
    pub per_try_timeout: Option<String>,
    /// Envoy retry conditions, comma separated (e.g. `5xx,reset,connect-failure`).
    pub retry_on: Option<String>,
    pub retry_remote_localities: Option<bool>,
    /// Istio ≥ 1.26.
    pub retry_ignore_previous_hosts: Option<bool>,
    /// Base interval between retries (Istio ≥ 1.26).
    pub backoff: Option<String>,
}

/// A percentage 0.0–100.0.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Percent {
    pub value: f64,
}

impl Percent {
    /// A percentage.
    pub fn new(value: f64) -> Self {
        Percent { value }
    }
}

/// Fault injection.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpFaultInjection {
    pub delay: Option<FaultDelay>,
    pub abort: Option<FaultAbort>,
}

/// Injected delay.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultDelay {
    pub fixed_delay: String,
    pub percentage: Option<Percent>,
}

/// Injected abort.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultAbort {
    pub http_status: Option<u32>,
    pub grpc_status: Option<String>,
    pub percentage: Option<Percent>,
}

/// CORS policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CorsPolicy {
    pub allow_origins: Option<Vec<StringMatch>>,
    pub allow_methods: Option<Vec<String>>,
    pub allow_headers: Option<Vec<String>>,
    pub expose_headers: Option<Vec<String>>,
    pub max_age: Option<String>,
    pub allow_credentials: Option<bool>,
}

/// L4 match attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct L4MatchAttributes {
    pub destination_subnets: Option<Vec<String>>,
    pub port: Option<u32>,
    pub source_labels: Option<BTreeMap<String, String>>,
    pub gateways: Option<Vec<String>>,
    pub source_namespace: Option<String>,
}

/// TLS (SNI) match attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsMatchAttributes {
    pub sni_hosts: Vec<String>,
    pub destination_subnets: Option<Vec<String>>,
    pub port: Option<u32>,
    pub source_labels: Option<BTreeMap<String, String>>,
    pub gateways: Option<Vec<String>>,
    pub source_namespace: Option<String>,
}

/// A weighted L4 destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouteDestination {
    pub destination: Destination,
    pub weight: Option<i32>,
}

/// A TCP rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TcpRoute {
    #[serde(rename = "match")]
    pub matches: Option<Vec<L4MatchAttributes>>,
    pub route: Vec<RouteDestination>,
}

/// A TLS passthrough rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TlsRoute {
    #[serde(rename = "match")]
    pub matches: Vec<TlsMatchAttributes>,
    pub route: Vec<RouteDestination>,
}

// ---------------------------------------------------------------- DestinationRule

crd_kind!(
    /// An Istio DestinationRule: traffic policy and subsets of a host.
    DestinationRule, DestinationRuleSpec, group: "networking.istio.io", version: "v1", plural: "destinationrules"
);

/// `DestinationRule.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    pub host: String,
    pub traffic_policy: Option<TrafficPolicy>,
    pub subsets: Option<Vec<Subset>>,
    pub export_to: Option<Vec<String>>,
    pub workload_selector: Option<WorkloadSelector>,
}

/// Pods selected by labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    pub match_labels: BTreeMap<String, String>,
}

/// A named subset of a host's endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    pub name: String,
    pub labels: Option<BTreeMap<String, String>>,
    pub traffic_policy: Option<TrafficPolicy>,
}

impl Subset {
    /// A subset selecting `version: <version>` pods, named after the version.
    pub fn version(version: &str) -> Self {
        Subset {
            name: version.into(),
            labels: Some(BTreeMap::from([("version".into(), version.into())])),
            traffic_policy: None,
        }
    }
}

/// Traffic policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    pub load_balancer: Option<LoadBalancerSettings>,
    pub connection_pool: Option<ConnectionPoolSettings>,
    pub outlier_detection: Option<OutlierDetection>,
    pub tls: Option<ClientTlsSettings>,
    pub port_level_settings: Option<Vec<PortTrafficPolicy>>,
}

/// Traffic policy of one port.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortTrafficPolicy {
    pub port: Option<PortSelector>,
    pub load_balancer: Option<LoadBalancerSettings>,
    pub connection_pool: Option<ConnectionPoolSettings>,
    pub outlier_detection: Option<OutlierDetection>,
    pub tls: Option<ClientTlsSettings>,
}

/// Simple load-balancing algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimpleLb {
    Unspecified,
    LeastConn,
    Random,
    Passthrough,
    RoundRobin,
    LeastRequest,
}

/// Load balancing.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerSettings {
    pub simple: Option<SimpleLb>,
    pub consistent_hash: Option<ConsistentHashLb>,
    pub locality_lb_setting: Option<LocalityLbSetting>,
    pub warmup_duration_secs: Option<String>,
}

/// Consistent hashing (session affinity). Set exactly one hash key.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsistentHashLb {
    pub http_header_name: Option<String>,
    pub http_cookie: Option<HttpCookie>,
    pub use_source_ip: Option<bool>,
    pub http_query_parameter_name: Option<String>,
    pub minimum_ring_size: Option<u64>,
}

/// A hash cookie.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpCookie {
    pub name: String,
    pub path: Option<String>,
    /// e.g. `3600s`.
    pub ttl: Option<String>,
}

/// Locality-aware load balancing.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalityLbSetting {
    pub distribute: Option<Vec<LocalityDistribute>>,
    pub failover: Option<Vec<LocalityFailover>>,
    pub failover_priority: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// Traffic share from one locality to others (weights sum to 100).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LocalityDistribute {
    pub from: String,
    pub to: BTreeMap<String, u32>,
}

/// Failover from one region to another.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LocalityFailover {
    pub from: String,
    pub to: String,
}

/// Connection pool limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectionPoolSettings {
    pub tcp: Option<TcpSettings>,
    pub http: Option<HttpSettings>,
}

/// TCP pool limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TcpSettings {
    pub max_connections: Option<i32>,
    pub connect_timeout: Option<String>,
    pub max_connection_duration: Option<String>,
}

/// HTTP pool limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpSettings {
    pub http1_max_pending_requests: Option<i32>,
    pub http2_max_requests: Option<i32>,
    pub max_requests_per_connection: Option<i32>,
    pub max_retries: Option<i32>,
    pub idle_timeout: Option<String>,
    pub max_concurrent_streams: Option<i32>,
}

/// Circuit breaking by ejecting failing hosts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    #[serde(rename = "consecutive5xxErrors")]
    pub consecutive_5xx_errors: Option<u32>,
    pub consecutive_gateway_errors: Option<u32>,
    pub interval: Option<String>,
    pub base_ejection_time: Option<String>,
    pub max_ejection_percent: Option<i32>,
    pub min_health_percent: Option<i32>,
}

/// TLS mode towards a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientTlsMode {
    Disable,
    Simple,
    Mutual,
    IstioMutual,
}

/// Client TLS settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTlsSettings {
    pub mode: Option<ClientTlsMode>,
    pub client_certificate: Option<String>,
    pub private_key: Option<String>,
    pub ca_certificates: Option<String>,
    pub credential_name: Option<String>,
    pub subject_alt_names: Option<Vec<String>>,
    pub sni: Option<String>,
    pub insecure_skip_verify: Option<bool>,
}

// ---------------------------------------------------------------- ServiceEntry

crd_kind!(
    /// An Istio ServiceEntry: adds a host to the mesh's registry.
    ServiceEntry, ServiceEntrySpec, group: "networking.istio.io", version: "v1", plural: "serviceentries"
);

/// Whether a ServiceEntry's host is inside or outside the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Location {
    MeshExternal,
    MeshInternal,
}

/// How a ServiceEntry's endpoints are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resolution {
    None,
    Static,
    Dns,
    DnsRoundRobin,
}

/// `ServiceEntry.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {
    pub hosts: Vec<String>,
    pub addresses: Option<Vec<String>>,
    pub ports: Option<Vec<ServicePort>>,
    pub location: Option<Location>,
    pub resolution: Option<Resolution>,
    pub endpoints: Option<Vec<WorkloadEntrySpec>>,
    /// Pods and WorkloadEntries by `labels` (Istio's networking
    /// WorkloadSelector, not the `matchLabels` one of policies).
    pub workload_selector: Option<SidecarWorkloadSelector>,
    pub export_to: Option<Vec<String>>,
    pub subject_alt_names: Option<Vec<String>>,
}

/// A port of a ServiceEntry.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    pub number: u32,
    pub protocol: Option<String>,
    pub name: String,
    pub target_port: Option<u32>,
}

// ---------------------------------------------------------------- WorkloadEntry / WorkloadGroup

crd_kind!(
    /// An Istio WorkloadEntry: a non-Kubernetes workload (VM, other cluster).
    WorkloadEntry, WorkloadEntrySpec, group: "networking.istio.io", version: "v1", plural: "workloadentries"
);

/// `WorkloadEntry.spec`, also an endpoint of a ServiceEntry.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadEntrySpec {
    pub address: Option<String>,
    pub ports: Option<BTreeMap<String, u32>>,
    pub labels: Option<BTreeMap<String, String>>,
    pub network: Option<String>,
    pub locality: Option<String>,
    pub weight: Option<u32>,
    pub service_account: Option<String>,
}

crd_kind!(
    /// An Istio WorkloadGroup: a template for WorkloadEntries, with a health probe.
    WorkloadGroup, WorkloadGroupSpec, group: "networking.istio.io", version: "v1", plural: "workloadgroups"
);

/// `WorkloadGroup.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorkloadGroupSpec {
    pub metadata: Option<WorkloadGroupMetadata>,
    pub template: WorkloadEntrySpec,
    pub probe: Option<ReadinessProbe>,
}

/// Labels and annotations of the generated WorkloadEntries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorkloadGroupMetadata {
    pub labels: Option<BTreeMap<String, String>>,
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A WorkloadGroup health check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessProbe {
    pub initial_delay_seconds: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub period_seconds: Option<i32>,
    pub success_threshold: Option<i32>,
    pub failure_threshold: Option<i32>,
    pub http_get: Option<HttpHealthCheck>,
    pub tcp_socket: Option<TcpHealthCheck>,
}

/// An HTTP health check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HttpHealthCheck {
    pub path: Option<String>,
    pub port: u32,
    pub host: Option<String>,
    pub scheme: Option<String>,
}

/// A TCP health check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TcpHealthCheck {
    pub host: Option<String>,
    pub port: u32,
}

// ---------------------------------------------------------------- Sidecar

crd_kind!(
    /// An Istio Sidecar: limits what a workload's proxy sees and accepts.
    Sidecar, SidecarSpec, group: "networking.istio.io", version: "v1", plural: "sidecars"
);

/// `Sidecar.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarSpec {
    pub workload_selector: Option<SidecarWorkloadSelector>,
    pub ingress: Option<Vec<IstioIngressListener>>,
    pub egress: Option<Vec<IstioEgressListener>>,
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

/// A Sidecar's or ServiceEntry's workload selector (`labels`, not `matchLabels`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SidecarWorkloadSelector {
    pub labels: BTreeMap<String, String>,
}

/// An inbound listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioIngressListener {
    pub port: SidecarPort,
    pub bind: Option<String>,
    pub default_endpoint: Option<String>,
}

/// An outbound listener: the hosts (`namespace/host`) the proxy may reach.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IstioEgressListener {
    pub port: Option<SidecarPort>,
    pub bind: Option<String>,
    pub hosts: Vec<String>,
}

/// A Sidecar listener port.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SidecarPort {
    pub number: u32,
    pub protocol: Option<String>,
    pub name: Option<String>,
}

/// `REGISTRY_ONLY` or `ALLOW_ANY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundMode {
    RegistryOnly,
    AllowAny,
}

/// Outbound traffic policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundTrafficPolicy {
    pub mode: OutboundMode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_entry_selects_workloads_by_labels() {
        // Istio's ServiceEntry takes `workloadSelector.labels`; `matchLabels`
        // is rejected by the CRD schema.
        let spec = ServiceEntrySpec {
            hosts: vec!["orders.global".into()],
            workload_selector: Some(SidecarWorkloadSelector {
                labels: BTreeMap::from([("app".to_string(), "orders".to_string())]),
            }),
            ..Default::default()
        };
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["workloadSelector"]["labels"]["app"], "orders");
        assert!(json["workloadSelector"].get("matchLabels").is_none());
    }
}
