//! `meshsynth drift --live` on the reference apps' own manifests: each
//! object as an API server would return it (status, managedFields,
//! defaults, an injected sidecar, replicas an autoscaler changed), then a
//! few hand edits; exactly those edits are reported.

use std::path::Path;
use std::process::{Command, Output};

use meshsynth::assembly::{load_assembly, LoadedObject};
use serde_json::{json, Value as Json};

fn meshsynth(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs meshsynth")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What the API server, its defaults and Istio's injector add.
fn as_served(o: &LoadedObject) -> Json {
    let mut b = o.body.clone();
    if o.key.group == "helm" || o.key.kind == "IstioOperator" {
        return json!(null);
    }
    let m = b["metadata"].as_object_mut().unwrap();
    m.insert("uid".into(), json!("6c1f0a3e-0000-4000-8000-000000000000"));
    m.insert("resourceVersion".into(), json!("48213"));
    m.insert("generation".into(), json!(2));
    m.insert("creationTimestamp".into(), json!("2026-11-20T09:00:00Z"));
    m.insert(
        "managedFields".into(),
        json!([{"manager": "kubectl-client-side-apply", "operation": "Update"}]),
    );
    if o.key.kind == "Namespace" {
        let labels = m.entry("labels").or_insert_with(|| json!({}));
        labels["kubernetes.io/metadata.name"] = json!(o.key.name);
    }
    let annotations = m.entry("annotations").or_insert_with(|| json!({}));
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = json!("{\"kind\":\"…\"}");
    match o.key.kind.as_str() {
        "Deployment" => {
            b["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("2");
            let spec = &mut b["spec"];
            spec["revisionHistoryLimit"] = json!(10);
            spec["progressDeadlineSeconds"] = json!(600);
            let pod = &mut spec["template"]["spec"];
            pod["dnsPolicy"] = json!("ClusterFirst");
            pod["schedulerName"] = json!("default-scheduler");
            if let Some(cs) = pod["containers"].as_array_mut() {
                for c in cs.iter_mut() {
                    c["terminationMessagePath"] = json!("/dev/termination-log");
                    if c.get("imagePullPolicy").is_none() {
                        c["imagePullPolicy"] = json!("IfNotPresent");
                    }
                }
                cs.push(json!({"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2"}));
            }
            let volumes = pod
                .as_object_mut()
                .unwrap()
                .entry("volumes")
                .or_insert_with(|| json!([]));
            volumes
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "istio-envoy", "emptyDir": {"medium": "Memory"}}));
            b["status"] = json!({"observedGeneration": 2, "replicas": 2, "readyReplicas": 2});
        }
        "Service" => {
            b["spec"]["clusterIP"] = json!("172.20.14.7");
            b["spec"]["clusterIPs"] = json!(["172.20.14.7"]);
            b["spec"]["sessionAffinity"] = json!("None");
            b["spec"]["internalTrafficPolicy"] = json!("Cluster");
            b["status"] = json!({"loadBalancer": {}});
        }
        _ => {}
    }
    b
}

struct Setup {
    dir: tempfile::TempDir,
    cluster: String,
    objects: Vec<LoadedObject>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let o = meshsynth(dir.path(), &["synth", "-o", "assembly"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let a = load_assembly(&dir.path().join("assembly")).unwrap();
    // The cluster with the most Deployments.
    let (cluster, objects) = a
        .clusters
        .into_iter()
        .max_by_key(|(_, objs)| objs.iter().filter(|o| o.key.kind == "Deployment").count())
        .unwrap();
    Setup {
        dir,
        cluster,
        objects,
    }
}

fn write_export(dir: &Path, items: Vec<Json>) {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    std::fs::write(
        dir.join("live.json"),
        serde_json::to_vec_pretty(&list).unwrap(),
    )
    .unwrap();
}

fn drift(s: &Setup, extra: &[&str]) -> Output {
    let mut args = vec![
        "drift",
        "--assembly",
        "assembly",
        "--live",
        "live.json",
        "--cluster",
        &s.cluster,
    ];
    args.extend_from_slice(extra);
    meshsynth(s.dir.path(), &args)
}

#[test]
fn an_untouched_cluster_has_no_drift() {
    let s = setup();
    write_export(s.dir.path(), s.objects.iter().map(as_served).collect());
    let o = drift(&s, &["--fail"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.starts_with("no drift: "), "{out}");
}

#[test]
fn exactly_the_hand_edits_are_reported() {
    let s = setup();
    let mut items: Vec<Json> = s.objects.iter().map(as_served).collect();
    let find = |kind: &str| s.objects.iter().position(|o| o.key.kind == kind).unwrap();
    // 1. A hot-fixed image.
    let d = find("Deployment");
    let image = items[d]["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    items[d]["spec"]["template"]["spec"]["containers"][0]["image"] = json!("hotfix:1");
    let container = items[d]["spec"]["template"]["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    // 2. A label added by hand to a Service.
    let svc = find("Service");
    items[svc]["metadata"]["labels"]["owner"] = json!("oncall");
    // 3. An object deleted from the cluster.
    let gone = s
        .objects
        .iter()
        .position(|o| o.key.kind == "ServiceAccount")
        .unwrap();
    // 4. Replicas an autoscaler moved (not drift) where an HPA targets one.
    for o in &s.objects {
        if o.key.kind == "HorizontalPodAutoscaler" {
            let target = o.body["spec"]["scaleTargetRef"]["name"].as_str().unwrap();
            if let Some(t) = s.objects.iter().position(|x| {
                x.key.kind == "Deployment"
                    && x.key.name == target
                    && x.key.namespace == o.key.namespace
            }) {
                items[t]["spec"]["replicas"] = json!(17);
            }
        }
    }
    let ns = s.objects[d].key.namespace.clone().unwrap();
    let mut items: Vec<Json> = items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != gone)
        .map(|(_, v)| v)
        .collect();
    // 5. An object made by hand, and ones the cluster makes itself.
    items.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "debug-flags", "namespace": ns}, "data": {"verbose": "1"}}));
    items.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kube-root-ca.crt", "namespace": ns}}));
    items.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "x-5d9c", "namespace": ns,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"}]}}));
    write_export(s.dir.path(), items);

    let o = drift(&s, &["--fail", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let report: Json = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(String, String, Vec<String>)> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                format!(
                    "{}/{}",
                    x["object"]["kind"].as_str().unwrap(),
                    x["object"]["name"].as_str().unwrap()
                ),
                x["status"].as_str().unwrap().to_string(),
                x["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["path"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let deployment = format!("Deployment/{}", s.objects[d].key.name);
    let service = format!("Service/{}", s.objects[svc].key.name);
    let account = format!("ServiceAccount/{}", s.objects[gone].key.name);
    let mut want = vec![
        (
            deployment,
            "changed".to_string(),
            vec![format!(
                "spec.template.spec.containers[name={container}].image"
            )],
        ),
        (
            service,
            "changed".to_string(),
            vec!["metadata.labels.owner".to_string()],
        ),
        (account, "missing".to_string(), vec![]),
        (
            "ConfigMap/debug-flags".to_string(),
            "extra".to_string(),
            vec![],
        ),
    ];
    // Changed and missing in assembly order, then the extra ones.
    let order = |name: &str| {
        s.objects
            .iter()
            .position(|o| format!("{}/{}", o.key.kind, o.key.name) == name)
            .unwrap_or(usize::MAX)
    };
    want.sort_by_key(|(n, _, _)| order(n));
    assert_eq!(got, want);
    let change = &report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == "changed" && x["object"]["kind"] == "Deployment")
        .unwrap()["changes"][0];
    assert_eq!(change["old"], json!(image));
    assert_eq!(change["new"], json!("hotfix:1"));

    // Text for a terminal; without --fail the exit code is 0.
    let o = drift(&s, &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(
        out.contains("4 object(s) drifted") && out.contains("(2 changed, 1 missing, 1 extra)"),
        "{out}"
    );
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let s = setup();
    write_export(s.dir.path(), Vec::new());
    let o = meshsynth(
        s.dir.path(),
        &[
            "drift",
            "--assembly",
            "assembly",
            "--live",
            "live.json",
            "--cluster",
            "nope",
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--cluster nope: the assembly has no such cluster"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    std::fs::write(s.dir.path().join("bad.yaml"), "items: [\n").unwrap();
    let o = meshsynth(
        s.dir.path(),
        &[
            "drift",
            "--assembly",
            "assembly",
            "--live",
            "bad.yaml",
            "--cluster",
            &s.cluster,
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.yaml"), "{err}");
    assert!(o.stdout.is_empty());

    let o = meshsynth(
        s.dir.path(),
        &["drift", "--assembly", "nowhere", "--live", "live.json"],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nowhere"), "{err}");
}

#[test]
fn cloudformation_drift_names_an_endpoint_it_cannot_reach() {
    let s = setup();
    let o = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args([
            "drift",
            "--assembly",
            "assembly",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "ecommerce-*",
        ])
        .current_dir(s.dir.path())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(o.stdout.is_empty());

    let o = meshsynth(
        s.dir.path(),
        &["drift", "--assembly", "assembly", "no-such-*"],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stack pattern no-such-* matches no stack of the assembly"),
        "{err}"
    );
}
