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
    /// `KmsKeyId`: The AWS KMS key identifier that is used to encrypt the secret.
    pub kms_key_id: Option<Value>,
}

/// `AWS::RDS::DBInstance`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbInstance {
    /// `DBInstanceIdentifier`: A name for the DB instance.
    #[serde(rename = "DBInstanceIdentifier")]
    pub db_instance_identifier: Option<String>,
    /// `DBClusterIdentifier`: The identifier of the DB cluster that this DB instance will belong to.
    #[serde(rename = "DBClusterIdentifier")]
    pub db_cluster_identifier: Option<Value>,
    /// `Engine`: The name of the database engine to use for this DB instance.
    pub engine: Option<String>,
    /// `EngineVersion`: The version number of the database engine to use.
    pub engine_version: Option<String>,
    /// `DBInstanceClass`: The compute and memory capacity of the DB instance, for example ''db.m5.large''.
    #[serde(rename = "DBInstanceClass")]
    pub db_instance_class: Option<String>,
    /// `DBName`: The meaning of this parameter differs according to the database engine you use.
    #[serde(rename = "DBName")]
    pub db_name: Option<String>,
    /// `AllocatedStorage`: The amount of storage in gibibytes (GiB) to be initially allocated for the database instance.
    pub allocated_storage: Option<String>,
    /// `MaxAllocatedStorage`: The upper limit in gibibytes (GiB) to which Amazon RDS can automatically scale the storage of the DB instance.
    pub max_allocated_storage: Option<i64>,
    /// `StorageType`: The storage type to associate with the DB instance.
    pub storage_type: Option<String>,
    /// `StorageEncrypted`: A value that indicates whether the DB instance is encrypted.
    pub storage_encrypted: Option<bool>,
    /// `KmsKeyId`: The ARN of the AWS KMS key that's used to encrypt the DB instance, such as ''arn:aws:kms:us-east-1:012345678910:key/abcd1234-a123-456a-a12b-a123b4cd56ef''.
    pub kms_key_id: Option<Value>,
    /// `MasterUsername`: The master user name for the DB instance.
    pub master_username: Option<String>,
    /// `ManageMasterUserPassword`: Specifies whether to manage the master user password with AWS Secrets Manager.
    pub manage_master_user_password: Option<bool>,
    /// `MasterUserSecret`: The secret managed by RDS in AWS Secrets Manager for the master user password.
    pub master_user_secret: Option<CfnMasterUserSecret>,
    /// `EnableIAMDatabaseAuthentication`: A value that indicates whether to enable mapping of AWS Identity and Access Management (IAM) accounts to database accounts.
    #[serde(rename = "EnableIAMDatabaseAuthentication")]
    pub enable_iam_database_authentication: Option<bool>,
    /// `DBSubnetGroupName`: A DB subnet group to associate with the DB instance.
    #[serde(rename = "DBSubnetGroupName")]
    pub db_subnet_group_name: Option<Value>,
    /// `VPCSecurityGroups`: A list of the VPC security group IDs to assign to the DB instance.
    #[serde(rename = "VPCSecurityGroups")]
    pub vpc_security_groups: Option<Vec<Value>>,
    /// `DBParameterGroupName`: The name of an existing DB parameter group or a reference to an [AWS::RDS::DBParameterGroup](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-rds-dbparametergroup.html) resource created…
    #[serde(rename = "DBParameterGroupName")]
    pub db_parameter_group_name: Option<Value>,
    /// `Port`: The port number on which the database accepts connections.
    pub port: Option<String>,
    /// `PubliclyAccessible`: Indicates whether the DB instance is an internet-facing instance.
    pub publicly_accessible: Option<bool>,
    /// `MultiAZ`: Specifies whether the DB instance is a Multi-AZ deployment.
    #[serde(rename = "MultiAZ")]
    pub multi_az: Option<bool>,
    /// `BackupRetentionPeriod`: The number of days for which automated backups are retained.
    pub backup_retention_period: Option<i64>,
    /// `PreferredBackupWindow`: The daily time range during which automated backups are created if automated backups are enabled, using the ''BackupRetentionPeriod'' parameter.
    pub preferred_backup_window: Option<String>,
    /// `PreferredMaintenanceWindow`: The weekly time range during which system maintenance can occur, in Universal Coordinated Time (UTC).
    pub preferred_maintenance_window: Option<String>,
    /// `DeletionProtection`: Specifies whether the DB instance has deletion protection enabled.
    pub deletion_protection: Option<bool>,
    /// `CopyTagsToSnapshot`: Specifies whether to copy tags from the DB instance to snapshots of the DB instance.
    pub copy_tags_to_snapshot: Option<bool>,
    /// `AutoMinorVersionUpgrade`: A value that indicates whether minor engine upgrades are applied automatically to the DB instance during the maintenance window.
    pub auto_minor_version_upgrade: Option<bool>,
    /// `EnablePerformanceInsights`: Specifies whether to enable Performance Insights for the DB instance.
    pub enable_performance_insights: Option<bool>,
    /// `PerformanceInsightsKMSKeyId`: The AWS KMS key identifier for encryption of Performance Insights data.
    #[serde(rename = "PerformanceInsightsKMSKeyId")]
    pub performance_insights_kms_key_id: Option<Value>,
    /// `PerformanceInsightsRetentionPeriod`: The number of days to retain Performance Insights data.
    pub performance_insights_retention_period: Option<i64>,
    /// `MonitoringInterval`: The interval, in seconds, between points when Enhanced Monitoring metrics are collected for the DB instance.
    pub monitoring_interval: Option<i64>,
    /// `MonitoringRoleArn`: The ARN for the IAM role that permits RDS to send enhanced monitoring metrics to Amazon CloudWatch Logs.
    pub monitoring_role_arn: Option<Value>,
    /// `EnableCloudwatchLogsExports`: The list of log types that need to be enabled for exporting to CloudWatch Logs.
    pub enable_cloudwatch_logs_exports: Option<Vec<String>>,
    /// `Tags`: Tags to assign to the DB instance.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbInstance {
    const TYPE: &'static str = "AWS::RDS::DBInstance";
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
    /// `DBClusterIdentifier`: The DB cluster identifier.
    #[serde(rename = "DBClusterIdentifier")]
    pub db_cluster_identifier: Option<String>,
    /// `Engine`: The name of the database engine to be used for this DB cluster.
    pub engine: Option<String>,
    /// `EngineVersion`: The version number of the database engine to use.
    pub engine_version: Option<String>,
    /// `DatabaseName`: The name of your database.
    pub database_name: Option<String>,
    /// `MasterUsername`: The name of the master user for the DB cluster.
    pub master_username: Option<String>,
    /// `ManageMasterUserPassword`: Specifies whether to manage the master user password with AWS Secrets Manager.
    pub manage_master_user_password: Option<bool>,
    /// `MasterUserSecret`: The secret managed by RDS in AWS Secrets Manager for the master user password.
    pub master_user_secret: Option<CfnMasterUserSecret>,
    /// `StorageEncrypted`: Indicates whether the DB cluster is encrypted.
    pub storage_encrypted: Option<bool>,
    /// `KmsKeyId`: The Amazon Resource Name (ARN) of the AWS KMS key that is used to encrypt the database instances in the DB cluster, such as ''arn:aws:kms:us-east-1:012345678910:key/abcd1234-a123-456a-a12b-a123b4cd56ef''.
    pub kms_key_id: Option<Value>,
    /// `EnableIAMDatabaseAuthentication`: A value that indicates whether to enable mapping of AWS Identity and Access Management (IAM) accounts to database accounts.
    #[serde(rename = "EnableIAMDatabaseAuthentication")]
    pub enable_iam_database_authentication: Option<bool>,
    /// `DBSubnetGroupName`: A DB subnet group that you want to associate with this DB cluster.
    #[serde(rename = "DBSubnetGroupName")]
    pub db_subnet_group_name: Option<Value>,
    /// `VpcSecurityGroupIds`: A list of EC2 VPC security groups to associate with this DB cluster.
    pub vpc_security_group_ids: Option<Vec<Value>>,
    /// `DBClusterParameterGroupName`: The name of the DB cluster parameter group to associate with this DB cluster.
    #[serde(rename = "DBClusterParameterGroupName")]
    pub db_cluster_parameter_group_name: Option<Value>,
    /// `Port`: The port number on which the DB instances in the DB cluster accept connections.
    pub port: Option<i64>,
    /// `BackupRetentionPeriod`: The number of days for which automated backups are retained.
    pub backup_retention_period: Option<i64>,
    /// `PreferredBackupWindow`: The daily time range during which automated backups are created.
    pub preferred_backup_window: Option<String>,
    /// `PreferredMaintenanceWindow`: The weekly time range during which system maintenance can occur, in Universal Coordinated Time (UTC).
    pub preferred_maintenance_window: Option<String>,
    /// `DeletionProtection`: A value that indicates whether the DB cluster has deletion protection enabled.
    pub deletion_protection: Option<bool>,
    /// `CopyTagsToSnapshot`: A value that indicates whether to copy all tags from the DB cluster to snapshots of the DB cluster.
    pub copy_tags_to_snapshot: Option<bool>,
    /// `EnableCloudwatchLogsExports`: The list of log types that need to be enabled for exporting to CloudWatch Logs.
    pub enable_cloudwatch_logs_exports: Option<Vec<String>>,
    /// `Tags`: Tags to assign to the DB cluster.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbCluster {
    const TYPE: &'static str = "AWS::RDS::DBCluster";
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
    /// `DBSubnetGroupDescription`: The description for the DB subnet group.
    #[serde(rename = "DBSubnetGroupDescription")]
    pub db_subnet_group_description: Option<String>,
    /// `SubnetIds`: The EC2 Subnet IDs for the DB subnet group.
    pub subnet_ids: Option<Vec<Value>>,
    /// `Tags`: Tags to assign to the DB subnet group.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbSubnetGroup {
    const TYPE: &'static str = "AWS::RDS::DBSubnetGroup";
}

/// `AWS::RDS::DBParameterGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbParameterGroup {
    /// `Description`: Provides the customer-specified description for this DB parameter group.
    pub description: Option<String>,
    /// `Family`: The DB parameter group family name.
    pub family: Option<String>,
    /// `Parameters`: engine parameters as name → value.
    pub parameters: Option<BTreeMap<String, String>>,
    /// `Tags`: Tags to assign to the DB parameter group.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbParameterGroup {
    const TYPE: &'static str = "AWS::RDS::DBParameterGroup";
}

/// `AWS::RDS::DBClusterParameterGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnDbClusterParameterGroup {
    /// `Description`: The description for the DB cluster parameter group.
    pub description: Option<String>,
    /// `Family`: The DB cluster parameter group family name.
    pub family: Option<String>,
    /// `Parameters`: cluster engine parameters as name → value.
    pub parameters: Option<BTreeMap<String, String>>,
    /// `Tags`: Tags to assign to the DB cluster parameter group.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnDbClusterParameterGroup {
    const TYPE: &'static str = "AWS::RDS::DBClusterParameterGroup";
}
