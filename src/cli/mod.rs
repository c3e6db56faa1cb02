//! The command line of a platform binary: `synth`, `list` and offline `diff`.
//! clap parsing in one place, raw args turned into library options, results on
//! stdout, diagnostics on stderr. The only place in the library that prints.
//!
//! A user's platform crate calls [`main`] with its build function. The toolkit
//! (`meshsynth-cli`) reuses the argument types and the `*_command` functions and
//! adds what needs AWS: `deploy`, `destroy`, `bootstrap`, `diff --against deployed`.
//!
//! ```no_run
//! use meshsynth::{App, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     // add stacks, charts and constructs to `app` here
//!     # let _ = app;
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     meshsynth::cli::main(build)
//! }
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::assembly::{AssemblyWriter, FileSink};
use crate::core::{App, Context, Error};

mod diff_cmd;
use crate::diff::DeployedTemplates;
use crate::emit::cfn::TemplateFormat;
use crate::synth::{synth_into, synth_parts_into, SynthOptions, Synthesis};
pub use diff_cmd::diff_command;

/// Builds the user's app into the given `App`.
pub trait AppBuilder: Fn(&mut App) -> Result<(), Error> {}
impl<F: Fn(&mut App) -> Result<(), Error>> AppBuilder for F {}

#[derive(Parser, Debug)]
#[command(
    name = "meshsynth",
    version,
    about = "Synthesize CloudFormation templates and Kubernetes manifests for EKS + service-mesh platforms from a typed Rust model"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands of a platform binary.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Synthesize the app into a cloud assembly directory.
    Synth(SynthArgs),
    /// List every stack with its region, account and dependencies.
    List(ListArgs),
    /// Compare the app (or an assembly) with a saved assembly.
    Diff(DiffArgs),
    /// Run the mesh analyzers over Kubernetes YAML files, directories or stdin (`-`); without PATH, over the app's assembly.
    Analyze(AnalyzeArgs),
}

/// `analyze --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AnalyzeFormatArg {
    /// Lines like istioctl's.
    Text,
    /// One JSON document (schema in docs/mesh-analysis.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

/// `analyze --failure-threshold`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ThresholdArg {
    /// Fail on errors only (the default).
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
}

/// The arguments of `analyze`.
#[derive(Parser, Debug)]
pub struct AnalyzeArgs {
    /// Files, directories (walked for *.yaml, *.yml, *.json) or `-` for stdin. Default: the app's synthesized assembly.
    pub paths: Vec<PathBuf>,
    /// The Istio version the configuration targets (e.g. 1.28); fields newer than it are IST0106.
    #[arg(long, value_name = "MAJOR.MINOR")]
    pub istio_version: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AnalyzeFormatArg,
    /// The lowest level that makes the exit code 1.
    #[arg(long, value_enum, default_value = "error")]
    pub failure_threshold: ThresholdArg,
    /// Drop findings: CODE=Kind/namespace/name (CODE=Kind/name when cluster-scoped; `*` matches a segment). Repeatable.
    #[arg(long, value_name = "CODE=KIND/NS/NAME")]
    pub suppress: Vec<String>,
    /// Do not assume istioctl's default ingress gateway for Gateways selecting `istio: ingressgateway`.
    #[arg(long)]
    pub no_default_ingress: bool,
    /// Print every analyzer code with its level and a description, and exit.
    #[arg(long)]
    pub list_analyzers: bool,
    /// Context value for the app, when no PATH is given (e.g. -c services=6).
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Fail (exit 1) on warnings too, and when the input holds no object to analyze.
    #[arg(long)]
    pub strict: bool,
}

/// `synth --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    /// CloudFormation JSON (the default).
    Json,
    /// CloudFormation YAML.
    Yaml,
}

/// The arguments of `synth`.
#[derive(Parser, Debug)]
pub struct SynthArgs {
    /// Stack-name globs (e.g. 'genai-*'); default: every stack. Dependencies are included.
    pub stacks: Vec<String>,
    /// Output directory of the cloud assembly.
    #[arg(short = 'o', long = "output", default_value = "mesh.out")]
    pub output: PathBuf,
    /// Context value for the app, repeatable (e.g. -c services=6).
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Template format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: FormatArg,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

/// The arguments of `list`.
#[derive(Parser, Debug)]
pub struct ListArgs {
    /// Stack-name globs; default: every stack.
    pub stacks: Vec<String>,
    /// Context value for the app, repeatable.
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
}

/// `diff --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DiffFormatArg {
    /// Text for a terminal, coloured on a TTY (the default).
    Text,
    /// Markdown for a pull-request comment.
    Markdown,
    /// The versioned JSON plan (docs/diff.md).
    Json,
}

/// The arguments of `diff`.
#[derive(Parser, Debug)]
pub struct DiffArgs {
    /// Stack-name globs (e.g. 'genai-*'); default: every stack. Cluster objects follow their chart's stack.
    pub stacks: Vec<String>,
    /// The baseline: a saved assembly directory, or `deployed` for the live stacks (write ./deployed for a directory of that name).
    #[arg(long, value_name = "DIR|deployed")]
    pub against: String,
    /// Compare this assembly directory instead of synthesizing the app in memory.
    #[arg(long, value_name = "DIR")]
    pub assembly: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormatArg,
    /// Exit 2 when something changed, 0 when nothing did (1 stays for errors).
    #[arg(long)]
    pub exit_code: bool,
    /// Exit 3 when the plan deletes data (a stateful resource removed or
    /// replaced without a Retain or Snapshot policy), after printing it.
    #[arg(long)]
    pub fail_on_data_loss: bool,
    /// Context value for the app, repeatable (when synthesizing in memory).
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Also write the whole plan, nothing left out, as Markdown to FILE: the
    /// file to keep beside a comment shortened to GitHub's limit.
    #[arg(long, value_name = "FILE")]
    pub full_plan: Option<PathBuf>,
}

impl DiffArgs {
    /// Whether the baseline is the deployed stacks (`--against deployed`).
    pub fn against_deployed(&self) -> bool {
        self.against == "deployed"
    }
}

/// Fetches the deployed templates of the given stacks (name, region) for
/// `diff --against deployed`; the toolkit supplies one, the library has none.
pub type DeployedSource<'a> =
    &'a dyn Fn(&[(String, Option<String>)]) -> Result<Box<dyn DeployedTemplates>, String>;

/// The entry point of `meshsynth` and of a user's own infrastructure binary:
/// `fn main() -> ExitCode { meshsynth::cli::main(my_platform::build) }`.
pub fn main(build: impl AppBuilder) -> ExitCode {
    // Not locked for the whole run: a validation runs on its own thread,
    // and one that prints (`eprintln!` while debugging) would wait forever.
    let mut out = std::io::stdout();
    // Messages quote names, paths and endpoint answers: inert on stderr.
    let mut err = crate::untrusted::InertWriter::new(std::io::stderr());
    ExitCode::from(run_with_args(
        std::env::args_os(),
        &build,
        &mut out,
        &mut err,
    ))
}

/// Runs the CLI on `args` with explicit output streams; returns the exit code
/// (0 success, 1 error, 2 usage, 130 deploy interrupted). `main` is this with the process's streams.
pub fn run_with_args<I, T>(
    args: I,
    build: &impl AppBuilder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match parse::<Cli, _, _>(args, out, err) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    run_command(cli.command, build, out, err)
}

/// Parses `args` as `P`, or writes clap's message and returns the exit
/// code: 0 for `--help` and `--version` (on `out`; they are "errors" to clap
/// but succeed for users), 2 for bad arguments (on `err`). The toolkit's CLI
/// parses through here too.
pub fn parse<P, I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> Result<P, u8>
where
    P: clap::Parser,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    P::try_parse_from(args).map_err(|e| {
        let text = e.render().to_string();
        let _ = if e.use_stderr() {
            err.write_all(text.as_bytes())
        } else {
            out.write_all(text.as_bytes())
        };
        if e.use_stderr() {
            2
        } else {
            0
        }
    })
}

/// Runs one parsed subcommand; returns the exit code.
pub fn run_command(
    command: Command,
    build: &impl AppBuilder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match command {
        Command::Synth(args) => synth_command(args, build, out, err),
        Command::List(args) => list_command(args, build, out, err),
        Command::Diff(args) => diff_command(args, build, None, out, err),
        Command::Analyze(args) => analyze_command(args, build, out, err),
    }
}

/// `analyze`: findings on `out` in the chosen format, notes on `err`;
/// returns 0, 1 (a finding reached the threshold, or bad input) or 2
/// (bad arguments).
pub fn analyze_command(
    args: AnalyzeArgs,
    build: &impl AppBuilder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    use crate::analyze::{self, Format as AFormat, Options};
    use crate::core::Severity;
    if args.list_analyzers {
        return match analyze::list_analyzers(out) {
            Ok(()) => 0,
            Err(_) => 1,
        };
    }
    let opts = Options {
        istio_version: args.istio_version.clone(),
        assume_default_ingress: !args.no_default_ingress,
        suppress: args.suppress.clone(),
    };
    if let Err(e) = analyze::check_options(&opts) {
        report_error(&e, err);
        return 2;
    }
    // The process ends after the report: the analyzed tree is not freed.
    let result = analyze::before_exit(|| {
        if args.paths.is_empty() {
            build_and_synth(build, &args.context, &SynthOptions::default(), err)
                .and_then(|s| analyze::analyze_assembly(&s.assembly.all_files(), &opts))
        } else if let [one] = args.paths.as_slice() {
            match analyze::assembly_root(one) {
                Some(root) => analyze::analyze_assembly_dir(&root, &opts),
                None => analyze_paths(&args.paths, &opts).map(|mut r| {
                    if let Some(note) = analyze::not_an_assembly_note(one) {
                        r.notes.insert(0, note);
                    }
                    r
                }),
            }
        } else {
            analyze_paths(&args.paths, &opts)
        }
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            report_error(&e, err);
            return 1;
        }
    };
    let format = match args.format {
        AnalyzeFormatArg::Text => AFormat::Text,
        AnalyzeFormatArg::Json => AFormat::Json,
        AnalyzeFormatArg::Sarif => AFormat::Sarif,
    };
    if format == AFormat::Text {
        for n in &report.notes {
            let _ = writeln!(err, "note: {n}");
        }
        let skipped: usize = report.skipped.values().sum();
        if skipped > 0 {
            let kinds: Vec<String> = report
                .skipped
                .iter()
                .map(|(k, n)| format!("{} ({n})", crate::untrusted::inert(k)))
                .collect();
            let _ = writeln!(
                err,
                "note: {skipped} object(s) not analyzed (no analyzer reads their kind, or a system namespace): {}",
                kinds.join(", ")
            );
        }
    }
    // Every format: the report holds what was read; what was not is said
    // on stderr, and fails the run.
    for u in &report.unreadable {
        let _ = writeln!(err, "error: {}", crate::untrusted::inert(u));
    }
    if let Err(e) = analyze::render(&report, format, out) {
        let _ = writeln!(err, "error: writing the report: {e}");
        return 1;
    }
    // Said in every format (stderr is not the report): an empty run must
    // never pass for a clean one. An unreadable input already failed the
    // run with its own line, which says more than this would.
    if report.objects == 0 && report.unreadable.is_empty() {
        // Objects of kinds no analyzer reads are not "no object": the path
        // was right, and telling the user to check it would mislead.
        let skipped: usize = report.skipped.values().sum();
        let what = if skipped == 0 {
            "the input holds no Kubernetes object".to_string()
        } else {
            format!(
                "the input's {skipped} object(s) are all of kinds no analyzer reads, or in a system namespace"
            )
        };
        let _ = writeln!(
            err,
            "warning: nothing was analyzed: {what}{}",
            if args.strict {
                " (--strict: exit 1)"
            } else if skipped == 0 {
                "; check the PATH (with --strict this fails the run)"
            } else {
                " (with --strict this fails the run)"
            }
        );
        if args.strict {
            return 1;
        }
    }
    let mut threshold = match args.failure_threshold {
        ThresholdArg::Error => Severity::Error,
        ThresholdArg::Warning => Severity::Warning,
        ThresholdArg::Info => Severity::Info,
    };
    if args.strict {
        threshold = threshold.min(Severity::Warning);
    }
    u8::from(report.fails(threshold))
}

/// `analyze PATH...` of files and directories (not an assembly).
fn analyze_paths(
    paths: &[std::path::PathBuf],
    opts: &crate::analyze::Options,
) -> Result<crate::analyze::Report, Error> {
    use crate::analyze;
    let mut notes = Vec::new();
    let mut stdin = std::io::stdin().lock();
    analyze::read_paths(paths, &mut stdin, &mut notes).and_then(|sources| {
        let mut r = analyze::analyze_sources(&sources, opts)?;
        notes.append(&mut r.notes);
        r.notes = notes;
        Ok(r)
    })
}

/// Prints an error as the CLI does: each diagnostic on its own line, then
/// one `error:` line.
pub fn report_error(e: &Error, err: &mut dyn Write) {
    match e {
        Error::Diagnostics(diags) => {
            for d in diags {
                let _ = writeln!(err, "{d}");
            }
            // The findings are on the lines above; the last line counts them.
            let _ = writeln!(
                err,
                "error: synthesis failed with {} error(s); nothing was written",
                crate::core::error::count_errors(diags)
            );
        }
        other => {
            let _ = writeln!(err, "error: {other}");
        }
    }
}

/// Builds the app with the `-c` context values and synthesizes it in memory;
/// unused context keys are warned about on `err`.
pub fn build_and_synth(
    build: &impl AppBuilder,
    context: &[String],
    opts: &SynthOptions,
    err: &mut dyn Write,
) -> Result<Synthesis, Error> {
    let mut files = Vec::new();
    let mut synthesis = build_and_synth_into(build, context, opts, &mut files, err)?;
    synthesis.assembly.files = files;
    Ok(synthesis)
}

/// [`build_and_synth`] handing each file to `sink` as it is rendered (see
/// [`synth_into`]); the returned assembly's
/// `files` is empty.
pub fn build_and_synth_into(
    build: &impl AppBuilder,
    context: &[String],
    opts: &SynthOptions,
    sink: &mut dyn FileSink,
    err: &mut dyn Write,
) -> Result<Synthesis, Error> {
    let ctx = Context::from_pairs(context)?;
    let mut app = App::new(ctx);
    let built = build(&mut app);
    let unused = |app: &App, err: &mut dyn Write| {
        for key in app.context().unused_keys() {
            let _ = writeln!(
                err,
                "warning: context key {key:?} was not used by the app (misspelt?)"
            );
        }
    };
    if let Err(e) = built {
        unused(&app, err);
        // Diagnostics reported before the failure are still worth reading.
        for d in app.diagnostics() {
            let _ = writeln!(err, "{d}");
        }
        return Err(e);
    }
    if !app.has_parts() {
        unused(&app, err);
        crate::mesh::enable_checks(&mut app.root());
        return synth_into(app, opts, sink);
    }
    // Parts read their context values as they are built, during synthesis.
    let synthesis = synth_parts_into(app, opts, sink, &mut |part| {
        crate::mesh::enable_checks(&mut part.root())
    })?;
    unused(&synthesis.app, err);
    Ok(synthesis)
}

/// `synth`: writes the assembly atomically; returns the exit code.
pub fn synth_command(
    args: SynthArgs,
    build: &impl AppBuilder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    exit_code(synth_inner(args, build, out, err), err)
}

/// `list`: the stacks table; returns the exit code.
pub fn list_command(
    args: ListArgs,
    build: &impl AppBuilder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    exit_code(list_inner(args, build, out, err), err)
}

fn exit_code(r: Result<u8, Error>, err: &mut dyn Write) -> u8 {
    match r {
        Ok(code) => code,
        Err(e) => {
            report_error(&e, err);
            1
        }
    }
}

fn synth_inner(
    args: SynthArgs,
    build: &impl AppBuilder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let started = Instant::now();
    let opts = SynthOptions {
        format: match args.format {
            FormatArg::Json => TemplateFormat::Json,
            FormatArg::Yaml => TemplateFormat::Yaml,
        },
        strict: args.strict,
        patterns: args.stacks,
    };
    // Files are written while the rest renders; on an error the writer
    // removes what it wrote and the previous assembly stays.
    let mut writer = AssemblyWriter::begin(&args.output)?;
    let result = build_and_synth_into(build, &args.context, &opts, &mut writer, err)?;
    for note in &result.notes {
        let _ = writeln!(err, "note: {note}");
    }
    for d in &result.diagnostics {
        let _ = writeln!(err, "{d}");
    }
    writer.finish(&[("manifest.json".into(), result.assembly.manifest_bytes())])?;
    let m = &result.assembly.manifest;
    let objects: usize = m
        .clusters
        .iter()
        .flat_map(|c| &c.files)
        .map(|f| f.objects)
        .sum();
    let resources: usize = m.stacks.iter().map(|s| s.resource_count).sum();
    let _ = writeln!(
        err,
        "synthesized {} ({}) and {} ({}) to {} in {} ms",
        counted(m.stacks.len(), "stack"),
        counted(resources, "resource"),
        counted(m.clusters.len(), "cluster"),
        counted(objects, "object"),
        args.output.display(),
        started.elapsed().as_millis()
    );
    let _ = writeln!(out, "{}", args.output.display());
    // The process ends right after this: freeing the tree and the
    // assembly's buffers would only cost time (docs/performance.md).
    std::mem::forget(result);
    Ok(0)
}

fn list_inner(
    args: ListArgs,
    build: &impl AppBuilder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let opts = SynthOptions {
        patterns: args.stacks,
        ..Default::default()
    };
    let result = build_and_synth(build, &args.context, &opts, err)?;
    for note in &result.notes {
        let _ = writeln!(err, "note: {note}");
    }
    let _ = out.write_all(list_table(&result).as_bytes());
    Ok(0)
}

/// The `list` table: stack, region, account, dependencies; then clusters.
fn list_table(s: &Synthesis) -> String {
    let m = &s.assembly.manifest;
    let rows: Vec<[String; 4]> = m
        .stacks
        .iter()
        .map(|st| {
            [
                st.name.clone(),
                st.environment
                    .region
                    .clone()
                    .unwrap_or_else(|| "(any)".into()),
                st.environment
                    .account
                    .clone()
                    .unwrap_or_else(|| "(any)".into()),
                if st.dependencies.is_empty() {
                    "-".into()
                } else {
                    st.dependencies.join(", ")
                },
            ]
        })
        .collect();
    let header = ["STACK", "REGION", "ACCOUNT", "DEPENDS ON"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&header).chain(rows.iter()) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !m.clusters.is_empty() {
        let w = m
            .clusters
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0)
            .max("CLUSTER".len());
        out.push('\n');
        out.push_str(&format!("{:w$}  OBJECTS  DEFERRED INPUTS\n", "CLUSTER"));
        for c in &m.clusters {
            let objects: usize = c.files.iter().map(|f| f.objects).sum();
            out.push_str(&format!(
                "{:w$}  {:7}  {}\n",
                c.name,
                objects,
                c.deferred_inputs.len()
            ));
        }
    }
    out
}

/// `count` of `noun`, in the plural unless it is one: "1 cluster", "6 clusters".
fn counted(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        _ => format!("{count} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn counts_are_singular_only_for_one() {
        assert_eq!(super::counted(1, "cluster"), "1 cluster");
        assert_eq!(super::counted(0, "object"), "0 objects");
        assert_eq!(super::counted(6, "cluster"), "6 clusters");
    }
}
