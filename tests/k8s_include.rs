//! Including existing Kubernetes YAML in a chart: objects are written as
//! they came, read through their types so the analyzers and schema checks
//! run on them, reachable for patches and CloudFormation values, and a
//! file that is not Kubernetes YAML is refused with nothing added.

use meshsynth::core::{
    App, CfnRaw, Chart, ChartProps, Context, K8sPatch, Stack, StackProps, TagStyle,
};
use meshsynth::mesh::include::{K8sInclude, K8sIncludeProps};
use meshsynth::synth::{synth, SynthOptions, Synthesis};
use meshsynth::Error;
use serde_json::json;

const SHOP: &str = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers:
        - name: cart
          image: ghcr.io/acme/cart:1.4.2
          ports: [{containerPort: 8080}]
          resources: {limits: {cpu: 0.5, memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80, targetPort: 8080}]
"#;

fn chart_with(yaml: &str) -> Result<(App, K8sInclude), Error> {
    let mut app = App::new(Context::new());
    let chart = Chart::new(&mut app.root(), "shop", ChartProps::new("prod"))?;
    let inc = {
        let mut s = app.scope(chart.node())?;
        K8sInclude::from_text(
            &mut s,
            "Legacy",
            "shop.yaml",
            yaml,
            K8sIncludeProps::default(),
        )?
    };
    Ok((app, inc))
}

fn manifests(s: &Synthesis) -> String {
    s.assembly
        .files
        .iter()
        .filter(|(p, _)| p.starts_with("k8s/"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect()
}

#[test]
fn objects_are_written_as_they_came() {
    let (app, inc) = chart_with(SHOP).unwrap();
    let kinds: Vec<&str> = inc.objects().iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(kinds, ["Namespace", "Deployment", "Service"]);
    assert_eq!(
        inc.object("Service", "cart").unwrap().namespace.as_deref(),
        Some("shop")
    );
    let out = manifests(&synth(app, &SynthOptions::default()).unwrap());
    // The number stays a number: the file's bytes, not the typed model's.
    assert!(out.contains("cpu: 0.5"), "{out}");
    assert!(out.contains("image: ghcr.io/acme/cart:1.4.2"), "{out}");
}

#[test]
fn a_field_the_kind_does_not_have_is_an_error_naming_it() {
    let yaml = SHOP.replace(
        "ports: [{containerPort: 8080}]",
        "portz: [{containerPort: 8080}]",
    );
    let (app, _) = chart_with(&yaml).unwrap();
    let e = synth(app, &SynthOptions::default()).unwrap_err();
    let d = e.diagnostics();
    let d = d
        .iter()
        .find(|d| d.code.as_deref() == Some("IST0106"))
        .expect("IST0106");
    assert!(
        d.message.contains("spec.template.spec.containers[0].portz"),
        "{}",
        d.message
    );
    assert_eq!(d.path, "shop/Legacy/Deployment-shop-cart");
}

#[test]
fn the_mesh_analyzers_read_included_objects() {
    let yaml = format!(
        "{SHOP}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: cart, namespace: shop}}\nspec:\n  hosts: [cart]\n  http:\n  - route:\n    - destination: {{host: carts}}\n"
    );
    let (app, _) = chart_with(&yaml).unwrap();
    let s = synth(app, &SynthOptions::default());
    let diags = match s {
        Ok(s) => s.diagnostics,
        Err(e) => e.diagnostics(),
    };
    assert!(
        diags
            .iter()
            .any(|d| d.code.as_deref() == Some("IST0101") && d.message.contains("carts")),
        "{diags:?}"
    );
}

#[test]
fn an_included_object_takes_a_patch_and_a_cloudformation_value() {
    let mut app = App::new(Context::new());
    let stack = Stack::new(&mut app.root(), "data", StackProps::default()).unwrap();
    let queue = app
        .scope(stack.node())
        .unwrap()
        .add_raw_resource(
            "Jobs",
            CfnRaw {
                type_name: "AWS::SQS::Queue".into(),
                properties: Default::default(),
                tags: TagStyle::List,
            },
        )
        .unwrap();
    let chart = Chart::new(&mut app.root(), "shop", ChartProps::new("prod")).unwrap();
    let mut s = app.scope(chart.node()).unwrap();
    let inc = K8sInclude::from_text(
        &mut s,
        "Legacy",
        "shop.yaml",
        SHOP,
        K8sIncludeProps::default(),
    )
    .unwrap();
    let url = s
        .deferred(&meshsynth::Value::GetAtt(queue, "QueueUrl".into()))
        .unwrap();
    let cart = inc.object("Deployment", "cart").unwrap();
    let path = format!("Legacy/{}", cart.id);
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "cart", "image": "ghcr.io/acme/cart:1.4.2", "env": [{"name": "JOBS_URL", "value": url}]}
    ]}}}});
    s.patch_object(&path, K8sPatch::Merge(patch)).unwrap();
    let synthesis = synth(app, &SynthOptions::default()).unwrap();
    let out = manifests(&synthesis);
    assert!(out.contains("JOBS_URL"), "{out}");
    let manifest = String::from_utf8_lossy(
        &synthesis
            .assembly
            .all_files()
            .into_iter()
            .find(|(p, _)| p == "manifest.json")
            .unwrap()
            .1,
    )
    .into_owned();
    assert!(
        manifest.contains("QueueUrl"),
        "the deferred input is listed: {manifest}"
    );
}

#[test]
fn a_kind_without_a_type_is_kept_with_a_note() {
    let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\nspec: {size: 3}\n";
    let (app, _) = chart_with(&format!("{SHOP}---\n{yaml}")).unwrap();
    let s = synth(app, &SynthOptions::default()).unwrap();
    assert!(manifests(&s).contains("kind: Widget"));
    assert!(
        s.diagnostics
            .iter()
            .any(|d| d.message.contains("1 Widget object(s) kept as written")),
        "{:?}",
        s.diagnostics
    );
}

fn refused(yaml: &str) -> String {
    let e = chart_with(yaml).unwrap_err().to_string();
    assert!(!e.contains('\n'), "one line: {e}");
    e
}

#[test]
fn what_is_not_kubernetes_yaml_is_refused_naming_the_file() {
    let e = refused("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: 1\n");
    assert!(
        e.contains("shop.yaml") && e.contains("not valid YAML"),
        "{e}"
    );
    let e = refused("apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: a-}\n");
    assert!(e.contains("has no metadata.name"), "{e}");
    let e = refused("- just\n- a list\n");
    assert!(e.contains("not a Kubernetes object"), "{e}");
    let e = refused("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: 3}\n");
    assert!(e.contains("is not a valid Pod"), "{e}");
    let e = refused(&format!("{SHOP}---\n{}", SHOP.split("---").nth(2).unwrap()));
    assert!(
        e.contains("Service cart is already included from shop.yaml (document 3)"),
        "{e}"
    );
    let mut app = App::new(Context::new());
    let e = K8sInclude::from_text(
        &mut app.root(),
        "X",
        "x.yaml",
        SHOP,
        K8sIncludeProps::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("must be added in a chart"), "{e}");
}

#[test]
fn an_api_version_no_cluster_serves_is_refused_with_the_one_to_use() {
    let e = refused("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {template: {spec: {containers: [{name: web, image: 'web:1'}]}}}\n");
    assert!(
        e.contains("shop.yaml (document 1): apiVersion extensions/v1beta1 of Deployment was removed in Kubernetes 1.16"),
        "{e}"
    );
    assert!(e.contains("use apiVersion apps/v1"), "{e}");
    // A kind kept as written (no type) is judged by its version too.
    let e = refused("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: restricted}\nspec: {}\n");
    assert!(e.contains("removed in Kubernetes 1.25"), "{e}");
    assert!(e.contains("Pod Security Admission"), "{e}");
}

#[test]
fn a_removed_api_version_written_by_hand_fails_synth_naming_the_object() {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "Shop",
        ChartProps::new("prod").namespace("shop"),
    )
    .unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    c.add_object(
        "Budget",
        meshsynth::core::RawObject {
            api_version: "policy/v1beta1".into(),
            kind: "PodDisruptionBudget".into(),
            namespaced: true,
            metadata: meshsynth::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("web".into()),
                ..Default::default()
            },
            body: Default::default(),
        },
    )
    .unwrap();
    let e = synth(app, &SynthOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Shop/Budget")
            && e.contains(
                "apiVersion policy/v1beta1 of PodDisruptionBudget was removed in Kubernetes 1.25"
            ),
        "{e}"
    );
}

#[test]
fn a_directory_is_read_recursively_in_order_and_a_bad_file_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ns, rest) = SHOP.split_at(SHOP.find("---").unwrap());
    std::fs::create_dir_all(dir.path().join("apps/cart")).unwrap();
    std::fs::write(dir.path().join("00-namespace.yaml"), ns).unwrap();
    std::fs::write(dir.path().join("apps/cart/all.yml"), rest).unwrap();
    std::fs::write(dir.path().join("README.md"), "not yaml").unwrap();
    std::fs::write(dir.path().join(".hidden.yaml"), "nope: [").unwrap();
    let mut app = App::new(Context::new());
    let chart = Chart::new(&mut app.root(), "shop", ChartProps::new("prod")).unwrap();
    let mut s = app.scope(chart.node()).unwrap();
    let inc =
        K8sInclude::from_path(&mut s, "Legacy", dir.path(), K8sIncludeProps::default()).unwrap();
    assert_eq!(inc.objects().len(), 3);
    assert!(inc.objects()[0].origin.contains("00-namespace.yaml"));
    std::fs::write(dir.path().join("broken.yaml"), "a: [").unwrap();
    let e = K8sInclude::from_path(&mut s, "Again", dir.path(), K8sIncludeProps::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken.yaml"), "{e}");
    assert!(s.find_child("Again").is_none(), "nothing added");
}

#[test]
fn an_included_object_is_edited_through_its_type_and_keeps_the_rest_as_written() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::EnvVar;
    let (mut app, inc) = chart_with(SHOP).unwrap();
    let cart = inc.object_ref::<Deployment>("cart").unwrap();
    assert_eq!(cart.namespace(), Some("shop"));
    {
        let mut s = app.scope(inc.node()).unwrap();
        s.edit_object(&cart, |d: &mut Deployment| {
            let spec = d.spec.get_or_insert_with(Default::default);
            spec.replicas = Some(3);
            let c = spec
                .template
                .spec
                .as_mut()
                .unwrap()
                .containers
                .first_mut()
                .unwrap();
            c.env = Some(vec![EnvVar {
                name: "MODE".into(),
                value: Some("adopted".into()),
                ..Default::default()
            }]);
        })
        .unwrap();
    }
    let out = synth(app, &SynthOptions::default()).unwrap();
    let m = manifests(&out);
    assert!(m.contains("replicas: 3"), "{m}");
    assert!(m.contains("name: MODE"), "{m}");
    // What the edit left alone is still as the file wrote it: a number.
    assert!(m.contains("cpu: 0.5"), "{m}");
}

#[test]
fn asking_for_an_object_the_include_lacks_names_what_it_holds() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Service;
    let (_app, inc) = chart_with(SHOP).unwrap();
    let e = inc.object_ref::<Deployment>("carts").unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("holds no apps/v1 Deployment named \"carts\""),
        "{text}"
    );
    assert!(text.contains("its Deployment objects: cart"), "{text}");
    assert!(inc.object_ref::<Service>("cart").is_ok());
}
