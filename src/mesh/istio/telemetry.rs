//! Istio `telemetry.istio.io/v1` Telemetry (model layer): tracing, metrics
//! and access logging for the mesh, a namespace or selected workloads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::mesh::crd::{crd_deserialize, crd_kind};
/// The selector these kinds share with the networking kinds, re-exported so
/// a policy is written with one import.
pub use crate::mesh::istio::networking::WorkloadSelector;

crd_kind!(
    /// Telemetry configuration.
    Telemetry, TelemetrySpec, group: "telemetry.istio.io", version: "v1", plural: "telemetries"
);

/// `Telemetry.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct TelemetrySpec {
    /// The workloads this applies to. Default: every workload of the namespace.
    pub selector: Option<WorkloadSelector>,
    /// Tracing settings. Default: the mesh's.
    pub tracing: Option<Vec<Tracing>>,
    /// Metrics settings. Default: the mesh's.
    pub metrics: Option<Vec<Metrics>>,
    /// Access-log settings. Default: the mesh's.
    pub access_logging: Option<Vec<AccessLogging>>,
}

/// A provider reference by name (e.g. `jaeger`, `prometheus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderRef {
    /// The provider's name, as configured in the mesh config.
    pub name: String,
}

impl ProviderRef {
    /// A provider by name.
    pub fn new(name: impl Into<String>) -> Self {
        ProviderRef { name: name.into() }
    }
}

/// Which side of a request telemetry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkloadMode {
    /// Both sides of a connection.
    ClientAndServer,
    /// The client side.
    Client,
    /// The server side.
    Server,
}

/// Tracing settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Tracing {
    /// Tracing providers. Default: the mesh's.
    pub providers: Option<Vec<ProviderRef>>,
    /// 0.0–100.0.
    pub random_sampling_percentage: Option<f64>,
    /// Stop reporting spans (context still propagates). Default: false.
    pub disable_span_reporting: Option<bool>,
    /// Tags added to spans, by tag name. Default: none.
    pub custom_tags: Option<BTreeMap<String, CustomTag>>,
}

/// A span tag's source; set exactly one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomTag {
    /// A fixed value.
    pub literal: Option<LiteralTag>,
    /// The value of an environment variable of the proxy.
    pub environment: Option<NamedTag>,
    /// The value of a request header.
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LiteralTag {
    /// The value.
    pub value: String,
}

/// A header or environment tag source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct NamedTag {
    /// The environment variable or header name.
    pub name: String,
    /// The value when it is missing. Default: none.
    pub default_value: Option<String>,
}

/// Metrics settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Metrics providers. Default: the mesh's.
    pub providers: Option<Vec<ProviderRef>>,
    /// Changes to metrics: disable them or change their tags. Default: none.
    pub overrides: Option<Vec<MetricsOverride>>,
    /// How often metrics are reported, e.g. `15s`. Default: the provider's.
    pub reporting_interval: Option<String>,
}

/// A change to generated metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct MetricsOverride {
    /// Which metrics. Default: all.
    #[serde(rename = "match")]
    pub matches: Option<MetricSelector>,
    /// Turn the metrics off. Default: false.
    pub disabled: Option<bool>,
    /// Tag changes by tag name. Default: none.
    pub tag_overrides: Option<BTreeMap<String, TagOverride>>,
}

/// Which metric an override applies to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct MetricSelector {
    /// e.g. `REQUEST_DURATION`, `ALL_METRICS`.
    pub metric: Option<String>,
    /// A custom metric name. Default: none.
    pub custom_metric: Option<String>,
    /// Client, server or both. Default: both.
    pub mode: Option<WorkloadMode>,
}

/// Tag operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagOperation {
    /// Add or replace the tag.
    Upsert,
    /// Remove the tag.
    Remove,
}

/// Add, change or remove one metric tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagOverride {
    /// Add, replace or remove.
    pub operation: TagOperation,
    /// A CEL expression, for UPSERT.
    pub value: Option<String>,
}

/// Access logging settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessLogging {
    /// Access-log providers. Default: the mesh's.
    pub providers: Option<Vec<ProviderRef>>,
    /// Turn access logs off. Default: false.
    pub disabled: Option<bool>,
    /// Which requests are logged. Default: all.
    pub filter: Option<AccessLogFilter>,
}

/// A CEL filter for access logs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessLogFilter {
    /// A CEL expression, e.g. `response.code >= 400`.
    pub expression: String,
}

crd_deserialize!(Telemetry);
