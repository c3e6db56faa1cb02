//! `meshsynth deploy`, `destroy` and `bootstrap` as processes against a
//! CloudFormation emulator (moto) at `MESHSYNTH_TEST_ENDPOINT`. The deployed
//! assemblies are small apps built here through the library, from resource
//! types the emulator implements (see docs/deploy.md for its gaps).
//!
//! Without the endpoint the tests skip, unless the emulator is required
//! (`CI` set, or `MESHSYNTH_REQUIRE_EMULATOR=1`): then they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use meshsynth::core::resource::CfnRaw;
use meshsynth::{App, Context, Env, Stack, StackProps, Value};

const REGION: &str = "us-east-1";

fn endpoint() -> Option<String> {
    if let Ok(e) = std::env::var("MESHSYNTH_TEST_ENDPOINT") {
        if !e.is_empty() {
            return Some(e);
        }
    }
    let required = std::env::var_os("CI").is_some()
        || std::env::var("MESHSYNTH_REQUIRE_EMULATOR").as_deref() == Ok("1");
    assert!(
        !required,
        "MESHSYNTH_TEST_ENDPOINT is not set, but the emulator is required here (CI or MESHSYNTH_REQUIRE_EMULATOR=1); start moto and export its endpoint"
    );
    eprintln!("skipping: MESHSYNTH_TEST_ENDPOINT is not set (start moto and export its endpoint to run the deploy tests)");
    None
}

/// A name unique to this test process, so runs against a long-lived emulator
/// do not collide.
fn unique(name: &str) -> String {
    format!("t{}-{name}", std::process::id())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn ssm(name: &str, value: &str) -> CfnRaw {
    CfnRaw {
        type_name: "AWS::SSM::Parameter".into(),
        properties: [
            ("Name".to_string(), Value::from(name)),
            ("Type".to_string(), Value::from("String")),
            ("Value".to_string(), Value::from(value)),
        ]
        .into_iter()
        .collect(),
        tags: meshsynth::core::TagStyle::Map,
    }
}

fn log_group(name: &str) -> CfnRaw {
    CfnRaw {
        type_name: "AWS::Logs::LogGroup".into(),
        properties: [
            ("LogGroupName".to_string(), Value::from(name)),
            ("RetentionInDays".to_string(), Value::from(7i64)),
        ]
        .into_iter()
        .collect(),
        tags: meshsynth::core::TagStyle::List,
    }
}

/// Synthesizes one stack holding `resources` into `dir`.
fn assembly(dir: &Path, stack: &str, region: &str, resources: Vec<(String, CfnRaw)>) -> PathBuf {
    assembly_in(dir, stack, Env::region(region), resources)
}

fn assembly_in(dir: &Path, stack: &str, env: Env, resources: Vec<(String, CfnRaw)>) -> PathBuf {
    let mut app = App::new(Context::new());
    let s = Stack::new(
        &mut app.root(),
        stack,
        StackProps {
            env,
            ..Default::default()
        },
    )
    .unwrap();
    {
        let mut scope = app.scope(s.node()).unwrap();
        for (id, r) in resources {
            scope.add_raw_resource(&id, r).unwrap();
        }
    }
    let synth = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let out = dir.join(format!("{stack}.out"));
    meshsynth::assembly::write_atomically(&out, &synth.assembly.all_files()).unwrap();
    out
}

/// Runs the binary with emulator credentials and no stdin (as CI does).
fn meshsynth(endpoint: &str, cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(args)
        .args(["--endpoint-url", endpoint])
        .current_dir(cwd)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cwd.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            cwd.join("no-aws-credentials"),
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (code, stdout, stderr)
}

#[test]
fn create_then_no_op_then_update_then_destroy() {
    let Some(ep) = endpoint() else { return };
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
    let Some(ep) = endpoint() else { return };
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
    let Some(ep) = endpoint() else { return };
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
    let Some(ep) = endpoint() else { return };
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
    let Some(ep) = endpoint() else { return };
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
        err.contains(
            "belongs to account 111111111111, but the credentials are for account 123456789012"
        ),
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
