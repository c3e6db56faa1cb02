//! L1 types of the MSK family (`AWS::MSK::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_MSK.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::MSK::Cluster` (provisioned).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskCluster {
    /// `ClusterName`: the name of the cluster.
    pub cluster_name: Option<String>,
    /// `KafkaVersion`: the Apache Kafka version.
    pub kafka_version: Option<String>,
    /// `NumberOfBrokerNodes`: the number of brokers; a multiple of the number of client subnets.
    pub number_of_broker_nodes: Option<i64>,
    /// `BrokerNodeGroupInfo`: instance type, subnets, security groups and storage of the brokers.
    pub broker_node_group_info: Option<CfnBrokerNodeGroupInfo>,
    /// `EncryptionInfo`: encryption at rest and in transit.
    pub encryption_info: Option<CfnMskEncryptionInfo>,
    /// `ClientAuthentication`: how clients authenticate (IAM, SCRAM, TLS, or none).
    pub client_authentication: Option<CfnMskClientAuthentication>,
    /// `LoggingInfo`: where broker logs go.
    pub logging_info: Option<CfnMskLoggingInfo>,
    /// `ConfigurationInfo`: the MSK configuration (ARN and revision) the brokers use.
    pub configuration_info: Option<CfnMskConfigurationInfo>,
    /// `EnhancedMonitoring`: the level of CloudWatch metrics, e.g. `PER_TOPIC_PER_BROKER`.
    pub enhanced_monitoring: Option<String>,
    /// `Tags`: A key-value pair to associate with a resource.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `BrokerNodeGroupInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnBrokerNodeGroupInfo {
    /// `InstanceType`: the broker instance type, e.g. `kafka.m5.large`.
    pub instance_type: String,
    /// `ClientSubnets`: one subnet per AZ for the brokers' network interfaces.
    pub client_subnets: Vec<Value>,
    /// `SecurityGroups`: security groups of the brokers.
    pub security_groups: Option<Vec<Value>>,
    /// `StorageInfo`: broker storage.
    pub storage_info: Option<CfnMskStorageInfo>,
}

/// `StorageInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskStorageInfo {
    /// `EBSStorageInfo`: EBS volume settings.
    #[serde(rename = "EBSStorageInfo")]
    pub ebs_storage_info: CfnMskEbsStorageInfo,
}

/// `EBSStorageInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEbsStorageInfo {
    /// `VolumeSize`: the EBS volume size per broker, in GiB.
    pub volume_size: i64,
}

/// `EncryptionInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEncryptionInfo {
    /// `EncryptionAtRest`: the KMS key of the data volumes.
    pub encryption_at_rest: Option<CfnMskEncryptionAtRest>,
    /// `EncryptionInTransit`: TLS between clients and brokers and within the cluster.
    pub encryption_in_transit: Option<CfnMskEncryptionInTransit>,
}

/// `EncryptionAtRest`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEncryptionAtRest {
    /// `DataVolumeKMSKeyId`: the KMS key ARN that encrypts the data volumes.
    #[serde(rename = "DataVolumeKMSKeyId")]
    pub data_volume_kms_key_id: Value,
}

/// `EncryptionInTransit`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEncryptionInTransit {
    /// `ClientBroker`: `TLS`, `TLS_PLAINTEXT` or `PLAINTEXT`.
    pub client_broker: Option<String>,
    /// `InCluster`: whether traffic between brokers is encrypted.
    pub in_cluster: Option<bool>,
}

/// `ClientAuthentication`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskClientAuthentication {
    /// `Sasl`: SASL authentication (IAM or SCRAM).
    pub sasl: Option<CfnMskSasl>,
    /// `Unauthenticated`: whether unauthenticated clients are allowed.
    pub unauthenticated: Option<CfnMskEnabled>,
}

/// `Sasl`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CfnMskSasl {
    /// `Iam`: IAM access control.
    #[serde(rename = "Iam")]
    pub iam: Option<CfnMskEnabled>,
}

/// `{Enabled: bool}`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskEnabled {
    /// `Enabled`: whether the setting is on.
    pub enabled: bool,
}

/// `LoggingInfo`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskLoggingInfo {
    /// `BrokerLogs`: the destinations of broker logs.
    pub broker_logs: CfnMskBrokerLogs,
}

/// `BrokerLogs`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskBrokerLogs {
    /// `CloudWatchLogs`: delivery to a CloudWatch Logs group.
    pub cloud_watch_logs: Option<CfnMskCloudWatchLogs>,
}

/// `CloudWatchLogs` broker log delivery.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskCloudWatchLogs {
    /// `Enabled`: whether delivery is on.
    pub enabled: bool,
    /// `LogGroup`: the log group name.
    pub log_group: Option<Value>,
}

/// `ConfigurationInfo`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMskConfigurationInfo {
    /// `Arn`: the configuration's ARN.
    pub arn: Value,
    /// `Revision`: the configuration revision.
    pub revision: Value,
}

impl CfnResource for CfnMskCluster {
    const TYPE: &'static str = "AWS::MSK::Cluster";
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
    /// `Name`: the configuration name.
    pub name: Option<String>,
    /// `Description`: the configuration's description.
    pub description: Option<String>,
    /// `KafkaVersionsList`: the Kafka versions the configuration applies to.
    pub kafka_versions_list: Option<Vec<String>>,
    /// `ServerProperties`: the broker properties, `key=value` lines.
    pub server_properties: Option<String>,
}

impl CfnResource for CfnMskConfiguration {
    const TYPE: &'static str = "AWS::MSK::Configuration";
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
