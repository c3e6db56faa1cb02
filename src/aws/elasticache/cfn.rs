//! L1 types of the ElastiCache family (`AWS::ElastiCache::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ElastiCache.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::ElastiCache::ReplicationGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnReplicationGroup {
    pub replication_group_id: Option<String>,
    pub replication_group_description: Option<String>,
    pub engine: Option<String>,
    pub engine_version: Option<String>,
    pub cache_node_type: Option<String>,
    pub num_cache_clusters: Option<i64>,
    pub automatic_failover_enabled: Option<bool>,
    #[serde(rename = "MultiAZEnabled")]
    pub multi_az_enabled: Option<bool>,
    pub at_rest_encryption_enabled: Option<bool>,
    pub kms_key_id: Option<Value>,
    pub transit_encryption_enabled: Option<bool>,
    pub auth_token: Option<Value>,
    pub cache_subnet_group_name: Option<Value>,
    pub security_group_ids: Option<Vec<Value>>,
    pub cache_parameter_group_name: Option<Value>,
    pub port: Option<i64>,
    pub preferred_maintenance_window: Option<String>,
    pub snapshot_retention_limit: Option<i64>,
    pub snapshot_window: Option<String>,
    pub auto_minor_version_upgrade: Option<bool>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnReplicationGroup {
    const TYPE: &'static str = "AWS::ElastiCache::ReplicationGroup";
    const CREATE_ONLY: &'static [&'static str] = &[
        "AtRestEncryptionEnabled",
        "CacheSubnetGroupName",
        "DataTieringEnabled",
        "GlobalReplicationGroupId",
        "KmsKeyId",
        "NetworkType",
        "Port",
        "PreferredCacheClusterAZs",
        "ReplicationGroupId",
        "SnapshotArns",
        "SnapshotName",
    ];
}

impl ResourceRef<CfnReplicationGroup> {
    /// The primary endpoint host name.
    pub fn primary_endpoint_address(&self) -> Value {
        self.attr("PrimaryEndPoint.Address")
    }
    /// The primary endpoint port.
    pub fn primary_endpoint_port(&self) -> Value {
        self.attr("PrimaryEndPoint.Port")
    }
    /// The reader endpoint host name.
    pub fn reader_endpoint_address(&self) -> Value {
        self.attr("ReaderEndPoint.Address")
    }
    /// The reader endpoint port.
    pub fn reader_endpoint_port(&self) -> Value {
        self.attr("ReaderEndPoint.Port")
    }
}

/// `AWS::ElastiCache::SubnetGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnCacheSubnetGroup {
    pub description: Option<String>,
    pub subnet_ids: Option<Vec<Value>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnCacheSubnetGroup {
    const TYPE: &'static str = "AWS::ElastiCache::SubnetGroup";
    const CREATE_ONLY: &'static [&'static str] = &["CacheSubnetGroupName"];
}

/// `AWS::ElastiCache::ParameterGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnCacheParameterGroup {
    pub cache_parameter_group_family: Option<String>,
    pub description: Option<String>,
    pub properties: Option<BTreeMap<String, String>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnCacheParameterGroup {
    const TYPE: &'static str = "AWS::ElastiCache::ParameterGroup";
    const CREATE_ONLY: &'static [&'static str] = &["CacheParameterGroupFamily"];
}
