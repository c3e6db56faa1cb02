//! Network family: VPC, subnets, routing and their L1 types.

pub mod cfn;
mod vpc;

pub use vpc::{SubnetGroup, SubnetKind, Vpc, VpcProps};
