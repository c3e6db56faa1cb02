//! Istio kinds (networking, security and telemetry v1) and the mesh
//! installation, one module per API group.
//!
//! # Example
//!
//! The kinds are the generated types of `meshsynth-crds` (every field of
//! Istio's CRDs), re-exported here under the short names of Istio's
//! reference (`Server`, `HttpRoute`, `Destination`, …). They are built with
//! `Kind::named(name, spec)` and added with `.add(scope, id)`; those and the
//! usual constructors (`Destination::host`, `Subset::version`,
//! `PeerAuthenticationSpec::mode`, …) come from the traits in [`prelude`]. Routing for a service of the app usually comes from
//! [`MeshService`](crate::mesh::service::MeshService); the kinds serve
//! everything else, e.g. an external API and mesh-wide mTLS:
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::mesh::istio::prelude::*;
//! use meshsynth::mesh::istio::{
//!     Location, MtlsMode, PeerAuthentication, PeerAuthenticationSpec, Resolution, ServiceEntry,
//!     ServiceEntrySpec, ServicePort,
//! };
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         MeshNamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
//!     PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
//!         .add(&mut c, "Mtls")?;
//!     ServiceEntry::named("payments-api", ServiceEntrySpec {
//!         hosts: vec!["api.payments.example".into()],
//!         location: Some(Location::MeshExternal),
//!         resolution: Some(Resolution::Dns),
//!         ports: Some(vec![ServicePort {
//!             number: 443, protocol: Some("TLS".into()), name: "tls".into(), ..Default::default()
//!         }]),
//!         ..Default::default()
//!     })
//!     .add(&mut c, "PaymentsApi")?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.object("PeerAuthentication", "default")
//!     .has(serde_json::json!({ "spec": { "mtls": { "mode": "STRICT" } } }));
//! synth.object("ServiceEntry", "payments-api")
//!     .has(serde_json::json!({ "spec": { "location": "MESH_EXTERNAL" } }));
//! ```

pub mod edge;
pub mod install;
pub mod networking;
pub mod security;
pub mod telemetry;
pub mod version;

pub use crate::mesh::crd::CustomObject;
pub use edge::{EdgeGateway, EdgeGatewayProps, MeshMtls, MeshMtlsProps};
pub use install::{ControlPlane, IngressGatewayProps, IstioInstall, IstioInstallProps};
pub use networking::*;
pub use security::*;
pub use telemetry::*;
pub use version::IstioVersion;

/// The traits that give the generated Istio kinds their constructors
/// (`VirtualService::named`, `Destination::host`, `Subset::version`, …):
/// `use meshsynth::mesh::istio::prelude::*;`.
pub mod prelude {
    pub use super::networking::{
        DestinationExt, GatewaySpecExt, HttpMatchRequestExt, HttpRouteDestinationExt, PercentExt,
        StringMatchExt, SubsetExt,
    };
    pub use super::security::{PeerAuthenticationSpecExt, PolicyTargetRefExt, SelectorExt};
    pub use super::telemetry::{CustomTagExt, ProviderRefExt};
    pub use crate::mesh::crd::CustomObject;
}
