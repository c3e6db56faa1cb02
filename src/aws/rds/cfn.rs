//! L1 types of the RDS family (`AWS::RDS::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_RDS.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `MasterUserSecret`: the Secrets Manager secret RDS manages.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnMasterUserSecret {
    pub kms_key_id: Option<Value>,
}

/// `AWS::RDS::DBInstance`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbInstance {
    #[serde(rename = "DBInstanceIdentifier")]
    pub db_instance_identifier: Option<String>,
    #[serde(rename = "DBClusterIdentifier")]
    pub db_cluster_identifier: Option<Value>,
    pub engine: Option<String>,
    pub engine_version: Option<String>,
    #[serde(rename = "DBInstanceClass")]
    pub db_instance_class: Option<String>,
    #[serde(rename = "DBName")]
    pub db_name: Option<String>,
    pub allocated_storage: Option<String>,
    pub max_allocated_storage: Option<i64>,
    pub storage_type: Option<String>,
    pub storage_encrypted: Option<bool>,
    pub kms_key_id: Option<Value>,
    pub master_username: Option<String>,
    pub manage_master_user_password: Option<bool>,
    pub master_user_secret: Option<CfnMasterUserSecret>,
    #[serde(rename = "EnableIAMDatabaseAuthentication")]
    pub enable_iam_database_authentication: Option<bool>,
    #[serde(rename = "DBSubnetGroupName")]
    pub db_subnet_group_name: Option<Value>,
    #[serde(rename = "VPCSecurityGroups")]
    pub vpc_security_groups: Option<Vec<Value>>,
    #[serde(rename = "DBParameterGroupName")]
    pub db_parameter_group_name: Option<Value>,
    pub port: Option<String>,
    pub publicly_accessible: Option<bool>,
    #[serde(rename = "MultiAZ")]
    pub multi_az: Option<bool>,
    pub backup_retention_period: Option<i64>,
    pub preferred_backup_window: Option<String>,
    pub preferred_maintenance_window: Option<String>,
    pub deletion_protection: Option<bool>,
    pub copy_tags_to_snapshot: Option<bool>,
    pub auto_minor_version_upgrade: Option<bool>,
    pub enable_performance_insights: Option<bool>,
    #[serde(rename = "PerformanceInsightsKMSKeyId")]
    pub performance_insights_kms_key_id: Option<Value>,
    pub performance_insights_retention_period: Option<i64>,
    pub monitoring_interval: Option<i64>,
    pub monitoring_role_arn: Option<Value>,
    pub enable_cloudwatch_logs_exports: Option<Vec<String>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbInstance {
    const TYPE: &'static str = "AWS::RDS::DBInstance";
    const CREATE_ONLY: &'static [&'static str] = &[
        "BackupTarget",
        "CharacterSetName",
        "CustomIAMInstanceProfile",
        "DBClusterIdentifier",
        "DBInstanceIdentifier",
        "DBName",
        "DBSubnetGroupName",
        "DBSystemId",
        "KmsKeyId",
        "MasterUsername",
        "NcharCharacterSetName",
        "SourceRegion",
        "StorageEncrypted",
        "Timezone",
    ];
}

impl ResourceRef<CfnDbInstance> {
    /// `Ref`: the instance identifier.
    pub fn identifier(&self) -> Value {
        self.reference()
    }
    /// The endpoint host name.
    pub fn endpoint_address(&self) -> Value {
        self.attr("Endpoint.Address")
    }
    /// The endpoint port.
    pub fn endpoint_port(&self) -> Value {
        self.attr("Endpoint.Port")
    }
    /// The instance ARN.
    pub fn arn(&self) -> Value {
        self.attr("DBInstanceArn")
    }
    /// The resource id used in `rds-db:connect` ARNs.
    pub fn dbi_resource_id(&self) -> Value {
        self.attr("DbiResourceId")
    }
    /// The ARN of the RDS-managed master password secret.
    pub fn master_user_secret_arn(&self) -> Value {
        self.attr("MasterUserSecret.SecretArn")
    }
}

/// `AWS::RDS::DBCluster` (Aurora).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbCluster {
    #[serde(rename = "DBClusterIdentifier")]
    pub db_cluster_identifier: Option<String>,
    pub engine: Option<String>,
    pub engine_version: Option<String>,
    pub database_name: Option<String>,
    pub master_username: Option<String>,
    pub manage_master_user_password: Option<bool>,
    pub master_user_secret: Option<CfnMasterUserSecret>,
    pub storage_encrypted: Option<bool>,
    pub kms_key_id: Option<Value>,
    #[serde(rename = "EnableIAMDatabaseAuthentication")]
    pub enable_iam_database_authentication: Option<bool>,
    #[serde(rename = "DBSubnetGroupName")]
    pub db_subnet_group_name: Option<Value>,
    pub vpc_security_group_ids: Option<Vec<Value>>,
    #[serde(rename = "DBClusterParameterGroupName")]
    pub db_cluster_parameter_group_name: Option<Value>,
    pub port: Option<i64>,
    pub backup_retention_period: Option<i64>,
    pub preferred_backup_window: Option<String>,
    pub preferred_maintenance_window: Option<String>,
    pub deletion_protection: Option<bool>,
    pub copy_tags_to_snapshot: Option<bool>,
    pub enable_cloudwatch_logs_exports: Option<Vec<String>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbCluster {
    const TYPE: &'static str = "AWS::RDS::DBCluster";
    const CREATE_ONLY: &'static [&'static str] = &[
        "ClusterScalabilityType",
        "DBClusterIdentifier",
        "DBSubnetGroupName",
        "DBSystemId",
        "DatabaseName",
        "EngineMode",
        "KmsKeyId",
        "PubliclyAccessible",
        "RestoreToTime",
        "RestoreType",
        "SnapshotIdentifier",
        "SourceDBClusterIdentifier",
        "SourceDbClusterResourceId",
        "SourceRegion",
        "StorageEncrypted",
        "UseLatestRestorableTime",
    ];
}

impl ResourceRef<CfnDbCluster> {
    /// `Ref`: the cluster identifier.
    pub fn identifier(&self) -> Value {
        self.reference()
    }
    /// The writer endpoint host name.
    pub fn endpoint_address(&self) -> Value {
        self.attr("Endpoint.Address")
    }
    /// The reader endpoint host name.
    pub fn read_endpoint_address(&self) -> Value {
        self.attr("ReadEndpoint.Address")
    }
    /// The port.
    pub fn endpoint_port(&self) -> Value {
        self.attr("Endpoint.Port")
    }
    /// The cluster ARN.
    pub fn arn(&self) -> Value {
        self.attr("DBClusterArn")
    }
}

/// `AWS::RDS::DBSubnetGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbSubnetGroup {
    #[serde(rename = "DBSubnetGroupDescription")]
    pub db_subnet_group_description: Option<String>,
    pub subnet_ids: Option<Vec<Value>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbSubnetGroup {
    const TYPE: &'static str = "AWS::RDS::DBSubnetGroup";
    const CREATE_ONLY: &'static [&'static str] = &["DBSubnetGroupName"];
}

/// `AWS::RDS::DBParameterGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbParameterGroup {
    pub description: Option<String>,
    pub family: Option<String>,
    pub parameters: Option<BTreeMap<String, String>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbParameterGroup {
    const TYPE: &'static str = "AWS::RDS::DBParameterGroup";
    const CREATE_ONLY: &'static [&'static str] = &["DBParameterGroupName", "Description", "Family"];
}

/// `AWS::RDS::DBClusterParameterGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbClusterParameterGroup {
    pub description: Option<String>,
    pub family: Option<String>,
    pub parameters: Option<BTreeMap<String, String>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbClusterParameterGroup {
    const TYPE: &'static str = "AWS::RDS::DBClusterParameterGroup";
    const CREATE_ONLY: &'static [&'static str] =
        &["DBClusterParameterGroupName", "Description", "Family"];
}
