//! The `deploy`, `destroy` and `bootstrap` subcommands: options turned into
//! engine options, live progress (indicatif) and prompts (stdin) on stderr,
//! outputs on stdout. The async runtime and the AWS SDK start only here.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::app::{default_assembly_dir, AppSource};
use crate::deploy::aws::{AwsCloud, ConnectOptions};
use crate::deploy::engine::RefactorMode;
use crate::deploy::{
    bootstrap, manifests, outputs_json, Approver, DeployError, DeployOptions, Engine,
    LoadedAssembly, Plan, Prompt, PromptKind, Report, RequireApproval, StackId, StackOutcome,
    TypeHeuristic,
};
use crate::deploy_ui::{interrupts, watch_ctrl_c, Ui};
use meshsynth::core::Error;

/// `deploy --refactor`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum RefactorArg {
    /// Move resources that only changed logical id or stack with a stack refactor first.
    Auto,
    /// Refuse a deploy that would move resources.
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ApprovalArg {
    Never,
    Broadening,
    Any,
}

/// Where to find AWS, shared by the commands that call it.
#[derive(Parser, Debug)]
pub struct ConnectArgs {
    /// A custom endpoint for CloudFormation and S3 (an emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,
    /// Region for stacks whose environment has none. Default: AWS_REGION or the profile's.
    #[arg(long, value_name = "R")]
    region: Option<String>,
    /// Named profile of ~/.aws/config and ~/.aws/credentials. Default: AWS_PROFILE or `default`.
    #[arg(long, value_name = "P")]
    pub(crate) profile: Option<String>,
}

impl ConnectArgs {
    /// The connection options these flags give.
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            // An emulator does not throttle: a failing one is reported after
            // two retries (about 3 s), not six (about 30 s).
            max_attempts: if self.endpoint_url.is_some() { 3 } else { 6 },
            ..Default::default()
        }
    }
}

#[derive(Parser, Debug)]
pub(crate) struct DeployArgs {
    /// Stack-name globs; default: every stack. Dependencies are included.
    stacks: Vec<String>,
    /// Deploy this assembly directory instead of synthesizing the app to mesh.out first.
    #[arg(long, value_name = "DIR")]
    assembly: Option<PathBuf>,
    #[command(flatten)]
    connect: ConnectArgs,
    /// When to ask before executing a change set.
    #[arg(long, value_enum, default_value = "broadening")]
    require_approval: ApprovalArg,
    /// Stacks deployed at once (independent stacks only).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Seconds to wait for a stack busy with another operation.
    #[arg(long, value_name = "SECS", default_value_t = 1800)]
    timeout: u64,
    /// S3 bucket for templates over 51,200 bytes. Default: the bucket of `meshsynth bootstrap`.
    #[arg(long, value_name = "B")]
    bucket: Option<String>,
    /// Delete and re-create stacks left in ROLLBACK_COMPLETE, and delete StackSet instances no target names any more, without asking.
    #[arg(long)]
    force: bool,
    /// Take over existing stacks matching this glob although meshsynth did not deploy them (no meshsynth:managed tag) or another app did; repeatable.
    #[arg(long, value_name = "STACK")]
    adopt: Vec<String>,
    /// Import resources of a stack's template that the deployed stack lacks (they exist outside any stack) with an IMPORT change set, instead of creating them.
    #[arg(long = "import")]
    import_resources: bool,
    /// With --import: a JSON file of "STACK/LogicalId": {"Property": "value"}, the identifiers the template does not hold.
    #[arg(long, value_name = "FILE", requires = "import_resources")]
    resource_mapping: Option<PathBuf>,
    /// Resources that only changed logical id, or moved to another stack of the same account and region: moved with a CloudFormation stack refactor before the change sets (auto), or the deploy refused (never).
    #[arg(long, value_enum, default_value = "auto")]
    refactor: RefactorArg,
    /// A stack stuck in UPDATE_ROLLBACK_FAILED is rolled back the rest of the way (ContinueUpdateRollback) before its change set.
    #[arg(long)]
    continue_rollback: bool,
    /// With --continue-rollback: a resource (logical ID) that cannot roll back, marked rolled back as it is; repeatable.
    #[arg(long, value_name = "ID", requires = "continue_rollback")]
    resources_to_skip: Vec<String>,
    /// Write the stack outputs as JSON to this file.
    #[arg(long, value_name = "F")]
    outputs_file: Option<PathBuf>,
    /// Where to write the resolved Kubernetes manifests. Default: <assembly>/resolved.
    #[arg(long, value_name = "DIR")]
    manifests_dir: Option<PathBuf>,
    /// Context value for the app when synthesizing, repeatable.
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
}

#[derive(Parser, Debug)]
pub(crate) struct DestroyArgs {
    /// Stack-name globs; default: every stack. Stacks that depend on them are included.
    stacks: Vec<String>,
    /// Use this assembly directory instead of synthesizing the app to mesh.out first.
    #[arg(long, value_name = "DIR")]
    assembly: Option<PathBuf>,
    #[command(flatten)]
    connect: ConnectArgs,
    /// Delete without asking.
    #[arg(long)]
    force: bool,
    /// Delete stacks matching this glob although meshsynth did not deploy them (no meshsynth:managed tag) or another app did; repeatable.
    #[arg(long, value_name = "STACK")]
    adopt: Vec<String>,
    /// Stacks deleted at once (independent stacks only).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Seconds to wait for a stack busy with another operation.
    #[arg(long, value_name = "SECS", default_value_t = 1800)]
    timeout: u64,
    /// Context value for the app when synthesizing, repeatable.
    #[arg(short = 'c', long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
}

#[derive(Parser, Debug)]
pub(crate) struct BootstrapArgs {
    #[command(flatten)]
    connect: ConnectArgs,
}

/// The assembly to work on: the given directory, or the app synthesized to mesh.out.
pub(crate) fn assembly_dir(
    app: &AppSource,
    given: &Option<PathBuf>,
    patterns: &[String],
    context: &[String],
    err: &mut dyn Write,
) -> Result<PathBuf, Error> {
    if let Some(dir) = given {
        return Ok(dir.clone());
    }
    let dir = default_assembly_dir();
    app.synthesize_to(patterns, context, &dir, err)?;
    let _ = writeln!(err, "synthesized the app to {}", dir.display());
    Ok(dir)
}

fn print_summary(ui: &Ui<'_>, report: &Report, verb: &str) {
    ui.clear();
    if report.interrupted {
        // The interrupt may have cut a prompt line short.
        ui.line("");
    }
    for s in &report.stacks {
        let what = match &s.outcome {
            StackOutcome::Created => "created".to_string(),
            StackOutcome::Updated => "updated".to_string(),
            StackOutcome::Unchanged => "no changes".to_string(),
            StackOutcome::Deleted => "deleted".to_string(),
            StackOutcome::AlreadyGone => "does not exist (nothing to delete)".to_string(),
            StackOutcome::Failed(_) => "FAILED".to_string(),
            StackOutcome::Skipped(why) => format!("skipped: {why}"),
            StackOutcome::Interrupted { action, status } => format!(
                "interrupted: {action}; {}",
                status
                    .as_deref()
                    .map_or("the stack does not exist".to_string(), |s| format!(
                        "status now {s}"
                    ))
            ),
        };
        ui.line(format!("  {}: {what}", s.id));
    }
    for e in report.errors() {
        ui.line(format!("error: {e}"));
    }
    if report.interrupted {
        ui.line(format!(
            "{verb} interrupted; the state of each stack is listed above"
        ));
    }
}

fn exit_for(report: &Report) -> u8 {
    if report.interrupted {
        130
    } else if report.success() {
        0
    } else {
        1
    }
}

pub(crate) fn fail_to(err: &mut dyn Write, e: impl std::fmt::Display) -> u8 {
    let _ = writeln!(err, "error: {e}");
    1
}

/// Stops before any change when a stack names another account than the
/// credentials' (one STS call, only when some stack names an account).
pub(crate) async fn check_account(
    cloud: &AwsCloud,
    plan: &Plan,
    profile: Option<&str>,
) -> Result<(), String> {
    if !plan.names_accounts() {
        return Ok(());
    }
    let region = plan.stacks.first().map(|s| s.id.region.as_str());
    let (account, arn) = cloud.caller_identity(region).await.map_err(|e| {
        format!("cannot tell the credentials' account (STS GetCallerIdentity): {e}")
    })?;
    let profile = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    let caller = match profile {
        Some(p) => format!("{arn}, profile {p}"),
        None => arn,
    };
    plan.check_account(&account, &caller)
        .map_err(|e| e.to_string())
}

/// The stack outputs on stdout, one `stack.Key = value` line each. An
/// output is the endpoint's answer: shown inert, and hidden when it looks
/// like a secret (`--outputs-file` keeps the values for tools).
fn print_outputs(out: &mut dyn Write, outputs: &crate::deploy::OutputsByStack) {
    for (stack, outs) in outputs {
        for (k, v) in outs {
            let v = if meshsynth::diff::is_sensitive(k, v) {
                meshsynth::diff::MASK.into()
            } else {
                meshsynth::untrusted::inert(v)
            };
            let k = meshsynth::untrusted::inert(k);
            let _ = writeln!(out, "{stack}.{k} = {v}");
        }
    }
}

fn write_outputs(path: &PathBuf, report: &Report) -> Result<(), DeployError> {
    std::fs::write(path, outputs_json(&report.outputs())).map_err(|e| DeployError::Io {
        path: path.display().to_string(),
        message: format!("cannot write the outputs file: {e}"),
    })
}

pub(crate) const SECOND_INTERRUPT: &str =
    "second interrupt: exiting without waiting; check the stacks in CloudFormation";

/// `meshsynth deploy`.
pub(crate) fn deploy(
    args: DeployArgs,
    app: &AppSource,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    // The whole app is synthesized, whatever the selection: a stack's
    // template must not depend on which stacks are deployed with it (a
    // network stack deployed alone would lack the exports its consumers,
    // deployed later, import). The selection applies to the plan below.
    let dir = assembly_dir(app, &args.assembly, &[], &args.context, err)?;
    let asm = match LoadedAssembly::load(&dir) {
        Ok(a) => a,
        Err(e) => return Ok(fail_to(err, e)),
    };
    let resource_mapping = match &args.resource_mapping {
        Some(p) => match crate::deploy::engine::read_resource_mapping(p) {
            Ok(m) => m,
            Err(e) => return Ok(fail_to(err, e)),
        },
        None => Default::default(),
    };
    let opts = DeployOptions {
        endpoint_emulated: args.connect.endpoint_url.is_some(),
        import: args.import_resources,
        resource_mapping,
        require_approval: match args.require_approval {
            ApprovalArg::Never => RequireApproval::Never,
            ApprovalArg::Broadening => RequireApproval::Broadening,
            ApprovalArg::Any => RequireApproval::Any,
        },
        concurrency: args.concurrency as usize,
        busy_timeout: Duration::from_secs(args.timeout),
        bucket: args.bucket.clone(),
        force: args.force,
        app: asm.manifest.app.clone(),
        adopt: args.adopt.clone(),
        continue_rollback: args
            .continue_rollback
            .then(|| args.resources_to_skip.clone()),
        refactor: match args.refactor {
            RefactorArg::Auto => RefactorMode::Auto,
            RefactorArg::Never => RefactorMode::Never,
        },
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
        let plan = match Plan::for_deploy(&asm, &args.stacks, region.as_deref()) {
            Ok(p) => p,
            Err(e) => return ui.fail(e),
        };
        for n in &plan.notes {
            ui.line(format!("note: {n}"));
        }
        if let Err(e) = check_account(&cloud, &plan, args.connect.profile.as_deref()).await {
            return ui.fail(e);
        }
        let (plan, sets) = crate::stackset_cmd::split(&asm, plan);
        let engine = Engine::new(&cloud, &cloud, &ui, &ui, &TypeHeuristic, opts);
        let report = tokio::select! {
            r = engine.deploy(&plan, interrupts(&ctrl_c, 1)) => r,
            () = interrupts(&ctrl_c, 2) => {
                ui.line(SECOND_INTERRUPT);
                return 130;
            }
        };
        print_summary(&ui, &report, "deploy");
        let mut code = exit_for(&report);
        if code == 0 && !sets.is_empty() {
            let app = asm.manifest.app.as_deref();
            code = tokio::select! {
                c = crate::stackset_cmd::deploy(&cloud, &sets, app, &ui, args.force) => c,
                () = interrupts(&ctrl_c, 1) => {
                    ui.line("interrupted: the StackSet operation goes on in CloudFormation");
                    130
                }
            };
        }
        let outputs = report.outputs();
        print_outputs(out, &outputs);
        if let Some(path) = &args.outputs_file {
            match write_outputs(path, &report) {
                Ok(()) => ui.line(format!("outputs written to {}", path.display())),
                Err(e) => code = ui.fail(e),
            }
        }
        if report.success() && !asm.manifest.clusters.is_empty() {
            let target = args
                .manifests_dir
                .clone()
                .unwrap_or_else(|| manifests::default_dir(&asm.dir));
            if let Err(e) =
                write_manifests(&cloud, &asm, &outputs, region.as_deref(), &target, &ui).await
            {
                code = ui.fail(e);
            }
        }
        code
    };
    let code = crate::deploy::block_on(run);
    Ok(code.unwrap_or_else(|e| ui.fail(e)))
}

/// Fills the deferred inputs of the clusters' manifests and writes them.
async fn write_manifests(
    cloud: &AwsCloud,
    asm: &LoadedAssembly,
    outputs: &crate::deploy::OutputsByStack,
    region: Option<&str>,
    target: &std::path::Path,
    ui: &Ui<'_>,
) -> Result<(), DeployError> {
    let all = manifests::outputs_for_deferred(cloud, asm, outputs, region).await?;
    let looked_up = manifests::lookups(cloud, asm, &all, region).await?;
    let r = manifests::resolve(asm, &all, &looked_up)?;
    if !r.ready.is_empty() {
        manifests::write(target, &r.files)?;
    }
    for c in &r.ready {
        ui.line(format!(
            "resolved manifests of cluster {c}: {} (kubectl apply -k)",
            target.join(c).display()
        ));
    }
    // A staged rollout: these clusters come with a later deploy.
    for p in &r.pending {
        ui.line(p.headline());
        for d in p.details() {
            ui.line(d);
        }
    }
    Ok(())
}

/// `meshsynth destroy`.
pub(crate) fn destroy(
    args: DestroyArgs,
    app: &AppSource,
    _out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let dir = assembly_dir(app, &args.assembly, &[], &args.context, err)?;
    let asm = match LoadedAssembly::load(&dir) {
        Ok(a) => a,
        Err(e) => return Ok(fail_to(err, e)),
    };
    let opts = DeployOptions {
        concurrency: args.concurrency as usize,
        busy_timeout: Duration::from_secs(args.timeout),
        force: args.force,
        app: asm.manifest.app.clone(),
        adopt: args.adopt.clone(),
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
        let plan = match Plan::for_destroy(&asm, &args.stacks, region.as_deref()) {
            Ok(p) => p,
            Err(e) => return ui.fail(e),
        };
        for n in &plan.notes {
            ui.line(format!("note: {n}"));
        }
        if let Err(e) = check_account(&cloud, &plan, args.connect.profile.as_deref()).await {
            return ui.fail(e);
        }
        if !args.force {
            let prompt = Prompt {
                kind: PromptKind::Destroy,
                question: format!("delete {} stack(s)?", plan.stacks.len()),
                details: plan.stacks.iter().map(|s| s.id.to_string()).collect(),
            };
            match ui.confirm(&prompt).await {
                Ok(true) => {}
                Ok(false) => return ui.fail("not confirmed; nothing was deleted"),
                Err(e) => return ui.fail(e),
            }
        }
        let (plan, sets) = crate::stackset_cmd::split(&asm, plan);
        let set_code = crate::stackset_cmd::destroy(&cloud, &sets, &ui).await;
        let engine = Engine::new(&cloud, &cloud, &ui, &ui, &TypeHeuristic, opts);
        let report = tokio::select! {
            r = engine.destroy(&plan, interrupts(&ctrl_c, 1)) => r,
            () = interrupts(&ctrl_c, 2) => {
                ui.line(SECOND_INTERRUPT);
                return 130;
            }
        };
        print_summary(&ui, &report, "destroy");
        exit_for(&report).max(set_code)
    };
    let code = crate::deploy::block_on(run);
    Ok(code.unwrap_or_else(|e| ui.fail(e)))
}

/// `meshsynth bootstrap`.
pub(crate) fn bootstrap(
    args: BootstrapArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let ui = Ui::new(err);
    let run = async {
        let ctrl_c = watch_ctrl_c();
        let cloud = match AwsCloud::connect(&args.connect.options()).await {
            Ok(c) => c,
            Err(e) => return ui.fail(e),
        };
        let Some(region) = cloud.default_region() else {
            return ui
                .fail("no region: pass --region or set AWS_REGION (bootstrap once per region)");
        };
        let plan = bootstrap::plan(&region);
        let opts = DeployOptions {
            require_approval: RequireApproval::Never,
            endpoint_emulated: args.connect.endpoint_url.is_some(),
            ..Default::default()
        };
        let engine = Engine::new(&cloud, &cloud, &ui, &ui, &TypeHeuristic, opts);
        let report = engine.deploy(&plan, interrupts(&ctrl_c, 1)).await;
        print_summary(&ui, &report, "bootstrap");
        if !report.success() {
            return exit_for(&report);
        }
        let id = StackId::new(&region, bootstrap::BOOTSTRAP_STACK);
        match crate::deploy::CfnApi::physical_resource_id(&cloud, &id, bootstrap::BUCKET_LOGICAL_ID)
            .await
        {
            Ok(Some(bucket)) => {
                ui.line(format!("template bucket of {region}: {bucket}"));
                let _ = writeln!(out, "{bucket}");
                0
            }
            Ok(None) => ui.fail(format!(
                "stack {id} has no {} resource",
                bootstrap::BUCKET_LOGICAL_ID
            )),
            Err(e) => ui.fail(e),
        }
    };
    let code = crate::deploy::block_on(run);
    Ok(code.unwrap_or_else(|e| ui.fail(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_inert_and_secrets_hidden() {
        let mut outputs = crate::deploy::OutputsByStack::new();
        outputs.insert(
            "app".into(),
            [
                ("DbEndpoint".to_string(), "db.internal".to_string()),
                ("Note".to_string(), "x\nerror: forged".to_string()),
                ("AdminPassword".to_string(), "hunter2".to_string()),
                ("Key".to_string(), "AKIAIOSFODNN7EXAMPLE".to_string()),
            ]
            .into(),
        );
        let mut out = Vec::new();
        print_outputs(&mut out, &outputs);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text.contains("app.DbEndpoint = db.internal"), "{text}");
        assert!(text.contains("app.Note = x\\u{a}error: forged"), "{text}");
        assert!(
            !text.contains("hunter2") && !text.contains("AKIA"),
            "{text}"
        );
    }
}
