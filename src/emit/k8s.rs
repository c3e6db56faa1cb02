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

/// Orders documents stably by rank, keeping tree order within a rank.
pub fn order_documents(docs: &mut [Json]) {
    docs.sort_by_key(|d| rank(d.get("kind").and_then(Json::as_str).unwrap_or("")));
}

/// The multi-document YAML of a chart file.
pub fn render_stream(docs: &[Json]) -> String {
    super::yaml::to_yaml_stream(docs.iter())
}

/// One object already rendered to YAML, with the rank that orders it.
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

/// [`order_documents`] for rendered documents (the same stable order).
pub fn order_rendered(docs: &mut [Document]) {
    docs.sort_by_key(|d| d.rank);
}

/// The multi-document YAML of rendered documents; the same bytes as
/// [`render_stream`] of the objects they were made from.
pub fn join_rendered(docs: &[Document]) -> String {
    let len = docs.iter().map(|d| d.yaml.len() + 4).sum();
    let mut out = String::with_capacity(len);
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&d.yaml);
    }
    out
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
        let mut docs = vec![json!({"kind": "Service"}), json!({"kind": "Namespace"})];
        order_documents(&mut docs);
        assert_eq!(docs[0]["kind"], "Namespace");
    }
}
