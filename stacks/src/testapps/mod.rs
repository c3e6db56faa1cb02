//! Test apps that exercise every construct of an area; they are not part of
//! `stacks::build`, so `meshsynth synth` does not emit them. Tests synthesize
//! them for snapshots and the conformance step.

pub mod aws_all;
pub mod mesh_all;
pub mod payments;
pub mod registry_types;
pub mod starter;
