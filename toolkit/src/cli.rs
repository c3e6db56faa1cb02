//! The toolkit's command line: the library's `synth`, `list`, `diff` and `analyze`, plus
//! `deploy`, `destroy`, `bootstrap`, `diff --against deployed`, `init` and
//! `completions`. The only place in the toolkit that parses arguments.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use clap::{Args, CommandFactory, Parser, Subcommand};
use meshsynth::cli::{self as lib, report_error, DeployedSource};
use meshsynth::core::{App, Error};
use meshsynth::diff::DeployedTemplates;

use crate::app::AppSource;
use crate::deploy::DeployedBaseline;
use crate::deploy_cmd::{self, ConnectArgs};
use crate::{drift_cmd, import, init};

#[derive(Parser, Debug)]
#[command(
    name = "meshsynth",
    version,
    about = "Synthesize, diff and deploy EKS + service-mesh platforms written in meshsynth's typed Rust model",
    after_help = "The app is the command in ./meshsynth.json ({\"app\": \"cargo run --\"}) or --app; without either, the built-in reference apps."
)]
struct Cli {
    /// The command that runs your platform binary (default: `app` of ./meshsynth.json, else the built-in reference apps).
    #[arg(long, global = true, value_name = "CMD")]
    app: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Synthesize the app into a cloud assembly directory.
    Synth(lib::SynthArgs),
    /// List every stack with its region, account and dependencies.
    List(lib::ListArgs),
    /// Compare the app (or an assembly) with a saved assembly or the deployed stacks.
    Diff(ToolkitDiffArgs),
    /// Run the mesh analyzers over Kubernetes YAML files, directories or stdin (`-`); without PATH, over the app's assembly.
    Analyze(lib::AnalyzeArgs),
    /// Deploy stacks through CloudFormation change sets and write resolved manifests.
    Deploy(deploy_cmd::DeployArgs),
    /// Delete stacks, dependents first.
    Destroy(deploy_cmd::DestroyArgs),
    /// Take one resource out of its deployed stack without deleting it (`STACK/LogicalId` or a construct path).
    Orphan(crate::orphan_cmd::OrphanArgs),
    /// Create the per-region bucket for templates over 51,200 bytes.
    Bootstrap(deploy_cmd::BootstrapArgs),
    /// Scaffold a new platform crate (Cargo.toml, an app, a snapshot test, meshsynth.json).
    Init(init::InitArgs),
    /// Write CloudFormation templates as a platform crate of typed code, compile it, and prove each stack synthesizes back equal.
    Import(import::ImportArgs),
    /// Compare the app's Kubernetes objects (or an assembly's) with an export of the live cluster: what changed, what is missing, what nobody declared.
    Drift(drift_cmd::DriftArgs),
    /// Print a shell completion script (e.g. `meshsynth completions bash > /etc/bash_completion.d/meshsynth`).
    Completions(CompletionsArgs),
}

#[derive(Args, Debug)]
struct ToolkitDiffArgs {
    #[command(flatten)]
    diff: lib::DiffArgs,
    /// With `--against deployed`: where the stacks are (as for deploy).
    #[command(flatten)]
    connect: ConnectArgs,
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

/// The `meshsynth` binary: the CLI over `builtin` (the reference apps) or the
/// app a `meshsynth.json` names.
pub fn main(builtin: fn(&mut App) -> Result<(), Error>) -> std::process::ExitCode {
    // Not locked for the whole run: a validation runs on its own thread,
    // and one that prints (`eprintln!` while debugging) would wait forever.
    let mut out = std::io::stdout();
    // Messages quote names, paths and endpoint answers: inert on stderr.
    let mut err = meshsynth::untrusted::InertWriter::new(std::io::stderr());
    std::process::ExitCode::from(run_with_args(
        std::env::args_os(),
        builtin,
        &mut out,
        &mut err,
    ))
}

/// Runs the toolkit on `args` (the first is the program name) in the current
/// directory; returns the exit code (0 success, 1 error, 2 usage or `diff
/// --exit-code` changes, 130 deploy interrupted).
pub fn run_with_args<I, T>(
    args: I,
    builtin: fn(&mut App) -> Result<(), Error>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match meshsynth::cli::parse::<Cli, _, _>(&args, out, err) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli, &args, builtin, out, err) {
        Ok(code) => code,
        Err(e) => {
            report_error(&e, err);
            1
        }
    }
}

fn run(
    cli: Cli,
    raw: &[OsString],
    builtin: fn(&mut App) -> Result<(), Error>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    // Commands that need no app.
    let command = match cli.command {
        Command::Init(args) => return init::run(&args, out, err),
        Command::Import(args) => return import::run(args, out, err),
        Command::Completions(args) => {
            clap_complete::generate(args.shell, &mut Cli::command(), "meshsynth", out);
            return Ok(0);
        }
        Command::Bootstrap(args) => return deploy_cmd::bootstrap(args, out, err),
        // YAML given as PATHs (or --list-analyzers) needs no app.
        Command::Analyze(args) if !args.paths.is_empty() || args.list_analyzers => {
            let no_app = |_: &mut App| Ok(());
            return Ok(lib::analyze_command(args, &no_app, out, err));
        }
        // Nor does drift of a given assembly.
        Command::Drift(args) if args.assembly.is_some() => {
            return drift_cmd::run(args, None, out, err);
        }
        // A diff of a given assembly needs no app either: meshsynth.json's
        // app command (which a pull request can change) is never run for it.
        Command::Diff(args) if args.diff.assembly.is_some() => {
            let no_app = |_: &mut App| Ok(());
            let connect = args.connect;
            let fetch = |stacks: &[(String, Option<String>)]| fetch_deployed(&connect, stacks);
            let source: DeployedSource<'_> = &fetch;
            return Ok(lib::diff_command(
                args.diff,
                &no_app,
                Some(source),
                out,
                err,
            ));
        }
        other => other,
    };
    let app = AppSource::resolve(cli.app.as_deref(), Path::new("."), builtin)?;
    match (command, &app) {
        (Command::Deploy(args), _) => deploy_cmd::deploy(args, &app, out, err),
        (Command::Drift(args), _) => drift_cmd::run(args, Some(&app), out, err),
        (Command::Orphan(args), _) => crate::orphan_cmd::run(args, &app, out, err),
        (Command::Destroy(args), _) => deploy_cmd::destroy(args, &app, out, err),
        (Command::Synth(args), AppSource::Builtin(build)) => {
            Ok(lib::synth_command(args, build, out, err))
        }
        (Command::List(args), AppSource::Builtin(build)) => {
            Ok(lib::list_command(args, build, out, err))
        }
        (Command::Analyze(args), AppSource::Builtin(build)) => {
            Ok(lib::analyze_command(args, build, out, err))
        }
        (Command::Diff(args), AppSource::Builtin(build)) => {
            let connect = args.connect;
            let fetch = |stacks: &[(String, Option<String>)]| fetch_deployed(&connect, stacks);
            let source: DeployedSource<'_> = &fetch;
            Ok(lib::diff_command(args.diff, build, Some(source), out, err))
        }
        (Command::Diff(mut args), AppSource::Command { .. }) if args.diff.against_deployed() => {
            // The app synthesizes to a scratch assembly; the toolkit compares
            // that with the deployed stacks.
            let scratch = scratch_dir()?;
            if args.diff.assembly.is_none() {
                app.synthesize_to(&[], &args.diff.context, scratch.path(), err)?;
                args.diff.assembly = Some(scratch.path().to_path_buf());
                args.diff.context.clear();
            }
            let connect = args.connect;
            let fetch = |stacks: &[(String, Option<String>)]| fetch_deployed(&connect, stacks);
            let source: DeployedSource<'_> = &fetch;
            let no_app = |_: &mut App| Ok(());
            Ok(lib::diff_command(
                args.diff,
                &no_app,
                Some(source),
                out,
                err,
            ))
        }
        // synth, list and offline diff of a user's app: the app answers them itself.
        (_, AppSource::Command { .. }) => app.run(&forwarded_args(raw)),
        (
            Command::Init(_) | Command::Import(_) | Command::Completions(_) | Command::Bootstrap(_),
            _,
        ) => {
            unreachable!("handled above")
        }
    }
}

fn fetch_deployed(
    connect: &ConnectArgs,
    stacks: &[(String, Option<String>)],
) -> Result<Box<dyn DeployedTemplates>, String> {
    DeployedBaseline::fetch(&connect.options(), stacks)
        .map(|b| Box::new(b) as Box<dyn DeployedTemplates>)
        .map_err(|e| e.to_string())
}

/// The arguments after the program name, without `--app CMD` (the app
/// command parses the rest exactly as the toolkit did).
fn forwarded_args(raw: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut it = raw.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--app" {
            it.next();
        } else if a.to_str().is_some_and(|s| s.starts_with("--app=")) {
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// A scratch directory under target/ or the system temp dir, removed on drop.
pub(crate) fn scratch_dir() -> Result<tempfile::TempDir, Error> {
    tempfile::Builder::new()
        .prefix("meshsynth-diff-")
        .tempdir()
        .map_err(|e| Error::Io {
            path: std::env::temp_dir().display().to_string(),
            message: format!("cannot create a scratch directory: {e}"),
            source: Some(e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_definition_is_consistent() {
        // clap checks names, groups and flags only when a command is built.
        Cli::command().debug_assert();
    }

    #[test]
    fn the_app_flag_is_not_forwarded() {
        let raw: Vec<OsString> = ["meshsynth", "--app", "x y", "synth", "--app=z", "-o", "d"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(forwarded_args(&raw), ["synth", "-o", "d"]);
    }
}
