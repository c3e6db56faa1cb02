//! CloudFormation side of diff: resources matched by logical ID, updates
//! classified as in-place or replacement from each type's create-only
//! properties, Retain/Snapshot policies shown as orphan/snapshot, and a
//! removed + added pair of the same type with (nearly) equal properties shown
//! as one renamed construct.

use crate::aws::cfn::STATEFUL_TYPES;
use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::updates::{interruption, major_upgrade_refused};
use super::value::{diff_values, RawChange, Seg};
use super::{
    canonical, security, Change, CreateOnlyLookup, ResourceAction, ResourceDiff, Retention,
    SecurityChange, StackDiff, Status,
};

/// Pairs compared for near-equal renames, per resource type, at most: above
/// this only exact matches are looked for, so matching stays near-linear.
const MAX_RENAME_PAIRS: usize = 4096;
/// Share of equal property leaves for a removed and an added resource to be
/// taken as one renamed resource.
const RENAME_SIMILARITY: f64 = 0.75;

fn resources(t: Option<&Json>) -> IndexMap<&str, &Json> {
    t.and_then(|t| t.get("Resources"))
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

pub(super) fn type_of(r: &Json) -> &str {
    r.get("Type").and_then(Json::as_str).unwrap_or("")
}

fn properties(r: &Json) -> Json {
    r.get("Properties")
        .cloned()
        .unwrap_or(Json::Object(Default::default()))
}

/// What a policy (`DeletionPolicy` or `UpdateReplacePolicy`) keeps.
fn retention_of(policy: Option<&str>) -> Option<Retention> {
    match policy? {
        "Retain" | "RetainExceptOnCreate" => Some(Retention::Orphan),
        "Snapshot" => Some(Retention::Snapshot),
        _ => None,
    }
}

/// CloudFormation's own default when no `DeletionPolicy` is given.
fn default_deletion_policy(r: &Json) -> Option<&'static str> {
    match type_of(r) {
        "AWS::RDS::DBCluster" => Some("Snapshot"),
        "AWS::RDS::DBInstance"
            if r.get("Properties")
                .and_then(|p| p.get("DBClusterIdentifier"))
                .is_none() =>
        {
            Some("Snapshot")
        }
        _ => None,
    }
}

/// Whether removing or replacing `r` (kept as `retention`) deletes data.
pub(super) fn loses_data(r: &Json, retention: Option<Retention>) -> bool {
    retention.is_none() && STATEFUL_TYPES.contains(&type_of(r))
}

/// What happens to the physical resource when `r` is removed from the template.
fn on_delete(r: &Json) -> Option<Retention> {
    let p = r.get("DeletionPolicy").and_then(Json::as_str);
    retention_of(p.or_else(|| default_deletion_policy(r)))
}

/// What happens to the old physical resource when `r` is replaced.
pub(super) fn on_replace(r: &Json) -> Option<Retention> {
    let p = r.get("UpdateReplacePolicy").and_then(Json::as_str);
    retention_of(p.or_else(|| default_deletion_policy(r)))
}

/// The property path (keys only, list steps skipped) of a change under
/// `Properties`, or `None` for a change elsewhere in the resource.
fn property_keys(path: &[Seg]) -> Option<Vec<&str>> {
    match path.first() {
        Some(Seg::Key(k)) if k == "Properties" => Some(
            path[1..]
                .iter()
                .filter_map(|s| match s {
                    Seg::Key(k) => Some(k.as_str()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// True when the change touches the create-only property `entry` (dotted):
/// one path is a prefix of the other.
pub(super) fn touches(keys: &[&str], entry: &str) -> bool {
    let e: Vec<&str> = entry
        .split(['.', '/'])
        .filter(|s| !s.is_empty() && *s != "*")
        .collect();
    let n = keys.len().min(e.len());
    n > 0 && keys[..n] == e[..n]
}

/// The custom physical name a replacement would reuse: a create-only
/// property named `Name`, `<Type>Name` or `<Type>Identifier` (e.g.
/// `TableName` of `AWS::DynamoDB::Table`), set to the same value on both
/// sides, as `Property=value`.
fn custom_name(
    resource_type: &str,
    old: &Json,
    new: &Json,
    create_only: Option<&[&str]>,
) -> Option<String> {
    let suffix = resource_type.rsplit("::").next()?;
    let candidates = [
        "Name".to_string(),
        format!("{suffix}Name"),
        format!("{suffix}Identifier"),
    ];
    let prop = create_only?
        .iter()
        .find(|e| candidates.iter().any(|c| c == *e))?;
    let value = |r: &Json| r.get("Properties").and_then(|p| p.get(*prop)).cloned();
    match (value(old), value(new)) {
        (Some(a), Some(b)) if a == b => Some(format!(
            "{prop}={}",
            match &b {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            }
        )),
        _ => None,
    }
}

/// Compares two versions of one resource (same logical ID).
fn diff_resource(id: &str, old: &Json, new: &Json, lookup: CreateOnlyLookup) -> ResourceDiff {
    let mut raw: Vec<RawChange> = Vec::new();
    diff_values(&mut Vec::new(), old, new, &mut raw);
    let (old_type, new_type) = (type_of(old), type_of(new));
    let create_only_list = lookup(new_type);
    let create_only = create_only_list.as_deref();
    let mut replaced_by: Vec<String> = Vec::new();
    let mut property_changed = false;
    let changes: Vec<Change> = raw
        .into_iter()
        .map(|c| {
            let forces = match property_keys(&c.path) {
                Some(keys) => {
                    property_changed = true;
                    match create_only {
                        Some(list) => {
                            let hit = list.iter().find(|e| touches(&keys, e));
                            if let Some(e) = hit {
                                if !replaced_by.iter().any(|x| x == e) {
                                    replaced_by.push((*e).to_string());
                                }
                            }
                            hit.is_some()
                        }
                        None => false,
                    }
                }
                None => false,
            };
            c.into_change(forces)
        })
        .collect();
    let (action, reason) = if old_type != new_type {
        (
            ResourceAction::Replace,
            Some(format!("type changed from {old_type} to {new_type}")),
        )
    } else if !replaced_by.is_empty() {
        (
            ResourceAction::Replace,
            Some(format!(
                "create-only {} {} changed",
                if replaced_by.len() == 1 {
                    "property"
                } else {
                    "properties"
                },
                replaced_by.join(", ")
            )),
        )
    } else if property_changed && create_only.is_none() {
        (
            ResourceAction::MayReplace,
            Some(format!(
                "unknown type {new_type}: its create-only properties are not modeled"
            )),
        )
    } else {
        (ResourceAction::Update, None)
    };
    // CloudFormation creates the replacement before deleting the old
    // resource, so a custom name both would carry makes it fail.
    let reason = match (&action, custom_name(new_type, old, new, create_only)) {
        (ResourceAction::Replace, Some(name)) => Some(format!(
            "{}; CloudFormation will refuse the replacement: the new resource needs the custom name {name} the old one still holds (change the name too, or remove it)",
            reason.unwrap_or_default()
        )),
        _ => reason,
    };
    let reason = match major_upgrade_refused(new_type, old, new) {
        Some(why) if action == ResourceAction::Update => Some(why),
        _ => reason,
    };
    let reason = match action {
        ResourceAction::Update if reason.is_none() => interruption(new_type, &changes),
        _ => reason,
    };
    let retention = match action {
        ResourceAction::Replace => on_replace(old),
        _ => None,
    };
    ResourceDiff {
        logical_id: id.to_string(),
        resource_type: new_type.to_string(),
        data_loss: action == ResourceAction::Replace && loses_data(old, retention),
        action,
        reason,
        renamed_from: None,
        moved_from_stack: None,
        retention,
        changes,
    }
}

/// Leaves of a JSON tree as `path=value` strings, for similarity.
fn leaves(v: &Json, prefix: &mut String, out: &mut BTreeSet<String>) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let len = prefix.len();
                prefix.push('.');
                prefix.push_str(k);
                leaves(x, prefix, out);
                prefix.truncate(len);
            }
        }
        Json::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                let len = prefix.len();
                prefix.push_str(&format!("[{i}]"));
                leaves(x, prefix, out);
                prefix.truncate(len);
            }
        }
        scalar => {
            out.insert(format!("{prefix}={}", canonical(scalar)));
        }
    }
}

fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let common = a.intersection(b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Pairs removed and added resources that look like one renamed construct:
/// same type, equal or nearly equal properties. Returns (old id, new id).
fn match_renames<'a>(
    removed: &[(&'a str, &'a Json)],
    added: &[(&'a str, &'a Json)],
) -> Vec<(&'a str, &'a str)> {
    let mut by_type: IndexMap<&str, (Vec<usize>, Vec<usize>)> = IndexMap::new();
    for (i, (_, r)) in removed.iter().enumerate() {
        by_type.entry(type_of(r)).or_default().0.push(i);
    }
    for (j, (_, r)) in added.iter().enumerate() {
        if let Some(e) = by_type.get_mut(type_of(r)) {
            e.1.push(j);
        }
    }
    let mut pairs = Vec::new();
    for (_, (rem, add)) in by_type {
        if add.is_empty() {
            continue;
        }
        // Exact matches first: a hash lookup per resource.
        let mut exact: IndexMap<String, Vec<usize>> = IndexMap::new();
        for &j in &add {
            exact
                .entry(canonical(&properties(added[j].1)))
                .or_default()
                .push(j);
        }
        let mut taken: BTreeSet<usize> = BTreeSet::new();
        let mut left: Vec<usize> = Vec::new();
        for &i in &rem {
            let key = canonical(&properties(removed[i].1));
            match exact
                .get_mut(&key)
                .and_then(|v| (!v.is_empty()).then(|| v.remove(0)))
            {
                Some(j) => {
                    taken.insert(j);
                    pairs.push((i, j));
                }
                None => left.push(i),
            }
        }
        let rest: Vec<usize> = add.into_iter().filter(|j| !taken.contains(j)).collect();
        if left.is_empty() || rest.is_empty() || left.len() * rest.len() > MAX_RENAME_PAIRS {
            continue;
        }
        let leaf_set = |r: &Json| {
            let mut out = BTreeSet::new();
            leaves(&properties(r), &mut String::new(), &mut out);
            out
        };
        let rest_leaves: Vec<(usize, BTreeSet<String>)> =
            rest.iter().map(|&j| (j, leaf_set(added[j].1))).collect();
        for i in left {
            let li = leaf_set(removed[i].1);
            let best = rest_leaves
                .iter()
                .filter(|(j, _)| !taken.contains(j))
                .map(|(j, lj)| (*j, similarity(&li, lj)))
                .filter(|(_, s)| *s >= RENAME_SIMILARITY)
                // Highest similarity; the first added one on ties.
                .fold(None::<(usize, f64)>, |best, x| match best {
                    Some(b) if b.1 >= x.1 => Some(b),
                    _ => Some(x),
                });
            if let Some((j, _)) = best {
                taken.insert(j);
                pairs.push((i, j));
            }
        }
    }
    pairs
        .into_iter()
        .map(|(i, j)| (removed[i].0, added[j].0))
        .collect()
}

/// Compares one stack; `None` on a side means the stack does not exist there.
pub(crate) fn diff_stack(
    name: &str,
    old: Option<&Json>,
    new: Option<&Json>,
    lookup: CreateOnlyLookup,
    security: &mut Vec<SecurityChange>,
) -> StackDiff {
    let (ro, rn) = (resources(old), resources(new));
    let mut diffs: IndexMap<String, ResourceDiff> = IndexMap::new();
    let mut added: Vec<(&str, &Json)> = Vec::new();
    for (&id, &r) in &rn {
        match ro.get(id) {
            Some(&o) if o == r => {}
            Some(&o) => {
                security::resource(name, id, Some(o), Some(r), security);
                diffs.insert(id.to_string(), diff_resource(id, o, r, lookup));
            }
            None => {
                added.push((id, r));
                // A placeholder keeps the template order; filled below.
                diffs.insert(id.to_string(), added_resource(id, r));
            }
        }
    }
    let removed: Vec<(&str, &Json)> = ro
        .iter()
        .filter(|(id, _)| !rn.contains_key(*id))
        .map(|(&id, &r)| (id, r))
        .collect();
    let renames = match_renames(&removed, &added);
    let renamed_old: BTreeSet<&str> = renames.iter().map(|(o, _)| *o).collect();
    let renamed_new: BTreeSet<&str> = renames.iter().map(|(_, n)| *n).collect();
    for (old_id, new_id) in &renames {
        let (o, n) = (ro[old_id], rn[new_id]);
        security::resource(name, new_id, Some(o), Some(n), security);
        let mut d = diff_resource(new_id, o, n, lookup);
        d.action = ResourceAction::Replace;
        d.reason = Some(format!(
            "logical ID changed from {old_id}: looks like a renamed construct"
        ));
        d.renamed_from = Some(old_id.to_string());
        // The old logical ID leaves the template, so its DeletionPolicy applies.
        d.retention = on_delete(o);
        d.data_loss = loses_data(o, d.retention);
        d.changes
            .iter_mut()
            .for_each(|c| c.forces_replacement = false);
        diffs.insert(new_id.to_string(), d);
    }
    for (id, r) in &added {
        if !renamed_new.contains(id) {
            security::resource(name, id, None, Some(r), security);
        }
    }
    for (id, r) in &removed {
        if renamed_old.contains(id) {
            continue;
        }
        security::resource(name, id, Some(r), None, security);
        diffs.insert(
            id.to_string(),
            ResourceDiff {
                logical_id: id.to_string(),
                resource_type: type_of(r).to_string(),
                action: ResourceAction::Remove,
                reason: None,
                renamed_from: None,
                moved_from_stack: None,
                retention: on_delete(r),
                data_loss: loses_data(r, on_delete(r)),
                changes: Vec::new(),
            },
        );
    }

    let mut template_changes = Vec::new();
    if let (Some(o), Some(n)) = (old, new) {
        // Everything but Resources, without cloning the resources.
        let strip = |t: &Json| -> Json {
            match t.as_object() {
                Some(m) => Json::Object(
                    m.iter()
                        .filter(|(k, _)| *k != "Resources")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                None => t.clone(),
            }
        };
        let mut raw = Vec::new();
        diff_values(&mut Vec::new(), &strip(o), &strip(n), &mut raw);
        template_changes = raw.into_iter().map(|c| c.into_change(false)).collect();
    }
    let status = match (old, new) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ if diffs.is_empty() && template_changes.is_empty() => Status::Unchanged,
        _ => Status::Changed,
    };
    StackDiff {
        name: name.to_string(),
        status,
        resources: diffs.into_values().collect(),
        template_changes,
    }
}

fn added_resource(id: &str, r: &Json) -> ResourceDiff {
    ResourceDiff {
        logical_id: id.to_string(),
        resource_type: type_of(r).to_string(),
        action: ResourceAction::Add,
        reason: None,
        renamed_from: None,
        moved_from_stack: None,
        retention: None,
        data_loss: false,
        changes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stack(resources: Json) -> Json {
        json!({ "Resources": resources })
    }

    #[test]
    fn create_only_change_replaces_and_retain_orphans() {
        let old = stack(
            json!({"Vpc": {"Type": "AWS::EC2::VPC", "UpdateReplacePolicy": "Retain",
            "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsSupport": true}}}),
        );
        let new = stack(
            json!({"Vpc": {"Type": "AWS::EC2::VPC", "UpdateReplacePolicy": "Retain",
            "Properties": {"CidrBlock": "10.1.0.0/16", "EnableDnsSupport": true}}}),
        );
        let d = diff_stack(
            "s",
            Some(&old),
            Some(&new),
            crate::aws::cfn::create_only_properties,
            &mut Vec::new(),
        );
        let r = &d.resources[0];
        assert_eq!(r.action, ResourceAction::Replace);
        assert_eq!(r.retention, Some(Retention::Orphan));
        assert_eq!(
            r.reason.as_deref(),
            Some("create-only property CidrBlock changed")
        );
        assert!(r.changes[0].forces_replacement);
    }

    #[test]
    fn a_major_engine_upgrade_without_the_flag_is_called_out() {
        let db = |version: &str, allow: bool| {
            let mut props = json!({"Engine": "postgres", "EngineVersion": version});
            if allow {
                props["AllowMajorVersionUpgrade"] = json!(true);
            }
            stack(json!({"Db": {"Type": "AWS::RDS::DBInstance", "Properties": props}}))
        };
        let reason = |old: &Json, new: &Json| {
            let d = diff_stack(
                "s",
                Some(old),
                Some(new),
                crate::aws::cfn::create_only_properties,
                &mut Vec::new(),
            );
            (d.resources[0].action, d.resources[0].reason.clone())
        };
        let (action, why) = reason(&db("17.6", false), &db("18.4", false));
        assert_eq!(action, ResourceAction::Update);
        let why = why.expect("a reason");
        assert!(
            why.contains("EngineVersion 17.6 → 18.4 is a major upgrade (17 → 18) without AllowMajorVersionUpgrade: RDS refuses it"),
            "{why}"
        );
        // A minor upgrade, or the flag set: an update, which restarts the
        // instance (and says so).
        for (from, to) in [
            (db("17.5", false), db("17.6", false)),
            (db("17.6", false), db("18.4", true)),
        ] {
            let (action, why) = reason(&from, &to);
            assert_eq!(action, ResourceAction::Update);
            let why = why.expect("the restart is named");
            assert!(why.starts_with("in place, with interruption: EngineVersion: the engine upgrade restarts the instance"), "{why}");
        }
        // MySQL's major version has two parts.
        let mysql = |v: &str| {
            stack(json!({"Db": {"Type": "AWS::RDS::DBCluster",
                "Properties": {"Engine": "aurora-mysql", "EngineVersion": v}}}))
        };
        assert!(reason(
            &mysql("8.0.mysql_aurora.3.08.0"),
            &mysql("8.4.mysql_aurora.3.09.0")
        )
        .1
        .is_some());
        assert_eq!(
            reason(
                &mysql("8.0.mysql_aurora.3.08.0"),
                &mysql("8.0.mysql_aurora.3.09.0")
            )
            .1
            .as_deref(),
            Some("in place, with interruption: EngineVersion: the cluster's instances restart on the new engine version (downtime)")
        );
    }

    #[test]
    fn an_instance_class_change_names_the_restart_it_causes() {
        let db = |class: &str, storage: i64| {
            stack(json!({"Db": {"Type": "AWS::RDS::DBInstance",
                "Properties": {"Engine": "postgres", "DBInstanceClass": class, "AllocatedStorage": storage}}}))
        };
        let d = |old: &Json, new: &Json| {
            let d = diff_stack(
                "s",
                Some(old),
                Some(new),
                crate::aws::cfn::create_only_properties,
                &mut Vec::new(),
            );
            (d.resources[0].action, d.resources[0].reason.clone())
        };
        let (action, why) = d(&db("db.t3.micro", 20), &db("db.m7g.large", 20));
        assert_eq!(action, ResourceAction::Update);
        let why = why.expect("the restart is named");
        assert!(
            why.starts_with("in place, with interruption: DBInstanceClass: the instance restarts on the new class: a Multi-AZ instance fails over"),
            "{why}"
        );
        // Storage grows online: a plain update.
        assert_eq!(
            d(&db("db.t3.micro", 20), &db("db.t3.micro", 40)),
            (ResourceAction::Update, None)
        );
    }

    #[test]
    fn deleting_a_stateful_resource_without_a_policy_is_data_loss() {
        let old = stack(json!({
            "Plain": {"Type": "AWS::S3::Bucket"},
            "Kept": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
            "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"Engine": "postgres"}},
            "Topic": {"Type": "AWS::SNS::Topic"}
        }));
        let new = stack(json!({"Other": {"Type": "AWS::SSM::Parameter",
            "Properties": {"Type": "String", "Value": "x"}}}));
        let d = diff_stack(
            "s",
            Some(&old),
            Some(&new),
            crate::aws::cfn::create_only_properties,
            &mut Vec::new(),
        );
        let lost: Vec<&str> = d
            .resources
            .iter()
            .filter(|r| r.data_loss)
            .map(|r| r.logical_id.as_str())
            .collect();
        // The RDS instance defaults to a snapshot; a topic holds no data.
        assert_eq!(lost, ["Plain"]);
        let plan = crate::diff::Plan {
            schema_version: crate::diff::PLAN_SCHEMA_VERSION,
            baseline: "b".into(),
            summary: Default::default(),
            security: Vec::new(),
            stacks: vec![d],
            clusters: Vec::new(),
            notes: Vec::new(),
        };
        use crate::diff::render::{render, Format};
        let text = render(&plan, Format::Text, false).unwrap();
        assert!(text.contains("DATA LOSS"), "{text}");
        let md = render(&plan, Format::Markdown, false).unwrap();
        assert!(md.contains("**data loss**"), "{md}");
        let json = render(&plan, Format::Json, false).unwrap();
        assert_eq!(json.matches("\"dataLoss\": true").count(), 1, "{json}");
    }

    #[test]
    fn replacing_a_resource_that_keeps_its_custom_name_is_flagged() {
        let table = |billing: &str, name: &str| {
            stack(
                json!({"Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain", "Properties": {
                "TableName": name, "BillingMode": billing,
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "LocalSecondaryIndexes": [{"IndexName": "i", "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [{"AttributeName": billing, "KeyType": "HASH"}]}]}}}),
            )
        };
        let reason = |old: Json, new: Json| {
            let d = diff_stack(
                "s",
                Some(&old),
                Some(&new),
                crate::aws::cfn::create_only_properties,
                &mut Vec::new(),
            );
            let r = &d.resources[0];
            assert_eq!(r.action, ResourceAction::Replace, "{r:?}");
            r.reason.clone().unwrap_or_default()
        };
        // A create-only change under the same name: refused by CloudFormation.
        let same = reason(
            table("PROVISIONED", "orders"),
            table("PAY_PER_REQUEST", "orders"),
        );
        assert!(
            same.contains("will refuse the replacement") && same.contains("TableName=orders"),
            "{same}"
        );
        // Renamed too: the replacement can be created.
        let renamed = reason(
            table("PROVISIONED", "orders"),
            table("PAY_PER_REQUEST", "orders-v2"),
        );
        assert!(!renamed.contains("refuse"), "{renamed}");
    }

    #[test]
    fn unknown_types_may_replace_and_renames_are_paired() {
        let old = stack(json!({
            "TopicA1B2C3D4": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "a", "X": 1}},
            "Gone": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Snapshot", "Properties": {"DisplayName": "zzz"}},
            "Kept": {"Type": "AWS::Foo::Bar", "Properties": {"A": 1}}
        }));
        let new = stack(json!({
            "Kept": {"Type": "AWS::Foo::Bar", "Properties": {"A": 2}},
            "RenamedE5F6A7B8": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "a", "X": 1}}
        }));
        let d = diff_stack(
            "s",
            Some(&old),
            Some(&new),
            crate::aws::cfn::create_only_properties,
            &mut Vec::new(),
        );
        let got: Vec<(&str, ResourceAction)> = d
            .resources
            .iter()
            .map(|r| (r.logical_id.as_str(), r.action))
            .collect();
        assert_eq!(
            got,
            [
                ("Kept", ResourceAction::MayReplace),
                ("RenamedE5F6A7B8", ResourceAction::Replace),
                ("Gone", ResourceAction::Remove),
            ]
        );
        assert_eq!(
            d.resources[1].renamed_from.as_deref(),
            Some("TopicA1B2C3D4")
        );
        assert_eq!(d.resources[2].retention, Some(Retention::Snapshot));
    }

    /// Replacement comes from the registry schema's create-only properties,
    /// for every type, however the resource was written (typed or raw).
    #[test]
    fn registry_create_only_properties_predict_replacement() {
        let cases = [
            (
                "AWS::S3::Bucket",
                json!({"BucketName": "a"}),
                json!({"BucketName": "b"}),
                "BucketName",
            ),
            (
                "AWS::DynamoDB::Table",
                json!({"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
                json!({"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}),
                "KeySchema",
            ),
            (
                "AWS::SQS::Queue",
                json!({}),
                json!({"FifoQueue": true}),
                "FifoQueue",
            ),
            (
                "AWS::CloudFront::OriginAccessControl",
                json!({"OriginAccessControlConfig": {"Name": "a"}}),
                json!({"OriginAccessControlConfig": {"Name": "b"}}),
                "",
            ),
            (
                "AWS::Events::EventBus",
                json!({"Name": "a"}),
                json!({"Name": "b"}),
                "Name",
            ),
        ];
        for (t, before, after, property) in cases {
            let old = stack(json!({"R": {"Type": t, "Properties": before}}));
            let new = stack(json!({"R": {"Type": t, "Properties": after}}));
            let d = diff_stack(
                "s",
                Some(&old),
                Some(&new),
                crate::aws::cfn::create_only_properties,
                &mut Vec::new(),
            );
            let r = &d.resources[0];
            if property.is_empty() {
                assert_eq!(r.action, ResourceAction::Update, "{t}: {:?}", r.reason);
            } else {
                assert_eq!(r.action, ResourceAction::Replace, "{t}");
                assert_eq!(
                    r.reason.as_deref(),
                    Some(format!("create-only property {property} changed").as_str()),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn dotted_create_only_entries_match_prefixes() {
        assert!(touches(&["A", "B"], "A"));
        assert!(touches(&["A"], "A.B"));
        assert!(!touches(&["A", "C"], "A.B"));
        assert!(!touches(&["AB"], "A"));
    }
}
