//! The Kubernetes emitter: objects as multi-document YAML with apiVersion,
//! kind and metadata first, Namespaces and CRDs before what needs them.

use crate::core::LiteValue;

/// Puts apiVersion, kind and metadata first and drops nulls.
pub fn normalize_object(mut obj: LiteValue) -> LiteValue {
    obj.strip_nulls();
    let LiteValue::Object(m) = obj else {
        return obj;
    };
    let mut head: [Option<(String, LiteValue)>; 3] = [None, None, None];
    let mut rest = Vec::with_capacity(m.len());
    for (k, v) in m {
        match ["apiVersion", "kind", "metadata"]
            .iter()
            .position(|h| *h == k)
        {
            Some(i) => head[i] = Some((k, v)),
            None => rest.push((k, v)),
        }
    }
    let mut out: Vec<(String, LiteValue)> = head.into_iter().flatten().collect();
    out.extend(rest);
    LiteValue::Object(out)
}

/// Rank of a kind in a file: what others need comes first.
fn rank(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "CustomResourceDefinition" => 1,
        "ServiceAccount" | "ClusterRole" | "Role" => 2,
        "ClusterRoleBinding" | "RoleBinding" | "ConfigMap" | "Secret" => 3,
        _ => 4,
    }
}

/// One object already rendered to YAML, with the rank that orders it.
#[derive(Clone)]
pub struct Document {
    rank: u8,
    yaml: String,
}

impl Document {
    /// Renders a normalized object.
    pub fn new(obj: &LiteValue) -> Document {
        Document {
            rank: rank(obj.get("kind").and_then(LiteValue::as_str).unwrap_or("")),
            yaml: super::yaml::to_yaml(obj),
        }
    }
}

/// Orders rendered documents stably by rank (what others need first),
/// keeping tree order within a rank.
pub fn order_rendered(docs: &mut [Document]) {
    docs.sort_by_key(|d| d.rank);
}

/// The multi-document YAML of a chart file.
pub fn join_rendered(docs: &[Document]) -> String {
    super::yaml::join_stream(docs.iter().map(|d| d.yaml.as_str()))
}

/// A cluster's `kustomization.yaml`, listing its files in order.
pub fn kustomization(files: &[String]) -> String {
    let doc = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": files,
    });
    super::yaml::to_yaml(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lite(v: serde_json::Value) -> LiteValue {
        LiteValue::from_json(v)
    }

    #[test]
    fn header_fields_first_and_namespaces_before_objects() {
        let mut o = normalize_object(lite(
            json!({"spec": {"a": null}, "metadata": {"name": "x"}, "kind": "Service", "apiVersion": "v1"}),
        ));
        let keys: Vec<&String> = o.as_object_mut().unwrap().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
        assert_eq!(o.get("spec"), Some(&LiteValue::Object(Vec::new())));
        let mut docs = vec![
            Document::new(&lite(json!({"kind": "Service"}))),
            Document::new(&lite(json!({"kind": "Namespace"}))),
        ];
        order_rendered(&mut docs);
        assert_eq!(docs[0].yaml, "kind: Namespace\n");
    }
}
