//! `meshsynth drift [STACK...]`: CloudFormation drift detection on the
//! assembly's deployed stacks (`deploy::drift`); `meshsynth drift --live
//! PATH`: the assembly's Kubernetes objects against an export of the live
//! cluster (`meshsynth::diff::live`). This reads the inputs and picks the
//! exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use meshsynth::analyze::read_paths;
use meshsynth::assembly::load_assembly;
use meshsynth::core::Error;
use meshsynth::diff::live::{live_drift, read_live, render};
use meshsynth::untrusted::inert;

use crate::app::AppSource;
use crate::deploy::api::StackId;
use crate::deploy::aws::AwsCloud;
use crate::deploy::drift::{self, Polling};
use crate::deploy_cmd::ConnectArgs;

/// `drift --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DriftFormat {
    /// One line per object and per field.
    Text,
    /// A table for a pull request or an issue.
    Markdown,
    /// The report as data (docs/drift.md).
    Json,
}

/// `meshsynth drift`.
#[derive(Args, Debug)]
pub struct DriftArgs {
    /// Stack-name globs for CloudFormation drift; default: every stack of
    /// the assembly.
    pub stacks: Vec<String>,
    /// Compare the Kubernetes objects instead, with this export of the live
    /// cluster: a file, a directory of them, or `-` for stdin (`kubectl get
    /// deploy,svc,cm,sa -n shop -o yaml`; `List` documents are read item by
    /// item). Repeat for several.
    #[arg(long = "live", value_name = "PATH")]
    pub live: Vec<PathBuf>,
    /// The assembly to compare; without it the app is synthesized first,
    /// as `synth` would, into a scratch directory.
    #[arg(long, value_name = "DIR")]
    pub assembly: Option<PathBuf>,
    /// The assembly's cluster the export was taken from; needed when the
    /// assembly has more than one.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DriftFormat,
    /// Exit 2 when anything drifted (errors, and a detection that failed,
    /// exit 1; no drift exits 0).
    #[arg(long)]
    pub fail: bool,
    /// Check stacks matching this glob although meshsynth did not deploy
    /// them (no meshsynth:managed tag); repeatable. CloudFormation drift only.
    #[arg(long, value_name = "STACK")]
    pub adopt: Vec<String>,
    /// Where the stacks are (as for deploy); CloudFormation drift only.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Context values for the app's synth (`-c key=value`); ignored with
    /// `--assembly`.
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
}

fn usage(message: String) -> Error {
    Error::Io {
        path: "drift".into(),
        message,
        source: None,
    }
}

/// Runs `drift`; `app` synthesizes when no `--assembly` is given.
pub fn run(
    args: DriftArgs,
    app: Option<&AppSource>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let scratch;
    let dir: &Path = match (&args.assembly, app) {
        (Some(dir), _) => {
            if !args.context.is_empty() {
                let _ = writeln!(err, "note: -c values are ignored with --assembly");
            }
            dir
        }
        (None, Some(app)) => {
            scratch = crate::cli::scratch_dir()?;
            app.synthesize_to(&[], &args.context, scratch.path(), err)?;
            scratch.path()
        }
        (None, None) => {
            return Err(usage(
                "no app to synthesize: pass --assembly DIR, or run drift in a platform crate"
                    .into(),
            ))
        }
    };
    let assembly = load_assembly(dir).map_err(|e| Error::Io {
        path: inert(&dir.display().to_string()).into_owned(),
        message: format!("{e}; pass --assembly with a directory `meshsynth synth` wrote"),
        source: None,
    })?;
    if args.live.is_empty() {
        return cloudformation(&args, &assembly, err, out);
    }
    if !args.stacks.is_empty() {
        return Err(usage(
            "STACK globs select stacks for CloudFormation drift; with --live, pass --cluster instead".into(),
        ));
    }
    kubernetes(&args, &assembly, out, err)
}

/// `drift --live`: one cluster's objects against the export.
fn kubernetes(
    args: &DriftArgs,
    assembly: &meshsynth::assembly::LoadedAssembly,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let names: Vec<&String> = assembly.clusters.keys().collect();
    let cluster = match (&args.cluster, names.as_slice()) {
        (Some(c), _) if assembly.clusters.contains_key(c) => c.clone(),
        (Some(c), _) => {
            return Err(usage(format!(
                "--cluster {}: the assembly has no such cluster (it has: {}); pass one of them",
                inert(c),
                list(&names)
            )))
        }
        (None, [one]) => (*one).clone(),
        (None, []) => {
            return Err(usage(
                "the assembly has no Kubernetes objects to compare; drift --live compares a cluster's objects".into(),
            ))
        }
        (None, _) => {
            return Err(usage(format!(
                "the assembly has {} clusters ({}); pass --cluster with the one the export was taken from",
                names.len(),
                list(&names)
            )))
        }
    };
    let mut notes = Vec::new();
    let sources = read_paths(&args.live, &mut std::io::stdin(), &mut notes)?;
    let live = read_live(&sources, &mut notes).map_err(|m| Error::Io {
        path: "--live".into(),
        message: format!("{m}; pass an export written by `kubectl get … -o yaml`"),
        source: None,
    })?;
    for n in &notes {
        let _ = writeln!(err, "note: {}", inert(n));
    }
    let drift = live_drift(&cluster, &assembly.clusters[&cluster], live);
    let text = match args.format {
        DriftFormat::Text => render::text(&drift),
        DriftFormat::Markdown => render::markdown(&drift),
        DriftFormat::Json => render::json(&drift),
    };
    let _ = out.write_all(text.as_bytes());
    Ok(if args.fail && drift.has_drift() { 2 } else { 0 })
}

/// `drift [STACK...]`: CloudFormation drift detection on the deployed
/// stacks the globs select.
fn cloudformation(
    args: &DriftArgs,
    assembly: &meshsynth::assembly::LoadedAssembly,
    err: &mut dyn Write,
    out: &mut dyn Write,
) -> Result<u8, Error> {
    let mut globs = Vec::new();
    for p in &args.stacks {
        let g = globset::Glob::new(p)
            .map_err(|e| usage(format!("invalid stack pattern {}: {e}", inert(p))))?;
        globs.push((p, g.compile_matcher()));
    }
    for (p, m) in &globs {
        if !assembly.manifest.stacks.iter().any(|s| m.is_match(&s.name)) {
            return Err(usage(format!(
                "stack pattern {} matches no stack of the assembly (it has: {})",
                inert(p),
                list(
                    &assembly
                        .manifest
                        .stacks
                        .iter()
                        .map(|s| &s.name)
                        .collect::<Vec<_>>()
                )
            )));
        }
    }
    let chosen: Vec<_> = assembly
        .manifest
        .stacks
        .iter()
        .filter(|s| globs.is_empty() || globs.iter().any(|(_, m)| m.is_match(&s.name)))
        .collect();
    if chosen.is_empty() {
        return Err(usage(
            "the assembly has no stacks; drift --live compares Kubernetes objects".into(),
        ));
    }
    let options = args.connect.options();
    let connect_error = |e: String| Error::Io {
        path: options
            .endpoint_url
            .as_deref()
            .map_or_else(|| "CloudFormation".to_string(), |u| inert(u).into_owned()),
        message: e,
        source: None,
    };
    let report = crate::deploy::block_on(async {
        let cloud = AwsCloud::connect(&options)
            .await
            .map_err(|e| connect_error(e.to_string()))?;
        let default = cloud.default_region();
        let mut ids = Vec::new();
        for s in &chosen {
            let region = s
                .environment
                .region
                .clone()
                .or_else(|| default.clone())
                .ok_or_else(|| {
                    usage(format!(
                        "stack {} has no region in its environment; pass --region or set AWS_REGION",
                        inert(&s.name)
                    ))
                })?;
            ids.push(StackId::new(region, &s.name));
        }
        // Every stack's owner is checked before any detection starts.
        drift::check_owners(&cloud, &ids, &args.adopt)
            .await
            .map_err(|e| connect_error(e.to_string()))?
            .map_err(usage)?;
        let mut progress = |m: &str| {
            let _ = writeln!(err, "{}", inert(m));
        };
        drift::detect(&cloud, &ids, Polling::default(), &mut progress)
            .await
            .map_err(|e| connect_error(e.to_string()))
    })
    .map_err(|e| connect_error(e.to_string()))??;
    let text = match args.format {
        DriftFormat::Text => drift::text(&report),
        DriftFormat::Markdown => drift::markdown(&report),
        DriftFormat::Json => drift::json(&report),
    };
    let _ = out.write_all(text.as_bytes());
    Ok(if report.has_failure() {
        let _ = writeln!(
            err,
            "error: drift detection failed for a stack (its line says why); its drift is unknown"
        );
        1
    } else if args.fail && report.has_drift() {
        2
    } else {
        0
    })
}

fn list(names: &[&String]) -> String {
    names
        .iter()
        .map(|n| inert(n).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
