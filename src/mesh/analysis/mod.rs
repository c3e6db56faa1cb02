//! Offline mesh analysis (validate stage): the `istioctl analyze` checks that
//! can be decided from the synthesized objects alone, run once per app over
//! the locked tree. Errors stop synth; warnings print. Every finding carries
//! its IST code (or an `MS-MESH-*` code for meshsynth's own checks) and the
//! construct path of the object it is about. See docs/mesh-analysis.md.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::mesh::istio::prelude::*;
//! use meshsynth::mesh::istio::{Destination, HttpRoute, HttpRouteDestination, VirtualService, VirtualServiceSpec};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         MeshNamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
//!     // Routes to subset v2 of a host no DestinationRule defines subsets for.
//!     VirtualService::named("reviews", VirtualServiceSpec {
//!         hosts: Some(vec!["reviews".into()]),
//!         http: Some(vec![HttpRoute {
//!             route: Some(vec![HttpRouteDestination::to(Destination::host("reviews").subset("v2"))]),
//!             ..Default::default()
//!         }]),
//!         ..Default::default()
//!     })
//!     .add(&mut c, "Routing")?;
//!     Ok(())
//! }
//!
//! // Synth stops with an error naming the construct path and the IST code.
//! let err = synth_app(build, &[]).err().expect("the analyzers reject it");
//! let text = match &err {
//!     Error::Diagnostics(diags) => diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
//!     other => other.to_string(),
//! };
//! assert!(text.contains("IST0101"), "{text}");
//! assert!(text.contains("acme-prod/Shop/Routing") || text.contains("Shop/Routing"), "{text}");
//! ```

mod ambient;
mod annotations;
pub mod catalog;
mod checks;
pub mod codes;
mod control_plane;
mod gateway_api;
mod index;
mod schema;

pub use checks::ingress::{modern_tls_policy, DEFAULT_SSL_POLICY, SSL_POLICY};
pub use checks::CREDENTIAL_SOURCES_ANNOTATION;
pub use schema::valid_duration;

use crate::core::{App, Diagnostic, Scope};
use crate::mesh::istio::version::IstioVersion;

/// Registers the analyzers for the app (idempotent).
pub fn register(scope: &mut Scope<'_>) {
    scope.add_validation_once(
        "meshsynth.mesh.analysis",
        |app: &App, out: &mut Vec<Diagnostic>| {
            analyze_objects(app, out);
            // Synth only: the roles a scaler reads with are in the app.
            crate::mesh::keda_grants::check(app, out);
        },
    );
}

/// Runs every analyzer over the app, the workload-controller checks
/// (`k8s::controllers`) and the namespace-existence check
/// (`k8s::namespaces_exist`), as `meshsynth analyze` does for whole clusters.
pub fn analyze(app: &App, out: &mut Vec<Diagnostic>) {
    analyze_objects(app, out);
    crate::k8s::controllers::check(app, out);
    crate::k8s::api_rules::check(app, out);
    crate::k8s::namespaces_exist(app, out);
}

/// Runs every analyzer except MS-MESH-7 (namespace existence), which only
/// makes sense when the input is a whole cluster: `meshsynth analyze` of a
/// few files of a GitOps repository would flag every namespace created
/// elsewhere.
pub fn analyze_without_namespace_check(app: &App, out: &mut Vec<Diagnostic>) {
    analyze_objects(app, out);
    crate::k8s::controllers::check(app, out);
    crate::k8s::api_rules::check(app, out);
}

/// [`analyze`] (or, with `namespaces` false,
/// [`analyze_without_namespace_check`]) for a caller with a core to
/// spare: the controller and namespace checks read the tree, not the
/// mesh index, so they run on a second thread while this one builds the
/// index; then the index's checks run in two groups, one on a third
/// thread. The findings come in the order `analyze` gives them. At the
/// 10k assembly's 39,933 objects the analysis was 150-230 ms on one
/// thread, the controller check alone 40-57 ms of it. At synth the
/// analyzers already run beside emission, so synth keeps [`analyze`].
///
/// With `metadata`, every object's metadata is checked too, on the same
/// second thread (`k8s::api_rules::metadata`; synth checks it in its
/// naming stage instead): 1.5 % of `analyze`'s instructions at 10k.
pub(crate) fn analyze_beside(
    app: &App,
    namespaces: bool,
    metadata: bool,
    out: &mut Vec<Diagnostic>,
) {
    let tree_checks = || {
        let mut found = Vec::new();
        crate::k8s::controllers::check(app, &mut found);
        crate::k8s::api_rules::check(app, &mut found);
        if metadata {
            crate::k8s::api_rules::metadata(app, &mut found);
        }
        if namespaces {
            crate::k8s::namespaces_exist(app, &mut found);
        }
        found
    };
    let joined = std::thread::scope(|scope| {
        let tree = scope.spawn(tree_checks);
        let target = target_version(app, out);
        let twins = index::twins::of(app);
        let ix = index::Index::build(app, &twins);
        let second = std::thread::scope(|inner| {
            let second = inner.spawn(|| {
                let mut found = Vec::new();
                second_checks(&ix, &mut found);
                found
            });
            first_checks(&ix, target, out);
            second.join()
        });
        (second, tree.join())
    });
    for found in [joined.0, joined.1] {
        match found {
            Ok(found) => out.extend(found),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

fn analyze_objects(app: &App, out: &mut Vec<Diagnostic>) {
    let target = target_version(app, out);
    let twins = index::twins::of(app);
    let ix = index::Index::build(app, &twins);
    first_checks(&ix, target, out);
    second_checks(&ix, out);
}

/// The Istio version the checks hold objects to (the context's, or the
/// default with an error saying why).
fn target_version(app: &App, out: &mut Vec<Diagnostic>) -> IstioVersion {
    match IstioVersion::from_context(app.context()) {
        Ok(v) => v,
        Err(e) => {
            out.push(Diagnostic::error("", e.to_string()).with_code(codes::IST0106));
            IstioVersion::DEFAULT
        }
    }
}

/// The checks of the mesh index, in two groups of about equal cost at
/// scale (the 10k assembly: 44 and 42 ms) so [`analyze_beside`] can run
/// them on two threads.
fn first_checks(ix: &index::Index<'_>, target: IstioVersion, out: &mut Vec<Diagnostic>) {
    schema::check(ix, target, out);
    annotations::check(ix, out);
    checks::virtual_service_gateways(ix, out);
    checks::virtual_service_destinations(ix, out);
    checks::virtual_service_rules(ix, out);
    checks::conflicting_mesh_hosts(ix, out);
}

/// The second group of [`first_checks`]'s split.
fn second_checks(ix: &index::Index<'_>, out: &mut Vec<Diagnostic>) {
    checks::jwt_claim_routes(ix, out);
    checks::destination_rules(ix, out);
    checks::gateways(ix, out);
    checks::service_entries(ix, out);
    checks::namespace_singletons(ix, out);
    checks::services_and_workloads(ix, out);
    checks::policies(ix, out);
    checks::envoy_filters(ix, out);
    checks::alb_tls_policy(ix, out);
    ambient::ambient(ix, out);
    gateway_api::check(ix, out);
    control_plane::check(ix, out);
}
