//! A fake CloudFormation for the engine's tests, following the AWS
//! documentation where the emulator cannot (rollbacks, per-resource events,
//! outputs after change sets, busy stacks, throttling). Operations progress
//! one step per DescribeStacks call, so the engine's polling sees them run.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use serde_json::Value as Json;

mod drift;
mod import;
mod refactor;
mod retain;
mod rollback;
mod services;
use import::import_changes;
use retain::retained;

use super::api::{
    ApiError, CfnApi, ChangeSetInfo, ChangeSetKind, ChangeSetRequest, LookupApi, MskBrokers,
    ObjectStore, ResourceChange, StackEvent, StackId, StackInfo, TemplateSource,
};

/// How the fake reports a change set without changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoChangeStyle {
    /// AWS: a FAILED change set with a "didn't contain changes" reason.
    Aws,
    /// moto: CreateChangeSet raises `ValidationError: No updates are to be performed.`
    Moto,
}

#[derive(Debug, Clone)]
pub struct FakeChangeSet {
    pub kind: ChangeSetKind,
    pub template: String,
    pub changes: Vec<ResourceChange>,
    pub status: String,
    pub reason: Option<String>,
    pub describes: usize,
}

#[derive(Debug, Clone, Default)]
pub struct FakeStack {
    pub arn: String,
    pub name: String,
    pub status: String,
    pub reason: Option<String>,
    pub template: Option<String>,
    pub outputs: BTreeMap<String, String>,
    pub events: Vec<StackEvent>,
    pub termination_protection: bool,
    pub change_sets: BTreeMap<String, FakeChangeSet>,
    pub deleted: bool,
    /// Events still to come, each with the stack status after it.
    pub pending: VecDeque<(StackEvent, String)>,
    /// Keep the stack in its IN_PROGRESS status forever (until cancelled).
    pub hang: bool,
    /// What the stack's template becomes when the operation completes.
    pub next_template: Option<String>,
    /// The stack's tags.
    pub tags: BTreeMap<String, String>,
}

#[derive(Default)]
pub struct State {
    pub stacks: BTreeMap<(String, String), FakeStack>,
    pub calls: Vec<String>,
    pub throttle: usize,
    pub no_change: Option<NoChangeStyle>,
    /// Resource logical ID → failure reason, applied at execution.
    pub fail: BTreeMap<String, String>,
    pub hang_on_execute: bool,
    /// Change sets never finish computing.
    pub stuck_change_sets: bool,
    pub serial: u32,
    pub uploads: Vec<(String, String, String, usize)>,
    /// Every CreateChangeSet request, in order.
    pub requests: Vec<ChangeSetRequest>,
    /// Broker strings by MSK cluster ARN; any other ARN gets IAM brokers
    /// made from it, as a provisioned cluster with IAM authentication has.
    pub msk_brokers: BTreeMap<String, MskBrokers>,
    /// Resources the stack reports complete but does not hold (moto after
    /// an HTTP 500 during ExecuteChangeSet): left out of ListStackResources.
    pub lost: Vec<String>,
    /// Operations that answer HTTP 500 (moto's traceback page).
    pub broken: Vec<String>,
    /// The text of every uploaded template, by its URL.
    pub objects: BTreeMap<String, String>,
    /// Resource drifts by (region, stack), what DescribeStackResourceDrifts answers.
    pub drifts: BTreeMap<(String, String), Vec<crate::deploy::drift::ResourceDrift>>,
    /// Drift detections: ID → (stack, polls so far).
    pub detections: BTreeMap<String, ((String, String), usize)>,
    /// Detections end `DETECTION_FAILED` with this reason (`"hang"`: they never end).
    pub drift_failure: Option<String>,
    /// Resources that cannot roll back: ContinueUpdateRollback fails again
    /// unless it skips each of them.
    pub rollback_blockers: Vec<String>,
    /// (stack, logical id) of every resource a Remove deleted (not those
    /// a `Retain` deletion policy kept).
    pub deleted: Vec<(String, String)>,
    /// Stack refactors by ID: the request, and (status, reason, execution status).
    pub refactors: BTreeMap<String, refactor::FakeRefactor>,
    /// Every stack refactor is created `CREATE_FAILED` with this reason.
    pub refactor_refusal: Option<String>,
}

pub struct FakeCfn {
    pub state: RefCell<State>,
}

impl FakeCfn {
    pub fn new() -> FakeCfn {
        FakeCfn {
            state: RefCell::new(State {
                no_change: Some(NoChangeStyle::Aws),
                ..Default::default()
            }),
        }
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.borrow().calls.clone()
    }

    pub fn stack(&self, region: &str, name: &str) -> Option<FakeStack> {
        self.state
            .borrow()
            .stacks
            .get(&(region.to_string(), name.to_string()))
            .cloned()
    }

    /// Puts a stack in place as if meshsynth deployed it earlier.
    pub fn seed(&self, region: &str, name: &str, status: &str, template: &str) {
        self.seed_foreign(region, name, status, template);
        self.with_stack(region, name, |s| {
            s.tags
                .insert(crate::deploy::engine::OWNER_TAG.into(), "true".into());
        });
    }

    /// Puts a stack in place that something else deployed (no ownership tag).
    pub fn seed_foreign(&self, region: &str, name: &str, status: &str, template: &str) {
        let mut s = self.state.borrow_mut();
        s.serial += 1;
        let arn = format!(
            "arn:aws:cloudformation:{region}:123456789012:stack/{name}/{}",
            s.serial
        );
        s.stacks.insert(
            (region.into(), name.into()),
            FakeStack {
                arn,
                name: name.into(),
                status: status.into(),
                template: Some(template.into()),
                ..Default::default()
            },
        );
    }

    pub fn with_stack(&self, region: &str, name: &str, f: impl FnOnce(&mut FakeStack)) {
        let mut s = self.state.borrow_mut();
        let st = s
            .stacks
            .get_mut(&(region.to_string(), name.to_string()))
            .expect("seeded stack");
        f(st);
    }

    fn enter(&self, op: &str, stack: &StackId) -> Result<(), ApiError> {
        let mut s = self.state.borrow_mut();
        s.calls.push(format!("{op} {}", stack.name));
        if s.throttle > 0 {
            s.throttle -= 1;
            return Err(ApiError::Throttled("Rate exceeded".into()));
        }
        if s.broken.iter().any(|b| b == op) {
            return Err(ApiError::Service {
                code: "InternalFailure".into(),
                message: "HTTP 500: Internal Server Error".into(),
            });
        }
        Ok(())
    }
}

fn find<'a>(s: &'a mut State, id: &StackId) -> Option<&'a mut FakeStack> {
    if id.name.starts_with("arn:") {
        return s.stacks.values_mut().find(|st| st.arn == id.name);
    }
    s.stacks
        .get_mut(&(id.region.clone(), id.name.clone()))
        .filter(|st| !st.deleted)
}

/// A change set name from its name or its ID (`…:changeSet/<name>`).
fn cs_name(change_set: &str) -> &str {
    change_set
        .rsplit_once(":changeSet/")
        .map_or(change_set, |(_, n)| n)
}

fn not_found(id: &StackId) -> ApiError {
    ApiError::NotFound(format!("Stack with id {} does not exist", id.name))
}

/// What CloudFormation would list as the resource changes between two
/// templates (no replacement analysis: a modification never replaces).
fn resource_changes(old: Option<&str>, template: &str) -> Vec<ResourceChange> {
    let old = old.map(resources).unwrap_or_default();
    let new = resources(template);
    let mut changes = Vec::new();
    for (k, v) in &new {
        match old.get(k) {
            None => changes.push(ResourceChange {
                action: "Add".into(),
                logical_id: k.clone(),
                resource_type: type_of(v),
                replacement: None,
            }),
            Some(o) if o != v => changes.push(ResourceChange {
                action: "Modify".into(),
                logical_id: k.clone(),
                resource_type: type_of(v),
                replacement: Some("False".into()),
            }),
            _ => {}
        }
    }
    for (k, v) in &old {
        if !new.contains_key(k) {
            changes.push(ResourceChange {
                action: "Remove".into(),
                logical_id: k.clone(),
                resource_type: type_of(v),
                replacement: None,
            });
        }
    }
    changes
}

impl State {
    /// A change set's template: its body, or the uploaded text its URL
    /// names (refused as S3 would when nothing was uploaded there).
    fn template_of(&self, source: &TemplateSource) -> Result<String, ApiError> {
        let s = self;
        // A template by URL is the object uploaded there, as S3 serves it.
        let template = match source {
            TemplateSource::Body(b) => b.clone(),
            TemplateSource::Url(u) => match s.objects.get(u) {
                Some(text) => text.clone(),
                None => {
                    return Err(ApiError::Service {
                        code: "ValidationError".into(),
                        message: format!("S3 error: Access Denied for {u}"),
                    })
                }
            },
        };
        Ok(template)
    }
}

fn resources(template: &str) -> BTreeMap<String, Json> {
    let v: Json = serde_json::from_str(template).unwrap_or(Json::Null);
    v.get("Resources")
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn type_of(r: &Json) -> String {
    r.get("Type")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string()
}

fn outputs(template: &str) -> BTreeMap<String, String> {
    let v: Json = serde_json::from_str(template).unwrap_or(Json::Null);
    let mut out = BTreeMap::new();
    if let Some(m) = v.get("Outputs").and_then(Json::as_object) {
        for (k, o) in m {
            let val = &o["Value"];
            let s = if let Some(r) = val.get("Ref").and_then(Json::as_str) {
                format!("physical-{r}")
            } else if let Some(a) = val.get("Fn::GetAtt").and_then(Json::as_array) {
                format!(
                    "{}.{}.example",
                    a[0].as_str().unwrap_or("").to_ascii_lowercase(),
                    a[1].as_str().unwrap_or("").to_ascii_lowercase()
                )
            } else {
                val.as_str().unwrap_or("").to_string()
            };
            out.insert(k.clone(), s);
        }
    }
    out
}

impl State {
    fn event(
        &mut self,
        st: &FakeStack,
        logical: &str,
        ty: &str,
        status: &str,
        reason: Option<&str>,
    ) -> StackEvent {
        self.serial += 1;
        let _ = st;
        StackEvent {
            event_id: format!("ev-{}", self.serial),
            logical_id: logical.into(),
            resource_type: ty.into(),
            status: status.into(),
            reason: reason.map(str::to_string),
            timestamp: Some(format!("2026-01-01T00:00:{:02}Z", self.serial % 60)),
        }
    }
}

const STACK_TYPE: &str = "AWS::CloudFormation::Stack";

impl CfnApi for FakeCfn {
    async fn describe_stack(&self, id: &StackId) -> Result<Option<StackInfo>, ApiError> {
        self.enter("DescribeStacks", id)?;
        let mut s = self.state.borrow_mut();
        let Some(st) = find(&mut s, id) else {
            return Ok(None);
        };
        // One step of the running operation per describe.
        if !st.hang {
            if let Some((ev, status)) = st.pending.pop_front() {
                st.events.push(ev);
                st.status = status;
                if st.pending.is_empty() {
                    if st.status.ends_with("_COMPLETE") && !st.status.contains("ROLLBACK") {
                        if let Some(t) = st.next_template.take() {
                            st.outputs = outputs(&t);
                            st.template = Some(t);
                        }
                    }
                    if st.status == "DELETE_COMPLETE" {
                        st.deleted = true;
                    }
                }
            }
        }
        Ok(Some(StackInfo {
            stack_id: st.arn.clone(),
            name: st.name.clone(),
            status: st.status.clone(),
            status_reason: st.reason.clone(),
            outputs: st.outputs.clone(),
            termination_protection: st.termination_protection,
            tags: st.tags.clone(),
        }))
    }

    async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<String, ApiError> {
        self.enter("CreateChangeSet", &req.stack)?;
        let mut guard = self.state.borrow_mut();
        let s = &mut *guard;
        s.requests.push(req.clone());
        let template = s.template_of(&req.template)?;
        let key = (req.stack.region.clone(), req.stack.name.clone());
        let exists = s.stacks.get(&key).is_some_and(|st| !st.deleted);
        let review = s
            .stacks
            .get(&key)
            .is_some_and(|st| !st.deleted && st.status == "REVIEW_IN_PROGRESS");
        match req.kind {
            ChangeSetKind::Create if exists && !review => {
                return Err(ApiError::Service {
                    code: "ValidationError".into(),
                    message: format!("Stack [{}] already exists and cannot be created again with the changeSet [{}].", req.stack.name, req.change_set_name),
                })
            }
            ChangeSetKind::Update if !exists || review => return Err(not_found(&req.stack)),
            _ => {}
        }
        if !exists {
            s.serial += 1;
            let arn = format!(
                "arn:aws:cloudformation:{}:123456789012:stack/{}/{}",
                req.stack.region, req.stack.name, s.serial
            );
            let mut st = FakeStack {
                arn,
                name: req.stack.name.clone(),
                status: "REVIEW_IN_PROGRESS".into(),
                ..Default::default()
            };
            let ev = s.event(
                &st,
                &req.stack.name,
                STACK_TYPE,
                "REVIEW_IN_PROGRESS",
                Some("User Initiated"),
            );
            st.events.push(ev);
            s.stacks.insert(key.clone(), st);
        }
        let no_change = s.no_change;
        let st = s.stacks.get_mut(&key).expect("created above");
        // CloudFormation applies a change set's tags to the stack.
        st.tags = req.tags.iter().cloned().collect();
        if st.change_sets.contains_key(&req.change_set_name) {
            return Err(ApiError::AlreadyExists(format!(
                "ChangeSet {} already exists",
                req.change_set_name
            )));
        }
        let mut changes = resource_changes(st.template.as_deref(), &template);
        if req.kind == ChangeSetKind::Import {
            changes = import_changes(req, &template, changes)?;
        }
        let same_outputs = st.template.as_deref().map(outputs) == Some(outputs(&template));
        let (status, reason) = if changes.is_empty() && same_outputs && exists {
            if no_change == Some(NoChangeStyle::Moto) {
                return Err(ApiError::NoChanges(
                    "No updates are to be performed.".into(),
                ));
            }
            ("FAILED", Some("The submitted information didn't contain changes. Submit different information to create a change set.".to_string()))
        } else {
            ("CREATE_COMPLETE", None)
        };
        st.change_sets.insert(
            req.change_set_name.clone(),
            FakeChangeSet {
                kind: req.kind,
                template,
                changes,
                status: status.into(),
                reason,
                describes: 0,
            },
        );
        Ok(format!("{}:changeSet/{}", st.arn, req.change_set_name))
    }

    async fn describe_change_set(
        &self,
        id: &StackId,
        change_set: &str,
    ) -> Result<ChangeSetInfo, ApiError> {
        self.enter("DescribeChangeSet", id)?;
        let mut s = self.state.borrow_mut();
        let stuck = s.stuck_change_sets;
        let st = find(&mut s, id).ok_or_else(|| not_found(id))?;
        let cs = st.change_sets.get_mut(cs_name(change_set)).ok_or_else(|| {
            ApiError::NotFound(format!("ChangeSet [{change_set}] does not exist"))
        })?;
        cs.describes += 1;
        // The first look finds it still being computed.
        let status = if cs.describes == 1 || stuck {
            "CREATE_IN_PROGRESS".to_string()
        } else {
            cs.status.clone()
        };
        Ok(ChangeSetInfo {
            id: change_set.into(),
            status,
            status_reason: cs.reason.clone(),
            execution_status: Some("AVAILABLE".into()),
            changes: cs.changes.clone(),
        })
    }

    async fn execute_change_set(&self, id: &StackId, change_set: &str) -> Result<(), ApiError> {
        self.enter("ExecuteChangeSet", id)?;
        let mut guard = self.state.borrow_mut();
        let s = &mut *guard;
        let fail = s.fail.clone();
        let hang = s.hang_on_execute;
        let key = (id.region.clone(), id.name.clone());
        let mut st = s.stacks.remove(&key).ok_or_else(|| not_found(id))?;
        let Some(cs) = st.change_sets.remove(cs_name(change_set)) else {
            s.stacks.insert(key, st);
            return Err(ApiError::NotFound(format!(
                "ChangeSet [{change_set}] does not exist"
            )));
        };
        st.change_sets.clear();
        let (verb, done, rollback_done) = match cs.kind {
            ChangeSetKind::Create => ("CREATE", "CREATE_COMPLETE", "ROLLBACK_COMPLETE"),
            ChangeSetKind::Update => ("UPDATE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"),
            ChangeSetKind::Import => ("IMPORT", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"),
        };
        let in_progress = format!("{verb}_IN_PROGRESS");
        st.status = in_progress.clone();
        st.hang = hang;
        let ev = s.event(
            &st,
            &st.name.clone(),
            STACK_TYPE,
            &in_progress,
            Some("User Initiated"),
        );
        st.events.push(ev);
        let mut failed = false;
        for c in &cs.changes {
            let (res_verb, res_done) = match c.action.as_str() {
                "Remove" => ("DELETE", "DELETE_COMPLETE"),
                "Add" => ("CREATE", "CREATE_COMPLETE"),
                "Import" => ("IMPORT", "IMPORT_COMPLETE"),
                _ => ("UPDATE", "UPDATE_COMPLETE"),
            };
            if failed {
                continue;
            }
            let e = s.event(
                &st,
                &c.logical_id,
                &c.resource_type,
                &format!("{res_verb}_IN_PROGRESS"),
                None,
            );
            st.pending.push_back((e, in_progress.clone()));
            // CloudFormation writes a second IN_PROGRESS event once the
            // resource's handler has started ("Resource creation Initiated").
            if res_verb == "CREATE" {
                let e = s.event(
                    &st,
                    &c.logical_id,
                    &c.resource_type,
                    "CREATE_IN_PROGRESS",
                    Some("Resource creation Initiated"),
                );
                st.pending.push_back((e, in_progress.clone()));
            }
            if let Some(reason) = fail.get(&c.logical_id) {
                let e = s.event(
                    &st,
                    &c.logical_id,
                    &c.resource_type,
                    &format!("{res_verb}_FAILED"),
                    Some(reason),
                );
                st.pending.push_back((e, in_progress.clone()));
                failed = true;
                continue;
            }
            let kept = c.action == "Remove" && retained(st.template.as_deref(), &c.logical_id);
            let res_done = if kept { "DELETE_SKIPPED" } else { res_done };
            if c.action == "Remove" && !kept {
                s.deleted.push((st.name.clone(), c.logical_id.clone()));
            }
            let e = s.event(&st, &c.logical_id, &c.resource_type, res_done, None);
            st.pending.push_back((e, in_progress.clone()));
        }
        let name = st.name.clone();
        if failed {
            let rb = if cs.kind == ChangeSetKind::Create {
                "ROLLBACK_IN_PROGRESS"
            } else {
                "UPDATE_ROLLBACK_IN_PROGRESS"
            };
            let e = s.event(&st, &name, STACK_TYPE, rb, Some("The following resource(s) failed to create: [...]. Rollback requested by user."));
            st.pending.push_back((e, rb.into()));
            let e = s.event(&st, &name, STACK_TYPE, rollback_done, None);
            st.pending.push_back((e, rollback_done.into()));
        } else {
            let e = s.event(&st, &name, STACK_TYPE, done, None);
            st.pending.push_back((e, done.into()));
            st.next_template = Some(cs.template.clone());
        }
        if cs.kind == ChangeSetKind::Create && failed {
            st.template = Some(cs.template.clone());
        }
        s.stacks.insert(key, st);
        Ok(())
    }

    async fn delete_change_set(&self, id: &StackId, change_set: &str) -> Result<(), ApiError> {
        self.enter("DeleteChangeSet", id)?;
        let mut s = self.state.borrow_mut();
        let st = find(&mut s, id).ok_or_else(|| not_found(id))?;
        st.change_sets
            .remove(cs_name(change_set))
            .map(|_| ())
            .ok_or_else(|| ApiError::NotFound(format!("ChangeSet [{change_set}] does not exist")))
    }

    async fn stack_events(
        &self,
        id: &StackId,
        since: Option<&str>,
    ) -> Result<Vec<StackEvent>, ApiError> {
        self.enter("DescribeStackEvents", id)?;
        let mut s = self.state.borrow_mut();
        let st = find(&mut s, id).ok_or_else(|| not_found(id))?;
        let mut out = Vec::new();
        for e in st.events.iter().rev() {
            if Some(e.event_id.as_str()) == since {
                break;
            }
            out.push(e.clone());
        }
        Ok(out)
    }

    async fn delete_stack(&self, id: &StackId) -> Result<(), ApiError> {
        self.enter("DeleteStack", id)?;
        let mut guard = self.state.borrow_mut();
        let s = &mut *guard;
        let Some(st) = find(s, id) else {
            // DeleteStack of a missing stack succeeds silently on AWS.
            return Ok(());
        };
        if st.termination_protection {
            return Err(ApiError::Service {
                code: "ValidationError".into(),
                message: format!(
                    "Stack [{}] cannot be deleted while TerminationProtection is enabled",
                    st.name
                ),
            });
        }
        let mut st = st.clone();
        let key = (id.region.clone(), st.name.clone());
        st.status = "DELETE_IN_PROGRESS".into();
        let name = st.name.clone();
        let ev = s.event(
            &st,
            &name,
            STACK_TYPE,
            "DELETE_IN_PROGRESS",
            Some("User Initiated"),
        );
        st.events.push(ev);
        for (k, v) in st.template.as_deref().map(resources).unwrap_or_default() {
            let e = s.event(&st, &k, &type_of(&v), "DELETE_COMPLETE", None);
            st.pending.push_back((e, "DELETE_IN_PROGRESS".into()));
        }
        let e = s.event(&st, &name, STACK_TYPE, "DELETE_COMPLETE", None);
        st.pending.push_back((e, "DELETE_COMPLETE".into()));
        st.change_sets.clear();
        s.stacks.insert(key, st);
        Ok(())
    }

    async fn cancel_update_stack(&self, id: &StackId) -> Result<(), ApiError> {
        self.enter("CancelUpdateStack", id)?;
        let mut guard = self.state.borrow_mut();
        let s = &mut *guard;
        let st = find(s, id).ok_or_else(|| not_found(id))?;
        if st.status != "UPDATE_IN_PROGRESS" {
            return Err(ApiError::Service {
                code: "ValidationError".into(),
                message: format!(
                    "CancelUpdateStack cannot be called from current stack status {}",
                    st.status
                ),
            });
        }
        let mut st = st.clone();
        st.hang = false;
        st.pending.clear();
        st.next_template = None;
        st.status = "UPDATE_ROLLBACK_IN_PROGRESS".into();
        let name = st.name.clone();
        let e = s.event(
            &st,
            &name,
            STACK_TYPE,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            Some("Stack update cancelled"),
        );
        st.events.push(e);
        let e = s.event(&st, &name, STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE", None);
        st.pending.push_back((e, "UPDATE_ROLLBACK_COMPLETE".into()));
        s.stacks.insert((id.region.clone(), name), st);
        Ok(())
    }

    async fn continue_update_rollback(
        &self,
        id: &StackId,
        skip: &[String],
    ) -> Result<(), ApiError> {
        self.enter("ContinueUpdateRollback", id)?;
        rollback::continue_update_rollback(&mut self.state.borrow_mut(), id, skip)
    }

    async fn get_template(&self, id: &StackId) -> Result<String, ApiError> {
        self.enter("GetTemplate", id)?;
        let mut s = self.state.borrow_mut();
        let st = find(&mut s, id).ok_or_else(|| not_found(id))?;
        st.template.clone().ok_or_else(|| not_found(id))
    }

    async fn update_termination_protection(
        &self,
        id: &StackId,
        enabled: bool,
    ) -> Result<(), ApiError> {
        self.enter("UpdateTerminationProtection", id)?;
        let mut s = self.state.borrow_mut();
        let st = find(&mut s, id).ok_or_else(|| not_found(id))?;
        st.termination_protection = enabled;
        Ok(())
    }

    async fn physical_resource_id(
        &self,
        id: &StackId,
        logical_id: &str,
    ) -> Result<Option<String>, ApiError> {
        self.enter("DescribeStackResource", id)?;
        let mut s = self.state.borrow_mut();
        let st = find(&mut s, id).ok_or_else(|| not_found(id))?;
        let has = st
            .template
            .as_deref()
            .map(resources)
            .unwrap_or_default()
            .contains_key(logical_id);
        Ok(has.then(|| format!("{}-{}", st.name, logical_id.to_ascii_lowercase())))
    }

    async fn list_stack_resources(
        &self,
        id: &StackId,
    ) -> Result<Vec<crate::deploy::api::StackResource>, ApiError> {
        self.enter("ListStackResources", id)?;
        let mut s = self.state.borrow_mut();
        let lost = s.lost.clone();
        let st = find(&mut s, id).ok_or_else(|| not_found(id))?;
        let done = st.status.replace("_IN_PROGRESS", "_COMPLETE");
        Ok(st
            .template
            .as_deref()
            .map(resources)
            .unwrap_or_default()
            .into_iter()
            .filter(|(lid, _)| !lost.contains(lid))
            .map(|(lid, def)| crate::deploy::api::StackResource {
                physical_id: Some(format!("{}-{}", st.name, lid.to_ascii_lowercase())),
                resource_type: type_of(&def),
                status: done.clone(),
                logical_id: lid,
            })
            .collect())
    }

    async fn create_stack_refactor(
        &self,
        region: &str,
        req: &crate::deploy::api::StackRefactorRequest,
    ) -> Result<String, ApiError> {
        refactor::create(self, region, req)
    }

    async fn describe_stack_refactor(
        &self,
        region: &str,
        id: &str,
    ) -> Result<crate::deploy::api::StackRefactorInfo, ApiError> {
        refactor::describe(self, region, id)
    }

    async fn execute_stack_refactor(&self, region: &str, id: &str) -> Result<(), ApiError> {
        refactor::execute(self, region, id)
    }
}
