//! A stack whose update failed and whose rollback failed too
//! (`UPDATE_ROLLBACK_FAILED`): refused with the resources named, or rolled
//! back the rest of the way with `--continue-rollback` before its change set.

use super::*;

/// A stack left in UPDATE_ROLLBACK_FAILED by a rollback that failed on `Db`.
fn stuck(fake: &FakeCfn) {
    let t = template(&[param("/a")], json!({}));
    fake.seed(
        R,
        "app",
        "UPDATE_ROLLBACK_FAILED",
        std::str::from_utf8(&t).unwrap(),
    );
    let mut guard = fake.state.borrow_mut();
    let s = &mut *guard;
    s.rollback_blockers = vec!["Db".into()];
    let st = s
        .stacks
        .get_mut(&(R.to_string(), "app".to_string()))
        .unwrap();
    let ev = |id: &str, logical: &str, ty: &str, status: &str| super::super::api::StackEvent {
        event_id: id.into(),
        logical_id: logical.into(),
        resource_type: ty.into(),
        status: status.into(),
        reason: None,
        timestamp: None,
    };
    st.events = vec![
        ev("e1", "Db", "AWS::RDS::DBInstance", "UPDATE_FAILED"),
        ev(
            "e2",
            "app",
            "AWS::CloudFormation::Stack",
            "UPDATE_ROLLBACK_IN_PROGRESS",
        ),
        ev("e3", "Db", "AWS::RDS::DBInstance", "UPDATE_FAILED"),
        ev(
            "e4",
            "Cache",
            "AWS::ElastiCache::CacheCluster",
            "UPDATE_FAILED",
        ),
        ev(
            "e5",
            "app",
            "AWS::CloudFormation::Stack",
            "UPDATE_ROLLBACK_FAILED",
        ),
    ];
}

fn calls(fake: &FakeCfn, op: &str) -> usize {
    fake.calls().iter().filter(|c| c.starts_with(op)).count()
}

#[tokio::test(start_paused = true)]
async fn a_failed_rollback_is_refused_naming_what_failed_to_roll_back() {
    let fake = FakeCfn::new();
    stuck(&fake);
    let t = template(&[param("/a"), param("/b")], json!({}));
    let (report, _) = deploy(&fake, &plan(vec![stack("app", t, &[])])).await;
    let StackOutcome::Failed(e) = &report.stacks[0].outcome else {
        panic!("{report:?}")
    };
    let text = e.to_string();
    // Only what failed since the last rollback began: Db and Cache.
    assert!(text.contains("failed to roll back: Cache, Db"), "{text}");
    assert!(text.contains("--continue-rollback"), "{text}");
    assert_eq!(calls(&fake, "ContinueUpdateRollback"), 0);
    assert_eq!(calls(&fake, "CreateChangeSet"), 0);
}

#[tokio::test(start_paused = true)]
async fn continue_rollback_without_the_blocker_skipped_fails_again_naming_it() {
    let fake = FakeCfn::new();
    stuck(&fake);
    let o = DeployOptions {
        continue_rollback: Some(Vec::new()),
        ..opts()
    };
    let t = template(&[param("/a"), param("/b")], json!({}));
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t, &[])]),
        o,
        &AlwaysAnswer(true),
    )
    .await;
    let StackOutcome::Failed(e) = &report.stacks[0].outcome else {
        panic!("{report:?}")
    };
    let text = e.to_string();
    assert!(text.contains("the rollback failed again on Db"), "{text}");
    assert!(text.contains("--resources-to-skip"), "{text}");
    assert_eq!(calls(&fake, "ContinueUpdateRollback"), 1);
    assert_eq!(calls(&fake, "CreateChangeSet"), 0);
    assert_eq!(
        fake.stack(R, "app").unwrap().status,
        "UPDATE_ROLLBACK_FAILED"
    );
}

#[tokio::test(start_paused = true)]
async fn continue_rollback_skipping_the_blocker_then_deploys_the_update() {
    let fake = FakeCfn::new();
    stuck(&fake);
    let o = DeployOptions {
        continue_rollback: Some(vec!["Db".into()]),
        ..opts()
    };
    let t = template(&[param("/a"), param("/b")], json!({}));
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t, &[])]),
        o,
        &AlwaysAnswer(true),
    )
    .await;
    assert_eq!(outcomes(&report), [&StackOutcome::Updated], "{report:?}");
    let order: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("ContinueUpdateRollback") || c.starts_with("CreateChangeSet"))
        .collect();
    assert_eq!(order.len(), 2, "{order:?}");
    assert!(order[0].starts_with("ContinueUpdateRollback"), "{order:?}");
    assert_eq!(fake.stack(R, "app").unwrap().status, "UPDATE_COMPLETE");
}
