//! Replacements reach past the resource replaced. A resource whose
//! properties read a replaced one (`Ref`, `Fn::GetAtt`, `${…}` in
//! `Fn::Sub`) gets a new value although its own text is unchanged:
//! CloudFormation updates it, or replaces it as well when the property is
//! create-only (the subnets of a replaced VPC, the database in them), and
//! so on down the chain. A template diff alone shows none of it, so a
//! CIDR change would read as one replaced VPC, not as a deleted database.
//! An export whose value reads a replaced resource changes too; the
//! `exports` module warns when another stack imports it.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value as Json;

use super::cfn::{loses_data, on_replace, touches, type_of};
use super::moves::resources;
use super::{CreateOnlyLookup, ResourceAction, ResourceDiff, StackDiff};

/// One reference a resource's properties make to another resource.
struct Reads {
    /// The property path as the plan shows it (`SubnetIds[1]`).
    shown: String,
    /// The same path's keys, list steps left out, for create-only matching.
    keys: Vec<String>,
    /// The logical id read.
    target: String,
}

/// Where the references of `v` go, `path` being where `v` sits.
fn collect(v: &Json, path: &mut Vec<Step>, out: &mut Vec<Reads>) {
    match v {
        Json::Object(m) if m.len() == 1 => {
            if let Some(Json::String(id)) = m.get("Ref") {
                push(out, path, id);
                return;
            }
            if let Some(g) = m.get("Fn::GetAtt") {
                let id = match g {
                    Json::Array(a) => a.first().and_then(Json::as_str),
                    Json::String(s) => s.split_once('.').map(|(id, _)| id),
                    _ => None,
                };
                if let Some(id) = id {
                    push(out, path, id);
                }
                return;
            }
            if let Some(sub) = m.get("Fn::Sub") {
                let (text, vars) = match sub {
                    Json::String(s) => (Some(s.as_str()), None),
                    Json::Array(a) => (
                        a.first().and_then(Json::as_str),
                        a.get(1).and_then(Json::as_object),
                    ),
                    _ => (None, None),
                };
                for id in text.map(sub_names).unwrap_or_default() {
                    if !vars.is_some_and(|v| v.contains_key(id)) {
                        push(out, path, id);
                    }
                }
                if let Some(vars) = vars {
                    for x in vars.values() {
                        collect(x, path, out);
                    }
                }
                return;
            }
            walk_object(m, path, out);
        }
        Json::Object(m) => walk_object(m, path, out),
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Step::Index(i));
                collect(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The logical ids `v` reads (`Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`);
/// pseudo parameters and parameters are among them, as names.
pub(super) fn targets(v: &Json) -> Vec<String> {
    let mut found = Vec::new();
    collect(v, &mut Vec::new(), &mut found);
    found.into_iter().map(|r| r.target).collect()
}

fn push(out: &mut Vec<Reads>, path: &[Step], target: &str) {
    out.push(Reads {
        shown: shown(path),
        keys: path
            .iter()
            .filter_map(|s| match s {
                Step::Key(k) => Some(k.clone()),
                Step::Index(_) => None,
            })
            .collect(),
        target: target.to_string(),
    })
}

fn walk_object(m: &serde_json::Map<String, Json>, path: &mut Vec<Step>, out: &mut Vec<Reads>) {
    for (k, x) in m {
        path.push(Step::Key(k.clone()));
        collect(x, path, out);
        path.pop();
    }
}

/// A step of a property path.
enum Step {
    Key(String),
    Index(usize),
}

/// The path as the plan shows it, up to the first intrinsic function
/// (`Value`, not `Value.Fn::Join[1][3]`): the property is what a reader
/// of the plan knows.
fn shown(path: &[Step]) -> String {
    let mut out = String::new();
    for s in path {
        if matches!(s, Step::Key(k) if k.starts_with("Fn::")) {
            break;
        }
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The names `${Name}` and `${Name.Attribute}` of an `Fn::Sub` string
/// reads; `${!Literal}` is text.
fn sub_names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let token = &after[..end];
        if !token.starts_with('!') {
            let name = token.split('.').next().unwrap_or(token).trim();
            if !name.is_empty() {
                out.push(name);
            }
        }
        rest = &after[end + 1..];
    }
    out
}

/// How sure the plan is that a resource is replaced.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Certainty {
    Maybe,
    Sure,
}

fn certainty(action: ResourceAction) -> Option<Certainty> {
    match action {
        ResourceAction::Replace => Some(Certainty::Sure),
        ResourceAction::MayReplace => Some(Certainty::Maybe),
        _ => None,
    }
}

/// Carries the stack's replacements to the resources that read them, to a
/// fixed point: each reader becomes an update (it takes the new value) or a
/// replacement (a create-only property takes it), with the reason. A
/// renamed resource is left out: its readers' text changed with it, so the
/// template diff already shows them.
pub(super) fn cascade(
    stack: &mut StackDiff,
    old: &Json,
    new: &Json,
    create_only: CreateOnlyLookup,
) {
    let (Some(old_res), Some(new_res)) = (resources(Some(old)), resources(Some(new))) else {
        return;
    };
    let mut replaced: BTreeMap<String, Certainty> = stack
        .resources
        .iter()
        .filter(|r| r.renamed_from.is_none())
        .filter_map(|r| Some((r.logical_id.clone(), certainty(r.action)?)))
        .collect();
    if replaced.is_empty() {
        return;
    }
    // Who reads whom, for the resources both sides hold.
    let mut readers: BTreeMap<&str, Vec<(&str, Reads)>> = BTreeMap::new();
    for (id, r) in new_res {
        if !old_res.contains_key(id) {
            continue;
        }
        let mut found = Vec::new();
        if let Some(p) = r.get("Properties") {
            collect(p, &mut Vec::new(), &mut found);
        }
        for reads in found {
            if reads.target == *id {
                continue;
            }
            // Keyed by the template's own string: `reads` is moved below.
            if let Some((target, _)) = new_res.get_key_value(&reads.target) {
                readers
                    .entry(target.as_str())
                    .or_default()
                    .push((id.as_str(), reads));
            }
        }
    }
    let order: HashMap<&str, usize> = new_res
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut plan = Entries {
        index: stack
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.logical_id.clone(), i))
            .collect(),
        existing: std::mem::take(&mut stack.resources),
        added: BTreeMap::new(),
        noted: HashSet::new(),
    };
    let mut work: Vec<String> = replaced.keys().cloned().collect();
    while let Some(target) = work.pop() {
        let Some(sure) = replaced.get(&target).copied() else {
            continue;
        };
        for (reader, reads) in readers.get(target.as_str()).into_iter().flatten() {
            let (Some(old_r), Some(new_r)) = (old_res.get(*reader), new_res.get(*reader)) else {
                continue;
            };
            let kind = type_of(new_r);
            let list = create_only(kind);
            let hit = list
                .as_deref()
                .and_then(|l| {
                    let keys: Vec<&str> = reads.keys.iter().map(String::as_str).collect();
                    l.iter().find(|e| touches(&keys, e))
                })
                .map(|e| e.to_string());
            let (which, then) = match sure {
                Certainty::Sure => ("which is replaced", ""),
                Certainty::Maybe => ("which may be replaced", "if it is, "),
            };
            let (action, reason) = match (&list, hit) {
                (Some(_), Some(prop)) => (
                    if sure == Certainty::Sure {
                        ResourceAction::Replace
                    } else {
                        ResourceAction::MayReplace
                    },
                    format!(
                        "create-only property {prop} reads {target}, {which}: {then}CloudFormation replaces this resource too"
                    ),
                ),
                (None, _) => (
                    ResourceAction::MayReplace,
                    format!(
                        "{} reads {target}, {which}; {kind}'s create-only properties are not modeled",
                        reads.shown
                    ),
                ),
                (Some(_), None) => (
                    ResourceAction::Update,
                    format!(
                        "{} reads {target}, {which}: {then}CloudFormation updates it with the new value",
                        reads.shown
                    ),
                ),
            };
            let at = order.get(reader).copied().unwrap_or(usize::MAX);
            let now = plan.apply(reader, at, old_r, new_r, action, reason);
            if let Some(c) = certainty(now) {
                if replaced.get(*reader).is_none_or(|was| *was < c) {
                    replaced.insert(reader.to_string(), c);
                    work.push(reader.to_string());
                }
            }
        }
    }
    stack.resources = plan.merged(&order);
}

/// The stack's entries while the cascade runs: the template diff's, found
/// by logical id, and the ones it adds, by template position, so each
/// effect costs a lookup however large the template.
struct Entries {
    existing: Vec<ResourceDiff>,
    index: HashMap<String, usize>,
    added: BTreeMap<usize, ResourceDiff>,
    /// Readers whose reason already names one replaced resource they read:
    /// one is enough to say why, and a reader of thousands stays one line.
    noted: HashSet<String>,
}

impl Entries {
    /// Merges one cascaded effect into the reader's entry (a new one when
    /// the template diff had none); returns the entry's action.
    fn apply(
        &mut self,
        reader: &str,
        at: usize,
        old_r: &Json,
        new_r: &Json,
        action: ResourceAction,
        reason: String,
    ) -> ResourceAction {
        let replacing = |d: &mut ResourceDiff, action: ResourceAction, reason: String| {
            d.action = action;
            d.reason = Some(reason);
            d.retention = (action == ResourceAction::Replace)
                .then(|| on_replace(old_r))
                .flatten();
            d.data_loss = action == ResourceAction::Replace && loses_data(old_r, d.retention);
        };
        let entry = match self.index.get(reader) {
            Some(&i) => self.existing.get_mut(i),
            None => self.added.get_mut(&at),
        };
        let Some(d) = entry else {
            let mut d = ResourceDiff {
                logical_id: reader.to_string(),
                resource_type: type_of(new_r).to_string(),
                action,
                reason: None,
                renamed_from: None,
                moved_from_stack: None,
                retention: None,
                data_loss: false,
                changes: Vec::new(),
            };
            replacing(&mut d, action, reason);
            self.noted.insert(reader.to_string());
            self.added.insert(at, d);
            return action;
        };
        match (d.action, action) {
            (ResourceAction::Update, ResourceAction::Update)
                if self.noted.insert(reader.to_string()) =>
            {
                let why = d.reason.get_or_insert_with(String::new);
                if !why.is_empty() {
                    why.push_str("; ");
                }
                why.push_str(&reason);
            }
            (ResourceAction::Update, _) | (ResourceAction::MayReplace, ResourceAction::Replace) => {
                replacing(d, action, reason)
            }
            _ => {}
        }
        d.action
    }

    /// The entries in template order, the removed ones last, as the
    /// template diff lists them.
    fn merged(self, order: &HashMap<&str, usize>) -> Vec<ResourceDiff> {
        let mut out = Vec::with_capacity(self.existing.len() + self.added.len());
        let mut added = self.added.into_iter().peekable();
        for r in self.existing {
            let at = order.get(r.logical_id.as_str()).copied();
            while let Some((k, _)) = added.peek() {
                if at.is_some_and(|a| a < *k) {
                    break;
                }
                out.extend(added.next().map(|(_, d)| d));
            }
            out.push(r);
        }
        out.extend(added.map(|(_, d)| d));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::cfn::diff_stack;
    use serde_json::json;

    /// The stack's plan entries after the cascade, as (id, action, reason).
    fn planned(old: &Json, new: &Json) -> Vec<(String, ResourceAction, String, bool)> {
        let lookup = crate::aws::cfn::create_only_properties;
        let mut d = diff_stack("s", Some(old), Some(new), lookup, &mut Vec::new());
        cascade(&mut d, old, new, lookup);
        d.resources
            .into_iter()
            .map(|r| {
                (
                    r.logical_id,
                    r.action,
                    r.reason.unwrap_or_default(),
                    r.data_loss,
                )
            })
            .collect()
    }

    fn platform(role_name: &str, cidr: &str) -> Json {
        json!({"Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}},
            "Subnet": {"Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}},
            "DbSubnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
                "DBSubnetGroupDescription": "db", "SubnetIds": [{"Ref": "Other"}, {"Ref": "Subnet"}]}},
            "Other": {"Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": "vpc-123", "CidrBlock": "10.9.0.0/24"}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": role_name, "AssumeRolePolicyDocument": {}}},
            "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
                "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                "ResourcesVpcConfig": {"SubnetIds": [{"Ref": "Other"}]}}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/eks/${Cluster}/cluster"}}},
            "Note": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String",
                "Value": {"Fn::Sub": ["${Name}:${!Literal}", {"Name": {"Fn::GetAtt": "Cluster.Arn"}}]}}}
        }})
    }

    #[test]
    fn a_replaced_resource_replaces_what_reads_it_in_a_create_only_property() {
        // A new VPC CIDR replaces the VPC, so its subnet (VpcId is
        // create-only), and the subnet group takes the new subnet's id.
        let got = planned(
            &platform("eks", "10.0.0.0/16"),
            &platform("eks", "10.1.0.0/16"),
        );
        let ids: Vec<(&str, ResourceAction)> =
            got.iter().map(|(id, a, _, _)| (id.as_str(), *a)).collect();
        assert_eq!(
            ids,
            [
                ("Vpc", ResourceAction::Replace),
                ("Subnet", ResourceAction::Replace),
                ("DbSubnets", ResourceAction::Update),
            ]
        );
        assert_eq!(
            got[1].2,
            "create-only property VpcId reads Vpc, which is replaced: CloudFormation replaces this resource too"
        );
        assert_eq!(
            got[2].2,
            "SubnetIds[1] reads Subnet, which is replaced: CloudFormation updates it with the new value"
        );
    }

    #[test]
    fn the_chain_goes_on_and_finds_the_data_it_deletes() {
        // A renamed role replaces the cluster (RoleArn is create-only),
        // whose name the log group's name reads: the logs are deleted.
        let got = planned(
            &platform("eks", "10.0.0.0/16"),
            &platform("eks-2", "10.0.0.0/16"),
        );
        let ids: Vec<(&str, ResourceAction, bool)> = got
            .iter()
            .map(|(id, a, _, lost)| (id.as_str(), *a, *lost))
            .collect();
        assert_eq!(
            ids,
            [
                ("Role", ResourceAction::Replace, false),
                ("Cluster", ResourceAction::Replace, false),
                ("Logs", ResourceAction::Replace, true),
                ("Note", ResourceAction::Update, false),
            ]
        );
        assert!(got[3]
            .2
            .starts_with("Value reads Cluster, which is replaced"));
    }

    #[test]
    fn an_update_keeps_its_own_reason_and_a_literal_or_a_variable_is_no_reference() {
        let mut new = platform("eks-2", "10.0.0.0/16");
        new["Resources"]["Note"]["Properties"]["Description"] = json!("changed");
        let got = planned(&platform("eks", "10.0.0.0/16"), &new);
        let note = got.iter().find(|g| g.0 == "Note").expect("Note is planned");
        assert_eq!(note.1, ResourceAction::Update);
        assert!(note.2.starts_with("Value reads Cluster"), "{}", note.2);
        // `${Name}` is the variable, `${!Literal}` text.
        assert_eq!(
            sub_names("${Name}:${!Literal}-${Role.Arn}-${AWS::Region}"),
            ["Name", "Role", "AWS::Region"]
        );
        // Nothing replaced: nothing cascades.
        assert!(planned(
            &platform("eks", "10.0.0.0/16"),
            &platform("eks", "10.0.0.0/16")
        )
        .is_empty());
    }

    #[test]
    fn an_unknown_type_may_be_replaced_and_says_why() {
        let t = |cidr: &str| {
            json!({"Resources": {
                "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}},
                "Thing": {"Type": "Custom::Thing", "Properties": {"Vpc": {"Ref": "Vpc"}}},
                "Next": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Thing"}}}
            }})
        };
        let got = planned(&t("10.0.0.0/16"), &t("10.1.0.0/16"));
        assert_eq!(got[1].1, ResourceAction::MayReplace);
        assert_eq!(
            got[1].2,
            "Vpc reads Vpc, which is replaced; Custom::Thing's create-only properties are not modeled"
        );
        // Downstream of a maybe, a maybe.
        assert_eq!(got[2].1, ResourceAction::MayReplace);
        assert!(got[2].2.contains("reads Thing, which may be replaced"));
    }

    #[test]
    fn many_readers_and_a_reader_of_many_stay_one_entry_each() {
        // 2,000 replaced VPCs, 20,000 subnets of the first, and one
        // parameter that reads every VPC: each reader is one entry, and the
        // parameter's reason names one VPC, not 2,000.
        let t = |cidr: &str| {
            let mut res = serde_json::Map::new();
            for i in 0..2_000 {
                res.insert(
                    format!("Vpc{i}"),
                    json!({"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}}),
                );
            }
            for i in 0..20_000 {
                res.insert(
                    format!("Subnet{i}"),
                    json!({"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc0"}}}),
                );
            }
            let all: String = (0..2_000).map(|i| format!("${{Vpc{i}}},")).collect();
            res.insert(
                "All".into(),
                json!({"Type": "AWS::SSM::Parameter",
                    "Properties": {"Type": "String", "Value": {"Fn::Sub": all}}}),
            );
            json!({ "Resources": res })
        };
        let got = planned(&t("10.0.0.0/16"), &t("10.1.0.0/16"));
        assert_eq!(got.len(), 2_000 + 20_000 + 1);
        let all = got.iter().find(|g| g.0 == "All").expect("All is planned");
        assert_eq!(all.1, ResourceAction::Update);
        assert_eq!(all.2.matches(" reads ").count(), 1, "{}", all.2);
        // Template order kept: the VPCs, the subnets, then the parameter.
        assert_eq!(got[2_000].0, "Subnet0");
        assert_eq!(got.last().map(|g| g.0.as_str()), Some("All"));
    }
}
