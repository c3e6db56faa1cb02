//! The security section of diff: every change that gives or takes access.
//! IAM statements (identity, trust and KMS key policies, policy attachments),
//! security-group rules, and mesh policy (Istio AuthorizationPolicy and
//! PeerAuthentication, Kubernetes NetworkPolicy) are normalized, compared as
//! sets, and each difference is classified as widening or narrowing.

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

// ---------------------------------------------------------------- IAM

use crate::aws::security::emitted_policy_document as policy_document;

/// One statement, normalized: sorted lists, intrinsics shown, no `Sid`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
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

fn principals(v: Option<&Json>) -> Vec<String> {
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

fn conditions(v: Option<&Json>) -> Vec<String> {
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

fn statements(doc: &Json) -> Option<Vec<Statement>> {
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

fn describe_statement(s: &Statement, holder: Option<&str>) -> String {
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
fn diff_documents(
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
fn diff_attachments(
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

fn inline_policies(props: Option<&Json>) -> Option<Json> {
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

fn attachments(props: Option<&Json>) -> Vec<String> {
    let mut out = Vec::new();
    for (field, label) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
        for x in list(props.and_then(|p| p.get(field))) {
            out.push(format!("{label} {x}"));
        }
    }
    out
}

// ---------------------------------------------------------------- security groups

fn sg_rule(direction: &str, group: Option<String>, r: &Json) -> (String, String, Json) {
    let protocol = match r.get("IpProtocol").map(show).as_deref() {
        Some("-1") | Some("all") | None => "all".to_string(),
        Some(p) => p.to_string(),
    };
    let from = r.get("FromPort").map(show);
    let to = r.get("ToPort").map(show);
    let ports = match (&from, &to) {
        _ if protocol == "all" => "all ports".to_string(),
        (Some(a), Some(b)) if a == "-1" && b == "-1" => "all ports".to_string(),
        (Some(a), Some(b)) if a == b => format!("port {a}"),
        (Some(a), Some(b)) => format!("ports {a}-{b}"),
        (Some(a), None) | (None, Some(a)) => format!("port {a}"),
        (None, None) => "all ports".to_string(),
    };
    let peer_fields = [
        "CidrIp",
        "CidrIpv6",
        "SourceSecurityGroupId",
        "SourceSecurityGroupName",
        "SourcePrefixListId",
        "DestinationSecurityGroupId",
        "DestinationPrefixListId",
    ];
    let peer = peer_fields
        .iter()
        .find_map(|f| r.get(*f).map(show))
        .unwrap_or_else(|| "(no peer)".to_string());
    let anywhere = peer == "0.0.0.0/0" || peer == "::/0";
    let detail = json!({
        "direction": direction,
        "group": group,
        "protocol": protocol,
        "fromPort": from,
        "toPort": to,
        "peer": peer,
    });
    let key = canonical(&detail);
    let what = if protocol == "all" {
        "all traffic".to_string()
    } else {
        format!("{protocol} {ports}")
    };
    let mut d = format!(
        "{direction} {what} {} {peer}",
        if direction == "ingress" { "from" } else { "to" }
    );
    if anywhere {
        d.push_str(" (anywhere)");
    }
    if let Some(g) = group {
        d.push_str(&format!(" on {g}"));
    }
    (key, d, detail)
}

/// The rule that keeps a group's egress closed (CloudFormation adds
/// allow-all to a group with no egress rule): ICMP type 252, code 86, to
/// 255.255.255.255/32, which matches no traffic. CDK and meshsynth write it.
fn is_no_egress_placeholder(r: &Json) -> bool {
    r.get("IpProtocol").map(show).as_deref() == Some("icmp")
        && r.get("FromPort").map(show).as_deref() == Some("252")
        && r.get("ToPort").map(show).as_deref() == Some("86")
        && r.get("CidrIp").map(show).as_deref() == Some("255.255.255.255/32")
}

/// Key of the "no egress" entry of a rule set.
const NO_EGRESS: &str = "egress:none";

/// The rules of an `AWS::EC2::SecurityGroup`; no egress rule means
/// CloudFormation's default allow-all egress, which is what it grants.
fn inline_rules(props: Option<&Json>) -> BTreeMap<String, (String, Json)> {
    let mut out = BTreeMap::new();
    let Some(p) = props else { return out };
    for (field, dir) in [
        ("SecurityGroupIngress", "ingress"),
        ("SecurityGroupEgress", "egress"),
    ] {
        let rules = p.get(field).and_then(Json::as_array);
        match rules {
            Some(a) if !a.is_empty() => {
                for r in a {
                    if dir == "egress" && is_no_egress_placeholder(r) {
                        out.insert(
                            NO_EGRESS.to_string(),
                            (
                                "no egress (a placeholder rule that matches no traffic closes it)"
                                    .to_string(),
                                json!({"direction": "egress", "none": true}),
                            ),
                        );
                        continue;
                    }
                    let (k, d, detail) = sg_rule(dir, None, r);
                    out.insert(k, (d, detail));
                }
            }
            _ if dir == "egress" => {
                let (k, d, detail) = sg_rule(
                    dir,
                    None,
                    &json!({"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}),
                );
                out.insert(k, (format!("{d} (default: no egress rule given)"), detail));
            }
            _ => {}
        }
    }
    out
}

fn diff_rule_sets(
    ctx: &mut Ctx<'_>,
    category: SecurityCategory,
    old: &BTreeMap<String, (String, Json)>,
    new: &BTreeMap<String, (String, Json)>,
    added: Direction,
    removed: Direction,
) {
    // "No egress" closes the group: adding it narrows, removing it widens,
    // whatever the direction of ordinary rules.
    let dir = |k: &str, normal: Direction, closing: bool| match (k == NO_EGRESS, closing) {
        (false, _) => normal,
        (true, true) => Direction::Narrows,
        (true, false) => Direction::Widens,
    };
    for (k, (d, detail)) in old {
        if !new.contains_key(k) {
            ctx.push(
                category,
                dir(k, removed, false),
                ChangeOp::Removed,
                d.clone(),
                detail.clone(),
            );
        }
    }
    for (k, (d, detail)) in new {
        if !old.contains_key(k) {
            ctx.push(
                category,
                dir(k, added, true),
                ChangeOp::Added,
                d.clone(),
                detail.clone(),
            );
        }
    }
}

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
    let field = |p: Option<&Json>, f: &str| p.and_then(|p| p.get(f)).cloned();
    let mut ctx = Ctx {
        stack: Some(stack),
        cluster: None,
        subject: id.to_string(),
        out,
    };
    match kind.as_str() {
        "AWS::IAM::Role" => {
            diff_documents(
                &mut ctx,
                SecurityCategory::TrustPolicy,
                None,
                field(po, "AssumeRolePolicyDocument").as_ref(),
                field(pn, "AssumeRolePolicyDocument").as_ref(),
            );
            let holder = format!("role {id}");
            diff_documents(
                &mut ctx,
                SecurityCategory::IamStatement,
                Some(&holder),
                inline_policies(po).as_ref(),
                inline_policies(pn).as_ref(),
            );
            diff_attachments(
                &mut ctx,
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
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            let holders = attachments(pn.or(po));
            let holder = (!holders.is_empty()).then(|| holders.join(", "));
            diff_documents(
                &mut ctx,
                SecurityCategory::IamStatement,
                holder.as_deref(),
                field(po, "PolicyDocument").as_ref(),
                field(pn, "PolicyDocument").as_ref(),
            );
            // For a new or deleted policy the statements say it all.
            if old.is_some() && new.is_some() {
                diff_attachments(&mut ctx, attachments(po), attachments(pn), |x| {
                    format!("policy {id} attached to {x}")
                });
            }
        }
        "AWS::KMS::Key" => diff_documents(
            &mut ctx,
            SecurityCategory::KeyPolicy,
            None,
            field(po, "KeyPolicy").as_ref(),
            field(pn, "KeyPolicy").as_ref(),
        ),
        "AWS::EC2::SecurityGroup" => {
            let (ro, rn) = (
                if old.is_some() {
                    inline_rules(po.or(Some(&json!({}))))
                } else {
                    BTreeMap::new()
                },
                if new.is_some() {
                    inline_rules(pn.or(Some(&json!({}))))
                } else {
                    BTreeMap::new()
                },
            );
            diff_rule_sets(
                &mut ctx,
                SecurityCategory::SecurityGroupRule,
                &ro,
                &rn,
                Direction::Widens,
                Direction::Narrows,
            );
        }
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
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
                rule(old.map(|_| po.unwrap_or(&empty))),
                rule(new.map(|_| pn.unwrap_or(&empty))),
            );
            diff_rule_sets(
                &mut ctx,
                SecurityCategory::SecurityGroupRule,
                &ro,
                &rn,
                Direction::Widens,
                Direction::Narrows,
            );
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- mesh policy

fn spec(o: Option<&LoadedObject>) -> Option<&Json> {
    o.and_then(|o| o.body.get("spec"))
}

fn selector_text(s: Option<&Json>, key: &str) -> String {
    match s.and_then(|s| s.get(key)) {
        None | Some(Json::Null) => "every workload in the namespace".to_string(),
        Some(v) => format!("workloads {}", flow(v)),
    }
}

fn rule_set(s: Option<&Json>, field: &str) -> BTreeMap<String, Json> {
    s.and_then(|s| s.get(field))
        .and_then(Json::as_array)
        .map(|a| a.iter().map(|r| (canonical(r), r.clone())).collect())
        .unwrap_or_default()
}

/// One grant of a rule, as a reviewer reads it: `(label, value)`, e.g.
/// `("principal", "cluster.local/ns/shop/sa/payment")` or `("port", "8080")`.
type Atom = (String, String);

/// The independent grants of a list of alternatives (`from` sources, `to`
/// operations, NetworkPolicy peers or ports): an entry with one list field
/// gives one grant per value; any other entry is one grant as a whole.
fn atoms(entries: &[Json], inner: Option<&str>) -> BTreeSet<Atom> {
    let mut out = BTreeSet::new();
    for e in entries {
        let body = inner.and_then(|k| e.get(k)).unwrap_or(e);
        match body.as_object() {
            // Istio sources and operations hold lists; a NetworkPolicy peer
            // or port (no `inner`) is one grant as a whole.
            Some(m) if m.len() == 1 && inner.is_some() => {
                // Invariant: the map has exactly one entry.
                let (k, v) = m.iter().next().expect("one entry");
                let label = k.trim_end_matches('s').to_string();
                match v.as_array() {
                    Some(vals) => {
                        for x in vals {
                            out.insert((label.clone(), show(x)));
                        }
                    }
                    None => {
                        out.insert((label, show(v)));
                    }
                }
            }
            _ => {
                out.insert(("".to_string(), flow(body)));
            }
        }
    }
    out
}

/// A NetworkPolicy peer or port, as a whole.
fn atom_value((_, value): &Atom) -> String {
    value.clone()
}

fn atom_text((label, value): &Atom) -> String {
    if label.is_empty() {
        value.clone()
    } else {
        format!("{label} {value}")
    }
}

/// Per pair of rules, the grants (added, removed); then the indexes of the
/// removed and added rules that were paired.
type SplitChanges = (
    Vec<(BTreeSet<Atom>, BTreeSet<Atom>)>,
    BTreeSet<usize>,
    BTreeSet<usize>,
);

/// A changed rule seen as one part that stayed and grants that came or went:
/// for each pair of (removed, added) rules that differ only in `varying`
/// (every other field equal), the grants of `varying` that changed. Pairs are
/// taken only when the unchanged part identifies one rule on each side.
/// Returns the grants (added, removed) per pair, and the indexes it used.
fn split_changes(
    removed: &[&Json],
    added: &[&Json],
    varying: &str,
    inner: Option<&str>,
) -> SplitChanges {
    let context = |r: &Json| -> Option<String> {
        let m = r.as_object()?;
        let entries = m.get(varying)?.as_array()?;
        if entries.is_empty() {
            return None;
        }
        let rest: serde_json::Map<String, Json> = m
            .iter()
            .filter(|(k, _)| k.as_str() != varying)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(canonical(&Json::Object(rest)))
    };
    let mut out = Vec::new();
    let (mut used_r, mut used_a) = (BTreeSet::new(), BTreeSet::new());
    for (ri, r) in removed.iter().enumerate() {
        let Some(cr) = context(r) else { continue };
        let same_r: Vec<usize> = (0..removed.len())
            .filter(|&j| context(removed[j]).as_ref() == Some(&cr))
            .collect();
        let same_a: Vec<usize> = (0..added.len())
            .filter(|&j| context(added[j]).as_ref() == Some(&cr))
            .collect();
        if same_r.len() != 1 || same_a.len() != 1 || used_a.contains(&same_a[0]) {
            continue;
        }
        let a = added[same_a[0]];
        let list = |x: &Json| {
            x.get(varying)
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (old, new) = (atoms(&list(r), inner), atoms(&list(a), inner));
        out.push((
            new.difference(&old).cloned().collect(),
            old.difference(&new).cloned().collect(),
        ));
        used_r.insert(ri);
        used_a.insert(same_a[0]);
    }
    (out, used_r, used_a)
}

fn authorization_policy(ctx: &mut Ctx<'_>, old: Option<&LoadedObject>, new: Option<&LoadedObject>) {
    let cat = SecurityCategory::AuthorizationPolicy;
    let action = |s: Option<&Json>| {
        s.and_then(|s| s.get("action"))
            .and_then(Json::as_str)
            .unwrap_or("ALLOW")
            .to_string()
    };
    let (so, sn) = (spec(old), spec(new));
    let (ao, an) = (action(so), action(sn));
    let (ro, rn) = (rule_set(so, "rules"), rule_set(sn, "rules"));
    let target = |s: Option<&Json>| selector_text(s, "selector");
    let rule_dir = |action: &str, added: bool| match (action, added) {
        ("ALLOW", true) | ("DENY", false) => Direction::Widens,
        ("ALLOW", false) | ("DENY", true) => Direction::Narrows,
        _ => Direction::MayWiden,
    };
    match (old.is_some(), new.is_some()) {
        (false, true) if rn.is_empty() && an == "ALLOW" => {
            ctx.push(
                cat,
                Direction::Narrows,
                ChangeOp::Added,
                format!(
                    "ALLOW policy without rules: denies every request to {}",
                    target(sn)
                ),
                json!({"action": an}),
            );
            return;
        }
        (true, false) => {
            let dir = if ao == "DENY" {
                Direction::Widens
            } else {
                Direction::MayWiden
            };
            let what = if ao == "ALLOW" {
                "if no other ALLOW policy selects them, they accept every request"
            } else {
                "its rules no longer apply"
            };
            ctx.push(
                cat,
                dir,
                ChangeOp::Removed,
                format!("{ao} policy removed from {}: {what}", target(so)),
                json!({"action": ao, "rules": ro.values().collect::<Vec<_>>()}),
            );
            return;
        }
        (true, true) => {
            if ao != an {
                ctx.push(
                    cat,
                    Direction::MayWiden,
                    ChangeOp::Changed,
                    format!("action {ao} → {an}"),
                    json!({"old": ao, "new": an}),
                );
            }
            let (xo, xn) = (
                so.and_then(|s| s.get("selector")),
                sn.and_then(|s| s.get("selector")),
            );
            if xo != xn {
                ctx.push(
                    cat,
                    Direction::MayWiden,
                    ChangeOp::Changed,
                    format!("now applies to {} (was {})", target(sn), target(so)),
                    json!({"old": xo, "new": xn}),
                );
            }
        }
        _ => {}
    }
    let mut removed: Vec<&Json> = ro
        .iter()
        .filter(|(k, _)| !rn.contains_key(*k))
        .map(|(_, r)| r)
        .collect();
    let mut added: Vec<&Json> = rn
        .iter()
        .filter(|(k, _)| !ro.contains_key(*k))
        .map(|(_, r)| r)
        .collect();
    // One principal, namespace or IP more or less in an otherwise equal rule
    // is one line naming it; then the same for operations (ports, paths…).
    if ao == an {
        for (varying, inner, what) in [
            ("from", Some("source"), "from"),
            ("to", Some("operation"), "to"),
        ] {
            let (pairs, used_r, used_a) = split_changes(&removed, &added, varying, inner);
            for (plus, minus) in pairs {
                for a in &plus {
                    ctx.push(
                        cat,
                        rule_dir(&an, true),
                        ChangeOp::Added,
                        format!("{an} {what} {} on {}", atom_text(a), target(sn)),
                        json!({"field": varying, a.0.clone(): a.1}),
                    );
                }
                for a in &minus {
                    ctx.push(
                        cat,
                        rule_dir(&ao, false),
                        ChangeOp::Removed,
                        format!("{ao} {what} {} on {}", atom_text(a), target(sn)),
                        json!({"field": varying, a.0.clone(): a.1}),
                    );
                }
            }
            removed = removed
                .iter()
                .enumerate()
                .filter(|(i, _)| !used_r.contains(i))
                .map(|(_, r)| *r)
                .collect();
            added = added
                .iter()
                .enumerate()
                .filter(|(i, _)| !used_a.contains(i))
                .map(|(_, r)| *r)
                .collect();
        }
    }
    for r in removed {
        ctx.push(
            cat,
            rule_dir(&ao, false),
            ChangeOp::Removed,
            format!("{ao} rule {} on {}", flow(r), target(so)),
            r.clone(),
        );
    }
    for r in added {
        let every = if r.as_object().is_some_and(|m| m.is_empty()) {
            " (matches every request)"
        } else {
            ""
        };
        ctx.push(
            cat,
            rule_dir(&an, true),
            ChangeOp::Added,
            format!("{an} rule {}{every} on {}", flow(r), target(sn)),
            r.clone(),
        );
    }
}

fn mtls_rank(mode: &str) -> u8 {
    match mode {
        "STRICT" => 3,
        "PERMISSIVE" => 2,
        "DISABLE" => 1,
        _ => 0,
    }
}

fn mtls_direction(old: &str, new: &str) -> Direction {
    let (ro, rn) = (mtls_rank(old), mtls_rank(new));
    if ro == 0 || rn == 0 {
        // UNSET inherits from the namespace or mesh: only STRICT is certain.
        if new == "STRICT" {
            Direction::Narrows
        } else {
            Direction::MayWiden
        }
    } else if rn < ro {
        Direction::Widens
    } else {
        Direction::Narrows
    }
}

fn peer_authentication(ctx: &mut Ctx<'_>, old: Option<&LoadedObject>, new: Option<&LoadedObject>) {
    let cat = SecurityCategory::PeerAuthentication;
    let (so, sn) = (spec(old), spec(new));
    let mode = |s: Option<&Json>| {
        s.and_then(|s| s.pointer("/mtls/mode"))
            .and_then(Json::as_str)
            .unwrap_or("UNSET")
            .to_string()
    };
    let ports = |s: Option<&Json>| -> BTreeMap<String, String> {
        s.and_then(|s| s.get("portLevelMtls"))
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .map(|(p, v)| {
                        let mode = v.get("mode").and_then(Json::as_str).unwrap_or("UNSET");
                        (p.clone(), mode.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let target = |s: Option<&Json>| selector_text(s, "selector");
    let (mo, mn) = (mode(so), mode(sn));
    match (old.is_some(), new.is_some()) {
        (false, true) => {
            if mn != "UNSET" {
                let dir = if mn == "STRICT" {
                    Direction::Narrows
                } else {
                    Direction::Widens
                };
                ctx.push(
                    cat,
                    dir,
                    ChangeOp::Added,
                    format!("mTLS {mn} for {}", target(sn)),
                    json!({"mode": mn}),
                );
            }
        }
        (true, false) => {
            let dir = if mo == "STRICT" {
                Direction::MayWiden
            } else {
                Direction::Narrows
            };
            ctx.push(
                cat,
                dir,
                ChangeOp::Removed,
                format!(
                    "mTLS {mo} policy removed for {}: the namespace or mesh default applies",
                    target(so)
                ),
                json!({"mode": mo}),
            );
        }
        (true, true) => {
            if mo != mn {
                ctx.push(
                    cat,
                    mtls_direction(&mo, &mn),
                    ChangeOp::Changed,
                    format!("mTLS {mo} → {mn} for {}", target(sn)),
                    json!({"old": mo, "new": mn}),
                );
            }
            let (xo, xn) = (
                so.and_then(|s| s.get("selector")),
                sn.and_then(|s| s.get("selector")),
            );
            if xo != xn {
                ctx.push(
                    cat,
                    Direction::MayWiden,
                    ChangeOp::Changed,
                    format!("now applies to {} (was {})", target(sn), target(so)),
                    json!({"old": xo, "new": xn}),
                );
            }
        }
        (false, false) => {}
    }
    let (po, pn) = (ports(so), ports(sn));
    for (port, m) in &pn {
        let before = po.get(port).cloned().unwrap_or_else(|| mo.clone());
        if old.is_some() && &before == m {
            continue;
        }
        let base = if old.is_some() { before } else { mn.clone() };
        if &base == m {
            continue;
        }
        ctx.push(
            cat,
            mtls_direction(&base, m),
            ChangeOp::Changed,
            format!("mTLS {base} → {m} on port {port} for {}", target(sn)),
            json!({"port": port, "old": base, "new": m}),
        );
    }
    for (port, m) in &po {
        if new.is_some() && !pn.contains_key(port) && m != &mn {
            ctx.push(
                cat,
                mtls_direction(m, &mn),
                ChangeOp::Changed,
                format!("mTLS {m} → {mn} on port {port} for {}", target(sn)),
                json!({"port": port, "old": m, "new": mn}),
            );
        }
    }
}

fn network_policy(ctx: &mut Ctx<'_>, old: Option<&LoadedObject>, new: Option<&LoadedObject>) {
    let cat = SecurityCategory::NetworkPolicy;
    let (so, sn) = (spec(old), spec(new));
    let types = |s: Option<&Json>| -> Vec<String> {
        match s.and_then(|s| s.get("policyTypes")) {
            Some(t) => list(Some(t)),
            None => {
                // Kubernetes' default: Ingress, plus Egress when egress rules exist.
                let mut t = vec!["Ingress".to_string()];
                if s.and_then(|s| s.get("egress")).is_some() {
                    t.push("Egress".to_string());
                }
                t
            }
        }
    };
    let pods = |s: Option<&Json>| match s.and_then(|s| s.get("podSelector")) {
        None | Some(Json::Null) => "every pod in the namespace".to_string(),
        Some(Json::Object(m)) if m.is_empty() => "every pod in the namespace".to_string(),
        Some(v) => format!("pods {}", flow(v)),
    };
    match (old.is_some(), new.is_some()) {
        (false, true) => {
            let (ni, ne) = (rule_set(sn, "ingress").len(), rule_set(sn, "egress").len());
            ctx.push(
                cat,
                Direction::Narrows,
                ChangeOp::Added,
                format!(
                    "isolates {} for {}; allows {ni} ingress and {ne} egress rule(s)",
                    pods(sn),
                    types(sn).join(", ")
                ),
                sn.cloned().unwrap_or(Json::Null),
            );
        }
        (true, false) => ctx.push(
            cat,
            Direction::Widens,
            ChangeOp::Removed,
            format!(
                "NetworkPolicy removed: it no longer isolates {} ({})",
                pods(so),
                types(so).join(", ")
            ),
            so.cloned().unwrap_or(Json::Null),
        ),
        (true, true) => {
            let (to, tn) = (types(so), types(sn));
            for t in to.iter().filter(|t| !tn.contains(t)) {
                ctx.push(
                    cat,
                    Direction::Widens,
                    ChangeOp::Removed,
                    format!("no longer isolates {} for {t}", pods(sn)),
                    json!({"policyType": t}),
                );
            }
            for t in tn.iter().filter(|t| !to.contains(t)) {
                ctx.push(
                    cat,
                    Direction::Narrows,
                    ChangeOp::Added,
                    format!("now isolates {} for {t}", pods(sn)),
                    json!({"policyType": t}),
                );
            }
            let (xo, xn) = (
                so.and_then(|s| s.get("podSelector")),
                sn.and_then(|s| s.get("podSelector")),
            );
            if xo != xn {
                ctx.push(
                    cat,
                    Direction::MayWiden,
                    ChangeOp::Changed,
                    format!("now applies to {} (was {})", pods(sn), pods(so)),
                    json!({"old": xo, "new": xn}),
                );
            }
            for field in ["ingress", "egress"] {
                let (ro, rn) = (rule_set(so, field), rule_set(sn, field));
                let mut removed: Vec<&Json> = ro
                    .iter()
                    .filter(|(k, _)| !rn.contains_key(*k))
                    .map(|(_, r)| r)
                    .collect();
                let mut added: Vec<&Json> = rn
                    .iter()
                    .filter(|(k, _)| !ro.contains_key(*k))
                    .map(|(_, r)| r)
                    .collect();
                // One peer or port more or less in an otherwise equal rule is
                // one line naming it.
                let peers = if field == "ingress" { "from" } else { "to" };
                for (varying, what) in [(peers, "peer"), ("ports", "port")] {
                    let (pairs, used_r, used_a) = split_changes(&removed, &added, varying, None);
                    for (plus, minus) in pairs {
                        for a in &plus {
                            ctx.push(
                                cat,
                                Direction::Widens,
                                ChangeOp::Added,
                                format!("{field} {what} {} for {}", atom_value(a), pods(sn)),
                                json!({"field": varying, "grant": atom_value(a)}),
                            );
                        }
                        for a in &minus {
                            ctx.push(
                                cat,
                                Direction::Narrows,
                                ChangeOp::Removed,
                                format!("{field} {what} {} for {}", atom_value(a), pods(sn)),
                                json!({"field": varying, "grant": atom_value(a)}),
                            );
                        }
                    }
                    removed = removed
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !used_r.contains(i))
                        .map(|(_, r)| *r)
                        .collect();
                    added = added
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !used_a.contains(i))
                        .map(|(_, r)| *r)
                        .collect();
                }
                for r in removed {
                    ctx.push(
                        cat,
                        Direction::Narrows,
                        ChangeOp::Removed,
                        format!("{field} rule {} for {}", flow(r), pods(sn)),
                        r.clone(),
                    );
                }
                for r in added {
                    ctx.push(
                        cat,
                        Direction::Widens,
                        ChangeOp::Added,
                        format!("{field} rule {} for {}", flow(r), pods(sn)),
                        r.clone(),
                    );
                }
            }
        }
        (false, false) => {}
    }
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
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(ty: &str, old: Option<Json>, new: Option<Json>) -> Vec<(Direction, String)> {
        let wrap = |p: Json| json!({"Type": ty, "Properties": p});
        let (o, n) = (old.map(wrap), new.map(wrap));
        let mut out = Vec::new();
        resource("s", "R", o.as_ref(), n.as_ref(), &mut out);
        out.into_iter()
            .map(|c| (c.direction, c.description))
            .collect()
    }

    #[test]
    fn cross_stack_references_read_as_imports_and_outputs() {
        assert_eq!(
            show(&json!({"Fn::ImportValue": "net:ExportVpcRef"})),
            "import(net:ExportVpcRef)"
        );
        assert_eq!(
            show(
                &json!({"Fn::GetStackOutput": {"StackName": "east", "OutputName": "ExportGwIp", "Region": "us-east-1"}})
            ),
            "output(east.ExportGwIp@us-east-1)"
        );
    }

    #[test]
    fn irsa_trust_in_fn_sub_is_parsed_and_subjects_compared() {
        let trust = |sub: &str| {
            json!({"AssumeRolePolicyDocument": {"Fn::Sub": [
                format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{{"Federated":"${{Provider}}"}},"Condition":{{"StringEquals":{{"${{Issuer}}:sub":"{sub}"}}}}}}]}}"#),
                {"Provider": {"Ref": "Oidc"}}
            ]}})
        };
        let c = changes(
            "AWS::IAM::Role",
            Some(trust("system:serviceaccount:shop:api")),
            Some(trust("system:serviceaccount:shop:*")),
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].0, Direction::Narrows);
        assert_eq!(c[1].0, Direction::Widens);
        assert!(
            c[1].1
                .contains("${Issuer}:sub = system:serviceaccount:shop:*"),
            "{}",
            c[1].1
        );
        assert!(c[1].1.contains("[wildcard service-account subject]"));
    }

    fn k8s(group: &str, kind: &str, spec: Json) -> LoadedObject {
        LoadedObject {
            key: crate::assembly::ObjectKey {
                group: group.into(),
                kind: kind.into(),
                namespace: Some("shop".into()),
                name: "orders".into(),
            },
            api_version: format!("{group}/v1"),
            file: "k8s/main/x.yaml".into(),
            chart: "C".into(),
            body: json!({ "spec": spec }),
        }
    }

    fn object_changes(group: &str, kind: &str, old: Json, new: Json) -> Vec<(Direction, String)> {
        let (o, n) = (k8s(group, kind, old), k8s(group, kind, new));
        let mut out = Vec::new();
        object("main", Some(&o), Some(&n), &mut out);
        out.into_iter()
            .map(|c| (c.direction, c.description))
            .collect()
    }

    #[test]
    fn one_more_principal_is_one_widening_line_naming_it() {
        let policy = |principals: &[&str]| {
            json!({
                "selector": {"matchLabels": {"app": "orders"}},
                "action": "ALLOW",
                "rules": [{
                    "from": [{"source": {"principals": principals}}],
                    "to": [{"operation": {"methods": ["GET"]}}]
                }]
            })
        };
        let pay = "cluster.local/ns/shop/sa/payment";
        let cart = "cluster.local/ns/shop/sa/cart";
        let c = object_changes(
            "security.istio.io",
            "AuthorizationPolicy",
            policy(&[pay]),
            policy(&[pay, cart]),
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].0, Direction::Widens);
        assert!(c[0].1.contains(&format!("from principal {cart}")), "{c:?}");
        // Removing one is one narrowing line, and never a widening.
        let c = object_changes(
            "security.istio.io",
            "AuthorizationPolicy",
            policy(&[pay, cart]),
            policy(&[pay]),
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].0, Direction::Narrows);
        assert!(c[0].1.contains(&format!("from principal {cart}")), "{c:?}");
    }

    #[test]
    fn one_more_network_policy_peer_or_port_is_one_line() {
        let policy = |peers: Vec<Json>, ports: Vec<u16>| {
            json!({
                "podSelector": {"matchLabels": {"app": "orders"}},
                "ingress": [{
                    "from": peers,
                    "ports": ports.iter().map(|p| json!({"port": p, "protocol": "TCP"})).collect::<Vec<_>>()
                }]
            })
        };
        let web = json!({"podSelector": {"matchLabels": {"app": "web"}}});
        let api = json!({"podSelector": {"matchLabels": {"app": "api"}}});
        let c = object_changes(
            "networking.k8s.io",
            "NetworkPolicy",
            policy(vec![web.clone()], vec![8080]),
            policy(vec![web.clone(), api.clone()], vec![8080]),
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].0, Direction::Widens);
        assert!(
            c[0].1
                .starts_with("ingress peer {podSelector: {matchLabels: {app: api}}}"),
            "{c:?}"
        );
        let c = object_changes(
            "networking.k8s.io",
            "NetworkPolicy",
            policy(vec![web.clone()], vec![8080, 9090]),
            policy(vec![web], vec![8080]),
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].0, Direction::Narrows);
        assert!(
            c[0].1.contains("ingress port {port: 9090, protocol: TCP}"),
            "{c:?}"
        );
    }

    #[test]
    fn the_no_egress_placeholder_reads_as_no_egress() {
        let placeholder = json!({"SecurityGroupEgress": [{"IpProtocol": "icmp", "FromPort": 252, "ToPort": 86, "CidrIp": "255.255.255.255/32", "Description": "no outbound traffic"}]});
        // A new closed group: nothing widens.
        let c = changes("AWS::EC2::SecurityGroup", None, Some(placeholder.clone()));
        assert!(c.iter().all(|(d, _)| *d != Direction::Widens), "{c:?}");
        assert!(
            c.iter()
                .any(|(d, t)| *d == Direction::Narrows && t.starts_with("no egress")),
            "{c:?}"
        );
        // Closing an open group narrows, twice over (allow-all gone, no egress).
        let c = changes(
            "AWS::EC2::SecurityGroup",
            Some(json!({})),
            Some(placeholder.clone()),
        );
        assert!(c.iter().all(|(d, _)| *d == Direction::Narrows), "{c:?}");
        // Opening it again widens.
        let c = changes(
            "AWS::EC2::SecurityGroup",
            Some(placeholder),
            Some(json!({})),
        );
        assert!(c.iter().all(|(d, _)| *d == Direction::Widens), "{c:?}");
    }

    #[test]
    fn removing_all_egress_rules_restores_allow_all() {
        let c = changes(
            "AWS::EC2::SecurityGroup",
            Some(
                json!({"SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16"}]}),
            ),
            Some(json!({})),
        );
        assert_eq!(
            c,
            [
                (
                    Direction::Narrows,
                    "egress tcp port 443 to 10.0.0.0/16".to_string()
                ),
                (
                    Direction::Widens,
                    "egress all traffic to 0.0.0.0/0 (anywhere) (default: no egress rule given)"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn unparseable_documents_may_widen() {
        let c = changes(
            "AWS::KMS::Key",
            Some(json!({"KeyPolicy": "not json"})),
            Some(json!({"KeyPolicy": "still not"})),
        );
        assert_eq!(c[0].0, Direction::MayWiden);
    }
}
