//! KMS family: customer-managed keys with rotation on, an alias, and a key
//! policy scoped to the account and to the services that use the key.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let keys = Stack::new(&mut app.root(), "acme-keys",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     Key::new(&mut app.scope(keys.node())?, "DataKey", KeyProps {
//!         alias: Some("acme/data".into()),
//!         // Who may use the key besides the account's administrators.
//!         users: vec![KeyUser::CloudWatchLogs, KeyUser::ViaService("rds".into())],
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-keys").has_resource_properties("AWS::KMS::Key", serde_json::json!({ "EnableKeyRotation": true }));
//! synth.template("acme-keys").resource_count_is("AWS::KMS::Alias", 1);
//! ```

/// The generated L1 structs of KMS (`AWS::KMS::*`) the constructs build on.
pub use crate::aws::cfn::kms as cfn;

use cfn::{CfnAlias, CfnKey};

use crate::aws::iam::{PolicyDocument, PolicyStatement, Principal};
use crate::core::value::ArnPart;
use crate::core::{Arn, Error, Pseudo, ResourceRef, Scope, Value};

/// A service that may use the key, through the key policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUser {
    /// CloudWatch Logs in the stack's region (encrypted log groups).
    CloudWatchLogs,
    /// Principals of this account (as their IAM policies allow) using the
    /// key through one service's endpoint (`kms:ViaService`), e.g. `rds`,
    /// `kafka`, `elasticache`, `secretsmanager`, `eks`, `ec2`.
    ViaService(String),
    /// The EC2 Auto Scaling service-linked role, which launches EKS nodes:
    /// needed when node volumes are encrypted with this key.
    Ec2AutoScaling,
    /// An AWS service acting as itself, by its service principal
    /// (`sns.amazonaws.com` delivering to an encrypted queue,
    /// `events.amazonaws.com`, `cloudwatch.amazonaws.com` publishing to an
    /// encrypted topic): `kms:GenerateDataKey*` and `kms:Decrypt`, only for
    /// calls made on behalf of this account (`aws:SourceAccount`).
    Service(String),
}

/// Props of a `Key`.
#[derive(Debug, Clone)]
pub struct KeyProps {
    /// Description. Default: the construct path.
    pub description: Option<String>,
    /// Alias without the `alias/` prefix. Default: none.
    pub alias: Option<String>,
    /// Services allowed to use the key. Default: none (account principals
    /// with IAM permissions only).
    pub users: Vec<KeyUser>,
    /// Annual automatic rotation. Default: true (turning it off fails the
    /// `AwsSolutions-KMS5` rule unless suppressed).
    pub rotation: bool,
    /// Days before a deleted key is destroyed. Default: 30.
    pub pending_window_days: i64,
}

impl Default for KeyProps {
    fn default() -> Self {
        KeyProps {
            description: None,
            alias: None,
            users: Vec::new(),
            rotation: true,
            pending_window_days: 30,
        }
    }
}

/// A symmetric customer-managed KMS key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The L1 key.
    pub resource: ResourceRef<CfnKey>,
}

impl Key {
    /// Adds a key (and its alias, when asked).
    pub fn new(scope: &mut Scope<'_>, id: &str, props: KeyProps) -> Result<Key, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        if !(7..=30).contains(&props.pending_window_days) {
            scope.refuse(Error::construct(
                &path,
                format!(
                    "pending window {} days is outside 7..30",
                    props.pending_window_days
                ),
                "KMS accepts 7 to 30 days",
            ));
        }
        let account_root = Arn::new("iam", "root").region(ArnPart::Empty).value();
        let mut statements = vec![PolicyStatement::allow(["kms:*"], [Value::str("*")])
            .with_sid("AccountAdministersKeyThroughIam")
            .with_principal(Principal::Aws(account_root.clone()))];
        for user in &props.users {
            statements.extend(user_statements(user, &account_root));
        }
        let key_policy = PolicyDocument::new(statements);
        let mut s = scope.child(id)?;
        let resource = s.add_resource(
            "Resource",
            CfnKey {
                description: Some(props.description.unwrap_or_else(|| path.clone()).into()),
                enable_key_rotation: Some(props.rotation.into()),
                key_policy: Some(key_policy.into()),
                key_spec: Some(cfn::key::KeySpec::SymmetricDefault),
                key_usage: Some(cfn::key::KeyUsage::EncryptDecrypt),
                pending_window_in_days: Some(props.pending_window_days.into()),
                ..Default::default()
            },
        )?;
        // A replaced key would orphan every ciphertext made with it.
        let opts = s.options(resource.node())?;
        opts.deletion_policy = Some(crate::core::DeletionPolicy::Retain);
        opts.update_replace_policy = Some(crate::core::DeletionPolicy::Retain);
        if let Some(alias) = props.alias {
            let ok = !alias.is_empty()
                && !alias.starts_with("aws/")
                && alias
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c));
            if !ok {
                s.refuse(Error::construct(
                    &path,
                    format!("alias {alias:?} is not a valid KMS alias name"),
                    "use letters, digits, '/', '_' and '-', without the alias/ prefix and not starting with aws/",
                ));
            }
            s.add_resource(
                "Alias",
                CfnAlias::new(format!("alias/{alias}"), resource.key_id()),
            )?;
        }
        Ok(Key { resource })
    }

    /// The key ARN.
    pub fn arn(&self) -> Value {
        self.resource.arn()
    }

    /// The key id (`Ref`).
    pub fn key_id(&self) -> Value {
        self.resource.key_id()
    }

    /// Lets one more user use the key, after the key was made: the
    /// integrations call it (a topic delivering to a queue encrypted with
    /// this key admits `sns.amazonaws.com`). A user already admitted is not
    /// added twice.
    pub fn admit(&self, scope: &mut Scope<'_>, user: KeyUser) -> Result<(), Error> {
        let account_root = Arn::new("iam", "root").region(ArnPart::Empty).value();
        let statements = user_statements(&user, &account_root);
        let path = scope.path().to_string();
        let appended = scope
            .resource_mut(&self.resource)
            .and_then(|k| k.key_policy.as_mut())
            .is_some_and(|doc| crate::aws::iam::policy::append_statements(doc, statements));
        if appended {
            Ok(())
        } else {
            Err(Error::construct(
                path,
                "the key's policy cannot be extended (it is not this app's key, or its policy was replaced)",
                "admit the user in KeyProps::users instead",
            ))
        }
    }
}

/// The key-policy statements that let `user` use the key.
fn user_statements(user: &KeyUser, account_root: &Value) -> Vec<PolicyStatement> {
    let crypto = [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:DescribeKey",
    ];
    match user {
        KeyUser::CloudWatchLogs => vec![PolicyStatement::allow(crypto, [Value::str("*")])
            .with_sid("CloudWatchLogsInThisAccount")
            .with_principal(Principal::Service(Value::sub(
                "logs.${AWS::Region}.amazonaws.com",
            )))
            .with_condition(
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                vec![Arn::new("logs", "log-group:*").value()],
            )],
        KeyUser::Ec2AutoScaling => {
            let slr = Principal::Aws(
                Arn::new(
                    "iam",
                    "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                )
                .region(ArnPart::Empty)
                .value(),
            );
            vec![
                PolicyStatement::allow(crypto, [Value::str("*")])
                    .with_sid("Ec2AutoScalingUsesKey")
                    .with_principal(slr.clone()),
                PolicyStatement::allow(["kms:CreateGrant"], [Value::str("*")])
                    .with_sid("Ec2AutoScalingGrantsToAwsResources")
                    .with_principal(slr)
                    .with_condition(
                        "Bool",
                        "kms:GrantIsForAWSResource",
                        vec![Value::str("true")],
                    ),
            ]
        }
        KeyUser::ViaService(service) => vec![PolicyStatement::allow(
            crypto.iter().copied().chain(["kms:CreateGrant"]),
            [Value::str("*")],
        )
        .with_sid(&format!("Via{}", sid_part(service)))
        .with_principal(Principal::Aws(account_root.clone()))
        .with_condition(
            "StringEquals",
            "kms:ViaService",
            vec![Value::sub(format!(
                "{service}.${{AWS::Region}}.amazonaws.com"
            ))],
        )
        .with_condition(
            "StringEquals",
            "kms:CallerAccount",
            vec![Value::Pseudo(Pseudo::AccountId)],
        )],
        KeyUser::Service(principal) => vec![PolicyStatement::allow(
            [
                "kms:Decrypt",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            [Value::str("*")],
        )
        .with_sid(&format!(
            "{}UsesKey",
            sid_part(principal.split('.').next().unwrap_or(principal))
        ))
        .with_principal(Principal::Service(Value::str(principal)))
        .with_condition(
            "StringEquals",
            "aws:SourceAccount",
            vec![Value::Pseudo(Pseudo::AccountId)],
        )],
    }
}

fn sid_part(service: &str) -> String {
    service
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

impl ResourceRef<CfnKey> {
    /// `Ref`: the key id.
    pub fn key_id(&self) -> Value {
        self.reference()
    }
    /// The key ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
}
