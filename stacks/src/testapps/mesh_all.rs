//! `mesh_all`: every mesh and workload construct once, in a primary and a
//! remote cluster, so the conformance step validates every kind meshsynth
//! can emit and the snapshots show each one.

use std::collections::BTreeMap;

use meshsynth::core::{App, Chart, ChartProps, Error, Value};
use meshsynth::k8s::crd::types::ObjectMeta;
use meshsynth::k8s::workloads::{
    self, AppDeployment, AppProtocol, AppService, ContainerPort, ContainerProps, DeploymentProps,
    Hpa, HpaMetric, HpaProps, NetworkPolicyProps, PodProps, ProbeProps, ScalingRules,
    ServicePortProps, ServiceProps,
};
use meshsynth::k8s_openapi::api::core::v1::{HTTPGetAction, Probe};
use meshsynth::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION;
use meshsynth::mesh::fluentbit::{FluentBit, FluentBitProps};
use meshsynth::mesh::ingress::{nlb_service, AlbIngress, AlbIngressProps, AlbPath};
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, NamespaceProps};
use meshsynth::mesh::prometheus::{
    Endpoint, LabelSelector, NamespaceSelector, ServiceMonitor, ServiceMonitorSpec, Sli, SloProps,
    SloRules,
};
use meshsynth::mesh::rollouts::{success_rate_template, CanaryStep};
use meshsynth::mesh::service::{
    Delivery, IngressRoute, MeshService, MeshServiceProps, Scaling, ServiceIdentity,
};

const NS: &str = "shop";
const PROMETHEUS: &str = "http://prometheus-operated.monitoring.svc.cluster.local:9090";

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
        NamespaceProps {
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

    // Ingress gateway with a TLS credential whose source is declared.
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
    gw.add(&mut c, "Gateway")?;

    success_rate_template(&mut c, "SuccessRate", "success-rate", PROMETHEUS, 0.95)?;

    // Three services: plain + HPA, blue/green + KEDA, canary + KEDA on AWS metrics.
    let orders = MeshService::new(
        &mut c,
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
        &mut c,
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
        &mut c,
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
            ..Default::default()
        },
    )?;

    // A versioned API with advanced routing, built from the L1 kinds.
    let api_labels = labels(&[("app", "api-service")]);
    for v in ["v1", "v2"] {
        AppDeployment::new(
            &mut c,
            &format!("Api{v}"),
            DeploymentProps {
                name: format!("api-service-{v}"),
                replicas: Some(2),
                pod: PodProps {
                    selector: labels(&[("app", "api-service"), ("version", v)]),
                    service_account: None,
                    containers: vec![ContainerProps {
                        name: "api".into(),
                        image: format!("registry.example.com/shop/api:{v}.0.0"),
                        ports: vec![ContainerPort {
                            name: "http".into(),
                            port: 8080,
                        }],
                        liveness: Some(ProbeProps::Http {
                            path: "/healthz".into(),
                            port: 8080,
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                labels: api_labels.clone(),
            },
        )?;
    }
    AppService::new(
        &mut c,
        "ApiService",
        ServiceProps {
            name: "api-service".into(),
            selector: api_labels.clone(),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )?;
    DestinationRule::named(
        "api-versions",
        DestinationRuleSpec {
            host: "api-service".into(),
            traffic_policy: Some(TrafficPolicy {
                load_balancer: Some(LoadBalancerSettings {
                    consistent_hash: Some(ConsistentHashLb {
                        http_cookie: Some(HttpCookie {
                            name: "user_session".into(),
                            path: None,
                            ttl: Some("3600s".into()),
                            attributes: None,
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            subsets: Some(vec![
                Subset {
                    traffic_policy: Some(TrafficPolicy {
                        connection_pool: Some(ConnectionPoolSettings {
                            tcp: Some(TcpSettings {
                                max_connections: Some(100),
                                ..Default::default()
                            }),
                            http: Some(HttpSettings {
                                http1_max_pending_requests: Some(1),
                                max_requests_per_connection: Some(10),
                                ..Default::default()
                            }),
                        }),
                        outlier_detection: Some(OutlierDetection {
                            consecutive5xx_errors: Some(3),
                            interval: Some("30s".into()),
                            base_ejection_time: Some("30s".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Subset::version("v1")
                },
                Subset::version("v2"),
            ]),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiVersions")?;
    VirtualService::named(
        "api-routing",
        VirtualServiceSpec {
            hosts: Some(vec!["api-service".into()]),
            http: Some(vec![
                HttpRoute {
                    name: Some("premium".into()),
                    r#match: Some(vec![HttpMatchRequest {
                        headers: Some(BTreeMap::from([(
                            "user-type".to_string(),
                            StringMatch::exact("premium"),
                        )])),
                        uri: Some(StringMatch::prefix("/api/v1")),
                        ..Default::default()
                    }]),
                    route: Some(vec![
                        HttpRouteDestination::weighted(
                            Destination::host("api-service").subset("v2"),
                            90,
                        ),
                        HttpRouteDestination::weighted(
                            Destination::host("api-service").subset("v1"),
                            10,
                        ),
                    ]),
                    retries: Some(HttpRetry {
                        attempts: Some(3),
                        per_try_timeout: Some("2s".into()),
                        retry_on: Some("gateway-error,connect-failure".into()),
                        backoff: Some("100ms".into()),
                        ..Default::default()
                    }),
                    timeout: Some("10s".into()),
                    ..Default::default()
                },
                HttpRoute {
                    name: Some("beta".into()),
                    r#match: Some(vec![HttpMatchRequest {
                        query_params: Some(BTreeMap::from([(
                            "beta".to_string(),
                            StringMatch::exact("true"),
                        )])),
                        ..Default::default()
                    }]),
                    route: Some(vec![HttpRouteDestination::to(
                        Destination::host("api-service").subset("v2"),
                    )]),
                    fault: Some(HttpFaultInjection {
                        delay: Some(FaultDelay {
                            fixed_delay: Some("5s".into()),
                            percentage: Some(Percent::new(1.0)),
                            ..Default::default()
                        }),
                        abort: Some(FaultAbort {
                            http_status: Some(503),
                            percentage: Some(Percent::new(0.5)),
                            ..Default::default()
                        }),
                    }),
                    ..Default::default()
                },
                HttpRoute {
                    name: Some("default".into()),
                    route: Some(vec![HttpRouteDestination::to(
                        Destination::host("api-service").subset("v1"),
                    )]),
                    mirror: Some(Destination::host("api-service").subset("v2")),
                    mirror_percentage: Some(Percent::new(5.0)),
                    cors_policy: Some(CorsPolicy {
                        allow_origins: Some(vec![StringMatch::exact("https://shop.example.com")]),
                        allow_methods: Some(vec!["GET".into(), "POST".into()]),
                        allow_headers: Some(vec!["authorization".into()]),
                        max_age: Some("24h".into()),
                        allow_credentials: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiRouting")?;

    // Cross-cluster discovery.
    ServiceEntry::named(
        "cross-cluster-api",
        ServiceEntrySpec {
            hosts: vec!["api.global".into()],
            location: Some(Location::MeshInternal),
            resolution: Some(Resolution::Dns),
            ports: Some(vec![ServicePort {
                number: 80,
                protocol: Some("HTTP".into()),
                name: "http".into(),
                target_port: None,
            }]),
            endpoints: Some(vec![
                WorkloadEntrySpec {
                    address: Some("cluster1-api.example.com".into()),
                    network: Some("network1".into()),
                    weight: Some(50),
                    ..Default::default()
                },
                WorkloadEntrySpec {
                    address: Some("cluster2-api.example.com".into()),
                    network: Some("network2".into()),
                    weight: Some(50),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        },
    )
    .add(&mut c, "CrossClusterApi")?;
    VirtualService::named(
        "global-routing",
        VirtualServiceSpec {
            hosts: Some(vec!["api.global".into()]),
            http: Some(vec![HttpRoute {
                route: Some(vec![HttpRouteDestination::to(Destination::host(
                    "api.global",
                ))]),
                retries: Some(HttpRetry {
                    attempts: Some(3),
                    per_try_timeout: Some("2s".into()),
                    ..Default::default()
                }),
                timeout: Some("10s".into()),
                ..Default::default()
            }]),
            ..Default::default()
        },
    )
    .add(&mut c, "GlobalRouting")?;
    DestinationRule::named(
        "api-global-locality",
        DestinationRuleSpec {
            host: "api.global".into(),
            traffic_policy: Some(TrafficPolicy {
                load_balancer: Some(LoadBalancerSettings {
                    simple: Some(SimpleLb::RoundRobin),
                    locality_lb_setting: Some(LocalityLbSetting {
                        distribute: Some(vec![LocalityDistribute {
                            from: Some("ap-northeast-1/*".into()),
                            to: Some(BTreeMap::from([
                                ("ap-northeast-1/*".to_string(), 70),
                                ("ap-southeast-1/*".to_string(), 30),
                            ])),
                        }]),
                        enabled: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                outlier_detection: Some(OutlierDetection {
                    consecutive5xx_errors: Some(3),
                    interval: Some("30s".into()),
                    base_ejection_time: Some("30s".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiGlobalLocality")?;
    WorkloadEntry::named(
        "legacy-vm",
        WorkloadEntrySpec {
            address: Some("10.20.0.15".into()),
            labels: Some(labels(&[("app", "legacy")])),
            network: Some("network2".into()),
            service_account: Some("legacy".into()),
            ..Default::default()
        },
    )
    .add(&mut c, "LegacyVm")?;
    WorkloadGroup::named(
        "legacy",
        WorkloadGroupSpec {
            metadata: Some(WorkloadGroupMetadata {
                labels: Some(labels(&[("app", "legacy")])),
                annotations: None,
            }),
            template: WorkloadGroupTemplate {
                network: Some("network2".into()),
                service_account: Some("legacy".into()),
                ..Default::default()
            },
            probe: Some(Probe {
                period_seconds: Some(30),
                timeout_seconds: Some(5),
                failure_threshold: Some(3),
                http_get: Some(HTTPGetAction {
                    path: Some("/healthz".into()),
                    port: IntOrString::Int(8080),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        },
    )
    .add(&mut c, "LegacyGroup")?;

    // Namespace-wide policy and telemetry.
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
    .add(&mut c, "Sidecar")?;
    PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
        .add(&mut c, "Mtls")?;
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
    .add(&mut c, "OrderJwt")?;
    AuthorizationPolicy::named(
        "deny-admin-paths",
        AuthorizationPolicySpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels.clone()),
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
    .add(&mut c, "DenyAdmin")?;
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
    .add(&mut c, "Telemetry")?;

    // Observability.
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
    meshsynth::mesh::add_object(&mut c, "ServiceMonitor", monitor)?;
    SloRules::new(
        &mut c,
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

    // Plain workload objects.
    workloads::config_map(
        &mut c,
        "Settings",
        "shop-settings",
        labels(&[("LOG_LEVEL", "info"), ("CURRENCY", "JPY")]),
    )?;
    workloads::network_policy(
        &mut c,
        "ApiIngress",
        NetworkPolicyProps {
            name: "api-service-ingress".into(),
            pod_selector: api_labels.clone(),
            allow_from: vec![(
                labels(&[("kubernetes.io/metadata.name", NS)]),
                BTreeMap::new(),
            )],
            ports: vec![8080],
        },
    )?;

    // Ingress through the AWS Load Balancer Controller.
    AlbIngress::new(
        &mut c,
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
        &mut c,
        "PublicApi",
        ServiceProps {
            name: "api-public".into(),
            selector: api_labels.clone(),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )?;

    // The less common shapes, so the conformance step sees them too.
    ServiceEntry::named(
        "partner-api",
        ServiceEntrySpec {
            hosts: vec!["api.partner.example".into()],
            location: Some(Location::MeshExternal),
            resolution: Some(Resolution::Dns),
            ports: Some(vec![ServicePort {
                number: 443,
                protocol: Some("TLS".into()),
                name: "tls".into(),
                target_port: None,
            }]),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(&mut c, "PartnerApi")?;
    DestinationRule::named(
        "partner-api",
        DestinationRuleSpec {
            host: "api.partner.example".into(),
            traffic_policy: Some(TrafficPolicy {
                port_level_settings: Some(vec![PortTrafficPolicy {
                    port: Some(PortSelector { number: Some(443) }),
                    tls: Some(ClientTlsSettings {
                        mode: Some(ClientTlsMode::Simple),
                        ca_certificates: Some("/etc/ssl/certs/ca-certificates.crt".into()),
                        sni: Some("api.partner.example".into()),
                        subject_alt_names: Some(vec!["api.partner.example".into()]),
                        ..Default::default()
                    }),
                    connection_pool: Some(ConnectionPoolSettings {
                        tcp: Some(TcpSettings {
                            max_connections: Some(20),
                            connect_timeout: Some("2s".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(&mut c, "PartnerApiTls")?;
    Sidecar::named(
        "api-service",
        SidecarSpec {
            workload_selector: Some(SidecarWorkloadSelector {
                labels: Some(api_labels.clone()),
            }),
            ingress: Some(vec![IstioIngressListener {
                port: SidecarPort {
                    number: Some(8080),
                    protocol: Some("HTTP".into()),
                    name: Some("http".into()),
                    ..Default::default()
                },
                default_endpoint: Some("127.0.0.1:8080".into()),
                ..Default::default()
            }]),
            egress: Some(vec![IstioEgressListener {
                hosts: vec!["./*".into(), "istio-system/*".into()],
                ..Default::default()
            }]),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiSidecar")?;
    PeerAuthentication::named(
        "api-metrics-port",
        PeerAuthenticationSpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels.clone()),
            }),
            mtls: Some(Mtls {
                mode: Some(MtlsMode::Strict),
            }),
            port_level_mtls: Some(BTreeMap::from([(
                "8080".to_string(),
                Mtls {
                    mode: Some(MtlsMode::Strict),
                },
            )])),
        },
    )
    .add(&mut c, "ApiMtls")?;
    RequestAuthentication::named(
        "api-jwt",
        RequestAuthenticationSpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels.clone()),
            }),
            jwt_rules: Some(vec![JwtRule {
                issuer: Some("https://auth.example.com".into()),
                jwks_uri: Some("https://auth.example.com/.well-known/jwks.json".into()),
                from_headers: Some(vec![JwtHeader {
                    name: "Authorization".into(),
                    prefix: Some("Bearer ".into()),
                }]),
                output_payload_to_header: Some("x-jwt-payload".into()),
                ..Default::default()
            }]),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiJwt")?;
    AuthorizationPolicy::named(
        "api-callers",
        AuthorizationPolicySpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels.clone()),
            }),
            action: Some(AuthorizationAction::Allow),
            rules: Some(vec![Rule {
                from: Some(vec![RuleFrom {
                    source: Some(Source {
                        principals: Some(vec![principal_of(&orders.service_account)]),
                        request_principals: Some(vec!["https://auth.example.com/*".into()]),
                        ..Default::default()
                    }),
                }]),
                to: Some(vec![RuleTo {
                    operation: Some(Operation {
                        methods: Some(vec!["GET".into()]),
                        paths: Some(vec!["/api/*".into()]),
                        ports: Some(vec!["8080".into()]),
                        ..Default::default()
                    }),
                }]),
                when: Some(vec![Condition {
                    key: "request.auth.claims[iss]".into(),
                    values: Some(vec!["https://auth.example.com".into()]),
                    ..Default::default()
                }]),
            }]),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiCallers")?;
    Hpa::new(
        &mut c,
        "ApiHpa",
        HpaProps {
            name: "api-service-v1-hpa".into(),
            target: (
                "apps/v1".into(),
                "Deployment".into(),
                "api-service-v1".into(),
            ),
            min_replicas: 2,
            max_replicas: 6,
            metrics: vec![HpaMetric::External {
                metric: "sqs_messages_visible".into(),
                selector: Some(labels(&[("queue", "api-jobs")])),
                average_value: "30".into(),
            }],
            scale_up: None,
            scale_down: None,
        },
    )?;
    KedaScaler::new(
        &mut c,
        "ApiV2Scaler",
        KedaScalerProps {
            name: "api-service-v2".into(),
            target: (
                "apps/v1".into(),
                "Deployment".into(),
                "api-service-v2".into(),
            ),
            min_replicas: 1,
            max_replicas: 4,
            polling_interval: None,
            cooldown_period: None,
            triggers: vec![Trigger::AwsCloudwatch {
                namespace: "AWS/ApplicationELB".into(),
                metric_name: "RequestCountPerTarget".into(),
                dimension_name: "TargetGroup".into(),
                dimension_value: "targetgroup/api/0123456789abcdef".into(),
                target_value: "100".into(),
                region: "ap-northeast-1".into(),
            }],
            aws_identity: AwsIdentity::Role(Value::from(
                "arn:aws:iam::123456789012:role/keda-api-scaler",
            )),
        },
    )?;
    AlbIngress::new(
        &mut c,
        "InternalAlb",
        AlbIngressProps {
            name: "shop-internal-alb".into(),
            paths: vec![AlbPath {
                path: "/".into(),
                service: "api-service".into(),
                port: 80,
            }],
            internet_facing: false,
            ..Default::default()
        },
    )?;

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
        NamespaceProps {
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
