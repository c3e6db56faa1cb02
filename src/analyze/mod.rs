//! `meshsynth analyze`: the mesh analyzers over Kubernetes YAML that was not
//! written in the DSL (a GitOps repository, a Helm rendering, a synthesized
//! assembly). Each object is parsed into the same typed structs the DSL
//! builds, placed in a throw-away [`App`], and the one analyzer
//! implementation runs over it; findings then point at `file:line` and
//! `Kind ns/name` instead of a construct path.
//!
//! # Example
//!
//! ```
//! use meshsynth::analyze::{analyze_sources, Options, Source};
//!
//! let yaml = "\
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews, namespace: shop}
//! spec:
//!   hosts: [reviews]
//!   http:
//!   - route:
//!     - destination: {host: reviews, subset: v2}
//! ";
//! let report = analyze_sources(
//!     &[Source { name: "vs.yaml".into(), text: yaml.into() }],
//!     &Options::default(),
//! )
//! .unwrap();
//! let f = report.findings.iter().find(|f| f.code == "IST0101").unwrap();
//! assert_eq!((f.file.as_deref(), f.line), (Some("vs.yaml"), Some(1)));
//! ```

mod input;
mod lenient;
mod lines;
mod load;
mod report;
mod yaml11;

pub use input::{read_paths, Source, MAX_INPUT_BYTES};
pub use report::{list_analyzers, render, Format};

use crate::mesh::analysis::codes;
use std::collections::BTreeMap;

use crate::core::{App, Context, Error, Severity};
use crate::mesh::analysis;

/// How to analyze.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Istio version the configuration targets, e.g. `1.28`. Default: meshsynth's default target.
    pub istio_version: Option<String>,
    /// When a Gateway selects `istio: ingressgateway` and the input has no
    /// such workload, assume istioctl's default ingress gateway in
    /// `istio-system` (as `istioctl analyze` does on files). Default: true.
    pub assume_default_ingress: bool,
    /// Findings to drop, `CODE=Kind/namespace/name` (`CODE=Kind/name` for
    /// cluster-scoped kinds; `*` matches any one segment). Default: none.
    pub suppress: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            istio_version: None,
            assume_default_ingress: true,
            suppress: Vec::new(),
        }
    }
}

/// One finding, located in the input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// `IST0101`, `MS-MESH-3`, …
    pub code: String,
    /// Its level.
    pub level: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do about it, when the analyzer knows.
    pub hint: Option<String>,
    /// The file the object is in (`<stdin>` for standard input); none for
    /// findings about the input as a whole.
    pub file: Option<String>,
    /// The 1-based line the object starts on.
    pub line: Option<usize>,
    /// The object's kind.
    pub kind: Option<String>,
    /// The object's namespace (none for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// The object's name.
    pub name: Option<String>,
}

/// What an analysis found and what it read.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// Findings, sorted by file, line, code and message.
    pub findings: Vec<Finding>,
    /// Objects analyzed.
    pub objects: usize,
    /// Objects read but not analyzed, by kind (unknown kinds, kinds no
    /// analyzer looks at, objects in `kube-system`, `kube-public`, `kube-node-lease`).
    pub skipped: BTreeMap<String, usize>,
    /// Notes for the reader (skipped kustomizations, assumed gateways).
    pub notes: Vec<String>,
}

impl Report {
    /// Whether any finding reaches `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.level >= threshold)
    }
}

/// Where an object came from, to locate its findings.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub file: String,
    pub line: usize,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// Analyzes YAML/JSON texts as one cluster (as `istioctl analyze` does on
/// files). Input errors (invalid YAML, a document that is not an object, an
/// alias bomb) stop the analysis with an error naming the file and line.
pub fn analyze_sources(sources: &[Source], opts: &Options) -> Result<Report, Error> {
    let groups = vec![("input".to_string(), sources.iter().collect::<Vec<_>>())];
    run(&groups, &[], opts, false)
}

/// Analyzes a synthesized cloud assembly (files relative to its root, as in
/// [`crate::assembly::Assembly::all_files`]): each cluster directory is one
/// cluster, with its install inputs, and MS-MESH-7 applies, exactly as at synth.
pub fn analyze_assembly(files: &[(String, Vec<u8>)], opts: &Options) -> Result<Report, Error> {
    let manifest = files
        .iter()
        .find(|(p, _)| p == "manifest.json")
        .and_then(|(_, b)| serde_json::from_slice::<serde_json::Value>(b).ok())
        .ok_or_else(|| Error::Io {
            path: "manifest.json".into(),
            message: "the assembly has no readable manifest.json; synthesize it again".into(),
            source: None,
        })?;
    let by_path: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let text = |p: &str| -> Result<Source, Error> {
        let bytes = by_path.get(p).ok_or_else(|| Error::Io {
            path: p.to_string(),
            message: "listed in manifest.json but missing from the assembly".into(),
            source: None,
        })?;
        Ok(Source {
            name: p.to_string(),
            text: String::from_utf8_lossy(bytes).into_owned(),
        })
    };
    let mut owned: Vec<(String, Vec<Source>)> = Vec::new();
    let mut installs: Vec<load::InstallFile> = Vec::new();
    for c in manifest
        .get("clusters")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("cluster");
        let mut sources = Vec::new();
        for f in c
            .get("files")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(p) = f.get("file").and_then(|p| p.as_str()) {
                sources.push(text(p)?);
            }
        }
        for i in c
            .get("installInputs")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            let (Some(p), Some(kind)) = (
                i.get("file").and_then(|p| p.as_str()),
                i.get("kind").and_then(|k| k.as_str()),
            ) else {
                continue;
            };
            installs.push(load::InstallFile {
                cluster: name.to_string(),
                source: text(p)?,
                kind: kind.to_string(),
                chart: i.get("chart").and_then(|c| c.as_str()).map(str::to_string),
            });
        }
        owned.push((name.to_string(), sources));
    }
    let groups: Vec<(String, Vec<&Source>)> = owned
        .iter()
        .map(|(c, s)| (c.clone(), s.iter().collect()))
        .collect();
    run(&groups, &installs, opts, true)
}

/// The root of the cloud assembly `dir` belongs to, when `dir` is one (it
/// holds `manifest.json`) or is its `k8s/` directory.
pub fn assembly_root(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    if !dir.is_dir() {
        return None;
    }
    if dir.join("manifest.json").is_file() {
        return Some(dir.to_path_buf());
    }
    let parent = dir.parent()?;
    (dir.file_name()? == "k8s" && parent.join("manifest.json").is_file())
        .then(|| parent.to_path_buf())
}

/// Analyzes the cloud assembly at `root` as [`analyze_assembly`] does:
/// only the files its `manifest.json` lists are read (manifests and
/// install inputs, each confined to the directory and bounded like
/// `diff`'s reads), so the Helm values and the manifest itself are never
/// taken for Kubernetes objects.
pub fn analyze_assembly_dir(root: &std::path::Path, opts: &Options) -> Result<Report, Error> {
    use crate::assembly::{AssemblyDir, LoadLimits, Manifest};
    let io = |e: crate::assembly::LoadError| Error::Io {
        path: root.display().to_string(),
        message: format!("{e}; synthesize the assembly again, or analyze its files by name"),
        source: None,
    };
    let dir = AssemblyDir::open(root, &LoadLimits::default()).map_err(io)?;
    let manifest_bytes = dir.read_file("manifest.json").map_err(io)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| Error::Io {
        path: format!("{}/manifest.json", root.display()),
        message: format!("not a meshsynth manifest ({e}); analyze the YAML files by name instead"),
        source: None,
    })?;
    let mut files = vec![("manifest.json".to_string(), manifest_bytes)];
    for c in &manifest.clusters {
        let listed = c
            .files
            .iter()
            .map(|f| &f.file)
            .chain(c.install_inputs.iter().map(|i| &i.file));
        for rel in listed {
            files.push((rel.clone(), dir.read_file(rel).map_err(io)?));
        }
    }
    let mut report = analyze_assembly(&files, opts)?;
    report.notes.insert(
        0,
        format!(
            "{}: analyzed as a cloud assembly ({} cluster(s), the files its manifest.json lists)",
            crate::untrusted::text::inert(&root.display().to_string()),
            manifest.clusters.len()
        ),
    );
    Ok(report)
}

/// Checks the options a user typed (`--suppress` syntax, `--istio-version`)
/// before any input is read, so a typo is a usage error naming the flag.
pub fn check_options(opts: &Options) -> Result<(), Error> {
    for s in &opts.suppress {
        Suppression::parse(s)?;
    }
    if let Some(v) = &opts.istio_version {
        crate::mesh::istio::version::IstioVersion::parse(v).map_err(|e| Error::Io {
            path: "--istio-version".into(),
            message: format!("{e}; give MAJOR.MINOR, e.g. 1.28"),
            source: None,
        })?;
    }
    Ok(())
}

fn run(
    groups: &[(String, Vec<&Source>)],
    installs: &[load::InstallFile],
    opts: &Options,
    whole_clusters: bool,
) -> Result<Report, Error> {
    let suppressions = opts
        .suppress
        .iter()
        .map(|s| Suppression::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut pairs = Vec::new();
    if let Some(v) = &opts.istio_version {
        pairs.push(format!("{}={v}", crate::mesh::istio::version::CONTEXT_KEY));
    }
    let mut app = App::new(Context::from_pairs(&pairs)?);
    let mut report = Report::default();
    let origins = load::load(
        &mut app,
        groups,
        installs,
        opts,
        whole_clusters,
        &mut report,
    )?;
    let mut diags = Vec::new();
    if whole_clusters {
        analysis::analyze(&app, &mut diags);
    } else {
        analysis::analyze_without_namespace_check(&app, &mut diags);
    }
    // A rule the analyzers check by hand that the CRD check (or the typed
    // read) already reported for the same object and field is said once,
    // by the latter: it points at the field's line.
    type Said = (Option<String>, Option<String>, Option<String>, String);
    let field_of = |message: &str| message.split(": ").next().unwrap_or("").to_string();
    let said: std::collections::HashSet<Said> = report
        .findings
        .iter()
        .filter(|f| f.code == codes::IST0106)
        .map(|f| {
            (
                f.file.clone(),
                f.kind.clone(),
                f.name.clone(),
                field_of(&f.message),
            )
        })
        .collect();
    for d in diags {
        let origin = origins.get(&d.path);
        if d.code.as_deref() == Some(codes::IST0106) {
            if let Some(o) = origin {
                let key = (
                    Some(o.file.clone()),
                    Some(o.kind.clone()),
                    Some(o.name.clone()),
                    field_of(&d.message),
                );
                if said.contains(&key) {
                    continue;
                }
            }
        }
        let f = Finding {
            code: d.code.clone().unwrap_or_default(),
            level: d.severity,
            message: name_paths(&d.message, &origins),
            hint: d.hint,
            file: origin.map(|o| o.file.clone()),
            line: origin.map(|o| o.line),
            kind: origin.map(|o| o.kind.clone()),
            namespace: origin.and_then(|o| o.namespace.clone()),
            name: origin.map(|o| o.name.clone()),
        };
        report.findings.push(f);
    }
    report
        .findings
        .retain(|f| !suppressions.iter().any(|s| s.matches(f)));
    report.findings.sort_by(|a, b| {
        (&a.file, a.line, &a.code, &a.message).cmp(&(&b.file, b.line, &b.code, &b.message))
    });
    report.findings.dedup();
    Ok(report)
}

/// Replaces the construct paths of loaded objects (`c0/o-12`) that an
/// analyzer message names with `Kind ns/name (file:line)`.
fn name_paths(message: &str, origins: &std::collections::HashMap<String, Origin>) -> String {
    let b = message.as_bytes();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let at_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if at_word && b[i] == b'c' {
            // c<digits>/<letters>-<digits>
            let mut j = i + 1;
            let digits = |j: &mut usize| {
                let s = *j;
                while *j < b.len() && b[*j].is_ascii_digit() {
                    *j += 1;
                }
                *j > s
            };
            let ok = digits(&mut j) && j < b.len() && b[j] == b'/' && {
                j += 1;
                let s = j;
                while j < b.len() && b[j].is_ascii_lowercase() {
                    j += 1;
                }
                j > s && j < b.len() && b[j] == b'-' && {
                    j += 1;
                    digits(&mut j)
                }
            };
            if ok {
                if let Some(o) = origins.get(&message[i..j]) {
                    out.push_str(&message[copied..i]);
                    let ns = o
                        .namespace
                        .as_deref()
                        .map(|n| format!("{n}/"))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "{} {ns}{} ({}:{})",
                        o.kind, o.name, o.file, o.line
                    ));
                    copied = j;
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&message[copied..]);
    out
}

/// `--suppress CODE=Kind/ns/name`.
struct Suppression {
    code: String,
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl Suppression {
    fn parse(s: &str) -> Result<Suppression, Error> {
        let bad = || {
            Error::Io {
            path: "--suppress".into(),
            message: format!(
                "{s:?} is not CODE=Kind/namespace/name (or CODE=Kind/name); e.g. IST0102=Namespace/default"
            ),
            source: None,
        }
        };
        let (code, target) = s.split_once('=').ok_or_else(bad)?;
        let parts: Vec<&str> = target.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            [k, n] => (*k, None, *n),
            [k, ns, n] => (*k, Some(ns.to_string()), *n),
            _ => return Err(bad()),
        };
        if code.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(bad());
        }
        Ok(Suppression {
            code: code.to_string(),
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
        })
    }

    fn matches(&self, f: &Finding) -> bool {
        let seg = |pat: &str, v: Option<&str>| pat == "*" || Some(pat) == v;
        (self.code == "*" || self.code == f.code)
            && seg(&self.kind, f.kind.as_deref())
            && seg(&self.name, f.name.as_deref())
            && match &self.namespace {
                None => true,
                Some(ns) => seg(ns, f.namespace.as_deref()),
            }
    }
}
