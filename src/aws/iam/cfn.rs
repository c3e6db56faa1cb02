//! L1 types of the IAM family (`AWS::IAM::*`), mechanical: one struct per
//! CloudFormation type; policy documents are typed (`PolicyDocument`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_IAM.html>

use serde::Serialize;

use super::policy::PolicyDocument;
use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// An inline policy of a role.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRoleInlinePolicy {
    /// `PolicyName`: The friendly name (not ARN) identifying the policy.
    pub policy_name: String,
    /// `PolicyDocument`: The entire contents of the policy that defines permissions.
    pub policy_document: PolicyDocument,
}

/// `AWS::IAM::Role`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRole {
    /// `RoleName`: A name for the IAM role, up to 64 characters in length.
    pub role_name: Option<String>,
    /// `Description`: A description of the role that you provide.
    pub description: Option<String>,
    /// `AssumeRolePolicyDocument`: The trust policy that is associated with this role.
    pub assume_role_policy_document: Option<PolicyDocument>,
    /// `ManagedPolicyArns`: A list of Amazon Resource Names (ARNs) of the IAM managed policies that you want to attach to the role.
    pub managed_policy_arns: Option<Vec<Value>>,
    /// `Policies`: Adds or updates an inline policy document that is embedded in the specified IAM role.
    pub policies: Option<Vec<CfnRoleInlinePolicy>>,
    /// `MaxSessionDuration`: The maximum session duration (in seconds) that you want to set for the specified role.
    pub max_session_duration: Option<i64>,
    /// `Path`: The path to the role.
    pub path: Option<String>,
    /// `PermissionsBoundary`: The ARN of the policy used to set the permissions boundary for the role.
    pub permissions_boundary: Option<Value>,
    /// `Tags`: A list of tags that are attached to the role.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnRole {
    const TYPE: &'static str = "AWS::IAM::Role";
}

impl ResourceRef<CfnRole> {
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

/// `AWS::IAM::Policy` (an inline policy attached to roles).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnPolicy {
    /// `PolicyName`: The name of the policy document.
    pub policy_name: Option<String>,
    /// `PolicyDocument`: The policy document.
    pub policy_document: Option<PolicyDocument>,
    /// `Roles`: The name of the role to associate the policy with.
    pub roles: Option<Vec<Value>>,
}

impl CfnResource for CfnPolicy {
    const TYPE: &'static str = "AWS::IAM::Policy";
}

/// `AWS::IAM::ManagedPolicy` (a customer-managed policy).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnManagedPolicy {
    /// `ManagedPolicyName`: The friendly name of the policy.
    pub managed_policy_name: Option<String>,
    /// `Description`: A friendly description of the policy.
    pub description: Option<String>,
    /// `Path`: The path for the policy.
    pub path: Option<String>,
    /// `PolicyDocument`: The policy document.
    pub policy_document: Option<PolicyDocument>,
    /// `Roles`: The name (friendly name, not ARN) of the role to attach the policy to.
    pub roles: Option<Vec<Value>>,
}

impl CfnResource for CfnManagedPolicy {
    const TYPE: &'static str = "AWS::IAM::ManagedPolicy";
}

impl ResourceRef<CfnManagedPolicy> {
    /// `Ref`: the policy ARN.
    pub fn policy_arn(&self) -> Value {
        self.reference()
    }
}

/// `AWS::IAM::OIDCProvider`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnOidcProvider {
    /// `Url`: the issuer URL of the OIDC identity provider.
    pub url: Option<Value>,
    /// `ClientIdList`: the audiences (client ids) the provider's tokens may carry.
    pub client_id_list: Option<Vec<String>>,
    /// `ThumbprintList`: server certificate thumbprints of the provider.
    pub thumbprint_list: Option<Vec<String>>,
    /// `Tags`: A list of tags that are attached to the role.
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnOidcProvider {
    const TYPE: &'static str = "AWS::IAM::OIDCProvider";
}

impl ResourceRef<CfnOidcProvider> {
    /// `Ref`: the provider ARN.
    pub fn arn(&self) -> Value {
        self.reference()
    }
}
