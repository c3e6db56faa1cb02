//! The Kubernetes emitter: objects as multi-document YAML with apiVersion,
//! kind and metadata first, Namespaces and CRDs before what needs them.

use serde_json::{Map, Value as Json};

/// Puts apiVersion, kind and metadata first and drops nulls.
pub fn normalize_object(mut obj: Json) -> Json {
    super::strip_nulls(&mut obj);
    let Json::Object(mut m) = obj else { return obj };
    let mut out = Map::with_capacity(m.len());
    for key in ["apiVersion", "kind", "metadata"] {
        if let Some(v) = m.shift_remove(key) {
            out.insert(key.to_string(), v);
        }
    }
    out.extend(m);
    Json::Object(out)
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
    pub fn new(obj: Json) -> Document {
        Document {
            rank: rank(obj.get("kind").and_then(Json::as_str).unwrap_or("")),
            yaml: super::yaml::to_yaml(&obj),
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

    #[test]
    fn header_fields_first_and_namespaces_before_objects() {
        let o = normalize_object(
            json!({"spec": {"a": null}, "metadata": {"name": "x"}, "kind": "Service", "apiVersion": "v1"}),
        );
        let keys: Vec<&String> = o.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
        assert_eq!(o["spec"], json!({}));
        let mut docs = vec![
            Document::new(json!({"kind": "Service"})),
            Document::new(json!({"kind": "Namespace"})),
        ];
        order_rendered(&mut docs);
        assert_eq!(docs[0].yaml, "kind: Namespace\n");
    }
}
