//! References, names and validation through the whole synthesizer, with a
//! tiny L1 type defined here so the tests do not depend on construct families.

use meshsynth::core::{
    App, CfnCondition, CfnOutput, CfnOutputProps, CfnResource, Chart, ChartProps, CondExpr,
    Context, Env, Error, ResourceRef, Stack, StackProps, Tags, Value,
};
use meshsynth::synth::{synth, SynthOptions};
use serde::Serialize;
use serde_json::{json, Value as Json};

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
struct CfnThing {
    name: Option<Value>,
    other: Option<Value>,
}

impl CfnResource for CfnThing {
    const TYPE: &'static str = "Test::Thing::Thing";
    const TAGS: meshsynth::core::TagStyle = meshsynth::core::TagStyle::Map;
}

fn stack(app: &mut App, id: &str, env: Env) -> meshsynth::core::StackRef {
    Stack::new(
        &mut app.root(),
        id,
        StackProps {
            env,
            ..Default::default()
        },
    )
    .unwrap()
}

fn thing(
    app: &mut App,
    s: &meshsynth::core::StackRef,
    id: &str,
    other: Option<Value>,
) -> ResourceRef<CfnThing> {
    app.scope(s.node())
        .unwrap()
        .add_resource(
            id,
            CfnThing {
                name: Some(id.into()),
                other,
            },
        )
        .unwrap()
}

fn template(out: &meshsynth::synth::Synthesis, name: &str) -> Json {
    let file = format!("{name}.template.json");
    let (_, bytes) = out
        .assembly
        .files
        .iter()
        .find(|(f, _)| *f == file)
        .expect("template");
    serde_json::from_slice(bytes).unwrap()
}

fn diag_text(e: Error) -> String {
    e.diagnostics()
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn same_stack_references_resolve_to_intrinsics() {
    let mut app = App::new(Context::new());
    let s = stack(&mut app, "one", Env::default());
    let a = thing(&mut app, &s, "A", None);
    let list = Value::List(vec![
        a.reference(),
        a.attr("Arn"),
        Value::sub_with("x-${V}", vec![("V", a.attr("Id"))]),
    ]);
    thing(&mut app, &s, "B", Some(list));
    let out = synth(app, &SynthOptions::default()).unwrap();
    let t = template(&out, "one");
    let a_id = t["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let other =
        &t["Resources"].as_object().unwrap().values().nth(1).unwrap()["Properties"]["Other"];
    assert_eq!(
        other,
        &json!([{"Ref": a_id}, {"Fn::GetAtt": [a_id, "Arn"]}, {"Fn::Sub": ["x-${V}", {"V": {"Fn::GetAtt": [a_id, "Id"]}}]}])
    );
}

#[test]
fn cross_stack_references_become_exports_and_dependencies() {
    let mut app = App::new(Context::new());
    let env = Env::new("123456789012", "eu-west-1");
    let p = stack(&mut app, "producer", env.clone());
    let c = stack(&mut app, "consumer", env);
    let a = thing(&mut app, &p, "A", None);
    thing(&mut app, &c, "B", Some(a.attr("Arn")));
    thing(&mut app, &c, "C", Some(a.attr("Arn")));
    let out = synth(app, &SynthOptions::default()).unwrap();
    let prod = template(&out, "producer");
    let outputs = prod["Outputs"].as_object().unwrap();
    assert_eq!(outputs.len(), 1, "one export for two uses");
    let (key, o) = outputs.iter().next().unwrap();
    let export = format!("producer:{key}");
    assert_eq!(o["Export"]["Name"], json!(export));
    let cons = template(&out, "consumer");
    let b = cons["Resources"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(b["Properties"]["Other"], json!({"Fn::ImportValue": export}));
    let m = &out.assembly.manifest;
    assert_eq!(m.stacks[0].name, "producer");
    assert_eq!(m.stacks[1].dependencies, vec!["producer"]);
}

#[test]
fn cross_stack_cycles_are_errors_naming_the_paths() {
    let mut app = App::new(Context::new());
    let a = stack(&mut app, "alpha", Env::default());
    let b = stack(&mut app, "beta", Env::default());
    let x = thing(&mut app, &a, "X", None);
    let y = thing(&mut app, &b, "Y", Some(x.reference()));
    thing(&mut app, &a, "Z", Some(y.reference()));
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(err.contains("stack dependency cycle"), "{err}");
    assert!(
        err.contains("alpha/Z uses beta/Y") && err.contains("beta/Y uses alpha/X"),
        "{err}"
    );
}

#[test]
fn cross_region_references_read_the_other_regions_output() {
    let mut app = App::new(Context::new());
    let a = stack(&mut app, "east", Env::new("123456789012", "us-east-1"));
    let b = stack(&mut app, "west", Env::new("123456789012", "us-west-2"));
    let x = thing(&mut app, &a, "X", None);
    thing(&mut app, &b, "Y", Some(x.attr("Arn")));
    let out = synth(app, &SynthOptions::default()).expect("synthesizes");
    let east = template(&out, "east");
    let west = template(&out, "west");
    // The producer outputs the value without an export (exports stay in one region).
    let (id, output) = east["Outputs"].as_object().unwrap().iter().next().unwrap();
    assert_eq!(output["Value"]["Fn::GetAtt"][1], "Arn", "{output}");
    assert!(output.get("Export").is_none(), "{output}");
    let other = &west["Resources"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["Properties"]["Other"];
    assert_eq!(
        other,
        &serde_json::json!({"Fn::GetStackOutput": {"StackName": "east", "OutputName": id, "Region": "us-east-1"}})
    );
    // The consumer deploys after the producer, across regions.
    let m = &out.assembly.manifest;
    let w = m.stacks.iter().find(|s| s.name == "west").unwrap();
    assert_eq!(w.dependencies, vec!["east"]);
    assert_eq!(m.stacks[0].name, "east");
}

#[test]
fn cross_account_references_name_the_alternatives() {
    let mut app = App::new(Context::new());
    let a = stack(&mut app, "prod", Env::new("111111111111", "us-east-1"));
    let b = stack(&mut app, "tools", Env::new("222222222222", "us-east-1"));
    let x = thing(&mut app, &a, "X", None);
    thing(&mut app, &b, "Y", Some(x.reference()));
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(
        err.contains("tools/Y: cross-account reference to prod/X"),
        "{err}"
    );
    assert!(err.contains("SSM parameter"), "{err}");
    // A stack without a region cannot be read from elsewhere by name and region.
    let mut app = App::new(Context::new());
    let a = stack(&mut app, "anywhere", Env::default());
    let b = stack(&mut app, "west", Env::region("us-west-2"));
    let x = thing(&mut app, &a, "X", None);
    thing(&mut app, &b, "Y", Some(x.reference()));
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(
        err.contains("west/Y: cross-region reference to anywhere/X"),
        "{err}"
    );
    assert!(err.contains("give both stacks an explicit region"), "{err}");
    // One stack left without an account (`Env::region`) beside one with
    // it: named as that, with the account to give it.
    let mut app = App::new(Context::new());
    let a = stack(&mut app, "network", Env::region("eu-west-1"));
    let b = stack(&mut app, "data", Env::new("123456789012", "eu-west-1"));
    let x = thing(&mut app, &a, "X", None);
    thing(&mut app, &b, "Y", Some(x.reference()));
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(
        err.contains("stack network has no account, so it is not known to be 123456789012"),
        "{err}"
    );
    assert!(
        err.contains(r#"give stack network the same account (StackProps { env: Env::new("123456789012", REGION) })"#),
        "{err}"
    );
    assert!(!err.contains("SSM parameter"), "{err}");
}

#[test]
fn dangling_references_are_errors() {
    let mut other = App::new(Context::new());
    let os = stack(&mut other, "o", Env::default());
    let stranger = thing(&mut other, &os, "S", None);
    let mut app = App::new(Context::new());
    let s = stack(&mut app, "s", Env::default());
    thing(&mut app, &s, "A", Some(stranger.reference()));
    thing(
        &mut app,
        &s,
        "B",
        Some(Value::sub("arn:${AWS::Partition}:s3:::${Bucket}")),
    );
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(err.contains("s/A: dangling reference"), "{err}");
    assert!(
        err.contains("s/B: dangling reference: Fn::Sub template names ${Bucket}"),
        "{err}"
    );
}

#[test]
fn conditions_outputs_and_tags() {
    let mut app = App::new(Context::new());
    let s = stack(&mut app, "s", Env::default());
    let cond = {
        let mut sc = app.scope(s.node()).unwrap();
        Tags::add(&mut sc, "team", "platform");
        CfnCondition::new(
            &mut sc,
            "IsProd",
            CondExpr::Equals(
                Value::Pseudo(meshsynth::core::Pseudo::Region),
                "eu-west-1".into(),
            ),
        )
        .unwrap()
    };
    let a = thing(
        &mut app,
        &s,
        "A",
        Some(Value::If(
            cond,
            Box::new("big".into()),
            Box::new("small".into()),
        )),
    );
    CfnOutput::new(
        &mut app.scope(s.node()).unwrap(),
        "Name",
        CfnOutputProps {
            value: a.reference(),
            description: Some("the name".into()),
            export_name: None,
        },
    )
    .unwrap();
    let out = synth(app, &SynthOptions::default()).unwrap();
    let t = template(&out, "s");
    let cond_id = t["Conditions"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert!(cond_id.starts_with("IsProd"));
    let res = t["Resources"].as_object().unwrap().values().next().unwrap();
    assert_eq!(
        res["Properties"]["Other"],
        json!({"Fn::If": [cond_id, "big", "small"]})
    );
    assert_eq!(res["Properties"]["Tags"], json!({"team": "platform"}));
    assert!(t["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .starts_with("Name"));
}

#[test]
fn deferred_inputs_become_outputs_and_manifest_entries() {
    let mut app = App::new(Context::new());
    let s = stack(&mut app, "data", Env::default());
    let db = thing(&mut app, &s, "Db", None);
    let apps = stack(&mut app, "apps", Env::default());
    let chart = Chart::new(
        &mut app.scope(apps.node()).unwrap(),
        "Cluster",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut cs = app.scope(chart.node()).unwrap();
    let text = cs.deferred(&db.attr("Endpoint.Address")).unwrap();
    assert_eq!(text, "${meshsynth:data/Db#Endpoint.Address}");
    let cm = k8s_openapi::api::core::v1::ConfigMap {
        data: Some(
            [("DB_HOST".to_string(), text.clone())]
                .into_iter()
                .collect(),
        ),
        ..Default::default()
    };
    cs.add_object("Config", cm).unwrap();
    let out = synth(
        app,
        &SynthOptions {
            patterns: vec!["apps".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        out.notes.iter().any(|n| n.contains("including stack data")),
        "{:?}",
        out.notes
    );
    let c = &out.assembly.manifest.clusters[0];
    assert_eq!(c.deferred_inputs.len(), 1);
    let d = &c.deferred_inputs[0];
    assert_eq!(
        (d.placeholder.as_str(), d.stack.as_str()),
        (text.as_str(), "data")
    );
    let t = template(&out, "data");
    assert!(t["Outputs"][&d.output]["Value"]["Fn::GetAtt"].is_array());
    let (_, yaml) = out
        .assembly
        .files
        .iter()
        .find(|(f, _)| f.ends_with("apps-cluster.yaml"))
        .unwrap();
    assert!(String::from_utf8_lossy(yaml).contains(&format!("DB_HOST: '{text}'")));
}

#[test]
fn strict_makes_warnings_fatal() {
    let build = || {
        let mut app = App::new(Context::new());
        let s = stack(&mut app, "s", Env::default());
        app.scope(s.node())
            .unwrap()
            .report(meshsynth::core::Diagnostic::warning("", "just so you know"));
        app
    };
    assert!(synth(build(), &SynthOptions::default()).is_ok());
    let err = synth(
        build(),
        &SynthOptions {
            strict: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(diag_text(err).contains("error: s: just so you know"));
}

#[test]
fn suppressions_drop_findings_and_are_recorded() {
    let mut app = App::new(Context::new());
    let s = stack(&mut app, "s", Env::default());
    thing(&mut app, &s, "A", None);
    {
        let mut sc = app.scope(s.node()).unwrap();
        sc.report(meshsynth::core::Diagnostic::error("s/A", "too open").with_code("MS-TEST-1"));
        sc.suppress("MS-TEST-1", "reviewed: fine for the demo")
            .unwrap();
        assert!(
            sc.suppress("MS-TEST-1", " ").is_err(),
            "a reason is required"
        );
    }
    let out = synth(app, &SynthOptions::default()).unwrap();
    let t = template(&out, "s");
    let res = t["Resources"].as_object().unwrap().values().next().unwrap();
    assert_eq!(
        res["Metadata"]["meshsynth:suppressions"],
        json!([{"rule": "MS-TEST-1", "reason": "reviewed: fine for the demo"}])
    );
}

#[test]
fn logical_id_collisions_and_overrides() {
    let mut app = App::new(Context::new());
    let s = stack(&mut app, "s", Env::default());
    let a = thing(&mut app, &s, "A", None);
    let b = thing(&mut app, &s, "B", None);
    let mut sc = app.scope(s.node()).unwrap();
    assert!(sc.override_logical_id(a.node(), "bad-id").is_err());
    sc.override_logical_id(a.node(), "Same").unwrap();
    sc.override_logical_id(b.node(), "Same").unwrap();
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(
        err.contains("s/B: logical ID Same collides with s/A"),
        "{err}"
    );
}

#[test]
fn stack_limits_are_reported() {
    let mut app = App::new(Context::new());
    let s = stack(&mut app, "big", Env::default());
    for i in 0..501 {
        thing(&mut app, &s, &format!("T{i}"), None);
    }
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(
        err.contains("stack big has 501 resources; CloudFormation allows 500"),
        "{err}"
    );
}

/// An app with one chart `c` (cluster `main`, namespace `ns`).
fn app_with_chart() -> (App, meshsynth::core::ChartRef) {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "c",
        ChartProps::new("main").namespace("ns"),
    )
    .unwrap();
    (app, chart)
}

#[test]
fn kubernetes_names_are_validated_and_collisions_found() {
    let (mut app, chart) = app_with_chart();
    let mut cs = app.scope(chart.node()).unwrap();
    let named = |n: &str| k8s_openapi::api::core::v1::ConfigMap {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(n.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    cs.add_object("One", named("same")).unwrap();
    cs.add_object("Two", named("same")).unwrap();
    cs.add_object("Bad", named("Not_DNS")).unwrap();
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(
        err.contains("c/Two: ConfigMap same collides with c/One"),
        "{err}"
    );
    assert!(
        err.contains("c/Bad: ConfigMap name: \"Not_DNS\" is not a DNS-1123 subdomain"),
        "{err}"
    );
}

#[test]
fn a_construct_declared_twice_is_one_collision_error_not_one_per_object() {
    let (mut app, chart) = app_with_chart();
    let mut cs = app.scope(chart.node()).unwrap();
    let meta = |n: &str| k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        name: Some(n.into()),
        ..Default::default()
    };
    // Two constructs that write the same ConfigMap and Secret, as a
    // `MeshService` declared twice under one `name` writes eight objects.
    for id in ["Orders", "OrdersAgain"] {
        let mut s = cs.child(id).unwrap();
        s.add_object(
            "Config",
            k8s_openapi::api::core::v1::ConfigMap {
                metadata: meta("orders"),
                ..Default::default()
            },
        )
        .unwrap();
        s.add_object(
            "Secret",
            k8s_openapi::api::core::v1::Secret {
                metadata: meta("orders"),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let err = diag_text(synth(app, &SynthOptions::default()).unwrap_err());
    assert!(
        err.contains(
            "c/OrdersAgain: 2 of its objects collide with those of c/Orders in the same \
             cluster and namespace: ConfigMap orders, Secret orders"
        ),
        "{err}"
    );
    assert_eq!(err.matches("collide").count(), 1, "{err}");
}
