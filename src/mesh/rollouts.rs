//! Argo Rollouts `argoproj.io/v1alpha1` (construct layer, on the generated
//! kinds): the Rollout MeshService writes for blue/green (active/preview
//! services, promotion, analysis) or canary with Istio traffic routing, and
//! an AnalysisTemplate that computes the success rate from Istio metrics.
//! The kinds and their parts are the ones generated from Argo Rollouts' CRDs
//! (`k8s::crd::types::argo_rollouts`), re-exported here under short names.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::mesh::rollouts::{success_rate_template, CanaryStep};
//! use meshsynth::mesh::service::{Delivery, MeshService, MeshServiceProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         MeshNamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
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
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::{Error, ObjectRef, Scope};

/// The Argo Rollouts kinds and parts the constructs write, generated from
/// the CRDs: every field. A Rollout of your own goes through
/// `mesh::add_object`.
pub use crate::k8s::crd::types::argo_rollouts::argoproj_v1alpha1::{
    AnalysisRunSpecMetricsProvider as MetricProvider,
    AnalysisRunSpecMetricsProviderJobMetadata as TemplateMetadata,
    AnalysisRunSpecMetricsProviderPrometheus as PrometheusMetric, AnalysisTemplate,
    AnalysisTemplateSpec, AnalysisTemplateSpecArgs as Argument,
    AnalysisTemplateSpecMetrics as Metric, AnalysisTemplateSpecTemplates as TemplateRef, Rollout,
    RolloutSpec, RolloutSpecStrategy as RolloutStrategy, RolloutSpecStrategyBlueGreen as BlueGreen,
    RolloutSpecStrategyBlueGreenPostPromotionAnalysis as RolloutAnalysis,
    RolloutSpecStrategyBlueGreenPostPromotionAnalysisArgs as AnalysisRunArgument,
    RolloutSpecStrategyCanary as Canary, RolloutSpecStrategyCanaryAnalysis as CanaryAnalysis,
    RolloutSpecStrategyCanarySteps as CanaryStepSpec, RolloutSpecStrategyCanaryStepsPause as Pause,
    RolloutSpecStrategyCanaryTrafficRouting as TrafficRouting,
    RolloutSpecStrategyCanaryTrafficRoutingIstio as IstioTrafficRouting,
    RolloutSpecStrategyCanaryTrafficRoutingIstioDestinationRule as IstioDestinationRuleRef,
    RolloutSpecStrategyCanaryTrafficRoutingIstioVirtualService as IstioVirtualServiceRef,
    RolloutSpecTemplate as PodTemplate,
};

/// A canary step: the generated step (`CanaryStepSpec`, every field:
/// `set_canary_scale`, `set_header_route`, `experiment`, …) with
/// constructors for the usual ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CanaryStep(pub CanaryStepSpec);

impl CanaryStep {
    /// Shift this percentage to the canary.
    pub fn weight(w: i32) -> Self {
        CanaryStep(CanaryStepSpec {
            set_weight: Some(w),
            ..Default::default()
        })
    }

    /// Wait (e.g. `5m`); `None` waits for manual promotion.
    pub fn pause(duration: Option<&str>) -> Self {
        CanaryStep(CanaryStepSpec {
            pause: Some(Pause {
                duration: duration.map(|d| IntOrString::String(d.to_string())),
            }),
            ..Default::default()
        })
    }
}

impl From<CanaryStepSpec> for CanaryStep {
    fn from(step: CanaryStepSpec) -> Self {
        CanaryStep(step)
    }
}

/// The success-rate AnalysisTemplate `template` with the `service-name` and
/// `namespace` arguments it takes, as a blue/green pre- or post-promotion
/// analysis.
pub fn success_rate_analysis(template: &str, service: &str, namespace: &str) -> RolloutAnalysis {
    RolloutAnalysis {
        templates: Some(vec![TemplateRef {
            template_name: Some(template.into()),
            ..Default::default()
        }]),
        args: Some(success_rate_args(service, namespace)),
        ..Default::default()
    }
}

/// The same analysis, run in the background of a canary's steps.
pub fn canary_success_rate_analysis(
    template: &str,
    service: &str,
    namespace: &str,
) -> CanaryAnalysis {
    CanaryAnalysis {
        templates: Some(vec![TemplateRef {
            template_name: Some(template.into()),
            ..Default::default()
        }]),
        args: Some(success_rate_args(service, namespace)),
        ..Default::default()
    }
}

fn success_rate_args(service: &str, namespace: &str) -> Vec<AnalysisRunArgument> {
    vec![
        AnalysisRunArgument {
            name: "service-name".into(),
            value: Some(service.into()),
            value_from: None,
        },
        AnalysisRunArgument {
            name: "namespace".into(),
            value: Some(namespace.into()),
            value_from: None,
        },
    ]
}

/// A core pod template as a Rollout's: the CRD keeps only the labels and
/// annotations of its metadata.
pub fn pod_template(template: PodTemplateSpec) -> PodTemplate {
    PodTemplate {
        metadata: template.metadata.map(|m| TemplateMetadata {
            annotations: m.annotations,
            labels: m.labels,
        }),
        spec: template.spec,
    }
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
            scope.child_path(id),
            format!("success rate {min_success} is outside (0, 1]"),
            "use a ratio such as 0.95",
        ));
    }
    let sel = "reporter=\"source\",destination_service_name=\"{{args.service-name}}\",destination_service_namespace=\"{{args.namespace}}\"";
    let query = format!(
        "sum(irate(istio_requests_total{{{sel},response_code!~\"5.*\"}}[2m])) / sum(irate(istio_requests_total{{{sel}}}[2m]))"
    );
    let argument = |name: &str| Argument {
        name: name.into(),
        value: None,
        value_from: None,
    };
    let t = AnalysisTemplate {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: AnalysisTemplateSpec {
            args: Some(vec![argument("service-name"), argument("namespace")]),
            metrics: Some(vec![Metric {
                name: "success-rate".into(),
                interval: Some("1m".into()),
                count: Some(IntOrString::Int(5)),
                // An empty result (no traffic yet) is NaN and must not pass.
                success_condition: Some(format!(
                    "len(result) > 0 && !isNaN(result[0]) && result[0] >= {min_success}"
                )),
                failure_limit: Some(IntOrString::Int(2)),
                provider: MetricProvider {
                    prometheus: Some(PrometheusMetric {
                        address: Some(prometheus_address.into()),
                        query: Some(query),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            }]),
            ..Default::default()
        },
    };
    crate::mesh::add_object(scope, id, t)
}

/// Labels as a selector.
pub fn selector(labels: &BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels.clone()),
        ..Default::default()
    }
}
