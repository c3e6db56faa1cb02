//! `orphan`: a resource leaves its stack and keeps existing (the fake
//! deletes what a Remove takes out unless its policy is `Retain`, as
//! CloudFormation does); every refusal changes nothing.

use super::*;
use crate::deploy::engine::Orphaned;

/// A log group and a parameter holding its name, deployed by meshsynth.
fn deployed(fake: &FakeCfn) -> PlannedStack {
    let t = template(
        &[
            (
                "Logs",
                "AWS::Logs::LogGroup",
                json!({"LogGroupName": "/app"}),
            ),
            (
                "Param",
                "AWS::SSM::Parameter",
                json!({"Name": "/app/logs", "Type": "String", "Value": {"Ref": "Logs"}}),
            ),
        ],
        json!({}),
    );
    fake.seed(
        R,
        "app",
        "UPDATE_COMPLETE",
        std::str::from_utf8(&t).unwrap(),
    );
    stack("app", t, &[])
}

async fn orphan_with(
    fake: &FakeCfn,
    st: &PlannedStack,
    lid: &str,
    o: DeployOptions,
    approver: &impl Approver,
) -> Result<Orphaned, DeployError> {
    let log = Log::default();
    let engine = Engine::new(fake, fake, approver, &log, &TypeHeuristic, o);
    engine.orphan(st, lid).await
}

async fn orphan(fake: &FakeCfn, st: &PlannedStack, lid: &str) -> Result<Orphaned, DeployError> {
    let o = DeployOptions {
        force: true,
        ..opts()
    };
    orphan_with(fake, st, lid, o, &AlwaysAnswer(false)).await
}

fn change_sets(fake: &FakeCfn) -> usize {
    fake.state.borrow().requests.len()
}

fn deployed_template(fake: &FakeCfn) -> serde_json::Value {
    let t = fake.stack(R, "app").unwrap().template.unwrap();
    serde_json::from_str(&t).unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_resource_leaves_the_stack_and_is_not_deleted() {
    let fake = FakeCfn::new();
    let st = deployed(&fake);
    let o = orphan(&fake, &st, "Logs").await.unwrap();
    assert_eq!(o.resource_type, "AWS::Logs::LogGroup");
    assert_eq!(o.physical_id.as_deref(), Some("app-logs"));
    assert!(o.retained_first);
    // Two change sets: the Retain policy, then the removal.
    let requests = fake.state.borrow().requests.clone();
    assert_eq!(requests.len(), 2);
    let TemplateSource::Body(first) = &requests[0].template else {
        panic!()
    };
    let first: serde_json::Value = serde_json::from_str(first).unwrap();
    assert_eq!(first["Resources"]["Logs"]["DeletionPolicy"], "Retain");
    let t = deployed_template(&fake);
    assert!(t["Resources"].get("Logs").is_none(), "{t}");
    // The reference became the literal physical id: Param is unchanged in effect.
    assert_eq!(t["Resources"]["Param"]["Properties"]["Value"], "app-logs");
    assert!(
        fake.state.borrow().deleted.is_empty(),
        "deleted: {:?}",
        fake.state.borrow().deleted
    );
    assert_eq!(fake.stack(R, "app").unwrap().status, "UPDATE_COMPLETE");
}

#[tokio::test(start_paused = true)]
async fn without_the_retain_step_the_fake_deletes_it() {
    // The control for the test above: a plain removal deletes.
    let fake = FakeCfn::new();
    deployed(&fake);
    let t = template(&[param("/app/logs")], json!({}));
    let (report, _) = deploy(&fake, &plan(vec![stack("app", t, &[])])).await;
    assert!(report.success(), "{report:?}");
    assert_eq!(
        fake.state.borrow().deleted,
        vec![("app".to_string(), "Logs".to_string())]
    );
}

#[tokio::test(start_paused = true)]
async fn refusals_name_the_reason_and_change_nothing() {
    // Not deployed.
    let fake = FakeCfn::new();
    let st = stack("app", template(&[param("/a")], json!({})), &[]);
    let e = orphan(&fake, &st, "Param").await.unwrap_err().to_string();
    assert!(e.contains("the stack is not deployed in eu-west-1"), "{e}");
    assert!(e.ends_with("nothing was changed"), "{e}");

    // Not meshsynth's stack.
    let fake = FakeCfn::new();
    let st = deployed(&fake);
    fake.with_stack(R, "app", |s| s.tags.clear());
    let e = orphan(&fake, &st, "Logs").await.unwrap_err();
    assert!(matches!(e, DeployError::NotOwned { .. }), "{e}");

    // An unknown resource, a custom resource, an attribute read elsewhere.
    let fake = FakeCfn::new();
    let st = deployed(&fake);
    let e = orphan(&fake, &st, "Nope").await.unwrap_err().to_string();
    assert!(e.contains("no resource Nope (it has: Logs, Param)"), "{e}");
    let mut t = deployed_template(&fake);
    t["Resources"]["Seed"] = json!({"Type": "Custom::Seed", "Properties": {"ServiceToken": "arn"}});
    t["Resources"]["Param"]["Properties"]["Description"] = json!({"Fn::GetAtt": ["Logs", "Arn"]});
    fake.with_stack(R, "app", |s| s.template = Some(t.to_string()));
    let e = orphan(&fake, &st, "Seed").await.unwrap_err().to_string();
    assert!(e.contains("custom resource"), "{e}");
    let e = orphan(&fake, &st, "Logs").await.unwrap_err().to_string();
    assert!(
        e.contains("Resources.Param.Properties.Description (Fn::GetAtt)"),
        "{e}"
    );

    // A stack in a failed state.
    let fake = FakeCfn::new();
    let st = deployed(&fake);
    fake.with_stack(R, "app", |s| s.status = "UPDATE_ROLLBACK_FAILED".into());
    let e = orphan(&fake, &st, "Logs").await.unwrap_err().to_string();
    assert!(e.contains("is in UPDATE_ROLLBACK_FAILED"), "{e}");
    assert_eq!(change_sets(&fake), 0);
}

#[tokio::test(start_paused = true)]
async fn it_asks_first_and_a_no_changes_nothing() {
    let fake = FakeCfn::new();
    let st = deployed(&fake);
    let no = Answers::new(Ok(false));
    let e = orphan_with(&fake, &st, "Logs", opts(), &no)
        .await
        .unwrap_err();
    assert!(matches!(e, DeployError::NotConfirmed { .. }), "{e}");
    assert_eq!(no.asked.borrow()[0].kind, PromptKind::Orphan);
    assert!(no.asked.borrow()[0].details[0].contains("physical id app-logs"));
    assert_eq!(change_sets(&fake), 0);
}
