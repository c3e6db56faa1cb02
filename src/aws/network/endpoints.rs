//! VPC endpoints: an S3 gateway endpoint on the private and isolated route
//! tables, and interface endpoints (ECR, STS, Logs) in the private subnets
//! behind a security group that admits HTTPS from the VPC only.

use super::cfn::vpc_endpoint::{self, VpcEndpointType};
use super::cfn::CfnVPCEndpoint;
use super::security_group::{Port, SecurityGroup, SecurityGroupProps};
use crate::core::{Error, Scope, Value};

/// A VPC endpoint the `Vpc` can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// S3 gateway endpoint (free; image layers from ECR come from S3).
    S3Gateway,
    /// ECR API and Docker registry interface endpoints.
    Ecr,
    /// STS interface endpoint (IRSA token exchange).
    Sts,
    /// CloudWatch Logs interface endpoint.
    Logs,
}

impl Endpoint {
    fn services(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Endpoint::S3Gateway => &[("S3", "s3")],
            Endpoint::Ecr => &[("EcrApi", "ecr.api"), ("EcrDkr", "ecr.dkr")],
            Endpoint::Sts => &[("Sts", "sts")],
            Endpoint::Logs => &[("Logs", "logs")],
        }
    }
}

/// Where a VPC's endpoints go: the narrow view of the `Vpc` they need.
pub(super) struct EndpointPlacement {
    /// The VPC id.
    pub vpc_id: Value,
    /// The VPC CIDR, admitted to the interface endpoints on 443.
    pub cidr: String,
    /// The private subnets, where interface endpoints live.
    pub private_subnets: Vec<Value>,
    /// The route tables of private and isolated subnets, for the S3 gateway.
    pub route_tables: Vec<Value>,
}

pub(super) fn add_endpoints(
    s: &mut Scope<'_>,
    at: &EndpointPlacement,
    endpoints: &[Endpoint],
) -> Result<(), Error> {
    if endpoints.is_empty() {
        return Ok(());
    }
    let path = s.path().to_string();
    let private = &at.private_subnets;
    let route_tables = &at.route_tables;
    let mut es = s.child("Endpoints")?;
    let mut sg: Option<SecurityGroup> = None;
    let mut seen = Vec::new();
    for ep in endpoints {
        if seen.contains(ep) {
            continue;
        }
        seen.push(*ep);
        for (id, service) in ep.services() {
            let service_name = Value::sub(format!("com.amazonaws.${{AWS::Region}}.{service}"));
            let tags = Some(vec![vpc_endpoint::Tag::new(
                "Name",
                format!("{path}/{service}"),
            )]);
            if *ep == Endpoint::S3Gateway {
                if route_tables.is_empty() {
                    return Err(Error::construct(
                        format!("{path}/Endpoints/{id}"),
                        "an S3 gateway endpoint needs private or isolated subnets",
                        "add a Private or Isolated subnet group",
                    ));
                }
                es.add_resource(
                    id,
                    CfnVPCEndpoint {
                        service_name: Some(service_name),
                        vpc_endpoint_type: Some(VpcEndpointType::Gateway),
                        route_table_ids: Some(route_tables.clone()),
                        tags,
                        ..CfnVPCEndpoint::new(at.vpc_id.clone())
                    },
                )?;
                continue;
            }
            if private.is_empty() {
                return Err(Error::construct(
                    format!("{path}/Endpoints/{id}"),
                    "interface endpoints need private subnets",
                    "add a Private subnet group",
                ));
            }
            let group = match sg {
                Some(g) => g,
                None => {
                    let g = SecurityGroup::new(
                        &mut es,
                        "SecurityGroup",
                        SecurityGroupProps {
                            vpc_id: at.vpc_id.clone(),
                            description: format!("{path}: interface endpoints"),
                            allow_all_outbound: false,
                        },
                    )?;
                    g.allow_from_cidr(
                        &mut es,
                        &at.cidr,
                        Port::tcp(443),
                        "HTTPS to the endpoints from inside the VPC",
                    )?;
                    sg = Some(g);
                    g
                }
            };
            es.add_resource(
                id,
                CfnVPCEndpoint {
                    service_name: Some(service_name),
                    vpc_endpoint_type: Some(VpcEndpointType::Interface),
                    subnet_ids: Some(private.clone()),
                    security_group_ids: Some(vec![group.group_id()]),
                    private_dns_enabled: Some(true.into()),
                    tags,
                    ..CfnVPCEndpoint::new(at.vpc_id.clone())
                },
            )?;
        }
    }
    Ok(())
}
