//! Loading a cloud assembly back into memory, for diff (and later deploy).
//! An assembly may come from a pull request, so every byte is untrusted:
//! paths are confined to the assembly directory, file sizes are bounded,
//! the manifest's schema version is checked before anything else is read,
//! and every failure is a typed error naming the file.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

use super::{Assembly, Manifest, MANIFEST_VERSION};
use crate::untrusted::{inert, ReadError};

mod pair;
mod parse;
mod shape;
mod source;
#[cfg(test)]
mod tests;

pub(crate) use pair::SharedTemplates;
use pair::*;
pub use parse::*;
pub use source::*;

/// Size bounds applied while loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    /// Largest single file, in bytes (default 128 MiB: a chart file of a
    /// 10,000-resource platform is tens of MiB; CloudFormation itself takes at
    /// most 1 MB per template).
    pub max_file_bytes: u64,
    /// Largest sum over every file read, in bytes (default 1 GiB).
    pub max_total_bytes: u64,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_file_bytes: 128 * 1024 * 1024,
            max_total_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Why an assembly could not be loaded; every variant names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// A file is missing or unreadable.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The directory holds no `manifest.json`.
    #[error("{path}: not a cloud assembly (no manifest.json); synthesize one with `meshsynth synth -o DIR`")]
    NotAnAssembly {
        /// The directory.
        path: String,
    },
    /// `manifest.json` declares a schema version this build does not read.
    #[error("{path}: manifest schema version {found}; this meshsynth reads version {expected} (synthesize the baseline again with this meshsynth)")]
    Version {
        /// The manifest file.
        path: String,
        /// The version the file declares.
        found: String,
        /// The version this build reads.
        expected: String,
    },
    /// `manifest.json` is not valid JSON or does not match the schema.
    #[error("{path}: invalid manifest: {message}")]
    Manifest {
        /// The manifest file.
        path: String,
        /// The parse or schema error.
        message: String,
    },
    /// A path in `manifest.json` points outside the assembly directory.
    #[error("{path}: unsafe path {entry:?}: {reason}")]
    UnsafePath {
        /// The manifest file.
        path: String,
        /// The offending path as written in the manifest.
        entry: String,
        /// Why it is refused.
        reason: String,
    },
    /// A file is larger than the limit.
    #[error("{path}: file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The files together are larger than the limit.
    #[error("{path}: the assembly is larger than the limit of {limit} bytes in total")]
    TotalTooLarge {
        /// The assembly directory.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A template or manifest file is not valid JSON or YAML.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's error, with line and column.
        message: String,
    },
    /// The file parses but its content is not what the assembly promises.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong in it.
        message: String,
    },
    /// Two documents describe the same Kubernetes object in one cluster.
    #[error(
        "{path}: duplicate Kubernetes object {object} in cluster {cluster} (first in {first})"
    )]
    DuplicateObject {
        /// The file of the second document.
        path: String,
        /// The object, `Kind namespace/name`.
        object: String,
        /// The cluster.
        cluster: String,
        /// The file of the first document.
        first: String,
    },
}

impl LoadError {
    /// The file the error is about.
    pub fn path(&self) -> &str {
        match self {
            LoadError::Io { path, .. }
            | LoadError::NotAnAssembly { path }
            | LoadError::Version { path, .. }
            | LoadError::Manifest { path, .. }
            | LoadError::UnsafePath { path, .. }
            | LoadError::TooLarge { path, .. }
            | LoadError::TotalTooLarge { path, .. }
            | LoadError::Parse { path, .. }
            | LoadError::Invalid { path, .. }
            | LoadError::DuplicateObject { path, .. } => path,
        }
    }
}

/// The identity of a Kubernetes object in a cluster: API group (not
/// version, so `v1beta1` → `v1` is an update), kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectKey {
    /// The API group; empty for the core group.
    pub group: String,
    /// `kind`.
    pub kind: String,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        f.write_str(" ")?;
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.name)
    }
}

/// One Kubernetes document of a cluster's files.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedObject {
    /// Which object this is.
    pub key: ObjectKey,
    /// The full `apiVersion`, e.g. `apps/v1`.
    pub api_version: String,
    /// The file it came from, relative to the assembly root.
    pub file: String,
    /// The construct path of the chart that rendered it; empty for a
    /// cluster's install inputs (Helm values, an IstioOperator), which
    /// belong to the cluster rather than to one chart.
    pub chart: String,
    /// The whole document.
    pub body: Json,
}

/// An assembly read back and parsed: templates and objects as JSON trees.
#[derive(Debug, Clone)]
pub struct LoadedAssembly {
    /// The parsed `manifest.json`.
    pub manifest: Manifest,
    /// Stack name → template, in manifest order.
    pub templates: IndexMap<String, Json>,
    /// Cluster name → its objects, in file order.
    pub clusters: IndexMap<String, Vec<LoadedObject>>,
}

impl LoadedAssembly {
    /// Parses a freshly synthesized assembly with the same checks as one on disk.
    pub fn from_assembly(assembly: &Assembly) -> Result<LoadedAssembly, LoadError> {
        parse_assembly_files(&assembly.all_files(), &LoadLimits::default())
    }
}

/// Loads the assembly in `dir` with the default limits.
pub fn load_assembly(dir: &Path) -> Result<LoadedAssembly, LoadError> {
    load_assembly_with(dir, &LoadLimits::default())
}

/// Loads the assembly in `dir` with the given limits.
pub fn load_assembly_with(dir: &Path, limits: &LoadLimits) -> Result<LoadedAssembly, LoadError> {
    load_from(&mut dir_source(dir, limits)?)
}

/// Loads two assemblies for `diff`, which reports only what differs: a
/// Kubernetes document that is byte-identical on both sides (once on each,
/// in the same cluster and file) is left out of both before YAML parsing,
/// and a template that is byte-identical on both sides is parsed once.
/// Everything else is loaded and checked as [`load_assembly`] does; a side
/// that fails to load is loaded again in full, so its error names the same
/// file, document and line.
pub fn load_assembly_pair(
    new: &Path,
    old: &Path,
) -> Result<(LoadedAssembly, LoadedAssembly), LoadError> {
    let (mut after, mut before, shared) = load_pair_shared(new, old)?;
    for name in shared.names() {
        let tree = shared.get(name).cloned().unwrap_or(Json::Null);
        for side in [&mut after, &mut before] {
            if let Some(slot) = side.templates.get_mut(name) {
                slot.clone_from(&tree);
            }
        }
    }
    Ok((after, before))
}

/// [`load_assembly_pair`] without parsing what both sides share: the
/// templates of the stacks in the returned [`SharedTemplates`] are `null`
/// placeholders on both sides ([`crate::diff`] reads them from there, if
/// at all).
pub(crate) fn load_pair_shared(
    new: &Path,
    old: &Path,
) -> Result<(LoadedAssembly, LoadedAssembly, SharedTemplates), LoadError> {
    let limits = LoadLimits::default();
    let (mut a, mut b) = (dir_source(new, &limits)?, dir_source(old, &limits)?);
    let (manifests, caches, skip, shared) = match prepare(&mut a, &mut b) {
        Ok(p) => (
            (Some(p.manifests.0), Some(p.manifests.1)),
            p.caches,
            p.skip,
            p.shared,
        ),
        // A broken manifest or file: the plain loader says what is wrong.
        Err(_) => {
            a = dir_source(new, &limits)?;
            b = dir_source(old, &limits)?;
            Default::default()
        }
    };
    let mut src_a = CachedSource {
        inner: a,
        cache: caches.0,
        shared: skip.0,
    };
    let mut src_b = CachedSource {
        inner: b,
        cache: caches.1,
        shared: skip.1,
    };
    let (after, before) = std::thread::scope(|s| {
        let before = s.spawn(move || load_with(&mut src_b, manifests.1));
        let after = load_with(&mut src_a, manifests.0);
        // Invariant: loading never panics (the loader is fuzzed); a panic
        // here is a bug and is re-raised as one.
        (
            after,
            before
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    match (after, before) {
        (Ok(after), Ok(before)) => Ok((after, before, shared)),
        // Loaded again in full, so the error (or the result) is exactly
        // the plain loader's; every template is its own then.
        (after, before) => {
            let after = match after {
                Ok(a) if shared.names().next().is_none() => a,
                _ => load_assembly(new)?,
            };
            let before = match before {
                Ok(b) if shared.names().next().is_none() => b,
                _ => load_assembly(old)?,
            };
            Ok((after, before, SharedTemplates::default()))
        }
    }
}

fn load_from(src: &mut dyn Source) -> Result<LoadedAssembly, LoadError> {
    load_with(src, None)
}

/// Loads from `src`, whose manifest may already be parsed (`manifest`).
fn load_with(
    src: &mut dyn Source,
    manifest: Option<Manifest>,
) -> Result<LoadedAssembly, LoadError> {
    let manifest_path = src.display("manifest.json");
    // Names are unique, and every path is safe: parse_manifest checked them.
    let manifest = match manifest {
        Some(m) => m,
        None => parse_manifest(&manifest_path, &src.read("manifest.json")?)?,
    };
    let mut templates = IndexMap::new();
    for s in &manifest.stacks {
        let rel = checked(&manifest_path, &s.template)?;
        if src.shared(rel) {
            templates.insert(s.name.clone(), Json::Null);
            continue;
        }
        let shown = src.display(rel);
        let bytes = src.read(rel)?;
        let template = parse_template(&shown, &bytes)?;
        templates.insert(s.name.clone(), template);
    }

    let mut clusters: IndexMap<String, Vec<LoadedObject>> = IndexMap::new();
    for c in &manifest.clusters {
        checked(&manifest_path, &c.directory)?;
        let kustomization = checked(&manifest_path, &c.kustomization)?;
        // What kubectl applies is the kustomization: one that is not
        // exactly synth's would apply what the plan does not show.
        let shown = src.display(kustomization);
        let bytes = src.read(kustomization)?;
        super::rules::check_kustomization(c, &bytes).map_err(|message| LoadError::Invalid {
            path: shown,
            message,
        })?;
        let mut objects: Vec<LoadedObject> = Vec::new();
        let mut seen: BTreeMap<ObjectKey, String> = BTreeMap::new();
        for f in &c.files {
            let rel = checked(&manifest_path, &f.file)?;
            let shown = src.display(rel);
            let bytes = src.read(rel)?;
            for (key, api_version, body) in parse_k8s_documents(&shown, &bytes)? {
                if let Some(first) = seen.get(&key) {
                    return Err(LoadError::DuplicateObject {
                        path: shown,
                        object: key.to_string(),
                        cluster: c.name.clone(),
                        first: first.clone(),
                    });
                }
                seen.insert(key.clone(), f.file.clone());
                objects.push(LoadedObject {
                    key,
                    api_version,
                    file: f.file.clone(),
                    chart: f.chart.clone(),
                    body,
                });
            }
        }
        // Install inputs are compared too: an IstioOperator is an object of
        // its own; a Helm values file is keyed by its file name.
        for input in &c.install_inputs {
            let rel = checked(&manifest_path, &input.file)?;
            let shown = src.display(rel);
            let bytes = src.read(rel)?;
            let parsed = if input.kind == super::InstallInputKind::IstioOperator {
                parse_k8s_documents(&shown, &bytes)?
            } else {
                let text = std::str::from_utf8(&bytes).map_err(|e| LoadError::Parse {
                    path: shown.clone(),
                    message: format!("not valid UTF-8: {e}"),
                })?;
                let body = yaml_documents(&shown, text)?
                    .into_iter()
                    .next()
                    .unwrap_or(Json::Null);
                let name = input.file.rsplit('/').next().unwrap_or(&input.file);
                vec![(
                    ObjectKey {
                        group: "helm".into(),
                        kind: "HelmValues".into(),
                        namespace: None,
                        name: name.to_string(),
                    },
                    "helm/values".to_string(),
                    body,
                )]
            };
            for (key, api_version, body) in parsed {
                if let Some(first) = seen.get(&key) {
                    return Err(LoadError::DuplicateObject {
                        path: shown.clone(),
                        object: key.to_string(),
                        cluster: c.name.clone(),
                        first: first.clone(),
                    });
                }
                seen.insert(key.clone(), input.file.clone());
                objects.push(LoadedObject {
                    key,
                    api_version,
                    file: input.file.clone(),
                    // `input.chart` names a Helm chart (`istio/base`), not a
                    // construct: a stack pattern must not select it as one.
                    chart: String::new(),
                    body,
                });
            }
        }
        clusters.insert(c.name.clone(), objects);
    }
    Ok(LoadedAssembly {
        manifest,
        templates,
        clusters,
    })
}
