//! The cross-object mesh checks: references between Istio objects,
//! Services, workloads and policies, one file per family of objects. Each
//! check reads the shared index.

mod bindings;
mod destinations;
mod envoy_filters;
mod gateways;
pub mod ingress;
mod policies;
mod routing;
mod workloads;

use crate::core::Diagnostic;

pub use bindings::virtual_service_gateways;
pub use destinations::{destination_rules, service_entries};
pub use envoy_filters::envoy_filters;
pub use gateways::gateways;
pub use ingress::alb_tls_policy;
pub use policies::policies;
pub use routing::{
    conflicting_mesh_hosts, jwt_claim_routes, virtual_service_destinations, virtual_service_rules,
};
pub use workloads::{namespace_singletons, services_and_workloads};

/// The annotation through which a Gateway declares where a TLS credential
/// comes from when no Secret-producing object is in the app (e.g. a Secret
/// created by a separate cert pipeline): `name=source[,name=source]`.
pub const CREDENTIAL_SOURCES_ANNOTATION: &str = "meshsynth.io/tls-credential-sources";

pub(super) fn warn(code: &str, path: &str, msg: String, hint: &str) -> Diagnostic {
    Diagnostic::warning(path, msg)
        .with_code(code)
        .with_hint(hint)
}

pub(super) fn error(code: &str, path: &str, msg: String, hint: &str) -> Diagnostic {
    Diagnostic::error(path, msg).with_code(code).with_hint(hint)
}

/// Labels as a selector reads in kubectl: `app=web,version=v1`.
pub(super) fn labels_text(labels: &std::collections::BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Items as a comma-separated list.
pub(super) fn list_text<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

/// An enum of the CRDs as its YAML spelling (`STRICT`), not its Rust name.
pub(super) fn enum_text<T: serde::Serialize + std::fmt::Debug>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{v:?}"))
}
