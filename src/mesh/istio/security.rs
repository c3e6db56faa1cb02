//! Istio `security.istio.io/v1` kinds: PeerAuthentication,
//! AuthorizationPolicy and RequestAuthentication, the generated types of
//! `meshsynth-crds` under short names, with the constructors the mesh uses.

use std::collections::BTreeMap;

use meshsynth_crds::istio::security_v1 as v1;

use crate::mesh::crd::custom_object;

pub use v1::{
    AuthorizationPolicy, AuthorizationPolicySpec, PeerAuthentication, PeerAuthenticationSpec,
    RequestAuthentication, RequestAuthenticationSpec,
};

custom_object! {
    AuthorizationPolicy: AuthorizationPolicySpec, opt;
    PeerAuthentication: PeerAuthenticationSpec, opt;
    RequestAuthentication: RequestAuthenticationSpec, opt;
}

/// The workload selector of the security kinds (`matchLabels`).
pub type WorkloadSelector = v1::AuthorizationPolicySpecSelector;
/// The mTLS setting of a PeerAuthentication.
pub type Mtls = v1::PeerAuthenticationSpecMtls;
/// Mutual-TLS modes: `UNSET`, `DISABLE`, `PERMISSIVE`, `STRICT`.
pub type MtlsMode = v1::PeerAuthenticationSpecMtlsMode;
/// What a matching AuthorizationPolicy does: `ALLOW`, `DENY`, `AUDIT`, `CUSTOM`.
pub type AuthorizationAction = v1::AuthorizationPolicySpecAction;
/// A policy attachment (Gateway API `PolicyTargetReference`).
pub type PolicyTargetRef = v1::AuthorizationPolicySpecTargetRef;
/// A CUSTOM action's provider.
pub type ExtensionProvider = v1::AuthorizationPolicySpecProvider;
/// A rule: from sources, to operations, when conditions.
pub type Rule = v1::AuthorizationPolicySpecRules;
/// A rule's source clause.
pub type RuleFrom = v1::AuthorizationPolicySpecRulesFrom;
/// Request sources.
pub type Source = v1::AuthorizationPolicySpecRulesFromSource;
/// A rule's operation clause.
pub type RuleTo = v1::AuthorizationPolicySpecRulesTo;
/// Request operations.
pub type Operation = v1::AuthorizationPolicySpecRulesToOperation;
/// An extra condition of a rule.
pub type Condition = v1::AuthorizationPolicySpecRulesWhen;
/// How to validate a JWT.
pub type JwtRule = v1::RequestAuthenticationSpecJwtRules;
/// A header carrying the JWT.
pub type JwtHeader = v1::RequestAuthenticationSpecJwtRulesFromHeaders;

/// Selector constructors, shared by every Istio selector type.
pub trait SelectorExt {
    /// Selects the workloads carrying all these labels.
    fn labels<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self;
}

fn label_map<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Option<BTreeMap<String, String>> {
    Some(
        pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
    )
}

macro_rules! selector_ext {
    ($($ty:ty => $field:ident),+ $(,)?) => {
        $(impl SelectorExt for $ty {
            fn labels<K: Into<String>, V: Into<String>>(
                pairs: impl IntoIterator<Item = (K, V)>,
            ) -> Self {
                Self { $field: label_map(pairs) }
            }
        })+
    };
}

selector_ext!(
    WorkloadSelector => match_labels,
    crate::mesh::istio::networking::DestinationRuleSelector => match_labels,
    crate::mesh::istio::networking::SidecarWorkloadSelector => labels,
    crate::mesh::istio::telemetry::TelemetrySelector => match_labels,
);

/// PeerAuthentication constructors.
pub trait PeerAuthenticationSpecExt {
    /// Namespace-wide (mesh-wide in the root namespace) mTLS in this mode.
    fn mode(mode: MtlsMode) -> Self;
}

impl PeerAuthenticationSpecExt for PeerAuthenticationSpec {
    fn mode(mode: MtlsMode) -> Self {
        PeerAuthenticationSpec {
            mtls: Some(Mtls { mode: Some(mode) }),
            ..Default::default()
        }
    }
}

/// Policy attachment constructors.
pub trait PolicyTargetRefExt {
    /// Attaches to a waypoint (Gateway API `Gateway`).
    fn waypoint(name: impl Into<String>) -> Self;
    /// Attaches to a Service (enforced by the waypoint it uses).
    fn service(name: impl Into<String>) -> Self;
}

impl PolicyTargetRefExt for PolicyTargetRef {
    fn waypoint(name: impl Into<String>) -> Self {
        PolicyTargetRef {
            group: Some("gateway.networking.k8s.io".into()),
            kind: "Gateway".into(),
            name: name.into(),
            ..Default::default()
        }
    }
    fn service(name: impl Into<String>) -> Self {
        PolicyTargetRef {
            group: Some(String::new()),
            kind: "Service".into(),
            name: name.into(),
            ..Default::default()
        }
    }
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
