//! Include an existing CloudFormation template in a stack (incremental
//! adoption, as CDK's `cloudformation-include`).
//!
//! Every resource of the template becomes a resource of the tree under
//! the include's node, with its logical id pinned, so deploying the stack
//! over the one the template made is a no-op update. Its properties are
//! checked at synth like a typed resource's (registry schema, `MS-CFN-*`
//! and security rules), aspects such as `Tags` reach it, and `diff` shows
//! it. Typed code takes a resource by logical id as a typed handle of its
//! L1 struct ([`CfnInclude::resource`]): its `Ref` and typed `Fn::GetAtt`
//! accessors for its own constructs, and [`Scope::set_properties`] to
//! change it with that struct (or [`Scope::raw_resource_mut`] untyped). A parameter can be replaced by a value or
//! a reference of the app ([`CfnIncludeProps::parameters`]).
//!
//! The other sections (Parameters, Mappings, Conditions, Rules, Metadata,
//! Outputs, Transform) are kept as written. A `Transform` is not expanded:
//! resources it would make are not checked. A nested stack
//! (`AWS::CloudFormation::Stack`) is kept as a resource whose template is
//! not included.
//!
//! Guide: docs/adopt.md.

pub mod compare;
mod convert;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::core::error::Error;
use crate::core::resource::{CfnRaw, CfnResource, DeletionPolicy, ResourceRef, TagStyle};
use crate::core::stack::IncludedSections;
use crate::core::tree::{NodeId, NodeKind, Scope};
use crate::core::value::Value;
use crate::untrusted::yaml::{to_json, YamlReader};

use convert::{to_value, verbatim, Names};

/// Templates larger than this are refused (CloudFormation's own limit for
/// a template in S3 is 1 MB).
pub const MAX_TEMPLATE_BYTES: u64 = 4 << 20;

/// Props of a [`CfnInclude`].
#[derive(Debug, Clone, Default)]
pub struct CfnIncludeProps {
    /// Parameters replaced by a value: every `Ref` of the parameter (and
    /// `${Name}` in `Fn::Sub`) becomes the value, which may be a reference
    /// to any construct of the app, and the parameter leaves the template.
    /// Default: none (every parameter is kept, and deploy passes it).
    pub parameters: BTreeMap<String, Value>,
}

/// A CloudFormation template included in a stack; see the module docs.
#[derive(Debug, Clone)]
pub struct CfnInclude {
    node: NodeId,
    /// The include's construct path, for errors.
    path: String,
    origin: String,
    resources: IndexMap<String, NodeId>,
    /// Each resource's CloudFormation type, by logical id.
    types: BTreeMap<String, String>,
    parameters: Vec<String>,
    outputs: Vec<String>,
}

/// The resource attributes a template may give, beside `Type` and `Properties`.
const ATTRIBUTES: [&str; 8] = [
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
    "UpdatePolicy",
    "CreationPolicy",
    "Version",
];

/// The top-level sections of a template (`Globals` is the SAM transform's).
const SECTIONS: [&str; 11] = [
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Globals",
    "Resources",
    "Outputs",
];

impl CfnInclude {
    /// Includes the template file at `path` (JSON or YAML, short-form
    /// intrinsics such as `!Ref` and `!Sub` included) under `scope`, which
    /// must be in a stack.
    pub fn from_file(
        scope: &mut Scope<'_>,
        id: &str,
        path: impl AsRef<Path>,
        props: CfnIncludeProps,
    ) -> Result<CfnInclude, Error> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let bytes = crate::untrusted::fs::read_regular(path, MAX_TEMPLATE_BYTES).map_err(|e| {
            scope.error_at(
                id,
                format!("template {origin} {e}"),
                "pass the path of a template file, relative to where synth runs",
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            scope.error_at(
                id,
                format!("template {origin} is not UTF-8 text"),
                "save the template as UTF-8",
            )
        })?;
        CfnInclude::from_text(scope, id, &origin, &text, props)
    }

    /// Includes a template given as text; `origin` names it in errors.
    pub fn from_text(
        scope: &mut Scope<'_>,
        id: &str,
        origin: &str,
        text: &str,
        props: CfnIncludeProps,
    ) -> Result<CfnInclude, Error> {
        let fail = |scope: &Scope<'_>, message: String, hint: &str| {
            scope.error_at(id, format!("template {origin}: {message}"), hint)
        };
        let Some(stack) = scope.app.node(scope.node).stack else {
            return Err(fail(
                scope,
                "an include must be added in a stack".into(),
                "include the template under a Stack's scope",
            ));
        };
        let template =
            parse_template(text).map_err(|e| fail(scope, e, "fix the template's syntax"))?;
        if let Some(k) = rain_directive(&template) {
            return Err(fail(
                scope,
                format!("uses the Rain directive {k:?}, which CloudFormation does not read"),
                "run `rain pkg` on it and include the packaged template",
            ));
        }
        let parts = Parts::read(&template, &props).map_err(|e| {
            fail(
                scope,
                e,
                "fix the template (cfn-lint names the same problems)",
            )
        })?;
        let mut child = scope.child(id)?;
        let include_node = child.node;
        let resources = parts.add_resources(&mut child, origin, text)?;
        let names = Names {
            resources: &resources,
            parameters: &parts.parameters,
            replaced: &props.parameters,
            transformed: parts.transformed(),
        };
        let sections = parts.sections(&names, include_node).map_err(|e| {
            fail(
                &child,
                e,
                "fix the template (cfn-lint names the same problems)",
            )
        })?;
        let (parameters, outputs) = (
            sections.parameters.keys().cloned().collect(),
            sections.outputs.keys().cloned().collect(),
        );
        let node = child.id();
        let path = child.path().to_string();
        if let NodeKind::Stack(info) = &mut child.app.node_mut(stack).kind {
            info.included.push(sections);
        }
        Ok(CfnInclude {
            node,
            path,
            origin: origin.to_string(),
            resources,
            types: parts.types(),
            parameters,
            outputs,
        })
    }

    /// The include's node (resources are its children, by logical id).
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Where the template came from, as given.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The resource `logical_id` as a typed handle of its L1 type
    /// (`include.resource::<s3::CfnBucket>("Logs")?`): its attributes are
    /// typed accessors (`attr_arn()`), and [`Scope::set_properties`]
    /// changes its properties with the typed struct. An error names the
    /// logical id when the template has no such resource or gives it
    /// another type.
    pub fn resource<R: CfnResource>(&self, logical_id: &str) -> Result<ResourceRef<R>, Error> {
        let (Some(node), Some(type_name)) = (self.node_of(logical_id), self.types.get(logical_id))
        else {
            return Err(Error::construct(
                self.path.clone(),
                format!(
                    "template {} has no resource {:?}",
                    self.origin,
                    crate::untrusted::inert(logical_id)
                ),
                "name a logical id of the template's Resources (CfnInclude::logical_ids lists them)",
            ));
        };
        if type_name != R::TYPE {
            return Err(Error::construct(
                format!("{}/{logical_id}", self.path),
                format!(
                    "is a {}, asked for as a {}",
                    crate::untrusted::inert(type_name),
                    R::TYPE
                ),
                "ask for the resource with the L1 struct of its Type",
            ));
        }
        Ok(ResourceRef::new(node))
    }

    /// The node of the resource `logical_id`: for [`Scope::options`],
    /// [`Scope::raw_resource_mut`] and suppressions.
    pub fn node_of(&self, logical_id: &str) -> Option<NodeId> {
        self.resources.get(logical_id).copied()
    }

    /// The template's resources' logical ids, in template order.
    pub fn logical_ids(&self) -> impl Iterator<Item = &str> {
        self.resources.keys().map(String::as_str)
    }

    /// `Ref` of the resource `logical_id`, usable anywhere in the app.
    pub fn reference(&self, logical_id: &str) -> Option<Value> {
        self.node_of(logical_id).map(Value::Ref)
    }

    /// `Fn::GetAtt` of an attribute of the resource `logical_id`, usable
    /// anywhere in the app (the attribute is checked at synth).
    pub fn get_att(&self, logical_id: &str, attribute: &str) -> Option<Value> {
        self.node_of(logical_id)
            .map(|n| Value::GetAtt(n, Cow::Owned(attribute.to_string())))
    }

    /// `Ref` of a parameter the template kept; valid in the same stack only.
    pub fn parameter(&self, name: &str) -> Option<Value> {
        self.parameters.iter().any(|p| p == name).then(|| {
            Value::Map(IndexMap::from([(
                "Ref".to_string(),
                Value::Str(name.to_string()),
            )]))
        })
    }

    /// The template's parameters that stay parameters (not replaced).
    pub fn parameters(&self) -> impl Iterator<Item = &str> {
        self.parameters.iter().map(String::as_str)
    }

    /// The template's outputs' logical ids.
    pub fn outputs(&self) -> impl Iterator<Item = &str> {
        self.outputs.iter().map(String::as_str)
    }
}

/// A template's text as JSON: JSON as JSON (exact numbers, no YAML 1.1
/// surprises), anything else through the budgeted YAML reader, short-form
/// tags (`!Ref`, `!Sub`…) in their long form. The error says why, without
/// echoing the text.
pub fn parse_template(text: &str) -> Result<Json, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"));
    }
    let mut docs = YamlReader::for_input(text.len())
        .documents(text)
        .map_err(|e| format!("not valid YAML: {e}"))?;
    if docs.len() != 1 {
        return Err(format!("holds {} YAML documents, not one", docs.len()));
    }
    to_json(docs.remove(0))
}

/// The template, split into what becomes tree resources and the sections
/// kept beside them.
struct Parts<'t> {
    template: &'t serde_json::Map<String, Json>,
    resources: &'t serde_json::Map<String, Json>,
    parameters: IndexMap<String, Json>,
    replaced: &'t BTreeMap<String, Value>,
}

impl<'t> Parts<'t> {
    fn read(template: &'t Json, props: &'t CfnIncludeProps) -> Result<Parts<'t>, String> {
        let Json::Object(t) = template else {
            return Err("the top level is not a mapping of sections".into());
        };
        if let Some(k) = t.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
            return Err(format!(
                "unknown section {k:?} (a template has {})",
                SECTIONS.join(", ")
            ));
        }
        let resources = match t.get("Resources") {
            Some(Json::Object(r)) if !r.is_empty() => r,
            _ => return Err("Resources is missing or empty".into()),
        };
        let mut parameters = match t.get("Parameters") {
            Some(Json::Object(p)) => p.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            None => IndexMap::new(),
            Some(_) => return Err("Parameters is not a mapping".into()),
        };
        for name in props.parameters.keys() {
            if parameters.shift_remove(name).is_none() {
                return Err(format!(
                    "CfnIncludeProps::parameters replaces {name}, which is no parameter of the template"
                ));
            }
        }
        Ok(Parts {
            template: t,
            resources,
            parameters,
            replaced: &props.parameters,
        })
    }

    /// One tree resource per template resource, logical ids pinned; made
    /// empty first, so references between them can name any of them.
    fn add_resources(
        &self,
        scope: &mut Scope<'_>,
        origin: &str,
        text: &str,
    ) -> Result<IndexMap<String, NodeId>, Error> {
        let problem = |scope: &Scope<'_>, lid: &str, m: String| {
            scope.error_at(
                lid,
                format!("template {origin}{}: {m}", resource_line(text, lid)),
                "fix the template (cfn-lint names the same problems)",
            )
        };
        let mut nodes = IndexMap::new();
        for (lid, r) in self.resources() {
            let type_name = match r.get("Type") {
                Some(Json::String(t)) => t,
                _ => {
                    return Err(problem(
                        scope,
                        lid,
                        "Type is missing or not a string".into(),
                    ))
                }
            };
            let unknown = r.as_object().and_then(|o| {
                o.keys().find(|k| {
                    *k != "Type" && *k != "Properties" && !ATTRIBUTES.contains(&k.as_str())
                })
            });
            if let Some(k) = unknown {
                return Err(problem(
                    scope,
                    lid,
                    format!("unknown resource attribute {k:?}"),
                ));
            }
            let tags = if crate::aws::cfn::lookup(type_name).is_some() {
                TagStyle::List
            } else {
                // A custom resource: tags would reach its handler as input.
                TagStyle::None
            };
            let raw = CfnRaw {
                type_name: type_name.clone(),
                properties: IndexMap::new(),
                tags,
            };
            let node = scope.add_raw_resource(lid, raw)?;
            scope.override_logical_id(node, lid)?;
            if let Some(i) = scope.app.index_of(node) {
                if let NodeKind::Resource(r) = &mut scope.app.node_mut(i).kind {
                    r.origin = Some(format!("{origin}{}", resource_line(text, lid)));
                }
            }
            nodes.insert(lid.clone(), node);
        }
        let names = Names {
            resources: &nodes,
            parameters: &self.parameters,
            replaced: self.replaced,
            transformed: self.transformed(),
        };
        for (lid, r) in self.resources() {
            let filled = Filled::read(r, lid, &names).map_err(|m| problem(scope, lid, m))?;
            filled.store(scope, nodes[lid])?;
        }
        Ok(nodes)
    }

    /// The resources, without `Fn::ForEach` loops (kept as written).
    fn resources(&self) -> impl Iterator<Item = (&'t String, &'t Json)> + use<'t> {
        self.resources
            .iter()
            .filter(|(k, _)| !k.starts_with("Fn::ForEach::"))
    }

    fn transformed(&self) -> bool {
        self.template.contains_key("Transform")
    }

    /// Each resource's `Type` (checked a string by `add_resources`).
    fn types(&self) -> BTreeMap<String, String> {
        self.resources()
            .filter_map(|(lid, r)| {
                let t = r.get("Type")?.as_str()?;
                Some((lid.clone(), t.to_string()))
            })
            .collect()
    }

    /// The sections beside Resources, as values.
    fn sections(&self, names: &Names<'_>, node: u32) -> Result<IncludedSections, String> {
        let t = self.template;
        let mut s = IncludedSections {
            node,
            ..Default::default()
        };
        match t.get("Description") {
            Some(Json::String(d)) => s.description = Some(d.clone()),
            None => {}
            Some(_) => return Err("Description is not a string".into()),
        }
        if let Some(x) = t.get("Transform") {
            s.transform = Some(to_value(x, names, &mut "Transform".to_string())?);
        }
        for (name, v) in &self.parameters {
            let mut at = format!("Parameters.{name}");
            s.parameters
                .insert(name.clone(), to_value(v, names, &mut at)?);
        }
        let section = |key: &str| -> Result<IndexMap<String, Value>, String> {
            let mut out = IndexMap::new();
            match t.get(key) {
                Some(Json::Object(m)) => {
                    for (name, v) in m {
                        let mut at = format!("{key}.{name}");
                        out.insert(name.clone(), to_value(v, names, &mut at)?);
                    }
                }
                None => {}
                Some(_) => return Err(format!("{key} is not a mapping")),
            }
            Ok(out)
        };
        s.metadata = section("Metadata")?;
        s.rules = section("Rules")?;
        s.mappings = section("Mappings")?;
        s.conditions = section("Conditions")?;
        s.outputs = section("Outputs")?;
        s.globals = section("Globals")?;
        for (k, v) in self
            .resources
            .iter()
            .filter(|(k, _)| k.starts_with("Fn::ForEach::"))
        {
            s.resource_loops
                .insert(k.clone(), verbatim(v, &format!("Resources.{k}"))?);
        }
        Ok(s)
    }
}

/// One template resource read into what the tree holds.
struct Filled {
    properties: IndexMap<String, Value>,
    depends_on: Vec<NodeId>,
    deletion_policy: Option<DeletionPolicy>,
    update_replace_policy: Option<DeletionPolicy>,
    attributes: IndexMap<String, Value>,
}

impl Filled {
    fn read(r: &Json, lid: &str, names: &Names<'_>) -> Result<Filled, String> {
        let mut f = Filled {
            properties: IndexMap::new(),
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            attributes: IndexMap::new(),
        };
        match r.get("Properties") {
            Some(Json::Object(m)) => {
                for (k, v) in m {
                    let mut at = format!("Resources.{lid}.Properties.{k}");
                    f.properties.insert(k.clone(), to_value(v, names, &mut at)?);
                }
            }
            None | Some(Json::Null) => {}
            Some(_) => return Err("Properties is not a mapping".into()),
        }
        let depends: Vec<&Json> = match r.get("DependsOn") {
            Some(Json::Array(a)) => a.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        for d in depends {
            let target = d.as_str().and_then(|n| names.resources.get(n));
            match target {
                Some(&node) => f.depends_on.push(node),
                None => {
                    return Err(format!(
                        "DependsOn names {d}, which is no resource of the template"
                    ))
                }
            }
        }
        for (k, v) in r.as_object().into_iter().flatten() {
            let policy = match (k.as_str(), v.as_str()) {
                ("DeletionPolicy" | "UpdateReplacePolicy", Some(p)) => policy(p),
                _ => None,
            };
            match (k.as_str(), policy) {
                ("Type" | "Properties" | "DependsOn", _) => {}
                ("DeletionPolicy", Some(p)) => f.deletion_policy = Some(p),
                ("UpdateReplacePolicy", Some(p)) => f.update_replace_policy = Some(p),
                _ => {
                    let mut at = format!("Resources.{lid}.{k}");
                    f.attributes.insert(k.clone(), to_value(v, names, &mut at)?);
                }
            }
        }
        Ok(f)
    }

    fn store(self, scope: &mut Scope<'_>, node: NodeId) -> Result<(), Error> {
        let options = scope.options(node)?;
        options.depends_on = self.depends_on;
        options.deletion_policy = self.deletion_policy;
        options.update_replace_policy = self.update_replace_policy;
        let Some(i) = scope.app.index_of(node) else {
            return Ok(());
        };
        if let NodeKind::Resource(r) = &mut scope.app.node_mut(i).kind {
            r.attributes = self.attributes;
            if let Some(raw) = r.resource.as_any_mut().downcast_mut::<CfnRaw>() {
                raw.properties = self.properties;
            }
        }
        Ok(())
    }
}

fn policy(p: &str) -> Option<DeletionPolicy> {
    Some(match p {
        "Delete" => DeletionPolicy::Delete,
        "Retain" => DeletionPolicy::Retain,
        "RetainExceptOnCreate" => DeletionPolicy::RetainExceptOnCreate,
        "Snapshot" => DeletionPolicy::Snapshot,
        _ => return None,
    })
}

/// The first `Rain::…` key (a Rain module or embed): such a template is
/// the input of `rain pkg`, not a template.
fn rain_directive(j: &Json) -> Option<&str> {
    match j {
        Json::Object(m) => m.iter().find_map(|(k, v)| {
            if k.starts_with("Rain::") {
                Some(k.as_str())
            } else {
                rain_directive(v)
            }
        }),
        Json::Array(a) => a.iter().find_map(rain_directive),
        _ => None,
    }
}

/// `:LINE` of resource `lid`: the first line declaring it after the line
/// that opens `Resources` (a condition or output of the same name comes
/// before it in most templates).
fn resource_line(text: &str, lid: &str) -> String {
    let start = text
        .lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with("Resources:") || t.starts_with("\"Resources\"")
        })
        .unwrap_or(0);
    let rest: String = text.lines().skip(start).collect::<Vec<_>>().join("\n");
    match line_of(&rest, lid).strip_prefix(':') {
        Some(n) => n
            .parse::<usize>()
            .map(|n| format!(":{}", n + start))
            .unwrap_or_default(),
        None => line_of(text, lid),
    }
}

/// `:LINE` of the first line that declares `key` (`Key:` or `"Key":`),
/// or nothing: errors point into the file the user edits.
fn line_of(text: &str, key: &str) -> String {
    let quoted = format!("\"{key}\"");
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            let rest = t
                .strip_prefix(quoted.as_str())
                .or_else(|| t.strip_prefix(key));
            rest.is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|n| format!(":{}", n + 1))
        .unwrap_or_default()
}
