//! The construct tree: an arena of nodes addressed by `NodeId`, each with a
//! path made of sibling-unique ids. `App` owns it; `Scope` is a mutable
//! cursor at one node that constructs use to add children.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::core::aspects::Aspect;
use crate::core::chart::{ChartInfo, InstallKind};
use crate::core::context::Context;
use crate::core::diag::Diagnostic;
use crate::core::error::Error;
use crate::core::names;
use crate::core::object::{Deferred, K8sObject, ObjectRef};
use crate::core::patch::{self, K8sPatch};
use crate::core::resource::{
    CfnNode, CfnOptions, CfnRaw, CfnResource, ErasedResource, ResourceRef,
};
use crate::core::stack::{ConditionInfo, Env, OutputInfo, ParameterInfo, StackInfo};
use crate::core::value::Value;

static APP_SERIAL: AtomicU32 = AtomicU32::new(1);

/// The address of a node. It remembers its app, so a handle from another
/// app is reported as a dangling reference instead of pointing at a stranger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub(crate) app: u32,
    pub(crate) index: u32,
}

/// What a node is.
pub(crate) enum NodeKind {
    App,
    Stack(Box<StackInfo>),
    Chart(Box<ChartInfo>),
    Construct,
    Resource(Box<CfnNode>),
    Object(Box<dyn K8sObject>),
    Parameter(Box<ParameterInfo>),
    Condition(Box<ConditionInfo>),
    Output(Box<OutputInfo>),
}

pub(crate) struct Node {
    pub id: String,
    pub path: Arc<str>,
    pub parent: Option<u32>,
    pub children: Vec<u32>,
    pub kind: NodeKind,
    /// The nearest enclosing stack (the node itself for a stack).
    pub stack: Option<u32>,
    /// The nearest enclosing chart (the node itself for a chart).
    pub chart: Option<u32>,
}

/// A check run over the locked tree; it reports diagnostics, never fails fast.
/// `Send + Sync` because validations run on their own thread, beside
/// template and chart emission.
pub trait Validation: Send + Sync {
    /// Checks the locked tree and pushes its findings to `out`.
    fn validate(&self, app: &App, out: &mut Vec<Diagnostic>);
}

/// A check of one resource as it is emitted (after overrides, escape hatches
/// and tags): its CloudFormation type, final properties and path. A family
/// of constructs registers its rule set with `Scope::add_emitted_check_once`;
/// the synthesizer runs every registered check on every resource without
/// knowing whose it is.
pub type EmittedCheck = fn(
    cfn_type: &str,
    properties: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    out: &mut Vec<Diagnostic>,
);

impl<F: Fn(&App, &mut Vec<Diagnostic>) + Send + Sync> Validation for F {
    fn validate(&self, app: &App, out: &mut Vec<Diagnostic>) {
        self(app, out)
    }
}

/// An install input as `App::install_inputs` lists it.
#[derive(Debug, Clone, Copy)]
pub struct InstallInputRef<'a> {
    /// The construct path that added it.
    pub path: &'a str,
    /// The cluster of its chart.
    pub cluster: &'a str,
    /// Its file name stem.
    pub name: &'a str,
    /// What it is.
    pub kind: &'a InstallKind,
    /// Its content.
    pub content: &'a serde_json::Value,
}

/// The root of a construct tree and everything attached to it.
pub struct App {
    serial: u32,
    pub(crate) nodes: Vec<Node>,
    /// (parent, id) → child; a fast hasher, as every node is added here.
    children_by_id: HashMap<(u32, String), u32, foldhash::fast::RandomState>,
    locked: bool,
    context: Context,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) validations: Vec<(u32, Box<dyn Validation>)>,
    /// Keys of validations registered with `add_validation_once`.
    validation_keys: std::collections::BTreeSet<String>,
    pub(crate) aspects: Vec<(u32, Box<dyn Aspect>)>,
    pub(crate) suppressions: Vec<Suppression>,
    /// Checks of emitted resources, in registration order, once per key.
    emitted_checks: Vec<(String, EmittedCheck)>,
}

/// A rule turned off for a subtree, with the reason the user gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    pub node: u32,
    pub rule: String,
    pub reason: String,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("nodes", &self.nodes.len())
            .field("locked", &self.locked)
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The checks of emitted resources registered with
    /// `Scope::add_emitted_check_once`, in registration order.
    pub fn emitted_checks(&self) -> impl Iterator<Item = EmittedCheck> + '_ {
        self.emitted_checks.iter().map(|(_, c)| *c)
    }

    /// A new app with these context values.
    pub fn new(context: Context) -> App {
        let root = Node {
            id: String::new(),
            path: Arc::from(""),
            parent: None,
            children: Vec::new(),
            kind: NodeKind::App,
            stack: None,
            chart: None,
        };
        App {
            serial: APP_SERIAL.fetch_add(1, Ordering::Relaxed),
            nodes: vec![root],
            children_by_id: HashMap::default(),
            locked: false,
            context,
            diagnostics: Vec::new(),
            validations: Vec::new(),
            validation_keys: Default::default(),
            aspects: Vec::new(),
            suppressions: Vec::new(),
            emitted_checks: Vec::new(),
        }
    }

    /// The context values (`-c key=value`).
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// A scope at the root, where stacks and charts are added.
    pub fn root(&mut self) -> Scope<'_> {
        Scope { app: self, node: 0 }
    }

    /// A scope at an existing node of this app.
    pub fn scope(&mut self, node: NodeId) -> Result<Scope<'_>, Error> {
        let index = self.index_of(node).ok_or_else(|| Error::Construct {
            path: String::new(),
            message: "the node belongs to another app".into(),
            hint: Some("build every construct of an app from scopes of that app".into()),
        })?;
        Ok(Scope {
            app: self,
            node: index,
        })
    }

    pub(crate) fn index_of(&self, node: NodeId) -> Option<u32> {
        (node.app == self.serial && (node.index as usize) < self.nodes.len()).then_some(node.index)
    }

    pub(crate) fn node_id(&self, index: u32) -> NodeId {
        NodeId {
            app: self.serial,
            index,
        }
    }

    pub(crate) fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    pub(crate) fn node_mut(&mut self, index: u32) -> &mut Node {
        &mut self.nodes[index as usize]
    }

    /// The path of a node, if it belongs to this app.
    pub fn path_of(&self, node: NodeId) -> Option<&str> {
        self.index_of(node).map(|i| &*self.node(i).path)
    }

    /// Whether synthesis has started (the tree no longer changes).
    pub fn is_locked(&self) -> bool {
        self.locked
    }

    pub(crate) fn lock(&mut self) {
        self.locked = true;
    }

    /// Nodes in tree (pre-)order, the order output follows.
    pub(crate) fn preorder(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![0u32];
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.node(i).children.iter().rev());
        }
        out
    }

    /// The nodes under `index` (itself included) in tree order.
    pub(crate) fn subtree(&self, index: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![index];
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.node(i).children.iter().rev());
        }
        out
    }

    /// The typed L1 struct behind a handle.
    pub fn resource<R: CfnResource>(&self, r: &ResourceRef<R>) -> Option<&R> {
        let i = self.index_of(r.node())?;
        match &self.node(i).kind {
            NodeKind::Resource(c) => c.resource.as_any().downcast_ref::<R>(),
            _ => None,
        }
    }

    /// The typed object behind a handle.
    pub fn object<O: K8sObject>(&self, o: &ObjectRef<O>) -> Option<&O> {
        let i = self.index_of(o.node())?;
        match &self.node(i).kind {
            NodeKind::Object(obj) => obj.as_any().downcast_ref::<O>(),
            _ => None,
        }
    }

    /// Every object of type `O` with its construct path, in tree order.
    pub fn objects_of<O: K8sObject>(&self) -> Vec<(&str, &O)> {
        self.preorder()
            .into_iter()
            .filter_map(|i| {
                let n = self.node(i);
                match &n.kind {
                    NodeKind::Object(obj) => {
                        obj.as_any().downcast_ref::<O>().map(|o| (&*n.path, o))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Every Kubernetes object with its path and cluster, in tree order.
    pub fn all_objects(&self) -> Vec<(&str, &str, &dyn K8sObject)> {
        self.preorder()
            .into_iter()
            .filter_map(|i| {
                let n = self.node(i);
                let cluster = n.chart.and_then(|c| match &self.node(c).kind {
                    NodeKind::Chart(info) => Some(info.cluster.as_str()),
                    _ => None,
                })?;
                match &n.kind {
                    NodeKind::Object(obj) => Some((&*n.path, cluster, obj.as_ref())),
                    _ => None,
                }
            })
            .collect()
    }

    /// Every CloudFormation resource as (construct path, stack name, logical
    /// ID), in tree order: the addresses synth gives them.
    pub fn resource_addresses(&self) -> Vec<(&str, &str, String)> {
        self.preorder()
            .into_iter()
            .filter_map(|i| {
                let n = self.node(i);
                let NodeKind::Resource(r) = &n.kind else {
                    return None;
                };
                let stack = n.stack?;
                let NodeKind::Stack(info) = &self.node(stack).kind else {
                    return None;
                };
                let id = r
                    .options
                    .logical_id
                    .clone()
                    .unwrap_or_else(|| names::logical_id(&self.components_below(i, stack)));
                Some((&*n.path, info.name.as_str(), id))
            })
            .collect()
    }

    /// Every resource of type `R` with its construct path, in tree order.
    pub fn resources_of<R: CfnResource>(&self) -> Vec<(&str, &R)> {
        self.resources_of_erased::<R>()
    }

    /// Every raw resource (`add_raw_resource`) of CloudFormation type
    /// `type_name` with its construct path, in tree order, for rules that
    /// relate resources and must see the escape hatch too.
    pub fn raw_resources_of(&self, type_name: &str) -> Vec<(&str, &CfnRaw)> {
        self.resources_of_erased::<CfnRaw>()
            .into_iter()
            .filter(|(_, r)| r.type_name == type_name)
            .collect()
    }

    fn resources_of_erased<R: 'static>(&self) -> Vec<(&str, &R)> {
        self.preorder()
            .into_iter()
            .filter_map(|i| {
                let n = self.node(i);
                match &n.kind {
                    NodeKind::Resource(c) => c
                        .resource
                        .as_any()
                        .downcast_ref::<R>()
                        .map(|r| (&*n.path, r)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Every install input, in tree order (for analyzers).
    pub fn install_inputs(&self) -> Vec<InstallInputRef<'_>> {
        self.preorder()
            .into_iter()
            .filter_map(|i| match &self.node(i).kind {
                NodeKind::Chart(info) => Some(info),
                _ => None,
            })
            .flat_map(|info| {
                info.install_inputs.iter().map(move |d| InstallInputRef {
                    path: d.path.as_str(),
                    cluster: info.cluster.as_str(),
                    name: d.name.as_str(),
                    kind: &d.kind,
                    content: &d.content,
                })
            })
            .collect()
    }

    /// Diagnostics reported while building (before synth validation).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    fn add_node(&mut self, parent: u32, id: &str, kind: NodeKind) -> Result<u32, Error> {
        let parent_path = self.node(parent).path.clone();
        if self.locked {
            return Err(Error::Locked {
                path: join_path(&parent_path, id),
            });
        }
        validate_id(&parent_path, id)?;
        let path: Arc<str> = Arc::from(join_path(&parent_path, id));
        if self.children_by_id.contains_key(&(parent, id.to_string())) {
            return Err(Error::DuplicateId {
                path: path.to_string(),
                parent: display_path(&parent_path),
                id: id.to_string(),
            });
        }
        let p = self.node(parent);
        let (mut stack, mut chart) = (p.stack, p.chart);
        let index = self.nodes.len() as u32;
        match &kind {
            NodeKind::Stack(_) => {
                if parent != 0 {
                    return Err(Error::construct(
                        path.to_string(),
                        "a Stack must be added at the app root",
                        "create stacks with Stack::new(&mut app.root(), …)",
                    ));
                }
                stack = Some(index);
            }
            NodeKind::Chart(_) => {
                if chart.is_some() {
                    return Err(Error::construct(
                        path.to_string(),
                        "a Chart cannot be nested in another Chart",
                        "add the chart at the app root or inside a Stack",
                    ));
                }
                chart = Some(index);
            }
            NodeKind::Resource(_)
            | NodeKind::Parameter(_)
            | NodeKind::Condition(_)
            | NodeKind::Output(_)
                if stack.is_none() =>
            {
                return Err(Error::construct(
                    path.to_string(),
                    "CloudFormation elements must be inside a Stack",
                    "create this construct in a scope under a Stack",
                ));
            }
            NodeKind::Object(_) if chart.is_none() => {
                return Err(Error::construct(
                    path.to_string(),
                    "Kubernetes objects must be inside a Chart",
                    "create this construct in a scope under a Chart",
                ));
            }
            _ => {}
        }
        self.nodes.push(Node {
            id: id.to_string(),
            path,
            parent: Some(parent),
            children: Vec::new(),
            kind,
            stack,
            chart,
        });
        self.node_mut(parent).children.push(index);
        self.children_by_id.insert((parent, id.to_string()), index);
        Ok(index)
    }

    /// The stack info of a stack node.
    pub(crate) fn stack_info(&self, index: u32) -> &StackInfo {
        match &self.node(index).kind {
            NodeKind::Stack(s) => s,
            // Invariant: `Node::stack` only ever points at stack nodes.
            _ => unreachable!("node {index} is not a stack"),
        }
    }

    pub(crate) fn chart_info(&self, index: u32) -> &ChartInfo {
        match &self.node(index).kind {
            NodeKind::Chart(c) => c,
            // Invariant: `Node::chart` only ever points at chart nodes.
            _ => unreachable!("node {index} is not a chart"),
        }
    }

    /// Path components of `index` below `ancestor` (exclusive).
    pub(crate) fn components_below(&self, index: u32, ancestor: u32) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cur = index;
        while cur != ancestor {
            let n = self.node(cur);
            out.push(n.id.as_str());
            match n.parent {
                Some(p) => cur = p,
                None => break,
            }
        }
        out.reverse();
        out
    }
}

fn join_path(parent: &str, id: &str) -> String {
    if parent.is_empty() {
        id.to_string()
    } else {
        format!("{parent}/{id}")
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "the app root".into()
    } else {
        path.to_string()
    }
}

fn validate_id(parent: &str, id: &str) -> Result<(), Error> {
    let reason = if id.is_empty() {
        Some("an id cannot be empty")
    } else if id.contains('/') {
        Some("'/' separates path components and cannot be part of an id")
    } else if id.len() > 255 {
        Some("an id has at most 255 characters")
    } else if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("an id cannot contain whitespace or control characters")
    } else {
        None
    };
    match reason {
        Some(r) => Err(Error::InvalidId {
            parent: display_path(parent),
            id: id.to_string(),
            reason: r.into(),
        }),
        None => Ok(()),
    }
}

/// A mutable cursor at one node: constructs add children through it.
pub struct Scope<'a> {
    pub(crate) app: &'a mut App,
    pub(crate) node: u32,
}

impl<'a> Scope<'a> {
    /// This scope's node.
    pub fn id(&self) -> NodeId {
        self.app.node_id(self.node)
    }

    /// This scope's construct path.
    pub fn path(&self) -> &str {
        &self.app.node(self.node).path
    }

    /// The app's context values.
    pub fn context(&self) -> &Context {
        self.app.context()
    }

    /// Read access to the whole app (e.g. to look up a typed resource).
    pub fn app(&self) -> &App {
        self.app
    }

    /// Adds a plain construct node and returns a scope at it.
    pub fn child(&mut self, id: &str) -> Result<Scope<'_>, Error> {
        let index = self.app.add_node(self.node, id, NodeKind::Construct)?;
        Ok(Scope {
            app: self.app,
            node: index,
        })
    }

    /// A scope at another node of the same app.
    pub fn at(&mut self, node: NodeId) -> Result<Scope<'_>, Error> {
        self.app.scope(node)
    }

    pub(crate) fn add_kind(&mut self, id: &str, kind: NodeKind) -> Result<u32, Error> {
        self.app.add_node(self.node, id, kind)
    }

    /// Adds an L1 resource and returns its typed handle.
    pub fn add_resource<R: CfnResource>(
        &mut self,
        id: &str,
        resource: R,
    ) -> Result<ResourceRef<R>, Error> {
        self.add_erased_resource(id, Box::new(resource))
            .map(ResourceRef::new)
    }

    pub(crate) fn add_erased_resource(
        &mut self,
        id: &str,
        resource: Box<dyn ErasedResource>,
    ) -> Result<NodeId, Error> {
        let node = CfnNode {
            resource,
            options: CfnOptions::default(),
            tags: Default::default(),
        };
        let index = self.add_kind(id, NodeKind::Resource(Box::new(node)))?;
        Ok(self.app.node_id(index))
    }

    /// Adds a raw resource of an unmodeled type (escape hatch).
    pub fn add_raw_resource(
        &mut self,
        id: &str,
        raw: crate::core::resource::CfnRaw,
    ) -> Result<NodeId, Error> {
        self.add_erased_resource(id, Box::new(raw))
    }

    /// Options (DependsOn, policies, overrides) of a resource of this app.
    pub fn options(&mut self, resource: NodeId) -> Result<&mut CfnOptions, Error> {
        let i = self.app.index_of(resource).ok_or_else(|| {
            Error::construct(
                self.path().to_string(),
                "options asked for a resource of another app",
                "use handles of this app",
            )
        })?;
        let path = self.path().to_string();
        match &mut self.app.node_mut(i).kind {
            NodeKind::Resource(c) => Ok(&mut c.options),
            _ => Err(Error::construct(
                path,
                "options asked for a node that is not a resource",
                "pass a ResourceRef's node",
            )),
        }
    }

    /// Gives a resource an explicit logical ID, validated now.
    pub fn override_logical_id(&mut self, resource: NodeId, id: &str) -> Result<(), Error> {
        let path = self.app.path_of(resource).unwrap_or_default().to_string();
        names::validate_logical_id(id).map_err(|reason| {
            Error::construct(
                path,
                format!("invalid logical ID override {id:?}: {reason}"),
                "use letters and digits only, at most 255 characters",
            )
        })?;
        self.options(resource)?.logical_id = Some(id.to_string());
        Ok(())
    }

    /// Mutable access to a typed resource (to adjust an L1 after an L2 made it).
    pub fn resource_mut<R: CfnResource>(&mut self, r: &ResourceRef<R>) -> Option<&mut R> {
        let i = self.app.index_of(r.node())?;
        match &mut self.app.node_mut(i).kind {
            NodeKind::Resource(c) => c.resource.as_any_mut().downcast_mut::<R>(),
            _ => None,
        }
    }

    /// Adds a Kubernetes object. Without an explicit `metadata.name` it is
    /// named from its path; a namespaced object without a namespace gets the
    /// chart's.
    pub fn add_object<O: K8sObject>(
        &mut self,
        id: &str,
        mut object: O,
    ) -> Result<ObjectRef<O>, Error> {
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
        let index = self.add_kind(id, NodeKind::Object(Box::new(object)))?;
        Ok(ObjectRef::new(self.app.node_id(index), name, namespace))
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
            match self.app.children_by_id.get(&(at, comp.to_string())) {
                Some(&i) => at = i,
                None => {
                    let here = self.app.node(at);
                    let children: Vec<&str> = here
                        .children
                        .iter()
                        .map(|&c| self.app.node(c).id.as_str())
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

    /// The Kubernetes name a child object with this id would get by default.
    pub fn default_k8s_name(&self, id: &str) -> Option<String> {
        let chart = self.app.node(self.node).chart?;
        let mut comps = self.app.components_below(self.node, chart);
        comps.push(id);
        Some(names::k8s_name(&comps))
    }

    /// Records a diagnostic; an empty path means this scope's path.
    pub fn report(&mut self, mut d: Diagnostic) {
        if d.path.is_empty() {
            d.path = self.path().to_string();
        }
        self.app.diagnostics.push(d);
    }

    /// Registers a check to run over the locked tree at synth.
    pub fn add_validation(&mut self, v: impl Validation + 'static) {
        self.app.validations.push((self.node, Box::new(v)));
    }

    /// Registers an app-wide check once under `key`: a library's rule set
    /// that every construct of the library enables. Later calls are no-ops.
    pub fn add_validation_once(&mut self, key: &str, v: impl Validation + 'static) {
        if self.app.validation_keys.insert(key.to_string()) {
            self.app.validations.push((0, Box::new(v)));
        }
    }

    /// Registers a check of every emitted resource once under `key` (a
    /// family's rule set); later calls with the same key are no-ops.
    pub fn add_emitted_check_once(&mut self, key: &str, check: EmittedCheck) {
        if !self.app.emitted_checks.iter().any(|(k, _)| k == key) {
            self.app.emitted_checks.push((key.to_string(), check));
        }
    }

    /// Turns `rule` (a diagnostic code such as `MS-IAM-001` or a checkov id)
    /// off for this scope's subtree. The reason is recorded in the Metadata of
    /// every resource below, so the exception stays visible in review.
    pub fn suppress(&mut self, rule: &str, reason: &str) -> Result<(), Error> {
        if rule.trim().is_empty() || reason.trim().is_empty() {
            return Err(Error::construct(
                self.path().to_string(),
                "a suppression needs a rule id and a reason",
                "call suppress(\"RULE-ID\", \"why this is acceptable here\")",
            ));
        }
        let node = self.node;
        self.app.suppressions.push(Suppression {
            node,
            rule: rule.to_string(),
            reason: reason.to_string(),
        });
        Ok(())
    }

    /// Like `suppress`, for one node (a resource or object and what is below
    /// it) rather than this whole scope, so the exception stays as narrow as
    /// the reason for it.
    pub fn suppress_node(&mut self, node: NodeId, rule: &str, reason: &str) -> Result<(), Error> {
        let index = self.app.index_of(node).ok_or_else(|| {
            Error::construct(
                self.path().to_string(),
                "suppression for a node of another app",
                "pass a handle of this app",
            )
        })?;
        let saved = self.node;
        self.node = index;
        let result = self.suppress(rule, reason);
        self.node = saved;
        result
    }

    /// Adds an install input to the enclosing chart's cluster: a file beside
    /// the manifests (an IstioOperator, Helm values) that is listed in
    /// `manifest.json` but kept out of the kustomization. meshsynth does not
    /// check what it holds, so `manifest.json` lists its path under
    /// `escapeHatches`.
    pub fn add_install_input(
        &mut self,
        name: &str,
        kind: InstallKind,
        content: &impl serde::Serialize,
    ) -> Result<(), Error> {
        self.install_input(name, kind, content, true)
    }

    /// [`Scope::add_install_input`] for meshsynth's own constructs, whose
    /// inputs are no escape hatch.
    pub(crate) fn add_builtin_install_input(
        &mut self,
        name: &str,
        kind: InstallKind,
        content: &impl serde::Serialize,
    ) -> Result<(), Error> {
        self.install_input(name, kind, content, false)
    }

    fn install_input(
        &mut self,
        name: &str,
        kind: InstallKind,
        content: &impl serde::Serialize,
        escape_hatch: bool,
    ) -> Result<(), Error> {
        let path = format!("{}/{name}", self.path());
        let chart = self.app.node(self.node).chart.ok_or_else(|| {
            Error::construct(
                path.clone(),
                "install inputs belong to a Chart",
                "create this construct under a Chart",
            )
        })?;
        names::validate_dns1123_label(name).map_err(|e| {
            Error::construct(
                path.clone(),
                format!("install input name: {e}"),
                "use a name such as \"istio-primary\"",
            )
        })?;
        let content = serde_json::to_value(content).map_err(|e| {
            Error::construct(
                path.clone(),
                format!("cannot serialize install input: {e}"),
                "report this as a meshsynth bug",
            )
        })?;
        if let NodeKind::Chart(info) = &mut self.app.node_mut(chart).kind {
            info.install_inputs
                .push(crate::core::chart::InstallInputData {
                    name: name.to_string(),
                    kind,
                    content,
                    path,
                    escape_hatch,
                });
        }
        Ok(())
    }

    /// Registers an aspect to visit this scope's subtree at synth.
    pub fn add_aspect(&mut self, a: impl Aspect + 'static) {
        self.app.aspects.push((self.node, Box::new(a)));
    }

    /// The environment of the enclosing stack, if any.
    pub fn env(&self) -> Option<&Env> {
        let s = self.app.node(self.node).stack?;
        Some(&self.app.stack_info(s).env)
    }

    /// The enclosing stack's region, or an error saying the construct needs it.
    pub fn require_region(&self, what: &str) -> Result<String, Error> {
        self.env()
            .and_then(|e| e.region.clone())
            .ok_or_else(|| self.missing_env("region", what))
    }

    /// The enclosing stack's account, or an error saying the construct needs it.
    pub fn require_account(&self, what: &str) -> Result<String, Error> {
        self.env()
            .and_then(|e| e.account.clone())
            .ok_or_else(|| self.missing_env("account", what))
    }

    fn missing_env(&self, part: &str, what: &str) -> Error {
        Error::construct(
            self.path().to_string(),
            format!(
                "{what} needs the stack's {part}, but the stack has no {part} in its environment"
            ),
            "set StackProps { env: Env::new(ACCOUNT, REGION) } on the enclosing stack".to_string(),
        )
    }

    /// The namespace the enclosing chart gives to namespaced objects, if any.
    pub fn chart_namespace(&self) -> Option<&str> {
        let c = self.app.node(self.node).chart?;
        self.app.chart_info(c).namespace.as_deref()
    }

    /// The cluster the enclosing chart targets.
    pub fn cluster(&self) -> Option<&str> {
        let c = self.app.node(self.node).chart?;
        Some(&self.app.chart_info(c).cluster)
    }

    /// Turns a CloudFormation value into text for a Kubernetes field. A
    /// literal is returned as is; a resource attribute becomes a visible
    /// placeholder that `deploy` fills from a stack output (a deferred input).
    pub fn deferred(&mut self, value: &Value) -> Result<String, Error> {
        self.deferred_with(value, None)
    }

    /// Like [`Scope::deferred`], for a value deploy looks up from a
    /// resource's output (e.g. `MskCluster::bootstrap_brokers()`): the
    /// placeholder is filled with what the lookup returns.
    pub fn deferred_lookup(
        &mut self,
        value: &crate::core::object::LookupValue,
    ) -> Result<String, Error> {
        self.deferred_with(&value.value, Some(value.lookup.clone()))
    }

    fn deferred_with(
        &mut self,
        value: &Value,
        lookup: Option<crate::core::object::Lookup>,
    ) -> Result<String, Error> {
        if let Some(s) = value.as_literal() {
            return Ok(s.to_string());
        }
        let chart = self.app.node(self.node).chart.ok_or_else(|| {
            Error::construct(
                self.path().to_string(),
                "a deferred value is only meaningful inside a Chart",
                "create this construct under a Chart",
            )
        })?;
        let (target, attr) = match value {
            Value::Ref(n) => (*n, None),
            Value::GetAtt(n, a) => (*n, Some(a.to_string())),
            _ => {
                return Err(Error::construct(
                    self.path().to_string(),
                    "only a resource's Ref or attribute can cross into a Kubernetes object",
                    "pass the attribute handle itself (e.g. db.endpoint_address())",
                ))
            }
        };
        let Some(target_path) = self.app.path_of(target).map(str::to_string) else {
            return Err(Error::construct(
                self.path().to_string(),
                "dangling reference: the value refers to a resource of another app",
                "reference resources created in this app",
            ));
        };
        let suffix = lookup
            .as_ref()
            .map(|l| format!("|{}", l.tag()))
            .unwrap_or_default();
        let placeholder = match attr {
            Some(a) => format!("${{meshsynth:{target_path}#{a}{suffix}}}"),
            None => format!("${{meshsynth:{target_path}#Ref{suffix}}}"),
        };
        let consumer = self.path().to_string();
        if let NodeKind::Chart(info) = &mut self.app.node_mut(chart).kind {
            if !info.deferred.iter().any(|d| d.placeholder == placeholder) {
                info.deferred.push(Deferred {
                    placeholder: placeholder.clone(),
                    value: value.clone(),
                    lookup,
                    consumer,
                });
            }
        }
        Ok(placeholder)
    }
}

/// Synthesis shares the locked tree between threads.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<App>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{ChartProps, StackProps};

    #[test]
    fn duplicate_ids_are_errors_naming_the_path() {
        let mut app = App::new(Context::new());
        let mut root = app.root();
        root.child("A").unwrap();
        let err = root
            .child("A")
            .err()
            .expect("duplicate rejected")
            .to_string();
        assert!(err.contains("A: duplicate construct id \"A\""), "{err}");
    }

    #[test]
    fn invalid_ids_are_rejected() {
        let mut app = App::new(Context::new());
        assert!(app.root().child("a/b").is_err());
        assert!(app.root().child("").is_err());
        assert!(app.root().child("a b").is_err());
    }

    #[test]
    fn locked_tree_rejects_new_nodes() {
        let mut app = App::new(Context::new());
        app.lock();
        assert!(matches!(app.root().child("x"), Err(Error::Locked { .. })));
    }

    #[test]
    fn resources_need_a_stack_and_objects_a_chart() {
        let mut app = App::new(Context::new());
        let ns = k8s_openapi::api::core::v1::Namespace::default();
        let err = app
            .root()
            .add_object("ns", ns)
            .expect_err("rejected")
            .to_string();
        assert!(err.contains("inside a Chart"), "{err}");
        let s = crate::core::Stack::new(&mut app.root(), "s", StackProps::default()).unwrap();
        let mut scope = app.scope(s.node()).unwrap();
        let c = crate::core::Chart::new(&mut scope, "c", ChartProps::new("main")).unwrap();
        let mut cs = app.scope(c.node()).unwrap();
        let o = cs
            .add_object("ns", k8s_openapi::api::core::v1::Namespace::default())
            .unwrap();
        assert!(o.name().starts_with("ns-"));
    }

    #[test]
    fn handles_of_other_apps_are_rejected() {
        let mut a = App::new(Context::new());
        let mut b = App::new(Context::new());
        let n = a.root().child("x").unwrap().id();
        assert!(b.scope(n).is_err());
    }
}
