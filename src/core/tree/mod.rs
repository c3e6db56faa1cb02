//! The construct tree: an arena of nodes addressed by `NodeId`, each with a
//! path made of sibling-unique ids. `App` owns it; `Scope` is a mutable
//! cursor at one node that constructs use to add children.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use crate::core::aspects::Aspect;
use crate::core::chart::{ChartInfo, InstallKind};
use crate::core::context::Context;
use crate::core::diag::Diagnostic;
use crate::core::error::Error;
use crate::core::names;
use crate::core::object::{K8sObject, ObjectRef};
use crate::core::resource::{CfnNode, CfnRaw, CfnResource, ResourceRef};
use crate::core::stack::{ConditionInfo, OutputInfo, ParameterInfo, StackInfo};

mod children;
mod deprecated;
mod parts;
mod scope;
mod scope_k8s;

pub(crate) use parts::Part;
pub use parts::PartBuild;
pub use scope::Scope;

static APP_SERIAL: AtomicU32 = AtomicU32::new(1);

/// The address of a node. It remembers its app, so a handle from another
/// app is reported as a dangling reference instead of pointing at a stranger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub(crate) app: u32,
    pub(crate) index: u32,
}

/// A Kubernetes object of the tree, where it is: [`App::all_objects`].
#[derive(Clone, Copy)]
pub struct ObjectEntry<'a> {
    /// The construct path.
    pub path: &'a str,
    /// The cluster of its chart.
    pub cluster: &'a str,
    /// The object.
    pub object: &'a dyn K8sObject,
}

/// Where synth puts a CloudFormation resource: [`App::resource_addresses`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceAddress<'a> {
    /// The construct path.
    pub path: &'a str,
    /// The stack's name.
    pub stack: &'a str,
    /// Its logical ID in the stack's template.
    pub logical_id: String,
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
    /// The construct path; it ends with the node's id ([`Node::id`]).
    pub path: Arc<str>,
    /// The id's length in bytes, at the end of `path` (the id is not kept
    /// twice: every construct, resource and object is a node).
    id_len: u32,
    pub parent: Option<u32>,
    pub children: Vec<u32>,
    pub kind: NodeKind,
    /// The nearest enclosing stack (the node itself for a stack).
    pub stack: Option<u32>,
    /// The nearest enclosing chart (the node itself for a chart).
    pub chart: Option<u32>,
}

impl Node {
    /// The id this node was added with.
    pub fn id(&self) -> &str {
        &self.path[self.path.len() - self.id_len as usize..]
    }
}

/// A check run over the locked tree; it reports diagnostics, never fails fast.
/// `Send + Sync` because validations run on threads of their own, beside
/// template and chart emission and beside each other (two at a time);
/// their findings are reported in the order the validations were added,
/// whichever finished first.
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
    /// (parent, id) → child, keyed by the child node's own `parent` and `id`
    /// (the table holds indices only: no copy of each id).
    children_by_id: children::ChildIndex,
    locked: bool,
    context: Context,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Deprecation notes (old rule codes named), printed at synth.
    pub(crate) deprecations: Vec<String>,
    pub(crate) validations: Vec<(u32, Box<dyn Validation>)>,
    /// Keys of validations registered with `add_validation_once`.
    validation_keys: std::collections::BTreeSet<String>,
    pub(crate) aspects: Vec<(u32, Box<dyn Aspect>)>,
    pub(crate) suppressions: Vec<Suppression>,
    /// Object nodes by `kind`, in the order they were added, so a
    /// construct that looks for one kind (a namespace's labels) does not
    /// walk the whole tree: one walk per construct made synth quadratic.
    pub(crate) objects_by_kind: HashMap<String, Vec<u32>>,
    /// Nodes visited by tree walks so far ([`App::walk_visits`]).
    walk_visits: AtomicU64,
    /// The preorder of the locked tree, walked once: synthesis and the
    /// checks beside it asked for it a dozen times.
    preorder: std::sync::OnceLock<Vec<u32>>,
    /// Checks of emitted resources, in registration order, once per key.
    emitted_checks: Vec<(String, EmittedCheck)>,
    /// The platform's name ([`App::set_name`]).
    name: Option<String>,
    /// Parts declared with [`App::add_part`], built when synthesis reaches
    /// them (behind a mutex only so that the app stays `Sync`).
    parts: std::sync::Mutex<Vec<Part>>,
    /// Which part this app is, while synthesis builds it.
    part: Option<String>,
    /// The tree of the part synthesized last, freed with this app rather
    /// than before it is returned: a caller that ends the process without
    /// freeing (the CLI) then does not pay for it.
    pub(crate) last_part: Option<Box<App>>,
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
            path: Arc::from(""),
            id_len: 0,
            parent: None,
            children: Vec::new(),
            kind: NodeKind::App,
            stack: None,
            chart: None,
        };
        App {
            serial: APP_SERIAL.fetch_add(1, Ordering::Relaxed),
            nodes: vec![root],
            children_by_id: children::ChildIndex::default(),
            locked: false,
            context,
            diagnostics: Vec::new(),
            deprecations: Vec::new(),
            validations: Vec::new(),
            validation_keys: Default::default(),
            objects_by_kind: HashMap::new(),
            walk_visits: AtomicU64::new(0),
            preorder: std::sync::OnceLock::new(),
            aspects: Vec::new(),
            suppressions: Vec::new(),
            emitted_checks: Vec::new(),
            name: None,
            parts: Default::default(),
            part: None,
            last_part: None,
        }
    }

    /// Names the platform. The name is written to `manifest.json` (`app`)
    /// and deploy tags every stack with it: a stack of the same name that
    /// another platform deployed is then refused, not taken over. Give it
    /// once, in the platform's build function. The name is a DNS-1123
    /// label (lower-case letters, digits, `-`; at most 63 characters).
    pub fn set_name(&mut self, name: impl Into<String>) -> Result<(), Error> {
        let name = name.into();
        crate::core::names::validate_dns1123_label(&name).map_err(|e| {
            Error::construct(
                "",
                format!("app name: {e}"),
                "name the platform like a Kubernetes object, e.g. \"acme-platform\"",
            )
        })?;
        self.name = Some(name);
        Ok(())
    }

    /// The platform's name, when [`App::set_name`] gave one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
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
            code: None,
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

    /// Nodes in tree (pre-)order, the order output follows; walked once
    /// when the tree is locked (it no longer changes), each time before.
    pub(crate) fn preorder(&self) -> std::borrow::Cow<'_, [u32]> {
        if self.locked {
            let order = self.preorder.get_or_init(|| self.walk_preorder());
            // Counted on every use, not once: each caller goes over the
            // whole order, so a caller per construct is still quadratic
            // and the scaling guard must still see it.
            self.count_visits(order.len());
            return std::borrow::Cow::Borrowed(order);
        }
        let order = self.walk_preorder();
        self.count_visits(order.len());
        std::borrow::Cow::Owned(order)
    }

    fn walk_preorder(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![0u32];
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.node(i).children.iter().rev());
        }
        out
    }

    fn count_visits(&self, n: usize) {
        self.walk_visits.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// How many nodes the tree walks (whole-tree and subtree listings) have
    /// visited since the app was made. Divided by [`App::node_count`] it
    /// is a deterministic measure of synth's work that stays flat as a
    /// platform grows, unless something walks the tree once per construct
    /// (which makes synth quadratic); the benchmark guard checks it.
    pub fn walk_visits(&self) -> u64 {
        self.walk_visits.load(Ordering::Relaxed)
    }

    /// How many nodes the construct tree holds (the app's root included).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The nodes under `index` (itself included) in tree order.
    pub(crate) fn subtree(&self, index: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![index];
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.node(i).children.iter().rev());
        }
        self.count_visits(out.len());
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
            .iter()
            .copied()
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

    /// Every Kubernetes object of `kind` (`Namespace`) with its path and
    /// cluster, in the order they were added; without a walk of the tree.
    pub fn objects_of_kind(&self, kind: &str) -> Vec<ObjectEntry<'_>> {
        let Some(nodes) = self.objects_by_kind.get(kind) else {
            return Vec::new();
        };
        nodes.iter().filter_map(|&i| self.object_entry(i)).collect()
    }

    fn object_entry(&self, i: u32) -> Option<ObjectEntry<'_>> {
        let n = self.node(i);
        let cluster = n.chart.and_then(|c| match &self.node(c).kind {
            NodeKind::Chart(info) => Some(info.cluster.as_str()),
            _ => None,
        })?;
        match &n.kind {
            NodeKind::Object(obj) => Some(ObjectEntry {
                path: &n.path,
                cluster,
                object: obj.as_ref(),
            }),
            _ => None,
        }
    }

    /// Every Kubernetes object with its path and cluster, in tree order.
    pub fn objects(&self) -> Vec<ObjectEntry<'_>> {
        self.preorder()
            .iter()
            .copied()
            .filter_map(|i| self.object_entry(i))
            .collect()
    }

    /// Every CloudFormation resource as (construct path, stack name, logical
    /// ID), in tree order: the addresses synth gives them.
    pub fn addresses(&self) -> Vec<ResourceAddress<'_>> {
        self.preorder()
            .iter()
            .copied()
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
                Some(ResourceAddress {
                    path: &n.path,
                    stack: info.name.as_str(),
                    logical_id: id,
                })
            })
            .collect()
    }

    /// Every resource of type `R` with its construct path, in tree order.
    pub fn resources_of<R: CfnResource>(&self) -> Vec<(&str, &R)> {
        self.resources_of_erased::<R>()
    }

    /// Every resource of type `R` with its node, in tree order: for a
    /// construct that must know where a resource lives
    /// ([`region_of`](App::region_of)).
    pub fn resource_nodes_of<R: CfnResource>(&self) -> Vec<(NodeId, &R)> {
        self.resource_nodes_erased::<R>()
    }

    /// Every raw or included resource of CloudFormation type `type_name`
    /// with its node, in tree order.
    pub fn raw_resource_nodes_of(&self, type_name: &str) -> Vec<(NodeId, &CfnRaw)> {
        self.resource_nodes_erased::<CfnRaw>()
            .into_iter()
            .filter(|(_, r)| r.type_name == type_name)
            .collect()
    }

    fn resource_nodes_erased<R: 'static>(&self) -> Vec<(NodeId, &R)> {
        self.preorder()
            .iter()
            .copied()
            .filter_map(|i| match &self.node(i).kind {
                NodeKind::Resource(c) => c
                    .resource
                    .as_any()
                    .downcast_ref::<R>()
                    .map(|r| (self.node_id(i), r)),
                _ => None,
            })
            .collect()
    }

    /// The region of the stack `node` is in (or of the stack `node` is),
    /// when its environment names one.
    pub fn region_of(&self, node: NodeId) -> Option<&str> {
        let i = self.index_of(node)?;
        let stack = match &self.node(i).kind {
            NodeKind::Stack(_) => i,
            _ => self.node(i).stack?,
        };
        self.stack_info(stack).env.region.as_deref()
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
            .iter()
            .copied()
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
    pub fn install_input_refs(&self) -> Vec<InstallInputRef<'_>> {
        self.preorder()
            .iter()
            .copied()
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

    /// Deprecation notes recorded while the tree was built (a suppression
    /// naming a renamed rule code); synth passes them on as notes, which
    /// `--strict` does not fail on.
    pub fn deprecations(&self) -> &[String] {
        &self.deprecations
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
        if self.child(parent, id).is_some() {
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
            path,
            // `validate_id` bounds an id's length.
            id_len: id.len() as u32,
            parent: Some(parent),
            children: Vec::new(),
            kind,
            stack,
            chart,
        });
        self.node_mut(parent).children.push(index);
        self.children_by_id.insert(&self.nodes, index);
        Ok(index)
    }

    /// The child of `parent` named `id`.
    pub(crate) fn child(&self, parent: u32, id: &str) -> Option<u32> {
        self.children_by_id.get(&self.nodes, parent, id)
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
            out.push(n.id());
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
        return id.to_string();
    }
    // Every node's path: without the formatting machinery.
    let mut path = String::with_capacity(parent.len() + 1 + id.len());
    path.push_str(parent);
    path.push('/');
    path.push_str(id);
    path
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "the app root".into()
    } else {
        path.to_string()
    }
}

pub(crate) fn validate_id(parent: &str, id: &str) -> Result<(), Error> {
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

/// Synthesis shares the locked tree between threads.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<App>();
};

#[cfg(test)]
mod tests;
