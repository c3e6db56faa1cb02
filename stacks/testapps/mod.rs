//! Test apps: not part of `stacks::build`; tests synthesize them to cover a
//! construct library end to end (snapshots and conformance checks).

pub mod aws_all;
