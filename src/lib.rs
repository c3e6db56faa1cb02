//! meshsynth: a typed model of an EKS + service-mesh platform, synthesized into a
//! cloud assembly (CloudFormation templates and Kubernetes manifests).
//!
//! Pipeline: build the construct tree (`core`) → lock, aspects, validation,
//! naming and reference resolution (`synth`) → emitters (`emit`) → the
//! on-disk cloud assembly (`assembly`), which `diff` compares with a baseline.
//! The CLI (`cli`) is a thin adapter.

pub mod assembly;
pub mod aws;
pub mod cli;
pub mod core;
pub mod diff;
pub mod emit;
pub mod k8s;
pub mod synth;

/// The reference apps compiled into the `meshsynth` binary.
#[path = "../stacks/mod.rs"]
pub mod stacks;

pub use crate::core::{
    App, Chart, ChartProps, Context, Diagnostic, Env, Error, NodeId, Scope, Severity, Stack,
    StackProps, Value,
};
