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

pub mod cfn;
pub mod grants;
pub mod irsa;
pub mod policy;
mod role;

pub use irsa::{IrsaRole, IrsaRoleProps, OidcProviderRef};
pub use policy::{Condition, Effect, PolicyDocument, PolicyStatement, Principal};
pub use role::{
    aws_managed_policy, same_account, ManagedPolicy, ManagedPolicyProps, Role, RoleProps,
};
