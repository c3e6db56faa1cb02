//! A StackSet's instances in the plan: which accounts (or OUs) and regions
//! gain an instance, lose one, or get other parameter overrides, and which
//! settings change, as template-level changes of its stack
//! (`stackSet.instances[ACCOUNT REGION]`, `stackSet.permissionModel`…).

use serde_json::Value as Json;

use super::{Change, ChangeOp, Snapshot, StackDiff, Status};
use crate::assembly::{LoadedAssembly, StackSetArtifact};

fn overrides_json(o: &std::collections::BTreeMap<String, String>) -> Json {
    Json::Object(
        o.iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect(),
    )
}

fn change(path: String, op: ChangeOp, old: Option<Json>, new: Option<Json>) -> Change {
    Change {
        path,
        op,
        old,
        new,
        forces_replacement: false,
    }
}

/// Adds the StackSet changes of stack `name` to `diff`. A baseline that
/// does not know StackSets (deployed stacks) compares nothing here.
pub(super) fn stack_set_changes(
    before: &Snapshot,
    after: &LoadedAssembly,
    name: &str,
    diff: &mut StackDiff,
) {
    let new = after
        .manifest
        .stacks
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.stack_set.as_ref());
    let Some(known) = &before.stack_sets else {
        return;
    };
    let old = known.get(name);
    let changes = match (old, new) {
        (None, None) => return,
        (Some(o), Some(n)) => between(o, n),
        (None, Some(n)) => between(&empty_like(n), n),
        (Some(o), None) => between(o, &empty_like(o)),
    };
    if !changes.is_empty() && diff.status == Status::Unchanged {
        diff.status = Status::Changed;
    }
    diff.template_changes.extend(changes);
}

fn empty_like(s: &StackSetArtifact) -> StackSetArtifact {
    StackSetArtifact {
        targets: Vec::new(),
        ..s.clone()
    }
}

fn between(old: &StackSetArtifact, new: &StackSetArtifact) -> Vec<Change> {
    let mut out = Vec::new();
    let (o, n) = (old.instances(), new.instances());
    for (k, ov) in &n {
        let path = format!("stackSet.instances[{} {}]", k.0, k.1);
        match o.get(k) {
            None => out.push(change(
                path,
                ChangeOp::Added,
                None,
                Some(overrides_json(ov)),
            )),
            Some(x) if x != ov => out.push(change(
                path,
                ChangeOp::Changed,
                Some(overrides_json(x)),
                Some(overrides_json(ov)),
            )),
            Some(_) => {}
        }
    }
    for (k, ov) in &o {
        if !n.contains_key(k) {
            out.push(change(
                format!("stackSet.instances[{} {}]", k.0, k.1),
                ChangeOp::Removed,
                Some(overrides_json(ov)),
                None,
            ));
        }
    }
    let field = |v: &StackSetArtifact, f: &str| -> Json {
        let j = serde_json::to_value(v).unwrap_or(Json::Null);
        j.get(f).cloned().unwrap_or(Json::Null)
    };
    for f in [
        "permissionModel",
        "administrationRoleArn",
        "executionRoleName",
        "autoDeployment",
        "description",
        "operation",
    ] {
        let (a, b) = (field(old, f), field(new, f));
        if a != b {
            out.push(change(
                format!("stackSet.{f}"),
                ChangeOp::Changed,
                Some(a),
                Some(b),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::{OperationArtifact, StackSetTargetArtifact};

    /// Accounts, regions, overrides.
    type Target<'a> = (&'a [&'a str], &'a [&'a str], &'a [(&'a str, &'a str)]);

    fn set(targets: Vec<Target<'_>>) -> StackSetArtifact {
        StackSetArtifact {
            permission_model: "SELF_MANAGED".into(),
            administration_role_arn: None,
            execution_role_name: None,
            auto_deployment: None,
            description: None,
            targets: targets
                .into_iter()
                .map(|(a, r, o)| StackSetTargetArtifact {
                    accounts: a.iter().map(|s| s.to_string()).collect(),
                    organizational_units: vec![],
                    regions: r.iter().map(|s| s.to_string()).collect(),
                    parameter_overrides: o
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                })
                .collect(),
            operation: OperationArtifact {
                max_concurrent_count: Some(1),
                max_concurrent_percentage: None,
                failure_tolerance_count: Some(0),
                failure_tolerance_percentage: None,
                region_concurrency_type: "SEQUENTIAL".into(),
            },
        }
    }

    #[test]
    fn instances_added_removed_and_overridden_are_changes() {
        let old = set(vec![
            (&["111111111111", "222222222222"], &["eu-west-1"], &[]),
            (&["333333333333"], &["eu-west-1"], &[("Env", "qa")]),
        ]);
        let mut new = set(vec![
            (&["111111111111"], &["eu-west-1", "us-east-1"], &[]),
            (&["333333333333"], &["eu-west-1"], &[("Env", "stage")]),
        ]);
        new.operation.max_concurrent_count = Some(2);
        new.operation.failure_tolerance_count = Some(1);
        let c: Vec<(String, ChangeOp)> = between(&old, &new)
            .into_iter()
            .map(|c| (c.path, c.op))
            .collect();
        assert_eq!(
            c,
            vec![
                (
                    "stackSet.instances[111111111111 us-east-1]".into(),
                    ChangeOp::Added
                ),
                (
                    "stackSet.instances[333333333333 eu-west-1]".into(),
                    ChangeOp::Changed
                ),
                (
                    "stackSet.instances[222222222222 eu-west-1]".into(),
                    ChangeOp::Removed
                ),
                ("stackSet.operation".into(), ChangeOp::Changed),
            ]
        );
    }
}
