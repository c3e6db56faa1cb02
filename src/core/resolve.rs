//! The contract between values and the synthesizer that resolves them. L1
//! structs hold `Value`s and stay plain `Serialize` structs: while a stack's
//! resources are serialized, an active [`Resolve`] (the synthesizer's)
//! decides where each reference lands: `Ref`/`Fn::GetAtt` within the stack,
//! `Fn::ImportValue` across stacks of one environment, `Fn::GetStackOutput`
//! across regions of one account. The resolver lives in a thread-local for
//! the duration of one serialization; outside one, serializing a reference
//! is an error. Core owns the contract and the serializers, the synthesizer
//! owns the tables (ADR 0002).

use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::Serializer;

use crate::core::diag::Diagnostic;
use crate::core::tree::NodeId;
use crate::core::value::{merge_literals, Pseudo, Value};

/// What a node is, as far as references care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// A CloudFormation resource (`Ref`, `Fn::GetAtt`).
    Resource,
    /// A template parameter (`Ref`).
    Parameter,
    /// A template condition (`Condition`, `Fn::If`).
    Condition,
    /// Anything else: not referable.
    Other,
}

/// Where a reference lands, seen from the element being serialized.
pub enum Target {
    /// In the same stack: the logical id.
    Local(Arc<str>),
    /// In another stack of the same environment: the export name.
    Import(String),
    /// `Fn::GetStackOutput` of another region's stack.
    StackOutput {
        /// The producer's stack name.
        stack: String,
        /// Its output id.
        output: String,
        /// Its region.
        region: String,
    },
    /// Not resolvable; the resolver recorded why.
    Invalid,
}

/// What serializing a `Value` needs: implemented by the synthesizer.
pub trait Resolve: Any {
    /// Where a reference to `node` (its `attr`, or `Ref` when `None`) lands;
    /// `want` is what the reference asks for. A reference that cannot be
    /// resolved records a problem and answers `Target::Invalid`; `Err` is
    /// for broken invariants.
    fn target(&mut self, node: NodeId, attr: Option<&str>, want: RefKind)
        -> Result<Target, String>;
    /// Records a problem about the element being serialized.
    fn problem(&mut self, d: Diagnostic);
    /// Whether `name` is the logical id of a parameter or resource of the
    /// stack being emitted (what a `Fn::Sub` template may name by itself).
    fn names_local(&self, _name: &str) -> bool {
        false
    }
    /// The resolver back as `Any`, to hand it to its owner after use.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    /// The resolver as `Any`, for its owner to update between elements.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

thread_local! {
    static ACTIVE: RefCell<Option<Box<dyn Resolve>>> = const { RefCell::new(None) };
}

/// Runs `f` with `resolver` active and hands it back with what it recorded.
pub fn with_resolver<R: Resolve, T>(resolver: R, f: impl FnOnce() -> T) -> (T, R) {
    ACTIVE.with(|a| *a.borrow_mut() = Some(Box::new(resolver)));
    let out = f();
    // Invariant: only this function installs and removes the resolver, and
    // it installed an `R`.
    let resolver = ACTIVE
        .with(|a| a.borrow_mut().take())
        .expect("resolver installed above")
        .into_any()
        .downcast::<R>()
        .expect("the resolver installed above");
    (out, *resolver)
}

/// Runs `f` on the active resolver, if one is active and is an `R`.
pub fn with_active<R: Resolve, T>(f: impl FnOnce(&mut R) -> T) -> Option<T> {
    ACTIVE.with(|a| {
        let mut guard = a.borrow_mut();
        let r = guard.as_mut()?.as_any_mut().downcast_mut::<R>()?;
        Some(f(r))
    })
}

fn resolve_target(node: NodeId, attr: Option<&str>, want: RefKind) -> Result<Target, String> {
    ACTIVE.with(|a| {
        let mut guard = a.borrow_mut();
        let r = guard
            .as_mut()
            .ok_or("a Value can only be serialized during synthesis")?;
        r.target(node, attr, want)
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

/// The logical id of a condition node, for `Condition` keys.
pub(crate) fn condition_id(node: NodeId) -> Result<String, String> {
    match resolve_target(node, None, RefKind::Condition)? {
        Target::Local(id) => Ok(id.to_string()),
        _ => Ok(String::new()),
    }
}

/// Whether the stack being emitted has a parameter or resource `name`.
fn names_local(name: &str) -> bool {
    ACTIVE.with(|a| a.borrow().as_ref().is_some_and(|r| r.names_local(name)))
}

/// Records a problem about the value being serialized.
fn problem(d: Diagnostic) {
    ACTIVE.with(|a| {
        if let Some(r) = a.borrow_mut().as_mut() {
            r.problem(d);
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

/// A reference that lands in another stack: the same for `Ref` and
/// `Fn::GetAtt`, whose export or output names the attribute already.
fn from_elsewhere<S: Serializer>(s: S, target: Target) -> Result<S::Ok, S::Error> {
    match target {
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
        // A local target is the caller's to write; an invalid one was
        // recorded as a problem.
        Target::Local(_) | Target::Invalid => s.serialize_none(),
    }
}

/// Serializes a `Value` with the active resolver (see module docs).
pub(crate) fn serialize_value<S: Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Value::Str(v) => s.serialize_str(v),
        Value::Int(n) => s.serialize_i64(*n),
        Value::Float(n) if n.is_finite() => s.serialize_f64(*n),
        Value::Float(n) => Err(serde::ser::Error::custom(format!(
            "the number {n} has no JSON form (not finite)"
        ))),
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
                elsewhere => from_elsewhere(s, elsewhere),
            }
        }
        Value::GetAtt(node, attr) => {
            match resolve_target(*node, Some(attr), RefKind::Resource).map_err(S::Error::custom)? {
                Target::Local(id) => single(s, "Fn::GetAtt", &[&*id, attr.as_ref()]),
                elsewhere => from_elsewhere(s, elsewhere),
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
            let parts = merge_literals(delim, parts.clone());
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

/// Every `${Name}` of a `Fn::Sub` template must be a variable, a pseudo
/// parameter, or a parameter or resource of the stack (`${Bucket.Arn}`:
/// what a template written by hand, or imported, names); anything else
/// would reach CloudFormation as a dangling name.
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
        let known = vars.iter().any(|(k, _)| k == name)
            || Pseudo::ALL.iter().any(|p| p.name() == name)
            || names_local(name.split('.').next().unwrap_or(name));
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
