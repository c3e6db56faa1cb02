//! Resources that moved: the same resource (type, properties, policies,
//! everything) under a new logical id, or in another stack of the same
//! account and region. CloudFormation's stack refactor moves such a
//! resource without touching it, so `diff` shows a move where it would
//! otherwise show a replacement, and deploy performs it first.
//!
//! Only an unambiguous match is a move: one removed and one added resource
//! with the same definition. References to a resource renamed in the same
//! stack count as unchanged (a bucket policy follows its renamed bucket).
//! What a stack refactor cannot move stays a replacement: custom resources
//! and nested stacks, and, between stacks, a resource that reads
//! `AWS::StackName` or `AWS::StackId` (its values differ there).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

use super::canonical;

/// One resource moved without replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceMove {
    /// The stack it leaves (the same as `to_stack` for a rename).
    pub from_stack: String,
    /// Its logical id there.
    pub from_id: String,
    /// The stack it joins.
    pub to_stack: String,
    /// Its logical id there.
    pub to_id: String,
    /// The CloudFormation type.
    #[serde(rename = "type")]
    pub resource_type: String,
}

pub(super) fn resources(t: Option<&Json>) -> Option<&serde_json::Map<String, Json>> {
    t?.get("Resources")?.as_object()
}

/// Most matching passes (each one can only add renames the previous found).
const MAX_PASSES: usize = 4;

/// The moves from `before` to `after` (stack name → template). `same_env`
/// says whether a stack of `before` and one of `after` share an account
/// and region (a move never crosses them).
pub fn find_moves(
    before: &IndexMap<String, Json>,
    after: &IndexMap<String, Json>,
    same_env: impl Fn(&str, &str) -> bool,
) -> Vec<ResourceMove> {
    // (stack, id, resource) of what left and what arrived.
    let mut removed: Vec<(&str, &str, &Json)> = Vec::new();
    let mut added: Vec<(&str, &str, &Json)> = Vec::new();
    for (stack, t) in before {
        let now = resources(after.get(stack));
        for (id, r) in resources(Some(t)).into_iter().flatten() {
            if !now.is_some_and(|n| n.contains_key(id)) {
                removed.push((stack, id, r));
            }
        }
    }
    for (stack, t) in after {
        let then = resources(before.get(stack));
        for (id, r) in resources(Some(t)).into_iter().flatten() {
            if !then.is_some_and(|n| n.contains_key(id)) {
                added.push((stack, id, r));
            }
        }
    }
    let mut moves: Vec<ResourceMove> = Vec::new();
    let mut done_removed = vec![false; removed.len()];
    let mut done_added = vec![false; added.len()];
    for _ in 0..MAX_PASSES {
        // Renames found so far, per stack: references follow them.
        let mut renames: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
        for m in moves.iter().filter(|m| m.from_stack == m.to_stack) {
            renames
                .entry(m.from_stack.as_str())
                .or_default()
                .insert(m.from_id.clone(), m.to_id.clone());
        }
        let mut by_key: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (i, (stack, _, r)) in removed.iter().enumerate() {
            if done_removed[i] {
                continue;
            }
            let mut r = (*r).clone();
            if let Some(map) = renames.get(stack) {
                rename_refs(&mut r, map);
            }
            by_key.entry(canonical(&r)).or_default().0.push(i);
        }
        for (j, (_, _, r)) in added.iter().enumerate() {
            if !done_added[j] {
                by_key.entry(canonical(r)).or_default().1.push(j);
            }
        }
        let mut found = false;
        for (rem, add) in by_key.values() {
            let ([i], [j]) = (rem.as_slice(), add.as_slice()) else {
                continue;
            };
            let (fs, fid, r) = removed[*i];
            let (ts, tid, _) = added[*j];
            if !same_env(fs, ts) || !movable(r, fs != ts) {
                continue;
            }
            done_removed[*i] = true;
            done_added[*j] = true;
            found = true;
            moves.push(ResourceMove {
                from_stack: fs.to_string(),
                from_id: fid.to_string(),
                to_stack: ts.to_string(),
                to_id: tid.to_string(),
                resource_type: r
                    .get("Type")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        if !found {
            break;
        }
    }
    moves.sort_by(|a, b| {
        (&a.to_stack, &a.to_id, &a.from_stack).cmp(&(&b.to_stack, &b.to_id, &b.from_stack))
    });
    moves
}

/// Whether a stack refactor can move `resource` (`across`: into another
/// stack), as the CloudFormation user guide's stack refactoring
/// considerations state.
fn movable(resource: &Json, across: bool) -> bool {
    let ty = resource.get("Type").and_then(Json::as_str).unwrap_or("");
    if ty.starts_with("Custom::")
        || matches!(
            ty,
            "AWS::CloudFormation::CustomResource"
                | "AWS::CloudFormation::Stack"
                | "AWS::CloudFormation::WaitCondition"
                | "AWS::CloudFormation::WaitConditionHandle"
        )
    {
        return false;
    }
    !(across && reads_stack_identity(resource))
}

/// `Ref` of, or `${…}` of, `AWS::StackName` or `AWS::StackId` anywhere in `value`.
fn reads_stack_identity(value: &Json) -> bool {
    match value {
        Json::String(s) => s.contains("${AWS::StackName}") || s.contains("${AWS::StackId}"),
        Json::Array(items) => items.iter().any(reads_stack_identity),
        Json::Object(m) => {
            matches!(
                m.get("Ref").and_then(Json::as_str),
                Some("AWS::StackName" | "AWS::StackId")
            ) || m.values().any(reads_stack_identity)
        }
        _ => false,
    }
}

/// Rewrites references to renamed logical ids (`old` → `new`) in `value`:
/// `Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub` and `DependsOn`.
pub fn rename_refs(value: &mut Json, renames: &BTreeMap<String, String>) {
    match value {
        Json::Object(m) => {
            if m.len() == 1 {
                if let Some(Json::String(id)) = m.get_mut("Ref") {
                    if let Some(n) = renames.get(id.as_str()) {
                        *id = n.clone();
                    }
                    return;
                }
                if let Some(g) = m.get_mut("Fn::GetAtt") {
                    match g {
                        Json::Array(a) => {
                            if let Some(Json::String(id)) = a.first_mut() {
                                if let Some(n) = renames.get(id.as_str()) {
                                    *id = n.clone();
                                }
                            }
                        }
                        Json::String(s) => {
                            if let Some((id, attr)) = s.split_once('.') {
                                if let Some(n) = renames.get(id) {
                                    *s = format!("{n}.{attr}");
                                }
                            }
                        }
                        _ => {}
                    }
                    return;
                }
                if let Some(sub) = m.get_mut("Fn::Sub") {
                    let text = match sub {
                        Json::String(s) => Some(s),
                        Json::Array(a) => a.first_mut().and_then(|s| match s {
                            Json::String(s) => Some(s),
                            _ => None,
                        }),
                        _ => None,
                    };
                    if let Some(text) = text {
                        for (o, n) in renames {
                            *text = text
                                .replace(&format!("${{{o}}}"), &format!("${{{n}}}"))
                                .replace(&format!("${{{o}."), &format!("${{{n}."));
                        }
                    }
                    if let Json::Array(a) = sub {
                        for x in a.iter_mut().skip(1) {
                            rename_refs(x, renames);
                        }
                    }
                    return;
                }
            }
            if let Some(d) = m.get_mut("DependsOn") {
                match d {
                    Json::String(s) => {
                        if let Some(n) = renames.get(s.as_str()) {
                            *s = n.clone();
                        }
                    }
                    Json::Array(a) => {
                        for x in a.iter_mut() {
                            if let Json::String(s) = x {
                                if let Some(n) = renames.get(s.as_str()) {
                                    *s = n.clone();
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            for (k, v) in m.iter_mut() {
                if k != "DependsOn" {
                    rename_refs(v, renames);
                }
            }
        }
        Json::Array(a) => a.iter_mut().for_each(|x| rename_refs(x, renames)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(resources: Json) -> Json {
        json!({ "Resources": resources })
    }

    fn map(pairs: Vec<(&str, Json)>) -> IndexMap<String, Json> {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    #[test]
    fn a_rename_and_what_follows_it_are_moves() {
        let before = map(vec![(
            "app",
            t(json!({
                "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}},
                "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}}}
            })),
        )]);
        let after = map(vec![(
            "app",
            t(json!({
                "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}},
                "LogsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Logs"}}}
            })),
        )]);
        let m = find_moves(&before, &after, |_, _| true);
        let pairs: Vec<(&str, &str)> = m
            .iter()
            .map(|m| (m.from_id.as_str(), m.to_id.as_str()))
            .collect();
        assert_eq!(pairs, [("Bucket", "Logs"), ("Policy", "LogsPolicy")]);
    }

    #[test]
    fn a_changed_or_ambiguous_resource_is_no_move() {
        let before = map(vec![(
            "app",
            t(json!({
                "A": {"Type": "AWS::SQS::Queue", "Properties": {}},
                "B": {"Type": "AWS::SQS::Queue", "Properties": {}},
                "C": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "x"}}
            })),
        )]);
        let after = map(vec![(
            "app",
            t(json!({
                "A2": {"Type": "AWS::SQS::Queue", "Properties": {}},
                "B2": {"Type": "AWS::SQS::Queue", "Properties": {}},
                "C2": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "y"}}
            })),
        )]);
        assert!(find_moves(&before, &after, |_, _| true).is_empty());
    }

    #[test]
    fn a_move_between_stacks_stays_in_its_environment() {
        let r = json!({"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/a"}});
        let before = map(vec![
            ("one", t(json!({"Logs": r.clone()}))),
            ("two", t(json!({}))),
        ]);
        let after = map(vec![("one", t(json!({}))), ("two", t(json!({"Audit": r})))]);
        let m = find_moves(&before, &after, |_, _| true);
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].from_stack.as_str(), m[0].to_stack.as_str()),
            ("one", "two")
        );
        assert!(find_moves(&before, &after, |a, b| a == b).is_empty());
    }

    #[test]
    fn references_follow_renames() {
        let mut v = json!({
            "A": {"Ref": "Old"}, "B": {"Fn::GetAtt": ["Old", "Arn"]}, "C": {"Fn::GetAtt": "Old.Arn"},
            "D": {"Fn::Sub": "${Old}-${Old.Arn}-${Older}"}, "DependsOn": ["Old", "Other"]
        });
        let renames: BTreeMap<String, String> = [("Old".to_string(), "New".to_string())].into();
        rename_refs(&mut v, &renames);
        assert_eq!(
            v,
            json!({
                "A": {"Ref": "New"}, "B": {"Fn::GetAtt": ["New", "Arn"]}, "C": {"Fn::GetAtt": "New.Arn"},
                "D": {"Fn::Sub": "${New}-${New.Arn}-${Older}"}, "DependsOn": ["New", "Other"]
            })
        );
    }

    /// What a stack refactor cannot move stays a replacement: a custom
    /// resource renamed, and a queue named after its stack moved to another.
    #[test]
    fn what_a_refactor_cannot_move_is_no_move() {
        let before = map(vec![
            (
                "a",
                t(json!({
                    "Seed": {"Type": "Custom::Seed", "Properties": {"ServiceToken": "arn:x"}},
                    "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}},
                    "Keep": {"Type": "AWS::SNS::Topic"}
                })),
            ),
            (
                "b",
                t(json!({"Other": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "o"}}})),
            ),
        ]);
        let after = map(vec![
            (
                "a",
                t(json!({
                    "Seed2": {"Type": "Custom::Seed", "Properties": {"ServiceToken": "arn:x"}},
                    "Keep": {"Type": "AWS::SNS::Topic"}
                })),
            ),
            (
                "b",
                t(json!({
                    "Other": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "o"}},
                    "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}}
                })),
            ),
        ]);
        assert_eq!(find_moves(&before, &after, |_, _| true), Vec::new());
        // The control: the same queue renamed in its own stack is a move.
        let after = map(vec![(
            "a",
            t(json!({
                "Q2": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}},
                "Keep": {"Type": "AWS::SNS::Topic"}
            })),
        )]);
        let m = find_moves(&before, &after, |_, _| true);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].to_id, "Q2");
    }
}
