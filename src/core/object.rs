//! Kubernetes objects in the tree. Core kinds come from `k8s-openapi`; CRD
//! kinds implement the same `k8s_openapi::Resource` + `Metadata` traits, so
//! one blanket impl covers both. A kind of your own gets [`K8sObject`] the
//! same way: implement those two traits, `Serialize` and `Deserialize` (a
//! patch reads the object back into its type), and keep it `Send + Sync`
//! (large apps render objects on several threads).

use std::any::{Any, TypeId};
use std::marker::PhantomData;

use indexmap::IndexMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::core::lite::{LiteError, LiteValue};
use crate::core::tree::NodeId;

/// Reads a `T` from JSON: the error names the path of the field that failed
/// (`spec.ports[0].port: invalid type…`), and the paths of fields `T` does
/// not know are returned beside it. Every typed reader of objects (a patch
/// read back, `meshsynth analyze`) goes through this one deserializer stack,
/// so each type's deserialization is compiled once, not once per stack.
pub fn deserialize_tracked<T: serde::de::DeserializeOwned>(
    json: serde_json::Value,
) -> Result<(T, Vec<String>), String> {
    deserialize_tracked_ref(&json)
}

/// [`deserialize_tracked`] of JSON the caller keeps (to read it again when
/// the typed read fails): nothing is copied but what `T` keeps. Every
/// typed reader of objects goes through `core::tracked`'s one
/// deserializer, so each type's deserialization is compiled once.
pub(crate) fn deserialize_tracked_ref<T: serde::de::DeserializeOwned>(
    json: &serde_json::Value,
) -> Result<(T, Vec<String>), String> {
    let mut unknown = Vec::new();
    let parsed = crate::core::tracked::read::<T>(json, Some(&mut unknown)).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.inner().to_string();
        if path == "." {
            msg
        } else {
            format!("{path}: {msg}")
        }
    });
    parsed.map(|t| (t, unknown))
}

/// [`deserialize_tracked`]'s reader with the failing field's path kept
/// structured and unknown fields ignored (the lenient reader repairs
/// objects where the path points).
pub(crate) fn deserialize_with_path<T: serde::de::DeserializeOwned>(
    json: &serde_json::Value,
) -> Result<T, crate::core::tracked::ReadError> {
    crate::core::tracked::read(json, None)
}

/// The pod template of a Deployment, StatefulSet, DaemonSet or ReplicaSet,
/// read from its typed struct (a patched object's typed view is re-read
/// from its patched JSON); `None` for any other kind.
pub(crate) fn workload_pod_template(
    obj: &dyn K8sObject,
) -> Option<&k8s_openapi::api::core::v1::PodTemplateSpec> {
    use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
    let any = obj.as_any();
    if let Some(d) = any.downcast_ref::<Deployment>() {
        d.spec.as_ref().map(|s| &s.template)
    } else if let Some(d) = any.downcast_ref::<StatefulSet>() {
        d.spec.as_ref().map(|s| &s.template)
    } else if let Some(d) = any.downcast_ref::<DaemonSet>() {
        d.spec.as_ref().map(|s| &s.template)
    } else if let Some(d) = any.downcast_ref::<ReplicaSet>() {
        d.spec.as_ref().and_then(|s| s.template.as_ref())
    } else {
        None
    }
}

/// The API group of an `apiVersion` (`apps` of `apps/v1`; `""` for the
/// core group's `v1`): kinds are told apart by group and kind.
pub(crate) fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// A Kubernetes object kind meshsynth can emit.
pub trait K8sObject: Any + Send + Sync {
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
    /// The whole object as a [`LiteValue`], the tree synthesis renders
    /// from: the same content as [`to_json`](K8sObject::to_json), built
    /// without hashing map keys. The default converts `to_json`'s result.
    fn to_lite(&self) -> Result<LiteValue, LiteError> {
        self.to_json()
            .map(LiteValue::from_json)
            .map_err(serde::ser::Error::custom)
    }
    /// True for the raw escape hatch, which the manifest lists.
    fn is_raw(&self) -> bool {
        false
    }
    /// True once a patch (`Scope::patch_object`) changed the object; the
    /// manifest lists it as an escape hatch.
    fn is_patched(&self) -> bool {
        false
    }
    /// The typed object, for downcasting (a patched object answers with its
    /// typed view).
    fn as_any(&self) -> &dyn Any;
    /// The same kind read from `json` (a patched document).
    fn retyped(&self, json: serde_json::Value) -> Result<Box<dyn K8sObject>, String>;
}

impl<T> K8sObject for T
where
    T: k8s_openapi::Resource
        + k8s_openapi::Metadata<Ty = ObjectMeta>
        + Serialize
        + serde::de::DeserializeOwned
        + Any
        + Send
        + Sync,
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
        // Through the lite tree, so each kind compiles one serializer, not
        // two (serde_json's too): 0.4 M lines of the library's LLVM IR
        // (docs/performance.md).
        LiteValue::of(self)
            .map(LiteValue::into_json)
            .map_err(serde::ser::Error::custom)
    }
    fn to_lite(&self) -> Result<LiteValue, LiteError> {
        LiteValue::of(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn retyped(&self, json: serde_json::Value) -> Result<Box<dyn K8sObject>, String> {
        deserialize_tracked::<T>(json)
            .map(|(t, _)| Box::new(t) as Box<dyn K8sObject>)
            .map_err(|e| format!("the patched object is not a valid {}: {e}", T::KIND))
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
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn retyped(&self, json: serde_json::Value) -> Result<Box<dyn K8sObject>, String> {
        if !json.is_object() {
            return Err("the patched object is not a JSON object".into());
        }
        let raw = RawObject::from_json(json, self.namespaced)
            .map_err(|e| format!("the patched metadata is invalid: {e}"))?;
        Ok(Box::new(RawObject {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            ..raw
        }))
    }
}

impl RawObject {
    /// `obj` as a raw object whose body is read in place, when it is one
    /// that no patch changed: a patched object's `as_any` answers with a
    /// view re-read from its JSON, and only that JSON is what is emitted.
    pub(crate) fn unpatched(obj: &dyn K8sObject) -> Option<&RawObject> {
        (!obj.is_patched())
            .then(|| obj.as_any().downcast_ref::<RawObject>())
            .flatten()
    }

    /// A raw object from its whole document (apiVersion, kind, metadata
    /// and the rest as the body). The error is the metadata's, or says the
    /// document is not an object.
    pub(crate) fn from_json(
        json: serde_json::Value,
        namespaced: bool,
    ) -> Result<RawObject, String> {
        let serde_json::Value::Object(mut map) = json else {
            return Err("not a JSON object".into());
        };
        let metadata = map.shift_remove("metadata").unwrap_or_default();
        let (metadata, _) = deserialize_tracked::<ObjectMeta>(metadata)?;
        let mut text = |key: &str| {
            map.shift_remove(key)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let (api_version, kind) = (text("apiVersion"), text("kind"));
        Ok(RawObject {
            api_version,
            kind,
            namespaced,
            metadata,
            body: map.into_iter().collect(),
        })
    }
}

/// A CloudFormation value that a chart uses but that only exists after
/// deploy: a placeholder in the manifest, filled by `deploy` from an output.
#[derive(Debug, Clone)]
pub(crate) struct Deferred {
    pub placeholder: String,
    pub value: crate::core::value::Value,
    /// What deploy does with the output before filling the placeholder.
    pub lookup: Option<Lookup>,
    /// The construct that asked for it, for error messages.
    pub consumer: String,
}

/// How deploy turns a producing stack's output into the value a deferred
/// input receives, when CloudFormation cannot output the value itself (an
/// MSK cluster's bootstrap brokers, for one). Recorded in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Lookup {
    /// Kafka `GetBootstrapBrokers` of the MSK cluster whose ARN the output
    /// holds; the value is the broker string of `listener`.
    MskBootstrapBrokers {
        /// Which listener's brokers.
        listener: MskListener,
    },
}

/// A listener of an MSK cluster, as `GetBootstrapBrokers` names its broker strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MskListener {
    /// IAM authentication over TLS (port 9098): `BootstrapBrokerStringSaslIam`.
    SaslIam,
    /// TLS without SASL (port 9094): `BootstrapBrokerStringTls`.
    Tls,
    /// SASL/SCRAM over TLS (port 9096): `BootstrapBrokerStringSaslScram`.
    SaslScram,
    /// Plain text (port 9092): `BootstrapBrokerString`.
    Plaintext,
}

impl Lookup {
    /// The placeholder suffix that tells lookups of one output apart.
    pub(crate) fn tag(&self) -> &'static str {
        match self {
            Lookup::MskBootstrapBrokers { listener } => match listener {
                MskListener::SaslIam => "mskBootstrapBrokers:saslIam",
                MskListener::Tls => "mskBootstrapBrokers:tls",
                MskListener::SaslScram => "mskBootstrapBrokers:saslScram",
                MskListener::Plaintext => "mskBootstrapBrokers:plaintext",
            },
        }
    }
}

/// A value only deploy can find: a resource's output and the lookup that
/// turns it into the value (see [`Scope::deferred_lookup`](crate::core::Scope::deferred_lookup)).
#[derive(Debug, Clone, PartialEq)]
pub struct LookupValue {
    /// The resource's `Ref` or attribute that deploy reads from the stack's outputs.
    pub value: crate::core::value::Value,
    /// What deploy then asks the service.
    pub lookup: Lookup,
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
