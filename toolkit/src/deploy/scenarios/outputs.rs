//! Reading back what is deployed: templates for diff, outputs into
//! deferred inputs and MSK brokers, cross-region order, bounded waits.

use super::*;

#[tokio::test(start_paused = true)]
async fn deployed_templates_are_fetched_for_diff() {
    let fake = FakeCfn::new();
    let t = template(&[param("/a")], json!({}));
    deploy(&fake, &plan(vec![stack("app", t.clone(), &[])])).await;
    fake.seed(R, "shell", "REVIEW_IN_PROGRESS", "{}");
    let got = crate::deploy::fetch_deployed_templates(
        &fake,
        &[
            StackId::new(R, "app"),
            StackId::new(R, "none"),
            StackId::new(R, "shell"),
        ],
    )
    .await
    .unwrap();
    let want: serde_json::Value = serde_json::from_slice(&t).unwrap();
    assert_eq!(got[&StackId::new(R, "app")], Some(want));
    assert_eq!(got[&StackId::new(R, "none")], None);
    assert_eq!(got[&StackId::new(R, "shell")], None);
}

#[tokio::test(start_paused = true)]
async fn outputs_fill_the_deferred_inputs_of_a_synthesized_app() {
    use meshsynth::core::resource::CfnRaw;
    use meshsynth::core::{
        App, Chart, ChartProps, Context, Env, Stack, StackProps, TagStyle, Value,
    };
    use meshsynth::k8s_openapi::api::core::v1::ConfigMap;

    let mut app = App::new(Context::new());
    let data = Stack::new(
        &mut app.root(),
        "data",
        StackProps {
            env: Env::region(R),
            ..Default::default()
        },
    )
    .unwrap();
    let db = app
        .scope(data.node())
        .unwrap()
        .add_raw_resource(
            "Db",
            CfnRaw {
                type_name: "AWS::RDS::DBInstance".into(),
                properties: [("Engine".to_string(), Value::from("postgres"))]
                    .into_iter()
                    .collect(),
                tags: TagStyle::List,
            },
        )
        .unwrap();
    let web = Stack::new(
        &mut app.root(),
        "web",
        StackProps {
            env: Env::region(R),
            ..Default::default()
        },
    )
    .unwrap();
    let chart = {
        let mut s = app.scope(web.node()).unwrap();
        Chart::new(&mut s, "Cluster", ChartProps::new("main").namespace("shop")).unwrap()
    };
    {
        let mut c = app.scope(chart.node()).unwrap();
        let host = c
            .deferred(&Value::GetAtt(
                db,
                std::borrow::Cow::Borrowed("Endpoint.Address"),
            ))
            .unwrap();
        let cm = ConfigMap {
            data: Some([("DB_HOST".to_string(), host)].into_iter().collect()),
            ..Default::default()
        };
        c.add_object("Config", cm).unwrap();
    }
    let synthesized = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("mesh.out");
    meshsynth::assembly::write_atomically(&dir, &synthesized.assembly.all_files()).unwrap();

    let asm = crate::deploy::LoadedAssembly::load(&dir).unwrap();
    let input = &asm.manifest.clusters[0].deferred_inputs[0];
    assert_eq!(input.stack, "data");
    let p = Plan::for_deploy(&asm, &[], None).unwrap();
    let fake = FakeCfn::new();
    let (report, _) = deploy(&fake, &p).await;
    assert!(report.success(), "{report:?}");
    let outputs = report.outputs();
    assert_eq!(
        outputs["data"][&input.output],
        "db0a276e36.endpoint.address.example"
    );

    let all = crate::deploy::manifests::outputs_for_deferred(&fake, &asm, &outputs, None)
        .await
        .unwrap();
    let files = crate::deploy::manifests::resolve(&asm, &all, &Default::default())
        .unwrap()
        .files;
    let target = crate::deploy::manifests::default_dir(&dir);
    crate::deploy::manifests::write(&target, &files).unwrap();
    let cm = std::fs::read_to_string(target.join("main/web-cluster.yaml")).unwrap();
    assert!(
        cm.contains("DB_HOST: db0a276e36.endpoint.address.example"),
        "{cm}"
    );
    assert!(!cm.contains("${meshsynth:"));
    assert!(target.join("main/kustomization.yaml").is_file());

    // Deploying only `web` later reads `data`'s outputs from its deployed state.
    let all =
        crate::deploy::manifests::outputs_for_deferred(&fake, &asm, &Default::default(), None)
            .await
            .unwrap();
    assert_eq!(
        crate::deploy::manifests::resolve(&asm, &all, &Default::default())
            .unwrap()
            .ready,
        ["main"]
    );
    // With no deployed producer, the cluster waits and the stack is named.
    let empty = FakeCfn::new();
    let all =
        crate::deploy::manifests::outputs_for_deferred(&empty, &asm, &Default::default(), None)
            .await
            .unwrap();
    let r = crate::deploy::manifests::resolve(&asm, &all, &Default::default()).unwrap();
    assert!(r.files.is_empty());
    assert_eq!(
        r.pending[0].to_string(),
        "cluster main: manifests not written, waiting on stacks data"
    );
}

#[tokio::test(start_paused = true)]
async fn the_deployed_baseline_for_diff_names_stacks_and_regions() {
    use meshsynth::diff::DeployedTemplates;
    let fake = FakeCfn::new();
    let t = template(&[param("/a")], json!({}));
    deploy(&fake, &plan(vec![stack("app", t.clone(), &[])])).await;
    let stacks = vec![
        ("app".to_string(), Some(R.to_string())),
        ("later".to_string(), None),
    ];
    let b = crate::deploy::DeployedBaseline::from_api(&fake, &stacks, Some("us-east-1"))
        .await
        .unwrap();
    assert_eq!(b.describe(), "deployed (eu-west-1, us-east-1)");
    let want: serde_json::Value = serde_json::from_slice(&t).unwrap();
    assert_eq!(b.template("app").unwrap(), Some(want));
    assert_eq!(b.template("later").unwrap(), None);
    let e = crate::deploy::DeployedBaseline::from_api(&fake, &stacks, None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("stack later has no region"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn a_change_set_that_never_completes_is_bounded_by_the_timeout() {
    let fake = FakeCfn::new();
    fake.state.borrow_mut().stuck_change_sets = true;
    let o = DeployOptions {
        busy_timeout: Duration::from_secs(60),
        ..opts()
    };
    let p = plan(vec![stack("app", template(&[param("/a")], json!({})), &[])]);
    let (report, _) = deploy_with(&fake, &p, o, &AlwaysAnswer(true)).await;
    let e = report.errors()[0].to_string();
    assert!(
        e.contains("the change set failed: still CREATE_IN_PROGRESS after 60 s"),
        "{e}"
    );
    assert!(fake.calls().contains(&"DeleteChangeSet app".to_string()));
}

/// An MSK cluster's brokers reach the manifests: deploy reads the cluster
/// ARN from the stack's outputs, asks Kafka GetBootstrapBrokers in the
/// stack's region, and fills the lookup's placeholder with the IAM brokers.
#[tokio::test(start_paused = true)]
async fn msk_bootstrap_brokers_are_looked_up_and_filled() {
    use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
    use meshsynth::aws::msk::{MskCluster, MskClusterProps};
    use meshsynth::aws::network::{SubnetKind, Vpc, VpcProps};
    use meshsynth::core::{Chart, ChartProps, Env, Stack, StackProps};
    use meshsynth::k8s_openapi::api::core::v1::ConfigMap;

    let mut app = meshsynth::App::new(meshsynth::Context::new());
    let data = Stack::new(
        &mut app.root(),
        "data",
        StackProps {
            env: Env::region("eu-west-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let mut s = app.scope(data.node()).unwrap();
    let vpc = Vpc::new(&mut s, "Vpc", VpcProps::default()).unwrap();
    let key = Key::new(
        &mut s,
        "Key",
        KeyProps {
            users: vec![KeyUser::ViaService("kafka".into()), KeyUser::CloudWatchLogs],
            ..Default::default()
        },
    )
    .unwrap();
    let kafka = MskCluster::new(
        &mut s,
        "Kafka",
        MskClusterProps {
            name: "shop-kafka".into(),
            vpc_id: vpc.vpc_id(),
            subnet_ids: vpc.subnet_ids(SubnetKind::Private),
            encryption_key: key.arn(),
            ..Default::default()
        },
    )
    .unwrap();
    let chart = Chart::new(&mut s, "Cluster", ChartProps::new("main").namespace("shop")).unwrap();
    {
        let mut c = app.scope(chart.node()).unwrap();
        let brokers = c.deferred_lookup(&kafka.bootstrap_brokers()).unwrap();
        let cm = ConfigMap {
            data: Some([("KAFKA_BOOTSTRAP_SERVERS".to_string(), brokers)].into()),
            ..Default::default()
        };
        c.add_object("Kafka", cm).unwrap();
    }
    let synthesized = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("mesh.out");
    meshsynth::assembly::write_atomically(&dir, &synthesized.assembly.all_files()).unwrap();
    let asm = crate::deploy::LoadedAssembly::load(&dir).unwrap();

    let fake = FakeCfn::new();
    let (report, _) = deploy(&fake, &Plan::for_deploy(&asm, &[], None).unwrap()).await;
    assert!(report.success(), "{report:?}");
    let outputs = report.outputs();
    let all = crate::deploy::manifests::outputs_for_deferred(&fake, &asm, &outputs, None)
        .await
        .unwrap();
    let looked = crate::deploy::manifests::lookups(&fake, &asm, &all, None)
        .await
        .unwrap();
    assert_eq!(looked.len(), 1, "{looked:?}");
    assert!(
        fake.calls()
            .iter()
            .any(|c| c == "GetBootstrapBrokers eu-west-1 physical-KafkaA1AB568C"),
        "{:?}",
        fake.calls()
    );
    let r = crate::deploy::manifests::resolve(&asm, &all, &looked).unwrap();
    assert_eq!(r.ready, ["main"]);
    let file = &r
        .files
        .iter()
        .find(|(f, _)| f.as_str().ends_with(".yaml") && !f.as_str().ends_with("kustomization.yaml"))
        .unwrap()
        .1;
    let text = String::from_utf8_lossy(file);
    assert!(
        text.contains(
            "KAFKA_BOOTSTRAP_SERVERS: 'b-1.KafkaA1AB568C.kafka.eu-west-1.amazonaws.com:9098,b-2.KafkaA1AB568C"
        ),
        "{text}"
    );
    assert!(!text.contains("${meshsynth:"), "{text}");

    // A cluster without the IAM listener: one line naming what to enable.
    let arn = all["data"].values().next().unwrap().clone();
    fake.state.borrow_mut().msk_brokers.insert(
        arn,
        crate::deploy::MskBrokers {
            tls: Some("b-1.x:9094".into()),
            ..Default::default()
        },
    );
    let e = crate::deploy::manifests::lookups(&fake, &asm, &all, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("reports no BootstrapBrokerStringSaslIam; enable that listener"),
        "{e}"
    );
}

/// A cross-region reference (Fn::GetStackOutput) orders the stacks across
/// regions: the producer's change set is executed before the consumer's is
/// even created, each in its own region.
#[tokio::test(start_paused = true)]
async fn cross_region_references_deploy_the_producer_first() {
    use meshsynth::core::{CfnRaw, Env, Stack, StackProps, TagStyle, Value};

    let mut app = meshsynth::App::new(meshsynth::Context::new());
    let east = Stack::new(
        &mut app.root(),
        "east",
        StackProps {
            env: Env::new("123456789012", "us-east-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let west = Stack::new(
        &mut app.root(),
        "west",
        StackProps {
            env: Env::new("123456789012", "us-west-2"),
            ..Default::default()
        },
    )
    .unwrap();
    let raw = |props: Vec<(&str, Value)>| CfnRaw {
        type_name: "AWS::SSM::Parameter".into(),
        properties: props.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        tags: TagStyle::Map,
    };
    let produced = app
        .scope(east.node())
        .unwrap()
        .add_raw_resource(
            "Address",
            raw(vec![
                ("Name", "/mesh/east/address".into()),
                ("Type", "String".into()),
                ("Value", "203.0.113.10".into()),
            ]),
        )
        .unwrap();
    app.scope(west.node())
        .unwrap()
        .add_raw_resource(
            "RemoteAddress",
            raw(vec![
                ("Name", "/mesh/west/remote-address".into()),
                ("Type", "String".into()),
                ("Value", Value::GetAtt(produced, "Value".into())),
            ]),
        )
        .unwrap();
    let synthesized = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("mesh.out");
    meshsynth::assembly::write_atomically(&dir, &synthesized.assembly.all_files()).unwrap();
    let west_template = std::fs::read_to_string(dir.join("west.template.json")).unwrap();
    assert!(
        west_template.contains("\"Fn::GetStackOutput\""),
        "{west_template}"
    );
    let asm = crate::deploy::LoadedAssembly::load(&dir).unwrap();

    // Selecting the consumer pulls its producer in, from the other region.
    let p = Plan::for_deploy(&asm, &["west".to_string()], None).unwrap();
    let fake = FakeCfn::new();
    let (report, _) = deploy(&fake, &p).await;
    assert!(report.success(), "{report:?}");
    let calls = fake.calls();
    let pos = |needle: &str| {
        calls
            .iter()
            .position(|c| c.starts_with(needle))
            .unwrap_or_else(|| panic!("no {needle} in {calls:?}"))
    };
    let east_done = pos("ExecuteChangeSet east");
    let west_created = pos("CreateChangeSet west");
    assert!(east_done < west_created, "{calls:?}");
    assert!(fake.stack("us-east-1", "east").is_some());
    assert!(fake.stack("us-west-2", "west").is_some());
}

#[tokio::test(start_paused = true)]
async fn a_stack_that_never_leaves_in_progress_is_followed_for_a_bounded_time() {
    // An emulator that crashed mid-operation answers IN_PROGRESS forever.
    let fake = FakeCfn::new();
    fake.state.borrow_mut().hang_on_execute = true;
    let p = plan(vec![stack("app", template(&[param("/a")], json!({})), &[])]);
    let o = DeployOptions {
        follow_timeout: Duration::from_secs(600),
        ..opts()
    };
    let (report, _) = deploy_with(&fake, &p, o, &AlwaysAnswer(false)).await;
    assert!(!report.success());
    let errors: Vec<String> = report.errors().iter().map(|e| e.to_string()).collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("is still CREATE_IN_PROGRESS after 600 s")
                && e.contains("stopped following")),
        "{errors:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_output_only_change_is_deployed_not_reported_unchanged() {
    // A stack first deployed alone has no exports; once a consumer is
    // synthesized beside it, its template adds one. CloudFormation answers
    // that change set with no resource changes, and it must still run.
    let fake = FakeCfn::new();
    let p1 = plan(vec![stack("net", template(&[param("/a")], json!({})), &[])]);
    assert!(deploy(&fake, &p1).await.0.success());
    let with_export = template(
        &[param("/a")],
        json!({"Name": {"Value": {"Ref": "Param"}, "Export": {"Name": "net:Name"}}}),
    );
    let p2 = plan(vec![stack("net", with_export.clone(), &[])]);
    let (report, _) = deploy(&fake, &p2).await;
    assert_eq!(outcomes(&report), [&StackOutcome::Updated]);
    let deployed = fake.stack(R, "net").unwrap().template.unwrap();
    assert_eq!(deployed.as_bytes(), with_export.as_slice());
    // The same template again is unchanged, in both dialects.
    let (report, _) = deploy(&fake, &p2).await;
    assert_eq!(outcomes(&report), [&StackOutcome::Unchanged]);
}
