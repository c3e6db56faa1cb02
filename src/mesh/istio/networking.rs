//! Istio `networking.istio.io/v1` kinds (model layer): Gateway, VirtualService,
//! DestinationRule, ServiceEntry, WorkloadEntry, WorkloadGroup and Sidecar, as
//! typed structs that serialize to exactly the CRD's field names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::mesh::crd::{crd_deserialize, crd_kind};

// ---------------------------------------------------------------- Gateway

crd_kind!(
    /// An Istio Gateway: the ports and hosts a gateway workload listens on.
    Gateway, GatewaySpec, group: "networking.istio.io", version: "v1", plural: "gateways"
);

/// `Gateway.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// Labels of the gateway workload pods (e.g. `istio: ingressgateway`).
    pub selector: BTreeMap<String, String>,
    /// The listeners: port, protocol, hosts and TLS of each.
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    /// The port to listen on.
    pub port: GatewayPort,
    /// Hosts served on this port; `namespace/host` limits which namespaces may bind VirtualServices.
    pub hosts: Vec<String>,
    /// TLS settings; required for HTTPS and TLS ports. Default: none.
    pub tls: Option<ServerTls>,
    /// A name for the server, unique within the Gateway. Default: none.
    pub name: Option<String>,
    /// The IP or Unix socket to listen on. Default: all addresses.
    pub bind: Option<String>,
}

/// The port of a Gateway server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct GatewayPort {
    /// The port number.
    pub number: u16,
    /// HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP or TLS.
    pub protocol: String,
    /// The port name, unique within the Gateway.
    pub name: String,
    /// The port on the gateway workload the traffic goes to. Default: `number`.
    pub target_port: Option<u16>,
}

/// TLS mode of a Gateway server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerTlsMode {
    /// Forward TLS as is, routed by SNI.
    Passthrough,
    /// Terminate TLS with the server certificate.
    Simple,
    /// Terminate TLS and require a client certificate.
    Mutual,
    /// Forward TLS as is, routed by SNI, without a VirtualService (east-west gateways).
    AutoPassthrough,
    /// Istio mTLS between meshes.
    IstioMutual,
    /// Accept connections with or without a client certificate.
    OptionalMutual,
}

/// TLS settings of a Gateway server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct ServerTls {
    /// Redirect plain HTTP to HTTPS with a 301. Default: off.
    pub https_redirect: Option<bool>,
    /// How TLS is handled. Default: none (plain text).
    pub mode: Option<ServerTlsMode>,
    /// The Secret (in the gateway's namespace) holding the certificate.
    pub credential_name: Option<String>,
    /// Several certificate Secrets (Istio ≥ 1.27).
    pub credential_names: Option<Vec<String>>,
    /// Secret/ConfigMap with the CA certificates for MUTUAL (Istio ≥ 1.28).
    pub ca_cert_credential_name: Option<String>,
    /// File path of the server certificate (mounted in the gateway). Default: none (use a credential name).
    pub server_certificate: Option<String>,
    /// File path of the private key. Default: none.
    pub private_key: Option<String>,
    /// File path of the CA bundle for verifying client certificates. Default: none.
    pub ca_certificates: Option<String>,
    /// Accepted SANs of client certificates. Default: any.
    pub subject_alt_names: Option<Vec<String>>,
    /// Lowest TLS version, e.g. `TLSV1_2`. Default: Envoy's.
    pub min_protocol_version: Option<String>,
    /// Highest TLS version. Default: Envoy's.
    pub max_protocol_version: Option<String>,
}

// ---------------------------------------------------------------- VirtualService

crd_kind!(
    /// An Istio VirtualService: routing rules for a set of hosts.
    VirtualService, VirtualServiceSpec, group: "networking.istio.io", version: "v1", plural: "virtualservices"
);

/// `VirtualService.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServiceSpec {
    /// The hosts the rules apply to: service names, FQDNs or wildcards.
    pub hosts: Vec<String>,
    /// Gateways (`ns/name` or `name`) and/or `mesh`. Default: `mesh` only.
    pub gateways: Option<Vec<String>>,
    /// HTTP (and HTTP/2, gRPC) routes, first match wins. Default: none.
    pub http: Option<Vec<HttpRoute>>,
    /// TLS routes by SNI for unterminated TLS. Default: none.
    pub tls: Option<Vec<TlsRoute>>,
    /// Opaque TCP routes. Default: none.
    pub tcp: Option<Vec<TcpRoute>>,
    /// Namespaces that see this VirtualService (`.` for its own, `*` for all). Default: all.
    pub export_to: Option<Vec<String>>,
}

/// A string matcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StringMatch {
    /// Equal to the string.
    Exact(String),
    /// Starts with the string.
    Prefix(String),
    /// Matches the RE2 regular expression.
    Regex(String),
}

/// One HTTP route rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    /// A name for the route, shown in access logs and metrics. Default: none.
    pub name: Option<String>,
    /// Conditions, any of which selects the route. Default: none (matches every request).
    #[serde(rename = "match")]
    pub matches: Option<Vec<HttpMatchRequest>>,
    /// Weighted destinations. Default: none (then `redirect` or `direct_response`).
    pub route: Option<Vec<HttpRouteDestination>>,
    /// A redirect instead of forwarding. Default: none.
    pub redirect: Option<HttpRedirect>,
    /// A fixed response instead of forwarding. Default: none.
    pub direct_response: Option<HttpDirectResponse>,
    /// Rewrites the URI or authority before forwarding. Default: none.
    pub rewrite: Option<HttpRewrite>,
    /// e.g. `10s`.
    pub timeout: Option<String>,
    /// The retry policy. Default: Istio's (2 attempts).
    pub retries: Option<HttpRetry>,
    /// Injected delays and aborts, for testing resilience. Default: none.
    pub fault: Option<HttpFaultInjection>,
    /// A destination that receives a copy of the traffic (responses ignored). Default: none.
    pub mirror: Option<Destination>,
    /// Share of the traffic mirrored. Default: 100 % when `mirror` is set.
    pub mirror_percentage: Option<Percent>,
    /// The CORS policy. Default: none.
    pub cors_policy: Option<CorsPolicy>,
    /// Header changes on the request and response. Default: none.
    pub headers: Option<Headers>,
}

/// Match conditions of an HTTP rule (all must hold).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct HttpMatchRequest {
    /// A name for the match, added to the route name in logs. Default: none.
    pub name: Option<String>,
    /// Matches the URI path. Default: any.
    pub uri: Option<StringMatch>,
    /// Matches the scheme. Default: any.
    pub scheme: Option<StringMatch>,
    /// Matches the HTTP method. Default: any.
    pub method: Option<StringMatch>,
    /// Matches the authority (host) header. Default: any.
    pub authority: Option<StringMatch>,
    /// Matches headers by name (lower case). Default: none.
    pub headers: Option<BTreeMap<String, StringMatch>>,
    /// Matches the destination port. Default: any.
    pub port: Option<u16>,
    /// Matches the source workload's labels. Default: any.
    pub source_labels: Option<BTreeMap<String, String>>,
    /// Gateways the match applies to (`mesh` for sidecars). Default: the VirtualService's.
    pub gateways: Option<Vec<String>>,
    /// Matches query parameters by name. Default: none.
    pub query_params: Option<BTreeMap<String, StringMatch>>,
    /// Compare the URI case-insensitively. Default: false.
    pub ignore_uri_case: Option<bool>,
    /// Headers that must be absent (or not match). Default: none.
    pub without_headers: Option<BTreeMap<String, StringMatch>>,
    /// Matches the source namespace. Default: any.
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// The service's host: a short name in the VirtualService's namespace, or an FQDN.
    pub host: String,
    /// A subset defined in the host's DestinationRule. Default: none (all endpoints).
    pub subset: Option<String>,
    /// The port, when the service has several. Default: the only one.
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
    pub fn port(mut self, number: u16) -> Self {
        self.port = Some(PortSelector { number });
        self
    }
}

/// A port number selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PortSelector {
    /// The port number.
    pub number: u16,
}

/// A weighted HTTP destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteDestination {
    /// Where the traffic goes.
    pub destination: Destination,
    /// Percentage 0–100 of the traffic; all weights of a rule sum to 100.
    pub weight: Option<i32>,
    /// Header changes for traffic to this destination. Default: none.
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Headers {
    /// Changes to the request headers. Default: none.
    pub request: Option<HeaderOperations>,
    /// Changes to the response headers. Default: none.
    pub response: Option<HeaderOperations>,
}

/// Set, add or remove headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HeaderOperations {
    /// Headers set, replacing existing values.
    pub set: Option<BTreeMap<String, String>>,
    /// Headers appended.
    pub add: Option<BTreeMap<String, String>>,
    /// Headers removed.
    pub remove: Option<Vec<String>>,
}

/// An HTTP redirect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRedirect {
    /// The new path. Default: unchanged.
    pub uri: Option<String>,
    /// The new authority. Default: unchanged.
    pub authority: Option<String>,
    /// The new port. Default: unchanged.
    pub port: Option<u16>,
    /// The new scheme. Default: unchanged.
    pub scheme: Option<String>,
    /// The status code, e.g. 301 or 308. Default: 301.
    pub redirect_code: Option<u32>,
}

/// A fixed response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpDirectResponse {
    /// The HTTP status code.
    pub status: u32,
    /// The response body. Default: empty.
    pub body: Option<HttpBody>,
}

/// A direct response's body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpBody {
    /// The body as a string.
    pub string: Option<String>,
}

/// A URI/authority rewrite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpRewrite {
    /// The new path (or path prefix of the matched prefix). Default: unchanged.
    pub uri: Option<String>,
    /// The new authority. Default: unchanged.
    pub authority: Option<String>,
}

/// Retry policy of an HTTP rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    /// Retries per request (0 turns retries off).
    pub attempts: i32,
    /// e.g. `2s`.
    pub per_try_timeout: Option<String>,
    /// Envoy retry conditions, comma separated (e.g. `5xx,reset,connect-failure`).
    pub retry_on: Option<String>,
    /// Retry in other localities. Default: false.
    pub retry_remote_localities: Option<bool>,
    /// Istio ≥ 1.26.
    pub retry_ignore_previous_hosts: Option<bool>,
    /// Base interval between retries (Istio ≥ 1.26).
    pub backoff: Option<String>,
}

/// A percentage 0.0–100.0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Percent {
    /// The percentage, 0 to 100.
    pub value: f64,
}

impl Percent {
    /// A percentage.
    pub fn new(value: f64) -> Self {
        Percent { value }
    }
}

/// Fault injection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpFaultInjection {
    /// A delay before forwarding. Default: none.
    pub delay: Option<FaultDelay>,
    /// An aborted request. Default: none.
    pub abort: Option<FaultAbort>,
}

/// Injected delay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct FaultDelay {
    /// How long to wait, e.g. `5s`.
    pub fixed_delay: String,
    /// Share of requests delayed. Default: all.
    pub percentage: Option<Percent>,
}

/// Injected abort.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct FaultAbort {
    /// The HTTP status returned. Default: none (set this or `grpc_status`).
    pub http_status: Option<u32>,
    /// The gRPC status returned, e.g. `UNAVAILABLE`. Default: none.
    pub grpc_status: Option<String>,
    /// Share of requests aborted. Default: all.
    pub percentage: Option<Percent>,
}

/// CORS policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct CorsPolicy {
    /// Allowed origins.
    pub allow_origins: Option<Vec<StringMatch>>,
    /// Allowed methods.
    pub allow_methods: Option<Vec<String>>,
    /// Allowed request headers.
    pub allow_headers: Option<Vec<String>>,
    /// Response headers the browser may read.
    pub expose_headers: Option<Vec<String>>,
    /// How long a preflight response may be cached, e.g. `24h`.
    pub max_age: Option<String>,
    /// Whether credentials are allowed.
    pub allow_credentials: Option<bool>,
}

/// L4 match attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct L4MatchAttributes {
    /// Destination IPs or subnets matched. Default: any.
    pub destination_subnets: Option<Vec<String>>,
    /// The destination port matched. Default: any.
    pub port: Option<u16>,
    /// The source workload's labels. Default: any.
    pub source_labels: Option<BTreeMap<String, String>>,
    /// Gateways the match applies to. Default: the VirtualService's.
    pub gateways: Option<Vec<String>>,
    /// The source namespace. Default: any.
    pub source_namespace: Option<String>,
}

/// TLS (SNI) match attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct TlsMatchAttributes {
    /// SNI names matched; wildcards allowed.
    pub sni_hosts: Vec<String>,
    /// Destination IPs or subnets matched. Default: any.
    pub destination_subnets: Option<Vec<String>>,
    /// The destination port matched. Default: any.
    pub port: Option<u16>,
    /// The source workload's labels. Default: any.
    pub source_labels: Option<BTreeMap<String, String>>,
    /// Gateways the match applies to. Default: the VirtualService's.
    pub gateways: Option<Vec<String>>,
    /// The source namespace. Default: any.
    pub source_namespace: Option<String>,
}

/// A weighted L4 destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteDestination {
    /// Where the traffic goes.
    pub destination: Destination,
    /// Share of the traffic, out of the route's total. Default: all of it for a single destination.
    pub weight: Option<i32>,
}

/// A TCP rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TcpRoute {
    /// Conditions, any of which selects the route. Default: every connection.
    #[serde(rename = "match")]
    pub matches: Option<Vec<L4MatchAttributes>>,
    /// Weighted destinations.
    pub route: Vec<RouteDestination>,
}

/// A TLS passthrough rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TlsRoute {
    /// SNI conditions, any of which selects the route.
    #[serde(rename = "match")]
    pub matches: Vec<TlsMatchAttributes>,
    /// Weighted destinations.
    pub route: Vec<RouteDestination>,
}

// ---------------------------------------------------------------- DestinationRule

crd_kind!(
    /// An Istio DestinationRule: traffic policy and subsets of a host.
    DestinationRule, DestinationRuleSpec, group: "networking.istio.io", version: "v1", plural: "destinationrules"
);

/// `DestinationRule.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    /// The service the rule applies to: a short name in the rule's namespace, or an FQDN.
    pub host: String,
    /// Policies for all the host's traffic. Default: Istio's.
    pub traffic_policy: Option<TrafficPolicy>,
    /// Named groups of endpoints (e.g. versions) that routes can name. Default: none.
    pub subsets: Option<Vec<Subset>>,
    /// Namespaces that see this rule. Default: all.
    pub export_to: Option<Vec<String>>,
    /// Workloads the rule applies to (sidecar-side). Default: all.
    pub workload_selector: Option<WorkloadSelector>,
}

/// Pods selected by labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// Labels a workload must have.
    pub match_labels: BTreeMap<String, String>,
}

/// A named subset of a host's endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    /// The subset's name, referenced by routes.
    pub name: String,
    /// Labels that pick the subset's endpoints, e.g. `version: v2`.
    pub labels: Option<BTreeMap<String, String>>,
    /// Policies for this subset, overriding the host's. Default: the host's.
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// How endpoints are chosen. Default: least request.
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Connection and request limits. Default: Envoy's.
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of failing endpoints. Default: off.
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS to the upstream. Default: Istio mTLS where both sides are in the mesh.
    pub tls: Option<ClientTlsSettings>,
    /// Per-port overrides. Default: none.
    pub port_level_settings: Option<Vec<PortTrafficPolicy>>,
}

/// Traffic policy of one port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct PortTrafficPolicy {
    /// The port the policy applies to.
    pub port: Option<PortSelector>,
    /// How endpoints are chosen on this port.
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Connection limits on this port.
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of failing endpoints on this port.
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS to the upstream on this port.
    pub tls: Option<ClientTlsSettings>,
}

/// Simple load-balancing algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimpleLb {
    /// Let Istio choose.
    Unspecified,
    /// Deprecated alias of least request.
    LeastConn,
    /// A random endpoint.
    Random,
    /// The original destination address.
    Passthrough,
    /// Round robin.
    RoundRobin,
    /// The endpoint with the fewest active requests (two random choices).
    LeastRequest,
}

/// Load balancing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerSettings {
    /// A simple algorithm. Default: least request.
    pub simple: Option<SimpleLb>,
    /// Session affinity by hashing a header, cookie, source IP or query parameter. Default: none.
    pub consistent_hash: Option<ConsistentHashLb>,
    /// Locality-aware routing and failover. Default: the mesh's.
    pub locality_lb_setting: Option<LocalityLbSetting>,
    /// Time over which new endpoints ramp up, e.g. `60s`. Default: none.
    pub warmup_duration_secs: Option<String>,
}

/// Consistent hashing (session affinity). Set exactly one hash key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct ConsistentHashLb {
    /// Hash on this header.
    pub http_header_name: Option<String>,
    /// Hash on this cookie (created when missing).
    pub http_cookie: Option<HttpCookie>,
    /// Hash on the source IP.
    pub use_source_ip: Option<bool>,
    /// Hash on this query parameter.
    pub http_query_parameter_name: Option<String>,
    /// Minimum ring size of the ring hash. Default: Envoy's.
    pub minimum_ring_size: Option<u64>,
}

/// A hash cookie.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpCookie {
    /// The cookie's name.
    pub name: String,
    /// The cookie's path. Default: none.
    pub path: Option<String>,
    /// e.g. `3600s`.
    pub ttl: Option<String>,
}

/// Locality-aware load balancing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct LocalityLbSetting {
    /// Shares of traffic from a locality to other localities. Default: none.
    pub distribute: Option<Vec<LocalityDistribute>>,
    /// Where traffic fails over from a region. Default: none.
    pub failover: Option<Vec<LocalityFailover>>,
    /// Labels that order failover endpoints. Default: none.
    pub failover_priority: Option<Vec<String>>,
    /// Turns locality load balancing on or off. Default: the mesh's setting.
    pub enabled: Option<bool>,
}

/// Traffic share from one locality to others (weights sum to 100).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalityDistribute {
    /// The source locality, `region/zone/subzone` with wildcards.
    pub from: String,
    /// Target localities and their weights, summing to 100.
    pub to: BTreeMap<String, u32>,
}

/// Failover from one region to another.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalityFailover {
    /// The region traffic fails over from.
    pub from: String,
    /// The region it fails over to.
    pub to: String,
}

/// Connection pool limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionPoolSettings {
    /// TCP limits (HTTP traffic too). Default: Envoy's.
    pub tcp: Option<TcpSettings>,
    /// HTTP limits. Default: Envoy's.
    pub http: Option<HttpSettings>,
}

/// TCP pool limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct TcpSettings {
    /// Most connections to the host. Default: Envoy's (2³²−1).
    pub max_connections: Option<i32>,
    /// TCP connect timeout, e.g. `10s`. Default: 10 s.
    pub connect_timeout: Option<String>,
    /// Longest life of a connection. Default: unlimited.
    pub max_connection_duration: Option<String>,
}

/// HTTP pool limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct HttpSettings {
    /// Most requests queued while waiting for a connection. Default: 2³²−1.
    pub http1_max_pending_requests: Option<i32>,
    /// Most active HTTP/2 requests. Default: 2³²−1.
    pub http2_max_requests: Option<i32>,
    /// Requests per connection (1 turns keep-alive off). Default: unlimited.
    pub max_requests_per_connection: Option<i32>,
    /// Most outstanding retries across the host. Default: 2³²−1.
    pub max_retries: Option<i32>,
    /// Idle timeout of upstream connections. Default: 1 h.
    pub idle_timeout: Option<String>,
    /// Most concurrent HTTP/2 streams per connection. Default: 2³¹−1.
    pub max_concurrent_streams: Option<i32>,
}

/// Circuit breaking by ejecting failing hosts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    /// Consecutive 5xx (or connection errors) before ejection. Default: 5.
    #[serde(rename = "consecutive5xxErrors")]
    pub consecutive_5xx_errors: Option<u32>,
    /// Consecutive 502/503/504 before ejection. Default: off.
    pub consecutive_gateway_errors: Option<u32>,
    /// Time between ejection sweeps, e.g. `10s`. Default: 10 s.
    pub interval: Option<String>,
    /// Minimum ejection time, multiplied by the number of ejections. Default: 30 s.
    pub base_ejection_time: Option<String>,
    /// Most endpoints ejected at once, in percent. Default: 10.
    pub max_ejection_percent: Option<i32>,
    /// Below this share of healthy endpoints, ejection stops. Default: 0.
    pub min_health_percent: Option<i32>,
}

/// TLS mode towards a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientTlsMode {
    /// No TLS.
    Disable,
    /// TLS, verifying the server.
    Simple,
    /// TLS with a client certificate.
    Mutual,
    /// Istio mTLS with the workload's certificate.
    IstioMutual,
}

/// Client TLS settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct ClientTlsSettings {
    /// How TLS is used to the upstream.
    pub mode: Option<ClientTlsMode>,
    /// File path of the client certificate (MUTUAL). Default: none.
    pub client_certificate: Option<String>,
    /// File path of the private key (MUTUAL). Default: none.
    pub private_key: Option<String>,
    /// File path of the CA bundle verifying the server. Default: the system's.
    pub ca_certificates: Option<String>,
    /// A Secret with the client certificate, key and CA (gateways only). Default: none.
    pub credential_name: Option<String>,
    /// Accepted SANs of the server certificate. Default: any.
    pub subject_alt_names: Option<Vec<String>>,
    /// The SNI sent. Default: the host.
    pub sni: Option<String>,
    /// Skip verifying the server certificate; an analyzer warns. Default: false.
    pub insecure_skip_verify: Option<bool>,
}

// ---------------------------------------------------------------- ServiceEntry

crd_kind!(
    /// An Istio ServiceEntry: adds a host to the mesh's registry.
    ServiceEntry, ServiceEntrySpec, group: "networking.istio.io", version: "v1", plural: "serviceentries"
);

/// Whether a ServiceEntry's host is inside or outside the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Location {
    /// Outside the mesh (no sidecar; mTLS off).
    MeshExternal,
    /// Part of the mesh (e.g. VMs or another cluster).
    MeshInternal,
}

/// How a ServiceEntry's endpoints are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resolution {
    /// Addresses the client asked for, as they are.
    None,
    /// The endpoints' static addresses.
    Static,
    /// DNS lookup, all addresses kept.
    Dns,
    /// DNS lookup, one address per connection.
    DnsRoundRobin,
}

/// `ServiceEntry.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {
    /// The hosts: FQDNs, possibly with a wildcard prefix.
    pub hosts: Vec<String>,
    /// Virtual IPs of the service. Default: none.
    pub addresses: Option<Vec<String>>,
    /// The ports. Default: none.
    pub ports: Option<Vec<ServicePort>>,
    /// Inside or outside the mesh. Default: outside.
    pub location: Option<Location>,
    /// How endpoints are resolved. Default: none (as asked).
    pub resolution: Option<Resolution>,
    /// Static endpoints. Default: none.
    pub endpoints: Option<Vec<WorkloadEntrySpec>>,
    /// Pods and WorkloadEntries by `labels` (Istio's networking
    /// WorkloadSelector, not the `matchLabels` one of policies).
    pub workload_selector: Option<SidecarWorkloadSelector>,
    /// Namespaces that see this entry. Default: all.
    pub export_to: Option<Vec<String>>,
    /// Accepted SANs of the service's certificates. Default: any.
    pub subject_alt_names: Option<Vec<String>>,
}

/// A port of a ServiceEntry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// The port number.
    pub number: u16,
    /// The protocol, e.g. `HTTP`, `TLS`, `TCP`. Default: auto-detected.
    pub protocol: Option<String>,
    /// The port name.
    pub name: String,
    /// The port on the endpoints. Default: `number`.
    pub target_port: Option<u16>,
}

// ---------------------------------------------------------------- WorkloadEntry / WorkloadGroup

crd_kind!(
    /// An Istio WorkloadEntry: a non-Kubernetes workload (VM, other cluster).
    WorkloadEntry, WorkloadEntrySpec, group: "networking.istio.io", version: "v1", plural: "workloadentries"
);

/// `WorkloadEntry.spec`, also an endpoint of a ServiceEntry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadEntrySpec {
    /// The address (IP or DNS name). Default: none (auto-registration fills it).
    pub address: Option<String>,
    /// Port overrides by port name. Default: none.
    pub ports: Option<BTreeMap<String, u16>>,
    /// Labels of the workload, for selectors and subsets. Default: none.
    pub labels: Option<BTreeMap<String, String>>,
    /// The network the workload is on (multi-network meshes). Default: the default network.
    pub network: Option<String>,
    /// The locality, `region/zone/subzone`. Default: none.
    pub locality: Option<String>,
    /// Load-balancing weight. Default: 1.
    pub weight: Option<u32>,
    /// The workload's service account (its identity). Default: none.
    pub service_account: Option<String>,
}

crd_kind!(
    /// An Istio WorkloadGroup: a template for WorkloadEntries, with a health probe.
    WorkloadGroup, WorkloadGroupSpec, group: "networking.istio.io", version: "v1", plural: "workloadgroups"
);

/// `WorkloadGroup.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkloadGroupSpec {
    /// Labels and annotations of the generated WorkloadEntries. Default: none.
    pub metadata: Option<WorkloadGroupMetadata>,
    /// The template of the generated WorkloadEntries.
    pub template: WorkloadEntrySpec,
    /// Readiness probe run by the proxy on the VM. Default: none.
    pub probe: Option<ReadinessProbe>,
}

/// Labels and annotations of the generated WorkloadEntries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkloadGroupMetadata {
    /// Labels. Default: none.
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations. Default: none.
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A WorkloadGroup health check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessProbe {
    /// Seconds before the first probe. Default: 0.
    pub initial_delay_seconds: Option<i32>,
    /// Seconds before a probe times out. Default: 1.
    pub timeout_seconds: Option<i32>,
    /// Seconds between probes. Default: 10.
    pub period_seconds: Option<i32>,
    /// Successes after a failure before ready. Default: 1.
    pub success_threshold: Option<i32>,
    /// Failures before not ready. Default: 3.
    pub failure_threshold: Option<i32>,
    /// An HTTP GET probe. Default: none.
    pub http_get: Option<HttpHealthCheck>,
    /// A TCP connect probe. Default: none.
    pub tcp_socket: Option<TcpHealthCheck>,
}

/// An HTTP health check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpHealthCheck {
    /// The path. Default: `/`.
    pub path: Option<String>,
    /// The port.
    pub port: u16,
    /// The host. Default: the workload's address.
    pub host: Option<String>,
    /// `HTTP` or `HTTPS`. Default: `HTTP`.
    pub scheme: Option<String>,
}

/// A TCP health check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TcpHealthCheck {
    /// The host. Default: the workload's address.
    pub host: Option<String>,
    /// The port.
    pub port: u16,
}

// ---------------------------------------------------------------- Sidecar

crd_kind!(
    /// An Istio Sidecar: limits what a workload's proxy sees and accepts.
    Sidecar, SidecarSpec, group: "networking.istio.io", version: "v1", plural: "sidecars"
);

/// `Sidecar.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct SidecarSpec {
    /// The workloads this Sidecar applies to. Default: every workload of the namespace.
    pub workload_selector: Option<SidecarWorkloadSelector>,
    /// Inbound listeners. Default: the workload's own ports.
    pub ingress: Option<Vec<IstioIngressListener>>,
    /// Outbound listeners: the hosts the workload may reach. Default: everything in the mesh.
    pub egress: Option<Vec<IstioEgressListener>>,
    /// What happens to traffic to unknown hosts. Default: the mesh's (allow any).
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

/// A Sidecar's or ServiceEntry's workload selector (`labels`, not `matchLabels`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SidecarWorkloadSelector {
    /// Labels a workload must have.
    pub labels: BTreeMap<String, String>,
}

/// An inbound listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct IstioIngressListener {
    /// The port to listen on.
    pub port: SidecarPort,
    /// The IP to listen on. Default: all.
    pub bind: Option<String>,
    /// Where traffic goes, e.g. `127.0.0.1:8080`. Default: the workload's port.
    pub default_endpoint: Option<String>,
}

/// An outbound listener: the hosts (`namespace/host`) the proxy may reach.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IstioEgressListener {
    /// The port. Default: all ports.
    pub port: Option<SidecarPort>,
    /// The IP to listen on. Default: all.
    pub bind: Option<String>,
    /// Reachable hosts as `namespace/host`, e.g. `./*` or `istio-system/*`.
    pub hosts: Vec<String>,
}

/// A Sidecar listener port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SidecarPort {
    /// The port number.
    pub number: u16,
    /// The protocol. Default: auto-detected.
    pub protocol: Option<String>,
    /// The port name. Default: none.
    pub name: Option<String>,
}

/// `REGISTRY_ONLY` or `ALLOW_ANY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundMode {
    /// Only hosts in the service registry are reachable.
    RegistryOnly,
    /// Unknown hosts are passed through.
    AllowAny,
}

/// Outbound traffic policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundTrafficPolicy {
    /// The mode.
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

crd_deserialize!(
    Gateway,
    VirtualService,
    DestinationRule,
    ServiceEntry,
    WorkloadEntry,
    WorkloadGroup,
    Sidecar
);
