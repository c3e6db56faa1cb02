//! Template JSON as the typed layer's structs and enums: a property object
//! becomes the struct literal of its generated type, a string of an enum
//! its variant, a list a `vec!`. What a field cannot hold (an `Fn::If`
//! choosing between two objects, a list parameter's `Ref` where the field is
//! a list) is reported as untyped, and the caller writes that property as a
//! value.

use serde_json::Value as Json;

use super::expr::{Fail, Names};
use crate::rust::{FieldShape, ItemShape, TypeShape};

/// The property types of one resource type, and where they live.
pub(crate) struct Types<'a> {
    pub shape: &'a TypeShape,
}

impl Types<'_> {
    /// The path of a generated item from the generated code's users
    /// (`s3::bucket::Tag`).
    fn path(&self, name: &str) -> String {
        format!("{}::{}::{name}", self.shape.module, self.shape.sub)
    }

    /// `j` as Rust of type `ty` (as a field declares it, without the
    /// `Option`); `arg` when it is passed to a `new` whose parameter takes
    /// `impl Into<Value>` for a `Value`.
    pub(crate) fn typed(
        &self,
        names: &mut Names,
        j: &Json,
        ty: &str,
        arg: bool,
        at: &str,
    ) -> Result<String, Fail> {
        if ty == "Value" {
            let e = names.value(j, at)?;
            return Ok(if arg { e.arg() } else { e.value() });
        }
        if let Some(inner) = ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>')) {
            let Json::Array(items) = j else {
                return Err(untyped(j, at, "a list"));
            };
            let mut parts = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                parts.push(self.typed(names, x, inner, false, &format!("{at}[{i}]"))?);
            }
            return Ok(format!("vec![{}]", parts.join(", ")));
        }
        if let Some(inner) = ty.strip_prefix("Box<").and_then(|t| t.strip_suffix('>')) {
            return Ok(format!(
                "Box::new({})",
                self.typed(names, j, inner, false, at)?
            ));
        }
        let name = ty.rsplit("::").next().unwrap_or(ty);
        match self.shape.items.get(name) {
            Some(ItemShape::Enum(variants)) => {
                let Json::String(s) = j else {
                    return Err(untyped(j, at, &format!("one of {name}'s values")));
                };
                match variants.iter().find(|(json, _)| json == s) {
                    Some((_, variant)) => Ok(format!("{}::{variant}", self.path(name))),
                    None => Err(Fail::Untyped(format!(
                        "{at}: {s:?} is none of {name}'s values"
                    ))),
                }
            }
            Some(ItemShape::Struct(fields)) => {
                let Some(obj) = j.as_object().filter(|o| !is_intrinsic(o)) else {
                    return Err(untyped(j, at, "an object"));
                };
                self.struct_literal(names, &self.path(name), fields, obj, at)
            }
            None => Err(Fail::Untyped(format!(
                "{at}: the typed layer has no item {ty}"
            ))),
        }
    }

    /// A struct literal: `Name { opt: Some(..), ..Name::new(required..) }`,
    /// or `..Default::default()` when nothing is required.
    pub(crate) fn struct_literal(
        &self,
        names: &mut Names,
        path: &str,
        fields: &[FieldShape],
        obj: &serde_json::Map<String, Json>,
        at: &str,
    ) -> Result<String, Fail> {
        if let Some(k) = obj.keys().find(|k| !fields.iter().any(|f| &f.json == *k)) {
            return Err(Fail::Untyped(format!("{at}.{k} is no property of {path}")));
        }
        let mut set = Vec::new();
        let mut args = Vec::new();
        for f in fields {
            let field_at = format!("{at}.{}", f.json);
            match (obj.get(&f.json), f.required) {
                (Some(v), true) => args.push(self.typed(names, v, &f.ty, true, &field_at)?),
                (Some(v), false) => {
                    let code = self.typed(names, v, &f.ty, false, &field_at)?;
                    set.push(format!("{}: Some({code})", f.field));
                }
                (None, true) => {
                    return Err(Fail::Untyped(format!("{field_at} is required and not set")))
                }
                (None, false) => {}
            }
        }
        Ok(literal(
            path,
            fields.iter().any(|f| f.required),
            &set,
            &args,
        ))
    }
}

/// The literal of a struct with `set` optional fields and `args` for its
/// `new`.
pub(crate) fn literal(path: &str, any_required: bool, set: &[String], args: &[String]) -> String {
    let base = if any_required {
        format!("{path}::new({})", args.join(", "))
    } else {
        "Default::default()".to_string()
    };
    match (set.is_empty(), any_required) {
        (true, true) => base,
        (true, false) => format!("{path}::default()"),
        (false, _) => format!("{path} {{ {}, ..{base} }}", set.join(", ")),
    }
}

/// Whether an object is an intrinsic function rather than properties.
pub(crate) fn is_intrinsic(o: &serde_json::Map<String, Json>) -> bool {
    o.len() == 1
        && o.keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::") || k == "Condition")
}

fn untyped(j: &Json, at: &str, wanted: &str) -> Fail {
    let what = match j {
        Json::Object(o) if is_intrinsic(o) => o.keys().next().cloned().unwrap_or_default(),
        Json::Object(_) => "an object".into(),
        Json::Array(_) => "a list".into(),
        Json::String(_) => "a string".into(),
        Json::Number(_) => "a number".into(),
        Json::Bool(_) => "a boolean".into(),
        Json::Null => "null".into(),
    };
    Fail::Untyped(format!("{at} is {what} where the type takes {wanted}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rust::type_shape;
    use serde_json::json;

    fn shape() -> TypeShape {
        let schema = json!({
            "properties": {
                "Name": {"type": "string"},
                "Mode": {"type": "string", "enum": ["FAST", "SLOW"]},
                "Rules": {"type": "array", "items": {"$ref": "#/definitions/Rule"}},
                "Ids": {"type": "array", "items": {"type": "string"}}
            },
            "definitions": {"Rule": {"type": "object", "properties": {
                "Id": {"type": "string"}, "Note": {"type": "string"}}, "required": ["Id"]}}
        });
        type_shape("AWS::Demo::Widget", &schema).unwrap()
    }

    #[test]
    fn objects_become_struct_literals_and_strings_variants() {
        let shape = shape();
        let t = Types { shape: &shape };
        let mut names = Names::default();
        let rules = json!([{"Id": "a"}, {"Id": "b", "Note": "n"}]);
        assert_eq!(
            t.typed(&mut names, &rules, "Vec<widget::Rule>", false, "$").unwrap(),
            "vec![demo::widget::Rule::new(\"a\"), demo::widget::Rule { note: Some(\"n\".into()), ..demo::widget::Rule::new(\"b\") }]"
        );
        assert_eq!(
            t.typed(&mut names, &json!("SLOW"), "widget::Mode", false, "$")
                .unwrap(),
            "demo::widget::Mode::Slow"
        );
        // What a field cannot hold is reported, never dropped.
        for (j, ty) in [
            (json!({"Ref": "AWS::NoValue"}), "widget::Mode"),
            (json!("MEDIUM"), "widget::Mode"),
            (json!({"Fn::Split": [",", "a,b"]}), "Vec<Value>"),
            (json!([{"Id": "a", "Extra": 1}]), "Vec<widget::Rule>"),
            (json!([{"Note": "n"}]), "Vec<widget::Rule>"),
        ] {
            assert!(
                matches!(
                    t.typed(&mut names, &j, ty, false, "$"),
                    Err(Fail::Untyped(_))
                ),
                "{j}"
            );
        }
    }
}
