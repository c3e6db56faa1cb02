//! The `media` test app: a platform written through the data and messaging
//! L2 constructs. It synthesizes with no diagnostics (every semantic and
//! security rule passes, the integrations wrote their glue), matches its
//! reviewed snapshots, and is written for cfn-lint and checkov.

/// The app itself (beside the tests: it needs service features the
/// reference apps' build does not compile, `[dev-dependencies]`).
#[path = "apps/media.rs"]
mod app;

use crate::common;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};
use serde_json::Value as Json;

fn template(files: &[(String, Vec<u8>)], name: &str) -> Json {
    let (_, bytes) = files
        .iter()
        .find(|(f, _)| f == &format!("{name}.template.json"))
        .unwrap_or_else(|| panic!("{name} template"));
    serde_json::from_slice(bytes).expect("template JSON")
}

fn of_type<'a>(t: &'a Json, ty: &str) -> Vec<(&'a String, &'a Json)> {
    t["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

#[test]
fn media_synthesizes_clean_with_the_integrations_glue_and_is_written_for_conformance() {
    let mut app = App::new(Context::new());
    app::build(&mut app).expect("media builds");
    let out = match synth(app, &SynthOptions::default()) {
        Ok(out) => out,
        Err(e) => panic!(
            "media synthesizes: {:#?}",
            e.diagnostics()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        ),
    };
    assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
    let files = out.assembly.all_files();
    let msg = template(&files, "media-messaging");

    // One queue policy for the transcode queue, with both services.
    let policies = of_type(&msg, "AWS::SQS::QueuePolicy");
    assert_eq!(policies.len(), 1, "{policies:#?}");
    let statements = policies[0].1["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    let services: Vec<&str> = statements
        .iter()
        .filter_map(|s| s["Principal"]["Service"].as_str())
        .collect();
    assert_eq!(
        services,
        [
            "sns.amazonaws.com",
            "events.amazonaws.com",
            "events.amazonaws.com"
        ]
    );
    assert!(statements
        .iter()
        .all(|s| s["Condition"]["ArnEquals"]["aws:SourceArn"].is_object()));

    // The messaging key admits SNS, EventBridge and CloudWatch.
    let keys = of_type(&msg, "AWS::KMS::Key");
    let key_statements = keys[0].1["Properties"]["KeyPolicy"]["Statement"]
        .as_array()
        .expect("key statements");
    let admitted: Vec<&str> = key_statements
        .iter()
        .filter_map(|s| s["Principal"]["Service"].as_str())
        .collect();
    assert_eq!(
        admitted,
        [
            "sns.amazonaws.com",
            "events.amazonaws.com",
            "cloudwatch.amazonaws.com"
        ]
    );

    // The alarm's topic admits CloudWatch for that alarm alone.
    let topic_policies = of_type(&msg, "AWS::SNS::TopicPolicy");
    assert_eq!(topic_policies.len(), 1);
    let st = &topic_policies[0].1["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(st["Principal"]["Service"], "cloudwatch.amazonaws.com");
    assert!(st["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"].is_array());

    // Stateful resources decided what happens to their data.
    for (ty, policy) in [("AWS::SQS::Queue", "Delete"), ("AWS::KMS::Key", "Retain")] {
        for (lid, r) in of_type(&msg, ty) {
            assert_eq!(r["DeletionPolicy"], policy, "{lid}");
        }
    }
    let data = template(&files, "media-data");
    for ty in ["AWS::S3::Bucket", "AWS::DynamoDB::Table"] {
        for (lid, r) in of_type(&data, ty) {
            assert_eq!(r["DeletionPolicy"], "Retain", "{lid}");
        }
    }
    assert_eq!(of_type(&data, "AWS::S3::BucketPolicy").len(), 2);

    common::write_for_conformance("media", &files);
    common::snapshot_files("snapshots/media", &files);
}
