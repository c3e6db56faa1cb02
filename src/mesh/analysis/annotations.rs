//! IST0107 / IST0108 / IST0125 / IST0135: Istio annotations that are
//! misplaced, unknown, carry an invalid value or are deprecated. The table
//! lists the `*.istio.io` annotations meshsynth knows, the kinds they
//! belong on and their values.

use crate::core::Diagnostic;
use crate::mesh::analysis::codes;

use super::index::Index;

/// What values an annotation takes.
#[derive(Clone, Copy)]
enum Val {
    Any,
    Bool,
    Quantity,
    Int,
    Ports,
    Cidrs,
    OneOf(&'static [&'static str]),
}

/// (annotation, kinds it belongs on — "Pod" means a pod template, values).
const KNOWN: &[(&str, &[&str], Val)] = &[
    ("sidecar.istio.io/inject", &["Pod"], Val::Bool),
    ("sidecar.istio.io/proxyCPU", &["Pod"], Val::Quantity),
    ("sidecar.istio.io/proxyCPULimit", &["Pod"], Val::Quantity),
    ("sidecar.istio.io/proxyMemory", &["Pod"], Val::Quantity),
    ("sidecar.istio.io/proxyMemoryLimit", &["Pod"], Val::Quantity),
    ("sidecar.istio.io/proxyImage", &["Pod"], Val::Any),
    (
        "sidecar.istio.io/logLevel",
        &["Pod"],
        Val::OneOf(&[
            "trace", "debug", "info", "warning", "error", "critical", "off",
        ]),
    ),
    ("sidecar.istio.io/componentLogLevel", &["Pod"], Val::Any),
    (
        "sidecar.istio.io/rewriteAppHTTPProbers",
        &["Pod"],
        Val::Bool,
    ),
    (
        "sidecar.istio.io/statsInclusionPrefixes",
        &["Pod"],
        Val::Any,
    ),
    ("sidecar.istio.io/statsInclusionRegexps", &["Pod"], Val::Any),
    (
        "sidecar.istio.io/statsInclusionSuffixes",
        &["Pod"],
        Val::Any,
    ),
    ("sidecar.istio.io/userVolume", &["Pod"], Val::Any),
    ("sidecar.istio.io/userVolumeMount", &["Pod"], Val::Any),
    (
        "sidecar.istio.io/interceptionMode",
        &["Pod"],
        Val::OneOf(&["REDIRECT", "TPROXY", "NONE"]),
    ),
    ("sidecar.istio.io/agentLogLevel", &["Pod"], Val::Any),
    ("sidecar.istio.io/nativeSidecar", &["Pod"], Val::Bool),
    ("sidecar.istio.io/statsCompression", &["Pod"], Val::Any),
    ("sidecar.istio.io/statsFlushInterval", &["Pod"], Val::Any),
    ("sidecar.istio.io/statsEvictionInterval", &["Pod"], Val::Any),
    ("ambient.istio.io/bypassInboundCapture", &["Pod"], Val::Bool),
    ("ambient.istio.io/dns-capture", &["Pod"], Val::Bool),
    ("istio.io/reroute-virtual-interfaces", &["Pod"], Val::Any),
    ("sidecar.istio.io/bootstrapOverride", &["Pod"], Val::Any),
    ("sidecar.istio.io/discoveryAddress", &["Pod"], Val::Any),
    ("proxy.istio.io/config", &["Pod"], Val::Any),
    ("proxy.istio.io/overrides", &["Pod"], Val::Any),
    ("inject.istio.io/templates", &["Pod"], Val::Any),
    ("prometheus.istio.io/merge-metrics", &["Pod"], Val::Bool),
    (
        "readiness.status.sidecar.istio.io/applicationPorts",
        &["Pod"],
        Val::Ports,
    ),
    (
        "readiness.status.sidecar.istio.io/initialDelaySeconds",
        &["Pod"],
        Val::Int,
    ),
    (
        "readiness.status.sidecar.istio.io/periodSeconds",
        &["Pod"],
        Val::Int,
    ),
    (
        "readiness.status.sidecar.istio.io/failureThreshold",
        &["Pod"],
        Val::Int,
    ),
    ("status.sidecar.istio.io/port", &["Pod"], Val::Int),
    (
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        &["Pod"],
        Val::Cidrs,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        &["Pod"],
        Val::Cidrs,
    ),
    (
        "traffic.sidecar.istio.io/includeInboundPorts",
        &["Pod"],
        Val::Ports,
    ),
    (
        "traffic.sidecar.istio.io/excludeInboundPorts",
        &["Pod"],
        Val::Ports,
    ),
    (
        "traffic.sidecar.istio.io/includeOutboundPorts",
        &["Pod"],
        Val::Ports,
    ),
    (
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        &["Pod"],
        Val::Ports,
    ),
    (
        "traffic.sidecar.istio.io/kubevirtInterfaces",
        &["Pod"],
        Val::Any,
    ),
    ("networking.istio.io/exportTo", &["Service"], Val::Any),
    (
        "networking.istio.io/traffic-distribution",
        &["Service"],
        Val::OneOf(&[
            "PreferClose",
            "PreferSameZone",
            "PreferSameNode",
            "PreferNetwork",
        ]),
    ),
    (
        "networking.istio.io/service-type",
        &["Gateway"],
        Val::OneOf(&["ClusterIP", "LoadBalancer", "NodePort"]),
    ),
    ("istio.io/dry-run", &["AuthorizationPolicy"], Val::Bool),
    ("istio.io/rev", &["Pod", "Namespace"], Val::Any),
    (
        "ambient.istio.io/redirection",
        &["Pod"],
        Val::OneOf(&["enabled", "disabled"]),
    ),
    (
        "topology.istio.io/controlPlaneClusters",
        &["Secret"],
        Val::Any,
    ),
    // Not in Istio's domain, but documented by Istio and checked by istioctl.
    ("kubernetes.io/ingress.class", &["Ingress"], Val::Any),
];

/// Annotations Istio itself writes (the injector's status, the gateway
/// controller's version, the revision): never the user's mistake.
const WRITTEN_BY_ISTIO: &[&str] = &[
    "sidecar.istio.io/status",
    "gateway.istio.io/controller-version",
    "istio.io/rev",
];

fn valid(v: Val, s: &str) -> bool {
    match v {
        Val::Any => true,
        Val::Bool => s == "true" || s == "false",
        Val::Int => s.parse::<u32>().is_ok(),
        Val::Quantity => {
            let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            !digits.is_empty() && digits.parse::<f64>().is_ok()
        }
        Val::Ports => {
            s == "*"
                || s.split(',').all(|p| {
                    p.trim()
                        .parse::<u32>()
                        .is_ok_and(|p| (1..=65535).contains(&p))
                })
        }
        Val::Cidrs => {
            s == "*"
                || s.is_empty()
                || s.split(',')
                    .all(|c| c.trim().parse::<ipnet::IpNet>().is_ok())
        }
        Val::OneOf(opts) => opts.contains(&s),
    }
}

/// Annotations Istio marks deprecated, with what replaces them.
const DEPRECATED: &[(&str, &str)] = &[
    (
        "sidecar.istio.io/statsInclusionPrefixes",
        "proxyStatsMatcher.inclusionPrefixes in the proxy.istio.io/config annotation",
    ),
    (
        "sidecar.istio.io/statsInclusionRegexps",
        "proxyStatsMatcher.inclusionRegexps in the proxy.istio.io/config annotation",
    ),
    (
        "sidecar.istio.io/statsInclusionSuffixes",
        "proxyStatsMatcher.inclusionSuffixes in the proxy.istio.io/config annotation",
    ),
];

/// Whether a key is in an Istio annotation domain (`*.istio.io/…`), or
/// the one Kubernetes annotation istioctl checks.
fn is_istio(key: &str) -> bool {
    key == "kubernetes.io/ingress.class"
        || key
            .split_once('/')
            .is_some_and(|(domain, _)| domain == "istio.io" || domain.ends_with(".istio.io"))
}

/// Runs the annotation checks.
pub fn check(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (path, kind, annotations, _pod) in &ix.annotated {
        for (key, value) in *annotations {
            if !is_istio(key) || WRITTEN_BY_ISTIO.contains(&key.as_str()) {
                continue;
            }
            let Some((_, kinds, val)) = KNOWN.iter().find(|(k, _, _)| k == key) else {
                out.push(
                    Diagnostic::warning(*path, format!("unknown Istio annotation {key:?} on a {kind}"))
                        .with_code(codes::IST0108)
                        .with_hint("check the spelling against istio.io/latest/docs/reference/config/annotations"),
                );
                continue;
            };
            if let Some((_, instead)) = DEPRECATED.iter().find(|(k, _)| k == key) {
                out.push(
                    Diagnostic::info(*path, format!("Istio annotation {key:?} is deprecated"))
                        .with_code(codes::IST0135)
                        .with_hint(format!("use {instead}")),
                );
            }
            if !kinds.contains(kind) {
                let place = if kinds == &["Pod"] {
                    "the pod template (spec.template.metadata.annotations)".to_string()
                } else {
                    format!("a {}", kinds.join(" or "))
                };
                out.push(
                    Diagnostic::warning(
                        *path,
                        format!("Istio annotation {key:?} has no effect on a {kind}"),
                    )
                    .with_code(codes::IST0107)
                    .with_hint(format!("move it to {place}")),
                );
                continue;
            }
            if !valid(*val, value) {
                out.push(
                    Diagnostic::error(
                        *path,
                        format!("Istio annotation {key:?} has an invalid value {value:?}"),
                    )
                    .with_code(codes::IST0125)
                    .with_hint("see the annotation's reference for its accepted values"),
                );
            }
        }
    }
}
