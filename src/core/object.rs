//! Kubernetes objects in the tree. Core kinds come from `k8s-openapi`; CRD
//! kinds implement the same `k8s_openapi::Resource` + `Metadata` traits, so
//! one blanket impl covers both.

use std::any::{Any, TypeId};
use std::marker::PhantomData;

use indexmap::IndexMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::core::tree::NodeId;

/// A Kubernetes object kind meshsynth can emit.
pub trait K8sObject: Any {
    /// `apiVersion`, e.g. `networking.istio.io/v1`.
    fn api_version(&self) -> &str;
    /// `kind`, e.g. `VirtualService`.
    fn kind(&self) -> &str;
    /// Whether objects of this kind live in a namespace.
    fn namespaced(&self) -> bool;
    /// `metadata`.
    fn metadata(&self) -> &ObjectMeta;
    /// `metadata`, for aspects and defaults to change (labels, namespace).
    fn metadata_mut(&mut self) -> &mut ObjectMeta;
    /// The whole object as JSON, as it is emitted.
    fn to_json(&self) -> serde_json::Result<serde_json::Value>;
    /// True for the raw escape hatch, which the manifest lists.
    fn is_raw(&self) -> bool {
        false
    }
}

impl<T> K8sObject for T
where
    T: k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta> + Serialize + Any,
{
    fn api_version(&self) -> &str {
        T::API_VERSION
    }
    fn kind(&self) -> &str {
        T::KIND
    }
    fn namespaced(&self) -> bool {
        TypeId::of::<T::Scope>() == TypeId::of::<k8s_openapi::NamespaceResourceScope>()
    }
    fn metadata(&self) -> &ObjectMeta {
        k8s_openapi::Metadata::metadata(self)
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        k8s_openapi::Metadata::metadata_mut(self)
    }
    fn to_json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
}

/// An object kind meshsynth does not model (escape hatch), listed as raw in
/// the assembly manifest.
#[derive(Debug, Clone)]
pub struct RawObject {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Whether the kind is namespaced (the chart's namespace is applied when true).
    pub namespaced: bool,
    /// `metadata`.
    pub metadata: ObjectMeta,
    /// Everything beside apiVersion, kind and metadata.
    pub body: IndexMap<String, serde_json::Value>,
}

impl K8sObject for RawObject {
    fn api_version(&self) -> &str {
        &self.api_version
    }
    fn kind(&self) -> &str {
        &self.kind
    }
    fn namespaced(&self) -> bool {
        self.namespaced
    }
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
    fn to_json(&self) -> serde_json::Result<serde_json::Value> {
        let mut map = serde_json::Map::new();
        map.insert("apiVersion".into(), self.api_version.clone().into());
        map.insert("kind".into(), self.kind.clone().into());
        map.insert("metadata".into(), serde_json::to_value(&self.metadata)?);
        for (k, v) in &self.body {
            map.insert(k.clone(), v.clone());
        }
        Ok(serde_json::Value::Object(map))
    }
    fn is_raw(&self) -> bool {
        true
    }
}

/// A CloudFormation value that a chart uses but that only exists after
/// deploy: a placeholder in the manifest, filled by `deploy` from an output.
#[derive(Debug, Clone)]
pub(crate) struct Deferred {
    pub placeholder: String,
    pub value: crate::core::value::Value,
    /// The construct that asked for it, for error messages.
    pub consumer: String,
}

/// A typed handle to an object of the tree.
pub struct ObjectRef<O> {
    node: NodeId,
    name: String,
    namespace: Option<String>,
    _type: PhantomData<fn() -> O>,
}

impl<O> Clone for ObjectRef<O> {
    fn clone(&self) -> Self {
        ObjectRef {
            node: self.node,
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            _type: PhantomData,
        }
    }
}

impl<O> std::fmt::Debug for ObjectRef<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObjectRef({:?}, {})", self.node, self.name)
    }
}

impl<O> ObjectRef<O> {
    pub(crate) fn new(node: NodeId, name: String, namespace: Option<String>) -> Self {
        ObjectRef {
            node,
            name,
            namespace,
            _type: PhantomData,
        }
    }
    /// The object's node in the construct tree.
    pub fn node(&self) -> NodeId {
        self.node
    }
    /// `metadata.name`, final at construction (a pure function of the path).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The object's namespace, when it has one.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}
