//! Security rules of the data services most often written with the
//! generated L1 structs or raw: S3, SQS, SNS and DynamoDB.

use super::{off, report, Props};
use crate::core::Diagnostic;

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    match cfn_type {
        // Data services written with the generated L1 structs or raw: the
        // rules read what is emitted, so both are judged alike.
        "AWS::S3::Bucket" => {
            if props.get("LoggingConfiguration").is_none() {
                report(
                    out,
                    super::codes::AWS_SOLUTIONS_S1,
                    path,
                    "the bucket has no server access logging (LoggingConfiguration)".into(),
                    "log to an access-log bucket with LoggingConfiguration.DestinationBucketName",
                );
            }
            let block = props.get("PublicAccessBlockConfiguration");
            let all_on = block.and_then(|b| b.as_object()).is_some_and(|b| {
                [
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                ]
                .iter()
                .all(|k| !off(b, k))
            });
            if !all_on {
                report(
                    out,
                    super::codes::AWS_SOLUTIONS_S2,
                    path,
                    "public access is not fully blocked (PublicAccessBlockConfiguration)".into(),
                    "set BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets to true",
                );
            }
        }
        "AWS::S3::BucketPolicy" => public_statements(props, path, out),
        "AWS::SQS::Queue"
            if props.get("KmsMasterKeyId").is_none() && off(props, "SqsManagedSseEnabled") =>
        {
            report(
                out,
                super::codes::AWS_SOLUTIONS_SQS2,
                path,
                "the queue has no server-side encryption".into(),
                "set KmsMasterKeyId (a customer key) or SqsManagedSseEnabled",
            );
        }
        "AWS::SNS::Topic" if props.get("KmsMasterKeyId").is_none() => {
            report(
                out,
                super::codes::AWS_SOLUTIONS_SNS2,
                path,
                "the topic has no server-side encryption".into(),
                "set KmsMasterKeyId",
            );
        }
        "AWS::DynamoDB::Table" => {
            let pitr = props
                .get("PointInTimeRecoverySpecification")
                .and_then(|p| p.as_object())
                .is_some_and(|p| !off(p, "PointInTimeRecoveryEnabled"));
            if !pitr {
                report(
                    out,
                    super::codes::AWS_SOLUTIONS_DDB3,
                    path,
                    "point-in-time recovery is off".into(),
                    "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
                );
            }
        }
        _ => {}
    }
}

/// Whether a statement's principal is everyone: `*` or `{"AWS": "*"}`.
fn anyone(principal: Option<&serde_json::Value>) -> bool {
    use serde_json::Value as Json;
    let star = |v: &Json| match v {
        Json::String(s) => s == "*",
        Json::Array(a) => a.iter().any(|i| i.as_str() == Some("*")),
        _ => false,
    };
    match principal {
        Some(Json::Object(m)) => m.get("AWS").is_some_and(star),
        Some(v) => star(v),
        None => false,
    }
}

/// A bucket policy that allows anyone without a condition makes the bucket
/// public, whatever its public access block says at the time of writing
/// (and fails to deploy while `BlockPublicPolicy` is on).
fn public_statements(props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    let Some(doc) = props.get("PolicyDocument") else {
        return;
    };
    let statements: Vec<&serde_json::Value> = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    for (i, st) in statements.into_iter().enumerate() {
        let allow = st.get("Effect").and_then(|e| e.as_str()) == Some("Allow");
        if allow && anyone(st.get("Principal")) && st.get("Condition").is_none() {
            report(
                out,
                super::codes::MS_S3_1,
                path,
                format!("PolicyDocument.Statement[{i}] allows anyone (Principal *) with no condition: the bucket is public"),
                "name the principal (e.g. the CloudFront service with an aws:SourceArn condition for origin access control), or add a condition",
            );
        }
    }
}
