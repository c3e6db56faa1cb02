//! The mesh reference apps (`ecommerce-mesh`, `advanced-mesh`): the values of
//! REFERENCE.md are in the synthesized output, `-c services=N` scales them,
//! and each failure the seeds troubleshoot by hand is a synth error with its
//! analyzer code and construct path.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use meshsynth::core::{App, Chart, ChartProps, Context, Diagnostic, Error, Scope};
use meshsynth::k8s::workloads::{
    AppDeployment, AppDeploymentProps, AppService, AppServiceProps, ContainerPort, ContainerProps,
    PodProps, ServicePortProps,
};
use meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{IngressRoute, MeshService, MeshServiceProps};
use meshsynth::synth::{synth, SynthOptions};
use meshsynth_stacks::{advanced_mesh, ecommerce_mesh};

/// Synthesizes one app with the given context pairs; every file by path.
fn files(
    build: fn(&mut App) -> Result<(), Error>,
    ctx: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let mut app =
        App::new(Context::from_pairs(ctx.iter().map(|(k, v)| format!("{k}={v}"))).unwrap());
    build(&mut app).expect("app builds");
    let out = synth(app, &SynthOptions::default())
        .unwrap_or_else(|e| panic!("app synthesizes: {e}\n{:#?}", e.diagnostics()));
    assert!(
        out.diagnostics.is_empty(),
        "no warnings: {:#?}",
        out.diagnostics
    );
    out.assembly
        .all_files()
        .into_iter()
        .map(|(f, b)| (f, String::from_utf8(b).expect("UTF-8")))
        .collect()
}

/// Every YAML document of the files under `k8s/<cluster>/` (manifests only).
fn objects(files: &BTreeMap<String, String>, cluster: &str) -> Vec<serde_yaml::Value> {
    let prefix = format!("k8s/{cluster}/");
    files
        .iter()
        .filter(|(f, _)| f.starts_with(&prefix) && !f.ends_with("kustomization.yaml"))
        .filter(|(f, _)| !f.ends_with(".values.yaml") && !f.ends_with(".istiooperator.yaml"))
        .flat_map(|(_, text)| {
            serde_yaml::Deserializer::from_str(text)
                .map(|d| serde::Deserialize::deserialize(d).expect("YAML parses"))
                .collect::<Vec<serde_yaml::Value>>()
        })
        .collect()
}

fn of_kind<'a>(objs: &'a [serde_yaml::Value], kind: &str) -> Vec<&'a serde_yaml::Value> {
    objs.iter()
        .filter(|o| o["kind"].as_str() == Some(kind))
        .collect()
}

fn named<'a>(objs: &'a [serde_yaml::Value], kind: &str, name: &str) -> &'a serde_yaml::Value {
    of_kind(objs, kind)
        .into_iter()
        .find(|o| o["metadata"]["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("{kind} {name} exists"))
}

fn template(files: &BTreeMap<String, String>, stack: &str) -> Json {
    serde_json::from_str(&files[&format!("{stack}.template.json")]).expect("template is JSON")
}

fn resources_of<'a>(t: &'a Json, ty: &str) -> Vec<(&'a String, &'a Json)> {
    t["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

// ------------------------------------------------------------ ecommerce-mesh

#[test]
fn ecommerce_reference_values() {
    let f = files(ecommerce_mesh::build, &[]);
    let objs = objects(&f, "ecommerce-mesh");

    let ns = named(&objs, "Namespace", "ecommerce");
    assert_eq!(ns["metadata"]["labels"]["istio-injection"], "enabled");

    let gw = named(&objs, "Gateway", "ecommerce-gateway");
    assert_eq!(gw["spec"]["selector"]["istio"], "ingressgateway");
    let servers = gw["spec"]["servers"].as_sequence().unwrap();
    let ports: Vec<i64> = servers
        .iter()
        .map(|s| s["port"]["number"].as_i64().unwrap())
        .collect();
    assert_eq!(ports, [80, 443]);
    for s in servers {
        let hosts: Vec<&str> = s["hosts"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        assert_eq!(hosts, ["api.c4ang.com", "*"]);
    }
    assert_eq!(servers[1]["tls"]["credentialName"], "ecommerce-tls-cert");
    assert_eq!(servers[1]["tls"]["mode"], "SIMPLE");

    let expected = [
        ("customer-service", "/api/v1/customers"),
        ("order-service", "/api/v1/orders"),
        ("product-service", "/api/v1/products"),
        ("payment-service", "/api/v1/payments"),
        ("recommendation-service", "/api/v1/recommendations"),
        ("saga-tracker", "/api/v1/saga"),
    ];
    // Six services, plus v2 of the canaried recommendation service (§5).
    assert_eq!(of_kind(&objs, "Deployment").len(), 7);
    let canary = named(&objs, "VirtualService", "recommendation-service-ingress");
    let http = &canary["spec"]["http"];
    assert_eq!(http[0]["name"], "ios");
    assert_eq!(http[0]["route"][0]["destination"]["subset"], "v2");
    assert_eq!(http[1]["name"], "canary");
    assert_eq!(http[1]["route"][0]["weight"], 98);
    assert_eq!(http[1]["route"][1]["weight"], 2);
    assert_eq!(http[1]["mirrorPercentage"]["value"], 10.0);
    assert_eq!(
        named(&objs, "Deployment", "recommendation-service-v2")["spec"]["replicas"],
        1
    );
    for (svc, prefix) in expected {
        let d = named(&objs, "Deployment", svc);
        assert_eq!(d["spec"]["replicas"], 2, "{svc} replicas");
        let vs = named(&objs, "VirtualService", &format!("{svc}-ingress"));
        assert_eq!(vs["spec"]["gateways"][0], "ecommerce-gateway");
        assert_eq!(vs["spec"]["hosts"][0], "api.c4ang.com");
        let route = &vs["spec"]["http"][0];
        assert_eq!(route["match"][0]["uri"]["prefix"], prefix);
        assert_eq!(route["retries"]["attempts"], 3);
        assert_eq!(route["timeout"], "10s");
        let dr = named(&objs, "DestinationRule", svc);
        let tp = &dr["spec"]["trafficPolicy"];
        assert_eq!(tp["connectionPool"]["tcp"]["maxConnections"], 100);
        assert_eq!(tp["connectionPool"]["http"]["http2MaxRequests"], 100);
        assert_eq!(tp["outlierDetection"]["consecutive5xxErrors"], 5);
        assert_eq!(tp["loadBalancer"]["simple"], "ROUND_ROBIN");
    }

    let pa = named(&objs, "PeerAuthentication", "default");
    assert_eq!(pa["metadata"]["namespace"], "ecommerce");
    assert_eq!(pa["spec"]["mtls"]["mode"], "STRICT");

    // The NLB ingress gateway of the install.
    let io = &f["k8s/ecommerce-mesh/istio-control-plane.istiooperator.yaml"];
    assert!(io.contains("service.beta.kubernetes.io/aws-load-balancer-type: external"));
    assert!(io.contains("service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip"));
    assert!(io.contains("tag: '1.28.0'"), "{io}");
}

#[test]
fn ecommerce_nodes_admit_istiod_webhooks() {
    let f = files(ecommerce_mesh::build, &[]);
    assert!(f.contains_key("ecommerce-mesh-network.template.json"));
    let t = template(&f, "ecommerce-mesh-cluster");
    let ingress = resources_of(&t, "AWS::EC2::SecurityGroupIngress");
    let sg = resources_of(&t, "AWS::EC2::SecurityGroup");
    assert_eq!(sg.len(), 1, "the node security group");
    let sg_id = sg[0].0;
    for port in [15017, 443] {
        assert!(
            ingress.iter().any(|(_, r)| {
                let p = &r["Properties"];
                p["FromPort"] == port
                    && p["ToPort"] == port
                    && p["GroupId"]["Fn::GetAtt"][0] == sg_id.as_str()
                    && p["SourceSecurityGroupId"]["Fn::GetAtt"][1] == "ClusterSecurityGroupId"
            }),
            "port {port} from the cluster security group: {ingress:#?}"
        );
    }
    // The nodes keep the cluster security group and get the node group.
    let lt = resources_of(&t, "AWS::EC2::LaunchTemplate");
    let groups = &lt[0].1["Properties"]["LaunchTemplateData"]["SecurityGroupIds"];
    assert_eq!(groups[0]["Fn::GetAtt"][1], "ClusterSecurityGroupId");
    assert_eq!(groups[1]["Fn::GetAtt"][0], sg_id.as_str());
    let ng = resources_of(&t, "AWS::EKS::Nodegroup");
    assert_eq!(ng[0].1["Properties"]["InstanceTypes"][0], "m5.large");
}

#[test]
fn ecommerce_services_knob_scales() {
    let f = files(ecommerce_mesh::build, &[("services", "1")]);
    let objs = objects(&f, "ecommerce-mesh");
    let deps: Vec<&str> = of_kind(&objs, "Deployment")
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(deps, ["customer-service"]);

    let f = files(ecommerce_mesh::build, &[("services", "300")]);
    let objs = objects(&f, "ecommerce-mesh");
    // 300 services and the recommendation canary's v2.
    assert_eq!(of_kind(&objs, "Deployment").len(), 301);
    let vs = named(&objs, "VirtualService", "svc-300-ingress");
    assert_eq!(
        vs["spec"]["http"][0]["match"][0]["uri"]["prefix"],
        "/api/v1/svc-300"
    );
    named(&objs, "Deployment", "saga-tracker");
    for (file, text) in &f {
        if file.ends_with(".template.json") {
            let t: Json = serde_json::from_str(text).unwrap();
            assert!(t["Resources"].as_object().unwrap().len() <= 500, "{file}");
            assert!(text.len() <= 1_000_000, "{file}");
        }
    }
}

#[test]
fn ecommerce_malformed_services_knob_is_an_error() {
    let mut app = App::new(Context::from_pairs(["services=six"]).unwrap());
    let err = ecommerce_mesh::build(&mut app).unwrap_err();
    assert!(err.to_string().contains("services"), "{err}");
}

/// The ecommerce mesh with one service, broken by `f`, synthesized strictly
/// (warnings are fatal, as in `meshsynth synth --strict`); the diagnostics of
/// the failed synth.
fn broken_ecommerce(mode: MeshMode, f: impl FnOnce(&mut Scope<'_>)) -> Vec<Diagnostic> {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("ecommerce-mesh").namespace("ecommerce"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    MeshNamespace::new(
        &mut c,
        "Ns",
        MeshNamespaceProps {
            name: "ecommerce".into(),
            mesh: mode,
            ..Default::default()
        },
    )
    .unwrap();
    IstioInstall::new(&mut c, "Istio", IstioInstallProps::default()).unwrap();
    MeshService::new(
        &mut c,
        "Order",
        MeshServiceProps {
            name: "order-service".into(),
            image: "registry.example.com/ecommerce/order-service:1.0.0".into(),
            ..Default::default()
        },
    )
    .unwrap();
    f(&mut c);
    // Not strict: each known failure must be an error on its own.
    let opts = SynthOptions::default();
    match synth(app, &opts) {
        Ok(_) => panic!("the broken variant must not synthesize"),
        Err(Error::Diagnostics(d)) => d,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

#[track_caller]
fn assert_finding(ds: &[Diagnostic], code: &str, path: &str) {
    assert!(
        ds.iter()
            .any(|d| d.code.as_deref() == Some(code) && d.path == path),
        "expected {code} at {path}, got {:#?}",
        ds.iter().map(|d| d.to_string()).collect::<Vec<_>>()
    );
}

/// The seed's Gateway, `credential_source` declared or not.
fn seed_gateway(c: &mut Scope<'_>, selector: &str, hosts: &[&str], declared: bool) {
    let mut spec = GatewaySpec::ingress(hosts, Some("ecommerce-tls-cert"), false);
    spec.selector = Some(BTreeMap::from([(
        "istio".to_string(),
        selector.to_string(),
    )]));
    let mut gw = Gateway::named("ecommerce-gateway", spec);
    if declared {
        gw.metadata.annotations = Some(BTreeMap::from([(
            CREDENTIAL_SOURCES_ANNOTATION.to_string(),
            "ecommerce-tls-cert=kubernetes.io/tls Secret".to_string(),
        )]));
    }
    gw.add(c, "Gw").unwrap();
}

/// A VirtualService for order-service on `hosts`, bound to `gateways`.
fn seed_route(c: &mut Scope<'_>, hosts: &[&str], gateways: Option<Vec<String>>) {
    VirtualService::named(
        "order-service-ingress",
        VirtualServiceSpec {
            hosts: Some(hosts.iter().map(|h| h.to_string()).collect()),
            gateways,
            http: Some(vec![HttpRoute {
                r#match: Some(vec![HttpMatchRequest {
                    uri: Some(StringMatch::prefix("/api/v1/orders")),
                    ..Default::default()
                }]),
                route: Some(vec![HttpRouteDestination::to(Destination::host(
                    "order-service",
                ))]),
                ..Default::default()
            }]),
            ..Default::default()
        },
    )
    .add(c, "Vs")
    .unwrap();
}

#[test]
fn ecommerce_failure_virtual_service_not_attached_to_gateway() {
    let ds = broken_ecommerce(MeshMode::Sidecar, |c| {
        seed_gateway(c, "ingressgateway", &["api.c4ang.com"], true);
        seed_route(c, &["api.c4ang.com"], None);
    });
    assert_finding(&ds, "MS-MESH-2", "C/Vs");
}

#[test]
fn ecommerce_failure_hosts_do_not_match_gateway() {
    let ds = broken_ecommerce(MeshMode::Sidecar, |c| {
        seed_gateway(c, "ingressgateway", &["api.c4ang.com"], true);
        seed_route(
            c,
            &["shop.c4ang.com"],
            Some(vec!["ecommerce-gateway".into()]),
        );
    });
    assert_finding(&ds, "IST0132", "C/Vs");
}

#[test]
fn ecommerce_failure_gateway_selector_matches_no_gateway() {
    let ds = broken_ecommerce(MeshMode::Sidecar, |c| {
        seed_gateway(c, "ingress-gateway", &["api.c4ang.com"], true);
    });
    // istioctl's code: the selector matches nothing at all.
    assert_finding(&ds, "IST0101", "C/Gw");
}

#[test]
fn ecommerce_failure_pods_without_sidecar() {
    let ds = broken_ecommerce(MeshMode::None, |c| {
        seed_gateway(c, "ingressgateway", &["api.c4ang.com"], true);
    });
    assert_finding(&ds, "IST0102", "C/Ns");
}

#[test]
fn ecommerce_failure_tls_credential_without_certificate() {
    let ds = broken_ecommerce(MeshMode::Sidecar, |c| {
        seed_gateway(c, "ingressgateway", &["api.c4ang.com"], false);
    });
    assert_finding(&ds, "IST0101", "C/Gw");
    assert!(
        ds.iter()
            .any(|d| d.is_error() && d.message.contains("ecommerce-tls-cert")),
        "{ds:#?}"
    );
}

#[test]
fn ecommerce_fixed_variant_is_clean() {
    // The same fixture with every mistake fixed synthesizes strictly.
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("ecommerce-mesh").namespace("ecommerce"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    MeshNamespace::new(
        &mut c,
        "Ns",
        MeshNamespaceProps {
            name: "ecommerce".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )
    .unwrap();
    IstioInstall::new(&mut c, "Istio", IstioInstallProps::default()).unwrap();
    seed_gateway(&mut c, "ingressgateway", &["api.c4ang.com", "*"], true);
    MeshService::new(
        &mut c,
        "Order",
        MeshServiceProps {
            name: "order-service".into(),
            image: "registry.example.com/ecommerce/order-service:1.0.0".into(),
            routes: vec![IngressRoute {
                gateway: "ecommerce-gateway".into(),
                hosts: vec!["api.c4ang.com".into()],
                prefix: "/api/v1/orders".into(),
            }],
            ..Default::default()
        },
    )
    .unwrap();
    let opts = SynthOptions {
        strict: true,
        ..Default::default()
    };
    let out = synth(app, &opts).unwrap_or_else(|e| panic!("{e}: {:#?}", e.diagnostics()));
    assert!(out.diagnostics.is_empty());
}

// ------------------------------------------------------------ advanced-mesh

fn seq_str(v: &serde_yaml::Value) -> Vec<&str> {
    v.as_sequence()
        .unwrap_or_else(|| panic!("a sequence: {v:?}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn advanced_control_planes() {
    let f = files(advanced_mesh::build, &[]);
    let primary: serde_yaml::Value = serde_yaml::from_str(
        &f["k8s/advanced-mesh-cluster1/istio-control-plane.istiooperator.yaml"],
    )
    .unwrap();
    assert_eq!(primary["metadata"]["name"], "istio-control-plane");
    assert_eq!(primary["spec"]["profile"], "default");
    let g = &primary["spec"]["values"]["global"];
    assert_eq!(g["meshID"], "mesh1");
    assert_eq!(g["multiCluster"]["clusterName"], "cluster1");
    assert_eq!(g["network"], "network1");
    let igw = &primary["spec"]["components"]["ingressGateways"][0];
    assert_eq!(
        igw["k8s"]["serviceAnnotations"]["service.beta.kubernetes.io/aws-load-balancer-type"],
        "external"
    );
    let remote: serde_yaml::Value =
        serde_yaml::from_str(&f["k8s/advanced-mesh-cluster2/istio-remote.istiooperator.yaml"])
            .unwrap();
    assert_eq!(remote["metadata"]["name"], "istio-remote");
    assert_eq!(remote["spec"]["profile"], "remote");
    let g = &remote["spec"]["values"]["global"];
    assert_eq!(g["meshID"], "mesh1");
    assert_eq!(g["multiCluster"]["clusterName"], "cluster2");
    assert_eq!(g["network"], "network2");
}

#[test]
fn advanced_routing_and_subsets() {
    let f = files(advanced_mesh::build, &[]);
    let objs = objects(&f, "advanced-mesh-cluster1");
    let vs = named(&objs, "VirtualService", "complex-routing");
    assert_eq!(seq_str(&vs["spec"]["hosts"]), ["api.example.com"]);
    assert_eq!(seq_str(&vs["spec"]["gateways"]), ["api-gateway"]);
    let http = vs["spec"]["http"].as_sequence().unwrap();
    assert_eq!(
        http[0]["match"][0]["headers"]["user-type"]["exact"],
        "premium"
    );
    assert_eq!(http[0]["match"][0]["uri"]["prefix"], "/api/v1");
    let premium: Vec<(&str, &str, i64)> = http[0]["route"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["destination"]["host"].as_str().unwrap(),
                r["destination"]["subset"].as_str().unwrap(),
                r["weight"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        premium,
        [("premium-api", "v2", 90), ("premium-api", "v3", 10)]
    );
    assert_eq!(
        http[1]["match"][0]["headers"]["user-region"]["exact"],
        "asia"
    );
    assert_eq!(http[1]["route"][0]["destination"]["host"], "api-service");
    assert_eq!(http[1]["route"][0]["destination"]["subset"], "asia-v1");
    assert!(http[2].get("match").is_none());
    assert_eq!(http[2]["route"][0]["destination"]["subset"], "default-v1");
    named(&objs, "Gateway", "api-gateway");

    let dr = named(&objs, "DestinationRule", "api-versions");
    assert_eq!(dr["spec"]["host"], "api-service");
    let cookie = &dr["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"]["httpCookie"];
    assert_eq!(cookie["name"], "user_session");
    assert_eq!(cookie["ttl"], "3600s");
    let v1 = &dr["spec"]["subsets"][0];
    assert_eq!(v1["name"], "v1");
    assert_eq!(v1["labels"]["version"], "v1");
    let tp = &v1["trafficPolicy"];
    assert_eq!(tp["connectionPool"]["tcp"]["maxConnections"], 100);
    assert_eq!(tp["connectionPool"]["http"]["http1MaxPendingRequests"], 1);
    assert_eq!(tp["connectionPool"]["http"]["maxRequestsPerConnection"], 10);
    assert_eq!(tp["outlierDetection"]["consecutive5xxErrors"], 3);
    assert_eq!(tp["outlierDetection"]["interval"], "30s");
    assert_eq!(tp["outlierDetection"]["baseEjectionTime"], "30s");

    // Every subset a route uses is defined, and pods carry its labels.
    let subsets = |host: &str| -> Vec<String> {
        of_kind(&objs, "DestinationRule")
            .into_iter()
            .filter(|d| d["spec"]["host"].as_str() == Some(host))
            .flat_map(|d| d["spec"]["subsets"].as_sequence().unwrap().clone())
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(subsets("api-service"), ["v1", "asia-v1", "default-v1"]);
    assert_eq!(subsets("premium-api"), ["v2", "v3"]);
    for (app, version) in [
        ("api-service", "v1"),
        ("api-service", "asia-v1"),
        ("api-service", "default-v1"),
        ("premium-api", "v2"),
        ("premium-api", "v3"),
    ] {
        let d = named(&objs, "Deployment", &format!("{app}-{version}"));
        let l = &d["spec"]["template"]["metadata"]["labels"];
        assert_eq!(l["app"], app);
        assert_eq!(l["version"], version);
    }
}

#[test]
fn advanced_cross_cluster_telemetry_and_slos() {
    let f = files(advanced_mesh::build, &[]);
    let objs = objects(&f, "advanced-mesh-cluster1");
    let se = named(&objs, "ServiceEntry", "cross-cluster-api");
    assert_eq!(seq_str(&se["spec"]["hosts"]), ["api.global"]);
    assert_eq!(se["spec"]["location"], "MESH_INTERNAL");
    assert_eq!(se["spec"]["resolution"], "DNS");
    assert_eq!(se["spec"]["ports"][0]["number"], 80);
    assert_eq!(se["spec"]["ports"][0]["protocol"], "HTTP");
    let eps: Vec<(&str, &str, i64)> = se["spec"]["endpoints"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["address"].as_str().unwrap(),
                e["network"].as_str().unwrap(),
                e["weight"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        eps,
        [
            ("cluster1-api.example.com", "network1", 50),
            ("cluster2-api.example.com", "network2", 50)
        ]
    );
    let g = named(&objs, "VirtualService", "global-routing");
    let r = &g["spec"]["http"][0];
    assert_eq!(r["retries"]["attempts"], 3);
    assert_eq!(r["retries"]["perTryTimeout"], "2s");
    assert_eq!(r["timeout"], "10s");

    let t = named(&objs, "Telemetry", "mesh-telemetry");
    let tr = &t["spec"]["tracing"][0];
    assert_eq!(tr["providers"][0]["name"], "jaeger");
    assert_eq!(tr["randomSamplingPercentage"].as_f64(), Some(100.0));
    assert_eq!(tr["customTags"]["user_id"]["header"]["name"], "x-user-id");
    assert_eq!(
        tr["customTags"]["environment"]["literal"]["value"],
        "production"
    );
    let m = &t["spec"]["metrics"][0];
    assert_eq!(m["providers"][0]["name"], "prometheus");
    let o = &m["overrides"][0];
    assert_eq!(o["match"]["metric"], "REQUEST_DURATION");
    assert_eq!(o["match"]["mode"], "CLIENT_AND_SERVER");
    assert_eq!(o["tagOverrides"]["response_code"]["operation"], "UPSERT");
    assert_eq!(
        o["tagOverrides"]["request_operation"]["operation"],
        "UPSERT"
    );

    let pr = named(&objs, "PrometheusRule", "slo-rules");
    let rules: Vec<&serde_yaml::Value> = pr["spec"]["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .collect();
    let rule = |key: &str, name: &str| {
        *rules
            .iter()
            .find(|r| r[key].as_str() == Some(name))
            .unwrap_or_else(|| panic!("{key} {name}"))
    };
    assert!(rule("record", "availability:success_rate_5m")["expr"]
        .as_str()
        .unwrap()
        .contains("istio_requests_total"));
    let a = rule("alert", "AvailabilitySLOViolation");
    assert!(a["expr"].as_str().unwrap().ends_with("[1h]) < 0.995"));
    assert_eq!(a["for"], "5m");
    assert_eq!(a["labels"]["severity"], "critical");
    assert!(rule("record", "latency:p99_5m")["expr"]
        .as_str()
        .unwrap()
        .contains("istio_request_duration_milliseconds_bucket"));
    let l = rule("alert", "LatencySLOViolation");
    assert!(l["expr"].as_str().unwrap().ends_with("> 500"));
    assert_eq!(l["for"], "5m");
    assert_eq!(l["labels"]["severity"], "critical");
}

#[test]
fn advanced_services_knob_scales() {
    let f = files(advanced_mesh::build, &[("services", "1")]);
    let objs = objects(&f, "advanced-mesh-cluster1");
    assert!(of_kind(&objs, "Deployment")
        .iter()
        .all(|d| d["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("api-service-")));
    let vs = named(&objs, "VirtualService", "complex-routing");
    assert_eq!(vs["spec"]["http"].as_sequence().unwrap().len(), 2);

    let f = files(advanced_mesh::build, &[("services", "300")]);
    let objs = objects(&f, "advanced-mesh-cluster1");
    named(&objs, "Deployment", "premium-api-v3");
    named(&objs, "Deployment", "svc-300-v1");
    named(&objs, "DestinationRule", "svc-300-versions");
    named(&objs, "VirtualService", "svc-300");
}

/// Adds a Deployment labelled `app`/`version` per version and the Service.
fn api_workload(c: &mut Scope<'_>, id: &str, app: &str, versions: &[&str]) {
    for v in versions {
        AppDeployment::new(
            c,
            &format!("{id}{v}"),
            AppDeploymentProps {
                name: format!("{app}-{v}"),
                replicas: Some(1),
                pod: PodProps {
                    selector: BTreeMap::from([
                        ("app".to_string(), app.to_string()),
                        ("version".to_string(), v.to_string()),
                    ]),
                    containers: vec![ContainerProps {
                        name: "app".into(),
                        image: format!("registry.example.com/{app}:1.0.0"),
                        ports: vec![ContainerPort {
                            name: "http".into(),
                            port: 8080,
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                labels: BTreeMap::from([("app".to_string(), app.to_string())]),
            },
        )
        .unwrap();
    }
    AppService::new(
        c,
        &format!("{id}Svc"),
        AppServiceProps {
            name: app.into(),
            selector: BTreeMap::from([("app".to_string(), app.to_string())]),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )
    .unwrap();
}

/// The seed's own traffic-management.yaml: `complex-routing` routes to
/// premium-api v2/v3 and api-service asia-v1/default-v1, while the only
/// DestinationRule, `api-versions`, defines v1. The workloads and the
/// gateway exist, so the subsets are the only mistake.
#[test]
fn advanced_seed_virtual_service_fails_on_each_missing_subset() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "advanced-mesh-primary",
        ChartProps::new("advanced-mesh-cluster1").namespace("api"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: "api".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )
    .unwrap();
    IstioInstall::new(&mut c, "Istio", IstioInstallProps::default()).unwrap();
    Gateway::named(
        "api-gateway",
        GatewaySpec::ingress(&["api.example.com"], None, false),
    )
    .add(&mut c, "Gateway")
    .unwrap();
    api_workload(&mut c, "Api", "api-service", &["v1"]);
    api_workload(&mut c, "Premium", "premium-api", &["v2", "v3"]);
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
            subsets: Some(vec![Subset::version("v1")]),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiVersions")
    .unwrap();
    let dest = |host: &str, subset: &str| Destination::host(host).subset(subset);
    VirtualService::named(
        "complex-routing",
        VirtualServiceSpec {
            hosts: Some(vec!["api.example.com".into()]),
            gateways: Some(vec!["api-gateway".into()]),
            http: Some(vec![
                HttpRoute {
                    r#match: Some(vec![HttpMatchRequest {
                        headers: Some(BTreeMap::from([(
                            "user-type".to_string(),
                            StringMatch::exact("premium"),
                        )])),
                        uri: Some(StringMatch::prefix("/api/v1")),
                        ..Default::default()
                    }]),
                    route: Some(vec![
                        HttpRouteDestination::weighted(dest("premium-api", "v2"), 90),
                        HttpRouteDestination::weighted(dest("premium-api", "v3"), 10),
                    ]),
                    ..Default::default()
                },
                HttpRoute {
                    r#match: Some(vec![HttpMatchRequest {
                        headers: Some(BTreeMap::from([(
                            "user-region".to_string(),
                            StringMatch::exact("asia"),
                        )])),
                        ..Default::default()
                    }]),
                    route: Some(vec![HttpRouteDestination::to(dest(
                        "api-service",
                        "asia-v1",
                    ))]),
                    ..Default::default()
                },
                HttpRoute {
                    route: Some(vec![HttpRouteDestination::to(dest(
                        "api-service",
                        "default-v1",
                    ))]),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        },
    )
    .add(&mut c, "ComplexRouting")
    .unwrap();

    let ds = match synth(app, &SynthOptions::default()) {
        Ok(_) => panic!("the seed's VirtualService must not synthesize"),
        Err(Error::Diagnostics(d)) => d,
        Err(e) => panic!("unexpected error: {e}"),
    };
    let errors: Vec<&Diagnostic> = ds
        .iter()
        .filter(|d| d.is_error() && d.code.as_deref() == Some("IST0101"))
        .collect();
    for (host, subset) in [
        ("premium-api", "v2"),
        ("premium-api", "v3"),
        ("api-service", "asia-v1"),
        ("api-service", "default-v1"),
    ] {
        assert!(
            errors
                .iter()
                .any(|d| d.path == "advanced-mesh-primary/ComplexRouting"
                    && d.message
                        .contains(&format!("subset {subset:?} of host {host:?}"))),
            "missing IST0101 for {host} subset {subset}: {:#?}",
            ds.iter().map(|d| d.to_string()).collect::<Vec<_>>()
        );
    }
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

/// The seed's configuration on its own, as a user would paste it: no
/// workloads, no installed gateway, one DestinationRule with subset v1. The
/// unknown hosts do not hide the subsets: each of the four undefined subsets
/// is reported beside the host errors.
#[test]
fn the_literal_seed_reports_subsets_beside_unknown_hosts() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "seed",
        ChartProps::new("seed").namespace("api"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: "api".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )
    .unwrap();
    DestinationRule::named(
        "api-versions",
        DestinationRuleSpec {
            host: "api-service".into(),
            subsets: Some(vec![Subset::version("v1")]),
            ..Default::default()
        },
    )
    .add(&mut c, "ApiVersions")
    .unwrap();
    let dest = |host: &str, subset: &str| Destination::host(host).subset(subset);
    VirtualService::named(
        "complex-routing",
        VirtualServiceSpec {
            hosts: Some(vec!["api.example.com".into()]),
            gateways: Some(vec!["api-gateway".into()]),
            http: Some(vec![
                HttpRoute {
                    route: Some(vec![
                        HttpRouteDestination::weighted(dest("premium-api", "v2"), 90),
                        HttpRouteDestination::weighted(dest("premium-api", "v3"), 10),
                    ]),
                    ..Default::default()
                },
                HttpRoute {
                    route: Some(vec![HttpRouteDestination::to(dest(
                        "api-service",
                        "asia-v1",
                    ))]),
                    ..Default::default()
                },
                HttpRoute {
                    route: Some(vec![HttpRouteDestination::to(dest(
                        "api-service",
                        "default-v1",
                    ))]),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        },
    )
    .add(&mut c, "ComplexRouting")
    .unwrap();
    let ds = match synth(app, &SynthOptions::default()) {
        Ok(_) => panic!("the seed must not synthesize"),
        Err(Error::Diagnostics(d)) => d,
        Err(e) => panic!("unexpected error: {e}"),
    };
    let text: Vec<String> = ds.iter().map(|d| d.to_string()).collect();
    let ist0101 = |needle: &str| {
        ds.iter().any(|d| {
            d.code.as_deref() == Some("IST0101")
                && d.path == "seed/ComplexRouting"
                && d.message.contains(needle)
        })
    };
    for (host, subset) in [
        ("premium-api", "v2"),
        ("premium-api", "v3"),
        ("api-service", "asia-v1"),
        ("api-service", "default-v1"),
    ] {
        assert!(
            ist0101(&format!("subset {subset:?} of host {host:?}")),
            "missing subset {subset} of {host}: {text:#?}"
        );
    }
    assert!(
        ist0101("referenced host \"premium-api\" not found"),
        "{text:#?}"
    );
    assert!(
        ist0101("referenced host \"api-service\" not found"),
        "{text:#?}"
    );
    assert!(
        ds.iter()
            .any(|d| d.path == "seed/ComplexRouting" && d.message.contains("api-gateway")),
        "the unknown gateway is reported: {text:#?}"
    );
}
