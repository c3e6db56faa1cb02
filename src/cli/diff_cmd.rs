//! `diff`: the assembly under review (synthesized in memory or saved)
//! against a saved assembly or the deployed stacks, as a plan.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::{build_and_synth, report_error, AppBuilder, DeployedSource, DiffArgs, DiffFormatArg};
use crate::assembly::{load_assembly, LoadedAssembly};
use crate::diff::render::{render, Format};
use crate::diff::{self, Baseline, DiffError, StackFilter};
use crate::synth::SynthOptions;

/// `diff`: errors are reported here. The exit code is 1 for any failure, and
/// 0 (no change, or no `--exit-code`) or 2 (changes) for the comparison.
/// `deployed` serves `--against deployed`; without it that baseline is an error.
pub fn diff_command(
    args: DiffArgs,
    build: &impl AppBuilder,
    deployed: Option<DeployedSource<'_>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match run_diff(args, build, deployed, out, err) {
        Ok(code) => code,
        Err(DiffError::Synth(e)) => {
            report_error(&e, err);
            1
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            1
        }
    }
}

fn run_diff(
    args: DiffArgs,
    build: &impl AppBuilder,
    deployed: Option<DeployedSource<'_>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, DiffError> {
    let filter = StackFilter::new(&args.stacks)?;
    // Two saved assemblies load in parallel: parsing them is most of a diff.
    let mut preloaded = None;
    // The baseline's templates that are the new side's byte for byte.
    let mut shared = crate::assembly::SharedTemplates::default();
    let after = match &args.assembly {
        Some(dir) if args.against != "deployed" => {
            if !args.context.is_empty() {
                let _ = writeln!(err, "note: -c values are ignored with --assembly");
            }
            // Both sides at once, without the documents they share.
            let against = PathBuf::from(&args.against);
            let (after, before, same) =
                crate::assembly::load_pair_shared(std::path::Path::new(dir), &against)?;
            shared = same;
            preloaded = Some(crate::diff::Snapshot::from_assembly(
                format!("assembly {}", against.display()),
                before,
            ));
            after
        }
        Some(dir) => {
            if !args.context.is_empty() {
                let _ = writeln!(err, "note: -c values are ignored with --assembly");
            }
            load_assembly(dir)?
        }
        None => {
            // Synthesize everything exactly as `synth` does, in memory; the
            // stack globs filter both sides of the comparison afterwards.
            let result = build_and_synth(build, &args.context, &SynthOptions::default(), err)?;
            for d in &result.diagnostics {
                let _ = writeln!(err, "{d}");
            }
            LoadedAssembly::from_assembly(&result.assembly)?
        }
    };
    let baseline = if args.against == "deployed" {
        let stacks: Vec<(String, Option<String>)> = after
            .manifest
            .stacks
            .iter()
            .map(|s| (s.name.clone(), s.environment.region.clone()))
            .collect();
        let fetch = deployed.ok_or_else(|| DiffError::Baseline {
            baseline: "deployed".into(),
            message: "reading the deployed stacks needs the meshsynth toolkit (`cargo install meshsynth-cli`, then `meshsynth diff --against deployed` in this crate); this binary compares saved assemblies".into(),
        })?;
        let source = fetch(&stacks).map_err(|message| DiffError::Baseline {
            baseline: "deployed".into(),
            message,
        })?;
        Baseline::Deployed(source)
    } else {
        Baseline::Assembly(PathBuf::from(&args.against))
    };
    let before = match preloaded {
        Some(before) => before,
        None => {
            let names: Vec<String> = after.templates.keys().cloned().collect();
            baseline.load(&names)?
        }
    };
    let plan = diff::plan_shared(&before, &shared, &after, &filter)?;
    let format = match args.format {
        DiffFormatArg::Text => Format::Text,
        DiffFormatArg::Markdown => Format::Markdown,
        DiffFormatArg::Json => Format::Json,
    };
    let color = format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = out.write_all(render(&plan, format, color)?.as_bytes());
    if let Some(file) = &args.full_plan {
        write_file_atomically(file, crate::diff::render::markdown_full(&plan)?.as_bytes())
            .map_err(|e| DiffError::Render {
                format: "markdown".into(),
                message: format!(
                    "cannot write the full plan to {}: {e}",
                    crate::untrusted::inert(&file.display().to_string())
                ),
            })?;
    }
    let lost = plan.data_loss();
    let code = if args.fail_on_data_loss && !lost.is_empty() {
        let _ = writeln!(
            err,
            "error: the plan deletes the data of {} resource(s): {}; keep it with DeletionPolicy and UpdateReplacePolicy Retain or Snapshot",
            lost.len(),
            crate::untrusted::inert(&lost.join(", "))
        );
        3
    } else if args.exit_code && plan.has_changes() {
        2
    } else {
        0
    };
    // The process ends right after this; freeing both assemblies only costs time.
    std::mem::forget((before, after, plan));
    Ok(code)
}

/// Writes `bytes` to `path` through a temporary file beside it, so a reader
/// never sees half a file.
fn write_file_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
