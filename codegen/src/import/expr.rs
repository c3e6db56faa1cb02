//! Template JSON as Rust expressions of `meshsynth::core::Value`: literals
//! as literals, `Ref` and `Fn::GetAtt` of the template's own parameters and
//! resources as the variables holding them, every other intrinsic as the
//! `Value` constructor that writes it back as it was.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

/// A Rust expression for a template value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    /// A literal of a type that converts into `Value` (`"text"`, `5`,
    /// `true`, `Pseudo::Region`).
    Lit(String),
    /// An expression whose type is `Value`.
    Val(String),
}

impl Expr {
    /// As a `Value` where the type is known (a field, a list item).
    pub(crate) fn value(&self) -> String {
        match self {
            // `-5.into()` would negate the `Value`.
            Expr::Lit(l) if l.starts_with('-') => format!("({l}).into()"),
            Expr::Lit(l) => format!("{l}.into()"),
            Expr::Val(v) => v.clone(),
        }
    }

    /// As the argument of an `impl Into<Value>` parameter.
    pub(crate) fn arg(&self) -> String {
        match self {
            Expr::Lit(l) | Expr::Val(l) => l.clone(),
        }
    }
}

/// Why a value cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fail {
    /// The template is wrong (a `Ref` naming nothing, a `null`): refused.
    Refuse(String),
    /// Valid, but the typed field cannot hold it: written as a value.
    Untyped(String),
}

/// A resource already written, as typed code refers to it.
#[derive(Debug, Clone)]
pub(crate) struct ResourceVar {
    /// The variable holding its handle (`ResourceRef`) or node (`NodeId`).
    pub var: String,
    /// A typed L1 handle, or the `NodeId` of a raw resource.
    pub typed: bool,
    /// The type's `Fn::GetAtt` accessors: attribute → method.
    pub attrs: BTreeMap<String, String>,
}

/// What names in the template stand for, and what the code used.
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Parameter logical id → variable (a `Value`).
    pub params: BTreeMap<String, String>,
    /// Condition logical id → variable (a `NodeId`).
    pub conditions: BTreeMap<String, String>,
    /// Resource logical id → variable, for the resources written so far.
    pub resources: BTreeMap<String, ResourceVar>,
    /// Every name the template defines (a `Ref` may name a resource
    /// written later only through a bug in the order).
    pub defined: BTreeSet<String>,
    /// The template has a `Transform`, which may define names of its own.
    pub transformed: bool,
}

/// A Rust string literal of `s`: raw (`r#"…"#`) for multi-line text,
/// which reads as the template did.
pub(crate) fn str_lit(s: &str) -> String {
    let raw_ok = s.contains('\n')
        && !s.contains("\"#")
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if raw_ok {
        format!("r#\"{s}\"#")
    } else {
        format!("{s:?}")
    }
}

impl Names {
    fn val(&mut self, code: String) -> Expr {
        Expr::Val(code)
    }

    /// `j` as a `Value` expression; `at` is where it stands
    /// (`Resources.Queue.Properties.Tags[0]`), for the refusal.
    pub(crate) fn value(&mut self, j: &Json, at: &str) -> Result<Expr, Fail> {
        match j {
            Json::Null => Err(Fail::Refuse(format!(
                "{at} is null, which a template cannot hold"
            ))),
            Json::Bool(b) => Ok(Expr::Lit(b.to_string())),
            Json::Number(n) => number(n, at).map(|e| match e {
                Expr::Val(v) => self.val(v),
                lit => lit,
            }),
            Json::String(s) => Ok(Expr::Lit(str_lit(s))),
            Json::Array(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    parts.push(self.value(x, &format!("{at}[{i}]"))?.value());
                }
                Ok(self.val(format!("Value::list([{}])", parts.join(", "))))
            }
            Json::Object(m) => {
                if let Some((k, v)) = m.iter().next().filter(|_| m.len() == 1) {
                    if k == "Ref" || k.starts_with("Fn::") {
                        return self.intrinsic(k, v, at);
                    }
                }
                self.map(m.iter(), at)
            }
        }
    }

    fn map<'j>(
        &mut self,
        entries: impl Iterator<Item = (&'j String, &'j Json)>,
        at: &str,
    ) -> Result<Expr, Fail> {
        let mut parts = Vec::new();
        for (k, x) in entries {
            let v = self.value(x, &format!("{at}.{k}"))?.value();
            parts.push(format!("({}, {v})", str_lit(k)));
        }
        Ok(self.val(format!("Value::map([{}])", parts.join(", "))))
    }

    /// An intrinsic with no constructor of its own, kept as the one-entry
    /// map it is (`Fn::Length`, `Fn::ToJsonString`, an unusual form).
    fn generic(&mut self, k: &str, v: &Json, at: &str) -> Result<Expr, Fail> {
        let inner = self.value_inside(v, &format!("{at}.{k}"))?;
        Ok(self.val(format!("Value::map([({}, {inner})])", str_lit(k))))
    }

    /// A value inside a kept intrinsic: its own intrinsics still typed.
    fn value_inside(&mut self, v: &Json, at: &str) -> Result<String, Fail> {
        Ok(self.value(v, at)?.value())
    }

    fn intrinsic(&mut self, k: &str, v: &Json, at: &str) -> Result<Expr, Fail> {
        let args = v.as_array().map(Vec::as_slice).unwrap_or_default();
        let at_k = format!("{at}.{k}");
        match (k, v, args) {
            ("Ref", Json::String(name), _) => self.reference(name, at),
            ("Fn::GetAtt", _, _) => self.get_att(v, at),
            ("Fn::Sub", Json::String(t), _) => Ok(self.val(format!("Value::sub({})", str_lit(t)))),
            ("Fn::Sub", _, [Json::String(t), Json::Object(vars)]) if !vars.is_empty() => {
                let mut parts = Vec::new();
                for (name, x) in vars {
                    let e = self.value(x, &format!("{at_k}.{name}"))?.value();
                    parts.push(format!("({}, {e})", str_lit(name)));
                }
                Ok(self.val(format!(
                    "Value::sub_with({}, vec![{}])",
                    str_lit(t),
                    parts.join(", ")
                )))
            }
            // `Value::join` writes adjacent literals as one; only a join it
            // writes back as written is one.
            ("Fn::Join", _, [Json::String(d), Json::Array(items)]) if join_kept(d, items) => {
                let mut parts = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    parts.push(self.value(x, &format!("{at_k}[{i}]"))?.value());
                }
                Ok(self.val(format!(
                    "Value::join({}, vec![{}])",
                    str_lit(d),
                    parts.join(", ")
                )))
            }
            ("Fn::Select", _, [Json::Number(i), list])
                if i.as_u64().is_some_and(|i| i <= u32::MAX as u64) =>
            {
                let list = self.value(list, &at_k)?.value();
                Ok(self.val(format!("Value::select({i}, {list})")))
            }
            ("Fn::Split", _, [Json::String(d), source]) => {
                let source = self.value(source, &at_k)?.value();
                Ok(self.val(format!("Value::split({}, {source})", str_lit(d))))
            }
            ("Fn::If", _, [Json::String(c), a, b]) => {
                let Some(var) = self.conditions.get(c).cloned() else {
                    return Err(Fail::Refuse(format!(
                        "{at_k}: condition {c} is not in the template's Conditions"
                    )));
                };
                let a = self.value(a, &format!("{at_k}[1]"))?.value();
                let b = self.value(b, &format!("{at_k}[2]"))?.value();
                Ok(self.val(format!("Value::if_({var}, {a}, {b})")))
            }
            ("Fn::GetAZs", Json::String(r), _) if r.is_empty() => {
                Ok(self.val("Value::GetAzs".into()))
            }
            ("Fn::GetAZs", _, _) => {
                let region = self.value(v, &at_k)?.value();
                Ok(self.val(format!("Value::get_azs({region})")))
            }
            ("Fn::ImportValue", _, _) => {
                let name = self.value(v, &at_k)?.value();
                Ok(self.val(format!("Value::ImportValue(Box::new({name}))")))
            }
            ("Fn::FindInMap", _, [Json::String(map), top, second]) => {
                let top = self.value(top, &format!("{at_k}[1]"))?.value();
                let second = self.value(second, &format!("{at_k}[2]"))?.value();
                Ok(self.val(format!(
                    "Value::find_in_map({}, {top}, {second})",
                    str_lit(map)
                )))
            }
            ("Fn::Base64", _, _) => {
                let inner = self.value(v, &at_k)?.value();
                Ok(self.val(format!("Value::base64({inner})")))
            }
            ("Fn::Cidr", _, [a, b, c]) => {
                let a = self.value(a, &format!("{at_k}[0]"))?.value();
                let b = self.value(b, &format!("{at_k}[1]"))?.value();
                let c = self.value(c, &format!("{at_k}[2]"))?.value();
                Ok(self.val(format!("Value::cidr({a}, {b}, {c})")))
            }
            _ => self.generic(k, v, at),
        }
    }

    fn reference(&mut self, name: &str, at: &str) -> Result<Expr, Fail> {
        if let Some(p) = pseudo(name) {
            return Ok(Expr::Lit(format!("Pseudo::{p}")));
        }
        if let Some(var) = self.params.get(name).cloned() {
            return Ok(self.val(format!("{var}.clone()")));
        }
        if let Some(r) = self.resources.get(name).cloned() {
            return Ok(if r.typed {
                self.val(format!("{}.reference()", r.var))
            } else {
                self.val(format!("Value::Ref({})", r.var))
            });
        }
        self.unknown("Ref", name, Json::String(name.into()), at)
    }

    /// A name the template does not define: a transform's (kept as
    /// written), else a refusal.
    fn unknown(&mut self, k: &str, name: &str, v: Json, at: &str) -> Result<Expr, Fail> {
        if self.defined.contains(name) {
            return Err(Fail::Refuse(format!(
                "{at}: {k} {name} refers to a resource that refers back to this one"
            )));
        }
        if self.transformed || name.starts_with("AWS::") {
            return self.generic(k, &v, at);
        }
        Err(Fail::Refuse(format!(
            "{at}: {k} {name} names no parameter or resource of the template"
        )))
    }

    fn get_att(&mut self, v: &Json, at: &str) -> Result<Expr, Fail> {
        let plain = match v {
            Json::String(_) => true,
            Json::Array(a) => matches!(a.as_slice(), [Json::String(_), _]),
            _ => false,
        };
        // A transform (an `Fn::ForEach` loop) may compute the name.
        if !plain && self.transformed {
            return self.generic("Fn::GetAtt", v, at);
        }
        let (name, attr) = match v {
            Json::String(s) => match s.split_once('.') {
                Some((n, a)) => (n.to_string(), a.to_string()),
                None => {
                    return Err(Fail::Refuse(format!(
                        "{at}: Fn::GetAtt {s:?} names no attribute (write Resource.Attribute)"
                    )))
                }
            },
            Json::Array(a) => match a.as_slice() {
                [Json::String(n), Json::String(x)] => (n.clone(), x.clone()),
                // An attribute chosen by an intrinsic: kept as written.
                [Json::String(_), _] => return self.generic("Fn::GetAtt", v, at),
                _ => {
                    return Err(Fail::Refuse(format!(
                        "{at}: Fn::GetAtt takes [resource, attribute]"
                    )))
                }
            },
            _ => {
                return Err(Fail::Refuse(format!(
                    "{at}: Fn::GetAtt takes [resource, attribute]"
                )))
            }
        };
        let Some(r) = self.resources.get(&name).cloned() else {
            return self.unknown("Fn::GetAtt", &name, v.clone(), at);
        };
        let code = match (r.typed, r.attrs.get(&attr)) {
            (true, Some(method)) => format!("{}.{method}()", r.var),
            (true, None) => format!("{}.attr({})", r.var, str_lit(&attr)),
            (false, _) => format!("Value::GetAtt({}, {}.into())", r.var, str_lit(&attr)),
        };
        Ok(self.val(code))
    }
}

/// Whether `Value::join` writes `Fn::Join` of `items` as it is: two
/// literal strings side by side, an empty one, or a lone part would be
/// written merged.
fn join_kept(delimiter: &str, items: &[Json]) -> bool {
    let lone =
        items.len() < 2 && (delimiter.is_empty() || items.first().is_none_or(Json::is_string));
    let merged = items
        .windows(2)
        .any(|w| w[0].is_string() && w[1].is_string())
        || items.iter().any(|x| x.as_str() == Some("")) && delimiter.is_empty();
    !lone && !merged
}

/// A number as the literal that writes it back exactly.
fn number(n: &serde_json::Number, at: &str) -> Result<Expr, Fail> {
    if let Some(i) = n.as_i64() {
        return Ok(match i32::try_from(i) {
            Ok(small) => Expr::Lit(small.to_string()),
            Err(_) => Expr::Val(format!("Value::Int({i})")),
        });
    }
    match (n.as_u64(), n.as_f64()) {
        (None, Some(f)) if f.is_finite() => Ok(Expr::Val(format!("Value::Float({f:?})"))),
        _ => Err(Fail::Refuse(format!(
            "{at}: {n} has no exact template form"
        ))),
    }
}

/// The `Pseudo` variant of a pseudo parameter meshsynth types.
fn pseudo(name: &str) -> Option<&'static str> {
    Some(match name {
        "AWS::Region" => "Region",
        "AWS::AccountId" => "AccountId",
        "AWS::Partition" => "Partition",
        "AWS::StackName" => "StackName",
        "AWS::StackId" => "StackId",
        "AWS::URLSuffix" => "UrlSuffix",
        "AWS::NoValue" => "NoValue",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Names {
        let mut n = Names::default();
        n.params.insert("Env".into(), "env".into());
        n.conditions.insert("Prod".into(), "prod".into());
        n.resources.insert(
            "Logs".into(),
            ResourceVar {
                var: "logs".into(),
                typed: true,
                attrs: [("Arn".to_string(), "attr_arn".to_string())].into(),
            },
        );
        n.resources.insert(
            "Thing".into(),
            ResourceVar {
                var: "thing".into(),
                typed: false,
                attrs: BTreeMap::new(),
            },
        );
        n
    }

    fn code(j: Json) -> String {
        names().value(&j, "$").unwrap().value()
    }

    #[test]
    fn references_are_the_variables_that_hold_them() {
        assert_eq!(code(json!({"Ref": "Env"})), "env.clone()");
        assert_eq!(code(json!({"Ref": "Logs"})), "logs.reference()");
        assert_eq!(code(json!({"Ref": "Thing"})), "Value::Ref(thing)");
        assert_eq!(code(json!({"Fn::GetAtt": "Logs.Arn"})), "logs.attr_arn()");
        assert_eq!(
            code(json!({"Fn::GetAtt": ["Logs", "Other"]})),
            "logs.attr(\"Other\")"
        );
        assert_eq!(code(json!({"Ref": "AWS::Region"})), "Pseudo::Region.into()");
        assert_eq!(
            code(json!({"Fn::If": ["Prod", 1, {"Ref": "AWS::NoValue"}]})),
            "Value::if_(prod, 1.into(), Pseudo::NoValue.into())"
        );
        let mut n = names();
        assert!(matches!(
            n.value(&json!({"Ref": "Nope"}), "$.X"),
            Err(Fail::Refuse(m)) if m.contains("Ref Nope names no parameter")
        ));
    }

    #[test]
    fn literals_write_back_exactly() {
        assert_eq!(code(json!(-3)), "(-3).into()");
        assert_eq!(code(json!(5_000_000_000i64)), "Value::Int(5000000000)");
        assert_eq!(code(json!(0.25)), "Value::Float(0.25)");
        assert_eq!(code(json!("a\"b")), "\"a\\\"b\".into()");
        assert_eq!(code(json!("x\ny")), "r#\"x\ny\"#.into()");
        assert_eq!(
            code(json!({"Version": "1", "S": [true]})),
            "Value::map([(\"Version\", \"1\".into()), (\"S\", Value::list([true.into()]))])"
        );
        assert_eq!(
            code(json!({"Fn::Length": [1]})),
            "Value::map([(\"Fn::Length\", Value::list([1.into()]))])"
        );
        assert_eq!(
            code(json!({"Fn::Select": ["0", [1]]})),
            "Value::map([(\"Fn::Select\", Value::list([\"0\".into(), Value::list([1.into()])]))])"
        );
    }
}
