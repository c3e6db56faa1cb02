//! Workload checks: namespace-wide singletons, selectors picking one pod
//! twice, Service ports and protocols, injection.

use crate::mesh::analysis::codes;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::Diagnostic;
use crate::k8s::workloads::{AppProtocol, ISTIO_PROXY_UID};
use crate::mesh::crd::SpecOf;

use super::{error, warn};
use crate::mesh::analysis::index::{labels, Index, Item, PodInfo};

/// IST0111 and IST0160: several selector-less Sidecars / Telemetries in a namespace.
pub fn namespace_singletons(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let sidecars = ix.sidecars.iter().map(|s| {
        let wide = s.obj.spec().workload_selector.is_none();
        (s.path, s.cluster, s.ns.as_str(), wide)
    });
    one_per_namespace(
        sidecars,
        (codes::IST0111, "Sidecar", "workload selector"),
        "keep one namespace-wide Sidecar, or give this one a workloadSelector",
        out,
    );
    let telemetries = ix.telemetries.iter().map(|t| {
        let wide = t.obj.spec().selector.is_none();
        (t.path, t.cluster, t.ns.as_str(), wide)
    });
    one_per_namespace(
        telemetries,
        (codes::IST0160, "Telemetry", "selector"),
        "keep one namespace-wide Telemetry, or give this one a selector",
        out,
    );
    // IST0110 / IST0159: two selector-bearing Sidecars (Telemetries) that
    // select the same pod; which one applies is undefined.
    let sidecar_selectors = ix.sidecars.iter().filter_map(|s| {
        let sel = s.obj.spec().workload_selector.as_ref()?;
        Some((s.path, s.cluster, s.ns.as_str(), labels(&sel.labels)))
    });
    same_pod_selected(ix, codes::IST0110, "Sidecar", sidecar_selectors, out);
    let telemetry_selectors = ix.telemetries.iter().filter_map(|t| {
        let sel = t.obj.spec().selector.as_ref()?;
        Some((t.path, t.cluster, t.ns.as_str(), labels(&sel.match_labels)))
    });
    same_pod_selected(ix, codes::IST0159, "Telemetry", telemetry_selectors, out);
}

/// Reports every namespace-wide object (path, cluster, namespace,
/// namespace-wide) of a namespace that has more than one, each naming the
/// others (istioctl reports them all: none of them is "the" right one).
fn one_per_namespace<'a>(
    objects: impl Iterator<Item = (&'a str, &'a str, &'a str, bool)>,
    (code, kind, selector): (&str, &str, &str),
    hint: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut by_ns: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for (path, cluster, ns, _) in objects.filter(|o| o.3) {
        by_ns.entry((cluster, ns)).or_default().push(path);
    }
    for ((_, ns), paths) in by_ns {
        if paths.len() < 2 {
            continue;
        }
        for path in &paths {
            let others: Vec<&str> = paths.iter().copied().filter(|p| p != path).collect();
            out.push(error(
                code,
                path,
                format!(
                    "namespace {ns} has several {kind}s without {selector}: this one and {}",
                    others.join(", ")
                ),
                hint,
            ));
        }
    }
}

/// Reports each object whose selector picks a pod another object of the
/// same kind (same namespace) also picks, naming the pod and the others;
/// one finding per object.
fn same_pod_selected<'a>(
    ix: &Index<'a>,
    code: &str,
    kind: &str,
    selectors: impl Iterator<Item = (&'a str, &'a str, &'a str, &'a BTreeMap<String, String>)>,
    out: &mut Vec<Diagnostic>,
) {
    // (cluster, pod path, pod name) → the objects selecting it, in order.
    let mut selecting: BTreeMap<(&str, &str, String), Vec<&str>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (path, cluster, ns, labels) in selectors {
        order.push(path);
        for pod in ix.pods_selected(cluster, ns, labels) {
            selecting
                .entry((cluster, pod.path, pod.name.clone()))
                .or_default()
                .push(path);
        }
    }
    // Each object's first shared pod and the others selecting it.
    let mut conflict: BTreeMap<&str, (String, &str, Vec<&str>)> = BTreeMap::new();
    for ((_, pod_path, pod_name), paths) in &selecting {
        if paths.len() < 2 {
            continue;
        }
        for path in paths {
            conflict.entry(path).or_insert_with(|| {
                let others = paths.iter().copied().filter(|p| p != path).collect();
                (pod_name.clone(), pod_path, others)
            });
        }
    }
    for path in order {
        if let Some((pod, pod_path, others)) = conflict.remove(path) {
            out.push(error(
                code,
                path,
                format!(
                    "{kind} selects workload {pod} ({pod_path}), which {} also selects; which one applies is undefined",
                    others.join(", ")
                ),
                "make the selectors disjoint, or merge them",
            ));
        }
    }
}

fn port_protocol(name: &str) -> Option<&'static str> {
    AppProtocol::PREFIXES
        .iter()
        .copied()
        .filter(|p| name == *p || name.starts_with(&format!("{p}-")))
        .max_by_key(|p| p.len())
}

/// Services and workloads: IST0117, IST0118, IST0150, IST0116, IST0137, IST0144, IST0146, IST0147, IST0102, IST0123.
pub fn services_and_workloads(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    service_port_names(ix, out);
    for pod in ix.pods.iter().filter(|p| !p.installed_gateway) {
        workload(ix, pod, out);
    }
    namespaces(ix, out);
}

/// IST0118 and IST0150: Service ports Istio cannot tell the protocol of.
fn service_port_names(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for s in &ix.services {
        // The control plane's own Services (label `istio`, or
        // `release: istio`) are Istio's to name, as istioctl skips them.
        let svc_labels = labels(&s.obj.metadata.labels);
        if svc_labels.contains_key("istio")
            || svc_labels.get("release").map(String::as_str) == Some("istio")
        {
            continue;
        }
        let spec = s.obj.spec.as_ref();
        let external_name = spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName");
        for p in spec.and_then(|s| s.ports.as_ref()).into_iter().flatten() {
            if p.app_protocol.is_some() || p.protocol.as_deref() == Some("UDP") {
                continue;
            }
            let name = p.name.clone().unwrap_or_default();
            let protocol = port_protocol(&name);
            if external_name {
                // Istio routes an ExternalName Service by its port's
                // protocol; plain `tcp` cannot carry the name it forwards to.
                if protocol.is_none() || name == "tcp" {
                    out.push(warn(
                        codes::IST0150,
                        s.path,
                        format!("ExternalName Service port {} is named {}: Istio cannot tell which protocol to route to {}", p.port, crate::core::names::shown(&name), spec.and_then(|s| s.external_name.as_deref()).unwrap_or("its external name")),
                        "name the port after its protocol, e.g. \"https\" or \"http\", or set appProtocol",
                    ));
                }
            } else if protocol.is_none() {
                out.push(warn(
                    codes::IST0118,
                    s.path,
                    if name.is_empty() {
                        format!("port {} has no name, so Istio cannot tell its protocol (<protocol>[-<suffix>] naming)", p.port)
                    } else {
                        format!("port {} is named {}, which does not follow Istio's <protocol>[-<suffix>] naming", p.port, crate::core::names::shown(&name))
                    },
                    "name it e.g. \"http\", \"grpc-api\" or \"tcp-db\", or set appProtocol",
                ));
            }
        }
    }
}

/// One workload: IST0117 (no Service), its Services' ports, IST0146 and
/// IST0147 (image: auto), IST0103 (proxy missing), IST0144 (UID 1337).
fn workload(ix: &Index<'_>, pod: &PodInfo<'_>, out: &mut Vec<Diagnostic>) {
    let svcs = ix.services_of(pod);
    // Gateways (label `istio`, or in istio-system) are reached through their own Service or none.
    let gateway =
        pod.labels.contains_key("istio") || pod.ns == crate::mesh::istio::install::ISTIO_SYSTEM;
    if svcs.is_empty() && pod.kind == "Deployment" && !gateway && pod_injected(ix, pod) {
        out.push(warn(
            codes::IST0117,
            pod.path,
            format!(
                "no Service selects Deployment {}: the mesh needs a Service to route to it and to name its traffic",
                pod.name
            ),
            "add a Service selecting the pod labels (MeshService makes one), or opt the pods out of injection",
        ));
    }
    // As istioctl: port protocols matter to the sidecar, so only
    // workloads in the mesh are checked.
    if in_mesh(ix, pod) {
        services_ports(pod, &svcs, out);
    }
    if let Some(spec) = pod.spec {
        image_auto_without_injection(ix, pod, spec, out);
        pod_missing_proxy(ix, pod, spec, out);
        proxy_uid(pod, spec, out);
    }
}

/// IST0116 and IST0137: the Services of one workload disagree on a port's
/// protocol, or route one target port through different ports.
fn services_ports(
    pod: &PodInfo<'_>,
    svcs: &[&Item<'_, k8s_openapi::api::core::v1::Service>],
    out: &mut Vec<Diagnostic>,
) {
    let mut by_port: BTreeMap<i32, (Option<&str>, &str)> = BTreeMap::new();
    let mut by_target: BTreeMap<i32, (i32, &str)> = BTreeMap::new();
    for s in svcs {
        for p in s
            .obj
            .spec
            .as_ref()
            .and_then(|s| s.ports.as_ref())
            .into_iter()
            .flatten()
        {
            // The L4 protocol (TCP, UDP, SCTP), as istioctl compares: two
            // Services may name one port `http` and `tls-web` and still
            // agree on what reaches the pod.
            let proto = Some(p.protocol.as_deref().unwrap_or("TCP"));
            if let Some((other, path)) = by_port.get(&p.port) {
                if *other != proto && *path != s.path {
                    out.push(warn(
                        codes::IST0116,
                        pod.path,
                        format!(
                            "services {path} and {} both select this {} with port {} but different protocols",
                            s.path, pod.kind, p.port
                        ),
                        "use one protocol per port across the Services of a workload",
                    ));
                }
            } else {
                by_port.insert(p.port, (proto, s.path));
            }
            let target = match &p.target_port {
                Some(IntOrString::Int(t)) => *t,
                _ => p.port,
            };
            if let Some((other_port, path)) = by_target.get(&target) {
                if *other_port != p.port && *path != s.path {
                    out.push(warn(
                        codes::IST0137,
                        pod.path,
                        format!(
                            "services {path} and {} route to target port {target} of this {} through different ports ({other_port} and {})",
                            s.path, pod.kind, p.port
                        ),
                        "expose a target port through the same port number in every Service",
                    ));
                }
            } else {
                by_target.insert(target, (p.port, s.path));
            }
        }
    }
}

/// IST0144: an application container running as the proxy's UID.
fn proxy_uid(
    pod: &PodInfo<'_>,
    spec: &k8s_openapi::api::core::v1::PodSpec,
    out: &mut Vec<Diagnostic>,
) {
    let pod_uid = spec.security_context.as_ref().and_then(|s| s.run_as_user);
    for c in &spec.containers {
        if c.name == "istio-proxy" {
            continue;
        }
        let uid = c
            .security_context
            .as_ref()
            .and_then(|s| s.run_as_user)
            .or(pod_uid);
        if uid == Some(ISTIO_PROXY_UID) {
            out.push(error(
                codes::IST0144,
                pod.path,
                format!("container {} runs as UID 1337, the Istio proxy's: its traffic bypasses the sidecar", c.name),
                "run the application as another non-root UID",
            ));
        }
    }
}

/// IST0123 (several enrolling labels) and IST0102 (a namespace of a mesh
/// cluster not enabled for injection).
fn namespaces(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let has_mesh_config: BTreeSet<&str> = ix
        .virtual_services
        .iter()
        .map(|v| v.cluster)
        .chain(ix.destination_rules.iter().map(|d| d.cluster))
        .chain(ix.peer_authentications.iter().map(|d| d.cluster))
        .collect();
    // Clusters where Istio is in play: mesh configuration, an enrolled
    // namespace or an installed gateway. Elsewhere an unlabelled namespace
    // is not news.
    let mut istio_clusters = has_mesh_config.clone();
    istio_clusters.extend(
        ix.namespaces
            .iter()
            .filter(|(_, ns)| namespace_enrolled(labels(&ns.obj.metadata.labels)))
            .map(|((cluster, _), _)| *cluster),
    );
    istio_clusters.extend(
        ix.pods
            .iter()
            .filter(|p| p.installed_gateway)
            .map(|p| p.cluster),
    );
    for ((cluster, name), ns) in &ix.namespaces {
        let labels = ns.obj.metadata.labels.clone().unwrap_or_default();
        let injection = labels.get("istio-injection").map(String::as_str);
        // Each label that enrols the namespace, as istioctl counts them: a
        // disabled istio-injection beside a revision is an opt-out, not a
        // conflict.
        let modes: Vec<&str> = [
            (injection == Some("enabled")).then_some("istio-injection=enabled"),
            labels
                .contains_key("istio.io/rev")
                .then_some("istio.io/rev"),
            (labels.get("istio.io/dataplane-mode").map(String::as_str) == Some("ambient"))
                .then_some("istio.io/dataplane-mode=ambient"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if modes.len() > 1 {
            out.push(warn(
                codes::IST0123,
                ns.path,
                format!(
                    "namespace {name} is enrolled by several labels: {}",
                    modes.join(", ")
                ),
                "keep one injection label (MeshNamespace sets exactly one)",
            ));
        }
        let enrolled = namespace_enrolled(&labels);
        let opted_out = injection == Some("disabled");
        if enrolled || opted_out {
            continue;
        }
        if name == "istio-system" {
            continue;
        }
        // The injector injects every unlabelled namespace: istioctl says
        // so instead of "not injected".
        if crate::mesh::analysis::control_plane::injects_by_default(ix, cluster, "") {
            out.push(
                Diagnostic::info(
                    ns.path,
                    format!("namespace {name} has no injection label, and the injector injects such namespaces by default (enableNamespacesByDefault)"),
                )
                .with_code(codes::IST0148)
                .with_hint("label it istio-injection=enabled to say so, or istio-injection=disabled to keep it out"),
            );
            continue;
        }
        if !istio_clusters.contains(cluster) {
            continue;
        }
        let workloads: Vec<&PodInfo<'_>> = ix
            .pods_by_ns
            .get(&(*cluster, name.clone()))
            .into_iter()
            .flatten()
            .map(|&i| &ix.pods[i])
            .filter(|p| {
                !p.installed_gateway
                    && p.labels.get("sidecar.istio.io/inject").map(String::as_str) != Some("true")
            })
            .collect();
        // An error, not istioctl's info, where the cluster has mesh
        // configuration and the namespace workloads: pods without a sidecar
        // fall out of STRICT mTLS and policy. Opting out is explicit
        // (istio-injection=disabled). Otherwise istioctl's note.
        match workloads.first() {
            Some(w) if has_mesh_config.contains(cluster) => out.push(error(
                codes::IST0102,
                ns.path,
                format!("namespace {name} is not enabled for injection, so {} ({}) runs without a sidecar", w.name, w.path),
                "create it with MeshMode::Sidecar or MeshMode::Ambient, or label it istio-injection=disabled to opt out",
            )),
            _ => out.push(
                Diagnostic::info(
                    ns.path,
                    format!("namespace {name} is not enabled for Istio injection"),
                )
                .with_code(codes::IST0102)
                .with_hint("label it istio-injection=enabled, istio.io/rev or istio.io/dataplane-mode=ambient, or istio-injection=disabled to say it stays out"),
            ),
        }
    }
}

/// Whether a workload's pods get a sidecar: its own label, else its
/// Namespace object's labels (unknown namespace: not decided, so false).
fn pod_injected(ix: &Index<'_>, pod: &PodInfo<'_>) -> bool {
    match pod
        .labels
        .get("sidecar.istio.io/inject")
        .map(String::as_str)
    {
        Some("true") => true,
        Some(_) => false,
        None => ix
            .namespaces
            .get(&(pod.cluster, pod.ns.clone()))
            .is_some_and(|ns| {
                let labels = ns.obj.metadata.labels.clone().unwrap_or_default();
                labels.get("istio-injection").map(String::as_str) == Some("enabled")
                    || labels.contains_key("istio.io/rev")
            }),
    }
}

/// Whether a workload runs with a sidecar, as istioctl decides it: a
/// proxy container, else its own inject label or annotation, else its
/// Namespace object's injection labels (no Namespace object: not known,
/// so not in the mesh).
fn in_mesh(ix: &Index<'_>, pod: &PodInfo<'_>) -> bool {
    let proxy = pod.spec.is_some_and(|s| {
        s.containers
            .iter()
            .chain(s.init_containers.iter().flatten())
            .any(|c| c.name == "istio-proxy" && c.image.as_deref().is_some_and(|i| !i.is_empty()))
    });
    if proxy {
        return true;
    }
    let said = pod.labels.get("sidecar.istio.io/inject").or_else(|| {
        pod.annotations
            .and_then(|a| a.get("sidecar.istio.io/inject"))
    });
    if let Some(v) = said {
        return v == "true";
    }
    ix.namespaces
        .get(&(pod.cluster, pod.ns.clone()))
        .is_some_and(|ns| {
            let l = labels(&ns.obj.metadata.labels);
            l.get("istio-injection").map(String::as_str) == Some("enabled")
                || (l.contains_key("istio.io/rev") && l.get("istio-injection").is_none())
        })
}

/// Whether a namespace object enrolls its pods in the mesh.
fn namespace_enrolled(labels: &BTreeMap<String, String>) -> bool {
    labels.get("istio-injection").map(String::as_str) == Some("enabled")
        || labels.contains_key("istio.io/rev")
        || labels.get("istio.io/dataplane-mode").map(String::as_str) == Some("ambient")
}

/// IST0103: a running Pod (a bare Pod object, as `kubectl get -o yaml`
/// gives) in a namespace enabled for sidecar injection that has no
/// `istio-proxy` container (nor native sidecar): it was created before the
/// namespace was enabled, or injection failed. Pods that opt out
/// (`sidecar.istio.io/inject: "false"` label or annotation) and
/// host-network pods are skipped, as istioctl does.
fn pod_missing_proxy(
    ix: &Index<'_>,
    pod: &PodInfo<'_>,
    spec: &k8s_openapi::api::core::v1::PodSpec,
    out: &mut Vec<Diagnostic>,
) {
    if pod.kind != "Pod" || pod.ns == crate::mesh::istio::install::ISTIO_SYSTEM {
        return;
    }
    let opt_out = |m: Option<&BTreeMap<String, String>>| {
        m.and_then(|m| m.get("sidecar.istio.io/inject"))
            .map(String::as_str)
            == Some("false")
    };
    if opt_out(Some(&pod.labels)) || opt_out(pod.annotations) || spec.host_network == Some(true) {
        return;
    }
    let injected_ns = ix
        .namespaces
        .get(&(pod.cluster, pod.ns.clone()))
        .is_some_and(|ns| {
            let l = labels(&ns.obj.metadata.labels);
            l.get("istio-injection").map(String::as_str) == Some("enabled")
                || (l.contains_key("istio.io/rev") && l.get("istio-injection").is_none())
        });
    let has_proxy = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .any(|c| c.name == "istio-proxy");
    if injected_ns && !has_proxy {
        out.push(warn(
            codes::IST0103,
            pod.path,
            format!("pod {} in namespace {} (enabled for injection) has no istio-proxy container: it runs outside the mesh", pod.name, pod.ns),
            "restart the workload (kubectl rollout restart) so the injector adds the sidecar",
        ));
    }
}

/// IST0146 / IST0147: a container with `image: auto` (filled in by the
/// injector, as gateway Deployments do) in a pod that is not targeted for
/// injection: the image stays `auto` and the pod never starts. Warning for
/// a workload's template, error for a bare Pod, as istioctl. Decided when
/// the pod's label says so, or its cluster has Namespace objects (a
/// namespace missing among them has no labels).
fn image_auto_without_injection(
    ix: &Index<'_>,
    pod: &PodInfo<'_>,
    spec: &k8s_openapi::api::core::v1::PodSpec,
    out: &mut Vec<Diagnostic>,
) {
    let Some(c) = spec
        .containers
        .iter()
        .find(|c| c.image.as_deref() == Some("auto"))
    else {
        return;
    };
    let pod_label = pod
        .labels
        .get("sidecar.istio.io/inject")
        .map(String::as_str);
    let targeted = match pod_label {
        Some("true") => true,
        Some("false") => false,
        _ => match ix.namespaces.get(&(pod.cluster, pod.ns.clone())) {
            Some(ns) => namespace_enrolled(&ns.obj.metadata.labels.clone().unwrap_or_default()),
            // Namespaces are given but not this one: it has no labels, as
            // istioctl reads it. With no Namespace at all, nothing is known.
            None if ix.namespaces.keys().any(|(c, _)| *c == pod.cluster) => false,
            None => return,
        },
    };
    if targeted {
        return;
    }
    let message = format!(
        "container {} has image \"auto\" but the pod is not targeted for injection (namespace {} is not enrolled{}), so the image is never filled in",
        c.name,
        pod.ns,
        if pod_label == Some("false") { "; the pod sets sidecar.istio.io/inject=false" } else { "" }
    );
    let hint = "enable injection for the namespace (istio-injection=enabled or istio.io/rev), or label the pod sidecar.istio.io/inject=\"true\"";
    out.push(if pod.kind == "Pod" {
        error(codes::IST0147, pod.path, message, hint)
    } else {
        warn(codes::IST0146, pod.path, message, hint)
    });
}
