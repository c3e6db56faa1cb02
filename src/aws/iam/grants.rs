//! Least-privilege statements that several families grant, written once so
//! no construct formats an ARN or an action list by hand. The families'
//! `grant_*` methods return these for an IRSA role's or a role's statements.

use crate::aws::iam::PolicyStatement;
use crate::core::value::Pseudo;
use crate::core::Value;

/// `secretsmanager:GetSecretValue` and `DescribeSecret` on `secret`; with a
/// customer key, `kms:Decrypt` on it only through Secrets Manager in this
/// region (`kms:ViaService`).
pub fn read_secret(secret: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(
        [
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret",
        ],
        [secret],
    )];
    if let Some(key) = key {
        out.push(decrypt_via(key, "secretsmanager"));
    }
    out
}

/// `kms:Decrypt` on `key`, only when `service` calls KMS on the caller's
/// behalf in this region.
pub fn decrypt_via(key: Value, service: &str) -> PolicyStatement {
    kms_via(key, &["kms:Decrypt"], service)
}

/// `actions` on `key`, only when `service` calls KMS on the caller's behalf
/// in this region (`kms:ViaService`).
pub fn kms_via(key: Value, actions: &[&str], service: &str) -> PolicyStatement {
    PolicyStatement::allow(actions.iter().copied(), [key]).with_condition(
        "StringEquals",
        "kms:ViaService",
        vec![Value::Join(
            String::new(),
            vec![
                Value::Str(format!("{service}.")),
                Value::Pseudo(Pseudo::Region),
                Value::str(".amazonaws.com"),
            ],
        )],
    )
}

/// `arn` followed by `suffix` (`/*` for the objects of a bucket).
fn arn_with(arn: &Value, suffix: &str) -> Value {
    Value::Join(String::new(), vec![arn.clone(), Value::str(suffix)])
}

/// Reading objects of an S3 bucket: `GetObject` (and its versions) on its
/// objects, `ListBucket` and `GetBucketLocation` on the bucket; with a
/// customer key, `kms:Decrypt` through S3.
pub fn read_bucket(bucket_arn: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![
        PolicyStatement::allow(
            ["s3:GetObject", "s3:GetObjectVersion"],
            [arn_with(&bucket_arn, "/*")],
        ),
        PolicyStatement::allow(["s3:ListBucket", "s3:GetBucketLocation"], [bucket_arn]),
    ];
    if let Some(key) = key {
        out.push(decrypt_via(key, "s3"));
    }
    out
}

/// Writing objects of an S3 bucket: `PutObject`, `DeleteObject` and
/// `AbortMultipartUpload` on its objects; with a customer key,
/// `kms:GenerateDataKey` and `kms:Decrypt` (multipart uploads) through S3.
pub fn write_bucket(bucket_arn: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(
        ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        [arn_with(&bucket_arn, "/*")],
    )];
    if let Some(key) = key {
        out.push(kms_via(key, &["kms:GenerateDataKey", "kms:Decrypt"], "s3"));
    }
    out
}

/// Sending to an SQS queue: `SendMessage`, `GetQueueAttributes` and
/// `GetQueueUrl`; with a customer key, `kms:GenerateDataKey` and
/// `kms:Decrypt` through SQS.
pub fn send_to_queue(queue_arn: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(
        [
            "sqs:SendMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
        ],
        [queue_arn],
    )];
    if let Some(key) = key {
        out.push(kms_via(key, &["kms:GenerateDataKey", "kms:Decrypt"], "sqs"));
    }
    out
}

/// Consuming an SQS queue: `ReceiveMessage`, `DeleteMessage`,
/// `ChangeMessageVisibility`, `GetQueueAttributes` and `GetQueueUrl`; with a
/// customer key, `kms:Decrypt` through SQS.
pub fn consume_queue(queue_arn: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(
        [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
        ],
        [queue_arn],
    )];
    if let Some(key) = key {
        out.push(decrypt_via(key, "sqs"));
    }
    out
}

/// Publishing to an SNS topic: `sns:Publish`; with a customer key,
/// `kms:GenerateDataKey` and `kms:Decrypt` through SNS.
pub fn publish_to_topic(topic_arn: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(["sns:Publish"], [topic_arn])];
    if let Some(key) = key {
        out.push(kms_via(key, &["kms:GenerateDataKey", "kms:Decrypt"], "sns"));
    }
    out
}

/// Reading a DynamoDB table and its indexes: `GetItem`, `BatchGetItem`,
/// `Query`, `Scan`, `ConditionCheckItem` and `DescribeTable`; with a
/// customer key, `kms:Decrypt` and `kms:DescribeKey` through DynamoDB.
pub fn read_table(table_arn: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(
        [
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:ConditionCheckItem",
            "dynamodb:DescribeTable",
        ],
        [table_arn.clone(), arn_with(&table_arn, "/index/*")],
    )];
    if let Some(key) = key {
        out.push(kms_via(
            key,
            &["kms:Decrypt", "kms:DescribeKey"],
            "dynamodb",
        ));
    }
    out
}

/// Writing a DynamoDB table: `PutItem`, `UpdateItem`, `DeleteItem`,
/// `BatchWriteItem` and `DescribeTable`; with a customer key, `kms:Encrypt`,
/// `kms:GenerateDataKey` and `kms:Decrypt` through DynamoDB.
pub fn write_table(table_arn: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(
        [
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:DescribeTable",
        ],
        [table_arn],
    )];
    if let Some(key) = key {
        out.push(kms_via(
            key,
            &["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
            "dynamodb",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(s: &[PolicyStatement]) -> Vec<Vec<&str>> {
        s.iter()
            .map(|p| p.actions.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn bucket_grants_split_objects_from_the_bucket() {
        let arn = Value::str("arn:aws:s3:::orders");
        let read = read_bucket(arn.clone(), None);
        assert_eq!(
            actions(&read),
            [
                vec!["s3:GetObject", "s3:GetObjectVersion"],
                vec!["s3:ListBucket", "s3:GetBucketLocation"]
            ]
        );
        assert_eq!(
            read[0].resources,
            [Value::Join(
                String::new(),
                vec![arn.clone(), Value::str("/*")]
            )]
        );
        assert_eq!(read[1].resources, std::slice::from_ref(&arn));
        let write = write_bucket(arn, Some(Value::str("key")));
        assert_eq!(write.len(), 2, "the key adds one KMS statement");
        assert_eq!(actions(&write)[1], ["kms:GenerateDataKey", "kms:Decrypt"]);
        assert_eq!(write[1].conditions.len(), 1, "only via S3");
    }

    #[test]
    fn no_grant_uses_a_wildcard_action() {
        let arn = || Value::str("arn");
        let all = [
            read_bucket(arn(), Some(arn())),
            write_bucket(arn(), Some(arn())),
            send_to_queue(arn(), Some(arn())),
            consume_queue(arn(), Some(arn())),
            publish_to_topic(arn(), Some(arn())),
            read_table(arn(), Some(arn())),
            write_table(arn(), Some(arn())),
        ];
        for s in all.iter().flatten() {
            assert!(
                s.actions.iter().all(|a| !a.contains('*')),
                "{:?}",
                s.actions
            );
        }
    }
}
