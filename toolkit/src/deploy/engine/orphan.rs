//! `meshsynth orphan`: a resource leaves its stack and keeps existing. Two
//! change sets on the deployed template (`deploy::orphan` writes them):
//! the first sets `DeletionPolicy: Retain`, the second removes the
//! resource. Each is checked before it runs: one that would change
//! anything else is discarded and the orphan refused.

use super::*;
use crate::deploy::orphan::{self, OrphanPlan};

/// The change set name of both steps.
pub const ORPHAN_CHANGE_SET_NAME: &str = "meshsynth-orphan";

/// What `orphan` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Orphaned {
    /// The stack the resource left.
    pub stack: StackId,
    /// Its logical id in that stack.
    pub logical_id: String,
    /// Its CloudFormation type.
    pub resource_type: String,
    /// Its physical id, when CloudFormation reported one.
    pub physical_id: Option<String>,
    /// Whether a first change set set the Retain policy (false: it had one).
    pub retained_first: bool,
    /// Where a reference to it became a literal (`Resources.Q.Properties.Value`).
    pub rewritten: Vec<String>,
}

/// Statuses a stack can be changed from.
fn is_stable(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE"
            | "UPDATE_COMPLETE"
            | "UPDATE_ROLLBACK_COMPLETE"
            | "IMPORT_COMPLETE"
            | "IMPORT_ROLLBACK_COMPLETE"
    )
}

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    /// Takes `logical_id` out of the deployed stack `st` without deleting
    /// it. `st` gives the stack, its parameters and its template bucket;
    /// the templates are the deployed one, edited.
    pub async fn orphan(
        &self,
        st: &PlannedStack,
        logical_id: &str,
    ) -> Result<Orphaned, DeployError> {
        let id = &st.id;
        let refuse = |reason: String| DeployError::OrphanRefused {
            stack: id.clone(),
            logical_id: logical_id.to_string(),
            reason,
        };
        let Some(info) = self.settle(id).await? else {
            return Err(refuse(format!(
                "the stack is not deployed in {}; deploy it first, or pick a deployed stack",
                id.region
            )));
        };
        self.check_owner(id, &info)?;
        if !is_stable(&info.status) {
            return Err(refuse(format!(
                "the stack is in {}; orphan changes only a stack whose last operation completed (deploy it, or recover it, first)",
                info.status
            )));
        }
        let body = self
            .api
            .get_template(id)
            .await
            .map_err(Self::api_err(id, "GetTemplate"))?;
        let deployed = meshsynth::assembly::parse_template(&id.name, body.as_bytes())
            .map_err(|e| refuse(format!("the deployed template does not parse ({e})")))?;
        let physical = self
            .api
            .physical_resource_id(id, logical_id)
            .await
            .map_err(Self::api_err(id, "DescribeStackResource"))?;
        let plan: OrphanPlan =
            orphan::plan(&deployed, logical_id, physical.as_deref()).map_err(refuse)?;
        if !self.opts.force {
            let mut details = vec![format!(
                "{logical_id} ({}, physical id {}) stays in the account, managed by no stack",
                plan.resource_type,
                physical.as_deref().unwrap_or("unknown")
            )];
            details.extend(
                plan.rewritten
                    .iter()
                    .map(|w| format!("{w}: the reference becomes the literal physical id")),
            );
            let prompt = Prompt {
                kind: PromptKind::Orphan,
                question: format!("take {logical_id} out of stack {id}?"),
                details,
            };
            self.ask(id, prompt, "orphaning the resource").await?;
        }
        if let Some(retain) = &plan.retain {
            self.orphan_step(st, logical_id, retain, "setting its Retain policy", |c| {
                c.logical_id == logical_id && c.action == "Modify"
            })
            .await?;
        }
        self.orphan_step(st, logical_id, &plan.removed, "removing it", |c| {
            (c.logical_id == logical_id && c.action == "Remove")
                || (c.logical_id != logical_id
                    && c.action == "Modify"
                    && c.replacement.as_deref() != Some("True"))
        })
        .await?;
        Ok(Orphaned {
            stack: id.clone(),
            logical_id: logical_id.to_string(),
            resource_type: plan.resource_type,
            physical_id: physical,
            retained_first: plan.retain.is_some(),
            rewritten: plan.rewritten,
        })
    }

    /// One change set of the orphan: created, checked against `allowed`,
    /// executed and followed.
    async fn orphan_step(
        &self,
        st: &PlannedStack,
        logical_id: &str,
        template: &serde_json::Value,
        step: &str,
        allowed: impl Fn(&ResourceChange) -> bool,
    ) -> Result<(), DeployError> {
        let id = &st.id;
        let refuse = |reason: String| DeployError::OrphanRefused {
            stack: id.clone(),
            logical_id: logical_id.to_string(),
            reason,
        };
        let mut next = st.clone();
        next.template = serde_json::to_vec_pretty(template).expect("JSON serializes");
        let req = ChangeSetRequest {
            stack: id.clone(),
            change_set_name: ORPHAN_CHANGE_SET_NAME.into(),
            kind: ChangeSetKind::Update,
            template: self.template_source(&next).await?,
            parameters: self.parameters(st).await?,
            capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
            tags: self.owner_tags(),
            resources_to_import: Vec::new(),
        };
        self.set_phase(
            id,
            Some(Phase::ChangeSet {
                new_stack: false,
                change_set: ORPHAN_CHANGE_SET_NAME.into(),
            }),
        );
        let created = match self.api.create_change_set(&req).await {
            Err(ApiError::AlreadyExists(_)) => {
                let _ = self.api.delete_change_set(id, ORPHAN_CHANGE_SET_NAME).await;
                self.api.create_change_set(&req).await
            }
            r => r,
        };
        let nothing = || {
            refuse(format!(
                "CloudFormation found nothing to change when {step}, so the removal could delete it"
            ))
        };
        let cs_id = match created {
            Ok(cs_id) if !cs_id.is_empty() => cs_id,
            Ok(_) => ORPHAN_CHANGE_SET_NAME.to_string(),
            Err(ApiError::NoChanges(_)) => return Err(nothing()),
            Err(e) => return Err(Self::api_err(id, "CreateChangeSet")(e)),
        };
        let cs = self.wait_change_set(id, &cs_id).await?;
        if cs.status == "FAILED" {
            let empty = cs.status_reason.as_deref().is_some_and(|r| {
                let r = r.to_ascii_lowercase();
                r.contains("didn't contain changes") || r.contains("no updates")
            });
            if empty {
                let _ = self.api.delete_change_set(id, &cs_id).await;
                return Err(nothing());
            }
            return Err(self.change_set_failed(id, &cs_id, false, cs).await);
        }
        let unexpected: Vec<String> = cs
            .changes
            .iter()
            .filter(|c| !allowed(c))
            .take(8)
            .map(|c| {
                let replace = if c.replacement.as_deref() == Some("True") {
                    " with replacement"
                } else {
                    ""
                };
                format!(
                    "{} {} ({}){replace}",
                    c.action, c.logical_id, c.resource_type
                )
            })
            .collect();
        if !unexpected.is_empty() {
            let _ = self.api.delete_change_set(id, &cs_id).await;
            return Err(refuse(format!(
                "{step} would also change {}: the deployed stack is not what the assembly's parameters expect; deploy first, then orphan",
                unexpected.join(", ")
            )));
        }
        self.emit(DeployEvent::ChangeSet {
            stack: id.clone(),
            kind: ChangeSetKind::Update,
            changes: cs.changes.clone(),
        });
        self.execute(id, &cs_id, ChangeSetKind::Update, cs.changes.len())
            .await?;
        self.set_phase(id, None);
        Ok(())
    }
}
