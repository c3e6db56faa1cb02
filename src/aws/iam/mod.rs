//! IAM family: typed policy documents, roles, and IRSA (IAM roles for
//! Kubernetes service accounts), with their L1 types.

pub mod cfn;
pub mod irsa;
pub mod policy;
mod role;

pub use irsa::{IrsaRole, IrsaRoleProps, OidcProviderRef};
pub use policy::{Condition, Effect, PolicyDocument, PolicyStatement, Principal};
pub use role::{
    aws_managed_policy, same_account, ManagedPolicy, ManagedPolicyProps, Role, RoleProps,
};
