//! Composed traffic management for `MeshService`: versions of a service run
//! side by side, and ordered rules that split, match, mirror and inject
//! faults. The rules become the HTTP routes of the service's
//! VirtualServices (in-mesh and ingress) and the versions its
//! DestinationRule subsets, so a 98/2 canary with an `iOS` header route needs
//! no hand-built Istio object.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::istio::networking::{StringMatch, StringMatchExt};
//! use meshsynth::mesh::traffic::{ServiceVersion, TrafficRule};
//!
//! let versions = vec![ServiceVersion::new("v2", "registry.example.com/acme/orders:1.5.0")];
//! let traffic = vec![
//!     // iOS clients always see v2; first match wins.
//!     TrafficRule::new("ios").header("user-agent", StringMatch::regex(".*iOS.*")).to("v2"),
//!     // Everyone else: 98/2, with 10 % of requests mirrored to v2.
//!     TrafficRule::new("default").split([("v1", 98), ("v2", 2)]).mirror("v2", 10.0),
//! ];
//! # let _ = (versions, traffic);
//! ```

use std::collections::BTreeMap;

use crate::core::names::validate_dns1123_label;
use crate::core::Error;
use crate::mesh::istio::networking::{
    Destination, FaultAbort, FaultDelay, HttpFaultInjection, HttpMatchRequest, HttpRetry,
    HttpRoute, HttpRouteDestination, Percent, StringMatch, Subset,
};
use crate::mesh::istio::prelude::*;

/// Another version of a service's pods, run beside the primary one as its
/// own Deployment `<name>-<version>`, labelled `version: <version>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceVersion {
    /// The `version` label and subset name, e.g. `v2`; a DNS-1123 label.
    /// Required (no default).
    pub name: String,
    /// The pinned image of this version. Required (no default).
    pub image: String,
    /// Replicas; autoscaling applies to the primary version only.
    /// Default: 1.
    pub replicas: i32,
    /// Environment variables. Default: none (the primary version's are not
    /// copied, so a version's settings are stated where they differ).
    pub env: Vec<(String, String)>,
}

impl ServiceVersion {
    /// A version with one replica and no environment.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> Self {
        ServiceVersion {
            name: name.into(),
            image: image.into(),
            replicas: 1,
            env: Vec::new(),
        }
    }
}

/// One condition on a request. All conditions of a rule must hold.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestMatch {
    /// A request header (name in lower case, e.g. `user-agent`).
    Header(String, StringMatch),
    /// The request path. On ingress routes it replaces the route's prefix.
    Uri(StringMatch),
    /// The HTTP method, e.g. `GET`.
    Method(String),
    /// A query parameter.
    QueryParam(String, StringMatch),
}

/// Copies a share of the rule's requests to a version; responses of the
/// copy are discarded.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirror {
    /// The version that receives the copies. Required (no default).
    pub version: String,
    /// Share of requests copied, 0 to 100. Required (no default).
    pub percent: f64,
}

/// Injected faults, for resilience testing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fault {
    /// A fixed delay (e.g. `5s`) added to this share (0–100) of requests.
    /// Default: none.
    pub delay: Option<(String, f64)>,
    /// An HTTP status returned instead of forwarding, for this share (0–100)
    /// of requests. Default: none.
    pub abort: Option<(u16, f64)>,
}

/// An ordered traffic rule of a `MeshService`: the first rule whose
/// conditions all hold takes the request. A rule without conditions takes
/// every request and must come last; when no such rule is given, one named
/// `primary` sends the rest to the primary version.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficRule {
    /// The route name, shown in access logs and metrics; a DNS-1123 label,
    /// unique within the service. Required (no default).
    pub name: String,
    /// Conditions that must all hold. Default: none (every request).
    pub when: Vec<RequestMatch>,
    /// Versions and their weights, summing to 100. Default: empty, which
    /// sends everything to the primary version.
    pub split: Vec<(String, u32)>,
    /// Requests copied to a version. Default: none.
    pub mirror: Option<Mirror>,
    /// Injected faults. Default: none.
    pub fault: Option<Fault>,
    /// Request timeout. Default: the service's `Resilience::timeout`.
    pub timeout: Option<String>,
    /// Retry attempts (0 turns retries off). Default: the service's
    /// `Resilience::retries`.
    pub retries: Option<i32>,
}

impl TrafficRule {
    /// A rule that takes every request to the primary version; refine it
    /// with the builder methods.
    pub fn new(name: impl Into<String>) -> Self {
        TrafficRule {
            name: name.into(),
            when: Vec::new(),
            split: Vec::new(),
            mirror: None,
            fault: None,
            timeout: None,
            retries: None,
        }
    }
    /// Adds a header condition.
    pub fn header(mut self, name: impl Into<String>, value: StringMatch) -> Self {
        self.when.push(RequestMatch::Header(name.into(), value));
        self
    }
    /// Adds a path condition.
    pub fn uri(mut self, value: StringMatch) -> Self {
        self.when.push(RequestMatch::Uri(value));
        self
    }
    /// Sends every request the rule takes to one version.
    pub fn to(mut self, version: impl Into<String>) -> Self {
        self.split = vec![(version.into(), 100)];
        self
    }
    /// Splits the rule's requests by weight (summing to 100).
    pub fn split<S: Into<String>>(mut self, split: impl IntoIterator<Item = (S, u32)>) -> Self {
        self.split = split.into_iter().map(|(v, w)| (v.into(), w)).collect();
        self
    }
    /// Mirrors `percent` of the rule's requests to a version.
    pub fn mirror(mut self, version: impl Into<String>, percent: f64) -> Self {
        self.mirror = Some(Mirror {
            version: version.into(),
            percent,
        });
        self
    }
    /// Delays `percent` of the rule's requests by `delay` (e.g. `5s`).
    pub fn delay(mut self, delay: impl Into<String>, percent: f64) -> Self {
        self.fault.get_or_insert_with(Fault::default).delay = Some((delay.into(), percent));
        self
    }
    /// Answers `percent` of the rule's requests with `status`.
    pub fn abort(mut self, status: u16, percent: f64) -> Self {
        self.fault.get_or_insert_with(Fault::default).abort = Some((status, percent));
        self
    }
    /// Sets the rule's timeout (e.g. `3s`).
    pub fn timeout(mut self, timeout: impl Into<String>) -> Self {
        self.timeout = Some(timeout.into());
        self
    }
}

/// The validated traffic plan of one service: what the VirtualServices and
/// the DestinationRule need.
pub(crate) struct Plan<'a> {
    primary: &'a str,
    versions: Vec<&'a str>,
    rules: Vec<TrafficRule>,
}

impl<'a> Plan<'a> {
    /// Checks the versions and rules; `path` names the service in errors.
    pub(crate) fn new(
        path: &str,
        primary: &'a str,
        versions: &'a [ServiceVersion],
        rules: &[TrafficRule],
    ) -> Result<Plan<'a>, Error> {
        let mut check = Checker {
            path,
            versions: vec![primary],
        };
        for v in versions {
            check.version(v)?;
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if seen.contains(&r.name.as_str()) {
                return Err(check.err(
                    format!("traffic rule {:?} is declared twice", r.name),
                    "give each rule its own name",
                ));
            }
            seen.push(&r.name);
            check.rule(r, i + 1 == rules.len())?;
        }
        let mut rules = rules.to_vec();
        if rules.last().is_none_or(|r| !r.when.is_empty()) {
            rules.push(TrafficRule::new("primary"));
        }
        Ok(Plan {
            primary,
            versions: check.versions,
            rules,
        })
    }

    /// The rules in order, ending with the one that takes the rest.
    pub(crate) fn rules(&self) -> &[TrafficRule] {
        &self.rules
    }

    /// One subset per version, selected by its `version` label.
    pub(crate) fn subsets(&self) -> Vec<Subset> {
        self.versions
            .iter()
            .map(|v| Subset {
                name: v.to_string(),
                labels: Some(BTreeMap::from([("version".to_string(), v.to_string())])),
                traffic_policy: None,
            })
            .collect()
    }

    /// The HTTP routes, in rule order. `prefixes` are the ingress routes'
    /// URI prefixes (empty for the in-mesh VirtualService): every condition
    /// set is combined with each of them.
    pub(crate) fn routes(
        &self,
        dest: &Destination,
        prefixes: &[String],
        timeout: &str,
        retries: &HttpRetry,
    ) -> Vec<HttpRoute> {
        self.rules
            .iter()
            .map(|r| {
                let to = |v: &str| dest.clone().subset(v);
                let route = if r.split.is_empty() {
                    vec![HttpRouteDestination::to(to(self.primary))]
                } else if r.split.len() == 1 {
                    vec![HttpRouteDestination::to(to(&r.split[0].0))]
                } else {
                    r.split
                        .iter()
                        .map(|(v, w)| HttpRouteDestination::weighted(to(v), *w as i32))
                        .collect()
                };
                let matches = matches_for(&r.when, prefixes);
                let retries = match r.retries {
                    Some(attempts) => HttpRetry {
                        attempts: Some(attempts),
                        ..retries.clone()
                    },
                    None => retries.clone(),
                };
                HttpRoute {
                    name: Some(r.name.clone()),
                    r#match: (!matches.is_empty()).then_some(matches),
                    route: Some(route),
                    timeout: Some(r.timeout.clone().unwrap_or_else(|| timeout.to_string())),
                    retries: Some(retries),
                    fault: r.fault.as_ref().map(|f| HttpFaultInjection {
                        delay: f.delay.as_ref().map(|(d, p)| FaultDelay {
                            fixed_delay: Some(d.clone()),
                            percentage: Some(Percent::new(*p)),
                            ..Default::default()
                        }),
                        abort: f.abort.as_ref().map(|(s, p)| FaultAbort {
                            http_status: Some(i32::from(*s)),
                            percentage: Some(Percent::new(*p)),
                            ..Default::default()
                        }),
                    }),
                    mirror: r.mirror.as_ref().map(|m| to(&m.version)),
                    mirror_percentage: r.mirror.as_ref().map(|m| Percent::new(m.percent)),
                    ..Default::default()
                }
            })
            .collect()
    }
}

/// The checks of `Plan::new`, each a one-line error naming the service.
struct Checker<'p, 'a> {
    path: &'p str,
    /// The versions declared so far, the primary first.
    versions: Vec<&'a str>,
}

impl<'a> Checker<'_, 'a> {
    fn err(&self, msg: String, hint: &str) -> Error {
        Error::construct(self.path, msg, hint)
    }

    fn version(&mut self, v: &'a ServiceVersion) -> Result<(), Error> {
        validate_dns1123_label(&v.name)
            .map_err(|e| self.err(format!("version name: {e}"), "use e.g. \"v2\""))?;
        if self.versions.contains(&v.name.as_str()) {
            return Err(self.err(
                format!("version {:?} is declared twice", v.name),
                "give each version (and the primary `version`) its own name",
            ));
        }
        if v.replicas < 0 {
            return Err(self.err(
                format!("version {:?} has {} replicas", v.name, v.replicas),
                "use 0 or more replicas",
            ));
        }
        self.versions.push(&v.name);
        Ok(())
    }

    /// `what` of `rule` (e.g. "sends traffic to") names a declared version.
    fn known(&self, rule: &str, what: &str, version: &str) -> Result<(), Error> {
        if self.versions.contains(&version) {
            return Ok(());
        }
        Err(self.err(
            format!("{rule} {what} version {version:?}, which the service does not run"),
            &format!(
                "add it to `versions`, or use one of: {}",
                self.versions.join(", ")
            ),
        ))
    }

    fn percent(&self, what: String, p: f64) -> Result<(), Error> {
        if (0.0..=100.0).contains(&p) {
            Ok(())
        } else {
            Err(self.err(
                format!("{what} is {p} %, outside 0–100"),
                "give a percentage between 0 and 100",
            ))
        }
    }

    fn rule(&self, r: &TrafficRule, last: bool) -> Result<(), Error> {
        let rule = format!("traffic rule {:?}", r.name);
        validate_dns1123_label(&r.name).map_err(|e| {
            self.err(
                format!("traffic rule name: {e}"),
                "use e.g. \"ios\" or \"default\"",
            )
        })?;
        if r.name == "primary" && !r.when.is_empty() {
            return Err(self.err(
                format!("{rule} has conditions, but `primary` names the rule that takes the rest"),
                "rename the rule, e.g. \"ios\"",
            ));
        }
        if r.when.is_empty() && !last {
            return Err(self.err(
                format!("{rule} has no conditions, so the rules after it never apply"),
                "move the rule without conditions to the end",
            ));
        }
        for (v, _) in &r.split {
            self.known(&rule, "sends traffic to", v)?;
        }
        let sum: u32 = r.split.iter().map(|(_, w)| w).sum();
        if !r.split.is_empty() && sum != 100 {
            return Err(self.err(
                format!("{rule} has weights summing to {sum}"),
                "make the weights of a split sum to 100",
            ));
        }
        if let Some(m) = &r.mirror {
            self.known(&rule, "mirrors to", &m.version)?;
            self.percent(format!("the mirror share of {rule}"), m.percent)?;
        }
        let Some(f) = &r.fault else {
            return Ok(());
        };
        if f.delay.is_none() && f.abort.is_none() {
            return Err(self.err(
                format!("{rule} has a fault with neither a delay nor an abort"),
                "set delay or abort, or remove the fault",
            ));
        }
        if let Some((_, p)) = &f.delay {
            self.percent(format!("the delayed share of {rule}"), *p)?;
        }
        if let Some((status, p)) = &f.abort {
            if !(200..=599).contains(status) {
                return Err(self.err(
                    format!("{rule} aborts with HTTP status {status}"),
                    "use a status between 200 and 599, e.g. 503",
                ));
            }
            self.percent(format!("the aborted share of {rule}"), *p)?;
        }
        Ok(())
    }
}

/// The match list of a rule. In an ingress VirtualService (`prefixes` not
/// empty) the rule's conditions hold within each route prefix, unless the
/// rule matches the URI itself.
pub(crate) fn matches_for(when: &[RequestMatch], prefixes: &[String]) -> Vec<HttpMatchRequest> {
    let base = match_request(when);
    if prefixes.is_empty() {
        return if when.is_empty() {
            Vec::new()
        } else {
            vec![base]
        };
    }
    if base.uri.is_some() {
        return vec![base];
    }
    prefixes
        .iter()
        .map(|p| HttpMatchRequest {
            uri: Some(StringMatch::prefix(p.clone())),
            ..base.clone()
        })
        .collect()
}

fn match_request(when: &[RequestMatch]) -> HttpMatchRequest {
    let mut m = HttpMatchRequest::default();
    for c in when {
        match c {
            RequestMatch::Header(n, v) => {
                m.headers
                    .get_or_insert_with(BTreeMap::new)
                    .insert(n.clone(), v.clone());
            }
            RequestMatch::Uri(v) => m.uri = Some(v.clone()),
            RequestMatch::Method(v) => m.method = Some(StringMatch::exact(v.clone())),
            RequestMatch::QueryParam(n, v) => {
                m.query_params
                    .get_or_insert_with(BTreeMap::new)
                    .insert(n.clone(), v.clone());
            }
        }
    }
    m
}
