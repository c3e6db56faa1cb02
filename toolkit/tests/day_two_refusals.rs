//! Bad input to the day-two commands against the emulator and the
//! project's fake calls beside it (`scripts/lib/moto_fake.py`): an unknown
//! stack, a stack meshsynth does not own, and a resource CloudFormation
//! will not skip each give one `error:` line, exit 1, and change nothing
//! (no drift detection started, the stuck stack still stuck). The orphan
//! and StackSet refusals are in orphan.rs and stackset.rs; what a refactor
//! cannot move is a replacement (`meshsynth::diff::find_moves`). Skipped
//! without the endpoint unless the emulator is required (CI).

use crate::day_two_page::around;
use crate::emulator;

use emulator::*;

/// One `error:` line and nothing else that looks like progress.
fn one_error_line(code: i32, err: &str) {
    assert_eq!(code, 1, "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{err}");
}

fn status(ep: &str, stack: &str) -> serde_json::Value {
    effects(ep, REGION, &[stack])[stack]["status"].clone()
}

/// A stack as another tool makes it (no meshsynth tags).
fn foreign(name: &str) -> String {
    format!("Resources:\n  Flag:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: /{name}/theirs\n      Type: String\n      Value: theirs\n")
}

#[test]
fn drift_refuses_an_unknown_or_foreign_stack_before_any_detection() {
    let Some(emu) = emulator::emulator() else {
        return;
    };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let name = unique("drift-foreign");
    create_foreign_stack(&ep, REGION, &name, &foreign(&name));
    let asm = assembly(
        t.path(),
        &name,
        REGION,
        vec![("Flag".into(), ssm(&format!("/{name}/flag"), "ours"))],
    );
    let asm = asm.to_str().unwrap();

    let (code, _, err) = meshsynth(&ep, t.path(), &["drift", "nope", "--assembly", asm]);
    one_error_line(code, &err);
    assert!(
        err.contains("stack pattern nope matches no stack of the assembly"),
        "{err}"
    );

    let (code, out, err) = meshsynth(&ep, t.path(), &["drift", "--assembly", asm]);
    one_error_line(code, &err);
    assert!(
        err.contains(&format!(
            "stack {name} exists in {REGION} but was not deployed by meshsynth"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("--adopt {name}")), "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(around("detected", &ep, &[&name, REGION])["detected"], false);

    // The control: adopted, it is checked.
    let (code, out, err) = meshsynth(
        &ep,
        t.path(),
        &["drift", "--assembly", asm, "--adopt", &name],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!("{name} ({REGION}): in sync")),
        "{out}"
    );
    assert_eq!(around("detected", &ep, &[&name, REGION])["detected"], true);
}

#[test]
fn continue_rollback_refusals_leave_the_stack_stuck() {
    let Some(emu) = emulator::emulator() else {
        return;
    };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let name = unique("stuck");
    let asm = assembly(
        t.path(),
        &name,
        REGION,
        vec![("Flag".into(), ssm(&format!("/{name}/flag"), "ours"))],
    );
    let asm = asm.to_str().unwrap();
    let deploy = |extra: &[&str]| {
        let mut args = vec!["deploy", "--assembly", asm, "--require-approval", "never"];
        args.extend_from_slice(extra);
        meshsynth(&ep, t.path(), &args)
    };
    let (code, out, err) = deploy(&[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let flag = physical(&name, &ep)[0].0.clone();
    around("strand", &ep, &[&name, &flag, REGION]);
    assert_eq!(status(&ep, &name), "UPDATE_ROLLBACK_FAILED");

    // An unknown stack.
    let (code, _, err) = deploy(&["nope", "--continue-rollback"]);
    one_error_line(code, &err);
    assert!(err.contains("nope"), "{err}");
    // A resource whose rollback did not fail: CloudFormation refuses to skip it.
    let (code, _, err) = deploy(&["--continue-rollback", "--resources-to-skip", "NotAResource"]);
    one_error_line(code, &err);
    assert!(err.contains("ContinueUpdateRollback"), "{err}");
    assert!(
        err.contains("Resource NotAResource is not in UPDATE_FAILED state"),
        "{err}"
    );
    assert_eq!(status(&ep, &name), "UPDATE_ROLLBACK_FAILED");
    // A stuck stack meshsynth did not deploy.
    let foreign = unique("stuck-foreign");
    create_foreign_stack(&ep, REGION, &foreign, &self::foreign(&foreign));
    around("strand", &ep, &[&foreign, "Flag", REGION]);
    let theirs = assembly(
        t.path(),
        &foreign,
        REGION,
        vec![("Flag".into(), ssm(&format!("/{foreign}/flag"), "ours"))],
    );
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            theirs.to_str().unwrap(),
            "--require-approval",
            "never",
            "--continue-rollback",
        ],
    );
    one_error_line(code, &err);
    assert!(err.contains("was not deployed by meshsynth"), "{err}");
    assert_eq!(status(&ep, &foreign), "UPDATE_ROLLBACK_FAILED");

    // The control: skipping the resource that failed recovers the stack.
    let (code, out, err) = deploy(&["--continue-rollback", "--resources-to-skip", &flag]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(status(&ep, &name), "UPDATE_ROLLBACK_COMPLETE");
}
