//! Mesh policy: Istio AuthorizationPolicy and PeerAuthentication, and
//! Kubernetes NetworkPolicy, compared rule by rule.

use super::*;

pub(super) fn spec(o: Option<&LoadedObject>) -> Option<&Json> {
    o.and_then(|o| o.body.get("spec"))
}

/// What a policy applies to, as a reviewer reads it: the objects its
/// `targetRefs` (or `targetRef`) name, else the workloads its selector
/// picks, else the whole namespace.
pub(super) fn selector_text(s: Option<&Json>, key: &str) -> String {
    let refs: Vec<&Json> = s
        .and_then(|s| s.get("targetRefs"))
        .and_then(Json::as_array)
        .map(|a| a.iter().collect())
        .or_else(|| s.and_then(|s| s.get("targetRef")).map(|r| vec![r]))
        .unwrap_or_default();
    if !refs.is_empty() {
        let named: Vec<String> = refs
            .iter()
            .map(|r| {
                let kind = r.get("kind").and_then(Json::as_str).unwrap_or("object");
                let name = r.get("name").and_then(Json::as_str).unwrap_or("");
                format!("{kind} {}", show(&Json::String(name.to_string())))
            })
            .collect();
        return format!("only {} (targetRefs)", named.join(", "));
    }
    match s.and_then(|s| s.get(key)) {
        None | Some(Json::Null) => "every workload in the namespace".to_string(),
        Some(v) => format!("workloads {}", flow(v)),
    }
}

pub(super) fn rule_set(s: Option<&Json>, field: &str) -> BTreeMap<String, Json> {
    s.and_then(|s| s.get(field))
        .and_then(Json::as_array)
        .map(|a| a.iter().map(|r| (canonical(r), r.clone())).collect())
        .unwrap_or_default()
}

/// One grant of a rule, as a reviewer reads it: `(label, value)`, e.g.
/// `("principal", "cluster.local/ns/shop/sa/payment")` or `("port", "8080")`.
pub(super) type Atom = (String, String);

/// The independent grants of a list of alternatives (`from` sources, `to`
/// operations, NetworkPolicy peers or ports): an entry with one list field
/// gives one grant per value; any other entry is one grant as a whole.
pub(super) fn atoms(entries: &[Json], inner: Option<&str>) -> BTreeSet<Atom> {
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
pub(super) fn atom_value((_, value): &Atom) -> String {
    value.clone()
}

pub(super) fn atom_text((label, value): &Atom) -> String {
    if label.is_empty() {
        value.clone()
    } else {
        format!("{label} {value}")
    }
}

/// Per pair of rules, the grants (added, removed); then the indexes of the
/// removed and added rules that were paired.
pub(super) type SplitChanges = (
    Vec<(BTreeSet<Atom>, BTreeSet<Atom>)>,
    BTreeSet<usize>,
    BTreeSet<usize>,
);

/// A changed rule seen as one part that stayed and grants that came or went:
/// for each pair of (removed, added) rules that differ only in `varying`
/// (every other field equal), the grants of `varying` that changed. Pairs are
/// taken only when the unchanged part identifies one rule on each side.
/// Returns the grants (added, removed) per pair, and the indexes it used.
pub(super) fn split_changes(
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

/// The rules only in `old` and only in `new`, after pairing: for each
/// `(field, inner)` in turn, a grant that came (`true`) or went in an
/// otherwise equal rule is passed to `grant` as one line, and the paired
/// rules leave the lists. AuthorizationPolicy and NetworkPolicy rules are
/// read alike this way.
pub(super) fn pair_rules<'r>(
    old: &'r BTreeMap<String, Json>,
    new: &'r BTreeMap<String, Json>,
    fields: &[(&str, Option<&str>)],
    mut grant: impl FnMut(&str, bool, &Atom),
) -> (Vec<&'r Json>, Vec<&'r Json>) {
    let only = |a: &'r BTreeMap<String, Json>, b: &BTreeMap<String, Json>| -> Vec<&'r Json> {
        a.iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, r)| r)
            .collect()
    };
    let (mut removed, mut added) = (only(old, new), only(new, old));
    for &(varying, inner) in fields {
        let (pairs, used_r, used_a) = split_changes(&removed, &added, varying, inner);
        for (plus, minus) in pairs {
            for a in &plus {
                grant(varying, true, a);
            }
            for a in &minus {
                grant(varying, false, a);
            }
        }
        let keep = |rules: Vec<&'r Json>, used: &BTreeSet<usize>| -> Vec<&'r Json> {
            rules
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !used.contains(i))
                .map(|(_, r)| r)
                .collect()
        };
        removed = keep(removed, &used_r);
        added = keep(added, &used_a);
    }
    (removed, added)
}

/// A changed selector (`field` of the spec) as one line naming the old and
/// new targets, as `describe` shows them.
fn retargeted(
    ctx: &mut Ctx<'_>,
    cat: SecurityCategory,
    (so, sn): (Option<&Json>, Option<&Json>),
    field: &str,
    describe: impl Fn(Option<&Json>) -> String,
) {
    let (xo, xn) = (so.and_then(|s| s.get(field)), sn.and_then(|s| s.get(field)));
    if xo != xn {
        ctx.push(
            cat,
            Direction::MayWiden,
            ChangeOp::Changed,
            format!("now applies to {} (was {})", describe(sn), describe(so)),
            json!({"old": xo, "new": xn}),
        );
    }
}

pub(super) fn authorization_policy(
    ctx: &mut Ctx<'_>,
    old: Option<&LoadedObject>,
    new: Option<&LoadedObject>,
) {
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
            retargeted(ctx, cat, (so, sn), "selector", target);
        }
        _ => {}
    }
    // One principal, namespace or IP more or less in an otherwise equal rule
    // is one line naming it; then the same for operations (ports, paths…).
    let fields: &[(&str, Option<&str>)] = if ao == an {
        &[("from", Some("source")), ("to", Some("operation"))]
    } else {
        &[]
    };
    let (removed, added) = pair_rules(&ro, &rn, fields, |varying, plus, a| {
        let (act, op) = if plus {
            (&an, ChangeOp::Added)
        } else {
            (&ao, ChangeOp::Removed)
        };
        ctx.push(
            cat,
            rule_dir(act, plus),
            op,
            format!("{act} {varying} {} on {}", atom_text(a), target(sn)),
            json!({"field": varying, a.0.clone(): a.1}),
        );
    });
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

pub(super) fn mtls_rank(mode: &str) -> u8 {
    match mode {
        "STRICT" => 3,
        "PERMISSIVE" => 2,
        "DISABLE" => 1,
        _ => 0,
    }
}

pub(super) fn mtls_direction(old: &str, new: &str) -> Direction {
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

pub(super) fn peer_authentication(
    ctx: &mut Ctx<'_>,
    old: Option<&LoadedObject>,
    new: Option<&LoadedObject>,
) {
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
            retargeted(ctx, cat, (so, sn), "selector", target);
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

pub(super) fn network_policy(
    ctx: &mut Ctx<'_>,
    old: Option<&LoadedObject>,
    new: Option<&LoadedObject>,
) {
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
            retargeted(ctx, cat, (so, sn), "podSelector", pods);
            for field in ["ingress", "egress"] {
                let (ro, rn) = (rule_set(so, field), rule_set(sn, field));
                // One peer or port more or less in an otherwise equal rule is
                // one line naming it.
                let peers = if field == "ingress" { "from" } else { "to" };
                let (removed, added) = pair_rules(
                    &ro,
                    &rn,
                    &[(peers, None), ("ports", None)],
                    |varying, plus, a| {
                        let what = if varying == "ports" { "port" } else { "peer" };
                        let (dir, op) = if plus {
                            (Direction::Widens, ChangeOp::Added)
                        } else {
                            (Direction::Narrows, ChangeOp::Removed)
                        };
                        ctx.push(
                            cat,
                            dir,
                            op,
                            format!("{field} {what} {} for {}", atom_value(a), pods(sn)),
                            json!({"field": varying, "grant": atom_value(a)}),
                        );
                    },
                );
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
