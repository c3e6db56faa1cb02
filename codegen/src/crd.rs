//! Generates meshsynth's Kubernetes CRD registry from the upstream
//! CustomResourceDefinitions pinned in `../shared/crds/` (one folder per
//! project and tag).
//!
//! The typed layer (`crd_types.rs`) goes to one crate per project, written
//! whole under `crds/<project>/`, which the `meshsynth-crds` facade
//! re-exports (`crds/src/generated/mod.rs`, one feature per kind spliced
//! into its Cargo.toml); two files come out for the library's checks, committed
//! under `src/k8s/crd/generated/`:
//! - `schemas.json`: the `openAPIV3Schema`s with their prose (descriptions,
//!   examples) dropped, as a table of nodes, one per line: each property's,
//!   `items` and `additionalProperties` schema is the index of its own line,
//!   and identical nodes are written once (Istio serves several versions of
//!   a kind from one schema; pod templates repeat);
//! - `registry.rs`: where each node's line starts, and one entry per
//!   (group, kind, version) — plural, scope, served, storage, deprecation,
//!   the project folder and the index of its schema's root node — sorted by
//!   group, kind and version.
//!
//! The Gateway API folder has two channels; the experimental one is a
//! superset of the standard one (every standard field and kind is in it), so
//! it is the one read: an object a cluster with either channel accepts is
//! never refused. The output is a pure function of the input files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value as Json;

/// Keywords whose value is a map from property names to schemas.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties"];
/// Keywords whose value is one schema (or a boolean).
const SCHEMA_ONE: &[&str] = &["items", "additionalProperties", "not"];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf"];
/// Prose the checks never read.
const DROP: &[&str] = &["description", "example", "externalDocs", "title"];

/// One served version of one kind, as read.
struct Entry {
    group: String,
    kind: String,
    plural: String,
    namespaced: bool,
    version: String,
    served: bool,
    storage: bool,
    deprecated: bool,
    deprecation_warning: Option<String>,
    project: String,
    schema: usize,
}

/// The CRD files to read: every `*.yaml` of each project folder, sorted,
/// with the Gateway API's experimental channel in place of its folder.
fn crd_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut projects: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    projects.sort();
    let mut files = Vec::new();
    for project in projects {
        let name = project
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let folder = if project.join("experimental").is_dir() {
            project.join("experimental")
        } else {
            project.clone()
        };
        let label = if folder != project {
            format!("{name}/experimental")
        } else {
            name
        };
        let mut yamls: Vec<PathBuf> = std::fs::read_dir(&folder)
            .with_context(|| format!("reading {}", folder.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        yamls.sort();
        files.extend(yamls.into_iter().map(|p| (label.clone(), p)));
    }
    Ok(files)
}

/// The schema with only what the checks read, object keys as they came.
fn compact(s: &Json) -> Json {
    let Json::Object(m) = s else {
        return s.clone();
    };
    let mut out = serde_json::Map::new();
    for (k, v) in m {
        if DROP.contains(&k.as_str()) {
            continue;
        }
        let v = if SCHEMA_MAPS.contains(&k.as_str()) {
            match v {
                Json::Object(inner) => Json::Object(
                    inner
                        .iter()
                        .map(|(n, sub)| (n.clone(), compact(sub)))
                        .collect(),
                ),
                other => other.clone(),
            }
        } else if SCHEMA_ONE.contains(&k.as_str()) {
            compact(v)
        } else if SCHEMA_LISTS.contains(&k.as_str()) {
            match v {
                Json::Array(a) => Json::Array(a.iter().map(compact).collect()),
                other => other.clone(),
            }
        } else {
            v.clone()
        };
        out.insert(k.clone(), v);
    }
    Json::Object(out)
}

fn str_at<'a>(v: &'a Json, path: &[&str]) -> Result<&'a str> {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_str()
        .ok_or_else(|| anyhow!("{} is missing", path.join(".")))
}

/// Generated files: (name relative to the output folder, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// What `generate` writes.
pub struct Output {
    /// The registry and schemas, for the library's `src/k8s/crd/generated/`.
    pub registry: Files,
    /// The facade crate's `src/generated/` (`mod.rs`: each project crate
    /// re-exported as its module, and the round trip).
    pub types: Files,
    /// The facade crate's generated `[features]` block (one per kind, one
    /// per project, `all`), markers included.
    pub features: String,
    /// One crate per project, written whole under the facade's folder.
    pub projects: Vec<ProjectCrate>,
    /// How many kinds there are.
    pub kinds: usize,
}

/// A project's crate (`crds/<project>/`), every file generated: the kinds
/// compile in one crate per project so that the projects build in parallel
/// and k8s-openapi, with more crates waiting on it, is scheduled sooner.
pub struct ProjectCrate {
    /// Its folder under the facade's, e.g. `argo-rollouts`.
    pub dir: String,
    /// `Cargo.toml`.
    pub manifest: Vec<u8>,
    /// `src/lib.rs` and `src/generated.rs`.
    pub sources: Files,
}

/// Markers of the generated features in the types crate's Cargo.toml.
pub const FEATURES_BEGIN: &str = "# BEGIN generated by scripts/codegen: one feature per CRD kind";

/// The generated files and the number of kinds.
pub fn generate(crds_dir: &Path) -> Result<Output> {
    let files = crd_files(crds_dir)?;
    if files.is_empty() {
        bail!("{}: no CRD files", crds_dir.display());
    }
    let Read {
        schemas,
        mut entries,
        projects,
        typed,
    } = read(&files)?;
    entries.sort_by(|a, b| (&a.group, &a.kind, &a.version).cmp(&(&b.group, &b.kind, &b.version)));
    if let Some(w) = entries.windows(2).find(|w| {
        (&w[0].group, &w[0].kind, &w[0].version) == (&w[1].group, &w[1].kind, &w[1].version)
    }) {
        bail!(
            "{}/{} {} is defined twice ({} and {})",
            w[0].group,
            w[0].kind,
            w[0].version,
            w[0].project,
            w[1].project
        );
    }
    let (registry, kinds) = registry(&schemas, &entries, &projects)?;
    let (types, features, projects) = typed_layer(typed)?;
    Ok(Output {
        registry,
        types,
        features,
        projects,
        kinds,
    })
}

/// What the CRD files hold: each distinct schema once, every version of
/// every kind, the projects in reading order, the served versions to type.
struct Read {
    schemas: Vec<String>,
    entries: Vec<Entry>,
    projects: Vec<String>,
    typed: BTreeMap<String, Vec<crate::crd_types::KindVersion>>,
}

fn read(files: &[(String, std::path::PathBuf)]) -> Result<Read> {
    let mut schemas: Vec<String> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut projects: Vec<String> = Vec::new();
    let mut typed: BTreeMap<String, Vec<crate::crd_types::KindVersion>> = BTreeMap::new();
    for (project, path) in files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for (n, doc) in serde_yaml::Deserializer::from_str(&text).enumerate() {
            let value = <Json as serde::Deserialize>::deserialize(doc)
                .with_context(|| format!("{} document {n}", path.display()))?;
            if value["kind"] != "CustomResourceDefinition" {
                continue;
            }
            let at = |e: anyhow::Error| anyhow!("{} document {n}: {e}", path.display());
            let group = str_at(&value, &["spec", "group"]).map_err(at)?;
            let kind = str_at(&value, &["spec", "names", "kind"]).map_err(at)?;
            let plural = str_at(&value, &["spec", "names", "plural"]).map_err(at)?;
            let scope = str_at(&value, &["spec", "scope"]).map_err(at)?;
            for v in value["spec"]["versions"].as_array().into_iter().flatten() {
                let version = str_at(v, &["name"]).map_err(at)?;
                let schema = &v["schema"]["openAPIV3Schema"];
                if !schema.is_object() {
                    bail!(
                        "{}: {kind} {version} has no openAPIV3Schema",
                        path.display()
                    );
                }
                let mut text = String::new();
                crate::write_canonical(&mut text, &compact(schema));
                let next = schemas.len();
                let schema = *index.entry(text.clone()).or_insert_with(|| {
                    schemas.push(text);
                    next
                });
                if v["served"].as_bool() == Some(true) {
                    typed
                        .entry(project.clone())
                        .or_default()
                        .push(crate::crd_types::KindVersion {
                            project: project.clone(),
                            group: group.to_string(),
                            kind: kind.to_string(),
                            plural: plural.to_string(),
                            namespaced: scope == "Namespaced",
                            version: version.to_string(),
                            schema: v["schema"]["openAPIV3Schema"].clone(),
                        });
                }
                entries.push(Entry {
                    group: group.to_string(),
                    kind: kind.to_string(),
                    plural: plural.to_string(),
                    namespaced: scope == "Namespaced",
                    version: version.to_string(),
                    served: v["served"].as_bool().unwrap_or(false),
                    storage: v["storage"].as_bool().unwrap_or(false),
                    deprecated: v["deprecated"].as_bool().unwrap_or(false),
                    deprecation_warning: v["deprecationWarning"].as_str().map(String::from),
                    project: project.clone(),
                    schema,
                });
            }
            if !projects.contains(project) {
                projects.push(project.clone());
            }
        }
    }
    Ok(Read {
        schemas,
        entries,
        projects,
        typed,
    })
}

/// The registry (`registry.rs` and the schema blob) and how many kinds.
fn registry(schemas: &[String], entries: &[Entry], projects: &[String]) -> Result<(Files, usize)> {
    // Schemas in first-use order of the sorted entries, so the blob's order
    // does not depend on the order files were read.
    let mut order: Vec<usize> = Vec::new();
    for e in entries {
        if !order.contains(&e.schema) {
            order.push(e.schema);
        }
    }
    let mut table = crate::nodes::NodeTable::default();
    let mut roots = vec![0u32; schemas.len()];
    for &s in &order {
        let schema: Json = serde_json::from_str(&schemas[s]).context("re-reading a schema")?;
        roots[s] = table.flatten(&schema)?;
    }
    let (blob, nodes) = table.write()?;
    let mut rust = String::new();
    writeln!(
        rust,
        "// @generated by meshsynth-codegen from the upstream CRDs of\n\
         // ../shared/crds/ ({}). Do not edit: run `scripts/codegen` instead.\n",
        projects.join(", ")
    )?;
    writeln!(rust, "use super::CrdVersion;\n")?;
    writeln!(
        rust,
        "/// The pinned project folders the registry was generated from."
    )?;
    writeln!(rust, "pub(super) static SOURCES: &[&str] = &[")?;
    for p in projects {
        writeln!(rust, "    {p:?},")?;
    }
    writeln!(rust, "];\n")?;
    writeln!(rust, "{nodes}")?;
    writeln!(
        rust,
        "/// Every version of every kind, sorted by group, kind and version."
    )?;
    writeln!(rust, "pub(super) static VERSIONS: &[CrdVersion] = &[")?;
    let mut kinds = std::collections::BTreeSet::new();
    for e in entries {
        kinds.insert((&e.group, &e.kind));
        let root = roots[e.schema];
        writeln!(
            rust,
            "    CrdVersion {{ group: {:?}, kind: {:?}, plural: {:?}, namespaced: {}, version: {:?}, served: {}, storage: {}, deprecated: {}, deprecation_warning: {:?}, project: {:?}, schema: {root} }},",
            e.group,
            e.kind,
            e.plural,
            e.namespaced,
            e.version,
            e.served,
            e.storage,
            e.deprecated,
            e.deprecation_warning,
            e.project,
        )?;
    }
    writeln!(rust, "];")?;
    let registry = vec![
        ("registry.rs".to_string(), rust.into_bytes()),
        ("schemas.json".to_string(), blob.into_bytes()),
    ];
    Ok((registry, kinds.len()))
}

/// The typed layer: a crate per project, and the facade's `mod.rs` (the
/// re-exports and the round trip) and features block.
fn typed_layer(
    mut typed: BTreeMap<String, Vec<crate::crd_types::KindVersion>>,
) -> Result<(Files, String, Vec<ProjectCrate>)> {
    let mut mods = String::from(
        "// @generated by meshsynth-codegen. Do not edit: run `scripts/codegen` instead.\n\n\
         /// The metadata every kind has (k8s-openapi's).\n\
         pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;\n\
         /// An integer or a string, where a CRD allows both (k8s-openapi's).\n\
         pub use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;\n\n",
    );
    let mut arms = String::new();
    let mut features = format!("{FEATURES_BEGIN}\ndefault = []\n");
    let mut projects = Vec::new();
    let mut kind_features = Vec::new();
    let mut crates = Vec::new();
    for (project, list) in &mut typed {
        list.sort_by(|a, b| (&a.group, &a.version, &a.kind).cmp(&(&b.group, &b.version, &b.kind)));
        let (module, text, project_kinds) = crate::crd_types::generate_project(project, list)?;
        let feature = module.replace('_', "-");
        let any: Vec<String> = project_kinds
            .iter()
            .map(|f| format!("feature = {f:?}"))
            .collect();
        let _ = writeln!(
            mods,
            "#[cfg(any({0}))]\n#[cfg_attr(docsrs, doc(cfg(any({0}))))]\n#[doc(inline)]\npub use meshsynth_crds_{module} as {module};",
            any.join(", ")
        );
        for kv in list.iter() {
            let _ = writeln!(
                arms,
                "        #[cfg(feature = {:?})]\n        ({:?}, {:?}) => Some(round_trip_as::<{module}::{}::{}>(object)),",
                crate::crd_types::kind_feature(&module, &kv.kind),
                format!("{}/{}", kv.group, kv.version),
                kv.kind,
                crate::crd_types::version_module(&kv.group, &kv.version),
                kv.kind
            );
        }
        let _ = writeln!(
            features,
            "{feature} = [{}]",
            project_kinds
                .iter()
                .map(|f| format!("{f:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        projects.push(format!("{feature:?}"));
        kind_features.extend(project_kinds.iter().map(|k| (feature.clone(), k.clone())));
        crates.push(project_crate(
            project,
            &module,
            &feature,
            &project_kinds,
            text,
        ));
    }
    let _ = writeln!(features, "all = [{}]", projects.join(", "));
    for (project, kind) in &kind_features {
        let dep = format!("meshsynth-crds-{project}");
        let _ = writeln!(features, "{kind} = [\"dep:{dep}\", \"{dep}/{kind}\"]");
    }
    features.push_str(crate::FEATURES_END);
    mods.push_str(
        "\n/// Reads `object` into the generated type of its `apiVersion` and `kind`\n\
         /// and writes it back: `None` when no enabled feature generates the kind,\n\
         /// else the JSON the typed object serializes to, or why it did not read.\n\
         // Inline: compiled only in the crate that calls it (a test), not in\n\
         // every build of this crate, where its serde code for each enabled kind\n\
         // was 8 of the crate's 21 seconds (docs/performance.md).\n\
         #[inline]\n\
         pub fn round_trip(object: &serde_json::Value) -> Option<Result<serde_json::Value, String>> {\n\
         \x20   let api_version = object.get(\"apiVersion\")?.as_str()?;\n\
         \x20   let kind = object.get(\"kind\")?.as_str()?;\n\
         \x20   #[allow(unreachable_code)]\n\
         \x20   match (api_version, kind) {\n",
    );
    mods.push_str(&arms);
    mods.push_str(
        "        _ => {\n            let _ = object;\n            None\n        }\n    }\n}\n\n\
         #[allow(dead_code)]\n\
         fn round_trip_as<T: serde::Serialize + serde::de::DeserializeOwned>(\n\
         \x20   object: &serde_json::Value,\n\
         ) -> Result<serde_json::Value, String> {\n\
         \x20   let typed: T = serde_json::from_value(object.clone()).map_err(|e| e.to_string())?;\n\
         \x20   serde_json::to_value(&typed).map_err(|e| e.to_string())\n\
         }\n",
    );
    Ok((
        vec![("mod.rs".to_string(), mods.into_bytes())],
        features,
        crates,
    ))
}

/// One project's crate: a manifest with a feature per kind, a `lib.rs`
/// that rustfmt leaves as it is, and the kinds in `generated.rs`.
fn project_crate(
    folder: &str,
    module: &str,
    feature: &str,
    kinds: &std::collections::BTreeSet<String>,
    generated: String,
) -> ProjectCrate {
    let mut manifest = format!(
        "# @generated by meshsynth-codegen from ../shared/crds/{folder}.\n\
         # Do not edit: run `scripts/codegen` instead.\n\
         [package]\n\
         name = \"meshsynth-crds-{feature}\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         description = \"The typed custom resources of {folder} for meshsynth-crds, generated from the upstream CRDs; one feature per kind.\"\n\n\
         [lib]\n\
         path = \"src/lib.rs\"\n\
         # No tests of its own: stacks/tests/crd_types.rs reads the types back.\n\
         test = false\n\
         doctest = false\n\n\
         [dependencies]\n\
         k8s-openapi.workspace = true\n\
         serde.workspace = true\n\
         serde_json.workspace = true\n\n\
         [features]\n\
         default = []\n"
    );
    for k in kinds {
        let _ = writeln!(manifest, "{k} = []");
    }
    manifest.push_str(
        "\n[package.metadata.docs.rs]\nall-features = true\nrustdoc-args = [\"--cfg\", \"docsrs\"]\n",
    );
    let lib = format!(
        "// @generated by meshsynth-codegen. Do not edit: run `scripts/codegen` instead.\n\n\
         //! The typed custom resources of `{folder}`, generated from its upstream\n\
         //! CRDs: one module per API group and version, each kind behind its own\n\
         //! feature (`{feature}-<kind>`). Use them through meshsynth-crds\n\
         //! (`meshsynth_crds::{module}`), which re-exports this crate; the\n\
         //! projects are crates of their own so that they compile in parallel.\n\n\
         #![cfg_attr(docsrs, feature(doc_cfg))]\n\n\
         #[rustfmt::skip]\n\
         mod generated;\n\n\
         pub use generated::*;\n"
    );
    ProjectCrate {
        dir: feature.to_string(),
        manifest: manifest.into_bytes(),
        sources: vec![
            ("lib.rs".to_string(), lib.into_bytes()),
            ("generated.rs".to_string(), generated.into_bytes()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_goes_and_property_names_stay() {
        let s: Json = serde_json::json!({
            "description": "x",
            "properties": {"description": {"type": "string", "description": "y"}},
            "x-kubernetes-validations": [{"rule": "self.a", "message": "m"}]
        });
        let mut out = String::new();
        crate::write_canonical(&mut out, &compact(&s));
        assert_eq!(
            out,
            r#"{"properties":{"description":{"type":"string"}},"x-kubernetes-validations":[{"message":"m","rule":"self.a"}]}"#
        );
    }
}
