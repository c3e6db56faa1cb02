//! Security rules of IAM: wildcard actions and resources, AWS-managed policies.

use super::{fragments, report, text, NO_RESOURCE_LEVEL_ACTIONS};
use crate::aws::iam::cfn::CfnManagedPolicy;
use crate::aws::iam::cfn::CfnPolicy;
use crate::aws::iam::cfn::CfnRole;
use crate::aws::iam::policy::Effect;
use crate::aws::iam::policy::PolicyDocument;
use crate::core::App;
use crate::core::Diagnostic;
use crate::core::Value;

pub(super) fn check_document(out: &mut Vec<Diagnostic>, path: &str, doc: &PolicyDocument) {
    for st in &doc.statements {
        if st.effect == Effect::Deny {
            continue;
        }
        for a in &st.actions {
            if a == "*" || a == "*:*" {
                report(
                    out,
                    "MS-IAM-1",
                    path,
                    format!("statement allows Action {a:?}: full administrator"),
                    "list the actions the workload calls",
                );
            } else if a.contains('*') {
                report(
                    out,
                    "AwsSolutions-IAM5",
                    path,
                    format!("wildcard action {a:?}"),
                    "list the actions explicitly",
                );
            }
        }
        if st.resources.iter().any(|r| text(r).as_deref() == Some("*")) {
            let scoped: Vec<&String> = st
                .actions
                .iter()
                .filter(|a| !a.contains('*') && !NO_RESOURCE_LEVEL_ACTIONS.contains(&a.as_str()))
                .collect();
            if !scoped.is_empty() {
                report(out, "AwsSolutions-IAM5", path, format!("Resource * for actions that support resource-level permissions: {scoped:?}"), "scope them to ARNs (security::NO_RESOURCE_LEVEL_ACTIONS lists the exceptions)");
            }
        }
    }
}

fn aws_managed(v: &Value) -> bool {
    fragments(v).iter().any(|f| f.contains(":iam::aws:policy/"))
}

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, role) in app.resources_of::<CfnRole>() {
        for p in role.policies.iter().flatten() {
            check_document(out, path, &p.policy_document);
        }
        for arn in role.managed_policy_arns.iter().flatten() {
            if aws_managed(arn) {
                let name = fragments(arn).concat();
                report(
                    out,
                    "AwsSolutions-IAM4",
                    path,
                    format!(
                        "AWS managed policy attached: {}",
                        name.rsplit('/').next().unwrap_or_default()
                    ),
                    "use a customer-managed policy or inline statements",
                );
            }
        }
    }
    for (path, p) in app.resources_of::<CfnPolicy>() {
        if let Some(d) = &p.policy_document {
            check_document(out, path, d);
        }
    }
    for (path, p) in app.resources_of::<CfnManagedPolicy>() {
        if let Some(d) = &p.policy_document {
            check_document(out, path, d);
        }
    }
}
