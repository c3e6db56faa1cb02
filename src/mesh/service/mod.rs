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
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::mesh::service::{MeshService, MeshServiceProps, Scaling};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         MeshNamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
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
mod workload;

pub use network::{AMBIENT_PROBE_SOURCE, HBONE_PORT};
pub use props::{
    Delivery, IngressRoute, IrsaNeeds, MeshServiceProps, Resilience, Scaling, ServiceIdentity,
};

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};

use crate::core::{Error, ObjectRef, Scope};
use crate::k8s::workloads::{
    self, AppPodDisruptionBudget, AppPodDisruptionBudgetProps, AppServiceAccount,
    AppServiceAccountProps, Disruption, Hpa, HpaMetric, HpaProps,
};
use crate::mesh::gateway_api::{RoutingApi, USE_WAYPOINT_LABEL};
use crate::mesh::istio::networking::{Destination, DestinationExt};
use crate::mesh::istio::security::principal;
use crate::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps};
use crate::mesh::traffic::Plan;

use workload::Workload;

use crate::aws::iam::{IrsaRole, IrsaRoleProps};

/// The mesh's trust domain, used for SPIFFE principals.
pub const TRUST_DOMAIN: &str = "cluster.local";

/// The ingress gateway's identity (istioctl's default installation).
pub const INGRESS_GATEWAY_PRINCIPAL: &str =
    "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";

fn account_props(
    name: &str,
    namespace: Option<&str>,
    annotations: BTreeMap<String, String>,
) -> AppServiceAccountProps {
    AppServiceAccountProps {
        name: name.to_string(),
        namespace: namespace.map(str::to_string),
        annotations,
    }
}

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
            AppServiceAccount::new(scope, id, account_props(name, namespace, BTreeMap::new()))
        }
        ServiceIdentity::RoleArn(arn) => {
            let arn = scope.deferred(arn)?;
            let annotations = BTreeMap::from([("eks.amazonaws.com/role-arn".to_string(), arn)]);
            AppServiceAccount::new(scope, id, account_props(name, namespace, annotations))
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

/// The service's identity with what its KEDA triggers read added to its
/// IRSA role, when they read AWS as the workload: the grant comes from the
/// trigger, so a scaler that cannot read its metric cannot be written.
fn identity_with_trigger_grants(
    path: &str,
    props: &MeshServiceProps,
) -> Result<ServiceIdentity, Error> {
    let Scaling::Keda {
        triggers,
        aws_identity: AwsIdentity::Workload,
        ..
    } = &props.scaling
    else {
        return Ok(props.identity.clone());
    };
    let Some(first) = triggers.iter().find(|t| t.reads_aws()) else {
        return Ok(props.identity.clone());
    };
    match &props.identity {
        ServiceIdentity::Irsa(needs) => {
            let mut needs = needs.clone();
            for t in triggers {
                for st in t.required_statements() {
                    if !needs.statements.contains(&st) {
                        needs.statements.push(st);
                    }
                }
            }
            Ok(ServiceIdentity::Irsa(needs))
        }
        ServiceIdentity::RoleArn(_) => Ok(props.identity.clone()),
        ServiceIdentity::Plain => Err(Error::construct(
            path,
            format!(
                "the KEDA trigger {} reads AWS with the workload's identity (AwsIdentity::Workload), but the service has no AWS identity: KEDA gets no credentials and the workload never scales",
                first.keda_type()
            ),
            "give the service ServiceIdentity::Irsa (the trigger's grant is added to its role), or use AwsIdentity::Keda or AwsIdentity::Role",
        )),
    }
}

/// The waypoint the `istio.io/use-waypoint` label of namespace `namespace`
/// of the scope's cluster names, if that Namespace is already declared.
fn namespace_waypoint(scope: &Scope<'_>, namespace: &str) -> Option<String> {
    let cluster = scope.cluster()?;
    scope
        .app()
        .objects_of_kind("Namespace")
        .into_iter()
        .filter(|e| e.cluster == cluster)
        .filter_map(|e| e.object.as_any().downcast_ref::<Namespace>())
        .find(|n| n.metadata.name.as_deref() == Some(namespace))
        .and_then(|n| n.metadata.labels.as_ref()?.get(USE_WAYPOINT_LABEL).cloned())
        .filter(|w| w != "none")
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
        let path = scope.child_path(id);
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
        check_scaling(&path, &props.scaling)?;
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
        let sa_name = props
            .service_account_name
            .clone()
            .unwrap_or_else(|| props.name.clone());
        // A KEDA scaler with no AWS identity is reported, and the service
        // still built, so the rest of the platform is checked in the same run.
        let identity = identity_with_trigger_grants(&path, &props).unwrap_or_else(|e| {
            s.refuse(e);
            props.identity.clone()
        });
        let sa = service_account_for(&mut s, "ServiceAccount", &sa_name, None, &identity)?;
        let namespace = sa.namespace().unwrap_or("default").to_string();
        let w = Workload::new(&props, &path, namespace, &sa_name, service_port);
        let version_services = http_routes
            .as_ref()
            .map_or(&[][..], |r| r.version_services.as_slice());
        let (host, target) = w.add(&mut s, version_services)?;
        // A waypoint named by the namespace (declared before the service)
        // carries the traffic as much as one named here.
        let waypoint = props
            .waypoint
            .clone()
            .or_else(|| namespace_waypoint(&s, &w.namespace));
        // The Services a waypoint checks the callers on.
        let services: Vec<String> = std::iter::once(w.name.clone())
            .chain(version_services.iter().map(|(svc, _)| svc.clone()))
            .collect();
        if props.istio_objects {
            Self::routing(&mut s, &w, &host, plan.as_ref(), http_routes)?;
            policy::authorization_policies(
                &mut s,
                &props,
                (&w.name, &w.namespace),
                waypoint.as_deref(),
                http_route::gateway_principals(api, &props, &w.namespace),
                services,
            )?;
        }
        if props.network_policy {
            network::add(&mut s, &props, &w.namespace, api, waypoint.is_some())?;
        }
        Self::scaling(&mut s, &props, &w.name, target)?;
        Ok(MeshService {
            principal: principal(TRUST_DOMAIN, &w.namespace, &sa_name),
            name: w.name,
            namespace: w.namespace,
            service_account: sa,
            host,
        })
    }

    /// The traffic objects: with Istio routing the DestinationRule (with
    /// subsets) and the VirtualServices; with Gateway API routing a
    /// DestinationRule per Service and the converted HTTPRoutes.
    fn routing(
        s: &mut Scope<'_>,
        w: &Workload<'_>,
        host: &str,
        plan: Option<&Plan<'_>>,
        http_routes: Option<http_route::Routes>,
    ) -> Result<(), Error> {
        let props = w.props;
        let name = &w.name;
        match http_routes {
            None => {
                let canary = matches!(props.delivery, Delivery::Canary { .. });
                let subsets = plan
                    .map(Plan::subsets)
                    .or_else(|| canary.then(|| policy::canary_subsets(name)));
                policy::destination_rule(s, "DestinationRule", props, (name, host), subsets)?;
                let dest = Destination::host(host).port(w.service_port);
                virtual_service::add(s, props, name, host, &dest, plan, canary)
            }
            Some(routes) => {
                policy::destination_rule(s, "DestinationRule", props, (name, host), None)?;
                for (svc, version) in &routes.version_services {
                    policy::destination_rule(
                        s,
                        &format!("DestinationRule-{version}"),
                        props,
                        (svc, svc),
                        None,
                    )?;
                }
                routes.add(s)
            }
        }
    }

    /// HPA or KEDA, and the disruption budget.
    fn scaling(
        s: &mut Scope<'_>,
        props: &MeshServiceProps,
        name: &str,
        target: (&str, &str),
    ) -> Result<(), Error> {
        let min_replicas = match &props.scaling {
            Scaling::Fixed(n) => *n,
            Scaling::Hpa { min, .. } | Scaling::Keda { min, .. } => *min,
        };
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
            AppPodDisruptionBudget::new(
                s,
                "Pdb",
                AppPodDisruptionBudgetProps {
                    name: format!("{name}-pdb"),
                    selector: app_labels.clone(),
                    budget: Disruption::MinAvailable(min_replicas / 2),
                },
            )?;
        }

        Ok(())
    }
}

/// `scaling` judged in its own terms (`min`, `max`, `cpu_percent`), before
/// anything is added: the autoscaler constructs it becomes would name
/// their props instead (`min_replicas`, `HpaMetric`), which the service's
/// author never wrote.
fn check_scaling(path: &str, scaling: &Scaling) -> Result<(), Error> {
    let refuse = |what: String, hint: &str| Err(Error::construct(path, what, hint));
    match scaling {
        Scaling::Fixed(n) if *n < 0 => refuse(
            format!("scaling: Scaling::Fixed({n}) is a negative replica count"),
            "use Scaling::Fixed(2) or more (0 stops the service)",
        ),
        Scaling::Hpa { min, max, .. } if *min < 1 || max < min => refuse(
            format!("scaling: Scaling::Hpa {{ min: {min}, max: {max} }} is not a range an HPA accepts"),
            "use 1 <= min <= max, e.g. Scaling::Hpa { min: 2, max: 10, .. }",
        ),
        Scaling::Hpa {
            cpu_percent: None,
            memory_percent: None,
            extra,
            ..
        } if extra.is_empty() => refuse(
            "scaling: Scaling::Hpa has no metric to scale on (cpu_percent, memory_percent and extra are all empty)".into(),
            "set e.g. cpu_percent: Some(70)",
        ),
        Scaling::Keda { min, max, .. } if *min < 0 || *max < (*min).max(1) => refuse(
            format!("scaling: Scaling::Keda {{ min: {min}, max: {max} }} is not a range KEDA accepts"),
            "use 0 <= min <= max and max >= 1 (min 0 scales to zero)",
        ),
        Scaling::Keda { triggers, .. } if triggers.is_empty() => refuse(
            "scaling: Scaling::Keda has no trigger".into(),
            "add a Trigger (e.g. Trigger::AwsSqsQueue { .. }), or use Scaling::Hpa",
        ),
        _ => Ok(()),
    }
}
