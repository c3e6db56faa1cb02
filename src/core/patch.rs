//! The Kubernetes patch escape hatch: a JSON merge patch (RFC 7386) or a
//! JSON patch (RFC 6902) on any object of the tree, by construct path.
//!
//! A patched object keeps two views. The emitted JSON is the patched
//! document, whole, so a field meshsynth does not model still reaches the
//! manifest (and the schema validators). The typed view, which the mesh
//! analyzers read, is that document read back into the object's own type,
//! so a patch that breaks a route is caught like a typed edit would be.

use std::any::Any;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value as Json;

use crate::core::object::K8sObject;

/// A patch on one Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
pub enum K8sPatch {
    /// A JSON merge patch (RFC 7386, `kubectl patch --type merge`): objects
    /// merge, `null` deletes a key, anything else replaces.
    Merge(Json),
    /// A JSON patch (RFC 6902, `kubectl patch --type json`): an array of
    /// `add`/`remove`/`replace`/`move`/`copy`/`test` operations.
    Json(Json),
}

impl K8sPatch {
    /// Applies the patch to `doc`; the error says which operation failed.
    pub(crate) fn apply(&self, doc: &mut Json) -> Result<(), PatchError> {
        match self {
            K8sPatch::Merge(p) => {
                if !p.is_object() {
                    return Err(PatchError::MergeNotObject);
                }
                json_patch::merge(doc, p);
                Ok(())
            }
            K8sPatch::Json(p) => {
                let ops: json_patch::Patch =
                    serde_json::from_value(p.clone()).map_err(PatchError::NotJsonPatch)?;
                json_patch::patch(doc, &ops).map_err(PatchError::Operation)
            }
        }
    }
}

/// Why a patch cannot be applied; the construct error says it after
/// "patch failed: ".
#[derive(Debug, thiserror::Error)]
pub(crate) enum PatchError {
    #[error("cannot serialize the object: {0}")]
    Serialize(String),
    #[error("a merge patch must be a JSON object")]
    MergeNotObject,
    #[error("not a JSON patch (RFC 6902): {0}")]
    NotJsonPatch(serde_json::Error),
    #[error("{0}")]
    Operation(json_patch::PatchError),
    #[error("the patch changes {key} (it must stay {want:?}); add a new object instead")]
    ChangesType { key: &'static str, want: String },
    #[error("the patch removes metadata")]
    RemovesMetadata,
    #[error("{0}")]
    Retype(String),
}

/// An object after one or more patches (see the module docs).
pub(crate) struct PatchedObject {
    /// The patched document read back into the object's type.
    pub typed: Box<dyn K8sObject>,
    /// The patched document as emitted, `metadata` excepted (it lives in
    /// `typed`, where aspects such as `Tags` still change it).
    pub json: Json,
    /// False for an object included as written (`mesh::include`): the
    /// same two views, but no escape hatch to list.
    pub patched: bool,
}

impl K8sObject for PatchedObject {
    fn api_version(&self) -> &str {
        self.typed.api_version()
    }
    fn kind(&self) -> &str {
        self.typed.kind()
    }
    fn namespaced(&self) -> bool {
        self.typed.namespaced()
    }
    fn metadata(&self) -> &ObjectMeta {
        self.typed.metadata()
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        self.typed.metadata_mut()
    }
    fn to_json(&self) -> serde_json::Result<Json> {
        let mut json = self.json.clone();
        if let Some(map) = json.as_object_mut() {
            map.insert("metadata".into(), serde_json::to_value(self.metadata())?);
        }
        Ok(json)
    }
    fn is_raw(&self) -> bool {
        self.typed.is_raw()
    }
    fn is_patched(&self) -> bool {
        self.patched
    }
    fn as_any(&self) -> &dyn Any {
        self.typed.as_any()
    }
    fn retyped(&self, json: Json) -> Result<Box<dyn K8sObject>, String> {
        self.typed.retyped(json)
    }
}

/// Applies `patch` to `object`; the result is a [`PatchedObject`]. Changing
/// `apiVersion` or `kind` is refused: the object's type is what the
/// analyzers and the assembly order rely on.
pub(crate) fn patch_object(
    object: &dyn K8sObject,
    patch: &K8sPatch,
) -> Result<Box<dyn K8sObject>, PatchError> {
    let mut doc = object
        .to_json()
        .map_err(|e| PatchError::Serialize(e.to_string()))?;
    let (api_version, kind) = (object.api_version().to_string(), object.kind().to_string());
    patch.apply(&mut doc)?;
    for (key, want) in [("apiVersion", &api_version), ("kind", &kind)] {
        if doc.get(key).and_then(Json::as_str) != Some(want.as_str()) {
            return Err(PatchError::ChangesType {
                key,
                want: want.clone(),
            });
        }
    }
    if !doc.get("metadata").is_some_and(Json::is_object) {
        return Err(PatchError::RemovesMetadata);
    }
    let typed = object.retyped(doc.clone()).map_err(PatchError::Retype)?;
    Ok(Box::new(PatchedObject {
        typed,
        json: doc,
        patched: true,
    }))
}
