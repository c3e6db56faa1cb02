//! Offline mesh analysis (validate stage): the `istioctl analyze` checks that
//! can be decided from the synthesized objects alone, run once per app over
//! the locked tree. Errors stop synth; warnings print. Every finding carries
//! its IST code (or an `MS-MESH-*` code for meshsynth's own checks) and the
//! construct path of the object it is about. See docs/mesh-analysis.md.

mod annotations;
mod checks;
mod index;
mod schema;

pub use checks::CREDENTIAL_SOURCES_ANNOTATION;
pub use schema::valid_duration;

use crate::core::{App, Diagnostic, Scope};
use crate::mesh::istio::version::IstioVersion;

/// Registers the analyzers for the app (idempotent).
pub fn register(scope: &mut Scope<'_>) {
    scope.add_validation_once("meshsynth.mesh.analysis", analyze);
}

/// Runs every analyzer over the app.
pub fn analyze(app: &App, out: &mut Vec<Diagnostic>) {
    let target = match IstioVersion::from_context(app.context()) {
        Ok(v) => v,
        Err(e) => {
            out.push(Diagnostic::error("", e.to_string()).with_code("IST0106"));
            IstioVersion::DEFAULT
        }
    };
    let ix = index::Index::build(app);
    schema::check(&ix, target, out);
    annotations::check(&ix, out);
    checks::virtual_service_gateways(&ix, out);
    checks::virtual_service_destinations(&ix, out);
    checks::virtual_service_rules(&ix, out);
    checks::conflicting_mesh_hosts(&ix, out);
    checks::destination_rules(&ix, out);
    checks::gateways(&ix, out);
    checks::service_entries(&ix, out);
    checks::namespace_singletons(&ix, out);
    checks::services_and_workloads(&ix, out);
    checks::policies(&ix, out);
}
