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

mod ahead;
mod conditions;
mod doc;
mod input;
mod kinds;
mod lenient;
mod lines;
mod load;
mod report;
mod yaml11;

use ahead::{Input, ReadFile};
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
    /// Documents that could not be read, one line each (file, line, why),
    /// when the input is several files: the rest is still analyzed, as
    /// `kubectl apply -f DIR` goes on with the other files, and the run
    /// fails at the end. A single file that cannot be read is an error.
    pub unreadable: Vec<String>,
}

impl Report {
    /// Whether any finding reaches `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        !self.unreadable.is_empty() || self.findings.iter().any(|f| f.level >= threshold)
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
/// alias bomb) stop the analysis with an error naming the file and line
/// when there is one source; with several, the document that cannot be
/// read (and the rest of its file) goes to [`Report::unreadable`] and the
/// other files are analyzed.
pub fn analyze_sources(sources: &[Source], opts: &Options) -> Result<Report, Error> {
    let inputs = sources.iter().map(Input::Given).collect();
    let groups = vec![("input".to_string(), inputs)];
    let loaded = load_inputs(&groups, &[], opts, false)?;
    Ok(analyze_loaded(loaded, false))
}

/// Analyzes a synthesized cloud assembly (files relative to its root, as in
/// [`crate::assembly::Assembly::all_files`]): each cluster directory is one
/// cluster, with its install inputs, and MS-MESH-7 applies, exactly as at synth.
/// The manifest is read as every reader reads it: version first, then
/// every name and path held to the rules synth writes by.
pub fn analyze_assembly(files: &[(String, Vec<u8>)], opts: &Options) -> Result<Report, Error> {
    let by_path: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let manifest_bytes = by_path.get("manifest.json").ok_or_else(|| Error::Io {
        path: "manifest.json".into(),
        message: "the assembly has no manifest.json; synthesize it again".into(),
        source: None,
    })?;
    let manifest =
        crate::assembly::parse_manifest("manifest.json", manifest_bytes).map_err(|e| {
            Error::Io {
                path: e.path().to_string(),
                message: format!("{}; synthesize the assembly again", load_message(&e)),
                source: None,
            }
        })?;
    let text = |p: &str, buf: &mut Vec<u8>| -> Result<(), Error> {
        let bytes = by_path.get(p).ok_or_else(|| Error::Io {
            path: p.to_string(),
            message: "listed in manifest.json but missing from the assembly".into(),
            source: None,
        })?;
        buf.extend_from_slice(bytes);
        Ok(())
    };
    analyze_clusters(&manifest, opts, &text)
}

/// An assembly file's bytes as text, and the length of the byte-order
/// mark it starts with (0 without one); an error naming `path` when they
/// are not UTF-8.
pub(super) fn assembly_text(path: &str, bytes: Vec<u8>) -> Result<(String, usize), Error> {
    let text = String::from_utf8(bytes).map_err(|e| Error::Io {
        path: path.to_string(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
        source: None,
    })?;
    let bom = text.len() - crate::untrusted::yaml::strip_bom(&text).len();
    Ok((text, bom))
}

/// Each cluster of `manifest` analyzed as one cluster, with its install
/// inputs; `source` reads a file by its path under the assembly root. The
/// install inputs are read first; the clusters' files as the reading
/// threads reach them.
fn analyze_clusters(
    manifest: &crate::assembly::Manifest,
    opts: &Options,
    source: ReadFile<'_>,
) -> Result<Report, Error> {
    let whole = |path: &str| -> Result<Source, Error> {
        let mut buf = Vec::new();
        source(path, &mut buf)?;
        let (mut text, bom) = assembly_text(path, buf)?;
        text.drain(..bom);
        Ok(Source {
            name: path.to_string(),
            text,
        })
    };
    let mut groups: Vec<(String, Vec<Input<'_>>)> = Vec::new();
    let mut installs: Vec<load::InstallFile> = Vec::new();
    for c in &manifest.clusters {
        let inputs = c.files.iter().map(|f| Input::File {
            path: f.file.clone(),
            read: source,
        });
        for i in &c.install_inputs {
            installs.push(load::InstallFile {
                cluster: c.name.clone(),
                source: whole(&i.file)?,
                kind: match i.kind {
                    crate::assembly::InstallInputKind::IstioOperator => "istio-operator",
                    crate::assembly::InstallInputKind::HelmValues => "helm-values",
                }
                .to_string(),
                chart: i.chart.clone(),
            });
        }
        groups.push((c.name.clone(), inputs.collect()));
    }
    let loaded = load_inputs(&groups, &installs, opts, true)?;
    Ok(analyze_loaded(loaded, true))
}

fn load_message(e: &crate::assembly::LoadError) -> String {
    let full = e.to_string();
    full.strip_prefix(e.path())
        .map(|r| r.trim_start_matches(": ").to_string())
        .unwrap_or(full)
}

/// The root of the cloud assembly `dir` belongs to, when `dir` is one (it
/// holds a `manifest.json` that is a meshsynth manifest this build reads)
/// or is its `k8s/` directory. A directory whose `manifest.json` is
/// anything else is not an assembly: its YAML files are analyzed as plain
/// files, so a stray `manifest.json` cannot make `analyze` skip them.
pub fn assembly_root(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    if !dir.is_dir() {
        return None;
    }
    let is_assembly = |d: &std::path::Path| {
        d.join("manifest.json").is_file()
            && crate::assembly::AssemblyDir::open(d, &crate::assembly::LoadLimits::default())
                .and_then(|a| a.manifest())
                .is_ok()
    };
    if is_assembly(dir) {
        return Some(dir.to_path_buf());
    }
    let parent = dir.parent()?;
    (dir.file_name()? == "k8s" && is_assembly(parent)).then(|| parent.to_path_buf())
}

/// Why `dir/manifest.json` does not make `dir` an assembly, when it is
/// there at all: said in a note when the directory is analyzed as plain files.
pub fn not_an_assembly_note(dir: &std::path::Path) -> Option<String> {
    if !dir.join("manifest.json").is_file() {
        return None;
    }
    let why = match crate::assembly::AssemblyDir::open(dir, &crate::assembly::LoadLimits::default())
        .and_then(|a| a.manifest())
    {
        Ok(_) => return None,
        Err(e) => load_message(&e),
    };
    Some(format!(
        "{}: not a meshsynth assembly ({why}); its YAML files are analyzed as plain files",
        crate::untrusted::inert(&dir.join("manifest.json").display().to_string())
    ))
}

/// Analyzes the cloud assembly at `root` as [`analyze_assembly`] does:
/// the files its `manifest.json` lists are read as its clusters (each
/// confined to the directory and bounded like `diff`'s reads), so the Helm
/// values and the manifest itself are never taken for Kubernetes objects.
/// Any other YAML file under the directory is analyzed too, as plain
/// input, with a note: nothing placed in an assembly escapes analysis
/// because its manifest does not list it.
pub fn analyze_assembly_dir(root: &std::path::Path, opts: &Options) -> Result<Report, Error> {
    use crate::assembly::{AssemblyDir, LoadLimits};
    let io = |e: crate::assembly::LoadError| Error::Io {
        path: e.path().to_string(),
        message: format!(
            "{}; synthesize the assembly again, or analyze its files by name",
            load_message(&e)
        ),
        source: None,
    };
    let dir = AssemblyDir::open(root, &LoadLimits::default()).map_err(io)?;
    let manifest = dir.manifest().map_err(io)?;
    let mut listed: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    listed.insert("manifest.json".into());
    for s in &manifest.stacks {
        listed.insert(s.template.clone());
    }
    for c in &manifest.clusters {
        listed.insert(c.kustomization.clone());
        let rels = c
            .files
            .iter()
            .map(|f| &f.file)
            .chain(c.install_inputs.iter().map(|i| &i.file));
        listed.extend(rels.cloned());
    }
    // Each file is read into a buffer the reading thread reuses.
    let source = |rel: &str, buf: &mut Vec<u8>| dir.read_file_into(rel, buf).map_err(io);
    let mut report = analyze_clusters(&manifest, opts, &source)?;
    // Findings name files as the user can open them (and as SARIF readers
    // resolve them): under the directory given, not the assembly root.
    for f in &mut report.findings {
        if let Some(file) = &mut f.file {
            *file = crate::untrusted::inert(&root.join(&*file).display().to_string()).into_owned();
        }
    }
    let unlisted = unlisted_files(root, &listed)?;
    if !unlisted.is_empty() {
        let mut notes = Vec::new();
        let sources = read_paths(&unlisted, &mut std::io::empty(), &mut notes)?;
        let extra = analyze_sources(&sources, opts)?;
        report.notes.push(format!(
            "{} file(s) under the assembly that its manifest.json does not list were analyzed as plain YAML: {}",
            unlisted.len(),
            unlisted
                .iter()
                .take(3)
                .map(|p| crate::untrusted::inert(&p.display().to_string()).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
                + if unlisted.len() > 3 { ", …" } else { "" }
        ));
        report.notes.extend(notes);
        report.notes.extend(extra.notes);
        report.objects += extra.objects;
        for (k, n) in extra.skipped {
            *report.skipped.entry(k).or_default() += n;
        }
        report.findings.extend(extra.findings);
    }
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

/// YAML and JSON files under `root` that `listed` (paths relative to the
/// root) does not name; deploy's own `resolved/` copy is left out.
fn unlisted_files(
    root: &std::path::Path,
    listed: &std::collections::BTreeSet<String>,
) -> Result<Vec<std::path::PathBuf>, Error> {
    let yaml = |p: &std::path::Path| {
        matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("yaml" | "yml" | "json")
        )
    };
    let walked = crate::untrusted::walk_confined(root, &yaml, 100_000).map_err(|e| Error::Io {
        path: crate::untrusted::inert(&root.display().to_string()).into_owned(),
        message: e.to_string(),
        source: None,
    })?;
    let resolved = root.join("resolved");
    let skip_resolved = resolved.join(".meshsynth-resolved").is_file();
    Ok(walked
        .files
        .into_iter()
        .filter(|f| {
            let rel = f
                .strip_prefix(root)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let ours = skip_resolved && f.starts_with(&resolved);
            !listed.contains(&rel) && !ours
        })
        .collect())
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

/// The inputs as loaded, for the analysis: nothing in it borrows their
/// text, so a caller that owns the inputs frees them before analyzing.
struct Loaded {
    app: App,
    report: Report,
    origins: std::collections::HashMap<String, Origin>,
    suppressions: Vec<Suppression>,
}

/// The inputs read into an app (the first half of an analysis).
fn load_inputs(
    groups: &[(String, Vec<Input<'_>>)],
    installs: &[load::InstallFile],
    opts: &Options,
    whole_clusters: bool,
) -> Result<Loaded, Error> {
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
    for s in &opts.suppress {
        let code = s.split_once('=').map_or("", |(c, _)| c);
        if let Some(new) = crate::core::renamed_rule(code) {
            let place = "--suppress";
            let note = crate::core::renamed_rule_note(place, code.trim(), new);
            report.notes.push(note);
        }
    }
    let origins = load::load(
        &mut app,
        groups,
        installs,
        opts,
        whole_clusters,
        &mut report,
    )?;
    Ok(Loaded {
        app,
        report,
        origins,
        suppressions,
    })
}

/// The analysis of what was loaded (the second half), findings named by
/// the objects' origins.
fn analyze_loaded(loaded: Loaded, whole_clusters: bool) -> Report {
    let Loaded {
        app,
        mut report,
        origins,
        suppressions,
    } = loaded;
    let mut diags = Vec::new();
    // Metadata too: synth checks it in its naming stage; here it is a finding.
    analysis::analyze_beside(&app, whole_clusters, true, &mut diags);
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
    // An object that did not fit its type was read leniently, with
    // defaults where the bad fields were: what the API server would say of
    // those defaults is not the author's mistake.
    let misread: std::collections::HashSet<(&str, &str, &str)> = said
        .iter()
        .filter_map(|(file, kind, name, _)| {
            Some((file.as_deref()?, kind.as_deref()?, name.as_deref()?))
        })
        .collect();
    let misread =
        |o: &Origin| misread.contains(&(o.file.as_str(), o.kind.as_str(), o.name.as_str()));
    for d in diags {
        let origin = origins.get(&d.path);
        if d.code.as_deref() == Some(codes::MS_K8S_3) && origin.is_some_and(misread) {
            continue;
        }
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
    if PROCESS_ENDS.get() {
        std::mem::forget((app, origins));
    }
    report
}

thread_local! {
    /// Set by [`before_exit`] for the calling thread.
    static PROCESS_ENDS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, in which `analyze` leaves the trees it builds unfreed: for the
/// CLI, whose process ends after the report. Freeing the 10k assembly's
/// 40,000 objects one by one was 6 % of its run (docs/performance.md).
pub(crate) fn before_exit<T>(f: impl FnOnce() -> T) -> T {
    PROCESS_ENDS.set(true);
    let result = f();
    PROCESS_ENDS.set(false);
    result
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
            code: crate::core::renamed_rule(code).unwrap_or(code).to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `analyze` runs the analysis on three threads; synth runs it on one.
    /// Both must find the same, in the same order, on every code's fixture.
    #[test]
    fn the_analysis_on_three_threads_finds_what_one_thread_finds() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analyze/codes");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let (mut findings, mut files) = (0, 0);
        for path in paths {
            let src = Source {
                name: path.display().to_string(),
                text: std::fs::read_to_string(&path).unwrap(),
            };
            let groups = vec![("cluster".to_string(), vec![Input::Given(&src)])];
            let Ok(Loaded { app, .. }) = load_inputs(&groups, &[], &Options::default(), true)
            else {
                continue;
            };
            files += 1;
            for namespaces in [true, false] {
                let mut one = Vec::new();
                if namespaces {
                    analysis::analyze(&app, &mut one);
                } else {
                    analysis::analyze_without_namespace_check(&app, &mut one);
                }
                let mut three = Vec::new();
                analysis::analyze_beside(&app, namespaces, false, &mut three);
                assert_eq!(one, three, "{}", src.name);
                findings += one.len();
            }
        }
        assert!(
            files > 100 && findings > 100,
            "{files} files, {findings} findings"
        );
    }
}
