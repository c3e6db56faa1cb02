//! Adoption against the emulator (moto at `MESHSYNTH_TEST_ENDPOINT`): a
//! stack another tool created from a template is included as it is, and
//! `deploy --adopt` takes it over without replacing a resource: the same
//! physical ids before and after, each looked up through its own service.
//! Skipped without the endpoint unless the emulator is required (CI).

use crate::emulator;

use emulator::*;
use meshsynth::aws::cfn::include::{CfnInclude, CfnIncludeProps};
use meshsynth::{App, Context, Env, Stack, StackProps};

/// A template as a team would have it: a parameter, short-form
/// intrinsics, a reference between resources, an output.
fn legacy_template(stack: &str) -> String {
    format!(
        r#"Description: orders, before meshsynth
Parameters:
  Stage:
    Type: String
    Default: prod
Resources:
  Events:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      LogGroupName: !Sub "/{stack}/${{Stage}}/events"
      RetentionInDays: 7
  EventsName:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/{stack}/events-group"
      Type: String
      Value: !Ref Events
Outputs:
  EventsArn:
    Value: !GetAtt Events.Arn
"#
    )
}

#[test]
fn an_included_template_takes_over_its_stack_without_replacing_anything() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let stack = unique("legacy");
    let template = legacy_template(&stack);
    create_foreign_stack(&ep, REGION, &stack, &template);
    let before = physical(&stack, &ep);
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(before.iter().all(|(_, _, exists)| *exists), "{before:?}");

    let mut app = App::new(Context::new());
    let s = Stack::new(
        &mut app.root(),
        &stack,
        StackProps {
            env: Env::region(REGION),
            ..Default::default()
        },
    )
    .unwrap();
    {
        let mut scope = app.scope(s.node()).unwrap();
        let file = t.path().join("legacy.yaml");
        std::fs::write(&file, &template).unwrap();
        CfnInclude::from_file(&mut scope, "Legacy", &file, CfnIncludeProps::default()).unwrap();
    }
    let synth = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let out = t.path().join("cdk.out");
    meshsynth::assembly::write_atomically(&out, &synth.assembly.all_files()).unwrap();
    let dir = out.to_str().unwrap();

    // The plan against what is deployed changes no resource.
    let (code, plan, err) = meshsynth(
        &ep,
        t.path(),
        &["diff", "--assembly", dir, "--against", "deployed"],
    );
    assert_eq!(code, 0, "{err}");
    // Only the format version meshsynth always writes (the source had none).
    assert!(plan.contains("(changed: 1 template change(s))"), "{plan}");
    assert!(plan.contains("AWSTemplateFormatVersion: added"), "{plan}");
    assert!(!plan.contains("replace"), "{plan}");

    // Without --adopt the stack is refused, untouched.
    let (code, _, err) = meshsynth(&ep, t.path(), &["deploy", "--assembly", dir]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("--adopt {stack}")), "{err}");

    let outputs_file = t.path().join("outputs.json");
    let (code, stdout, err) = meshsynth(
        &ep,
        t.path(),
        &[
            "deploy",
            "--assembly",
            dir,
            "--require-approval",
            "never",
            "--adopt",
            &stack,
            "--outputs-file",
            outputs_file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{err}");
    // The change set CloudFormation computed changes no resource.
    assert!(err.contains("update with 0 resource change(s)"), "{err}");
    let after = physical(&stack, &ep);
    assert_eq!(after, before, "a resource was replaced or lost");
    // The output the template declared is still the stack's.
    let outputs = std::fs::read_to_string(&outputs_file).unwrap();
    assert!(outputs.contains("EventsArn"), "{outputs}");
}
