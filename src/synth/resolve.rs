//! Reference resolution, the synthesizer's side of `core::resolve`: the
//! tables of every node's logical id and stack, and the `Resolver` that
//! answers where a reference lands: `Ref`/`Fn::GetAtt` within the stack,
//! `Fn::ImportValue` plus a recorded export across stacks of one
//! environment, or `Fn::GetStackOutput` plus a recorded (unexported) output
//! across regions of one account.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::core::diag::Diagnostic;
use crate::core::names;
pub(crate) use crate::core::resolve::RefKind;
use crate::core::resolve::{Resolve, Target};
use crate::core::stack::Env;
use crate::core::tree::NodeId;

pub(crate) struct RefInfo {
    pub path: Arc<str>,
    pub logical_id: Option<Arc<str>>,
    pub stack: Option<u32>,
    pub kind: RefKind,
    /// The CloudFormation type of a resource node, for `Fn::GetAtt` checks.
    pub cfn_type: Option<Arc<str>>,
    /// The other stack a resource may be placed in, with its logical id
    /// there (`Scope::add_resource_either`); decided before it is emitted.
    pub alternate: Option<(u32, Arc<str>)>,
}

pub(crate) struct StackEnv {
    pub name: String,
    pub env: Env,
    /// The stack's template has a `Transform`, which may define names of
    /// its own (an `Fn::ForEach` loop's identifiers).
    pub transformed: bool,
}

/// Names and placements of every node, fixed before resolution starts.
pub(crate) struct Tables {
    pub app: u32,
    pub nodes: Vec<RefInfo>,
    /// The environment of each stack, by its node.
    pub stacks: HashMap<u32, StackEnv>,
    /// Export output ids already computed, by (node, attribute): a value
    /// used by many stacks is resolved once per use, and each id is a hash.
    pub export_ids: RefCell<HashMap<(u32, Option<String>), String>>,
    /// The logical ids of each stack's parameters and resources, built the
    /// first time a `Fn::Sub` template names something that is no variable.
    pub local_names: RefCell<HashMap<u32, std::collections::HashSet<Arc<str>>>>,
}

impl Tables {
    /// The export output id of `node`'s `attr` (`Ref` when `None`).
    pub fn export_id(&self, node: u32, attr: Option<&str>) -> String {
        let key = (node, attr.map(str::to_string));
        if let Some(id) = self.export_ids.borrow().get(&key) {
            return id.clone();
        }
        let lid = self.nodes[node as usize]
            .logical_id
            .as_deref()
            .unwrap_or("");
        let id = export_output_id(lid, attr);
        self.export_ids.borrow_mut().insert(key, id.clone());
        id
    }
}

/// A value of one stack used by another: it becomes an export.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Import {
    pub producer_stack: u32,
    pub consumer_stack: u32,
    pub node: u32,
    /// `None` for `Ref`.
    pub attr: Option<String>,
    pub consumer_path: Arc<str>,
    /// Read with `Fn::GetStackOutput` from another region: the producer's
    /// output needs no export.
    pub cross_region: bool,
}

pub(crate) struct Resolver {
    pub tables: Rc<Tables>,
    pub current_stack: u32,
    pub current_path: Arc<str>,
    pub imports: Vec<Import>,
    pub problems: Vec<Diagnostic>,
}

/// The export output id for a value of `logical_id` (`Ref` when no attribute).
fn export_output_id(logical_id: &str, attr: Option<&str>) -> String {
    names::logical_id(&["Export", logical_id, attr.unwrap_or("Ref")])
}

impl Resolver {
    /// The node a reference names, when it is of this app and of the kind
    /// wanted (a diagnostic otherwise); its attribute is checked too.
    fn checked_target<'t>(
        &mut self,
        tables: &'t Tables,
        node: NodeId,
        attr: Option<&str>,
        want: RefKind,
    ) -> Option<&'t RefInfo> {
        let r = self;
        let info = (node.app == tables.app)
            .then(|| tables.nodes.get(node.index as usize))
            .flatten();
        let what = match want {
            RefKind::Condition => "condition",
            RefKind::Parameter => "parameter",
            _ => "resource",
        };
        let Some(info) = info else {
            r.problems.push(
                Diagnostic::error(
                    r.current_path.to_string(),
                    format!("dangling reference: the {what} it refers to is not part of this app"),
                )
                .with_hint("reference only handles created in the same App"),
            );
            return None;
        };
        let kind_ok = match want {
            RefKind::Condition => info.kind == RefKind::Condition,
            _ => matches!(info.kind, RefKind::Resource | RefKind::Parameter),
        };
        if !kind_ok || (attr.is_some() && info.kind != RefKind::Resource) {
            r.problems.push(
                Diagnostic::error(
                    r.current_path.to_string(),
                    format!("dangling reference: {} is not a {what}", info.path),
                )
                .with_hint("pass the handle of a resource, parameter or condition"),
            );
            return None;
        }
        if let (Some(attr), Some(t)) = (attr, info.cfn_type.as_deref()) {
            if let Some(mut d) = crate::aws::cfn::check::check_attribute(t, attr) {
                d.path = r.current_path.to_string();
                d.message = format!("{} (on {})", d.message, info.path);
                r.problems.push(d);
            }
        }
        Some(info)
    }

    /// A reference to another stack's resource: an import, or the other
    /// region's output read by CloudFormation; refused across accounts.
    fn cross_stack(
        &mut self,
        tables: &Tables,
        node: NodeId,
        attr: Option<&str>,
        info: &RefInfo,
        producer: u32,
    ) -> Result<Target, String> {
        let r = self;
        if info.kind != RefKind::Resource {
            r.problems.push(
                Diagnostic::error(
                    r.current_path.to_string(),
                    format!("{} belongs to another stack; parameters and conditions cannot cross stacks", info.path),
                )
                .with_hint("declare the parameter or condition in the stack that uses it"),
            );
            return Ok(Target::Invalid);
        }
        let (Some(p), Some(c)) = (
            tables.stacks.get(&producer),
            tables.stacks.get(&r.current_stack),
        ) else {
            return Err("stack table out of sync".into());
        };
        // Same account, both regions known, regions differ: CloudFormation
        // reads the other region's output itself (Fn::GetStackOutput).
        let same_account = p.env.account == c.env.account;
        if same_account && p.env.region != c.env.region {
            if let (Some(region), Some(_)) = (&p.env.region, &c.env.region) {
                let output = tables.export_id(node.index, attr);
                let current_path = r.current_path.clone();
                r.imports.push(Import {
                    producer_stack: producer,
                    consumer_stack: r.current_stack,
                    node: node.index,
                    attr: attr.map(str::to_string),
                    consumer_path: current_path,
                    cross_region: true,
                });
                return Ok(Target::StackOutput {
                    stack: p.name.clone(),
                    output,
                    region: region.clone(),
                });
            }
        }
        if p.env != c.env {
            let differs = if p.env.region != c.env.region {
                "region"
            } else {
                "account"
            };
            // One side without an account (`Env::region`) is most often a
            // stack left environment-agnostic by mistake, not a second
            // account: say which, and how to make them one.
            let agnostic = match (&p.env.account, &c.env.account) {
                (None, Some(a)) if differs == "account" => Some((&p.name, a)),
                (Some(a), None) if differs == "account" => Some((&c.name, a)),
                _ => None,
            };
            let diagnostic = if let Some((stack, account)) = agnostic {
                Diagnostic::error(
                    r.current_path.to_string(),
                    format!(
                        "reference to {} (stack {} in {}) from stack {} in {}: stack {stack} has no account, so it is not known to be {account}, and CloudFormation exports only work within one account and region",
                        info.path, p.name, env_text(&p.env), c.name, env_text(&c.env)
                    ),
                )
                .with_hint(format!(
                    "give stack {stack} the same account (StackProps {{ env: Env::new(\"{account}\", REGION) }}), or leave the account out of both stacks"
                ))
            } else {
                Diagnostic::error(
                    r.current_path.to_string(),
                    format!(
                        "cross-{differs} reference to {} (stack {} in {}) from stack {} in {}: CloudFormation exports only work within one account and region",
                        info.path, p.name, env_text(&p.env), c.name, env_text(&c.env)
                    ),
                )
                .with_hint(if differs == "account" {
                    "CloudFormation reads another account's outputs only through a role meshsynth cannot name yet: publish the value to an SSM parameter shared with that account, pass it in as a context value (-c), or place both stacks in one account"
                } else {
                    "give both stacks an explicit region (Fn::GetStackOutput needs the producer's), or pass the value in as a context value (-c)"
                })
            };
            r.problems.push(diagnostic);
            return Ok(Target::Invalid);
        }
        let output = tables.export_id(node.index, attr);
        let export = format!("{}:{output}", p.name);
        let current_path = r.current_path.clone();
        r.imports.push(Import {
            producer_stack: producer,
            consumer_stack: r.current_stack,
            node: node.index,
            attr: attr.map(str::to_string),
            consumer_path: current_path,
            cross_region: false,
        });
        Ok(Target::Import(export))
    }
}

impl Resolve for Resolver {
    fn target(
        &mut self,
        node: NodeId,
        attr: Option<&str>,
        want: RefKind,
    ) -> Result<Target, String> {
        let tables = self.tables.clone();
        let Some(info) = self.checked_target(&tables, node, attr, want) else {
            return Ok(Target::Invalid);
        };
        // Invariant: resources, parameters and conditions always get an id and a stack.
        let (Some(lid), Some(producer)) = (info.logical_id.clone(), info.stack) else {
            return Err(format!("{} has no logical id", info.path));
        };
        if producer == self.current_stack {
            return Ok(Target::Local(lid));
        }
        self.cross_stack(&tables, node, attr, info, producer)
    }

    fn problem(&mut self, mut d: Diagnostic) {
        d.path = self.current_path.to_string();
        self.problems.push(d);
    }

    fn names_local(&self, name: &str) -> bool {
        let stack = self.current_stack;
        if self
            .tables
            .stacks
            .get(&stack)
            .is_some_and(|s| s.transformed)
        {
            return true;
        }
        let mut cache = self.tables.local_names.borrow_mut();
        let names = cache.entry(stack).or_insert_with(|| {
            self.tables
                .nodes
                .iter()
                .filter(|n| {
                    n.stack == Some(stack)
                        && matches!(n.kind, RefKind::Resource | RefKind::Parameter)
                })
                .filter_map(|n| n.logical_id.clone())
                .collect()
        });
        names.contains(name)
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

fn env_text(env: &Env) -> String {
    format!(
        "{}/{}",
        env.account.as_deref().unwrap_or("any-account"),
        env.region.as_deref().unwrap_or("any-region")
    )
}

/// Points the active resolver at the element being serialized.
pub(crate) fn set_current(stack: u32, path: Arc<str>) {
    crate::core::resolve::with_active(|r: &mut Resolver| {
        r.current_stack = stack;
        r.current_path = path;
    });
}
