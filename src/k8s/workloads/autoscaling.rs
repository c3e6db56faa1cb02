//! HorizontalPodAutoscaler v2: resource, pods and external metrics, with
//! scale-up and scale-down behaviour.

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, ExternalMetricSource, HPAScalingPolicy, HPAScalingRules,
    HorizontalPodAutoscaler, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec,
    MetricIdentifier, MetricSpec, MetricTarget, PodsMetricSource, ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::core::{Error, ObjectRef, Scope};
use crate::k8s::add_object;

use super::check_name;

/// One scaling metric.
#[derive(Debug, Clone, PartialEq)]
pub enum HpaMetric {
    /// Average CPU utilization, percent of requests.
    Cpu(i32),
    /// Average memory utilization, percent of requests.
    Memory(i32),
    /// A per-pod metric (custom metrics API) with a target average value.
    Pods {
        /// The pod metric's name.
        metric: String,
        /// The target average per pod, e.g. `50`.
        average_value: String,
    },
    /// An external metric (external metrics API) with a target average value.
    External {
        /// The external metric's name.
        metric: String,
        /// The metric's label selector. Default: none.
        selector: Option<std::collections::BTreeMap<String, String>>,
        /// The target average per pod.
        average_value: String,
    },
}

/// Scale-up or scale-down behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalingRules {
    /// Seconds of history considered before scaling in this direction.
    pub stabilization_window_seconds: i32,
    /// (type `Pods`|`Percent`, value, period seconds).
    pub policies: Vec<(String, i32, i32)>,
}

/// Props of an `Hpa`.
#[derive(Debug, Clone, PartialEq)]
pub struct HpaProps {
    /// `metadata.name`; a DNS-1123 label. Required (no default).
    pub name: String,
    /// The scaled object's (apiVersion, kind, name). Required (no default).
    pub target: (String, String, String),
    /// Fewest replicas, at least 1. Required (no default).
    pub min_replicas: i32,
    /// Most replicas, at least `min_replicas`. Required (no default).
    pub max_replicas: i32,
    /// What drives the scaling; at least one metric. Required (no default).
    pub metrics: Vec<HpaMetric>,
    /// Default: Kubernetes' own.
    pub scale_up: Option<ScalingRules>,
    /// Default: Kubernetes' own (300 s window).
    pub scale_down: Option<ScalingRules>,
}

/// A HorizontalPodAutoscaler (autoscaling/v2).
pub struct Hpa;

fn rules(r: &ScalingRules) -> HPAScalingRules {
    HPAScalingRules {
        stabilization_window_seconds: Some(r.stabilization_window_seconds),
        policies: (!r.policies.is_empty()).then(|| {
            r.policies
                .iter()
                .map(|(t, v, p)| HPAScalingPolicy {
                    type_: t.clone(),
                    value: *v,
                    period_seconds: *p,
                })
                .collect()
        }),
        ..Default::default()
    }
}

impl Hpa {
    /// Adds the autoscaler.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: HpaProps,
    ) -> Result<ObjectRef<HorizontalPodAutoscaler>, Error> {
        check_name(scope, id, "autoscaler name", &props.name)?;
        let path = scope.child_path(id);
        if props.min_replicas < 1 || props.max_replicas < props.min_replicas {
            return Err(Error::construct(
                path,
                format!(
                    "replicas {}..{} are not a valid range",
                    props.min_replicas, props.max_replicas
                ),
                "use 1 <= min_replicas <= max_replicas",
            ));
        }
        if props.metrics.is_empty() {
            return Err(Error::construct(
                path,
                "an autoscaler needs at least one metric",
                "add e.g. HpaMetric::Cpu(70)",
            ));
        }
        let metrics = props
            .metrics
            .iter()
            .map(|m| match m {
                HpaMetric::Cpu(p) | HpaMetric::Memory(p) => MetricSpec {
                    type_: "Resource".into(),
                    resource: Some(ResourceMetricSource {
                        name: if matches!(m, HpaMetric::Cpu(_)) {
                            "cpu"
                        } else {
                            "memory"
                        }
                        .into(),
                        target: MetricTarget {
                            type_: "Utilization".into(),
                            average_utilization: Some(*p),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                },
                HpaMetric::Pods {
                    metric,
                    average_value,
                } => MetricSpec {
                    type_: "Pods".into(),
                    pods: Some(PodsMetricSource {
                        metric: MetricIdentifier {
                            name: metric.clone(),
                            selector: None,
                        },
                        target: MetricTarget {
                            type_: "AverageValue".into(),
                            average_value: Some(Quantity(average_value.clone())),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                },
                HpaMetric::External {
                    metric,
                    selector,
                    average_value,
                } => MetricSpec {
                    type_: "External".into(),
                    external: Some(ExternalMetricSource {
                        metric: MetricIdentifier {
                            name: metric.clone(),
                            selector: selector.as_ref().map(|s| LabelSelector {
                                match_labels: Some(s.clone()),
                                ..Default::default()
                            }),
                        },
                        target: MetricTarget {
                            type_: "AverageValue".into(),
                            average_value: Some(Quantity(average_value.clone())),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                },
            })
            .collect();
        let behavior = (props.scale_up.is_some() || props.scale_down.is_some()).then(|| {
            HorizontalPodAutoscalerBehavior {
                scale_up: props.scale_up.as_ref().map(rules),
                scale_down: props.scale_down.as_ref().map(rules),
            }
        });
        let (api_version, kind, name) = props.target.clone();
        let hpa = HorizontalPodAutoscaler {
            metadata: ObjectMeta {
                name: Some(props.name.clone()),
                ..Default::default()
            },
            spec: Some(HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some(api_version),
                    kind,
                    name,
                },
                min_replicas: Some(props.min_replicas),
                max_replicas: props.max_replicas,
                metrics: Some(metrics),
                behavior,
            }),
            ..Default::default()
        };
        add_object(scope, id, hpa)
    }
}
