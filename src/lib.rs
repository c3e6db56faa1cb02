//! meshsynth: a typed model of an EKS + service-mesh platform, synthesized into a
//! cloud assembly (CloudFormation templates and Kubernetes manifests).
//!
//! Pipeline: build the construct tree (`core`) → lock, aspects, validation,
//! naming and reference resolution (`synth`) → emitters (`emit`) → the
//! on-disk cloud assembly (`assembly`), which `diff` compares with a baseline.
//! The CLI (`cli`) is a thin adapter; `testing` serves a platform crate's own
//! tests. Deploying is the toolkit's job (the `meshsynth-cli` crate): this
//! library has no AWS SDK, no async runtime and no TLS stack.

// Constructs follow `Thing::new(scope, id, props) -> Result<Handle, Error>`,
// returning a handle into the tree rather than `Self`.
#![allow(clippy::new_ret_no_self)]
// Every public item is documented: the API reference is the rustdoc.
#![warn(missing_docs)]

pub mod addons;
pub mod analyze;
pub mod assembly;
pub mod aws;
pub mod cli;
pub mod core;
pub mod diff;
pub mod emit;
pub mod k8s;
pub mod mesh;
pub mod rules;
pub mod synth;
pub mod testing;
pub mod untrusted;

/// The Kubernetes API types the workload constructs are built on, re-exported
/// so a platform crate uses exactly the version this library does.
pub use k8s_openapi;
/// JSON values, for raw properties and escape hatches (`serde_json::json!`).
pub use serde_json;

/// `docs/getting-started.md`, compiled as a doctest so the guide cannot drift.
#[doc = include_str!("../docs/getting-started.md")]
#[cfg(doctest)]
pub struct GettingStartedGuide;

pub use crate::core::{
    App, Chart, ChartProps, Context, Diagnostic, Env, Error, NodeId, Scope, Severity, Stack,
    StackProps, Value,
};

/// docs/adopt.md's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/adopt.md")]
pub struct AdoptGuideDoctests;

/// docs/day-two.md's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/day-two.md")]
pub struct DayTwoGuideDoctests;

/// The recipes of docs/cookbook.md, compiled and run as doctests so the
/// cookbook cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../docs/cookbook.md")]
pub struct CookbookDoctests;
