//! L1 types of the MSK family (`AWS::MSK::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_MSK.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::core::{CfnResource, ResourceRef, TagStyle, Value};

/// `AWS::MSK::Cluster` (provisioned).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskCluster {
    pub cluster_name: Option<String>,
    pub kafka_version: Option<String>,
    pub number_of_broker_nodes: Option<i64>,
    pub broker_node_group_info: Option<CfnBrokerNodeGroupInfo>,
    pub encryption_info: Option<CfnMskEncryptionInfo>,
    pub client_authentication: Option<CfnMskClientAuthentication>,
    pub logging_info: Option<CfnMskLoggingInfo>,
    pub configuration_info: Option<CfnMskConfigurationInfo>,
    pub enhanced_monitoring: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// `BrokerNodeGroupInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnBrokerNodeGroupInfo {
    pub instance_type: String,
    pub client_subnets: Vec<Value>,
    pub security_groups: Option<Vec<Value>>,
    pub storage_info: Option<CfnMskStorageInfo>,
}

/// `StorageInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskStorageInfo {
    #[serde(rename = "EBSStorageInfo")]
    pub ebs_storage_info: CfnMskEbsStorageInfo,
}

/// `EBSStorageInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEbsStorageInfo {
    pub volume_size: i64,
}

/// `EncryptionInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEncryptionInfo {
    pub encryption_at_rest: Option<CfnMskEncryptionAtRest>,
    pub encryption_in_transit: Option<CfnMskEncryptionInTransit>,
}

/// `EncryptionAtRest`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEncryptionAtRest {
    #[serde(rename = "DataVolumeKMSKeyId")]
    pub data_volume_kms_key_id: Value,
}

/// `EncryptionInTransit`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEncryptionInTransit {
    pub client_broker: Option<String>,
    pub in_cluster: Option<bool>,
}

/// `ClientAuthentication`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskClientAuthentication {
    pub sasl: Option<CfnMskSasl>,
    pub unauthenticated: Option<CfnMskEnabled>,
}

/// `Sasl`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CfnMskSasl {
    #[serde(rename = "Iam")]
    pub iam: Option<CfnMskEnabled>,
}

/// `{Enabled: bool}`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEnabled {
    pub enabled: bool,
}

/// `LoggingInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskLoggingInfo {
    pub broker_logs: CfnMskBrokerLogs,
}

/// `BrokerLogs`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskBrokerLogs {
    pub cloud_watch_logs: Option<CfnMskCloudWatchLogs>,
}

/// `CloudWatchLogs` broker log delivery.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskCloudWatchLogs {
    pub enabled: bool,
    pub log_group: Option<Value>,
}

/// `ConfigurationInfo`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskConfigurationInfo {
    pub arn: Value,
    pub revision: Value,
}

impl CfnResource for CfnMskCluster {
    const TYPE: &'static str = "AWS::MSK::Cluster";
    const CREATE_ONLY: &'static [&'static str] = &[
        "BrokerNodeGroupInfo.BrokerAZDistribution",
        "BrokerNodeGroupInfo.ClientSubnets",
        "BrokerNodeGroupInfo.SecurityGroups",
        "ClusterName",
        "EncryptionInfo.EncryptionAtRest",
        "EncryptionInfo.EncryptionInTransit.InCluster",
    ];
    const TAGS: TagStyle = TagStyle::Map;
}

impl ResourceRef<CfnMskCluster> {
    /// `Ref`: the cluster ARN. (CloudFormation exposes nothing else: no
    /// bootstrap brokers; see docs/aws.md.)
    pub fn arn(&self) -> Value {
        self.reference()
    }
}

/// `AWS::MSK::Configuration`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskConfiguration {
    pub name: Option<String>,
    pub description: Option<String>,
    pub kafka_versions_list: Option<Vec<String>>,
    pub server_properties: Option<String>,
}

impl CfnResource for CfnMskConfiguration {
    const TYPE: &'static str = "AWS::MSK::Configuration";
    const CREATE_ONLY: &'static [&'static str] = &["KafkaVersionsList", "Name"];
    const TAGS: TagStyle = TagStyle::None;
}

impl ResourceRef<CfnMskConfiguration> {
    /// The configuration ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The latest revision number.
    pub fn latest_revision(&self) -> Value {
        self.attr("LatestRevision.Revision")
    }
}
