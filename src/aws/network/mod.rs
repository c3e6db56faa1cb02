//! Network family: VPC, subnets, routing, flow logs, endpoints, security
//! groups and their L1 types.

pub mod cfn;
mod endpoints;
mod security_group;
mod vpc;

pub use endpoints::Endpoint;
pub use security_group::{Port, SecurityGroup, SecurityGroupProps, WorldIngress};
pub use vpc::{FlowLogProps, Subnet, SubnetGroup, SubnetKind, Vpc, VpcProps};
