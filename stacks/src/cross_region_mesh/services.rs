//! A global service in one region (workload, ServiceEntry and the other
//! region's WorkloadEntry, routing, circuit breaking, monitoring) and the
//! cross-region load balancer's rules.

use super::*;

/// A global service in one region: the workload (KEDA-scaled), its
/// ServiceEntry and the other region's WorkloadEntry, routing and circuit
/// breaking, and its ServiceMonitor.
pub(super) fn global_service(
    c: &mut Scope<'_>,
    p: &RegionProps,
    name: &str,
    image: &str,
    redis_host: &str,
) -> Result<(), Error> {
    let g = Global {
        name,
        id: construct_id(name),
        host: global_host(name),
        local_net: network_name(&p.local),
        remote_net: network_name(&p.remote),
        app_label: labels(&[("app", name)]),
    };
    workload(c, p, &g, image, redis_host)?;
    // Discovery: the global host selects this region's pods and the other
    // region's WorkloadEntry (reached through its east-west gateway).
    discovery(c, p, &g)?;
    // Locality-aware load balancing and a circuit breaker.
    traffic_policy(c, &g)?;
    // Routing on the global host.
    routing(c, p, &g)?;
    monitoring(c, &g)
}

/// The names every object of a global service derives from.
struct Global<'a> {
    name: &'a str,
    id: String,
    host: String,
    local_net: String,
    remote_net: String,
    app_label: BTreeMap<String, String>,
}

/// The KEDA-scaled workload (latency, rate and this region's share of the
/// load) and its NetworkPolicy.
fn workload(
    c: &mut Scope<'_>,
    p: &RegionProps,
    g: &Global<'_>,
    image: &str,
    redis_host: &str,
) -> Result<(), Error> {
    let Global { name, id, .. } = g;
    let name: &str = name;
    let svc_sel = format!(
        "destination_service_name=\"{name}\",destination_service_namespace=\"{NAMESPACE}\",reporter=\"destination\""
    );
    MeshService::new(
        c,
        id,
        MeshServiceProps {
            name: name.to_string(),
            image: image.into(),
            port: PORT,
            health_path: Some("/healthz".into()),
            // Its own policy, below, admits Prometheus (monitoring) on the port only.
            network_policy: false,
            env: vec![
                ("AWS_REGION".into(), p.local.clone()),
                ("REDIS_HOST".into(), redis_host.into()),
            ],
            scaling: Scaling::Keda {
                min: 3,
                max: 20,
                triggers: vec![
                    // P95 latency above 200 ms.
                    Trigger::Prometheus {
                        server_address: PROMETHEUS.into(),
                        query: format!(
                            "histogram_quantile(0.95, sum(rate(istio_request_duration_milliseconds_bucket{{{svc_sel}}}[2m])) by (le))"
                        ),
                        threshold: "200".into(),
                        activation_threshold: None,
                    },
                    // 50 requests/s per pod (KEDA divides the total by the threshold).
                    Trigger::Prometheus {
                        server_address: PROMETHEUS.into(),
                        query: format!("sum(rate(istio_requests_total{{{svc_sel}}}[2m]))"),
                        threshold: "50".into(),
                        activation_threshold: None,
                    },
                    // This region's share of the service's load, in percent:
                    // above 70 (the local weight) the region scales out.
                    Trigger::Prometheus {
                        server_address: PROMETHEUS.into(),
                        query: format!(
                            "100 * sum(rate(istio_requests_total{{{svc_sel},destination_cluster=\"{}\"}}[2m])) / clamp_min(sum(rate(istio_requests_total{{{svc_sel}}}[2m])), 1)",
                            cluster_name(&p.local)
                        ),
                        threshold: "70".into(),
                        activation_threshold: None,
                    },
                ],
                aws_identity: AwsIdentity::Workload,
            },
            ..Default::default()
        },
    )?;
    scraped_service_policy(c, &format!("{id}NetworkPolicy"), name)?;
    Ok(())
}

/// The global host's ServiceEntry (this region's pods), and the other
/// region's WorkloadEntry with its health-checked WorkloadGroup.
fn discovery(c: &mut Scope<'_>, p: &RegionProps, g: &Global<'_>) -> Result<(), Error> {
    let Global {
        name,
        id,
        host,
        remote_net,
        app_label,
        ..
    } = g;
    let name: &str = name;
    ServiceEntry::named(
        format!("{name}-global"),
        ServiceEntrySpec {
            hosts: vec![host.clone()],
            location: Some(Location::MeshInternal),
            resolution: Some(Resolution::Dns),
            ports: Some(vec![ServicePort {
                number: PORT.into(),
                protocol: Some("HTTP".into()),
                name: "http".into(),
                ..Default::default()
            }]),
            workload_selector: Some(SidecarWorkloadSelector {
                labels: Some(app_label.clone()),
            }),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(c, &format!("{id}Global"))?;
    let mut remote_labels = app_label.clone();
    remote_labels.insert("topology.istio.io/network".into(), remote_net.clone());
    WorkloadEntry::named(
        format!("{name}-{}", p.remote),
        WorkloadEntrySpec {
            address: Some(p.remote_gateway.clone()),
            ports: Some(BTreeMap::from([(
                "http".to_string(),
                u32::from(EAST_WEST_PORT),
            )])),
            labels: Some(remote_labels.clone()),
            network: Some(remote_net.clone()),
            locality: Some(p.remote.clone()),
            // Priority: the other region is the lower-priority endpoint;
            // the DestinationRule fails over to it by network.
            weight: Some(30),
            service_account: Some(name.into()),
        },
    )
    .add(c, &format!("{id}Remote"))?;
    // Health checks of the remote endpoints: 30 s interval, 5 s timeout,
    // 3 failures (istiod probes WorkloadGroup members with
    // PILOT_ENABLE_WORKLOAD_ENTRY_HEALTHCHECKS; the DestinationRule's
    // outlier detection ejects on the same thresholds).
    WorkloadGroup::named(
        format!("{name}-{}", p.remote),
        WorkloadGroupSpec {
            metadata: Some(WorkloadGroupMetadata {
                labels: Some(remote_labels),
                annotations: None,
            }),
            template: WorkloadGroupTemplate {
                network: Some(remote_net.clone()),
                locality: Some(p.remote.clone()),
                service_account: Some(name.into()),
                ..Default::default()
            },
            probe: Some(Probe {
                period_seconds: Some(30),
                timeout_seconds: Some(5),
                failure_threshold: Some(3),
                http_get: Some(HTTPGetAction {
                    path: Some("/healthz".into()),
                    port: IntOrString::Int(PORT.into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        },
    )
    .add(c, &format!("{id}RemoteGroup"))?;
    Ok(())
}

/// The DestinationRule: locality failover, connection pool, outlier
/// detection, Istio mTLS, a subset per network.
fn traffic_policy(c: &mut Scope<'_>, g: &Global<'_>) -> Result<(), Error> {
    let Global {
        name,
        id,
        host,
        local_net,
        remote_net,
        ..
    } = g;
    let name: &str = name;
    let subset = |n: &str, network: &str| Subset {
        name: n.into(),
        labels: Some(labels(&[("topology.istio.io/network", network)])),
        ..Default::default()
    };
    DestinationRule::named(
        format!("{name}-global"),
        DestinationRuleSpec {
            host: host.clone(),
            traffic_policy: Some(TrafficPolicy {
                load_balancer: Some(LoadBalancerSettings {
                    simple: Some(SimpleLb::LeastRequest),
                    locality_lb_setting: Some(LocalityLbSetting {
                        enabled: Some(true),
                        // Priorities: same network first, then same region.
                        failover_priority: Some(vec![
                            "topology.istio.io/network".into(),
                            "topology.kubernetes.io/region".into(),
                        ]),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                connection_pool: Some(ConnectionPoolSettings {
                    tcp: Some(TcpSettings {
                        max_connections: Some(100),
                        connect_timeout: Some("5s".into()),
                        ..Default::default()
                    }),
                    http: Some(HttpSettings {
                        http1_max_pending_requests: Some(100),
                        http2_max_requests: Some(100),
                        ..Default::default()
                    }),
                }),
                outlier_detection: Some(OutlierDetection {
                    consecutive5xx_errors: Some(3),
                    interval: Some("30s".into()),
                    base_ejection_time: Some("30s".into()),
                    max_ejection_percent: Some(50),
                    ..Default::default()
                }),
                tls: Some(ClientTlsSettings {
                    mode: Some(ClientTlsMode::IstioMutual),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            subsets: Some(vec![
                subset("local", local_net),
                subset("remote", remote_net),
            ]),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(c, &format!("{id}GlobalRule"))?;
    Ok(())
}

/// The VirtualService: header-pinned routes, then 70/30 local/remote, with
/// retries and (under chaos) delay injection.
fn routing(c: &mut Scope<'_>, p: &RegionProps, g: &Global<'_>) -> Result<(), Error> {
    let Global { name, id, host, .. } = g;
    let name: &str = name;
    let to = |s: &str| Destination::host(host.clone()).subset(s);
    let header = |k: &str, v: &str| HttpMatchRequest {
        headers: Some(BTreeMap::from([(k.to_string(), StringMatch::exact(v))])),
        ..Default::default()
    };
    let retries = HttpRetry {
        attempts: Some(3),
        per_try_timeout: Some("2s".into()),
        retry_on: Some("5xx,reset,connect-failure,retriable-4xx".into()),
        // Exponential backoff starting at 25 ms (Envoy's default base).
        backoff: Some("25ms".into()),
        ..Default::default()
    };
    // Delay injection for chaos tests, off unless -c cross-region-mesh:chaos=true.
    let fault = p.chaos.then(|| HttpFaultInjection {
        delay: Some(FaultDelay {
            fixed_delay: Some("2s".into()),
            percentage: Some(Percent::new(10.0)),
            ..Default::default()
        }),
        abort: None,
    });
    let route =
        |n: &str, m: Option<HttpMatchRequest>, dests: Vec<HttpRouteDestination>| HttpRoute {
            name: Some(n.into()),
            r#match: m.map(|m| vec![m]),
            route: Some(dests),
            timeout: Some("10s".into()),
            retries: Some(retries.clone()),
            fault: fault.clone(),
            ..Default::default()
        };
    VirtualService::named(
        format!("{name}-global"),
        VirtualServiceSpec {
            hosts: Some(vec![host.clone()]),
            http: Some(vec![
                route(
                    "latency-sensitive",
                    Some(header(LATENCY_HEADER, "true")),
                    vec![HttpRouteDestination::to(to("local"))],
                ),
                route(
                    "prefer-local-region",
                    Some(header(REGION_HEADER, &p.local)),
                    vec![HttpRouteDestination::to(to("local"))],
                ),
                route(
                    "prefer-remote-region",
                    Some(header(REGION_HEADER, &p.remote)),
                    vec![HttpRouteDestination::to(to("remote"))],
                ),
                route(
                    "weighted",
                    None,
                    vec![
                        HttpRouteDestination::weighted(to("local"), 70),
                        HttpRouteDestination::weighted(to("remote"), 30),
                    ],
                ),
            ]),
            export_to: Some(vec![".".into()]),
            ..Default::default()
        },
    )
    .add(c, &format!("{id}GlobalRouting"))?;
    Ok(())
}

/// The ServiceMonitor Prometheus scrapes the service by.
fn monitoring(c: &mut Scope<'_>, g: &Global<'_>) -> Result<(), Error> {
    service_monitor(c, &format!("{}Monitor", g.id), g.name)
}

/// The cross-region load balancer: an IRSA ServiceAccount whose role may
/// manage this region's target groups, the app's Route 53 records and read
/// CloudWatch, and an HPA on Istio metrics.
pub(super) fn load_balancer(
    c: &mut Scope<'_>,
    p: &RegionProps,
    oidc: &meshsynth::aws::iam::OidcProviderRef,
    image: &str,
) -> Result<(), Error> {
    let name = "cross-region-lb";
    let statements = load_balancer_statements(p);
    MeshService::new(
        c,
        "CrossRegionLb",
        MeshServiceProps {
            name: name.into(),
            image: image.into(),
            port: PORT,
            health_path: Some("/healthz".into()),
            // Its own policy, below, admits Prometheus (monitoring) on the port only.
            network_policy: false,
            env: vec![
                ("AWS_REGION".into(), p.local.clone()),
                ("PEER_REGION".into(), p.remote.clone()),
                ("HOSTED_ZONE_ID".into(), p.zone.clone()),
            ],
            identity: ServiceIdentity::Irsa(IrsaNeeds {
                oidc: oidc.clone(),
                statements,
                managed_policy_arns: Vec::new(),
            }),
            scaling: Scaling::Hpa {
                min: 3,
                max: 20,
                cpu_percent: Some(70),
                memory_percent: None,
                extra: vec![
                    HpaMetric::Pods {
                        metric: "istio_requests_per_second".into(),
                        average_value: "50".into(),
                    },
                    HpaMetric::Pods {
                        metric: "istio_request_duration_p95_milliseconds".into(),
                        average_value: "200".into(),
                    },
                ],
                // Scale up fast, down slowly.
                scale_up: Some(ScalingRules {
                    stabilization_window_seconds: 60,
                    policies: vec![("Percent".into(), 100, 60)],
                }),
                scale_down: Some(ScalingRules {
                    stabilization_window_seconds: 300,
                    policies: vec![("Pods".into(), 1, 60)],
                }),
            },
            ..Default::default()
        },
    )?;
    scraped_service_policy(c, "CrossRegionLbNetworkPolicy", name)?;
    service_monitor(c, "CrossRegionLbMonitor", name)?;
    Ok(())
}

/// What the load balancer may do: describe (no resource-level
/// permissions), register targets of this app's target groups, change
/// records of the app's zone, read its health checks and alarms.
fn load_balancer_statements(p: &RegionProps) -> Vec<PolicyStatement> {
    let zone_arn = Arn::new("route53", format!("hostedzone/{}", p.zone))
        .region(ArnPart::Empty)
        .account(ArnPart::Empty)
        .value();
    vec![
        // Actions without resource-level permissions (security::NO_RESOURCE_LEVEL_ACTIONS).
        PolicyStatement::allow(
            [
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeListeners",
                "route53:ListHostedZones",
                "route53:ListHealthChecks",
                "cloudwatch:GetMetricData",
                "cloudwatch:ListMetrics",
                "cloudwatch:PutMetricData",
            ],
            [Value::str("*")],
        ),
        // Target registration only on this app's target groups.
        PolicyStatement::allow(
            [
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
            ],
            [Arn::new("elasticloadbalancing", format!("targetgroup/{APP}-*/*")).value()],
        ),
        // DNS weights and failover records in the app's zone only.
        PolicyStatement::allow(
            [
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
            ],
            [zone_arn],
        ),
        PolicyStatement::allow(
            ["route53:GetHealthCheck", "route53:GetHealthCheckStatus"],
            [Arn::new("route53", "healthcheck/*")
                .region(ArnPart::Empty)
                .account(ArnPart::Empty)
                .value()],
        ),
        PolicyStatement::allow(
            ["cloudwatch:DescribeAlarms"],
            [Arn::new("cloudwatch", format!("alarm:{APP}-*")).value()],
        ),
    ]
}

/// Ingress on the service port from the namespace, the gateways
/// (istio-system) and Prometheus (monitoring) only.
fn scraped_service_policy(c: &mut Scope<'_>, id: &str, name: &str) -> Result<(), Error> {
    let ns = |n: &str| labels(&[("kubernetes.io/metadata.name", n)]);
    AppNetworkPolicy::new(
        c,
        id,
        AppNetworkPolicyProps {
            name: name.into(),
            pod_selector: labels(&[("app", name)]),
            allow_from: vec![
                (ns(NAMESPACE), BTreeMap::new()),
                (ns("istio-system"), BTreeMap::new()),
                (ns("monitoring"), BTreeMap::new()),
            ],
            ports: vec![PORT],
        },
    )?;
    Ok(())
}

/// The ServiceMonitor Prometheus scrapes a service by (`/metrics` of its
/// `http` port every 30 s).
fn service_monitor(c: &mut Scope<'_>, id: &str, name: &str) -> Result<(), Error> {
    let monitor = ServiceMonitor {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: ServiceMonitorSpec {
            selector: LabelSelector {
                match_labels: Some(labels(&[("app", name)])),
                ..Default::default()
            },
            namespace_selector: Some(NamespaceSelector {
                match_names: Some(vec![NAMESPACE.into()]),
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
    meshsynth::mesh::add_object(c, id, monitor)?;
    Ok(())
}
