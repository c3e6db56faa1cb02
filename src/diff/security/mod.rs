//! The security section of diff: every change that gives or takes access.
//! IAM statements (identity, trust and KMS key policies, inline policy
//! resources, users and groups, policy attachments, access keys and
//! console logins), resource policies (buckets, queues, topics, secrets,
//! repositories, functions, endpoints…), EKS access entries and Pod
//! Identity, security-group and network-ACL rules, Kubernetes RBAC, and
//! mesh policy (Istio AuthorizationPolicy and PeerAuthentication,
//! Kubernetes NetworkPolicy) are normalized, compared as sets, and each
//! difference is classified as widening or narrowing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

use super::{canonical, ChangeOp, Direction, SecurityCategory, SecurityChange};
use crate::assembly::LoadedObject;

struct Ctx<'a> {
    stack: Option<&'a str>,
    cluster: Option<&'a str>,
    subject: String,
    out: &'a mut Vec<SecurityChange>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        category: SecurityCategory,
        direction: Direction,
        op: ChangeOp,
        description: String,
        detail: Json,
    ) {
        self.out.push(SecurityChange {
            stack: self.stack.map(str::to_string),
            cluster: self.cluster.map(str::to_string),
            subject: self.subject.clone(),
            category,
            direction,
            op,
            description,
            detail,
        });
    }
}

/// A value as a reviewer reads it: intrinsics in `${…}` form.
fn show(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Object(m) if m.len() == 1 => {
            // Invariant: the map has exactly one entry.
            let (k, x) = m.iter().next().expect("one entry");
            match (k.as_str(), x) {
                ("Ref", Json::String(s)) => format!("${{{s}}}"),
                ("Fn::GetAtt", Json::Array(a)) => {
                    format!("${{{}}}", a.iter().map(show).collect::<Vec<_>>().join("."))
                }
                ("Fn::GetAtt", Json::String(s)) => format!("${{{s}}}"),
                ("Fn::Sub", Json::String(s)) => s.clone(),
                ("Fn::Sub", Json::Array(a)) if !a.is_empty() => show(&a[0]),
                ("Fn::ImportValue", x) => format!("import({})", show(x)),
                ("Fn::GetStackOutput", Json::Object(o)) => format!(
                    "output({}.{}@{})",
                    o.get("StackName").map(show).unwrap_or_default(),
                    o.get("OutputName").map(show).unwrap_or_default(),
                    o.get("Region")
                        .map(show)
                        .unwrap_or_else(|| "this region".into())
                ),
                ("Fn::Join", Json::Array(a)) if a.len() == 2 => match (&a[0], &a[1]) {
                    (Json::String(sep), Json::Array(parts)) => {
                        parts.iter().map(show).collect::<Vec<_>>().join(sep)
                    }
                    _ => canonical(v),
                },
                _ => canonical(v),
            }
        }
        other => canonical(other),
    }
}

/// A string-or-list field as a sorted list of shown values.
fn list(v: Option<&Json>) -> Vec<String> {
    let mut out: Vec<String> = match v {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(a)) => a.iter().map(show).collect(),
        Some(x) => vec![show(x)],
    };
    out.sort();
    out.dedup();
    out
}

/// Readable flow form of a JSON value: `{from: [{source: {…}}]}`.
fn flow(v: &Json) -> String {
    match v {
        Json::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{k}: {}", flow(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Array(a) => format!("[{}]", a.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

mod access;
mod groups;
mod iam;
mod mesh;
mod rbac;
#[cfg(test)]
mod tests;

use access::*;
use groups::*;
use iam::*;
use mesh::*;
use rbac::*;

/// Security changes of one CloudFormation resource (`None` = absent).
pub(crate) fn resource(
    stack: &str,
    id: &str,
    old: Option<&Json>,
    new: Option<&Json>,
    out: &mut Vec<SecurityChange>,
) {
    fn ty(r: Option<&Json>) -> &str {
        r.and_then(|r| r.get("Type"))
            .and_then(Json::as_str)
            .unwrap_or("")
    }
    // A type change is a removal and an addition.
    if old.is_some() && new.is_some() && ty(old) != ty(new) {
        resource(stack, id, old, None, out);
        resource(stack, id, None, new, out);
        return;
    }
    let kind = ty(new.or(old)).to_string();
    fn props(r: Option<&Json>) -> Option<&Json> {
        r.and_then(|r| r.get("Properties"))
    }
    let (po, pn) = (props(old), props(new));
    let mut ctx = Ctx {
        stack: Some(stack),
        cluster: None,
        subject: id.to_string(),
        out,
    };
    match kind.as_str() {
        "AWS::IAM::Role" => role(&mut ctx, id, po, pn),
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            policy(&mut ctx, id, (po, pn), old.is_some() && new.is_some())
        }
        "AWS::KMS::Key" => diff_documents(
            &mut ctx,
            SecurityCategory::KeyPolicy,
            None,
            field(po, "KeyPolicy").as_ref(),
            field(pn, "KeyPolicy").as_ref(),
        ),
        "AWS::EC2::SecurityGroup" => security_group(&mut ctx, (old.map(|_| po), new.map(|_| pn))),
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            security_group_rule(&mut ctx, &kind, (old.map(|_| po), new.map(|_| pn)))
        }
        _ => {
            resource_access(&mut ctx, &kind, id, (old, new));
        }
    }
}

fn field(p: Option<&Json>, f: &str) -> Option<Json> {
    p.and_then(|p| p.get(f)).cloned()
}

/// A role's trust policy, inline policies, managed policies and boundary.
fn role(ctx: &mut Ctx<'_>, id: &str, po: Option<&Json>, pn: Option<&Json>) {
    diff_documents(
        ctx,
        SecurityCategory::TrustPolicy,
        None,
        field(po, "AssumeRolePolicyDocument").as_ref(),
        field(pn, "AssumeRolePolicyDocument").as_ref(),
    );
    let holder = format!("role {id}");
    diff_documents(
        ctx,
        SecurityCategory::IamStatement,
        Some(&holder),
        inline_policies(po).as_ref(),
        inline_policies(pn).as_ref(),
    );
    diff_attachments(
        ctx,
        list(po.and_then(|p| p.get("ManagedPolicyArns"))),
        list(pn.and_then(|p| p.get("ManagedPolicyArns"))),
        |x| format!("managed policy {x} on role {id}"),
    );
    let (bo, bn) = (
        field(po, "PermissionsBoundary"),
        field(pn, "PermissionsBoundary"),
    );
    if bo.is_some() && bo != bn {
        ctx.push(
            SecurityCategory::PolicyAttachment,
            Direction::MayWiden,
            ChangeOp::Changed,
            format!(
                "permissions boundary of role {id}: {} → {}",
                bo.as_ref().map(show).unwrap_or_default(),
                bn.as_ref().map(show).unwrap_or_else(|| "none".into())
            ),
            json!({"old": bo, "new": bn}),
        );
    }
}

/// A policy's statements, and (when it stays) what it is attached to.
fn policy(ctx: &mut Ctx<'_>, id: &str, (po, pn): (Option<&Json>, Option<&Json>), stays: bool) {
    let holders = attachments(pn.or(po));
    let holder = (!holders.is_empty()).then(|| holders.join(", "));
    diff_documents(
        ctx,
        SecurityCategory::IamStatement,
        holder.as_deref(),
        field(po, "PolicyDocument").as_ref(),
        field(pn, "PolicyDocument").as_ref(),
    );
    // For a new or deleted policy the statements say it all.
    if stays {
        diff_attachments(ctx, attachments(po), attachments(pn), |x| {
            format!("policy {id} attached to {x}")
        });
    }
}

/// A group's inline rules; each side is `None` when the group is absent,
/// `Some(None)` when it has no properties.
fn security_group(ctx: &mut Ctx<'_>, (old, new): (Option<Option<&Json>>, Option<Option<&Json>>)) {
    let rules = |side: Option<Option<&Json>>| match side {
        Some(p) => inline_rules(p.or(Some(&json!({})))),
        None => BTreeMap::new(),
    };
    let (ro, rn) = (rules(old), rules(new));
    diff_rule_sets(
        ctx,
        SecurityCategory::SecurityGroupRule,
        &ro,
        &rn,
        Direction::Widens,
        Direction::Narrows,
    );
}

/// A stand-alone ingress or egress rule, sides as for [`security_group`].
fn security_group_rule(
    ctx: &mut Ctx<'_>,
    kind: &str,
    (old, new): (Option<Option<&Json>>, Option<Option<&Json>>),
) {
    let dir = if kind.ends_with("Ingress") {
        "ingress"
    } else {
        "egress"
    };
    let rule = |p: Option<&Json>| -> BTreeMap<String, (String, Json)> {
        p.map(|p| {
            let group = p.get("GroupId").or_else(|| p.get("GroupName")).map(show);
            let (k, d, detail) = sg_rule(dir, group, p);
            BTreeMap::from([(k, (d, detail))])
        })
        .unwrap_or_default()
    };
    let empty = json!({});
    let (ro, rn) = (
        rule(old.map(|p| p.unwrap_or(&empty))),
        rule(new.map(|p| p.unwrap_or(&empty))),
    );
    diff_rule_sets(
        ctx,
        SecurityCategory::SecurityGroupRule,
        &ro,
        &rn,
        Direction::Widens,
        Direction::Narrows,
    );
}

/// Security changes of one Kubernetes object (`None` = absent).
pub(crate) fn object(
    cluster: &str,
    old: Option<&LoadedObject>,
    new: Option<&LoadedObject>,
    out: &mut Vec<SecurityChange>,
) {
    let Some(key) = new.or(old).map(|o| &o.key) else {
        return;
    };
    let mut ctx = Ctx {
        stack: None,
        cluster: Some(cluster),
        subject: key.to_string(),
        out,
    };
    match (key.group.as_str(), key.kind.as_str()) {
        ("security.istio.io", "AuthorizationPolicy") => authorization_policy(&mut ctx, old, new),
        ("security.istio.io", "PeerAuthentication") => peer_authentication(&mut ctx, old, new),
        ("networking.k8s.io", "NetworkPolicy") => network_policy(&mut ctx, old, new),
        (
            "rbac.authorization.k8s.io",
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding",
        ) => rbac(&mut ctx, old, new),
        _ => {}
    }
}
