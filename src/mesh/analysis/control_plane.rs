//! Checks of the control plane's own configuration, as a cluster export
//! (`kubectl get -o yaml`) or an installer's output shows it: the
//! injection webhooks (IST0139, IST0163, IST0164), the injector's
//! ConfigMap against the running proxies (IST0158), CRDs Istio no longer
//! serves or that are older than it needs (IST0002, IST0176), fields
//! Istio ignores (IST0002), istiod without a bound on what JWKS fetches
//! may reach (IST0175), and access logs with no provider (IST0157).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::checks::{error, warn};
use super::codes;
use super::index::{labels, ApiObject, Index};
use crate::core::Diagnostic;
use crate::mesh::crd::SpecOf;

/// The injector's ConfigMap name prefix (`istio-sidecar-injector[-REV]`).
const INJECTOR_CONFIG_MAP: &str = "istio-sidecar-injector";
const REV_LABEL: &str = "istio.io/rev";
const INJECT_LABEL: &str = "sidecar.istio.io/inject";

/// Runs every control-plane check.
pub fn check(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    webhook_overlaps(ix, out);
    webhook_services(ix, out);
    external_control_plane(ix, out);
    crds(ix, out);
    deprecated_fields(ix, out);
    proxy_images(ix, out);
    jwks_fetch(ix, out);
    access_log_providers(ix, out);
}

fn of_kind<'x, 'a>(ix: &'x Index<'a>, kind: &'x str) -> impl Iterator<Item = &'x ApiObject<'a>> {
    ix.config.iter().filter(move |o| o.kind == kind)
}

/// A webhook's selector (absent: every object, as the API server reads it).
fn webhook_selects(selector: Option<&Json>, labels: &BTreeMap<String, String>) -> bool {
    match selector {
        None | Some(Json::Null) => true,
        Some(s) => crate::k8s::controllers::selects(s, labels, true),
    }
}

/// The webhooks of a webhook configuration.
fn webhooks(cfg: &Json) -> impl Iterator<Item = &Json> {
    cfg.get("webhooks")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
}

/// The revisions a webhook configuration serves: its `istio.io/rev`
/// label and the values its selectors match that label against.
fn revisions(cfg: &Json) -> BTreeSet<String> {
    let mut revs = BTreeSet::new();
    if let Some(r) = cfg
        .pointer("/metadata/labels/istio.io~1rev")
        .and_then(Json::as_str)
    {
        revs.insert(r.to_string());
    }
    for w in webhooks(cfg) {
        for sel in ["namespaceSelector", "objectSelector"] {
            let Some(s) = w.get(sel) else { continue };
            if let Some(r) = s
                .pointer("/matchLabels/istio.io~1rev")
                .and_then(Json::as_str)
            {
                revs.insert(r.to_string());
            }
            for e in s
                .get("matchExpressions")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if e.get("key").and_then(Json::as_str) == Some(REV_LABEL) {
                    let values = e
                        .get("values")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten();
                    revs.extend(values.filter_map(Json::as_str).map(str::to_string));
                }
            }
        }
    }
    revs
}

/// Mutating webhook configurations that inject Istio's proxy, by cluster.
fn injection_webhooks<'x, 'a>(ix: &'x Index<'a>) -> Vec<(&'x ApiObject<'a>, BTreeSet<String>)> {
    of_kind(ix, "MutatingWebhookConfiguration")
        .filter_map(|o| {
            let revs = revisions(&o.json);
            let istio = webhooks(&o.json).any(|w| {
                w.get("name")
                    .and_then(Json::as_str)
                    .is_some_and(|n| n.ends_with("istio.io"))
            });
            (istio || !revs.is_empty()).then_some((o, revs))
        })
        .collect()
}

/// IST0139: two injection webhooks that match the same namespace and pod
/// labels, so a pod could be injected twice. Every label combination the
/// injector distinguishes is tried (injection label on or off, per
/// revision), as istioctl does.
fn webhook_overlaps(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let hooks = injection_webhooks(ix);
    let clusters: BTreeSet<&str> = hooks.iter().map(|(o, _)| o.cluster).collect();
    let mut said: BTreeSet<(String, String)> = BTreeSet::new();
    for cluster in clusters {
        let here: Vec<_> = hooks.iter().filter(|(o, _)| o.cluster == cluster).collect();
        let revs: BTreeSet<&String> = here.iter().flat_map(|(_, r)| r).collect();
        let combos = |key: &str, on: &str, off: &str| {
            let mut sets = vec![BTreeMap::new()];
            for v in [on, off] {
                sets.push(BTreeMap::from([(key.to_string(), v.to_string())]));
            }
            for rev in &revs {
                for base in sets.clone().into_iter().take(3) {
                    let mut s = base;
                    s.insert(REV_LABEL.to_string(), (*rev).clone());
                    sets.push(s);
                }
            }
            sets
        };
        let namespaces = combos("istio-injection", "enabled", "disabled");
        let objects = combos(INJECT_LABEL, "true", "false");
        // Each webhook as (configuration, name, its JSON).
        let webhooks: Vec<(&ApiObject<'_>, String, &Json)> = here
            .iter()
            .flat_map(|(o, _)| {
                webhooks(&o.json).map(move |w| {
                    let name = w.get("name").and_then(Json::as_str).unwrap_or_default();
                    (*o, format!("{}/{name}", o.name), w)
                })
            })
            .collect();
        for nl in &namespaces {
            for ol in &objects {
                let matched: Vec<&(&ApiObject<'_>, String, &Json)> = webhooks
                    .iter()
                    .filter(|(_, _, w)| {
                        webhook_selects(w.get("namespaceSelector"), nl)
                            && webhook_selects(w.get("objectSelector"), ol)
                    })
                    .collect();
                if matched.len() < 2 {
                    continue;
                }
                for (o, name, _) in &matched {
                    let others: BTreeSet<&str> = matched
                        .iter()
                        .map(|(_, n, _)| n.as_str())
                        .filter(|n| n != name)
                        .collect();
                    let others = others.into_iter().collect::<Vec<_>>().join(", ");
                    if said.insert((o.path.to_string(), others.clone())) {
                        out.push(error(
                            codes::IST0139,
                            o.path,
                            format!("webhook {name} overlaps with {others}: a pod may be injected twice"),
                            "give each injection webhook a namespaceSelector or objectSelector the others exclude (one revision each)",
                        ));
                    }
                }
            }
        }
    }
}

/// IST0139: an injection webhook calling a Service the cluster lacks.
/// Decided only when the input has Services at all: a few files of a
/// repository do not hold the control plane.
fn webhook_services(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (o, _) in injection_webhooks(ix) {
        if !ix.services.iter().any(|s| s.cluster == o.cluster) {
            continue;
        }
        for w in webhooks(&o.json) {
            let Some(svc) = w.pointer("/clientConfig/service") else {
                continue;
            };
            let ns = svc
                .get("namespace")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let name = svc.get("name").and_then(Json::as_str).unwrap_or_default();
            let exists = ix
                .services_by_ns
                .get(&(o.cluster, ns.to_string()))
                .into_iter()
                .flatten()
                .any(|&i| ix.services[i].name == name);
            if !exists {
                out.push(error(
                    codes::IST0139,
                    o.path,
                    format!("injector refers to control plane Service {ns}/{name}, which does not exist"),
                    "point clientConfig.service at istiod's Service (istiod or istiod-REVISION in istio-system)",
                ));
            }
        }
    }
}

/// IST0163 / IST0164: the webhooks of a remote cluster whose control plane
/// runs elsewhere (istioctl's external control plane): each must call a
/// URL (or a Service), and the URL should name a host, not an IP address.
fn external_control_plane(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for o in &ix.config {
        let ours = match o.kind {
            "ValidatingWebhookConfiguration" => {
                o.name == "istiod-default-validator" || o.name.starts_with("istio-validator")
            }
            "MutatingWebhookConfiguration" => o.name.starts_with("istio-sidecar-injector"),
            _ => false,
        };
        if !ours {
            continue;
        }
        for w in webhooks(&o.json) {
            let hook = w.get("name").and_then(Json::as_str).unwrap_or_default();
            let cc = w.get("clientConfig");
            match cc.and_then(|c| c.get("url")).and_then(Json::as_str) {
                Some(url) => match url_host(url) {
                    None => out.push(warn(
                        codes::IST0163,
                        o.path,
                        format!("webhook {hook}: URL {url:?} is not a valid URL"),
                        "give the external istiod's address as https://HOST:PORT/PATH",
                    )),
                    Some(host) if host.parse::<std::net::IpAddr>().is_ok() => out.push(
                        Diagnostic::info(
                            o.path,
                            format!("webhook {hook}: URL {url:?} names an IP address, not a hostname"),
                        )
                        .with_code(codes::IST0164)
                        .with_hint("use a hostname the istiod certificate is issued for; an IP address changes with the load balancer"),
                    ),
                    Some(_) => {}
                },
                None if cc.and_then(|c| c.get("service")).is_none() => out.push(warn(
                    codes::IST0163,
                    o.path,
                    format!("webhook {hook}: clientConfig has neither a URL nor a Service, so the API server cannot call it"),
                    "set clientConfig.url to the external istiod's address",
                )),
                None => {}
            }
        }
    }
}

/// The host of an absolute URL (brackets of an IPv6 literal removed);
/// `None` when the text is not one.
fn url_host(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host_port.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    let host = host_port.split_once(':').map_or(host_port, |(h, _)| h);
    (!host.is_empty() && !host.contains(char::is_whitespace)).then_some(host)
}

/// Istio's removed CRDs (the `rbac.istio.io` kinds), and the Gateway API
/// bundle versions istiod needs for each route kind (older ones it does
/// not watch).
const REMOVED_KINDS: &[(&str, &str)] = &[
    ("rbac.istio.io", "ClusterRbacConfig"),
    ("rbac.istio.io", "RbacConfig"),
    ("rbac.istio.io", "ServiceRole"),
    ("rbac.istio.io", "ServiceRoleBinding"),
];
const GATEWAY_API_MINIMUM: &[(&str, (u64, u64, u64))] = &[
    ("grpcroutes.gateway.networking.k8s.io", (1, 1, 0)),
    ("backendtlspolicies.gateway.networking.k8s.io", (1, 4, 0)),
    ("tlsroutes.gateway.networking.k8s.io", (1, 5, 0)),
    ("tcproutes.gateway.networking.k8s.io", (1, 6, 0)),
];

/// `v1.4.1`, `1.5.0-rc.1` → (1, 4, 1), the pre-release dropped.
fn semver(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.trim().trim_start_matches('v');
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let v = (
        parts.next()??,
        parts.next().unwrap_or(Some(0))?,
        parts.next().unwrap_or(Some(0))?,
    );
    parts.next().is_none().then_some(v)
}

/// IST0002 (a removed Istio kind) and IST0176 (a Gateway API CRD older
/// than istiod needs).
fn crds(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for o in of_kind(ix, "CustomResourceDefinition") {
        let group = o
            .json
            .pointer("/spec/group")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let kind = o
            .json
            .pointer("/spec/names/kind")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if REMOVED_KINDS.contains(&(group, kind)) {
            out.push(warn(
                codes::IST0002,
                o.path,
                format!("custom resource type {group} {kind} is removed from Istio"),
                "delete the CRD and its objects; AuthorizationPolicy replaces the rbac.istio.io kinds",
            ));
        }
        let Some((_, min)) = GATEWAY_API_MINIMUM.iter().find(|(n, _)| *n == o.name) else {
            continue;
        };
        let bundle = o
            .json
            .pointer("/metadata/annotations/gateway.networking.k8s.io~1bundle-version")
            .and_then(Json::as_str);
        let Some((text, v)) = bundle.and_then(|b| Some((b, semver(b)?))) else {
            continue;
        };
        if v < *min {
            out.push(warn(
                codes::IST0176,
                o.path,
                format!(
                    "Gateway API CRD {} is at bundle version {text}, below the {}.{}.{} istiod needs: its objects are not watched",
                    o.name, min.0, min.1, min.2
                ),
                "install the Gateway API CRDs of a newer release (kubectl apply -f the release's standard or experimental install)",
            ));
        }
    }
}

/// IST0002: fields Istio still reads for compatibility, or ignores.
fn deprecated_fields(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for vs in &ix.virtual_services {
        for (i, h) in vs.obj.spec().http.iter().flatten().enumerate() {
            let delay = h.fault.as_ref().and_then(|f| f.delay.as_ref());
            if delay.and_then(|d| d.percent).is_some_and(|p| p > 0) {
                out.push(warn(
                    codes::IST0002,
                    vs.path,
                    format!("spec.http[{i}].fault.delay.percent is deprecated; use percentage"),
                    "write fault.delay.percentage: {value: N} (a fraction is allowed)",
                ));
            }
        }
    }
    for s in &ix.sidecars {
        let proxy = s
            .obj
            .spec()
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.egress_proxy.as_ref());
        if proxy.is_some() {
            out.push(warn(
                codes::IST0002,
                s.path,
                "spec.outboundTrafficPolicy.egressProxy is ignored by Istio".to_string(),
                "route external traffic through an egress gateway (a ServiceEntry and a VirtualService) instead",
            ));
        }
    }
}

/// The injector's values (the `values` key of its ConfigMap) for a
/// revision, when the input has that ConfigMap.
fn injector_values(ix: &Index<'_>, cluster: &str, revision: &str) -> Option<Json> {
    let name = match revision {
        "" | "default" => INJECTOR_CONFIG_MAP.to_string(),
        r => format!("{INJECTOR_CONFIG_MAP}-{r}"),
    };
    let cm = of_kind(ix, "ConfigMap").find(|o| o.cluster == cluster && o.name == name)?;
    let text = cm.json.pointer("/data/values")?.as_str()?;
    // Bounded like any input: the ConfigMap came through the budgeted reader.
    serde_json::from_str(text).ok()
}

/// Whether the injector of `revision` injects every namespace without a
/// label (`sidecarInjectorWebhook.enableNamespacesByDefault`), as its
/// ConfigMap says.
pub fn injects_by_default(ix: &Index<'_>, cluster: &str, revision: &str) -> bool {
    injector_values(ix, cluster, revision)
        .and_then(|v| {
            v.pointer("/sidecarInjectorWebhook/enableNamespacesByDefault")?
                .as_bool()
        })
        .unwrap_or(false)
}

/// The proxy image the injector of `revision` would inject.
fn injector_image(ix: &Index<'_>, cluster: &str, revision: &str) -> Option<String> {
    let v = injector_values(ix, cluster, revision)?;
    let g = v.get("global")?;
    let image = g.pointer("/proxy/image")?.as_str()?;
    if image.contains('/') {
        return Some(image.to_string());
    }
    let hub = g.get("hub").and_then(Json::as_str).unwrap_or_default();
    let tag = g.get("tag").and_then(Json::as_str).unwrap_or_default();
    Some(format!("{hub}/{image}:{tag}"))
}

/// IST0158: running pods of an injected namespace whose proxy image is not
/// the one the injector now injects (they were injected before an
/// upgrade and need a restart). One finding per namespace, naming the pods.
fn proxy_images(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut stale: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for ((cluster, name), ns) in &ix.namespaces {
        let l = labels(&ns.obj.metadata.labels);
        let revision = match (
            l.get("istio-injection").map(String::as_str),
            l.get(REV_LABEL),
        ) {
            (_, Some(rev)) => rev.as_str(),
            (Some("enabled"), None) => "default",
            _ => continue,
        };
        let Some(expected) = injector_image(ix, cluster, revision) else {
            continue;
        };
        for &i in ix
            .pods_by_ns
            .get(&(*cluster, name.clone()))
            .into_iter()
            .flatten()
        {
            let pod = &ix.pods[i];
            let own_image = pod.annotations.is_some_and(|a| {
                a.get("sidecar.istio.io/proxyImage")
                    .is_some_and(|v| !v.is_empty())
            });
            let Some(spec) = pod.spec.filter(|_| pod.kind == "Pod" && !own_image) else {
                continue;
            };
            let proxy = spec
                .containers
                .iter()
                .chain(spec.init_containers.iter().flatten())
                .find(|c| c.name == "istio-proxy");
            let image = proxy.and_then(|c| c.image.as_deref()).unwrap_or_default();
            // A variant of the image (`-distroless`) is the same release.
            let same = image == expected
                || image
                    .strip_prefix(expected.as_str())
                    .is_some_and(|r| r.starts_with('-') && !r.contains(':'));
            if proxy.is_some() && !same {
                stale
                    .entry((*cluster, name.as_str()))
                    .or_default()
                    .push(pod.name.as_str());
            }
        }
    }
    for ((cluster, ns), mut pods) in stale {
        pods.sort_unstable();
        let Some(n) = ix.namespaces.get(&(cluster, ns.to_string())) else {
            continue;
        };
        out.push(warn(
            codes::IST0158,
            n.path,
            format!(
                "pods of namespace {ns} run a proxy image other than the one the injector now injects: {}",
                pods.join(", ")
            ),
            "restart their workloads (kubectl rollout restart) so they get the current proxy",
        ));
    }
}

/// IST0175: istiod fetches the JWKS of every RequestAuthentication from the
/// URL the policy names; without `BLOCKED_CIDRS_IN_JWKS_URIS` a policy can
/// make it call addresses inside the cluster or the cloud's metadata
/// service.
fn jwks_fetch(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for p in ix.pods.iter().filter(|p| p.kind == "Deployment") {
        let istiod = p
            .meta_labels
            .is_some_and(|l| l.get("app").map(String::as_str) == Some("istiod"));
        if !istiod {
            continue;
        }
        let policies: Vec<String> = ix
            .request_authentications
            .iter()
            .filter(|r| r.cluster == p.cluster)
            .map(|r| format!("{}/{}", r.ns, r.name))
            .collect();
        if policies.is_empty() {
            continue;
        }
        let bounded = p.spec.into_iter().flat_map(|s| &s.containers).any(|c| {
            c.env.iter().flatten().any(|e| {
                e.name == "BLOCKED_CIDRS_IN_JWKS_URIS"
                    && e.value.as_deref().is_some_and(|v| !v.is_empty())
            })
        });
        if bounded {
            continue;
        }
        let shown = if policies.len() > 5 {
            format!(
                "{}, and {} more",
                policies[..5].join(", "),
                policies.len() - 5
            )
        } else {
            policies.join(", ")
        };
        out.push(warn(
            codes::IST0175,
            p.path,
            format!(
                "istiod fetches the JWKS URIs of {} RequestAuthentication(s) ({shown}) with no BLOCKED_CIDRS_IN_JWKS_URIS: a policy can make it call internal addresses",
                policies.len()
            ),
            "set the istiod env BLOCKED_CIDRS_IN_JWKS_URIS (e.g. 169.254.169.254/32,10.0.0.0/8) to the ranges it must never fetch from",
        ));
    }
}

/// IST0157: an access-logging entry with no provider under Istio's default
/// mesh configuration (which names no default access-log provider): it
/// logs nothing.
fn access_log_providers(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for t in &ix.telemetries {
        for (i, l) in t.obj.spec().access_logging.iter().flatten().enumerate() {
            if l.disabled == Some(true) || l.providers.as_ref().is_some_and(|p| !p.is_empty()) {
                continue;
            }
            out.push(warn(
                codes::IST0157,
                t.path,
                format!("spec.accessLogging[{i}] names no provider, and the mesh configuration sets no default one: nothing is logged"),
                "add providers: [{name: envoy}] (or the provider the mesh configuration defines)",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_their_host() {
        assert_eq!(
            url_host("https://istiod.example.com:15017/inject"),
            Some("istiod.example.com")
        );
        assert_eq!(url_host("https://10.0.0.1:15017/inject"), Some("10.0.0.1"));
        assert_eq!(url_host("https://[::1]:443/x"), Some("::1"));
        assert_eq!(url_host("not a url"), None);
        assert_eq!(url_host("https://"), None);
    }

    #[test]
    fn bundle_versions_compare_without_their_prerelease() {
        assert_eq!(semver("v1.4.1"), Some((1, 4, 1)));
        assert_eq!(semver("1.5.0-rc.1"), Some((1, 5, 0)));
        assert_eq!(semver("v1.6"), Some((1, 6, 0)));
        assert_eq!(semver("one"), None);
        assert!(semver("v1.4.1").unwrap() < (1, 5, 0));
    }
}
