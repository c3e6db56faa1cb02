//! Service-mesh construct library (model and construct layers): Istio,
//! KEDA, Prometheus operator and Argo Rollouts kinds as typed structs, the
//! `MeshService` L3 construct, and the offline mesh analyzers that run at
//! synth over every object of the tree.

pub(crate) mod crd;

pub mod analysis;
pub mod gateway_api;
pub mod include;
pub mod istio;
pub mod keda;
pub mod keda_grants;
pub mod namespace;
pub mod prometheus;
pub mod rollouts;
pub mod service;
pub mod traffic;

/// The ALB Ingress and NLB Service constructs under their 0.1.0 path, kept
/// for one release (removed in 0.3.0): the one place `mesh` names the
/// family above it. Each item is deprecated on its own, as Rust does not
/// warn on a path through a deprecated module.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::ingress (same items)"
)]
pub mod ingress;

/// The Fluent Bit construct under its 0.1.0 path, kept for one release
/// (removed in 0.3.0).
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::fluentbit (same items)"
)]
pub mod fluentbit;

use crate::core::{Error, K8sObject, ObjectRef, Scope};

/// Enables the checks of every Kubernetes object of the app, however it
/// was added (`Scope::add_object` included), once per app: the mesh
/// analyzers and the Kubernetes checks (`k8s::enable_checks`: namespace
/// existence `MS-MESH-7`, CRD schemas, workload controllers). Constructs
/// enable them as they add objects; an app whose objects were all added
/// with `Scope::add_object` (or by a construct of another family, such as
/// `aws::iam::IrsaRole`'s ServiceAccount) enabled none, so `cli::main` and
/// `testing::synth_app` call this once the app is built. Call it yourself
/// before `synth::synth` when you drive synthesis without them.
pub fn enable_checks(scope: &mut Scope<'_>) {
    analysis::register(scope);
    crate::k8s::enable_checks(scope);
}

/// Adds a Kubernetes object of a mesh construct: `k8s::add_object` (the
/// name check and the namespace-existence check), with the mesh analyzers
/// enabled once for the app.
pub fn add_object<O: K8sObject>(
    scope: &mut Scope<'_>,
    id: &str,
    object: O,
) -> Result<ObjectRef<O>, Error> {
    analysis::register(scope);
    crate::k8s::add_object(scope, id, object)
}
