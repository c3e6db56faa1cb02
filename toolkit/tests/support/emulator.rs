//! The CloudFormation emulator harness of the toolkit's deploy tests:
//! one test at a time against moto at `MESHSYNTH_TEST_ENDPOINT`, failing
//! when moto's log shows a 5xx answer or a traceback during the test, and
//! the effects of a deploy looked up through each service's own API.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use meshsynth::core::resource::CfnRaw;
use meshsynth::{App, Context, Env, Stack, StackProps, Value};

pub const REGION: &str = "us-east-1";

pub fn required() -> bool {
    std::env::var_os("CI").is_some()
        || std::env::var("MESHSYNTH_REQUIRE_EMULATOR").as_deref() == Ok("1")
}

/// One test at a time against the emulator, so its log window is its own.
pub static SERIAL: Mutex<()> = Mutex::new(());

/// The emulator for one test: its endpoint, exclusive use, and the part of
/// its log this test caused.
pub struct Emulator {
    pub endpoint: String,
    pub log: Option<(PathBuf, u64)>,
    /// Set by a test that inspects the errors itself.
    pub expects_errors: bool,
    /// The lock on the shared emulator (none for a test's own server).
    pub _serial: Option<MutexGuard<'static, ()>>,
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
    pub fn problems(&self) -> Vec<String> {
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
    pub fn assert_clean(&self) {
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
pub struct OwnServer {
    pub pidfile: PathBuf,
    pub endpoint: String,
    pub log: PathBuf,
}

impl OwnServer {
    pub fn start(dir: &Path) -> OwnServer {
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
pub fn is_server_error_line(line: &str) -> bool {
    let Some(rest) = line.rsplit_once("\" ").map(|(_, r)| r) else {
        return false;
    };
    let status = rest.split_whitespace().next().unwrap_or("");
    status.len() == 3 && status.starts_with('5') && status.bytes().all(|b| b.is_ascii_digit())
}

pub fn emulator() -> Option<Emulator> {
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

/// The long-lived Python of [`python`].
struct Runner {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Runner {
    fn start() -> Runner {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(here.join("../scripts/moto"))
            .arg("python")
            .arg(here.join("tests/support/python_runner.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("runs scripts/moto python");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Runner {
            _child: child,
            stdin,
            stdout,
        }
    }

    fn call(&mut self, request: &str) -> std::io::Result<String> {
        self.stdin.write_all(request.as_bytes())?;
        self.stdin.write_all(b"\n")?;
        self.stdin.flush()?;
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("the probe runner ended"));
        }
        Ok(line)
    }
}

/// `scripts/moto python ARGS...` (a script and its arguments, or `-c`
/// and a program), run as one probe of a long-lived Python
/// (support/python_runner.py): starting a Python with boto3 cost about a
/// second a probe, and the effects checks make dozens. The runner ends
/// with the test process (its input closes).
pub fn python<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    static RUNNER: Mutex<Option<Runner>> = Mutex::new(None);
    let argv: Vec<&str> = args
        .iter()
        .map(|a| a.as_ref().to_str().expect("a probe's arguments are UTF-8"))
        .collect();
    let request = serde_json::json!({ "argv": argv }).to_string();
    let mut runner = RUNNER.lock().unwrap_or_else(|p| p.into_inner());
    let answer = runner.get_or_insert_with(Runner::start).call(&request);
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            // The next probe starts a new runner.
            *runner = None;
            panic!("the Python probe runner failed: {e}");
        }
    };
    drop(runner);
    let v: serde_json::Value =
        serde_json::from_str(&answer).expect("the probe runner answers JSON");
    let code = v["code"].as_i64().expect("an exit code") as i32;
    Output {
        status: std::os::unix::process::ExitStatusExt::from_raw((code & 0xff) << 8),
        stdout: v["stdout"].as_str().unwrap_or_default().as_bytes().to_vec(),
        stderr: v["stderr"].as_str().unwrap_or_default().as_bytes().to_vec(),
    }
}

/// What the stacks really left in the emulator, looked up through each
/// resource's own service (see tests/support/emulator_effects.py).
pub fn effects(endpoint: &str, region: &str, stacks: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/emulator_effects.py");
    let mut args = vec![script.to_str().unwrap(), endpoint, region];
    args.extend_from_slice(stacks);
    let out = python(&args);
    assert!(
        out.status.success(),
        "emulator_effects.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("emulator_effects.py prints JSON")
}

/// Every resource of `stack` that has a probe exists; returns its resources.
pub fn all_exist<'a>(effects: &'a serde_json::Value, stack: &str) -> &'a Vec<serde_json::Value> {
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

pub fn of_type<'a>(resources: &'a [serde_json::Value], ty: &str) -> Vec<&'a serde_json::Value> {
    resources.iter().filter(|r| r["type"] == ty).collect()
}

pub fn endpoint() -> Option<String> {
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
pub fn unique(name: &str) -> String {
    format!("t{}-{name}", std::process::id())
}

pub fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub fn ssm(name: &str, value: &str) -> CfnRaw {
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

pub fn log_group(name: &str) -> CfnRaw {
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
pub fn assembly(
    dir: &Path,
    stack: &str,
    region: &str,
    resources: Vec<(String, CfnRaw)>,
) -> PathBuf {
    assembly_in(dir, stack, Env::region(region), resources)
}

pub fn assembly_in(dir: &Path, stack: &str, env: Env, resources: Vec<(String, CfnRaw)>) -> PathBuf {
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
pub fn meshsynth(endpoint: &str, cwd: &Path, args: &[&str]) -> (i32, String, String) {
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

/// Creates a stack the way another tool would: CreateStack, no meshsynth tag.
pub fn create_foreign_stack(endpoint: &str, region: &str, name: &str, template: &str) {
    let script = r#"
import sys, boto3
endpoint, region, name, body = sys.argv[1:5]
cfn = boto3.client("cloudformation", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
cfn.create_stack(StackName=name, TemplateBody=body)
"#;
    let out = python(&["-c", script, endpoint, region, name, template]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// (logical id, physical id, exists) of every resource of `stack`.
pub fn physical(stack: &str, ep: &str) -> Vec<(String, String, bool)> {
    let e = effects(ep, REGION, &[stack]);
    let mut out: Vec<(String, String, bool)> = e[stack]["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{e}"))
        .iter()
        .map(|r| {
            (
                r["logical"].as_str().unwrap_or_default().to_string(),
                r["physical"].as_str().unwrap_or_default().to_string(),
                r["exists"] == true,
            )
        })
        .collect();
    out.sort();
    out
}
