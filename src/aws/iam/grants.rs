//! Least-privilege statements that several families grant, written once so
//! no construct formats an ARN or an action list by hand. The families'
//! `grant_*` methods return these for an IRSA role's or a role's statements.

use crate::aws::iam::PolicyStatement;
use crate::core::value::Pseudo;
use crate::core::Value;

/// `secretsmanager:GetSecretValue` and `DescribeSecret` on `secret`; with a
/// customer key, `kms:Decrypt` on it only through Secrets Manager in this
/// region (`kms:ViaService`).
pub fn read_secret(secret: Value, key: Option<Value>) -> Vec<PolicyStatement> {
    let mut out = vec![PolicyStatement::allow(
        [
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret",
        ],
        [secret],
    )];
    if let Some(key) = key {
        out.push(decrypt_via(key, "secretsmanager"));
    }
    out
}

/// `kms:Decrypt` on `key`, only when `service` calls KMS on the caller's
/// behalf in this region.
pub fn decrypt_via(key: Value, service: &str) -> PolicyStatement {
    PolicyStatement::allow(["kms:Decrypt"], [key]).with_condition(
        "StringEquals",
        "kms:ViaService",
        vec![Value::Join(
            String::new(),
            vec![
                Value::Str(format!("{service}.")),
                Value::Pseudo(Pseudo::Region),
                Value::str(".amazonaws.com"),
            ],
        )],
    )
}
