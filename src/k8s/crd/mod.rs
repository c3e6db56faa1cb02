//! The custom resource kinds meshsynth knows, generated from the upstream
//! CRDs (Istio, Gateway API, KEDA, Argo Rollouts, Prometheus-operator) at
//! the tags pinned in `../shared/crds/`, and the check of an object against
//! its kind's schema the way the API server applies it.
//!
//! The registry under `generated/` is written by `scripts/codegen` (see
//! `codegen/src/crd.rs`); nothing in it is edited by hand. Only what checks
//! need is kept: each version's `openAPIV3Schema` without its prose.

mod cel;
mod check;
mod prune;
mod schema;
mod tree;
mod values;

/// The typed kinds generated from the pinned CRDs (the `meshsynth-crds`
/// crate): one module per project, each kind behind its feature. This
/// crate's `crd-istio`, `crd-gateway-api`, `crd-keda`, `crd-argo-rollouts`,
/// `crd-prometheus-operator` and `crd-all` turn on whole projects; depend on
/// `meshsynth-crds` for one kind at a time (`istio-virtualservice`, …).
pub use meshsynth_crds as types;

#[rustfmt::skip]
#[path = "generated/registry.rs"]
mod registry;


pub use check::{check_object, SchemaCheck, SchemaIssue};

use crate::core::{App, Diagnostic, Severity};

/// Codes of the synth-time CRD check, for suppressions and docs.
pub mod codes {
    /// An object the API server would refuse: unknown field, wrong type,
    /// value outside the enum or bounds, missing required field, a version
    /// the CRD does not serve.
    pub const SCHEMA: &str = "MS-CRD-1";
    /// A deprecated version or field, still served.
    pub const DEPRECATED: &str = "MS-CRD-2";
}

/// One version of one custom resource kind, as its CRD declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrdVersion {
    /// The API group, e.g. `gateway.networking.k8s.io`.
    pub group: &'static str,
    /// The kind, e.g. `HTTPRoute`.
    pub kind: &'static str,
    /// The resource's plural name, e.g. `httproutes`.
    pub plural: &'static str,
    /// Whether objects of the kind live in a namespace.
    pub namespaced: bool,
    /// The version, e.g. `v1`.
    pub version: &'static str,
    /// Whether the API server serves this version.
    pub served: bool,
    /// Whether this is the version objects are stored as.
    pub storage: bool,
    /// Whether the CRD marks this version deprecated.
    pub deprecated: bool,
    /// The CRD's own deprecation message for this version, if any.
    pub deprecation_warning: Option<&'static str>,
    /// The pinned project folder it was generated from, e.g. `istio-1.28.10`.
    pub project: &'static str,
    /// The index of the schema's root node in `generated/schemas.json`.
    schema: u32,
}

impl CrdVersion {
    /// `group/version`, as `apiVersion` spells it.
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }

    /// The version's `openAPIV3Schema` without its prose, as JSON.
    pub fn schema(&self) -> serde_json::Value {
        TABLE.inflate(self.schema)
    }
}

/// The schema nodes, one per line (`scripts/codegen`).
static TABLE: crate::core::schema_table::Table = crate::core::schema_table::Table {
    blob: include_str!("generated/schemas.json"),
    starts: registry::NODES,
};

/// The pinned project folders the registry was generated from, e.g.
/// `istio-1.28.10`: what a finding's "as of" refers to.
pub fn sources() -> &'static [&'static str] {
    registry::SOURCES
}

/// Every version of every known kind, sorted by group, kind and version.
pub fn versions() -> &'static [CrdVersion] {
    registry::VERSIONS
}

/// What the registry says about an `apiVersion` and `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A known kind at a version its CRD defines.
    Found(&'static CrdVersion),
    /// A known kind, at a version its CRD does not define; the versions it
    /// serves.
    UnknownVersion(Vec<&'static str>),
    /// Not a kind of the pinned CRDs (a core kind, or another extension).
    NotACrd,
}

/// Looks up `apiVersion` (`group/version`) and `kind`.
pub fn lookup(api_version: &str, kind: &str) -> Lookup {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let all = versions();
    let start = all.partition_point(|v| (v.group, v.kind) < (group, kind));
    let same_kind = all[start..]
        .iter()
        .take_while(|v| v.group == group && v.kind == kind);
    let mut served = Vec::new();
    for v in same_kind {
        if v.version == version {
            return Lookup::Found(v);
        }
        if v.served {
            served.push(v.version);
        }
    }
    if served.is_empty() {
        Lookup::NotACrd
    } else {
        Lookup::UnknownVersion(served)
    }
}

/// Every object of a kind of the pinned CRDs, as it will be emitted
/// (patches applied), checked against its CRD: registered by
/// [`crate::k8s::add_object`], so constructs and users' own objects alike
/// learn at synth what `kubectl apply` would refuse.
pub(crate) fn objects_match_their_crds(app: &App, out: &mut Vec<Diagnostic>) {
    for entry in app.objects() {
        let (path, obj) = (entry.path, entry.object);
        if lookup(obj.api_version(), obj.kind()) == Lookup::NotACrd {
            continue;
        }
        // The lite tree, read in place: a copy into `serde_json` maps cost
        // more than serializing the object.
        let lite = match obj.to_lite() {
            Ok(l) => l,
            Err(_) => continue, // reported by rendering, with its path
        };
        let name = obj.metadata().name.as_deref().unwrap_or("");
        for issue in check::check_owned(lite).issues {
            let at = if issue.field.is_empty() {
                String::new()
            } else {
                format!("{}: ", issue.field)
            };
            let message = format!("{} {name}: {at}{}", obj.kind(), issue.message);
            out.push(match issue.severity {
                Severity::Error => Diagnostic::error(path, message)
                    .with_code(codes::SCHEMA)
                    .with_hint(
                    "fix the field (the kind's CRD refuses it; if a patch sets it, fix the patch)",
                ),
                _ => Diagnostic::warning(path, message)
                    .with_code(codes::DEPRECATED)
                    .with_hint("move to the replacement the warning names"),
            });
        }
    }
}

/// The root node of a version's schema, parsed on first use (each node
/// once per process): the checks of a synth touch a handful of the 46
/// schemas, and few nodes of each.
fn node_of(v: &CrdVersion) -> &'static schema::Node {
    schema::node(v.schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a schema still holds a node index where a sub-schema belongs.
    fn has_index(s: &serde_json::Value) -> bool {
        let Some(m) = s.as_object() else {
            return false;
        };
        m.iter().any(|(k, v)| match (k.as_str(), v) {
            ("properties", serde_json::Value::Object(props)) => {
                props.values().any(|p| p.is_number() || has_index(p))
            }
            ("items" | "additionalProperties", v) => v.is_number() || has_index(v),
            ("allOf" | "anyOf" | "oneOf", serde_json::Value::Array(list)) => {
                list.iter().any(has_index)
            }
            ("not", v) => has_index(v),
            _ => false,
        })
    }

    #[test]
    fn every_schema_range_parses() {
        for v in versions() {
            let schema = v.schema();
            assert!(
                schema.is_object() && !has_index(&schema),
                "{}/{} {}",
                v.group,
                v.kind,
                v.version
            );
            let nodes = schema::Node::parse_all_at(v.schema)
                .unwrap_or_else(|e| panic!("{}/{} {}: {e}", v.group, v.kind, v.version));
            assert!(nodes > 1, "{}/{}", v.group, v.kind);
            assert!(node_of(v).properties.is_some(), "{}/{}", v.group, v.kind);
        }
    }

    #[test]
    fn lookup_finds_kinds_and_served_versions() {
        assert!(matches!(
            lookup("gateway.networking.k8s.io/v1", "HTTPRoute"),
            Lookup::Found(v) if v.plural == "httproutes"
        ));
        assert_eq!(
            lookup("keda.sh/v2", "ScaledObject"),
            Lookup::UnknownVersion(vec!["v1alpha1"])
        );
        assert_eq!(lookup("apps/v1", "Deployment"), Lookup::NotACrd);
    }
}
