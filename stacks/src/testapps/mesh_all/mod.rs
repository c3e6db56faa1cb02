//! `mesh_all`: every mesh and workload construct once, in a primary and a
//! remote cluster, so the conformance step validates every kind meshsynth
//! can emit and the snapshots show each one.

use std::collections::BTreeMap;

use meshsynth::addons::fluentbit::{FluentBit, FluentBitProps};
use meshsynth::addons::ingress::{nlb_service, AlbIngress, AlbIngressProps, AlbPath};
use meshsynth::core::{App, Chart, ChartProps, Error, Scope, Value};
use meshsynth::k8s::crd::types::ObjectMeta;
use meshsynth::k8s::workloads::{
    AppConfigMap, AppConfigMapProps, AppDeployment, AppDeploymentProps, AppNetworkPolicy,
    AppNetworkPolicyProps, AppProtocol, AppService, AppServiceProps, ContainerPort, ContainerProps,
    Hpa, HpaMetric, HpaProps, PodProps, ProbeProps, ScalingRules, ServicePortProps,
};
use meshsynth::k8s_openapi::api::core::v1::{HTTPGetAction, Probe};
use meshsynth::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::prometheus::{
    Endpoint, LabelSelector, NamespaceSelector, ServiceMonitor, ServiceMonitorSpec, Sli, SloProps,
    SloRules,
};
use meshsynth::mesh::rollouts::{success_rate_template, CanaryStep};
use meshsynth::mesh::service::{
    Delivery, IngressRoute, MeshService, MeshServiceProps, Scaling, ServiceIdentity,
};

mod routing;
mod shapes;

use routing::{discovery, versioned_api};
use shapes::uncommon_shapes;

const NS: &str = "shop";
const PROMETHEUS: &str = "http://prometheus-operated.monitoring.svc.cluster.local:9090";

/// The labels of the versioned API's pods.
fn api_labels() -> BTreeMap<String, String> {
    labels(&[("app", "api-service")])
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Adds the app.
pub fn build(app: &mut App) -> Result<(), Error> {
    let chart = Chart::new(
        &mut app.root(),
        "Primary",
        ChartProps::new("mesh-primary").namespace(NS),
    )?;
    let mut c = app.scope(chart.node())?;
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: NS.into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    IstioInstall::new(
        &mut c,
        "Istio",
        IstioInstallProps {
            east_west_gateway: true,
            east_west_extra_ports: vec![("http2".into(), 80, 8080), ("https".into(), 443, 8443)],
            pilot_env: BTreeMap::from([(
                "PILOT_ENABLE_WORKLOAD_ENTRY_AUTOREGISTRATION".to_string(),
                "true".to_string(),
            )]),
            tag: Some("1.28.1".into()),
            ..Default::default()
        },
    )?;

    gateway(&mut c)?;
    let orders = services(&mut c)?;
    versioned_api(&mut c)?;
    discovery(&mut c)?;
    namespace_policy(&mut c)?;
    observability(&mut c)?;
    plain_workloads(&mut c)?;
    alb_ingress(&mut c)?;
    uncommon_shapes(&mut c, &orders)?;
    // Log shipping, in its own namespace.
    let logs = Chart::new(
        &mut app.root(),
        "Logging",
        ChartProps::new("mesh-primary").namespace("amazon-cloudwatch"),
    )?;
    let mut l = app.scope(logs.node())?;
    FluentBit::new(
        &mut l,
        "FluentBit",
        FluentBitProps {
            cluster_name: "mesh-primary".into(),
            region: "ap-northeast-1".into(),
            log_group: "/aws/eks/mesh-primary/application".into(),
            identity: ServiceIdentity::RoleArn(Value::from(
                "arn:aws:iam::123456789012:role/mesh-primary-fluent-bit",
            )),
            ..Default::default()
        },
    )?;

    // The remote cluster of the same mesh.
    let remote = Chart::new(
        &mut app.root(),
        "Remote",
        ChartProps::new("mesh-remote").namespace(NS),
    )?;
    let mut r = app.scope(remote.node())?;
    MeshNamespace::new(
        &mut r,
        "Namespace",
        MeshNamespaceProps {
            name: NS.into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    IstioInstall::new(
        &mut r,
        "Istio",
        IstioInstallProps {
            name: "istio-remote".into(),
            control_plane: ControlPlane::Remote {
                remote_pilot_address: Some("istiod.mesh1.example.com".into()),
            },
            cluster_name: "cluster2".into(),
            network: "network2".into(),
            ingress_gateway: None,
            tag: Some("1.28.1".into()),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Ingress gateway with a TLS credential whose source is declared.
fn gateway(c: &mut Scope<'_>) -> Result<(), Error> {
    let mut gw = Gateway::named(
        "shop-gateway",
        GatewaySpec {
            selector: Some(labels(&[("istio", "ingressgateway")])),
            servers: Some(vec![
                Server {
                    port: GatewayPort {
                        number: 80,
                        name: "http".into(),
                        protocol: "HTTP".into(),
                        target_port: None,
                    },
                    hosts: vec!["shop.example.com".into()],
                    tls: Some(ServerTls {
                        https_redirect: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                Server {
                    port: GatewayPort {
                        number: 443,
                        name: "https".into(),
                        protocol: "HTTPS".into(),
                        target_port: None,
                    },
                    hosts: vec!["shop.example.com".into()],
                    tls: Some(ServerTls {
                        mode: Some(ServerTlsMode::Simple),
                        credential_name: Some("shop-tls-cert".into()),
                        min_protocol_version: Some(TlsProtocolVersion::Tlsv12),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ]),
        },
    );
    gw.metadata.annotations = Some(labels(&[(
        CREDENTIAL_SOURCES_ANNOTATION,
        "shop-tls-cert=cert-manager ClusterIssuer letsencrypt (istio-system)",
    )]));
    gw.add(c, "Gateway")?;

    success_rate_template(c, "SuccessRate", "success-rate", PROMETHEUS, 0.95)?;
    Ok(())
}

/// Three services: plain + HPA, blue/green + KEDA, canary + KEDA on AWS metrics.
fn services(c: &mut Scope<'_>) -> Result<MeshService, Error> {
    let orders = MeshService::new(
        c,
        "Orders",
        MeshServiceProps {
            name: "order-service".into(),
            image: "registry.example.com/shop/order-service:1.4.2".into(),
            health_path: Some("/healthz".into()),
            routes: vec![IngressRoute {
                gateway: "shop-gateway".into(),
                hosts: vec!["shop.example.com".into()],
                prefix: "/api/v1/orders".into(),
            }],
            scaling: Scaling::Hpa {
                min: 2,
                max: 10,
                cpu_percent: Some(70),
                memory_percent: Some(80),
                extra: vec![HpaMetric::Pods {
                    metric: "istio_requests_per_second".into(),
                    average_value: "50".into(),
                }],
                scale_up: Some(ScalingRules {
                    stabilization_window_seconds: 60,
                    policies: vec![("Percent".into(), 100, 60)],
                }),
                scale_down: Some(ScalingRules {
                    stabilization_window_seconds: 300,
                    policies: vec![("Pods".into(), 1, 60)],
                }),
            },
            identity: ServiceIdentity::RoleArn(Value::from(
                "arn:aws:iam::123456789012:role/shop-order-service",
            )),
            allowed_callers: vec![(NS.into(), "payment-service".into())],
            ..Default::default()
        },
    )?;
    MeshService::new(
        c,
        "Payments",
        MeshServiceProps {
            name: "payment-service".into(),
            image: "registry.example.com/shop/payment-service:2.0.1".into(),
            delivery: Delivery::BlueGreen {
                auto_promotion: false,
                scale_down_delay_seconds: 30,
                analysis_template: Some("success-rate".into()),
            },
            scaling: Scaling::Keda {
                min: 2,
                max: 20,
                triggers: vec![Trigger::Prometheus {
                    server_address: PROMETHEUS.into(),
                    query: "sum(rate(istio_requests_total{destination_service_name=\"payment-service-active\"}[1m]))".into(),
                    threshold: "50".into(),
                    activation_threshold: None,
                }],
                aws_identity: AwsIdentity::Workload,
            },
            allowed_callers: vec![(NS.into(), orders.service_account.name().to_string())],
            ..Default::default()
        },
    )?;
    MeshService::new(
        c,
        "Catalog",
        MeshServiceProps {
            name: "catalog".into(),
            image: "registry.example.com/shop/catalog:3.1.0".into(),
            protocol: AppProtocol::Grpc,
            port: 9090,
            delivery: Delivery::Canary {
                steps: vec![
                    CanaryStep::weight(10),
                    CanaryStep::pause(Some("5m")),
                    CanaryStep::weight(50),
                    CanaryStep::pause(None),
                ],
                analysis_template: Some("success-rate".into()),
            },
            scaling: Scaling::Keda {
                min: 1,
                max: 8,
                triggers: vec![
                    Trigger::AwsCloudwatch {
                        namespace: "AWS/SQS".into(),
                        metric_name: "ApproximateNumberOfMessagesVisible".into(),
                        dimension_name: "QueueName".into(),
                        dimension_value: "catalog-updates".into(),
                        target_value: "100".into(),
                        region: "ap-northeast-1".into(),
                    },
                    Trigger::Kafka {
                        bootstrap_servers: "b-1.shop-kafka.example:9098".into(),
                        consumer_group: "catalog".into(),
                        topic: "catalog-events".into(),
                        lag_threshold: 50,
                        msk_iam_region: Some("ap-northeast-1".into()),
                    },
                ],
                aws_identity: AwsIdentity::Workload,
            },
            // The triggers read CloudWatch and MSK as the workload: it needs
            // a role (MeshService refuses the scaler without one).
            identity: ServiceIdentity::RoleArn(Value::from(
                "arn:aws:iam::123456789012:role/shop-catalog",
            )),
            ..Default::default()
        },
    )?;
    Ok(orders)
}

/// Namespace-wide policy and telemetry.
fn namespace_policy(c: &mut Scope<'_>) -> Result<(), Error> {
    Sidecar::named(
        "default",
        SidecarSpec {
            egress: Some(vec![IstioEgressListener {
                hosts: vec!["./*".into(), "istio-system/*".into()],
                ..Default::default()
            }]),
            outbound_traffic_policy: Some(OutboundTrafficPolicy {
                mode: Some(OutboundMode::RegistryOnly),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .add(c, "Sidecar")?;
    PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
        .add(c, "Mtls")?;
    RequestAuthentication::named(
        "order-jwt",
        RequestAuthenticationSpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(labels(&[("app", "order-service")])),
            }),
            jwt_rules: Some(vec![JwtRule {
                issuer: Some("https://auth.example.com".into()),
                jwks_uri: Some("https://auth.example.com/.well-known/jwks.json".into()),
                audiences: Some(vec!["shop".into()]),
                forward_original_token: Some(true),
                ..Default::default()
            }]),
            ..Default::default()
        },
    )
    .add(c, "OrderJwt")?;
    AuthorizationPolicy::named(
        "deny-admin-paths",
        AuthorizationPolicySpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels()),
            }),
            action: Some(AuthorizationAction::Deny),
            rules: Some(vec![Rule {
                to: Some(vec![RuleTo {
                    operation: Some(Operation {
                        paths: Some(vec!["/admin/*".into()]),
                        ..Default::default()
                    }),
                }]),
                ..Default::default()
            }]),
            ..Default::default()
        },
    )
    .add(c, "DenyAdmin")?;
    Telemetry::named(
        "mesh-telemetry",
        TelemetrySpec {
            tracing: Some(vec![Tracing {
                providers: Some(vec![ProviderRef::new("jaeger")]),
                random_sampling_percentage: Some(100.0),
                custom_tags: Some(BTreeMap::from([
                    ("user_id".to_string(), CustomTag::header("x-user-id")),
                    ("environment".to_string(), CustomTag::literal("production")),
                ])),
                ..Default::default()
            }]),
            metrics: Some(vec![Metrics {
                providers: Some(vec![ProviderRef::new("prometheus")]),
                overrides: Some(vec![MetricsOverride {
                    r#match: Some(MetricSelector {
                        metric: Some(IstioMetric::RequestDuration),
                        mode: Some(WorkloadMode::ClientAndServer),
                        ..Default::default()
                    }),
                    tag_overrides: Some(BTreeMap::from([
                        (
                            "response_code".to_string(),
                            TagOverride {
                                operation: Some(TagOperation::Upsert),
                                value: Some("string(response.code)".into()),
                            },
                        ),
                        (
                            "request_operation".to_string(),
                            TagOverride {
                                operation: Some(TagOperation::Upsert),
                                value: Some("request.method".into()),
                            },
                        ),
                    ])),
                    ..Default::default()
                }]),
                ..Default::default()
            }]),
            ..Default::default()
        },
    )
    .add(c, "Telemetry")?;
    Ok(())
}

/// Observability.
fn observability(c: &mut Scope<'_>) -> Result<(), Error> {
    let monitor = ServiceMonitor {
        metadata: ObjectMeta {
            name: Some("shop-services".into()),
            ..Default::default()
        },
        spec: ServiceMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(labels(&[("app", "order-service")])),
                ..Default::default()
            },
            namespace_selector: Some(NamespaceSelector {
                match_names: Some(vec![NS.into()]),
                ..Default::default()
            }),
            endpoints: vec![Endpoint {
                port: Some("http".into()),
                path: Some("/metrics".into()),
                interval: Some("30s".into()),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: None,
    };
    meshsynth::mesh::add_object(c, "ServiceMonitor", monitor)?;
    SloRules::new(
        c,
        "Slos",
        "slo-rules",
        &[
            SloProps {
                name: "orders-availability".into(),
                service: "order-service".into(),
                namespace: NS.into(),
                sli: Sli::Availability,
                objective_percent: 99.5,
                window_days: 30,
            },
            SloProps {
                name: "orders-latency".into(),
                service: "order-service".into(),
                namespace: NS.into(),
                sli: Sli::Latency { threshold_ms: 500 },
                objective_percent: 99.0,
                window_days: 30,
            },
        ],
    )?;
    Ok(())
}

/// Plain workload objects.
fn plain_workloads(c: &mut Scope<'_>) -> Result<(), Error> {
    AppConfigMap::new(
        c,
        "Settings",
        AppConfigMapProps {
            name: "shop-settings".into(),
            data: labels(&[("LOG_LEVEL", "info"), ("CURRENCY", "JPY")]),
        },
    )?;
    AppNetworkPolicy::new(
        c,
        "ApiIngress",
        AppNetworkPolicyProps {
            name: "api-service-ingress".into(),
            pod_selector: api_labels(),
            allow_from: vec![(
                labels(&[("kubernetes.io/metadata.name", NS)]),
                BTreeMap::new(),
            )],
            ports: vec![8080],
        },
    )?;
    Ok(())
}

/// Ingress through the AWS Load Balancer Controller.
fn alb_ingress(c: &mut Scope<'_>) -> Result<(), Error> {
    AlbIngress::new(
        c,
        "Alb",
        AlbIngressProps {
            name: "shop-alb".into(),
            host: Some("shop.example.com".into()),
            paths: vec![AlbPath {
                path: "/api/v1/orders".into(),
                service: "order-service".into(),
                port: 8080,
            }],
            certificate_arn: Some(Value::from(
                "arn:aws:acm:ap-northeast-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
            )),
            ..Default::default()
        },
    )?;
    nlb_service(
        c,
        "PublicApi",
        AppServiceProps {
            name: "api-public".into(),
            selector: api_labels(),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )?;
    Ok(())
}
