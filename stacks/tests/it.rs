//! Integration tests of the reference apps and the test apps.
//!
//! Every integration test of this crate in one binary: one link instead of one
//! per file (each binary statically links the library, ~170 MB in a debug
//! build: dozens of them filled a CI disk). Each file stays a module of its
//! own, so `cargo test --test it <module>::` runs one of them.

// Helpers several modules use, compiled once.
#[path = "common/mod.rs"]
mod common;

#[path = "analyze_cli.rs"]
mod analyze_cli;
#[path = "apps_aws.rs"]
mod apps_aws;
#[path = "apps_in_parts.rs"]
mod apps_in_parts;
#[path = "apps_mesh.rs"]
mod apps_mesh;
#[path = "aws_constructs.rs"]
mod aws_constructs;
#[path = "aws_l2.rs"]
mod aws_l2;
#[path = "ci_recipe.rs"]
mod ci_recipe;
#[path = "cli.rs"]
mod cli;
#[path = "crd_types.rs"]
mod crd_types;
#[path = "diff_cli.rs"]
mod diff_cli;
#[path = "include_typed.rs"]
mod include_typed;
#[path = "media.rs"]
mod media;
#[path = "mesh_constructs.rs"]
mod mesh_constructs;
#[path = "nine_mistakes.rs"]
mod nine_mistakes;
#[path = "payments.rs"]
mod payments;
#[path = "registry_types.rs"]
mod registry_types;
#[path = "scaling.rs"]
mod scaling;
#[path = "snapshots.rs"]
mod snapshots;
#[path = "storefront.rs"]
mod storefront;
#[path = "testing_api.rs"]
mod testing_api;
