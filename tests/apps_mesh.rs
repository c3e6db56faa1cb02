//! The mesh reference apps (`ecommerce-mesh`, `advanced-mesh`): the values of
//! REFERENCE.md are in the synthesized output, `-c services=N` scales them,
//! and each failure the seeds troubleshoot by hand is a synth error with its
//! analyzer code and construct path.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use meshsynth::core::{App, Chart, ChartProps, Context, Diagnostic, Error, Scope};
use meshsynth::k8s::core::{MeshMode, MeshNamespace, NamespaceProps};
use meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::service::{IngressRoute, MeshService, MeshServiceProps};
use meshsynth::stacks::ecommerce_mesh;
use meshsynth::synth::{synth, SynthOptions};

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
    assert_eq!(of_kind(&objs, "Deployment").len(), 6);
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
    assert_eq!(of_kind(&objs, "Deployment").len(), 300);
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
        NamespaceProps {
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
    let opts = SynthOptions {
        strict: true,
        ..Default::default()
    };
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
    spec.selector = BTreeMap::from([("istio".to_string(), selector.to_string())]);
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
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            gateways,
            http: Some(vec![HttpRoute {
                matches: Some(vec![HttpMatchRequest {
                    uri: Some(StringMatch::Prefix("/api/v1/orders".into())),
                    ..Default::default()
                }]),
                route: Some(vec![Destination::host("order-service").into()]),
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
    assert_finding(&ds, "MS-MESH-002", "C/Vs");
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
    assert_finding(&ds, "MS-MESH-003", "C/Gw");
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
        NamespaceProps {
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
