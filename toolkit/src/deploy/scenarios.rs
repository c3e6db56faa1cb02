//! The deploy engine against the fake CloudFormation: what the emulator
//! cannot show (rollbacks, per-resource events, outputs after change sets,
//! busy stacks, throttling, interrupts), each as one scenario.

use std::cell::RefCell;
use std::time::Duration;

use serde_json::json;

use super::api::{ResourceChange, StackId};
use super::engine::{DeployOptions, Engine, Poll, Report, StackOutcome};
use super::events::{AlwaysAnswer, Approver, DeployEvent, Observer, Prompt, PromptKind};
use super::fake::{FakeCfn, NoChangeStyle};
use super::plan::{ParameterValue, Plan, PlannedStack};
use super::{approval::TypeHeuristic, DeployError, RequireApproval};

const R: &str = "eu-west-1";

#[derive(Default)]
struct Log(RefCell<Vec<DeployEvent>>);

impl Observer for Log {
    fn on_event(&self, e: &DeployEvent) {
        self.0.borrow_mut().push(e.clone());
    }
}

impl Log {
    fn resource_events(&self, stack: &str) -> Vec<(String, String)> {
        self.0
            .borrow()
            .iter()
            .filter_map(|e| match e {
                DeployEvent::Resource {
                    stack: s, event, ..
                } if s.name == stack => Some((event.logical_id.clone(), event.status.clone())),
                _ => None,
            })
            .collect()
    }
}

/// Records the prompts it answers.
struct Answers {
    answer: Result<bool, String>,
    asked: RefCell<Vec<Prompt>>,
}

impl Answers {
    fn new(answer: Result<bool, String>) -> Answers {
        Answers {
            answer,
            asked: RefCell::new(Vec::new()),
        }
    }
}

impl Approver for Answers {
    async fn confirm(&self, prompt: &Prompt) -> Result<bool, String> {
        self.asked.borrow_mut().push(prompt.clone());
        self.answer.clone()
    }
}

fn template(resources: &[(&str, &str, serde_json::Value)], outputs: serde_json::Value) -> Vec<u8> {
    let mut r = serde_json::Map::new();
    for (id, ty, props) in resources {
        r.insert(id.to_string(), json!({"Type": ty, "Properties": props}));
    }
    serde_json::to_vec_pretty(&json!({"Resources": r, "Outputs": outputs})).unwrap()
}

fn stack(name: &str, template: Vec<u8>, after: &[&str]) -> PlannedStack {
    PlannedStack {
        id: StackId::new(R, name),
        template,
        after: after.iter().map(|s| s.to_string()).collect(),
        parameters: Vec::new(),
        termination_protection: false,
        account: None,
    }
}

fn plan(stacks: Vec<PlannedStack>) -> Plan {
    Plan {
        stacks,
        notes: Vec::new(),
    }
}

fn opts() -> DeployOptions {
    DeployOptions {
        require_approval: RequireApproval::Never,
        poll: Poll {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
        ..Default::default()
    }
}

fn param(name: &str) -> (&str, &str, serde_json::Value) {
    (
        "Param",
        "AWS::SSM::Parameter",
        json!({"Name": name, "Type": "String", "Value": "v1"}),
    )
}

async fn deploy_with(
    fake: &FakeCfn,
    p: &Plan,
    o: DeployOptions,
    approver: &impl Approver,
) -> (Report, Log) {
    let log = Log::default();
    let report = {
        let engine = Engine::new(fake, fake, approver, &log, &TypeHeuristic, o);
        engine.deploy(p, std::future::pending()).await
    };
    (report, log)
}

async fn deploy(fake: &FakeCfn, p: &Plan) -> (Report, Log) {
    deploy_with(fake, p, opts(), &AlwaysAnswer(false)).await
}

fn outcomes(r: &Report) -> Vec<&StackOutcome> {
    r.stacks.iter().map(|s| &s.outcome).collect()
}

#[tokio::test(start_paused = true)]
async fn creates_streams_every_resource_event_and_collects_outputs() {
    let fake = FakeCfn::new();
    let t = template(
        &[
            param("/app/a"),
            (
                "Logs",
                "AWS::Logs::LogGroup",
                json!({"LogGroupName": "app"}),
            ),
        ],
        json!({"ParamName": {"Value": {"Ref": "Param"}}}),
    );
    let (report, log) = deploy(&fake, &plan(vec![stack("app", t, &[])])).await;
    assert!(report.success(), "{report:?}");
    assert_eq!(outcomes(&report), [&StackOutcome::Created]);
    assert_eq!(report.stacks[0].outputs["ParamName"], "physical-Param");
    let events = log.resource_events("app");
    assert!(events.contains(&("Logs".into(), "CREATE_IN_PROGRESS".into())));
    assert!(events.contains(&("Logs".into(), "CREATE_COMPLETE".into())));
    assert!(events.contains(&("Param".into(), "CREATE_COMPLETE".into())));
    assert_eq!(
        events.last().unwrap(),
        &("app".into(), "CREATE_COMPLETE".into())
    );
    // No event is streamed twice, and progress reaches the total.
    let mut dedup = events.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), events.len());
    let last_progress = log.0.borrow().iter().rev().find_map(|e| match e {
        DeployEvent::Progress { done, total, .. } => Some((*done, *total)),
        _ => None,
    });
    assert_eq!(last_progress, Some((2, 2)));
    let counts: Vec<(usize, usize)> = log
        .0
        .borrow()
        .iter()
        .filter_map(|e| match e {
            DeployEvent::Resource { done, total, .. } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(counts.first(), Some(&(0, 2)));
    assert_eq!(counts.last(), Some(&(2, 2)));
    let calls = fake.calls();
    let order: Vec<&str> = calls
        .iter()
        .map(|c| c.split(' ').next().unwrap())
        .filter(|c| ["CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet"].contains(c))
        .collect();
    assert_eq!(
        order,
        [
            "CreateChangeSet",
            "DescribeChangeSet",
            "DescribeChangeSet",
            "ExecuteChangeSet"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn no_op_redeploy_is_a_success_in_both_dialects() {
    for style in [NoChangeStyle::Aws, NoChangeStyle::Moto] {
        let fake = FakeCfn::new();
        fake.state.borrow_mut().no_change = Some(style);
        let p = plan(vec![stack("app", template(&[param("/a")], json!({})), &[])]);
        assert!(deploy(&fake, &p).await.0.success());
        let (report, log) = deploy(&fake, &p).await;
        assert_eq!(outcomes(&report), [&StackOutcome::Unchanged], "{style:?}");
        assert!(log
            .0
            .borrow()
            .iter()
            .any(|e| matches!(e, DeployEvent::NoChanges { .. })));
        // The empty change set is not left behind.
        assert!(
            fake.stack(R, "app").unwrap().change_sets.is_empty(),
            "{style:?}"
        );
        assert_eq!(
            fake.calls()
                .iter()
                .filter(|c| c.starts_with("ExecuteChangeSet"))
                .count(),
            1
        );
    }
}

#[tokio::test(start_paused = true)]
async fn updates_with_modify_changes() {
    let fake = FakeCfn::new();
    let p1 = plan(vec![stack("app", template(&[param("/a")], json!({})), &[])]);
    deploy(&fake, &p1).await;
    let changed = template(
        &[(
            "Param",
            "AWS::SSM::Parameter",
            json!({"Name": "/a", "Type": "String", "Value": "v2"}),
        )],
        json!({}),
    );
    let (report, log) = deploy(&fake, &plan(vec![stack("app", changed, &[])])).await;
    assert_eq!(outcomes(&report), [&StackOutcome::Updated]);
    let cs = log.0.borrow().iter().find_map(|e| match e {
        DeployEvent::ChangeSet { changes, .. } => Some(changes.clone()),
        _ => None,
    });
    assert_eq!(
        cs.unwrap(),
        [ResourceChange {
            action: "Modify".into(),
            logical_id: "Param".into(),
            resource_type: "AWS::SSM::Parameter".into(),
            replacement: Some("False".into()),
        }]
    );
    assert_eq!(fake.stack(R, "app").unwrap().status, "UPDATE_COMPLETE");
}

#[tokio::test(start_paused = true)]
async fn a_failing_resource_is_reported_and_dependents_are_skipped() {
    let fake = FakeCfn::new();
    fake.state.borrow_mut().fail.insert(
        "Bad".into(),
        "Property CidrBlock: not-a-cidr is invalid".into(),
    );
    let t = template(
        &[
            param("/a"),
            ("Bad", "AWS::EC2::VPC", json!({"CidrBlock": "not-a-cidr"})),
            ("Later", "AWS::Logs::LogGroup", json!({})),
        ],
        json!({}),
    );
    let p = plan(vec![
        stack("net", t, &[]),
        stack("app", template(&[param("/b")], json!({})), &["net"]),
    ]);
    let (report, _) = deploy(&fake, &p).await;
    assert!(!report.success());
    let StackOutcome::Failed(DeployError::StackFailed {
        status, resource, ..
    }) = &report.stacks[0].outcome
    else {
        panic!("{report:?}");
    };
    assert_eq!(status, "ROLLBACK_COMPLETE");
    let r = resource.as_ref().unwrap();
    assert_eq!(
        (
            r.logical_id.as_str(),
            r.resource_type.as_str(),
            r.status.as_str()
        ),
        ("Bad", "AWS::EC2::VPC", "CREATE_FAILED")
    );
    assert!(r.reason.contains("not-a-cidr"));
    let msg = report.errors()[0].to_string();
    assert!(
        msg.contains("first failure: Bad (AWS::EC2::VPC) CREATE_FAILED: Property CidrBlock"),
        "{msg}"
    );
    assert!(matches!(&report.stacks[1].outcome, StackOutcome::Skipped(w) if w.contains("net")));
    assert!(!fake.calls().iter().any(|c| c.ends_with(" app")));
}

#[tokio::test(start_paused = true)]
async fn rollback_complete_is_deleted_and_recreated_after_confirmation() {
    let t = template(&[param("/a")], json!({}));
    // Declined: nothing happens.
    let fake = FakeCfn::new();
    fake.seed(R, "app", "ROLLBACK_COMPLETE", "{}");
    let no = Answers::new(Ok(false));
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t.clone(), &[])]),
        opts(),
        &no,
    )
    .await;
    assert!(matches!(
        &report.stacks[0].outcome,
        StackOutcome::Failed(DeployError::NotConfirmed { .. })
    ));
    assert_eq!(no.asked.borrow()[0].kind, PromptKind::RecreateFailedStack);
    assert!(!fake.calls().iter().any(|c| c.starts_with("DeleteStack")));
    // Nobody to ask: the error says how to proceed.
    let nobody = Answers::new(Err("stdin is not a terminal; pass --force".into()));
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t.clone(), &[])]),
        opts(),
        &nobody,
    )
    .await;
    assert!(report.errors()[0].to_string().contains("pass --force"));
    // Confirmed: deleted, then created.
    let yes = Answers::new(Ok(true));
    let (report, log) = deploy_with(
        &fake,
        &plan(vec![stack("app", t.clone(), &[])]),
        opts(),
        &yes,
    )
    .await;
    assert_eq!(outcomes(&report), [&StackOutcome::Created], "{report:?}");
    assert!(log
        .0
        .borrow()
        .iter()
        .any(|e| matches!(e, DeployEvent::Recreating { .. })));
    // --force: no question.
    let fake = FakeCfn::new();
    fake.seed(R, "app", "ROLLBACK_COMPLETE", "{}");
    let forced = DeployOptions {
        force: true,
        ..opts()
    };
    let asker = Answers::new(Ok(false));
    let (report, _) = deploy_with(&fake, &plan(vec![stack("app", t, &[])]), forced, &asker).await;
    assert_eq!(outcomes(&report), [&StackOutcome::Created]);
    assert!(asker.asked.borrow().is_empty());
    let calls = fake.calls();
    let del = calls
        .iter()
        .position(|c| c.starts_with("DeleteStack"))
        .unwrap();
    let create = calls
        .iter()
        .position(|c| c.starts_with("CreateChangeSet"))
        .unwrap();
    assert!(del < create);
}

#[tokio::test(start_paused = true)]
async fn a_busy_stack_is_waited_for_within_the_timeout() {
    let t = template(&[param("/a")], json!({}));
    let fake = FakeCfn::new();
    fake.seed(R, "app", "UPDATE_IN_PROGRESS", "{}");
    // Another operation that finishes after a few polls.
    fake.with_stack(R, "app", |s| {
        for i in 0..3 {
            let e = super::api::StackEvent {
                event_id: format!("other-{i}"),
                logical_id: "app".into(),
                resource_type: "AWS::CloudFormation::Stack".into(),
                status: "UPDATE_IN_PROGRESS".into(),
                reason: None,
                timestamp: None,
            };
            let status = if i == 2 {
                "UPDATE_COMPLETE"
            } else {
                "UPDATE_IN_PROGRESS"
            };
            s.pending.push_back((e, status.into()));
        }
    });
    let (report, log) = deploy(&fake, &plan(vec![stack("app", t.clone(), &[])])).await;
    assert_eq!(outcomes(&report), [&StackOutcome::Updated], "{report:?}");
    assert!(log
        .0
        .borrow()
        .iter()
        .any(|e| matches!(e, DeployEvent::Busy { status, .. } if status == "UPDATE_IN_PROGRESS")));

    // One that never finishes: bounded by the timeout.
    let fake = FakeCfn::new();
    fake.seed(R, "app", "UPDATE_IN_PROGRESS", "{}");
    let o = DeployOptions {
        busy_timeout: Duration::from_secs(30),
        ..opts()
    };
    let started = tokio::time::Instant::now();
    let (report, _) = deploy_with(
        &fake,
        &plan(vec![stack("app", t, &[])]),
        o,
        &AlwaysAnswer(true),
    )
    .await;
    let e = report.errors()[0].to_string();
    assert!(e.contains("still UPDATE_IN_PROGRESS after 30 s"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(31));
}

#[tokio::test(start_paused = true)]
async fn throttled_polls_are_retried() {
    let fake = FakeCfn::new();
    let p = plan(vec![stack("app", template(&[param("/a")], json!({})), &[])]);
    // The first calls (DescribeStacks of the settle step) are throttled.
    fake.state.borrow_mut().throttle = 3;
    let (report, _) = deploy(&fake, &p).await;
    assert_eq!(outcomes(&report), [&StackOutcome::Created], "{report:?}");
    assert_eq!(
        fake.calls()
            .iter()
            .take(4)
            .filter(|c| c.starts_with("DescribeStacks"))
            .count(),
        4
    );
}

#[tokio::test(start_paused = true)]
async fn cross_region_parameters_come_from_the_producers_outputs() {
    let fake = FakeCfn::new();
    let producer = PlannedStack {
        id: StackId::new("us-east-1", "certs"),
        ..stack(
            "certs",
            template(
                &[param("/cert")],
                json!({"CertArn": {"Value": {"Ref": "Param"}}}),
            ),
            &[],
        )
    };
    let mut consumer = stack("edge", template(&[param("/edge")], json!({})), &["certs"]);
    consumer.parameters = vec![
        (
            "CertArn".into(),
            ParameterValue::Output {
                stack: StackId::new("us-east-1", "certs"),
                output: "CertArn".into(),
            },
        ),
        ("Stage".into(), ParameterValue::Literal("prod".into())),
    ];
    let (report, _) = deploy(&fake, &plan(vec![producer, consumer.clone()])).await;
    assert!(report.success(), "{report:?}");
    // The change set carried the value read from the other region.
    let req = fake.state.borrow().requests.last().unwrap().clone();
    assert_eq!(req.stack, StackId::new(R, "edge"));
    assert_eq!(req.parameters["CertArn"], "physical-Param");
    assert_eq!(req.parameters["Stage"], "prod");
    // A second run deploys only the consumer: the producer's output is read
    // from its deployed state.
    let mut changed = consumer;
    changed.template = template(&[param("/edge2")], json!({}));
    changed.after.clear();
    let fake2 = &fake;
    let (report, _) = deploy(fake2, &plan(vec![changed.clone()])).await;
    assert!(report.success(), "{report:?}");
    // A producer that is not deployed is named in the error.
    changed.parameters[0].1 = ParameterValue::Output {
        stack: StackId::new("us-east-1", "missing"),
        output: "X".into(),
    };
    let (report, _) = deploy(&fake, &plan(vec![changed])).await;
    let e = report.errors()[0].to_string();
    assert!(
        e.contains(
            "parameter CertArn needs output X of stack missing (us-east-1), which is not deployed"
        ),
        "{e}"
    );
}

#[tokio::test(start_paused = true)]
async fn parameters_reach_the_change_set() {
    let fake = FakeCfn::new();
    let mut st = stack("edge", template(&[param("/edge")], json!({})), &[]);
    st.parameters = vec![("Stage".into(), ParameterValue::Literal("prod".into()))];
    deploy(&fake, &plan(vec![st])).await;
    let req = fake.state.borrow().requests[0].clone();
    assert_eq!(req.parameters["Stage"], "prod");
    assert_eq!(req.kind, super::api::ChangeSetKind::Create);
    assert_eq!(
        req.capabilities,
        [
            "CAPABILITY_IAM",
            "CAPABILITY_NAMED_IAM",
            "CAPABILITY_AUTO_EXPAND"
        ]
    );
    assert_eq!(req.change_set_name, "meshsynth-deploy");
}

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
    deploy(&fake, &super::bootstrap::plan(R)).await;
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
    let first_b = calls.iter().position(|c| c.ends_with(" b")).unwrap();
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

#[tokio::test(start_paused = true)]
async fn deployed_templates_are_fetched_for_diff() {
    let fake = FakeCfn::new();
    let t = template(&[param("/a")], json!({}));
    deploy(&fake, &plan(vec![stack("app", t.clone(), &[])])).await;
    fake.seed(R, "shell", "REVIEW_IN_PROGRESS", "{}");
    let got = super::fetch_deployed_templates(
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

    let asm = super::LoadedAssembly::load(&dir).unwrap();
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

    let all = super::manifests::outputs_for_deferred(&fake, &asm, &outputs, None)
        .await
        .unwrap();
    let files = super::manifests::resolve(&asm, &all, &Default::default())
        .unwrap()
        .files;
    let target = super::manifests::default_dir(&dir);
    super::manifests::write(&target, &files).unwrap();
    let cm = std::fs::read_to_string(target.join("main/web-cluster.yaml")).unwrap();
    assert!(
        cm.contains("DB_HOST: db0a276e36.endpoint.address.example"),
        "{cm}"
    );
    assert!(!cm.contains("${meshsynth:"));
    assert!(target.join("main/kustomization.yaml").is_file());

    // Deploying only `web` later reads `data`'s outputs from its deployed state.
    let all = super::manifests::outputs_for_deferred(&fake, &asm, &Default::default(), None)
        .await
        .unwrap();
    assert_eq!(
        super::manifests::resolve(&asm, &all, &Default::default())
            .unwrap()
            .ready,
        ["main"]
    );
    // With no deployed producer, the cluster waits and the stack is named.
    let empty = FakeCfn::new();
    let all = super::manifests::outputs_for_deferred(&empty, &asm, &Default::default(), None)
        .await
        .unwrap();
    let r = super::manifests::resolve(&asm, &all, &Default::default()).unwrap();
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
    let b = super::DeployedBaseline::from_api(&fake, &stacks, Some("us-east-1"))
        .await
        .unwrap();
    assert_eq!(b.describe(), "deployed (eu-west-1, us-east-1)");
    let want: serde_json::Value = serde_json::from_slice(&t).unwrap();
    assert_eq!(b.template("app").unwrap(), Some(want));
    assert_eq!(b.template("later").unwrap(), None);
    let e = super::DeployedBaseline::from_api(&fake, &stacks, None)
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
    let asm = super::LoadedAssembly::load(&dir).unwrap();

    let fake = FakeCfn::new();
    let (report, _) = deploy(&fake, &Plan::for_deploy(&asm, &[], None).unwrap()).await;
    assert!(report.success(), "{report:?}");
    let outputs = report.outputs();
    let all = super::manifests::outputs_for_deferred(&fake, &asm, &outputs, None)
        .await
        .unwrap();
    let looked = super::manifests::lookups(&fake, &asm, &all, None)
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
    let r = super::manifests::resolve(&asm, &all, &looked).unwrap();
    assert_eq!(r.ready, ["main"]);
    let file = &r
        .files
        .iter()
        .find(|(f, _)| f.ends_with(".yaml") && !f.ends_with("kustomization.yaml"))
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
        super::MskBrokers {
            tls: Some("b-1.x:9094".into()),
            ..Default::default()
        },
    );
    let e = super::manifests::lookups(&fake, &asm, &all, None)
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
    let asm = super::LoadedAssembly::load(&dir).unwrap();

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
