//! `meshsynth orphan` against the emulator (moto at
//! `MESHSYNTH_TEST_ENDPOINT`): a log group leaves the stack meshsynth
//! deployed and still exists, the parameter that referred to it keeps its
//! value; bad targets are one-line errors that change nothing. (moto keeps
//! log groups a stack removes whatever their policy; that the Retain step
//! is what keeps a resource is tested against the fake, which deletes.)
//! Skipped without the endpoint unless the emulator is required (CI).

use crate::emulator;

use emulator::*;
use meshsynth::aws::cfn::include::{CfnInclude, CfnIncludeProps};
use meshsynth::{App, Context, Env, Stack, StackProps};

fn template(stack: &str) -> String {
    format!(
        r#"Resources:
  Events:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /{stack}/events
      RetentionInDays: 7
  EventsName:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /{stack}/events-group
      Type: String
      Value: !Ref Events
"#
    )
}

fn assembly(dir: &std::path::Path, stack: &str, body: &str) -> String {
    let mut app = App::new(Context::new());
    let s = Stack::new(
        &mut app.root(),
        stack,
        StackProps {
            env: Env::region(REGION),
            ..Default::default()
        },
    )
    .unwrap();
    {
        let mut scope = app.scope(s.node()).unwrap();
        let file = dir.join(format!("{stack}.yaml"));
        std::fs::write(&file, body).unwrap();
        CfnInclude::from_file(&mut scope, "Events", &file, CfnIncludeProps::default()).unwrap();
    }
    let synth = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let out = dir.join(format!("{stack}.out"));
    meshsynth::assembly::write_atomically(&out, &synth.assembly.all_files()).unwrap();
    out.to_str().unwrap().to_string()
}

/// Whether the log group exists, and the parameter's value.
fn log_group_and_parameter(ep: &str, stack: &str) -> (bool, String) {
    let script = r#"
import sys, boto3
ep, stack = sys.argv[1:3]
kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
groups = boto3.client("logs", **kw).describe_log_groups(logGroupNamePrefix="/" + stack + "/")["logGroups"]
value = boto3.client("ssm", **kw).get_parameter(Name="/" + stack + "/events-group")["Parameter"]["Value"]
print(any(g["logGroupName"] == "/" + stack + "/events" for g in groups), value)
"#;
    let out = crate::emulator::python(&["-c", script, ep, stack]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let (exists, value) = text.trim().split_once(' ').unwrap();
    (exists == "True", value.to_string())
}

#[test]
fn a_log_group_leaves_its_stack_and_keeps_existing() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("orphan");
    let dir = assembly(t.path(), &stack, &template(&stack));
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &["deploy", "--assembly", &dir, "--require-approval", "never"],
    );
    assert_eq!(code, 0, "{err}");
    let before = physical(&stack, &ep);
    assert_eq!(before.len(), 2, "{before:?}");

    // Bad targets: one line each, exit 1, the stack untouched.
    let bad = [
        ("nope/Events", "the assembly has no stack nope"),
        (stack.as_str(), "name the resource as STACK/LogicalId"),
        (&format!("{stack}/Nope"), "no resource Nope"),
        (
            &format!("{stack}/No/Such/Path"),
            "declares no resource at that construct path",
        ),
    ];
    for (target, expect) in bad {
        let (code, out, err) = meshsynth(
            &ep,
            t.path(),
            &["orphan", target, "--assembly", &dir, "--force"],
        );
        assert_eq!(code, 1, "{target}: {out}{err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{target}: {err}");
        assert!(errors[0].contains(expect), "{target}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A stack of the assembly that is not deployed.
    let other = unique("orphan-undeployed");
    let dir2 = assembly(t.path(), &other, &template(&other));
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "orphan",
            &format!("{other}/Events"),
            "--assembly",
            &dir2,
            "--force",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the stack is not deployed"), "{err}");
    // Without --force and without a terminal: refused, nothing changed.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &["orphan", &format!("{stack}/Events"), "--assembly", &dir],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(physical(&stack, &ep), before);

    let (code, out, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "orphan",
            &format!("{stack}/Events"),
            "--assembly",
            &dir,
            "--force",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "orphaned Events (AWS::Logs::LogGroup, physical id /{stack}/events) from stack {stack}"
        )),
        "{out}"
    );
    assert!(err.contains("the app still declares Events"), "{err}");
    let after = physical(&stack, &ep);
    assert_eq!(
        after.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["EventsName"],
        "{after:?}"
    );
    let (exists, value) = log_group_and_parameter(&ep, &stack);
    assert!(exists, "the orphaned log group is gone");
    assert_eq!(value, format!("/{stack}/events"));
    // Orphaning it again: the deployed stack no longer has it.
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "orphan",
            &format!("{stack}/Events"),
            "--assembly",
            &dir,
            "--force",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the deployed stack has no resource Events"),
        "{err}"
    );
    emu.assert_clean();
}

#[test]
fn a_stack_meshsynth_did_not_deploy_is_refused() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("orphan-foreign");
    let body = template(&stack);
    create_foreign_stack(&ep, REGION, &stack, &body);
    let before = physical(&stack, &ep);
    let dir = assembly(t.path(), &stack, &body);
    let (code, _, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "orphan",
            &format!("{stack}/Events"),
            "--assembly",
            &dir,
            "--force",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no meshsynth:managed tag"), "{err}");
    assert!(err.contains("--adopt"), "{err}");
    assert_eq!(physical(&stack, &ep), before);
    emu.assert_clean();
}
