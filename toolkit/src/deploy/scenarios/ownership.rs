//! Stacks deploy does not own (issue 41, 14): an unrelated stack of the same
//! name once had a bucket and a queue removed under the default approval
//! level, while the reviewed plan showed the stack as new.

use super::*;
use crate::deploy::engine::{APP_TAG, OWNER_TAG};

fn no_change_set(fake: &FakeCfn) -> bool {
    !fake
        .calls()
        .iter()
        .any(|c| c.starts_with("CreateChangeSet") || c.starts_with("DeleteStack"))
}

#[tokio::test(start_paused = true)]
async fn a_stack_meshsynth_did_not_deploy_is_refused_untouched() {
    let fake = FakeCfn::new();
    fake.seed_foreign(
        R,
        "app",
        "CREATE_COMPLETE",
        r#"{"Resources": {"Data": {"Type": "AWS::S3::Bucket"}}}"#,
    );
    let t = template(&[param("/a")], json!({}));
    let (report, _) = deploy(&fake, &plan(vec![stack("app", t.clone(), &[])])).await;
    let StackOutcome::Failed(e) = &report.stacks[0].outcome else {
        panic!("{report:?}")
    };
    let text = e.to_string();
    assert!(text.contains("was not deployed by meshsynth"), "{text}");
    assert!(text.contains("--adopt app"), "{text}");
    assert!(no_change_set(&fake), "{:?}", fake.calls());

    // Named with --adopt, it is taken over and marked from then on.
    let o = DeployOptions {
        adopt: vec!["app".into()],
        app: Some("shop".into()),
        ..opts()
    };
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t, &[])]),
        o,
        &AlwaysAnswer(false),
    )
    .await;
    assert_eq!(outcomes(&report), [&StackOutcome::Updated], "{report:?}");
    let tags = fake.stack(R, "app").unwrap().tags;
    assert_eq!(tags.get(OWNER_TAG).map(String::as_str), Some("true"));
    assert_eq!(tags.get(APP_TAG).map(String::as_str), Some("shop"));
}

#[tokio::test(start_paused = true)]
async fn a_stack_of_another_app_is_refused_and_new_stacks_are_marked() {
    let fake = FakeCfn::new();
    let o = DeployOptions {
        app: Some("shop".into()),
        ..opts()
    };
    let t = template(&[param("/a")], json!({}));
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t.clone(), &[])]),
        o.clone(),
        &AlwaysAnswer(false),
    )
    .await;
    assert_eq!(outcomes(&report), [&StackOutcome::Created]);
    assert_eq!(
        fake.stack(R, "app")
            .unwrap()
            .tags
            .get(APP_TAG)
            .map(String::as_str),
        Some("shop")
    );
    let other = DeployOptions {
        app: Some("billing".into()),
        ..opts()
    };
    let t2 = template(&[param("/b")], json!({}));
    let before = fake.calls().len();
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t2, &[])]),
        other,
        &AlwaysAnswer(false),
    )
    .await;
    let StackOutcome::Failed(e) = &report.stacks[0].outcome else {
        panic!("{report:?}")
    };
    assert!(e.to_string().contains("belongs to app \"shop\""), "{e}");
    assert!(!fake.calls()[before..]
        .iter()
        .any(|c| c.starts_with("CreateChangeSet")));
}

#[tokio::test(start_paused = true)]
async fn destroy_refuses_a_stack_it_does_not_own() {
    let fake = FakeCfn::new();
    fake.seed_foreign(R, "net", "CREATE_COMPLETE", "{}");
    let log = Log::default();
    let report = {
        let engine = Engine::new(
            &fake,
            &fake,
            &AlwaysAnswer(true),
            &log,
            &TypeHeuristic,
            opts(),
        );
        engine
            .destroy(
                &plan(vec![stack("net", Vec::new(), &[])]),
                std::future::pending(),
            )
            .await
    };
    assert!(
        matches!(
            &report.stacks[0].outcome,
            StackOutcome::Failed(DeployError::NotOwned { .. })
        ),
        "{report:?}"
    );
    assert!(no_change_set(&fake));
}
