//! Typed access to an included template's resources: a resource comes back
//! as a handle of its L1 struct, typed code changes it with that struct and
//! refers to its typed attributes, and what the change breaks is caught at
//! synth with the template's file and line.

use meshsynth::aws::cfn::include::{CfnInclude, CfnIncludeProps};
use meshsynth::aws::cfn::{s3, sqs};
use meshsynth::core::{App, Context, Error, Stack, StackProps, Value};
use meshsynth::synth::{synth, SynthOptions};
use serde_json::Value as Json;

const TEMPLATE: &str = r#"Resources:
  Events:
    Type: AWS::SQS::Queue
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-logs
      Tags:
        - Key: team
          Value: platform
"#;

fn app() -> (App, CfnInclude, meshsynth::core::NodeId) {
    let mut app = App::new(Context::new());
    let stack = Stack::new(&mut app.root(), "adopted", StackProps::default()).unwrap();
    let include = {
        let mut s = app.scope(stack.node()).unwrap();
        CfnInclude::from_text(
            &mut s,
            "Legacy",
            "legacy.yaml",
            TEMPLATE,
            CfnIncludeProps::default(),
        )
        .unwrap()
    };
    (app, include, stack.node())
}

fn template(app: App) -> Json {
    let s = synth(app, &SynthOptions::default()).unwrap();
    let (_, bytes) = s
        .assembly
        .files
        .iter()
        .find(|(p, _)| p == "adopted.template.json")
        .unwrap();
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn an_included_resource_is_changed_and_referred_to_as_its_l1() {
    let (mut app, include, stack) = app();
    let logs = include.resource::<s3::CfnBucket>("Logs").unwrap();
    {
        let mut s = app.scope(stack).unwrap();
        s.set_properties(
            &logs,
            s3::CfnBucket {
                versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                    s3::bucket::VersioningConfigurationStatus::Enabled,
                )),
                ..Default::default()
            },
        )
        .unwrap();
        // A typed resource of the app refers to the included one's typed attribute.
        s.add_resource(
            "Audit",
            sqs::CfnQueue {
                queue_name: Some(Value::sub("audit")),
                tags: Some(vec![sqs::queue::Tag::new("bucket", logs.attr_arn())]),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let t = template(app);
    let props = &t["Resources"]["Logs"]["Properties"];
    assert_eq!(props["VersioningConfiguration"]["Status"], "Enabled");
    // What the change does not name stays as the template wrote it.
    assert_eq!(props["BucketName"], "acme-logs");
    assert_eq!(props["Tags"][0]["Value"], "platform");
    let audit = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("Audit"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(
        audit["Properties"]["Tags"][0]["Value"],
        serde_json::json!({"Fn::GetAtt": ["Logs", "Arn"]})
    );
}

#[test]
fn asking_for_a_resource_under_the_wrong_type_or_id_names_it() {
    let (_app, include, _) = app();
    let e = include.resource::<s3::CfnBucket>("Events").unwrap_err();
    let Error::Construct { path, message, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(path, "adopted/Legacy/Events");
    assert_eq!(
        message,
        "is a AWS::SQS::Queue, asked for as a AWS::S3::Bucket"
    );
    let e = include.resource::<s3::CfnBucket>("Nope").unwrap_err();
    assert!(
        e.to_string()
            .contains("legacy.yaml has no resource \"Nope\""),
        "{e}"
    );
    assert!(include.resource::<sqs::CfnQueue>("Events").is_ok());
}

#[test]
fn a_typed_change_that_breaks_the_schema_names_the_template_line() {
    let (mut app, include, stack) = app();
    let logs = include.resource::<s3::CfnBucket>("Logs").unwrap();
    {
        let mut s = app.scope(stack).unwrap();
        s.set_properties(
            &logs,
            s3::CfnBucket {
                bucket_name: Some(Value::str("Not A Bucket Name!")),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let e = synth(app, &SynthOptions::default()).unwrap_err();
    let diags = e.diagnostics();
    let d = diags
        .iter()
        .find(|d| d.path == "adopted/Legacy/Logs")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(d.message.contains("BucketName"), "{}", d.message);
    assert!(
        d.message.ends_with("(declared at legacy.yaml:4)"),
        "{}",
        d.message
    );
}
