//! The Kubernetes Gateway API `Gateway` (generated) and the ambient-mode
//! `Waypoint` construct: a `gateway.networking.k8s.io/v1` Gateway of class
//! `istio-waypoint`, the L7 proxy that ambient workloads opt into with the
//! `istio.io/use-waypoint` label.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::mesh::gateway_api::{Waypoint, WaypointProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Payments", ChartProps::new("acme-prod").namespace("payments"))?;
//!     let mut c = app.scope(chart.node())?;
//!     // Every Service of the namespace goes through the waypoint for L7 policy.
//!     MeshNamespace::new(&mut c, "Namespace", MeshNamespaceProps {
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

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::names::validate_dns1123_label;
use crate::core::{Error, ObjectRef, Scope};

/// The label that enrolls a namespace or Service in a waypoint.
pub const USE_WAYPOINT_LABEL: &str = "istio.io/use-waypoint";

/// The label Istio puts on the pods it deploys for a Gateway API Gateway
/// (waypoints included), naming the Gateway.
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// The label that says which traffic a waypoint handles.
pub const WAYPOINT_FOR_LABEL: &str = "istio.io/waypoint-for";

/// The GatewayClass of Istio waypoints.
pub const WAYPOINT_CLASS: &str = "istio-waypoint";

/// The GatewayClass Istio provides for ingress and egress gateways: Istio
/// deploys each Gateway of this class as its own Deployment and Service.
pub const ISTIO_CLASS: &str = "istio";

/// The Gateway API `Gateway` (`gateway.networking.k8s.io/v1`) and its
/// parts, as generated from the upstream CRD (`k8s::crd::types`): every
/// field of the kind, for a Gateway of your own through `mesh::add_object`.
pub use crate::k8s::crd::types::gateway_api::gateway_v1::{
    Gateway, GatewaySpec, GatewaySpecListeners, GatewaySpecListenersAllowedRoutes,
    GatewaySpecListenersAllowedRoutesNamespaces, GatewaySpecListenersAllowedRoutesNamespacesFrom,
    GatewaySpecListenersTls, GatewaySpecListenersTlsCertificateRefs, GatewaySpecListenersTlsMode,
};

/// The Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`) and its
/// parts, generated from the upstream CRD like [`Gateway`]: what
/// `MeshService` emits with [`RoutingApi::GatewayApi`], and what a route of
/// your own is built from. Several parts are aliases of the GRPCRoute
/// shapes they share upstream.
pub use crate::k8s::crd::types::gateway_api::gateway_v1::{
    GRPCRouteSpecRulesBackendRefsFiltersRequestMirrorBackendRef as HTTPRouteMirrorBackendRef,
    GRPCRouteSpecRulesBackendRefsFiltersRequestMirrorFraction as HTTPRouteMirrorFraction,
    HTTPRoute, HTTPRouteSpec, HTTPRouteSpecParentRefs, HTTPRouteSpecRules,
    HTTPRouteSpecRulesBackendRefs,
    HTTPRouteSpecRulesBackendRefsFiltersRequestMirror as HTTPRouteSpecRulesFiltersRequestMirror,
    HTTPRouteSpecRulesBackendRefsFiltersRequestRedirect,
    HTTPRouteSpecRulesBackendRefsFiltersRequestRedirectScheme,
    HTTPRouteSpecRulesBackendRefsFiltersType as HTTPRouteSpecRulesFiltersType,
    HTTPRouteSpecRulesFilters, HTTPRouteSpecRulesMatches, HTTPRouteSpecRulesMatchesHeaders,
    HTTPRouteSpecRulesMatchesHeadersType, HTTPRouteSpecRulesMatchesMethod,
    HTTPRouteSpecRulesMatchesPath, HTTPRouteSpecRulesMatchesPathType,
    HTTPRouteSpecRulesMatchesQueryParams, HTTPRouteSpecRulesRetry, HTTPRouteSpecRulesTimeouts,
};

/// An HTTPRoute filter of `kind` with no settings yet (the generated type
/// has no `Default`, its `type` being required); set the one field that
/// `kind` reads, e.g. `request_mirror` for `RequestMirror`.
pub fn http_route_filter(kind: HTTPRouteSpecRulesFiltersType) -> HTTPRouteSpecRulesFilters {
    HTTPRouteSpecRulesFilters {
        r#type: kind,
        cors: None,
        extension_ref: None,
        external_auth: None,
        request_header_modifier: None,
        request_mirror: None,
        request_redirect: None,
        response_header_modifier: None,
        url_rewrite: None,
    }
}

/// The context key that picks the routing API for a whole platform
/// (`-c mesh:routing-api=gateway-api`); a construct's own `routing` prop
/// wins over it.
pub const ROUTING_CONTEXT_KEY: &str = "mesh:routing-api";

/// Which API a construct routes HTTP with: Istio's own
/// (`Gateway` + `VirtualService`) or the Kubernetes Gateway API (`Gateway`
/// of class `istio` + `HTTPRoute`), the one Istio recommends and the only
/// one ambient waypoints read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoutingApi {
    /// Istio's `networking.istio.io` API: every traffic feature, including
    /// fault injection (context value `istio`).
    #[default]
    Istio,
    /// The Gateway API's standard channel (context value `gateway-api`):
    /// the CRDs Istio's docs install. HTTPRoute has no retry policy there,
    /// so retries are Istio's default (2 attempts) and a service that sets
    /// its own is refused with a hint.
    GatewayApi,
    /// The Gateway API's experimental channel (context value
    /// `gateway-api-experimental`): as `GatewayApi`, plus the HTTPRoute
    /// `retry` field, so `Resilience` retries are kept. Needs the
    /// experimental CRDs in the cluster.
    GatewayApiExperimental,
}

impl RoutingApi {
    /// The API a construct uses: its own choice, else the platform's
    /// (`ROUTING_CONTEXT_KEY`), else Istio's.
    pub fn resolve(scope: &Scope<'_>, own: Option<RoutingApi>) -> Result<RoutingApi, Error> {
        if let Some(api) = own {
            return Ok(api);
        }
        match scope.context().raw(ROUTING_CONTEXT_KEY) {
            None => Ok(RoutingApi::Istio),
            Some("istio") => Ok(RoutingApi::Istio),
            Some("gateway-api") => Ok(RoutingApi::GatewayApi),
            Some("gateway-api-experimental") => Ok(RoutingApi::GatewayApiExperimental),
            Some(other) => Err(Error::Context {
                key: ROUTING_CONTEXT_KEY.into(),
                message: format!(
                    "{:?} is not a routing API; use istio, gateway-api or gateway-api-experimental",
                    other.chars().take(40).collect::<String>()
                ),
            }),
        }
    }

    /// True for both Gateway API channels.
    pub fn is_gateway_api(self) -> bool {
        !matches!(self, RoutingApi::Istio)
    }
}

/// The ServiceAccount Istio gives the pods it deploys for a Gateway of
/// class `istio` named `gateway` (`<name>-istio`), for policies that admit
/// the gateway.
pub fn istio_gateway_service_account(gateway: &str) -> String {
    format!("{gateway}-{ISTIO_CLASS}")
}

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
/// it. Enroll a namespace (`MeshNamespaceProps::waypoint`) or a Service
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
                scope.child_path(id),
                format!("waypoint name: {e}"),
                "use a name such as \"waypoint\"",
            )
        })?;
        let gw = Gateway {
            metadata: ObjectMeta {
                name: Some(props.name),
                labels: Some(BTreeMap::from([(
                    WAYPOINT_FOR_LABEL.to_string(),
                    props.for_traffic.label().to_string(),
                )])),
                ..Default::default()
            },
            spec: GatewaySpec {
                gateway_class_name: WAYPOINT_CLASS.into(),
                listeners: vec![GatewaySpecListeners {
                    name: "mesh".into(),
                    port: 15008,
                    protocol: "HBONE".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            status: None,
        };
        crate::mesh::add_object(scope, id, gw)
    }
}
