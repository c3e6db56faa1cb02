//! Integration tests of the library.
//!
//! Every integration test of this crate in one binary: one link instead of one
//! per file (each binary statically links the library, ~170 MB in a debug
//! build: dozens of them filled a CI disk). Each file stays a module of its
//! own, so `cargo test --test it <module>::` runs one of them.

// Helpers several modules use, compiled once.
#[path = "support/corpus.rs"]
mod corpus;
#[path = "diff_support/mod.rs"]
mod diff_support;
#[path = "support/inert_markdown.rs"]
mod inert_markdown;
#[path = "support/rule_between_stacks.rs"]
mod rule_between_stacks;
#[path = "support/shop.rs"]
mod shop;

#[path = "analyze_parity.rs"]
mod analyze_parity;
#[path = "api_rules.rs"]
mod api_rules;
#[path = "app_parts.rs"]
mod app_parts;
#[path = "aws_bad_input.rs"]
mod aws_bad_input;
#[path = "aws_semantic.rs"]
mod aws_semantic;
#[path = "cfn_include.rs"]
mod cfn_include;
#[path = "cfn_include_corpus.rs"]
mod cfn_include_corpus;
#[path = "cfn_schema_checks.rs"]
mod cfn_schema_checks;
#[path = "checks_everywhere.rs"]
mod checks_everywhere;
#[path = "crd_schema.rs"]
mod crd_schema;
#[path = "diff_loader_mutations.rs"]
mod diff_loader_mutations;
#[path = "diff_scale.rs"]
mod diff_scale;
#[path = "diff_snapshots.rs"]
mod diff_snapshots;
#[path = "emitter_props.rs"]
mod emitter_props;
#[path = "hostile_input.rs"]
mod hostile_input;
#[path = "irsa_link.rs"]
mod irsa_link;
#[path = "k8s_include.rs"]
mod k8s_include;
#[path = "k8s_include_corpus.rs"]
mod k8s_include_corpus;
#[path = "k8s_patch.rs"]
mod k8s_patch;
#[path = "keda_triggers.rs"]
mod keda_triggers;
#[path = "mesh_ambient.rs"]
mod mesh_ambient;
#[path = "mesh_analysis.rs"]
mod mesh_analysis;
#[path = "mesh_edge.rs"]
mod mesh_edge;
#[path = "mesh_service_network.rs"]
mod mesh_service_network;
#[path = "mesh_traffic.rs"]
mod mesh_traffic;
#[path = "references.rs"]
mod references;
#[path = "synth_threads.rs"]
mod synth_threads;
#[path = "template_sections.rs"]
mod template_sections;
#[path = "untrusted_input.rs"]
mod untrusted_input;
#[path = "workload_controllers.rs"]
mod workload_controllers;
