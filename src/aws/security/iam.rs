//! Security rules of IAM: wildcard actions and resources, AWS-managed policies.

use serde_json::Value as Json;

use super::{fragments, objects, report, text, Props, NO_RESOURCE_LEVEL_ACTIONS};
use crate::core::Diagnostic;

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    match cfn_type {
        "AWS::IAM::Role" => {
            for p in objects(props, "Policies") {
                if let Some(d) = p.get("PolicyDocument") {
                    check_document(out, path, d);
                }
            }
            for arn in props
                .get("ManagedPolicyArns")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let parts = fragments(arn);
                if parts.iter().any(|f| f.contains(":iam::aws:policy/")) {
                    let name = parts.concat();
                    report(
                        out,
                        super::codes::AWS_SOLUTIONS_IAM4,
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
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy" => {
            if let Some(d) = props.get("PolicyDocument") {
                check_document(out, path, d);
            }
        }
        _ => {}
    }
}

/// A list-or-one field of a statement, as values.
fn one_or_many(v: Option<&Json>) -> Vec<&Json> {
    match v {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

/// A policy document as emitted, as JSON: an object, a JSON string, or the
/// `Fn::Sub` over JSON text that a document with deploy-time keys becomes
/// (IRSA trust; its `${…}` placeholders sit inside strings, so the text
/// parses as JSON). Read by the rules here and by `diff`.
pub(crate) fn emitted_policy_document(v: &Json) -> Option<Json> {
    match v {
        Json::String(s) => serde_json::from_str(s).ok(),
        Json::Object(m) => match m.get("Fn::Sub") {
            Some(Json::String(s)) if m.len() == 1 => serde_json::from_str(s).ok(),
            Some(Json::Array(a)) if m.len() == 1 => match a.first() {
                Some(Json::String(s)) => serde_json::from_str(s).ok(),
                _ => None,
            },
            _ if m.contains_key("Statement") => Some(v.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Checks an emitted policy document (any form `emitted_policy_document` reads).
pub(super) fn check_document(out: &mut Vec<Diagnostic>, path: &str, doc: &Json) {
    let Some(doc) = emitted_policy_document(doc) else {
        return;
    };
    let statements = one_or_many(doc.get("Statement"));
    for st in statements.iter().filter_map(|s| s.as_object()) {
        if st.get("Effect").and_then(Json::as_str) == Some("Deny") {
            continue;
        }
        let actions: Vec<String> = one_or_many(st.get("Action"))
            .into_iter()
            .filter_map(text)
            .collect();
        for a in &actions {
            if a == "*" || a == "*:*" {
                report(
                    out,
                    super::codes::MS_IAM_1,
                    path,
                    format!("statement allows Action {a:?}: full administrator"),
                    "list the actions the workload calls",
                );
            } else if a.contains('*') {
                report(
                    out,
                    super::codes::AWS_SOLUTIONS_IAM5,
                    path,
                    format!("wildcard action {a:?}"),
                    "list the actions explicitly",
                );
            }
        }
        let any_resource = one_or_many(st.get("Resource"))
            .into_iter()
            .any(|r| text(r).as_deref() == Some("*"));
        if any_resource {
            let scoped: Vec<&String> = actions
                .iter()
                .filter(|a| !a.contains('*') && !NO_RESOURCE_LEVEL_ACTIONS.contains(&a.as_str()))
                .collect();
            if !scoped.is_empty() {
                report(
                    out,
                    super::codes::AWS_SOLUTIONS_IAM5,
                    path,
                    format!(
                        "Resource * for actions that support resource-level permissions: {}",
                        scoped
                            .iter()
                            .map(|a| a.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "scope them to ARNs (security::NO_RESOURCE_LEVEL_ACTIONS lists the exceptions)",
                );
            }
        }
    }
}
