//! Core Kubernetes constructs.
//!
//! # Example
//!
//! ```
//! use meshsynth::k8s::core::{MeshMode, MeshNamespace, NamespaceProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Platform", ChartProps::new("acme-prod"))?;
//!     MeshNamespace::new(&mut app.scope(chart.node())?, "Shop", NamespaceProps {
//!         name: "shop".into(),
//!         mesh: MeshMode::Sidecar, // or Ambient, or the default: not in the mesh
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.object("Namespace", "shop")
//!     .has(serde_json::json!({ "metadata": { "labels": { "istio-injection": "enabled" } } }));
//! ```

mod namespace;

pub use namespace::{MeshMode, MeshNamespace, NamespaceProps};
