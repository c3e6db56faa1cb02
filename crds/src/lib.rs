//! The typed Kubernetes custom resources of the projects meshsynth models
//! (Istio, Gateway API, KEDA, Argo Rollouts, Prometheus-operator), generated
//! from their upstream CRDs at the tags pinned in `../shared/crds/` the way
//! k8s-openapi is generated for core kinds: every field of every served
//! version, required fields not `Option`, string enums as Rust enums.
//!
//! A crate apart from meshsynth so that the 37,000 generated lines compile
//! once, in parallel with the library, and only for the kinds asked for:
//! each kind has its own feature (`istio-virtualservice`,
//! `gateway-api-httproute`, …), each project one for all its kinds
//! (`istio`, `gateway-api`, `keda`, `argo-rollouts`, `prometheus-operator`),
//! and `all` turns on everything. Modules are
//! `<project>::<group>_<version>`, e.g. `gateway_api::gateway_v1::HTTPRoute`.
//!
//! Everything under `src/generated/` is written by `scripts/codegen`; this
//! file is the only hand-written one.

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The `k8s_openapi` traits of a generated kind, which (with its generated
/// `Serialize`, `apiVersion` and `kind` first) make it an object meshsynth's
/// `k8s::add_object` takes.
#[allow(unused_macros)]
macro_rules! crd_resource {
    ($name:ident, group: $group:literal, version: $version:literal, plural: $plural:literal, scope: $scope:ident) => {
        impl k8s_openapi::Resource for $name {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = stringify!($name);
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::$scope;
        }

        impl k8s_openapi::Metadata for $name {
            type Ty = ObjectMeta;
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

#[rustfmt::skip]
#[path = "generated/mod.rs"]
mod generated;

pub use generated::*;
