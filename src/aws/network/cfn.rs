//! L1 types of the network family (`AWS::EC2::*`), mechanical: one struct per
//! CloudFormation type, PascalCase, `None` fields omitted.
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_EC2.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::EC2::VPC`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnVpc {
    pub cidr_block: Option<Value>,
    pub enable_dns_hostnames: Option<bool>,
    pub enable_dns_support: Option<bool>,
    pub instance_tenancy: Option<String>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnVpc {
    const TYPE: &'static str = "AWS::EC2::VPC";
    const CREATE_ONLY: &'static [&'static str] = &[
        "CidrBlock",
        "Ipv4IpamPoolId",
        "Ipv4NetmaskLength",
        "VpcEncryptionControl",
    ];
}

impl ResourceRef<CfnVpc> {
    pub fn vpc_id(&self) -> Value {
        self.reference()
    }
    pub fn cidr_block(&self) -> Value {
        self.attr("CidrBlock")
    }
    pub fn default_security_group(&self) -> Value {
        self.attr("DefaultSecurityGroup")
    }
}

/// `AWS::EC2::Subnet`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSubnet {
    pub vpc_id: Option<Value>,
    pub cidr_block: Option<Value>,
    pub availability_zone: Option<Value>,
    pub map_public_ip_on_launch: Option<bool>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnSubnet {
    const TYPE: &'static str = "AWS::EC2::Subnet";
    const CREATE_ONLY: &'static [&'static str] = &[
        "AvailabilityZone",
        "AvailabilityZoneId",
        "CidrBlock",
        "Ipv4IpamPoolId",
        "Ipv4NetmaskLength",
        "Ipv6IpamPoolId",
        "Ipv6Native",
        "Ipv6NetmaskLength",
        "OutpostArn",
        "VpcId",
    ];
}

impl ResourceRef<CfnSubnet> {
    pub fn subnet_id(&self) -> Value {
        self.reference()
    }
    pub fn availability_zone(&self) -> Value {
        self.attr("AvailabilityZone")
    }
}

/// `AWS::EC2::InternetGateway`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnInternetGateway {
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnInternetGateway {
    const TYPE: &'static str = "AWS::EC2::InternetGateway";
}

/// `AWS::EC2::VPCGatewayAttachment`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnVpcGatewayAttachment {
    pub vpc_id: Option<Value>,
    pub internet_gateway_id: Option<Value>,
    pub vpn_gateway_id: Option<Value>,
}

impl CfnResource for CfnVpcGatewayAttachment {
    const TYPE: &'static str = "AWS::EC2::VPCGatewayAttachment";
    const CREATE_ONLY: &'static [&'static str] = &["VpcId"];
    const TAGS: crate::core::TagStyle = crate::core::TagStyle::None;
}

/// `AWS::EC2::EIP`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnEip {
    pub domain: Option<String>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnEip {
    const TYPE: &'static str = "AWS::EC2::EIP";
    const CREATE_ONLY: &'static [&'static str] = &[
        "Address",
        "IpamPoolId",
        "NetworkBorderGroup",
        "TransferAddress",
    ];
}

impl ResourceRef<CfnEip> {
    pub fn allocation_id(&self) -> Value {
        self.attr("AllocationId")
    }
}

/// `AWS::EC2::NatGateway`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNatGateway {
    pub allocation_id: Option<Value>,
    pub subnet_id: Option<Value>,
    pub connectivity_type: Option<String>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnNatGateway {
    const TYPE: &'static str = "AWS::EC2::NatGateway";
    const CREATE_ONLY: &'static [&'static str] = &[
        "AllocationId",
        "AvailabilityMode",
        "ConnectivityType",
        "PrivateIpAddress",
        "SubnetId",
        "VpcId",
    ];
}

/// `AWS::EC2::RouteTable`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRouteTable {
    pub vpc_id: Option<Value>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnRouteTable {
    const TYPE: &'static str = "AWS::EC2::RouteTable";
    const CREATE_ONLY: &'static [&'static str] = &["VpcId"];
}

/// `AWS::EC2::Route`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRoute {
    pub route_table_id: Option<Value>,
    pub destination_cidr_block: Option<Value>,
    pub gateway_id: Option<Value>,
    pub nat_gateway_id: Option<Value>,
}

impl CfnResource for CfnRoute {
    const TYPE: &'static str = "AWS::EC2::Route";
    const CREATE_ONLY: &'static [&'static str] = &[
        "DestinationCidrBlock",
        "DestinationIpv6CidrBlock",
        "DestinationPrefixListId",
        "RouteTableId",
    ];
    const TAGS: crate::core::TagStyle = crate::core::TagStyle::None;
}

/// `AWS::EC2::SubnetRouteTableAssociation`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSubnetRouteTableAssociation {
    pub route_table_id: Option<Value>,
    pub subnet_id: Option<Value>,
}

impl CfnResource for CfnSubnetRouteTableAssociation {
    const TYPE: &'static str = "AWS::EC2::SubnetRouteTableAssociation";
    const CREATE_ONLY: &'static [&'static str] = &["RouteTableId", "SubnetId"];
    const TAGS: crate::core::TagStyle = crate::core::TagStyle::None;
}

/// `AWS::EC2::SecurityGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecurityGroup {
    pub group_description: Option<String>,
    pub group_name: Option<String>,
    pub vpc_id: Option<Value>,
    pub security_group_ingress: Option<Vec<CfnSecurityGroupRule>>,
    pub security_group_egress: Option<Vec<CfnSecurityGroupRule>>,
    pub tags: Option<Vec<CfnTag>>,
}

/// An inline ingress or egress rule of `AWS::EC2::SecurityGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecurityGroupRule {
    pub ip_protocol: String,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub cidr_ip: Option<Value>,
    pub cidr_ipv6: Option<Value>,
    pub source_security_group_id: Option<Value>,
    pub destination_security_group_id: Option<Value>,
    pub description: Option<String>,
}

impl CfnResource for CfnSecurityGroup {
    const TYPE: &'static str = "AWS::EC2::SecurityGroup";
    const CREATE_ONLY: &'static [&'static str] = &["GroupDescription", "GroupName", "VpcId"];
}

impl ResourceRef<CfnSecurityGroup> {
    pub fn group_id(&self) -> Value {
        self.attr("GroupId")
    }
}

/// `AWS::EC2::SecurityGroupIngress`: a rule kept apart from its group, so two
/// groups may grant each other access without a dependency cycle.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecurityGroupIngress {
    pub group_id: Option<Value>,
    pub ip_protocol: String,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub cidr_ip: Option<Value>,
    pub cidr_ipv6: Option<Value>,
    pub source_security_group_id: Option<Value>,
    pub description: Option<String>,
}

impl CfnResource for CfnSecurityGroupIngress {
    const TYPE: &'static str = "AWS::EC2::SecurityGroupIngress";
    const CREATE_ONLY: &'static [&'static str] = &[
        "CidrIp",
        "CidrIpv6",
        "FromPort",
        "GroupId",
        "GroupName",
        "IpProtocol",
        "SourcePrefixListId",
        "SourceSecurityGroupId",
        "SourceSecurityGroupName",
        "SourceSecurityGroupOwnerId",
        "ToPort",
    ];
    const TAGS: crate::core::TagStyle = crate::core::TagStyle::None;
}

/// `AWS::EC2::FlowLog`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnFlowLog {
    pub resource_id: Option<Value>,
    pub resource_type: Option<String>,
    pub traffic_type: Option<String>,
    pub log_destination_type: Option<String>,
    pub log_group_name: Option<Value>,
    pub deliver_logs_permission_arn: Option<Value>,
    pub max_aggregation_interval: Option<i64>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnFlowLog {
    const TYPE: &'static str = "AWS::EC2::FlowLog";
    const CREATE_ONLY: &'static [&'static str] = &[
        "DeliverCrossAccountRole",
        "DeliverLogsPermissionArn",
        "DestinationOptions",
        "LogDestination",
        "LogDestinationType",
        "LogFormat",
        "LogGroupName",
        "MaxAggregationInterval",
        "ResourceId",
        "ResourceType",
        "TagFieldSpecifications",
        "TrafficType",
    ];
}

/// `AWS::EC2::VPCEndpoint`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnVpcEndpoint {
    pub vpc_id: Option<Value>,
    pub service_name: Option<Value>,
    pub vpc_endpoint_type: Option<String>,
    pub route_table_ids: Option<Vec<Value>>,
    pub subnet_ids: Option<Vec<Value>>,
    pub security_group_ids: Option<Vec<Value>>,
    pub private_dns_enabled: Option<bool>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnVpcEndpoint {
    const TYPE: &'static str = "AWS::EC2::VPCEndpoint";
    const CREATE_ONLY: &'static [&'static str] = &[
        "DnsOptions.PrivateDnsPreference",
        "DnsOptions.PrivateDnsSpecifiedDomains",
        "ResourceConfigurationArn",
        "ServiceName",
        "ServiceNetworkArn",
        "ServiceRegion",
        "VpcEndpointType",
        "VpcId",
    ];
}
