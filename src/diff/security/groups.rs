//! Security-group rules, inline and standalone, compared as sets.

use super::*;

pub(super) fn sg_rule(direction: &str, group: Option<String>, r: &Json) -> (String, String, Json) {
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
pub(super) fn is_no_egress_placeholder(r: &Json) -> bool {
    r.get("IpProtocol").map(show).as_deref() == Some("icmp")
        && r.get("FromPort").map(show).as_deref() == Some("252")
        && r.get("ToPort").map(show).as_deref() == Some("86")
        && r.get("CidrIp").map(show).as_deref() == Some("255.255.255.255/32")
}

/// Key of the "no egress" entry of a rule set.
pub(super) const NO_EGRESS: &str = "egress:none";

/// The rules of an `AWS::EC2::SecurityGroup`; no egress rule means
/// CloudFormation's default allow-all egress, which is what it grants.
pub(super) fn inline_rules(props: Option<&Json>) -> BTreeMap<String, (String, Json)> {
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

pub(super) fn diff_rule_sets(
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
