//! `IrsaRole`: IAM roles for Kubernetes service accounts. One call creates
//! the IAM role (trust pinned to `sub` and `aud` of the cluster's OIDC
//! provider) and the ServiceAccount annotated with the role's final ARN, so
//! the two can never disagree.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};

use super::cfn::CfnRole;
use super::policy::{PolicyDocument, PolicyStatement, Principal};
use super::role::inline_policy;
use crate::core::names::{validate_dns1123_label, validate_dns1123_subdomain};
use crate::core::value::{partition_of, ArnPart};
use crate::core::{Arn, Error, ObjectRef, ResourceRef, Scope, Value};

/// The annotation EKS reads to give a pod the role's credentials.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// A cluster's IAM OIDC provider, as IRSA trust policies need it.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcProviderRef {
    /// The provider's ARN.
    pub arn: Value,
    /// The issuer URL without `https://` (e.g. `oidc.eks.REGION.amazonaws.com/id/X`).
    pub issuer_host: Value,
}

/// Props of an `IrsaRole`.
#[derive(Debug, Clone)]
pub struct IrsaRoleProps {
    /// The cluster's OIDC provider (`EksCluster::oidc_provider()`). Required (no default).
    pub oidc: OidcProviderRef,
    /// The ServiceAccount's namespace; a DNS-1123 label. Default: `default`.
    pub namespace: String,
    /// The ServiceAccount's name; a DNS-1123 subdomain. Required (no default).
    pub service_account: String,
    /// Permissions, as one inline policy. Default: none.
    pub statements: Vec<PolicyStatement>,
    /// Managed policies to attach. Default: none.
    pub managed_policy_arns: Vec<Value>,
}

impl Default for IrsaRoleProps {
    fn default() -> Self {
        IrsaRoleProps {
            oidc: OidcProviderRef {
                arn: Value::str(""),
                issuer_host: Value::str(""),
            },
            namespace: "default".into(),
            service_account: String::new(),
            statements: Vec::new(),
            managed_policy_arns: Vec::new(),
        }
    }
}

/// An IAM role and the ServiceAccount that uses it.
#[derive(Debug, Clone)]
pub struct IrsaRole {
    /// The IAM role.
    pub role: ResourceRef<CfnRole>,
    /// The role's final ARN, known at synth (the role name is deterministic).
    pub role_arn: String,
    /// The annotated ServiceAccount.
    pub service_account: ObjectRef<ServiceAccount>,
}

impl IrsaRole {
    /// Creates the role and the ServiceAccount. `scope` must be under a
    /// Chart inside a Stack whose environment has an account.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: IrsaRoleProps) -> Result<IrsaRole, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        validate_dns1123_label(&props.namespace).map_err(|e| {
            Error::construct(
                path.clone(),
                format!("IRSA namespace: {e}"),
                "the trust policy pins system:serviceaccount:<namespace>:<name>; use a valid namespace",
            )
        })?;
        validate_dns1123_subdomain(&props.service_account).map_err(|e| {
            Error::construct(
                path.clone(),
                format!("IRSA service account name: {e}"),
                "use a name such as \"order-service-sa\"",
            )
        })?;
        if props.oidc.arn.as_literal() == Some("") {
            return Err(Error::construct(
                path,
                "IRSA needs the cluster's OIDC provider",
                "set IrsaRoleProps::oidc to cluster.oidc_provider()",
            ));
        }
        let Some(cluster) = scope.cluster().map(str::to_string) else {
            return Err(Error::construct(
                path,
                "an IrsaRole creates a ServiceAccount, so it must be inside a Chart",
                "create it in a scope under a Chart (itself inside a Stack)",
            ));
        };
        let account = scope
            .env()
            .and_then(|e| e.account.clone())
            .ok_or_else(|| {
                Error::construct(
                    path.clone(),
                    "IrsaRole needs the stack's account (the ServiceAccount annotation holds the final role ARN), but the stack has no account in its environment",
                    "set StackProps { env: Env::new(ACCOUNT, REGION) } on the enclosing stack",
                )
            })?;
        let partition = scope
            .env()
            .and_then(|e| e.region.as_deref())
            .map(partition_of)
            .unwrap_or("aws");
        let role_name = irsa_role_name(&cluster, &props.namespace, &props.service_account);
        let arn = Arn::new("iam", format!("role/{role_name}"))
            .region(ArnPart::Empty)
            .account(ArnPart::Literal(account));
        // Invariant: every part of this ARN is literal.
        let role_arn = arn.literal(partition).expect("literal ARN parts");

        let subject = format!(
            "system:serviceaccount:{}:{}",
            props.namespace, props.service_account
        );
        let trust = web_identity_trust(&props.oidc, &props.namespace, &props.service_account);

        let mut s = scope.child(id)?;
        let role = s.add_resource(
            "Role",
            CfnRole {
                role_name: Some(role_name.into()),
                description: Some(format!("IRSA role of {subject} on cluster {cluster}").into()),
                managed_policy_arns: (!props.managed_policy_arns.is_empty())
                    .then_some(props.managed_policy_arns),
                policies: inline_policy(props.statements),
                ..CfnRole::new(trust)
            },
        )?;
        let mut annotations = BTreeMap::new();
        annotations.insert(ROLE_ARN_ANNOTATION.to_string(), role_arn.clone());
        let service_account = s.add_object(
            "ServiceAccount",
            ServiceAccount {
                metadata: ObjectMeta {
                    name: Some(props.service_account),
                    namespace: Some(props.namespace),
                    annotations: Some(annotations),
                    ..Default::default()
                },
                ..Default::default()
            },
        )?;
        Ok(IrsaRole {
            role,
            role_arn,
            service_account,
        })
    }
}

/// The trust policy of an IRSA role: the cluster's OIDC provider may
/// assume it for exactly one service account (`sub`), for STS (`aud`).
pub fn web_identity_trust(
    oidc: &OidcProviderRef,
    namespace: &str,
    service_account: &str,
) -> PolicyDocument {
    let subject = format!("system:serviceaccount:{namespace}:{service_account}");
    let claim = |suffix: &str| Value::join("", vec![oidc.issuer_host.clone(), Value::str(suffix)]);
    PolicyDocument::new(vec![PolicyStatement::trust(
        Principal::Federated(oidc.arn.clone()),
        ["sts:AssumeRoleWithWebIdentity"],
    )
    .with_condition("StringEquals", claim(":sub"), vec![Value::Str(subject)])
    .with_condition(
        "StringEquals",
        claim(":aud"),
        vec![Value::str("sts.amazonaws.com")],
    )])
}

/// The deterministic role name `<cluster>-<namespace>-<name>`; over IAM's
/// 64 characters it is cut and suffixed with a hash of the full name.
pub fn irsa_role_name(cluster: &str, namespace: &str, service_account: &str) -> String {
    let full: String = format!("{cluster}-{namespace}-{service_account}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if full.len() <= 64 {
        return full;
    }
    let digest = Sha256::digest(full.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", full[..64 - 9].trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_deterministic_and_bounded() {
        assert_eq!(irsa_role_name("c", "ns", "sa"), "c-ns-sa");
        let long = irsa_role_name(&"x".repeat(40), "namespace", &"y".repeat(40));
        assert!(long.len() <= 64, "{long}");
        assert_eq!(
            long,
            irsa_role_name(&"x".repeat(40), "namespace", &"y".repeat(40))
        );
        assert_ne!(
            long,
            irsa_role_name(&"x".repeat(40), "namespace", &"y".repeat(41))
        );
    }
}
