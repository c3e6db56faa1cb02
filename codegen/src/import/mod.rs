//! `meshsynth import cfn`'s code writer: a CloudFormation template as the
//! Rust a person would keep — one function that builds the stack with the
//! typed L1 structs, the template's parameters, conditions and outputs as
//! typed elements, references as the variables that hold them, and every
//! logical id as the template has it, so synthesizing the code gives the
//! template back and deploying it over the running stack changes nothing.
//!
//! It sits beside the typed layer's generator because it must name every
//! struct, field, enum variant and accessor exactly as that generator does
//! ([`crate::rust::type_shape`], [`crate::rust::attr_methods`]). It reads
//! no files and runs nothing: the toolkit parses the template, gives each
//! resource type's shape from the registry, writes the crate, and proves
//! the round trip by compiling and synthesizing it.

mod expr;
pub mod k8s;
mod layout;
mod resources;
mod sections;
mod typed;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::rust::{doc, TypeShape};
use expr::{str_lit, Names};

/// What the writer knows of one resource type of the registry.
#[derive(Debug, Clone)]
pub struct TypeInfo {
    /// The typed layer's items for it; `None` for a type the registry has
    /// but the typed layer does not generate (a non-`AWS::` vendor).
    pub shape: Option<TypeShape>,
    /// Its `Fn::GetAtt` attributes, in registry order.
    pub attributes: Vec<String>,
}

/// Where the written stack goes.
#[derive(Debug, Clone)]
pub struct StackTarget<'a> {
    /// The CloudFormation stack name (the construct id of the stack).
    pub stack_name: &'a str,
    /// The Rust function that builds it.
    pub fn_name: &'a str,
    /// The template's path as the user gave it, for the doc comment.
    pub origin: &'a str,
    /// Rule findings to suppress, by logical id: what synth finds on the
    /// template as it runs (the toolkit includes it first to know), kept
    /// visible in the code until someone fixes or justifies each.
    pub suppress: &'a BTreeMap<String, Vec<String>>,
}

/// One stack's code.
#[derive(Debug, Clone)]
pub struct StackCode {
    /// The module's source (rustfmt formats it).
    pub code: String,
    /// The `meshsynth` features its typed structs need (`aws-s3`…).
    pub features: BTreeSet<String>,
    /// What is not typed, and why: one line each, naming the template path.
    pub notes: Vec<String>,
}

/// The `meshsynth::core` items written code may name.
const CORE_ITEMS: &[&str] = &[
    "CfnCondition",
    "CfnOutput",
    "CfnOutputProps",
    "CfnParameter",
    "CfnParameterProps",
    "CfnRaw",
    "CondExpr",
    "DeletionPolicy",
    "Pseudo",
    "TemplateSections",
    "Value",
];

/// Template sections the writer reads.
const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Globals",
];

/// A statement of the stack function: `code`, bound to `bind` when a
/// later statement reads that variable.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    pub bind: Option<String>,
    pub code: String,
}

impl Stmt {
    pub(crate) fn plain(code: String) -> Stmt {
        Stmt { bind: None, code }
    }
}

/// Unique snake-case variable names.
#[derive(Debug, Default)]
pub(crate) struct Vars {
    taken: BTreeSet<String>,
}

impl Vars {
    fn new() -> Vars {
        let taken = ["s", "app", "stack", "o"].map(String::from).into();
        Vars { taken }
    }

    /// A variable for template name `name` (`VPCGatewayAttachment` →
    /// `vpc_gateway_attachment`), with a suffix when taken.
    pub(crate) fn take(&mut self, name: &str) -> String {
        let mut base = crate::rust::names::snake(name);
        if let Some(k) = base.strip_prefix("r#") {
            base = format!("{k}_");
        }
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base = format!("v_{base}");
        }
        let mut v = base.clone();
        let mut i = 2;
        while !self.taken.insert(v.clone()) {
            v = format!("{base}_{i}");
            i += 1;
        }
        v
    }
}

/// The state of writing one stack.
pub(crate) struct Writer<'a> {
    pub types: &'a dyn Fn(&str) -> Option<TypeInfo>,
    pub names: Names,
    pub vars: Vars,
    pub body: Vec<Stmt>,
    pub notes: Vec<String>,
    pub features: BTreeSet<String>,
    /// Service modules the code names (`s3`, `ec2`).
    pub modules: BTreeSet<String>,
    /// Rule findings to suppress, by logical id.
    pub suppress: &'a BTreeMap<String, Vec<String>>,
    /// Construct ids taken in the stack: parameters and resources share
    /// one namespace in a template; conditions and outputs have their own,
    /// and one named like a resource gets another construct id and its
    /// logical id pinned.
    pub ids: BTreeSet<String>,
}

impl Writer<'_> {
    /// The construct id of a condition or output named `logical`, and the
    /// line that pins its logical id when the two differ.
    pub(crate) fn construct_id(
        &mut self,
        logical: &str,
        kind: &str,
        var: &str,
    ) -> (String, Option<String>) {
        if self.ids.insert(logical.to_string()) {
            return (logical.to_string(), None);
        }
        let mut id = format!("{logical}{kind}");
        let mut i = 2;
        while !self.ids.insert(id.clone()) {
            id = format!("{logical}{kind}{i}");
            i += 1;
        }
        let pin = format!("s.override_logical_id({var}, {})?;", str_lit(logical));
        (id, Some(pin))
    }
}

/// `j` in a few words, for a refusal that must not echo the template.
pub(crate) fn describe(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(o) if typed::is_intrinsic(o) => "an intrinsic function",
        Json::Object(_) => "a mapping",
    }
}

/// The code of the stack `template` describes. An error refuses the
/// template, naming where (`Resources.Queue.Properties.X: …`) and why.
pub fn cfn_stack(
    template: &Json,
    target: &StackTarget<'_>,
    types: &dyn Fn(&str) -> Option<TypeInfo>,
) -> Result<StackCode, String> {
    let Json::Object(t) = template else {
        return Err("the top level is not a mapping of sections".into());
    };
    if let Some(k) = t.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
        return Err(format!(
            "unknown section {k:?} (a template has {})",
            SECTIONS.join(", ")
        ));
    }
    if let Some(v) = t.get("AWSTemplateFormatVersion") {
        if v.as_str() != Some("2010-09-09") {
            return Err("AWSTemplateFormatVersion is not 2010-09-09, the only version".into());
        }
    }
    let resources = match t.get("Resources") {
        Some(Json::Object(r)) if !r.is_empty() => r,
        _ => return Err("Resources is missing or empty".into()),
    };
    let mut w = Writer {
        types,
        names: Names {
            transformed: t.contains_key("Transform"),
            ..Names::default()
        },
        vars: Vars::new(),
        body: Vec::new(),
        notes: Vec::new(),
        features: BTreeSet::new(),
        modules: BTreeSet::new(),
        suppress: target.suppress,
        ids: BTreeSet::new(),
    };
    for section in ["Parameters", "Conditions", "Resources"] {
        if let Some(Json::Object(m)) = t.get(section) {
            w.names.defined.extend(m.keys().cloned());
            if section != "Conditions" {
                w.ids.extend(m.keys().cloned());
            }
        }
    }
    w.parameters(t.get("Parameters"))?;
    w.conditions(t.get("Conditions"))?;
    w.resources(resources)?;
    w.outputs(t.get("Outputs"))?;
    w.sections(t)?;
    let description = match t.get("Description") {
        None => None,
        Some(Json::String(d)) => Some(d.as_str()),
        Some(_) => return Err("Description is not a string".into()),
    };
    Ok(StackCode {
        code: w.render(target, description),
        features: w.features,
        notes: w.notes,
    })
}

impl Writer<'_> {
    fn render(&self, target: &StackTarget<'_>, description: Option<&str>) -> String {
        // What each statement reads, outside its string literals: a value is
        // bound to a variable only when a later statement reads it, and
        // only the items the code names are imported.
        let reads: Vec<BTreeSet<&str>> = self
            .body
            .iter()
            .map(|st| layout::identifiers(&st.code))
            .collect();
        let mut core: BTreeSet<&str> = reads
            .iter()
            .flatten()
            .copied()
            .filter(|i| CORE_ITEMS.contains(i))
            .collect();
        core.extend([
            "App",
            "Error",
            "LogicalIds",
            "Stack",
            "StackProps",
            "StackRef",
        ]);
        let mut out = format!(
            "//! The stack `{}`, imported from `{}` by `meshsynth import cfn`.\n\n",
            target.stack_name,
            target.origin.replace('`', "'")
        );
        if !self.modules.is_empty() {
            let modules: Vec<&str> = self.modules.iter().map(String::as_str).collect();
            out.push_str(&format!(
                "use meshsynth::aws::cfn::{{{}}};\n",
                modules.join(", ")
            ));
        }
        let core: Vec<&str> = core.into_iter().collect();
        out.push_str(&format!(
            "use meshsynth::core::{{{}}};\n\n",
            core.join(", ")
        ));
        if let Some(d) = description {
            out.push_str(&format!("/// {}\n///\n", doc(Some(d), "")));
        }
        out.push_str(&format!(
            "/// Logical ids are the template's, so deploying this over the stack\n/// `{}` changes nothing.\npub fn {}(app: &mut App) -> Result<StackRef, Error> {{\n",
            target.stack_name, target.fn_name
        ));
        let description = description
            .map(|d| format!("description: Some({}.into()), ", str_lit(d)))
            .unwrap_or_default();
        let new_stack = format!(
            "let stack = Stack::new(&mut app.root(), {}, StackProps {{ {description}logical_ids: LogicalIds::ConstructIds, ..Default::default() }})?;",
            str_lit(target.stack_name)
        );
        out.push_str(&format!("    {}\n", layout::layout(&new_stack, 4)));
        out.push_str("    let mut s = app.scope(stack.node())?;\n");
        for (i, st) in self.body.iter().enumerate() {
            let read_later = |v: &str| reads[i + 1..].iter().any(|r| r.contains(v));
            let line = match &st.bind {
                Some(v) if read_later(v) => format!("let {v} = {}", st.code),
                _ => st.code.clone(),
            };
            out.push_str("    ");
            out.push_str(&layout::layout(&line, 4));
            out.push('\n');
        }
        out.push_str("    Ok(stack)\n}\n");
        out
    }
}

/// Names by which the toolkit files a template: the stack name and the
/// function name from its path relative to the input (`EC2/web.yaml` →
/// `ec2-web`, `ec2_web`), made unique against `taken`.
pub fn names_for(rel: &str, taken: &mut BTreeSet<String>) -> (String, String) {
    let stem = rel
        .rsplit_once('.')
        .map_or(rel, |(s, ext)| if ext.contains('/') { rel } else { s });
    let mut words: Vec<String> = Vec::new();
    for w in stem.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !w.is_empty() {
            words.push(w.to_ascii_lowercase());
        }
    }
    let mut base = words.join("-");
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base = format!("stack-{base}");
    }
    base.truncate(100);
    let base = base.trim_end_matches('-').to_string();
    let mut name = base.clone();
    let mut i = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{i}");
        i += 1;
    }
    let fn_name = name.replace('-', "_");
    let fn_name = if crate::rust::names::is_keyword(&fn_name) {
        format!("{fn_name}_stack")
    } else {
        fn_name
    };
    (name, fn_name)
}

#[cfg(test)]
mod tests;
