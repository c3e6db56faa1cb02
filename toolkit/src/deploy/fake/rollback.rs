//! The fake's ContinueUpdateRollback, as the API reference describes it:
//! only from `UPDATE_ROLLBACK_FAILED`; the rollback runs again, and ends
//! `UPDATE_ROLLBACK_COMPLETE` when every resource that cannot roll back is
//! skipped, or `UPDATE_ROLLBACK_FAILED` again naming those that failed.

use super::*;

pub(super) fn continue_update_rollback(
    s: &mut State,
    id: &StackId,
    skip: &[String],
) -> Result<(), ApiError> {
    let st = find(s, id).ok_or_else(|| not_found(id))?;
    if st.status != "UPDATE_ROLLBACK_FAILED" {
        return Err(ApiError::Service {
            code: "ValidationError".into(),
            message: format!(
                "Stack {} is in {} state and can not continue update rollback",
                st.name, st.status
            ),
        });
    }
    let mut st = st.clone();
    let name = st.name.clone();
    st.status = "UPDATE_ROLLBACK_IN_PROGRESS".into();
    let e = s.event(&st, &name, STACK_TYPE, "UPDATE_ROLLBACK_IN_PROGRESS", None);
    st.events.push(e);
    let blocked: Vec<String> = s
        .rollback_blockers
        .iter()
        .filter(|b| !skip.contains(b))
        .cloned()
        .collect();
    for r in skip {
        let e = s.event(
            &st,
            r,
            "AWS::CloudFormation::CustomResource",
            "UPDATE_COMPLETE",
            Some("Resource skipped during rollback"),
        );
        st.pending
            .push_back((e, "UPDATE_ROLLBACK_IN_PROGRESS".into()));
    }
    for r in &blocked {
        let e = s.event(
            &st,
            r,
            "AWS::CloudFormation::CustomResource",
            "UPDATE_FAILED",
            Some("Resource handler returned message: access denied"),
        );
        st.pending
            .push_back((e, "UPDATE_ROLLBACK_IN_PROGRESS".into()));
    }
    let end = if blocked.is_empty() {
        "UPDATE_ROLLBACK_COMPLETE"
    } else {
        "UPDATE_ROLLBACK_FAILED"
    };
    let reason = (!blocked.is_empty()).then(|| {
        format!(
            "The following resource(s) failed to update: [{}].",
            blocked.join(", ")
        )
    });
    let e = s.event(&st, &name, STACK_TYPE, end, reason.as_deref());
    st.pending.push_back((e, end.into()));
    s.stacks.insert((id.region.clone(), name), st);
    Ok(())
}
