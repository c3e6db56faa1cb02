//! The deploy engine: schedules the plan's stacks (each after its
//! dependencies, independent ones concurrently on one task), and runs each
//! through change set → describe → approve → execute → follow events. Destroy
//! reuses the scheduler with DeleteStack. On interrupt it leaves every stack
//! consistent (discards unexecuted change sets, cancels updates) and reports
//! where each one stands.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::api::{
    ApiError, CfnApi, ChangeSetKind, ChangeSetRequest, ObjectStore, ResourceChange, StackEvent,
    StackId, StackInfo, TemplateSource,
};
use super::approval::{approval_reasons, RequireApproval, SecurityAnalysis};
use super::bootstrap;
use super::events::{Approver, DeployEvent, Observer, Prompt, PromptKind};
use super::plan::{ParameterValue, Plan, PlannedStack};
use super::{DeployError, FailedResource, OutputsByStack};
use meshsynth::synth::MAX_INLINE_TEMPLATE_BYTES;

mod destroy;
mod follow;
mod import;
mod orphan;
mod refactor;
mod verify;
pub use import::{read_resource_mapping, MAX_RESOURCE_MAPPING_BYTES};
pub use orphan::{Orphaned, ORPHAN_CHANGE_SET_NAME};
pub use refactor::refactor_templates;
pub use verify::EMULATOR_GAPS;
mod stack;
mod template;

/// The change set name deploy uses. Fixed (not time-based) so a leftover from
/// an interrupted run is recognised and replaced.
pub const CHANGE_SET_NAME: &str = "meshsynth-deploy";
/// The name of the `IMPORT` change set `deploy --import` makes first.
pub const IMPORT_CHANGE_SET_NAME: &str = "meshsynth-import";

/// Capabilities acknowledged on every change set: meshsynth templates create
/// named IAM roles (IRSA) and may use macros via escape hatches.
pub const CAPABILITIES: &[&str] = &[
    "CAPABILITY_IAM",
    "CAPABILITY_NAMED_IAM",
    "CAPABILITY_AUTO_EXPAND",
];

/// The stack tag meshsynth sets on every stack it deploys: a stack of that
/// name without it is someone else's, and deploy refuses to take it over.
pub const OWNER_TAG: &str = "meshsynth:managed";

/// Why the deployed stack `info` is not meshsynth's to change or inspect
/// as its own: no `meshsynth:managed` tag, or another app's `APP_TAG`;
/// `None` when it is ours, or an `adopt` glob names it.
pub fn not_owned(
    id: &StackId,
    info: &StackInfo,
    adopt: &[String],
    app: Option<&str>,
) -> Option<String> {
    let adopted = adopt.iter().any(|p| {
        globset::Glob::new(p)
            .map(|g| g.compile_matcher().is_match(&id.name))
            .unwrap_or(false)
    });
    if adopted {
        return None;
    }
    if info.tags.get(OWNER_TAG).map(String::as_str) != Some("true") {
        return Some(format!(
            "exists in {} but was not deployed by meshsynth (it has no {OWNER_TAG} tag)",
            id.region
        ));
    }
    match (info.tags.get(APP_TAG), app) {
        (Some(theirs), Some(ours)) if theirs != ours => Some(format!(
            "belongs to app {:?} (tag {APP_TAG}), not to this assembly's app {ours:?}",
            meshsynth::untrusted::inert(theirs)
        )),
        _ => None,
    }
}

/// The stack tag naming the app (`manifest.json`'s `app`) that owns the stack.
pub const APP_TAG: &str = "meshsynth:app";

/// How often to poll CloudFormation: starting at `initial`, doubling up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    /// The first delay.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Poll {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(5),
        }
    }
}

/// How to deploy or destroy.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// When to ask before executing a change set. Default: `Broadening`.
    pub require_approval: RequireApproval,
    /// Stacks worked on at once. Default: 4.
    pub concurrency: usize,
    /// How long to wait for a stack busy with another operation. Default: 30 min.
    pub busy_timeout: Duration,
    /// The bucket for large templates. Default: the bootstrap bucket of the stack's region.
    pub bucket: Option<String>,
    /// Delete and re-create ROLLBACK_COMPLETE stacks without asking. Default: false.
    pub force: bool,
    /// Polling intervals. Default: 1 s doubling to 5 s.
    pub poll: Poll,
    /// Longest time one stack operation is followed; past it deploy stops
    /// following (the operation goes on in CloudFormation) and says so.
    /// Default: 3 h (CloudFormation's own operations can run for hours;
    /// an endpoint that keeps answering IN_PROGRESS must not hold CI forever).
    pub follow_timeout: Duration,
    /// The app deploying (`manifest.json`'s `app`): written as [`APP_TAG`],
    /// and a stack whose tag names another app is refused. Default: none.
    pub app: Option<String>,
    /// Stack-name globs deploy and destroy may work on although they lack
    /// meshsynth's [`OWNER_TAG`] or name another app (`--adopt`): a stack
    /// deployed before the mark existed, or one taken over on purpose.
    /// Default: none.
    pub adopt: Vec<String>,
    /// `--import`: before a stack's change set, resources of its template
    /// that the deployed stack lacks are imported (an `IMPORT` change set)
    /// instead of created. Default: false.
    pub import: bool,
    /// `--resource-mapping`: the identifier of each resource to import, by
    /// `STACK/LogicalId`, for types whose identifier the template does not
    /// hold. Default: none (identifiers come from the template).
    pub resource_mapping: BTreeMap<String, BTreeMap<String, String>>,
    /// Deploying through `--endpoint-url` (an emulator): a resource the
    /// stack lacks after success is a note, not an error, when emulators do
    /// not model its type ([`EMULATOR_GAPS`]). Default: false.
    pub endpoint_emulated: bool,
    /// `--continue-rollback`: a stack in `UPDATE_ROLLBACK_FAILED` is rolled
    /// back the rest of the way (ContinueUpdateRollback, skipping the
    /// logical IDs listed) before its change set. Default: none (such a
    /// stack stops the deploy, naming the resources that failed to roll back).
    pub continue_rollback: Option<Vec<String>>,
    /// Move resources that only changed logical id or stack with a stack
    /// refactor before the change sets (`Auto`), or refuse such a deploy
    /// (`Never`). Default: `Auto`.
    pub refactor: RefactorMode,
}

/// What deploy does with resources that moved (`meshsynth diff` shows them
/// as moves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefactorMode {
    /// Move them with CloudFormation's stack refactor first, so nothing is
    /// replaced.
    #[default]
    Auto,
    /// Refuse the deploy, naming them.
    Never,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            require_approval: RequireApproval::Broadening,
            concurrency: 4,
            busy_timeout: Duration::from_secs(1800),
            bucket: None,
            force: false,
            poll: Poll::default(),
            follow_timeout: Duration::from_secs(3 * 3600),
            app: None,
            adopt: Vec::new(),
            import: false,
            resource_mapping: BTreeMap::new(),
            endpoint_emulated: false,
            continue_rollback: None,
            refactor: RefactorMode::Auto,
        }
    }
}

/// How one stack ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StackOutcome {
    /// Created by a CREATE change set.
    Created,
    /// Updated by an UPDATE change set.
    Updated,
    /// Nothing to change.
    Unchanged,
    /// Deleted (destroy).
    Deleted,
    /// Destroy found no such stack.
    AlreadyGone,
    /// Failed; the error names the stack and the reason.
    Failed(DeployError),
    /// Not attempted, and why.
    Skipped(String),
    /// Interrupted: what deploy did to leave it consistent, and its status then.
    Interrupted {
        /// The clean-up action taken.
        action: String,
        /// The stack status after it (`None` when the stack does not exist).
        status: Option<String>,
    },
}

impl StackOutcome {
    /// True for the outcomes that count as success.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            StackOutcome::Created
                | StackOutcome::Updated
                | StackOutcome::Unchanged
                | StackOutcome::Deleted
                | StackOutcome::AlreadyGone
        )
    }
}

/// The result for one stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackResult {
    /// The stack.
    pub id: StackId,
    /// How it ended.
    pub outcome: StackOutcome,
    /// Its outputs after a successful deploy.
    pub outputs: BTreeMap<String, String>,
}

/// The result of a deploy or destroy, in plan order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// One entry per planned stack.
    pub stacks: Vec<StackResult>,
    /// True when the run was interrupted.
    pub interrupted: bool,
}

impl Report {
    /// Nothing deployed: the first stack failed with `e`, the others were skipped.
    fn refused(plan: &Plan, e: DeployError) -> Report {
        let mut e = Some(e);
        Report {
            stacks: plan
                .stacks
                .iter()
                .map(|st| StackResult {
                    id: st.id.clone(),
                    outcome: match e.take() {
                        Some(e) => StackOutcome::Failed(e),
                        None => StackOutcome::Skipped(
                            "the moves before the change sets did not happen".into(),
                        ),
                    },
                    outputs: BTreeMap::new(),
                })
                .collect(),
            interrupted: false,
        }
    }

    /// True when every stack succeeded.
    pub fn success(&self) -> bool {
        !self.interrupted && self.stacks.iter().all(|s| s.outcome.is_success())
    }

    /// The errors of failed stacks, in plan order.
    pub fn errors(&self) -> Vec<&DeployError> {
        self.stacks
            .iter()
            .filter_map(|s| match &s.outcome {
                StackOutcome::Failed(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    /// Outputs of the stacks that deployed (or were already up to date).
    pub fn outputs(&self) -> OutputsByStack {
        self.stacks
            .iter()
            .filter(|s| {
                matches!(
                    s.outcome,
                    StackOutcome::Created | StackOutcome::Updated | StackOutcome::Unchanged
                )
            })
            .map(|s| (s.id.name.clone(), s.outputs.clone()))
            .collect()
    }
}

/// Where a stack's operation stands, so an interrupt knows what to undo.
#[derive(Debug, Clone)]
enum Phase {
    Preparing,
    /// `change_set` is the ID once known (the name before).
    ChangeSet {
        new_stack: bool,
        change_set: String,
    },
    Executing {
        kind: ChangeSetKind,
    },
    Deleting,
}

type Done = (StackOutcome, BTreeMap<String, String>);

/// Runs plans against a CloudFormation API.
pub struct Engine<'a, A, S, P> {
    api: &'a A,
    store: &'a S,
    approver: &'a P,
    observer: &'a dyn Observer,
    analysis: &'a dyn SecurityAnalysis,
    opts: DeployOptions,
    outputs: RefCell<BTreeMap<StackId, BTreeMap<String, String>>>,
    phases: RefCell<BTreeMap<StackId, Phase>>,
    results: RefCell<BTreeMap<usize, Done>>,
    buckets: RefCell<BTreeMap<String, String>>,
    /// One question at a time, even with stacks running concurrently.
    prompt_lock: tokio::sync::Mutex<()>,
}

fn is_in_progress(status: &str) -> bool {
    status.ends_with("_IN_PROGRESS")
}

/// Done count for display: never above a known total.
fn capped(done: usize, total: usize) -> usize {
    if total > 0 {
        done.min(total)
    } else {
        done
    }
}

fn is_resource_final(status: &str) -> bool {
    status.ends_with("_COMPLETE") || status.ends_with("_FAILED") || status.ends_with("_SKIPPED")
}

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    /// The tags every change set writes: the ownership mark, and the app.
    fn owner_tags(&self) -> Vec<(String, String)> {
        let mut tags = vec![(OWNER_TAG.to_string(), "true".to_string())];
        if let Some(app) = &self.opts.app {
            tags.push((APP_TAG.to_string(), app.clone()));
        }
        tags
    }

    /// Refuses an existing stack that meshsynth did not deploy, or that
    /// another app deployed, unless `--adopt` names it: a stack of the same
    /// name in the account is not ours to update or delete.
    fn check_owner(&self, id: &StackId, info: &StackInfo) -> Result<(), DeployError> {
        match not_owned(id, info, &self.opts.adopt, self.opts.app.as_deref()) {
            None => Ok(()),
            Some(why) => Err(DeployError::NotOwned {
                stack: id.clone(),
                why,
            }),
        }
    }

    /// An engine over these services and callbacks.
    pub fn new(
        api: &'a A,
        store: &'a S,
        approver: &'a P,
        observer: &'a dyn Observer,
        analysis: &'a dyn SecurityAnalysis,
        opts: DeployOptions,
    ) -> Self {
        Engine {
            api,
            store,
            approver,
            observer,
            analysis,
            opts,
            outputs: RefCell::new(BTreeMap::new()),
            phases: RefCell::new(BTreeMap::new()),
            results: RefCell::new(BTreeMap::new()),
            buckets: RefCell::new(BTreeMap::new()),
            prompt_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn emit(&self, e: DeployEvent) {
        self.observer.on_event(&e);
    }

    fn set_phase(&self, id: &StackId, p: Option<Phase>) {
        let mut phases = self.phases.borrow_mut();
        match p {
            Some(p) => phases.insert(id.clone(), p),
            None => phases.remove(id),
        };
    }

    /// Deploys the plan; `interrupt` resolving stops it cleanly (Ctrl-C).
    pub async fn deploy(&self, plan: &Plan, interrupt: impl Future<Output = ()>) -> Report {
        self.run(plan, interrupt, false).await
    }

    /// Deletes the plan's stacks (a destroy plan: dependents first).
    pub async fn destroy(&self, plan: &Plan, interrupt: impl Future<Output = ()>) -> Report {
        self.run(plan, interrupt, true).await
    }

    async fn run(&self, plan: &Plan, interrupt: impl Future<Output = ()>, destroy: bool) -> Report {
        self.results.borrow_mut().clear();
        if !destroy {
            if let Err(e) = self.refactor(plan).await {
                return Report::refused(plan, e);
            }
        }
        let work = self.schedule(plan, destroy);
        tokio::pin!(work);
        tokio::pin!(interrupt);
        let interrupted = tokio::select! {
            biased;
            () = &mut work => false,
            () = &mut interrupt => true,
        };
        let mut report = Report {
            stacks: Vec::new(),
            interrupted,
        };
        for (i, st) in plan.stacks.iter().enumerate() {
            let done = self.results.borrow_mut().remove(&i);
            let (outcome, outputs) = match done {
                Some(d) => d,
                None if interrupted => (self.clean_up(&st.id).await, BTreeMap::new()),
                None => (StackOutcome::Skipped("not started".into()), BTreeMap::new()),
            };
            report.stacks.push(StackResult {
                id: st.id.clone(),
                outcome,
                outputs,
            });
        }
        report
    }

    /// Starts each stack once everything in its `after` list succeeded; after
    /// a failure starts nothing new and lets running stacks finish.
    async fn schedule(&self, plan: &Plan, destroy: bool) {
        let n = plan.stacks.len();
        let index: BTreeMap<&str, usize> = plan
            .stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.name.as_str(), i))
            .collect();
        let mut started = vec![false; n];
        let mut ok: Vec<Option<bool>> = vec![None; n];
        let mut halted = false;
        let mut running = FuturesUnordered::new();
        loop {
            for i in 0..n {
                if started[i] {
                    continue;
                }
                let deps: Vec<usize> = plan.stacks[i]
                    .after
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .collect();
                if let Some(&bad) = deps.iter().find(|&&d| ok[d] == Some(false)) {
                    started[i] = true;
                    ok[i] = Some(false);
                    let why = format!("{} did not succeed", plan.stacks[bad].id.name);
                    self.results
                        .borrow_mut()
                        .insert(i, (StackOutcome::Skipped(why), BTreeMap::new()));
                    continue;
                }
                let room = running.len() < self.opts.concurrency.max(1);
                if !halted && room && deps.iter().all(|&d| ok[d] == Some(true)) {
                    started[i] = true;
                    let st = &plan.stacks[i];
                    running.push(async move {
                        let r = if destroy {
                            self.destroy_one(st).await
                        } else {
                            self.deploy_one(st).await
                        };
                        (i, r)
                    });
                }
            }
            let Some((i, r)) = running.next().await else {
                break;
            };
            let done = match r {
                Ok(d) => d,
                Err(e) => (StackOutcome::Failed(e), BTreeMap::new()),
            };
            ok[i] = Some(done.0.is_success());
            if !done.0.is_success() {
                halted = true;
            }
            self.results.borrow_mut().insert(i, done);
        }
        for (i, s) in started.iter().enumerate() {
            if !s {
                self.results.borrow_mut().insert(
                    i,
                    (
                        StackOutcome::Skipped("not started after an earlier failure".into()),
                        BTreeMap::new(),
                    ),
                );
            }
        }
    }

    fn api_err<'i>(
        id: &'i StackId,
        operation: &'static str,
    ) -> impl Fn(ApiError) -> DeployError + 'i {
        move |source| DeployError::Api {
            stack: id.clone(),
            operation,
            source,
        }
    }

    async fn sleep(&self, delay: &mut Duration) {
        tokio::time::sleep(*delay).await;
        *delay = (*delay * 2).min(self.opts.poll.max);
    }

    /// DescribeStacks that tolerates throttling beyond the SDK's retries by
    /// waiting a polling interval and asking again: a long wait must not fail
    /// because the account's API budget is busy.
    async fn describe(&self, id: &StackId) -> Result<Option<StackInfo>, DeployError> {
        let mut delay = self.opts.poll.initial;
        let mut attempts = 0;
        loop {
            match self.api.describe_stack(id).await {
                Err(ApiError::Throttled(_)) if attempts < 10 => {
                    attempts += 1;
                    self.sleep(&mut delay).await;
                }
                r => return r.map_err(Self::api_err(id, "DescribeStacks")),
            }
        }
    }

    /// Waits while the stack is busy with another operation, up to the timeout.
    async fn settle(&self, id: &StackId) -> Result<Option<StackInfo>, DeployError> {
        let start = Instant::now();
        let mut delay = self.opts.poll.initial;
        let mut announced = false;
        loop {
            let info = self.describe(id).await?;
            match &info {
                Some(i) if is_in_progress(&i.status) && i.status != "REVIEW_IN_PROGRESS" => {
                    let waited = start.elapsed();
                    if waited >= self.opts.busy_timeout {
                        return Err(DeployError::Busy {
                            stack: id.clone(),
                            status: i.status.clone(),
                            waited_secs: waited.as_secs(),
                        });
                    }
                    if !announced {
                        announced = true;
                        self.emit(DeployEvent::Busy {
                            stack: id.clone(),
                            status: i.status.clone(),
                            timeout_secs: self.opts.busy_timeout.as_secs(),
                        });
                    }
                    let left = self.opts.busy_timeout - waited;
                    tokio::time::sleep(delay.min(left)).await;
                    delay = (delay * 2).min(self.opts.poll.max);
                }
                _ => return Ok(info),
            }
        }
    }

    async fn ask(&self, id: &StackId, prompt: Prompt, what: &str) -> Result<(), DeployError> {
        let _guard = self.prompt_lock.lock().await;
        match self.approver.confirm(&prompt).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(DeployError::NotConfirmed {
                stack: id.clone(),
                what: what.to_string(),
            }),
            Err(reason) => Err(DeployError::CannotConfirm {
                stack: id.clone(),
                reason,
            }),
        }
    }
}
