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
    ApiError, CfnApi, ChangeSetKind, ChangeSetRequest, ObjectStore, StackEvent, StackId, StackInfo,
    TemplateSource,
};
use super::approval::{approval_reasons, RequireApproval, SecurityAnalysis};
use super::bootstrap;
use super::events::{Approver, DeployEvent, Observer, Prompt, PromptKind};
use super::plan::{ParameterValue, Plan, PlannedStack};
use super::{DeployError, FailedResource, OutputsByStack};
use meshsynth::synth::MAX_INLINE_TEMPLATE_BYTES;

/// The change set name deploy uses. Fixed (not time-based) so a leftover from
/// an interrupted run is recognised and replaced.
pub const CHANGE_SET_NAME: &str = "meshsynth-deploy";

/// Capabilities acknowledged on every change set: meshsynth templates create
/// named IAM roles (IRSA) and may use macros via escape hatches.
pub const CAPABILITIES: &[&str] = &[
    "CAPABILITY_IAM",
    "CAPABILITY_NAMED_IAM",
    "CAPABILITY_AUTO_EXPAND",
];

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

    async fn deploy_one(&self, st: &PlannedStack) -> Result<Done, DeployError> {
        let id = &st.id;
        self.set_phase(id, Some(Phase::Preparing));
        self.emit(DeployEvent::Started { stack: id.clone() });
        let r = self.deploy_stack(st).await;
        self.set_phase(id, None);
        let (outcome, info) = r?;
        let outputs = info.map(|i| i.outputs).unwrap_or_default();
        self.outputs
            .borrow_mut()
            .insert(id.clone(), outputs.clone());
        Ok((outcome, outputs))
    }

    async fn deploy_stack(
        &self,
        st: &PlannedStack,
    ) -> Result<(StackOutcome, Option<StackInfo>), DeployError> {
        let id = &st.id;
        let existing = loop {
            let info = self.settle(id).await?;
            match info {
                Some(i) if i.status == "ROLLBACK_COMPLETE" || i.status == "ROLLBACK_FAILED" => {
                    self.recreate(id, &i).await?;
                }
                Some(i) if i.status.ends_with("_FAILED") => {
                    let hint = match i.status.as_str() {
                        "UPDATE_ROLLBACK_FAILED" => "fix the cause, then run `aws cloudformation continue-update-rollback` (skipping resources that cannot roll back) and deploy again",
                        "DELETE_FAILED" => "delete it again (with --retain-resources for resources that cannot be deleted), then deploy",
                        _ => "resolve it in the CloudFormation console or CLI, then deploy again",
                    };
                    return Err(DeployError::Unrecoverable {
                        stack: id.clone(),
                        status: i.status.clone(),
                        hint: hint.into(),
                    });
                }
                // An empty shell holding only unexecuted CREATE change sets
                // is created, not updated.
                Some(i) if i.status == "REVIEW_IN_PROGRESS" => break None,
                other => break other,
            }
        };
        let kind = if existing.is_some() {
            ChangeSetKind::Update
        } else {
            ChangeSetKind::Create
        };
        let template = self.template_source(st).await?;
        let parameters = self.parameters(st).await?;
        let req = ChangeSetRequest {
            stack: id.clone(),
            change_set_name: CHANGE_SET_NAME.into(),
            kind,
            template,
            parameters,
            capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
        };
        let new_stack = kind == ChangeSetKind::Create;
        self.set_phase(
            id,
            Some(Phase::ChangeSet {
                new_stack,
                change_set: CHANGE_SET_NAME.into(),
            }),
        );
        let created = match self.api.create_change_set(&req).await {
            Err(ApiError::AlreadyExists(_)) => {
                // A leftover of an interrupted run: replace it.
                let _ = self.api.delete_change_set(id, CHANGE_SET_NAME).await;
                self.api.create_change_set(&req).await
            }
            r => r,
        };
        // From here on the change set is addressed by its ID: names are only
        // unique per stack (and some emulators look names up globally).
        let cs_id = match created {
            Ok(cs_id) if !cs_id.is_empty() => cs_id,
            Ok(_) => CHANGE_SET_NAME.to_string(),
            Err(ApiError::NoChanges(_)) => return self.unchanged(st, existing).await,
            Err(e) => return Err(Self::api_err(id, "CreateChangeSet")(e)),
        };
        self.set_phase(
            id,
            Some(Phase::ChangeSet {
                new_stack,
                change_set: cs_id.clone(),
            }),
        );
        let cs = self.wait_change_set(id, &cs_id).await?;
        let no_changes = cs.status == "FAILED"
            && cs.status_reason.as_deref().is_some_and(|r| {
                let r = r.to_ascii_lowercase();
                r.contains("didn't contain changes")
                    || r.contains("no updates are to be performed")
                    || r.contains("did not contain changes")
            });
        // A complete change set without resource changes is "no changes" to
        // an emulator, but to CloudFormation it may change outputs only (a
        // new export for a stack that now has a consumer): executed unless
        // the deployed template is the same.
        let empty = cs.status == "CREATE_COMPLETE" && cs.changes.is_empty();
        if no_changes || (empty && !new_stack && self.same_template(st).await) {
            let _ = self.api.delete_change_set(id, &cs_id).await;
            return self.unchanged(st, existing).await;
        }
        if cs.status == "FAILED" {
            self.discard(id, &cs_id, new_stack).await;
            return Err(DeployError::ChangeSetFailed {
                stack: id.clone(),
                reason: cs.status_reason.unwrap_or_else(|| "no reason given".into()),
            });
        }
        self.emit(DeployEvent::ChangeSet {
            stack: id.clone(),
            kind,
            changes: cs.changes.clone(),
        });
        if let Some(reasons) =
            approval_reasons(self.opts.require_approval, self.analysis, &cs.changes)
        {
            let prompt = Prompt {
                kind: PromptKind::ApproveChangeSet,
                question: format!("execute the change set of stack {id}?"),
                details: reasons,
            };
            if let Err(e) = self.ask(id, prompt, "executing the change set").await {
                self.discard(id, &cs_id, new_stack).await;
                return Err(e);
            }
        }
        let marker = self.newest_event(id).await;
        self.set_phase(id, Some(Phase::Executing { kind }));
        if let Err(e) = self.api.execute_change_set(id, &cs_id).await {
            return Err(DeployError::ExecuteFailed {
                stack: id.clone(),
                message: e.to_string(),
            });
        }
        let total = cs.changes.len();
        self.emit(DeployEvent::Executing {
            stack: id.clone(),
            total,
        });
        let (info, failure) = self.follow(id, id, marker, total).await?;
        let Some(info) = info else {
            return Err(DeployError::StackFailed {
                stack: id.clone(),
                status: "DELETE_COMPLETE".into(),
                resource: failure,
                reason: Some("the stack disappeared while deploying".into()),
            });
        };
        self.emit(DeployEvent::Finished {
            stack: id.clone(),
            status: info.status.clone(),
        });
        match info.status.as_str() {
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" => {}
            _ => {
                return Err(DeployError::StackFailed {
                    stack: id.clone(),
                    status: info.status.clone(),
                    resource: failure,
                    reason: info.status_reason.clone(),
                })
            }
        }
        self.sync_termination_protection(st, &info).await?;
        let outcome = match kind {
            ChangeSetKind::Create => StackOutcome::Created,
            ChangeSetKind::Update => StackOutcome::Updated,
        };
        Ok((outcome, Some(info)))
    }

    /// Whether the deployed template of `st` is the one being deployed
    /// (compared as parsed documents, so JSON formatting does not count).
    async fn same_template(&self, st: &PlannedStack) -> bool {
        let Ok(deployed) = self.api.get_template(&st.id).await else {
            return false;
        };
        let parse = |bytes: &[u8]| meshsynth::assembly::parse_template("template", bytes).ok();
        match (parse(deployed.as_bytes()), parse(&st.template)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    async fn unchanged(
        &self,
        st: &PlannedStack,
        existing: Option<StackInfo>,
    ) -> Result<(StackOutcome, Option<StackInfo>), DeployError> {
        self.emit(DeployEvent::NoChanges {
            stack: st.id.clone(),
        });
        if let Some(info) = &existing {
            self.sync_termination_protection(st, info).await?;
        }
        Ok((StackOutcome::Unchanged, existing))
    }

    /// Deletes an unexecuted change set, and the empty stack shell a CREATE
    /// change set made, so a declined or failed deploy leaves nothing behind.
    async fn discard(&self, id: &StackId, change_set: &str, new_stack: bool) {
        let _ = self.api.delete_change_set(id, change_set).await;
        if new_stack {
            let _ = self.api.delete_stack(id).await;
        }
    }

    async fn sync_termination_protection(
        &self,
        st: &PlannedStack,
        info: &StackInfo,
    ) -> Result<(), DeployError> {
        // Only call when it differs: emulators may not implement the call.
        if st.termination_protection != info.termination_protection {
            self.api
                .update_termination_protection(&st.id, st.termination_protection)
                .await
                .map_err(Self::api_err(&st.id, "UpdateTerminationProtection"))?;
        }
        Ok(())
    }

    /// Deletes a stack whose first create failed, after confirmation.
    async fn recreate(&self, id: &StackId, info: &StackInfo) -> Result<(), DeployError> {
        if !self.opts.force {
            let prompt = Prompt {
                kind: PromptKind::RecreateFailedStack,
                question: format!(
                    "stack {id} is in {} after a failed first create; delete it and create it again?",
                    info.status
                ),
                details: info.status_reason.iter().cloned().collect(),
            };
            self.ask(id, prompt, "deleting and re-creating the stack")
                .await?;
        }
        self.emit(DeployEvent::Recreating {
            stack: id.clone(),
            status: info.status.clone(),
        });
        self.set_phase(id, Some(Phase::Deleting));
        let by_id = StackId::new(&id.region, &info.stack_id);
        let marker = self.newest_event(&by_id).await;
        self.api
            .delete_stack(id)
            .await
            .map_err(Self::api_err(id, "DeleteStack"))?;
        let (after, failure) = self.follow(&by_id, id, marker, 0).await?;
        match after {
            Some(a) if a.status != "DELETE_COMPLETE" => Err(DeployError::StackFailed {
                stack: id.clone(),
                status: a.status,
                resource: failure,
                reason: Some(
                    "deleting the stack left by the failed create did not complete".into(),
                ),
            }),
            _ => Ok(()),
        }
    }

    async fn wait_change_set(
        &self,
        id: &StackId,
        change_set: &str,
    ) -> Result<super::api::ChangeSetInfo, DeployError> {
        let start = Instant::now();
        let mut delay = self.opts.poll.initial;
        loop {
            let status = match self.api.describe_change_set(id, change_set).await {
                Ok(cs) if cs.status == "CREATE_COMPLETE" || cs.status == "FAILED" => return Ok(cs),
                Ok(cs) => cs.status,
                Err(ApiError::Throttled(_)) => "unknown (throttled)".to_string(),
                Err(e) => return Err(Self::api_err(id, "DescribeChangeSet")(e)),
            };
            // Bounded like the busy wait: a change set is computed in
            // seconds, so a long wait means something is wrong.
            if start.elapsed() >= self.opts.busy_timeout {
                let _ = self.api.delete_change_set(id, change_set).await;
                return Err(DeployError::ChangeSetFailed {
                    stack: id.clone(),
                    reason: format!(
                        "still {status} after {} s (--timeout)",
                        start.elapsed().as_secs()
                    ),
                });
            }
            self.sleep(&mut delay).await;
        }
    }

    /// The newest event's ID, where live streaming starts after.
    async fn newest_event(&self, id: &StackId) -> Option<String> {
        match self.api.stack_events(id, None).await {
            Ok(ev) => ev.first().map(|e| e.event_id.clone()),
            Err(_) => None,
        }
    }

    /// Streams events until the stack leaves its IN_PROGRESS state; returns
    /// its final description (`None` once deleted) and the first failure.
    async fn follow(
        &self,
        id: &StackId,
        shown: &StackId,
        mut marker: Option<String>,
        total: usize,
    ) -> Result<(Option<StackInfo>, Option<Box<FailedResource>>), DeployError> {
        let mut delay = self.opts.poll.initial;
        let started = tokio::time::Instant::now();
        let mut done: BTreeSet<String> = BTreeSet::new();
        let mut first_failure: Option<(FailedResource, bool)> = None;
        let mut last_round = false;
        // The status last shown per resource: CloudFormation writes two
        // CREATE_IN_PROGRESS events per resource (requested, then "Resource
        // creation Initiated"); a reader wants one line.
        let mut shown_status: std::collections::HashMap<String, String> = Default::default();
        loop {
            match self.api.stack_events(id, marker.as_deref()).await {
                Ok(mut events) => {
                    events.reverse();
                    if let Some(last) = events.last() {
                        marker = Some(last.event_id.clone());
                    }
                    for e in events {
                        self.note_event(&e, &mut done, &mut first_failure);
                        if shown_status.get(&e.logical_id) == Some(&e.status)
                            && !e.status.ends_with("_FAILED")
                        {
                            continue;
                        }
                        shown_status.insert(e.logical_id.clone(), e.status.clone());
                        self.emit(DeployEvent::Resource {
                            stack: shown.clone(),
                            event: e,
                            done: capped(done.len(), total),
                            total,
                        });
                    }
                    // Every round, so displays can refresh elapsed time.
                    self.emit(DeployEvent::Progress {
                        stack: shown.clone(),
                        done: capped(done.len(), total),
                        total,
                    });
                }
                Err(ApiError::Throttled(_)) => {}
                // Once the stack is deleted, its name no longer finds events.
                Err(ApiError::NotFound(_)) => {}
                Err(e) => return Err(Self::api_err(id, "DescribeStackEvents")(e)),
            }
            if last_round {
                break;
            }
            match self.describe(id).await? {
                Some(i) if is_in_progress(&i.status) => {
                    if started.elapsed() >= self.opts.follow_timeout {
                        return Err(DeployError::StillRunning {
                            stack: shown.clone(),
                            status: i.status,
                            waited_secs: started.elapsed().as_secs(),
                        });
                    }
                    self.sleep(&mut delay).await
                }
                // One more round of events: those written between our last
                // read and the final status.
                _ => last_round = true,
            }
        }
        let info = self.describe(id).await?;
        let info = info.filter(|i| i.status != "DELETE_COMPLETE");
        Ok((info, first_failure.map(|(f, _)| Box::new(f))))
    }

    fn note_event(
        &self,
        e: &StackEvent,
        done: &mut BTreeSet<String>,
        first: &mut Option<(FailedResource, bool)>,
    ) {
        if e.is_stack_event() {
            return;
        }
        if is_resource_final(&e.status) {
            done.insert(e.logical_id.clone());
        }
        if e.status.ends_with("_FAILED") {
            let reason = e.reason.clone().unwrap_or_default();
            // "Resource creation cancelled" follows the real failure elsewhere.
            let consequential = reason.to_ascii_lowercase().contains("cancelled");
            let replace = match first {
                None => true,
                Some((_, was_consequential)) => *was_consequential && !consequential,
            };
            if replace {
                *first = Some((
                    FailedResource {
                        logical_id: e.logical_id.clone(),
                        resource_type: e.resource_type.clone(),
                        status: e.status.clone(),
                        reason,
                    },
                    consequential,
                ));
            }
        }
    }

    async fn template_source(&self, st: &PlannedStack) -> Result<TemplateSource, DeployError> {
        let id = &st.id;
        let body = String::from_utf8(st.template.clone()).map_err(|_| DeployError::Assembly {
            path: id.name.clone(),
            message: "the template is not UTF-8".into(),
        })?;
        if body.len() <= MAX_INLINE_TEMPLATE_BYTES {
            return Ok(TemplateSource::Body(body));
        }
        let bucket = self.bucket(id, body.len()).await?;
        let digest = Sha256::digest(body.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        // Content-addressed: re-deploying the same template re-uses the object.
        let key = format!("meshsynth/templates/{}/{hex}.template", id.name);
        let bytes = body.len();
        self.store
            .put_object(&id.region, &bucket, &key, body.into_bytes())
            .await
            .map_err(Self::api_err(id, "PutObject"))?;
        let url = bootstrap::template_url(&id.region, &bucket, &key);
        self.emit(DeployEvent::Uploaded {
            stack: id.clone(),
            bytes,
            url: url.clone(),
        });
        Ok(TemplateSource::Url(url))
    }

    async fn bucket(&self, id: &StackId, bytes: usize) -> Result<String, DeployError> {
        if let Some(b) = &self.opts.bucket {
            return Ok(b.clone());
        }
        if let Some(b) = self.buckets.borrow().get(&id.region) {
            return Ok(b.clone());
        }
        let boot = StackId::new(&id.region, bootstrap::BOOTSTRAP_STACK);
        let found = match self
            .api
            .physical_resource_id(&boot, bootstrap::BUCKET_LOGICAL_ID)
            .await
        {
            Ok(b) => b,
            Err(ApiError::NotFound(_)) => None,
            Err(e) => return Err(Self::api_err(&boot, "DescribeStackResource")(e)),
        };
        let Some(bucket) = found.filter(|b| !b.is_empty()) else {
            return Err(DeployError::NoBucket {
                stack: id.clone(),
                bytes,
                region: id.region.clone(),
            });
        };
        self.buckets
            .borrow_mut()
            .insert(id.region.clone(), bucket.clone());
        Ok(bucket)
    }

    /// Parameter values, reading outputs of producing stacks (this run's,
    /// or the deployed ones for stacks outside the plan).
    async fn parameters(&self, st: &PlannedStack) -> Result<BTreeMap<String, String>, DeployError> {
        let mut out = BTreeMap::new();
        for (name, value) in &st.parameters {
            let v = match value {
                ParameterValue::Literal(v) => v.clone(),
                ParameterValue::Output { stack, output } => {
                    let known = self.outputs.borrow().get(stack).cloned();
                    let outputs = match known {
                        Some(o) => o,
                        None => match self.describe(stack).await? {
                            Some(i) => i.outputs,
                            None => {
                                return Err(DeployError::MissingInput {
                                    stack: st.id.clone(),
                                    parameter: name.clone(),
                                    input: format!(
                                        "output {output} of stack {stack}, which is not deployed"
                                    ),
                                })
                            }
                        },
                    };
                    outputs
                        .get(output)
                        .cloned()
                        .ok_or_else(|| DeployError::MissingInput {
                            stack: st.id.clone(),
                            parameter: name.clone(),
                            input: format!(
                                "output {output} of stack {stack}, which does not report it (is the producing stack up to date?)"
                            ),
                        })?
                }
            };
            out.insert(name.clone(), v);
        }
        Ok(out)
    }

    async fn destroy_one(&self, st: &PlannedStack) -> Result<Done, DeployError> {
        let id = &st.id;
        self.emit(DeployEvent::Started { stack: id.clone() });
        let Some(info) = self.settle(id).await? else {
            self.emit(DeployEvent::Finished {
                stack: id.clone(),
                status: "DELETE_COMPLETE".into(),
            });
            return Ok((StackOutcome::AlreadyGone, BTreeMap::new()));
        };
        if info.termination_protection {
            return Err(DeployError::TerminationProtected { stack: id.clone() });
        }
        let by_id = StackId::new(&id.region, &info.stack_id);
        let marker = self.newest_event(&by_id).await;
        self.set_phase(id, Some(Phase::Deleting));
        let r = self.delete_and_follow(id, &by_id, marker).await;
        self.set_phase(id, None);
        r
    }

    async fn delete_and_follow(
        &self,
        id: &StackId,
        by_id: &StackId,
        marker: Option<String>,
    ) -> Result<Done, DeployError> {
        self.api
            .delete_stack(by_id)
            .await
            .map_err(Self::api_err(id, "DeleteStack"))?;
        self.emit(DeployEvent::Executing {
            stack: id.clone(),
            total: 0,
        });
        let (after, failure) = self.follow(by_id, id, marker, 0).await?;
        match after {
            Some(a) => Err(DeployError::StackFailed {
                stack: id.clone(),
                status: a.status,
                resource: failure,
                reason: a.status_reason,
            }),
            None => {
                self.emit(DeployEvent::Finished {
                    stack: id.clone(),
                    status: "DELETE_COMPLETE".into(),
                });
                Ok((StackOutcome::Deleted, BTreeMap::new()))
            }
        }
    }

    /// After an interrupt: undo what can be undone for a stack that was in
    /// flight, and report its status.
    async fn clean_up(&self, id: &StackId) -> StackOutcome {
        let phase = self.phases.borrow_mut().remove(id);
        let Some(phase) = phase else {
            return StackOutcome::Skipped("interrupted before it started".into());
        };
        let action = match phase {
            Phase::Preparing => "nothing had been changed yet".to_string(),
            Phase::ChangeSet {
                new_stack,
                change_set,
            } => {
                self.discard(id, &change_set, new_stack).await;
                "discarded the unexecuted change set".to_string()
            }
            Phase::Executing {
                kind: ChangeSetKind::Update,
            } => match self.api.cancel_update_stack(id).await {
                Ok(()) => "cancelled the update; CloudFormation rolls it back".to_string(),
                Err(e) => format!("could not cancel the update ({e})"),
            },
            Phase::Executing {
                kind: ChangeSetKind::Create,
            } => "a create cannot be cancelled; CloudFormation finishes it (or rolls it back) on its own".to_string(),
            Phase::Deleting => "the deletion continues in CloudFormation".to_string(),
        };
        let status = match self.api.describe_stack(id).await {
            Ok(i) => i.map(|i| i.status),
            Err(e) => Some(format!("unknown ({e})")),
        };
        StackOutcome::Interrupted { action, status }
    }
}
