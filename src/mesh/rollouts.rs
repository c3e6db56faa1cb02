//! Argo Rollouts `argoproj.io/v1alpha1` (model and construct layers):
//! Rollout with blue/green (active/preview services, promotion, analysis) or
//! canary with Istio traffic routing, and AnalysisTemplate, including one
//! that computes the success rate from Istio metrics.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, NamespaceProps};
//! use meshsynth::mesh::rollouts::{success_rate_template, CanaryStep};
//! use meshsynth::mesh::service::{Delivery, MeshService, MeshServiceProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         NamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
//!     // An AnalysisTemplate that reads the success rate from Istio's metrics.
//!     success_rate_template(&mut c, "SuccessRate", "success-rate",
//!         "http://prometheus-operated.monitoring:9090", 0.95)?;
//!     // A canary through Istio traffic routing: 10 %, wait, 50 %, wait for promotion.
//!     MeshService::new(&mut c, "Catalog", MeshServiceProps {
//!         name: "catalog".into(),
//!         image: "registry.example.com/acme/catalog:3.1.0".into(),
//!         delivery: Delivery::Canary {
//!             steps: vec![CanaryStep::weight(10), CanaryStep::pause(Some("5m")),
//!                         CanaryStep::weight(50), CanaryStep::pause(None)],
//!             analysis_template: Some("success-rate".into()),
//!         },
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! assert_eq!(synth.objects_of_kind("Rollout").len(), 1);
//! assert_eq!(synth.objects_of_kind("AnalysisTemplate").len(), 1);
//! ```

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde::{Deserialize, Serialize};

use crate::core::{Error, ObjectRef, Scope};
use crate::mesh::crd::{crd_deserialize, crd_kind};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

crd_kind!(
    /// An Argo Rollout: a Deployment replacement with progressive delivery.
    Rollout, RolloutSpec, group: "argoproj.io", version: "v1alpha1", plural: "rollouts"
);

/// `Rollout.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct RolloutSpec {
    /// Replicas. Default: unset (1, or the autoscaler's).
    pub replicas: Option<i32>,
    /// The pods the Rollout manages.
    pub selector: LabelSelector,
    /// The pod template.
    pub template: PodTemplateSpec,
    /// Blue/green or canary.
    pub strategy: RolloutStrategy,
    /// Old ReplicaSets kept. Default: 10.
    pub revision_history_limit: Option<i32>,
}

/// Blue/green or canary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct RolloutStrategy {
    /// Blue/green settings. Set this or `canary`.
    pub blue_green: Option<BlueGreen>,
    /// Canary settings. Set this or `blue_green`.
    pub canary: Option<Canary>,
}

/// Blue/green strategy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct BlueGreen {
    /// The Service that serves production traffic.
    pub active_service: String,
    /// The Service that serves the new version before promotion. Default: none.
    pub preview_service: Option<String>,
    /// Promote without a manual step. Default: true.
    pub auto_promotion_enabled: Option<bool>,
    /// Seconds the old version keeps running after promotion. Default: 30.
    pub scale_down_delay_seconds: Option<i32>,
    /// Analysis before the switch. Default: none.
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// Analysis after the switch. Default: none.
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}

/// Analysis run during a rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RolloutAnalysis {
    /// The AnalysisTemplates run.
    pub templates: Vec<TemplateRef>,
    /// Arguments passed to them. Default: none.
    pub args: Option<Vec<AnalysisRunArgument>>,
}

/// A reference to an AnalysisTemplate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRef {
    /// The AnalysisTemplate's name.
    pub template_name: String,
}

/// An argument value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisRunArgument {
    /// The argument's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl RolloutAnalysis {
    /// One template with `service-name`/`namespace` arguments.
    pub fn success_rate(template: &str, service: &str, namespace: &str) -> Self {
        RolloutAnalysis {
            templates: vec![TemplateRef {
                template_name: template.into(),
            }],
            args: Some(vec![
                AnalysisRunArgument {
                    name: "service-name".into(),
                    value: service.into(),
                },
                AnalysisRunArgument {
                    name: "namespace".into(),
                    value: namespace.into(),
                },
            ]),
        }
    }
}

/// Canary strategy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Canary {
    /// The Service that selects the canary pods. Default: none.
    pub canary_service: Option<String>,
    /// The Service that selects the stable pods. Default: none.
    pub stable_service: Option<String>,
    /// How traffic is split (Istio). Default: by replica counts.
    pub traffic_routing: Option<TrafficRouting>,
    /// The steps: weights, pauses and analyses. Default: straight to 100 %.
    pub steps: Option<Vec<CanaryStep>>,
    /// Analysis running in the background during the steps. Default: none.
    pub analysis: Option<RolloutAnalysis>,
}

/// Traffic routing through a mesh.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrafficRouting {
    /// Istio routing.
    pub istio: Option<IstioTrafficRouting>,
}

/// Istio subset-level routing: the VirtualService routes and DestinationRule subsets Argo edits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct IstioTrafficRouting {
    /// One VirtualService (exclusive with `virtual_services`).
    pub virtual_service: Option<IstioVirtualServiceRef>,
    /// Several VirtualServices, e.g. the in-mesh one and the ingress one.
    pub virtual_services: Option<Vec<IstioVirtualServiceRef>>,
    /// The DestinationRule whose subsets tell the versions apart. Default: none (host-level split).
    pub destination_rule: Option<IstioDestinationRuleRef>,
}

/// The VirtualService (and named HTTP routes) Argo adjusts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IstioVirtualServiceRef {
    /// The VirtualService's name.
    pub name: String,
    /// The named routes whose weights change. Default: all HTTP routes.
    pub routes: Option<Vec<String>>,
}

/// The DestinationRule whose subsets Argo points at the revisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct IstioDestinationRuleRef {
    /// The DestinationRule's name.
    pub name: String,
    /// The subset of the canary version.
    pub canary_subset_name: String,
    /// The subset of the stable version.
    pub stable_subset_name: String,
}

/// A canary step; set exactly one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct CanaryStep {
    /// Set the canary's traffic share, in percent.
    pub set_weight: Option<i32>,
    /// Wait: for a duration, or until promoted.
    pub pause: Option<Pause>,
    /// Run an analysis and wait for its result.
    pub analysis: Option<RolloutAnalysis>,
}

impl CanaryStep {
    /// Shift this percentage to the canary.
    pub fn weight(w: i32) -> Self {
        CanaryStep {
            set_weight: Some(w),
            ..Default::default()
        }
    }
    /// Wait (e.g. `5m`); `None` waits for manual promotion.
    pub fn pause(duration: Option<&str>) -> Self {
        CanaryStep {
            pause: Some(Pause {
                duration: duration.map(str::to_string),
            }),
            ..Default::default()
        }
    }
}

/// A pause step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pause {
    /// How long, e.g. `5m`. Default: until promoted by hand.
    pub duration: Option<String>,
}

crd_kind!(
    /// A reusable analysis: metrics and their success conditions.
    AnalysisTemplate, AnalysisTemplateSpec, group: "argoproj.io", version: "v1alpha1", plural: "analysistemplates"
);

/// `AnalysisTemplate.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisTemplateSpec {
    /// Arguments the template takes. Default: none.
    pub args: Option<Vec<Argument>>,
    /// The measurements.
    pub metrics: Vec<Metric>,
}

/// A template argument.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Argument {
    /// The argument's name.
    pub name: String,
    /// Its value. Default: given by the Rollout.
    pub value: Option<String>,
}

/// A measured metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    /// The metric's name.
    pub name: String,
    /// Time between measurements, e.g. `1m`. Default: once.
    pub interval: Option<String>,
    /// How many measurements. Default: 1 (or unlimited with an interval).
    pub count: Option<i32>,
    /// The expression a result must satisfy, e.g. `result[0] >= 0.95`.
    pub success_condition: Option<String>,
    /// Failed measurements tolerated. Default: 0.
    pub failure_limit: Option<i32>,
    /// Where results come from.
    pub provider: MetricProvider,
}

/// Where a metric comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricProvider {
    /// A Prometheus query.
    pub prometheus: Option<PrometheusMetric>,
}

/// A Prometheus query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrometheusMetric {
    /// Prometheus' address.
    pub address: String,
    /// The PromQL query.
    pub query: String,
}

/// An AnalysisTemplate named `name` that passes while the Istio success rate
/// (non-5xx share of requests to `service-name` in `namespace`) stays at or
/// above `min_success` (0–1).
pub fn success_rate_template(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    prometheus_address: &str,
    min_success: f64,
) -> Result<ObjectRef<AnalysisTemplate>, Error> {
    if !(min_success > 0.0 && min_success <= 1.0) {
        return Err(Error::construct(
            format!("{}/{id}", scope.path()),
            format!("success rate {min_success} is outside (0, 1]"),
            "use a ratio such as 0.95",
        ));
    }
    let sel = "reporter=\"source\",destination_service_name=\"{{args.service-name}}\",destination_service_namespace=\"{{args.namespace}}\"";
    let query = format!(
        "sum(irate(istio_requests_total{{{sel},response_code!~\"5.*\"}}[2m])) / sum(irate(istio_requests_total{{{sel}}}[2m]))"
    );
    let t = AnalysisTemplate::named(
        name,
        AnalysisTemplateSpec {
            args: Some(vec![
                Argument {
                    name: "service-name".into(),
                    value: None,
                },
                Argument {
                    name: "namespace".into(),
                    value: None,
                },
            ]),
            metrics: vec![Metric {
                name: "success-rate".into(),
                interval: Some("1m".into()),
                count: Some(5),
                // An empty result (no traffic yet) is NaN and must not pass.
                success_condition: Some(format!(
                    "len(result) > 0 && !isNaN(result[0]) && result[0] >= {min_success}"
                )),
                failure_limit: Some(2),
                provider: MetricProvider {
                    prometheus: Some(PrometheusMetric {
                        address: prometheus_address.into(),
                        query,
                    }),
                },
            }],
        },
    );
    t.add(scope, id)
}

/// Labels as a selector.
pub fn selector(labels: &BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels.clone()),
        ..Default::default()
    }
}

crd_deserialize!(Rollout, AnalysisTemplate);
