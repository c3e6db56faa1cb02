//! Istio `telemetry.istio.io/v1` Telemetry (model layer): tracing, metrics
//! and access logging for the mesh, a namespace or selected workloads.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::mesh::crd::crd_kind;
use crate::mesh::istio::networking::WorkloadSelector;

crd_kind!(
    /// Telemetry configuration.
    Telemetry, TelemetrySpec, group: "telemetry.istio.io", version: "v1", plural: "telemetries"
);

/// `Telemetry.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TelemetrySpec {
    pub selector: Option<WorkloadSelector>,
    pub tracing: Option<Vec<Tracing>>,
    pub metrics: Option<Vec<Metrics>>,
    pub access_logging: Option<Vec<AccessLogging>>,
}

/// A provider reference by name (e.g. `jaeger`, `prometheus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProviderRef {
    pub name: String,
}

impl ProviderRef {
    /// A provider by name.
    pub fn new(name: impl Into<String>) -> Self {
        ProviderRef { name: name.into() }
    }
}

/// Which side of a request telemetry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkloadMode {
    ClientAndServer,
    Client,
    Server,
}

/// Tracing settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracing {
    pub providers: Option<Vec<ProviderRef>>,
    /// 0.0–100.0.
    pub random_sampling_percentage: Option<f64>,
    pub disable_span_reporting: Option<bool>,
    pub custom_tags: Option<BTreeMap<String, CustomTag>>,
}

/// A span tag's source; set exactly one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomTag {
    pub literal: Option<LiteralTag>,
    pub environment: Option<NamedTag>,
    pub header: Option<NamedTag>,
}

impl CustomTag {
    /// A fixed value.
    pub fn literal(value: impl Into<String>) -> Self {
        CustomTag {
            literal: Some(LiteralTag {
                value: value.into(),
            }),
            ..Default::default()
        }
    }
    /// The value of a request header.
    pub fn header(name: impl Into<String>) -> Self {
        CustomTag {
            header: Some(NamedTag {
                name: name.into(),
                default_value: None,
            }),
            ..Default::default()
        }
    }
}

/// A literal tag value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiteralTag {
    pub value: String,
}

/// A header or environment tag source.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedTag {
    pub name: String,
    pub default_value: Option<String>,
}

/// Metrics settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub providers: Option<Vec<ProviderRef>>,
    pub overrides: Option<Vec<MetricsOverride>>,
    pub reporting_interval: Option<String>,
}

/// A change to generated metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsOverride {
    #[serde(rename = "match")]
    pub matches: Option<MetricSelector>,
    pub disabled: Option<bool>,
    pub tag_overrides: Option<BTreeMap<String, TagOverride>>,
}

/// Which metric an override applies to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricSelector {
    /// e.g. `REQUEST_DURATION`, `ALL_METRICS`.
    pub metric: Option<String>,
    pub custom_metric: Option<String>,
    pub mode: Option<WorkloadMode>,
}

/// Tag operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagOperation {
    Upsert,
    Remove,
}

/// Add, change or remove one metric tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagOverride {
    pub operation: TagOperation,
    /// A CEL expression, for UPSERT.
    pub value: Option<String>,
}

/// Access logging settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccessLogging {
    pub providers: Option<Vec<ProviderRef>>,
    pub disabled: Option<bool>,
    pub filter: Option<AccessLogFilter>,
}

/// A CEL filter for access logs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccessLogFilter {
    pub expression: String,
}
