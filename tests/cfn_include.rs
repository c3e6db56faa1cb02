//! Including an existing CloudFormation template: what comes in is kept
//! (every section, every intrinsic, logical ids pinned), checked like typed
//! resources, reachable from typed code, and refused with the file, line
//! and reason when it is not a template.

use std::collections::BTreeMap;

use meshsynth::aws::cfn::include::{CfnInclude, CfnIncludeProps};
use meshsynth::core::{App, Context, Error, Stack, StackProps, Value};
use meshsynth::synth::{synth, SynthOptions, Synthesis};
use serde_json::{json, Value as Json};

/// A template using every intrinsic, both forms of GetAtt, a condition, a
/// mapping, a rule, metadata, policies and outputs.
const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Description: Logs bucket and its queue
Metadata:
  Owner: platform
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
    Default: dev
  Retention:
    Type: Number
    MinValue: 1
    Default: 14
Rules:
  ProdOnly:
    Assertions:
      - Assert: !Contains [[dev, prod], !Ref Env]
Mappings:
  Sizes:
    dev: {Days: 7}
    prod: {Days: 90}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Logs:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Metadata:
      Note: !Sub "${AWS::StackName}-logs"
    Properties:
      BucketName: !Sub "${Env}-logs-${AWS::AccountId}"
      LifecycleConfiguration:
        Rules:
          - Status: Enabled
            ExpirationInDays: !FindInMap [Sizes, !Ref Env, Days]
      Tags:
        - Key: env
          Value: !If [IsProd, production, !Ref "AWS::NoValue"]
  Queue:
    Type: AWS::SQS::Queue
    Condition: IsProd
    DependsOn: Logs
    Properties:
      MessageRetentionPeriod: !Select [0, !Split [",", "345600,60"]]
      QueueName: !Join ["-", [!Ref Env, !GetAtt Logs.Arn, !Base64 x]]
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt [Logs, Arn]
        maxReceiveCount: 3
Outputs:
  LogsArn:
    Value: !GetAtt Logs.Arn
    Export:
      Name: !Sub "${AWS::StackName}-LogsArn"
  QueueUrl:
    Condition: IsProd
    Value: !Ref Queue
"#;

fn include(props: CfnIncludeProps) -> Result<(App, CfnInclude), Error> {
    let mut app = App::new(Context::new());
    let stack = Stack::new(&mut app.root(), "adopted", StackProps::default())?;
    let included = {
        let mut s = app.scope(stack.node())?;
        CfnInclude::from_text(&mut s, "Logs", "logs.yaml", TEMPLATE, props)?
    };
    Ok((app, included))
}

fn template(s: &Synthesis, stack: &str) -> Json {
    let (_, bytes) = s
        .assembly
        .files
        .iter()
        .find(|(p, _)| p == &format!("{stack}.template.json"))
        .expect("template written");
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn every_section_and_intrinsic_is_kept_with_logical_ids_pinned() {
    let (app, _) = include(CfnIncludeProps::default()).unwrap();
    let t = template(&synth(app, &SynthOptions::default()).unwrap(), "adopted");
    assert_eq!(t["Description"], "Logs bucket and its queue");
    assert_eq!(t["Metadata"]["Owner"], "platform");
    assert_eq!(t["Parameters"]["Retention"]["MinValue"], 1);
    assert_eq!(t["Mappings"]["Sizes"]["prod"]["Days"], 90);
    assert_eq!(
        t["Conditions"]["NotProd"],
        json!({"Fn::Not": [{"Condition": "IsProd"}]})
    );
    assert_eq!(
        t["Rules"]["ProdOnly"]["Assertions"][0]["Assert"],
        json!({"Fn::Contains": [["dev", "prod"], {"Ref": "Env"}]})
    );
    let logs = &t["Resources"]["Logs"];
    assert_eq!(logs["DeletionPolicy"], "Retain");
    assert_eq!(
        logs["Metadata"]["Note"],
        json!({"Fn::Sub": "${AWS::StackName}-logs"})
    );
    assert_eq!(
        logs["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"],
        json!({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Days"]})
    );
    let queue = &t["Resources"]["Queue"];
    assert_eq!(queue["Condition"], "IsProd");
    assert_eq!(queue["DependsOn"], json!(["Logs"]));
    assert_eq!(
        queue["Properties"]["QueueName"]["Fn::Join"][1][1],
        json!({"Fn::GetAtt": ["Logs", "Arn"]})
    );
    assert_eq!(t["Outputs"]["QueueUrl"]["Condition"], "IsProd");
    assert_eq!(
        t["Outputs"]["LogsArn"]["Export"]["Name"],
        json!({"Fn::Sub": "${AWS::StackName}-LogsArn"})
    );
}

#[test]
fn a_parameter_replaced_by_a_typed_reference_leaves_the_template() {
    // The env comes from another stack's resource: a typed reference that
    // synth turns into an export and an import.
    let mut app = App::new(Context::new());
    let base = Stack::new(&mut app.root(), "base", StackProps::default()).unwrap();
    let topic = {
        let mut s = app.scope(base.node()).unwrap();
        s.add_raw_resource(
            "Topic",
            meshsynth::core::CfnRaw {
                type_name: "AWS::SNS::Topic".into(),
                properties: Default::default(),
                tags: meshsynth::core::TagStyle::List,
            },
        )
        .unwrap()
    };
    let stack = Stack::new(&mut app.root(), "adopted", StackProps::default()).unwrap();
    let mut s = app.scope(stack.node()).unwrap();
    let props = CfnIncludeProps {
        parameters: BTreeMap::from([("Env".to_string(), Value::GetAtt(topic, "TopicName".into()))]),
    };
    CfnInclude::from_text(&mut s, "Logs", "logs.yaml", TEMPLATE, props).unwrap();
    let synthesis = synth(app, &SynthOptions::default()).unwrap();
    let t = template(&synthesis, "adopted");
    assert!(t["Parameters"].get("Env").is_none(), "{}", t["Parameters"]);
    let condition = &t["Conditions"]["IsProd"]["Fn::Equals"][0];
    assert!(condition.get("Fn::ImportValue").is_some(), "{condition}");
    // `${Env}` in Fn::Sub takes the value as a variable of its own.
    let name = &t["Resources"]["Logs"]["Properties"]["BucketName"]["Fn::Sub"];
    assert_eq!(name[0], "${Env}-logs-${AWS::AccountId}");
    assert!(name[1]["Env"].get("Fn::ImportValue").is_some(), "{name}");
    let base_t = template(&synthesis, "base");
    assert!(
        base_t["Outputs"].as_object().unwrap().len() == 1,
        "{}",
        base_t["Outputs"]
    );
}

#[test]
fn typed_code_references_and_changes_an_included_resource() {
    let (mut app, logs) = include(CfnIncludeProps::default()).unwrap();
    assert_eq!(logs.logical_ids().collect::<Vec<_>>(), ["Logs", "Queue"]);
    assert_eq!(logs.parameters().collect::<Vec<_>>(), ["Env", "Retention"]);
    let stack = app.root().find_child("adopted").unwrap();
    {
        let mut s = app.scope(stack).unwrap();
        let node = logs.node_of("Logs").unwrap();
        let raw = s.raw_resource_mut(node).unwrap();
        raw.properties
            .insert("ObjectLockEnabled".into(), Value::Bool(true));
        meshsynth::core::CfnOutput::new(
            &mut s,
            "BucketDomain",
            meshsynth::core::CfnOutputProps {
                value: logs.get_att("Logs", "DomainName").unwrap(),
                description: None,
                export_name: None,
            },
        )
        .unwrap();
    }
    let t = template(&synth(app, &SynthOptions::default()).unwrap(), "adopted");
    assert_eq!(
        t["Resources"]["Logs"]["Properties"]["ObjectLockEnabled"],
        true
    );
    let out = t["Outputs"]
        .as_object()
        .unwrap()
        .values()
        .find(|o| o["Value"] == json!({"Fn::GetAtt": ["Logs", "DomainName"]}));
    assert!(out.is_some(), "{}", t["Outputs"]);
}

#[test]
fn a_typed_change_is_checked_against_the_schema() {
    let (mut app, logs) = include(CfnIncludeProps::default()).unwrap();
    let stack = app.root().find_child("adopted").unwrap();
    {
        let mut s = app.scope(stack).unwrap();
        let raw = s.raw_resource_mut(logs.node_of("Queue").unwrap()).unwrap();
        raw.properties
            .insert("VisibilityTimeout".into(), Value::Int(90_000));
    }
    let e = synth(app, &SynthOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("adopted/Logs/Queue"), "{e}");
    assert!(e.contains("VisibilityTimeout"), "{e}");
}

fn refused(text: &str) -> String {
    let mut app = App::new(Context::new());
    let stack = Stack::new(&mut app.root(), "adopted", StackProps::default()).unwrap();
    let mut s = app.scope(stack.node()).unwrap();
    let e = CfnInclude::from_text(&mut s, "T", "t.yaml", text, CfnIncludeProps::default())
        .unwrap_err()
        .to_string();
    assert!(!e.contains('\n'), "one line: {e}");
    e
}

#[test]
fn a_template_that_is_not_one_is_refused_with_file_line_and_reason() {
    let e = refused("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Nope\n");
    assert!(
        e.contains("t.yaml:2") && e.contains("Ref Nope names no parameter"),
        "{e}"
    );
    let e = refused("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    DependsOn: B\n");
    assert!(e.contains("DependsOn names \"B\""), "{e}");
    let e = refused("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Colour: red\n");
    assert!(e.contains("unknown resource attribute \"Colour\""), "{e}");
    let e = refused("Resourses:\n  A:\n    Type: AWS::SNS::Topic\n");
    assert!(e.contains("unknown section \"Resourses\""), "{e}");
    let e = refused("Resources: [");
    assert!(e.contains("not valid YAML"), "{e}");
    let e = refused("Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code:\n        ZipFile:\n          Rain::Embed: x.py\n");
    assert!(e.contains("rain pkg"), "{e}");
    let mut app = App::new(Context::new());
    let e = CfnInclude::from_text(
        &mut app.root(),
        "T",
        "t.yaml",
        TEMPLATE,
        CfnIncludeProps::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("must be added in a stack"), "{e}");
}

#[test]
fn replacing_a_parameter_the_template_lacks_is_refused() {
    let props = CfnIncludeProps {
        parameters: BTreeMap::from([("Stage".to_string(), Value::str("dev"))]),
    };
    let e = include(props).unwrap_err().to_string();
    assert!(e.contains("replaces Stage, which is no parameter"), "{e}");
}

#[test]
fn a_name_typed_code_also_uses_is_a_collision_not_an_overwrite() {
    let (mut app, _) = include(CfnIncludeProps::default()).unwrap();
    let stack = app.root().find_child("adopted").unwrap();
    {
        let mut s = app.scope(stack).unwrap();
        let topic = s
            .add_raw_resource(
                "Other",
                meshsynth::core::CfnRaw {
                    type_name: "AWS::SNS::Topic".into(),
                    properties: Default::default(),
                    tags: meshsynth::core::TagStyle::List,
                },
            )
            .unwrap();
        s.override_logical_id(topic, "Env").unwrap();
    }
    let e = synth(app, &SynthOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("logical ID Env collides"), "{e}");
}

#[test]
fn a_template_file_is_read_and_a_missing_one_named() {
    let dir = std::env::temp_dir().join(format!("ms-include-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("logs.yaml");
    std::fs::write(&file, TEMPLATE).unwrap();
    let mut app = App::new(Context::new());
    let stack = Stack::new(&mut app.root(), "adopted", StackProps::default()).unwrap();
    let mut s = app.scope(stack.node()).unwrap();
    let inc = CfnInclude::from_file(&mut s, "Logs", &file, CfnIncludeProps::default()).unwrap();
    assert_eq!(inc.outputs().collect::<Vec<_>>(), ["LogsArn", "QueueUrl"]);
    let e = CfnInclude::from_file(
        &mut s,
        "Gone",
        dir.join("gone.yaml"),
        CfnIncludeProps::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("gone.yaml") && e.contains("cannot read"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
