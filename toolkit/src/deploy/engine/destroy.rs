//! Destroy: DeleteStack followed to the end, and cleaning up what an
//! interrupt left behind.

use super::*;

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    pub(super) async fn destroy_one(&self, st: &PlannedStack) -> Result<Done, DeployError> {
        let id = &st.id;
        self.emit(DeployEvent::Started { stack: id.clone() });
        let Some(info) = self.settle(id).await? else {
            self.emit(DeployEvent::Finished {
                stack: id.clone(),
                status: "DELETE_COMPLETE".into(),
            });
            return Ok((StackOutcome::AlreadyGone, BTreeMap::new()));
        };
        self.check_owner(id, &info)?;
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

    pub(super) async fn delete_and_follow(
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
    pub(super) async fn clean_up(&self, id: &StackId) -> StackOutcome {
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
            Phase::Executing {
                kind: ChangeSetKind::Import,
            } => "an import cannot be cancelled; CloudFormation finishes it (or rolls it back) on its own".to_string(),
            Phase::Deleting => "the deletion continues in CloudFormation".to_string(),
        };
        let status = match self.api.describe_stack(id).await {
            Ok(i) => i.map(|i| i.status),
            Err(e) => Some(format!("unknown ({e})")),
        };
        StackOutcome::Interrupted { action, status }
    }
}
