//! IAM: identity, trust and KMS key policy statements and policy
//! attachments, compared statement by statement.

use super::*;

use crate::aws::security::emitted_policy_document as policy_document;

/// One statement, normalized: sorted lists, intrinsics shown, no `Sid`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Statement {
    effect: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    action: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_action: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_resource: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    principal: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_principal: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    condition: Vec<String>,
}

pub(super) fn principals(v: Option<&Json>) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        None | Some(Json::Null) => {}
        Some(Json::Object(m)) => {
            for (kind, ids) in m {
                for id in list(Some(ids)) {
                    out.push(format!("{kind}:{id}"));
                }
            }
        }
        Some(x) => out.push(show(x)),
    }
    out.sort();
    out
}

pub(super) fn conditions(v: Option<&Json>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Json::Object(ops)) = v {
        for (op, m) in ops {
            match m {
                Json::Object(keys) => {
                    for (k, vals) in keys {
                        out.push(format!("{op} {k} = {}", list(Some(vals)).join(" | ")));
                    }
                }
                other => out.push(format!("{op} {}", show(other))),
            }
        }
    }
    out.sort();
    out
}

pub(super) fn statements(doc: &Json) -> Option<Vec<Statement>> {
    let raw: Vec<&Json> = match doc.get("Statement")? {
        Json::Array(a) => a.iter().collect(),
        s @ Json::Object(_) => vec![s],
        _ => return None,
    };
    raw.into_iter()
        .map(|s| {
            s.as_object()?;
            Some(Statement {
                effect: s
                    .get("Effect")
                    .map(show)
                    .unwrap_or_else(|| "Allow".to_string()),
                action: list(s.get("Action")),
                not_action: list(s.get("NotAction")),
                resource: list(s.get("Resource")),
                not_resource: list(s.get("NotResource")),
                principal: principals(s.get("Principal")),
                not_principal: principals(s.get("NotPrincipal")),
                condition: conditions(s.get("Condition")),
            })
        })
        .collect()
}

pub(super) fn describe_statement(s: &Statement, holder: Option<&str>) -> String {
    let mut d = s.effect.clone();
    let part = |label: &str, v: &[String]| -> String {
        if v.is_empty() {
            String::new()
        } else {
            format!("{label}{}", v.join(", "))
        }
    };
    if !s.action.is_empty() {
        d.push_str(&part(" ", &s.action));
    }
    if !s.not_action.is_empty() {
        d.push_str(&part(" every action except ", &s.not_action));
    }
    if !s.resource.is_empty() {
        d.push_str(&part(" on ", &s.resource));
    }
    if !s.not_resource.is_empty() {
        d.push_str(&part(" on every resource except ", &s.not_resource));
    }
    if !s.principal.is_empty() {
        d.push_str(&part(" for ", &s.principal));
    } else if !s.not_principal.is_empty() {
        d.push_str(&part(" for everyone except ", &s.not_principal));
    } else if let Some(h) = holder {
        d.push_str(&format!(" for {h}"));
    }
    if !s.condition.is_empty() {
        d.push_str(&format!(" when {}", s.condition.join(" and ")));
    }
    if s.effect == "Allow" {
        if s.action.iter().any(|a| a == "*") || !s.not_action.is_empty() {
            d.push_str(" [any action]");
        }
        if s.principal.iter().any(|p| p == "*" || p == "AWS:*") {
            d.push_str(" [any principal]");
        }
        // IRSA: a web-identity trust must be pinned to a service account.
        let web_identity = s
            .action
            .iter()
            .any(|a| a == "sts:AssumeRoleWithWebIdentity")
            && s.principal.iter().any(|p| p.starts_with("Federated:"));
        if web_identity {
            let subs: Vec<&String> = s
                .condition
                .iter()
                .filter(|c| c.contains(":sub = "))
                .collect();
            if subs.is_empty() {
                d.push_str(" [not pinned to a service account: no :sub condition]");
            } else if subs.iter().any(|c| c.contains('*')) {
                d.push_str(" [wildcard service-account subject]");
            }
        }
    }
    d
}

/// Compares two policy documents statement by statement.
pub(super) fn diff_documents(
    ctx: &mut Ctx<'_>,
    category: SecurityCategory,
    holder: Option<&str>,
    old: Option<&Json>,
    new: Option<&Json>,
) {
    let parse = |v: Option<&Json>| -> Result<Vec<Statement>, ()> {
        match v {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(v) => policy_document(v).and_then(|d| statements(&d)).ok_or(()),
        }
    };
    let (po, pn) = match (parse(old), parse(new)) {
        (Ok(o), Ok(n)) => (o, n),
        _ => {
            if old != new {
                ctx.push(
                    category,
                    Direction::MayWiden,
                    ChangeOp::Changed,
                    "policy document changed and could not be analyzed (not a JSON policy document)"
                        .into(),
                    json!({"old": old, "new": new}),
                );
            }
            return;
        }
    };
    let index = |v: Vec<Statement>| -> BTreeMap<String, Statement> {
        v.into_iter().map(|s| (canonical(&json!(s)), s)).collect()
    };
    let (so, sn) = (index(po), index(pn));
    for (k, s) in &so {
        if !sn.contains_key(k) {
            let dir = if s.effect == "Deny" {
                Direction::Widens
            } else {
                Direction::Narrows
            };
            ctx.push(
                category,
                dir,
                ChangeOp::Removed,
                describe_statement(s, holder),
                json!(s),
            );
        }
    }
    for (k, s) in &sn {
        if !so.contains_key(k) {
            let dir = if s.effect == "Deny" {
                Direction::Narrows
            } else {
                Direction::Widens
            };
            ctx.push(
                category,
                dir,
                ChangeOp::Added,
                describe_statement(s, holder),
                json!(s),
            );
        }
    }
}

/// Set difference of attachment-like lists (managed policies, policy roles).
pub(super) fn diff_attachments(
    ctx: &mut Ctx<'_>,
    old: Vec<String>,
    new: Vec<String>,
    describe: impl Fn(&str) -> String,
) {
    for x in old.iter().filter(|x| !new.contains(x)) {
        ctx.push(
            SecurityCategory::PolicyAttachment,
            Direction::Narrows,
            ChangeOp::Removed,
            describe(x),
            json!(x),
        );
    }
    for x in new.iter().filter(|x| !old.contains(x)) {
        ctx.push(
            SecurityCategory::PolicyAttachment,
            Direction::Widens,
            ChangeOp::Added,
            describe(x),
            json!(x),
        );
    }
}

pub(super) fn inline_policies(props: Option<&Json>) -> Option<Json> {
    let mut all = Vec::new();
    for p in props?.get("Policies")?.as_array()? {
        let doc = p.get("PolicyDocument")?;
        let doc = policy_document(doc)?;
        match doc.get("Statement")? {
            Json::Array(a) => all.extend(a.iter().cloned()),
            s => all.push(s.clone()),
        }
    }
    Some(json!({ "Statement": all }))
}

pub(super) fn attachments(props: Option<&Json>) -> Vec<String> {
    let mut out = Vec::new();
    for (field, label) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
        for x in list(props.and_then(|p| p.get(field))) {
            out.push(format!("{label} {x}"));
        }
    }
    out
}
