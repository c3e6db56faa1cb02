//! Kubernetes side of diff: objects matched by (group, kind, namespace,
//! name), compared field by field, with the fields the API server refuses to
//! update flagged (the object must be deleted and created again).

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::value::{diff_values, RawChange, Seg};
use super::{security, ClusterDiff, ObjectAction, ObjectDiff, SecurityChange, Status};
use crate::assembly::{LoadedObject, ObjectKey};

/// A field the API server does not let an update change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImmutableField {
    /// API group (`""` for core).
    pub group: &'static str,
    /// The kind the field belongs to.
    pub kind: &'static str,
    /// Dotted path from the object root.
    pub path: &'static str,
    /// Only when the old object has `immutable: true` (ConfigMap, Secret).
    pub when_marked_immutable: bool,
}

const fn f(group: &'static str, kind: &'static str, path: &'static str) -> ImmutableField {
    ImmutableField {
        group,
        kind,
        path,
        when_marked_immutable: false,
    }
}

const fn marked(group: &'static str, kind: &'static str, path: &'static str) -> ImmutableField {
    ImmutableField {
        group,
        kind,
        path,
        when_marked_immutable: true,
    }
}

/// Every immutable field diff knows, in one place. Sources: the API server's
/// update validation (`ValidateXUpdate` in `k8s.io/kubernetes/pkg/apis/*/validation`).
const IMMUTABLE: &[ImmutableField] = &[
    f("apps", "Deployment", "spec.selector"),
    f("apps", "ReplicaSet", "spec.selector"),
    f("apps", "DaemonSet", "spec.selector"),
    f("apps", "StatefulSet", "spec.selector"),
    f("apps", "StatefulSet", "spec.serviceName"),
    f("apps", "StatefulSet", "spec.volumeClaimTemplates"),
    f("apps", "StatefulSet", "spec.podManagementPolicy"),
    f("", "Service", "spec.clusterIP"),
    f("", "Service", "spec.clusterIPs"),
    f("batch", "Job", "spec.selector"),
    f("batch", "Job", "spec.template"),
    f("batch", "Job", "spec.completionMode"),
    f("", "PersistentVolumeClaim", "spec.storageClassName"),
    f("", "PersistentVolumeClaim", "spec.accessModes"),
    f("", "PersistentVolumeClaim", "spec.volumeMode"),
    f("", "PersistentVolumeClaim", "spec.volumeName"),
    f("", "PersistentVolumeClaim", "spec.selector"),
    f("", "PersistentVolumeClaim", "spec.dataSource"),
    f("", "PersistentVolumeClaim", "spec.dataSourceRef"),
    f("", "PersistentVolume", "spec.persistentVolumeSource"),
    f("", "PersistentVolume", "spec.csi"),
    f("storage.k8s.io", "StorageClass", "provisioner"),
    f("storage.k8s.io", "StorageClass", "parameters"),
    f("storage.k8s.io", "StorageClass", "reclaimPolicy"),
    f("storage.k8s.io", "StorageClass", "volumeBindingMode"),
    f("rbac.authorization.k8s.io", "RoleBinding", "roleRef"),
    f("rbac.authorization.k8s.io", "ClusterRoleBinding", "roleRef"),
    f(
        "policy",
        "PodDisruptionBudget",
        "spec.selector.matchExpressions",
    ),
    marked("", "ConfigMap", "data"),
    marked("", "ConfigMap", "binaryData"),
    marked("", "ConfigMap", "immutable"),
    marked("", "Secret", "data"),
    marked("", "Secret", "stringData"),
    marked("", "Secret", "immutable"),
    marked("", "Secret", "type"),
];

/// The immutable fields diff flags, for documentation and tests.
pub fn immutable_fields() -> &'static [ImmutableField] {
    IMMUTABLE
}

/// Keys of a change path (list steps skipped), to compare with dotted paths.
fn keys(path: &[Seg]) -> Vec<&str> {
    path.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            _ => None,
        })
        .collect()
}

fn is_immutable(key: &ObjectKey, old: &Json, path: &[Seg]) -> bool {
    let marked_immutable = old.get("immutable") == Some(&Json::Bool(true));
    let k = keys(path);
    IMMUTABLE.iter().any(|f| {
        f.group == key.group
            && f.kind == key.kind
            && (!f.when_marked_immutable || marked_immutable)
            && {
                let p: Vec<&str> = f.path.split('.').collect();
                // `spec.selector` changes whether `spec.selector.x` or the
                // whole `spec` changed.
                let n = k.len().min(p.len());
                n > 0 && k[..n] == p[..n]
            }
    })
}

fn diff_object(old: &LoadedObject, new: &LoadedObject) -> ObjectDiff {
    let mut raw: Vec<RawChange> = Vec::new();
    diff_values(&mut Vec::new(), &old.body, &new.body, &mut raw);
    let changes: Vec<_> = raw
        .into_iter()
        .map(|c| {
            // A change of the whole object root (not a mapping) is not a field change.
            let forces = !c.path.is_empty() && is_immutable(&new.key, &old.body, &c.path);
            c.into_change(forces)
        })
        .collect();
    let action = if changes.iter().any(|c| c.forces_replacement) {
        ObjectAction::Recreate
    } else {
        ObjectAction::Update
    };
    ObjectDiff {
        object: new.key.clone(),
        api_version: new.api_version.clone(),
        action,
        changes,
    }
}

/// Compares one cluster; `None` on a side means the cluster is not there.
pub(crate) fn diff_cluster(
    name: &str,
    old: Option<Vec<&LoadedObject>>,
    new: Option<Vec<&LoadedObject>>,
    security: &mut Vec<SecurityChange>,
) -> ClusterDiff {
    let index = |side: &Option<Vec<&LoadedObject>>| -> IndexMap<ObjectKey, usize> {
        side.iter()
            .flatten()
            .enumerate()
            .map(|(i, o)| (o.key.clone(), i))
            .collect()
    };
    let (io, inew) = (index(&old), index(&new));
    let (vo, vn) = (
        old.clone().unwrap_or_default(),
        new.clone().unwrap_or_default(),
    );
    let mut objects = Vec::new();
    for n in &vn {
        match io.get(&n.key) {
            Some(&i) if vo[i].body == n.body => {}
            Some(&i) => {
                security::object(name, Some(vo[i]), Some(n), security);
                objects.push(diff_object(vo[i], n));
            }
            None => {
                security::object(name, None, Some(n), security);
                objects.push(ObjectDiff {
                    object: n.key.clone(),
                    api_version: n.api_version.clone(),
                    action: ObjectAction::Add,
                    changes: Vec::new(),
                });
            }
        }
    }
    for o in &vo {
        if !inew.contains_key(&o.key) {
            security::object(name, Some(o), None, security);
            objects.push(ObjectDiff {
                object: o.key.clone(),
                api_version: o.api_version.clone(),
                action: ObjectAction::Remove,
                changes: Vec::new(),
            });
        }
    }
    let status = match (&old, &new) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ if objects.is_empty() => Status::Unchanged,
        _ => Status::Changed,
    };
    ClusterDiff {
        name: name.to_string(),
        status,
        objects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(group: &str, kind: &str, body: Json) -> LoadedObject {
        LoadedObject {
            key: ObjectKey {
                group: group.into(),
                kind: kind.into(),
                namespace: Some("ns".into()),
                name: "x".into(),
            },
            api_version: if group.is_empty() {
                "v1".into()
            } else {
                format!("{group}/v1")
            },
            file: "f.yaml".into(),
            chart: "c".into(),
            body,
        }
    }

    #[test]
    fn selector_change_recreates_and_image_change_updates() {
        let a = obj(
            "apps",
            "Deployment",
            json!({"spec": {"selector": {"matchLabels": {"app": "a"}}, "replicas": 1}}),
        );
        let b = obj(
            "apps",
            "Deployment",
            json!({"spec": {"selector": {"matchLabels": {"app": "b"}}, "replicas": 2}}),
        );
        let d = diff_object(&a, &b);
        assert_eq!(d.action, ObjectAction::Recreate);
        assert_eq!(
            d.changes
                .iter()
                .map(|c| (c.path.as_str(), c.forces_replacement))
                .collect::<Vec<_>>(),
            [
                ("spec.selector.matchLabels.app", true),
                ("spec.replicas", false)
            ]
        );
    }

    #[test]
    fn configmap_data_is_immutable_only_when_marked() {
        let a = obj("", "ConfigMap", json!({"data": {"k": "1"}}));
        let b = obj("", "ConfigMap", json!({"data": {"k": "2"}}));
        assert_eq!(diff_object(&a, &b).action, ObjectAction::Update);
        let a = obj(
            "",
            "ConfigMap",
            json!({"immutable": true, "data": {"k": "1"}}),
        );
        let b = obj(
            "",
            "ConfigMap",
            json!({"immutable": true, "data": {"k": "2"}}),
        );
        assert_eq!(diff_object(&a, &b).action, ObjectAction::Recreate);
    }
}
