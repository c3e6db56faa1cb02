//! `meshsynth deploy`, `destroy` and `bootstrap` as processes against a
//! CloudFormation emulator (moto) at `MESHSYNTH_TEST_ENDPOINT`. The deployed
//! assemblies are small apps built here through the library, from resource
//! types the emulator implements (see docs/deploy.md for its gaps).
//!
//! Without the endpoint the tests skip, unless the emulator is required
//! (`CI` set, or `MESHSYNTH_REQUIRE_EMULATOR=1`): then they fail.
//!
//! Evidence, not status: every test runs alone against the emulator and
//! fails when the emulator's log (`MESHSYNTH_TEST_EMULATOR_LOG`, which
//! `scripts/test` exports) shows an HTTP 5xx answer or a Python traceback
//! during the test — an emulator that crashed mid-request can still report
//! CREATE_COMPLETE. The tests also look the created resources up through
//! their own services' APIs (`tests/support/emulator_effects.py`).

use crate::emulator;

use std::process::Command;

use emulator::*;
use meshsynth::core::resource::CfnRaw;
use meshsynth::{Env, Value};

#[test]
fn create_then_no_op_then_update_then_destroy() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("life");
    let p = format!("/{stack}/greeting");
    let v1 = assembly(
        t.path(),
        &stack,
        REGION,
        vec![
            ("Greeting".into(), ssm(&p, "hello")),
            ("Logs".into(), log_group(&format!("/{stack}/app"))),
        ],
    );
    let v1s = v1.to_str().unwrap();

    // 1. First create.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            v1s,
            "--require-approval",
            "never",
            "--outputs-file",
            "outputs.json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("create with 2 resource change(s)"), "{err}");
    assert!(err.contains("+ Add AWS::SSM::Parameter Greeting"), "{err}");
    assert!(
        err.contains(&format!("{stack} ({REGION}): CREATE_COMPLETE")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{stack} ({REGION}): created")),
        "{err}"
    );
    let outputs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("outputs.json")).unwrap()).unwrap();
    assert!(outputs.get(&stack).is_some(), "{outputs}");
    let fx = effects(&ep, REGION, &[&stack]);
    let resources = all_exist(&fx, &stack);
    let param = of_type(resources, "AWS::SSM::Parameter")[0];
    assert_eq!(param["details"]["Value"], "hello", "{param}");
    let logs = of_type(resources, "AWS::Logs::LogGroup")[0];
    assert_eq!(logs["details"]["retentionInDays"], 7, "{logs}");

    // diff --against deployed reads the deployed template back: no changes.
    let (code, out, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "diff",
            "--against",
            "deployed",
            "--assembly",
            v1s,
            "--exit-code",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");

    // 2. The same assembly again: no changes, still a success.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &["deploy", "--assembly", v1s, "--require-approval", "never"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("{stack} ({REGION}): no changes")),
        "{err}"
    );

    // 3. An update of one value.
    let v2 = assembly(
        &t.path().join("v2"),
        &stack,
        REGION,
        vec![
            ("Greeting".into(), ssm(&p, "hello again")),
            ("Logs".into(), log_group(&format!("/{stack}/app"))),
        ],
    );
    let (code, out, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "diff",
            "--against",
            "deployed",
            "--assembly",
            v2.to_str().unwrap(),
            "--exit-code",
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Greeting"), "{out}");
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            v2.to_str().unwrap(),
            "--require-approval",
            "never",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("update with 1 resource change(s)"), "{err}");
    assert!(
        err.contains("~ Modify AWS::SSM::Parameter Greeting"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{stack} ({REGION}): UPDATE_COMPLETE")),
        "{err}"
    );
    let fx = effects(&ep, REGION, &[&stack]);
    let param = &of_type(
        &fx[&stack]["resources"].as_array().unwrap().clone(),
        "AWS::SSM::Parameter",
    )[0]
    .clone();
    assert_eq!(param["details"]["Value"], "hello again", "{param}");

    // 6. Destroy: refused without a terminal or --force, then done.
    let (code, _, err) = meshsynth(&ep, t.path(), &["destroy", "--assembly", v1s]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pass --force"), "{err}");
    let (code, _, err) = meshsynth(&ep, t.path(), &["destroy", "--assembly", v1s, "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("{stack} ({REGION}): deleted")),
        "{err}"
    );
    let (code, _, err) = meshsynth(&ep, t.path(), &["destroy", "--assembly", v1s, "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("does not exist (nothing to delete)"), "{err}");
}

#[test]
fn a_failing_stack_reports_its_error_and_exits_1() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("broken");
    let vpc = CfnRaw {
        type_name: "AWS::EC2::VPC".into(),
        properties: [("CidrBlock".to_string(), Value::from("not-a-cidr"))]
            .into_iter()
            .collect(),
        tags: meshsynth::core::TagStyle::List,
    };
    let dir = assembly(t.path(), &stack, REGION, vec![("Vpc".into(), vpc)]);
    let (code, out, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            dir.to_str().unwrap(),
            "--require-approval",
            "never",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!("{stack} ({REGION}): FAILED")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: stack {stack} ({REGION}): executing the change set failed:"
        )),
        "{err}"
    );
    assert!(err.contains("not-a-cidr"), "{err}");
}

#[test]
fn a_large_template_goes_through_the_bootstrap_bucket() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("large");
    let params: Vec<(String, CfnRaw)> = (0..130)
        .map(|i| {
            (
                format!("Param{i:03}"),
                ssm(&format!("/{stack}/p{i:03}"), &"v".repeat(300)),
            )
        })
        .collect();
    let dir = assembly(t.path(), &stack, REGION, params);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let size = manifest["stacks"][0]["templateSize"].as_u64().unwrap();
    assert!(size > 51_200, "template is only {size} bytes");

    let (code, bucket, err) = meshsynth(&ep, t.path(), &["bootstrap", "--region", REGION]);
    assert_eq!(code, 0, "{err}");
    let bucket = bucket.trim().to_string();
    assert!(!bucket.is_empty(), "{err}");

    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            dir.to_str().unwrap(),
            "--require-approval",
            "never",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "uploaded to https://s3.{REGION}.amazonaws.com/{bucket}/meshsynth/templates/{stack}/"
        )),
        "{err}"
    );
    assert!(err.contains("create with 130 resource change(s)"), "{err}");
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &["destroy", "--assembly", dir.to_str().unwrap(), "--force"],
    );
    assert_eq!(code, 0, "{err}");

    // In a region nobody bootstrapped, the error says what to do.
    let other = assembly(
        &t.path().join("other"),
        &unique("large-eu"),
        "eu-west-3",
        vec![("P".into(), ssm(&format!("/{stack}/x"), &"v".repeat(60_000)))],
    );
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            other.to_str().unwrap(),
            "--require-approval",
            "never",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("run `meshsynth bootstrap --region eu-west-3` once, or pass --bucket"),
        "{err}"
    );
}

#[test]
fn broadening_changes_without_a_terminal_ask_for_require_approval_never() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("iam");
    let role = CfnRaw {
        type_name: "AWS::IAM::Role".into(),
        properties: [(
            "AssumeRolePolicyDocument".to_string(),
            map(vec![
                ("Version", Value::from("2012-10-17")),
                (
                    "Statement",
                    Value::List(vec![map(vec![
                        ("Effect", Value::from("Allow")),
                        (
                            "Principal",
                            map(vec![("Service", Value::from("ec2.amazonaws.com"))]),
                        ),
                        ("Action", Value::from("sts:AssumeRole")),
                    ])]),
                ),
            ]),
        )]
        .into_iter()
        .collect(),
        tags: meshsynth::core::TagStyle::List,
    };
    let dir = assembly(t.path(), &stack, REGION, vec![("Role".into(), role)]);
    let dirs = dir.to_str().unwrap();
    let (code, _, err) = meshsynth(&ep, t.path(), &["deploy", "--assembly", dirs]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pass --require-approval never"), "{err}");
    assert!(
        err.contains("Add Role (AWS::IAM::Role)") || err.contains("+ Add AWS::IAM::Role Role"),
        "{err}"
    );
    // Nothing was left behind: a deploy with approval off creates it.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &["deploy", "--assembly", dirs, "--require-approval", "never"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("create with 1 resource change(s)"), "{err}");
    let (code, _, err) = meshsynth(&ep, t.path(), &["destroy", "--assembly", dirs, "--force"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_stack_of_another_account_is_refused_before_any_change() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("acct");
    // moto's credentials belong to account 123456789012.
    let dir = assembly_in(
        t.path(),
        &stack,
        Env::new("111111111111", REGION),
        vec![("P".into(), ssm(&format!("/{stack}/p"), "v"))],
    );
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            dir.to_str().unwrap(),
            "--require-approval",
            "never",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("belongs to account 111111111111, but the credentials in use (arn:aws:"),
        "{err}"
    );
    assert!(
        err.contains("are for account 123456789012 (hint: pick credentials of account 111111111111 with --profile"),
        "{err}"
    );
    assert!(!err.contains("create with"), "{err}");
    let ok = assembly_in(
        &t.path().join("ok"),
        &stack,
        Env::new("123456789012", REGION),
        vec![("P".into(), ssm(&format!("/{stack}/p"), "v"))],
    );
    let oks = ok.to_str().unwrap();
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &["deploy", "--assembly", oks, "--require-approval", "never"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = meshsynth(&ep, t.path(), &["destroy", "--assembly", oks, "--force"]);
    assert_eq!(code, 0, "{err}");
}

/// A staged rollout of a reference app: the network stack first, then the
/// rest the emulator can run. Each stage exits 0; the cluster whose inputs
/// come from stacks not deployed yet is named with what it waits for; and
/// what the emulator really holds is checked through EC2, KMS, Logs and IAM.
#[test]
fn a_reference_app_deploys_in_stages() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let synth = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(["synth", "-c", "apps=genai-demo", "-o", "genai.out"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert!(
        synth.status.success(),
        "{}",
        String::from_utf8_lossy(&synth.stderr)
    );

    // Stage 1: the network.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "genai-demo-network",
            "--assembly",
            "genai.out",
            "--require-approval",
            "never",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("cluster genai-demo-cluster: manifests not written, waiting on stacks genai-demo-data-1, genai-demo-messaging"),
        "{err}"
    );
    assert!(!t.path().join("genai.out/resolved").exists());
    let fx = effects(&ep, "ap-northeast-1", &["genai-demo-network"]);
    let net = all_exist(&fx, "genai-demo-network");
    assert_eq!(
        of_type(net, "AWS::EC2::VPC")[0]["details"]["CidrBlock"],
        "10.0.0.0/16"
    );
    assert_eq!(of_type(net, "AWS::EC2::Subnet").len(), 6, "{net:?}");
    assert_eq!(of_type(net, "AWS::EC2::NatGateway").len(), 3);
    assert_eq!(
        of_type(net, "AWS::EC2::FlowLog")[0]["details"]["TrafficType"],
        "ALL"
    );
    let key = &of_type(net, "AWS::KMS::Key")[0]["details"];
    // The tagged key with a JSON key policy: what moto 5.2.5 broke on before
    // the launcher's shim (scripts/lib/moto_shim.py).
    assert_eq!(key["KeyState"], "Enabled", "{key}");
    assert_eq!(key["KeyRotationEnabled"], true, "{key}");
    assert_eq!(key["Tags"]["project"], "genai-demo", "{key}");
    assert_eq!(
        of_type(net, "AWS::Logs::LogGroup")[0]["details"]["retentionInDays"],
        365
    );
    assert_eq!(of_type(net, "AWS::IAM::Role").len(), 1);

    // Stage 2: the keys (EKS, MSK and ElastiCache are beyond the emulator;
    // docs/deploy.md lists what it cannot run).
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "genai-demo-keys",
            "--assembly",
            "genai.out",
            "--require-approval",
            "never",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("genai-demo-keys (ap-northeast-1): created"),
        "{err}"
    );
    assert!(
        err.contains("cluster genai-demo-cluster: manifests not written"),
        "{err}"
    );
    let fx = effects(&ep, "ap-northeast-1", &["genai-demo-keys"]);
    let keys = all_exist(&fx, "genai-demo-keys");
    assert_eq!(of_type(keys, "AWS::KMS::Alias").len(), 1);
    assert_eq!(
        of_type(keys, "AWS::KMS::Key")[0]["details"]["KeyState"],
        "Enabled"
    );

    // No destroy: moto 5.2.5 deletes the VPC before its NAT gateways and
    // answers DependencyViolation; its state ends with the test run.
}

/// The watch is real: a request the emulator answers with HTTP 500 (moto
/// 5.2.5 cannot create an SSM parameter without a `Name`) is found in its
/// log, so the test that caused it would fail.
/// The probes' runner (`emulator::python`) hands back each probe's exit
/// code, output and failure as a Python of its own would: the effects
/// checks assert on them, so a runner that lost them would pass anything.
#[test]
fn the_probe_runner_answers_as_a_python_of_its_own() {
    if emulator::endpoint().is_none() {
        return;
    }
    let out = python(&[
        "-c",
        "import sys; print(sys.argv[1:]); sys.stderr.write('warned'); sys.exit(3)",
        "a",
        "b c",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "['a', 'b c']\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "warned");
    let failed = python(&["-c", "x = 1\nraise ValueError('no such stack')"]);
    assert_eq!(failed.status.code(), Some(1));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("ValueError: no such stack"), "{err}");
    // A probe's globals are its own: the one before set `x`.
    let fresh = python(&["-c", "print('x' in globals())"]);
    assert!(fresh.status.success());
    assert_eq!(String::from_utf8_lossy(&fresh.stdout), "False\n");
}

#[test]
fn an_emulator_server_error_fails_the_test() {
    let Some(shared) = emulator() else { return };
    if shared.log.is_none() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    // A server of its own: the deliberate 500 stays out of the shared
    // emulator's log, which must show no server error after a green run.
    let own = OwnServer::start(t.path());
    // `shared` stays alive: it holds the lock and checks its own log on drop.
    let emu = Emulator {
        endpoint: own.endpoint.clone(),
        log: Some((own.log.clone(), 0)),
        expects_errors: true,
        _serial: None,
    };
    let ep = emu.endpoint.clone();
    let stack = unique("unnamed");
    let unnamed = CfnRaw {
        type_name: "AWS::SSM::Parameter".into(),
        properties: [
            ("Type".to_string(), Value::from("String")),
            ("Value".to_string(), Value::from("v")),
        ]
        .into_iter()
        .collect(),
        tags: meshsynth::core::TagStyle::Map,
    };
    let dir = assembly(t.path(), &stack, REGION, vec![("P".into(), unnamed)]);
    let _ = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            dir.to_str().unwrap(),
            "--require-approval",
            "never",
        ],
    );
    let problems = emu.problems();
    assert!(
        problems.iter().any(|l| is_server_error_line(l)),
        "the emulator's 500 went unseen: {problems:?}"
    );
    let _ = meshsynth(
        &ep,
        t.path(),
        &["destroy", "--assembly", dir.to_str().unwrap(), "--force"],
    );
}

#[test]
fn server_error_lines_are_recognised() {
    assert!(is_server_error_line(
        r#"127.0.0.1 - - [22/Nov/2026 18:23:37] "POST / HTTP/1.1" 500 -"#
    ));
    assert!(is_server_error_line(
        r#"127.0.0.1 - - [22/Nov/2026 18:23:37] "GET /x HTTP/1.1" 503 12"#
    ));
    assert!(!is_server_error_line(
        r#"127.0.0.1 - - [22/Nov/2026 18:23:37] "POST / HTTP/1.1" 200 -"#
    ));
    assert!(!is_server_error_line(
        r#"127.0.0.1 - - [22/Nov/2026 18:23:37] "POST /500 HTTP/1.1" 404 -"#
    ));
}

/// 14: an unrelated stack of the same name once lost a bucket and a queue to
/// a deploy under the default approval level. It is refused, untouched.
#[test]
fn a_stack_another_tool_deployed_is_never_taken_over() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("foreign");
    let param = format!("/{stack}/kept");
    create_foreign_stack(
        &ep,
        REGION,
        &stack,
        &serde_json::json!({"Resources": {"Kept": {"Type": "AWS::SSM::Parameter",
            "Properties": {"Name": param, "Type": "String", "Value": "theirs"}}}})
        .to_string(),
    );
    let dir = assembly(
        t.path(),
        &stack,
        REGION,
        vec![("Mine".into(), ssm(&format!("/{stack}/mine"), "ours"))],
    );
    let dirs = dir.to_str().unwrap();
    for args in [
        vec!["deploy", "--assembly", dirs],
        vec!["deploy", "--assembly", dirs, "--require-approval", "never"],
        vec!["destroy", "--assembly", dirs, "--force"],
    ] {
        let (code, _, err) = meshsynth(&ep, t.path(), &args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains("was not deployed by meshsynth"), "{err}");
        assert!(err.contains(&format!("--adopt {stack}")), "{err}");
    }
    // The other tool's resource is still there, and nothing of ours was added.
    let e = effects(&ep, REGION, &[&stack]);
    let resources = e[stack.as_str()]["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "{e}");
    assert_eq!(resources[0]["logical"], "Kept", "{e}");
    assert_eq!(resources[0]["exists"], true, "{e}");
    // Taken over on purpose.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            dirs,
            "--require-approval",
            "never",
            "--adopt",
            &stack,
        ],
    );
    assert_eq!(code, 0, "{err}");
    // moto 5.2.5 does not apply an UPDATE change set's tags (CloudFormation
    // does), so the adopted stack is still unmarked there: name it again.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &["destroy", "--assembly", dirs, "--force", "--adopt", &stack],
    );
    assert_eq!(code, 0, "{err}");
}
