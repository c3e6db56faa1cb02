//! `grant_*` on the handles of generated L1 types, for the services a
//! workload most often reads or writes. Each returns least-privilege
//! statements (see `aws::iam::grants`) to put on a role or an IRSA role;
//! `key` is the customer KMS key that encrypts the resource, if any.

#[cfg(any(
    feature = "aws-s3",
    feature = "aws-sqs",
    feature = "aws-sns",
    feature = "aws-dynamodb"
))]
use crate::{
    aws::iam::{grants, PolicyStatement},
    core::{ResourceRef, Value},
};

#[cfg(feature = "aws-s3")]
impl ResourceRef<super::s3::CfnBucket> {
    /// Read objects: `GetObject`/`GetObjectVersion` on `arn/*`, `ListBucket`
    /// and `GetBucketLocation` on the bucket, `kms:Decrypt` via S3 with a key.
    pub fn grant_read(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::read_bucket(self.attr_arn(), key)
    }

    /// Write objects: `PutObject`, `DeleteObject`, `AbortMultipartUpload` on
    /// `arn/*`, `kms:GenerateDataKey`/`kms:Decrypt` via S3 with a key.
    pub fn grant_write(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::write_bucket(self.attr_arn(), key)
    }
}

#[cfg(feature = "aws-sqs")]
impl ResourceRef<super::sqs::CfnQueue> {
    /// Send messages (`SendMessage`, `GetQueueAttributes`, `GetQueueUrl`).
    pub fn grant_send(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::send_to_queue(self.attr_arn(), key)
    }

    /// Receive, delete and extend messages.
    pub fn grant_consume(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::consume_queue(self.attr_arn(), key)
    }
}

#[cfg(feature = "aws-sns")]
impl ResourceRef<super::sns::CfnTopic> {
    /// `sns:Publish` on the topic.
    pub fn grant_publish(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::publish_to_topic(self.attr_topic_arn(), key)
    }
}

#[cfg(feature = "aws-dynamodb")]
impl ResourceRef<super::dynamodb::CfnTable> {
    /// Read items of the table and its indexes.
    pub fn grant_read(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::read_table(self.attr_arn(), key)
    }

    /// Write items of the table.
    pub fn grant_write(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::write_table(self.attr_arn(), key)
    }
}
