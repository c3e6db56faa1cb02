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
    let hash = hex::encode(&digest[..4]);
    format!("{}-{hash}", full[..64 - 9].trim_end_matches('-'))
}

/// Every subject (`system:serviceaccount:…`) written literally inside a
/// trust policy: as a condition value, or inside the JSON text of the
/// `Fn::Sub` that IRSA trust policies become (the issuer is a JSON key).
fn subjects_in(v: &Value, out: &mut Vec<String>) {
    let mut scan = |text: &str| {
        for (at, _) in text.match_indices(SUBJECT_PREFIX) {
            let subject: String = text[at..]
                .chars()
                .take_while(|c| !matches!(c, '"' | '\\') && !c.is_whitespace())
                .collect();
            if !subject.contains("${") {
                out.push(subject);
            }
        }
    };
    match v {
        Value::Str(s) => scan(s),
        Value::Sub(template, vars) => {
            scan(template);
            vars.iter().for_each(|(_, i)| subjects_in(i, out));
        }
        Value::List(items) | Value::Join(_, items) => {
            items.iter().for_each(|i| subjects_in(i, out))
        }
        Value::Map(m) => m.values().for_each(|i| subjects_in(i, out)),
        Value::If(_, a, b) => {
            subjects_in(a, out);
            subjects_in(b, out);
        }
        _ => {}
    }
}

/// IAM's `StringLike` matching (`*` any run, `?` one character); a subject
/// without either matches only itself.
fn subject_matches(pattern: &str, subject: &str) -> bool {
    // The classic greedy matcher with one backtrack point: O(p·s) at worst.
    let (p, s) = (pattern.as_bytes(), subject.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < s.len() {
        if i < p.len() && (p[i] == b'?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// The ServiceAccount prefix of an IRSA trust policy's `sub` claim.
const SUBJECT_PREFIX: &str = "system:serviceaccount:";

/// `MS-IAM-2`: a ServiceAccount annotated with a role of the app (by its
/// literal name) whose trust policy names service accounts, none of them
/// this one. STS then denies `AssumeRoleWithWebIdentity` at run time and
/// the pods run without AWS credentials. Roles whose names or trust are
/// not literal, and trust policies that name no service account, are not
/// judged.
pub fn service_accounts_admitted(app: &crate::core::App, out: &mut Vec<crate::core::Diagnostic>) {
    let service_accounts = app.objects_of_kind("ServiceAccount");
    if service_accounts.is_empty() {
        return;
    }
    let mut roles: BTreeMap<String, (&str, Vec<String>)> = BTreeMap::new();
    let mut add = |path, name: Option<&Value>, trust: Option<&Value>| {
        let (Some(name), Some(trust)) = (name.and_then(Value::as_literal), trust) else {
            return;
        };
        let mut subjects = Vec::new();
        subjects_in(trust, &mut subjects);
        if !subjects.is_empty() {
            roles.insert(name.to_string(), (path, subjects));
        }
    };
    for (path, r) in app.resources_of::<CfnRole>() {
        add(
            path,
            r.role_name.as_ref(),
            Some(&r.assume_role_policy_document),
        );
    }
    for (path, r) in app.raw_resources_of("AWS::IAM::Role") {
        add(
            path,
            r.properties.get("RoleName"),
            r.properties.get("AssumeRolePolicyDocument"),
        );
    }
    for e in service_accounts {
        let meta = e.object.metadata();
        let Some(arn) = meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(ROLE_ARN_ANNOTATION))
        else {
            continue;
        };
        let Some(role_name) = arn.strip_prefix("arn:").and_then(|a| a.rsplit('/').next()) else {
            continue;
        };
        let Some((role_path, subjects)) = roles.get(role_name) else {
            continue;
        };
        let ns = meta.namespace.as_deref().unwrap_or("default");
        let name = meta.name.as_deref().unwrap_or_default();
        let subject = format!("{SUBJECT_PREFIX}{ns}:{name}");
        if subjects.iter().any(|p| subject_matches(p, &subject)) {
            continue;
        }
        out.push(
            crate::core::Diagnostic::error(
                e.path,
                format!(
                    "ServiceAccount {ns}/{name} is annotated with the role {role_name} ({role_path}), whose trust policy admits only {}: STS denies AssumeRoleWithWebIdentity and its pods get no AWS credentials",
                    subjects.join(", ")
                ),
            )
            .with_code(crate::aws::security::codes::MS_IAM_2)
            .with_hint(format!(
                "create the role for this ServiceAccount (IrsaRole with namespace {ns:?} and service_account {name:?} writes both), or annotate the ServiceAccount the role was made for"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_match_as_string_like_does() {
        let s = "system:serviceaccount:shop:worker";
        assert!(subject_matches(s, s));
        assert!(subject_matches("system:serviceaccount:shop:*", s));
        assert!(subject_matches("system:serviceaccount:sho?:worker", s));
        assert!(!subject_matches("system:serviceaccount:shop:worker-sa", s));
        assert!(!subject_matches("system:serviceaccount:shop:work", s));
    }

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
