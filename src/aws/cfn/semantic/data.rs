//! Data services: DynamoDB key attributes, bucket policies, grants on
//! encrypted data, and stateful resources that would lose their data.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value as Json;

use super::{codes, where_, ResourceView, StackView, Templates};
use crate::core::diag::Diagnostic;

pub(super) fn check(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for ty in ["AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"] {
        for (_, r) in t.of_type(ty) {
            key_attributes(r, out);
        }
    }
    bucket_policies(t, out);
    grants_on_encrypted_data(t, out);
    stateful(t, out);
}

/// Literal names of a list of `{name_key: "…"}` objects; `None` when any
/// entry is not literal (decided at deploy, so not judged).
fn names<'a>(v: Option<&'a Json>, name_key: &str) -> Option<Vec<&'a str>> {
    v.and_then(Json::as_array)?
        .iter()
        .map(|e| e.get(name_key).and_then(Json::as_str))
        .collect()
}

/// CloudFormation refuses a table whose key schemas name an attribute with
/// no definition, or that defines one no key uses.
fn key_attributes(r: &ResourceView<'_>, out: &mut Vec<Diagnostic>) {
    let p = r.properties;
    // No definitions at all is the commonest form of the mistake: every
    // key attribute is then undefined. Definitions written as an intrinsic
    // cannot be read.
    let defined = match p.get("AttributeDefinitions") {
        None => Vec::new(),
        v => match names(v, "AttributeName") {
            Some(d) => d,
            None => return,
        },
    };
    let mut keys: Vec<(String, &str)> = Vec::new();
    let mut literal = true;
    match names(p.get("KeySchema"), "AttributeName") {
        Some(k) => keys.extend(k.into_iter().map(|a| ("KeySchema".to_string(), a))),
        None => literal &= p.get("KeySchema").is_none(),
    }
    for list in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        for (i, index) in p
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match names(index.get("KeySchema"), "AttributeName") {
                Some(k) => {
                    keys.extend(k.into_iter().map(|a| (format!("{list}[{i}].KeySchema"), a)))
                }
                None => literal = false,
            }
        }
    }
    let defined_set: BTreeSet<&str> = defined.iter().copied().collect();
    for (at, name) in &keys {
        if !defined_set.contains(name) {
            out.push(
                Diagnostic::error(
                    r.path,
                    format!(
                        "{}: {at} names the attribute {name:?}, which AttributeDefinitions does not define",
                        r.cfn_type
                    ),
                )
                .with_code(codes::DYNAMODB_KEY_ATTRIBUTES)
                .with_hint(format!(
                    "add {{AttributeName: {name:?}, AttributeType: \"S\" | \"N\" | \"B\"}} to AttributeDefinitions"
                )),
            );
        }
    }
    if !literal {
        return;
    }
    let used: BTreeSet<&str> = keys.iter().map(|(_, n)| *n).collect();
    for name in defined.iter().filter(|n| !used.contains(*n)) {
        out.push(
            Diagnostic::error(
                r.path,
                format!(
                    "{}: AttributeDefinitions defines {name:?}, which no key schema uses (CloudFormation refuses the table)",
                    r.cfn_type
                ),
            )
            .with_code(codes::DYNAMODB_KEY_ATTRIBUTES)
            .with_hint("define only the attributes of the table's and its indexes' keys; other attributes need no definition"),
        );
    }
}

/// A bucket has one policy: a second `AWS::S3::BucketPolicy` on it replaces
/// the first at deploy, and which one wins depends on the order of updates.
fn bucket_policies(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for (stack, r) in t.of_type("AWS::S3::BucketPolicy") {
        let Some(bucket) = r.properties.get("Bucket") else {
            continue;
        };
        let key = match t.target(stack, bucket) {
            Some(target) => format!("{}/{}", target.stack.name, target.resource.logical_id),
            None => match bucket.as_str() {
                Some(name) => format!("name:{name}"),
                None => continue,
            },
        };
        match seen.get(&key) {
            Some(first) => out.push(
                Diagnostic::error(
                    r.path,
                    format!(
                        "AWS::S3::BucketPolicy: the bucket already has the policy {first}; a bucket has one policy, so one replaces the other at deploy"
                    ),
                )
                .with_code(codes::BUCKET_POLICY_TWICE)
                .with_hint("put all statements in one policy document (one BucketPolicy per bucket)"),
            ),
            None => {
                seen.insert(key, r.path);
            }
        }
    }
}

/// The customer KMS key a data resource is encrypted with, as written.
fn encryption_key<'a>(r: &ResourceView<'a>) -> Option<&'a Json> {
    let p = r.properties;
    match r.cfn_type {
        "AWS::DynamoDB::Table" => {
            let sse = p.get("SSESpecification")?;
            sse.get("KMSMasterKeyId")
                .filter(|_| super::is_true(sse.get("SSEEnabled")))
        }
        "AWS::SQS::Queue" | "AWS::SNS::Topic" => p
            .get("KmsMasterKeyId")
            .filter(|k| k.as_str() != Some("alias/aws/sqs") && k.as_str() != Some("alias/aws/sns")),
        "AWS::S3::Bucket" => p
            .get("BucketEncryption")?
            .get("ServerSideEncryptionConfiguration")?
            .as_array()?
            .iter()
            .find_map(|rule| {
                rule.get("ServerSideEncryptionByDefault")?
                    .get("KMSMasterKeyID")
            })
            .filter(|k| k.as_str() != Some("alias/aws/s3")),
        "AWS::Kinesis::Stream" => p
            .get("StreamEncryption")?
            .get("KeyId")
            .filter(|k| k.as_str() != Some("alias/aws/kinesis")),
        _ => None,
    }
}

/// The data actions that need the key: reading needs `kms:Decrypt`,
/// writing `kms:GenerateDataKey` (SQS, S3, DynamoDB, SNS publishers).
fn key_actions_needed(cfn_type: &str, action: &str) -> &'static [&'static str] {
    let a = action.to_ascii_lowercase();
    let (service, name) = a.split_once(':').unwrap_or(("", &a));
    match (cfn_type, service) {
        ("AWS::DynamoDB::Table", "dynamodb") => {
            let reads = ["get", "batchget", "query", "scan"];
            let writes = ["put", "update", "batchwrite", "delete"];
            if name == "*" {
                &["kms:Decrypt", "kms:GenerateDataKey"]
            } else if reads.iter().any(|r| name.starts_with(r)) && !name.starts_with("getrecords") {
                &["kms:Decrypt"]
            } else if writes.iter().any(|w| name.starts_with(w)) {
                &["kms:Decrypt", "kms:GenerateDataKey"]
            } else {
                &[]
            }
        }
        ("AWS::SQS::Queue", "sqs") => match name {
            "receivemessage" => &["kms:Decrypt"],
            "sendmessage" | "sendmessagebatch" => &["kms:GenerateDataKey"],
            "*" => &["kms:Decrypt", "kms:GenerateDataKey"],
            _ => &[],
        },
        ("AWS::SNS::Topic", "sns") => match name {
            "publish" | "*" => &["kms:GenerateDataKey"],
            _ => &[],
        },
        ("AWS::S3::Bucket", "s3") => match name {
            "getobject" | "getobjectversion" => &["kms:Decrypt"],
            "putobject" => &["kms:GenerateDataKey"],
            "*" => &["kms:Decrypt", "kms:GenerateDataKey"],
            _ => &[],
        },
        ("AWS::Kinesis::Stream", "kinesis") => match name {
            "getrecords" => &["kms:Decrypt"],
            "putrecord" | "putrecords" => &["kms:GenerateDataKey"],
            "*" => &["kms:Decrypt", "kms:GenerateDataKey"],
            _ => &[],
        },
        _ => &[],
    }
}

fn list(v: Option<&Json>) -> Vec<&Json> {
    match v {
        Some(Json::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

/// Whether an action pattern (`kms:*`, `kms:Decrypt`, `*`) allows `action`.
fn allows(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match p.strip_suffix('*') {
        Some(prefix) => a.starts_with(prefix),
        None => p == a,
    }
}

/// The statements a principal's policies hold: inline `Policies` of a role
/// and every `AWS::IAM::Policy` / `ManagedPolicy` attached to it in the
/// same stack, keyed by the role's logical id (or the policy's own when it
/// names no role of the stack).
fn statements_by_principal<'a>(stack: &'a StackView<'a>) -> HashMap<&'a str, Vec<&'a Json>> {
    let mut by: HashMap<&str, Vec<&Json>> = HashMap::new();
    let doc_statements = |doc: Option<&'a Json>| -> Vec<&'a Json> {
        doc.map(|d| list(d.get("Statement"))).unwrap_or_default()
    };
    for r in &stack.resources {
        match r.cfn_type {
            "AWS::IAM::Role" => {
                let e = by.entry(r.logical_id).or_default();
                for p in list(r.properties.get("Policies")) {
                    e.extend(doc_statements(p.get("PolicyDocument")));
                }
            }
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy" => {
                let statements = doc_statements(r.properties.get("PolicyDocument"));
                let mut roles: Vec<&str> = list(r.properties.get("Roles"))
                    .into_iter()
                    .chain(r.properties.get("RoleName"))
                    .filter_map(|v| v.get("Ref").and_then(Json::as_str))
                    .filter(|lid| stack.resources.iter().any(|x| x.logical_id == *lid))
                    .collect();
                if roles.is_empty() {
                    roles.push(r.logical_id);
                }
                for role in roles {
                    by.entry(role)
                        .or_default()
                        .extend(statements.iter().copied());
                }
            }
            _ => {}
        }
    }
    by
}

/// A grant on a table, queue, topic, bucket or stream encrypted with a
/// customer key fails at run time unless the principal may use the key.
fn grants_on_encrypted_data(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for stack in t.stacks {
        let principals = statements_by_principal(stack);
        let mut names: Vec<&&str> = principals.keys().collect();
        names.sort();
        for principal in names {
            let statements = &principals[*principal];
            let allowed_kms: Vec<&str> = statements
                .iter()
                .filter(|s| s.get("Effect").and_then(Json::as_str) == Some("Allow"))
                .flat_map(|s| list(s.get("Action")))
                .filter_map(Json::as_str)
                .collect();
            let mut reported = BTreeSet::new();
            for s in statements {
                if s.get("Effect").and_then(Json::as_str) != Some("Allow") {
                    continue;
                }
                let actions: Vec<&str> = list(s.get("Action"))
                    .into_iter()
                    .filter_map(Json::as_str)
                    .collect();
                for resource in list(s.get("Resource")) {
                    let Some(target) = data_target(t, stack, resource) else {
                        continue;
                    };
                    if encryption_key(target.resource).is_none() {
                        continue;
                    }
                    for action in &actions {
                        for needed in key_actions_needed(target.resource.cfn_type, action) {
                            if allowed_kms.iter().any(|p| allows(p, needed)) {
                                continue;
                            }
                            if !reported.insert((target.resource.path, *needed)) {
                                continue;
                            }
                            let who = stack
                                .resources
                                .iter()
                                .find(|r| r.logical_id == *principal)
                                .map_or(*principal, |r| r.path);
                            out.push(
                                Diagnostic::error(
                                    who,
                                    format!(
                                        "grants {action} on {}, which is encrypted with a customer KMS key, but not {needed} on that key: the call fails at run time",
                                        where_(&target, stack)
                                    ),
                                )
                                .with_code(codes::GRANT_WITHOUT_KEY)
                                .with_hint(format!(
                                    "also allow {needed} on the key (the grant_* helpers take it from the handle: pass the key), or encrypt with an AWS-managed key"
                                )),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The data resource a statement's `Resource` entry points at: the value
/// itself, or the first part of a `Fn::Join` (`arn`, `"/index/*"`).
fn data_target<'a>(
    t: &Templates<'a>,
    stack: &'a StackView<'a>,
    resource: &'a Json,
) -> Option<super::Target<'a>> {
    if let Some(target) = t.target(stack, resource) {
        return Some(target);
    }
    let join = resource.get("Fn::Join")?.as_array()?;
    let parts = join.get(1)?.as_array()?;
    t.target(stack, parts.first()?)
}

/// A stateful resource whose `DeletionPolicy` was never decided is deleted
/// with its data when it is removed from the template or replaced.
fn stateful(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for stack in t.stacks {
        for r in &stack.resources {
            if r.deletion_policy.is_some() || !super::super::STATEFUL_TYPES.contains(&r.cfn_type) {
                continue;
            }
            if default_keeps_data(r.cfn_type) {
                continue;
            }
            out.push(
                Diagnostic::warning(
                    r.path,
                    format!(
                        "{} has no DeletionPolicy: removing or replacing it deletes its data",
                        r.cfn_type
                    ),
                )
                .with_code(codes::STATEFUL_WITHOUT_RETAIN)
                .with_hint(
                    "set a DeletionPolicy (and UpdateReplacePolicy): Retain to keep it, Snapshot for databases, Delete when losing the data is intended",
                ),
            );
        }
    }
}

/// RDS snapshots a cluster or a lone instance by default when no policy is
/// set, and an instance of a cluster holds no data of its own.
fn default_keeps_data(cfn_type: &str) -> bool {
    matches!(cfn_type, "AWS::RDS::DBCluster" | "AWS::RDS::DBInstance")
}
