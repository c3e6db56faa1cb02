//! Istio `security.istio.io/v1` kinds (model layer): PeerAuthentication,
//! AuthorizationPolicy and RequestAuthentication.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::mesh::crd::crd_kind;
use crate::mesh::istio::networking::WorkloadSelector;

crd_kind!(
    /// Mutual-TLS mode for workloads (namespace-wide without a selector).
    PeerAuthentication, PeerAuthenticationSpec, group: "security.istio.io", version: "v1", plural: "peerauthentications"
);

/// `PeerAuthentication.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerAuthenticationSpec {
    pub selector: Option<WorkloadSelector>,
    pub mtls: Option<Mtls>,
    /// Per-port overrides, keyed by container port.
    pub port_level_mtls: Option<BTreeMap<u32, Mtls>>,
}

/// The mTLS setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mtls {
    pub mode: MtlsMode,
}

/// Mutual-TLS modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MtlsMode {
    Unset,
    Disable,
    Permissive,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationAction {
    Allow,
    Deny,
    Audit,
    Custom,
}

/// `AuthorizationPolicy.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicySpec {
    pub selector: Option<WorkloadSelector>,
    /// Default: ALLOW.
    pub action: Option<AuthorizationAction>,
    pub rules: Option<Vec<Rule>>,
    pub provider: Option<ExtensionProvider>,
}

/// A CUSTOM action's provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExtensionProvider {
    pub name: String,
}

/// A rule: from sources, to operations, when conditions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rule {
    pub from: Option<Vec<RuleFrom>>,
    pub to: Option<Vec<RuleTo>>,
    pub when: Option<Vec<Condition>>,
}

/// A rule's source clause.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleFrom {
    pub source: Source,
}

/// Request sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Peer identities, e.g. `cluster.local/ns/shop/sa/order`.
    pub principals: Option<Vec<String>>,
    pub not_principals: Option<Vec<String>>,
    pub request_principals: Option<Vec<String>>,
    pub not_request_principals: Option<Vec<String>>,
    pub namespaces: Option<Vec<String>>,
    pub not_namespaces: Option<Vec<String>>,
    pub ip_blocks: Option<Vec<String>>,
    pub not_ip_blocks: Option<Vec<String>>,
    pub remote_ip_blocks: Option<Vec<String>>,
    pub not_remote_ip_blocks: Option<Vec<String>>,
    /// ServiceAccount names.
    pub service_accounts: Option<Vec<String>>,
}

/// A rule's operation clause.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleTo {
    pub operation: Operation,
}

/// Request operations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub hosts: Option<Vec<String>>,
    pub not_hosts: Option<Vec<String>>,
    pub ports: Option<Vec<String>>,
    pub not_ports: Option<Vec<String>>,
    pub methods: Option<Vec<String>>,
    pub not_methods: Option<Vec<String>>,
    pub paths: Option<Vec<String>>,
    pub not_paths: Option<Vec<String>>,
}

/// An extra condition.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub key: String,
    pub values: Option<Vec<String>>,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestAuthenticationSpec {
    pub selector: Option<WorkloadSelector>,
    pub jwt_rules: Vec<JwtRule>,
}

/// How to validate a JWT.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtRule {
    pub issuer: String,
    pub audiences: Option<Vec<String>>,
    pub jwks_uri: Option<String>,
    pub from_headers: Option<Vec<JwtHeader>>,
    pub from_params: Option<Vec<String>>,
    pub output_payload_to_header: Option<String>,
    pub forward_original_token: Option<bool>,
}

/// A header carrying the JWT.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JwtHeader {
    pub name: String,
    pub prefix: Option<String>,
}
