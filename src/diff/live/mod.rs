//! Kubernetes drift: an assembly's objects against an export of the live
//! cluster (`kubectl get … -o yaml`). The API server adds to every object
//! what nobody wrote (status, managedFields, defaults, injected sidecars),
//! so the live side is first cut down to the shape the assembly gives each
//! object (its `normalize` step); what still differs was changed by someone.

mod normalize;
pub mod render;

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

use super::value::{diff_values, RawChange};
use super::{secrets, Change};
use crate::analyze::Source;
use crate::assembly::{LoadedObject, ObjectKey};
use crate::untrusted::yaml::to_json;
use crate::untrusted::{inert, YamlReader};

pub use normalize::{ignored_annotations, ignored_labels, quantity_eq};

/// The version of the JSON drift report (`schemaVersion`).
pub const DRIFT_SCHEMA_VERSION: u32 = 1;

/// How one object differs from what the assembly says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DriftStatus {
    /// In the assembly, not in the cluster (deleted, or never applied).
    Missing,
    /// In the cluster, in a namespace the assembly manages, and nobody's:
    /// no owner reference and not something the cluster makes itself.
    Extra,
    /// In both, with fields that differ.
    Changed,
}

/// One object that drifted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDrift {
    /// Which object.
    pub object: ObjectKey,
    /// Missing, extra or changed.
    pub status: DriftStatus,
    /// For a changed object, field by field: `old` is what the assembly
    /// says, `new` what the cluster has. Secret values are masked.
    pub changes: Vec<Change>,
}

/// The drift of one cluster.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveDrift {
    /// The report format's version.
    pub schema_version: u32,
    /// The assembly's cluster compared.
    pub cluster: String,
    /// Objects of the assembly that are in the cluster and equal.
    pub in_sync: usize,
    /// Every drifted object: changed and missing in assembly order, then
    /// extra ones sorted by key.
    pub objects: Vec<ObjectDrift>,
    /// What the comparison left out, and why (one line each).
    pub notes: Vec<String>,
}

impl LiveDrift {
    /// True when anything drifted.
    pub fn has_drift(&self) -> bool {
        !self.objects.is_empty()
    }

    /// How many objects have `status`.
    pub fn count(&self, status: DriftStatus) -> usize {
        self.objects.iter().filter(|o| o.status == status).count()
    }
}

/// An object of the live export.
#[derive(Debug, Clone)]
pub struct LiveObject {
    /// Which object.
    pub key: ObjectKey,
    /// The whole object as the API server returned it.
    pub body: Json,
}

/// Reads a live export: YAML or JSON documents, each an object or a `List`
/// of them (what `kubectl get -o yaml` writes). Documents that are not
/// objects are skipped with a note; an unreadable document is an error
/// naming its file.
pub fn read_live(sources: &[Source], notes: &mut Vec<String>) -> Result<Vec<LiveObject>, String> {
    let mut out = Vec::new();
    for src in sources {
        let reader = YamlReader::for_input(src.text.len());
        let docs = reader
            .documents(&src.text)
            .map_err(|e| format!("{}: {}", src.name, inert(&e.to_string())))?;
        let mut skipped = 0usize;
        for doc in docs {
            let json = to_json(doc).map_err(|e| format!("{}: {}", src.name, inert(&e)))?;
            let items = match json.get("kind").and_then(Json::as_str) {
                Some(k) if k.ends_with("List") && json.get("items").is_some() => {
                    match json.get("items") {
                        Some(Json::Array(items)) => items.clone(),
                        _ => Vec::new(),
                    }
                }
                _ => vec![json],
            };
            for item in items {
                match key_of(&item) {
                    Some(key) => out.push(LiveObject { key, body: item }),
                    None if item.is_null() => {}
                    None => skipped += 1,
                }
            }
        }
        if skipped > 0 {
            notes.push(format!(
                "{}: {skipped} document(s) without apiVersion, kind and metadata.name skipped",
                src.name
            ));
        }
    }
    Ok(out)
}

/// (group, kind, namespace, name) of a Kubernetes object.
fn key_of(o: &Json) -> Option<ObjectKey> {
    let api_version = o.get("apiVersion")?.as_str()?;
    let kind = o.get("kind")?.as_str()?;
    let meta = o.get("metadata")?;
    let name = meta.get("name")?.as_str()?;
    let group = api_version
        .rsplit_once('/')
        .map_or("", |(g, _)| g)
        .to_string();
    Some(ObjectKey {
        group,
        kind: kind.to_string(),
        namespace: meta
            .get("namespace")
            .and_then(Json::as_str)
            .map(str::to_string),
        name: name.to_string(),
    })
}

/// Compares one cluster of an assembly with the live export.
pub fn live_drift(cluster: &str, desired: &[LoadedObject], live: Vec<LiveObject>) -> LiveDrift {
    let mut notes = Vec::new();
    // Install inputs configure `istioctl install` or a Helm release; the
    // cluster holds what they install, not them.
    let (desired, inputs): (Vec<&LoadedObject>, Vec<&LoadedObject>) = desired
        .iter()
        .partition(|o| !(o.key.group == "helm" || o.key.kind == "IstioOperator"));
    if !inputs.is_empty() {
        notes.push(format!(
            "{} install input(s) (IstioOperator, Helm values) not compared: the cluster holds what they install, not them",
            inputs.len()
        ));
    }
    let mut by_key: IndexMap<ObjectKey, Json> = IndexMap::new();
    for o in live {
        if by_key.insert(o.key.clone(), o.body).is_some() {
            notes.push(format!(
                "{} is in the export twice; the last one is compared",
                inert(&o.key.to_string())
            ));
        }
    }
    let scaled = normalize::scaled_targets(desired.iter().map(|o| &o.body), by_key.values());
    let namespaces: BTreeSet<&str> = desired
        .iter()
        .filter_map(|o| o.key.namespace.as_deref())
        .collect();
    let wanted: BTreeSet<&ObjectKey> = desired.iter().map(|o| &o.key).collect();
    let mut objects = Vec::new();
    let mut in_sync = 0;
    for d in desired.iter().copied() {
        let Some(actual) = by_key.get(&d.key) else {
            objects.push(ObjectDrift {
                object: d.key.clone(),
                status: DriftStatus::Missing,
                changes: Vec::new(),
            });
            continue;
        };
        let expected = normalize::expected(&d.key, &d.body, &scaled);
        let seen = normalize::project(&d.key, &expected, actual, &scaled);
        let mut raw: Vec<RawChange> = Vec::new();
        diff_values(&mut Vec::new(), &expected, &seen, &mut raw);
        if raw.is_empty() {
            in_sync += 1;
            continue;
        }
        let mut changes: Vec<Change> = raw.into_iter().map(|c| c.into_change(false)).collect();
        secrets::mask_object_changes(&d.key, &mut changes);
        objects.push(ObjectDrift {
            object: d.key.clone(),
            status: DriftStatus::Changed,
            changes,
        });
    }
    let mut extra: Vec<ObjectDrift> = by_key
        .iter()
        .filter(|(k, body)| {
            !wanted.contains(k)
                && k.namespace
                    .as_deref()
                    .is_some_and(|ns| namespaces.contains(ns))
                && !normalize::made_by_the_cluster(k, body)
        })
        .map(|(k, _)| ObjectDrift {
            object: k.clone(),
            status: DriftStatus::Extra,
            changes: Vec::new(),
        })
        .collect();
    extra.sort_by(|a, b| a.object.cmp(&b.object));
    objects.extend(extra);
    if !scaled.is_empty() {
        notes.push(format!(
            "spec.replicas not compared on {} workload(s) an autoscaler owns (HorizontalPodAutoscaler or KEDA ScaledObject)",
            scaled.len()
        ));
    }
    LiveDrift {
        schema_version: DRIFT_SCHEMA_VERSION,
        cluster: cluster.to_string(),
        in_sync,
        objects,
        notes,
    }
}

#[cfg(test)]
mod tests;
