//! The meshsynth toolkit: the `meshsynth` binary that synthesizes a platform,
//! compares it with what is deployed, deploys it through CloudFormation change
//! sets and scaffolds new platform crates. The construct library (`meshsynth`)
//! never depends on this crate: a platform crate compiles no AWS SDK.
//!
//! Pipeline: the app (built-in, or the command of `meshsynth.json`) writes a
//! cloud assembly; `deploy` reads only that assembly.

// Every public item is documented.
#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod deploy;
mod deploy_cmd;
mod deploy_ui;
pub mod drift_cmd;
pub mod import;
pub mod init;
mod orphan_cmd;
mod stackset_cmd;
pub mod starter;
