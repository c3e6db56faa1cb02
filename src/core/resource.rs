//! CloudFormation resources in the tree: the `CfnResource` trait every L1
//! struct implements, typed handles, and per-resource options.

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::Serialize;

use crate::core::tree::NodeId;
use crate::core::value::Value;

/// How a resource type takes tags, so the `Tags` aspect can reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagStyle {
    /// The type has no `Tags` property.
    None,
    /// `Tags: [{Key, Value}]`, the usual form.
    List,
    /// `Tags: {key: value}` (EKS node groups, SSM parameters, MSK…).
    Map,
}

/// An L1 CloudFormation resource type: one struct per type, PascalCase serde.
/// `Send + Sync` because the tree that holds it is shared by synthesis threads.
pub trait CfnResource: Serialize + Any + Send + Sync {
    /// The CloudFormation type name, e.g. `AWS::EC2::VPC`.
    const TYPE: &'static str;
    /// How tags are given, for a type the CloudFormation registry does not
    /// know (a custom resource). Registry types take their tag property and
    /// style from the registry, and this is not read for them.
    const TAGS: TagStyle = TagStyle::List;
}

/// `DeletionPolicy` / `UpdateReplacePolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeletionPolicy {
    /// Delete the resource (CloudFormation's default).
    Delete,
    /// Keep the resource, outside the stack.
    Retain,
    /// Keep it, except when the stack's creation fails.
    RetainExceptOnCreate,
    /// Take a final snapshot, then delete (databases, caches, volumes).
    Snapshot,
}

/// The resource options beside its properties.
#[derive(Debug, Clone, Default)]
pub struct CfnOptions {
    /// Resources to create first (`DependsOn`), beyond those references imply.
    pub depends_on: Vec<NodeId>,
    /// `DeletionPolicy`. Default: none (Delete).
    pub deletion_policy: Option<DeletionPolicy>,
    /// `UpdateReplacePolicy`. Default: none (Delete).
    pub update_replace_policy: Option<DeletionPolicy>,
    /// The template condition that decides whether the resource is created. Default: none.
    pub condition: Option<NodeId>,
    /// `Metadata` entries (suppression reasons are added here too).
    pub metadata: IndexMap<String, serde_json::Value>,
    /// An explicit logical ID, validated when set.
    pub logical_id: Option<String>,
    /// Raw property overrides (escape hatch): dotted path → JSON value.
    /// They are listed in the assembly manifest so they stay visible.
    pub overrides: Vec<(String, serde_json::Value)>,
}

/// Type-erased resource, as stored in the tree.
pub(crate) trait ErasedResource: Any + Send + Sync {
    fn cfn_type(&self) -> &str;
    fn tag_style(&self) -> TagStyle;
    fn properties(&self) -> serde_json::Result<serde_json::Value>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// True for the raw escape hatch, which the manifest lists.
    fn is_raw(&self) -> bool {
        false
    }
}

impl<T: CfnResource> ErasedResource for T {
    fn cfn_type(&self) -> &str {
        T::TYPE
    }
    fn tag_style(&self) -> TagStyle {
        T::TAGS
    }
    fn properties(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A resource type meshsynth does not model (escape hatch). Its properties
/// are given as values; it is listed as raw in the assembly manifest.
#[derive(Debug, Clone)]
pub struct CfnRaw {
    /// The CloudFormation type, e.g. `AWS::S3::Bucket`.
    pub type_name: String,
    /// The properties, as values (references resolve like typed fields).
    pub properties: IndexMap<String, Value>,
    /// How the type takes tags, for a type the CloudFormation registry does
    /// not know (custom resources). For registry types the registry decides
    /// where the `Tags` aspect writes (`Tags`, `BackupVaultTags`…), and this
    /// is not read.
    pub tags: TagStyle,
}

impl CfnRaw {
    /// A resource of type `type_name` with `properties` in order. Tags
    /// from aspects go where the registry says for a registry type, and
    /// nowhere for a custom resource (its handler would get them as input).
    pub fn new(type_name: impl Into<String>, properties: Vec<(&str, Value)>) -> CfnRaw {
        CfnRaw {
            type_name: type_name.into(),
            properties: properties
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            tags: TagStyle::None,
        }
    }
}

impl ErasedResource for CfnRaw {
    fn cfn_type(&self) -> &str {
        &self.type_name
    }
    fn tag_style(&self) -> TagStyle {
        self.tags
    }
    fn properties(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(&self.properties)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn is_raw(&self) -> bool {
        true
    }
}

/// A resource in the tree with its options and the tags aspects gave it.
pub(crate) struct CfnNode {
    pub resource: Box<dyn ErasedResource>,
    pub options: CfnOptions,
    pub tags: BTreeMap<String, String>,
    /// Another stack the resource may live in instead (see
    /// `Scope::add_resource_either`): synth places it where it keeps the
    /// stacks' references one-way.
    pub alternate: Option<Alternate>,
    /// Resource attributes beside the options (`UpdatePolicy`,
    /// `CreationPolicy`, `Metadata`, a `Condition` by name), as an included
    /// template wrote them; empty for constructs.
    pub attributes: IndexMap<String, Value>,
    /// Top-level properties set as values over the typed ones
    /// (`Scope::set_property`), in the order set.
    pub property_values: IndexMap<String, Value>,
    /// Typed properties set over the resource's (`Scope::set_properties`):
    /// each overlay's properties replace the ones of the same name, in the
    /// order set, before `property_values`.
    pub overlays: Vec<Box<dyn ErasedResource>>,
    /// Where an included template declares the resource (`logs.yaml:41`):
    /// synth findings on it name the place to edit.
    pub origin: Option<String>,
}

/// Where else a resource may live: under `parent` (a node of another
/// stack) with id `id`.
#[derive(Debug, Clone)]
pub(crate) struct Alternate {
    pub parent: u32,
    pub id: String,
}

/// A typed handle to a resource of the tree: its attributes are values.
pub struct ResourceRef<R> {
    node: NodeId,
    _type: PhantomData<fn() -> R>,
}

impl<R> Clone for ResourceRef<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for ResourceRef<R> {}

impl<R> std::fmt::Debug for ResourceRef<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResourceRef({:?})", self.node)
    }
}

impl<R> PartialEq for ResourceRef<R> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<R: CfnResource> ResourceRef<R> {
    pub(crate) fn new(node: NodeId) -> Self {
        ResourceRef {
            node,
            _type: PhantomData,
        }
    }

    /// The resource's node in the construct tree: for options, overrides and suppressions.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// `Ref` of the resource (its physical id or name, per type).
    pub fn reference(&self) -> Value {
        Value::Ref(self.node)
    }

    /// `Fn::GetAtt` of one attribute. L1 types expose typed accessors over this.
    pub fn attr(&self, name: &'static str) -> Value {
        Value::GetAtt(self.node, Cow::Borrowed(name))
    }
}
