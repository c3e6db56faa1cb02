//! The StackSets of an assembly inside `deploy` and `destroy`: taken out of
//! the stack plan (they have no dependencies, synth refuses them) and
//! deployed or deleted through the StackSet calls, after the stacks.

use std::time::Duration;

use meshsynth::assembly::StackSetArtifact;

use crate::deploy::aws::AwsCloud;
use crate::deploy::stackset::{self, StackSetUi};
use crate::deploy::{LoadedAssembly, Plan, StackId};
use crate::deploy_ui::Ui;

/// A StackSet of the plan: where it is administered, its template, its targets.
pub(crate) struct PlannedSet {
    pub id: StackId,
    pub template: Vec<u8>,
    pub spec: StackSetArtifact,
}

/// Splits the StackSets off `plan`.
pub(crate) fn split(asm: &LoadedAssembly, plan: Plan) -> (Plan, Vec<PlannedSet>) {
    let mut sets = Vec::new();
    let mut stacks = Vec::new();
    for st in plan.stacks {
        match asm.stack(&st.id.name).and_then(|a| a.stack_set.clone()) {
            Some(spec) => sets.push(PlannedSet {
                id: st.id,
                template: st.template,
                spec,
            }),
            None => stacks.push(st),
        }
    }
    (
        Plan {
            stacks,
            notes: plan.notes,
        },
        sets,
    )
}

impl StackSetUi for Ui<'_> {
    fn line(&self, text: String) {
        Ui::line(self, text);
    }
}

/// How often StackSet operations are polled at first.
const POLL: Duration = Duration::from_secs(2);

/// Deploys each StackSet; the exit code (0 when all succeeded).
pub(crate) async fn deploy(
    cloud: &AwsCloud,
    sets: &[PlannedSet],
    app: Option<&str>,
    ui: &Ui<'_>,
    force: bool,
) -> u8 {
    let mut code = 0;
    for s in sets {
        let confirm = (!force).then_some(ui);
        match stackset::deploy(cloud, &s.id, &s.template, &s.spec, app, ui, confirm, POLL).await {
            Ok(o) => {
                let what = if o.created {
                    "created"
                } else if o.updated {
                    "updated"
                } else {
                    "template unchanged"
                };
                ui.line(format!(
                    "  {} (StackSet): {what}; instances: {} created, {} updated, {} deleted",
                    s.id, o.instances_created, o.instances_updated, o.instances_deleted
                ));
            }
            Err(e) => code = ui.fail(e),
        }
    }
    code
}

/// Deletes each StackSet's instances, then the StackSet.
pub(crate) async fn destroy(cloud: &AwsCloud, sets: &[PlannedSet], ui: &Ui<'_>) -> u8 {
    let mut code = 0;
    for s in sets {
        match stackset::destroy(cloud, &s.id, &s.spec, ui, POLL).await {
            Ok(true) => ui.line(format!("  {} (StackSet): deleted", s.id)),
            Ok(false) => ui.line(format!(
                "  {} (StackSet): does not exist (nothing to delete)",
                s.id
            )),
            Err(e) => code = ui.fail(e),
        }
    }
    code
}
