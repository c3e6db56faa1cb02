//! Ingress through the AWS Load Balancer Controller (construct layer): an
//! ALB Ingress (HTTP→HTTPS redirect, IP targets), or the Service annotations
//! that make an NLB.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshNamespace, MeshNamespaceProps};
//! use meshsynth::addons::ingress::{AlbIngress, AlbIngressProps, AlbPath};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Edge", ChartProps::new("acme-prod").namespace("istio-system"))?;
//!     let mut c = app.scope(chart.node())?;
//!     // The gateway's namespace (an Istio installation in the cluster would create it).
//!     MeshNamespace::new(&mut c, "Namespace", MeshNamespaceProps { name: "istio-system".into(), ..Default::default() })?;
//!     AlbIngress::new(&mut c, "Public", AlbIngressProps {
//!         name: "public".into(),
//!         host: Some("shop.acme.example".into()),
//!         paths: vec![AlbPath { path: "/".into(), service: "istio-ingressgateway".into(), port: 80 }],
//!         certificate_arn: Some("arn:aws:acm:eu-west-1:123456789012:certificate/abc".into()),
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.object("Ingress", "public").has(serde_json::json!({ "spec": { "ingressClassName": "alb" } }));
//! ```

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::{Error, ObjectRef, Scope, Value};
use crate::k8s::workloads::{check_name, check_port, AppService, AppServiceProps, ServiceType};
use crate::mesh::add_object;

pub use crate::mesh::istio::install::nlb_annotations;

/// One path of an ALB Ingress.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbPath {
    /// Path prefix, e.g. `/api`.
    pub path: String,
    /// The Service traffic to this path goes to.
    pub service: String,
    /// That Service's port.
    pub port: u16,
}

/// Props of an `AlbIngress`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbIngressProps {
    /// `metadata.name`; a DNS-1123 label. Required (no default).
    pub name: String,
    /// Host to match. Default: any host.
    pub host: Option<String>,
    /// Path prefixes and the Services behind them; at least one. Required (no default).
    pub paths: Vec<AlbPath>,
    /// ACM certificate for HTTPS (literal ARN or CloudFormation value). Default: HTTP only.
    pub certificate_arn: Option<Value>,
    /// Default: true (internet-facing); false makes an internal ALB.
    pub internet_facing: bool,
    /// The HTTPS listener's security policy (with `certificate_arn`).
    /// Default: `ELBSecurityPolicy-TLS13-1-2-2021-06` (TLS 1.3 and 1.2
    /// only); the controller's own default allows TLS 1.0, and a policy
    /// that does is refused (`MS-ALB-1`).
    pub ssl_policy: String,
}

impl Default for AlbIngressProps {
    fn default() -> Self {
        AlbIngressProps {
            name: String::new(),
            host: None,
            paths: Vec::new(),
            certificate_arn: None,
            internet_facing: true,
            ssl_policy: crate::mesh::analysis::DEFAULT_SSL_POLICY.to_string(),
        }
    }
}

/// An Ingress served by an ALB (`ingressClassName: alb`).
pub struct AlbIngress;

impl AlbIngress {
    /// Adds the Ingress.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AlbIngressProps,
    ) -> Result<ObjectRef<Ingress>, Error> {
        check_name(scope, id, "ingress name", &props.name)?;
        let path = scope.child_path(id);
        if props.paths.is_empty() {
            return Err(Error::construct(
                path,
                "an Ingress needs at least one path",
                "add an AlbPath",
            ));
        }
        let mut ann = BTreeMap::from([
            (
                "alb.ingress.kubernetes.io/scheme".to_string(),
                if props.internet_facing {
                    "internet-facing"
                } else {
                    "internal"
                }
                .to_string(),
            ),
            ("alb.ingress.kubernetes.io/target-type".into(), "ip".into()),
        ]);
        if let Some(arn) = &props.certificate_arn {
            let arn = scope.deferred(arn)?;
            ann.insert("alb.ingress.kubernetes.io/certificate-arn".into(), arn);
            ann.insert(
                crate::mesh::analysis::SSL_POLICY.into(),
                props.ssl_policy.clone(),
            );
            ann.insert(
                "alb.ingress.kubernetes.io/listen-ports".into(),
                r#"[{"HTTP": 80}, {"HTTPS": 443}]"#.into(),
            );
            ann.insert(
                "alb.ingress.kubernetes.io/ssl-redirect".into(),
                "443".into(),
            );
        } else {
            ann.insert(
                "alb.ingress.kubernetes.io/listen-ports".into(),
                r#"[{"HTTP": 80}]"#.into(),
            );
        }
        let paths = props
            .paths
            .iter()
            .map(|p| {
                Ok(HTTPIngressPath {
                    path: Some(p.path.clone()),
                    path_type: "Prefix".into(),
                    backend: IngressBackend {
                        service: Some(IngressServiceBackend {
                            name: p.service.clone(),
                            port: Some(ServiceBackendPort {
                                number: Some(check_port(&path, "ingress backend", p.port)?),
                                ..Default::default()
                            }),
                        }),
                        ..Default::default()
                    },
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let ing = Ingress {
            metadata: ObjectMeta {
                name: Some(props.name.clone()),
                annotations: Some(ann),
                ..Default::default()
            },
            spec: Some(IngressSpec {
                ingress_class_name: Some("alb".into()),
                rules: Some(vec![IngressRule {
                    host: props.host.clone(),
                    http: Some(HTTPIngressRuleValue { paths }),
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        add_object(scope, id, ing)
    }
}

/// A LoadBalancer Service fronted by an NLB (AWS Load Balancer Controller).
pub fn nlb_service(
    scope: &mut Scope<'_>,
    id: &str,
    mut props: AppServiceProps,
) -> Result<ObjectRef<Service>, Error> {
    props.service_type = ServiceType::LoadBalancer;
    props.annotations.extend(nlb_annotations());
    AppService::new(scope, id, props)
}
