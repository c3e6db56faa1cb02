//! IST0171: status conditions a live cluster wrote that say an object does
//! not work (a route the gateway did not accept, a policy ztunnel refused,
//! a Service bound to a waypoint that is not ready). Only an export of a
//! cluster (`kubectl get -o yaml`) has them, so they are read here, where
//! YAML is read, from the document as written.

use serde_json::Value as Json;

/// (group, kind) → the condition types that are bad news when `False`.
const NEGATIVE: &[(&str, &str, &[&str])] = &[
    ("", "Service", &["istio.io/WaypointBound"]),
    (
        "networking.istio.io",
        "ServiceEntry",
        &["istio.io/WaypointBound"],
    ),
    (
        "networking.istio.io",
        "WorkloadEntry",
        &["istio.io/WaypointBound"],
    ),
    (
        "security.istio.io",
        "AuthorizationPolicy",
        &["ZtunnelAccepted", "WaypointAccepted"],
    ),
    (
        "gateway.networking.k8s.io",
        "Gateway",
        &["Accepted", "Programmed", "ResolvedRefs"],
    ),
    (
        "gateway.networking.k8s.io",
        "HTTPRoute",
        &["Accepted", "Programmed", "ResolvedRefs"],
    ),
    (
        "gateway.networking.k8s.io",
        "GRPCRoute",
        &["Accepted", "Programmed", "ResolvedRefs"],
    ),
];

/// One condition the finding names.
pub(super) struct Condition {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// The negative conditions in `object`'s status (a route's per parent).
pub(super) fn negative(group: &str, kind: &str, object: &Json) -> Vec<Condition> {
    let Some((_, _, types)) = NEGATIVE.iter().find(|(g, k, _)| *g == group && *k == kind) else {
        return Vec::new();
    };
    let status = object.get("status");
    let mut all: Vec<&Json> = status
        .and_then(|s| s.get("conditions"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .collect();
    if kind.ends_with("Route") {
        all = status
            .and_then(|s| s.get("parents"))
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("conditions").and_then(Json::as_array))
            .flatten()
            .collect();
    }
    let text = |c: &Json, k: &str| {
        c.get(k)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    all.into_iter()
        .filter(|c| {
            let t = text(c, "type");
            let failed = types.contains(&t.as_str()) && text(c, "status") == "False";
            // A waypoint that took only part of a policy says so with
            // status True.
            let partial = kind == "AuthorizationPolicy"
                && t == "WaypointAccepted"
                && text(c, "reason") == "PartiallyInvalid";
            failed || partial
        })
        .map(|c| Condition {
            kind: text(c, "type"),
            status: text(c, "status"),
            reason: text(c, "reason"),
            message: text(c, "message"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn false_conditions_of_the_kind_are_read_and_foreign_ones_ignored() {
        let svc = serde_json::json!({"status": {"conditions": [
            {"type": "istio.io/WaypointBound", "status": "False", "reason": "NoWaypoint", "message": "m"},
            {"type": "argocd.argoproj.io/Synced", "status": "False"},
            {"type": "istio.io/WaypointBound", "status": "True"}
        ]}});
        let found = negative("", "Service", &svc);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].kind.as_str(), found[0].reason.as_str()),
            ("istio.io/WaypointBound", "NoWaypoint")
        );
        let route = serde_json::json!({"status": {"parents": [{"conditions": [
            {"type": "Accepted", "status": "False", "reason": "NotAllowedByListeners"}
        ]}]}});
        assert_eq!(
            negative("gateway.networking.k8s.io", "HTTPRoute", &route).len(),
            1
        );
        assert!(negative("apps", "Deployment", &route).is_empty());
    }
}
