//! `meshsynth bootstrap`: the per-region stack holding the S3 bucket that
//! templates over 51,200 bytes are uploaded to, and how deploy finds it.

use serde_json::json;

use super::api::StackId;
use super::plan::{Plan, PlannedStack};

/// The bootstrap stack's name (one per region).
pub const BOOTSTRAP_STACK: &str = "meshsynth-bootstrap";

/// The logical ID of the template bucket; deploy reads its physical ID
/// (DescribeStackResource), which works where stack outputs are unavailable.
pub const BUCKET_LOGICAL_ID: &str = "TemplateBucket";

/// The bootstrap template: an encrypted, private bucket that only accepts
/// TLS, kept when the stack is deleted (it may hold the templates of live
/// stacks).
pub fn template() -> Vec<u8> {
    let arn = json!({"Fn::GetAtt": [BUCKET_LOGICAL_ID, "Arn"]});
    let t = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "meshsynth bootstrap: the bucket for CloudFormation templates over 51,200 bytes",
        "Resources": {
            BUCKET_LOGICAL_ID: {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                        ]
                    },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true,
                        "BlockPublicPolicy": true,
                        "IgnorePublicAcls": true,
                        "RestrictPublicBuckets": true
                    },
                    "Tags": [{"Key": "meshsynth:bootstrap", "Value": "template-bucket"}]
                }
            },
            "TemplateBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": BUCKET_LOGICAL_ID},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arn.clone(), {"Fn::Join": ["", [arn, "/*"]]}],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                        }]
                    }
                }
            }
        },
        "Outputs": {
            "BucketName": {
                "Description": "The template bucket",
                "Value": {"Ref": BUCKET_LOGICAL_ID}
            }
        }
    });
    meshsynth::emit::to_json_bytes(&t)
}

/// The one-stack plan that creates or updates the bootstrap stack.
pub fn plan(region: &str) -> Plan {
    Plan {
        stacks: vec![PlannedStack {
            id: StackId::new(region, BOOTSTRAP_STACK),
            template: template(),
            after: Vec::new(),
            parameters: Vec::new(),
            termination_protection: false,
            account: None,
        }],
        notes: Vec::new(),
    }
}

/// The TemplateURL of an object, in the path-style form CloudFormation
/// accepts in every partition (and emulators parse; see docs/deploy.md).
pub fn template_url(region: &str, bucket: &str, key: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://s3.{region}.{suffix}/{bucket}/{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_partition() {
        assert_eq!(
            template_url("eu-west-1", "b", "k/x.template"),
            "https://s3.eu-west-1.amazonaws.com/b/k/x.template"
        );
        assert_eq!(
            template_url("cn-north-1", "b", "k"),
            "https://s3.cn-north-1.amazonaws.com.cn/b/k"
        );
    }

    #[test]
    fn template_is_small_json_with_the_bucket() {
        let t: serde_json::Value = serde_json::from_slice(&template()).unwrap();
        assert_eq!(t["Resources"][BUCKET_LOGICAL_ID]["Type"], "AWS::S3::Bucket");
        assert!(template().len() < 51_200);
    }
}
