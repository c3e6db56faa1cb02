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
    /// `ReplicationGroupId`: The replication group identifier.
    pub replication_group_id: Option<String>,
    /// `ReplicationGroupDescription`: A user-created description for the replication group.
    pub replication_group_description: Option<String>,
    /// `Engine`: The name of the cache engine to be used for the clusters in this replication group.
    pub engine: Option<String>,
    /// `EngineVersion`: The version number of the cache engine to be used for the clusters in this replication group.
    pub engine_version: Option<String>,
    /// `CacheNodeType`: The compute and memory capacity of the nodes in the node group (shard).
    pub cache_node_type: Option<String>,
    /// `NumCacheClusters`: The number of clusters this replication group initially has.This parameter is not used if there is more than one node group (shard).
    pub num_cache_clusters: Option<i64>,
    /// `AutomaticFailoverEnabled`: Specifies whether a read-only replica is automatically promoted to read/write primary if the existing primary fails.
    pub automatic_failover_enabled: Option<bool>,
    /// `MultiAZEnabled`: A flag indicating if you have Multi-AZ enabled to enhance fault tolerance.
    #[serde(rename = "MultiAZEnabled")]
    pub multi_az_enabled: Option<bool>,
    /// `AtRestEncryptionEnabled`: A flag that enables encryption at rest when set to true.AtRestEncryptionEnabled after the replication group is created.
    pub at_rest_encryption_enabled: Option<bool>,
    /// `KmsKeyId`: The ID of the KMS key used to encrypt the disk on the cluster.
    pub kms_key_id: Option<Value>,
    /// `TransitEncryptionEnabled`: A flag that enables in-transit encryption when set to true.
    pub transit_encryption_enabled: Option<bool>,
    /// `AuthToken`: Reserved parameter.
    pub auth_token: Option<Value>,
    /// `CacheSubnetGroupName`: The name of the cache subnet group to be used for the replication group.
    pub cache_subnet_group_name: Option<Value>,
    /// `SecurityGroupIds`: One or more Amazon VPC security groups associated with this replication group.
    pub security_group_ids: Option<Vec<Value>>,
    /// `CacheParameterGroupName`: The name of the parameter group to associate with this replication group.
    pub cache_parameter_group_name: Option<Value>,
    /// `Port`: The port number on which each member of the replication group accepts connections.
    pub port: Option<i64>,
    /// `PreferredMaintenanceWindow`: Specifies the weekly time range during which maintenance on the cluster is performed.
    pub preferred_maintenance_window: Option<String>,
    /// `SnapshotRetentionLimit`: The number of days for which ElastiCache retains automatic snapshots before deleting them.
    pub snapshot_retention_limit: Option<i64>,
    /// `SnapshotWindow`: The daily time range (in UTC) during which ElastiCache begins taking a daily snapshot of your node group (shard).
    pub snapshot_window: Option<String>,
    /// `AutoMinorVersionUpgrade`: This parameter is currently disabled.
    pub auto_minor_version_upgrade: Option<bool>,
    /// `Tags`: A list of cost allocation tags to be added to this resource.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnReplicationGroup {
    const TYPE: &'static str = "AWS::ElastiCache::ReplicationGroup";
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
    /// `Description`: The description for the cache subnet group.
    pub description: Option<String>,
    /// `SubnetIds`: The EC2 subnet IDs for the cache subnet group.
    pub subnet_ids: Option<Vec<Value>>,
    /// `Tags`: A list of cost allocation tags to be added to this resource.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnCacheSubnetGroup {
    const TYPE: &'static str = "AWS::ElastiCache::SubnetGroup";
}

/// `AWS::ElastiCache::ParameterGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnCacheParameterGroup {
    /// `CacheParameterGroupFamily`: The name of the cache parameter group family that this cache parameter group is compatible with.
    pub cache_parameter_group_family: Option<String>,
    /// `Description`: The description for this cache parameter group.
    pub description: Option<String>,
    /// `Properties`: A comma-delimited list of parameter name/value pairs.
    pub properties: Option<BTreeMap<String, String>>,
    /// `Tags`: Tags are composed of a Key/Value pair.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnCacheParameterGroup {
    const TYPE: &'static str = "AWS::ElastiCache::ParameterGroup";
}
