//! Where the toolkit's app comes from: the built-in reference apps, or a
//! user's platform crate named by `meshsynth.json` (`{"app": "cargo run --"}`)
//! or `--app`, as `cdk.json` names a CDK app. An app command is a platform
//! binary: it answers `synth`, `list` and `diff` itself (`meshsynth::cli::main`);
//! the toolkit runs it and then deploys the assembly it wrote.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use meshsynth::assembly::AssemblyWriter;
use meshsynth::cli::{build_and_synth_into, AppBuilder};
use meshsynth::core::{App, Error};
use meshsynth::synth::SynthOptions;
use serde::Deserialize;

/// The file that names a crate's app command, read from the working directory.
pub const CONFIG_FILE: &str = "meshsynth.json";

/// The app the toolkit works on.
pub enum AppSource {
    /// A build function compiled into this binary (the reference apps).
    Builtin(fn(&mut App) -> Result<(), Error>),
    /// A shell command that runs a platform binary.
    Command {
        /// The command line, e.g. `cargo run --`.
        command: String,
        /// Where it was named: `meshsynth.json` or `--app`.
        origin: String,
    },
}

/// `meshsynth.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// The command that runs the platform binary.
    app: String,
}

impl AppSource {
    /// `--app` when given, else `meshsynth.json` in `dir` when it exists, else `builtin`.
    pub fn resolve(
        flag: Option<&str>,
        dir: &Path,
        builtin: fn(&mut App) -> Result<(), Error>,
    ) -> Result<AppSource, Error> {
        if let Some(command) = flag {
            return Ok(AppSource::command(command, "--app"));
        }
        let path = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(AppSource::Builtin(builtin))
            }
            Err(e) => {
                return Err(Error::Io {
                    path: CONFIG_FILE.into(),
                    message: e.to_string(),
                    source: Some(e),
                })
            }
        };
        let config: Config = serde_json::from_str(&text).map_err(|e| Error::Io {
            path: CONFIG_FILE.into(),
            message: format!(
                "{e}; expected {{\"app\": \"<command that runs your platform binary>\"}}, e.g. {{\"app\": \"cargo run --\"}}"
            ),
            source: None,
        })?;
        if config.app.trim().is_empty() {
            return Err(Error::Io {
                path: CONFIG_FILE.into(),
                message: "\"app\" is empty; name the command that runs your platform binary, e.g. \"cargo run --\"".into(),
                source: None,
            });
        }
        Ok(AppSource::command(&config.app, CONFIG_FILE))
    }

    fn command(command: &str, origin: &str) -> AppSource {
        AppSource::Command {
            command: command.to_string(),
            origin: origin.to_string(),
        }
    }

    /// Synthesizes the app (stack globs and `-c` values applied) into `dir`.
    pub fn synthesize_to(
        &self,
        patterns: &[String],
        context: &[String],
        dir: &Path,
        err: &mut dyn Write,
    ) -> Result<(), Error> {
        match self {
            AppSource::Builtin(build) => synth_builtin(build, patterns, context, dir, err),
            AppSource::Command { .. } => {
                let mut args: Vec<OsString> = vec!["synth".into(), "-o".into(), dir.into()];
                args.extend(patterns.iter().map(OsString::from));
                for c in context {
                    args.push("-c".into());
                    args.push(c.into());
                }
                // What the app prints about its synth (where it wrote)
                // is progress, not a result: it goes to stderr, so a plan
                // or a deploy summary on stdout is only that.
                match self.spawn(&args, true)? {
                    0 => Ok(()),
                    code => Err(self.failed(code)),
                }
            }
        }
    }

    /// Runs the app command with `args` (stdio inherited); returns its exit code.
    /// Not for the built-in apps, which run in this process.
    pub fn run(&self, args: &[OsString]) -> Result<u8, Error> {
        self.spawn(args, false)
    }

    /// [`run`](AppSource::run), with the app's stdout sent to stderr when
    /// `stdout_to_stderr`.
    fn spawn(&self, args: &[OsString], stdout_to_stderr: bool) -> Result<u8, Error> {
        let AppSource::Command { command, origin } = self else {
            return Ok(0);
        };
        // `sh -c 'CMD "$@"' meshsynth ARGS…`: the command is a shell line
        // (as in cdk.json), the arguments pass through unquoted and intact.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{command} \"$@\""))
            .arg("meshsynth")
            .args(args);
        if stdout_to_stderr {
            cmd.stdout(std::process::Stdio::from(std::io::stderr()));
        }
        let status = cmd.status().map_err(|e| Error::Io {
            path: format!("app command `{command}` (from {origin})"),
            message: format!("cannot start it: {e}"),
            source: Some(e),
        })?;
        Ok(match status.code() {
            Some(c) => u8::try_from(c).unwrap_or(1),
            // Killed by a signal: report it like a shell does.
            None => 1,
        })
    }

    fn failed(&self, code: u8) -> Error {
        let (command, origin) = match self {
            AppSource::Command { command, origin } => (command.as_str(), origin.as_str()),
            AppSource::Builtin(_) => ("built-in apps", "this binary"),
        };
        Error::Io {
            path: format!("app command `{command}` (from {origin})"),
            message: format!(
                "exited with status {code} (its errors are above); fix the app, or check the command with `{command} synth`"
            ),
            source: None,
        }
    }
}

fn synth_builtin(
    build: &impl AppBuilder,
    patterns: &[String],
    context: &[String],
    dir: &Path,
    err: &mut dyn Write,
) -> Result<(), Error> {
    let opts = SynthOptions {
        patterns: patterns.to_vec(),
        ..Default::default()
    };
    let mut writer = AssemblyWriter::begin(dir)?;
    let result = build_and_synth_into(build, context, &opts, &mut writer, err)?;
    for note in &result.notes {
        let _ = writeln!(err, "note: {note}");
    }
    for d in &result.diagnostics {
        let _ = writeln!(err, "{d}");
    }
    writer.finish(&[("manifest.json".into(), result.assembly.manifest_bytes())])
}

/// The directory a deploy synthesizes into when no `--assembly` is given.
pub fn default_assembly_dir() -> PathBuf {
    PathBuf::from("mesh.out")
}
