//! L1 types of the EKS family (`AWS::EKS::*`), plus `AWS::EC2::LaunchTemplate`,
//! which only node groups use here.
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_EKS.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, TagStyle, Value};

/// `AWS::EKS::Cluster`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnCluster {
    pub name: Option<String>,
    pub version: Option<String>,
    pub role_arn: Option<Value>,
    pub resources_vpc_config: Option<CfnClusterVpcConfig>,
    pub logging: Option<CfnClusterLogging>,
    pub encryption_config: Option<Vec<CfnClusterEncryptionConfig>>,
    pub access_config: Option<CfnClusterAccessConfig>,
    pub kubernetes_network_config: Option<CfnClusterNetworkConfig>,
    pub bootstrap_self_managed_addons: Option<bool>,
    pub tags: Option<Vec<CfnTag>>,
}

/// `ResourcesVpcConfig` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterVpcConfig {
    pub subnet_ids: Vec<Value>,
    pub security_group_ids: Option<Vec<Value>>,
    pub endpoint_private_access: Option<bool>,
    pub endpoint_public_access: Option<bool>,
    pub public_access_cidrs: Option<Vec<String>>,
}

/// `Logging` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterLogging {
    pub cluster_logging: CfnClusterLoggingTypes,
}

/// `Logging.ClusterLogging`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterLoggingTypes {
    pub enabled_types: Vec<CfnClusterLogType>,
}

/// One enabled control-plane log type.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterLogType {
    #[serde(rename = "Type")]
    pub log_type: String,
}

/// One `EncryptionConfig` entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterEncryptionConfig {
    pub provider: CfnClusterEncryptionProvider,
    pub resources: Vec<String>,
}

/// `EncryptionConfig.Provider`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterEncryptionProvider {
    pub key_arn: Value,
}

/// `AccessConfig` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterAccessConfig {
    pub authentication_mode: Option<String>,
    pub bootstrap_cluster_creator_admin_permissions: Option<bool>,
}

/// `KubernetesNetworkConfig` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterNetworkConfig {
    pub ip_family: Option<String>,
    pub service_ipv4_cidr: Option<String>,
}

impl CfnResource for CfnCluster {
    const TYPE: &'static str = "AWS::EKS::Cluster";
    const CREATE_ONLY: &'static [&'static str] = &[
        "AccessConfig.BootstrapClusterCreatorAdminPermissions",
        "BootstrapSelfManagedAddons",
        "EncryptionConfig",
        "KubernetesNetworkConfig.IpFamily",
        "KubernetesNetworkConfig.ServiceIpv4Cidr",
        "Name",
        "OutpostConfig",
        "RoleArn",
    ];
}

impl ResourceRef<CfnCluster> {
    /// `Ref`: the cluster name.
    pub fn cluster_name(&self) -> Value {
        self.reference()
    }
    /// The cluster ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The API server endpoint.
    pub fn endpoint(&self) -> Value {
        self.attr("Endpoint")
    }
    /// The cluster CA certificate (base64).
    pub fn certificate_authority_data(&self) -> Value {
        self.attr("CertificateAuthorityData")
    }
    /// The OIDC issuer URL (`https://oidc.eks…`).
    pub fn open_id_connect_issuer_url(&self) -> Value {
        self.attr("OpenIdConnectIssuerUrl")
    }
    /// The security group EKS made for the control plane and nodes.
    pub fn cluster_security_group_id(&self) -> Value {
        self.attr("ClusterSecurityGroupId")
    }
}

/// `AWS::EKS::Nodegroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroup {
    pub cluster_name: Option<Value>,
    pub nodegroup_name: Option<String>,
    pub node_role: Option<Value>,
    pub subnets: Option<Vec<Value>>,
    pub capacity_type: Option<String>,
    pub instance_types: Option<Vec<String>>,
    pub ami_type: Option<String>,
    pub scaling_config: Option<CfnNodegroupScaling>,
    pub update_config: Option<CfnNodegroupUpdate>,
    pub labels: Option<BTreeMap<String, String>>,
    pub taints: Option<Vec<CfnNodegroupTaint>>,
    pub launch_template: Option<CfnNodegroupLaunchTemplate>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// `ScalingConfig` of a node group.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupScaling {
    pub min_size: i64,
    pub desired_size: i64,
    pub max_size: i64,
}

/// `UpdateConfig` of a node group.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupUpdate {
    pub max_unavailable: Option<i64>,
}

/// A node taint.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupTaint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

/// `LaunchTemplate` of a node group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupLaunchTemplate {
    pub id: Value,
    pub version: Value,
}

impl CfnResource for CfnNodegroup {
    const TYPE: &'static str = "AWS::EKS::Nodegroup";
    const CREATE_ONLY: &'static [&'static str] = &[
        "AmiType",
        "CapacityType",
        "ClusterName",
        "DiskSize",
        "InstanceTypes",
        "NodeRole",
        "NodegroupName",
        "RemoteAccess",
        "Subnets",
    ];
    const TAGS: TagStyle = TagStyle::Map;
}

impl ResourceRef<CfnNodegroup> {
    /// The node group ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The node group name.
    pub fn nodegroup_name(&self) -> Value {
        self.attr("NodegroupName")
    }
}

/// `AWS::EKS::Addon`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAddon {
    pub cluster_name: Option<Value>,
    pub addon_name: Option<String>,
    pub addon_version: Option<String>,
    pub resolve_conflicts: Option<String>,
    pub service_account_role_arn: Option<Value>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnAddon {
    const TYPE: &'static str = "AWS::EKS::Addon";
    const CREATE_ONLY: &'static [&'static str] = &["AddonName", "ClusterName", "NamespaceConfig"];
}

/// `AWS::EKS::AccessEntry`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAccessEntry {
    pub cluster_name: Option<Value>,
    pub principal_arn: Option<Value>,
    #[serde(rename = "Type")]
    pub entry_type: Option<String>,
    pub access_policies: Option<Vec<CfnAccessPolicy>>,
    pub tags: Option<Vec<CfnTag>>,
}

/// An access policy of an access entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAccessPolicy {
    pub policy_arn: Value,
    pub access_scope: CfnAccessScope,
}

/// `AccessScope` of an access policy.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAccessScope {
    #[serde(rename = "Type")]
    pub scope_type: String,
    pub namespaces: Option<Vec<String>>,
}

impl CfnResource for CfnAccessEntry {
    const TYPE: &'static str = "AWS::EKS::AccessEntry";
    const CREATE_ONLY: &'static [&'static str] = &["ClusterName", "PrincipalArn", "Type"];
}

/// `AWS::EC2::LaunchTemplate`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplate {
    pub launch_template_name: Option<String>,
    pub launch_template_data: Option<CfnLaunchTemplateData>,
}

/// `LaunchTemplateData` (the fields meshsynth sets for EKS nodes).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateData {
    pub security_group_ids: Option<Vec<Value>>,
    pub metadata_options: Option<CfnLaunchTemplateMetadata>,
    pub block_device_mappings: Option<Vec<CfnLaunchTemplateBlockDevice>>,
    pub monitoring: Option<CfnLaunchTemplateMonitoring>,
    pub tag_specifications: Option<Vec<CfnLaunchTemplateTags>>,
}

/// Instance metadata service options.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateMetadata {
    pub http_endpoint: Option<String>,
    pub http_tokens: Option<String>,
    pub http_put_response_hop_limit: Option<i64>,
}

/// One block device mapping.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateBlockDevice {
    pub device_name: String,
    pub ebs: CfnLaunchTemplateEbs,
}

/// An EBS volume of a launch template.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateEbs {
    pub volume_size: Option<i64>,
    pub volume_type: Option<String>,
    pub encrypted: Option<bool>,
    pub kms_key_id: Option<Value>,
    pub delete_on_termination: Option<bool>,
}

/// Detailed monitoring.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateMonitoring {
    pub enabled: bool,
}

/// Tags for what instances launch.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateTags {
    pub resource_type: String,
    pub tags: Vec<CfnTag>,
}

impl CfnResource for CfnLaunchTemplate {
    const TYPE: &'static str = "AWS::EC2::LaunchTemplate";
    const CREATE_ONLY: &'static [&'static str] = &["LaunchTemplateName"];
    const TAGS: TagStyle = TagStyle::None;
}

impl ResourceRef<CfnLaunchTemplate> {
    /// `Ref`: the launch template id.
    pub fn launch_template_id(&self) -> Value {
        self.reference()
    }
    /// The latest version number.
    pub fn latest_version_number(&self) -> Value {
        self.attr("LatestVersionNumber")
    }
}
