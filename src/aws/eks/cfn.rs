//! L1 types of the EKS family (`AWS::EKS::*`), plus `AWS::EC2::LaunchTemplate`,
//! which only node groups use here.
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_EKS.html>

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::EKS::Cluster`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnCluster {
    /// `Name`: The unique name to give to your cluster.
    pub name: Option<String>,
    /// `Version`: The desired Kubernetes version for your cluster.
    pub version: Option<String>,
    /// `RoleArn`: The Amazon Resource Name (ARN) of the IAM role that provides permissions for the Kubernetes control plane to make calls to AWS API operations on your behalf.
    pub role_arn: Option<Value>,
    /// `ResourcesVpcConfig`: the subnets and security groups of the control plane's network interfaces, and endpoint access.
    pub resources_vpc_config: Option<CfnClusterVpcConfig>,
    /// `Logging`: the control-plane log types sent to CloudWatch Logs.
    pub logging: Option<CfnClusterLogging>,
    /// `EncryptionConfig`: envelope encryption of Kubernetes secrets with a KMS key.
    pub encryption_config: Option<Vec<CfnClusterEncryptionConfig>>,
    /// `AccessConfig`: how IAM principals are granted cluster access (access entries).
    pub access_config: Option<CfnClusterAccessConfig>,
    /// `KubernetesNetworkConfig`: the service IP range and IP family.
    pub kubernetes_network_config: Option<CfnClusterNetworkConfig>,
    /// `BootstrapSelfManagedAddons`: Set this value to false to avoid creating the default networking add-ons when the cluster is created.
    pub bootstrap_self_managed_addons: Option<bool>,
    /// `Tags`: An array of key-value pairs to apply to this resource.
    pub tags: Option<Vec<CfnTag>>,
}

/// `ResourcesVpcConfig` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterVpcConfig {
    /// `SubnetIds`: Specify subnets for your Amazon EKS nodes.
    pub subnet_ids: Vec<Value>,
    /// `SecurityGroupIds`: Specify one or more security groups for the cross-account elastic network interfaces that Amazon EKS creates to use to allow communication between your worker nodes and the Kubernetes control plane.
    pub security_group_ids: Option<Vec<Value>>,
    /// `EndpointPrivateAccess`: Set this value to true to enable private access for your cluster's Kubernetes API server endpoint.
    pub endpoint_private_access: Option<bool>,
    /// `EndpointPublicAccess`: Set this value to false to disable public access to your cluster's Kubernetes API server endpoint.
    pub endpoint_public_access: Option<bool>,
    /// `PublicAccessCidrs`: The CIDR blocks that are allowed access to your cluster's public Kubernetes API server endpoint.
    pub public_access_cidrs: Option<Vec<String>>,
}

/// `Logging` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterLogging {
    /// `ClusterLogging`: The cluster control plane logging configuration for your cluster.
    pub cluster_logging: CfnClusterLoggingTypes,
}

/// `Logging.ClusterLogging`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterLoggingTypes {
    /// `EnabledTypes`: the enabled log types.
    pub enabled_types: Vec<CfnClusterLogType>,
}

/// One enabled control-plane log type.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterLogType {
    /// `Type`: name of the log type
    #[serde(rename = "Type")]
    pub log_type: String,
}

/// One `EncryptionConfig` entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterEncryptionConfig {
    /// `Provider`: The encryption provider for the cluster.
    pub provider: CfnClusterEncryptionProvider,
    /// `Resources`: Specifies the resources to be encrypted.
    pub resources: Vec<String>,
}

/// `EncryptionConfig.Provider`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterEncryptionProvider {
    /// `KeyArn`: Amazon Resource Name (ARN) or alias of the KMS key.
    pub key_arn: Value,
}

/// `AccessConfig` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterAccessConfig {
    /// `AuthenticationMode`: Specify the authentication mode that should be used to create your cluster.
    pub authentication_mode: Option<String>,
    /// `BootstrapClusterCreatorAdminPermissions`: Set this value to false to avoid creating a default cluster admin Access Entry using the IAM principal used to create the cluster.
    pub bootstrap_cluster_creator_admin_permissions: Option<bool>,
}

/// `KubernetesNetworkConfig` of a cluster.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnClusterNetworkConfig {
    /// `IpFamily`: Ipv4 or Ipv6.
    pub ip_family: Option<String>,
    /// `ServiceIpv4Cidr`: The CIDR block to assign Kubernetes service IP addresses from.
    pub service_ipv4_cidr: Option<String>,
}

impl CfnResource for CfnCluster {
    const TYPE: &'static str = "AWS::EKS::Cluster";
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
    /// `ClusterName`: Name of the cluster to create the node group in.
    pub cluster_name: Option<Value>,
    /// `NodegroupName`: The unique name to give your node group.
    pub nodegroup_name: Option<String>,
    /// `NodeRole`: The Amazon Resource Name (ARN) of the IAM role to associate with your node group.
    pub node_role: Option<Value>,
    /// `Subnets`: The subnets to use for the Auto Scaling group that is created for your node group.
    pub subnets: Option<Vec<Value>>,
    /// `CapacityType`: The capacity type of your managed node group.
    pub capacity_type: Option<String>,
    /// `InstanceTypes`: Specify the instance types for a node group.
    pub instance_types: Option<Vec<String>>,
    /// `AmiType`: The AMI type for your node group.
    pub ami_type: Option<String>,
    /// `ScalingConfig`: The scaling configuration details for the Auto Scaling group that is created for your node group.
    pub scaling_config: Option<CfnNodegroupScaling>,
    /// `UpdateConfig`: The node group update configuration.
    pub update_config: Option<CfnNodegroupUpdate>,
    /// `Labels`: The Kubernetes labels to be applied to the nodes in the node group when they are created.
    pub labels: Option<BTreeMap<String, String>>,
    /// `Taints`: The Kubernetes taints to be applied to the nodes in the node group when they are created.
    pub taints: Option<Vec<CfnNodegroupTaint>>,
    /// `LaunchTemplate`: An object representing a node group's launch template specification.
    pub launch_template: Option<CfnNodegroupLaunchTemplate>,
    /// `Tags`: The metadata, as key-value pairs, to apply to the node group to assist with categorization and organization.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `ScalingConfig` of a node group.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupScaling {
    /// `MinSize`: The minimum number of instances to maintain in the warm pool.
    pub min_size: i64,
    /// `DesiredSize`: the number of nodes the group should have.
    pub desired_size: i64,
    /// `MaxSize`: the most nodes the group may scale to.
    pub max_size: i64,
}

/// `UpdateConfig` of a node group.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupUpdate {
    /// `MaxUnavailable`: The maximum number of nodes unavailable at once during a version update.
    pub max_unavailable: Option<i64>,
}

/// A node taint.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupTaint {
    /// `Key`: The key name of the tag.
    pub key: String,
    /// `Value`: The value for the tag.
    pub value: Option<String>,
    /// `Effect`: `NO_SCHEDULE`, `NO_EXECUTE` or `PREFER_NO_SCHEDULE`.
    pub effect: String,
}

/// `LaunchTemplate` of a node group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNodegroupLaunchTemplate {
    /// `Id`: The ID of the active (signing) certificate authority.
    pub id: Value,
    /// `Version`: The desired Kubernetes version for your cluster.
    pub version: Value,
}

impl CfnResource for CfnNodegroup {
    const TYPE: &'static str = "AWS::EKS::Nodegroup";
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
    /// `ClusterName`: Name of Cluster
    pub cluster_name: Option<Value>,
    /// `AddonName`: Name of Addon
    pub addon_name: Option<String>,
    /// `AddonVersion`: Version of Addon
    pub addon_version: Option<String>,
    /// `ResolveConflicts`: Resolve parameter value conflicts
    pub resolve_conflicts: Option<String>,
    /// `ServiceAccountRoleArn`: IAM role to bind to the add-on's service account
    pub service_account_role_arn: Option<Value>,
    /// `Tags`: An array of key-value pairs to apply to this resource.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnAddon {
    const TYPE: &'static str = "AWS::EKS::Addon";
}

/// `AWS::EKS::AccessEntry`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAccessEntry {
    /// `ClusterName`: The cluster that the access entry is created for.
    pub cluster_name: Option<Value>,
    /// `PrincipalArn`: The principal ARN that the access entry is created for.
    pub principal_arn: Option<Value>,
    /// `Type`: The node type to associate with the access entry.
    #[serde(rename = "Type")]
    pub entry_type: Option<String>,
    /// `AccessPolicies`: An array of access policies that are associated with the access entry.
    pub access_policies: Option<Vec<CfnAccessPolicy>>,
    /// `Tags`: An array of key-value pairs to apply to this resource.
    pub tags: Option<Vec<CfnTag>>,
}

/// An access policy of an access entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAccessPolicy {
    /// `PolicyArn`: The ARN of the access policy to add to the access entry.
    pub policy_arn: Value,
    /// `AccessScope`: the cluster or the namespaces the policy applies to.
    pub access_scope: CfnAccessScope,
}

/// `AccessScope` of an access policy.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnAccessScope {
    /// `Type`: name of the log type
    #[serde(rename = "Type")]
    pub scope_type: String,
    /// `Namespaces`: The namespaces to associate with the access scope.
    pub namespaces: Option<Vec<String>>,
}

impl CfnResource for CfnAccessEntry {
    const TYPE: &'static str = "AWS::EKS::AccessEntry";
}

/// `AWS::EC2::LaunchTemplate`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplate {
    /// `LaunchTemplateName`: A name for the launch template.
    pub launch_template_name: Option<String>,
    /// `LaunchTemplateData`: The information for the launch template.
    pub launch_template_data: Option<CfnLaunchTemplateData>,
}

/// `LaunchTemplateData` (the fields meshsynth sets for EKS nodes).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateData {
    /// `SecurityGroupIds`: Specify one or more security groups for the cross-account elastic network interfaces that Amazon EKS creates to use to allow communication between your worker nodes and the Kubernetes control plane.
    pub security_group_ids: Option<Vec<Value>>,
    /// `MetadataOptions`: The metadata options for the instance.
    pub metadata_options: Option<CfnLaunchTemplateMetadata>,
    /// `BlockDeviceMappings`: The block device mapping.
    pub block_device_mappings: Option<Vec<CfnLaunchTemplateBlockDevice>>,
    /// `Monitoring`: The monitoring for the instance.
    pub monitoring: Option<CfnLaunchTemplateMonitoring>,
    /// `TagSpecifications`: The tags to apply to resources that are created during instance launch.
    pub tag_specifications: Option<Vec<CfnLaunchTemplateTags>>,
}

/// Instance metadata service options.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateMetadata {
    /// `HttpEndpoint`: Enables or disables the HTTP metadata endpoint on your instances.
    pub http_endpoint: Option<String>,
    /// `HttpTokens`: Indicates whether IMDSv2 is required.
    pub http_tokens: Option<String>,
    /// `HttpPutResponseHopLimit`: The desired HTTP PUT response hop limit for instance metadata requests.
    pub http_put_response_hop_limit: Option<i64>,
}

/// One block device mapping.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateBlockDevice {
    /// `DeviceName`: The device name (for example, /dev/sdh or xvdh).
    pub device_name: String,
    /// `Ebs`: Parameters used to automatically set up EBS volumes when the instance is launched.
    pub ebs: CfnLaunchTemplateEbs,
}

/// An EBS volume of a launch template.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateEbs {
    /// `VolumeSize`: The size of the volume, in GiBs.
    pub volume_size: Option<i64>,
    /// `VolumeType`: The volume type.
    pub volume_type: Option<String>,
    /// `Encrypted`: Indicates whether the EBS volume is encrypted.
    pub encrypted: Option<bool>,
    /// `KmsKeyId`: Identifier (key ID, key alias, key ARN, or alias ARN) of the customer managed KMS key to use for EBS encryption.
    pub kms_key_id: Option<Value>,
    /// `DeleteOnTermination`: Indicates whether the EBS volume is deleted on instance termination.
    pub delete_on_termination: Option<bool>,
}

/// Detailed monitoring.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateMonitoring {
    /// `Enabled`: Todo: add description
    pub enabled: bool,
}

/// Tags for what instances launch.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnLaunchTemplateTags {
    /// `ResourceType`: The type of resource.
    pub resource_type: String,
    /// `Tags`: The tags for the resource.
    pub tags: Vec<CfnTag>,
}

impl CfnResource for CfnLaunchTemplate {
    const TYPE: &'static str = "AWS::EC2::LaunchTemplate";
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
