//! Network family: VPC, subnets, routing, flow logs, endpoints, security
//! groups and their L1 types.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::network::{Port, SecurityGroup, SecurityGroupProps, SubnetKind, Vpc, VpcProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let net = Stack::new(&mut app.root(), "acme-network",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(net.node())?;
//!     // Public, private and isolated subnets in 3 AZs, flow logs to an encrypted log group.
//!     let vpc = Vpc::new(&mut s, "Vpc", VpcProps { cidr: "10.20.0.0/16".into(), ..Default::default() })?;
//!     let sg = SecurityGroup::new(&mut s, "Pods", SecurityGroupProps {
//!         vpc_id: vpc.vpc_id(),
//!         description: "application pods".into(),
//!         allow_all_outbound: true,
//!     })?;
//!     sg.allow_from_cidr(&mut s, "10.20.0.0/16", Port::tcp(443), "HTTPS inside the VPC")?;
//!     assert_eq!(vpc.subnet_ids(SubnetKind::Private).len(), 3);
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-network").resource_count_is("AWS::EC2::VPC", 1);
//! synth.template("acme-network").has_resource_properties("AWS::EC2::FlowLog", serde_json::json!({ "TrafficType": "ALL" }));
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::ec2 as cfn;
mod endpoints;
mod security_group;
mod subnets;
mod vpc;

pub use endpoints::Endpoint;
pub use security_group::{Port, SecurityGroup, SecurityGroupProps, WorldIngress};
pub use subnets::{SubnetGroup, SubnetKind};
pub use vpc::{FlowLogProps, Subnet, Vpc, VpcProps};

use crate::core::{ResourceRef, Value};
use cfn::{CfnEip, CfnSecurityGroup, CfnSubnet, CfnVpc};

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

impl ResourceRef<CfnEip> {
    /// `Fn::GetAtt` `AllocationId` of the resource.
    pub fn allocation_id(&self) -> Value {
        self.attr("AllocationId")
    }
}

impl ResourceRef<CfnSecurityGroup> {
    /// `Fn::GetAtt` `GroupId` of the resource.
    pub fn group_id(&self) -> Value {
        self.attr("GroupId")
    }
}
