//! `meshsynth deploy` / `destroy` errors that need no AWS endpoint: they stop
//! before the first call and say what to do.

use crate::diff_support;

use std::process::{Command, Stdio};

fn meshsynth(cwd: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(args)
        .current_dir(cwd)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cwd.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            cwd.join("no-aws-credentials"),
        )
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn a_missing_assembly_is_named() {
    let t = tempfile::tempdir().unwrap();
    let (code, err) = meshsynth(t.path(), &["deploy", "--assembly", "nowhere"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("nowhere: cannot read the assembly directory"),
        "{err}"
    );
    assert!(err.contains("run `meshsynth synth` first"), "{err}");
}

#[test]
fn a_stack_without_region_needs_one() {
    let t = tempfile::tempdir().unwrap();
    let mut app = meshsynth::App::new(meshsynth::Context::new());
    meshsynth::Stack::new(&mut app.root(), "anywhere", Default::default()).unwrap();
    let s = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let dir = t.path().join("asm");
    meshsynth::assembly::write_atomically(&dir, &s.assembly.all_files()).unwrap();
    let (code, err) = meshsynth(t.path(), &["deploy", "--assembly", "asm"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "stack anywhere has no region in its environment; pass --region or set AWS_REGION"
        ),
        "{err}"
    );
    let (code, err) = meshsynth(t.path(), &["destroy", "--assembly", "asm", "nothing-*"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "no stack of the assembly matches pattern \"nothing-*\"; stacks are: anywhere"
        ),
        "{err}"
    );
}

#[test]
fn bootstrap_needs_a_region() {
    let t = tempfile::tempdir().unwrap();
    let (code, err) = meshsynth(t.path(), &["bootstrap"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("no region: pass --region or set AWS_REGION"),
        "{err}"
    );
}

/// A local port that accepts connections and closes them at once:
/// reachable (the reachability probe gets its answer, a close), so what
/// fails next is whatever the client needs before sending a request.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for c in listener.incoming().flatten() {
            drop(c);
        }
    });
    url
}

/// An app with one stack in us-east-1, synthesized to `<dir>/asm`.
fn one_stack_assembly(dir: &std::path::Path) {
    let mut app = meshsynth::App::new(meshsynth::Context::new());
    meshsynth::Stack::new(
        &mut app.root(),
        "solo",
        meshsynth::StackProps {
            env: meshsynth::Env::region("us-east-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let s = meshsynth::synth::synth(app, &Default::default()).unwrap();
    meshsynth::assembly::write_atomically(&dir.join("asm"), &s.assembly.all_files()).unwrap();
}

#[test]
fn a_closed_endpoint_fails_within_seconds_naming_it() {
    let t = tempfile::tempdir().unwrap();
    one_stack_assembly(t.path());
    let started = std::time::Instant::now();
    let (code, err) = meshsynth(
        t.path(),
        &[
            "deploy",
            "--assembly",
            "asm",
            "--endpoint-url",
            "http://127.0.0.1:1",
        ],
    );
    let took = started.elapsed();
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("error: cannot reach http://127.0.0.1:1 (--endpoint-url): connection refused (hint: check --endpoint-url"),
        "{err}"
    );
    assert!(
        !err.contains("DispatchFailure") && !err.contains("ConnectorError"),
        "{err}"
    );
    // The issue's bound is 5 s; a refused port answers at once.
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
}

#[test]
fn missing_credentials_list_the_fixes() {
    let t = tempfile::tempdir().unwrap();
    one_stack_assembly(t.path());
    let out = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args([
            "deploy",
            "--assembly",
            "asm",
            "--endpoint-url",
            &silent_endpoint(),
        ])
        .current_dir(t.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", t.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            t.path().join("no-credentials"),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(line.contains("no AWS credentials were found"), "{line}");
    for fix in [
        "--profile",
        "AWS_PROFILE",
        "aws sso login",
        "AWS_ACCESS_KEY_ID",
    ] {
        assert!(line.contains(fix), "{fix} missing from: {line}");
    }
    assert!(
        !err.contains("ProviderError") && !err.contains("DispatchFailure"),
        "{err}"
    );
}

#[test]
fn deployed_baseline_without_credentials_fails_cleanly() {
    let t = tempfile::tempdir().unwrap();
    diff_support::write_pair(t.path());
    // No credentials anywhere (and no instance metadata): the AWS client
    // fails before any request; nothing leaves the machine.
    let endpoint = silent_endpoint();
    let out = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(["diff", "--assembly", "head", "--against", "deployed"])
        .args(["--endpoint-url", &endpoint, "--region", "us-east-1"])
        .current_dir(t.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", t.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            t.path().join("no-credentials"),
        )
        .output()
        .expect("runs meshsynth");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("baseline deployed:"), "{err}");
    assert!(
        err.contains("no AWS credentials were found (hint:"),
        "{err}"
    );
}

/// The template of `<dir>/asm`'s only stack.
fn template_of(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("asm/solo.template.json")
}

#[test]
fn a_template_edited_after_synth_is_refused() {
    let t = tempfile::tempdir().unwrap();
    one_stack_assembly(t.path());
    let f = template_of(t.path());
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replace("2010-09-09", "2010-09-09 ")).unwrap();
    let url = silent_endpoint();
    let (code, err) = meshsynth(
        t.path(),
        &["deploy", "--assembly", "asm", "--endpoint-url", &url],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("solo.template.json: changed after synth"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn deploy_reads_nothing_outside_the_assembly_and_no_special_file() {
    let t = tempfile::tempdir().unwrap();
    one_stack_assembly(t.path());
    let f = template_of(t.path());
    let url = silent_endpoint();
    // A template linked to a credentials file outside the assembly.
    let creds = t.path().join("credentials");
    std::fs::write(&creds, "[default]\naws_secret_access_key = SECRET\n").unwrap();
    std::fs::remove_file(&f).unwrap();
    std::os::unix::fs::symlink(&creds, &f).unwrap();
    let (code, err) = meshsynth(
        t.path(),
        &["deploy", "--assembly", "asm", "--endpoint-url", &url],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("outside the assembly directory"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
    // A FIFO (an open that would wait forever) and a device.
    std::fs::remove_file(&f).unwrap();
    let c = std::ffi::CString::new(f.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    let (code, err) = meshsynth(
        t.path(),
        &["deploy", "--assembly", "asm", "--endpoint-url", &url],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is a FIFO, not a regular file"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    std::fs::remove_file(&f).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &f).unwrap();
    let (code, err) = meshsynth(
        t.path(),
        &["deploy", "--assembly", "asm", "--endpoint-url", &url],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("outside the assembly directory"), "{err}");
}

/// An app with one cluster (no stack, so deploy needs no AWS call to write
/// its resolved manifests), synthesized to `<dir>/asm`.
fn one_cluster_assembly(dir: &std::path::Path) {
    use meshsynth::core::{Chart, ChartProps};
    let mut app = meshsynth::App::new(meshsynth::Context::new());
    let chart = Chart::new(&mut app.root(), "app", ChartProps::new("main")).unwrap();
    let cm = meshsynth::k8s_openapi::api::core::v1::ConfigMap {
        metadata: meshsynth::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some("settings".into()),
            namespace: Some("default".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    app.scope(chart.node())
        .unwrap()
        .add_object("Settings", cm)
        .unwrap();
    let s = meshsynth::synth::synth(app, &Default::default()).unwrap();
    meshsynth::assembly::write_atomically(&dir.join("asm"), &s.assembly.all_files()).unwrap();
}

#[test]
fn a_cluster_name_that_leaves_the_directory_writes_nothing_anywhere() {
    for evil in [
        "../../victim",
        "/tmp/meshsynth-victim-abs",
        "..",
        "a/../../b",
    ] {
        let t = tempfile::tempdir().unwrap();
        one_cluster_assembly(t.path());
        let (code, err) = meshsynth(
            t.path(),
            &["deploy", "--assembly", "asm", "--region", "us-east-1"],
        );
        assert_eq!(code, 0, "the untouched assembly deploys: {err}");
        assert!(t
            .path()
            .join("asm/resolved/main/kustomization.yaml")
            .is_file());
        let m = t.path().join("asm/manifest.json");
        let text = std::fs::read_to_string(&m).unwrap();
        std::fs::write(
            &m,
            text.replace("\"name\": \"main\"", &format!("\"name\": {evil:?}")),
        )
        .unwrap();
        let before = std::fs::read_dir(t.path()).unwrap().count();
        let (code, err) = meshsynth(
            t.path(),
            &["deploy", "--assembly", "asm", "--region", "us-east-1"],
        );
        assert_eq!(code, 1, "{evil}: {err}");
        assert!(
            err.contains("manifest.json: invalid manifest: cluster name"),
            "{evil}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), before);
        assert!(!std::path::Path::new("/tmp/meshsynth-victim-abs").exists());
        assert!(!t.path().parent().unwrap().join("victim").exists());
    }
}

#[test]
fn a_manifest_or_kustomization_edited_after_synth_is_refused() {
    let t = tempfile::tempdir().unwrap();
    one_cluster_assembly(t.path());
    let args = ["deploy", "--assembly", "asm", "--region", "us-east-1"];
    let k = t.path().join("asm/k8s/main");
    let file = std::fs::read_dir(&k)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap() != "kustomization.yaml")
        .unwrap();
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, original.replace("settings", "settings-x")).unwrap();
    let (code, err) = meshsynth(t.path(), &args);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("changed after synth"), "{err}");
    std::fs::write(&file, &original).unwrap();
    // A kustomization that pulls a remote base and swaps an image.
    let kz = k.join("kustomization.yaml");
    let mut text = std::fs::read_to_string(&kz).unwrap();
    text.push_str(
        "  - https://github.com/evil/base\nimages:\n  - name: app\n    newName: evil/app\n",
    );
    std::fs::write(&kz, text).unwrap();
    let (code, err) = meshsynth(t.path(), &args);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not the kustomization synth writes"), "{err}");
    assert!(!t.path().join("asm/resolved").exists());
}

/// Low: an invalid region printed the SDK's construction dump.
#[test]
fn an_invalid_region_is_one_line() {
    let t = tempfile::tempdir().unwrap();
    let mut app = meshsynth::App::new(meshsynth::Context::new());
    meshsynth::Stack::new(&mut app.root(), "anywhere", Default::default()).unwrap();
    let s = meshsynth::synth::synth(app, &Default::default()).unwrap();
    meshsynth::assembly::write_atomically(&t.path().join("asm"), &s.assembly.all_files()).unwrap();
    for region in ["not a region!", "us-east-1\nerror: forged"] {
        let (code, err) = meshsynth(
            t.path(),
            &["deploy", "--assembly", "asm", "--region", region],
        );
        assert_eq!(code, 1, "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("is not an AWS region name"), "{err}");
        for dump in ["ConstructionFailure", "InterceptorError", "Some("] {
            assert!(!err.contains(dump), "{err}");
        }
    }
}

/// `--import`'s identifier file is read before any call: a missing or
/// malformed one is one line naming it, and nothing is deployed.
#[test]
fn a_bad_resource_mapping_is_one_line_before_any_call() {
    let t = tempfile::tempdir().unwrap();
    one_stack_assembly(t.path());
    std::fs::write(t.path().join("bad.json"), "[1, 2]").unwrap();
    std::fs::write(
        t.path().join("nokey.json"),
        r#"{"Logs": {"BucketName": "x"}}"#,
    )
    .unwrap();
    for (file, expect) in [
        ("gone.json", "--resource-mapping gone.json cannot read"),
        (
            "bad.json",
            "--resource-mapping bad.json: not a JSON object of \"STACK/LogicalId\"",
        ),
        ("nokey.json", "key \"Logs\" is not STACK/LogicalId"),
    ] {
        let (code, err) = meshsynth(
            t.path(),
            &[
                "deploy",
                "--assembly",
                "asm",
                "--import",
                "--resource-mapping",
                file,
            ],
        );
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(expect), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    // The mapping means nothing without --import.
    let (code, err) = meshsynth(
        t.path(),
        &[
            "deploy",
            "--assembly",
            "asm",
            "--resource-mapping",
            "bad.json",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--import"), "{err}");
}
