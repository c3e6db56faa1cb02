//! The pod rules: a workload's selector against its pod labels, its
//! replicas and rollout strategy, and the pod spec (containers, ports,
//! environment, volumes, restart policy).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::DeploymentStrategy;
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{port_name_problem, valid_port, Refusals};
use crate::core::names::shown;

/// The restart policies a pod of the owning kind may have.
#[derive(Clone, Copy)]
pub(super) enum Restart {
    /// Deployments, StatefulSets, DaemonSets, ReplicaSets.
    Always,
    /// Jobs and CronJobs: OnFailure or Never (the default, Always, is refused).
    Job,
    /// A bare Pod.
    Any,
}

/// A selector that selects nothing, or not the template's own pods.
pub(super) fn selector(
    selector: &LabelSelector,
    template: Option<&PodTemplateSpec>,
    r: &mut Refusals<'_>,
) {
    let expressions = selector.match_expressions.as_deref().unwrap_or_default();
    if selector
        .match_labels
        .as_ref()
        .is_none_or(BTreeMap::is_empty)
        && expressions.is_empty()
    {
        r.refuse(
            "spec.selector",
            "an empty selector is not allowed",
            "select the pod template's labels, e.g. matchLabels: {app: NAME}",
        );
        return;
    }
    // An unknown operator is refused on its own; not this check's.
    let known = |op: &str| matches!(op, "In" | "NotIn" | "Exists" | "DoesNotExist");
    if !expressions.iter().all(|e| known(&e.operator)) {
        return;
    }
    let no_labels = BTreeMap::new();
    let labels = template
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.as_ref())
        .unwrap_or(&no_labels);
    let json = serde_json::to_value(selector).unwrap_or_default();
    if !crate::k8s::controllers::selects(&json, labels, false) {
        let wanted = selector
            .match_labels
            .iter()
            .flatten()
            .map(|(k, v)| format!("{}: {}", shown(k), shown(v)))
            .collect::<Vec<_>>()
            .join(", ");
        r.refuse(
            "spec.template.metadata.labels",
            format!("the selector {{{wanted}}} does not select the template's own labels"),
            "give the pod template every label the selector names (the selector cannot be changed once the workload exists)",
        );
    }
}

pub(super) fn replicas(replicas: Option<i32>, r: &mut Refusals<'_>) {
    if let Some(n) = replicas.filter(|&n| n < 0) {
        r.refuse(
            "spec.replicas",
            format!("{n} is negative"),
            "use 0 or more replicas",
        );
    }
}

/// A Deployment's rollout strategy.
pub(super) fn strategy(strategy: Option<&DeploymentStrategy>, r: &mut Refusals<'_>) {
    let Some(s) = strategy else {
        return;
    };
    let rolling = s.rolling_update.as_ref();
    if s.type_.as_deref() == Some("Recreate") {
        if rolling.is_some() {
            r.refuse(
                "spec.strategy.rollingUpdate",
                "set on a Deployment whose strategy is Recreate",
                "remove rollingUpdate, or use type RollingUpdate",
            );
        }
        return;
    }
    let zero = |v: Option<&IntOrString>| match v {
        Some(IntOrString::Int(n)) => *n == 0,
        Some(IntOrString::String(s)) => s.trim_end_matches('%') == "0",
        None => false,
    };
    if rolling.is_some_and(|u| zero(u.max_surge.as_ref()) && zero(u.max_unavailable.as_ref())) {
        r.refuse(
            "spec.strategy.rollingUpdate.maxUnavailable",
            "0 while maxSurge is 0 too: the rollout could never start",
            "let one of the two be above 0, e.g. maxSurge: 1",
        );
    }
}

/// A pod template at `at` (`spec.template`).
/// `claims`: the names of a StatefulSet's volume claim templates, which
/// its containers mount as volumes.
pub(super) fn template(
    template: Option<&PodTemplateSpec>,
    at: &str,
    (restart, claims): (Restart, &[&str]),
    r: &mut Refusals<'_>,
) {
    match template.and_then(|t| t.spec.as_ref()) {
        Some(s) => spec(s, &format!("{at}.spec"), (restart, claims), r),
        None => r.refuse(
            &format!("{at}.spec"),
            "a pod template needs a spec with at least one container",
            "add spec.containers to the template",
        ),
    }
}

/// A pod spec at `at` (`spec` of a Pod, `spec.template.spec` of a workload).
pub(super) fn spec(
    s: &PodSpec,
    at: &str,
    (restart, claims): (Restart, &[&str]),
    r: &mut Refusals<'_>,
) {
    restart_policy(s.restart_policy.as_deref(), at, restart, r);
    let mut volumes = BTreeSet::new();
    for (i, v) in s.volumes.iter().flatten().enumerate() {
        let field = format!("{at}.volumes[{i}].name");
        if let Err(e) = crate::core::names::validate_dns1123_label(&v.name) {
            r.refuse(&field, e.message(), "name volumes like config or data");
        } else if !volumes.insert(v.name.as_str()) {
            r.refuse(
                &field,
                format!("{} names two volumes", shown(&v.name)),
                "give each volume its own name",
            );
        }
    }
    let mut mountable = volumes.clone();
    mountable.extend(claims.iter().copied());
    if s.containers.is_empty() {
        r.refuse(
            &format!("{at}.containers"),
            "a pod needs at least one container",
            "add a container with a name and an image",
        );
    }
    let mut names = BTreeSet::new();
    let all = s
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| (format!("{at}.initContainers[{i}]"), c))
        .chain(
            s.containers
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("{at}.containers[{i}]"), c)),
        );
    for (field, c) in all {
        if let Err(e) = crate::core::names::validate_dns1123_label(&c.name) {
            r.refuse(
                &format!("{field}.name"),
                e.message(),
                "name containers like app or proxy",
            );
        } else if !names.insert(c.name.as_str()) {
            r.refuse(
                &format!("{field}.name"),
                format!("{} names two containers", shown(&c.name)),
                "give each container (init containers included) its own name",
            );
        }
        container(c, &field, &mountable, r);
    }
}

fn restart_policy(policy: Option<&str>, at: &str, restart: Restart, r: &mut Refusals<'_>) {
    // The API server defaults an unset policy to Always before it checks.
    let policy = policy.unwrap_or("Always");
    let field = format!("{at}.restartPolicy");
    if !matches!(policy, "Always" | "OnFailure" | "Never") {
        r.refuse(
            &field,
            format!("{} is not a restart policy", shown(policy)),
            "use Always, OnFailure or Never",
        );
        return;
    }
    match restart {
        Restart::Always if policy != "Always" => r.refuse(
            &field,
            format!("{policy} is not allowed here: a controller's pods restart Always"),
            "remove restartPolicy (Always is the default), or run the work as a Job",
        ),
        Restart::Job if policy == "Always" => r.refuse(
            &field,
            "a Job's pods must be OnFailure or Never (unset means Always)",
            "set restartPolicy: OnFailure (retry in the pod) or Never (retry with a new pod)",
        ),
        _ => {}
    }
}

fn container(c: &Container, at: &str, volumes: &BTreeSet<&str>, r: &mut Refusals<'_>) {
    // Only empty: a pod template may hold " " for a controller to fill.
    if c.image.as_deref().unwrap_or("").is_empty() {
        r.refuse(
            &format!("{at}.image"),
            "a container needs an image",
            "set the image, pinned by tag or digest",
        );
    }
    let mut port_names = BTreeSet::new();
    for (i, p) in c.ports.iter().flatten().enumerate() {
        let field = format!("{at}.ports[{i}]");
        if !valid_port(p.container_port) {
            r.refuse(
                &format!("{field}.containerPort"),
                format!("{} is not a port number", p.container_port),
                "use a port between 1 and 65535",
            );
        }
        if let Some(h) = p.host_port.filter(|&h| h != 0 && !valid_port(h)) {
            r.refuse(
                &format!("{field}.hostPort"),
                format!("{h} is not a port number"),
                "use a port between 1 and 65535, or leave hostPort unset",
            );
        }
        if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
            if let Some(why) = port_name_problem(name) {
                r.refuse(
                    &format!("{field}.name"),
                    format!("{} is not a port name: {why}", shown(name)),
                    "name ports like http or grpc-api (at most 15 characters)",
                );
            } else if !port_names.insert(name) {
                r.refuse(
                    &format!("{field}.name"),
                    format!("{} names two ports of the container", shown(name)),
                    "give each port its own name",
                );
            }
        }
        let protocol = p.protocol.as_deref().unwrap_or("TCP");
        if !matches!(protocol, "TCP" | "UDP" | "SCTP") {
            r.refuse(
                &format!("{field}.protocol"),
                format!("{} is not a protocol", shown(protocol)),
                "use TCP, UDP or SCTP",
            );
        }
    }
    for (i, e) in c.env.iter().flatten().enumerate() {
        let field = format!("{at}.env[{i}]");
        // Kubernetes 1.33 takes any printable ASCII but '=' in a name.
        if e.name.is_empty()
            || e.name.contains('=')
            || !e.name.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            r.refuse(
                &format!("{field}.name"),
                format!("{} is not an environment variable name", shown(&e.name)),
                "use letters, digits and '_', e.g. DATABASE_URL",
            );
        }
        if let Some(from) = &e.value_from {
            if !e.value.as_deref().unwrap_or("").is_empty() {
                r.refuse(
                    &format!("{field}.valueFrom"),
                    "set together with value",
                    "keep value or valueFrom, not both",
                );
            }
            let sources = [
                from.config_map_key_ref.is_some(),
                from.field_ref.is_some(),
                from.resource_field_ref.is_some(),
                from.secret_key_ref.is_some(),
            ]
            .into_iter()
            .filter(|&set| set)
            .count();
            if sources != 1 {
                r.refuse(
                    &format!("{field}.valueFrom"),
                    format!("names {sources} sources"),
                    "name exactly one of configMapKeyRef, fieldRef, resourceFieldRef and secretKeyRef",
                );
            }
        }
    }
    resources(c, at, r);
    let mut paths = BTreeSet::new();
    for (i, m) in c.volume_mounts.iter().flatten().enumerate() {
        let field = format!("{at}.volumeMounts[{i}]");
        if !volumes.contains(m.name.as_str()) {
            r.refuse(
                &format!("{field}.name"),
                format!("no volume of the pod is named {}", shown(&m.name)),
                "add the volume to the pod's volumes, or mount one that is there",
            );
        }
        if m.mount_path.is_empty() {
            r.refuse(
                &format!("{field}.mountPath"),
                "a mount needs a path",
                "set mountPath, e.g. /etc/config",
            );
        } else if !paths.insert(m.mount_path.as_str()) {
            r.refuse(
                &format!("{field}.mountPath"),
                format!("{} is mounted twice", shown(&m.mount_path)),
                "mount each path once",
            );
        }
    }
}

/// A container's requests against its limits: a request above its limit
/// is refused (a request left out defaults to the limit).
fn resources(c: &Container, at: &str, r: &mut Refusals<'_>) {
    let Some(res) = &c.resources else {
        return;
    };
    let (Some(requests), Some(limits)) = (&res.requests, &res.limits) else {
        return;
    };
    for (name, request) in requests {
        let Some(limit) = limits.get(name) else {
            continue;
        };
        let (Some(req), Some(lim)) = (quantity(&request.0), quantity(&limit.0)) else {
            continue;
        };
        // Relative slack: "100m" and "0.1" are one amount, read apart.
        if req > lim * (1.0 + 1e-9) {
            r.refuse(
                &format!("{at}.resources.requests[{}]", shown(name)),
                format!(
                    "{} is more than the limit, {}",
                    shown(&request.0),
                    shown(&limit.0)
                ),
                "lower the request or raise the limit: a container may use up to its limit, and is scheduled by its request",
            );
        }
    }
}

/// A Kubernetes quantity (`500m`, `1.5Gi`, `2e3`) as a number, for
/// comparing two; `None` when it does not parse (the schema's to judge).
pub(super) fn quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let end = q
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(end);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    Some(number * scale)
}
