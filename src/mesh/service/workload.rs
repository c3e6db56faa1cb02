//! The workload stage of a `MeshService`: the pod every delivery shares,
//! then Deployments (one per version) or an Argo Rollout (blue/green or
//! canary), with the Services they are reached through.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::{Error, Scope};
use crate::k8s::workloads::{
    AppDeployment, AppDeploymentProps, AppService, AppServiceProps, ContainerPort, ContainerProps,
    PodProps, ProbeProps, ServicePortProps,
};
use crate::mesh::gateway_api::USE_WAYPOINT_LABEL;
use crate::mesh::rollouts::{
    canary_success_rate_analysis, pod_template, selector, success_rate_analysis, BlueGreen, Canary,
    CanaryStep, IstioDestinationRuleRef, IstioTrafficRouting, IstioVirtualServiceRef, Rollout,
    RolloutSpec, RolloutStrategy, TrafficRouting,
};

use super::{http_route, virtual_service, Delivery, MeshServiceProps, Scaling};

/// What the stages after the ServiceAccount share.
pub(super) struct Workload<'p> {
    pub(super) props: &'p MeshServiceProps,
    /// The construct path, for errors.
    pub(super) path: &'p str,
    pub(super) name: String,
    pub(super) namespace: String,
    /// `app: <name>`, the selector of every Service and policy.
    pub(super) app_labels: BTreeMap<String, String>,
    pub(super) pod: PodProps,
    /// The replica count, when scaling is fixed.
    pub(super) fixed: Option<i32>,
    pub(super) service_port: u16,
}

/// The workload the autoscaler and disruption budget target, as
/// (apiVersion, kind).
pub(super) type Target = (&'static str, &'static str);

impl<'p> Workload<'p> {
    pub(super) fn new(
        props: &'p MeshServiceProps,
        path: &'p str,
        namespace: String,
        service_account: &str,
        service_port: u16,
    ) -> Self {
        let name = props.name.clone();
        let app_labels = BTreeMap::from([("app".to_string(), name.clone())]);
        Workload {
            pod: pod_props(props, service_account, &app_labels),
            fixed: match props.scaling {
                Scaling::Fixed(n) => Some(n),
                _ => None,
            },
            props,
            path,
            name,
            namespace,
            app_labels,
            service_port,
        }
    }

    /// A Service named `svc_name` in front of the service's pods.
    fn service(&self, svc_name: String) -> AppServiceProps {
        let props = self.props;
        let mut labels = self.app_labels.clone();
        if let Some(w) = &props.waypoint {
            labels.insert(USE_WAYPOINT_LABEL.into(), w.clone());
        }
        AppServiceProps {
            name: svc_name,
            selector: self.app_labels.clone(),
            ports: vec![ServicePortProps {
                protocol: props.protocol,
                port: self.service_port,
                target_port: Some(props.port),
                suffix: None,
            }],
            labels,
            ..Default::default()
        }
    }

    /// Adds the workload and its Services; returns the host callers use
    /// and the workload's kind. `version_services` are the Services Gateway
    /// API routes reach each version through, as (name, version).
    pub(super) fn add(
        &self,
        s: &mut Scope<'_>,
        version_services: &[(String, String)],
    ) -> Result<(String, Target), Error> {
        match &self.props.delivery {
            Delivery::Deployment => self.deployments(s, version_services),
            Delivery::BlueGreen {
                auto_promotion,
                scale_down_delay_seconds,
                analysis_template,
            } => self.blue_green(
                s,
                *auto_promotion,
                *scale_down_delay_seconds,
                analysis_template.as_deref(),
            ),
            Delivery::Canary {
                steps,
                analysis_template,
            } => self.canary(s, steps, analysis_template.as_deref()),
        }
    }

    /// The primary Deployment, one per further version, and the Services.
    fn deployments(
        &self,
        s: &mut Scope<'_>,
        version_services: &[(String, String)],
    ) -> Result<(String, Target), Error> {
        let name = &self.name;
        AppDeployment::new(
            s,
            "Deployment",
            AppDeploymentProps {
                name: name.clone(),
                replicas: self.fixed,
                pod: self.pod.clone(),
                labels: self.app_labels.clone(),
            },
        )?;
        for v in &self.props.versions {
            let mut p = self.pod.clone();
            p.selector.insert("version".into(), v.name.clone());
            p.labels.insert("version".into(), v.name.clone());
            p.containers[0].image = v.image.clone();
            p.containers[0].env = v.env.clone();
            AppDeployment::new(
                s,
                &format!("Deployment-{}", v.name),
                AppDeploymentProps {
                    name: format!("{name}-{}", v.name),
                    replicas: Some(v.replicas),
                    pod: p,
                    labels: self.app_labels.clone(),
                },
            )?;
        }
        AppService::new(s, "Service", self.service(name.clone()))?;
        // Gateway API routes reach a version through its own Service.
        for (svc, version) in version_services {
            AppService::new(
                s,
                &format!("Service-{version}"),
                AppServiceProps {
                    selector: http_route::version_selector(name, version),
                    ..self.service(svc.clone())
                },
            )?;
        }
        Ok((name.clone(), ("apps/v1", "Deployment")))
    }

    /// Active and preview Services and the blue/green Rollout.
    fn blue_green(
        &self,
        s: &mut Scope<'_>,
        auto_promotion: bool,
        scale_down_delay_seconds: i32,
        analysis_template: Option<&str>,
    ) -> Result<(String, Target), Error> {
        let name = &self.name;
        let active = format!("{name}-active");
        let preview = format!("{name}-preview");
        AppService::new(s, "ActiveService", self.service(active.clone()))?;
        AppService::new(s, "PreviewService", self.service(preview.clone()))?;
        let analysis =
            analysis_template.map(|t| success_rate_analysis(t, &preview, &self.namespace));
        let post = analysis_template.map(|t| success_rate_analysis(t, &active, &self.namespace));
        let strategy = RolloutStrategy {
            blue_green: Some(BlueGreen {
                active_service: active.clone(),
                preview_service: Some(preview),
                auto_promotion_enabled: Some(auto_promotion),
                scale_down_delay_seconds: Some(scale_down_delay_seconds),
                pre_promotion_analysis: analysis,
                post_promotion_analysis: post,
                ..Default::default()
            }),
            canary: None,
        };
        self.rollout(s, strategy)?;
        Ok((active, ("argoproj.io/v1alpha1", "Rollout")))
    }

    /// The Service and the canary Rollout, which shifts weight through the
    /// in-mesh and ingress VirtualServices and the DestinationRule subsets.
    fn canary(
        &self,
        s: &mut Scope<'_>,
        steps: &[CanaryStep],
        analysis_template: Option<&str>,
    ) -> Result<(String, Target), Error> {
        let name = &self.name;
        AppService::new(s, "Service", self.service(name.clone()))?;
        // The ingress VirtualServices shift weight too, or gateway traffic
        // would skip the canary.
        let virtual_services = std::iter::once(IstioVirtualServiceRef {
            name: name.clone(),
            routes: Some(vec!["primary".into()]),
            ..Default::default()
        })
        .chain(
            virtual_service::ingress_routes(name, &self.props.routes)
                .into_iter()
                .map(|(_, vs)| IstioVirtualServiceRef {
                    name: vs,
                    routes: Some(vec!["ingress".into()]),
                    ..Default::default()
                }),
        )
        .collect();
        let strategy = RolloutStrategy {
            blue_green: None,
            canary: Some(Canary {
                traffic_routing: Some(TrafficRouting {
                    istio: Some(IstioTrafficRouting {
                        virtual_service: None,
                        virtual_services: Some(virtual_services),
                        destination_rule: Some(IstioDestinationRuleRef {
                            name: name.clone(),
                            canary_subset_name: "canary".into(),
                            stable_subset_name: "stable".into(),
                            additional_subset_names: None,
                        }),
                    }),
                    ..Default::default()
                }),
                steps: Some(steps.iter().map(|s| s.0.clone()).collect()),
                analysis: analysis_template
                    .map(|t| canary_success_rate_analysis(t, name, &self.namespace)),
                ..Default::default()
            }),
        };
        self.rollout(s, strategy)?;
        Ok((name.clone(), ("argoproj.io/v1alpha1", "Rollout")))
    }

    /// The Rollout `Rollout` with `strategy` (the chart sets its namespace).
    fn rollout(&self, s: &mut Scope<'_>, strategy: RolloutStrategy) -> Result<(), Error> {
        let r = Rollout {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                ..Default::default()
            },
            spec: RolloutSpec {
                replicas: self.fixed,
                selector: Some(selector(&self.app_labels)),
                template: Some(pod_template(self.pod.template(self.path)?)),
                strategy: Some(strategy),
                revision_history_limit: Some(3),
                ..Default::default()
            },
            status: None,
        };
        let r = crate::mesh::add_object(s, "Rollout", r)?;
        self.pod.record_checkov_deviations(s, r.node())
    }
}

/// The pod every delivery runs: one container `app` with the service's
/// image, port, env, resources and HTTP probes.
fn pod_props(
    props: &MeshServiceProps,
    service_account: &str,
    app_labels: &BTreeMap<String, String>,
) -> PodProps {
    let mut labels = BTreeMap::from([("version".to_string(), props.version.clone())]);
    if matches!(props.delivery, Delivery::Deployment) {
        labels.insert("app.kubernetes.io/name".into(), props.name.clone());
    }
    let probe = props.health_path.as_ref().map(|p| ProbeProps::Http {
        path: p.clone(),
        port: props.port,
    });
    // Versions run side by side, so each Deployment must select its own pods.
    let mut selector = app_labels.clone();
    if !props.versions.is_empty() {
        selector.insert("version".into(), props.version.clone());
    }
    PodProps {
        selector,
        labels,
        annotations: BTreeMap::new(),
        service_account: Some(service_account.to_string()),
        containers: vec![ContainerProps {
            name: "app".into(),
            image: props.image.clone(),
            ports: vec![ContainerPort {
                name: props.protocol.prefix().into(),
                port: props.port,
            }],
            env: props.env.clone(),
            resources: props.resources.clone(),
            liveness: probe.clone(),
            readiness: probe,
            ..Default::default()
        }],
        volumes: Vec::new(),
        kubernetes_api_access: false,
    }
}
