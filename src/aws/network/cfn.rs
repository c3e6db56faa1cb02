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
    /// `CidrBlock`: The IPv4 network range for the VPC, in CIDR notation.
    pub cidr_block: Option<Value>,
    /// `EnableDnsHostnames`: Indicates whether the instances launched in the VPC get DNS hostnames.
    pub enable_dns_hostnames: Option<bool>,
    /// `EnableDnsSupport`: Indicates whether the DNS resolution is supported for the VPC.
    pub enable_dns_support: Option<bool>,
    /// `InstanceTenancy`: The allowed tenancy of instances launched into the VPC.
    pub instance_tenancy: Option<String>,
    /// `Tags`: The tags for the VPC.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnVpc {
    const TYPE: &'static str = "AWS::EC2::VPC";
}

impl ResourceRef<CfnVpc> {
    /// `Ref` of the resource: its vpc id.
    pub fn vpc_id(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `CidrBlock` of the resource.
    pub fn cidr_block(&self) -> Value {
        self.attr("CidrBlock")
    }
    /// `Fn::GetAtt` `DefaultSecurityGroup` of the resource.
    pub fn default_security_group(&self) -> Value {
        self.attr("DefaultSecurityGroup")
    }
}

/// `AWS::EC2::Subnet`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSubnet {
    /// `VpcId`: The ID of the VPC the subnet is in.
    pub vpc_id: Option<Value>,
    /// `CidrBlock`: The IPv4 CIDR block assigned to the subnet.
    pub cidr_block: Option<Value>,
    /// `AvailabilityZone`: The Availability Zone of the subnet.
    pub availability_zone: Option<Value>,
    /// `MapPublicIpOnLaunch`: Indicates whether instances launched in this subnet receive a public IPv4 address.
    pub map_public_ip_on_launch: Option<bool>,
    /// `Tags`: Any tags assigned to the subnet.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnSubnet {
    const TYPE: &'static str = "AWS::EC2::Subnet";
}

impl ResourceRef<CfnSubnet> {
    /// `Ref` of the resource: its subnet id.
    pub fn subnet_id(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `AvailabilityZone` of the resource.
    pub fn availability_zone(&self) -> Value {
        self.attr("AvailabilityZone")
    }
}

/// `AWS::EC2::InternetGateway`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnInternetGateway {
    /// `Tags`: Any tags to assign to the internet gateway.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnInternetGateway {
    const TYPE: &'static str = "AWS::EC2::InternetGateway";
}

/// `AWS::EC2::VPCGatewayAttachment`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnVpcGatewayAttachment {
    /// `VpcId`: The ID of the VPC.
    pub vpc_id: Option<Value>,
    /// `InternetGatewayId`: The ID of the internet gateway.
    pub internet_gateway_id: Option<Value>,
    /// `VpnGatewayId`: The ID of the virtual private gateway.
    pub vpn_gateway_id: Option<Value>,
}

impl CfnResource for CfnVpcGatewayAttachment {
    const TYPE: &'static str = "AWS::EC2::VPCGatewayAttachment";
}

/// `AWS::EC2::EIP`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnEip {
    /// `Domain`: The network (''vpc'').
    pub domain: Option<String>,
    /// `Tags`: Any tags assigned to the Elastic IP address.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnEip {
    const TYPE: &'static str = "AWS::EC2::EIP";
}

impl ResourceRef<CfnEip> {
    /// `Fn::GetAtt` `AllocationId` of the resource.
    pub fn allocation_id(&self) -> Value {
        self.attr("AllocationId")
    }
}

/// `AWS::EC2::NatGateway`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnNatGateway {
    /// `AllocationId`: [Public NAT gateway only] The allocation ID of the Elastic IP address that's associated with the NAT gateway.
    pub allocation_id: Option<Value>,
    /// `SubnetId`: The ID of the subnet in which the NAT gateway is located.
    pub subnet_id: Option<Value>,
    /// `ConnectivityType`: Indicates whether the NAT gateway supports public or private connectivity.
    pub connectivity_type: Option<String>,
    /// `Tags`: The tags for the NAT gateway.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnNatGateway {
    const TYPE: &'static str = "AWS::EC2::NatGateway";
}

/// `AWS::EC2::RouteTable`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRouteTable {
    /// `VpcId`: The ID of the VPC.
    pub vpc_id: Option<Value>,
    /// `Tags`: Any tags assigned to the route table.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnRouteTable {
    const TYPE: &'static str = "AWS::EC2::RouteTable";
}

/// `AWS::EC2::Route`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRoute {
    /// `RouteTableId`: The ID of the route table for the route.
    pub route_table_id: Option<Value>,
    /// `DestinationCidrBlock`: The IPv4 CIDR address block used for the destination match.
    pub destination_cidr_block: Option<Value>,
    /// `GatewayId`: The ID of an internet gateway or virtual private gateway attached to your VPC.
    pub gateway_id: Option<Value>,
    /// `NatGatewayId`: [IPv4 traffic only] The ID of a NAT gateway.
    pub nat_gateway_id: Option<Value>,
}

impl CfnResource for CfnRoute {
    const TYPE: &'static str = "AWS::EC2::Route";
}

/// `AWS::EC2::SubnetRouteTableAssociation`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSubnetRouteTableAssociation {
    /// `RouteTableId`: The ID of the route table.
    pub route_table_id: Option<Value>,
    /// `SubnetId`: The ID of the subnet.
    pub subnet_id: Option<Value>,
}

impl CfnResource for CfnSubnetRouteTableAssociation {
    const TYPE: &'static str = "AWS::EC2::SubnetRouteTableAssociation";
}

/// `AWS::EC2::SecurityGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecurityGroup {
    /// `GroupDescription`: A description for the security group.
    pub group_description: Option<String>,
    /// `GroupName`: The name of the security group.
    pub group_name: Option<String>,
    /// `VpcId`: The ID of the VPC for the security group.
    pub vpc_id: Option<Value>,
    /// `SecurityGroupIngress`: The inbound rules associated with the security group.
    pub security_group_ingress: Option<Vec<CfnSecurityGroupRule>>,
    /// `SecurityGroupEgress`: [VPC only] The outbound rules associated with the security group.
    pub security_group_egress: Option<Vec<CfnSecurityGroupRule>>,
    /// `Tags`: Any tags assigned to the security group.
    pub tags: Option<Vec<CfnTag>>,
}

/// An inline ingress or egress rule of `AWS::EC2::SecurityGroup`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecurityGroupRule {
    /// `IpProtocol`: The IP protocol name (tcp, udp, icmp, icmpv6) or number (see Protocol Numbers).
    pub ip_protocol: String,
    /// `FromPort`: The start of port range for the TCP and UDP protocols, or an ICMP/ICMPv6 type number.
    pub from_port: Option<i64>,
    /// `ToPort`: The end of port range for the TCP and UDP protocols, or an ICMP/ICMPv6 code.
    pub to_port: Option<i64>,
    /// `CidrIp`: The IPv4 ranges
    pub cidr_ip: Option<Value>,
    /// `CidrIpv6`: [VPC only] The IPv6 ranges
    pub cidr_ipv6: Option<Value>,
    /// `SourceSecurityGroupId`: The ID of the security group.
    pub source_security_group_id: Option<Value>,
    /// `DestinationSecurityGroupId`: the security group egress traffic may go to.
    pub destination_security_group_id: Option<Value>,
    /// `Description`: Updates the description of an ingress (inbound) security group rule.
    pub description: Option<String>,
}

impl CfnResource for CfnSecurityGroup {
    const TYPE: &'static str = "AWS::EC2::SecurityGroup";
}

impl ResourceRef<CfnSecurityGroup> {
    /// `Fn::GetAtt` `GroupId` of the resource.
    pub fn group_id(&self) -> Value {
        self.attr("GroupId")
    }
}

/// `AWS::EC2::SecurityGroupIngress`: a rule kept apart from its group, so two
/// groups may grant each other access without a dependency cycle.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnSecurityGroupIngress {
    /// `GroupId`: The ID of the security group.
    pub group_id: Option<Value>,
    /// `IpProtocol`: The IP protocol name (tcp, udp, icmp, icmpv6) or number (see Protocol Numbers).
    pub ip_protocol: String,
    /// `FromPort`: The start of port range for the TCP and UDP protocols, or an ICMP/ICMPv6 type number.
    pub from_port: Option<i64>,
    /// `ToPort`: The end of port range for the TCP and UDP protocols, or an ICMP/ICMPv6 code.
    pub to_port: Option<i64>,
    /// `CidrIp`: The IPv4 ranges
    pub cidr_ip: Option<Value>,
    /// `CidrIpv6`: [VPC only] The IPv6 ranges
    pub cidr_ipv6: Option<Value>,
    /// `SourceSecurityGroupId`: The ID of the security group.
    pub source_security_group_id: Option<Value>,
    /// `Description`: Updates the description of an ingress (inbound) security group rule.
    pub description: Option<String>,
}

impl CfnResource for CfnSecurityGroupIngress {
    const TYPE: &'static str = "AWS::EC2::SecurityGroupIngress";
}

/// `AWS::EC2::FlowLog`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnFlowLog {
    /// `ResourceId`: The ID of the subnet, network interface, or VPC for which you want to create a flow log.
    pub resource_id: Option<Value>,
    /// `ResourceType`: The type of resource for which to create the flow log.
    pub resource_type: Option<String>,
    /// `TrafficType`: The type of traffic to log.
    pub traffic_type: Option<String>,
    /// `LogDestinationType`: Specifies the type of destination to which the flow log data is to be published.
    pub log_destination_type: Option<String>,
    /// `LogGroupName`: The name of a new or existing CloudWatch Logs log group where Amazon EC2 publishes your flow logs.
    pub log_group_name: Option<Value>,
    /// `DeliverLogsPermissionArn`: The ARN for the IAM role that permits Amazon EC2 to publish flow logs to a CloudWatch Logs log group in your account.
    pub deliver_logs_permission_arn: Option<Value>,
    /// `MaxAggregationInterval`: The maximum interval of time during which a flow of packets is captured and aggregated into a flow log record.
    pub max_aggregation_interval: Option<i64>,
    /// `Tags`: The tags to apply to the flow logs.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnFlowLog {
    const TYPE: &'static str = "AWS::EC2::FlowLog";
}

/// `AWS::EC2::VPCEndpoint`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnVpcEndpoint {
    /// `VpcId`: The ID of the VPC.
    pub vpc_id: Option<Value>,
    /// `ServiceName`: The name of the endpoint service.
    pub service_name: Option<Value>,
    /// `VpcEndpointType`: The type of endpoint.
    pub vpc_endpoint_type: Option<String>,
    /// `RouteTableIds`: The IDs of the route tables.
    pub route_table_ids: Option<Vec<Value>>,
    /// `SubnetIds`: The IDs of the subnets in which to create endpoint network interfaces.
    pub subnet_ids: Option<Vec<Value>>,
    /// `SecurityGroupIds`: The IDs of the security groups to associate with the endpoint network interfaces.
    pub security_group_ids: Option<Vec<Value>>,
    /// `PrivateDnsEnabled`: Indicate whether to associate a private hosted zone with the specified VPC.
    pub private_dns_enabled: Option<bool>,
    /// `Tags`: The tags to associate with the endpoint.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnVpcEndpoint {
    const TYPE: &'static str = "AWS::EC2::VPCEndpoint";
}
