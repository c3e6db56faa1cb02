//! Secrets are never printed: a plan is posted to a pull request and kept in
//! CI logs. A change of a password, an AUTH token, a `NoEcho` parameter or a
//! Kubernetes Secret's data is still listed (added, removed or changed, as
//! `kubectl diff` does) but its values are replaced by [`MASK`].
//!
//! Masking is decided by what a value *is*, not only by where it sits,
//! because a secret can sit anywhere (an env var, an Output, a Mapping, a
//! ConfigMap key, Helm values):
//! - by its name: a key, tag, env var or parameter named like a password,
//!   token, secret, API key or private key (`DB_PASSWORD`, `API_KEY`,
//!   `AWS_SECRET_ACCESS_KEY`, `tls.key`), and the value beside a `name:` /
//!   `Key:` that is named so (env vars, tags, SSM parameters);
//! - by its shape: AWS access key ids, PEM private keys, JWTs, URLs with a
//!   password, well-known token prefixes and long high-entropy strings;
//! - by its source: `NoEcho` parameters, registry write-only properties
//!   named like secrets, and a Kubernetes Secret's `data`/`stringData`.
//!
//! A CloudFormation dynamic reference (`{{resolve:secretsmanager:…}}`) or an
//! intrinsic (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`) is not a secret but a
//! pointer to one: it is shown, and it is the form the plan recommends.

use serde_json::Value as Json;

use super::{Change, ClusterDiff, Snapshot, StackDiff};
use crate::assembly::{LoadedAssembly, ObjectKey};

/// What a plan shows instead of a sensitive value.
pub const MASK: &str = "(sensitive value hidden)";

/// A name compared without case, `_`, `-`, `.` and spaces.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A name that says it holds where a secret is, not the secret
/// (`SecretArn`, `secretName`, `KmsKeyId`, `imagePullSecrets`).
fn reference_name(n: &str) -> bool {
    [
        "arn",
        "id",
        "ids",
        "arns",
        "name",
        "names",
        "type",
        "length",
        "url",
        "ref",
        "refs",
        "version",
        "versionid",
        "path",
        "file",
        "keyref",
        "selector",
        "enabled",
        "rotation",
        "policy",
        "provider",
        "manager",
        "source",
        "mount",
        "count",
        "format",
        "algorithm",
        "secrets",
    ]
    .iter()
    .any(|s| n.ends_with(s) && !n.ends_with("password") && !n.ends_with("token"))
}

/// Whether a property, key or variable name holds a secret whatever the
/// type says. Names are compared without case, `_`, `-` and `.`.
pub(crate) fn secret_name(name: &str) -> bool {
    let n = normalized(name);
    if n.is_empty() || reference_name(&n) {
        return false;
    }
    [
        "password",
        "passphrase",
        "passwd",
        "token",
        "secret",
        "apikey",
        "accesskey",
        "privatekey",
        "signingkey",
        "encryptionkey",
        "clientkey",
        "credential",
        "connectionstring",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n.ends_with("tlskey")
        || n == "auth"
        || n == "dsn"
}

/// Whether a value named `name` is one a plan hides: its name says it is
/// a secret, or the value looks like a credential. For anything that
/// prints a name and a value (deploy prints stack outputs).
pub fn is_sensitive(name: &str, value: &str) -> bool {
    secret_name(name) || secret_value(value)
}

/// Whether a string looks like a credential, wherever it sits.
pub(crate) fn secret_value(s: &str) -> bool {
    let t = s.trim();
    if t.len() < 16 || is_reference(t) {
        return false;
    }
    if t.contains("-----BEGIN") && t.contains("PRIVATE KEY") {
        return true;
    }
    if url_with_password(t) {
        return true;
    }
    let token =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-' | '.');
    if !t.chars().all(token) {
        return false;
    }
    // AWS access key ids (long-term and session).
    if t.len() == 20
        && ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|p| t.starts_with(p))
        && t.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return true;
    }
    // A JWT: three base64url parts, the header a JSON object.
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 3 && parts[0].starts_with("eyJ") && parts.iter().all(|p| p.len() >= 4) {
        return true;
    }
    // Tokens with a well-known prefix (GitHub, GitLab, Slack, Stripe, Google, OpenAI).
    let prefixed = [
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "sk_live_",
        "rk_live_",
        "AIza",
        "sk-",
    ];
    if prefixed.iter().any(|p| t.starts_with(p)) && t.len() >= 20 {
        return true;
    }
    high_entropy(t)
}

/// A long string of mixed letters and digits with little repetition: an AWS
/// secret access key (40 characters), an API token. Names, ids and hashes
/// of meshsynth's own (lower-case or hex) are not.
fn high_entropy(t: &str) -> bool {
    if t.len() < 32 || t.contains('.') {
        return false;
    }
    let upper = t.chars().filter(char::is_ascii_uppercase).count();
    let lower = t.chars().filter(char::is_ascii_lowercase).count();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if wordy(t) {
        return false;
    }
    let base64 = t.contains('/') || t.contains('+');
    if upper < 3 || lower < 3 || digits < 2 && !(base64 && digits >= 1) {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in t.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = t.chars().count() as f64;
    let entropy: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    entropy >= 4.3
}

/// Whether `t` reads as words (a logical id such as
/// `ServiceAccountRoleGenaiDemoOrderIrsaRole8F3C2A1B`): half its letters
/// or more sit in lower-case runs of three or more, which random tokens
/// almost never have.
fn wordy(t: &str) -> bool {
    let letters = t.chars().filter(char::is_ascii_alphabetic).count();
    let (mut in_words, mut run) = (0, 0);
    for c in t.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_lowercase() {
            run += 1;
        } else {
            if run >= 3 {
                in_words += run;
            }
            run = 0;
        }
    }
    in_words * 2 >= letters
}

/// `scheme://user:password@host`.
fn url_with_password(t: &str) -> bool {
    let Some((_, rest)) = t.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .is_some_and(|(_, password)| !password.is_empty() && !is_reference(password))
}

/// A pointer to a secret, not a secret: a dynamic reference, a deferred
/// placeholder, or a `${…}` substitution.
fn is_reference(t: &str) -> bool {
    (t.starts_with("{{resolve:") && t.ends_with("}}")) || t.starts_with("${") || t.starts_with("$(")
}

/// A value a secret-named key may show: a reference to the secret.
fn shows_as_reference(v: &Json) -> bool {
    match v {
        Json::String(s) => is_reference(s.trim()),
        Json::Object(m) => {
            m.len() == 1
                && m.keys()
                    .next()
                    .is_some_and(|k| matches!(k.as_str(), "Ref" | "Fn::GetAtt" | "Fn::ImportValue"))
        }
        _ => false,
    }
}

/// Whether property `name` of `cfn_type` is masked: the registry marks it
/// write-only (CloudFormation never returns it) and its name says it is a
/// secret, or its name alone does.
fn secret_property(cfn_type: &str, name: &str) -> bool {
    if secret_name(name) {
        return true;
    }
    let n = name.to_ascii_lowercase();
    crate::aws::cfn::lookup(cfn_type).is_some_and(|t| {
        t.write_only.contains(name)
            && (n.contains("secret") || n.ends_with("key") && !n.contains("kms"))
    })
}

/// Keys that name the entry whose value sits beside them (env vars, tags,
/// SSM-style name/value pairs).
const NAME_KEYS: &[&str] = &["name", "Name", "key", "Key", "ParameterKey", "OptionName"];
/// Keys that hold the value named by a [`NAME_KEYS`] sibling.
const VALUE_KEYS: &[&str] = &["value", "Value", "ParameterValue", "DefaultValue"];

fn masked() -> Json {
    Json::String(MASK.into())
}

/// Masks, inside `v`, every value under a secret key, every value beside a
/// secret name, and every string shaped like a credential.
fn mask_inside(v: &mut Json, is_secret: &dyn Fn(&str) -> bool) {
    mask_within(v, is_secret, false);
}

/// `under_secret`: `v` sits under a secret key, so its leaves are secret
/// unless their own key says they only point at one (`SecretArn`).
fn mask_within(v: &mut Json, is_secret: &dyn Fn(&str) -> bool, under_secret: bool) {
    if under_secret && shows_as_reference(v) {
        return;
    }
    match v {
        Json::Object(m) => {
            let named_secret = NAME_KEYS
                .iter()
                .any(|k| m.get(*k).and_then(Json::as_str).is_some_and(secret_name));
            for (k, x) in m.iter_mut() {
                let beside_secret = named_secret && VALUE_KEYS.contains(&k.as_str());
                let secret = is_secret(k) || beside_secret || under_secret;
                let secret = secret && !reference_name(&normalized(k));
                mask_within(x, is_secret, secret);
            }
        }
        Json::Array(a) => a
            .iter_mut()
            .for_each(|x| mask_within(x, is_secret, under_secret)),
        Json::String(s) if under_secret || secret_value(s) => *v = masked(),
        Json::Number(_) | Json::Bool(_) if under_secret => *v = masked(),
        _ => {}
    }
}

fn mask_values(c: &mut super::Change) {
    for v in [&mut c.old, &mut c.new].into_iter().flatten() {
        mask_within(v, &secret_name, true);
    }
}

/// The keys of a change path: `Properties.A[0].B` → `Properties`, `A`, `B`
/// (items matched by identity, `env[name=API_KEY]`, are not keys: see
/// [`path_is_secret`]).
fn keys(path: &str) -> impl Iterator<Item = &str> {
    path.split(['.', '['])
        .map(|k| k.trim_end_matches(']'))
        .filter(|k| !k.is_empty() && !k.contains('=') && !k.chars().all(|c| c.is_ascii_digit()))
}

/// Whether a change path names a secret: a secret key on the way, or the
/// value of an item whose identity is a secret name (`env[name=API_KEY].value`).
fn path_is_secret(path: &str, is_secret: &dyn Fn(&str) -> bool) -> bool {
    if keys(path).any(is_secret) {
        return true;
    }
    let mut segs = path.split(['.', '[']).map(|k| k.trim_end_matches(']'));
    let mut named = false;
    for s in segs.by_ref() {
        match s.split_once('=') {
            Some((f, v)) if NAME_KEYS.contains(&f) => named = secret_name(v),
            _ if named && VALUE_KEYS.contains(&s) => return true,
            _ => {}
        }
    }
    false
}

/// Whether parameter `name` is `NoEcho` in either template of stack `stack`.
fn no_echo(before: &Snapshot, after: &LoadedAssembly, stack: &str, name: &str) -> bool {
    let pointer = format!("/Parameters/{name}/NoEcho");
    [before.templates.get(stack), after.templates.get(stack)]
        .into_iter()
        .flatten()
        .filter_map(|t| t.pointer(&pointer))
        .any(|v| {
            v == &Json::Bool(true) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
        })
}

/// Whether resource `id` of `stack` is named like a secret on either side
/// (an SSM parameter `/app/db-password`): its `Value` is then a secret.
fn secret_named_resource(before: &Snapshot, after: &LoadedAssembly, stack: &str, id: &str) -> bool {
    [before.templates.get(stack), after.templates.get(stack)]
        .into_iter()
        .flatten()
        .filter_map(|t| t.pointer(&format!("/Resources/{id}/Properties")))
        .any(|p| {
            ["Name", "ParameterName", "SecretName"]
                .iter()
                .filter_map(|k| p.get(*k).and_then(Json::as_str))
                .any(|n| n.rsplit(['/', ':']).next().is_some_and(secret_name))
        })
}

/// Masks one change: all of it when its path names a secret, else what
/// inside its values is one.
fn mask_change(c: &mut super::Change, is_secret: &dyn Fn(&str) -> bool) {
    if path_is_secret(&c.path, is_secret) {
        mask_values(c);
    } else {
        for v in [&mut c.old, &mut c.new].into_iter().flatten() {
            mask_inside(v, is_secret);
        }
    }
}

/// Masks every sensitive value of the plan's changes. Returns how many
/// literal secrets (not references) the new templates hold, for the note
/// that recommends dynamic references.
pub(crate) fn mask(
    stacks: &mut [StackDiff],
    clusters: &mut [ClusterDiff],
    before: &Snapshot,
    after: &LoadedAssembly,
) {
    for s in stacks.iter_mut() {
        for r in &mut s.resources {
            let t = r.resource_type.clone();
            let named = secret_named_resource(before, after, &s.name, &r.logical_id);
            let is_secret =
                |k: &str| secret_property(&t, k) || named && matches!(k, "Value" | "SecretString");
            for c in &mut r.changes {
                mask_change(c, &is_secret);
            }
        }
        for c in &mut s.template_changes {
            let path = c.path.clone();
            let mut k = keys(&path);
            if k.next() == Some("Parameters") {
                let param = k.next().unwrap_or_default().to_string();
                if no_echo(before, after, &s.name, &param) || secret_name(&param) {
                    mask_values(c);
                    continue;
                }
            }
            mask_change(c, &secret_name);
        }
    }
    for cl in clusters.iter_mut() {
        for o in &mut cl.objects {
            mask_object_changes(&o.object, &mut o.changes);
        }
    }
}

/// Masks the sensitive values of one Kubernetes object's changes: a
/// Secret's `data` and `stringData` (keys kept), and any value that looks
/// like a secret by its name or form.
pub(crate) fn mask_object_changes(object: &ObjectKey, changes: &mut [Change]) {
    let secret_object = object.group.is_empty() && object.kind == "Secret";
    for c in changes.iter_mut() {
        let path = c.path.clone();
        let first = keys(&path).next().unwrap_or_default();
        if secret_object && matches!(first, "data" | "stringData") {
            match keys(&path).nth(1) {
                // A whole map: keep its keys, hide its values.
                None => {
                    for v in [&mut c.old, &mut c.new].into_iter().flatten() {
                        if let Json::Object(m) = v {
                            m.values_mut().for_each(|x| *x = masked());
                        } else {
                            *v = masked();
                        }
                    }
                }
                Some(_) => mask_values(c),
            }
            continue;
        }
        if secret_object && c.path.is_empty() {
            for v in [&mut c.old, &mut c.new].into_iter().flatten() {
                if let Some(m) = v.as_object_mut() {
                    for key in ["data", "stringData"] {
                        if let Some(Json::Object(d)) = m.get_mut(key) {
                            d.values_mut().for_each(|x| *x = masked());
                        }
                    }
                }
            }
        }
        mask_change(c, &secret_name);
    }
}

/// Whether a new template holds a secret as a literal (masked in the
/// plan): the plan then recommends a dynamic reference.
pub(crate) fn literal_secrets(stacks: &[StackDiff]) -> usize {
    stacks
        .iter()
        .flat_map(|s| {
            s.resources
                .iter()
                .flat_map(|r| &r.changes)
                .chain(&s.template_changes)
        })
        .filter(|c| c.new.as_ref().is_some_and(holds_mask))
        .count()
}

fn holds_mask(v: &Json) -> bool {
    match v {
        Json::String(s) => s == MASK,
        Json::Array(a) => a.iter().any(holds_mask),
        Json::Object(m) => m.values().any(holds_mask),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_secrets() {
        for n in [
            "MasterUserPassword",
            "AuthToken",
            "TdeCredentialPassword",
            "SecretString",
            "PrivateKey",
            "TLS_PRIVATE_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "stripe-api-key",
            "client_secret",
            "tls.key",
            "DATABASE_PASSWORD",
            "JWT_SECRET",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "MasterUserSecretArn",
            "KmsKeyId",
            "EngineVersion",
            "PasswordLength",
            "TokenUrl",
            "secretName",
            "SecretsManagerSecretId",
            "AWS_ACCESS_KEY_ID",
            "keyRef",
            "monkey",
            "imagePullSecrets",
            "key",
            "SecretRotationEnabled",
        ] {
            assert!(!secret_name(n), "{n}");
        }
        assert!(secret_property(
            "AWS::ElastiCache::ReplicationGroup",
            "AuthToken"
        ));
        assert!(!secret_property("AWS::RDS::DBInstance", "EngineVersion"));
    }

    #[test]
    fn values_shaped_like_credentials() {
        for v in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
            "postgres://app:s3cr3t-pw@db.internal:5432/app",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "xoxb-1234567890-abcdefghij",
        ] {
            assert!(secret_value(v), "{v}");
        }
        for v in [
            "{{resolve:secretsmanager:prod/db:SecretString:password}}",
            "${meshsynth:data/Db#Endpoint.Address}",
            "arn:aws:iam::123456789012:role/genai-demo-order-irsa",
            "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/genai-demo/order:1.4.2",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "ExportVpcCFCF4CD8RefE840C767",
            "genai-demo-order-db-final-snapshot",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "https://oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E",
            "postgres://app@db.internal:5432/app",
            "ServiceAccountRoleGenaiDemoOrderIrsaRole8F3C2A1B",
        ] {
            assert!(!secret_value(v), "{v}");
        }
    }

    #[test]
    fn a_value_beside_a_secret_name_is_masked_and_references_are_shown() {
        let mut env = serde_json::json!([
            {"name": "API_KEY", "value": "abc"},
            {"name": "LOG_LEVEL", "value": "debug"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
        ]);
        mask_inside(&mut env, &secret_name);
        assert_eq!(env[0]["value"], MASK);
        assert_eq!(env[1]["value"], "debug");
        assert_eq!(env[2]["valueFrom"]["secretKeyRef"]["key"], "password");
        let mut p = serde_json::json!({"MasterUserPassword": "{{resolve:secretsmanager:db}}", "AuthToken": "plain"});
        mask_inside(&mut p, &secret_name);
        assert_eq!(p["MasterUserPassword"], "{{resolve:secretsmanager:db}}");
        assert_eq!(p["AuthToken"], MASK);
        assert!(path_is_secret(
            "spec.containers[name=app].env[name=API_KEY].value",
            &secret_name
        ));
        assert!(!path_is_secret(
            "spec.containers[name=token-service].image",
            &secret_name
        ));
        let mut rds = serde_json::json!({"MasterUserSecret": {"SecretArn": "arn:aws:secretsmanager:x", "Extra": "p"}});
        mask_inside(&mut rds, &secret_name);
        assert_eq!(
            rds["MasterUserSecret"]["SecretArn"],
            "arn:aws:secretsmanager:x"
        );
        assert_eq!(rds["MasterUserSecret"]["Extra"], MASK);
        assert!(path_is_secret(
            "Properties.Tags[Key=DbPassword].Value",
            &secret_name
        ));
        assert!(!path_is_secret(
            "spec.containers[name=app].env[name=LOG_LEVEL].value",
            &secret_name
        ));
    }
}
