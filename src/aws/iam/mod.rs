//! IAM family: typed policy documents, roles, and IRSA (IAM roles for
//! Kubernetes service accounts), with their L1 types.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::iam::{PolicyStatement, Principal, Role, RoleProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps, Value};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let st = Stack::new(&mut app.root(), "acme-iam",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     Role::new(&mut app.scope(st.node())?, "Exporter", RoleProps {
//!         assumed_by: vec![Principal::Service(Value::str("ec2.amazonaws.com"))],
//!         statements: vec![PolicyStatement::allow(["cloudwatch:PutMetricData"], [Value::str("*")])],
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-iam").resource_count_is("AWS::IAM::Role", 1);
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::iam as cfn;
pub mod grants;
pub mod irsa;
pub mod policy;
mod role;

pub use irsa::{IrsaRole, IrsaRoleProps, OidcProviderRef};
pub use policy::{Condition, Effect, PolicyDocument, PolicyStatement, Principal};
pub use role::{
    aws_managed_policy, same_account, ManagedPolicy, ManagedPolicyProps, Role, RoleProps,
};

use crate::core::{ResourceRef, Value};

impl ResourceRef<cfn::CfnRole> {
    /// `Ref`: the role name.
    pub fn role_name(&self) -> Value {
        self.reference()
    }
    /// The role ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The stable role id.
    pub fn role_id(&self) -> Value {
        self.attr("RoleId")
    }
}

impl ResourceRef<cfn::CfnManagedPolicy> {
    /// `Ref`: the policy ARN.
    pub fn policy_arn(&self) -> Value {
        self.reference()
    }
}

impl ResourceRef<cfn::CfnOIDCProvider> {
    /// `Ref`: the provider ARN.
    pub fn arn(&self) -> Value {
        self.reference()
    }
}
