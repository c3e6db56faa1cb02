//! The sections around the resources: parameters as `CfnParameter` with
//! typed props, conditions as `CondExpr`, outputs as `CfnOutput`, and
//! `Transform`, `Metadata`, `Mappings` and `Rules` as `TemplateSections`.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::expr::str_lit;
use super::resources::{conditions_named, is_loop, ordered, refusal};
use super::{describe, Stmt, Writer};

/// A parameter property that CloudFormation reads as a string, as the
/// string (`Default: 5` is `"5"`).
fn param_string(v: &Json, at: &str) -> Result<String, String> {
    match v {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "{at} is {}, where a parameter takes a string",
            describe(other)
        )),
    }
}

fn param_u32(v: &Json, at: &str) -> Result<u32, String> {
    param_string(v, at)?
        .parse()
        .map_err(|_| format!("{at} is not a whole number"))
}

impl Writer<'_> {
    pub(crate) fn parameters(&mut self, params: Option<&Json>) -> Result<(), String> {
        let params = match params {
            None => return Ok(()),
            Some(Json::Object(p)) => p,
            Some(_) => return Err("Parameters is not a mapping".into()),
        };
        for (id, p) in params {
            let at = format!("Parameters.{id}");
            let Json::Object(p) = p else {
                return Err(format!("{at} is not a mapping"));
            };
            let mut set = Vec::new();
            for (k, v) in p {
                let at = format!("{at}.{k}");
                let field = match k.as_str() {
                    "Type" => match param_string(v, &at)?.as_str() {
                        "String" => continue,
                        t => format!("param_type: {}.into()", str_lit(t)),
                    },
                    "Default" => {
                        format!("default: Some({}.into())", str_lit(&param_string(v, &at)?))
                    }
                    "Description" => format!(
                        "description: Some({}.into())",
                        str_lit(&param_string(v, &at)?)
                    ),
                    "AllowedPattern" => format!(
                        "allowed_pattern: Some({}.into())",
                        str_lit(&param_string(v, &at)?)
                    ),
                    "ConstraintDescription" => format!(
                        "constraint_description: Some({}.into())",
                        str_lit(&param_string(v, &at)?)
                    ),
                    "AllowedValues" => {
                        let Json::Array(items) = v else {
                            return Err(format!("{at} is not a list"));
                        };
                        let mut vals = Vec::new();
                        for x in items {
                            vals.push(format!("{}.into()", str_lit(&param_string(x, &at)?)));
                        }
                        format!("allowed_values: vec![{}]", vals.join(", "))
                    }
                    "NoEcho" => match param_string(v, &at)?.to_ascii_lowercase().as_str() {
                        "true" => "no_echo: true".to_string(),
                        "false" => continue,
                        _ => return Err(format!("{at} is neither true nor false")),
                    },
                    "MinLength" => format!("min_length: Some({})", param_u32(v, &at)?),
                    "MaxLength" => format!("max_length: Some({})", param_u32(v, &at)?),
                    "MinValue" | "MaxValue" => {
                        let e = self.names.value(v, &at).map_err(refusal)?.value();
                        let field = if k == "MinValue" {
                            "min_value"
                        } else {
                            "max_value"
                        };
                        format!("{field}: Some({e})")
                    }
                    _ => return Err(format!("{at}: {k:?} is not a parameter property")),
                };
                set.push(field);
            }
            let var = self.vars.take(id);
            let props = if set.is_empty() {
                "CfnParameterProps::default()".to_string()
            } else {
                format!(
                    "CfnParameterProps {{ {}, ..Default::default() }}",
                    set.join(", ")
                )
            };
            self.body.push(Stmt {
                bind: Some(var.clone()),
                code: format!("CfnParameter::new(&mut s, {}, {props})?;", str_lit(id)),
            });
            self.names.params.insert(id.clone(), var);
        }
        Ok(())
    }

    pub(crate) fn conditions(&mut self, conditions: Option<&Json>) -> Result<(), String> {
        let conditions = match conditions {
            None => return Ok(()),
            Some(Json::Object(c)) => c,
            Some(_) => return Err("Conditions is not a mapping".into()),
        };
        let mut deps = BTreeMap::new();
        for (id, c) in conditions {
            let mut refs = Vec::new();
            conditions_named(c, &mut refs);
            refs.retain(|r| conditions.contains_key(r));
            deps.insert(id.clone(), refs);
        }
        let keys: Vec<String> = conditions.keys().cloned().collect();
        for id in ordered(&keys, &deps, "condition")? {
            let expr = self.cond_expr(&conditions[&id], &format!("Conditions.{id}"))?;
            let var = self.vars.take(&id);
            let (construct, pin) = self.construct_id(&id, "Condition", &var);
            self.body.push(Stmt {
                bind: Some(var.clone()),
                code: format!(
                    "CfnCondition::new(&mut s, {}, {expr})?;",
                    str_lit(&construct)
                ),
            });
            self.body.extend(pin.map(Stmt::plain));
            self.names.conditions.insert(id, var);
        }
        Ok(())
    }

    fn cond_expr(&mut self, c: &Json, at: &str) -> Result<String, String> {
        let Some((k, v)) = c
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            return Err(format!("{at} is not a condition function"));
        };
        let args = v.as_array().map(Vec::as_slice).unwrap_or_default();
        let at_k = format!("{at}.{k}");
        Ok(match (k.as_str(), args) {
            ("Fn::Equals", [a, b]) => {
                let a = self.names.value(a, &at_k).map_err(refusal)?.value();
                let b = self.names.value(b, &at_k).map_err(refusal)?.value();
                format!("CondExpr::Equals({a}, {b})")
            }
            ("Fn::And" | "Fn::Or", items) if !items.is_empty() => {
                let mut parts = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    parts.push(self.cond_expr(x, &format!("{at_k}[{i}]"))?);
                }
                let variant = if k == "Fn::And" { "And" } else { "Or" };
                format!("CondExpr::{variant}(vec![{}])", parts.join(", "))
            }
            ("Fn::Not", [x]) => format!("CondExpr::Not(Box::new({}))", self.cond_expr(x, &at_k)?),
            ("Condition", _) => format!("CondExpr::Condition({})", self.condition_var(v, &at_k)?),
            _ => {
                return Err(format!(
                    "{at}: {k} is not a condition function meshsynth types (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)"
                ))
            }
        })
    }

    pub(crate) fn outputs(&mut self, outputs: Option<&Json>) -> Result<(), String> {
        let outputs = match outputs {
            None => return Ok(()),
            Some(Json::Object(o)) => o,
            Some(_) => return Err("Outputs is not a mapping".into()),
        };
        for (id, o) in outputs.iter().filter(|(id, _)| !is_loop(id)) {
            let at = format!("Outputs.{id}");
            let Json::Object(o) = o else {
                return Err(format!("{at} is not a mapping"));
            };
            if let Some(k) = o
                .keys()
                .find(|k| !matches!(k.as_str(), "Value" | "Description" | "Export" | "Condition"))
            {
                return Err(format!("{at}: {k:?} is not an output property"));
            }
            let Some(value) = o.get("Value") else {
                return Err(format!("{at} has no Value"));
            };
            let value = self
                .names
                .value(value, &format!("{at}.Value"))
                .map_err(refusal)?
                .value();
            let description = match o.get("Description") {
                None => "None".to_string(),
                Some(Json::String(d)) => format!("Some({}.into())", str_lit(d)),
                Some(other) => {
                    return Err(format!(
                        "{at}.Description is {}, not a string",
                        describe(other)
                    ))
                }
            };
            let (export_name, export_value) = self.export(o, &at)?;
            let var = self.vars.take(&format!("{id}Output"));
            let (construct, pin) = self.construct_id(id, "Output", &var);
            self.body.push(Stmt {
                bind: Some(var.clone()),
                code: format!(
                    "CfnOutput::new(&mut s, {}, CfnOutputProps {{ value: {value}, description: {description}, export_name: {export_name} }})?;",
                    str_lit(&construct)
                ),
            });
            self.body.extend(pin.map(Stmt::plain));
            if let Some(x) = export_value {
                self.body.push(Stmt::plain(format!(
                    "CfnOutput::set_export(&mut s, {var}, {x})?;"
                )));
            }
            if let Some(c) = o.get("Condition") {
                let cond = self.condition_var(c, &format!("{at}.Condition"))?;
                self.body
                    .push(Stmt::plain(format!("s.set_condition({var}, {cond})?;")));
            }
        }
        Ok(())
    }

    /// The export: a literal name for `export_name`, or a value for
    /// `CfnOutput::set_export`.
    fn export(
        &mut self,
        o: &Map<String, Json>,
        at: &str,
    ) -> Result<(String, Option<String>), String> {
        let Some(export) = o.get("Export") else {
            return Ok(("None".into(), None));
        };
        let name = export
            .as_object()
            .filter(|e| e.len() == 1)
            .and_then(|e| e.get("Name"))
            .ok_or_else(|| format!("{at}.Export is not {{Name: …}}"))?;
        Ok(match name {
            Json::String(n) => (format!("Some({}.into())", str_lit(n)), None),
            other => {
                let v = self
                    .names
                    .value(other, &format!("{at}.Export.Name"))
                    .map_err(refusal)?
                    .value();
                ("None".into(), Some(v))
            }
        })
    }

    /// `Transform`, `Metadata`, `Mappings` and `Rules`, added last (a
    /// rule may name any parameter, metadata any resource).
    pub(crate) fn sections(&mut self, t: &Map<String, Json>) -> Result<(), String> {
        let mut calls = Vec::new();
        if let Some(x) = t.get("Transform") {
            let v = self.names.value(x, "Transform").map_err(refusal)?.value();
            calls.push(format!(".transform({v})"));
        }
        let sections = [
            ("Metadata", "metadata", false),
            ("Mappings", "mapping", false),
            ("Rules", "rule", false),
            ("Globals", "globals", false),
            ("Resources", "resource_loop", true),
            ("Outputs", "output_loop", true),
        ];
        for (section, method, loops) in sections {
            let Some(x) = t.get(section) else { continue };
            let Json::Object(m) = x else {
                return Err(format!("{section} is not a mapping"));
            };
            for (k, v) in m.iter().filter(|(k, _)| is_loop(k) == loops) {
                let v = self
                    .names
                    .value(v, &format!("{section}.{k}"))
                    .map_err(refusal)?
                    .value();
                calls.push(format!(".{method}({}, {v})", str_lit(k)));
            }
        }
        if !calls.is_empty() {
            self.body.push(Stmt::plain(format!(
                "TemplateSections::default(){}.add_to(&mut s)?;",
                calls.concat()
            )));
        }
        Ok(())
    }
}
