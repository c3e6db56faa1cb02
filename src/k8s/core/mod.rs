//! Core Kubernetes constructs.

mod namespace;

pub use namespace::{MeshMode, MeshNamespace, NamespaceProps};
