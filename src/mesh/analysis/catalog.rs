//! Every analyzer code with its level and a one-line description, for
//! `meshsynth analyze --list-analyzers`, SARIF rule metadata and the docs.

use super::codes;
use crate::core::{Rule, Severity};

const fn a(code: &'static str, level: Severity, description: &'static str) -> Rule {
    Rule::new(code, level, description)
}

use Severity::{Error as E, Info as I, Warning as W};

/// An analyzer's catalog entry under its 0.1.0 name. The fields were
/// renamed with it: `description` is `summary`, `level` is `severity`.
#[deprecated(
    since = "0.2.0",
    note = "use meshsynth::core::Rule (fields: code, severity (was level), summary (was description))"
)]
pub type AnalyzerInfo = Rule;

/// Every analyzer, in code order (docs/mesh-analysis.md lists the same).
pub const ANALYZERS: &[Rule] = &[
    a(codes::IST0002, W, "deprecated or ignored field, or an Istio CRD that was removed"),
    a(codes::IST0101, E, "referenced gateway, host, subset or TLS secret not found"),
    a(codes::IST0102, E, "namespace not enabled for injection (istioctl: info; escalated where it holds workloads)"),
    a(codes::IST0103, W, "running Pod without the Istio proxy in a namespace enabled for injection"),
    a(codes::IST0106, E, "schema validation: ranges, durations, one-of rules, unknown or too-new fields"),
    a(codes::IST0107, W, "Istio annotation on a kind where it has no effect"),
    a(codes::IST0108, W, "unknown Istio annotation"),
    a(codes::IST0109, E, "mesh VirtualServices with overlapping hosts"),
    a(codes::IST0110, E, "several Sidecars select the same workload"),
    a(codes::IST0111, E, "several Sidecars without workload selector in a namespace"),
    a(codes::IST0112, E, "route to a multi-port Service or ServiceEntry without a port"),
    a(codes::IST0116, W, "Services selecting one workload use a port with different protocols"),
    a(codes::IST0117, W, "Deployment in the mesh that no Service selects"),
    a(codes::IST0118, W, "Service port name not <protocol>[-<suffix>] (and no appProtocol)"),
    a(codes::IST0122, W, "invalid regular expression in a VirtualService match"),
    a(codes::IST0123, W, "namespace enrolled by several injection labels"),
    a(codes::IST0125, E, "Istio annotation with an invalid value"),
    a(codes::IST0127, E, "AuthorizationPolicy selector that matches no workload (istioctl: warning; escalated)"),
    a(codes::IST0128, W, "DestinationRule TLS without caCertificates"),
    a(codes::IST0129, W, "DestinationRule portLevelSettings TLS without caCertificates"),
    a(codes::IST0130, W, "unreachable VirtualService rule"),
    a(codes::IST0131, W, "ineffective (duplicate or covered) VirtualService match"),
    a(codes::IST0132, E, "VirtualService host not served by its Gateway (istioctl: warning; escalated)"),
    a(codes::IST0134, W, "ServiceEntry TCP port without addresses"),
    a(codes::IST0135, I, "deprecated Istio annotation (names the replacement)"),
    a(codes::IST0137, W, "Services route one target port of a workload through different ports"),
    a(codes::IST0138, W, "one certificate on several Gateways of the same workload"),
    a(codes::IST0139, E, "injection webhooks that overlap, or that call a control plane Service that does not exist"),
    a(codes::IST0140, W, "subset rules that ingress traffic never goes through"),
    a(codes::IST0144, E, "application container running as UID 1337"),
    a(codes::IST0145, E, "conflicting Gateways (same selector, port and host)"),
    a(codes::IST0146, W, "workload with image: auto whose pods are not targeted for injection"),
    a(codes::IST0147, E, "Pod with image: auto that is not targeted for injection"),
    a(codes::IST0148, I, "namespace injected by default (the injector's enableNamespacesByDefault) without a label saying so"),
    a(codes::IST0149, E, "VirtualService routing on a JWT claim through a gateway no RequestAuthentication applies to"),
    a(codes::IST0150, W, "ExternalName Service port not named after a routable protocol"),
    a(codes::IST0151, W, "EnvoyFilter relative patch operation without a priority"),
    a(codes::IST0152, E, "EnvoyFilter REPLACE on an applyTo it does not support"),
    a(codes::IST0153, E, "EnvoyFilter ADD on a route configuration or route (ignored)"),
    a(codes::IST0154, E, "EnvoyFilter REMOVE on a route configuration or route (ignored)"),
    a(codes::IST0155, W, "EnvoyFilter relative patch of a filter also patched under a proxyVersion match, without a priority"),
    a(codes::IST0157, W, "access logging with no provider, where the mesh configuration names no default one"),
    a(codes::IST0158, W, "pods of an injected namespace running a proxy image other than the injector's"),
    a(codes::IST0159, E, "several Telemetries select the same workload"),
    a(codes::IST0160, E, "several Telemetries without selector in a namespace"),
    a(codes::IST0161, E, "Gateway TLS credential Secret without a usable certificate (keys missing, not PEM, expired or not yet valid)"),
    a(codes::IST0162, W, "Gateway port not on its gateway's Service"),
    a(codes::IST0163, W, "external control plane webhook without a usable URL"),
    a(codes::IST0164, I, "external control plane webhook URL that names an IP address"),
    a(codes::IST0165, W, "VirtualService bound to an internal gateway"),
    a(codes::IST0166, W, "policy selecting a Gateway API gateway's pods by selector instead of targetRefs"),
    a(codes::IST0167, W, "ineffective policy: a port no selected workload has, or a Sidecar in an ambient namespace"),
    a(codes::IST0171, W, "negative status condition reported by the cluster (analyze of an export)"),
    a(codes::IST0173, W, "DestinationRule subset selects no pods"),
    a(codes::IST0174, W, "DestinationRule host matches no Service or ServiceEntry"),
    a(codes::IST0175, W, "istiod fetches RequestAuthentication JWKS URIs with no BLOCKED_CIDRS_IN_JWKS_URIS"),
    a(codes::IST0176, W, "Gateway API CRD below the bundle version istiod needs"),
    a(codes::IST0177, E, "ServiceEntries give one host and port different protocols"),
    a(codes::MS_CRD_1, E, "custom object its CRD refuses: unknown field, type, enum, pattern, bounds, required, CEL rule (synth; analyze reports these as IST0106)"),
    a(codes::MS_CRD_2, W, "deprecated CRD version or field, still served: names the replacement"),
    a(codes::MS_GW_1, E, "Gateway API route parentRef to a Gateway or Service that does not exist"),
    a(codes::MS_GW_2, E, "route parentRef matching no listener, or no listener allowing the route's kind or namespace (allowedRoutes)"),
    a(codes::MS_GW_3, E, "route hostnames meeting no hostname of its listeners"),
    a(codes::MS_GW_4, E, "route backendRef to a Service or port that does not exist"),
    a(codes::MS_GW_5, E, "cross-namespace backendRef or certificateRef without a ReferenceGrant"),
    a(codes::MS_GW_6, W, "route rule whose backendRefs all have weight 0"),
    a(codes::MS_GW_7, W, "Gateway whose GatewayClass is not in the input (nor one Istio creates)"),
    a(codes::MS_GW_8, E, "BackendTLSPolicy targeting a Service that does not exist"),
    a(codes::MS_GW_9, W, "two routes with the same match for the same host on one parent (one is ignored)"),
    a(codes::MS_MESH_1, E, "route weights that do not sum to 100"),
    a(codes::MS_MESH_2, E, "ingress VirtualService bound to no gateway"),
    a(codes::MS_MESH_3, E, "Gateway selector that matches no gateway workload"),
    a(codes::MS_MESH_4, E, "TLS server whose certificate has no source"),
    a(codes::MS_MESH_5, E, "PeerAuthentication mTLS mode conflicts with DestinationRule TLS"),
    a(codes::MS_MESH_6, E, "PeerAuthentication or RequestAuthentication selector that matches nothing"),
    a(codes::MS_MESH_7, E, "namespaced object whose namespace nothing in its cluster creates (synth and assemblies only)"),
    a(codes::MS_MESH_8, E, "AuthorizationPolicy with L7 rules selecting ambient workloads by label (ztunnel turns it into a DENY)"),
    a(codes::MS_MESH_10, E, "istio.io/use-waypoint or a policy's targetRefs naming nothing in the namespace"),
    a(codes::MS_MESH_11, E, "AuthorizationPolicy principal naming a namespace or service account that does not exist"),
    a(codes::MS_MESH_12, E, "AuthorizationPolicy selecting an ambient workload behind a waypoint that does not admit the waypoint"),
    a(codes::MS_K8S_1, E, "two autoscalers (HorizontalPodAutoscaler, KEDA ScaledObject) scaling one workload"),
    a(codes::MS_K8S_2, E, "pods selected by more than one PodDisruptionBudget (evictions refused, drains block)"),
    a(codes::MS_K8S_3, E, "a built-in object the API server refuses though its schema allows it (Service ports, ConfigMap and Secret keys, selectors, containers, restart policy, Ingress paths), or an API version it no longer serves"),
    a(codes::MS_ALB_1, E, "ALB Ingress with an HTTPS listener whose TLS policy allows TLS older than 1.2 (no ssl-policy: the controller's default allows TLS 1.0)"),
];

/// The catalog entry of `code`.
pub fn analyzer(code: &str) -> Option<&'static Rule> {
    ANALYZERS.iter().find(|a| a.code == code)
}
