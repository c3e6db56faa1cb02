//! The `Resources` section as typed code: each resource as its generated
//! L1 struct (a property the struct cannot hold set as a value beside it),
//! a type the typed layer lacks as `CfnRaw`, and the resource attributes as
//! the options and setters that write them back.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::expr::{str_lit, Fail, ResourceVar};
use super::typed::{literal, Types};
use super::{Stmt, Writer};
use crate::rust::feature;

/// Resource attributes a template may give beside `Type` and `Properties`.
const ATTRIBUTES: &[&str] = &[
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
    "UpdatePolicy",
    "CreationPolicy",
    "Version",
];

/// The names a value refers to with `Ref` and `Fn::GetAtt`, in order of
/// appearance.
pub(crate) fn referred(j: &Json, out: &mut Vec<String>) {
    match j {
        Json::Object(m) => {
            if m.len() == 1 {
                match m.iter().next() {
                    Some((k, Json::String(name))) if k == "Ref" => {
                        out.push(name.clone());
                        return;
                    }
                    Some((k, Json::String(s))) if k == "Fn::GetAtt" => {
                        out.push(s.split('.').next().unwrap_or_default().to_string());
                        return;
                    }
                    Some((k, Json::Array(a))) if k == "Fn::GetAtt" => {
                        if let Some(Json::String(name)) = a.first() {
                            out.push(name.clone());
                        }
                        a.iter().skip(1).for_each(|x| referred(x, out));
                        return;
                    }
                    _ => {}
                }
            }
            m.values().for_each(|x| referred(x, out));
        }
        Json::Array(a) => a.iter().for_each(|x| referred(x, out)),
        _ => {}
    }
}

/// The conditions a condition names with `Condition` (a parameter may
/// have a condition's name: `Ref` is not counted).
pub(crate) fn conditions_named(j: &Json, out: &mut Vec<String>) {
    match j {
        Json::Object(m) => {
            if let (1, Some((k, Json::String(name)))) = (m.len(), m.iter().next()) {
                if k == "Condition" {
                    out.push(name.clone());
                    return;
                }
            }
            m.values().for_each(|x| conditions_named(x, out));
        }
        Json::Array(a) => a.iter().for_each(|x| conditions_named(x, out)),
        _ => {}
    }
}

/// The names in a `DependsOn`.
fn depends_on(r: &Map<String, Json>) -> Vec<String> {
    match r.get("DependsOn") {
        Some(Json::String(s)) => vec![s.clone()],
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// Keys of `items` in an order where each comes after what it refers to
/// (`deps`), keeping the template's order otherwise. A cycle is refused.
pub(crate) fn ordered(
    items: &[String],
    deps: &BTreeMap<String, Vec<String>>,
    what: &str,
) -> Result<Vec<String>, String> {
    fn visit(
        k: &str,
        deps: &BTreeMap<String, Vec<String>>,
        state: &mut BTreeMap<String, bool>,
        out: &mut Vec<String>,
        what: &str,
    ) -> Result<(), String> {
        match state.get(k) {
            Some(true) => return Ok(()),
            Some(false) => {
                return Err(format!(
                "{what} {k} refers to itself through others (a cycle CloudFormation refuses too)"
            ))
            }
            None => {}
        }
        state.insert(k.to_string(), false);
        for d in deps.get(k).into_iter().flatten() {
            if deps.contains_key(d) && d != k {
                visit(d, deps, state, out, what)?;
            } else if d == k {
                return Err(format!("{what} {k} refers to itself"));
            }
        }
        state.insert(k.to_string(), true);
        out.push(k.to_string());
        Ok(())
    }
    let mut state = BTreeMap::new();
    let mut out = Vec::with_capacity(items.len());
    for k in items {
        visit(k, deps, &mut state, &mut out, what)?;
    }
    Ok(out)
}

impl Writer<'_> {
    /// Every resource, dependencies first.
    pub(crate) fn resources(&mut self, resources: &Map<String, Json>) -> Result<(), String> {
        let mut deps = BTreeMap::new();
        // `Fn::ForEach` loops are kept as written, with the sections.
        for (id, r) in resources.iter().filter(|(id, _)| !is_loop(id)) {
            let Json::Object(r) = r else {
                return Err(format!("Resources.{id} is not a mapping"));
            };
            let mut refs = Vec::new();
            for (k, v) in r {
                if k != "Type" {
                    referred(v, &mut refs);
                }
            }
            refs.extend(depends_on(r));
            refs.retain(|n| resources.contains_key(n));
            deps.insert(id.clone(), refs);
        }
        let keys: Vec<String> = resources.keys().filter(|k| !is_loop(k)).cloned().collect();
        for id in ordered(&keys, &deps, "resource")? {
            let Some(Json::Object(r)) = resources.get(&id) else {
                continue;
            };
            self.resource(&id, r)?;
        }
        Ok(())
    }

    fn resource(&mut self, id: &str, r: &Map<String, Json>) -> Result<(), String> {
        let at = format!("Resources.{id}");
        if let Some(k) = r
            .keys()
            .find(|k| *k != "Type" && *k != "Properties" && !ATTRIBUTES.contains(&k.as_str()))
        {
            return Err(format!("{at}: unknown resource attribute {k:?}"));
        }
        let Some(Json::String(type_name)) = r.get("Type") else {
            return Err(format!("{at} has no Type"));
        };
        let empty = Map::new();
        let props = match r.get("Properties") {
            None | Some(Json::Null) => &empty,
            Some(Json::Object(p)) => p,
            Some(_) => return Err(format!("{at}.Properties is not a mapping")),
        };
        let var = self.vars.take(id);
        let info = (self.types)(type_name);
        let typed = match info.as_ref().and_then(|i| i.shape.as_ref().map(|s| (i, s))) {
            Some((info, shape)) => match self.typed_resource(id, shape, props)? {
                Ok(code) => Some((code, info)),
                Err(why) => {
                    self.notes
                        .push(format!("{at} ({type_name}) is a CfnRaw: {why}"));
                    None
                }
            },
            None => {
                self.notes.push(format!(
                    "{at} ({type_name}) is a CfnRaw: the typed layer has no {type_name}"
                ));
                None
            }
        };
        let (code, attrs, is_typed, fallbacks) = match typed {
            Some(((code, fallbacks), info)) => {
                let attrs = crate::rust::attr_methods(&info.attributes)
                    .into_iter()
                    .collect();
                (code, attrs, true, fallbacks)
            }
            None => (
                self.raw_resource(id, type_name, props)?,
                BTreeMap::new(),
                false,
                Vec::new(),
            ),
        };
        self.body.push(Stmt {
            bind: Some(var.clone()),
            code,
        });
        self.names.resources.insert(
            id.to_string(),
            ResourceVar {
                var: var.clone(),
                typed: is_typed,
                attrs,
            },
        );
        let node = if is_typed {
            format!("{var}.node()")
        } else {
            var.clone()
        };
        for (name, value) in fallbacks {
            self.body.push(Stmt::plain(format!(
                "s.set_property({node}, {}, {value})?;",
                str_lit(&name)
            )));
        }
        self.attributes(&at, &node, r)
    }

    /// The typed literal and the properties set as values beside it, or
    /// why the resource stays raw (a required property the struct cannot
    /// hold). A refusal of the template is the outer error.
    #[allow(clippy::type_complexity)]
    fn typed_resource(
        &mut self,
        id: &str,
        shape: &crate::rust::TypeShape,
        props: &Map<String, Json>,
    ) -> Result<Result<(String, Vec<(String, String)>), String>, String> {
        let at = format!("Resources.{id}.Properties");
        let types = Types { shape };
        let mut set = Vec::new();
        let mut args = Vec::new();
        let mut fallbacks = Vec::new();
        for f in &shape.fields {
            let field_at = format!("{at}.{}", f.json);
            let Some(v) = props.get(&f.json) else {
                if f.required {
                    return Ok(Err(format!("{field_at} is required and not set")));
                }
                continue;
            };
            match types.typed(&mut self.names, v, &f.ty, f.required, &field_at) {
                Ok(code) if f.required => args.push(code),
                Ok(code) => set.push(format!("{}: Some({code})", f.field)),
                Err(Fail::Refuse(e)) => return Err(e),
                Err(Fail::Untyped(why)) if f.required => return Ok(Err(why)),
                Err(Fail::Untyped(why)) => {
                    let value = self.names.value(v, &field_at).map_err(refusal)?.value();
                    self.notes
                        .push(format!("{field_at} is set as a value: {why}"));
                    fallbacks.push((f.json.clone(), value));
                }
            }
        }
        for (k, v) in props {
            if !shape.fields.iter().any(|f| &f.json == k) {
                let field_at = format!("{at}.{k}");
                let value = self.names.value(v, &field_at).map_err(refusal)?.value();
                self.notes.push(format!(
                    "{field_at} is set as a value: {} has no settable property {k}",
                    shape.struct_name
                ));
                fallbacks.push((k.clone(), value));
            }
        }
        // A built-in service compiles without its (empty) feature; naming it
        // would only make cargo build a second copy of the library.
        if !crate::BUILTIN_SERVICES.contains(&shape.module.trim_start_matches("r#")) {
            self.features.insert(feature(&shape.module));
        }
        self.modules.insert(shape.module.clone());
        let path = format!("{}::{}", shape.module, shape.struct_name);
        let lit = literal(&path, shape.fields.iter().any(|f| f.required), &set, &args);
        Ok(Ok((
            format!("s.add_resource({}, {lit})?;", str_lit(id)),
            fallbacks,
        )))
    }

    fn raw_resource(
        &mut self,
        id: &str,
        type_name: &str,
        props: &Map<String, Json>,
    ) -> Result<String, String> {
        let mut parts = Vec::new();
        for (k, v) in props {
            let value = self
                .names
                .value(v, &format!("Resources.{id}.Properties.{k}"))
                .map_err(refusal)?
                .value();
            parts.push(format!("({}, {value})", str_lit(k)));
        }
        Ok(format!(
            "s.add_raw_resource({}, CfnRaw::new({}, vec![{}]))?;",
            str_lit(id),
            str_lit(type_name),
            parts.join(", ")
        ))
    }

    /// DependsOn, Condition, the policies and the attributes set as values.
    fn attributes(&mut self, at: &str, node: &str, r: &Map<String, Json>) -> Result<(), String> {
        let mut lines = Vec::new();
        let deps = depends_on(r);
        if !deps.is_empty() {
            let mut nodes = Vec::new();
            for d in &deps {
                let Some(target) = self.names.resources.get(d).cloned() else {
                    return Err(format!(
                        "{at}.DependsOn: {d} names no resource of the template"
                    ));
                };
                nodes.push(if target.typed {
                    format!("{}.node()", target.var)
                } else {
                    target.var
                });
            }
            lines.push(format!(
                "s.options({node})?.depends_on = vec![{}];",
                nodes.join(", ")
            ));
        }
        for (key, field) in [
            ("DeletionPolicy", "deletion_policy"),
            ("UpdateReplacePolicy", "update_replace_policy"),
        ] {
            let Some(v) = r.get(key) else { continue };
            let policy = match v.as_str() {
                Some(p @ ("Delete" | "Retain" | "RetainExceptOnCreate" | "Snapshot")) => p,
                _ => {
                    return Err(format!(
                        "{at}.{key}: {} is none of Delete, Retain, RetainExceptOnCreate, Snapshot",
                        super::describe(v)
                    ))
                }
            };
            lines.push(format!(
                "s.options({node})?.{field} = Some(DeletionPolicy::{policy});"
            ));
        }
        if let Some(c) = r.get("Condition") {
            let cond = self.condition_var(c, &format!("{at}.Condition"))?;
            lines.push(format!("s.set_condition({node}, {cond})?;"));
        }
        let id = at.trim_start_matches("Resources.");
        let mut suppressed: Vec<String> = Vec::new();
        for key in ["Metadata", "UpdatePolicy", "CreationPolicy", "Version"] {
            let Some(v) = r.get(key) else { continue };
            // meshsynth's own suppressions (a template meshsynth wrote)
            // become suppressions in the code, reasons kept; synth writes
            // them back, with the checkov and cfn-lint forms.
            let kept;
            let v = match (key, v) {
                ("Metadata", Json::Object(m)) if m.contains_key(SUPPRESSIONS) => {
                    for (rule, reason) in own_suppressions(&m[SUPPRESSIONS]) {
                        lines.push(format!(
                            "s.suppress_node({node}, {}, {})?;",
                            str_lit(&rule),
                            str_lit(&reason)
                        ));
                        suppressed.push(rule);
                    }
                    let mut rest = m.clone();
                    rest.remove(SUPPRESSIONS);
                    if rest.is_empty() {
                        continue;
                    }
                    kept = Json::Object(rest);
                    &kept
                }
                _ => v,
            };
            let value = self
                .names
                .value(v, &format!("{at}.{key}"))
                .map_err(refusal)?
                .value();
            lines.push(format!(
                "s.set_resource_attribute({node}, {}, {value})?;",
                str_lit(key)
            ));
        }
        for code in self
            .suppress
            .get(id)
            .into_iter()
            .flatten()
            .filter(|c| !suppressed.contains(c))
        {
            lines.push(format!(
                "s.suppress_node({node}, {}, \"imported as deployed by meshsynth import: fix it, or say here why it stays\")?;",
                str_lit(code)
            ));
        }
        self.body.extend(lines.into_iter().map(Stmt::plain));
        Ok(())
    }

    /// The variable of a condition named by a `Condition` attribute.
    pub(crate) fn condition_var(&mut self, c: &Json, at: &str) -> Result<String, String> {
        let name = c
            .as_str()
            .ok_or_else(|| format!("{at} is not a condition name"))?;
        let var = self
            .names
            .conditions
            .get(name)
            .cloned()
            .ok_or_else(|| format!("{at}: {name} is not in the template's Conditions"))?;
        Ok(var)
    }
}

/// The Metadata key meshsynth's synth writes suppressions under.
const SUPPRESSIONS: &str = "meshsynth:suppressions";

/// (rule, reason) of each well-formed entry of `meshsynth:suppressions`.
fn own_suppressions(v: &Json) -> Vec<(String, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let rule = e.get("rule")?.as_str()?.trim();
            let reason = e.get("reason")?.as_str()?.trim();
            (!rule.is_empty() && !reason.is_empty()).then(|| (rule.to_string(), reason.to_string()))
        })
        .collect()
}

/// Whether a `Resources` or `Outputs` key is an `Fn::ForEach` loop (the
/// `AWS::LanguageExtensions` transform expands it at deploy).
pub(crate) fn is_loop(key: &str) -> bool {
    key.starts_with("Fn::ForEach::")
}

/// A value that cannot be written even untyped refuses the template.
pub(crate) fn refusal(f: Fail) -> String {
    match f {
        Fail::Refuse(e) | Fail::Untyped(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dependencies_come_first_and_cycles_are_refused() {
        let mut deps = BTreeMap::new();
        deps.insert("A".to_string(), vec!["B".to_string()]);
        deps.insert("B".to_string(), vec!["C".to_string()]);
        deps.insert("C".to_string(), vec![]);
        let items = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        assert_eq!(ordered(&items, &deps, "resource").unwrap(), ["C", "B", "A"]);
        deps.insert("C".to_string(), vec!["A".to_string()]);
        assert!(ordered(&items, &deps, "resource")
            .unwrap_err()
            .contains("cycle"));
        let mut refs = Vec::new();
        referred(
            &json!({"X": [{"Ref": "P"}, {"Fn::GetAtt": "R.Arn"}, {"Fn::Sub": "${Q}"}]}),
            &mut refs,
        );
        assert_eq!(refs, ["P", "R"]);
    }
}
