//! L1 types of the IAM family (`AWS::IAM::*`), mechanical: one struct per
//! CloudFormation type; policy documents are typed (`PolicyDocument`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_IAM.html>

use serde::Serialize;

use super::policy::PolicyDocument;
use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, TagStyle, Value};

/// An inline policy of a role.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRoleInlinePolicy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

/// `AWS::IAM::Role`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnRole {
    pub role_name: Option<String>,
    pub description: Option<String>,
    pub assume_role_policy_document: Option<PolicyDocument>,
    pub managed_policy_arns: Option<Vec<Value>>,
    pub policies: Option<Vec<CfnRoleInlinePolicy>>,
    pub max_session_duration: Option<i64>,
    pub path: Option<String>,
    pub permissions_boundary: Option<Value>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnRole {
    const TYPE: &'static str = "AWS::IAM::Role";
    const CREATE_ONLY: &'static [&'static str] = &["Path", "RoleName"];
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
    pub policy_name: Option<String>,
    pub policy_document: Option<PolicyDocument>,
    pub roles: Option<Vec<Value>>,
}

impl CfnResource for CfnPolicy {
    const TYPE: &'static str = "AWS::IAM::Policy";
    const TAGS: TagStyle = TagStyle::None;
}

/// `AWS::IAM::ManagedPolicy` (a customer-managed policy).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnManagedPolicy {
    pub managed_policy_name: Option<String>,
    pub description: Option<String>,
    pub path: Option<String>,
    pub policy_document: Option<PolicyDocument>,
    pub roles: Option<Vec<Value>>,
}

impl CfnResource for CfnManagedPolicy {
    const TYPE: &'static str = "AWS::IAM::ManagedPolicy";
    const CREATE_ONLY: &'static [&'static str] = &["Description", "ManagedPolicyName", "Path"];
    const TAGS: TagStyle = TagStyle::None;
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
    pub url: Option<Value>,
    pub client_id_list: Option<Vec<String>>,
    pub thumbprint_list: Option<Vec<String>>,
    pub tags: Option<Vec<CfnTag>>,
}

impl CfnResource for CfnOidcProvider {
    const TYPE: &'static str = "AWS::IAM::OIDCProvider";
    const CREATE_ONLY: &'static [&'static str] = &["Url"];
}

impl ResourceRef<CfnOidcProvider> {
    /// `Ref`: the provider ARN.
    pub fn arn(&self) -> Value {
        self.reference()
    }
}
