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

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use meshsynth::core::resource::CfnRaw;
use meshsynth::{App, Context, Env, Stack, StackProps, Value};

const REGION: &str = "us-east-1";

fn required() -> bool {
    std::env::var_os("CI").is_some()
        || std::env::var("MESHSYNTH_REQUIRE_EMULATOR").as_deref() == Ok("1")
}

/// One test at a time against the emulator, so its log window is its own.
static SERIAL: Mutex<()> = Mutex::new(());

/// The emulator for one test: its endpoint, exclusive use, and the part of
/// its log this test caused.
struct Emulator {
    endpoint: String,
    log: Option<(PathBuf, u64)>,
    /// Set by a test that inspects the errors itself.
    expects_errors: bool,
    /// The lock on the shared emulator (none for a test's own server).
    _serial: Option<MutexGuard<'static, ()>>,
}

/// Every test that used the emulator fails if the emulator errored.
impl Drop for Emulator {
    fn drop(&mut self) {
        if !self.expects_errors && !std::thread::panicking() {
            self.assert_clean();
        }
    }
}

impl Emulator {
    /// Lines of the emulator log written since this test started that show
    /// an HTTP 5xx answer or a traceback.
    fn problems(&self) -> Vec<String> {
        let Some((path, start)) = &self.log else {
            return Vec::new();
        };
        let mut f = std::fs::File::open(path).expect("emulator log is readable");
        f.seek(SeekFrom::Start(*start)).unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        text.lines()
            .filter(|l| is_server_error_line(l) || l.contains("Traceback (most recent call last)"))
            .map(str::to_string)
            .collect()
    }

    /// Fails the test when the emulator errored during it.
    fn assert_clean(&self) {
        let p = self.problems();
        assert!(
            p.is_empty(),
            "the emulator answered with server errors during this test (its results cannot be trusted):\n{}",
            p.join("\n")
        );
    }
}

/// A throw-away moto server (`scripts/moto start` with its own pid file),
/// stopped when dropped.
struct OwnServer {
    pidfile: PathBuf,
    endpoint: String,
    log: PathBuf,
}

impl OwnServer {
    fn start(dir: &Path) -> OwnServer {
        let pidfile = dir.join("moto.pid");
        let out = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/moto"))
            .arg("start")
            .env("MOTO_PIDFILE", &pidfile)
            .env_remove("MOTO_PORT")
            .output()
            .expect("scripts/moto runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let endpoint = stdout
            .lines()
            .find_map(|l| l.strip_prefix("endpoint="))
            .unwrap_or_else(|| {
                panic!(
                    "a second moto server did not start: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .to_string();
        let log = PathBuf::from(format!("{}.log", pidfile.display()));
        OwnServer {
            pidfile,
            endpoint,
            log,
        }
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/moto"))
            .arg("stop")
            .env("MOTO_PIDFILE", &self.pidfile)
            .output();
    }
}

/// A werkzeug access-log line whose status is 5xx: `... "POST / HTTP/1.1" 500 -`.
fn is_server_error_line(line: &str) -> bool {
    let Some(rest) = line.rsplit_once("\" ").map(|(_, r)| r) else {
        return false;
    };
    let status = rest.split_whitespace().next().unwrap_or("");
    status.len() == 3 && status.starts_with('5') && status.bytes().all(|b| b.is_ascii_digit())
}

fn emulator() -> Option<Emulator> {
    let endpoint = endpoint()?;
    let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let log = match std::env::var_os("MESHSYNTH_TEST_EMULATOR_LOG") {
        Some(p) if !p.is_empty() => {
            let path = PathBuf::from(p);
            let len = std::fs::metadata(&path)
                .unwrap_or_else(|e| panic!("emulator log {}: {e}", path.display()))
                .len();
            Some((path, len))
        }
        _ => {
            assert!(
                !required(),
                "MESHSYNTH_TEST_EMULATOR_LOG is not set: the emulator's errors would go unseen (scripts/test exports it)"
            );
            eprintln!(
                "note: MESHSYNTH_TEST_EMULATOR_LOG is not set; emulator errors are not checked"
            );
            None
        }
    };
    Some(Emulator {
        endpoint,
        log,
        expects_errors: false,
        _serial: Some(serial),
    })
}

/// What the stacks really left in the emulator, looked up through each
/// resource's own service (see tests/support/emulator_effects.py).
fn effects(endpoint: &str, region: &str, stacks: &[&str]) -> serde_json::Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(root.join("scripts/moto"))
        .arg("python")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/emulator_effects.py"))
        .arg(endpoint)
        .arg(region)
        .args(stacks)
        .output()
        .expect("runs scripts/moto python");
    assert!(
        out.status.success(),
        "emulator_effects.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("emulator_effects.py prints JSON")
}

/// Every resource of `stack` that has a probe exists; returns its resources.
fn all_exist<'a>(effects: &'a serde_json::Value, stack: &str) -> &'a Vec<serde_json::Value> {
    let s = &effects[stack];
    assert_eq!(s["status"], "CREATE_COMPLETE", "{stack}: {s}");
    let resources = s["resources"].as_array().expect("resources");
    let missing: Vec<&serde_json::Value> = resources
        .iter()
        .filter(|r| r["exists"] == serde_json::Value::Bool(false))
        .collect();
    assert!(
        missing.is_empty(),
        "{stack}: missing in the emulator: {missing:?}"
    );
    resources
}

fn of_type<'a>(resources: &'a [serde_json::Value], ty: &str) -> Vec<&'a serde_json::Value> {
    resources.iter().filter(|r| r["type"] == ty).collect()
}

fn endpoint() -> Option<String> {
    if let Ok(e) = std::env::var("MESHSYNTH_TEST_ENDPOINT") {
        if !e.is_empty() {
            return Some(e);
        }
    }
    assert!(
        !required(),
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

/// Creates a stack the way another tool would: CreateStack, no meshsynth tag.
fn create_foreign_stack(endpoint: &str, region: &str, name: &str, template: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = r#"
import sys, boto3
endpoint, region, name, body = sys.argv[1:5]
cfn = boto3.client("cloudformation", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
cfn.create_stack(StackName=name, TemplateBody=body)
"#;
    let out = Command::new(root.join("scripts/moto"))
        .args(["python", "-c", script, endpoint, region, name, template])
        .output()
        .expect("runs scripts/moto python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
