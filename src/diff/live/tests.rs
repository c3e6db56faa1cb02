use serde_json::json;

use super::*;
use crate::diff::ChangeOp;

fn desired(body: Json) -> LoadedObject {
    let key = key_of(&body).unwrap();
    LoadedObject {
        key,
        api_version: body["apiVersion"].as_str().unwrap().into(),
        file: "f.yaml".into(),
        chart: "c".into(),
        body,
    }
}

fn live(body: Json) -> LiveObject {
    LiveObject {
        key: key_of(&body).unwrap(),
        body,
    }
}

fn deployment() -> Json {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "cart", "namespace": "shop", "labels": {"app": "cart"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "cart"}},
            "template": {
                "metadata": {"labels": {"app": "cart"}},
                "spec": {
                    "serviceAccountName": "cart",
                    "automountServiceAccountToken": false,
                    "containers": [{
                        "name": "cart", "image": "cart:1.4",
                        "ports": [{"containerPort": 8080, "name": "http"}],
                        "resources": {"requests": {"cpu": 0.5, "memory": "256Mi"}}
                    }]
                }
            }
        }
    })
}

/// The deployment as `kubectl get -o yaml` shows it after the API server,
/// its defaults and Istio's injector have had it.
fn as_served(mut d: Json) -> Json {
    let m = d["metadata"].as_object_mut().unwrap();
    m.insert("uid".into(), json!("0b8e"));
    m.insert("resourceVersion".into(), json!("4711"));
    m.insert("generation".into(), json!(3));
    m.insert("creationTimestamp".into(), json!("2026-11-01T10:00:00Z"));
    m.insert("managedFields".into(), json!([{"manager": "kubectl"}]));
    m.insert(
        "annotations".into(),
        json!({"deployment.kubernetes.io/revision": "3",
               "kubectl.kubernetes.io/last-applied-configuration": "{}"}),
    );
    d["spec"]["revisionHistoryLimit"] = json!(10);
    d["spec"]["progressDeadlineSeconds"] = json!(600);
    d["spec"]["strategy"] = json!({"type": "RollingUpdate"});
    let pod = &mut d["spec"]["template"]["spec"];
    pod["automountServiceAccountToken"] = Json::Null;
    pod.as_object_mut()
        .unwrap()
        .remove("automountServiceAccountToken");
    pod["dnsPolicy"] = json!("ClusterFirst");
    let c = &mut pod["containers"][0];
    c["imagePullPolicy"] = json!("IfNotPresent");
    c["terminationMessagePath"] = json!("/dev/termination-log");
    c["ports"][0]["protocol"] = json!("TCP");
    c["resources"]["requests"]["cpu"] = json!("500m");
    c["volumeMounts"] = json!([{"name": "istio-envoy", "mountPath": "/etc/istio/proxy"}]);
    pod["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "istio-proxy", "image": "proxyv2:1.24"}));
    pod["initContainers"] = json!([{"name": "istio-init", "image": "proxyv2:1.24"}]);
    pod["volumes"] = json!([{"name": "istio-envoy", "emptyDir": {}},
                            {"name": "kube-api-access-x2k9", "projected": {}}]);
    d["status"] = json!({"replicas": 2, "readyReplicas": 2});
    d
}

#[test]
fn what_the_server_adds_is_not_drift() {
    let d = live_drift(
        "main",
        &[desired(deployment())],
        vec![live(as_served(deployment()))],
    );
    assert!(!d.has_drift(), "{}", render::text(&d));
    assert_eq!(d.in_sync, 1);
}

#[test]
fn a_hand_edit_shows_field_by_field_and_nothing_else() {
    let mut l = as_served(deployment());
    l["spec"]["template"]["spec"]["containers"][0]["image"] = json!("cart:1.5-hotfix");
    l["spec"]["replicas"] = json!(5);
    l["metadata"]["labels"]["owner"] = json!("someone");
    l["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "debug", "image": "busybox"}));
    let d = live_drift("main", &[desired(deployment())], vec![live(l)]);
    assert_eq!(d.objects.len(), 1);
    let o = &d.objects[0];
    assert_eq!(o.status, DriftStatus::Changed);
    let paths: Vec<(&str, ChangeOp)> = o.changes.iter().map(|c| (c.path.as_str(), c.op)).collect();
    assert_eq!(
        paths,
        [
            ("metadata.labels.owner", ChangeOp::Added),
            ("spec.replicas", ChangeOp::Changed),
            (
                "spec.template.spec.containers[name=cart].image",
                ChangeOp::Changed
            ),
            ("spec.template.spec.containers[name=debug]", ChangeOp::Added),
        ]
    );
    let image = &o.changes[2];
    assert_eq!(image.old, Some(json!("cart:1.4")));
    assert_eq!(image.new, Some(json!("cart:1.5-hotfix")));
}

#[test]
fn replicas_an_autoscaler_owns_are_not_compared() {
    let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "cart", "namespace": "shop"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart"},
                 "minReplicas": 2, "maxReplicas": 9}});
    let mut l = as_served(deployment());
    l["spec"]["replicas"] = json!(7);
    let d = live_drift(
        "main",
        &[desired(deployment()), desired(hpa.clone())],
        vec![live(l), live(hpa)],
    );
    assert!(!d.has_drift(), "{}", render::text(&d));
    assert!(d.notes[0].contains("spec.replicas not compared on 1 workload"));
}

#[test]
fn missing_and_extra_objects_but_not_what_the_cluster_makes() {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "shop"}, "data": {"a": "1"}});
    let extra = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "debug", "namespace": "shop"}, "rules": []});
    let made = [
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "kube-root-ca.crt", "namespace": "shop"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "default", "namespace": "shop"}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": "cart-5d9", "namespace": "shop",
                            "ownerReferences": [{"kind": "Deployment", "name": "cart"}]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "elsewhere", "namespace": "kube-system"}}),
    ];
    let mut lives = vec![live(as_served(deployment())), live(extra)];
    lives.extend(made.into_iter().map(live));
    let d = live_drift("main", &[desired(deployment()), desired(cm)], lives);
    let got: Vec<(String, DriftStatus)> = d
        .objects
        .iter()
        .map(|o| (o.object.to_string(), o.status))
        .collect();
    assert_eq!(
        got,
        [
            ("ConfigMap shop/settings".to_string(), DriftStatus::Missing),
            (
                "Role.rbac.authorization.k8s.io shop/debug".to_string(),
                DriftStatus::Extra
            ),
        ]
    );
}

#[test]
fn secret_string_data_matches_its_base64_and_a_change_is_masked() {
    let s = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "shop"}, "stringData": {"password": "hunter2"}});
    let same = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "shop", "uid": "1"},
        "data": {"password": "aHVudGVyMg=="}});
    let d = live_drift("main", &[desired(s.clone())], vec![live(same)]);
    assert!(!d.has_drift(), "{}", render::text(&d));
    let changed = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "shop"}, "data": {"password": "c3dvcmRmaXNo"}});
    let d = live_drift("main", &[desired(s)], vec![live(changed)]);
    let text = render::text(&d);
    assert!(text.contains("data.password"), "{text}");
    assert!(
        !text.contains("c3dvcmRmaXNo") && !text.contains("aHVudGVyMg"),
        "{text}"
    );
    assert!(!render::json(&d).contains("c3dvcmRmaXNo"));
    assert!(!render::markdown(&d).contains("c3dvcmRmaXNo"));
}

#[test]
fn quantities_compare_by_value_only_where_they_are_quantities() {
    assert!(quantity_eq(&json!(0.5), &json!("500m")));
    assert!(quantity_eq(&json!("1Gi"), &json!(1073741824)));
    assert!(!quantity_eq(&json!("1Gi"), &json!("1G")));
    assert!(!quantity_eq(&json!("latest"), &json!("1")));
    // An env value is text: 1.2 and 1.20 differ.
    let mut d = deployment();
    d["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "VERSION", "value": "1.2"}]);
    let mut l = as_served(d.clone());
    l["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = json!("1.20");
    let drift = live_drift("main", &[desired(d)], vec![live(l)]);
    assert_eq!(drift.objects.len(), 1, "{}", render::text(&drift));
}

#[test]
fn a_list_export_is_read_and_non_objects_are_noted() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, namespace: shop}\n---\nfoo: bar\n";
    let mut notes = Vec::new();
    let objects = read_live(
        &[Source {
            name: "live.yaml".into(),
            text: text.into(),
        }],
        &mut notes,
    )
    .unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].key.to_string(), "ConfigMap shop/a");
    assert_eq!(
        notes,
        ["live.yaml: 1 document(s) without apiVersion, kind and metadata.name skipped"]
    );
    let err = read_live(
        &[Source {
            name: "bad.yaml".into(),
            text: "a: [\n".into(),
        }],
        &mut notes,
    )
    .unwrap_err();
    assert!(err.starts_with("bad.yaml: "), "{err}");
}

#[test]
fn names_from_the_cluster_are_inert_in_text_and_escaped_in_markdown() {
    let evil = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "x\u{1b}[31m|@team", "namespace": "shop"}});
    let d = live_drift(
        "main",
        &[desired(deployment())],
        vec![live(as_served(deployment())), live(evil)],
    );
    let text = render::text(&d);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    // A name of any length: one short line.
    let long = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "n".repeat(50_000), "namespace": "shop"}});
    let d2 = live_drift(
        "main",
        &[desired(deployment())],
        vec![live(as_served(deployment())), live(long)],
    );
    let long_text = render::text(&d2);
    assert!(long_text.len() < 1_000, "{} bytes", long_text.len());
    assert!(long_text.contains("…(+"), "{long_text}");
    let md = render::markdown(&d);
    // In a code span: the pipe escaped (the table keeps its columns), no
    // mention rendered, the escape byte gone.
    assert!(
        !md.contains('\u{1b}') && md.contains("`ConfigMap shop/x [31m\\|@team`"),
        "{md}"
    );
}
