//! One stack's deploy: a change set, described, approved, executed and
//! followed; an unchanged template or change set is a no-op, a stack that
//! failed to create is recreated.

use super::*;

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    pub(super) async fn deploy_one(&self, st: &PlannedStack) -> Result<Done, DeployError> {
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

    pub(super) async fn deploy_stack(
        &self,
        st: &PlannedStack,
    ) -> Result<(StackOutcome, Option<StackInfo>), DeployError> {
        let id = &st.id;
        let mut existing = self.existing(id).await?;
        if let Some(info) = &existing {
            self.check_owner(id, info)?;
        }
        if self.opts.import && self.import_missing(st, existing.as_ref()).await? {
            existing = self.existing(id).await?;
        }
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
            tags: self.owner_tags(),
            resources_to_import: Vec::new(),
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
            return Err(self.change_set_failed(id, &cs_id, new_stack, cs).await);
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
        let info = self.execute(id, &cs_id, kind, cs.changes.len()).await?;
        self.verify_resources(st, &info).await?;
        self.sync_termination_protection(st, &info).await?;
        let outcome = match kind {
            ChangeSetKind::Create => StackOutcome::Created,
            ChangeSetKind::Update | ChangeSetKind::Import => StackOutcome::Updated,
        };
        Ok((outcome, Some(info)))
    }

    /// The stack as deployed once it settles: a stack that failed to create
    /// is deleted first, one stuck in another failed state stops the deploy.
    async fn existing(&self, id: &StackId) -> Result<Option<StackInfo>, DeployError> {
        Ok(loop {
            let info = self.settle(id).await?;
            // A stuck stack is recovered (deleted, or rolled back) only when
            // it is meshsynth's: another tool's stack is refused untouched.
            if let Some(i) = info
                .as_ref()
                .filter(|i| i.status.ends_with("_FAILED") || i.status == "ROLLBACK_COMPLETE")
            {
                self.check_owner(id, i)?;
            }
            match info {
                Some(i) if i.status == "ROLLBACK_COMPLETE" || i.status == "ROLLBACK_FAILED" => {
                    self.recreate(id, &i).await?;
                }
                Some(i) if i.status == "UPDATE_ROLLBACK_FAILED" => {
                    self.continue_rollback(id).await?;
                }
                Some(i) if i.status.ends_with("_FAILED") => {
                    let hint = match i.status.as_str() {
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
        })
    }

    /// A stack whose update failed and whose rollback failed too: rolled
    /// back the rest of the way with `--continue-rollback`, else refused
    /// naming the resources that failed to roll back.
    async fn continue_rollback(&self, id: &StackId) -> Result<(), DeployError> {
        let blockers = self.rollback_failures(id).await;
        let Some(skip) = &self.opts.continue_rollback else {
            let named = if blockers.is_empty() {
                "see the stack's events for the resources that failed to roll back".to_string()
            } else {
                format!("failed to roll back: {}", blockers.join(", "))
            };
            return Err(DeployError::Unrecoverable {
                stack: id.clone(),
                status: "UPDATE_ROLLBACK_FAILED".into(),
                hint: format!(
                    "{named}; fix their cause, then deploy again with --continue-rollback (add --resources-to-skip ID for a resource that can never roll back: CloudFormation then marks it rolled back as it is)"
                ),
            });
        };
        let marker = self.newest_event(id).await;
        self.api
            .continue_update_rollback(id, skip)
            .await
            .map_err(Self::api_err(id, "ContinueUpdateRollback"))?;
        let (after, failure) = self.follow(id, id, marker, 0).await?;
        match after {
            Some(a) if a.status == "UPDATE_ROLLBACK_COMPLETE" => Ok(()),
            Some(a) => {
                let still = self.rollback_failures(id).await;
                let on = if still.is_empty() {
                    failure.map_or_else(String::new, |f| format!(" on {}", f.logical_id))
                } else {
                    format!(" on {}", still.join(", "))
                };
                Err(DeployError::Unrecoverable {
                    stack: id.clone(),
                    status: a.status,
                    hint: format!(
                        "the rollback failed again{on}; fix the cause, or skip what can never roll back with --resources-to-skip ID"
                    ),
                })
            }
            None => Ok(()),
        }
    }

    /// The resources whose rollback failed since the stack's last rollback
    /// began (newest events first), as logical IDs.
    async fn rollback_failures(&self, id: &StackId) -> Vec<String> {
        let Ok(events) = self.api.stack_events(id, None).await else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for e in events {
            if e.is_stack_event() && e.status == "UPDATE_ROLLBACK_IN_PROGRESS" {
                break;
            }
            if !e.is_stack_event() && e.status == "UPDATE_FAILED" && !out.contains(&e.logical_id) {
                out.push(e.logical_id);
            }
        }
        out.sort();
        out
    }

    /// Executes a change set and follows it until the stack settles in a
    /// complete state.
    pub(super) async fn execute(
        &self,
        id: &StackId,
        cs_id: &str,
        kind: ChangeSetKind,
        total: usize,
    ) -> Result<StackInfo, DeployError> {
        let marker = self.newest_event(id).await;
        self.set_phase(id, Some(Phase::Executing { kind }));
        if let Err(e) = self.api.execute_change_set(id, cs_id).await {
            return Err(DeployError::ExecuteFailed {
                stack: id.clone(),
                message: e.to_string(),
            });
        }
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
        Ok(info)
    }

    /// Whether the deployed template of `st` is the one being deployed
    /// (compared as parsed documents, so JSON formatting does not count).
    pub(super) async fn same_template(&self, st: &PlannedStack) -> bool {
        let Ok(deployed) = self.api.get_template(&st.id).await else {
            return false;
        };
        let parse = |bytes: &[u8]| meshsynth::assembly::parse_template("template", bytes).ok();
        match (parse(deployed.as_bytes()), parse(&st.template)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    pub(super) async fn unchanged(
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
    /// A change set that failed: discarded (with the empty stack a new one
    /// made), and CloudFormation's reason as the stack's error.
    pub(super) async fn change_set_failed(
        &self,
        id: &StackId,
        cs_id: &str,
        new_stack: bool,
        cs: crate::deploy::api::ChangeSetInfo,
    ) -> DeployError {
        self.discard(id, cs_id, new_stack).await;
        DeployError::ChangeSetFailed {
            stack: id.clone(),
            reason: cs.status_reason.unwrap_or_else(|| "no reason given".into()),
        }
    }

    pub(super) async fn discard(&self, id: &StackId, change_set: &str, new_stack: bool) {
        let _ = self.api.delete_change_set(id, change_set).await;
        if new_stack {
            let _ = self.api.delete_stack(id).await;
        }
    }

    pub(super) async fn sync_termination_protection(
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
    pub(super) async fn recreate(&self, id: &StackId, info: &StackInfo) -> Result<(), DeployError> {
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

    pub(super) async fn wait_change_set(
        &self,
        id: &StackId,
        change_set: &str,
    ) -> Result<crate::deploy::api::ChangeSetInfo, DeployError> {
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
}
