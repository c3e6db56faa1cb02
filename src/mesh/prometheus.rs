//! Prometheus operator `monitoring.coreos.com/v1` (construct layer, on the
//! generated PrometheusRule): an SLO builder that turns an
//! objective ("99.5 % availability over 30 days", "p99 < 500 ms") into
//! recording rules plus multi-window, multi-burn-rate alerts (the SRE
//! workbook method, chapter 5).
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshNamespace, MeshNamespaceProps};
//! use meshsynth::mesh::prometheus::{Sli, SloProps, SloRules};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Slo", ChartProps::new("acme-prod").namespace("monitoring"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace", MeshNamespaceProps { name: "monitoring".into(), ..Default::default() })?;
//!     // "99.5 % of checkout requests succeed over 30 days": recording rules plus
//!     // multi-window, multi-burn-rate alerts.
//!     SloRules::new(&mut c, "Checkout", "checkout-slo", &[SloProps {
//!         name: "checkout-availability".into(),
//!         service: "checkout".into(),
//!         namespace: "shop".into(),
//!         sli: Sli::Availability,
//!         objective_percent: 99.5,
//!         window_days: 30,
//!     }])?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! assert_eq!(synth.objects_of_kind("PrometheusRule").len(), 1);
//! ```

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::{Error, ObjectRef, Scope};

/// The prometheus-operator kinds the SLO builder writes, generated from
/// the operator's CRDs (`k8s::crd::types::prometheus_operator`): every
/// field. A ServiceMonitor is added with `mesh::add_object`; the other
/// kinds (PodMonitor, Probe, …) come with the `crd-prometheus-operator`
/// feature.
pub use crate::k8s::crd::types::prometheus_operator::monitoring_v1::{
    PrometheusRule, PrometheusRuleSpec, PrometheusRuleSpecGroups as RuleGroup,
    PrometheusRuleSpecGroupsRules as PromRule, ServiceMonitor, ServiceMonitorSpec,
    ServiceMonitorSpecEndpoints as Endpoint,
    ServiceMonitorSpecNamespaceSelector as NamespaceSelector,
};
/// The selector of a ServiceMonitor (k8s-openapi's, as the CRD embeds it).
pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// A recording rule: `record: name`, `expr`.
pub fn recording_rule(name: impl Into<String>, expr: impl Into<String>) -> PromRule {
    PromRule {
        record: Some(name.into()),
        expr: IntOrString::String(expr.into()),
        ..Default::default()
    }
}

/// A rule's expression as text (the CRD also allows a bare number).
pub fn expr_text(rule: &PromRule) -> String {
    match &rule.expr {
        IntOrString::String(s) => s.clone(),
        IntOrString::Int(i) => i.to_string(),
    }
}

/// Istio's default request-duration histogram buckets (milliseconds).
pub const ISTIO_DURATION_BUCKETS_MS: &[u64] = &[
    1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    1800000, 3600000,
];

/// What an SLO measures.
#[derive(Debug, Clone, PartialEq)]
pub enum Sli {
    /// Share of requests that are not 5xx.
    Availability,
    /// Share of requests faster than `threshold_ms` (an Istio bucket bound).
    Latency {
        /// The latency bound in milliseconds; one of Istio's histogram buckets.
        threshold_ms: u64,
    },
}

/// One service-level objective.
#[derive(Debug, Clone, PartialEq)]
pub struct SloProps {
    /// Name used in rule labels (`slo="…"`); a DNS-1123 label. Required (no default).
    pub name: String,
    /// The Istio destination service name. Required (no default).
    pub service: String,
    /// The destination service's namespace. Required (no default).
    pub namespace: String,
    /// What is measured: availability or latency. Required (no default).
    pub sli: Sli,
    /// Target percentage, strictly between 0 and 100 (e.g. 99.5; 99 for p99). Required (no
    /// default).
    pub objective_percent: f64,
    /// Compliance window in days; 0 is refused. Required (no default; the reference apps use
    /// 30).
    pub window_days: u32,
}

/// Burn-rate alert pairs of the SRE workbook: (long window, short window,
/// share of the error budget spent in the long window, severity).
const BURN_WINDOWS: &[(&str, &str, f64, &str)] = &[
    ("1h", "5m", 0.02, "critical"),
    ("6h", "30m", 0.05, "critical"),
    ("1d", "2h", 0.10, "warning"),
    ("3d", "6h", 0.10, "warning"),
];

fn window_hours(w: &str) -> f64 {
    let (n, unit) = w.split_at(w.len() - 1);
    // Invariant: only the literals of BURN_WINDOWS and RATE_WINDOWS reach here.
    let n: f64 = n.parse().expect("window literal");
    match unit {
        "m" => n / 60.0,
        "h" => n,
        _ => n * 24.0,
    }
}

const RATE_WINDOWS: &[&str] = &["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// Formats a float without trailing zeros, for readable PromQL.
fn num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl SloProps {
    fn check(&self, path: &str) -> Result<(), Error> {
        if !(self.objective_percent > 0.0 && self.objective_percent < 100.0) {
            return Err(Error::construct(
                path,
                format!(
                    "SLO {}: objective {} % is outside (0, 100)",
                    self.name, self.objective_percent
                ),
                "an objective is a percentage strictly between 0 and 100, e.g. 99.5",
            ));
        }
        if self.window_days == 0 {
            return Err(Error::construct(
                path,
                format!("SLO {}: the window must be at least one day", self.name),
                "use e.g. 30 days",
            ));
        }
        if let Sli::Latency { threshold_ms } = self.sli {
            if !ISTIO_DURATION_BUCKETS_MS.contains(&threshold_ms) {
                return Err(Error::construct(
                    path,
                    format!(
                        "SLO {}: {threshold_ms} ms is not a bucket bound of istio_request_duration_milliseconds",
                        self.name
                    ),
                    format!("use one of {ISTIO_DURATION_BUCKETS_MS:?}"),
                ));
            }
        }
        Ok(())
    }

    fn selector(&self) -> String {
        format!(
            "reporter=\"destination\",destination_service_name=\"{}\",destination_service_namespace=\"{}\"",
            self.service, self.namespace
        )
    }

    /// The error-ratio expression over one rate window.
    fn error_ratio(&self, w: &str) -> String {
        let sel = self.selector();
        match self.sli {
            Sli::Availability => format!(
                "sum(rate(istio_requests_total{{{sel},response_code=~\"5..\"}}[{w}])) / sum(rate(istio_requests_total{{{sel}}}[{w}]))"
            ),
            Sli::Latency { threshold_ms } => format!(
                "1 - (sum(rate(istio_request_duration_milliseconds_bucket{{{sel},le=\"{threshold_ms}\"}}[{w}])) / sum(rate(istio_request_duration_milliseconds_count{{{sel}}}[{w}])))"
            ),
        }
    }

    /// Recording rules and burn-rate alerts for this objective.
    pub fn rules(&self, path: &str) -> Result<RuleGroup, Error> {
        self.check(path)?;
        let labels = BTreeMap::from([("slo".to_string(), self.name.clone())]);
        let mut rules = Vec::new();
        for w in RATE_WINDOWS {
            rules.push(PromRule {
                record: Some(format!("slo:sli_error:ratio_rate{w}")),
                expr: IntOrString::String(self.error_ratio(w)),
                labels: Some(labels.clone()),
                ..Default::default()
            });
        }
        if let Sli::Latency { .. } = self.sli {
            let sel = self.selector();
            rules.push(PromRule {
                record: Some("slo:latency_p99:ms_rate5m".into()),
                expr: IntOrString::String(format!(
                    "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{{{sel}}}[5m])) by (le))"
                )),
                labels: Some(labels.clone()),
                ..Default::default()
            });
        }
        let budget = 1.0 - self.objective_percent / 100.0;
        let window_h = f64::from(self.window_days) * 24.0;
        for (long, short, spent, severity) in BURN_WINDOWS {
            // Burn rate that spends `spent` of the budget within `long`.
            let burn = spent * window_h / window_hours(long);
            let threshold = num(burn * budget);
            let name = format!("{}ErrorBudgetBurn{long}", camel(&self.name));
            let mut l = labels.clone();
            l.insert("severity".into(), (*severity).into());
            l.insert("long_window".into(), (*long).into());
            rules.push(PromRule {
                alert: Some(name),
                expr: IntOrString::String(format!(
                    "slo:sli_error:ratio_rate{long}{{slo=\"{n}\"}} > {threshold} and slo:sli_error:ratio_rate{short}{{slo=\"{n}\"}} > {threshold}",
                    n = self.name
                )),
                r#for: Some(if *severity == "critical" { "2m" } else { "15m" }.into()),
                labels: Some(l),
                annotations: Some(BTreeMap::from([(
                    "summary".to_string(),
                    format!(
                        "{}: error budget of the {} % objective burning {}x over {long} (and {short})",
                        self.service,
                        num(self.objective_percent),
                        num(burn)
                    ),
                )])),
                ..Default::default()
            });
        }
        Ok(RuleGroup {
            name: format!("slo-{}", self.name),
            interval: Some("30s".into()),
            rules: Some(rules),
            ..Default::default()
        })
    }
}

/// Names for the simple threshold form of an objective, as hand-written
/// rule files use them (e.g. `availability:success_rate_5m` and
/// `AvailabilitySLOViolation`).
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdNames {
    /// The 5-minute recording rule.
    pub record: String,
    /// The alert on it.
    pub alert: String,
}

impl SloProps {
    /// The simple threshold form, besides the burn-rate rules: a 5-minute
    /// recording rule (availability: non-5xx share; latency: p99 in ms) and a
    /// critical alert after 5 minutes (availability: its 1h average below the
    /// objective; latency: above the threshold).
    pub fn threshold_rules(
        &self,
        path: &str,
        names: &ThresholdNames,
    ) -> Result<Vec<PromRule>, Error> {
        self.check(path)?;
        let sel = self.selector();
        let labels = BTreeMap::from([("slo".to_string(), self.name.clone())]);
        let (record, alert, summary) = match self.sli {
            Sli::Availability => (
                format!(
                    "sum(rate(istio_requests_total{{{sel},response_code!~\"5..\"}}[5m])) / sum(rate(istio_requests_total{{{sel}}}[5m]))"
                ),
                format!(
                    "avg_over_time({}{{slo=\"{}\"}}[1h]) < {}",
                    names.record,
                    self.name,
                    num(self.objective_percent / 100.0)
                ),
                format!(
                    "{}: availability below {} %",
                    self.service,
                    num(self.objective_percent)
                ),
            ),
            Sli::Latency { threshold_ms } => (
                format!(
                    "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{{{sel}}}[5m])) by (le))"
                ),
                format!("{}{{slo=\"{}\"}} > {threshold_ms}", names.record, self.name),
                format!("{}: p99 latency above {threshold_ms} ms", self.service),
            ),
        };
        let mut alert_labels = labels.clone();
        alert_labels.insert("severity".into(), "critical".into());
        Ok(vec![
            PromRule {
                record: Some(names.record.clone()),
                expr: IntOrString::String(record),
                labels: Some(labels),
                ..Default::default()
            },
            PromRule {
                alert: Some(names.alert.clone()),
                expr: IntOrString::String(alert),
                r#for: Some("5m".into()),
                labels: Some(alert_labels),
                annotations: Some(BTreeMap::from([("summary".to_string(), summary)])),
                ..Default::default()
            },
        ])
    }
}

fn camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            // Invariant: filtered parts are non-empty.
            let first = c.next().expect("non-empty part");
            first.to_ascii_uppercase().to_string() + c.as_str()
        })
        .collect()
}

/// A PrometheusRule holding the rules of several SLOs.
pub struct SloRules;

impl SloRules {
    /// Adds one PrometheusRule named `name` with a group per objective.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        name: &str,
        slos: &[SloProps],
    ) -> Result<ObjectRef<PrometheusRule>, Error> {
        let path = scope.child_path(id);
        let groups = slos
            .iter()
            .map(|s| s.rules(&path))
            .collect::<Result<Vec<_>, _>>()?;
        add_rule(scope, id, name, groups)
    }

    /// Like `new`, and each objective given `ThresholdNames` also gets the
    /// simple threshold rules (`SloProps::threshold_rules`) in its group.
    pub fn with_threshold_rules(
        scope: &mut Scope<'_>,
        id: &str,
        name: &str,
        slos: &[(SloProps, Option<ThresholdNames>)],
    ) -> Result<ObjectRef<PrometheusRule>, Error> {
        let path = scope.child_path(id);
        let mut groups = Vec::new();
        for (slo, names) in slos {
            let mut group = slo.rules(&path)?;
            if let Some(names) = names {
                group
                    .rules
                    .get_or_insert_with(Vec::new)
                    .extend(slo.threshold_rules(&path, names)?);
            }
            groups.push(group);
        }
        add_rule(scope, id, name, groups)
    }
}

/// Adds a PrometheusRule named `name` holding `groups`.
fn add_rule(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    groups: Vec<RuleGroup>,
) -> Result<ObjectRef<PrometheusRule>, Error> {
    let rule = PrometheusRule {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..Default::default()
        },
        spec: PrometheusRuleSpec {
            groups: Some(groups),
        },
        status: None,
    };
    crate::mesh::add_object(scope, id, rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(obj: f64) -> SloProps {
        SloProps {
            name: "api".into(),
            service: "api".into(),
            namespace: "shop".into(),
            sli: Sli::Availability,
            objective_percent: obj,
            window_days: 30,
        }
    }

    #[test]
    fn workbook_burn_rates_for_30_days() {
        let g = slo(99.9).rules("P").unwrap();
        let rules = g.rules.unwrap_or_default();
        let alerts: Vec<&PromRule> = rules.iter().filter(|r| r.alert.is_some()).collect();
        assert_eq!(alerts.len(), 4);
        // 14.4 × 0.001 for the 1h/5m pair, 6 × 0.001 for 6h/30m.
        assert!(
            expr_text(alerts[0]).contains("> 0.0144 and"),
            "{}",
            expr_text(alerts[0])
        );
        assert!(expr_text(alerts[1]).contains("> 0.006 and"));
        assert!(expr_text(alerts[2]).contains("> 0.003 and"));
        assert!(expr_text(alerts[3]).contains("> 0.001 and"));
    }

    #[test]
    fn objectives_outside_0_100_are_errors() {
        for bad in [0.0, 100.0, -1.0, 150.0] {
            let e = slo(bad).rules("App/Slo").unwrap_err().to_string();
            assert!(
                e.contains("outside (0, 100)") && e.starts_with("App/Slo"),
                "{e}"
            );
        }
    }

    #[test]
    fn threshold_rules_use_the_given_names() {
        let names = ThresholdNames {
            record: "availability:success_rate_5m".into(),
            alert: "AvailabilitySLOViolation".into(),
        };
        let r = slo(99.5).threshold_rules("P", &names).unwrap();
        assert_eq!(r[0].record.as_deref(), Some("availability:success_rate_5m"));
        assert!(
            expr_text(&r[0]).contains("response_code!~\"5..\""),
            "{}",
            expr_text(&r[0])
        );
        assert_eq!(r[1].alert.as_deref(), Some("AvailabilitySLOViolation"));
        assert_eq!(
            expr_text(&r[1]),
            "avg_over_time(availability:success_rate_5m{slo=\"api\"}[1h]) < 0.995"
        );
        assert_eq!(r[1].r#for.as_deref(), Some("5m"));
        let mut lat = slo(99.0);
        lat.sli = Sli::Latency { threshold_ms: 500 };
        let names = ThresholdNames {
            record: "latency:p99_5m".into(),
            alert: "LatencySLOViolation".into(),
        };
        let r = lat.threshold_rules("P", &names).unwrap();
        assert!(
            expr_text(&r[0]).starts_with("histogram_quantile(0.99, "),
            "{}",
            expr_text(&r[0])
        );
        assert_eq!(expr_text(&r[1]), "latency:p99_5m{slo=\"api\"} > 500");
        assert!(slo(100.0).threshold_rules("P", &names).is_err());
    }

    #[test]
    fn latency_threshold_must_be_a_bucket() {
        let mut s = slo(99.0);
        s.sli = Sli::Latency { threshold_ms: 400 };
        assert!(s.rules("P").is_err());
        s.sli = Sli::Latency { threshold_ms: 500 };
        assert!(s.rules("P").is_ok());
    }
}
