//! The less common shapes of every kind, so the conformance step sees
//! them too.

use super::*;

/// The less common shapes, so the conformance step sees them too.
pub(super) fn uncommon_shapes(c: &mut Scope<'_>, orders: &MeshService) -> Result<(), Error> {
    networking(c)?;
    security(c, orders)?;
    scaling_and_ingress(c)
}

/// A mesh-external ServiceEntry, a DestinationRule with port-level TLS, a
/// Sidecar with egress listeners.
fn networking(c: &mut Scope<'_>) -> Result<(), Error> {
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
    .add(c, "PartnerApi")?;
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
    .add(c, "PartnerApiTls")?;
    Sidecar::named(
        "api-service",
        SidecarSpec {
            workload_selector: Some(SidecarWorkloadSelector {
                labels: Some(api_labels()),
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
    .add(c, "ApiSidecar")?;
    Ok(())
}

/// Port-level mTLS, JWT authentication and an ALLOW policy by principal.
fn security(c: &mut Scope<'_>, orders: &MeshService) -> Result<(), Error> {
    PeerAuthentication::named(
        "api-metrics-port",
        PeerAuthenticationSpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels()),
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
    .add(c, "ApiMtls")?;
    RequestAuthentication::named(
        "api-jwt",
        RequestAuthenticationSpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels()),
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
    .add(c, "ApiJwt")?;
    AuthorizationPolicy::named(
        "api-callers",
        AuthorizationPolicySpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(api_labels()),
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
    .add(c, "ApiCallers")?;
    Ok(())
}

/// An HPA, a KEDA scaler on CloudWatch with its own role, an internal ALB.
fn scaling_and_ingress(c: &mut Scope<'_>) -> Result<(), Error> {
    Hpa::new(
        c,
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
        c,
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
        c,
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
    Ok(())
}
