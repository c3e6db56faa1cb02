//! Kubernetes RBAC: what Roles and ClusterRoles allow, and who is bound to
//! them. Each rule and each (subject, role) binding is compared as a set;
//! a binding to `cluster-admin`, `admin` or a role with `*` verbs on `*`
//! resources is marked, since it makes its subject an administrator.

use super::*;

/// Roles every cluster has that grant (nearly) everything.
const ADMIN_ROLES: &[&str] = &["cluster-admin", "admin", "system:masters"];

fn rules(o: Option<&LoadedObject>) -> BTreeMap<String, (String, Json)> {
    let mut out = BTreeMap::new();
    let Some(o) = o else { return out };
    for r in o
        .body
        .get("rules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let verbs = list(r.get("verbs"));
        let resources = list(r.get("resources"));
        let groups = list(r.get("apiGroups"));
        let urls = list(r.get("nonResourceURLs"));
        let names = list(r.get("resourceNames"));
        let mut d = format!("allows {}", verbs.join(", "));
        if !resources.is_empty() {
            d.push_str(&format!(" on {}", resources.join(", ")));
            if !groups.is_empty() && groups != [""] {
                d.push_str(&format!(" (API groups {})", groups.join(", ")));
            }
        }
        if !urls.is_empty() {
            d.push_str(&format!(" on URLs {}", urls.join(", ")));
        }
        if !names.is_empty() {
            d.push_str(&format!(" named {}", names.join(", ")));
        }
        let star = |v: &[String]| v.iter().any(|x| x == "*");
        if star(&verbs) && (star(&resources) || star(&urls)) {
            d.push_str(" [every verb on everything]");
        } else if resources.iter().any(|r| r == "secrets" || r == "*")
            && verbs
                .iter()
                .any(|v| matches!(v.as_str(), "get" | "list" | "watch" | "*"))
        {
            d.push_str(" [reads secrets]");
        }
        out.insert(canonical(r), (d, r.clone()));
    }
    out
}

fn bindings(o: Option<&LoadedObject>) -> BTreeMap<String, (String, Json)> {
    let mut out = BTreeMap::new();
    let Some(o) = o else { return out };
    let role = o.body.get("roleRef");
    let role_kind = role
        .and_then(|r| r.get("kind"))
        .map(show)
        .unwrap_or_default();
    let role_name = role
        .and_then(|r| r.get("name"))
        .map(show)
        .unwrap_or_default();
    let scope = match o.key.namespace.as_deref() {
        Some(ns) if o.key.kind == "RoleBinding" => format!("in namespace {ns}"),
        _ => "cluster-wide".to_string(),
    };
    let admin = ADMIN_ROLES.contains(&role_name.as_str());
    for s in o
        .body
        .get("subjects")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let kind = s.get("kind").map(show).unwrap_or_default();
        let name = s.get("name").map(show).unwrap_or_default();
        let who = match s.get("namespace").map(show) {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        };
        let everyone = matches!(
            name.as_str(),
            "system:authenticated" | "system:unauthenticated" | "system:anonymous"
        ) || name.starts_with("system:serviceaccounts");
        let mut d = format!("{who} gets {role_kind} {role_name} {scope}");
        if admin {
            d.push_str(" [administrator]");
        }
        if everyone {
            d.push_str(" [a whole group of users]");
        }
        let detail = json!({"subject": s, "roleRef": role});
        out.insert(canonical(&detail), (d, detail));
    }
    out
}

/// Security changes of a Role, ClusterRole, RoleBinding or ClusterRoleBinding.
pub(super) fn rbac(ctx: &mut Ctx<'_>, old: Option<&LoadedObject>, new: Option<&LoadedObject>) {
    let kind = new.or(old).map(|o| o.key.kind.as_str()).unwrap_or("");
    let (o, n) = if kind.ends_with("Binding") {
        (bindings(old), bindings(new))
    } else {
        (rules(old), rules(new))
    };
    diff_rule_sets(
        ctx,
        SecurityCategory::Rbac,
        &o,
        &n,
        Direction::Widens,
        Direction::Narrows,
    );
}
