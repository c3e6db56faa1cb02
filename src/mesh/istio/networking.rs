//! Istio `networking.istio.io/v1` kinds: the generated types of
//! `meshsynth-crds` (every field of Istio's CRD) under the short names
//! Istio's reference uses, and the constructors the mesh constructs and
//! users write most (`Destination::host`, `Subset::version`, …) as
//! extension traits, since the types live in the generated crate.

use std::collections::BTreeMap;

use meshsynth_crds::istio::networking_v1 as v1;

use crate::mesh::crd::custom_object;

pub use v1::{
    DestinationRule, DestinationRuleSpec, Gateway, GatewaySpec, ServiceEntry, ServiceEntrySpec,
    Sidecar, SidecarSpec, VirtualService, VirtualServiceSpec, WorkloadEntry, WorkloadEntrySpec,
    WorkloadGroup, WorkloadGroupSpec,
};

/// `networking.istio.io/v1alpha3` EnvoyFilter (Istio serves no other
/// version): read by the analyzers; write one with
/// [`EnvoyFilter`]`::named` like the other kinds.
pub use meshsynth_crds::istio::networking_v1alpha3::{EnvoyFilter, EnvoyFilterSpec};

custom_object! {
    DestinationRule: DestinationRuleSpec, opt;
    EnvoyFilter: EnvoyFilterSpec, opt;
    Gateway: GatewaySpec, opt;
    ServiceEntry: ServiceEntrySpec, req;
    Sidecar: SidecarSpec, opt;
    VirtualService: VirtualServiceSpec, opt;
    WorkloadEntry: WorkloadEntrySpec, req;
    WorkloadGroup: WorkloadGroupSpec, req;
}

// ---------------------------------------------------------------- Gateway

/// A listener of a Gateway (`spec.servers[]`).
pub type Server = v1::GatewaySpecServers;
/// The port of a Gateway server.
pub type GatewayPort = v1::GatewaySpecServersPort;
/// TLS settings of a Gateway server.
pub type ServerTls = v1::GatewaySpecServersTls;
/// TLS mode of a Gateway server (`SIMPLE`, `MUTUAL`, `PASSTHROUGH`, …).
pub type ServerTlsMode = v1::GatewaySpecServersTlsMode;
/// A TLS protocol version (`TLSV1_2`, …) of a Gateway server.
pub type TlsProtocolVersion = v1::GatewaySpecServersTlsMaxProtocolVersion;

/// The usual ingress Gateway spec.
pub trait GatewaySpecExt {
    /// `istio: ingressgateway` pods, HTTP on 80 and, with a credential,
    /// HTTPS on 443 terminated with that Secret (HTTP then redirects to
    /// HTTPS when `https_redirect`).
    fn ingress(hosts: &[&str], tls_credential: Option<&str>, https_redirect: bool) -> Self;
}

impl GatewaySpecExt for GatewaySpec {
    fn ingress(hosts: &[&str], tls_credential: Option<&str>, https_redirect: bool) -> Self {
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let mut servers = vec![Server {
            port: GatewayPort {
                number: 80,
                protocol: "HTTP".into(),
                name: "http".into(),
                ..Default::default()
            },
            hosts: hosts.clone(),
            tls: (https_redirect && tls_credential.is_some()).then(|| ServerTls {
                https_redirect: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }];
        if let Some(cred) = tls_credential {
            servers.push(Server {
                port: GatewayPort {
                    number: 443,
                    protocol: "HTTPS".into(),
                    name: "https".into(),
                    ..Default::default()
                },
                hosts,
                tls: Some(ServerTls {
                    mode: Some(ServerTlsMode::Simple),
                    credential_name: Some(cred.into()),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        GatewaySpec {
            selector: Some(BTreeMap::from([("istio".into(), "ingressgateway".into())])),
            servers: Some(servers),
        }
    }
}

// ---------------------------------------------------------------- VirtualService

/// An HTTP route rule (`spec.http[]`).
pub type HttpRoute = v1::VirtualServiceSpecHttp;
/// A match condition of an HTTP rule (`spec.http[].match[]`).
pub type HttpMatchRequest = v1::VirtualServiceSpecHttpMatch;
/// A string match: set one of `exact`, `prefix`, `regex`.
pub type StringMatch = v1::VirtualServiceSpecHttpCorsPolicyAllowOrigins;
/// Where traffic goes: a host, optionally a subset and port.
pub type Destination = v1::SidecarSpecOutboundTrafficPolicyEgressProxy;
/// A port number selector.
pub type PortSelector = v1::DestinationRuleSpecSubsetsTrafficPolicyPortLevelSettingsPort;
/// A weighted HTTP destination (`spec.http[].route[]`).
pub type HttpRouteDestination = v1::VirtualServiceSpecHttpRoute;
/// Header manipulation for requests and responses.
pub type Headers = v1::VirtualServiceSpecHttpHeaders;
/// Header operations: `set`, `add`, `remove`.
pub type HeaderOperations = v1::VirtualServiceSpecHttpHeadersRequest;
/// An HTTP redirect.
pub type HttpRedirect = v1::VirtualServiceSpecHttpRedirect;
/// A fixed response.
pub type HttpDirectResponse = v1::VirtualServiceSpecHttpDirectResponse;
/// The body of a fixed response.
pub type HttpBody = v1::VirtualServiceSpecHttpDirectResponseBody;
/// A URI or authority rewrite.
pub type HttpRewrite = v1::VirtualServiceSpecHttpRewrite;
/// A retry policy.
pub type HttpRetry = v1::VirtualServiceSpecHttpRetries;
/// A percentage 0.0–100.0.
pub type Percent = v1::VirtualServiceSpecHttpFaultAbortPercentage;
/// Fault injection.
pub type HttpFaultInjection = v1::VirtualServiceSpecHttpFault;
/// An injected delay.
pub type FaultDelay = v1::VirtualServiceSpecHttpFaultDelay;
/// An injected abort.
pub type FaultAbort = v1::VirtualServiceSpecHttpFaultAbort;
/// A CORS policy.
pub type CorsPolicy = v1::VirtualServiceSpecHttpCorsPolicy;
/// One of several mirrors (`spec.http[].mirrors[]`).
pub type HttpMirrorPolicy = v1::VirtualServiceSpecHttpMirrors;
/// A match condition of a TCP rule.
pub type L4MatchAttributes = v1::VirtualServiceSpecTcpMatch;
/// A match condition of a TLS rule.
pub type TlsMatchAttributes = v1::VirtualServiceSpecTlsMatch;
/// A weighted TCP or TLS destination.
pub type RouteDestination = v1::VirtualServiceSpecTcpRoute;
/// A TCP route rule (`spec.tcp[]`).
pub type TcpRoute = v1::VirtualServiceSpecTcp;
/// A TLS route rule (`spec.tls[]`).
pub type TlsRoute = v1::VirtualServiceSpecTls;

/// String-match constructors.
pub trait StringMatchExt {
    /// Matches exactly this value.
    fn exact(value: impl Into<String>) -> Self;
    /// Matches values starting with this prefix.
    fn prefix(value: impl Into<String>) -> Self;
    /// Matches this RE2 regular expression.
    fn regex(value: impl Into<String>) -> Self;
    /// The one form set, as (`exact` | `prefix` | `regex`, value).
    fn form(&self) -> Option<(&'static str, &str)>;
}

impl StringMatchExt for StringMatch {
    fn exact(value: impl Into<String>) -> Self {
        StringMatch {
            exact: Some(value.into()),
            ..Default::default()
        }
    }
    fn prefix(value: impl Into<String>) -> Self {
        StringMatch {
            prefix: Some(value.into()),
            ..Default::default()
        }
    }
    fn regex(value: impl Into<String>) -> Self {
        StringMatch {
            regex: Some(value.into()),
            ..Default::default()
        }
    }
    fn form(&self) -> Option<(&'static str, &str)> {
        if let Some(v) = &self.exact {
            Some(("exact", v))
        } else if let Some(v) = &self.prefix {
            Some(("prefix", v))
        } else {
            self.regex.as_deref().map(|v| ("regex", v))
        }
    }
}

/// HTTP match constructors.
pub trait HttpMatchRequestExt {
    /// A match on a URI prefix.
    fn prefix(p: impl Into<String>) -> Self;
}

impl HttpMatchRequestExt for HttpMatchRequest {
    fn prefix(p: impl Into<String>) -> Self {
        HttpMatchRequest {
            uri: Some(StringMatch::prefix(p)),
            ..Default::default()
        }
    }
}

/// Destination constructors: `Destination::host("reviews").subset("v2").port(9080)`.
pub trait DestinationExt {
    /// A destination on a host.
    fn host(host: impl Into<String>) -> Self;
    /// The same destination restricted to a subset.
    fn subset(self, s: impl Into<String>) -> Self;
    /// The same destination on a port.
    fn port(self, number: u16) -> Self;
}

impl DestinationExt for Destination {
    fn host(host: impl Into<String>) -> Self {
        Destination {
            host: host.into(),
            ..Default::default()
        }
    }
    fn subset(mut self, s: impl Into<String>) -> Self {
        self.subset = Some(s.into());
        self
    }
    fn port(mut self, number: u16) -> Self {
        self.port = Some(PortSelector {
            number: Some(number.into()),
        });
        self
    }
}

/// Route destination constructors.
pub trait HttpRouteDestinationExt {
    /// A destination with a weight (percent; a rule's weights sum to 100).
    fn weighted(destination: Destination, weight: i32) -> Self;
    /// A destination taking all of its rule's traffic.
    fn to(destination: Destination) -> Self;
}

impl HttpRouteDestinationExt for HttpRouteDestination {
    fn weighted(destination: Destination, weight: i32) -> Self {
        HttpRouteDestination {
            destination,
            weight: Some(weight),
            headers: None,
        }
    }
    fn to(destination: Destination) -> Self {
        HttpRouteDestination {
            destination,
            weight: None,
            headers: None,
        }
    }
}

/// Percentage constructor.
pub trait PercentExt {
    /// A percentage, 0 to 100.
    fn new(value: f64) -> Self;
}

impl PercentExt for Percent {
    fn new(value: f64) -> Self {
        Percent { value: Some(value) }
    }
}

// ---------------------------------------------------------------- DestinationRule

/// A DestinationRule's workload selector (`matchLabels`).
pub type DestinationRuleSelector = v1::DestinationRuleSpecWorkloadSelector;
/// A named subset of a host's endpoints.
pub type Subset = v1::DestinationRuleSpecSubsets;
/// Traffic policy of a host or subset.
pub type TrafficPolicy = v1::DestinationRuleSpecSubsetsTrafficPolicy;
/// Traffic policy for one port.
pub type PortTrafficPolicy = v1::DestinationRuleSpecSubsetsTrafficPolicyPortLevelSettings;
/// Simple load-balancing algorithms.
pub type SimpleLb = v1::DestinationRuleSpecSubsetsTrafficPolicyLoadBalancerSimple;
/// Load-balancer settings.
pub type LoadBalancerSettings = v1::DestinationRuleSpecSubsetsTrafficPolicyLoadBalancer;
/// Consistent-hash load balancing.
pub type ConsistentHashLb = v1::DestinationRuleSpecSubsetsTrafficPolicyLoadBalancerConsistentHash;
/// The cookie of cookie-based consistent hashing.
pub type HttpCookie =
    v1::DestinationRuleSpecSubsetsTrafficPolicyLoadBalancerConsistentHashHttpCookie;
/// Locality-weighted load balancing.
pub type LocalityLbSetting =
    v1::DestinationRuleSpecSubsetsTrafficPolicyLoadBalancerLocalityLbSetting;
/// Traffic distribution from one locality to others.
pub type LocalityDistribute =
    v1::DestinationRuleSpecSubsetsTrafficPolicyLoadBalancerLocalityLbSettingDistribute;
/// A locality failover pair.
pub type LocalityFailover =
    v1::DestinationRuleSpecSubsetsTrafficPolicyLoadBalancerLocalityLbSettingFailover;
/// Connection-pool limits.
pub type ConnectionPoolSettings = v1::DestinationRuleSpecSubsetsTrafficPolicyConnectionPool;
/// TCP connection-pool limits.
pub type TcpSettings = v1::DestinationRuleSpecSubsetsTrafficPolicyConnectionPoolTcp;
/// HTTP connection-pool limits.
pub type HttpSettings = v1::DestinationRuleSpecSubsetsTrafficPolicyConnectionPoolHttp;
/// Outlier detection (circuit breaking).
pub type OutlierDetection = v1::DestinationRuleSpecSubsetsTrafficPolicyOutlierDetection;
/// Client TLS mode towards the upstream.
pub type ClientTlsMode = v1::DestinationRuleSpecSubsetsTrafficPolicyPortLevelSettingsTlsMode;
/// Client TLS settings towards the upstream.
pub type ClientTlsSettings = v1::DestinationRuleSpecSubsetsTrafficPolicyPortLevelSettingsTls;

/// Subset constructors.
pub trait SubsetExt {
    /// A subset selecting `version: <version>` pods, named after the version.
    fn version(version: &str) -> Self;
}

impl SubsetExt for Subset {
    fn version(version: &str) -> Self {
        Subset {
            name: version.into(),
            labels: Some(BTreeMap::from([("version".into(), version.into())])),
            traffic_policy: None,
        }
    }
}

// ---------------------------------------------------------------- ServiceEntry, WorkloadEntry, WorkloadGroup

/// Whether a ServiceEntry's host is in the mesh.
pub type Location = v1::ServiceEntrySpecLocation;
/// How a ServiceEntry's endpoints are found.
pub type Resolution = v1::ServiceEntrySpecResolution;
/// A port of a ServiceEntry.
pub type ServicePort = v1::ServiceEntrySpecPorts;
/// A Sidecar's or ServiceEntry's workload selector (`labels`, not `matchLabels`).
pub type SidecarWorkloadSelector = v1::ServiceEntrySpecWorkloadSelector;
/// Labels and annotations a WorkloadGroup gives its entries.
pub type WorkloadGroupMetadata = v1::WorkloadGroupSpecMetadata;
/// The WorkloadEntry template of a WorkloadGroup.
pub type WorkloadGroupTemplate = v1::WorkloadGroupSpecTemplate;

// ---------------------------------------------------------------- Sidecar

/// An inbound listener of a Sidecar.
pub type IstioIngressListener = v1::SidecarSpecIngress;
/// An outbound listener of a Sidecar: the hosts (`namespace/host`) the proxy may reach.
pub type IstioEgressListener = v1::SidecarSpecEgress;
/// A Sidecar listener port.
pub type SidecarPort = v1::SidecarSpecEgressPort;
/// `REGISTRY_ONLY` or `ALLOW_ANY`.
pub type OutboundMode = v1::SidecarSpecOutboundTrafficPolicyMode;
/// Outbound traffic policy of a Sidecar.
pub type OutboundTrafficPolicy = v1::SidecarSpecOutboundTrafficPolicy;

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
                labels: Some(BTreeMap::from([("app".to_string(), "orders".to_string())])),
            }),
            ..Default::default()
        };
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(json["workloadSelector"]["labels"]["app"], "orders");
        assert!(json["workloadSelector"].get("matchLabels").is_none());
    }

    #[test]
    fn destinations_chain_and_string_matches_name_their_form() {
        let d = Destination::host("reviews").subset("v2").port(9080);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"host": "reviews", "port": {"number": 9080}, "subset": "v2"})
        );
        assert_eq!(StringMatch::regex("^/a").form(), Some(("regex", "^/a")));
        assert_eq!(StringMatch::default().form(), None);
    }
}
