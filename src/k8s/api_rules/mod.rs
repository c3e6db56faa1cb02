//! What the API server refuses that no schema says (`MS-K8S-3`):
//! Kubernetes' own validation of its built-in kinds, the rules a typed
//! struct and the OpenAPI schema cannot express. A Service with two
//! unnamed ports, a ConfigMap key with a space, a Deployment whose selector
//! does not match its pod labels, a Job that restarts `Always`: each
//! type-checks and schema-checks, then fails `kubectl apply` after the AWS
//! side has deployed. The rules follow the API server's validation of
//! Kubernetes 1.33 (`pkg/apis/core/validation`, `pkg/apis/apps/validation`
//! and their batch, autoscaling and policy siblings), after its defaulting,
//! and only where a cluster of that version refuses the object: nothing a
//! feature gate or an admission webhook decides.
//!
//! Typed objects are read through their struct; the objects `meshsynth
//! analyze` keeps as JSON (ConfigMap, HorizontalPodAutoscaler,
//! PodDisruptionBudget) are read in place.

mod ingress;
mod pod;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, PodTemplateSpec, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value as Json;

use crate::core::names::shown;
use crate::core::object::api_group;
use crate::core::{App, Diagnostic, K8sObject, RawObject};

/// An object of a built-in kind the API server would refuse.
pub const API_SERVER_REFUSES: &str = "MS-K8S-3";

/// The most a ConfigMap's or Secret's data may hold.
const DATA_MAX_BYTES: usize = 1024 * 1024;

/// The kinds checked, with their API group.
const KINDS: &[(&str, &str)] = &[
    ("", "Service"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "Pod"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "Ingress"),
];

/// MS-K8S-3 over every object of the built-in kinds above.
pub fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for &(group, kind) in KINDS {
        for e in app.objects_of_kind(kind) {
            if api_group(e.object.api_version()) != group {
                continue;
            }
            let mut r = Refusals {
                path: e.path,
                out,
                refused: OBJECT_REFUSED,
            };
            object(kind, e.object, &mut r);
        }
    }
}

/// Every object's metadata as the API server checks it (names by kind,
/// the namespace's name, labels, annotations; `core::meta_rules`), for
/// `meshsynth analyze`: synth reports the same rules in its naming stage,
/// whatever checks an app enables.
pub(crate) fn metadata(app: &App, out: &mut Vec<Diagnostic>) {
    for e in app.objects() {
        for p in crate::core::meta_rules::problems(e.object) {
            out.push(
                Diagnostic::error(e.path, format!("{}; {OBJECT_REFUSED}", p.message))
                    .with_code(API_SERVER_REFUSES)
                    .with_hint(p.hint),
            );
        }
    }
}

fn object(kind: &str, o: &dyn K8sObject, r: &mut Refusals<'_>) {
    let any = o.as_any();
    let raw = any.downcast_ref::<RawObject>();
    match kind {
        "Service" => {
            if let Some(s) = any.downcast_ref::<Service>() {
                service(s, r);
            }
        }
        "ConfigMap" => match (any.downcast_ref::<ConfigMap>(), raw) {
            (Some(c), _) => config_map_typed(c, r),
            (None, Some(raw)) => config_map_raw(raw, r),
            _ => {}
        },
        "Secret" => {
            if let Some(s) = any.downcast_ref::<Secret>() {
                secret(s, r);
            }
        }
        "HorizontalPodAutoscaler" => {
            if let Some((min, max)) = hpa_replicas(o) {
                hpa(min, max, r);
            }
        }
        "PodDisruptionBudget" => pdb(o, r),
        "Ingress" => {
            if let Some(i) = any.downcast_ref::<k8s_openapi::api::networking::v1::Ingress>() {
                ingress::ingress(i, r);
            }
        }
        _ => workload(o, r),
    }
}

/// Where findings go: one object's.
struct Refusals<'a> {
    path: &'a str,
    out: &'a mut Vec<Diagnostic>,
    /// What is refused: the object, or (a StatefulSet's template, which
    /// the API server does not validate) the pods its controller creates.
    refused: &'static str,
}

impl Refusals<'_> {
    fn refuse(&mut self, field: &str, what: impl Display, hint: impl Into<String>) {
        self.out.push(
            Diagnostic::error(self.path, format!("{field}: {what}; {}", self.refused))
                .with_code(API_SERVER_REFUSES)
                .with_hint(hint),
        );
    }
}

/// What a finding says is refused.
const OBJECT_REFUSED: &str = "the API server refuses the object";
const PODS_REFUSED: &str =
    "the API server refuses every pod the StatefulSet creates (it takes the StatefulSet, which never runs a pod)";

fn service(s: &Service, r: &mut Refusals<'_>) {
    let spec = s.spec.as_ref();
    let ty = spec.and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP");
    if !matches!(
        ty,
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
    ) {
        r.refuse(
            "spec.type",
            format!("{} is not a Service type", shown(ty)),
            "use ClusterIP, NodePort, LoadBalancer or ExternalName",
        );
    }
    let ports = spec.and_then(|s| s.ports.as_deref()).unwrap_or_default();
    let headless = spec.and_then(|s| s.cluster_ip.as_deref()) == Some("None");
    if ty == "ExternalName" {
        if spec
            .and_then(|s| s.external_name.as_deref())
            .unwrap_or("")
            .is_empty()
        {
            r.refuse(
                "spec.externalName",
                "required for a Service of type ExternalName",
                "set the DNS name the Service stands for, e.g. db.example.com",
            );
        }
    } else if ports.is_empty() && !headless {
        r.refuse(
            "spec.ports",
            "a Service needs at least one port",
            "add a port, or set clusterIP: None for a headless Service",
        );
    }
    let mut names = BTreeSet::new();
    let mut listed = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let at = format!("spec.ports[{i}]");
        match p.name.as_deref().unwrap_or("") {
            "" if ports.len() > 1 => r.refuse(
                &format!("{at}.name"),
                "required when a Service has more than one port",
                "name every port, e.g. http and grpc; Istio reads the protocol from the name",
            ),
            "" => {}
            name => {
                if let Err(e) = crate::core::names::validate_dns1123_label(name) {
                    r.refuse(
                        &format!("{at}.name"),
                        e.message(),
                        "name ports like http or grpc-api",
                    );
                } else if !names.insert(name) {
                    r.refuse(
                        &format!("{at}.name"),
                        format!("{} names two ports", shown(name)),
                        "give each port its own name",
                    );
                }
            }
        }
        if !valid_port(p.port) {
            r.refuse(
                &format!("{at}.port"),
                format!("{} is not a port number", p.port),
                "use a port between 1 and 65535",
            );
        }
        let protocol = p.protocol.as_deref().unwrap_or("TCP");
        if !matches!(protocol, "TCP" | "UDP" | "SCTP") {
            r.refuse(
                &format!("{at}.protocol"),
                format!("{} is not a protocol", shown(protocol)),
                "use TCP, UDP or SCTP; name the port (http, grpc) for the application protocol",
            );
        } else if !listed.insert((p.port, protocol)) {
            r.refuse(
                &at,
                format!("port {}/{protocol} is listed twice", p.port),
                "list each port and protocol once",
            );
        }
        // 0 and "" are defaulted to the port before validation.
        match &p.target_port {
            Some(IntOrString::Int(n)) if *n != 0 && !valid_port(*n) => r.refuse(
                &format!("{at}.targetPort"),
                format!("{n} is not a port number"),
                "use a port between 1 and 65535, or a container port's name",
            ),
            Some(IntOrString::String(name)) if !name.is_empty() => {
                if let Some(why) = port_name_problem(name) {
                    r.refuse(
                        &format!("{at}.targetPort"),
                        format!("{} is not a port name: {why}", shown(name)),
                        "name the container port (at most 15 lower-case letters, digits and '-') and use that name, or use the port number",
                    );
                }
            }
            _ => {}
        }
        match p.node_port {
            Some(n) if n != 0 && matches!(ty, "ClusterIP" | "ExternalName") => r.refuse(
                &format!("{at}.nodePort"),
                format!("set on a Service of type {ty}"),
                "remove nodePort, or make the Service type NodePort or LoadBalancer",
            ),
            Some(n) if n != 0 && !valid_port(n) => r.refuse(
                &format!("{at}.nodePort"),
                format!("{n} is not a port number"),
                "leave nodePort unset and let the cluster pick one",
            ),
            _ => {}
        }
    }
}

fn valid_port(n: i32) -> bool {
    (1..=65535).contains(&n)
}

/// Why `name` is not a port name (`IANA_SVC_NAME`: what a Service's
/// `targetPort` and a container port's `name` must be).
pub(crate) fn port_name_problem(name: &str) -> Option<&'static str> {
    if name.len() > 15 {
        Some("at most 15 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("only lower-case letters, digits and '-'")
    } else if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        Some("at least one letter")
    } else if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        Some("no '-' at either end and no two in a row")
    } else {
        None
    }
}

/// Why `key` cannot be a ConfigMap's or Secret's key.
fn data_key_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("a key cannot be empty")
    } else if key.len() > 253 {
        Some("at most 253 characters")
    } else if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        Some("only letters, digits, '-', '_' and '.'")
    } else if key == "." || key.starts_with("..") {
        Some("not '.', and not starting with '..'")
    } else {
        None
    }
}

/// The keys of a ConfigMap or Secret (each with the field it is under) and
/// the bytes they hold.
fn data_keys<'k>(
    keys: impl Iterator<Item = (&'static str, &'k str)>,
    bytes: usize,
    r: &mut Refusals<'_>,
) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (field, key) in keys {
        if let Some(why) = data_key_problem(key) {
            r.refuse(
                field,
                format!("key {} is not valid: {why}", shown(key)),
                "a key is what the file is called when the data is mounted: letters, digits, '-', '_' and '.', e.g. config.yaml",
            );
        } else if let Some(other) = seen.insert(key, field) {
            if other != field {
                r.refuse(
                    field,
                    format!("key {} is in {other} too", shown(key)),
                    "keep each key in one of the two maps",
                );
            }
        }
    }
    if bytes > DATA_MAX_BYTES {
        r.refuse(
            "data",
            format!("{bytes} bytes of data, over the limit of {DATA_MAX_BYTES}"),
            "split the data across objects, or keep large files in S3 or an image",
        );
    }
}

fn config_map_typed(c: &ConfigMap, r: &mut Refusals<'_>) {
    let data = c.data.iter().flatten();
    let binary = c.binary_data.iter().flatten();
    let bytes = data.clone().map(|(_, v)| v.len()).sum::<usize>()
        + binary.clone().map(|(_, v)| v.0.len()).sum::<usize>();
    let keys = data
        .map(|(k, _)| ("data", k.as_str()))
        .chain(binary.map(|(k, _)| ("binaryData", k.as_str())));
    data_keys(keys, bytes, r);
}

fn config_map_raw(c: &RawObject, r: &mut Refusals<'_>) {
    let map = |field: &str| {
        c.body
            .get(field)
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
    };
    let text_len = |v: &Json| v.as_str().map_or(0, str::len);
    // binaryData is base64: three bytes to four characters.
    let bytes = map("data").map(|(_, v)| text_len(v)).sum::<usize>()
        + map("binaryData")
            .map(|(_, v)| text_len(v) / 4 * 3)
            .sum::<usize>();
    let keys = map("data")
        .map(|(k, _)| ("data", k.as_str()))
        .chain(map("binaryData").map(|(k, _)| ("binaryData", k.as_str())));
    data_keys(keys, bytes, r);
}

/// The keys a Secret of a `kubernetes.io/…` type must hold (any one of
/// them for basic-auth).
fn secret_type_keys(ty: &str) -> &'static [&'static str] {
    match ty {
        "kubernetes.io/tls" => &["tls.crt", "tls.key"],
        "kubernetes.io/dockerconfigjson" => &[".dockerconfigjson"],
        "kubernetes.io/dockercfg" => &[".dockercfg"],
        "kubernetes.io/ssh-auth" => &["ssh-privatekey"],
        "kubernetes.io/basic-auth" => &["username", "password"],
        _ => &[],
    }
}

fn secret(s: &Secret, r: &mut Refusals<'_>) {
    let data = s.data.iter().flatten();
    let string_data = s.string_data.iter().flatten();
    // stringData is merged into data before validation: a key in both is
    // one key, holding stringData's value.
    let strings: BTreeSet<&str> = string_data.clone().map(|(k, _)| k.as_str()).collect();
    let bytes = data
        .clone()
        .filter(|(k, _)| !strings.contains(k.as_str()))
        .map(|(_, v)| v.0.len())
        .sum::<usize>()
        + string_data.clone().map(|(_, v)| v.len()).sum::<usize>();
    let in_data = |k: &str| s.data.as_ref().is_some_and(|d| d.contains_key(k));
    let keys = data.clone().map(|(k, _)| ("data", k.as_str())).chain(
        strings
            .iter()
            .filter(|k| !in_data(k))
            .map(|k| ("stringData", *k)),
    );
    data_keys(keys, bytes, r);
    let has = |k: &str| in_data(k) || strings.contains(k);
    let ty = s.type_.as_deref().unwrap_or("Opaque");
    // A Secret with no data at all is a redacted export or a name whose
    // content comes from elsewhere, as `k8s::tls` takes it: not judged.
    let needed = if data.clone().next().is_none() && strings.is_empty() {
        &[]
    } else {
        secret_type_keys(ty)
    };
    let missing: Vec<&str> = needed.iter().copied().filter(|k| !has(k)).collect();
    let refused = if ty == "kubernetes.io/basic-auth" {
        missing.len() == needed.len()
    } else {
        !missing.is_empty()
    };
    if refused {
        let which = if ty == "kubernetes.io/basic-auth" {
            "username or password".to_string()
        } else {
            missing.join(" and ")
        };
        r.refuse(
            "data",
            format!("a Secret of type {ty} needs the key {which}"),
            "add the keys the type requires (in data, or in stringData as text), or use type Opaque",
        );
    }
    if ty == "kubernetes.io/service-account-token"
        && !s.metadata.annotations.as_ref().is_some_and(|a| {
            a.get("kubernetes.io/service-account.name")
                .is_some_and(|n| !n.is_empty())
        })
    {
        r.refuse(
            "metadata.annotations",
            "a Secret of type kubernetes.io/service-account-token needs the annotation kubernetes.io/service-account.name",
            "name the ServiceAccount the token is for in that annotation",
        );
    }
}

/// An HPA's `minReplicas` and `maxReplicas`, typed (v2 or v1) or raw.
fn hpa_replicas(o: &dyn K8sObject) -> Option<(Option<i64>, i64)> {
    use k8s_openapi::api::autoscaling::{v1, v2};
    let any = o.as_any();
    if let Some(h) = any.downcast_ref::<v2::HorizontalPodAutoscaler>() {
        let s = h.spec.as_ref()?;
        Some((s.min_replicas.map(i64::from), i64::from(s.max_replicas)))
    } else if let Some(h) = any.downcast_ref::<v1::HorizontalPodAutoscaler>() {
        let s = h.spec.as_ref()?;
        Some((s.min_replicas.map(i64::from), i64::from(s.max_replicas)))
    } else {
        let spec = any.downcast_ref::<RawObject>()?.body.get("spec")?;
        let max = spec.get("maxReplicas")?.as_i64()?;
        Some((spec.get("minReplicas").and_then(Json::as_i64), max))
    }
}

fn hpa(min: Option<i64>, max: i64, r: &mut Refusals<'_>) {
    if let Some(min) = min.filter(|&m| m < 1) {
        r.refuse(
            "spec.minReplicas",
            format!("{min} is below 1"),
            "set minReplicas to 1 or more (scaling to zero needs KEDA, or a cluster with the HPAScaleToZero feature gate)",
        );
    }
    if max < 1 {
        r.refuse(
            "spec.maxReplicas",
            format!("{max} is below 1"),
            "set maxReplicas to 1 or more",
        );
    } else if let Some(min) = min.filter(|&m| m > max) {
        r.refuse(
            "spec.maxReplicas",
            format!("{max} is below minReplicas ({min})"),
            "set maxReplicas to at least minReplicas",
        );
    }
}

fn pdb(o: &dyn K8sObject, r: &mut Refusals<'_>) {
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    let any = o.as_any();
    let both = if let Some(p) = any.downcast_ref::<PodDisruptionBudget>() {
        p.spec
            .as_ref()
            .is_some_and(|s| s.min_available.is_some() && s.max_unavailable.is_some())
    } else if let Some(raw) = any.downcast_ref::<RawObject>() {
        raw.body.get("spec").is_some_and(|s| {
            let set = |k: &str| s.get(k).is_some_and(|v| !v.is_null());
            set("minAvailable") && set("maxUnavailable")
        })
    } else {
        false
    };
    if both {
        r.refuse(
            "spec",
            "minAvailable and maxUnavailable are both set",
            "keep one of the two",
        );
    }
}

/// What the API server checks alike of the `apps/v1` controllers.
struct Controller<'a> {
    selector: &'a LabelSelector,
    template: Option<&'a PodTemplateSpec>,
    replicas: Option<i32>,
    /// A StatefulSet's claim templates, which its containers mount.
    claims: Vec<&'a str>,
}

fn controller(any: &dyn std::any::Any) -> Option<Controller<'_>> {
    let of = |selector, template, replicas| Controller {
        selector,
        template,
        replicas,
        claims: Vec::new(),
    };
    if let Some(d) = any.downcast_ref::<Deployment>() {
        let s = d.spec.as_ref()?;
        Some(of(&s.selector, Some(&s.template), s.replicas))
    } else if let Some(d) = any.downcast_ref::<StatefulSet>() {
        let s = d.spec.as_ref()?;
        let claims = s
            .volume_claim_templates
            .iter()
            .flatten()
            .filter_map(|c| c.metadata.name.as_deref())
            .collect();
        Some(Controller {
            claims,
            ..of(&s.selector, Some(&s.template), s.replicas)
        })
    } else if let Some(d) = any.downcast_ref::<DaemonSet>() {
        let s = d.spec.as_ref()?;
        Some(of(&s.selector, Some(&s.template), None))
    } else if let Some(d) = any.downcast_ref::<ReplicaSet>() {
        let s = d.spec.as_ref()?;
        Some(of(&s.selector, s.template.as_ref(), s.replicas))
    } else {
        None
    }
}

/// The pod-running kinds: their selector, strategy and pod template.
fn workload(o: &dyn K8sObject, r: &mut Refusals<'_>) {
    use pod::Restart;
    let any = o.as_any();
    if let Some(c) = controller(any) {
        pod::selector(c.selector, c.template, r);
        pod::replicas(c.replicas, r);
        if let Some(d) = any.downcast_ref::<Deployment>() {
            pod::strategy(d.spec.as_ref().and_then(|s| s.strategy.as_ref()), r);
        }
        // The API server checks a StatefulSet's template for its labels
        // only; the controller's pods meet the rest.
        if any.is::<StatefulSet>() {
            r.refused = PODS_REFUSED;
        }
        pod::template(c.template, "spec.template", (Restart::Always, &c.claims), r);
        r.refused = OBJECT_REFUSED;
    } else if let Some(j) = any.downcast_ref::<Job>() {
        if let Some(s) = &j.spec {
            pod::template(Some(&s.template), "spec.template", (Restart::Job, &[]), r);
        }
    } else if let Some(c) = any.downcast_ref::<CronJob>() {
        if let Some(s) = &c.spec {
            if s.schedule.trim().is_empty() {
                r.refuse(
                    "spec.schedule",
                    "a CronJob needs a schedule",
                    "set a cron schedule, e.g. \"0 3 * * *\"",
                );
            }
            if let Some(job) = &s.job_template.spec {
                pod::template(
                    Some(&job.template),
                    "spec.jobTemplate.spec.template",
                    (Restart::Job, &[]),
                    r,
                );
            }
        }
    } else if let Some(p) = any.downcast_ref::<Pod>() {
        if let Some(s) = &p.spec {
            pod::spec(s, "spec", (Restart::Any, &[]), r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{data_key_problem, port_name_problem};

    #[test]
    fn port_names_as_the_api_server_takes_them() {
        for ok in [
            "http",
            "grpc-api",
            "h2c",
            "a",
            "metrics-9090",
            "abcdefghijklmno",
        ] {
            assert_eq!(port_name_problem(ok), None, "{ok}");
        }
        for bad in [
            "Http",
            "8080",
            "-http",
            "http-",
            "a--b",
            "abcdefghijklmnop",
            "my_port",
            "",
        ] {
            assert!(port_name_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn quantities_compare_as_amounts() {
        use super::pod::quantity;
        let q = |s| quantity(s).unwrap();
        assert_eq!(q("100m"), q("0.1"));
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert!(q("1G") < q("1Gi"));
        assert_eq!(q("2e3"), q("2k"));
        assert_eq!(q("1.5"), 1.5);
        assert_eq!(quantity("lots"), None);
        assert_eq!(quantity("1Zi"), None);
    }

    #[test]
    fn data_keys_as_the_api_server_takes_them() {
        for ok in ["config.yaml", ".env", "a_B-1.c", "..a"[1..].as_ref()] {
            assert_eq!(data_key_problem(ok), None, "{ok}");
        }
        let long = "k".repeat(254);
        for bad in ["", ".", "..", "..data", "log level", "a/b", long.as_str()] {
            assert!(data_key_problem(bad).is_some(), "{bad}");
        }
    }
}
