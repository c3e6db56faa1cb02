//! The schema checks, each with a template it refuses and one it takes.

use super::*;
use serde_json::json;

fn check(type_name: &str, props: Json) -> Vec<String> {
    let mut out = Vec::new();
    let Json::Object(m) = props else { panic!() };
    check_resource(type_name, &m, "App/Stack/Res", &mut out);
    out.iter()
        .map(|d| format!("{} {}", d.code.as_deref().unwrap_or(""), d.message))
        .collect()
}

#[test]
fn a_valid_queue_passes() {
    assert!(check(
        "AWS::SQS::Queue",
        json!({"DelaySeconds": 10, "FifoQueue": "true"})
    )
    .is_empty());
}

#[test]
fn each_check_names_the_property() {
    let found = check(
        "AWS::SQS::Queue",
        json!({"DelaySecond": 1, "DelaySeconds": 1000, "FifoQueue": [1], "Arn": "x"}),
    );
    assert_eq!(
        found,
        vec![
            "MS-CFN-8 AWS::SQS::Queue: Arn is read-only: CloudFormation sets it",
            "MS-CFN-2 AWS::SQS::Queue: unknown property DelaySecond",
            "MS-CFN-6 AWS::SQS::Queue property DelaySeconds: 1000 is above the maximum 900",
            "MS-CFN-4 AWS::SQS::Queue property FifoQueue: expected a boolean, got a list",
        ]
    );
}

#[test]
fn required_enum_and_nested_paths() {
    let found = check(
        "AWS::S3::Bucket",
        json!({"VersioningConfiguration": {"Status": "Enable"}, "BucketName": "x"}),
    );
    assert_eq!(
        found,
        vec![
            "MS-CFN-5 AWS::S3::Bucket property VersioningConfiguration.Status: \"Enable\" is not an allowed value",
            "MS-CFN-6 AWS::S3::Bucket property BucketName: \"x\" does not match the pattern ^([a-z0-9][a-z0-9.-]*[a-z0-9])?$",
        ]
    );
    let lambda = check(
        "AWS::Lambda::Function",
        json!({"Code": {}, "Role": "r", "Architectures": ["x86"]}),
    );
    assert!(
        lambda
            .iter()
            .any(|f| f.starts_with("MS-CFN-5 AWS::Lambda::Function property Architectures[0]")),
        "{lambda:?}"
    );
    let missing = check("AWS::SNS::Subscription", json!({"Protocol": "sqs"}));
    assert!(
        missing
            .iter()
            .any(|f| f.contains("required property TopicArn is missing")),
        "{missing:?}"
    );
}

#[test]
fn a_deprecated_property_is_an_error() {
    let mut out = Vec::new();
    let Json::Object(m) = json!({"ResourcesVpcConfig": {"SubnetIds": ["s"]}, "RoleArn": "r",
        "EncryptionConfig": [{"Resources": ["secrets"]}]})
    else {
        panic!()
    };
    check_resource("AWS::EKS::Cluster", &m, "App/Cluster", &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].severity, crate::core::Severity::Error);
    assert_eq!(
        out[0].message,
        "AWS::EKS::Cluster property EncryptionConfig[0].Resources is deprecated"
    );
}

#[test]
fn intrinsics_stand_for_any_value() {
    assert!(check(
        "AWS::SQS::Queue",
        json!({"DelaySeconds": {"Ref": "P"}, "QueueName": {"Fn::Sub": "${AWS::StackName}-q"}})
    )
    .is_empty());
}

#[test]
fn unknown_types_get_a_suggestion_and_custom_ones_pass() {
    let found = check("AWS::S3::Buckets", json!({}));
    assert_eq!(
        found,
        vec!["MS-CFN-1 unknown CloudFormation type AWS::S3::Buckets"]
    );
    assert!(check("Custom::Seeder", json!({"Anything": 1})).is_empty());
}

#[test]
fn get_att_names_are_checked() {
    assert!(check_attribute("AWS::SQS::Queue", "Arn").is_none());
    assert!(check_attribute("AWS::RDS::DBInstance", "Endpoint.Address").is_none());
    let d = check_attribute("AWS::SQS::Queue", "Arnn").expect("not an attribute");
    assert!(d.hint.unwrap_or_default().starts_with("did you mean Arn?"));
}

#[test]
fn get_att_patterns_accept_outputs_and_custom_resources_only_as_cfn_lint_does() {
    // A nested stack answers any output, and nothing else.
    assert!(check_attribute("AWS::CloudFormation::Stack", "Outputs.VpcId").is_none());
    assert!(check_attribute("AWS::CloudFormation::Stack", "Outputs.").is_some());
    assert!(check_attribute("AWS::CloudFormation::Stack", "VpcId").is_some());
    // A custom resource answers any name.
    assert!(check_attribute("AWS::CloudFormation::CustomResource", "Anything").is_none());
    // A plain property is an attribute only for the types that answer them.
    assert!(check_attribute("AWS::SQS::Queue", "QueueName").is_none());
    assert!(check_attribute("AWS::DynamoDB::Table", "TableName").is_some());
}

/// A `$ref` may point at a property (`#/properties/Arn`) as well as at a
/// definition; following it used to recurse until the stack ran out.
#[test]
fn a_reference_to_a_property_is_followed() {
    let found = check(
        "AWS::OpenSearchService::Application",
        json!({"Name": "search", "DataSources": [{"DataSourceArn": 5, "DataSourceDescription": "d"}], "IamIdentityCenterOptions": {"IamIdentityCenterInstanceArn": ["x"]}}),
    );
    assert_eq!(
        found,
        vec![
            "MS-CFN-4 AWS::OpenSearchService::Application property IamIdentityCenterOptions.IamIdentityCenterInstanceArn: expected a string, got a list",
        ]
    );
}
