//! An Ingress (`networking.k8s.io/v1`): its backends and its paths.

use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};

use super::{port_name_problem, valid_port, Refusals};
use crate::core::names::shown;

pub(super) fn ingress(i: &Ingress, r: &mut Refusals<'_>) {
    let spec = i.spec.as_ref();
    let default_backend = spec.and_then(|s| s.default_backend.as_ref());
    let rules = spec.and_then(|s| s.rules.as_deref()).unwrap_or_default();
    if default_backend.is_none() && rules.is_empty() {
        r.refuse(
            "spec",
            "an Ingress needs rules or a defaultBackend",
            "add spec.rules (host and paths) or spec.defaultBackend",
        );
    }
    if let Some(b) = default_backend {
        backend(b, "spec.defaultBackend", r);
    }
    for (i, rule) in rules.iter().enumerate() {
        let Some(http) = &rule.http else {
            continue;
        };
        let at = format!("spec.rules[{i}].http.paths");
        if http.paths.is_empty() {
            r.refuse(
                &at,
                "a rule's http needs at least one path",
                "add a path, e.g. / with pathType Prefix",
            );
        }
        for (j, p) in http.paths.iter().enumerate() {
            let at = format!("{at}[{j}]");
            path(p.path.as_deref().unwrap_or(""), &p.path_type, &at, r);
            backend(&p.backend, &format!("{at}.backend"), r);
        }
    }
}

fn path(path: &str, path_type: &str, at: &str, r: &mut Refusals<'_>) {
    if !matches!(path_type, "Exact" | "Prefix" | "ImplementationSpecific") {
        r.refuse(
            &format!("{at}.pathType"),
            format!("{} is not a path type", shown(path_type)),
            "use Prefix (a path and everything under it), Exact or ImplementationSpecific",
        );
        return;
    }
    let checked = path_type != "ImplementationSpecific" || !path.is_empty();
    if checked && !path.starts_with('/') {
        r.refuse(
            &format!("{at}.path"),
            format!("{} is not an absolute path", shown(path)),
            "start the path with '/', e.g. /api",
        );
    } else if path_type != "ImplementationSpecific" {
        let bad = ["//", "/./", "/../", "%2f", "%2F"]
            .into_iter()
            .find(|s| path.contains(s))
            .or_else(|| ["/..", "/."].into_iter().find(|s| path.ends_with(s)));
        if let Some(bad) = bad {
            r.refuse(
                &format!("{at}.path"),
                format!("{} holds {bad:?}", shown(path)),
                "write the path without empty, '.' or '..' segments and without an encoded '/'",
            );
        }
    }
}

fn backend(b: &IngressBackend, at: &str, r: &mut Refusals<'_>) {
    match (&b.service, &b.resource) {
        (Some(_), Some(_)) => r.refuse(
            at,
            "names both a service and a resource",
            "keep one of service and resource",
        ),
        (None, None) => r.refuse(
            at,
            "names neither a service nor a resource",
            "name the Service and its port: service: {name: web, port: {number: 80}}",
        ),
        (Some(s), None) => {
            let port = s.port.as_ref();
            let at = format!("{at}.service.port");
            let name = port
                .and_then(|p| p.name.as_deref())
                .filter(|n| !n.is_empty());
            let number = port.and_then(|p| p.number).filter(|&n| n != 0);
            match (name, number) {
                (Some(_), Some(_)) => r.refuse(
                    &at,
                    "has both a name and a number",
                    "keep one of name and number",
                ),
                (None, None) => r.refuse(
                    &at,
                    "needs a name or a number",
                    "give the Service's port number (number: 80) or its name (name: http)",
                ),
                (None, Some(n)) if !valid_port(n) => r.refuse(
                    &format!("{at}.number"),
                    format!("{n} is not a port number"),
                    "use a port between 1 and 65535",
                ),
                (Some(name), None) => {
                    if let Some(why) = port_name_problem(name) {
                        r.refuse(
                            &format!("{at}.name"),
                            format!("{} is not a port name: {why}", shown(name)),
                            "use the Service port's name, or its number",
                        );
                    }
                }
                _ => {}
            }
        }
        (None, Some(_)) => {}
    }
}
