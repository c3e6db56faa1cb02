//! Kubernetes constructs (core kinds from `k8s-openapi`), one folder per family.

pub mod api_rules;
pub mod controllers;
pub mod crd;
pub mod tls;
pub mod workloads;

/// The namespace construct under its 0.1.0 path (`k8s::core`, which read
/// like `crate::core`). A re-export kept for one release (removed in
/// 0.3.0), the one place `k8s` names the mesh family above it.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::mesh::namespace; NamespaceProps is now MeshNamespaceProps (same fields)"
)]
pub mod core {
    #![allow(deprecated)]

    /// [`MeshNamespace`](crate::mesh::namespace::MeshNamespace) at its 0.1.0 path.
    #[deprecated(
        since = "0.2.0",
        note = "moved to meshsynth::mesh::namespace::MeshNamespace"
    )]
    pub type MeshNamespace = crate::mesh::namespace::MeshNamespace;

    /// [`MeshMode`](crate::mesh::namespace::MeshMode) at its 0.1.0 path.
    #[deprecated(
        since = "0.2.0",
        note = "moved to meshsynth::mesh::namespace::MeshMode"
    )]
    pub type MeshMode = crate::mesh::namespace::MeshMode;

    /// [`MeshNamespaceProps`](crate::mesh::namespace::MeshNamespaceProps)
    /// under its 0.1.0 name.
    #[deprecated(
        since = "0.2.0",
        note = "renamed to meshsynth::mesh::namespace::MeshNamespaceProps"
    )]
    pub type NamespaceProps = crate::mesh::namespace::MeshNamespaceProps;
}

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Namespace;

use crate::core::names::validate_dns1123_subdomain;
use crate::core::{App, Diagnostic, Error, K8sObject, ObjectEntry, ObjectRef, Scope};

/// Namespaces every cluster has without a Namespace object.
pub(crate) const BUILTIN_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// The key of the CRD schema check (`MS-CRD-1`, `MS-CRD-2`).
const CRDS_KEY: &str = "meshsynth.k8s.crds";
const CONTROLLERS_KEY: &str = "meshsynth.k8s.controllers";
const API_RULES_KEY: &str = "meshsynth.k8s.api_rules";

/// The key of the namespace-existence check.
const NAMESPACES_KEY: &str = "meshsynth.k8s.namespaces";

/// Adds a Kubernetes object and enables the namespace-existence check
/// (`MS-MESH-7`) for the app. An explicit `metadata.name` must be a
/// DNS-1123 subdomain. Mesh constructs add theirs through
/// `mesh::add_object`, which also enables the mesh analyzers.
pub fn add_object<O: K8sObject>(
    scope: &mut Scope<'_>,
    id: &str,
    object: O,
) -> Result<ObjectRef<O>, Error> {
    if let Some(name) = &object.metadata().name {
        validate_dns1123_subdomain(name).map_err(|e| {
            Error::construct(
                scope.child_path(id),
                format!("{} name: {e}", object.kind()),
                "use lower-case letters, digits, '-' and '.', e.g. \"order-service\"",
            )
        })?;
    }
    enable_checks(scope);
    scope.add_object(id, object)
}

/// Enables the Kubernetes-level checks of every object of the app, however
/// it was added (`Scope::add_object` included), once per app: the
/// namespace-existence check (`MS-MESH-7`), the CRD schema check of custom
/// kinds, the workload-controller checks, and what the API server refuses
/// of the built-in kinds beyond their schema (`MS-K8S-3`,
/// [`api_rules`]). [`add_object`] calls it, and
/// `mesh::enable_checks` (which `cli::main` and `testing::synth_app` run
/// for every app) with the mesh analyzers.
pub fn enable_checks(scope: &mut Scope<'_>) {
    scope.add_validation_once(NAMESPACES_KEY, namespaces_exist);
    scope.add_validation_once(CRDS_KEY, crd::objects_match_their_crds);
    scope.add_validation_once(CONTROLLERS_KEY, controllers::check);
    scope.add_validation_once(API_RULES_KEY, api_rules::check);
}

/// The code of the namespace-existence check (a mesh analyzer code: the
/// check was the mesh's before it became a Kubernetes-level validation).
pub const NAMESPACE_MISSING: &str = "MS-MESH-7";

/// MS-MESH-7: a namespaced object whose namespace nothing creates. Its
/// cluster has no Namespace object of that name, the namespace is not one
/// Kubernetes makes, and it is not `istio-system` of a cluster whose Istio
/// install input creates it. `kubectl apply` of the manifests would fail.
pub fn namespaces_exist(app: &App, out: &mut Vec<Diagnostic>) {
    let objects = app.objects();
    let namespaces: BTreeSet<(&str, &str)> = objects
        .iter()
        .filter_map(|e| {
            e.object.as_any().downcast_ref::<Namespace>()?;
            Some((e.cluster, e.object.metadata().name.as_deref().unwrap_or("")))
        })
        .collect();
    let istio_clusters: BTreeSet<&str> = app
        .install_input_refs()
        .into_iter()
        .map(|i| i.cluster)
        .collect();
    // One finding per missing namespace, at its first object, listing
    // the objects that would fail to apply.
    let mut missing: BTreeMap<(&str, &str), Vec<(&str, String)>> = BTreeMap::new();
    for &ObjectEntry {
        path,
        cluster,
        object: obj,
    } in &objects
    {
        if !obj.namespaced() {
            continue;
        }
        let ns = obj.metadata().namespace.as_deref().unwrap_or("default");
        if BUILTIN_NAMESPACES.contains(&ns)
            || namespaces.contains(&(cluster, ns))
            || (ns == "istio-system" && istio_clusters.contains(cluster))
        {
            continue;
        }
        let what = format!(
            "{} {ns}/{}",
            obj.kind(),
            obj.metadata().name.as_deref().unwrap_or("")
        );
        let list = missing.entry((cluster, ns)).or_default();
        if !list.iter().any(|(p, _)| *p == path) {
            list.push((path, what));
        }
    }
    const SHOWN: usize = 5;
    for ((cluster, ns), objs) in missing {
        let mut names: Vec<&str> = objs.iter().take(SHOWN).map(|(_, w)| w.as_str()).collect();
        let more = format!("and {} more", objs.len().saturating_sub(SHOWN));
        if objs.len() > SHOWN {
            names.push(&more);
        }
        let existing = namespaces
            .iter()
            .filter(|(c, _)| *c == cluster)
            .map(|(_, n)| *n);
        let hint = match crate::core::names::closest(ns, existing) {
            Some(m) => format!(
                "did you mean namespace {m:?}? Otherwise add a MeshNamespace (or Namespace) named {ns} to a chart of cluster {cluster}"
            ),
            None => format!(
                "add a MeshNamespace (or Namespace) named {ns} to a chart of cluster {cluster}"
            ),
        };
        out.push(
            Diagnostic::error(
                objs[0].0,
                format!(
                    "namespace {ns:?}, which no Namespace object of cluster {cluster} creates, holds {} object(s) `kubectl apply` would refuse: {}",
                    objs.len(),
                    names.join(", ")
                ),
            )
            .with_code(NAMESPACE_MISSING)
            .with_hint(hint),
        );
    }
}
