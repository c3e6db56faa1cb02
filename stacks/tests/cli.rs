//! CLI tests: the built binaries run as processes in temp dirs; exit codes,
//! stderr, and that an error leaves the previous assembly untouched. Most run
//! `broken-apps` (a user-style binary over the same `cli::main`), whose default
//! case is the small starter app, so they do not depend on the reference apps.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn meshsynth() -> Command {
    Command::new(env!("CARGO_BIN_EXE_meshsynth-apps"))
}

/// The fixture binary, built by cargo as an example beside the test binaries.
fn broken_apps() -> Command {
    let exe = std::env::current_exe().expect("test exe path");
    // target/<profile>/deps/<test> → target/<profile>/examples/broken-apps
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("broken-apps{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} missing: run the tests with `cargo test` so examples are built",
        bin.display()
    );
    Command::new(bin)
}

fn run(mut cmd: Command, dir: &Path) -> Output {
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Every file under `dir` with its bytes, sorted.
fn snapshot_dir(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn synth_writes_an_assembly_and_prints_its_path() {
    let t = tempfile::tempdir().unwrap();
    let o = run(
        {
            let mut c = broken_apps();
            c.arg("synth");
            c
        },
        t.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "mesh.out");
    assert!(t.path().join("mesh.out/manifest.json").is_file());
    // The count follows the built-in apps, so it is read from the manifest.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("mesh.out/manifest.json")).unwrap(),
    )
    .unwrap();
    let stacks = manifest["stacks"].as_array().unwrap().len();
    assert!(
        stderr(&o).contains(&format!("synthesized {stacks} stacks")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn two_processes_produce_identical_bytes() {
    let t = tempfile::tempdir().unwrap();
    for out in ["a", "b"] {
        let o = run(
            {
                let mut c = broken_apps();
                c.args(["synth", "-o", out]);
                c
            },
            t.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let a = snapshot_dir(&t.path().join("a"));
    let b = snapshot_dir(&t.path().join("b"));
    assert!(!a.is_empty());
    assert_eq!(a, b, "synth output differs between two processes");
}

#[test]
fn yaml_format_writes_yaml_templates() {
    let t = tempfile::tempdir().unwrap();
    let o = run(
        {
            let mut c = broken_apps();
            c.args(["synth", "--format", "yaml"]);
            c
        },
        t.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let y = fs::read_to_string(t.path().join("mesh.out/starter-network.template.yaml")).unwrap();
    assert!(
        y.starts_with("AWSTemplateFormatVersion: '2010-09-09'\n"),
        "{y}"
    );
}

#[test]
fn list_prints_stacks_with_environment_and_dependencies() {
    let t = tempfile::tempdir().unwrap();
    let o = run(
        {
            let mut c = broken_apps();
            c.arg("list");
            c
        },
        t.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().next().unwrap().starts_with("STACK"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("starter-services")
            && l.contains("ap-northeast-1")
            && l.ends_with("starter-network")),
        "{text}"
    );
    assert!(!t.path().join("mesh.out").exists(), "list writes nothing");
}

#[test]
fn selecting_a_stack_pulls_in_its_dependencies() {
    let t = tempfile::tempdir().unwrap();
    let o = run(
        {
            let mut c = broken_apps();
            c.args(["synth", "starter-s*"]);
            c
        },
        t.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("note: including stack starter-network (a dependency of starter-services)"),
        "{}",
        stderr(&o)
    );
    assert!(t
        .path()
        .join("mesh.out/starter-network.template.json")
        .exists());
}

#[test]
fn stale_files_are_removed() {
    let t = tempfile::tempdir().unwrap();
    assert!(run(
        {
            let mut c = broken_apps();
            c.arg("synth");
            c
        },
        t.path()
    )
    .status
    .success());
    fs::write(t.path().join("mesh.out/stale.template.json"), "{}").unwrap();
    assert!(run(
        {
            let mut c = broken_apps();
            c.arg("synth");
            c
        },
        t.path()
    )
    .status
    .success());
    assert!(!t.path().join("mesh.out/stale.template.json").exists());
}

/// Runs a failing command after a good synth and checks the failure contract:
/// exit 1, one clear error line with the expected text, previous output intact.
fn assert_fails_cleanly(mut cmd: Command, extra: &[&str], expect: &str) {
    let t = tempfile::tempdir().unwrap();
    let good = run(
        {
            let mut c = broken_apps();
            c.arg("synth");
            c
        },
        t.path(),
    );
    assert!(good.status.success(), "{}", stderr(&good));
    let before = snapshot_dir(&t.path().join("mesh.out"));
    cmd.args(extra);
    let o = run(cmd, t.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(
        err.contains(expect),
        "expected {expect:?} in stderr:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        snapshot_dir(&t.path().join("mesh.out")),
        before,
        "previous assembly changed"
    );
    let leftovers: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "partial output left behind: {leftovers:?}"
    );
}

#[test]
fn duplicate_ids_fail_cleanly() {
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "-c", "case=duplicate-id"],
        "error: net/Vpc: duplicate construct id \"Vpc\": net already has a child with this id",
    );
}

#[test]
fn dangling_references_fail_cleanly() {
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "-c", "case=dangling-reference"],
        "error: net/Sg: dangling reference",
    );
}

#[test]
fn cross_stack_cycles_fail_cleanly() {
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "-c", "case=cycle"],
        "stack dependency cycle: net → other → net",
    );
}

#[test]
fn invalid_cidrs_fail_cleanly() {
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "-c", "case=invalid-cidr"],
        "error: net/Vpc: invalid CIDR \"10.0.0.300/16\"",
    );
}

#[test]
fn overlapping_cidrs_fail_cleanly() {
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "-c", "case=overlapping-cidr"],
        "error: net/Vpc: subnets 10.0.1.0/24 (Public) and 10.0.1.0/24 (Private) overlap",
    );
}

#[test]
fn malformed_context_fails_cleanly() {
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "-c", "case"],
        "error: context case: expected KEY=VALUE",
    );
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "-c", "starter:region=Tokyo"],
        "region \"Tokyo\" is not an AWS region name",
    );
}

#[test]
fn unknown_stack_patterns_fail_cleanly() {
    assert_fails_cleanly(
        broken_apps(),
        &["synth", "nope-*"],
        "error: no stack matches pattern \"nope-*\"; stacks are: starter-network, starter-services",
    );
}

#[test]
fn unwritable_output_dirs_fail_cleanly() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a-file"), "x").unwrap();
    let o = run(
        {
            let mut c = broken_apps();
            c.args(["synth", "-o", "a-file/out"]);
            c
        },
        t.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error: a-file: cannot create the output's parent directory"),
        "{}",
        stderr(&o)
    );
    let names: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("a-file")],
        "nothing else written"
    );
}

#[test]
fn usage_errors_exit_2_and_help_is_fast_to_reach() {
    let t = tempfile::tempdir().unwrap();
    let o = run(
        {
            let mut c = meshsynth();
            c.arg("frobnicate");
            c
        },
        t.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        {
            let mut c = meshsynth();
            c.arg("--help");
            c
        },
        t.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("synth"));
}

/// Low: `-c services=18446744073709551615` panicked (a capacity overflow),
/// and `services=100000` ran without end; a scale knob is bounded.
#[test]
fn a_scale_knob_out_of_range_is_one_line() {
    let t = tempfile::tempdir().unwrap();
    for n in ["18446744073709551615", "100000"] {
        let mut cmd = meshsynth();
        cmd.args(["synth", "-c", &format!("services={n}")]);
        let out = run(cmd, t.path());
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains("services") && err.contains("out of range"),
            "{err}"
        );
        assert!(!t.path().join("mesh.out").exists());
    }
}
