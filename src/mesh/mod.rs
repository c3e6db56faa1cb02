//! Service-mesh construct library (model and construct layers): Istio,
//! KEDA, Prometheus operator and Argo Rollouts kinds as typed structs, the
//! `MeshService` L3 construct, and the offline mesh analyzers that run at
//! synth over every object of the tree.

pub(crate) mod crd;

pub mod analysis;
pub mod fluentbit;
pub mod gateway_api;
pub mod ingress;
pub mod istio;
pub mod keda;
pub mod prometheus;
pub mod rollouts;
pub mod service;
pub mod traffic;

use crate::core::names::validate_dns1123_subdomain;
use crate::core::{Error, K8sObject, ObjectRef, Scope};

/// Adds a Kubernetes object and registers the mesh analyzers once for the
/// app. An explicit `metadata.name` must be a DNS-1123 subdomain.
pub fn add_object<O: K8sObject>(
    scope: &mut Scope<'_>,
    id: &str,
    object: O,
) -> Result<ObjectRef<O>, Error> {
    if let Some(name) = &object.metadata().name {
        validate_dns1123_subdomain(name).map_err(|e| {
            Error::construct(
                format!("{}/{id}", scope.path()),
                format!("{} name: {e}", object.kind()),
                "use lower-case letters, digits, '-' and '.', e.g. \"order-service\"",
            )
        })?;
    }
    analysis::register(scope);
    scope.add_object(id, object)
}
