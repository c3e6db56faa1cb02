//! Typed IAM policy documents: statements are data, never JSON strings. A
//! document serializes to a template object, or — when a condition key holds a
//! value only known at deploy (an OIDC issuer) — to `Fn::Sub` over its JSON text.

use serde::{Serialize, Serializer};

use crate::core::Value;

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Effect {
    /// `Allow`.
    #[default]
    Allow,
    /// `Deny`.
    Deny,
}

/// Who a statement applies to (trust and resource policies only).
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// An AWS service, e.g. `eks.amazonaws.com` (a value: some are regional).
    Service(Value),
    /// An account, role or user ARN.
    Aws(Value),
    /// A federated identity provider (e.g. an OIDC provider ARN).
    Federated(Value),
}

/// One condition: `operator: { key: values }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator, e.g. `StringEquals`.
    pub operator: String,
    /// The condition key; may hold a deploy-time value (e.g. an issuer host).
    pub key: Value,
    /// The accepted values.
    pub values: Vec<Value>,
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyStatement {
    /// Statement id. Default: none.
    pub sid: Option<String>,
    /// Default: `Allow`.
    pub effect: Effect,
    /// Principals (trust/resource policies). Default: none.
    pub principals: Vec<Principal>,
    /// Actions such as `ssm:GetParameter`.
    pub actions: Vec<String>,
    /// Resources the actions apply to (ARN values or `*`).
    pub resources: Vec<Value>,
    /// Conditions. Default: none.
    pub conditions: Vec<Condition>,
}

impl PolicyStatement {
    /// An `Allow` statement of these actions on these resources.
    pub fn allow<A: Into<String>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = Value>,
    ) -> PolicyStatement {
        PolicyStatement {
            actions: actions.into_iter().map(Into::into).collect(),
            resources: resources.into_iter().collect(),
            ..Default::default()
        }
    }

    /// An `Allow` statement for a principal with no resource (trust policies).
    pub fn trust<A: Into<String>>(
        principal: Principal,
        actions: impl IntoIterator<Item = A>,
    ) -> PolicyStatement {
        PolicyStatement {
            principals: vec![principal],
            actions: actions.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// Adds a principal.
    pub fn with_principal(mut self, p: Principal) -> PolicyStatement {
        self.principals.push(p);
        self
    }

    /// Adds a condition.
    pub fn with_condition(
        mut self,
        operator: &str,
        key: impl Into<Value>,
        values: Vec<Value>,
    ) -> PolicyStatement {
        self.conditions.push(Condition {
            operator: operator.into(),
            key: key.into(),
            values,
        });
        self
    }

    /// Sets the statement id.
    pub fn with_sid(mut self, sid: &str) -> PolicyStatement {
        self.sid = Some(sid.into());
        self
    }
}

/// A policy document (`Version` 2012-10-17).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyDocument {
    /// The statements, in order.
    pub statements: Vec<PolicyStatement>,
}

impl PolicyDocument {
    /// A document of these statements; a statement equal to an earlier one
    /// is left out (grants of several constructs may repeat one, e.g. MSK's
    /// connect statement in both a produce and a consume grant).
    pub fn new(statements: Vec<PolicyStatement>) -> PolicyDocument {
        let mut unique: Vec<PolicyStatement> = Vec::with_capacity(statements.len());
        for st in statements {
            if !unique.contains(&st) {
                unique.push(st);
            }
        }
        PolicyDocument { statements: unique }
    }

    /// A document of these statements merged into the fewest: statements
    /// that differ only in their actions become one (the actions united),
    /// then statements that differ only in their resources become one (the
    /// resources united), as CDK's policy minimization does. Grants from
    /// many constructs to one role stay under IAM's inline policy size
    /// (10,240 characters per role). Statements with a `Sid` or principals
    /// are kept as they are; order is first appearance.
    pub fn minimized(statements: Vec<PolicyStatement>) -> PolicyDocument {
        let mut list = PolicyDocument::new(statements).statements;
        loop {
            let before = list.len();
            list = merge_by(
                list,
                |a, b| a.resources == b.resources,
                |into, from| {
                    for action in from.actions {
                        if !into.actions.contains(&action) {
                            into.actions.push(action);
                        }
                    }
                },
            );
            list = merge_by(
                list,
                |a, b| same_actions(&a.actions, &b.actions),
                |into, from| {
                    for r in from.resources {
                        if !into.resources.contains(&r) {
                            into.resources.push(r);
                        }
                    }
                },
            );
            if list.len() == before {
                return PolicyDocument { statements: list };
            }
        }
    }

    /// The document as a tree whose keys may hold values.
    fn tree(&self) -> Node {
        let statements = self
            .statements
            .iter()
            .map(|st| {
                let mut m: Vec<(Value, Node)> = Vec::new();
                if let Some(sid) = &st.sid {
                    m.push(("Sid".into(), Node::Leaf(sid.into())));
                }
                let effect = match st.effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny",
                };
                m.push(("Effect".into(), Node::Leaf(effect.into())));
                if !st.principals.is_empty() {
                    // Group principals by kind, in a fixed kind order.
                    let mut pm: Vec<(Value, Node)> = Vec::new();
                    for kind in ["AWS", "Federated", "Service"] {
                        let items: Vec<Value> = st
                            .principals
                            .iter()
                            .filter_map(|p| match (kind, p) {
                                ("AWS", Principal::Aws(v)) => Some(v.clone()),
                                ("Federated", Principal::Federated(v)) => Some(v.clone()),
                                ("Service", Principal::Service(s)) => Some(s.clone()),
                                _ => None,
                            })
                            .collect();
                        if !items.is_empty() {
                            pm.push((kind.into(), one_or_list(items)));
                        }
                    }
                    m.push(("Principal".into(), Node::Map(pm)));
                }
                let actions: Vec<Value> = st.actions.iter().map(Value::from).collect();
                m.push(("Action".into(), one_or_list(actions)));
                if !st.resources.is_empty() {
                    m.push(("Resource".into(), one_or_list(st.resources.clone())));
                }
                if !st.conditions.is_empty() {
                    let mut ops: Vec<(Value, Node)> = Vec::new();
                    for c in &st.conditions {
                        let entry = (c.key.clone(), one_or_list(c.values.clone()));
                        match ops
                            .iter_mut()
                            .find(|(k, _)| k.as_literal() == Some(&c.operator))
                        {
                            Some((_, Node::Map(entries))) => entries.push(entry),
                            _ => ops.push((c.operator.as_str().into(), Node::Map(vec![entry]))),
                        }
                    }
                    m.push(("Condition".into(), Node::Map(ops)));
                }
                Node::Map(m)
            })
            .collect();
        Node::Map(vec![
            ("Version".into(), Node::Leaf("2012-10-17".into())),
            ("Statement".into(), Node::List(statements)),
        ])
    }

    /// The document as a template value: an object when every key is
    /// literal, else `Fn::Sub` over its JSON text with the values as variables.
    pub fn to_value(&self) -> Value {
        let tree = self.tree();
        if tree.keys_literal() {
            tree.into_value()
        } else {
            let mut text = String::new();
            let mut vars: Vec<(String, Value)> = Vec::new();
            tree.write_sub(&mut text, &mut vars);
            Value::Sub(text, vars)
        }
    }
}

/// Whether two action lists hold the same actions, in any order.
fn same_actions(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Merges each statement into the first earlier one it may join: same
/// effect and conditions, no `Sid` or principals on either, and `alike`.
fn merge_by(
    list: Vec<PolicyStatement>,
    alike: impl Fn(&PolicyStatement, &PolicyStatement) -> bool,
    merge: impl Fn(&mut PolicyStatement, PolicyStatement),
) -> Vec<PolicyStatement> {
    let plain = |s: &PolicyStatement| s.sid.is_none() && s.principals.is_empty();
    let mut out: Vec<PolicyStatement> = Vec::with_capacity(list.len());
    for st in list {
        let target = out.iter_mut().find(|o| {
            plain(o)
                && plain(&st)
                && o.effect == st.effect
                && o.conditions == st.conditions
                && alike(o, &st)
        });
        match target {
            Some(into) => merge(into, st),
            None => out.push(st),
        }
    }
    out
}

/// Appends statements to a resource policy already written as a template
/// value (a queue's or a bucket's one policy, which several integrations
/// add to); a statement already there is not repeated. Returns `false`
/// when `doc` is not a literal document (`Fn::Sub` form).
pub fn append_statements(doc: &mut Value, statements: Vec<PolicyStatement>) -> bool {
    let Value::Map(m) = doc else { return false };
    let Some(Value::List(existing)) = m.get_mut("Statement") else {
        return false;
    };
    let Value::Map(mut added) = PolicyDocument::new(statements).to_value() else {
        return false;
    };
    let Some(Value::List(new)) = added.swap_remove("Statement") else {
        return false;
    };
    for st in new {
        if !existing.contains(&st) {
            existing.push(st);
        }
    }
    true
}

/// Adds statements to the one resource policy `owner` has (a queue's,
/// topic's or bucket's: a second policy resource would replace the first),
/// the L1 resource `Policy` below `owner`: appended when it exists, made by
/// `new` from a document of `statements` when it does not. `document`
/// gives the policy's document field.
#[cfg(any(feature = "aws-s3", feature = "aws-sqs", feature = "aws-sns"))]
pub(crate) fn add_to_one_policy<R: crate::core::CfnResource>(
    scope: &mut crate::core::Scope<'_>,
    owner: crate::core::NodeId,
    statements: Vec<PolicyStatement>,
    new: impl FnOnce(PolicyDocument) -> R,
    document: impl FnOnce(&mut R) -> &mut Value,
) -> Result<(), crate::core::Error> {
    let mut s = scope.at(owner)?;
    match s.find_child("Policy") {
        Some(policy) => {
            let path = format!("{}/Policy", s.path());
            let appended = s
                .resource_mut(&crate::core::ResourceRef::<R>::new(policy))
                .is_some_and(|p| append_statements(document(p), statements));
            if appended {
                Ok(())
            } else {
                Err(crate::core::Error::construct(
                    path,
                    "the resource policy cannot be extended (it was replaced, or is not a literal document)",
                    "leave the Policy below the construct to the construct, and add statements through it",
                ))
            }
        }
        None => s
            .add_resource("Policy", new(PolicyDocument::new(statements)))
            .map(drop),
    }
}

/// A document where a generated L1 struct takes one (`KeyPolicy`,
/// `PolicyDocument`…): its template value, see [`PolicyDocument::to_value`].
impl From<PolicyDocument> for Value {
    fn from(doc: PolicyDocument) -> Value {
        doc.to_value()
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

fn one_or_list(mut items: Vec<Value>) -> Node {
    if items.len() == 1 {
        Node::Leaf(items.remove(0))
    } else {
        Node::List(items.into_iter().map(Node::Leaf).collect())
    }
}

/// A JSON-like tree whose keys may be values.
enum Node {
    Leaf(Value),
    List(Vec<Node>),
    Map(Vec<(Value, Node)>),
}

impl Node {
    fn keys_literal(&self) -> bool {
        match self {
            Node::Leaf(_) => true,
            Node::List(items) => items.iter().all(Node::keys_literal),
            Node::Map(entries) => entries
                .iter()
                .all(|(k, v)| k.as_literal().is_some() && v.keys_literal()),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Node::Leaf(v) => v,
            Node::List(items) => Value::List(items.into_iter().map(Node::into_value).collect()),
            Node::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    // Invariant: only called after keys_literal() held.
                    .map(|(k, v)| {
                        (
                            k.as_literal().unwrap_or_default().to_string(),
                            v.into_value(),
                        )
                    })
                    .collect(),
            ),
        }
    }

    fn write_sub(&self, out: &mut String, vars: &mut Vec<(String, Value)>) {
        match self {
            Node::Leaf(v) => write_string(v, out, vars),
            Node::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_sub(out, vars);
                }
                out.push(']');
            }
            Node::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(k, out, vars);
                    out.push(':');
                    v.write_sub(out, vars);
                }
                out.push('}');
            }
        }
    }
}

/// Writes a JSON string whose literal parts are escaped for both JSON and
/// `Fn::Sub`, and whose other parts become Sub variables.
fn write_string(v: &Value, out: &mut String, vars: &mut Vec<(String, Value)>) {
    let parts: Vec<Value> = match v {
        Value::Join(sep, items) if sep.is_empty() => items.clone(),
        other => vec![other.clone()],
    };
    out.push('"');
    for p in parts {
        match p {
            Value::Str(s) => {
                // Display of a JSON string value is infallible and quoted.
                let json = serde_json::Value::String(s).to_string();
                // Strip the quotes; keep a literal `${` literal under Fn::Sub.
                out.push_str(&json[1..json.len() - 1].replace("${", "${!"));
            }
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Float(n) => out.push_str(&serde_json::json!(n).to_string()),
            Value::Bool(b) => out.push_str(&b.to_string()),
            Value::Pseudo(p) => {
                out.push_str("${");
                out.push_str(p.name());
                out.push('}');
            }
            other => {
                let existing = vars
                    .iter()
                    .find(|(_, val)| *val == other)
                    .map(|(n, _)| n.clone());
                let name = existing.unwrap_or_else(|| {
                    let n = format!("Var{}", vars.len() + 1);
                    vars.push((n.clone(), other));
                    n
                });
                out.push_str("${");
                out.push_str(&name);
                out.push('}');
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Pseudo;

    #[test]
    fn literal_keys_give_an_object() {
        let d = PolicyDocument::new(vec![PolicyStatement::allow(
            ["ssm:GetParameter"],
            [Value::str("arn:aws:ssm:*:*:parameter/x/*")],
        )]);
        let Value::Map(m) = d.to_value() else {
            panic!("expected an object")
        };
        assert_eq!(m["Version"], Value::str("2012-10-17"));
    }

    #[test]
    fn value_keys_give_a_sub_over_json_text() {
        let issuer = Value::Pseudo(Pseudo::StackName);
        let d = PolicyDocument::new(vec![PolicyStatement::trust(
            Principal::Federated(Value::str("arn")),
            ["sts:AssumeRoleWithWebIdentity"],
        )
        .with_condition(
            "StringEquals",
            Value::join(
                "",
                vec![Value::str("x"), Value::select(1, issuer), ":sub".into()],
            ),
            vec!["system:serviceaccount:a:b".into(), "${literal}".into()],
        )]);
        let Value::Sub(text, vars) = d.to_value() else {
            panic!("expected Fn::Sub")
        };
        assert_eq!(
            text,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"x${Var1}:sub":["system:serviceaccount:a:b","${!literal}"]}}}]}"#
        );
        assert_eq!(vars.len(), 1);
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }

    #[test]
    fn grants_to_one_role_merge_into_the_fewest_statements() {
        let table = || Value::str("arn:aws:dynamodb:eu-west-1:1:table/t");
        let queue = || Value::str("arn:aws:sqs:eu-west-1:1:q");
        let doc = PolicyDocument::minimized(vec![
            PolicyStatement::allow(["dynamodb:GetItem"], [table()]),
            PolicyStatement::allow(["sqs:ReceiveMessage"], [queue()]),
            PolicyStatement::allow(["dynamodb:PutItem", "dynamodb:GetItem"], [table()]),
            PolicyStatement::allow(
                ["sqs:ReceiveMessage"],
                [Value::str("arn:aws:sqs:eu-west-1:1:dlq")],
            ),
            // A condition, a Sid or a Deny keeps a statement apart.
            PolicyStatement::allow(["kms:Decrypt"], [Value::str("k")]).with_condition(
                "StringEquals",
                "kms:ViaService",
                vec![Value::str("sqs.eu-west-1.amazonaws.com")],
            ),
            PolicyStatement::allow(["kms:Decrypt"], [Value::str("k")]).with_sid("Keep"),
        ]);
        let summary: Vec<(Vec<&str>, usize)> = doc
            .statements
            .iter()
            .map(|s| {
                (
                    s.actions.iter().map(String::as_str).collect(),
                    s.resources.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (vec!["dynamodb:GetItem", "dynamodb:PutItem"], 1),
                (vec!["sqs:ReceiveMessage"], 2),
                (vec!["kms:Decrypt"], 1),
                (vec!["kms:Decrypt"], 1),
            ]
        );
    }
}
