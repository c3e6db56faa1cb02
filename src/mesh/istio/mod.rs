//! Istio kinds (networking, security and telemetry v1) and the mesh
//! installation, one module per API group.

pub mod install;
pub mod networking;
pub mod security;
pub mod telemetry;
pub mod version;

pub use install::{ControlPlane, IngressGatewayProps, IstioInstall, IstioInstallProps};
pub use networking::*;
pub use security::*;
pub use telemetry::*;
pub use version::IstioVersion;
