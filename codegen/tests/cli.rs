//! The generator as scripts/codegen runs it: wrong arguments and missing
//! inputs end in one line naming what to pass, never a panic. The test
//! build also compiles the binary this way, and scripts/test runs
//! `scripts/codegen --check` with it instead of building it again.

use std::process::Command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshsynth-codegen"))
        .args(args)
        .output()
        .expect("runs meshsynth-codegen");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn no_arguments_print_the_usage_on_one_line() {
    let (code, err) = run(&[]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("meshsynth-codegen: usage: meshsynth-codegen CFNLINT_DIR OUT_DIR"),
        "{err}"
    );
}

#[test]
fn a_missing_input_is_named() {
    let dir = std::env::temp_dir().join("meshsynth-codegen-test-absent");
    let absent = dir.join("cfnlint");
    let (code, err) = run(&[
        absent.to_str().unwrap(),
        dir.join("out").to_str().unwrap(),
        dir.join("Cargo.toml").to_str().unwrap(),
        dir.join("getatts.json").to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(absent.to_str().unwrap()), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
