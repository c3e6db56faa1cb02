//! Argo Rollouts `argoproj.io/v1alpha1` (model and construct layers):
//! Rollout with blue/green (active/preview services, promotion, analysis) or
//! canary with Istio traffic routing, and AnalysisTemplate, including one
//! that computes the success rate from Istio metrics.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde::Serialize;

use crate::core::{Error, ObjectRef, Scope};
use crate::mesh::crd::crd_kind;
use crate::mesh::prometheus::LabelSelector;

crd_kind!(
    /// An Argo Rollout: a Deployment replacement with progressive delivery.
    Rollout, RolloutSpec, group: "argoproj.io", version: "v1alpha1", plural: "rollouts"
);

/// `Rollout.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutSpec {
    pub replicas: Option<i32>,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
    pub strategy: RolloutStrategy,
    pub revision_history_limit: Option<i32>,
}

/// Blue/green or canary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutStrategy {
    pub blue_green: Option<BlueGreen>,
    pub canary: Option<Canary>,
}

/// Blue/green strategy.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlueGreen {
    pub active_service: String,
    pub preview_service: Option<String>,
    pub auto_promotion_enabled: Option<bool>,
    pub scale_down_delay_seconds: Option<i32>,
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}

/// Analysis run during a rollout.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RolloutAnalysis {
    pub templates: Vec<TemplateRef>,
    pub args: Option<Vec<AnalysisRunArgument>>,
}

/// A reference to an AnalysisTemplate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRef {
    pub template_name: String,
}

/// An argument value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AnalysisRunArgument {
    pub name: String,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Canary {
    pub canary_service: Option<String>,
    pub stable_service: Option<String>,
    pub traffic_routing: Option<TrafficRouting>,
    pub steps: Option<Vec<CanaryStep>>,
    pub analysis: Option<RolloutAnalysis>,
}

/// Traffic routing through a mesh.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrafficRouting {
    pub istio: Option<IstioTrafficRouting>,
}

/// Istio subset-level routing: the VirtualService routes and DestinationRule subsets Argo edits.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioTrafficRouting {
    /// One VirtualService (exclusive with `virtual_services`).
    pub virtual_service: Option<IstioVirtualServiceRef>,
    /// Several VirtualServices, e.g. the in-mesh one and the ingress one.
    pub virtual_services: Option<Vec<IstioVirtualServiceRef>>,
    pub destination_rule: Option<IstioDestinationRuleRef>,
}

/// The VirtualService (and named HTTP routes) Argo adjusts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IstioVirtualServiceRef {
    pub name: String,
    pub routes: Option<Vec<String>>,
}

/// The DestinationRule whose subsets Argo points at the revisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IstioDestinationRuleRef {
    pub name: String,
    pub canary_subset_name: String,
    pub stable_subset_name: String,
}

/// A canary step; set exactly one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryStep {
    pub set_weight: Option<i32>,
    pub pause: Option<Pause>,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pause {
    pub duration: Option<String>,
}

crd_kind!(
    /// A reusable analysis: metrics and their success conditions.
    AnalysisTemplate, AnalysisTemplateSpec, group: "argoproj.io", version: "v1alpha1", plural: "analysistemplates"
);

/// `AnalysisTemplate.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AnalysisTemplateSpec {
    pub args: Option<Vec<Argument>>,
    pub metrics: Vec<Metric>,
}

/// A template argument.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Argument {
    pub name: String,
    pub value: Option<String>,
}

/// A measured metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    pub name: String,
    pub interval: Option<String>,
    pub count: Option<i32>,
    pub success_condition: Option<String>,
    pub failure_limit: Option<i32>,
    pub provider: MetricProvider,
}

/// Where a metric comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricProvider {
    pub prometheus: Option<PrometheusMetric>,
}

/// A Prometheus query.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrometheusMetric {
    pub address: String,
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
        match_labels: labels.clone(),
    }
}
