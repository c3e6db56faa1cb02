//! What protects a deployed platform: approval of broadening changes,
//! interrupts, the bootstrap bucket, concurrency, destroy order and
//! termination protection.

use super::*;

#[tokio::test(start_paused = true)]
async fn broadening_changes_need_approval_and_a_refusal_leaves_nothing() {
    let fake = FakeCfn::new();
    let t = template(
        &[(
            "Role",
            "AWS::IAM::Role",
            json!({"AssumeRolePolicyDocument": {}}),
        )],
        json!({}),
    );
    let o = DeployOptions {
        require_approval: RequireApproval::Broadening,
        ..opts()
    };
    let no = Answers::new(Ok(false));
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("iam", t.clone(), &[])]),
        o.clone(),
        &no,
    )
    .await;
    assert!(matches!(
        &report.stacks[0].outcome,
        StackOutcome::Failed(DeployError::NotConfirmed { .. })
    ));
    let asked = no.asked.borrow().clone();
    assert_eq!(asked[0].kind, PromptKind::ApproveChangeSet);
    assert_eq!(asked[0].details, ["Add Role (AWS::IAM::Role)"]);
    // The change set and the empty stack it created are gone.
    assert!(fake
        .stack(R, "iam")
        .is_none_or(|s| s.deleted || s.status == "DELETE_IN_PROGRESS"));
    assert!(fake.calls().contains(&"DeleteChangeSet iam".to_string()));
    // In CI (no terminal) the error tells how to proceed.
    let ci = Answers::new(Err("pass --require-approval never".into()));
    let fake = FakeCfn::new();
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("iam", t.clone(), &[])]),
        o.clone(),
        &ci,
    )
    .await;
    assert!(report.errors()[0]
        .to_string()
        .contains("--require-approval never"));
    // A non-security change does not ask.
    let plain = Answers::new(Ok(false));
    let fake = FakeCfn::new();
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("p", template(&[param("/p")], json!({})), &[])]),
        o,
        &plain,
    )
    .await;
    assert!(report.success());
    assert!(plain.asked.borrow().is_empty());
}

#[tokio::test(start_paused = true)]
async fn interrupt_cancels_a_running_update_and_reports_states() {
    let fake = FakeCfn::new();
    let p1 = plan(vec![
        stack("a", template(&[param("/a")], json!({})), &[]),
        stack("b", template(&[param("/b")], json!({})), &["a"]),
    ]);
    deploy(&fake, &p1).await;
    fake.state.borrow_mut().hang_on_execute = true;
    let p2 = plan(vec![
        stack("a", template(&[param("/a2")], json!({})), &[]),
        stack("b", template(&[param("/b2")], json!({})), &["a"]),
    ]);
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
            .deploy(&p2, tokio::time::sleep(Duration::from_secs(5)))
            .await
    };
    assert!(report.interrupted);
    match &report.stacks[0].outcome {
        StackOutcome::Interrupted { action, status } => {
            assert!(action.contains("cancelled the update"), "{action}");
            assert_eq!(status.as_deref(), Some("UPDATE_ROLLBACK_COMPLETE"));
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.calls().contains(&"CancelUpdateStack a".to_string()));
    assert!(
        matches!(&report.stacks[1].outcome, StackOutcome::Skipped(w) if w.contains("interrupted"))
    );
}

#[tokio::test(start_paused = true)]
async fn interrupt_before_execution_discards_the_change_set() {
    let fake = FakeCfn::new();
    let t = template(
        &[(
            "Sg",
            "AWS::EC2::SecurityGroup",
            json!({"GroupDescription": "x"}),
        )],
        json!({}),
    );
    /// Never answers: the user is still reading the prompt.
    struct Hesitant;
    impl Approver for Hesitant {
        async fn confirm(&self, _: &Prompt) -> Result<bool, String> {
            std::future::pending().await
        }
    }
    let log = Log::default();
    let o = DeployOptions {
        require_approval: RequireApproval::Any,
        ..opts()
    };
    let p = plan(vec![stack("sg", t, &[])]);
    let report = {
        let engine = Engine::new(&fake, &fake, &Hesitant, &log, &TypeHeuristic, o);
        engine
            .deploy(&p, tokio::time::sleep(Duration::from_secs(5)))
            .await
    };
    match &report.stacks[0].outcome {
        StackOutcome::Interrupted { action, .. } => {
            assert!(
                action.contains("discarded the unexecuted change set"),
                "{action}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.calls().contains(&"DeleteChangeSet sg".to_string()));
    assert!(!fake
        .calls()
        .iter()
        .any(|c| c.starts_with("ExecuteChangeSet")));
}

#[tokio::test(start_paused = true)]
async fn large_templates_go_through_the_bootstrap_bucket() {
    let fake = FakeCfn::new();
    let big: Vec<(String, serde_json::Value)> = (0..400)
        .map(|i| {
            (
                format!("P{i:03}"),
                json!({"Name": format!("/big/{i:03}"), "Type": "String", "Value": "x".repeat(100)}),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, serde_json::Value)> = big
        .iter()
        .map(|(k, v)| (k.as_str(), "AWS::SSM::Parameter", v.clone()))
        .collect();
    let t = template(&refs, json!({}));
    assert!(t.len() > 51_200);
    // Without a bootstrap stack: a clear error.
    let (report, _) = deploy(&fake, &plan(vec![stack("big", t.clone(), &[])])).await;
    let e = report.errors()[0].to_string();
    assert!(e.contains("meshsynth bootstrap --region eu-west-1"), "{e}");
    // Bootstrapped: uploaded, passed by URL.
    deploy(&fake, &crate::deploy::bootstrap::plan(R)).await;
    let (report, log) = deploy(&fake, &plan(vec![stack("big", t.clone(), &[])])).await;
    assert!(report.success(), "{report:?}");
    let uploads = fake.state.borrow().uploads.clone();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].1, "meshsynth-bootstrap-templatebucket");
    assert!(uploads[0].2.starts_with("meshsynth/templates/big/"));
    assert_eq!(uploads[0].3, t.len());
    assert!(log.0.borrow().iter().any(|e| matches!(e, DeployEvent::Uploaded { url, .. } if url.starts_with("https://s3.eu-west-1.amazonaws.com/meshsynth-bootstrap-templatebucket/meshsynth/templates/big/"))));
    // --bucket wins.
    let fake = FakeCfn::new();
    let o = DeployOptions {
        bucket: Some("mine".into()),
        ..opts()
    };
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("big", t, &[])]),
        o,
        &AlwaysAnswer(true),
    )
    .await;
    assert!(report.success(), "{report:?}");
    assert_eq!(fake.state.borrow().uploads[0].1, "mine");
    // A small template stays inline.
    assert!(!fake
        .calls()
        .iter()
        .any(|c| c.starts_with("DescribeStackResource")));
}

#[tokio::test(start_paused = true)]
async fn independent_stacks_run_concurrently_within_the_limit() {
    let mk = || {
        plan(vec![
            stack("a", template(&[param("/a")], json!({})), &[]),
            stack("b", template(&[param("/b")], json!({})), &[]),
        ])
    };
    let fake = FakeCfn::new();
    deploy(&fake, &mk()).await;
    let calls = fake.calls();
    let exec_a = calls
        .iter()
        .position(|c| c == "ExecuteChangeSet a")
        .unwrap();
    let create_b = calls.iter().position(|c| c == "CreateChangeSet b").unwrap();
    assert!(create_b < exec_a, "b did not start while a ran: {calls:?}");

    let fake = FakeCfn::new();
    let one = DeployOptions {
        concurrency: 1,
        ..opts()
    };
    deploy_with(&fake, &mk(), one, &AlwaysAnswer(true)).await;
    let calls = fake.calls();
    let done_a = calls.iter().rposition(|c| c.ends_with(" a")).unwrap();
    // After the reads that look for moves.
    let first_b = calls
        .iter()
        .position(|c| c.ends_with(" b") && !c.starts_with("DescribeStacks"))
        .unwrap();
    assert!(done_a < first_b, "{calls:?}");
}

#[tokio::test(start_paused = true)]
async fn destroy_deletes_dependents_first_and_honours_termination_protection() {
    let fake = FakeCfn::new();
    let p = plan(vec![
        stack("net", template(&[param("/n")], json!({})), &[]),
        stack("app", template(&[param("/a")], json!({})), &["net"]),
    ]);
    deploy(&fake, &p).await;
    let d = plan(vec![
        stack("app", Vec::new(), &[]),
        stack("net", Vec::new(), &["app"]),
        stack("gone", Vec::new(), &[]),
    ]);
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
        engine.destroy(&d, std::future::pending()).await
    };
    assert_eq!(
        outcomes(&report),
        [
            &StackOutcome::Deleted,
            &StackOutcome::Deleted,
            &StackOutcome::AlreadyGone
        ]
    );
    let calls = fake.calls();
    let del_app = calls
        .iter()
        .position(|c| c.starts_with("DeleteStack") && c.contains("/app/"))
        .unwrap();
    let del_net = calls
        .iter()
        .position(|c| c.starts_with("DeleteStack") && c.contains("/net/"))
        .unwrap();
    assert!(del_app < del_net);
    assert!(log
        .resource_events("app")
        .contains(&("Param".into(), "DELETE_COMPLETE".into())));

    let fake = FakeCfn::new();
    fake.seed(R, "net", "CREATE_COMPLETE", "{}");
    fake.with_stack(R, "net", |s| s.termination_protection = true);
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
    assert!(matches!(
        &report.stacks[0].outcome,
        StackOutcome::Failed(DeployError::TerminationProtected { .. })
    ));
    assert!(!fake.calls().iter().any(|c| c.starts_with("DeleteStack")));
}

#[tokio::test(start_paused = true)]
async fn termination_protection_is_applied_after_deploy() {
    let fake = FakeCfn::new();
    let mut st = stack("net", template(&[param("/n")], json!({})), &[]);
    st.termination_protection = true;
    deploy(&fake, &plan(vec![st])).await;
    assert!(fake.stack(R, "net").unwrap().termination_protection);
}
