//! `MeshService` (L3 construct): one declaration — name, image, port,
//! replicas, routes, resilience, scaling and identity — becomes, consistent
//! by construction, the ServiceAccount (IRSA-linked when IAM needs are
//! given), the Deployment or Argo Rollout, the Service, VirtualServices and
//! DestinationRule, the HPA or KEDA ScaledObject, the PodDisruptionBudget and
//! the AuthorizationPolicy and NetworkPolicy.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, NamespaceProps};
//! use meshsynth::mesh::service::{MeshService, MeshServiceProps, Scaling};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         NamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
//!     // One declaration: ServiceAccount, Deployment, Service, DestinationRule, VirtualService,
//!     // HPA, PodDisruptionBudget, AuthorizationPolicy and NetworkPolicy, consistent by construction.
//!     MeshService::new(&mut c, "Orders", MeshServiceProps {
//!         name: "orders".into(),
//!         image: "registry.example.com/acme/orders:1.4.2".into(),
//!         health_path: Some("/healthz".into()),
//!         scaling: Scaling::Hpa {
//!             min: 2, max: 10, cpu_percent: Some(70), memory_percent: None,
//!             extra: vec![], scale_up: None, scale_down: None,
//!         },
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! for kind in ["ServiceAccount", "Deployment", "Service", "DestinationRule", "HorizontalPodAutoscaler",
//!              "PodDisruptionBudget", "AuthorizationPolicy", "NetworkPolicy"] {
//!     assert_eq!(synth.objects_of_kind(kind).len(), 1, "{kind}");
//! }
//! ```

mod http_route;
mod network;
mod policy;
mod props;
mod virtual_service;

pub use network::{AMBIENT_PROBE_SOURCE, HBONE_PORT};
pub use props::{
    Delivery, IngressRoute, IrsaNeeds, MeshServiceProps, Resilience, Scaling, ServiceIdentity,
};

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::{Error, ObjectRef, Scope};
use crate::k8s::workloads::{
    self, AppDeployment, AppService, ContainerPort, ContainerProps, DeploymentProps, Disruption,
    Hpa, HpaMetric, HpaProps, PodProps, ProbeProps, ServicePortProps, ServiceProps,
};
use crate::mesh::gateway_api::{RoutingApi, USE_WAYPOINT_LABEL};
use crate::mesh::istio::networking::{Destination, DestinationExt};
use crate::mesh::istio::security::principal;
use crate::mesh::keda::{KedaScaler, KedaScalerProps};
use crate::mesh::rollouts::{
    canary_success_rate_analysis, pod_template, selector, success_rate_analysis, BlueGreen, Canary,
    IstioDestinationRuleRef, IstioTrafficRouting, IstioVirtualServiceRef, Rollout, RolloutSpec,
    RolloutStrategy, TrafficRouting,
};
use crate::mesh::traffic::Plan;

use crate::aws::iam::{IrsaRole, IrsaRoleProps};

/// The mesh's trust domain, used for SPIFFE principals.
pub const TRUST_DOMAIN: &str = "cluster.local";

/// The ingress gateway's identity (istioctl's default installation).
pub const INGRESS_GATEWAY_PRINCIPAL: &str =
    "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";

/// The ServiceAccount of a workload: the one place where identity becomes
/// objects. For `Irsa`, `aws::iam::IrsaRole::new` creates the role and the
/// ServiceAccount from one call, so the trust policy names this very account.
pub fn service_account_for(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    namespace: Option<&str>,
    identity: &ServiceIdentity,
) -> Result<ObjectRef<ServiceAccount>, Error> {
    match identity {
        ServiceIdentity::Plain => {
            workloads::service_account(scope, id, name, namespace, BTreeMap::new())
        }
        ServiceIdentity::RoleArn(arn) => {
            let arn = scope.deferred(arn)?;
            workloads::service_account(
                scope,
                id,
                name,
                namespace,
                BTreeMap::from([("eks.amazonaws.com/role-arn".to_string(), arn)]),
            )
        }
        ServiceIdentity::Irsa(needs) => {
            let ns = namespace
                .or(scope.chart_namespace())
                .unwrap_or("default")
                .to_string();
            IrsaRole::new(
                scope,
                id,
                IrsaRoleProps {
                    oidc: needs.oidc.clone(),
                    namespace: ns,
                    service_account: name.into(),
                    statements: needs.statements.clone(),
                    managed_policy_arns: needs.managed_policy_arns.clone(),
                },
            )
            .map(|r| r.service_account)
        }
    }
}

/// The waypoint the `istio.io/use-waypoint` label of namespace `namespace`
/// of the scope's cluster names, if that Namespace is already declared.
fn namespace_waypoint(scope: &Scope<'_>, namespace: &str) -> Option<String> {
    let cluster = scope.cluster()?;
    scope
        .app()
        .all_objects()
        .into_iter()
        .filter(|(_, c, _)| *c == cluster)
        .filter_map(|(_, _, o)| o.as_any().downcast_ref::<Namespace>())
        .find(|n| n.metadata.name.as_deref() == Some(namespace))
        .and_then(|n| n.metadata.labels.as_ref()?.get(USE_WAYPOINT_LABEL).cloned())
        .filter(|w| w != "none")
}

/// The Rollout named `name` (the chart sets its namespace).
fn rollout(name: &str, spec: RolloutSpec) -> Rollout {
    Rollout {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..Default::default()
        },
        spec,
        status: None,
    }
}

/// What a `MeshService` produced.
pub struct MeshService {
    /// The name of every object.
    pub name: String,
    /// The namespace.
    pub namespace: String,
    /// The ServiceAccount the pods run as.
    pub service_account: ObjectRef<ServiceAccount>,
    /// The Kubernetes host callers use (`name`, or the active Service for blue/green).
    pub host: String,
    /// The SPIFFE principal of the service's pods.
    pub principal: String,
}

impl MeshService {
    /// Adds every object of the service.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: MeshServiceProps,
    ) -> Result<MeshService, Error> {
        workloads::check_name(scope, id, "mesh service name", &props.name)?;
        let path = format!("{}/{id}", scope.path());
        workloads::check_port(&path, "container port", props.port)?;
        if !props.istio_objects
            && (!props.routes.is_empty() || matches!(props.delivery, Delivery::Canary { .. }))
        {
            return Err(Error::construct(
                path,
                "ingress routes and canary delivery are Istio routing; they need istio_objects: true",
                "set istio_objects: true, or use an AlbIngress and blue/green delivery",
            ));
        }
        let composed = !props.versions.is_empty() || !props.traffic.is_empty();
        if composed && !matches!(props.delivery, Delivery::Deployment) {
            return Err(Error::construct(
                path,
                "versions and traffic rules route between Deployments; Argo Rollouts delivery routes on its own",
                "use Delivery::Deployment with versions and traffic rules, or drop them for the Rollout",
            ));
        }
        if composed && !props.istio_objects {
            return Err(Error::construct(
                path,
                "versions and traffic rules are Istio routing; they need istio_objects: true",
                "set istio_objects: true, or drop versions and traffic",
            ));
        }
        let api = RoutingApi::resolve(scope, props.routing)?;
        if api.is_gateway_api() && matches!(props.delivery, Delivery::Canary { .. }) {
            return Err(Error::construct(
                path,
                "canary delivery shifts weight through Istio VirtualServices; with Gateway API routing it has nothing to shift",
                "use versions and traffic rules (a weighted split) with Delivery::Deployment, or route this service with RoutingApi::Istio",
            ));
        }
        let plan = if composed {
            Some(Plan::new(
                &path,
                &props.version,
                &props.versions,
                &props.traffic,
            )?)
        } else {
            None
        };
        // Gateway API routes are converted before anything is added: what
        // they cannot express is one error, with nothing half-built.
        let service_port = props.service_port.unwrap_or(props.port);
        let http_routes = if api.is_gateway_api() && props.istio_objects {
            Some(http_route::build(
                &path,
                api,
                &props,
                service_port,
                plan.as_ref(),
            )?)
        } else {
            None
        };
        let mut s = scope.child(id)?;
        let name = props.name.clone();
        let sa_name = props
            .service_account_name
            .clone()
            .unwrap_or_else(|| name.clone());
        let sa = service_account_for(&mut s, "ServiceAccount", &sa_name, None, &props.identity)?;
        let namespace = sa.namespace().unwrap_or("default").to_string();
        let app_labels = BTreeMap::from([("app".to_string(), name.clone())]);
        let mut pod_labels = BTreeMap::from([("version".to_string(), props.version.clone())]);
        if matches!(props.delivery, Delivery::Deployment) {
            pod_labels.insert("app.kubernetes.io/name".into(), name.clone());
        }
        let probe = props.health_path.as_ref().map(|p| ProbeProps::Http {
            path: p.clone(),
            port: props.port,
        });
        // Versions run side by side, so each Deployment must select its own pods.
        let mut pod_selector = app_labels.clone();
        if !props.versions.is_empty() {
            pod_selector.insert("version".into(), props.version.clone());
        }
        let pod = PodProps {
            selector: pod_selector,
            labels: pod_labels,
            annotations: BTreeMap::new(),
            service_account: Some(sa_name.clone()),
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
        };
        let fixed = match props.scaling {
            Scaling::Fixed(n) => Some(n),
            _ => None,
        };
        let min_replicas = match &props.scaling {
            Scaling::Fixed(n) => *n,
            Scaling::Hpa { min, .. } | Scaling::Keda { min, .. } => *min,
        };
        let mut svc_labels = app_labels.clone();
        if let Some(w) = &props.waypoint {
            svc_labels.insert(USE_WAYPOINT_LABEL.into(), w.clone());
        }
        let svc_props = |svc_name: String| ServiceProps {
            name: svc_name,
            selector: app_labels.clone(),
            ports: vec![ServicePortProps {
                protocol: props.protocol,
                port: service_port,
                target_port: Some(props.port),
                suffix: None,
            }],
            labels: svc_labels.clone(),
            ..Default::default()
        };

        // Workload and Services.
        let (host, target) = match &props.delivery {
            Delivery::Deployment => {
                AppDeployment::new(
                    &mut s,
                    "Deployment",
                    DeploymentProps {
                        name: name.clone(),
                        replicas: fixed,
                        pod: pod.clone(),
                        labels: app_labels.clone(),
                    },
                )?;
                for v in &props.versions {
                    let mut p = pod.clone();
                    p.selector.insert("version".into(), v.name.clone());
                    p.labels.insert("version".into(), v.name.clone());
                    p.containers[0].image = v.image.clone();
                    p.containers[0].env = v.env.clone();
                    AppDeployment::new(
                        &mut s,
                        &format!("Deployment-{}", v.name),
                        DeploymentProps {
                            name: format!("{name}-{}", v.name),
                            replicas: Some(v.replicas),
                            pod: p,
                            labels: app_labels.clone(),
                        },
                    )?;
                }
                AppService::new(&mut s, "Service", svc_props(name.clone()))?;
                // Gateway API routes reach a version through its own Service.
                for (svc, version) in http_routes.iter().flat_map(|r| &r.version_services) {
                    AppService::new(
                        &mut s,
                        &format!("Service-{version}"),
                        ServiceProps {
                            selector: http_route::version_selector(&name, version),
                            ..svc_props(svc.clone())
                        },
                    )?;
                }
                (name.clone(), ("apps/v1", "Deployment"))
            }
            Delivery::BlueGreen {
                auto_promotion,
                scale_down_delay_seconds,
                analysis_template,
            } => {
                let active = format!("{name}-active");
                let preview = format!("{name}-preview");
                AppService::new(&mut s, "ActiveService", svc_props(active.clone()))?;
                AppService::new(&mut s, "PreviewService", svc_props(preview.clone()))?;
                let analysis = analysis_template
                    .as_ref()
                    .map(|t| success_rate_analysis(t, &preview, &namespace));
                let post = analysis_template
                    .as_ref()
                    .map(|t| success_rate_analysis(t, &active, &namespace));
                let r = rollout(
                    &name,
                    RolloutSpec {
                        replicas: fixed,
                        selector: Some(selector(&app_labels)),
                        template: Some(pod_template(pod.template(&path)?)),
                        strategy: Some(RolloutStrategy {
                            blue_green: Some(BlueGreen {
                                active_service: active.clone(),
                                preview_service: Some(preview),
                                auto_promotion_enabled: Some(*auto_promotion),
                                scale_down_delay_seconds: Some(*scale_down_delay_seconds),
                                pre_promotion_analysis: analysis,
                                post_promotion_analysis: post,
                                ..Default::default()
                            }),
                            canary: None,
                        }),
                        revision_history_limit: Some(3),
                        ..Default::default()
                    },
                );
                let r = crate::mesh::add_object(&mut s, "Rollout", r)?;
                pod.record_checkov_deviations(&mut s, r.node())?;
                (active, ("argoproj.io/v1alpha1", "Rollout"))
            }
            Delivery::Canary {
                steps,
                analysis_template,
            } => {
                AppService::new(&mut s, "Service", svc_props(name.clone()))?;
                let r = rollout(
                    &name,
                    RolloutSpec {
                        replicas: fixed,
                        selector: Some(selector(&app_labels)),
                        template: Some(pod_template(pod.template(&path)?)),
                        strategy: Some(RolloutStrategy {
                            blue_green: None,
                            canary: Some(Canary {
                                traffic_routing: Some(TrafficRouting {
                                    istio: Some(IstioTrafficRouting {
                                        // The ingress VirtualServices shift weight too,
                                        // or gateway traffic would skip the canary.
                                        virtual_service: None,
                                        virtual_services: Some(
                                            std::iter::once(IstioVirtualServiceRef {
                                                name: name.clone(),
                                                routes: Some(vec!["primary".into()]),
                                                ..Default::default()
                                            })
                                            .chain(
                                                virtual_service::ingress_routes(
                                                    &name,
                                                    &props.routes,
                                                )
                                                .into_iter()
                                                .map(|(_, vs)| IstioVirtualServiceRef {
                                                    name: vs,
                                                    routes: Some(vec!["ingress".into()]),
                                                    ..Default::default()
                                                }),
                                            )
                                            .collect(),
                                        ),
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
                                    .as_ref()
                                    .map(|t| canary_success_rate_analysis(t, &name, &namespace)),
                                ..Default::default()
                            }),
                        }),
                        revision_history_limit: Some(3),
                        ..Default::default()
                    },
                );
                let r = crate::mesh::add_object(&mut s, "Rollout", r)?;
                pod.record_checkov_deviations(&mut s, r.node())?;
                (name.clone(), ("argoproj.io/v1alpha1", "Rollout"))
            }
        };
        let dest = Destination::host(host.clone()).port(service_port);
        // A waypoint named by the namespace (declared before the service)
        // carries the traffic as much as one named here.
        let waypoint = props
            .waypoint
            .clone()
            .or_else(|| namespace_waypoint(&s, &namespace));
        if props.istio_objects {
            let gateways = http_route::gateway_principals(api, &props, &namespace);
            let mut services = vec![name.clone()];
            match http_routes {
                None => {
                    let canary = matches!(props.delivery, Delivery::Canary { .. });
                    let subsets = plan
                        .as_ref()
                        .map(Plan::subsets)
                        .or_else(|| canary.then(|| policy::canary_subsets(&name)));
                    policy::destination_rule(
                        &mut s,
                        "DestinationRule",
                        &props,
                        (&name, &host),
                        subsets,
                    )?;
                    virtual_service::add(
                        &mut s,
                        &props,
                        &name,
                        &host,
                        &dest,
                        plan.as_ref(),
                        canary,
                    )?;
                }
                Some(routes) => {
                    policy::destination_rule(
                        &mut s,
                        "DestinationRule",
                        &props,
                        (&name, &host),
                        None,
                    )?;
                    for (svc, version) in &routes.version_services {
                        policy::destination_rule(
                            &mut s,
                            &format!("DestinationRule-{version}"),
                            &props,
                            (svc, svc),
                            None,
                        )?;
                        services.push(svc.clone());
                    }
                    routes.add(&mut s)?;
                }
            }
            policy::authorization_policies(
                &mut s,
                &props,
                (&name, &namespace),
                waypoint.as_deref(),
                gateways,
                services,
            )?;
        }
        if props.network_policy {
            network::add(&mut s, &props, &namespace, api, waypoint.is_some())?;
        }
        Self::scaling(&mut s, &props, &name, target, min_replicas)?;
        Ok(MeshService {
            principal: principal(TRUST_DOMAIN, &namespace, &sa_name),
            name,
            namespace,
            service_account: sa,
            host,
        })
    }

    /// HPA or KEDA, and the disruption budget.
    fn scaling(
        s: &mut Scope<'_>,
        props: &MeshServiceProps,
        name: &str,
        target: (&str, &str),
        min_replicas: i32,
    ) -> Result<(), Error> {
        let app_labels = BTreeMap::from([("app".to_string(), name.to_string())]);
        match &props.scaling {
            Scaling::Fixed(_) => {}
            Scaling::Hpa {
                min,
                max,
                cpu_percent,
                memory_percent,
                extra,
                scale_up,
                scale_down,
            } => {
                let mut metrics = Vec::new();
                metrics.extend(cpu_percent.map(HpaMetric::Cpu));
                metrics.extend(memory_percent.map(HpaMetric::Memory));
                metrics.extend(extra.iter().cloned());
                Hpa::new(
                    s,
                    "Hpa",
                    HpaProps {
                        name: format!("{name}-hpa"),
                        target: (target.0.into(), target.1.into(), name.to_string()),
                        min_replicas: *min,
                        max_replicas: *max,
                        metrics,
                        scale_up: scale_up.clone(),
                        scale_down: scale_down.clone(),
                    },
                )?;
            }
            Scaling::Keda {
                min,
                max,
                triggers,
                aws_identity,
            } => {
                KedaScaler::new(
                    s,
                    "ScaledObject",
                    KedaScalerProps {
                        name: name.to_string(),
                        target: (target.0.into(), target.1.into(), name.to_string()),
                        min_replicas: *min,
                        max_replicas: *max,
                        polling_interval: Some(30),
                        cooldown_period: Some(300),
                        triggers: triggers.clone(),
                        aws_identity: aws_identity.clone(),
                    },
                )?;
            }
        }
        if min_replicas >= 2 {
            workloads::pod_disruption_budget(
                s,
                "Pdb",
                &format!("{name}-pdb"),
                &app_labels,
                Disruption::MinAvailable(min_replicas / 2),
            )?;
        }

        Ok(())
    }
}
