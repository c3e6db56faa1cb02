use super::*;
use crate::deploy::fake::FakeCfn;

const R: &str = "us-east-1";

fn modified_group() -> ResourceDrift {
    ResourceDrift {
        logical_id: "WebSg".into(),
        resource_type: "AWS::EC2::SecurityGroup".into(),
        physical_id: Some("sg-0a1b".into()),
        status: "MODIFIED".into(),
        differences: vec![
            PropertyDifference {
                path: "/SecurityGroupIngress/1".into(),
                kind: "ADD".into(),
                expected: None,
                actual: Some(
                    r#"{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}"#.into(),
                ),
            },
            PropertyDifference {
                path: "/Tags/0/Value".into(),
                kind: "NOT_EQUAL".into(),
                expected: Some("\"web\"".into()),
                actual: Some("\"web\\u001b[2Jedited\"".into()),
            },
        ],
    }
}

fn seeded() -> FakeCfn {
    let fake = FakeCfn::new();
    for name in ["network", "data"] {
        fake.seed(R, name, "UPDATE_COMPLETE", r#"{"Resources": {}}"#);
    }
    let mut s = fake.state.borrow_mut();
    s.drifts.insert(
        (R.into(), "network".into()),
        vec![
            modified_group(),
            ResourceDrift {
                logical_id: "Vpc".into(),
                resource_type: "AWS::EC2::VPC".into(),
                physical_id: Some("vpc-1".into()),
                status: "IN_SYNC".into(),
                differences: vec![],
            },
            ResourceDrift {
                logical_id: "Jobs".into(),
                resource_type: "AWS::SQS::Queue".into(),
                physical_id: Some("https://sqs.us-east-1.amazonaws.com/1/jobs".into()),
                status: "DELETED".into(),
                differences: vec![],
            },
            ResourceDrift {
                logical_id: "Hook".into(),
                resource_type: "Custom::Hook".into(),
                physical_id: None,
                status: "NOT_CHECKED".into(),
                differences: vec![],
            },
        ],
    );
    s.drifts.insert(
        (R.into(), "data".into()),
        vec![ResourceDrift {
            logical_id: "Db".into(),
            resource_type: "AWS::RDS::DBInstance".into(),
            physical_id: Some("db-1".into()),
            status: "MODIFIED".into(),
            differences: vec![PropertyDifference {
                path: "/MasterUserPassword".into(),
                kind: "NOT_EQUAL".into(),
                expected: Some("\"hunter2hunter2\"".into()),
                actual: Some("\"swordfish-2026\"".into()),
            }],
        }],
    );
    drop(s);
    fake
}

fn ids(names: &[&str]) -> Vec<StackId> {
    names.iter().map(|n| StackId::new(R, *n)).collect()
}

const FAST: Polling = Polling {
    interval: Duration::from_secs(1),
    limit: Duration::from_secs(30),
};

#[tokio::test(start_paused = true)]
async fn each_stack_is_detected_polled_and_its_drifts_listed() {
    let fake = seeded();
    let mut said = Vec::new();
    let r = detect(
        &fake,
        &ids(&["network", "data", "cache"]),
        FAST,
        &mut |m: &str| said.push(m.to_string()),
    )
    .await
    .unwrap();
    assert!(r.has_drift() && !r.has_failure());
    let net = &r.stacks[0];
    assert_eq!(net.status, "DRIFTED");
    assert_eq!((net.in_sync, net.not_checked), (1, 1));
    let got: Vec<(&str, &str)> = net
        .resources
        .iter()
        .map(|d| (d.logical_id.as_str(), d.status.as_str()))
        .collect();
    assert_eq!(got, [("Jobs", "DELETED"), ("WebSg", "MODIFIED")]);
    assert_eq!(r.stacks[2].status, "NOT_DEPLOYED");
    // Detect, one poll in progress, one complete, then the drifts: no
    // detection on a stack that is not there.
    let calls: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|c| c.contains("Drift"))
        .collect();
    assert_eq!(calls.len(), 8, "{calls:?}");
    assert!(!calls.iter().any(|c| c.ends_with("cache")), "{calls:?}");
    assert_eq!(said.len(), 2, "{said:?}");
}

#[tokio::test(start_paused = true)]
async fn secrets_are_masked_and_values_inert_in_every_format() {
    let fake = seeded();
    let r = detect(&fake, &ids(&["network", "data"]), FAST, &mut |_: &str| {})
        .await
        .unwrap();
    for out in [text(&r), markdown(&r), json(&r)] {
        assert!(
            !out.contains("swordfish") && !out.contains("hunter2"),
            "{out}"
        );
        assert!(!out.contains('\u{1b}'), "{out:?}");
    }
    let t = text(&r);
    assert!(
        t.contains(
            "~ network (us-east-1): drifted: 2 resource(s); 1 resource(s) in sync, 1 not checked"
        ),
        "{t}"
    );
    assert!(t.contains("    - AWS::SQS::Queue Jobs (https://sqs.us-east-1.amazonaws.com/1/jobs): deleted outside CloudFormation"), "{t}");
    assert!(
        t.contains(r#"        /SecurityGroupIngress/1: added {"CidrIp":"0.0.0.0/0""#),
        "{t}"
    );
    assert!(
        t.contains(&format!("/MasterUserPassword: \"{MASK}\" → \"{MASK}\"")),
        "{t}"
    );
    assert!(
        t.ends_with("2 stack(s): 2 drifted, 0 in sync, 0 not deployed, 0 failed\n"),
        "{t}"
    );
    let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(
        v["stacks"][1]["resources"][0]["differences"][0]["actual"],
        format!("\"{MASK}\"")
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_or_endless_detection_is_reported_not_hidden() {
    let fake = seeded();
    fake.state.borrow_mut().drift_failure = Some("Failed to check 1 resource: AccessDenied".into());
    let r = detect(&fake, &ids(&["network"]), FAST, &mut |_: &str| {})
        .await
        .unwrap();
    assert!(r.has_failure());
    assert_eq!(r.stacks[0].status, "DETECTION_FAILED");
    // What it checked is still shown.
    assert_eq!(r.stacks[0].resources.len(), 2);
    assert!(text(&r).contains("detection failed: Failed to check 1 resource: AccessDenied"));

    let fake = seeded();
    fake.state.borrow_mut().drift_failure = Some("hang".into());
    let r = detect(&fake, &ids(&["network"]), FAST, &mut |_: &str| {})
        .await
        .unwrap();
    assert_eq!(r.stacks[0].status, "DETECTION_FAILED");
    assert!(
        r.stacks[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("still running after 30 s"),
        "{r:?}"
    );
}
