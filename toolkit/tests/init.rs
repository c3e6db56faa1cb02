//! `meshsynth init` as a new user runs it: scaffold a crate in a temp dir,
//! build it against this workspace's library, run its snapshot test, and
//! synthesize it through `meshsynth.json` with the toolkit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root")
}

fn meshsynth(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs meshsynth")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Cargo for the scaffolded crate: offline, with the workspace's lock file
/// (so it resolves to the crates already downloaded), in the test run's own
/// target directory (so it reuses the dependencies already compiled).
fn cargo(crate_dir: &Path, args: &[&str], insta_update: &str) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .arg("--offline")
        .current_dir(crate_dir)
        .env("CARGO_TARGET_DIR", crate::locks::scaffold_target())
        .env("INSTA_UPDATE", insta_update)
        // A developer accepting snapshots of this workspace must not make
        // the scaffold's tampered snapshot pass.
        .env_remove("INSTA_FORCE_PASS")
        // The scaffold's profile keeps line tables for users; here even
        // those would only cost CI disk.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .output()
        .expect("runs cargo")
}

/// The toolkit in a scaffolded crate, whose app command (`cargo run --`)
/// builds offline into the tests' target directory.
fn toolkit_in_crate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", crate::locks::scaffold_target())
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .output()
        .expect("runs meshsynth")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn init_then_test_then_synth() {
    // Its builds take both cores for minutes: not while a deploy test
    // waits on the emulator's answers (moto starves and times out).
    let _scaffold = crate::locks::scaffold();
    let _emulator = crate::emulator::SERIAL
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("acme-platform");
    let lib = workspace();
    let out = meshsynth(
        t.path(),
        &[
            "init",
            "acme-platform",
            "--meshsynth-path",
            lib.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for f in [
        "Cargo.toml",
        "src/lib.rs",
        "src/main.rs",
        "tests/snapshot.rs",
        "meshsynth.json",
        ".gitignore",
        "README.md",
    ] {
        assert!(dir.join(f).is_file(), "init did not write {f}");
    }
    let cargo_toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        cargo_toml.contains("name = \"acme-platform\""),
        "{cargo_toml}"
    );
    assert!(cargo_toml.contains(&format!("path = {:?}", lib.display().to_string())));
    // A lighter first build: line tables only, no debug info in dependencies.
    assert!(
        cargo_toml.contains("[profile.dev]\ndebug = \"line-tables-only\""),
        "{cargo_toml}"
    );
    // Dependencies (meshsynth and its CRD crates) carry no debug info and
    // are built without incremental state; the user's crate stays incremental.
    assert!(
        cargo_toml.contains("[profile.dev.package.\"*\"]\ndebug = false\nincremental = false"),
        "{cargo_toml}"
    );
    assert_eq!(
        cargo_toml.matches("incremental =").count(),
        1,
        "{cargo_toml}"
    );

    // A second init into the same directory refuses and changes nothing.
    let again = meshsynth(t.path(), &["init", "acme-platform"]);
    assert_eq!(again.status.code(), Some(1));
    let err = text(&again.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("already holds Cargo.toml"), "{err}");

    std::fs::copy(lib.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    // init wrote the reviewed snapshots: the first `cargo test` passes
    // without recording anything (INSTA_UPDATE=no, as CI runs it).
    let snaps: Vec<_> = std::fs::read_dir(dir.join("tests/snapshots"))
        .expect("init wrote snapshots")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(snaps.len(), 3, "{snaps:?}");
    let first = cargo(&dir, &["test", "-q"], "no");
    assert!(
        first.status.success(),
        "the scaffolded test fails on its first run:\n{}\n{}",
        text(&first.stdout),
        text(&first.stderr)
    );
    let news: Vec<_> = std::fs::read_dir(dir.join("tests/snapshots"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".new"))
        .collect();
    assert!(news.is_empty(), "insta wrote {news:?}");
    let network =
        std::fs::read_to_string(dir.join("tests/snapshots/snapshot__network.template.json.snap"))
            .unwrap();
    assert!(network.contains("\"AWS::EC2::VPC\""), "{network}");
    std::fs::write(
        dir.join("tests/snapshots/snapshot__network.template.json.snap"),
        network.replace("10.20.0.0/16", "10.99.0.0/16"),
    )
    .unwrap();
    let tampered = cargo(&dir, &["test", "-q"], "no");
    assert!(
        !tampered.status.success(),
        "a changed snapshot must fail the test"
    );

    // A second binary does not make `cargo run` ask which one: the toolkit
    // synthesizes through the scaffold's own meshsynth.json (`cargo run --`).
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    std::fs::write(dir.join("src/bin/probes.rs"), "fn main() {}\n").unwrap();
    let synth = toolkit_in_crate(&dir, &["synth", "-o", "out"]);
    assert_eq!(synth.status.code(), Some(0), "{}", text(&synth.stderr));
    for f in [
        "manifest.json",
        "acme-platform-network.template.json",
        "acme-platform-services.template.json",
    ] {
        assert!(dir.join("out").join(f).is_file(), "synth did not write {f}");
    }
    // The scaffold's assembly joins the project's conformance step
    // (scripts/test): cfn-lint, the Kubernetes and CRD schemas, and checkov,
    // which must pass with no skip list of the user's own.
    let conformance = workspace().join("target/conformance/scaffold");
    let _ = std::fs::remove_dir_all(&conformance);
    std::fs::create_dir_all(workspace().join("target/conformance")).unwrap();
    copy_dir(&dir.join("out"), &conformance);
    let list = toolkit_in_crate(&dir, &["list"]);
    assert_eq!(list.status.code(), Some(0), "{}", text(&list.stderr));
    assert!(text(&list.stdout).contains("acme-platform-services"));
}

#[test]
fn init_rejects_a_name_that_cannot_name_a_platform() {
    let t = tempfile::tempdir().unwrap();
    let out = meshsynth(t.path(), &["init", "x", "--name", "Bad_Name"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: --name: \"Bad_Name\""), "{err}");
    assert!(!t.path().join("x").exists(), "nothing is written");
}

#[test]
fn a_broken_meshsynth_json_is_one_line_naming_the_file() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("meshsynth.json"), r#"{"apps": "x"}"#).unwrap();
    let out = meshsynth(t.path(), &["synth"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: meshsynth.json: unknown field `apps`"),
        "{err}"
    );
}

#[test]
fn a_failing_app_command_fails_deploy_before_any_aws_call() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("meshsynth.json"), r#"{"app": "false"}"#).unwrap();
    let out = meshsynth(
        t.path(),
        &["deploy", "--endpoint-url", "http://127.0.0.1:1"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error: app command `false` (from meshsynth.json): exited with status 1"),
        "{err}"
    );
    assert!(!t.path().join("mesh.out").exists());
}

#[test]
fn completions_are_generated_for_each_shell() {
    let t = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = meshsynth(t.path(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(
            script.contains("deploy") && script.contains("init"),
            "{shell}"
        );
    }
    let bad = meshsynth(t.path(), &["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Low: `diff --assembly A --against B` ran meshsynth.json's app command
/// (which a pull request can change) though no app is needed.
#[test]
fn a_diff_of_given_assemblies_never_runs_the_app_command() {
    let t = tempfile::tempdir().unwrap();
    let marker = t.path().join("app-ran");
    std::fs::write(
        t.path().join("meshsynth.json"),
        format!(r#"{{"app": "touch {}"}}"#, marker.display()),
    )
    .unwrap();
    let mut app = meshsynth::App::new(meshsynth::Context::new());
    meshsynth::Stack::new(&mut app.root(), "solo", Default::default()).unwrap();
    let s = meshsynth::synth::synth(app, &Default::default()).unwrap();
    for d in ["a", "b"] {
        meshsynth::assembly::write_atomically(&t.path().join(d), &s.assembly.all_files()).unwrap();
    }
    let out = meshsynth(t.path(), &["diff", "--assembly", "a", "--against", "b"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!marker.exists(), "the app command ran");
}

/// `diff --against deployed` of an app command synthesizes into a scratch
/// directory: what the app prints about that (its path) goes to stderr,
/// never into the plan on stdout.
#[test]
fn a_scratch_synth_for_a_deployed_diff_prints_nothing_into_the_plan() {
    let t = tempfile::tempdir().unwrap();
    let mut app = meshsynth::App::new(meshsynth::Context::new());
    meshsynth::Stack::new(
        &mut app.root(),
        "solo",
        meshsynth::StackProps {
            env: meshsynth::Env::new("123456789012", "eu-west-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let s = meshsynth::synth::synth(app, &Default::default()).unwrap();
    meshsynth::assembly::write_atomically(&t.path().join("built"), &s.assembly.all_files())
        .unwrap();
    // An app that "synthesizes" by copying the assembly, and says where.
    std::fs::write(
        t.path().join("meshsynth.json"),
        format!(
            r#"{{"app": "sh -c 'cp -R {}/. \"$3\" && echo \"synthesized into $3\"' app"}}"#,
            t.path().join("built").display()
        ),
    )
    .unwrap();
    let out = meshsynth(
        t.path(),
        &[
            "diff",
            "--against",
            "deployed",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--region",
            "eu-west-1",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("synthesized into"), "the app ran: {stderr}");
    assert!(!stdout.contains("synthesized into"), "{stdout}");
    assert!(
        !stdout.contains("/tmp") && !stdout.contains(".tmp"),
        "{stdout}"
    );
}
