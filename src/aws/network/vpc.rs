//! The `Vpc` L2 construct: subnets sized with real CIDR math (ipnet), an
//! internet gateway, NAT gateways and route tables, spread over AZs; flow
//! logs to CloudWatch Logs on by default; optional VPC endpoints.

use ipnet::Ipv4Net;

use super::cfn::*;
use super::endpoints::{add_endpoints, Endpoint};
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

/// What a subnet group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubnetKind {
    /// Routes to the internet gateway; for load balancers and NAT gateways.
    Public,
    /// Routes out through a NAT gateway; for nodes and workloads.
    Private,
    /// No route out of the VPC; for databases.
    Isolated,
}

/// One subnet per AZ of this kind and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetGroup {
    /// The group name (unique in the VPC).
    pub name: String,
    /// What the subnets are for.
    pub kind: SubnetKind,
    /// Prefix length of each subnet (e.g. 24 for /24).
    pub cidr_mask: u8,
    /// Explicit CIDRs, one per AZ in AZ order. Default: none (allocated from
    /// the VPC CIDR, around any explicit ones).
    pub cidrs: Vec<String>,
}

impl SubnetGroup {
    /// A group whose subnets are allocated automatically.
    pub fn new(name: &str, kind: SubnetKind, cidr_mask: u8) -> SubnetGroup {
        SubnetGroup {
            name: name.into(),
            kind,
            cidr_mask,
            cidrs: Vec::new(),
        }
    }

    /// A group with explicit CIDRs, one per AZ (e.g. to match an existing
    /// address plan). They must lie inside the VPC CIDR and not overlap.
    pub fn with_cidrs(name: &str, kind: SubnetKind, cidrs: &[&str]) -> SubnetGroup {
        SubnetGroup {
            name: name.into(),
            kind,
            cidr_mask: cidrs
                .first()
                .and_then(|c| c.parse::<Ipv4Net>().ok())
                .map_or(0, |n| n.prefix_len()),
            cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
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
        let path = format!("{}/{id}", scope.path());
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
        let plan = plan_subnets(&path, &props)?;
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
        let mut subnets = Vec::new();
        let mut nats: Vec<ResourceRef<CfnNatGateway>> = Vec::new();
        // Public subnets first, so NAT gateways exist before private routes use them.
        let mut planned = plan.subnets.clone();
        planned.sort_by_key(|p| p.kind != SubnetKind::Public);
        for p in planned {
            let sid = format!("{}Subnet{}", p.group, p.az_index + 1);
            let mut sub_scope = s.child(&sid)?;
            let mut tags = vec![subnet::Tag::new("Name", format!("{path}/{sid}"))];
            if props.tag_for_load_balancers {
                match p.kind {
                    SubnetKind::Public => {
                        tags.push(subnet::Tag::new("kubernetes.io/role/elb", "1"))
                    }
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
                    ..CfnSubnet::new(vpc.vpc_id())
                },
            )?;
            let rt = sub_scope.add_resource(
                "RouteTable",
                CfnRouteTable {
                    tags: Some(vec![route_table::Tag::new("Name", format!("{path}/{sid}"))]),
                    ..CfnRouteTable::new(vpc.vpc_id())
                },
            )?;
            sub_scope.add_resource(
                "RouteTableAssociation",
                CfnSubnetRouteTableAssociation::new(rt.reference(), subnet.subnet_id()),
            )?;
            match p.kind {
                SubnetKind::Public => {
                    if let Some((igw, attachment)) = &igw {
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
                    if (nats.len() as u8) < nat_count && p.az_index as usize == nats.len() {
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
                                tags: Some(vec![nat_gateway::Tag::new(
                                    "Name",
                                    format!("{path}/{sid}"),
                                )]),
                                ..Default::default()
                            },
                        )?;
                        nats.push(nat);
                    }
                }
                SubnetKind::Private => {
                    if !nats.is_empty() {
                        let nat = nats[p.az_index as usize % nats.len()];
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
            subnets.push(Subnet {
                group: p.group.clone(),
                kind: p.kind,
                az_index: p.az_index,
                cidr: p.cidr,
                resource: subnet,
                route_table: rt,
            });
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
        add_endpoints(&mut s, &out, &props.endpoints)?;
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

#[derive(Debug, Clone)]
struct PlannedSubnet {
    group: String,
    kind: SubnetKind,
    az_index: u8,
    cidr: Ipv4Net,
}

#[derive(Debug)]
struct Plan {
    vpc: Ipv4Net,
    azs: u8,
    subnets: Vec<PlannedSubnet>,
}

/// Allocates each group's subnets, AZ by AZ, from the start of the VPC CIDR,
/// each aligned to its own size; fails with the path when it cannot.
fn plan_subnets(path: &str, props: &VpcProps) -> Result<Plan, Error> {
    let vpc: Ipv4Net = props.cidr.parse().map_err(|_| {
        Error::construct(
            path,
            format!("invalid CIDR {:?}", props.cidr),
            "write an IPv4 CIDR such as 10.0.0.0/16",
        )
    })?;
    if vpc.network() != vpc.addr() {
        return Err(Error::construct(
            path,
            format!("CIDR {} has host bits set", props.cidr),
            format!("did you mean {}?", vpc.trunc()),
        ));
    }
    if !(16..=28).contains(&vpc.prefix_len()) {
        return Err(Error::construct(
            path,
            format!("VPC CIDR {vpc} must have a prefix from /16 to /28"),
            "AWS allows VPC CIDRs between /16 and /28",
        ));
    }
    if props.azs == 0 {
        return Err(Error::construct(
            path,
            "azs must be at least 1",
            "use 2 or 3 AZs for high availability",
        ));
    }
    if props.subnets.is_empty() {
        return Err(Error::construct(
            path,
            "a VPC needs at least one subnet group",
            "add SubnetGroup entries",
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for g in &props.subnets {
        if !names.insert(g.name.as_str()) {
            return Err(Error::construct(
                path,
                format!("subnet group {:?} is declared twice", g.name),
                "give each subnet group a unique name",
            ));
        }
        if g.cidrs.is_empty() && (g.cidr_mask < vpc.prefix_len() || g.cidr_mask > 28) {
            return Err(Error::construct(
                path,
                format!(
                    "subnet group {} asks for /{} subnets, outside {vpc} or smaller than /28",
                    g.name, g.cidr_mask
                ),
                format!("use a mask from /{} to /28", vpc.prefix_len()),
            ));
        }
    }
    let azs = props.azs;
    let start = u32::from(vpc.network());
    let end = u64::from(u32::from(vpc.broadcast())) + 1;
    // Explicit CIDRs first: they are fixed, automatic subnets go around them.
    let mut explicit: Vec<(usize, u8, Ipv4Net)> = Vec::new();
    for (gi, g) in props.subnets.iter().enumerate() {
        if g.cidrs.is_empty() {
            continue;
        }
        if g.cidrs.len() != usize::from(azs) {
            return Err(Error::construct(
                path,
                format!(
                    "subnet group {} lists {} CIDRs for {azs} AZs",
                    g.name,
                    g.cidrs.len()
                ),
                "give one CIDR per AZ",
            ));
        }
        for (az, c) in g.cidrs.iter().enumerate() {
            let net: Ipv4Net = c.parse().map_err(|_| {
                Error::construct(
                    path,
                    format!("subnet group {}: {c:?} is not an IPv4 CIDR", g.name),
                    "write e.g. 10.0.1.0/24",
                )
            })?;
            if net.trunc() != net {
                return Err(Error::construct(
                    path,
                    format!("subnet group {}: {c} has host bits set", g.name),
                    format!("did you mean {}?", net.trunc()),
                ));
            }
            if !vpc.contains(&net) {
                return Err(Error::construct(
                    path,
                    format!(
                        "subnet {c} of group {} is outside the VPC CIDR {vpc}",
                        g.name
                    ),
                    format!("pick subnets inside {vpc}"),
                ));
            }
            if net.prefix_len() > 28 {
                return Err(Error::construct(
                    path,
                    format!("subnet {c} of group {} is smaller than /28", g.name),
                    "AWS subnets are /16 to /28",
                ));
            }
            explicit.push((gi, az as u8, net));
        }
    }
    let overlaps = |a: &Ipv4Net, b: &Ipv4Net| a.contains(&b.network()) || b.contains(&a.network());
    let mut cursor = u64::from(start);
    let mut subnets = Vec::new();
    for (gi, g) in props.subnets.iter().enumerate() {
        if !g.cidrs.is_empty() {
            for (_, az, net) in explicit.iter().filter(|(i, _, _)| *i == gi) {
                subnets.push(PlannedSubnet {
                    group: g.name.clone(),
                    kind: g.kind,
                    az_index: *az,
                    cidr: *net,
                });
            }
            continue;
        }
        let size = 1u64 << (32 - g.cidr_mask);
        for az in 0..azs {
            let net = loop {
                let aligned = cursor.div_ceil(size) * size;
                if aligned + size > end {
                    let needed: u64 = props
                        .subnets
                        .iter()
                        .map(|g| (1u64 << (32 - g.cidr_mask)) * u64::from(azs))
                        .sum();
                    return Err(Error::construct(
                        path,
                        format!(
                            "{vpc} cannot hold {azs} AZs of these subnets: they need {needed} addresses, the CIDR has {}",
                            end - u64::from(start)
                        ),
                        "use a larger VPC CIDR, fewer AZs or smaller subnets",
                    ));
                }
                // Invariant: aligned + size ≤ end ≤ 2^32, and the mask is ≤ 32.
                let net = Ipv4Net::new(std::net::Ipv4Addr::from(aligned as u32), g.cidr_mask)
                    .expect("valid prefix");
                match explicit.iter().find(|(_, _, e)| overlaps(e, &net)) {
                    Some((_, _, e)) => cursor = u64::from(u32::from(e.broadcast())) + 1,
                    None => break net,
                }
            };
            subnets.push(PlannedSubnet {
                group: g.name.clone(),
                kind: g.kind,
                az_index: az,
                cidr: net,
            });
            cursor = u64::from(u32::from(net.broadcast())) + 1;
        }
    }
    // Automatic subnets never overlap; explicit ones may.
    for (i, a) in subnets.iter().enumerate() {
        for b in &subnets[i + 1..] {
            if a.cidr.contains(&b.cidr.network()) || b.cidr.contains(&a.cidr.network()) {
                return Err(Error::construct(
                    path,
                    format!(
                        "subnets {} ({}) and {} ({}) overlap",
                        a.cidr, a.group, b.cidr, b.group
                    ),
                    "give each subnet its own address range",
                ));
            }
        }
    }
    Ok(Plan { vpc, azs, subnets })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(cidr: &str, azs: u8) -> Result<Plan, Error> {
        plan_subnets(
            "N/Vpc",
            &VpcProps {
                cidr: cidr.into(),
                azs,
                ..Default::default()
            },
        )
    }

    #[test]
    fn allocates_aligned_non_overlapping_subnets() {
        let p = plan("10.0.0.0/16", 3).unwrap();
        let cidrs: Vec<String> = p.subnets.iter().map(|s| s.cidr.to_string()).collect();
        assert_eq!(
            cidrs,
            [
                "10.0.0.0/24",
                "10.0.1.0/24",
                "10.0.2.0/24",
                "10.0.32.0/19",
                "10.0.64.0/19",
                "10.0.96.0/19"
            ]
        );
    }

    #[test]
    fn rejects_bad_cidrs() {
        assert!(plan("10.0.0.0/33", 3)
            .unwrap_err()
            .to_string()
            .contains("invalid CIDR"));
        assert!(plan("banana", 3).is_err());
        assert!(plan("10.0.0.1/16", 3)
            .unwrap_err()
            .to_string()
            .contains("did you mean 10.0.0.0/16"));
        assert!(plan("10.0.0.0/8", 3)
            .unwrap_err()
            .to_string()
            .contains("/16 to /28"));
    }

    #[test]
    fn explicit_cidrs_are_checked_and_avoided() {
        let props = |groups: Vec<SubnetGroup>| VpcProps {
            cidr: "10.0.0.0/16".into(),
            azs: 2,
            subnets: groups,
            ..Default::default()
        };
        let p = plan_subnets(
            "N/Vpc",
            &props(vec![
                SubnetGroup::with_cidrs(
                    "Db",
                    SubnetKind::Isolated,
                    &["10.0.0.0/24", "10.0.1.0/24"],
                ),
                SubnetGroup::new("Public", SubnetKind::Public, 24),
            ]),
        )
        .unwrap();
        let cidrs: Vec<String> = p.subnets.iter().map(|s| s.cidr.to_string()).collect();
        assert_eq!(
            cidrs,
            ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
        );
        let overlap = plan_subnets(
            "N/Vpc",
            &props(vec![
                SubnetGroup::with_cidrs("A", SubnetKind::Isolated, &["10.0.0.0/24", "10.0.1.0/24"]),
                SubnetGroup::with_cidrs("B", SubnetKind::Private, &["10.0.1.0/25", "10.0.2.0/24"]),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            overlap.starts_with("N/Vpc: subnets 10.0.1.0/24 (A) and 10.0.1.0/25 (B) overlap"),
            "{overlap}"
        );
        let outside = plan_subnets(
            "N/Vpc",
            &props(vec![SubnetGroup::with_cidrs(
                "A",
                SubnetKind::Isolated,
                &["10.1.0.0/24", "10.0.1.0/24"],
            )]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            outside.contains("outside the VPC CIDR 10.0.0.0/16"),
            "{outside}"
        );
    }

    #[test]
    fn rejects_more_azs_than_the_cidr_holds() {
        let err = plan("10.0.0.0/18", 3).unwrap_err().to_string();
        assert!(err.contains("cannot hold 3 AZs"), "{err}");
    }
}
