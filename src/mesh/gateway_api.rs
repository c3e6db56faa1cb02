//! Kubernetes Gateway API kinds (model layer) and the ambient-mode
//! `Waypoint` construct: a `gateway.networking.k8s.io/v1` Gateway of class
//! `istio-waypoint`, the L7 proxy that ambient workloads opt into with the
//! `istio.io/use-waypoint` label.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, NamespaceProps};
//! use meshsynth::mesh::gateway_api::{Waypoint, WaypointProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Payments", ChartProps::new("acme-prod").namespace("payments"))?;
//!     let mut c = app.scope(chart.node())?;
//!     // Every Service of the namespace goes through the waypoint for L7 policy.
//!     MeshNamespace::new(&mut c, "Namespace", NamespaceProps {
//!         name: "payments".into(),
//!         mesh: MeshMode::Ambient,
//!         waypoint: Some("waypoint".into()),
//!         ..Default::default()
//!     })?;
//!     Waypoint::new(&mut c, "Waypoint", WaypointProps::default())?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.object_in("Gateway", "payments", "waypoint").has(serde_json::json!({
//!     "spec": {"gatewayClassName": "istio-waypoint"}
//! }));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::names::validate_dns1123_label;
use crate::core::{Error, ObjectRef, Scope};
use crate::mesh::crd::{crd_deserialize, crd_kind};

/// The label that enrolls a namespace or Service in a waypoint.
pub const USE_WAYPOINT_LABEL: &str = "istio.io/use-waypoint";

/// The label that says which traffic a waypoint handles.
pub const WAYPOINT_FOR_LABEL: &str = "istio.io/waypoint-for";

/// The GatewayClass of Istio waypoints.
pub const WAYPOINT_CLASS: &str = "istio-waypoint";

/// `Gateway.spec` (Gateway API v1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// The GatewayClass, e.g. `istio-waypoint` or `istio`. Required (no
    /// default).
    pub gateway_class_name: String,
    /// The listeners; at least one. Required (no default).
    pub listeners: Vec<Listener>,
}

/// A Gateway listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    /// Unique within the Gateway. Required (no default).
    pub name: String,
    /// The port. Required (no default).
    pub port: u16,
    /// `HTTP`, `HTTPS`, `TLS`, `TCP`, or `HBONE` for a waypoint. Required
    /// (no default).
    pub protocol: String,
    /// The host name the listener serves. Default: any.
    pub hostname: Option<String>,
}

crd_kind!(
    /// A Kubernetes Gateway API `Gateway` (`gateway.networking.k8s.io/v1`).
    Gateway, GatewaySpec, group: "gateway.networking.k8s.io", version: "v1", plural: "gateways"
);

crd_deserialize!(Gateway);

/// Which traffic a waypoint proxies (`istio.io/waypoint-for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaypointFor {
    /// Traffic addressed to Services (Istio's default).
    #[default]
    Service,
    /// Traffic addressed to workloads (pod IPs).
    Workload,
    /// Both.
    All,
}

impl WaypointFor {
    fn label(self) -> &'static str {
        match self {
            WaypointFor::Service => "service",
            WaypointFor::Workload => "workload",
            WaypointFor::All => "all",
        }
    }
}

/// Props of a `Waypoint`.
#[derive(Debug, Clone, PartialEq)]
pub struct WaypointProps {
    /// The Gateway's name, which `istio.io/use-waypoint` labels name; a
    /// DNS-1123 label. Default: `waypoint` (istioctl's).
    pub name: String,
    /// Which traffic it proxies. Default: `WaypointFor::Service`.
    pub for_traffic: WaypointFor,
}

impl Default for WaypointProps {
    fn default() -> Self {
        WaypointProps {
            name: "waypoint".into(),
            for_traffic: WaypointFor::Service,
        }
    }
}

/// An ambient-mode waypoint proxy, as `istioctl waypoint generate` writes
/// it. Enroll a namespace (`NamespaceProps::waypoint`) or a Service
/// (`MeshServiceProps::waypoint`); the analyzers check that every enrollment
/// names a waypoint of its namespace.
pub struct Waypoint;

impl Waypoint {
    /// Adds the waypoint Gateway in the chart's namespace.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: WaypointProps,
    ) -> Result<ObjectRef<Gateway>, Error> {
        validate_dns1123_label(&props.name).map_err(|e| {
            Error::construct(
                format!("{}/{id}", scope.path()),
                format!("waypoint name: {e}"),
                "use a name such as \"waypoint\"",
            )
        })?;
        let mut gw = Gateway::named(
            props.name,
            GatewaySpec {
                gateway_class_name: WAYPOINT_CLASS.into(),
                listeners: vec![Listener {
                    name: "mesh".into(),
                    port: 15008,
                    protocol: "HBONE".into(),
                    hostname: None,
                }],
            },
        );
        gw.metadata.labels = Some(BTreeMap::from([(
            WAYPOINT_FOR_LABEL.to_string(),
            props.for_traffic.label().to_string(),
        )]));
        gw.add(scope, id)
    }
}
