//! Kubernetes constructs (core kinds from `k8s-openapi`), one folder per family.

pub mod core;
pub mod workloads;
