//! Reference resolution. L1 structs hold `Value`s; while the synthesizer
//! serializes a stack's resources, an active `Resolver` turns each reference
//! into `Ref`/`Fn::GetAtt` within the stack, into `Fn::ImportValue` plus a
//! recorded export across stacks of one environment, or into
//! `Fn::GetStackOutput` plus a recorded (unexported) output across regions
//! of one account. The resolver lives in a thread-local for the
//! duration of one serialization, so L1 types stay plain `Serialize` structs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::Serializer;

use crate::core::diag::Diagnostic;
use crate::core::names;
use crate::core::stack::Env;
use crate::core::tree::NodeId;
use crate::core::value::{merge_literals, Pseudo, Value};

/// What a node is, as far as references care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefKind {
    Resource,
    Parameter,
    Condition,
    Other,
}

pub(crate) struct RefInfo {
    pub path: Arc<str>,
    pub logical_id: Option<Arc<str>>,
    pub stack: Option<u32>,
    pub kind: RefKind,
    /// The CloudFormation type of a resource node, for `Fn::GetAtt` checks.
    pub cfn_type: Option<Arc<str>>,
}

pub(crate) struct StackEnv {
    pub name: String,
    pub env: Env,
}

/// Names and placements of every node, fixed before resolution starts.
pub(crate) struct Tables {
    pub app: u32,
    pub nodes: Vec<RefInfo>,
    /// Indexed like `nodes`; `Some` for stack nodes.
    pub stacks: Vec<Option<StackEnv>>,
    /// Export output ids already computed, by (node, attribute): a value
    /// used by many stacks is resolved once per use, and each id is a hash.
    pub export_ids: RefCell<HashMap<(u32, Option<String>), String>>,
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

thread_local! {
    static ACTIVE: RefCell<Option<Resolver>> = const { RefCell::new(None) };
}

/// Runs `f` with `resolver` active and hands it back with what it recorded.
pub(crate) fn with_resolver<T>(resolver: Resolver, f: impl FnOnce() -> T) -> (T, Resolver) {
    ACTIVE.with(|a| *a.borrow_mut() = Some(resolver));
    let out = f();
    // Invariant: only this function installs and removes the resolver.
    let resolver = ACTIVE
        .with(|a| a.borrow_mut().take())
        .expect("resolver installed above");
    (out, resolver)
}

/// The export output id for a value of `logical_id` (`Ref` when no attribute).
fn export_output_id(logical_id: &str, attr: Option<&str>) -> String {
    names::logical_id(&["Export", logical_id, attr.unwrap_or("Ref")])
}

enum Target {
    Local(Arc<str>),
    Import(String),
    /// `Fn::GetStackOutput` of another region's stack.
    StackOutput {
        stack: String,
        output: String,
        region: String,
    },
    Invalid,
}

fn resolve_target(node: NodeId, attr: Option<&str>, want: RefKind) -> Result<Target, String> {
    ACTIVE.with(|a| {
        let mut guard = a.borrow_mut();
        let r = guard
            .as_mut()
            .ok_or("a Value can only be serialized during synthesis")?;
        let tables = r.tables.clone();
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
            return Ok(Target::Invalid);
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
            return Ok(Target::Invalid);
        }
        if let (Some(attr), Some(t)) = (attr, info.cfn_type.as_deref()) {
            if let Some(mut d) = crate::aws::cfn::check::check_attribute(t, attr) {
                d.path = r.current_path.to_string();
                d.message = format!("{} (on {})", d.message, info.path);
                r.problems.push(d);
            }
        }
        // Invariant: resources, parameters and conditions always get an id and a stack.
        let (Some(lid), Some(producer)) = (info.logical_id.clone(), info.stack) else {
            return Err(format!("{} has no logical id", info.path));
        };
        if producer == r.current_stack {
            return Ok(Target::Local(lid));
        }
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
            tables.stacks[producer as usize].as_ref(),
            tables.stacks[r.current_stack as usize].as_ref(),
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
            let differs = if p.env.region != c.env.region { "region" } else { "account" };
            r.problems.push(
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
                }),
            );
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
    })
}

/// The argument of `Fn::GetStackOutput`, keys in CloudFormation's order.
fn stack_output<'a>(
    stack: &'a str,
    output: &'a str,
    region: &'a str,
) -> indexmap::IndexMap<&'static str, &'a str> {
    indexmap::IndexMap::from([
        ("StackName", stack),
        ("OutputName", output),
        ("Region", region),
    ])
}

fn env_text(env: &Env) -> String {
    format!(
        "{}/{}",
        env.account.as_deref().unwrap_or("any-account"),
        env.region.as_deref().unwrap_or("any-region")
    )
}

/// The logical id of a condition node, for `Condition` keys.
pub(crate) fn condition_id(node: NodeId) -> Result<String, String> {
    match resolve_target(node, None, RefKind::Condition)? {
        Target::Local(id) => Ok(id.to_string()),
        _ => Ok(String::new()),
    }
}

/// Records a problem about the value being serialized.
fn problem(d: Diagnostic) {
    ACTIVE.with(|a| {
        if let Some(r) = a.borrow_mut().as_mut() {
            let mut d = d;
            d.path = r.current_path.to_string();
            r.problems.push(d);
        }
    })
}

fn single<S: Serializer, V: serde::Serialize + ?Sized>(
    s: S,
    key: &str,
    v: &V,
) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(1))?;
    m.serialize_entry(key, v)?;
    m.end()
}

/// Serializes a `Value` with the active resolver (see module docs).
pub(crate) fn serialize_value<S: Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Value::Str(v) => s.serialize_str(v),
        Value::Int(n) => s.serialize_i64(*n),
        Value::Bool(b) => s.serialize_bool(*b),
        Value::List(items) => {
            let mut seq = s.serialize_seq(Some(items.len()))?;
            for i in items {
                seq.serialize_element(i)?;
            }
            seq.end()
        }
        Value::Map(m) => {
            let mut map = s.serialize_map(Some(m.len()))?;
            for (k, v) in m {
                map.serialize_entry(k, v)?;
            }
            map.end()
        }
        Value::Ref(node) => {
            match resolve_target(*node, None, RefKind::Resource).map_err(S::Error::custom)? {
                Target::Local(id) => single(s, "Ref", &*id),
                Target::Import(export) => single(s, "Fn::ImportValue", &export),
                Target::StackOutput {
                    stack,
                    output,
                    region,
                } => single(
                    s,
                    "Fn::GetStackOutput",
                    &stack_output(&stack, &output, &region),
                ),
                Target::Invalid => s.serialize_none(),
            }
        }
        Value::GetAtt(node, attr) => {
            match resolve_target(*node, Some(attr), RefKind::Resource).map_err(S::Error::custom)? {
                Target::Local(id) => single(s, "Fn::GetAtt", &[&*id, attr.as_ref()]),
                Target::Import(export) => single(s, "Fn::ImportValue", &export),
                Target::StackOutput {
                    stack,
                    output,
                    region,
                } => single(
                    s,
                    "Fn::GetStackOutput",
                    &stack_output(&stack, &output, &region),
                ),
                Target::Invalid => s.serialize_none(),
            }
        }
        Value::Pseudo(p) => single(s, "Ref", p.name()),
        Value::Sub(template, vars) => {
            check_sub_template(template, vars);
            if vars.is_empty() {
                single(s, "Fn::Sub", template)
            } else {
                let vars: indexmap::IndexMap<&str, &Value> =
                    vars.iter().map(|(k, v)| (k.as_str(), v)).collect();
                single(s, "Fn::Sub", &(template, vars))
            }
        }
        Value::Join(delim, parts) => {
            let parts = merge_literals(parts.clone());
            match parts.as_slice() {
                [] => s.serialize_str(""),
                [Value::Str(only)] => s.serialize_str(only),
                [only] if delim.is_empty() => serialize_value(only, s),
                _ => single(s, "Fn::Join", &(delim, parts)),
            }
        }
        Value::Select(i, v) => single(s, "Fn::Select", &(i, v)),
        Value::Split(d, v) => single(s, "Fn::Split", &(d, v)),
        Value::If(cond, a, b) => {
            let id = condition_id(*cond).map_err(S::Error::custom)?;
            single(s, "Fn::If", &(id, a, b))
        }
        Value::GetAzs => single(s, "Fn::GetAZs", ""),
        Value::ImportValue(v) => single(s, "Fn::ImportValue", v),
    }
}

/// Every `${Name}` of a `Fn::Sub` template must be a variable or a pseudo
/// parameter; anything else would reach CloudFormation as a dangling name.
fn check_sub_template(template: &str, vars: &[(String, Value)]) {
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        rest = &after[end + 1..];
        if name.starts_with('!') {
            continue; // `${!Literal}` escapes a literal `${`.
        }
        let known =
            vars.iter().any(|(k, _)| k == name) || Pseudo::ALL.iter().any(|p| p.name() == name);
        if !known {
            problem(
                Diagnostic::error(
                    "",
                    format!("dangling reference: Fn::Sub template names ${{{name}}}, which is neither a variable nor a pseudo parameter"),
                )
                .with_hint("pass the value as a Sub variable: Value::sub_with(template, vec![(name, value)])"),
            );
        }
    }
}

/// Points the active resolver at the element being serialized.
pub(crate) fn set_current(stack: u32, path: Arc<str>) {
    ACTIVE.with(|a| {
        if let Some(r) = a.borrow_mut().as_mut() {
            r.current_stack = stack;
            r.current_path = path;
        }
    })
}
