use super::*;
use serde_json::json;

fn write(objects: Vec<Json>) -> ChartCode {
    let origins: Vec<String> = (0..objects.len())
        .map(|i| format!("app.yaml#{}", i + 1))
        .collect();
    let target = ChartTarget {
        chart_name: "app",
        fn_name: "app",
        origin: "app.yaml",
        cluster: "main",
        namespace: "default",
        suppress: &[],
    };
    k8s_chart(&objects, &origins, &target, &Shapes::embedded().unwrap()).unwrap()
}

/// The code without the line breaks layout adds.
fn flat(s: &str) -> String {
    s.split_whitespace()
        .collect::<String>()
        .replace(",)", ")")
        .replace(",]", "]")
        .replace(",}", "}")
}

#[test]
fn core_and_custom_kinds_become_struct_literals() {
    let code = write(vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "labels": {"app": "web"}},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": "nginx",
                                              "ports": [{"containerPort": 80}],
                                              "resources": {"limits": {"cpu": 0.5}}}]}}}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"ports": [{"port": 80, "targetPort": "http"}]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
               "metadata": {"name": "web"}, "spec": {"hosts": ["web"]}}),
    ]);
    let c = flat(&code.code);
    for want in [
        "s.add_object(\"web\",Deployment{metadata:ObjectMeta{labels:Some(BTreeMap::from([(\"app\".into(),\"web\".into())])),name:Some(\"web\".into()),..Default::default()},spec:Some(DeploymentSpec{replicas:Some(2),",
        "limits:Some(BTreeMap::from([(\"cpu\".into(),Quantity(\"0.5\".into()))]))",
        "s.add_object(\"service-web\",Service{",
        "target_port:Some(IntOrString::String(\"http\".into()))",
        "s.add_object(\"virtualservice-web\",VirtualService{",
        "usemeshsynth::k8s::crd::types::istio::networking_v1::{VirtualService,VirtualServiceSpec};",
        "usemeshsynth::k8s_openapi::api::apps::v1::{Deployment,DeploymentSpec};",
        "usestd::collections::BTreeMap;",
    ] {
        assert!(c.contains(&flat(want)), "missing {want}\n{}", code.code);
    }
    // VirtualService is one of the kinds meshsynth always compiles.
    assert!(code.features.is_empty(), "{:?}", code.features);
    assert!(code.notes.is_empty(), "{:?}", code.notes);
}

#[test]
fn a_kind_meshsynth_does_not_always_compile_names_its_feature() {
    let code = write(vec![json!({
        "apiVersion": "extensions.istio.io/v1alpha1", "kind": "WasmPlugin",
        "metadata": {"name": "w"}, "spec": {"url": "oci://example/w:1"}
    })]);
    assert_eq!(code.features, ["crd-istio".to_string()].into());
}

#[test]
fn the_builtin_kinds_are_the_ones_meshsynth_enables() {
    let manifest = include_str!("../../../../Cargo.toml");
    let start = manifest
        .find("meshsynth-crds = { workspace = true, features = [")
        .expect("the meshsynth-crds dependency of Cargo.toml");
    let list = &manifest[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    let enabled: Vec<&str> = list
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .filter(|f| !f.is_empty())
        .collect();
    assert_eq!(enabled, super::BUILTIN_KINDS);
}

#[test]
fn what_the_types_cannot_hold_is_a_raw_object_with_a_note() {
    let code = write(vec![
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "bogus": 1}),
    ]);
    let c = flat(&code.code);
    assert!(
        c.contains("RawObject{api_version:\"example.com/v1\".into(),kind:\"Widget\".into()"),
        "{}",
        code.code
    );
    assert!(
        c.contains("(\"spec\".to_string(),json!({\"size\":3}))"),
        "{}",
        code.code
    );
    assert_eq!(code.notes.len(), 2, "{:?}", code.notes);
    assert!(code.notes[0].contains("app.yaml#1 (example.com/v1 Widget) is a RawObject: the typed layer has no example.com/v1 Widget"));
    assert!(
        code.notes[1].contains("bogus is no field of ConfigMap"),
        "{}",
        code.notes[1]
    );
}

#[test]
fn secrets_bytes_and_clashing_names_stay_exact() {
    let code = write(vec![
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "aGk="}}),
        json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
               "spec": {"maxReplicas": 3, "scaleTargetRef": {"kind": "Deployment", "name": "d"}}}),
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h2"},
               "spec": {"maxReplicas": 3, "scaleTargetRef": {"kind": "Deployment", "name": "d"}}}),
    ]);
    let c = flat(&code.code);
    assert!(
        c.contains("ByteString(\"hi\".as_bytes().to_vec())"),
        "{}",
        code.code
    );
    // The second HorizontalPodAutoscaler is named by its full path.
    assert!(
        c.contains("meshsynth::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler{"),
        "{}",
        code.code
    );
}
