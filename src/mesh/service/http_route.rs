//! A `MeshService` routed with the Kubernetes Gateway API: an HTTPRoute
//! attached to the Service for in-mesh traffic (GAMMA: the callers'
//! sidecars apply it, or the waypoint in ambient mode) and one HTTPRoute per
//! ingress Gateway. Versions are reached through a Service each
//! (`<name>-<version>`), since a route's backends are Services, not
//! DestinationRule subsets.
//!
//! Everything is converted before any object is added, so a rule the
//! Gateway API cannot express is one error naming the rule, and nothing is
//! half-built.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::{Error, Scope};
use crate::mesh::gateway_api::{
    http_route_filter, istio_gateway_service_account, HTTPRoute, HTTPRouteMirrorBackendRef,
    HTTPRouteMirrorFraction, HTTPRouteSpec, HTTPRouteSpecParentRefs, HTTPRouteSpecRules,
    HTTPRouteSpecRulesBackendRefs, HTTPRouteSpecRulesFilters,
    HTTPRouteSpecRulesFiltersRequestMirror, HTTPRouteSpecRulesFiltersType,
    HTTPRouteSpecRulesMatches, HTTPRouteSpecRulesMatchesHeaders,
    HTTPRouteSpecRulesMatchesHeadersType, HTTPRouteSpecRulesMatchesMethod,
    HTTPRouteSpecRulesMatchesPath, HTTPRouteSpecRulesMatchesPathType,
    HTTPRouteSpecRulesMatchesQueryParams, HTTPRouteSpecRulesRetry, HTTPRouteSpecRulesTimeouts,
    RoutingApi,
};
use crate::mesh::istio::networking::StringMatch;
use crate::mesh::istio::prelude::*;
use crate::mesh::istio::security::principal;
use crate::mesh::traffic::{Plan, RequestMatch, TrafficRule};

use super::virtual_service::ingress_routes;
use super::{MeshServiceProps, Resilience, TRUST_DOMAIN};

/// The Gateway API allows at most this many rules per HTTPRoute.
const MAX_RULES: usize = 16;
/// ... and this many matches over all rules of one route.
const MAX_MATCHES: usize = 128;

/// The routes of one service, converted and checked, not yet added.
pub(super) struct Routes {
    /// The Service-attached route, then one per ingress Gateway, each with
    /// its construct id.
    routes: Vec<(String, HTTPRoute)>,
    /// The Services the routes send to besides `name`, one per version,
    /// with the version: empty without versions.
    pub(super) version_services: Vec<(String, String)>,
}

/// What a conversion needs to know about the service.
struct Converter<'a> {
    path: &'a str,
    api: RoutingApi,
    name: &'a str,
    port: u16,
    resilience: &'a Resilience,
    /// Versions are routed to through their own Services.
    by_version: bool,
    primary: &'a str,
}

impl Converter<'_> {
    fn err(&self, msg: String, hint: &str) -> Error {
        Error::construct(self.path, msg, hint)
    }

    /// The Service of a version (the service's own without versions).
    fn service(&self, version: &str) -> String {
        if self.by_version {
            format!("{}-{version}", self.name)
        } else {
            self.name.to_string()
        }
    }

    fn backend(&self, version: &str, weight: Option<u32>) -> HTTPRouteSpecRulesBackendRefs {
        HTTPRouteSpecRulesBackendRefs {
            name: self.service(version),
            port: Some(i32::from(self.port)),
            weight: weight.map(|w| w as i32),
            ..Default::default()
        }
    }

    fn rule(&self, r: &TrafficRule, prefixes: &[String]) -> Result<HTTPRouteSpecRules, Error> {
        let rule = format!("traffic rule {:?}", r.name);
        if r.fault.is_some() {
            return Err(self.err(
                format!("{rule} injects a fault, which the Gateway API cannot express (HTTPRoute has no fault filter)"),
                "route this service with RoutingApi::Istio (routing: Some(RoutingApi::Istio)), or drop the fault",
            ));
        }
        let backend_refs = match r.split.as_slice() {
            [] => vec![self.backend(self.primary, None)],
            [(v, _)] => vec![self.backend(v, None)],
            split => split
                .iter()
                .map(|(v, w)| self.backend(v, Some(*w)))
                .collect(),
        };
        let filters = match &r.mirror {
            None => None,
            Some(m) => {
                // Whole percentages as `percent`; finer shares as a fraction
                // of a million (Istio's own mirror precision).
                let (percent, fraction) = if m.percent.fract() == 0.0 {
                    (Some(m.percent as i32), None)
                } else {
                    let numerator = (m.percent * 10_000.0).round() as i32;
                    (
                        None,
                        Some(HTTPRouteMirrorFraction {
                            numerator,
                            denominator: Some(1_000_000),
                        }),
                    )
                };
                Some(vec![HTTPRouteSpecRulesFilters {
                    request_mirror: Some(HTTPRouteSpecRulesFiltersRequestMirror {
                        backend_ref: HTTPRouteMirrorBackendRef {
                            name: self.service(&m.version),
                            port: Some(i32::from(self.port)),
                            ..Default::default()
                        },
                        percent,
                        fraction,
                    }),
                    ..http_route_filter(HTTPRouteSpecRulesFiltersType::RequestMirror)
                }])
            }
        };
        let timeout = r
            .timeout
            .clone()
            .unwrap_or_else(|| self.resilience.timeout.clone());
        let request_ms = self.duration(&format!("the timeout of {rule}"), &timeout)?;
        let per_try = &self.resilience.per_try_timeout;
        let per_try_ms = self.duration("the service's per-try timeout", per_try)?;
        if request_ms != 0 && per_try_ms > request_ms {
            return Err(self.err(
                format!("{rule}: the per-try timeout {per_try} is longer than the request timeout {timeout}, which an HTTPRoute refuses (timeouts.backendRequest > timeouts.request)"),
                "make Resilience::per_try_timeout at most the request timeout",
            ));
        }
        Ok(HTTPRouteSpecRules {
            name: Some(r.name.clone()),
            matches: self.matches(&rule, &r.when, prefixes)?,
            backend_refs: Some(backend_refs),
            filters,
            timeouts: Some(HTTPRouteSpecRulesTimeouts {
                request: Some(timeout),
                backend_request: Some(per_try.clone()),
            }),
            retry: self.retry(&rule, r.retries)?,
            ..Default::default()
        })
    }

    /// A duration in the Gateway API's form (`1h30m`, `500ms`: 1 to 4
    /// whole-number parts), in milliseconds.
    fn duration(&self, what: &str, value: &str) -> Result<u64, Error> {
        let bad = || {
            self.err(
                format!("{what} is {value:?}, which is not a Gateway API duration"),
                "use whole numbers of h, m, s or ms, e.g. \"1500ms\" instead of \"1.5s\"",
            )
        };
        let mut ms: u64 = 0;
        let mut parts = 0;
        let mut rest = value;
        while !rest.is_empty() {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits == 0 || digits > 5 {
                return Err(bad());
            }
            let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let (unit, len) = if rest.starts_with("ms") {
                (1, 2)
            } else if rest.starts_with('h') {
                (3_600_000, 1)
            } else if rest.starts_with('m') {
                (60_000, 1)
            } else if rest.starts_with('s') {
                (1_000, 1)
            } else {
                return Err(bad());
            };
            rest = &rest[len..];
            ms += n * unit;
            parts += 1;
        }
        if parts == 0 || parts > 4 {
            return Err(bad());
        }
        Ok(ms)
    }

    /// The retry policy: the experimental channel's `retry`, or nothing
    /// (Istio's default policy) on the standard channel, where a policy of
    /// the service's own is refused rather than dropped.
    fn retry(
        &self,
        rule: &str,
        attempts: Option<i32>,
    ) -> Result<Option<HTTPRouteSpecRulesRetry>, Error> {
        let res = self.resilience;
        let defaults = Resilience::default();
        if self.api == RoutingApi::GatewayApi {
            if let Some(n) = attempts {
                return Err(self.err(
                    format!("{rule} sets {n} retries, but HTTPRoute has no retry policy in the Gateway API standard channel"),
                    "use RoutingApi::GatewayApiExperimental (with the experimental CRDs installed), or drop the rule's retries (Istio's default policy applies)",
                ));
            }
            if res.retries != defaults.retries || res.retry_on != defaults.retry_on {
                return Err(self.err(
                    format!("the service sets its own retries ({} on {:?}), but HTTPRoute has no retry policy in the Gateway API standard channel", res.retries, res.retry_on),
                    "use RoutingApi::GatewayApiExperimental (with the experimental CRDs installed), or keep Resilience's default retries (Istio's default policy applies)",
                ));
            }
            return Ok(None);
        }
        let n = attempts.unwrap_or(res.retries);
        if n < 1 {
            return Err(self.err(
                format!("{rule} turns retries off, which an HTTPRoute cannot say (retry.attempts is at least 1)"),
                "route this service with RoutingApi::Istio, or allow at least one retry",
            ));
        }
        Ok(Some(HTTPRouteSpecRulesRetry {
            attempts: Some(i64::from(n)),
            codes: Some(self.retry_codes(&res.retry_on)?),
            backoff: None,
        }))
    }

    /// Envoy's `retry_on` conditions as HTTPRoute status codes. Connection
    /// failures and resets are retried by Istio's HTTPRoute translation
    /// itself; `5xx` becomes the four codes every implementation must
    /// retry (500, 502, 503, 504).
    fn retry_codes(&self, retry_on: &str) -> Result<Vec<u16>, Error> {
        let mut codes: Vec<u16> = Vec::new();
        for cond in retry_on.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            match cond {
                "5xx" => codes.extend([500, 502, 503, 504]),
                "gateway-error" => codes.extend([502, 503, 504]),
                "retriable-4xx" => codes.push(409),
                "reset" | "connect-failure" | "refused-stream" | "unavailable" | "cancelled"
                | "retriable-status-codes" => {}
                c => match c.parse::<u16>() {
                    Ok(code) if (400..=599).contains(&code) => codes.push(code),
                    _ => {
                        return Err(self.err(
                            format!("Resilience::retry_on names {c:?}, which HTTPRoute retries cannot express"),
                            "keep to 5xx, gateway-error, retriable-4xx, reset, connect-failure and status codes 400-599, or route with RoutingApi::Istio",
                        ))
                    }
                },
            }
        }
        codes.sort_unstable();
        codes.dedup();
        Ok(codes)
    }

    /// A rule's conditions, combined with each ingress prefix (as the
    /// Istio form does).
    fn matches(
        &self,
        rule: &str,
        when: &[RequestMatch],
        prefixes: &[String],
    ) -> Result<Option<Vec<HTTPRouteSpecRulesMatches>>, Error> {
        let base = self.match_of(rule, when)?;
        if prefixes.is_empty() {
            return Ok((!when.is_empty()).then(|| vec![base]));
        }
        if base.path.is_some() {
            return Ok(Some(vec![base]));
        }
        Ok(Some(
            prefixes
                .iter()
                .map(|p| HTTPRouteSpecRulesMatches {
                    path: Some(HTTPRouteSpecRulesMatchesPath {
                        r#type: Some(HTTPRouteSpecRulesMatchesPathType::PathPrefix),
                        value: Some(p.clone()),
                    }),
                    ..base.clone()
                })
                .collect(),
        ))
    }

    fn match_of(
        &self,
        rule: &str,
        when: &[RequestMatch],
    ) -> Result<HTTPRouteSpecRulesMatches, Error> {
        let mut m = HTTPRouteSpecRulesMatches::default();
        for c in when {
            match c {
                RequestMatch::Header(n, v) => {
                    let (r#type, value) = self.value_match(rule, &format!("header {n:?}"), v)?;
                    m.headers
                        .get_or_insert_with(Vec::new)
                        .push(HTTPRouteSpecRulesMatchesHeaders {
                            name: n.clone(),
                            r#type: Some(r#type),
                            value,
                        });
                }
                RequestMatch::QueryParam(n, v) => {
                    let (r#type, value) =
                        self.value_match(rule, &format!("query parameter {n:?}"), v)?;
                    m.query_params.get_or_insert_with(Vec::new).push(
                        HTTPRouteSpecRulesMatchesQueryParams {
                            name: n.clone(),
                            r#type: Some(r#type),
                            value,
                        },
                    );
                }
                RequestMatch::Uri(v) => {
                    let (r#type, value) = match v.form() {
                        Some(("exact", v)) => (HTTPRouteSpecRulesMatchesPathType::Exact, v),
                        Some(("prefix", v)) => (HTTPRouteSpecRulesMatchesPathType::PathPrefix, v),
                        Some((_, v)) => (HTTPRouteSpecRulesMatchesPathType::RegularExpression, v),
                        None => return Err(self.empty_match(rule, "the path")),
                    };
                    m.path = Some(HTTPRouteSpecRulesMatchesPath {
                        r#type: Some(r#type),
                        value: Some(value.to_string()),
                    });
                }
                RequestMatch::Method(v) => {
                    let method = serde_json::from_value::<HTTPRouteSpecRulesMatchesMethod>(
                        serde_json::Value::String(v.to_ascii_uppercase()),
                    )
                    .map_err(|_| {
                        self.err(
                            format!("{rule} matches method {v:?}, which HTTPRoute cannot match"),
                            "use one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH",
                        )
                    })?;
                    m.method = Some(method);
                }
            }
        }
        Ok(m)
    }

    /// A header or query-parameter match. HTTPRoute has exact and regular
    /// expression matches; a prefix becomes the regular expression that
    /// means the same (Istio's regexes match the whole value).
    fn value_match(
        &self,
        rule: &str,
        what: &str,
        v: &StringMatch,
    ) -> Result<(HTTPRouteSpecRulesMatchesHeadersType, String), Error> {
        match v.form() {
            Some(("exact", v)) => Ok((HTTPRouteSpecRulesMatchesHeadersType::Exact, v.into())),
            Some(("prefix", v)) => Ok((
                HTTPRouteSpecRulesMatchesHeadersType::RegularExpression,
                format!("{}.*", regex::escape(v)),
            )),
            Some((_, v)) => Ok((
                HTTPRouteSpecRulesMatchesHeadersType::RegularExpression,
                v.into(),
            )),
            None => Err(self.empty_match(rule, what)),
        }
    }

    fn empty_match(&self, rule: &str, what: &str) -> Error {
        self.err(
            format!("{rule} matches {what} with an empty string match"),
            "set exact, prefix or regex",
        )
    }

    /// One HTTPRoute's rules, checked against the Gateway API's limits.
    fn rules(
        &self,
        route: &str,
        rules: &[TrafficRule],
        prefixes: &[String],
    ) -> Result<Vec<HTTPRouteSpecRules>, Error> {
        if rules.len() > MAX_RULES {
            return Err(self.err(
                format!(
                    "route {route} would have {} rules; an HTTPRoute allows {MAX_RULES}",
                    rules.len()
                ),
                "merge traffic rules, or route with RoutingApi::Istio",
            ));
        }
        let out: Vec<HTTPRouteSpecRules> = rules
            .iter()
            .map(|r| self.rule(r, prefixes))
            .collect::<Result<_, _>>()?;
        let matches: usize = out
            .iter()
            .map(|r| r.matches.as_ref().map_or(0, Vec::len))
            .sum();
        if matches > MAX_MATCHES {
            return Err(self.err(
                format!("route {route} would have {matches} matches (rules × ingress prefixes); an HTTPRoute allows {MAX_MATCHES}"),
                "use fewer ingress prefixes or conditions",
            ));
        }
        Ok(out)
    }
}

fn route(name: String, spec: HTTPRouteSpec) -> HTTPRoute {
    HTTPRoute {
        metadata: ObjectMeta {
            name: Some(name),
            ..Default::default()
        },
        spec,
        status: None,
    }
}

/// `name` or `namespace/name` as a parentRef to a Gateway.
fn gateway_parent(gateway: &str) -> HTTPRouteSpecParentRefs {
    let (namespace, name) = match gateway.split_once('/') {
        Some((ns, n)) => (Some(ns.to_string()), n.to_string()),
        None => (None, gateway.to_string()),
    };
    HTTPRouteSpecParentRefs {
        name,
        namespace,
        ..Default::default()
    }
}

/// Converts the service's routing; `plan` is its composed traffic (none:
/// every request to the primary version).
pub(super) fn build(
    path: &str,
    api: RoutingApi,
    props: &MeshServiceProps,
    service_port: u16,
    plan: Option<&Plan<'_>>,
) -> Result<Routes, Error> {
    let name = props.name.as_str();
    let by_version = !props.versions.is_empty();
    let c = Converter {
        path,
        api,
        name,
        port: service_port,
        resilience: &props.resilience,
        by_version,
        primary: &props.version,
    };
    let default_rule = |rule: &str| vec![TrafficRule::new(rule)];
    let mesh_rules = plan.map_or_else(|| default_rule("primary"), |p| p.rules().to_vec());
    let ingress_rules = plan.map_or_else(|| default_rule("ingress"), |p| p.rules().to_vec());
    let mut routes = vec![(
        "HttpRoute".to_string(),
        route(
            name.to_string(),
            HTTPRouteSpec {
                parent_refs: Some(vec![HTTPRouteSpecParentRefs {
                    group: Some(String::new()),
                    kind: Some("Service".into()),
                    name: name.to_string(),
                    port: Some(i32::from(service_port)),
                    ..Default::default()
                }]),
                rules: Some(c.rules(name, &mesh_rules, &[])?),
                ..Default::default()
            },
        ),
    )];
    for (gi, (gw, route_name)) in ingress_routes(name, &props.routes).into_iter().enumerate() {
        let rs: Vec<_> = props.routes.iter().filter(|r| r.gateway == gw).collect();
        let mut hosts: Vec<String> = rs.iter().flat_map(|r| r.hosts.clone()).collect();
        hosts.sort();
        hosts.dedup();
        let prefixes: Vec<String> = rs.iter().map(|r| r.prefix.clone()).collect();
        let id = if gi == 0 {
            "IngressHttpRoute".to_string()
        } else {
            format!("IngressHttpRoute{gi}")
        };
        let rules = c.rules(&route_name, &ingress_rules, &prefixes)?;
        routes.push((
            id,
            route(
                route_name,
                HTTPRouteSpec {
                    parent_refs: Some(vec![gateway_parent(&gw)]),
                    hostnames: (!hosts.is_empty()).then_some(hosts),
                    rules: Some(rules),
                    ..Default::default()
                },
            ),
        ));
    }
    let version_services = if by_version {
        std::iter::once(props.version.clone())
            .chain(props.versions.iter().map(|v| v.name.clone()))
            .map(|v| (c.service(&v), v))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Routes {
        routes,
        version_services,
    })
}

impl Routes {
    /// Adds the routes.
    pub(super) fn add(self, s: &mut Scope<'_>) -> Result<(), Error> {
        for (id, r) in self.routes {
            crate::mesh::add_object(s, &id, r)?;
        }
        Ok(())
    }
}

/// The identities of the ingress gateways the routes go through: Istio's
/// ingress gateway for Istio routing, and for Gateway API routing the
/// account Istio gives each Gateway's pods (`<gateway>-istio`, in the
/// Gateway's namespace).
pub(super) fn gateway_principals(
    api: RoutingApi,
    props: &MeshServiceProps,
    namespace: &str,
) -> Vec<String> {
    if props.routes.is_empty() {
        return Vec::new();
    }
    if !api.is_gateway_api() {
        return vec![super::INGRESS_GATEWAY_PRINCIPAL.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    for (gw, _) in ingress_routes(&props.name, &props.routes) {
        let (ns, name) = gw.split_once('/').unwrap_or((namespace, gw.as_str()));
        let p = principal(TRUST_DOMAIN, ns, &istio_gateway_service_account(name));
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The namespaces of the Gateway API gateways of the routes (the
/// service's own for an unqualified one), for the NetworkPolicy.
pub(super) fn gateway_namespaces(props: &MeshServiceProps, namespace: &str) -> Vec<String> {
    let mut out: Vec<String> = props
        .routes
        .iter()
        .map(|r| {
            r.gateway
                .split_once('/')
                .map_or(namespace, |(ns, _)| ns)
                .to_string()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Labels of a version's Service: the service's, selecting one version.
pub(super) fn version_selector(name: &str, version: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app".to_string(), name.to_string()),
        ("version".to_string(), version.to_string()),
    ])
}
