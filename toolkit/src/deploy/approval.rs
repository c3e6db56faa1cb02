//! Approval of change sets before they execute: the `--require-approval`
//! levels, and the security analysis that decides what counts as
//! broadening. The analysis is a trait so diff's security section can
//! replace today's type-based heuristic.

use super::api::ResourceChange;

/// When deploy asks before executing a change set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequireApproval {
    /// Never ask.
    Never,
    /// Ask when a change may widen security (see `SecurityAnalysis`). The default.
    #[default]
    Broadening,
    /// Ask for every change set that changes something.
    Any,
}

/// Decides which changes of a change set may widen access.
pub trait SecurityAnalysis {
    /// One human-readable reason per change that may widen access; empty when none.
    fn broadening(&self, changes: &[ResourceChange]) -> Vec<String>;
}

/// Resource types whose change can widen access: IAM, security groups and
/// their rules, KMS keys (their key policy). Every action on them counts,
/// because without the property-level diff a removal (of a deny, or of a
/// narrower rule) cannot be told apart from a safe one.
pub const SECURITY_TYPES: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::User",
    "AWS::IAM::UserPolicy",
    "AWS::IAM::Group",
    "AWS::IAM::GroupPolicy",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::OIDCProvider",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::KMS::Key",
];

/// Today's analysis: a change to any of `SECURITY_TYPES` counts as
/// broadening, and so does deleting a stateful resource (removed, or
/// replaced) with its data: both need a human under the default level.
#[derive(Debug, Clone, Copy, Default)]
pub struct TypeHeuristic;

impl SecurityAnalysis for TypeHeuristic {
    fn broadening(&self, changes: &[ResourceChange]) -> Vec<String> {
        changes
            .iter()
            .filter_map(|c| {
                let ty = c.resource_type.as_str();
                if SECURITY_TYPES.contains(&ty) {
                    return Some(format!("{} {} ({})", c.action, c.logical_id, ty));
                }
                let replaced = c.action == "Modify"
                    && matches!(c.replacement.as_deref(), Some("True" | "Conditional"));
                let deletes = c.action == "Remove" || replaced;
                (deletes && meshsynth::aws::cfn::STATEFUL_TYPES.contains(&ty)).then(|| {
                    format!(
                        "{} {} ({ty}): deletes the resource and its data{}",
                        c.action,
                        c.logical_id,
                        if replaced { " (replacement)" } else { "" }
                    )
                })
            })
            .collect()
    }
}

/// Why a change set needs approval at this level, or `None` when it does not.
pub fn approval_reasons(
    level: RequireApproval,
    analysis: &dyn SecurityAnalysis,
    changes: &[ResourceChange],
) -> Option<Vec<String>> {
    match level {
        RequireApproval::Never => None,
        RequireApproval::Any => Some(vec![format!("{} resource change(s)", changes.len())]),
        RequireApproval::Broadening => {
            let r = analysis.broadening(changes);
            (!r.is_empty()).then_some(r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: &str, t: &str) -> ResourceChange {
        ResourceChange {
            action: action.into(),
            logical_id: "X".into(),
            resource_type: t.into(),
            replacement: None,
        }
    }

    #[test]
    fn levels() {
        let plain = [change("Add", "AWS::SSM::Parameter")];
        let iam = [
            change("Modify", "AWS::IAM::Role"),
            change("Add", "AWS::Logs::LogGroup"),
        ];
        let h = TypeHeuristic;
        assert_eq!(approval_reasons(RequireApproval::Never, &h, &iam), None);
        assert_eq!(
            approval_reasons(RequireApproval::Broadening, &h, &plain),
            None
        );
        assert_eq!(
            approval_reasons(RequireApproval::Broadening, &h, &iam),
            Some(vec!["Modify X (AWS::IAM::Role)".to_string()])
        );
        assert!(approval_reasons(RequireApproval::Any, &h, &plain).is_some());
        let sg = [change("Remove", "AWS::EC2::SecurityGroupIngress")];
        assert!(approval_reasons(RequireApproval::Broadening, &h, &sg).is_some());
        let kms = [change("Modify", "AWS::KMS::Key")];
        assert!(approval_reasons(RequireApproval::Broadening, &h, &kms).is_some());
        // Deleting a stateful resource needs approval too.
        for t in ["AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::DynamoDB::Table"] {
            let gone = [change("Remove", t)];
            let r = approval_reasons(RequireApproval::Broadening, &h, &gone).unwrap();
            assert!(r[0].contains("deletes the resource and its data"), "{r:?}");
        }
        let mut replaced = change("Modify", "AWS::RDS::DBInstance");
        replaced.replacement = Some("True".into());
        assert!(approval_reasons(RequireApproval::Broadening, &h, &[replaced]).is_some());
        let added = [change("Add", "AWS::S3::Bucket")];
        assert_eq!(
            approval_reasons(RequireApproval::Broadening, &h, &added),
            None
        );
    }
}
