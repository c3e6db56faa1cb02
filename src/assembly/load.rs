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
use serde_json::{Map, Value as Json};

use super::{Assembly, Manifest, MANIFEST_VERSION};
use crate::untrusted::{check_nesting, inert, read_regular, ReadError, MAX_NESTING};

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
    /// The construct path of the chart that rendered it.
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
/// in the same cluster and file) is left out of both before YAML parsing, which is
/// most of a diff's time and memory. Everything else is loaded and checked
/// as [`load_assembly`] does; a side that fails to load is loaded again in
/// full, so its error names the same file, document and line.
pub fn load_assembly_pair(
    new: &Path,
    old: &Path,
) -> Result<(LoadedAssembly, LoadedAssembly), LoadError> {
    let limits = LoadLimits::default();
    let mut sides = [dir_source(new, &limits)?, dir_source(old, &limits)?];
    let [a, b] = &mut sides;
    let (cache_a, cache_b) = match (cluster_files(a), cluster_files(b)) {
        (Ok(x), Ok(y)) => drop_common_documents(x, y),
        // A broken manifest or file: the plain loader says what is wrong.
        _ => (BTreeMap::new(), BTreeMap::new()),
    };
    let [a, b] = sides;
    let (after, before) = std::thread::scope(|s| {
        let before = s.spawn(move || {
            load_from(&mut CachedSource {
                inner: b,
                cache: cache_b,
            })
            .or_else(|_| load_assembly(old))
        });
        let after = load_from(&mut CachedSource {
            inner: a,
            cache: cache_a,
        })
        .or_else(|_| load_assembly(new));
        // Invariant: loading never panics (the loader is fuzzed); a panic
        // here is a bug and is re-raised as one.
        (
            after,
            before
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    Ok((after?, before?))
}

/// Cluster name → its Kubernetes files as (relative path, bytes).
type ClusterFiles = BTreeMap<String, Vec<(String, Vec<u8>)>>;

/// Every Kubernetes file of each cluster, read through the source's checks
/// and limits.
fn cluster_files(src: &mut AssemblyDir) -> Result<ClusterFiles, LoadError> {
    let manifest_path = src.display("manifest.json");
    let manifest_bytes = src.read("manifest.json")?;
    let manifest = parse_manifest(&manifest_path, &manifest_bytes)?;
    let mut out: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for c in &manifest.clusters {
        let files = out.entry(c.name.clone()).or_default();
        for f in &c.files {
            let rel = checked(&manifest_path, &f.file)?;
            if !files.iter().any(|(r, _)| r == rel) {
                files.push((rel.to_string(), src.read(rel)?));
            }
        }
    }
    // The loader reads the manifest again; count it once.
    src.total.fetch_sub(
        manifest_bytes.len() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    Ok(out)
}

/// The documents of a YAML stream as byte ranges, split at `---` lines (a
/// document marker cannot stand at column 0 inside a scalar). `None` when
/// the stream uses anything else between documents (directives, `...`,
/// content after `---`): such a file is parsed whole.
fn split_documents(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    while line_start < bytes.len() {
        let end = bytes[line_start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(bytes.len(), |i| line_start + i + 1);
        let line = &bytes[line_start..end];
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if bare == b"---" {
            docs.push(&bytes[start..line_start]);
            start = end;
        } else if bare.starts_with(b"---") || bare.starts_with(b"...") || bare.starts_with(b"%") {
            return None;
        }
        line_start = end;
    }
    docs.push(&bytes[start..]);
    Some(docs)
}

/// The two sides' files with every document found exactly once on each
/// side of a cluster removed from both; files that cannot be split safely
/// are kept whole.
fn drop_common_documents(
    a: ClusterFiles,
    b: ClusterFiles,
) -> (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    use std::collections::HashMap;
    let mut out_a = BTreeMap::new();
    let mut out_b = BTreeMap::new();
    for (cluster, files_a) in &a {
        let files_b = b.get(cluster).map(Vec::as_slice).unwrap_or_default();
        // A file that cannot be split safely has no documents to share.
        fn split(files: &[(String, Vec<u8>)]) -> Vec<Option<Vec<&[u8]>>> {
            files
                .iter()
                .map(|(_, bytes)| split_documents(bytes))
                .collect()
        }
        // Keyed by file too: the file names the chart, which the stack
        // filter reads, so a document that moved files is compared.
        fn count<'d>(
            files: &'d [(String, Vec<u8>)],
            docs: &[Option<Vec<&'d [u8]>>],
        ) -> HashMap<(&'d str, &'d [u8]), usize> {
            let mut m = HashMap::new();
            for ((rel, _), docs) in files.iter().zip(docs) {
                for d in docs.iter().flatten() {
                    if !d.iter().all(u8::is_ascii_whitespace) {
                        *m.entry((rel.as_str(), *d)).or_default() += 1;
                    }
                }
            }
            m
        }
        let (docs_a, docs_b) = (split(files_a), split(files_b));
        let (ca, cb) = (count(files_a, &docs_a), count(files_b, &docs_b));
        let common =
            |rel: &str, d: &[u8]| ca.get(&(rel, d)) == Some(&1) && cb.get(&(rel, d)) == Some(&1);
        let keep = |files: &[(String, Vec<u8>)],
                    docs: &[Option<Vec<&[u8]>>],
                    out: &mut BTreeMap<String, Vec<u8>>| {
            for ((rel, bytes), docs) in files.iter().zip(docs) {
                let Some(docs) = docs.as_ref().filter(|d| d.iter().any(|d| common(rel, d))) else {
                    out.insert(rel.clone(), bytes.clone());
                    continue;
                };
                let mut kept = Vec::with_capacity(bytes.len() / 4);
                for d in docs.iter().filter(|d| !common(rel, d)) {
                    if d.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    kept.extend_from_slice(b"---\n");
                    kept.extend_from_slice(d);
                }
                out.insert(rel.clone(), kept);
            }
        };
        keep(files_a, &docs_a, &mut out_a);
        keep(files_b, &docs_b, &mut out_b);
    }
    // A file listed by two clusters (a malformed manifest) is read whole
    // for each, from disk: its trimmed form belongs to one cluster only.
    for side in [&a, &b] {
        let mut seen = std::collections::BTreeSet::new();
        for (rel, _) in side.values().flatten() {
            if !seen.insert(rel.as_str()) {
                out_a.remove(rel);
                out_b.remove(rel);
            }
        }
    }
    (out_a, out_b)
}

/// A source that serves some files from memory (each once, as the loader
/// reads each once) and the rest from the directory.
struct CachedSource {
    inner: AssemblyDir,
    cache: BTreeMap<String, Vec<u8>>,
}

impl Source for CachedSource {
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError> {
        match self.cache.remove(rel) {
            Some(bytes) => Ok(bytes),
            None => self.inner.read(rel),
        }
    }

    fn display(&self, rel: &str) -> String {
        self.inner.display(rel)
    }
}

/// A directory source, after checking that `dir` is an assembly.
fn dir_source(dir: &Path, limits: &LoadLimits) -> Result<AssemblyDir, LoadError> {
    let shown = dir.to_path_buf();
    let meta = fs::metadata(dir).map_err(|e| LoadError::Io {
        path: dir.display().to_string(),
        message: format!("cannot read the assembly directory: {e}"),
    })?;
    if !meta.is_dir() {
        return Err(LoadError::Io {
            path: dir.display().to_string(),
            message: "is not a directory".into(),
        });
    }
    let root = fs::canonicalize(dir).map_err(|e| LoadError::Io {
        path: dir.display().to_string(),
        message: format!("cannot resolve the assembly directory: {e}"),
    })?;
    if !root.join("manifest.json").exists() {
        return Err(LoadError::NotAnAssembly {
            path: dir.join("manifest.json").display().to_string(),
        });
    }
    Ok(AssemblyDir {
        root,
        shown,
        limits: *limits,
        total: Default::default(),
    })
}

/// Parses an assembly given as (relative path → bytes), `manifest.json`
/// included: the in-memory twin of [`load_assembly`], used for synthesized
/// assemblies and by the fuzz target.
pub fn parse_assembly_files(
    files: &[(String, Vec<u8>)],
    limits: &LoadLimits,
) -> Result<LoadedAssembly, LoadError> {
    let mut src = MemSource {
        files: files
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect(),
        limits: *limits,
        total: 0,
    };
    load_from(&mut src)
}

/// Where the loader reads files from.
trait Source {
    /// The bytes of `rel` (already checked to be a safe relative path).
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError>;
    /// How to name `rel` in errors.
    fn display(&self, rel: &str) -> String;
}

/// The files of an assembly directory, read as untrusted input: every path
/// is checked to stay inside the directory (no `..`, no absolute path, no
/// symbolic link out of it), only regular files are read (never a FIFO or a
/// device), and each file and their sum are bounded by [`LoadLimits`]. The
/// one reader behind `diff`, `deploy` and `destroy`.
#[derive(Debug, Clone)]
pub struct AssemblyDir {
    /// Canonical root, to confine symlinks.
    root: PathBuf,
    /// The root as the user gave it, for messages.
    shown: PathBuf,
    limits: LoadLimits,
    /// Bytes read so far, over every clone of this reader.
    total: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl AssemblyDir {
    /// Opens `dir`, which must be a directory holding `manifest.json`.
    pub fn open(dir: &Path, limits: &LoadLimits) -> Result<AssemblyDir, LoadError> {
        dir_source(dir, limits)
    }

    /// The bytes of `rel` (a path relative to the assembly root, as
    /// manifest.json writes it), within the limits.
    pub fn read_file(&self, rel: &str) -> Result<Vec<u8>, LoadError> {
        let rel = checked(&self.display(rel), rel)?;
        let shown = self.display(rel);
        let io = |message: String| LoadError::Io {
            path: shown.clone(),
            message,
        };
        let joined = self.root.join(rel);
        let real = fs::canonicalize(&joined).map_err(|e| io(format!("cannot read: {e}")))?;
        // A symlink inside the assembly must not lead out of it.
        if !real.starts_with(&self.root) {
            return Err(LoadError::UnsafePath {
                path: shown,
                entry: inert(rel).into_owned(),
                reason: "resolves (through a symbolic link) outside the assembly directory".into(),
            });
        }
        let bytes = read_regular(&real, self.limits.max_file_bytes).map_err(|e| match e {
            ReadError::TooLarge(limit) => LoadError::TooLarge {
                path: shown.clone(),
                limit,
            },
            other => io(other.to_string()),
        })?;
        let total = self
            .total
            .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed)
            + bytes.len() as u64;
        if total > self.limits.max_total_bytes {
            return Err(LoadError::TotalTooLarge {
                path: shown,
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(bytes)
    }

    /// Reads and parses `manifest.json` (version checked first).
    pub fn manifest(&self) -> Result<Manifest, LoadError> {
        let bytes = self.read_file("manifest.json")?;
        parse_manifest(&self.display("manifest.json"), &bytes)
    }

    /// How `rel` is named in messages: under the directory given, inert.
    pub fn display(&self, rel: &str) -> String {
        inert(&self.shown.join(rel).display().to_string()).into_owned()
    }
}

impl Source for AssemblyDir {
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError> {
        self.read_file(rel)
    }

    fn display(&self, rel: &str) -> String {
        AssemblyDir::display(self, rel)
    }
}

struct MemSource<'a> {
    files: BTreeMap<&'a str, &'a [u8]>,
    limits: LoadLimits,
    total: u64,
}

impl Source for MemSource<'_> {
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError> {
        let bytes = self.files.get(rel).ok_or_else(|| LoadError::Io {
            path: rel.to_string(),
            message: "cannot read: no such file in the assembly".into(),
        })?;
        let len = bytes.len() as u64;
        if len > self.limits.max_file_bytes {
            return Err(LoadError::TooLarge {
                path: rel.to_string(),
                limit: self.limits.max_file_bytes,
            });
        }
        self.total += len;
        if self.total > self.limits.max_total_bytes {
            return Err(LoadError::TotalTooLarge {
                path: rel.to_string(),
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(bytes.to_vec())
    }

    fn display(&self, rel: &str) -> String {
        rel.to_string()
    }
}

/// Why `entry` (a path from manifest.json) is unsafe, if it is.
fn unsafe_reason(entry: &str) -> Option<&'static str> {
    if entry.is_empty() {
        return Some("the path is empty");
    }
    if entry.contains('\0') {
        return Some("the path contains a NUL byte");
    }
    if entry.starts_with('/') || entry.starts_with('\\') {
        return Some("absolute paths are not allowed; paths are relative to the assembly root");
    }
    if entry.contains('\\') {
        return Some("backslashes are not allowed; use / as separator");
    }
    let bytes = entry.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Some("drive-letter paths are not allowed");
    }
    for part in entry.split('/') {
        match part {
            ".." => return Some("`..` would leave the assembly directory"),
            "" | "." => return Some("empty or `.` path components are not allowed"),
            _ => {}
        }
    }
    None
}

fn checked<'e>(manifest_path: &str, entry: &'e str) -> Result<&'e str, LoadError> {
    // The error names manifest.json: that is where the bad entry is.
    match unsafe_reason(entry) {
        None => Ok(entry),
        Some(reason) => Err(LoadError::UnsafePath {
            path: manifest_path.to_string(),
            entry: entry.to_string(),
            reason: reason.to_string(),
        }),
    }
}

fn load_from(src: &mut dyn Source) -> Result<LoadedAssembly, LoadError> {
    let manifest_path = src.display("manifest.json");
    let bytes = src.read("manifest.json")?;
    let manifest = parse_manifest(&manifest_path, &bytes)?;

    let mut stack_names = BTreeMap::new();
    for s in &manifest.stacks {
        if stack_names.insert(s.name.as_str(), ()).is_some() {
            return Err(LoadError::Manifest {
                path: manifest_path,
                message: format!("stack {:?} is listed twice", s.name),
            });
        }
    }
    let mut templates = IndexMap::new();
    for s in &manifest.stacks {
        let rel = checked(&manifest_path, &s.template)?;
        let shown = src.display(rel);
        let bytes = src.read(rel)?;
        let template = parse_template(&shown, &bytes)?;
        templates.insert(s.name.clone(), template);
    }

    let mut clusters: IndexMap<String, Vec<LoadedObject>> = IndexMap::new();
    for c in &manifest.clusters {
        if clusters.contains_key(&c.name) {
            return Err(LoadError::Manifest {
                path: manifest_path,
                message: format!("cluster {:?} is listed twice", c.name),
            });
        }
        checked(&manifest_path, &c.directory)?;
        checked(&manifest_path, &c.kustomization)?;
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
                    chart: input.chart.clone().unwrap_or_default(),
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

/// Checks the schema version first, so a manifest of another version gets a
/// version error rather than a confusing field error.
fn parse_manifest(path: &str, bytes: &[u8]) -> Result<Manifest, LoadError> {
    let json: Json = serde_json::from_slice(bytes).map_err(|e| LoadError::Manifest {
        path: path.to_string(),
        message: format!("not valid JSON: {e}"),
    })?;
    let Some(obj) = json.as_object() else {
        return Err(LoadError::Manifest {
            path: path.to_string(),
            message: "expected a JSON object".into(),
        });
    };
    match obj.get("version") {
        Some(Json::String(v)) if v == MANIFEST_VERSION => {}
        Some(Json::String(v)) => {
            return Err(LoadError::Version {
                path: path.to_string(),
                found: format!("{v:?}"),
                expected: format!("{MANIFEST_VERSION:?}"),
            })
        }
        Some(other) => {
            return Err(LoadError::Version {
                path: path.to_string(),
                found: other.to_string(),
                expected: format!("{MANIFEST_VERSION:?}"),
            })
        }
        None => {
            return Err(LoadError::Manifest {
                path: path.to_string(),
                message: "no \"version\" field; this is not a meshsynth manifest".into(),
            })
        }
    }
    serde_json::from_value(json).map_err(|e| LoadError::Manifest {
        path: path.to_string(),
        message: e.to_string(),
    })
}

/// Parses a CloudFormation template (JSON, or YAML with long- or short-form
/// intrinsics) and checks its `Resources` shape. Shared with deploy, which
/// reads deployed templates from GetTemplate.
pub fn parse_template(path: &str, bytes: &[u8]) -> Result<Json, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| LoadError::Parse {
        path: path.to_string(),
        message: format!("not valid UTF-8: {e}"),
    })?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let value = if trimmed.starts_with('{') || path.ends_with(".json") {
        serde_json::from_str::<Json>(trimmed).map_err(|e| LoadError::Parse {
            path: path.to_string(),
            message: format!("not valid JSON: {e}"),
        })?
    } else {
        let mut docs = yaml_documents(path, trimmed)?;
        match docs.len() {
            1 => docs.remove(0),
            0 => {
                return Err(LoadError::Parse {
                    path: path.to_string(),
                    message: "empty template".into(),
                })
            }
            n => {
                return Err(LoadError::Parse {
                    path: path.to_string(),
                    message: format!("a template is one YAML document, found {n}"),
                })
            }
        }
    };
    let invalid = |message: String| LoadError::Invalid {
        path: path.to_string(),
        message,
    };
    let Some(obj) = value.as_object() else {
        return Err(invalid("a template must be an object".into()));
    };
    if let Some(resources) = obj.get("Resources") {
        let Some(resources) = resources.as_object() else {
            return Err(invalid("Resources must be an object".into()));
        };
        for (id, r) in resources {
            match r.get("Type") {
                Some(Json::String(_)) => {}
                _ => return Err(invalid(format!("Resources.{id}: Type must be a string"))),
            }
            if let Some(p) = r.get("Properties") {
                if !p.is_object() {
                    return Err(invalid(format!(
                        "Resources.{id}: Properties must be an object"
                    )));
                }
            }
        }
    }
    for section in ["Outputs", "Parameters", "Conditions"] {
        if let Some(s) = obj.get(section) {
            if !s.is_object() {
                return Err(invalid(format!("{section} must be an object")));
            }
        }
    }
    Ok(value)
}

/// Parses a multi-document Kubernetes YAML file into keyed objects.
fn parse_k8s_documents(
    path: &str,
    bytes: &[u8],
) -> Result<Vec<(ObjectKey, String, Json)>, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| LoadError::Parse {
        path: path.to_string(),
        message: format!("not valid UTF-8: {e}"),
    })?;
    let mut out = Vec::new();
    for (i, doc) in yaml_documents(path, text)?.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let invalid = |message: &str| LoadError::Invalid {
            path: path.to_string(),
            message: format!("document {i}: {message}"),
        };
        let Some(obj) = doc.as_object() else {
            return Err(invalid("a Kubernetes object must be a mapping"));
        };
        let api_version = obj
            .get("apiVersion")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("apiVersion must be a non-empty string"))?
            .to_string();
        let kind = obj
            .get("kind")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("kind must be a non-empty string"))?
            .to_string();
        let meta = obj
            .get("metadata")
            .and_then(Json::as_object)
            .ok_or_else(|| invalid("metadata must be a mapping"))?;
        let name = meta
            .get("name")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("metadata.name must be a non-empty string"))?
            .to_string();
        let namespace = match meta.get("namespace") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(_) => return Err(invalid("metadata.namespace must be a string")),
        };
        let group = api_version
            .rsplit_once('/')
            .map(|(g, _)| g.to_string())
            .unwrap_or_default();
        out.push((
            ObjectKey {
                group,
                kind,
                namespace,
                name,
            },
            api_version,
            doc,
        ));
    }
    Ok(out)
}

/// Every document of a YAML stream, converted to JSON.
fn yaml_documents(path: &str, text: &str) -> Result<Vec<Json>, LoadError> {
    use serde::Deserialize;
    // libyaml is quadratic in nesting depth: bound it before parsing.
    check_nesting(text, MAX_NESTING).map_err(|e| LoadError::Parse {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v = serde_yaml::Value::deserialize(doc).map_err(|e| LoadError::Parse {
            path: path.to_string(),
            message: format!("not valid YAML: {e}"),
        })?;
        out.push(yaml_to_json(v).map_err(|message| LoadError::Parse {
            path: path.to_string(),
            message,
        })?);
    }
    Ok(out)
}

/// YAML → JSON. CloudFormation short-form tags become their long form
/// (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
/// `!Sub s` → `{"Fn::Sub": s}`); scalar mapping keys become strings, as
/// `sigs.k8s.io/yaml` does.
fn yaml_to_json(v: serde_yaml::Value) -> Result<Json, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Json::Number)
                    .unwrap_or_else(|| Json::String(n.to_string()))
            }
        }
        Y::String(s) => Json::String(s),
        Y::Sequence(seq) => Json::Array(
            seq.into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_string(),
                    _ => return Err("not valid YAML: a mapping key must be a scalar".into()),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Json::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let value = yaml_to_json(t.value)?;
            let (key, value) = match name.as_str() {
                "Ref" | "Condition" => (name.clone(), value),
                "GetAtt" => match value {
                    Json::String(s) => match s.split_once('.') {
                        Some((a, b)) => ("Fn::GetAtt".to_string(), serde_json::json!([a, b])),
                        None => ("Fn::GetAtt".to_string(), Json::String(s)),
                    },
                    other => ("Fn::GetAtt".to_string(), other),
                },
                _ => (format!("Fn::{name}"), value),
            };
            let mut m = Map::new();
            m.insert(key, value);
            Json::Object(m)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(stacks: Json, clusters: Json) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "version": "1", "stacks": stacks, "clusters": clusters
        }))
        .unwrap()
    }

    fn stack(name: &str, template: &str) -> Json {
        serde_json::json!({
            "name": name, "path": name,
            "environment": {"account": null, "region": null},
            "template": template, "templateSize": 0, "dependencies": [],
            "parameters": {}, "outputs": {}, "terminationProtection": false,
            "resourceCount": 0, "escapeHatches": []
        })
    }

    fn cluster(files: &[&str]) -> Json {
        let files: Vec<Json> = files
            .iter()
            .map(|f| serde_json::json!({"file": f, "chart": "c", "objects": 1}))
            .collect();
        serde_json::json!([{
            "name": "main", "directory": "k8s/main",
            "kustomization": "k8s/main/kustomization.yaml", "files": files,
            "deferredInputs": [], "installInputs": [], "escapeHatches": []
        }])
    }

    fn parse(files: Vec<(&str, Vec<u8>)>) -> Result<LoadedAssembly, LoadError> {
        let files: Vec<(String, Vec<u8>)> =
            files.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        parse_assembly_files(&files, &LoadLimits::default())
    }

    #[test]
    fn loads_json_and_short_form_yaml_templates() {
        let a = parse(vec![
            (
                "manifest.json",
                manifest(
                    serde_json::json!([stack("a", "a.template.json"), stack("b", "b.yaml")]),
                    serde_json::json!([]),
                ),
            ),
            (
                "a.template.json",
                br#"{"Resources": {"X": {"Type": "AWS::SNS::Topic"}}}"#.to_vec(),
            ),
            (
                "b.yaml",
                b"Resources:\n  Y:\n    Type: AWS::SNS::Topic\n    Properties:\n      A: !Ref X\n      B: !GetAtt X.Arn\n      C: !Sub '${X}'\n"
                    .to_vec(),
            ),
        ])
        .unwrap();
        let y = &a.templates["b"]["Resources"]["Y"]["Properties"];
        assert_eq!(y["A"], serde_json::json!({"Ref": "X"}));
        assert_eq!(y["B"], serde_json::json!({"Fn::GetAtt": ["X", "Arn"]}));
        assert_eq!(y["C"], serde_json::json!({"Fn::Sub": "${X}"}));
    }

    #[test]
    fn rejects_escaping_paths() {
        for bad in [
            "../x.json",
            "/etc/passwd",
            "a/../../x",
            "C:\\x",
            "a\\b",
            "",
            "./a",
        ] {
            let err = parse(vec![(
                "manifest.json",
                manifest(serde_json::json!([stack("a", bad)]), serde_json::json!([])),
            )])
            .unwrap_err();
            assert!(
                matches!(err, LoadError::UnsafePath { .. }),
                "{bad:?}: {err}"
            );
            assert_eq!(err.path(), "manifest.json");
        }
    }

    #[test]
    fn rejects_other_versions_and_bad_manifests() {
        let err = parse(vec![(
            "manifest.json",
            br#"{"version": "2", "stacks": []}"#.to_vec(),
        )])
        .unwrap_err();
        assert!(err.to_string().contains("schema version \"2\""), "{err}");
        let err = parse(vec![("manifest.json", b"{not json".to_vec())]).unwrap_err();
        assert!(matches!(err, LoadError::Manifest { .. }));
        let err = parse(vec![]).unwrap_err();
        assert!(matches!(err, LoadError::Io { .. }));
    }

    #[test]
    fn rejects_duplicate_objects_and_bad_documents() {
        let doc = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n";
        let mut two = doc.to_vec();
        two.extend_from_slice(b"---\n");
        two.extend_from_slice(doc);
        let err = parse(vec![
            (
                "manifest.json",
                manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
            ),
            ("k8s/main/a.yaml", two),
        ])
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("duplicate Kubernetes object Service shop/web"),
            "{err}"
        );
        let err = parse(vec![
            (
                "manifest.json",
                manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
            ),
            (
                "k8s/main/a.yaml",
                b"kind: Service\nmetadata: {name: x}\n".to_vec(),
            ),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("apiVersion"), "{err}");
    }

    #[test]
    fn bounds_file_sizes() {
        let files = vec![
            (
                "manifest.json".to_string(),
                manifest(
                    serde_json::json!([stack("a", "a.json")]),
                    serde_json::json!([]),
                ),
            ),
            ("a.json".to_string(), vec![b' '; 2000]),
        ];
        let limits = LoadLimits {
            max_file_bytes: 1000,
            max_total_bytes: 10_000,
        };
        let err = parse_assembly_files(&files, &limits).unwrap_err();
        assert_eq!(
            err,
            LoadError::TooLarge {
                path: "a.json".into(),
                limit: 1000
            }
        );
    }

    #[test]
    fn rejects_invalid_templates() {
        for (body, want) in [
            (&b"{\"Resources\": ["[..], "not valid JSON"),
            (b"a: [\n", "not valid YAML"),
            (b"[1]", "must be an object"),
            (b"{\"Resources\": {\"X\": {}}}", "Type must be a string"),
        ] {
            let err = parse(vec![
                (
                    "manifest.json",
                    manifest(
                        serde_json::json!([stack("a", "a.tpl")]),
                        serde_json::json!([]),
                    ),
                ),
                ("a.tpl", body.to_vec()),
            ])
            .unwrap_err();
            assert!(err.to_string().contains(want), "{err}");
            assert_eq!(err.path(), "a.tpl");
        }
    }

    fn write_dir(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, bytes) in files {
            let p = dir.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        dir
    }

    fn cm(name: &str, value: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: {value}\n")
    }

    #[test]
    fn documents_split_at_marker_lines_only() {
        let docs = split_documents(b"---\na: 1\n---\nb: |\n  ---x\n").unwrap();
        assert_eq!(docs, vec![&b""[..], b"a: 1\n", b"b: |\n  ---x\n"]);
        assert!(split_documents(b"%YAML 1.2\n---\na: 1\n").is_none());
        assert!(split_documents(b"--- !x\na: 1\n").is_none());
        assert!(split_documents(b"a: 1\n...\n").is_none());
    }

    #[test]
    fn a_pair_leaves_out_only_documents_both_sides_share_in_the_same_file() {
        let side = |docs: &[String], other: &str| {
            let stream: String = docs.iter().map(|d| format!("---\n{d}")).collect();
            write_dir(&[
                (
                    "manifest.json",
                    manifest(
                        serde_json::json!([]),
                        cluster(&["k8s/main/a.yaml", "k8s/main/b.yaml"]),
                    ),
                ),
                ("k8s/main/a.yaml", stream.into_bytes()),
                ("k8s/main/b.yaml", other.as_bytes().to_vec()),
            ])
        };
        // A marker line with a comment: that file is not split, only parsed.
        let whole = format!("--- # one document\n{}", cm("whole", "1"));
        let new = side(
            &[cm("same", "1"), cm("changed", "2"), cm("new-only", "1")],
            &whole,
        );
        let old = side(
            &[cm("same", "1"), cm("changed", "1"), cm("old-only", "1")],
            &whole,
        );
        let (after, before) = load_assembly_pair(new.path(), old.path()).unwrap();
        let names = |a: &LoadedAssembly| -> Vec<String> {
            a.clusters["main"]
                .iter()
                .map(|o| o.key.name.clone())
                .collect()
        };
        assert_eq!(names(&after), ["changed", "new-only", "whole"]);
        assert_eq!(names(&before), ["changed", "old-only", "whole"]);
        assert_eq!(after.clusters["main"][0].body["data"]["v"], 2);
    }

    #[test]
    fn a_pair_side_that_fails_reports_what_the_plain_loader_reports() {
        let files = |bad: &str| {
            vec![
                (
                    "manifest.json",
                    manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
                ),
                (
                    "k8s/main/a.yaml",
                    format!("---\n{}---\n{bad}", cm("same", "1")).into_bytes(),
                ),
            ]
        };
        let new = write_dir(&files("apiVersion: v1\nkind: [\n"));
        let old = write_dir(&files(&cm("other", "1")));
        let plain = load_assembly(new.path()).unwrap_err();
        let paired = load_assembly_pair(new.path(), old.path()).unwrap_err();
        assert_eq!(paired, plain);
    }

    #[test]
    fn a_pair_reads_a_file_two_clusters_list_whole_for_each() {
        let mut clusters = cluster(&["k8s/shared.yaml"]);
        let mut second = clusters[0].clone();
        second["name"] = "other".into();
        clusters.as_array_mut().unwrap().push(second);
        let side = |value: &str| {
            let stream = format!("---\n{}---\n{}", cm("same", "1"), cm("changed", value));
            write_dir(&[
                (
                    "manifest.json",
                    manifest(serde_json::json!([]), clusters.clone()),
                ),
                ("k8s/shared.yaml", stream.into_bytes()),
            ])
        };
        let (new, old) = (side("2"), side("1"));
        let (after, _) = load_assembly_pair(new.path(), old.path()).unwrap();
        for c in ["main", "other"] {
            let names: Vec<&str> = after.clusters[c]
                .iter()
                .map(|o| o.key.name.as_str())
                .collect();
            assert_eq!(names, ["same", "changed"], "cluster {c}");
        }
    }
}
