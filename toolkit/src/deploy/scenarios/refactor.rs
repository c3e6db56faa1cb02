//! Moves before the change sets: a renamed construct, and a resource moved
//! to another stack, are moved with a stack refactor and replaced by
//! nothing; `--refactor never` and a refactor CloudFormation refuses stop
//! the deploy before any change set.

use super::*;
use crate::deploy::engine::RefactorMode;

fn res(ty: &str, props: serde_json::Value) -> serde_json::Value {
    json!({"Type": ty, "Properties": props})
}

fn tpl(resources: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({ "Resources": resources })).unwrap()
}

fn seed(fake: &FakeCfn, name: &str, t: &[u8]) {
    fake.seed(R, name, "UPDATE_COMPLETE", std::str::from_utf8(t).unwrap());
}

fn bucket() -> serde_json::Value {
    res("AWS::S3::Bucket", json!({"BucketName": "shop-logs"}))
}

fn policy(of: &str) -> serde_json::Value {
    res(
        "AWS::S3::BucketPolicy",
        json!({"Bucket": {"Ref": of}, "PolicyDocument": {}}),
    )
}

fn count(fake: &FakeCfn, op: &str) -> usize {
    fake.calls().iter().filter(|c| c.starts_with(op)).count()
}

#[tokio::test(start_paused = true)]
async fn a_renamed_construct_is_moved_not_replaced() {
    let fake = FakeCfn::new();
    seed(
        &fake,
        "app",
        &tpl(json!({"Bucket": bucket(), "Policy": policy("Bucket")})),
    );
    let new = tpl(json!({"Logs": bucket(), "LogsPolicy": policy("Logs")}));
    let (report, _) = deploy(&fake, &plan(vec![stack("app", new, &[])])).await;
    assert!(report.success(), "{report:?}");
    assert_eq!(count(&fake, "CreateStackRefactor"), 1);
    assert_eq!(count(&fake, "ExecuteStackRefactor"), 1);
    let r = fake
        .state
        .borrow()
        .refactors
        .values()
        .next()
        .unwrap()
        .request
        .clone();
    assert_eq!(
        r.mappings,
        vec![
            (
                ("app".into(), "Bucket".into()),
                ("app".into(), "Logs".into())
            ),
            (
                ("app".into(), "Policy".into()),
                ("app".into(), "LogsPolicy".into())
            ),
        ]
    );
    // After the moves the template is the app's: nothing to change, nothing deleted.
    assert_eq!(outcomes(&report), vec![&StackOutcome::Unchanged]);
    assert!(fake.state.borrow().deleted.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_resource_moves_to_another_stack() {
    let fake = FakeCfn::new();
    let topic = res("AWS::SNS::Topic", json!({"TopicName": "t"}));
    seed(
        &fake,
        "one",
        &tpl(json!({"Logs": bucket(), "Param": param("/p").2})),
    );
    seed(&fake, "two", &tpl(json!({"Topic": topic})));
    let p = plan(vec![
        stack("one", tpl(json!({"Param": param("/p").2})), &[]),
        stack("two", tpl(json!({"Topic": topic, "Audit": bucket()})), &[]),
    ]);
    let (report, _) = deploy(&fake, &p).await;
    assert!(report.success(), "{report:?}");
    let r = fake
        .state
        .borrow()
        .refactors
        .values()
        .next()
        .unwrap()
        .request
        .clone();
    assert_eq!(
        r.mappings,
        vec![(
            ("one".into(), "Logs".into()),
            ("two".into(), "Audit".into())
        )]
    );
    assert_eq!(r.stacks.len(), 2);
    assert_eq!(
        outcomes(&report),
        vec![&StackOutcome::Unchanged, &StackOutcome::Unchanged]
    );
    assert!(fake.state.borrow().deleted.is_empty());
}

#[tokio::test(start_paused = true)]
async fn refactor_never_and_a_refused_refactor_change_nothing() {
    let deployed = tpl(json!({"Bucket": bucket()}));
    let new = tpl(json!({"Logs": bucket()}));

    let fake = FakeCfn::new();
    seed(&fake, "app", &deployed);
    let o = DeployOptions {
        refactor: RefactorMode::Never,
        ..opts()
    };
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", new.clone(), &[])]),
        o,
        &AlwaysAnswer(false),
    )
    .await;
    let e = report.errors()[0].to_string();
    assert!(e.contains("app/Bucket → app/Logs (AWS::S3::Bucket)"), "{e}");
    assert!(e.contains("--refactor never"), "{e}");
    assert_eq!(count(&fake, "CreateStackRefactor"), 0);
    assert_eq!(count(&fake, "CreateChangeSet"), 0);

    let fake = FakeCfn::new();
    seed(&fake, "app", &deployed);
    fake.state.borrow_mut().refactor_refusal =
        Some("Resource Logs has a different definition".into());
    let (report, _) = deploy(&fake, &plan(vec![stack("app", new, &[])])).await;
    let e = report.errors()[0].to_string();
    assert!(
        e.contains("CloudFormation refused the moves: Resource Logs has a different definition"),
        "{e}"
    );
    assert_eq!(count(&fake, "ExecuteStackRefactor"), 0);
    assert_eq!(count(&fake, "CreateChangeSet"), 0);
}
