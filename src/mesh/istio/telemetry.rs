//! Istio `telemetry.istio.io/v1` Telemetry: tracing, metrics and access
//! logging for the mesh, a namespace or selected workloads, the generated
//! types of `meshsynth-crds` under short names.

use meshsynth_crds::istio::telemetry_v1 as v1;

use crate::mesh::crd::custom_object;

pub use v1::{Telemetry, TelemetrySpec};

custom_object! {
    Telemetry: TelemetrySpec, opt;
}

/// The workload selector of a Telemetry (`matchLabels`).
pub type TelemetrySelector = v1::TelemetrySpecSelector;
/// A provider reference by name (e.g. `jaeger`, `prometheus`).
pub type ProviderRef = v1::TelemetrySpecAccessLoggingProviders;
/// Which side of a request telemetry applies to.
pub type WorkloadMode = v1::TelemetrySpecAccessLoggingMatchMode;
/// Tracing settings.
pub type Tracing = v1::TelemetrySpecTracing;
/// A span tag's source; set exactly one.
pub type CustomTag = v1::TelemetrySpecTracingCustomTags;
/// A literal tag value.
pub type LiteralTag = v1::TelemetrySpecTracingCustomTagsLiteral;
/// An environment variable or header a tag is read from.
pub type NamedTag = v1::TelemetrySpecTracingCustomTagsEnvironment;
/// Metrics settings.
pub type Metrics = v1::TelemetrySpecMetrics;
/// A change to some metrics.
pub type MetricsOverride = v1::TelemetrySpecMetricsOverrides;
/// Which metrics an override applies to.
pub type MetricSelector = v1::TelemetrySpecMetricsOverridesMatch;
/// A standard Istio metric.
pub type IstioMetric = v1::TelemetrySpecMetricsOverridesMatchMetric;
/// `UPSERT` or `REMOVE` a tag.
pub type TagOperation = v1::TelemetrySpecMetricsOverridesTagOverridesOperation;
/// A tag change.
pub type TagOverride = v1::TelemetrySpecMetricsOverridesTagOverrides;
/// Access-log settings.
pub type AccessLogging = v1::TelemetrySpecAccessLogging;
/// A CEL filter on access logs.
pub type AccessLogFilter = v1::TelemetrySpecAccessLoggingFilter;

/// Provider constructors.
pub trait ProviderRefExt {
    /// A provider by name.
    fn new(name: impl Into<String>) -> Self;
}

impl ProviderRefExt for ProviderRef {
    fn new(name: impl Into<String>) -> Self {
        ProviderRef { name: name.into() }
    }
}

/// Span tag constructors.
pub trait CustomTagExt {
    /// A fixed value.
    fn literal(value: impl Into<String>) -> Self;
    /// The value of a request header.
    fn header(name: impl Into<String>) -> Self;
}

impl CustomTagExt for CustomTag {
    fn literal(value: impl Into<String>) -> Self {
        CustomTag {
            literal: Some(LiteralTag {
                value: value.into(),
            }),
            ..Default::default()
        }
    }
    fn header(name: impl Into<String>) -> Self {
        CustomTag {
            header: Some(NamedTag {
                name: name.into(),
                default_value: None,
            }),
            ..Default::default()
        }
    }
}
