//! The typed Kubernetes custom resources of the projects meshsynth models
//! (Istio, Gateway API, KEDA, Argo Rollouts, Prometheus-operator), generated
//! from their upstream CRDs at the tags pinned in `../shared/crds/` the way
//! k8s-openapi is generated for core kinds: every field of every served
//! version, required fields not `Option`, string enums as Rust enums.
//!
//! Crates apart from meshsynth so that the 37,000 generated lines compile
//! once, in parallel with each other and with the library's other
//! dependencies, and only for the kinds asked for: each kind has its own
//! feature (`istio-virtualservice`, `gateway-api-httproute`, …), each
//! project one for all its kinds (`istio`, `gateway-api`, `keda`,
//! `argo-rollouts`, `prometheus-operator`), and `all` turns on everything.
//! Modules are `<project>::<group>_<version>`, e.g.
//! `gateway_api::gateway_v1::HTTPRoute`. Each project is a crate of its own
//! (`meshsynth-crds-istio`, …) that this one re-exports as its module; depend
//! on this one.
//!
//! The project crates and everything under `src/generated/` are written by
//! `scripts/codegen`; this file is the only hand-written one.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[rustfmt::skip]
#[path = "generated/mod.rs"]
mod generated;

pub use generated::*;
