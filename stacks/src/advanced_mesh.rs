//! `advanced-mesh`: the reference app of REFERENCE.md section 4 (seed 002):
//! a multi-cluster, multi-network Istio mesh (primary `cluster1`, remote
//! `cluster2`) with header-based routing, session affinity, cross-cluster
//! discovery, telemetry and SLO rules. Kubernetes only: charts
//! `advanced-mesh-primary` and `advanced-mesh-remote`.

use std::collections::BTreeMap;

use meshsynth::core::{App, Chart, ChartProps, Error, Scope, Tags};
use meshsynth::k8s::workloads::{
    AppDeployment, AppDeploymentProps, AppNetworkPolicy, AppNetworkPolicyProps, AppService,
    AppServiceProps, ContainerPort, ContainerProps, PodProps, ServicePortProps,
};
use meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::prometheus::{Sli, SloProps, SloRules, ThresholdNames};

/// The tag (and Kubernetes label) naming the app on every resource and
/// object. Not `app`: Kubernetes objects use `app` for their component.
pub const PART_OF: &str = "app.kubernetes.io/part-of";
/// The app name; every chart id starts with it.
pub const APP: &str = "advanced-mesh";
/// The namespace of the API workloads (the seed leaves it unset).
pub const NAMESPACE: &str = "api";
/// The external API host.
pub const HOST: &str = "api.example.com";
/// The ingress Gateway of the API.
pub const GATEWAY: &str = "api-gateway";
/// The mesh id shared by both clusters.
const MESH_ID: &str = "mesh1";
/// Where the images live; replace with your registry.
const REGISTRY: &str = "registry.example.com/advanced";
/// The pinned Istio release (Istio 1.28, the target of meshsynth).
const ISTIO_TAG: &str = "1.28.1";

/// The documented services and the versions (subsets) each runs.
pub const SERVICES: [(&str, &[&str]); 2] = [
    ("api-service", &["v1", "asia-v1", "default-v1"]),
    ("premium-api", &["v2", "v3"]),
];

/// The services for `-c services=N`: the first N documented ones, then
/// generated `svc-3`, `svc-4`, … with one version `v1`.
pub fn services(n: usize) -> Vec<(String, Vec<String>)> {
    (0..n)
        .map(|i| match SERVICES.get(i) {
            Some((name, versions)) => (
                name.to_string(),
                versions.iter().map(|v| v.to_string()).collect(),
            ),
            None => (format!("svc-{}", i + 1), vec!["v1".to_string()]),
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A Deployment per version (pods labelled `app` and `version`, so each
/// DestinationRule subset selects pods), the Service over all of them, and a
/// NetworkPolicy admitting the namespace and the gateways (`istio-system`)
/// on the port, plus Istio's HBONE port.
fn workload(c: &mut Scope<'_>, id: &str, name: &str, versions: &[String]) -> Result<(), Error> {
    for (i, v) in versions.iter().enumerate() {
        AppDeployment::new(
            c,
            &format!("{id}Version{}", i + 1),
            AppDeploymentProps {
                name: format!("{name}-{v}"),
                replicas: Some(2),
                pod: PodProps {
                    selector: labels(&[("app", name), ("version", v)]),
                    containers: vec![ContainerProps {
                        name: "app".into(),
                        image: format!("{REGISTRY}/{name}:1.0.0-{v}"),
                        ports: vec![ContainerPort {
                            name: "http".into(),
                            port: 8080,
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                labels: labels(&[("app", name)]),
            },
        )?;
    }
    AppService::new(
        c,
        &format!("{id}Service"),
        AppServiceProps {
            name: name.into(),
            selector: labels(&[("app", name)]),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )?;
    let ns = |n: &str| labels(&[("kubernetes.io/metadata.name", n)]);
    AppNetworkPolicy::new(
        c,
        &format!("{id}NetworkPolicy"),
        AppNetworkPolicyProps {
            name: name.into(),
            pod_selector: labels(&[("app", name)]),
            allow_from: vec![
                (ns(NAMESPACE), BTreeMap::new()),
                (ns("istio-system"), BTreeMap::new()),
            ],
            ports: vec![8080, 15008],
        },
    )?;
    Ok(())
}

/// The seed's subset v1 policy: small pool, early ejection.
fn v1_policy() -> TrafficPolicy {
    TrafficPolicy {
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
    }
}

/// The `complex-routing` rules: premium users on `/api/v1` to premium-api
/// v2/v3 (90/10), Asian users to api-service asia-v1, everyone else to
/// default-v1. Without premium-api (`-c services=1`) the premium rule is left
/// out.
fn complex_routing(with_premium: bool) -> Vec<HttpRoute> {
    let mut rules = Vec::new();
    if with_premium {
        rules.push(HttpRoute {
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
                HttpRouteDestination::weighted(Destination::host("premium-api").subset("v2"), 90),
                HttpRouteDestination::weighted(Destination::host("premium-api").subset("v3"), 10),
            ]),
            ..Default::default()
        });
    }
    rules.push(HttpRoute {
        name: Some("asia".into()),
        r#match: Some(vec![HttpMatchRequest {
            headers: Some(BTreeMap::from([(
                "user-region".to_string(),
                StringMatch::exact("asia"),
            )])),
            ..Default::default()
        }]),
        route: Some(vec![HttpRouteDestination::to(
            Destination::host("api-service").subset("asia-v1"),
        )]),
        ..Default::default()
    });
    rules.push(HttpRoute {
        name: Some("default".into()),
        route: Some(vec![HttpRouteDestination::to(
            Destination::host("api-service").subset("default-v1"),
        )]),
        ..Default::default()
    });
    rules
}

/// Adds the app: the primary cluster (control plane, gateways, workloads,
/// routing, observability), then the remote one.
pub fn build(app: &mut App) -> Result<(), Error> {
    let n = app
        .context()
        .get_in::<usize>("services", 0..=crate::MAX_SERVICES)?
        .unwrap_or(SERVICES.len());
    // The remote cluster reaches the primary's istiod through its east-west
    // gateway; its DNS name is only known once that NLB exists.
    let pilot = app.context().get_or(
        "advanced-mesh:remote-pilot-address",
        "istiod.mesh1.example.com".to_string(),
    )?;
    let svcs = services(n);

    // ---- Primary cluster (cluster1, network1): istiod, gateways, workloads.
    primary(app, &svcs)?;
    // ---- Remote cluster (cluster2, network2): `istio-remote`, profile remote.
    remote(app, pilot)
}

/// The primary cluster's chart.
fn primary(app: &mut App, svcs: &[(String, Vec<String>)]) -> Result<(), Error> {
    let primary = Chart::new(
        &mut app.root(),
        &format!("{APP}-primary"),
        ChartProps::new(format!("{APP}-cluster1")).namespace(NAMESPACE),
    )?;
    let mut c = app.scope(primary.node())?;
    Tags::add(&mut c, PART_OF, APP);
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: NAMESPACE.into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    // `istio-control-plane`: profile default, mesh1/cluster1/network1. The
    // seed annotates the ingress Service `aws-load-balancer-type: nlb` (the
    // in-tree controller, deprecated); the install uses the AWS Load Balancer
    // Controller's NLB annotations (`external`, IP targets) instead. The
    // east-west gateway is the seed's `gen-eastwest-gateway.sh` step.
    IstioInstall::new(
        &mut c,
        "Istio",
        IstioInstallProps {
            mesh_id: MESH_ID.into(),
            cluster_name: "cluster1".into(),
            network: "network1".into(),
            east_west_gateway: true,
            tag: Some(ISTIO_TAG.into()),
            ..Default::default()
        },
    )?;
    // End-to-end mTLS (the seed's requirement 4).
    PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
        .add(&mut c, "Mtls")?;

    // The seed routes through `api-gateway` without defining it. HTTPS needs
    // a certificate: its source is declared (a Secret in istio-system).
    let mut gw = Gateway::named(
        GATEWAY,
        GatewaySpec::ingress(&[HOST], Some("api-example-com-tls"), false),
    );
    gw.metadata.annotations = Some(labels(&[(
        CREDENTIAL_SOURCES_ANNOTATION,
        "api-example-com-tls=kubernetes.io/tls Secret in istio-system",
    )]));
    gw.add(&mut c, "Gateway")?;

    versioned_services(&mut c, svcs)?;
    cross_cluster(&mut c)?;
    telemetry(&mut c)?;
    slos(&mut c)
}

/// Each service's workload and DestinationRule; in-mesh routing of the
/// generated services; the gateway's `complex-routing`.
fn versioned_services(c: &mut Scope<'_>, svcs: &[(String, Vec<String>)]) -> Result<(), Error> {
    for (i, (name, versions)) in svcs.iter().enumerate() {
        let id = format!("Svc{}", i + 1);
        workload(c, &id, name, versions)?;
        match name.as_str() {
            // `api-versions`: the seed's DestinationRule, plus the subsets the
            // routes use (the seed defines only v1).
            "api-service" => DestinationRule::named(
                "api-versions",
                DestinationRuleSpec {
                    host: name.clone(),
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
                    subsets: Some(
                        versions
                            .iter()
                            .map(|v| Subset {
                                traffic_policy: (v == "v1").then(v1_policy),
                                ..Subset::version(v)
                            })
                            .collect(),
                    ),
                    ..Default::default()
                },
            )
            .add(c, "ApiVersions")?,
            // Generated services and premium-api: one subset per version.
            _ => DestinationRule::named(
                format!("{name}-versions"),
                DestinationRuleSpec {
                    host: name.clone(),
                    subsets: Some(versions.iter().map(|v| Subset::version(v)).collect()),
                    ..Default::default()
                },
            )
            .add(c, &format!("{id}Versions"))?,
        };
        if i >= SERVICES.len() {
            // Generated services get in-mesh routing of the global-routing shape.
            VirtualService::named(
                name,
                VirtualServiceSpec {
                    hosts: Some(vec![name.clone()]),
                    http: Some(vec![HttpRoute {
                        route: Some(vec![HttpRouteDestination::to(
                            Destination::host(name).subset("v1"),
                        )]),
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
            .add(c, &format!("{id}Routing"))?;
        }
    }
    if !svcs.is_empty() {
        VirtualService::named(
            "complex-routing",
            VirtualServiceSpec {
                hosts: Some(vec![HOST.into()]),
                gateways: Some(vec![GATEWAY.into()]),
                http: Some(complex_routing(svcs.len() >= 2)),
                ..Default::default()
            },
        )
        .add(c, "ComplexRouting")?;
    }
    Ok(())
}

/// Cross-cluster load balancing: api.global served by both clusters.
fn cross_cluster(c: &mut Scope<'_>) -> Result<(), Error> {
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
            endpoints: Some(
                [
                    ("cluster1-api.example.com", "network1"),
                    ("cluster2-api.example.com", "network2"),
                ]
                .iter()
                .map(|(address, network)| WorkloadEntrySpec {
                    address: Some(address.to_string()),
                    ports: Some(BTreeMap::from([("http".to_string(), 80)])),
                    network: Some(network.to_string()),
                    weight: Some(50),
                    ..Default::default()
                })
                .collect(),
            ),
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
    Ok(())
}

/// Observability. The seed's tag overrides have no value; UPSERT needs
/// one, so they are set to the response code and the request method.
fn telemetry(c: &mut Scope<'_>) -> Result<(), Error> {
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

/// SLOs of the API: the seed's threshold rules (its record and alert
/// names) plus multi-window burn-rate alerts. The seed measures the whole
/// mesh; these are scoped to api-service, the service the objectives are for.
fn slos(c: &mut Scope<'_>) -> Result<(), Error> {
    SloRules::with_threshold_rules(
        c,
        "Slos",
        "slo-rules",
        &[
            (
                SloProps {
                    name: "availability".into(),
                    service: "api-service".into(),
                    namespace: NAMESPACE.into(),
                    sli: Sli::Availability,
                    objective_percent: 99.5,
                    window_days: 30,
                },
                Some(ThresholdNames {
                    record: "availability:success_rate_5m".into(),
                    alert: "AvailabilitySLOViolation".into(),
                }),
            ),
            (
                SloProps {
                    name: "latency".into(),
                    service: "api-service".into(),
                    namespace: NAMESPACE.into(),
                    sli: Sli::Latency { threshold_ms: 500 },
                    objective_percent: 99.0,
                    window_days: 30,
                },
                Some(ThresholdNames {
                    record: "latency:p99_5m".into(),
                    alert: "LatencySLOViolation".into(),
                }),
            ),
        ],
    )?;
    Ok(())
}

/// The remote cluster's chart: `istio-remote` reaching the primary's istiod.
fn remote(app: &mut App, pilot: String) -> Result<(), Error> {
    let remote = Chart::new(
        &mut app.root(),
        &format!("{APP}-remote"),
        ChartProps::new(format!("{APP}-cluster2")).namespace(NAMESPACE),
    )?;
    let mut r = app.scope(remote.node())?;
    Tags::add(&mut r, PART_OF, APP);
    MeshNamespace::new(
        &mut r,
        "Namespace",
        MeshNamespaceProps {
            name: NAMESPACE.into(),
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
                remote_pilot_address: Some(pilot),
            },
            mesh_id: MESH_ID.into(),
            cluster_name: "cluster2".into(),
            network: "network2".into(),
            ingress_gateway: None,
            tag: Some(ISTIO_TAG.into()),
            ..Default::default()
        },
    )?;
    PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
        .add(&mut r, "Mtls")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_take_the_documented_list_then_generate() {
        assert_eq!(services(1)[0].0, "api-service");
        assert_eq!(services(1)[0].1, ["v1", "asia-v1", "default-v1"]);
        let s = services(3);
        assert_eq!(s[1].1, ["v2", "v3"]);
        assert_eq!(s[2], ("svc-3".to_string(), vec!["v1".to_string()]));
    }
}
