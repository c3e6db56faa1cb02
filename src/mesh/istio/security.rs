//! Istio `security.istio.io/v1` kinds (model layer): PeerAuthentication,
//! AuthorizationPolicy and RequestAuthentication.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::mesh::crd::{crd_deserialize, crd_kind};
/// The selector these kinds share with the networking kinds, re-exported so
/// a policy is written with one import.
pub use crate::mesh::istio::networking::WorkloadSelector;

crd_kind!(
    /// Mutual-TLS mode for workloads (namespace-wide without a selector).
    PeerAuthentication, PeerAuthenticationSpec, group: "security.istio.io", version: "v1", plural: "peerauthentications"
);

/// `PeerAuthentication.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct PeerAuthenticationSpec {
    /// The workloads the policy applies to. Default: every workload of the namespace (of the mesh in the root namespace).
    pub selector: Option<WorkloadSelector>,
    /// The mTLS mode. Default: inherited from the parent policy.
    pub mtls: Option<Mtls>,
    /// Per-port overrides, keyed by container port.
    pub port_level_mtls: Option<BTreeMap<u16, Mtls>>,
}

/// The mTLS setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mtls {
    /// The mode.
    pub mode: MtlsMode,
}

/// Mutual-TLS modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MtlsMode {
    /// Inherit from the parent policy.
    Unset,
    /// No mTLS.
    Disable,
    /// Accept mTLS and plain text.
    Permissive,
    /// Require mTLS.
    Strict,
}

impl PeerAuthenticationSpec {
    /// Namespace-wide mTLS in this mode.
    pub fn mode(mode: MtlsMode) -> Self {
        PeerAuthenticationSpec {
            selector: None,
            mtls: Some(Mtls { mode }),
            port_level_mtls: None,
        }
    }
}

crd_kind!(
    /// Access control for workloads: who may call what.
    AuthorizationPolicy, AuthorizationPolicySpec, group: "security.istio.io", version: "v1", plural: "authorizationpolicies"
);

/// What a matching AuthorizationPolicy does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationAction {
    /// Allow requests that match a rule.
    Allow,
    /// Deny requests that match a rule (evaluated before ALLOW).
    Deny,
    /// Log requests that match a rule; allows nothing by itself.
    Audit,
    /// Delegate the decision to an external authorizer (`provider`).
    Custom,
}

/// `AuthorizationPolicy.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicySpec {
    /// The workloads the policy applies to. Default: every workload of the namespace.
    pub selector: Option<WorkloadSelector>,
    /// Default: ALLOW.
    pub action: Option<AuthorizationAction>,
    /// The rules; a request matching any of them matches the policy. Default: none (ALLOW with no rules denies everything).
    pub rules: Option<Vec<Rule>>,
    /// The external authorizer, for CUSTOM. Default: none.
    pub provider: Option<ExtensionProvider>,
    /// What the policy attaches to instead of `selector`: in ambient mode a
    /// waypoint `Gateway` or a `Service`, so its L7 rules run in the
    /// waypoint. Default: none.
    pub target_refs: Option<Vec<PolicyTargetRef>>,
}

/// A policy attachment (Gateway API `PolicyTargetReference`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyTargetRef {
    /// API group: `gateway.networking.k8s.io` for a Gateway, `""` for a
    /// Service. Required (no default; the constructors set it).
    pub group: String,
    /// `Gateway` or `Service`. Required (no default).
    pub kind: String,
    /// The object's name, in the policy's namespace. Required (no default).
    pub name: String,
}

impl PolicyTargetRef {
    /// Attaches to a waypoint (Gateway API `Gateway`).
    pub fn waypoint(name: impl Into<String>) -> Self {
        PolicyTargetRef {
            group: "gateway.networking.k8s.io".into(),
            kind: "Gateway".into(),
            name: name.into(),
        }
    }
    /// Attaches to a Service (enforced by the waypoint it uses).
    pub fn service(name: impl Into<String>) -> Self {
        PolicyTargetRef {
            group: String::new(),
            kind: "Service".into(),
            name: name.into(),
        }
    }
}

/// A CUSTOM action's provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtensionProvider {
    /// The provider's name, as configured in the mesh config.
    pub name: String,
}

/// A rule: from sources, to operations, when conditions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rule {
    /// Where requests come from; any entry matches. Default: any source.
    pub from: Option<Vec<RuleFrom>>,
    /// What they ask for; any entry matches. Default: any operation.
    pub to: Option<Vec<RuleTo>>,
    /// Extra conditions, all of which must hold. Default: none.
    pub when: Option<Vec<Condition>>,
}

/// A rule's source clause.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleFrom {
    /// The source.
    pub source: Source,
}

/// Request sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Peer identities, e.g. `cluster.local/ns/shop/sa/order`.
    pub principals: Option<Vec<String>>,
    /// Peer identities that do not match. Default: none.
    pub not_principals: Option<Vec<String>>,
    /// Request (JWT) principals, `issuer/subject`. Default: any.
    pub request_principals: Option<Vec<String>>,
    /// Request principals that do not match. Default: none.
    pub not_request_principals: Option<Vec<String>>,
    /// Source namespaces. Default: any.
    pub namespaces: Option<Vec<String>>,
    /// Source namespaces that do not match. Default: none.
    pub not_namespaces: Option<Vec<String>>,
    /// Source IP blocks (the peer's address). Default: any.
    pub ip_blocks: Option<Vec<String>>,
    /// Source IP blocks that do not match. Default: none.
    pub not_ip_blocks: Option<Vec<String>>,
    /// Client IP blocks as seen through proxies (`X-Forwarded-For`). Default: any.
    pub remote_ip_blocks: Option<Vec<String>>,
    /// Client IP blocks that do not match. Default: none.
    pub not_remote_ip_blocks: Option<Vec<String>>,
    /// ServiceAccount names.
    pub service_accounts: Option<Vec<String>>,
}

/// A rule's operation clause.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleTo {
    /// The operation.
    pub operation: Operation,
}

/// Request operations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Hosts (the `Host` header). Default: any.
    pub hosts: Option<Vec<String>>,
    /// Hosts that do not match. Default: none.
    pub not_hosts: Option<Vec<String>>,
    /// Destination ports. Default: any.
    pub ports: Option<Vec<String>>,
    /// Ports that do not match. Default: none.
    pub not_ports: Option<Vec<String>>,
    /// HTTP methods (gRPC: `POST`). Default: any.
    pub methods: Option<Vec<String>>,
    /// Methods that do not match. Default: none.
    pub not_methods: Option<Vec<String>>,
    /// Paths, with `*` prefix or suffix wildcards. Default: any.
    pub paths: Option<Vec<String>>,
    /// Paths that do not match. Default: none.
    pub not_paths: Option<Vec<String>>,
}

/// An extra condition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The attribute, e.g. `request.headers[x-tenant]` or `source.ip`.
    pub key: String,
    /// Values that match. Default: none.
    pub values: Option<Vec<String>>,
    /// Values that do not match. Default: none.
    pub not_values: Option<Vec<String>>,
}

/// The SPIFFE principal of a ServiceAccount, as AuthorizationPolicy matches it.
pub fn principal(trust_domain: &str, namespace: &str, service_account: &str) -> String {
    format!("{trust_domain}/ns/{namespace}/sa/{service_account}")
}

/// The principal of a ServiceAccount of the tree, in the `cluster.local`
/// trust domain (its namespace is final at construction).
pub fn principal_of(
    sa: &crate::core::ObjectRef<k8s_openapi::api::core::v1::ServiceAccount>,
) -> String {
    principal(
        "cluster.local",
        sa.namespace().unwrap_or("default"),
        sa.name(),
    )
}

crd_kind!(
    /// End-user (JWT) authentication for workloads.
    RequestAuthentication, RequestAuthenticationSpec, group: "security.istio.io", version: "v1", plural: "requestauthentications"
);

/// `RequestAuthentication.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct RequestAuthenticationSpec {
    /// The workloads that validate JWTs. Default: every workload of the namespace.
    pub selector: Option<WorkloadSelector>,
    /// The accepted issuers and how to find and check their tokens.
    pub jwt_rules: Vec<JwtRule>,
}

/// How to validate a JWT.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct JwtRule {
    /// The issuer (`iss`).
    pub issuer: String,
    /// Accepted audiences (`aud`). Default: any.
    pub audiences: Option<Vec<String>>,
    /// Where the issuer's keys are published. Default: discovered from the issuer.
    pub jwks_uri: Option<String>,
    /// Headers the token is read from. Default: `Authorization: Bearer`.
    pub from_headers: Option<Vec<JwtHeader>>,
    /// Query parameters the token is read from. Default: `access_token`.
    pub from_params: Option<Vec<String>>,
    /// A header that receives the token's payload. Default: none.
    pub output_payload_to_header: Option<String>,
    /// Keep the token in the forwarded request. Default: false.
    pub forward_original_token: Option<bool>,
}

/// A header carrying the JWT.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JwtHeader {
    /// The header name.
    pub name: String,
    /// The prefix before the token, e.g. `Bearer `. Default: none.
    pub prefix: Option<String>,
}

crd_deserialize!(
    PeerAuthentication,
    AuthorizationPolicy,
    RequestAuthentication
);
