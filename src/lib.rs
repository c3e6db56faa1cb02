//! meshsynth: a typed model of an EKS + service-mesh platform, synthesized into a
//! cloud assembly (CloudFormation templates and Kubernetes manifests).
//!
//! Pipeline: build the construct tree (`core`) → lock, aspects, validation,
//! naming and reference resolution (`synth`) → emitters (`emit`) → the
//! on-disk cloud assembly (`assembly`), which `diff` compares with a baseline
//! and `deploy` deploys (change sets, outputs, resolved manifests). The CLI
//! (`cli`) is a thin adapter.

// Constructs follow `Thing::new(scope, id, props) -> Result<Handle, Error>`,
// returning a handle into the tree rather than `Self`.
#![allow(clippy::new_ret_no_self)]

pub mod assembly;
pub mod aws;
pub mod cli;
pub mod core;
pub mod deploy;
pub mod diff;
pub mod emit;
pub mod k8s;
pub mod mesh;
pub mod synth;

/// The reference apps compiled into the `meshsynth` binary.
#[path = "../stacks/mod.rs"]
pub mod stacks;

/// `docs/getting-started.md`, compiled as a doctest so the guide cannot drift.
#[doc = include_str!("../docs/getting-started.md")]
#[cfg(doctest)]
pub struct GettingStartedGuide;

pub use crate::core::{
    App, Chart, ChartProps, Context, Diagnostic, Env, Error, NodeId, Scope, Severity, Stack,
    StackProps, Value,
};
