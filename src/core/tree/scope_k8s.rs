//! `Scope`'s Kubernetes half: adding, patching and editing objects.

use crate::core::error::Error;
use crate::core::names;
use crate::core::object::{K8sObject, ObjectRef};
use crate::core::patch::{self, K8sPatch};

use super::*;

impl Scope<'_> {
    /// Adds a Kubernetes object. Without an explicit `metadata.name` it is
    /// named from its path; a namespaced object without a namespace gets the
    /// chart's.
    pub fn add_object<O: K8sObject>(&mut self, id: &str, object: O) -> Result<ObjectRef<O>, Error> {
        let (node, name, namespace) = self.add_erased_object(id, Box::new(object))?;
        Ok(ObjectRef::new(node, name, namespace))
    }

    /// [`add_object`](Self::add_object) of an object whose type is known
    /// only at run time (`analyze` reads the kind from the document); the
    /// node, and the name and namespace the object was given.
    pub(crate) fn add_erased_object(
        &mut self,
        id: &str,
        mut object: Box<dyn K8sObject>,
    ) -> Result<(NodeId, String, Option<String>), Error> {
        let chart = self.app.node(self.node).chart.ok_or_else(|| {
            Error::construct(
                format!("{}/{id}", self.path()),
                "Kubernetes objects must be inside a Chart",
                "create this construct in a scope under a Chart",
            )
        })?;
        if object.metadata().name.is_none() {
            let mut comps = self.app.components_below(self.node, chart);
            comps.push(id);
            object.metadata_mut().name = Some(names::k8s_name(&comps));
        }
        if object.namespaced() && object.metadata().namespace.is_none() {
            object.metadata_mut().namespace = self.app.chart_info(chart).namespace.clone();
        }
        let name = object.metadata().name.clone().unwrap_or_default();
        let namespace = object.metadata().namespace.clone();
        let kind = object.kind().to_string();
        let index = self.add_kind(id, NodeKind::Object(object))?;
        self.app
            .objects_by_kind
            .entry(kind)
            .or_default()
            .push(index);
        Ok((self.app.node_id(index), name, namespace))
    }

    /// Patches the Kubernetes object at `path`, a construct path below this
    /// scope (e.g. `Orders/VirtualService`), with a JSON merge patch or JSON
    /// patch: the escape hatch for a field a construct does not expose. The
    /// mesh analyzers see the patched object; `manifest.json` lists the path
    /// under `escapeHatches`. Patch after the construct is complete: a later
    /// typed change would not see the patch.
    pub fn patch_object(&mut self, path: &str, patch: K8sPatch) -> Result<(), Error> {
        let mut at = self.node;
        for comp in path.split('/') {
            match self.app.child(at, comp) {
                Some(i) => at = i,
                None => {
                    let here = self.app.node(at);
                    let children: Vec<&str> = here
                        .children
                        .iter()
                        .map(|&c| self.app.node(c).id())
                        .collect();
                    let base = if here.path.is_empty() {
                        "the app"
                    } else {
                        &here.path
                    };
                    return Err(Error::construct(
                        self.path().to_string(),
                        format!("cannot patch {path:?}: {base} has no child {comp:?}"),
                        if children.is_empty() {
                            "give a construct path below this scope, e.g. Orders/VirtualService"
                                .to_string()
                        } else {
                            format!("its children are: {}", children.join(", "))
                        },
                    ));
                }
            }
        }
        let full = self.app.node(at).path.to_string();
        let NodeKind::Object(object) = &self.app.node(at).kind else {
            return Err(Error::construct(
                full,
                "cannot patch: this construct is not a Kubernetes object",
                "give the path of the object itself (e.g. Orders/VirtualService); for a CloudFormation resource use options().overrides",
            ));
        };
        let patched = patch::patch_object(object.as_ref(), &patch).map_err(|e| {
            Error::construct(
                full,
                format!("patch failed: {e}"),
                "fix the patch against the object as `meshsynth synth` writes it",
            )
        })?;
        self.app.node_mut(at).kind = NodeKind::Object(patched);
        Ok(())
    }

    /// Changes the object `r` through its typed struct: `edit` gets the
    /// object as `O` (read from what the chart holds, an included object's
    /// fields as written included), and what it changes is applied as the
    /// smallest JSON patch, so the fields it leaves alone stay exactly as
    /// they were (`cpu: 0.5` stays a number). Checked at synth like any
    /// object. For objects an include added (`K8sInclude::object_ref`),
    /// which are not held as `O`.
    pub fn edit_object<O>(
        &mut self,
        r: &ObjectRef<O>,
        edit: impl FnOnce(&mut O),
    ) -> Result<(), Error>
    where
        O: serde::Serialize + serde::de::DeserializeOwned,
    {
        let path = self.app.path_of(r.node()).unwrap_or_default().to_string();
        let fail = |message: String, hint: &str| Error::construct(path.clone(), message, hint);
        let Some(i) = self.app.index_of(r.node()) else {
            return Err(fail(
                "edit asked for an object of another app".into(),
                "use handles of this app",
            ));
        };
        let NodeKind::Object(object) = &self.app.node(i).kind else {
            return Err(fail(
                "this node is not a Kubernetes object".into(),
                "pass an ObjectRef",
            ));
        };
        let doc = object
            .to_json()
            .map_err(|e| fail(format!("cannot serialize the object: {e}"), "report this"))?;
        let mut typed: O = serde_json::from_value(doc).map_err(|e| {
            fail(
                format!("the object does not read as its type: {e}"),
                "fix the object's fields, or patch it with patch_object",
            )
        })?;
        let before = serde_json::to_value(&typed)
            .map_err(|e| fail(format!("cannot serialize the object: {e}"), "report this"))?;
        edit(&mut typed);
        let after = serde_json::to_value(&typed).map_err(|e| {
            fail(
                format!("cannot serialize the edited object: {e}"),
                "report this",
            )
        })?;
        let ops = serde_json::to_value(json_patch::diff(&before, &after)).map_err(|e| {
            fail(
                format!("cannot write the change as a patch: {e}"),
                "report this",
            )
        })?;
        // A change at a path the object as written lacks (a field it left
        // to its default) replaces the object with the edited one.
        let patched = patch::patch_object(object.as_ref(), &K8sPatch::Json(ops)).or_else(|_| {
            let whole = serde_json::json!([{"op": "replace", "path": "", "value": after}]);
            patch::patch_object(object.as_ref(), &K8sPatch::Json(whole))
        });
        let patched = patched.map_err(|e| {
            fail(
                format!("the edit cannot be applied: {e}"),
                "keep apiVersion, kind and metadata as they are",
            )
        })?;
        self.app.node_mut(i).kind = NodeKind::Object(patched);
        Ok(())
    }

    /// The Kubernetes name a child object with this id would get by default.
    pub fn default_k8s_name(&self, id: &str) -> Option<String> {
        let chart = self.app.node(self.node).chart?;
        let mut comps = self.app.components_below(self.node, chart);
        comps.push(id);
        Some(names::k8s_name(&comps))
    }
}
