//! `deploy --import` against the fake CloudFormation, which checks an
//! `IMPORT` change set as the CreateChangeSet reference says: resources in
//! the template with their type and a DeletionPolicy, an identifier each,
//! and nothing else changed. The emulator has no IMPORT change sets; this
//! is untested against a live account.

use std::collections::BTreeMap;

use super::*;
use crate::deploy::api::ChangeSetKind;

const DEPLOYED: &str = r#"{"Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/app/a", "Type": "String", "Value": "v1"}}}}"#;

/// The deployed stack's parameter, a bucket that exists outside any stack,
/// and an output that uses it.
fn with_bucket(bucket: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "Resources": {
            "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/app/a", "Type": "String", "Value": "v1"}},
            "Logs": bucket
        },
        "Outputs": {"LogsName": {"Value": {"Ref": "Logs"}}}
    }))
    .unwrap()
}

fn importing() -> DeployOptions {
    DeployOptions {
        import: true,
        ..opts()
    }
}

#[tokio::test(start_paused = true)]
async fn a_resource_the_stack_lacks_is_imported_then_the_stack_updated() {
    let fake = FakeCfn::new();
    fake.seed(R, "app", "CREATE_COMPLETE", DEPLOYED);
    let t = with_bucket(
        json!({"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
        "Properties": {"BucketName": "acme-logs"}}),
    );
    let (report, log) = deploy_with(
        &fake,
        &plan(vec![stack("app", t, &[])]),
        importing(),
        &AlwaysAnswer(false),
    )
    .await;
    assert!(report.success(), "{report:?}");
    let requests = fake.state.borrow().requests.clone();
    assert_eq!(requests.len(), 2, "an import, then the update");
    let import = &requests[0];
    assert_eq!(import.kind, ChangeSetKind::Import);
    assert_eq!(import.change_set_name, "meshsynth-import");
    assert_eq!(import.resources_to_import.len(), 1);
    let r = &import.resources_to_import[0];
    assert_eq!(
        (r.logical_id.as_str(), r.resource_type.as_str()),
        ("Logs", "AWS::S3::Bucket")
    );
    assert_eq!(
        r.identifier,
        BTreeMap::from([("BucketName".into(), "acme-logs".into())])
    );
    // The import changes nothing else: the output comes with the update.
    let TemplateSource::Body(body) = &import.template else {
        panic!("inline")
    };
    assert!(!body.contains("LogsName"), "{body}");
    assert_eq!(requests[1].kind, ChangeSetKind::Update);
    assert!(log
        .resource_events("app")
        .contains(&("Logs".into(), "IMPORT_COMPLETE".into())));
    assert!(fake
        .stack(R, "app")
        .unwrap()
        .template
        .unwrap()
        .contains("acme-logs"));
}

#[tokio::test(start_paused = true)]
async fn an_identifier_comes_from_the_resource_mapping() {
    let fake = FakeCfn::new();
    fake.seed(R, "app", "CREATE_COMPLETE", DEPLOYED);
    let t = with_bucket(json!({"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}));
    let mut o = importing();
    o.resource_mapping.insert(
        "app/Logs".into(),
        BTreeMap::from([("BucketName".into(), "legacy-logs-1".into())]),
    );
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t, &[])]),
        o,
        &AlwaysAnswer(false),
    )
    .await;
    assert!(report.success(), "{report:?}");
    let id = fake.state.borrow().requests[0].resources_to_import[0]
        .identifier
        .clone();
    assert_eq!(id["BucketName"], "legacy-logs-1");
}

#[tokio::test(start_paused = true)]
async fn a_resource_that_cannot_be_imported_is_refused_before_any_change() {
    for (bucket, expect) in [
        (
            json!({"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}),
            "its identifier BucketName is not a literal in the template; give it with --resource-mapping FILE ({\"app/Logs\"",
        ),
        (
            json!({"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "acme-logs"}}),
            "CloudFormation imports only resources with a DeletionPolicy",
        ),
        (
            json!({"Type": "Custom::Thing", "DeletionPolicy": "Retain", "Properties": {"ServiceToken": "arn"}}),
            "not in the CloudFormation registry",
        ),
    ] {
        let fake = FakeCfn::new();
        fake.seed(R, "app", "CREATE_COMPLETE", DEPLOYED);
        let (report, _) = deploy_with(
            &fake,
            &plan(vec![stack("app", with_bucket(bucket), &[])]),
            importing(),
            &AlwaysAnswer(false),
        )
        .await;
        let StackOutcome::Failed(e) = &report.stacks[0].outcome else {
            panic!("{report:?}")
        };
        let text = e.to_string();
        assert!(text.contains("cannot import Logs") && text.contains(expect), "{text}");
        assert!(text.ends_with("nothing was changed"), "{text}");
        assert!(fake.state.borrow().requests.is_empty(), "no change set was made");
    }
}

#[tokio::test(start_paused = true)]
async fn a_new_stack_is_made_by_importing_everything() {
    let fake = FakeCfn::new();
    let t = serde_json::to_vec(&json!({"Resources": {
        "Logs": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {"BucketName": "acme-logs"}},
        "Jobs": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "Properties": {"QueueName": "jobs"}}
    }}))
    .unwrap();
    let mut o = importing();
    o.resource_mapping.insert(
        "data/Jobs".into(),
        BTreeMap::from([(
            "QueueUrl".into(),
            "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs".into(),
        )]),
    );
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("data", t, &[])]),
        o,
        &AlwaysAnswer(false),
    )
    .await;
    assert!(report.success(), "{report:?}");
    let req = fake.state.borrow().requests[0].clone();
    assert_eq!(req.kind, ChangeSetKind::Import);
    let ids: Vec<&str> = req
        .resources_to_import
        .iter()
        .map(|r| r.logical_id.as_str())
        .collect();
    assert_eq!(ids, ["Logs", "Jobs"], "in template order");
    assert_eq!(fake.stack(R, "data").unwrap().status, "IMPORT_COMPLETE");
}

#[tokio::test(start_paused = true)]
async fn without_import_the_same_resource_is_created() {
    let fake = FakeCfn::new();
    fake.seed(R, "app", "CREATE_COMPLETE", DEPLOYED);
    let t = with_bucket(
        json!({"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
        "Properties": {"BucketName": "acme-logs"}}),
    );
    let (report, _) = deploy(&fake, &plan(vec![stack("app", t, &[])])).await;
    assert!(report.success(), "{report:?}");
    let requests = fake.state.borrow().requests.clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].kind, ChangeSetKind::Update);
    assert!(requests[0].resources_to_import.is_empty());
}
