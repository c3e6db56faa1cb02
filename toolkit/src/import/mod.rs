//! `meshsynth import cfn|k8s`: CloudFormation templates, or Kubernetes and
//! Istio YAML, to a platform crate of typed code, as `cdk migrate` does for
//! templates, proven rather than hoped: the crate is compiled and
//! synthesized, and each stack compared with the template it came from,
//! each chart with the objects of its file. A file that cannot be imported
//! is refused with the reason and gets no module; the crate is written
//! whole or not at all.

mod cfn;
mod k8s;
mod scaffold;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use meshsynth::core::Error;
use meshsynth::untrusted::inert;

pub use verify::Verdict;

/// The arguments of `import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What to import.
    #[command(subcommand)]
    pub source: ImportSource,
}

/// What `import` reads.
#[derive(Subcommand, Debug)]
pub enum ImportSource {
    /// CloudFormation templates (files, or directories walked for .yaml, .yml, .json and .template) to a platform crate that synthesizes them back.
    Cfn(CfnImportArgs),
    /// Kubernetes and Istio YAML (files, directories walked for .yaml, .yml and .json, or - for standard input) to a platform crate of typed objects that synthesizes them back.
    K8s(K8sImportArgs),
}

/// The arguments of `import cfn`.
#[derive(Args, Debug)]
pub struct CfnImportArgs {
    /// Template files or directories.
    #[arg(required_unless_present = "stack", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A deployed stack whose template (as submitted, before transforms) to import; repeat for several. The stack in the code keeps its name, so deploying the code updates it.
    #[arg(long = "stack", value_name = "NAME")]
    pub stack: Vec<String>,
    /// Where to find AWS, for --stack.
    #[command(flatten)]
    pub connect: crate::deploy_cmd::ConnectArgs,
    /// The crate to write.
    #[command(flatten)]
    pub krate: CrateArgs,
}

/// The arguments of `import k8s`.
#[derive(Args, Debug)]
pub struct K8sImportArgs {
    /// YAML or JSON files, directories, or - for standard input (`kustomize build . | meshsynth import k8s - --out DIR`).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The cluster every chart deploys to (the assembly's `k8s/<cluster>/`); `{chart}` in it is each chart's name, for files that hold the same objects.
    #[arg(long, default_value = "main")]
    pub cluster: String,
    /// The namespace of namespaced objects that give none, as `kubectl apply -n` (written as the charts' namespace).
    #[arg(long, short = 'n', default_value = "default")]
    pub namespace: String,
    /// The crate to write.
    #[command(flatten)]
    pub krate: CrateArgs,
}

/// Where and how `import` writes the crate.
#[derive(Args, Debug)]
pub struct CrateArgs {
    /// Directory of the new crate, created if missing; or of a crate an earlier import wrote, which gets the new modules beside its own (a stack import into a crate of charts, or the other way round).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Crate and platform name (lowercase letters, digits, '-'). Default: the directory's name.
    #[arg(long)]
    pub name: Option<String>,
    /// Write the crate without compiling and synthesizing it (the report then says "not verified").
    #[arg(long)]
    pub no_verify: bool,
    /// Depend on the meshsynth library at this path. Default: the library this toolkit was built from, when it is still there; else crates.io.
    #[arg(long, value_name = "DIR", conflicts_with = "meshsynth_git")]
    pub meshsynth_path: Option<PathBuf>,
    /// Depend on the meshsynth library from this git repository.
    #[arg(long, value_name = "URL")]
    pub meshsynth_git: Option<String>,
}

/// Most directory entries one import looks at.
const MAX_WALK_ENTRIES: usize = 100_000;

/// File names `import cfn` reads under a directory.
fn is_template_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json" | "template")
    )
}

/// File names `import k8s` reads under a directory (as kubectl does).
fn is_manifest_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// One input file, named as the report shows it.
struct Input {
    path: PathBuf,
    /// Relative to the directory given (the file name for a file given).
    rel: String,
    /// A deployed stack's template, and the stack's name (`--stack`).
    deployed: Option<(String, String)>,
}

/// The result for one input file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The file as the report names it.
    pub origin: String,
    /// The stack or chart and the module it became, when imported.
    pub module: Option<(String, String)>,
    /// Refused (the reason), or the verdict of the round trip.
    pub outcome: Result<Verdict, String>,
    /// What is not typed, and why.
    pub notes: Vec<String>,
    /// Rule findings suppressed in the code, as `Id: CODE` lines.
    pub suppressed: Vec<String>,
}

/// `meshsynth import`.
pub fn run(args: ImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    match args.source {
        ImportSource::Cfn(a) => run_cfn(&a, out, err),
        ImportSource::K8s(a) => run_k8s(&a, out, err),
    }
}

fn io(path: &Path, message: String) -> Error {
    Error::Io {
        path: inert(&path.display().to_string()).into_owned(),
        message,
        source: None,
    }
}

fn inputs(
    paths: &[PathBuf],
    accept: &dyn Fn(&Path) -> bool,
    notes: &mut Vec<String>,
) -> Result<Vec<Input>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input {
                path: p.clone(),
                rel: "stdin.yaml".into(),
                deployed: None,
            });
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| io(p, format!("cannot read: {e}")))?;
        if !meta.is_dir() {
            let rel = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string());
            out.push(Input {
                path: p.clone(),
                rel,
                deployed: None,
            });
            continue;
        }
        let walked = meshsynth::untrusted::fs::walk_confined(p, accept, MAX_WALK_ENTRIES)
            .map_err(|e| io(p, e.to_string()))?;
        notes.extend(walked.skipped);
        for f in walked.files {
            let rel = f
                .strip_prefix(p)
                .unwrap_or(&f)
                .to_string_lossy()
                .into_owned();
            out.push(Input {
                path: f,
                rel,
                deployed: None,
            });
        }
    }
    Ok(out)
}

/// What the per-kind loop made of the inputs.
struct Imported {
    results: Vec<FileResult>,
    modules: Vec<scaffold::Module>,
    features: BTreeSet<String>,
    /// What each module must synthesize to, in module order.
    expected: Vec<verify::Expected>,
}

impl Imported {
    fn new() -> Imported {
        Imported {
            results: Vec::new(),
            modules: Vec::new(),
            features: BTreeSet::new(),
            expected: Vec::new(),
        }
    }

    /// Results, modules and expectations in the order of `inputs` (the
    /// order a second pass may have changed).
    fn sort_by_origin(&mut self, inputs: &[Input]) {
        let rank = |o: &str| inputs.iter().position(|i| i.rel == o).unwrap_or(usize::MAX);
        self.results.sort_by_key(|r| rank(&r.origin));
        let mut paired: Vec<(scaffold::Module, verify::Expected)> = self
            .modules
            .drain(..)
            .zip(self.expected.drain(..))
            .collect();
        paired.sort_by_key(|(m, _)| rank(&m.origin));
        for (m, e) in paired {
            self.modules.push(m);
            self.expected.push(e);
        }
    }

    fn refused(&mut self, origin: &str, why: String) {
        self.results.push(FileResult {
            origin: origin.to_string(),
            module: None,
            outcome: Err(why),
            notes: Vec::new(),
            suppressed: Vec::new(),
        });
    }
}

fn walked(
    paths: &[PathBuf],
    accept: &dyn Fn(&Path) -> bool,
    err: &mut dyn Write,
) -> Result<Vec<Input>, Error> {
    let mut walk_notes = Vec::new();
    let inputs = inputs(paths, accept, &mut walk_notes)?;
    for n in &walk_notes {
        let _ = writeln!(err, "note: {}", inert(n));
    }
    Ok(inputs)
}

fn run_cfn(args: &CfnImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let mut inputs = walked(&args.paths, &is_template_name, err)?;
    if !args.stack.is_empty() {
        inputs.extend(cfn::deployed(&args.stack, &args.connect.options())?);
    }
    let shapes = cfn::Shapes::default();
    let mut taken = BTreeSet::new();
    let mut done = Imported::new();
    for input in &inputs {
        let (stack_name, fn_name) = match &input.deployed {
            // A deployed stack keeps its name; the function is named from it.
            Some((name, _)) => {
                let (_, f) = meshsynth_codegen::import::names_for(name, &mut taken);
                taken.insert(name.clone());
                (name.clone(), f)
            }
            None => meshsynth_codegen::import::names_for(&input.rel, &mut taken),
        };
        let text = match &input.deployed {
            Some((_, text)) => Ok(text.clone()),
            None => cfn::read(&input.path),
        };
        let written =
            text.and_then(|text| cfn::write(&text, &input.rel, &stack_name, &fn_name, &shapes));
        let w = match written {
            Err(why) => {
                taken.remove(&stack_name);
                done.refused(&input.rel, why);
                continue;
            }
            Ok(w) => w,
        };
        done.features.extend(w.code.features.iter().cloned());
        done.results.push(FileResult {
            origin: input.rel.clone(),
            module: Some((stack_name.clone(), fn_name.clone())),
            outcome: Ok(Verdict::Unverified("--no-verify".into())),
            notes: w.code.notes.clone(),
            suppressed: w
                .suppressed
                .iter()
                .flat_map(|(id, codes)| codes.iter().map(move |c| format!("{id}: {c}")))
                .collect(),
        });
        done.expected.push(verify::Expected::Template {
            stack: stack_name.clone(),
            template: w.template,
        });
        done.modules.push(scaffold::Module {
            kind: scaffold::Kind::Stack,
            origin: input.rel.clone(),
            name: stack_name,
            fn_name,
            code: w.code.code,
        });
    }
    finish(&args.krate, done, "template", out, err)
}

fn run_k8s(args: &K8sImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let inputs = walked(&args.paths, &is_manifest_name, err)?;
    let shapes = meshsynth_codegen::import::k8s::shapes::Shapes::embedded().map_err(|e| {
        io(
            Path::new("import k8s"),
            format!("the shape table is broken: {e}"),
        )
    })?;
    let mut taken = BTreeSet::new();
    let mut done = Imported::new();
    // Objects already imported, by (kind, namespace, name) in each cluster.
    let mut seen: BTreeMap<(String, String, String, String), String> = BTreeMap::new();
    let mut files = Vec::new();
    for input in &inputs {
        let text = match k8s::read(&input.path) {
            Ok(t) => t,
            Err(why) => {
                done.refused(&input.rel, why);
                continue;
            }
        };
        let (chart, fn_name) = meshsynth_codegen::import::names_for(&input.rel, &mut taken);
        let cluster = args.cluster.replace("{chart}", &dns_label(&chart));
        let claimed = meshsynth::mesh::include::read_objects(&input.rel, &text).and_then(|o| {
            let objects: Vec<serde_json::Value> = o.into_iter().map(|(j, _)| j).collect();
            claim(&objects, &input.rel, &cluster, &mut seen)
        });
        if let Err(why) = claimed {
            taken.remove(&chart);
            done.refused(&input.rel, why);
            continue;
        }
        files.push(k8s::File {
            text,
            origin: &input.rel,
            names: (chart, fn_name),
            cluster,
        });
    }
    let findings = k8s::findings(&files, &args.namespace);
    for (f, found) in files.iter().zip(findings) {
        let written = found.and_then(|s| k8s::write(f, &args.namespace, s, &shapes));
        let w = match written {
            Err(why) => {
                done.refused(f.origin, why);
                continue;
            }
            Ok(w) => w,
        };
        let (chart, fn_name) = f.names.clone();
        done.features.extend(w.code.features.iter().cloned());
        done.results.push(FileResult {
            origin: f.origin.to_string(),
            module: Some((chart.clone(), fn_name.clone())),
            outcome: Ok(Verdict::Unverified("--no-verify".into())),
            notes: w.code.notes.clone(),
            suppressed: w.suppressed.iter().map(|c| format!("chart: {c}")).collect(),
        });
        done.expected.push(verify::Expected::Objects {
            cluster: f.cluster.clone(),
            namespace: args.namespace.clone(),
            chart: chart.clone(),
            objects: w.objects,
        });
        done.modules.push(scaffold::Module {
            kind: scaffold::Kind::Chart,
            origin: f.origin.to_string(),
            name: chart,
            fn_name,
            code: w.code.code,
        });
    }
    // The report lists files in the order given, refused ones included.
    done.sort_by_origin(&inputs);
    finish(&args.krate, done, "file", out, err)
}

/// `name` as a DNS label (a cluster is a directory of the assembly named
/// by one): at most 63 characters, a long name cut and given a hash of the
/// whole so two long names stay apart.
fn dns_label(name: &str) -> String {
    if name.len() <= 63 {
        return name.to_string();
    }
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(name.as_bytes());
    let hex: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let head = name[..54].trim_end_matches('-');
    format!("{head}-{hex}")
}

/// Records the objects of a file in `seen`; an object another file of the
/// same cluster already holds refuses the file (one cluster cannot hold
/// it twice).
fn claim(
    objects: &[serde_json::Value],
    origin: &str,
    cluster: &str,
    seen: &mut BTreeMap<(String, String, String, String), String>,
) -> Result<(), String> {
    let key = |o: &serde_json::Value| {
        let s = |p: &str| {
            o.pointer(p)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        (
            cluster.to_string(),
            s("/kind"),
            s("/metadata/namespace"),
            s("/metadata/name"),
        )
    };
    for o in objects {
        if let Some(first) = seen.get(&key(o)) {
            let (_, kind, _, name) = key(o);
            return Err(format!(
                "holds {kind} {name}, which {} already holds for cluster {cluster} (import one of them, or give each file its own cluster with --cluster '{{chart}}')",
                inert(first)
            ));
        }
    }
    for o in objects {
        seen.insert(key(o), origin.to_string());
    }
    Ok(())
}

/// Writes the crate, verifies it unless told not to, writes IMPORT.md and
/// prints one line per file; exit 0 only when every file is identical
/// (or written, with `--no-verify`).
fn finish(
    args: &CrateArgs,
    mut done: Imported,
    noun: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    if done.modules.is_empty() {
        let why = match done.results.first() {
            Some(r) => format!(
                "nothing to import: {} of {} {noun}(s) refused, the first {}: {}",
                done.results.len(),
                done.results.len(),
                inert(&r.origin),
                inert(r.outcome.as_ref().err().map_or("", String::as_str))
            ),
            None => format!("nothing to import: no {noun} with a name import reads"),
        };
        return Err(io(&args.out, why));
    }
    // Into a crate an earlier import wrote (its modules beside the new
    // ones), or a new crate.
    let (name, files, previous_report) = if args.out.join("src/lib.rs").is_file() {
        let (name, files) = scaffold::extend(&args.out, &done.features, &done.modules)
            .map_err(|why| io(&args.out, why))?;
        let previous = std::fs::read_to_string(args.out.join("IMPORT.md")).unwrap_or_default();
        (name, files, previous)
    } else {
        let name = crate::init::platform_name(&args.out, args.name.as_deref())?;
        let dependency = crate::init::dependency(
            args.meshsynth_path.as_deref(),
            args.meshsynth_git.as_deref(),
        )?;
        let files = scaffold::files(&name, &dependency, &done.features, &done.modules);
        let existing: Vec<&str> = files
            .iter()
            .map(|(p, _)| p.as_str())
            .chain(["IMPORT.md"])
            .filter(|p| args.out.join(p).exists())
            .collect();
        if !existing.is_empty() {
            return Err(io(
                &args.out,
                format!(
                    "already holds {}; import writes a new crate: choose an empty directory",
                    existing.join(", ")
                ),
            ));
        }
        (name, files, String::new())
    };
    crate::init::write_all_or_nothing(&args.out, &files)?;
    let rust: Vec<PathBuf> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".rs"))
        .map(|(p, _)| args.out.join(p))
        .collect();
    if let Err(why) = rustfmt(&rust) {
        let _ = writeln!(err, "note: the code is not formatted: {}", inert(&why));
    }
    if !args.no_verify {
        let verdicts = verify::verify(&args.out, &name, &done.expected, err);
        let mut verdicts = verdicts.into_iter();
        for r in done.results.iter_mut().filter(|r| r.module.is_some()) {
            if let Some(v) = verdicts.next() {
                r.outcome = Ok(v);
            }
        }
    }
    let mut report = report(&name, noun, &done.results);
    if !previous_report.is_empty() {
        report = format!("{previous_report}\n---\n\n{report}");
    }
    std::fs::write(args.out.join("IMPORT.md"), &report)
        .map_err(|e| io(&args.out.join("IMPORT.md"), e.to_string()))?;
    print(&done.results, noun, &args.out, out, err);
    let clean = done.results.iter().all(|r| {
        matches!(r.outcome, Ok(Verdict::Identical)) || args.no_verify && r.outcome.is_ok()
    });
    Ok(if clean { 0 } else { 1 })
}

/// Formats the written modules in place with rustfmt, a process per core
/// over a share of the files. Only the stack and chart modules: the files
/// that declare modules (`lib.rs`, `mod.rs`) are written formatted, and
/// rustfmt given one of them would format every module it names again.
fn rustfmt(files: &[PathBuf]) -> Result<(), String> {
    let leaves: Vec<&PathBuf> = files
        .iter()
        .filter(|f| {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name != "lib.rs" && name != "mod.rs"
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = leaves.len().div_ceil(cores).max(1);
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    std::thread::scope(|scope| {
        let runs: Vec<_> = leaves
            .chunks(share)
            .map(|chunk| {
                let rustfmt = rustfmt.clone();
                scope.spawn(move || {
                    std::process::Command::new(rustfmt)
                        .args(["--edition", "2021"])
                        .args(chunk)
                        .output()
                })
            })
            .collect();
        for run in runs {
            let o = run
                .join()
                .map_err(|_| "rustfmt's thread panicked".to_string())?
                .map_err(|e| format!("rustfmt did not start ({e})"))?;
            if !o.status.success() {
                return Err(String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .next()
                    .unwrap_or("rustfmt failed")
                    .to_string());
            }
        }
        Ok(())
    })
}

fn status(r: &FileResult) -> String {
    let suppressed = if r.suppressed.is_empty() {
        String::new()
    } else {
        format!(
            " ({} rule finding(s) suppressed in the code)",
            r.suppressed.len()
        )
    };
    match &r.outcome {
        Ok(Verdict::Identical) => format!("identical{suppressed}"),
        Ok(Verdict::Different(d)) => format!("different: {d}"),
        Ok(Verdict::Unverified(why)) => format!("not verified: {why}"),
        Err(why) => format!("refused: {why}"),
    }
}

/// One line per template on `out`; the totals on `err`.
fn print(results: &[FileResult], noun: &str, dir: &Path, out: &mut dyn Write, err: &mut dyn Write) {
    let (folder, what) = if noun == "template" {
        ("stacks", "stack")
    } else {
        ("charts", "chart")
    };
    for r in results {
        let module = r
            .module
            .as_ref()
            .map(|(name, f)| format!(" -> src/{folder}/{f}.rs ({what} {name})"))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{module}: {}", inert(&r.origin), inert(&status(r)));
    }
    let count = |f: &dyn Fn(&FileResult) -> bool| results.iter().filter(|r| f(r)).count();
    let identical = count(&|r| matches!(r.outcome, Ok(Verdict::Identical)));
    let different = count(&|r| matches!(r.outcome, Ok(Verdict::Different(_))));
    let unverified = count(&|r| matches!(r.outcome, Ok(Verdict::Unverified(_))));
    let refused = count(&|r| r.outcome.is_err());
    let untyped: usize = results.iter().map(|r| r.notes.len()).sum();
    let _ = writeln!(
        err,
        "imported {} of {} {noun}(s) into {}: {identical} identical, {different} different, {unverified} not verified, {refused} refused; {untyped} part(s) not typed (IMPORT.md lists each)",
        results.len() - refused,
        results.len(),
        dir.display()
    );
}

/// IMPORT.md: each file, what it became, and every part not typed.
fn report(name: &str, noun: &str, results: &[FileResult]) -> String {
    let (command, what, normalized) = if noun == "template" {
        (
            "cfn",
            "stack",
            "the stack's template equals the source after normalization\n(key order, number and `Fn::GetAtt` spelling, parameter values as strings)",
        )
    } else {
        (
            "k8s",
            "chart",
            "the chart's objects equal the file's after normalization\n(key order, nulls dropped, a quantity written as a number read as its text)",
        )
    };
    let mut md = format!(
        "# Import report: {name}\n\nWritten by `meshsynth import {command}`. \"identical\": the crate was compiled and\nsynthesized, and {normalized}.\n\n| {noun} | {what} | result |\n|---|---|---|\n"
    );
    for r in results {
        let stack = r.module.as_ref().map(|(s, _)| s.as_str()).unwrap_or("-");
        md.push_str(&format!(
            "| `{}` | {} | {} |\n",
            cell(&r.origin),
            cell(stack),
            cell(&status(r))
        ));
    }
    let detailed: Vec<&FileResult> = results
        .iter()
        .filter(|r| !r.notes.is_empty() || !r.suppressed.is_empty())
        .collect();
    if !detailed.is_empty() {
        md.push_str("\n## Not typed, or suppressed\n");
        for r in detailed {
            md.push_str(&format!("\n`{}`:\n", cell(&r.origin)));
            for n in &r.notes {
                md.push_str(&format!("- {}\n", cell(n)));
            }
            for s in &r.suppressed {
                md.push_str(&format!("- suppressed in the code: {}\n", cell(s)));
            }
        }
    }
    md
}

/// Text safe inside a Markdown table cell (and free of terminal escapes).
fn cell(s: &str) -> String {
    inert(s)
        .replace('|', "\\|")
        .replace('`', "'")
        .replace('\n', " ")
}
