//! Integration tests of the toolkit.
//!
//! Every integration test of this crate in one binary: one link instead of one
//! per file (each binary statically links the library, ~170 MB in a debug
//! build: dozens of them filled a CI disk). Each file stays a module of its
//! own, so `cargo test --test it <module>::` runs one of them.
//! `deploy_throttle` is a binary of its own: it sets the process's AWS
//! credentials variables, which no other test may see change under it.

/// The emulator harness, one copy for every module: its lock keeps one test
/// at a time on the shared moto server.
// Helpers several modules use, compiled once.
#[path = "../../tests/diff_support/mod.rs"]
mod diff_support;

#[path = "support/emulator.rs"]
mod emulator;
/// Locks over what several modules share outside the emulator.
#[path = "support/locks.rs"]
mod locks;
/// Docs pages run command by command.
#[path = "support/page.rs"]
mod page;

#[path = "adopt_emulator.rs"]
mod adopt_emulator;
#[path = "adopt_page.rs"]
mod adopt_page;
#[path = "analyze_tls.rs"]
mod analyze_tls;
#[path = "day_two_page.rs"]
mod day_two_page;
#[path = "day_two_refusals.rs"]
mod day_two_refusals;
#[path = "deploy_cli.rs"]
mod deploy_cli;
#[path = "deploy_emulator.rs"]
mod deploy_emulator;
#[path = "deploy_snapshots.rs"]
mod deploy_snapshots;
#[path = "drift.rs"]
mod drift;
#[path = "first_day.rs"]
mod first_day;
#[path = "hostile_endpoint.rs"]
mod hostile_endpoint;
#[path = "import.rs"]
mod import;
#[path = "init.rs"]
mod init;
#[path = "orphan.rs"]
mod orphan;
#[path = "stackset.rs"]
mod stackset;
