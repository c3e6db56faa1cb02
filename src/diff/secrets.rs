//! Secrets are never printed: a plan is posted to a pull request and kept in
//! CI logs. A change of a password, an AUTH token, a `NoEcho` parameter or a
//! Kubernetes Secret's data is still listed (added, removed or changed, as
//! `kubectl diff` does) but its values are replaced by [`MASK`].

use serde_json::Value as Json;

use super::{ClusterDiff, Snapshot, StackDiff};
use crate::assembly::LoadedAssembly;

/// What a plan shows instead of a sensitive value.
pub const MASK: &str = "(sensitive value hidden)";

/// Whether a property or key name holds a secret whatever the type says:
/// passwords, pass phrases, tokens, secret strings and private keys.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let reference = [
        "arn", "id", "name", "names", "ids", "arns", "type", "length", "url",
    ]
    .iter()
    .any(|s| n.ends_with(s) && !n.ends_with("password") && !n.ends_with("token"));
    !reference
        && [
            "password",
            "passphrase",
            "passwd",
            "token",
            "secretstring",
            "secretaccesskey",
            "secretkey",
            "privatekey",
            "clientsecret",
            "credential",
        ]
        .iter()
        .any(|w| n.contains(w))
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

/// Replaces every value under a secret-named key inside `v`.
fn mask_inside(v: &mut Json, is_secret: &dyn Fn(&str) -> bool) {
    match v {
        Json::Object(m) => {
            for (k, x) in m.iter_mut() {
                if is_secret(k) {
                    *x = Json::String(MASK.into());
                } else {
                    mask_inside(x, is_secret);
                }
            }
        }
        Json::Array(a) => a.iter_mut().for_each(|x| mask_inside(x, is_secret)),
        _ => {}
    }
}

fn mask_values(c: &mut super::Change) {
    for v in [&mut c.old, &mut c.new].into_iter().flatten() {
        *v = Json::String(MASK.into());
    }
}

/// The keys of a change path: `Properties.A[0].B` → `Properties`, `A`, `B`.
fn keys(path: &str) -> impl Iterator<Item = &str> {
    path.split(['.', '['])
        .map(|k| k.trim_end_matches(']'))
        .filter(|k| !k.is_empty() && !k.chars().all(|c| c.is_ascii_digit()))
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

/// Masks every sensitive value of the plan's changes.
pub(crate) fn mask(
    stacks: &mut [StackDiff],
    clusters: &mut [ClusterDiff],
    before: &Snapshot,
    after: &LoadedAssembly,
) {
    for s in stacks.iter_mut() {
        for r in &mut s.resources {
            let t = r.resource_type.clone();
            let is_secret = |k: &str| secret_property(&t, k);
            for c in &mut r.changes {
                if keys(&c.path).any(&is_secret) {
                    mask_values(c);
                } else {
                    for v in [&mut c.old, &mut c.new].into_iter().flatten() {
                        mask_inside(v, &is_secret);
                    }
                }
            }
        }
        for c in &mut s.template_changes {
            let path = c.path.clone();
            let mut k = keys(&path);
            if k.next() == Some("Parameters") {
                let param = k.next().unwrap_or_default().to_string();
                if no_echo(before, after, &s.name, &param) || secret_name(&param) {
                    mask_values(c);
                }
            }
        }
    }
    for cl in clusters.iter_mut() {
        for o in &mut cl.objects {
            let secret_object = o.object.group.is_empty() && o.object.kind == "Secret";
            for c in &mut o.changes {
                let path = c.path.clone();
                let first = keys(&path).next().unwrap_or_default();
                if secret_object && matches!(first, "data" | "stringData") {
                    match keys(&path).nth(1) {
                        // A whole map: keep its keys, hide its values.
                        None => {
                            for v in [&mut c.old, &mut c.new].into_iter().flatten() {
                                if let Json::Object(m) = v {
                                    m.values_mut().for_each(|x| *x = Json::String(MASK.into()));
                                } else {
                                    *v = Json::String(MASK.into());
                                }
                            }
                        }
                        Some(_) => mask_values(c),
                    }
                } else if secret_object && c.path.is_empty() {
                    for v in [&mut c.old, &mut c.new].into_iter().flatten() {
                        mask_inside(v, &|k| matches!(k, "data" | "stringData"));
                    }
                }
            }
        }
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
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "MasterUserSecretArn",
            "KmsKeyId",
            "EngineVersion",
            "PasswordLength",
            "TokenUrl",
        ] {
            assert!(!secret_name(n), "{n}");
        }
        assert!(secret_property(
            "AWS::ElastiCache::ReplicationGroup",
            "AuthToken"
        ));
        assert!(!secret_property("AWS::RDS::DBInstance", "EngineVersion"));
    }
}
