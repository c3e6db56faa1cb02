//! Values deploy writes into the Kubernetes manifests (a database's
//! endpoint, a role's ARN) come from stack outputs. When the resource an
//! output reads is replaced, the value changes at deploy although the
//! manifest files are byte for byte the same, so the cluster side of the
//! plan would read "unchanged" while the objects that hold the value
//! change at deploy. This names those files.

use std::collections::{BTreeMap, BTreeSet};

use super::cascade::targets;
use super::{ResourceAction, StackDiff};
use crate::assembly::LoadedAssembly;

/// At most this many placeholders, and resources, are named per file.
const SHOWN: usize = 3;

/// What a manifest file takes from replaced resources: its placeholders,
/// and the `stack/LogicalId`s they read.
type Reached<'a> = (Vec<&'a str>, BTreeSet<String>);

/// One note per manifest file whose deferred values read a resource the
/// plan replaces: the values, the resource, and what changes.
pub(super) fn changed_deferred_values(stacks: &[StackDiff], after: &LoadedAssembly) -> Vec<String> {
    let replaced: BTreeMap<&str, BTreeSet<&str>> = stacks
        .iter()
        .map(|s| {
            let ids = s
                .resources
                .iter()
                .filter(|r| r.action == ResourceAction::Replace)
                .map(|r| r.logical_id.as_str())
                .collect::<BTreeSet<_>>();
            (s.name.as_str(), ids)
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    if replaced.is_empty() {
        return Vec::new();
    }
    let mut hit: BTreeMap<(&str, &str), Reached> = BTreeMap::new();
    for cluster in &after.manifest.clusters {
        for input in &cluster.deferred_inputs {
            let Some(ids) = replaced.get(input.stack.as_str()) else {
                continue;
            };
            let value = after
                .templates
                .get(&input.stack)
                .and_then(|t| t.get("Outputs"))
                .and_then(|o| o.get(&input.output))
                .and_then(|o| o.get("Value"));
            let Some(value) = value else { continue };
            let read: BTreeSet<String> = targets(value)
                .into_iter()
                .filter(|t| ids.contains(t.as_str()))
                .map(|t| format!("{}/{t}", input.stack))
                .collect();
            if read.is_empty() {
                continue;
            }
            for file in &input.files {
                let e = hit
                    .entry((cluster.name.as_str(), file.as_str()))
                    .or_default();
                e.0.push(input.placeholder.as_str());
                e.1.extend(read.iter().cloned());
            }
        }
    }
    hit.into_iter()
        .map(|((cluster, file), (placeholders, read))| {
            let read: Vec<&str> = read.iter().map(String::as_str).collect();
            format!(
                "value from a replaced resource: cluster {cluster}'s {file} takes {} at deploy, which read{} {}, replaced in this plan; the file is unchanged, but its objects change when deploy resolves it (a pod template that holds the value rolls its pods)",
                first(&placeholders),
                if placeholders.len() == 1 { "s" } else { "" },
                first(&read)
            )
        })
        .collect()
}

/// The first [`SHOWN`] of `items`, then how many more: a manifest from a
/// pull request may list thousands, and a note stays one readable line.
fn first(items: &[&str]) -> String {
    super::exports::cut(items, SHOWN, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::{ClusterArtifact, DeferredInput, Manifest};
    use serde_json::{json, Value as Json};

    fn assembly(templates: Vec<(&str, Json)>, inputs: Vec<DeferredInput>) -> LoadedAssembly {
        LoadedAssembly {
            manifest: Manifest {
                version: crate::assembly::MANIFEST_VERSION.into(),
                stacks: Vec::new(),
                clusters: vec![ClusterArtifact {
                    name: "main".into(),
                    directory: "k8s/main".into(),
                    kustomization: "k8s/main/kustomization.yaml".into(),
                    files: Vec::new(),
                    deferred_inputs: inputs,
                    install_inputs: Vec::new(),
                    escape_hatches: Vec::new(),
                }],
                app: None,
            },
            templates: templates
                .into_iter()
                .map(|(n, t)| (n.to_string(), t))
                .collect(),
            clusters: Default::default(),
        }
    }

    fn data(id: &str) -> Json {
        json!({"Resources": {"Db": {"Type": "AWS::RDS::DBInstance", "Properties": {
            "DBInstanceIdentifier": id, "Engine": "postgres"}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}},
        "Outputs": {
            "Addr": {"Value": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}},
            "Port": {"Value": {"Fn::GetAtt": "Db.Endpoint.Port"}},
            "Url": {"Value": {"Ref": "Queue"}}}})
    }

    fn input(placeholder: &str, output: &str, file: &str) -> DeferredInput {
        DeferredInput {
            placeholder: placeholder.into(),
            stack: "data".into(),
            output: output.into(),
            files: vec![file.into()],
            lookup: None,
        }
    }

    #[test]
    fn a_manifest_that_takes_a_replaced_resources_value_is_named() {
        let inputs = vec![
            input(
                "${meshsynth:data/Db#Endpoint.Address}",
                "Addr",
                "k8s/main/orders.yaml",
            ),
            input(
                "${meshsynth:data/Db#Endpoint.Port}",
                "Port",
                "k8s/main/orders.yaml",
            ),
            input(
                "${meshsynth:data/Queue#QueueUrl}",
                "Url",
                "k8s/main/jobs.yaml",
            ),
        ];
        let after = assembly(vec![("data", data("orders-2"))], inputs.clone());
        let lookup = crate::aws::cfn::create_only_properties;
        let (old, new) = (data("orders"), data("orders-2"));
        let stacks = vec![super::super::cfn::diff_stack(
            "data",
            Some(&old),
            Some(&new),
            lookup,
            &mut Vec::new(),
        )];
        let notes = changed_deferred_values(&stacks, &after);
        // The database is replaced, the queue is not: one file named.
        assert_eq!(
            notes,
            ["value from a replaced resource: cluster main's k8s/main/orders.yaml takes ${meshsynth:data/Db#Endpoint.Address}, ${meshsynth:data/Db#Endpoint.Port} at deploy, which read data/Db, replaced in this plan; the file is unchanged, but its objects change when deploy resolves it (a pod template that holds the value rolls its pods)"]
        );
        // Nothing replaced: nothing to say.
        let same = vec![super::super::cfn::diff_stack(
            "data",
            Some(&old),
            Some(&old),
            lookup,
            &mut Vec::new(),
        )];
        assert!(changed_deferred_values(&same, &after).is_empty());
    }

    #[test]
    fn a_long_list_is_cut() {
        assert_eq!(first(&["a"]), "a");
        assert_eq!(first(&["a", "b", "c", "d", "e"]), "a, b, c and 2 more");
    }
}
