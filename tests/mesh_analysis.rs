//! The offline mesh analyzers: for every check a failing fixture (the code
//! and the construct path are asserted) and a passing one, plus the bad
//! inputs that constructs reject outright.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use meshsynth::analyze::{
    analyze_assembly, analyze_assembly_dir, Options as AnalyzeOptions, Report,
};
use meshsynth::assembly::write_atomically;
use meshsynth::core::{App, Chart, ChartProps, Context, Diagnostic, Error, Scope, Severity};
use meshsynth::k8s::workloads::{
    AppDeployment, AppDeploymentProps, AppProtocol, AppService, AppServiceProps, ContainerPort,
    ContainerProps, PodProps, ServicePortProps,
};
use meshsynth::mesh::add_object;
use meshsynth::mesh::istio::prelude::*;
use meshsynth::mesh::istio::*;
use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::prometheus::{Sli, SloProps, SloRules};
use meshsynth::mesh::service::{MeshService, MeshServiceProps};
use meshsynth::synth::{synth, SynthOptions};

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A namespace `shop` (sidecar injection), an installed ingress gateway,
/// and a `web` Deployment (version v1) with its Service on port 80.
fn base(c: &mut Scope<'_>, mesh: MeshMode) {
    MeshNamespace::new(
        c,
        "Ns",
        MeshNamespaceProps {
            name: "shop".into(),
            mesh,
            ..Default::default()
        },
    )
    .unwrap();
    IstioInstall::new(
        c,
        "Istio",
        IstioInstallProps {
            east_west_gateway: true,
            ..Default::default()
        },
    )
    .unwrap();
    workload(c, "Web", "web", "v1");
    AppService::new(
        c,
        "WebSvc",
        AppServiceProps {
            name: "web".into(),
            selector: labels(&[("app", "web")]),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )
    .unwrap();
}

fn workload(c: &mut Scope<'_>, id: &str, app: &str, version: &str) {
    AppDeployment::new(
        c,
        id,
        AppDeploymentProps {
            name: format!("{app}-{version}"),
            replicas: Some(1),
            pod: PodProps {
                selector: labels(&[("app", app), ("version", version)]),
                containers: vec![ContainerProps {
                    name: "app".into(),
                    image: "registry.example.com/web:1.0.0".into(),
                    ports: vec![ContainerPort {
                        name: "http".into(),
                        port: 8080,
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            },
            labels: BTreeMap::new(),
        },
    )
    .unwrap();
}

/// Builds an app (chart `C`, namespace `shop`) and returns every diagnostic of synth.
fn run_with(ctx: Context, mesh: MeshMode, f: impl FnOnce(&mut Scope<'_>)) -> Vec<Diagnostic> {
    match synth(built(ctx, mesh, f), &SynthOptions::default()) {
        Ok(s) => {
            same_findings_from_the_assembly(&s);
            s.diagnostics
        }
        Err(Error::Diagnostics(d)) => d,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// The app of [`run_with`]: chart `C`, namespace `shop`, the base fixture
/// and what `f` adds.
fn built(ctx: Context, mesh: MeshMode, f: impl FnOnce(&mut Scope<'_>)) -> App {
    let mut app = App::new(ctx);
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    base(&mut c, mesh);
    f(&mut c);
    app
}

/// `meshsynth analyze` of the synthesized assembly (its YAML files, read
/// back) reports exactly the mesh findings synth reported: same codes, same
/// levels, same counts. Every fixture that synthesizes runs through this.
#[track_caller]
fn same_findings_from_the_assembly(s: &meshsynth::synth::Synthesis) {
    let mesh = |code: &str| code.starts_with("IST") || code.starts_with("MS-MESH");
    let mut from_synth: Vec<(String, Severity)> = s
        .diagnostics
        .iter()
        .filter_map(|d| d.code.clone().filter(|c| mesh(c)).map(|c| (c, d.severity)))
        .collect();
    let report = analyze_assembly(&s.assembly.all_files(), &AnalyzeOptions::default())
        .expect("the assembly is readable");
    let mut from_files: Vec<(String, Severity)> = report
        .findings
        .iter()
        .map(|f| (f.code.clone(), f.level))
        .collect();
    from_synth.sort();
    from_files.sort();
    assert_eq!(
        from_files, from_synth,
        "analyze of the assembly differs from synth: {:#?}",
        report.findings
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_atomically(dir.path(), &s.assembly.all_files()).expect("the assembly is written");
    let from_dir = analyze_assembly_dir(dir.path(), &AnalyzeOptions::default())
        .expect("the written assembly is readable");
    assert_eq!(
        as_read(&from_dir, dir.path()),
        as_read(&report, Path::new("")),
        "analyze DIR differs from analyze of the same files in memory"
    );
}

/// A report as its reader sees it: each finding's code, level, file (under
/// `root`), line, object and message, the notes, and the objects read.
fn as_read(report: &Report, root: &Path) -> (Vec<String>, Vec<String>, usize) {
    let findings = report
        .findings
        .iter()
        .map(|f| {
            let file = f.file.as_deref().map(|file| {
                let under = Path::new(file).strip_prefix(root);
                let under = under.unwrap_or_else(|_| panic!("{file} is not under {root:?}"));
                under.display().to_string()
            });
            format!(
                "{} {:?} {file:?}:{:?} {:?} {:?}/{:?}: {}",
                f.code, f.level, f.line, f.kind, f.namespace, f.name, f.message
            )
        })
        .collect();
    // Only the directory's report says which directory it read.
    let said = format!("{}: analyzed as a cloud assembly", root.display());
    let notes = report
        .notes
        .iter()
        .filter(|n| !n.starts_with(&said))
        .cloned()
        .collect();
    (findings, notes, report.objects)
}

/// `analyze DIR` of an assembly on disk: a byte-order mark at the start of
/// its Kubernetes files changes nothing (not even a finding's line); a file
/// that is not UTF-8, or that is missing, is an error naming the file.
#[test]
fn analyze_dir_reads_a_bom_and_names_a_bad_or_missing_file() {
    // IST0108 is a warning with a line: the assembly is written, and the
    // finding's line shows a BOM did not shift it.
    let app = built(Context::new(), MeshMode::Sidecar, |c| {
        annotated_service(c, "networking.istio.io/exportToo", ".")
    });
    let s = synth(app, &SynthOptions::default()).expect("warnings only");
    let files = s.assembly.all_files();
    let write = |edit: &dyn Fn(&str, &mut Vec<u8>) -> bool| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut files = files.clone();
        files.retain_mut(|(name, bytes)| edit(name, bytes));
        write_atomically(dir.path(), &files).expect("the assembly is written");
        dir
    };
    let analyzed =
        |dir: &tempfile::TempDir| analyze_assembly_dir(dir.path(), &AnalyzeOptions::default());
    let intact = write(&|_, _| true);
    let report = analyzed(&intact).expect("the intact assembly is readable");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "IST0108" && f.line.is_some()),
        "the fixture's finding, with a line: {:#?}",
        report.findings
    );

    let is_k8s = |name: &str| name.starts_with("k8s/") && name.ends_with(".yaml");
    let first_object = files
        .iter()
        .map(|(name, _)| name.as_str())
        .find(|name| is_k8s(name) && !name.ends_with("kustomization.yaml"))
        .expect("an object file");
    // A byte-order mark on every file, then on one file only: files are
    // read through buffers the reading thread reuses, and one file's mark
    // must not shift the next file read into its buffer.
    let all: &dyn Fn(&str) -> bool = &is_k8s;
    let one: &dyn Fn(&str) -> bool = &|name| name == first_object;
    for marked in [all, one] {
        let bom = write(&|name, bytes| {
            if marked(name) {
                bytes.splice(0..0, "\u{feff}".bytes());
            }
            true
        });
        let with_bom = analyzed(&bom).expect("a byte-order mark is read");
        assert_eq!(
            as_read(&with_bom, bom.path()),
            as_read(&report, intact.path())
        );
    }

    // The file of the finding: an error there must not be reported as the
    // finding with the file left out.
    let victim = report
        .findings
        .iter()
        .find_map(|f| f.file.as_deref())
        .and_then(|f| Path::new(f).strip_prefix(intact.path()).ok())
        .expect("the finding names a file under the assembly")
        .display()
        .to_string();
    let bad = write(&|name, bytes| {
        if name == victim {
            bytes.splice(10..11, [0xff]);
        }
        true
    });
    let err = analyzed(&bad)
        .expect_err("a file that is not UTF-8")
        .to_string();
    assert!(
        err.contains(&victim) && err.contains("not UTF-8 text (invalid byte at offset 10)"),
        "{err}"
    );

    let missing = write(&|name, _| name != victim);
    let err = analyzed(&missing).expect_err("a missing file").to_string();
    assert!(
        err.contains(&victim) && err.contains("synthesize the assembly again"),
        "{err}"
    );

    // Files are read as the reading threads reach them. A missing file
    // after one whose document cannot be read (with several files, a note
    // and the rest of that file left out) still fails the analysis, named.
    let objects: Vec<&str> = files
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| is_k8s(name) && !name.ends_with("kustomization.yaml"))
        .collect();
    let (first, last) = match objects.as_slice() {
        [first, .., last] => (*first, *last),
        _ => panic!("the fixture writes several object files: {objects:?}"),
    };
    let broken = write(&|name, bytes| {
        if name == first {
            bytes.splice(0..0, b"a: [unclosed\n---\n".iter().copied());
        }
        name != last
    });
    let err = analyzed(&broken)
        .expect_err("a missing file after an unreadable one")
        .to_string();
    assert!(
        err.contains(last) && err.contains("synthesize the assembly again"),
        "{err}"
    );
    let mut in_memory = files.clone();
    in_memory.retain(|(name, _)| name != last);
    let err = analyze_assembly(&in_memory, &AnalyzeOptions::default())
        .expect_err("a missing file, in memory")
        .to_string();
    assert!(
        err.contains(last) && err.contains("listed in manifest.json but missing"),
        "{err}"
    );
}

fn run(f: impl FnOnce(&mut Scope<'_>)) -> Vec<Diagnostic> {
    run_with(Context::new(), MeshMode::Sidecar, f)
}

fn find<'d>(ds: &'d [Diagnostic], code: &str, path: &str) -> Vec<&'d Diagnostic> {
    ds.iter()
        .filter(|d| d.code.as_deref() == Some(code) && d.path == path)
        .collect()
}

#[track_caller]
fn assert_finding(ds: &[Diagnostic], code: &str, path: &str) {
    assert!(
        !find(ds, code, path).is_empty(),
        "expected {code} at {path}, got {:#?}",
        ds.iter().map(|d| d.to_string()).collect::<Vec<_>>()
    );
}

#[track_caller]
fn assert_clean(ds: &[Diagnostic]) {
    assert!(
        ds.is_empty(),
        "expected no findings, got {:#?}",
        ds.iter().map(|d| d.to_string()).collect::<Vec<_>>()
    );
}

fn vs(hosts: &[&str], gateways: Option<&[&str]>, http: Vec<HttpRoute>) -> VirtualServiceSpec {
    VirtualServiceSpec {
        hosts: Some(hosts.iter().map(|h| h.to_string()).collect()),
        gateways: gateways.map(|g| g.iter().map(|g| g.to_string()).collect()),
        http: Some(http),
        ..Default::default()
    }
}

fn to(dest: Destination) -> HttpRoute {
    HttpRoute {
        route: Some(vec![HttpRouteDestination::to(dest)]),
        ..Default::default()
    }
}

fn gateway(hosts: &[&str], port: u16, tls: Option<ServerTls>) -> GatewaySpec {
    GatewaySpec {
        selector: Some(labels(&[("istio", "ingressgateway")])),
        servers: Some(vec![Server {
            port: GatewayPort {
                number: port.into(),
                name: format!("p{port}"),
                protocol: if tls.is_some() { "HTTPS" } else { "HTTP" }.into(),
                target_port: None,
            },
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            tls,
            ..Default::default()
        }]),
    }
}

fn simple_tls(cred: &str) -> Option<ServerTls> {
    Some(ServerTls {
        mode: Some(ServerTlsMode::Simple),
        credential_name: Some(cred.into()),
        ..Default::default()
    })
}

fn tls_secret(c: &mut Scope<'_>, id: &str, name: &str) {
    let s = Secret {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("istio-system".into()),
            ..Default::default()
        },
        type_: Some("kubernetes.io/tls".into()),
        ..Default::default()
    };
    add_object(c, id, s).unwrap();
}

fn dr(host: &str, subsets: &[&str]) -> DestinationRuleSpec {
    DestinationRuleSpec {
        host: host.into(),
        subsets: Some(subsets.iter().map(|s| Subset::version(s)).collect()),
        ..Default::default()
    }
}

#[test]
fn base_fixture_is_clean() {
    assert_clean(&run(|_| {}));
}

// ---------------------------------------------------------------- IST0101

#[test]
fn ist0101_gateway_not_found() {
    let ds = run(|c| {
        VirtualService::named(
            "v",
            vs(
                &["shop.example.com"],
                Some(&["missing"]),
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_finding(&ds, "IST0101", "C/Vs");
    let ds = run(|c| {
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
        VirtualService::named(
            "v",
            vs(
                &["shop.example.com"],
                Some(&["gw"]),
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0101_host_not_found() {
    let ds = run(|c| {
        VirtualService::named("v", vs(&["web"], None, vec![to(Destination::host("nope"))]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_finding(&ds, "IST0101", "C/Vs");
    let ds = run(|c| {
        VirtualService::named("v", vs(&["web"], None, vec![to(Destination::host("web"))]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_clean(&ds);
}

/// The advanced-mesh seed: `complex-routing` routes to subsets v2, v3,
/// asia-v1 and default-v1 while `api-versions` only defines v1.
fn seed_complex_routing(c: &mut Scope<'_>, subsets: &[&str]) {
    workload(c, "Api", "api-service", "v1");
    AppService::new(
        c,
        "ApiSvc",
        AppServiceProps {
            name: "api-service".into(),
            selector: labels(&[("app", "api-service")]),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )
    .unwrap();
    AppService::new(
        c,
        "PremiumSvc",
        AppServiceProps {
            name: "premium-api".into(),
            selector: labels(&[("app", "api-service")]),
            ports: vec![ServicePortProps::http(80, 8080)],
            ..Default::default()
        },
    )
    .unwrap();
    Gateway::named("api-gateway", gateway(&["api.example.com"], 80, None))
        .add(c, "ApiGateway")
        .unwrap();
    DestinationRule::named("api-versions", dr("api-service", subsets))
        .add(c, "ApiVersions")
        .unwrap();
    DestinationRule::named("premium-versions", dr("premium-api", subsets))
        .add(c, "PremiumVersions")
        .unwrap();
    let header = |k: &str, v: &str| Some(BTreeMap::from([(k.to_string(), StringMatch::exact(v))]));
    let d = |h: &str, s: &str| Destination::host(h).subset(s).port(80);
    VirtualService::named(
        "complex-routing",
        vs(
            &["api.example.com"],
            Some(&["api-gateway"]),
            vec![
                HttpRoute {
                    r#match: Some(vec![HttpMatchRequest {
                        headers: header("user-type", "premium"),
                        uri: Some(StringMatch::prefix("/api/v1")),
                        ..Default::default()
                    }]),
                    route: Some(vec![
                        HttpRouteDestination::weighted(d("premium-api", "v2"), 90),
                        HttpRouteDestination::weighted(d("premium-api", "v3"), 10),
                    ]),
                    ..Default::default()
                },
                HttpRoute {
                    r#match: Some(vec![HttpMatchRequest {
                        headers: header("user-region", "asia"),
                        ..Default::default()
                    }]),
                    route: Some(vec![HttpRouteDestination::to(d("api-service", "asia-v1"))]),
                    ..Default::default()
                },
                to(d("api-service", "default-v1")),
            ],
        ),
    )
    .add(c, "ComplexRouting")
    .unwrap();
}

#[test]
fn ist0101_seed_subsets_not_found_each_named() {
    let ds = run(|c| seed_complex_routing(c, &["v1"]));
    let found = find(&ds, "IST0101", "C/ComplexRouting");
    for subset in ["v2", "v3", "asia-v1", "default-v1"] {
        assert!(
            found
                .iter()
                .any(|d| d.is_error() && d.message.contains(&format!("subset {subset:?}"))),
            "missing IST0101 for subset {subset}: {found:#?}"
        );
    }
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn ist0101_seed_fixed_has_no_subset_errors() {
    let ds = run(|c| seed_complex_routing(c, &["v1", "v2", "v3", "asia-v1", "default-v1"]));
    assert!(
        find(&ds, "IST0101", "C/ComplexRouting").is_empty(),
        "{ds:#?}"
    );
}

#[test]
fn ist0101_tls_credential_without_source() {
    let ds = run(|c| {
        Gateway::named(
            "gw",
            gateway(&["shop.example.com"], 443, simple_tls("shop-cert")),
        )
        .add(c, "Gw")
        .unwrap();
    });
    assert_finding(&ds, "IST0101", "C/Gw");
    let ds = run(|c| {
        tls_secret(c, "Cert", "shop-cert");
        Gateway::named(
            "gw",
            gateway(&["shop.example.com"], 443, simple_tls("shop-cert")),
        )
        .add(c, "Gw")
        .unwrap();
    });
    assert_clean(&ds);
}

// ---------------------------------------------------------------- IST0102 / IST0123

#[test]
fn ist0102_namespace_not_injected() {
    let ds = run_with(Context::new(), MeshMode::None, |c| {
        VirtualService::named("v", vs(&["web"], None, vec![to(Destination::host("web"))]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_finding(&ds, "IST0102", "C/Ns");
    let ds = run_with(Context::new(), MeshMode::Ambient, |c| {
        VirtualService::named("v", vs(&["web"], None, vec![to(Destination::host("web"))]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0123_multiple_injection_labels() {
    let ns = |l: &[(&str, &str)]| Namespace {
        metadata: ObjectMeta {
            name: Some("other".into()),
            labels: Some(labels(l)),
            ..Default::default()
        },
        ..Default::default()
    };
    let ds = run(|c| {
        add_object(
            c,
            "Other",
            ns(&[("istio-injection", "enabled"), ("istio.io/rev", "canary")]),
        )
        .unwrap();
    });
    assert_finding(&ds, "IST0123", "C/Other");
    let ds = run(|c| {
        add_object(c, "Other", ns(&[("istio.io/rev", "canary")])).unwrap();
    });
    assert_clean(&ds);
}

// ---------------------------------------------------------------- IST0106

#[test]
fn ist0106_weight_out_of_range_and_bad_duration() {
    let ds = run(|c| {
        let mut r = HttpRoute {
            route: Some(vec![
                HttpRouteDestination::weighted(Destination::host("web"), 150),
                HttpRouteDestination::weighted(Destination::host("web"), -50),
            ]),
            timeout: Some("10".into()),
            ..Default::default()
        };
        r.name = Some("r".into());
        VirtualService::named("v", vs(&["web"], None, vec![r]))
            .add(c, "Vs")
            .unwrap();
    });
    let found = find(&ds, "IST0106", "C/Vs");
    assert!(
        found.iter().any(|d| d.message.contains("weight 150")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|d| d.message.contains("weight -50")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|d| d.message.contains("timeout")),
        "{found:#?}"
    );
    let ds = run(|c| {
        let r = HttpRoute {
            route: Some(vec![HttpRouteDestination::to(Destination::host("web"))]),
            timeout: Some("10s".into()),
            ..Default::default()
        };
        VirtualService::named("v", vs(&["web"], None, vec![r]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0106_fields_newer_than_the_target_version() {
    let with_backoff = |c: &mut Scope<'_>| {
        let r = HttpRoute {
            route: Some(vec![HttpRouteDestination::to(Destination::host("web"))]),
            retries: Some(HttpRetry {
                attempts: Some(2),
                backoff: Some("100ms".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        VirtualService::named("v", vs(&["web"], None, vec![r]))
            .add(c, "Vs")
            .unwrap();
    };
    let mut ctx = Context::new();
    ctx.set("istio:version", "1.25");
    let ds = run_with(ctx, MeshMode::Sidecar, with_backoff);
    let found = find(&ds, "IST0106", "C/Vs");
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("retries.backoff needs Istio 1.26")),
        "{found:#?}"
    );
    assert_clean(&run(with_backoff));
}

// ---------------------------------------------------------------- annotations

fn annotated_service(c: &mut Scope<'_>, key: &str, value: &str) {
    AppService::new(
        c,
        "Annotated",
        AppServiceProps {
            name: "annotated".into(),
            selector: labels(&[("app", "web")]),
            ports: vec![ServicePortProps::http(80, 8080)],
            annotations: labels(&[(key, value)]),
            ..Default::default()
        },
    )
    .unwrap();
}

#[test]
fn ist0107_misplaced_annotation() {
    let ds = run(|c| annotated_service(c, "sidecar.istio.io/proxyCPU", "100m"));
    assert_finding(&ds, "IST0107", "C/Annotated");
    assert_clean(&run(|c| {
        annotated_service(c, "networking.istio.io/exportTo", ".")
    }));
}

#[test]
fn ist0108_unknown_annotation() {
    let ds = run(|c| annotated_service(c, "networking.istio.io/exportToo", "."));
    assert_finding(&ds, "IST0108", "C/Annotated");
    assert_clean(&run(|c| {
        annotated_service(c, "example.com/owner", "team-a")
    }));
}

#[test]
fn ist0125_invalid_annotation_value() {
    let ds = run(|c| annotated_service(c, "networking.istio.io/traffic-distribution", "Anywhere"));
    assert_finding(&ds, "IST0125", "C/Annotated");
    assert_clean(&run(|c| {
        annotated_service(c, "networking.istio.io/traffic-distribution", "PreferClose")
    }));
}

// ---------------------------------------------------------------- VirtualService rules

#[test]
fn ist0109_conflicting_mesh_hosts() {
    let ds = run(|c| {
        VirtualService::named("a", vs(&["web"], None, vec![to(Destination::host("web"))]))
            .add(c, "A")
            .unwrap();
        VirtualService::named("b", vs(&["web"], None, vec![to(Destination::host("web"))]))
            .add(c, "B")
            .unwrap();
    });
    assert_finding(&ds, "IST0109", "C/B");
    let ds = run(|c| {
        VirtualService::named("a", vs(&["web"], None, vec![to(Destination::host("web"))]))
            .add(c, "A")
            .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0112_destination_port_required() {
    let two_ports = |c: &mut Scope<'_>| {
        AppService::new(
            c,
            "Multi",
            AppServiceProps {
                name: "multi".into(),
                selector: labels(&[("app", "web")]),
                ports: vec![
                    ServicePortProps::http(80, 8080),
                    ServicePortProps {
                        protocol: AppProtocol::Http,
                        port: 81,
                        target_port: Some(8080),
                        suffix: Some("alt".into()),
                    },
                ],
                ..Default::default()
            },
        )
        .unwrap();
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
    };
    let ds = run(|c| {
        two_ports(c);
        VirtualService::named(
            "v",
            vs(
                &["shop.example.com"],
                Some(&["gw"]),
                vec![to(Destination::host("multi"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_finding(&ds, "IST0112", "C/Vs");
    let ds = run(|c| {
        two_ports(c);
        VirtualService::named(
            "v",
            vs(
                &["shop.example.com"],
                Some(&["gw"]),
                vec![to(Destination::host("multi").port(80))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert!(find(&ds, "IST0112", "C/Vs").is_empty(), "{ds:#?}");
}

#[test]
fn ist0130_unreachable_and_ist0131_ineffective() {
    let ds = run(|c| {
        let m = |p: &str| Some(vec![HttpMatchRequest::prefix(p)]);
        let rules = vec![
            HttpRoute {
                r#match: m("/a"),
                ..to(Destination::host("web"))
            },
            HttpRoute {
                r#match: Some(vec![
                    HttpMatchRequest::prefix("/a"),
                    HttpMatchRequest::prefix("/b"),
                ]),
                ..to(Destination::host("web"))
            },
            to(Destination::host("web")),
            HttpRoute {
                r#match: m("/c"),
                ..to(Destination::host("web"))
            },
        ];
        VirtualService::named("v", vs(&["web"], None, rules))
            .add(c, "Vs")
            .unwrap();
    });
    assert!(
        find(&ds, "IST0131", "C/Vs")
            .iter()
            .any(|d| d.message.contains("spec.http[1].match[0]")),
        "{ds:#?}"
    );
    assert!(
        find(&ds, "IST0130", "C/Vs")
            .iter()
            .any(|d| d.message.contains("spec.http[3]")),
        "{ds:#?}"
    );
    let ds = run(|c| {
        let rules = vec![
            HttpRoute {
                r#match: Some(vec![HttpMatchRequest::prefix("/a")]),
                ..to(Destination::host("web"))
            },
            to(Destination::host("web")),
        ];
        VirtualService::named("v", vs(&["web"], None, rules))
            .add(c, "Vs")
            .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0132_host_not_in_gateway() {
    let ds = run(|c| {
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
        VirtualService::named(
            "v",
            vs(
                &["other.example.com"],
                Some(&["gw"]),
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_finding(&ds, "IST0132", "C/Vs");
    let ds = run(|c| {
        Gateway::named("gw", gateway(&["*.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
        VirtualService::named(
            "v",
            vs(
                &["other.example.com"],
                Some(&["gw"]),
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0140_subset_rules_not_applied_to_ingress() {
    let build = |c: &mut Scope<'_>, gateway_subset: bool| {
        DestinationRule::named("web", dr("web", &["v1"]))
            .add(c, "Dr")
            .unwrap();
        VirtualService::named(
            "mesh",
            vs(
                &["web"],
                None,
                vec![to(Destination::host("web").subset("v1"))],
            ),
        )
        .add(c, "MeshVs")
        .unwrap();
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
        let mut d = Destination::host("web");
        if gateway_subset {
            d = d.subset("v1");
        }
        VirtualService::named(
            "edge",
            vs(&["shop.example.com"], Some(&["gw"]), vec![to(d)]),
        )
        .add(c, "EdgeVs")
        .unwrap();
    };
    // Reported where the fix goes: the gateway route that names no subset.
    assert_finding(&run(|c| build(c, false)), "IST0140", "C/EdgeVs");
    assert_clean(&run(|c| build(c, true)));
}

#[test]
fn ist0165_internal_gateway_referenced() {
    let ds = run(|c| {
        VirtualService::named(
            "v",
            vs(
                &["web"],
                Some(&["istio-system/cross-network-gateway"]),
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_finding(&ds, "IST0165", "C/Vs");
    let ds = run(|c| {
        Gateway::named("gw", gateway(&["web"], 80, None))
            .add(c, "Gw")
            .unwrap();
        VirtualService::named(
            "v",
            vs(&["web"], Some(&["gw"]), vec![to(Destination::host("web"))]),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ms_mesh_001_weights_must_sum_to_100() {
    let rule = |a: i32, b: i32| HttpRoute {
        route: Some(vec![
            HttpRouteDestination::weighted(Destination::host("web").subset("v1"), a),
            HttpRouteDestination::weighted(Destination::host("web").subset("v1"), b),
        ]),
        ..Default::default()
    };
    let ds = run(|c| {
        DestinationRule::named("web", dr("web", &["v1"]))
            .add(c, "Dr")
            .unwrap();
        VirtualService::named("v", vs(&["web"], None, vec![rule(50, 40)]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_finding(&ds, "MS-MESH-1", "C/Vs");
    let ds = run(|c| {
        DestinationRule::named("web", dr("web", &["v1"]))
            .add(c, "Dr")
            .unwrap();
        VirtualService::named("v", vs(&["web"], None, vec![rule(98, 2)]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ms_mesh_002_ingress_virtual_service_not_bound() {
    let ds = run(|c| {
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
        VirtualService::named(
            "v",
            vs(
                &["shop.example.com"],
                None,
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_finding(&ds, "MS-MESH-2", "C/Vs");
    // The east-west gateway's `*.local` AUTO_PASSTHROUGH server routes nothing.
    let ds = run(|c| {
        VirtualService::named(
            "v",
            vs(
                &["web.shop.svc.cluster.local"],
                None,
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_clean(&ds);
    let ds = run(|c| {
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
        VirtualService::named(
            "v",
            vs(
                &["shop.example.com"],
                Some(&["gw", "mesh"]),
                vec![to(Destination::host("web"))],
            ),
        )
        .add(c, "Vs")
        .unwrap();
    });
    assert_clean(&ds);
}

// ---------------------------------------------------------------- Gateways

#[test]
fn ist0101_gateway_selector_matches_no_workload_and_ms_mesh_003_no_gateway() {
    // Nothing has the labels: istioctl's "referenced selector not found".
    let ds = run(|c| {
        let mut g = gateway(&["shop.example.com"], 80, None);
        g.selector = Some(labels(&[("istio", "ingress-gateway")]));
        Gateway::named("gw", g).add(c, "Gw").unwrap();
    });
    assert_finding(&ds, "IST0101", "C/Gw");
    assert!(
        ds[0]
            .message
            .contains("selector istio=ingress-gateway not found"),
        "{}",
        ds[0].message
    );
    // An application's pods have them, but run no gateway proxy.
    let ds = run(|c| {
        let mut g = gateway(&["shop.example.com"], 80, None);
        g.selector = Some(labels(&[("app", "web")]));
        Gateway::named("gw", g).add(c, "Gw").unwrap();
    });
    assert_finding(&ds, "MS-MESH-3", "C/Gw");
    assert_clean(&run(|c| {
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
    }));
}

#[test]
fn ms_mesh_004_tls_without_credential() {
    let ds = run(|c| {
        let tls = Some(ServerTls {
            mode: Some(ServerTlsMode::Simple),
            ..Default::default()
        });
        Gateway::named("gw", gateway(&["shop.example.com"], 443, tls))
            .add(c, "Gw")
            .unwrap();
    });
    assert_finding(&ds, "MS-MESH-4", "C/Gw");
    let mut g = gateway(&["shop.example.com"], 443, simple_tls("declared"));
    let ds = run(|c| {
        let mut gw = Gateway::named("gw", g.clone());
        gw.metadata.annotations = Some(labels(&[(
            meshsynth::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION,
            "declared=external cert pipeline",
        )]));
        gw.add(c, "Gw").unwrap();
    });
    assert_clean(&ds);
    g.servers.as_mut().unwrap()[0].tls = None;
    assert_clean(&run(|c| {
        Gateway::named("gw", g).add(c, "Gw").unwrap();
    }));
}

#[test]
fn ist0138_duplicate_certificate() {
    let ds = run(|c| {
        tls_secret(c, "Cert", "shared");
        Gateway::named("a", gateway(&["a.example.com"], 443, simple_tls("shared")))
            .add(c, "A")
            .unwrap();
        Gateway::named("b", gateway(&["b.example.com"], 443, simple_tls("shared")))
            .add(c, "B")
            .unwrap();
    });
    assert_finding(&ds, "IST0138", "C/B");
    let ds = run(|c| {
        tls_secret(c, "CertA", "a-cert");
        tls_secret(c, "CertB", "b-cert");
        Gateway::named("a", gateway(&["a.example.com"], 443, simple_tls("a-cert")))
            .add(c, "A")
            .unwrap();
        Gateway::named("b", gateway(&["b.example.com"], 443, simple_tls("b-cert")))
            .add(c, "B")
            .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0145_conflicting_gateways() {
    let ds = run(|c| {
        Gateway::named("a", gateway(&["shop.example.com"], 80, None))
            .add(c, "A")
            .unwrap();
        Gateway::named("b", gateway(&["shop.example.com"], 80, None))
            .add(c, "B")
            .unwrap();
    });
    assert_finding(&ds, "IST0145", "C/B");
    let ds = run(|c| {
        Gateway::named("a", gateway(&["shop.example.com"], 80, None))
            .add(c, "A")
            .unwrap();
        Gateway::named("b", gateway(&["admin.example.com"], 80, None))
            .add(c, "B")
            .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn ist0162_gateway_port_not_on_service() {
    let ds = run(|c| {
        Gateway::named("gw", gateway(&["shop.example.com"], 9999, None))
            .add(c, "Gw")
            .unwrap();
    });
    assert_finding(&ds, "IST0162", "C/Gw");
    assert_clean(&run(|c| {
        Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
            .add(c, "Gw")
            .unwrap();
    }));
}

// ---------------------------------------------------------------- DestinationRules

#[test]
fn ist0128_and_ist0129_no_ca_certificates() {
    for verified in [false, true] {
        let tls = || ClientTlsSettings {
            mode: Some(ClientTlsMode::Simple),
            ca_certificates: verified.then(|| "/etc/ssl/certs/ca-certificates.crt".into()),
            ..Default::default()
        };
        let ds = run(|c| {
            ServiceEntry::named(
                "ext",
                ServiceEntrySpec {
                    hosts: vec!["api.partner.example".into()],
                    ports: Some(vec![ServicePort {
                        number: 443,
                        protocol: Some("TLS".into()),
                        name: "tls".into(),
                        target_port: None,
                    }]),
                    resolution: Some(Resolution::Dns),
                    ..Default::default()
                },
            )
            .add(c, "Ext")
            .unwrap();
            DestinationRule::named(
                "ext",
                DestinationRuleSpec {
                    host: "api.partner.example".into(),
                    traffic_policy: Some(TrafficPolicy {
                        tls: Some(tls()),
                        port_level_settings: Some(vec![PortTrafficPolicy {
                            port: Some(PortSelector { number: Some(443) }),
                            tls: Some(tls()),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .add(c, "Dr")
            .unwrap();
        });
        if verified {
            assert_clean(&ds);
        } else {
            assert_finding(&ds, "IST0128", "C/Dr");
            assert_finding(&ds, "IST0129", "C/Dr");
        }
    }
}

#[test]
fn ist0173_subset_selects_no_pods() {
    let ds = run(|c| {
        DestinationRule::named("web", dr("web", &["v9"]))
            .add(c, "Dr")
            .unwrap();
    });
    assert_finding(&ds, "IST0173", "C/Dr");
    assert_clean(&run(|c| {
        DestinationRule::named("web", dr("web", &["v1"]))
            .add(c, "Dr")
            .unwrap();
    }));
}

#[test]
fn ist0174_destination_rule_host_unknown() {
    let ds = run(|c| {
        DestinationRule::named("x", dr("nope", &[]))
            .add(c, "Dr")
            .unwrap();
    });
    assert_finding(&ds, "IST0174", "C/Dr");
    assert_clean(&run(|c| {
        DestinationRule::named("x", dr("web", &[]))
            .add(c, "Dr")
            .unwrap();
    }));
}

#[test]
fn ms_mesh_005_mtls_conflict() {
    let build = |c: &mut Scope<'_>, mode: ClientTlsMode| {
        PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
            .add(c, "Pa")
            .unwrap();
        DestinationRule::named(
            "web",
            DestinationRuleSpec {
                host: "web".into(),
                traffic_policy: Some(TrafficPolicy {
                    tls: Some(ClientTlsSettings {
                        mode: Some(mode),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .add(c, "Dr")
        .unwrap();
    };
    assert_finding(
        &run(|c| build(c, ClientTlsMode::Disable)),
        "MS-MESH-5",
        "C/Dr",
    );
    assert_clean(&run(|c| build(c, ClientTlsMode::IstioMutual)));
}

// ---------------------------------------------------------------- ServiceEntries

fn se(c: &mut Scope<'_>, id: &str, protocol: &str, addresses: Option<Vec<String>>) {
    ServiceEntry::named(
        id.to_lowercase(),
        ServiceEntrySpec {
            hosts: vec!["db.partner.example".into()],
            addresses,
            ports: Some(vec![ServicePort {
                number: 5432,
                protocol: Some(protocol.into()),
                name: "db".into(),
                target_port: None,
            }]),
            resolution: Some(Resolution::Dns),
            ..Default::default()
        },
    )
    .add(c, id)
    .unwrap();
}

#[test]
fn ist0134_addresses_required() {
    assert_finding(&run(|c| se(c, "Db", "TCP", None)), "IST0134", "C/Db");
    assert_clean(&run(|c| se(c, "Db", "TCP", Some(vec!["10.1.0.5".into()]))));
}

#[test]
fn ist0177_conflicting_protocols() {
    let ds = run(|c| {
        se(c, "A", "TCP", Some(vec!["10.1.0.5".into()]));
        se(c, "B", "HTTP", Some(vec!["10.1.0.5".into()]));
    });
    assert_finding(&ds, "IST0177", "C/B");
    let ds = run(|c| {
        se(c, "A", "TCP", Some(vec!["10.1.0.5".into()]));
        se(c, "B", "TCP", Some(vec!["10.1.0.5".into()]));
    });
    assert_clean(&ds);
}

// ---------------------------------------------------------------- namespace singletons

#[test]
fn ist0111_and_ist0160_several_without_selector() {
    let ds = run(|c| {
        Sidecar::named("a", SidecarSpec::default())
            .add(c, "SidecarA")
            .unwrap();
        Sidecar::named("b", SidecarSpec::default())
            .add(c, "SidecarB")
            .unwrap();
        Telemetry::named("a", TelemetrySpec::default())
            .add(c, "TelA")
            .unwrap();
        Telemetry::named("b", TelemetrySpec::default())
            .add(c, "TelB")
            .unwrap();
    });
    assert_finding(&ds, "IST0111", "C/SidecarB");
    assert_finding(&ds, "IST0160", "C/TelB");
    let ds = run(|c| {
        Sidecar::named("a", SidecarSpec::default())
            .add(c, "SidecarA")
            .unwrap();
        Telemetry::named("a", TelemetrySpec::default())
            .add(c, "TelA")
            .unwrap();
    });
    assert_clean(&ds);
}

// ---------------------------------------------------------------- Services and workloads

fn svc(c: &mut Scope<'_>, id: &str, name: &str, ports: Vec<ServicePortProps>) {
    AppService::new(
        c,
        id,
        AppServiceProps {
            name: name.into(),
            selector: labels(&[("app", "web")]),
            ports,
            ..Default::default()
        },
    )
    .unwrap();
}

#[test]
fn ist0116_compares_the_l4_protocol_not_the_port_name() {
    // `http` and `tcp` names on port 80 carry one TCP stream to the pod:
    // istioctl compares the ports' protocol field, and so does meshsynth.
    let ds = run(|c| {
        svc(
            c,
            "Tcp",
            "web-tcp",
            vec![ServicePortProps {
                protocol: AppProtocol::Tcp,
                port: 80,
                target_port: Some(8080),
                suffix: None,
            }],
        );
    });
    assert!(find(&ds, "IST0116", "C/Web").is_empty(), "{ds:#?}");
    // UDP and TCP on one port number do differ.
    let ds = run(|c| {
        use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
        add_object(
            c,
            "Udp",
            Service {
                metadata: ObjectMeta {
                    name: Some("web-udp".into()),
                    ..Default::default()
                },
                spec: Some(ServiceSpec {
                    selector: Some(labels(&[("app", "web")])),
                    ports: Some(vec![ServicePort {
                        name: Some("udp-web".into()),
                        port: 80,
                        protocol: Some("UDP".into()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .unwrap();
    });
    assert_finding(&ds, "IST0116", "C/Web");
    assert_clean(&run(|c| {
        svc(
            c,
            "Http",
            "web-http",
            vec![ServicePortProps::http(80, 8080)],
        );
    }));
}

#[test]
fn ist0137_same_target_port_different_ports() {
    let ds = run(|c| {
        svc(
            c,
            "Alt",
            "web-alt",
            vec![ServicePortProps::http(8081, 8080)],
        )
    });
    assert_finding(&ds, "IST0137", "C/Web");
    assert_clean(&run(|c| {
        svc(c, "Alt", "web-alt", vec![ServicePortProps::http(80, 8080)])
    }));
}

#[test]
fn ist0118_port_naming() {
    let raw = |name: &str| k8s_openapi::api::core::v1::Service {
        metadata: ObjectMeta {
            name: Some("raw".into()),
            ..Default::default()
        },
        spec: Some(k8s_openapi::api::core::v1::ServiceSpec {
            selector: Some(labels(&[("app", "web")])),
            ports: Some(vec![k8s_openapi::api::core::v1::ServicePort {
                name: Some(name.into()),
                port: 80,
                target_port: Some(
                    k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(8080),
                ),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_finding(
        &run(|c| {
            add_object(c, "Raw", raw("web")).unwrap();
        }),
        "IST0118",
        "C/Raw",
    );
    assert_clean(&run(|c| {
        add_object(c, "Raw", raw("http-web")).unwrap();
    }));
}

#[test]
fn ist0144_application_uid_1337() {
    let raw = |c: &mut Scope<'_>, uid: i64| {
        let mut d: Deployment = Deployment::default();
        d.metadata.name = Some("raw".into());
        let mut spec = k8s_openapi::api::apps::v1::DeploymentSpec::default();
        let mut pod = k8s_openapi::api::core::v1::PodSpec::default();
        pod.containers.push(k8s_openapi::api::core::v1::Container {
            name: "app".into(),
            image: Some("registry.example.com/raw:1.0.0".into()),
            security_context: Some(k8s_openapi::api::core::v1::SecurityContext {
                run_as_user: Some(uid),
                ..Default::default()
            }),
            ..Default::default()
        });
        spec.template.spec = Some(pod);
        spec.template.metadata = Some(ObjectMeta {
            labels: Some(labels(&[("app", "raw")])),
            ..Default::default()
        });
        spec.selector.match_labels = Some(labels(&[("app", "raw")]));
        d.spec = Some(spec);
        add_object(c, "Raw", d).unwrap();
    };
    assert_finding(&run(|c| raw(c, 1337)), "IST0144", "C/Raw");
    // The typed container refuses the UID as it is built, with the same code.
    let refused = ContainerProps {
        name: "app".into(),
        image: "registry.example.com/web:1.0.0".into(),
        run_as_user: Some(1337),
        ..Default::default()
    }
    .build("C/Web")
    .unwrap_err();
    assert_eq!(refused.code(), Some("IST0144"));
    // Without a Service the Deployment is IST0117 (and nothing else).
    let ds = run(|c| raw(c, 10001));
    assert_finding(&ds, "IST0117", "C/Raw");
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_clean(&run(|c| {
        raw(c, 10001);
        AppService::new(
            c,
            "RawSvc",
            AppServiceProps {
                name: "raw".into(),
                selector: labels(&[("app", "raw")]),
                ports: vec![ServicePortProps::http(80, 8080)],
                ..Default::default()
            },
        )
        .unwrap();
    }));
}

// ---------------------------------------------------------------- policies

#[test]
fn ist0167_ineffective_policy() {
    let build = |c: &mut Scope<'_>, good: bool| {
        PeerAuthentication::named(
            "ports",
            PeerAuthenticationSpec {
                selector: good.then(|| WorkloadSelector {
                    match_labels: Some(labels(&[("app", "web")])),
                }),
                port_level_mtls: Some(BTreeMap::from([(
                    "8080".to_string(),
                    Mtls {
                        mode: Some(MtlsMode::Permissive),
                    },
                )])),
                ..Default::default()
            },
        )
        .add(c, "Pa")
        .unwrap();
        AuthorizationPolicy::named(
            "web",
            AuthorizationPolicySpec {
                selector: Some(WorkloadSelector {
                    match_labels: Some(labels(&[("app", "web")])),
                }),
                rules: Some(vec![Rule {
                    to: Some(vec![RuleTo {
                        operation: Some(Operation {
                            ports: Some(vec![if good { "8080" } else { "80" }.into()]),
                            ..Default::default()
                        }),
                    }]),
                    ..Default::default()
                }]),
                ..Default::default()
            },
        )
        .add(c, "Ap")
        .unwrap();
    };
    let ds = run(|c| build(c, false));
    assert_clean(&run(|c| build(c, true)));
    assert_finding(&ds, "IST0167", "C/Pa");
    assert_finding(&ds, "IST0167", "C/Ap");
}

#[test]
fn ms_mesh_006_selector_matches_nothing() {
    let ap = |app: &str| {
        AuthorizationPolicy::named(
            "p",
            AuthorizationPolicySpec {
                selector: Some(WorkloadSelector {
                    match_labels: Some(labels(&[("app", app)])),
                }),
                ..Default::default()
            },
        )
    };
    assert_finding(
        &run(|c| {
            ap("wbe").add(c, "Ap").unwrap();
        }),
        "IST0127",
        "C/Ap",
    );
    assert_clean(&run(|c| {
        ap("web").add(c, "Ap").unwrap();
    }));
}

// ---------------------------------------------------------------- bad input rejected by constructs

fn scope_error(f: impl FnOnce(&mut Scope<'_>) -> Result<(), Error>) -> String {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    match f(&mut c) {
        Err(e) => e.to_string(),
        // Props a construct can still build from are reported and listed
        // at synth with every other problem.
        Ok(()) => {
            let d = c
                .app()
                .diagnostics()
                .iter()
                .find(|d| d.is_error())
                .expect("rejected")
                .clone();
            format!("{}: {}", d.path, d.message)
        }
    }
}

#[test]
fn bad_names_ports_triggers_and_objectives_are_errors() {
    let e = scope_error(|c| {
        MeshService::new(
            c,
            "Svc",
            MeshServiceProps {
                name: "Order_Service".into(),
                image: "x:1.0".into(),
                ..Default::default()
            },
        )
        .map(|_| ())
    });
    assert!(e.contains("C/Svc") && e.contains("DNS-1123"), "{e}");

    let e = scope_error(|c| {
        MeshService::new(
            c,
            "Svc",
            MeshServiceProps {
                name: "orders".into(),
                image: "x:1.0".into(),
                // Ports are u16 everywhere: 70000 no longer compiles; 0 is refused.
                port: 0,
                ..Default::default()
            },
        )
        .map(|_| ())
    });
    assert!(
        e.contains("C/Svc") && e.contains("port 0 is out of range"),
        "{e}"
    );

    let e = scope_error(|c| {
        MeshService::new(
            c,
            "Svc",
            MeshServiceProps {
                name: "orders".into(),
                image: "x:latest".into(),
                ..Default::default()
            },
        )
        .map(|_| ())
    });
    assert!(e.contains("floating tag"), "{e}");

    let e = scope_error(|c| {
        Gateway::named("Bad Name", GatewaySpec::default())
            .add(c, "Gw")
            .map(|_| ())
    });
    assert!(e.contains("C/Gw") && e.contains("DNS-1123"), "{e}");

    let e = scope_error(|c| {
        KedaScaler::new(
            c,
            "Scaler",
            KedaScalerProps {
                name: "orders".into(),
                target: ("apps/v1".into(), "Deployment".into(), "orders".into()),
                min_replicas: 1,
                max_replicas: 5,
                polling_interval: None,
                cooldown_period: None,
                triggers: vec![Trigger::Prometheus {
                    server_address: "http://prometheus:9090".into(),
                    query: String::new(),
                    threshold: "10".into(),
                    activation_threshold: None,
                }],
                aws_identity: AwsIdentity::Workload,
            },
        )
        .map(|_| ())
    });
    assert!(
        e.contains("C/Scaler") && e.contains("prometheus trigger: query is required"),
        "{e}"
    );

    let e = scope_error(|c| {
        SloRules::new(
            c,
            "Slo",
            "slo",
            &[SloProps {
                name: "a".into(),
                service: "a".into(),
                namespace: "shop".into(),
                sli: Sli::Availability,
                objective_percent: 100.0,
                window_days: 30,
            }],
        )
        .map(|_| ())
    });
    assert!(e.contains("C/Slo") && e.contains("outside (0, 100)"), "{e}");
}

// ---------------------------------------------------------------- MeshService consistency

#[test]
fn mesh_service_objects_agree() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    base(&mut c, MeshMode::Sidecar);
    // The caller's identity exists (an unknown one is MS-MESH-11).
    meshsynth::k8s::workloads::AppServiceAccount::new(
        &mut c,
        "WebSa",
        meshsynth::k8s::workloads::AppServiceAccountProps {
            name: "web".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let m = MeshService::new(
        &mut c,
        "Orders",
        MeshServiceProps {
            name: "orders".into(),
            image: "registry.example.com/orders:1.0.0".into(),
            service_account_name: Some("orders-sa".into()),
            allowed_callers: vec![("shop".into(), "web".into())],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(m.service_account.name(), "orders-sa");
    assert_eq!(m.principal, "cluster.local/ns/shop/sa/orders-sa");
    assert_eq!(principal_of(&m.service_account), m.principal);
    let d = app.objects_of::<Deployment>();
    let (_, dep) = d.iter().find(|(p, _)| *p == "C/Orders/Deployment").unwrap();
    let pod = dep.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    assert_eq!(pod.service_account_name.as_deref(), Some("orders-sa"));
    let svcs = app.objects_of::<k8s_openapi::api::core::v1::Service>();
    let (_, svc) = svcs.iter().find(|(p, _)| *p == "C/Orders/Service").unwrap();
    let sel = svc.spec.as_ref().unwrap().selector.as_ref().unwrap();
    let pod_labels = dep
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .as_ref()
        .unwrap()
        .labels
        .as_ref()
        .unwrap();
    assert!(sel.iter().all(|(k, v)| pod_labels.get(k) == Some(v)));
    let aps = app.objects_of::<AuthorizationPolicy>();
    let (_, ap) = aps
        .iter()
        .find(|(p, _)| *p == "C/Orders/AuthorizationPolicy")
        .unwrap();
    let principals = ap.spec.as_ref().unwrap().rules.as_ref().unwrap()[0]
        .from
        .as_ref()
        .unwrap()[0]
        .source
        .as_ref()
        .unwrap()
        .principals
        .clone()
        .unwrap();
    assert_eq!(principals, vec!["cluster.local/ns/shop/sa/web".to_string()]);
    let out = synth(app, &SynthOptions::default()).expect("clean");
    assert_clean(&out.diagnostics);
}

#[test]
fn analysis_scales_to_thousands_of_objects() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    base(&mut c, MeshMode::Sidecar);
    for i in 0..1000 {
        MeshService::new(
            &mut c,
            &format!("S{i}"),
            MeshServiceProps {
                name: format!("svc-{i}"),
                image: "registry.example.com/svc:1.0.0".into(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let started = std::time::Instant::now();
    let mut findings = Vec::new();
    meshsynth::mesh::analysis::analyze(&app, &mut findings);
    let analysis = started.elapsed();
    assert_clean(&findings);
    eprintln!("analysis of {} objects: {analysis:?}", app.objects().len());
    let started = std::time::Instant::now();
    let out = synth(app, &SynthOptions::default()).expect("clean");
    eprintln!("synth: {:?}", started.elapsed());
    assert_clean(&out.diagnostics);
    // Debug builds are ~10x slower than release; this only guards against
    // a quadratic analyzer (8,000 objects).
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn mesh_service_without_istio_is_a_plain_workload() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    MeshService::new(
        &mut c,
        "Orders",
        MeshServiceProps {
            name: "order-service".into(),
            image: "registry.example.com/orders:1.0.0".into(),
            istio_objects: false,
            delivery: meshsynth::mesh::service::Delivery::BlueGreen {
                auto_promotion: false,
                scale_down_delay_seconds: 30,
                analysis_template: None,
            },
            ..Default::default()
        },
    )
    .unwrap();
    assert!(app.objects_of::<VirtualService>().is_empty());
    assert!(app.objects_of::<DestinationRule>().is_empty());
    assert!(app.objects_of::<AuthorizationPolicy>().is_empty());
    assert_eq!(
        app.objects_of::<meshsynth::mesh::rollouts::Rollout>().len(),
        1
    );
    let e = scope_error(|c| {
        MeshService::new(
            c,
            "Svc",
            MeshServiceProps {
                name: "orders".into(),
                image: "x:1.0".into(),
                istio_objects: false,
                routes: vec![meshsynth::mesh::service::IngressRoute::default()],
                ..Default::default()
            },
        )
        .map(|_| ())
    });
    assert!(e.contains("need istio_objects: true"), "{e}");
}

#[test]
fn ist0106_version_table_covers_gateway_and_retry_fields() {
    let mut ctx = Context::new();
    ctx.set("istio:version", "1.27");
    let ds = run_with(ctx, MeshMode::Sidecar, |c| {
        tls_secret(c, "Cert", "shop-cert");
        let mut tls = simple_tls("shop-cert").unwrap();
        tls.mode = Some(ServerTlsMode::Mutual);
        tls.ca_cert_credential_name = Some("shop-ca".into());
        Gateway::named("gw", gateway(&["shop.example.com"], 443, Some(tls)))
            .add(c, "Gw")
            .unwrap();
    });
    let found = find(&ds, "IST0106", "C/Gw");
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("caCertCredentialName needs Istio 1.28")),
        "{found:#?}"
    );
    let mut ctx = Context::new();
    ctx.set("istio:version", "1.25.4");
    let ds = run_with(ctx, MeshMode::Sidecar, |c| {
        let r = HttpRoute {
            route: Some(vec![HttpRouteDestination::to(Destination::host("web"))]),
            retries: Some(HttpRetry {
                attempts: Some(2),
                retry_ignore_previous_hosts: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        VirtualService::named("v", vs(&["web"], None, vec![r]))
            .add(c, "Vs")
            .unwrap();
    });
    assert_finding(&ds, "IST0106", "C/Vs");
    let mut ctx = Context::new();
    ctx.set("istio:version", "latest");
    let ds = run_with(ctx, MeshMode::Sidecar, |_| {});
    assert!(
        ds.iter()
            .any(|d| d.is_error() && d.message.contains("istio:version")),
        "{ds:#?}"
    );
}

#[test]
fn ist0173_ignores_topology_labels() {
    let ds = run(|c| {
        DestinationRule::named(
            "web",
            DestinationRuleSpec {
                host: "web".into(),
                subsets: Some(vec![Subset {
                    name: "zone-a".into(),
                    labels: Some(labels(&[
                        ("version", "v1"),
                        ("topology.kubernetes.io/zone", "ap-northeast-1a"),
                    ])),
                    traffic_policy: None,
                }]),
                ..Default::default()
            },
        )
        .add(c, "Dr")
        .unwrap();
    });
    assert_clean(&ds);
}

#[test]
fn canary_with_ingress_routes_shifts_gateway_traffic_too() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    base(&mut c, MeshMode::Sidecar);
    Gateway::named("gw", gateway(&["shop.example.com"], 80, None))
        .add(&mut c, "Gw")
        .unwrap();
    MeshService::new(
        &mut c,
        "Orders",
        MeshServiceProps {
            name: "orders".into(),
            image: "registry.example.com/orders:1.0.0".into(),
            routes: vec![meshsynth::mesh::service::IngressRoute {
                gateway: "gw".into(),
                hosts: vec!["shop.example.com".into()],
                prefix: "/orders".into(),
            }],
            delivery: meshsynth::mesh::service::Delivery::Canary {
                steps: vec![meshsynth::mesh::rollouts::CanaryStep::weight(20)],
                analysis_template: None,
            },
            ..Default::default()
        },
    )
    .unwrap();
    let rollouts = app.objects_of::<meshsynth::mesh::rollouts::Rollout>();
    let strategy = rollouts[0].1.spec.strategy.as_ref().unwrap();
    let routing = strategy.canary.as_ref().unwrap();
    let istio = routing
        .traffic_routing
        .as_ref()
        .unwrap()
        .istio
        .as_ref()
        .unwrap();
    let names: Vec<&str> = istio
        .virtual_services
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names, ["orders", "orders-ingress"]);
    let out = synth(app, &SynthOptions::default()).expect("clean");
    assert_clean(&out.diagnostics);
}

#[test]
fn ingress_gateway_shape_is_clean_with_a_credential_source() {
    let ds = run(|c| {
        tls_secret(c, "Cert", "ecommerce-tls-cert");
        Gateway::named(
            "ecommerce-gateway",
            GatewaySpec::ingress(&["api.c4ang.com", "*"], Some("ecommerce-tls-cert"), false),
        )
        .add(c, "Gateway")
        .unwrap();
        VirtualService::named(
            "orders",
            vs(
                &["api.c4ang.com"],
                Some(&["ecommerce-gateway"]),
                vec![HttpRoute {
                    r#match: Some(vec![HttpMatchRequest::prefix("/api/v1/orders")]),
                    ..to(Destination::host("web").port(80))
                }],
            ),
        )
        .add(c, "Orders")
        .unwrap();
    });
    assert_clean(&ds);
    let spec = GatewaySpec::ingress(&["a.example.com"], Some("c"), true);
    let servers = spec.servers.as_ref().unwrap();
    assert_eq!(servers.len(), 2);
    assert_eq!(servers[0].tls.as_ref().unwrap().https_redirect, Some(true));
}

#[test]
fn gateways_installed_with_helm_values_only_are_known() {
    let synth_with = |selector: &str| {
        let mut app = App::new(Context::new());
        let chart = Chart::new(
            &mut app.root(),
            "C",
            ChartProps::new("main").namespace("shop"),
        )
        .unwrap();
        let mut c = app.scope(chart.node()).unwrap();
        MeshNamespace::new(
            &mut c,
            "Namespace",
            MeshNamespaceProps {
                name: "shop".into(),
                mesh: MeshMode::Sidecar,
                ..Default::default()
            },
        )
        .unwrap();
        c.add_install_input(
            "ingress",
            meshsynth::core::InstallKind::HelmValues {
                chart: "istio/gateway".into(),
            },
            &serde_json::json!({"name": "istio-ingressgateway"}),
        )
        .unwrap();
        let mut g = gateway(&["shop.example.com"], 80, None);
        g.selector = Some(labels(&[("istio", selector)]));
        Gateway::named("gw", g).add(&mut c, "Gw").unwrap();
        match synth(app, &SynthOptions::default()) {
            Ok(s) => s.diagnostics,
            Err(Error::Diagnostics(d)) => d,
            Err(e) => panic!("{e}"),
        }
    };
    assert_clean(&synth_with("ingressgateway"));
    assert_finding(&synth_with("ingress"), "IST0101", "C/Gw");
}

/// MS-MESH-7: a namespaced object whose namespace nothing creates would
/// fail `kubectl apply`; built-in namespaces and istio-system of a cluster
/// with an Istio installation are there already.
#[test]
fn objects_in_namespaces_nothing_creates_are_errors() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    MeshService::new(
        &mut c,
        "Orders",
        MeshServiceProps {
            name: "orders".into(),
            image: "registry.example.com/orders:1.0.0".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let ds = match synth(app, &SynthOptions::default()) {
        Ok(s) => s.diagnostics,
        Err(Error::Diagnostics(d)) => d,
        Err(e) => panic!("{e}"),
    };
    // One finding for the namespace, listing the objects in it.
    let missing: Vec<&Diagnostic> = ds
        .iter()
        .filter(|d| d.code.as_deref() == Some("MS-MESH-7"))
        .collect();
    assert_eq!(missing.len(), 1, "{ds:#?}");
    let sa = missing[0];
    assert!(sa.is_error());
    assert!(
        sa.message
            .contains("namespace \"shop\", which no Namespace object of cluster main creates")
            && sa.message.contains("ServiceAccount shop/orders"),
        "{sa}"
    );
    assert_eq!(
        sa.hint.as_deref(),
        Some("add a MeshNamespace (or Namespace) named shop to a chart of cluster main")
    );
    // With the namespace, and objects in kube-system, nothing is reported.
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "C",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: "shop".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )
    .unwrap();
    MeshService::new(
        &mut c,
        "Orders",
        MeshServiceProps {
            name: "orders".into(),
            image: "registry.example.com/orders:1.0.0".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let out = synth(app, &SynthOptions::default()).expect("synthesizes");
    assert!(
        !out.diagnostics
            .iter()
            .any(|d| d.code.as_deref() == Some("MS-MESH-7")),
        "{:#?}",
        out.diagnostics
    );
}

/// A raw object (the escape hatch) of a kind the analyzers read typed is
/// read through its typed twin, so it counts as the typed object would:
/// a raw VirtualService routing to an unknown host is reported.
#[test]
fn a_raw_object_of_a_typed_kind_is_analyzed_through_its_twin() {
    let route = |host: &str| meshsynth::core::RawObject {
        api_version: "networking.istio.io/v1".into(),
        kind: "VirtualService".into(),
        namespaced: true,
        metadata: ObjectMeta {
            name: Some(format!("to-{host}")),
            ..Default::default()
        },
        body: serde_json::from_value(serde_json::json!({
            "spec": {"hosts": ["web"], "http": [{"route": [{"destination": {"host": host}}]}]}
        }))
        .unwrap(),
    };
    let ds = run(|c| {
        meshsynth::mesh::add_object(c, "Raw", route("nowhere")).unwrap();
    });
    assert!(
        ds.iter().any(|d| d.code.as_deref() == Some("IST0101")
            && d.path.ends_with("/Raw")
            && d.message.contains("nowhere")),
        "{ds:#?}"
    );
}
