//! `meshsynth orphan TARGET`: takes one resource out of its deployed stack
//! without deleting it (the engine's `orphan`). TARGET is `STACK/LogicalId`
//! or a construct path `STACK/Construct/Path`, resolved through the
//! assembly's template.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use meshsynth::core::names::{logical_id, readable_logical_id};
use meshsynth::core::Error;
use meshsynth::untrusted::inert;

use crate::app::AppSource;
use crate::deploy::aws::AwsCloud;
use crate::deploy::{DeployOptions, Engine, LoadedAssembly, Plan, TypeHeuristic};
use crate::deploy_cmd::{assembly_dir, check_account, fail_to, ConnectArgs, SECOND_INTERRUPT};
use crate::deploy_ui::{interrupts, watch_ctrl_c, Ui};

/// `meshsynth orphan`.
#[derive(Parser, Debug)]
pub(crate) struct OrphanArgs {
    /// The resource: `STACK/LogicalId`, or its construct path `STACK/Db/Instance`.
    target: String,
    /// Use this assembly directory instead of synthesizing the app to mesh.out first.
    #[arg(long, value_name = "DIR")]
    assembly: Option<PathBuf>,
    #[command(flatten)]
    connect: ConnectArgs,
    /// Orphan without asking.
    #[arg(long)]
    force: bool,
    /// Change the stack although meshsynth did not deploy it (no meshsynth:managed tag) or another app did (a stack-name glob, as for deploy).
    #[arg(long, value_name = "STACK")]
    adopt: Vec<String>,
    /// Seconds to wait for a stack busy with another operation.
    #[arg(long, value_name = "SECS", default_value_t = 1800)]
    timeout: u64,
    /// Context value for the app when synthesizing, repeatable.
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
}

/// The stack name and logical id TARGET names, and whether the assembly
/// still declares that resource.
fn resolve(asm: &LoadedAssembly, target: &str) -> Result<(String, String, bool), String> {
    let shown = inert(target);
    let names = || {
        asm.manifest
            .stacks
            .iter()
            .map(|s| inert(&s.name).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (head, rest) = target.split_once('/').ok_or_else(|| {
        format!("orphan {shown}: name the resource as STACK/LogicalId or STACK/construct/path")
    })?;
    let stack = asm
        .manifest
        .stacks
        .iter()
        .find(|s| s.name == head || s.path == head)
        .ok_or_else(|| {
            format!(
                "orphan {shown}: the assembly has no stack {} (it has: {}); pass STACK/LogicalId",
                inert(head),
                names()
            )
        })?;
    if rest.is_empty() {
        return Err(format!(
            "orphan {shown}: name the resource after the stack (STACK/LogicalId)"
        ));
    }
    let template = asm.template(stack).map_err(|e| e.to_string())?;
    let parsed = meshsynth::assembly::parse_template(&stack.template, &template)
        .map_err(|e| e.to_string())?;
    let declared = |id: &str| parsed["Resources"].get(id).is_some();
    if !rest.contains('/') {
        // A logical id; the deployed template has the last word on it (the
        // code may no longer declare it).
        return Ok((stack.name.clone(), rest.to_string(), declared(rest)));
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let mut with_resource = parts.clone();
    with_resource.push(meshsynth::core::names::HIDDEN_FROM_HUMAN_ID);
    let candidates = [
        Some(logical_id(&parts)),
        Some(logical_id(&with_resource)),
        readable_logical_id(&parts),
        readable_logical_id(&with_resource),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|id| declared(id))
        .map(|id| (stack.name.clone(), id, true))
        .ok_or_else(|| {
            format!(
                "orphan {shown}: stack {} declares no resource at that construct path (an overridden logical id is not found this way); pass STACK/LogicalId as the stack's template names it",
                inert(&stack.name)
            )
        })
}

/// Runs `orphan`.
pub(crate) fn run(
    args: OrphanArgs,
    app: &AppSource,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let dir = assembly_dir(app, &args.assembly, &[], &args.context, err)?;
    let asm = match LoadedAssembly::load(&dir) {
        Ok(a) => a,
        Err(e) => return Ok(fail_to(err, e)),
    };
    let (stack, lid, declared) = match resolve(&asm, &args.target) {
        Ok(r) => r,
        Err(e) => return Ok(fail_to(err, e)),
    };
    let opts = DeployOptions {
        busy_timeout: Duration::from_secs(args.timeout),
        force: args.force,
        app: asm.manifest.app.clone(),
        adopt: args.adopt.clone(),
        endpoint_emulated: args.connect.endpoint_url.is_some(),
        ..Default::default()
    };
    let ui = Ui::new(err);
    let run = async {
        let ctrl_c = watch_ctrl_c();
        let cloud = match AwsCloud::connect(&args.connect.options()).await {
            Ok(c) => c,
            Err(e) => return ui.fail(e),
        };
        let region = cloud.default_region();
        let plan = match Plan::for_deploy(&asm, std::slice::from_ref(&stack), region.as_deref()) {
            Ok(p) => p,
            Err(e) => return ui.fail(e),
        };
        let Some(st) = plan.stacks.iter().find(|s| s.id.name == stack) else {
            return ui.fail(format!("stack {} is not in the plan", inert(&stack)));
        };
        if let Err(e) = check_account(&cloud, &plan, args.connect.profile.as_deref()).await {
            return ui.fail(e);
        }
        let engine = Engine::new(&cloud, &cloud, &ui, &ui, &TypeHeuristic, opts);
        let done = tokio::select! {
            r = engine.orphan(st, &lid) => r,
            () = interrupts(&ctrl_c, 1) => {
                ui.line(SECOND_INTERRUPT);
                return 130;
            }
        };
        ui.clear();
        match done {
            Ok(o) => {
                let physical = o
                    .physical_id
                    .as_deref()
                    .map_or_else(|| "unknown".to_string(), |p| inert(p).into_owned());
                let _ = writeln!(
                    out,
                    "orphaned {} ({}, physical id {physical}) from stack {}: it still exists, and no stack manages it",
                    o.logical_id, o.resource_type, o.stack
                );
                for w in &o.rewritten {
                    ui.line(format!("note: {w} now holds the literal physical id"));
                }
                if declared {
                    ui.line(format!(
                        "note: the app still declares {lid}: remove it from the code, or the next deploy creates a second one (or fails on its name)"
                    ));
                }
                ui.line(
                    "to manage it from another stack: declare it there, then `meshsynth deploy STACK --import` (docs/adopt.md)",
                );
                0
            }
            Err(e) => ui.fail(e),
        }
    };
    let code = crate::deploy::block_on(run);
    Ok(code.unwrap_or_else(|e| ui.fail(e)))
}
