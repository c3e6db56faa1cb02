//! The versioned API (advanced routing from the L1 kinds) and cross-cluster
//! discovery.

use super::*;

/// A versioned API with advanced routing, built from the L1 kinds.
pub(super) fn versioned_api(c: &mut Scope<'_>) -> Result<(), Error> {
    api_workloads(c)?;
    api_routing(c)
}

/// The two versions' Deployments, their Service and the DestinationRule
/// with a subset per version.
fn api_workloads(c: &mut Scope<'_>) -> Result<(), Error> {
    for v in ["v1", "v2"] {
        AppDeployment::new(
            c,
            &format!("Api{v}"),
            AppDeploymentProps {
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
                labels: api_labels(),
            },
        )?;
    }
    AppService::new(
        c,
        "ApiService",
        AppServiceProps {
            name: "api-service".into(),
            selector: api_labels(),
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
    .add(c, "ApiVersions")?;
    Ok(())
}

/// The API's VirtualService: matches, a rewrite, mirroring, retries,
/// faults, CORS.
fn api_routing(c: &mut Scope<'_>) -> Result<(), Error> {
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
    .add(c, "ApiRouting")?;
    Ok(())
}

/// Cross-cluster discovery.
pub(super) fn discovery(c: &mut Scope<'_>) -> Result<(), Error> {
    external_service(c)?;
    legacy_workloads(c)
}

/// The mesh-internal `api.global` host: its ServiceEntry, routing and
/// traffic policy.
fn external_service(c: &mut Scope<'_>) -> Result<(), Error> {
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
    .add(c, "CrossClusterApi")?;
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
    .add(c, "GlobalRouting")?;
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
    .add(c, "ApiGlobalLocality")?;
    Ok(())
}

/// A workload outside Kubernetes: a WorkloadEntry and its WorkloadGroup.
fn legacy_workloads(c: &mut Scope<'_>) -> Result<(), Error> {
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
    .add(c, "LegacyVm")?;
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
    .add(c, "LegacyGroup")?;
    Ok(())
}
