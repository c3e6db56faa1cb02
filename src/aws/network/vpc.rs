//! The `Vpc` L2 construct: subnets sized with real CIDR math (ipnet), an
//! internet gateway, NAT gateways and route tables, spread over AZs; flow
//! logs to CloudWatch Logs on by default; optional VPC endpoints.

use ipnet::Ipv4Net;

use super::cfn::*;
use super::endpoints::{add_endpoints, Endpoint, EndpointPlacement};
use super::subnets::{plan_subnets, SubnetGroup, SubnetKind};
use crate::aws::iam::{same_account, PolicyStatement, Principal, Role, RoleProps};
use crate::aws::kms::{Key, KeyProps, KeyUser};
use crate::aws::logs::{LogGroup, LogGroupProps};
use crate::core::{Error, ResourceRef, Scope, Value};

/// Props of a VPC's flow logs.
#[derive(Debug, Clone)]
pub struct FlowLogProps {
    /// Which traffic to log: `ALL`, `ACCEPT` or `REJECT`. Default: `ALL`.
    pub traffic_type: String,
    /// Log retention in days. Default: 365.
    pub retention_days: i64,
    /// KMS key ARN for the log group. Default: a key made for the flow logs.
    pub encryption_key: Option<Value>,
}

impl Default for FlowLogProps {
    fn default() -> Self {
        FlowLogProps {
            traffic_type: "ALL".into(),
            retention_days: 365,
            encryption_key: None,
        }
    }
}

/// Props of a `Vpc`.
#[derive(Debug, Clone)]
pub struct VpcProps {
    /// The VPC's IPv4 CIDR, /16 to /28. Default: `10.0.0.0/16`.
    pub cidr: String,
    /// Exactly how many Availability Zones the subnets spread over: the
    /// first `azs` of the region's (`Fn::GetAZs`). When the stack's region
    /// is literal, it must not exceed that region's AZ count (see
    /// [`crate::aws::regions`]). Unlike CDK's `maxAzs` it is not a maximum.
    /// Default: 3.
    pub azs: u8,
    /// Subnet groups, allocated in order from the start of the CIDR.
    /// Default: `Public` /24 and `Private` /19 (room for EKS pod IPs).
    pub subnets: Vec<SubnetGroup>,
    /// NAT gateways; 0 means private subnets have no route out.
    /// Default: one per AZ, so an AZ outage does not cut the others off.
    pub nat_gateways: Option<u8>,
    /// Tag subnets for the AWS Load Balancer Controller
    /// (`kubernetes.io/role/elb` and `…/internal-elb`). Default: true.
    pub tag_for_load_balancers: bool,
    /// VPC flow logs to CloudWatch Logs. Default: on, all traffic, 365 days,
    /// KMS-encrypted; `None` turns them off (fails `AwsSolutions-VPC7`
    /// unless suppressed).
    pub flow_logs: Option<FlowLogProps>,
    /// VPC endpoints. Default: none.
    pub endpoints: Vec<Endpoint>,
}

impl Default for VpcProps {
    fn default() -> Self {
        VpcProps {
            cidr: "10.0.0.0/16".into(),
            azs: 3,
            subnets: vec![
                SubnetGroup::new("Public", SubnetKind::Public, 24),
                SubnetGroup::new("Private", SubnetKind::Private, 19),
            ],
            nat_gateways: None,
            tag_for_load_balancers: true,
            flow_logs: Some(FlowLogProps::default()),
            endpoints: Vec::new(),
        }
    }
}

/// A subnet of the VPC with its computed CIDR.
#[derive(Debug, Clone)]
pub struct Subnet {
    /// The subnet group's name.
    pub group: String,
    /// What the subnet is for.
    pub kind: SubnetKind,
    /// Index of its AZ (0-based, into `Fn::GetAZs`).
    pub az_index: u8,
    /// Its CIDR.
    pub cidr: Ipv4Net,
    /// The L1 subnet.
    pub resource: ResourceRef<CfnSubnet>,
    /// The subnet's route table.
    pub route_table: ResourceRef<CfnRouteTable>,
}

impl Subnet {
    /// The subnet id.
    pub fn subnet_id(&self) -> Value {
        self.resource.subnet_id()
    }
}

/// A VPC with subnets in each AZ.
#[derive(Debug, Clone)]
pub struct Vpc {
    /// The L1 VPC.
    pub resource: ResourceRef<CfnVpc>,
    /// The VPC's CIDR.
    pub cidr: Ipv4Net,
    /// Every subnet, by group then AZ.
    pub subnets: Vec<Subnet>,
    /// How many AZs the subnets span.
    pub az_count: u8,
}

impl Vpc {
    /// Adds the VPC, its subnets, routing, flow logs and endpoints.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: VpcProps) -> Result<Vpc, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        if let Some(region) = scope.env().and_then(|e| e.region.clone()) {
            if let Some(n) = crate::aws::regions::az_count(&region) {
                if props.azs > n {
                    return Err(Error::construct(
                        path,
                        format!("azs is {}, but {region} has {n} Availability Zones", props.azs),
                        format!("use azs: {n} or fewer (the deploy would fail on Fn::Select of a missing AZ)"),
                    ));
                }
            }
        }
        let plan = plan_subnets(&path, &props.cidr, props.azs, &props.subnets)?;
        let mut s = scope.child(id)?;
        let vpc = s.add_resource(
            "Resource",
            CfnVpc {
                cidr_block: Some(Value::Str(plan.vpc.to_string())),
                enable_dns_hostnames: Some(true.into()),
                enable_dns_support: Some(true.into()),
                tags: Some(vec![vpc::Tag::new("Name", path.clone())]),
                ..Default::default()
            },
        )?;
        let has_public = props.subnets.iter().any(|g| g.kind == SubnetKind::Public);
        let igw = if has_public {
            let igw = s.add_resource(
                "InternetGateway",
                CfnInternetGateway {
                    tags: Some(vec![internet_gateway::Tag::new("Name", path.clone())]),
                },
            )?;
            let attachment = s.add_resource(
                "InternetGatewayAttachment",
                CfnVPCGatewayAttachment {
                    internet_gateway_id: Some(igw.reference()),
                    ..CfnVPCGatewayAttachment::new(vpc.vpc_id())
                },
            )?;
            Some((igw, attachment.node()))
        } else {
            None
        };
        let nat_count = if has_public {
            props.nat_gateways.unwrap_or(plan.azs)
        } else {
            0
        };
        let mut cx = SubnetContext {
            path: &path,
            vpc,
            igw,
            nat_count,
            tag_for_load_balancers: props.tag_for_load_balancers,
            nats: Vec::new(),
        };
        let mut subnets = Vec::new();
        // Public subnets first, so NAT gateways exist before private routes use them.
        let mut planned = plan.subnets.clone();
        planned.sort_by_key(|p| p.kind != SubnetKind::Public);
        for p in planned {
            subnets.push(add_subnet(&mut s, &mut cx, p)?);
        }
        // Keep subnets in declaration order (group, then AZ) for callers.
        subnets.sort_by_key(|sn| {
            (
                props
                    .subnets
                    .iter()
                    .position(|g| g.name == sn.group)
                    .unwrap_or(0),
                sn.az_index,
            )
        });
        let out = Vpc {
            resource: vpc,
            cidr: plan.vpc,
            subnets,
            az_count: plan.azs,
        };
        if let Some(fl) = props.flow_logs {
            add_flow_logs(&mut s, &path, &out, fl)?;
        }
        let placement = EndpointPlacement {
            vpc_id: out.vpc_id(),
            cidr: out.cidr.to_string(),
            private_subnets: out
                .subnets
                .iter()
                .filter(|sn| sn.kind == SubnetKind::Private)
                .map(|sn| sn.subnet_id())
                .collect(),
            route_tables: out
                .subnets
                .iter()
                .filter(|sn| sn.kind != SubnetKind::Public)
                .map(|sn| sn.route_table.reference())
                .collect(),
        };
        add_endpoints(&mut s, &placement, &props.endpoints)?;
        Ok(out)
    }

    /// The VPC id.
    pub fn vpc_id(&self) -> Value {
        self.resource.vpc_id()
    }

    /// Subnets of one kind, in AZ order.
    pub fn subnets_of(&self, kind: SubnetKind) -> Vec<&Subnet> {
        self.subnets.iter().filter(|s| s.kind == kind).collect()
    }

    /// Subnet ids of one kind, in AZ order.
    pub fn subnet_ids(&self, kind: SubnetKind) -> Vec<Value> {
        self.subnets_of(kind)
            .iter()
            .map(|s| s.subnet_id())
            .collect()
    }
}

/// The internet gateway and its attachment, when the VPC has public
/// subnets (their default routes need the attachment first).
type Gateway = Option<(ResourceRef<CfnInternetGateway>, crate::core::NodeId)>;

/// What the subnets of one VPC share while they are added.
struct SubnetContext<'p> {
    path: &'p str,
    vpc: ResourceRef<CfnVpc>,
    igw: Gateway,
    nat_count: u8,
    tag_for_load_balancers: bool,
    /// The NAT gateways made so far, one per AZ up to `nat_count`.
    nats: Vec<ResourceRef<CfnNatGateway>>,
}

/// One planned subnet: the subnet, its route table and association, and
/// its default route (and, in a public subnet, a NAT gateway).
fn add_subnet(
    s: &mut Scope<'_>,
    cx: &mut SubnetContext<'_>,
    p: super::subnets::PlannedSubnet,
) -> Result<Subnet, Error> {
    let path = cx.path;
    let sid = format!("{}Subnet{}", p.group, p.az_index + 1);
    let mut sub_scope = s.child(&sid)?;
    let mut tags = vec![subnet::Tag::new("Name", format!("{path}/{sid}"))];
    if cx.tag_for_load_balancers {
        match p.kind {
            SubnetKind::Public => tags.push(subnet::Tag::new("kubernetes.io/role/elb", "1")),
            SubnetKind::Private => {
                tags.push(subnet::Tag::new("kubernetes.io/role/internal-elb", "1"))
            }
            SubnetKind::Isolated => {}
        }
    }
    let subnet = sub_scope.add_resource(
        "Subnet",
        CfnSubnet {
            cidr_block: Some(Value::Str(p.cidr.to_string())),
            availability_zone: Some(Value::select(p.az_index.into(), Value::GetAzs)),
            // Instances get public IPs only by explicit choice.
            map_public_ip_on_launch: Some(false.into()),
            tags: Some(tags),
            ..CfnSubnet::new(cx.vpc.vpc_id())
        },
    )?;
    let rt = sub_scope.add_resource(
        "RouteTable",
        CfnRouteTable {
            tags: Some(vec![route_table::Tag::new("Name", format!("{path}/{sid}"))]),
            ..CfnRouteTable::new(cx.vpc.vpc_id())
        },
    )?;
    sub_scope.add_resource(
        "RouteTableAssociation",
        CfnSubnetRouteTableAssociation::new(rt.reference(), subnet.subnet_id()),
    )?;
    match p.kind {
        SubnetKind::Public => add_public_routes(&mut sub_scope, cx, &p, &sid, subnet, rt)?,
        SubnetKind::Private => {
            if !cx.nats.is_empty() {
                let nat = cx.nats[p.az_index as usize % cx.nats.len()];
                sub_scope.add_resource(
                    "DefaultRoute",
                    CfnRoute {
                        destination_cidr_block: Some("0.0.0.0/0".into()),
                        nat_gateway_id: Some(nat.reference()),
                        ..CfnRoute::new(rt.reference())
                    },
                )?;
            }
        }
        SubnetKind::Isolated => {}
    }
    Ok(Subnet {
        group: p.group.clone(),
        kind: p.kind,
        az_index: p.az_index,
        cidr: p.cidr,
        resource: subnet,
        route_table: rt,
    })
}

/// A public subnet's route to the internet gateway and, while NAT gateways
/// are wanted, this AZ's NAT gateway with its address.
fn add_public_routes(
    sub_scope: &mut Scope<'_>,
    cx: &mut SubnetContext<'_>,
    p: &super::subnets::PlannedSubnet,
    sid: &str,
    subnet: ResourceRef<CfnSubnet>,
    rt: ResourceRef<CfnRouteTable>,
) -> Result<(), Error> {
    let path = cx.path;
    if let Some((igw, attachment)) = &cx.igw {
        let route = sub_scope.add_resource(
            "DefaultRoute",
            CfnRoute {
                destination_cidr_block: Some("0.0.0.0/0".into()),
                gateway_id: Some(igw.reference()),
                ..CfnRoute::new(rt.reference())
            },
        )?;
        // The route needs the gateway attached first.
        sub_scope
            .options(route.node())?
            .depends_on
            .push(*attachment);
    }
    if (cx.nats.len() as u8) < cx.nat_count && p.az_index as usize == cx.nats.len() {
        let eip = sub_scope.add_resource(
            "Eip",
            CfnEip {
                domain: Some("vpc".into()),
                tags: Some(vec![eip::Tag::new("Name", format!("{path}/{sid}"))]),
                ..Default::default()
            },
        )?;
        let nat = sub_scope.add_resource(
            "NatGateway",
            CfnNatGateway {
                allocation_id: Some(eip.allocation_id()),
                subnet_id: Some(subnet.subnet_id()),
                tags: Some(vec![nat_gateway::Tag::new("Name", format!("{path}/{sid}"))]),
                ..Default::default()
            },
        )?;
        cx.nats.push(nat);
    }
    Ok(())
}

/// Flow logs of the whole VPC to an encrypted log group.
fn add_flow_logs(
    s: &mut Scope<'_>,
    path: &str,
    vpc: &Vpc,
    props: FlowLogProps,
) -> Result<(), Error> {
    if !["ALL", "ACCEPT", "REJECT"].contains(&props.traffic_type.as_str()) {
        return Err(Error::construct(
            path,
            format!("flow log traffic type {:?} is unknown", props.traffic_type),
            "use ALL, ACCEPT or REJECT",
        ));
    }
    let mut fs = s.child("FlowLogs")?;
    let key = match props.encryption_key {
        Some(k) => k,
        None => Key::new(
            &mut fs,
            "Key",
            KeyProps {
                description: Some(format!("{path} flow logs")),
                users: vec![KeyUser::CloudWatchLogs],
                ..Default::default()
            },
        )?
        .arn(),
    };
    let group = LogGroup::new(
        &mut fs,
        "LogGroup",
        LogGroupProps {
            retention_days: props.retention_days,
            encryption_key: Some(key),
            ..Default::default()
        },
    )?;
    let role = Role::new(
        &mut fs,
        "Role",
        RoleProps {
            assumed_by: vec![Principal::Service("vpc-flow-logs.amazonaws.com".into())],
            trust_conditions: vec![same_account()],
            description: Some(format!("{path}: delivers flow logs to CloudWatch Logs")),
            statements: vec![
                PolicyStatement::allow(
                    [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    [group.arn()],
                ),
                PolicyStatement::allow(["logs:DescribeLogGroups"], [Value::str("*")]),
            ],
            ..Default::default()
        },
    )?;
    fs.add_resource(
        "FlowLog",
        CfnFlowLog {
            traffic_type: Some(match props.traffic_type.as_str() {
                "ACCEPT" => flow_log::TrafficType::Accept,
                "REJECT" => flow_log::TrafficType::Reject,
                _ => flow_log::TrafficType::All,
            }),
            log_destination_type: Some(flow_log::LogDestinationType::CloudWatchLogs),
            log_group_name: Some(group.name()),
            deliver_logs_permission_arn: Some(role.arn()),
            max_aggregation_interval: Some(60i64.into()),
            tags: Some(vec![flow_log::Tag::new("Name", path.to_string())]),
            ..CfnFlowLog::new(vpc.vpc_id(), flow_log::ResourceType::Vpc)
        },
    )?;
    Ok(())
}
