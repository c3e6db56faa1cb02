//! `MeshNamespace`: a Namespace with the service-mesh data-plane mode as a
//! typed choice (not in the mesh, sidecar injection, or ambient with an
//! optional waypoint). It enables the mesh analyzers for the app.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Platform", ChartProps::new("acme-prod"))?;
//!     MeshNamespace::new(&mut app.scope(chart.node())?, "Shop", MeshNamespaceProps {
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

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::names::validate_dns1123_label;
use crate::core::{Error, ObjectRef, Scope};

/// How workloads in the namespace join the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MeshMode {
    /// Not in the mesh.
    #[default]
    None,
    /// Istio sidecar injection (`istio-injection=enabled`).
    Sidecar,
    /// Istio ambient mode (`istio.io/dataplane-mode=ambient`).
    Ambient,
}

/// Props of a `MeshNamespace`.
#[derive(Debug, Clone, Default)]
pub struct MeshNamespaceProps {
    /// The namespace name; a DNS-1123 label. Required (no default).
    pub name: String,
    /// Mesh data-plane mode. Default: not in the mesh.
    pub mesh: MeshMode,
    /// Extra labels. Default: none.
    pub labels: BTreeMap<String, String>,
    /// The waypoint (`mesh::gateway_api::Waypoint` name) every Service of
    /// an ambient namespace goes through, as `istio.io/use-waypoint`; only
    /// with `MeshMode::Ambient`. Default: none (L4 only, through ztunnel).
    pub waypoint: Option<String>,
}

/// A Namespace whose mesh membership is one typed field, so it can never
/// carry both injection labels (IST0123).
pub struct MeshNamespace;

impl MeshNamespace {
    /// Adds the Namespace, labelled for its mesh mode (`istio-injection: enabled`, or `istio.io/dataplane-mode: ambient`).
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: MeshNamespaceProps,
    ) -> Result<ObjectRef<Namespace>, Error> {
        validate_dns1123_label(&props.name).map_err(|e| {
            Error::construct(
                scope.child_path(id),
                format!("namespace name: {e}"),
                "use a name such as \"ecommerce\"",
            )
        })?;
        if props.waypoint.is_some() && props.mesh != MeshMode::Ambient {
            return Err(Error::construct(
                scope.child_path(id),
                "a waypoint serves ambient workloads only, but this namespace is not in ambient mode",
                "set mesh: MeshMode::Ambient, or drop the waypoint",
            ));
        }
        let mut labels = props.labels;
        if let Some(w) = props.waypoint {
            labels.insert("istio.io/use-waypoint".into(), w);
        }
        match props.mesh {
            MeshMode::None => {}
            MeshMode::Sidecar => {
                labels.insert("istio-injection".into(), "enabled".into());
            }
            MeshMode::Ambient => {
                labels.insert("istio.io/dataplane-mode".into(), "ambient".into());
            }
        }
        let ns = Namespace {
            metadata: ObjectMeta {
                name: Some(props.name),
                labels: (!labels.is_empty()).then_some(labels),
                ..Default::default()
            },
            ..Default::default()
        };
        crate::mesh::add_object(scope, id, ns)
    }
}
