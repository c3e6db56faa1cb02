//! L1 types of the CloudWatch Logs family (`AWS::Logs::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_Logs.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::Logs::LogGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLogGroup {
    /// `LogGroupName`: The name of the log group.
    pub log_group_name: Option<String>,
    /// `RetentionInDays`: The number of days to retain the log events in the specified log group.
    pub retention_in_days: Option<i64>,
    /// `KmsKeyId`: The Amazon Resource Name (ARN) of the KMS key to use when encrypting log data.
    pub kms_key_id: Option<Value>,
    /// `LogGroupClass`: Specifies the log group class for this log group.
    pub log_group_class: Option<String>,
    /// `Tags`: An array of key-value pairs to apply to the log group.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnLogGroup {
    const TYPE: &'static str = "AWS::Logs::LogGroup";
}

impl ResourceRef<CfnLogGroup> {
    /// `Ref`: the log group name.
    pub fn log_group_name(&self) -> Value {
        self.reference()
    }
    /// The ARN (`arn:…:log-group:NAME:*`).
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
}
