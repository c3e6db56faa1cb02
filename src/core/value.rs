//! `Value`: a CloudFormation value that is a literal, a typed reference to an
//! element of the tree, or an intrinsic function. References are resolved by
//! the synthesizer into `Ref`/`Fn::GetAtt`, or into an export/import pair
//! across stacks; nobody formats a logical ID by hand.

use std::borrow::Cow;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use crate::core::tree::NodeId;

/// A CloudFormation pseudo parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pseudo {
    /// `AWS::Region`.
    Region,
    /// `AWS::AccountId`.
    AccountId,
    /// `AWS::Partition`.
    Partition,
    /// `AWS::StackName`.
    StackName,
    /// `AWS::StackId`.
    StackId,
    /// `AWS::URLSuffix`.
    UrlSuffix,
    /// `AWS::NoValue`: removes the property it stands for.
    NoValue,
}

impl Pseudo {
    /// The pseudo parameter's name, e.g. `AWS::Region`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::Region => "AWS::Region",
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::NoValue => "AWS::NoValue",
        }
    }

    /// Every pseudo parameter name, for checking `Fn::Sub` templates.
    pub const ALL: [Pseudo; 7] = [
        Pseudo::Region,
        Pseudo::AccountId,
        Pseudo::Partition,
        Pseudo::StackName,
        Pseudo::StackId,
        Pseudo::UrlSuffix,
        Pseudo::NoValue,
    ];
}

/// A value in a CloudFormation template.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A number that is not an integer (`0.5`, a threshold, a weight),
    /// written as JSON writes it; a non-finite one has no template form and
    /// fails synthesis.
    Float(f64),
    /// A boolean literal.
    Bool(bool),
    /// A list of values.
    List(Vec<Value>),
    /// A map of values.
    Map(IndexMap<String, Value>),
    /// `Ref` to a resource or parameter of the tree.
    Ref(NodeId),
    /// `Fn::GetAtt` of a resource of the tree.
    GetAtt(NodeId, Cow<'static, str>),
    /// A pseudo parameter (`Ref` of `AWS::…`).
    Pseudo(Pseudo),
    /// `Fn::Sub` with a template and named variables; a `${Name}` in the
    /// template must be a variable or a pseudo parameter.
    Sub(String, Vec<(String, Value)>),
    /// `Fn::Join`: delimiter and parts.
    Join(String, Vec<Value>),
    /// `Fn::Select`: index and list.
    Select(u32, Box<Value>),
    /// `Fn::Split`: delimiter and source.
    Split(String, Box<Value>),
    /// `Fn::If` on a condition of the tree.
    If(NodeId, Box<Value>, Box<Value>),
    /// `Fn::GetAZs` for the stack's region.
    GetAzs,
    /// `Fn::ImportValue` of an export made outside this app.
    ImportValue(Box<Value>),
}

impl Value {
    /// A string literal.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// `Fn::Sub` of a template whose `${…}` names are parameters, resources or pseudo parameters of the stack.
    pub fn sub(template: impl Into<String>) -> Value {
        Value::Sub(template.into(), Vec::new())
    }

    /// `Fn::Sub` with variables of its own, which may be any values (references too).
    pub fn sub_with(template: impl Into<String>, vars: Vec<(&str, Value)>) -> Value {
        Value::Sub(
            template.into(),
            vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        )
    }

    /// `Fn::Join` of `parts` with `delimiter`.
    pub fn join(delimiter: impl Into<String>, parts: Vec<Value>) -> Value {
        Value::Join(delimiter.into(), parts)
    }

    /// `Fn::Select` of item `index` of `list`.
    pub fn select(index: u32, list: Value) -> Value {
        Value::Select(index, Box::new(list))
    }

    /// `Fn::Split` of `source` at `delimiter`.
    pub fn split(delimiter: impl Into<String>, source: Value) -> Value {
        Value::Split(delimiter.into(), Box::new(source))
    }

    /// `Fn::FindInMap` of the template's `Mappings` (see
    /// [`TemplateSections`](crate::core::stack::TemplateSections)): the
    /// value under `top` and `second` of map `map`.
    pub fn find_in_map(map: impl Into<String>, top: Value, second: Value) -> Value {
        let mut m = IndexMap::new();
        m.insert(
            "Fn::FindInMap".to_string(),
            Value::List(vec![Value::Str(map.into()), top, second]),
        );
        Value::Map(m)
    }

    /// A template object from its entries, in order: a policy document, a
    /// mapping, anything CloudFormation takes as free-form JSON. Values may
    /// hold references (`bucket.attr_arn()`), which resolve like typed ones.
    pub fn map<'k>(entries: impl IntoIterator<Item = (&'k str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// A template list from its items, in order (`Value::list([a, b])`).
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    /// `Fn::If` on `condition` (a `CfnCondition`): `then` where it holds,
    /// `otherwise` where not (`Pseudo::NoValue` drops the property).
    pub fn if_(condition: NodeId, then: Value, otherwise: Value) -> Value {
        Value::If(condition, Box::new(then), Box::new(otherwise))
    }

    /// `Fn::Base64` of `value` (user data).
    pub fn base64(value: Value) -> Value {
        Value::map([("Fn::Base64", value)])
    }

    /// `Fn::Cidr`: `count` CIDR blocks of `bits` host bits each, carved
    /// from `block`.
    pub fn cidr(block: Value, count: Value, bits: Value) -> Value {
        Value::map([("Fn::Cidr", Value::list([block, count, bits]))])
    }

    /// `Fn::GetAZs` of a named region, or of the stack's region when
    /// `region` is `""` or `AWS::Region` written out (for the stack's own
    /// region `Value::GetAzs` is the same).
    pub fn get_azs(region: Value) -> Value {
        Value::map([("Fn::GetAZs", region)])
    }

    /// The literal string, when this value is one.
    pub fn as_literal(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Every tree node this value refers to, for dependency analysis.
    pub fn referenced_nodes(&self, out: &mut Vec<NodeId>) {
        match self {
            Value::Ref(n) | Value::GetAtt(n, _) => out.push(*n),
            Value::List(items) | Value::Join(_, items) => {
                items.iter().for_each(|v| v.referenced_nodes(out))
            }
            Value::Map(m) => m.values().for_each(|v| v.referenced_nodes(out)),
            Value::Sub(_, vars) => vars.iter().for_each(|(_, v)| v.referenced_nodes(out)),
            Value::Select(_, v) | Value::Split(_, v) | Value::ImportValue(v) => {
                v.referenced_nodes(out)
            }
            Value::If(c, a, b) => {
                out.push(*c);
                a.referenced_nodes(out);
                b.referenced_nodes(out);
            }
            Value::Str(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::Pseudo(_)
            | Value::GetAzs => {}
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Str(s.clone())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

/// An integer literal (`Some(22.into())`) is an `i32` unless typed.
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Int(n.into())
    }
}

/// Why a JSON document has no template form; `path` is where, as
/// `$.detail.size[0]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonValueError {
    /// A `null`: templates have no null.
    #[error("{path} is null, which a template cannot hold")]
    Null {
        /// Where it stands.
        path: String,
    },
    /// A number with no exact integer or floating form.
    #[error("{path}: {number} has no exact template form")]
    Inexact {
        /// Where it stands.
        path: String,
        /// The number as written.
        number: String,
    },
}

/// A literal JSON document (a filter policy, an event pattern) as a
/// template value: integers stay integers, other numbers stay exact
/// (`Float`). `null` has no template form and is refused, naming where it
/// stands (`$.detail.size`).
impl TryFrom<&serde_json::Value> for Value {
    type Error = JsonValueError;

    fn try_from(v: &serde_json::Value) -> Result<Value, JsonValueError> {
        fn at(v: &serde_json::Value, path: &mut String) -> Result<Value, JsonValueError> {
            use serde_json::Value as Json;
            Ok(match v {
                Json::Null => return Err(JsonValueError::Null { path: path.clone() }),
                Json::Bool(b) => Value::Bool(*b),
                Json::Number(n) => match (n.as_i64(), n.as_f64()) {
                    (Some(i), _) => Value::Int(i),
                    (None, Some(f)) => Value::Float(f),
                    (None, None) => {
                        return Err(JsonValueError::Inexact {
                            path: path.clone(),
                            number: n.to_string(),
                        })
                    }
                },
                Json::String(s) => Value::Str(s.clone()),
                Json::Array(a) => {
                    let mut items = Vec::with_capacity(a.len());
                    for (i, x) in a.iter().enumerate() {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        items.push(at(x, path)?);
                        path.truncate(len);
                    }
                    Value::List(items)
                }
                Json::Object(m) => {
                    let mut out = IndexMap::with_capacity(m.len());
                    for (k, x) in m {
                        let len = path.len();
                        path.push('.');
                        path.push_str(k);
                        out.insert(k.clone(), at(x, path)?);
                        path.truncate(len);
                    }
                    Value::Map(out)
                }
            })
        }
        at(v, &mut "$".to_string())
    }
}

/// A fractional number, kept exactly (`Some(0.5.into())`).
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Float(n)
    }
}

/// A fractional number, widened to `f64` without loss.
impl From<f32> for Value {
    fn from(n: f32) -> Self {
        Value::Float(n.into())
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(n.into())
    }
}

/// A string-keyed map (parameter groups, map-style tags) as a template
/// object, in key order.
impl<V: Into<Value>> From<std::collections::BTreeMap<String, V>> for Value {
    fn from(m: std::collections::BTreeMap<String, V>) -> Self {
        Value::Map(m.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}

impl From<u16> for Value {
    fn from(n: u16) -> Self {
        Value::Int(n.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Pseudo> for Value {
    fn from(p: Pseudo) -> Self {
        Value::Pseudo(p)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::core::resolve::serialize_value(self, serializer)
    }
}

/// A condition expression for `Conditions` (`Fn::Equals`, `Fn::And`, …).
#[derive(Debug, Clone, PartialEq)]
pub enum CondExpr {
    /// `Fn::Equals` of two values.
    Equals(Value, Value),
    /// `Fn::And` of conditions.
    And(Vec<CondExpr>),
    /// `Fn::Or` of conditions.
    Or(Vec<CondExpr>),
    /// `Fn::Not` of a condition.
    Not(Box<CondExpr>),
    /// Another condition of the same stack.
    Condition(NodeId),
}

impl Serialize for CondExpr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            CondExpr::Equals(a, b) => map.serialize_entry("Fn::Equals", &(a, b))?,
            CondExpr::And(items) => map.serialize_entry("Fn::And", items)?,
            CondExpr::Or(items) => map.serialize_entry("Fn::Or", items)?,
            CondExpr::Not(c) => map.serialize_entry("Fn::Not", &[c])?,
            CondExpr::Condition(node) => {
                let id =
                    crate::core::resolve::condition_id(*node).map_err(serde::ser::Error::custom)?;
                map.serialize_entry("Condition", &id)?
            }
        }
        map.end()
    }
}

/// Where an ARN's region or account part comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ArnPart {
    /// The deploying stack's region/account (a pseudo parameter).
    Current,
    /// Left empty, as IAM and S3 ARNs are.
    Empty,
    /// `*`, for policies that match any.
    Any,
    /// A literal, e.g. `us-east-1`.
    Literal(String),
}

/// Builds ARNs in one place, from the partition and the stack's environment,
/// so no construct formats one by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct Arn {
    /// The service, e.g. `iam`.
    pub service: String,
    /// The region part. Default: the stack's region.
    pub region: ArnPart,
    /// The account part. Default: the stack's account.
    pub account: ArnPart,
    /// The resource part, e.g. `parameter/genai-demo/order/*`; may hold values.
    pub resource: Vec<Value>,
}

impl Arn {
    /// An ARN in the current region and account.
    pub fn new(service: &str, resource: impl Into<Value>) -> Arn {
        Arn {
            service: service.into(),
            region: ArnPart::Current,
            account: ArnPart::Current,
            resource: vec![resource.into()],
        }
    }

    /// Sets the region part (`ArnPart::Empty` for global services such as IAM).
    pub fn region(mut self, region: ArnPart) -> Arn {
        self.region = region;
        self
    }

    /// Sets the account part.
    pub fn account(mut self, account: ArnPart) -> Arn {
        self.account = account;
        self
    }

    /// The ARN as a template value (`Fn::Join` over pseudo parameters).
    pub fn value(&self) -> Value {
        let mut parts = vec![
            Value::str("arn:"),
            Value::Pseudo(Pseudo::Partition),
            Value::Str(format!(":{}:", self.service)),
        ];
        let push_part = |parts: &mut Vec<Value>, part: &ArnPart, pseudo: Pseudo| match part {
            ArnPart::Current => parts.push(Value::Pseudo(pseudo)),
            ArnPart::Empty => {}
            ArnPart::Any => parts.push(Value::str("*")),
            ArnPart::Literal(s) => parts.push(Value::Str(s.clone())),
        };
        push_part(&mut parts, &self.region, Pseudo::Region);
        parts.push(Value::str(":"));
        push_part(&mut parts, &self.account, Pseudo::AccountId);
        parts.push(Value::str(":"));
        parts.extend(self.resource.iter().cloned());
        Value::Join(String::new(), merge_literals("", parts))
    }

    /// The ARN as a final string, for values that must be known at synth time
    /// (e.g. an IRSA annotation). Needs literal parts only.
    pub fn literal(&self, partition: &str) -> Option<String> {
        let part = |p: &ArnPart| match p {
            ArnPart::Empty => Some(String::new()),
            ArnPart::Any => Some("*".to_string()),
            ArnPart::Literal(s) => Some(s.clone()),
            ArnPart::Current => None,
        };
        let mut resource = String::new();
        for r in &self.resource {
            resource.push_str(r.as_literal()?);
        }
        Some(format!(
            "arn:{partition}:{}:{}:{}:{resource}",
            self.service,
            part(&self.region)?,
            part(&self.account)?
        ))
    }
}

/// The AWS partition of a region.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Joins adjacent literal strings, so templates stay small and readable.
pub(crate) fn merge_literals(delimiter: &str, parts: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(parts.len());
    for p in parts {
        match (out.last_mut(), p) {
            // `a`, `b` joined by `-` reads `a-b` whether joined now or at deploy.
            (Some(Value::Str(prev)), Value::Str(s)) => {
                prev.push_str(delimiter);
                prev.push_str(&s);
            }
            (_, p) => out.push(p),
        }
    }
    // An empty part adds nothing only when nothing separates the parts.
    if delimiter.is_empty() {
        out.retain(|v| !matches!(v, Value::Str(s) if s.is_empty()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_merge_with_the_delimiter_between_them() {
        let parts = vec![
            Value::str("a"),
            Value::str("b"),
            Value::Pseudo(Pseudo::Region),
        ];
        assert_eq!(
            merge_literals("-", parts.clone()),
            [Value::str("a-b"), Value::Pseudo(Pseudo::Region)]
        );
        assert_eq!(
            merge_literals("", parts),
            [Value::str("ab"), Value::Pseudo(Pseudo::Region)]
        );
        // An empty part between two others still adds a delimiter.
        let empty = vec![
            Value::Pseudo(Pseudo::Region),
            Value::str(""),
            Value::Pseudo(Pseudo::Region),
        ];
        assert_eq!(merge_literals(",", empty.clone()).len(), 3);
        assert_eq!(merge_literals("", empty).len(), 2);
    }

    #[test]
    fn an_untyped_integer_literal_is_a_value() {
        let port: Option<Value> = Some(22.into());
        assert!(matches!(port, Some(Value::Int(22))));
        assert!(matches!(Value::from(-1), Value::Int(-1)));
    }

    #[test]
    fn a_json_document_converts_exactly_and_null_is_refused_by_path() {
        let doc = serde_json::json!({"size": [{"numeric": [">", 0.5, "<", 10]}], "ok": true});
        let v = Value::try_from(&doc).unwrap();
        assert_eq!(serde_json::to_value(&v).unwrap(), doc);
        let err = Value::try_from(&serde_json::json!({"detail": {"size": [1, null]}})).unwrap_err();
        assert_eq!(
            err,
            JsonValueError::Null {
                path: "$.detail.size[1]".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "$.detail.size[1] is null, which a template cannot hold"
        );
    }

    #[test]
    fn a_fraction_is_kept_exactly_and_a_non_finite_number_is_refused() {
        let threshold: Option<Value> = Some(0.5.into());
        assert_eq!(threshold, Some(Value::Float(0.5)));
        assert_eq!(Value::from(0.1f32), Value::Float(f64::from(0.1f32)));
        assert_eq!(serde_json::to_string(&Value::Float(0.5)).unwrap(), "0.5");
        let err = serde_json::to_string(&Value::Float(f64::NAN)).unwrap_err();
        assert!(err.to_string().contains("has no JSON form"), "{err}");
    }

    #[test]
    fn literal_arn_needs_literal_parts() {
        let arn = Arn::new("iam", "role/x")
            .region(ArnPart::Empty)
            .account(ArnPart::Literal("123456789012".into()));
        assert_eq!(
            arn.literal("aws").unwrap(),
            "arn:aws:iam::123456789012:role/x"
        );
        assert!(Arn::new("iam", "role/x").literal("aws").is_none());
    }

    #[test]
    fn partitions() {
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of("ap-northeast-1"), "aws");
    }
}
