//! The typed L1 layer: one Rust module per service, one `Cfn<Resource>`
//! struct per type, a struct per nested definition, an enum where the schema
//! lists string values, and an attribute accessor per `Fn::GetAtt` name.
//!
//! Scalars are `Value`, so an intrinsic may stand wherever CloudFormation
//! accepts one; required properties are not `Option`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value as Json;

pub(crate) mod names;
mod service;

pub use names::{feature, split};
use names::{pascal, snake};
pub use service::service_items;

/// A one-paragraph doc line: rustdoc must neither see code blocks nor links
/// it cannot resolve in the schema's prose.
pub(crate) fn doc(description: Option<&str>, fallback: &str) -> String {
    let text = description.unwrap_or_default();
    let para = text.split("\n").next().unwrap_or_default();
    let mut one: String = para.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.len() > 400 {
        let cut = one[..400].rfind(". ").map(|i| i + 1).unwrap_or_else(|| {
            let mut i = 400;
            while !one.is_char_boundary(i) {
                i -= 1;
            }
            i
        });
        one.truncate(cut);
    }
    let one = one
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("```", "`");
    if one.trim().is_empty() {
        fallback.to_string()
    } else {
        one
    }
}

/// Generates one type's Rust items into `out`, as part of its service module.
struct TypeGen<'a> {
    root: &'a Json,
    /// Definition name → Rust struct/enum name (in the type's module).
    names: BTreeMap<String, String>,
    /// Items of the type's module, as (name, text), in generation order.
    items: Vec<(String, String)>,
    /// Names taken in the type's module.
    taken: BTreeSet<String>,
    /// The struct whose fields are being typed: an inline type whose name
    /// is taken is named after it (`VersioningConfigurationStatus`).
    context: String,
    /// Every item generated, by name, as data (what `import` writes code
    /// against, so it names exactly what this generator named).
    shapes: BTreeMap<String, ItemShape>,
}

/// A generated item, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemShape {
    /// A struct: its fields in order.
    Struct(Vec<FieldShape>),
    /// An enum: (the JSON value, the variant) in order.
    Enum(Vec<(String, String)>),
}

/// One field of a generated struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldShape {
    /// The property's name in the template, e.g. `BucketName`.
    pub json: String,
    /// The Rust field, e.g. `bucket_name` (`r#type` for a keyword).
    pub field: String,
    /// The Rust type without the `Option` of an optional field, as the
    /// struct writes it relative to the type's module (`Value`,
    /// `Vec<Tag>`, `Box<Rule>`), or qualified by the submodule for the
    /// resource struct's own fields (`bucket::Tag`).
    pub ty: String,
    /// Whether the field is required (not an `Option`).
    pub required: bool,
}

/// A resource type's generated items, as data.
#[derive(Debug, Clone)]
pub struct TypeShape {
    /// The service module, e.g. `s3` (`r#if` for a keyword).
    pub module: String,
    /// The type's submodule of property types, e.g. `bucket`.
    pub sub: String,
    /// The resource struct, e.g. `CfnBucket`.
    pub struct_name: String,
    /// The resource struct's fields.
    pub fields: Vec<FieldShape>,
    /// The property types by name (structs and enums of the submodule).
    pub items: BTreeMap<String, ItemShape>,
}

impl<'a> TypeGen<'a> {
    fn def(&self, name: &str) -> &'a Json {
        &self.root["definitions"][name]
    }

    fn unique(&mut self, wanted: String) -> String {
        let mut wanted = wanted;
        if self.taken.contains(&wanted) && !self.context.is_empty() {
            wanted = format!("{}{wanted}", self.context);
        }
        let mut name = wanted.clone();
        let mut i = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{i}");
            i += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// Whether definition `to` reaches definition `from` (so a field of
    /// `from` holding `to` needs a box).
    fn reaches(&self, to: &str, from: &str, seen: &mut BTreeSet<String>) -> bool {
        if to == from {
            return true;
        }
        if !seen.insert(to.to_string()) {
            return false;
        }
        let mut refs = Vec::new();
        collect_refs(self.def(to), &mut refs);
        refs.iter().any(|r| self.reaches(r, from, seen))
    }

    /// The Rust type of a property schema, generating what it needs.
    /// `owner` is the definition being generated (for recursion boxes).
    fn ty(&mut self, s: &'a Json, hint: &str, owner: Option<&str>) -> String {
        if let Some(r) = s
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            let target = self.def(r);
            if !target.is_object() {
                return "Value".into();
            }
            // Item bounds beside a `$ref` to a definition with `items`: a
            // list of those items (DynamoDB's key schemas, whose definition
            // cfn-lint writes as both an object and a list).
            let bounded = s.get("minItems").is_some() || s.get("maxItems").is_some();
            if let Some(items) = target.get("items").filter(|_| bounded) {
                let inner = self.ty(items, hint, None);
                if inner != "Value" {
                    let inner = match inner.strip_prefix("Box<") {
                        Some(b) => b.strip_suffix('>').unwrap_or(b).to_string(),
                        None => inner,
                    };
                    return format!("Vec<{inner}>");
                }
            }
            let t = self.ty_of_def(r, target);
            let boxed = t != "Value"
                && !t.starts_with("Vec<")
                && owner.is_some_and(|o| self.reaches(r, o, &mut BTreeSet::new()));
            return if boxed { format!("Box<{t}>") } else { t };
        }
        // A `oneOf` whose first choice is a `$ref` with item bounds is a list
        // of that definition written oddly upstream (DynamoDB's table
        // `KeySchema`; the other choice is a legacy JSON string): typed as
        // the list CloudFormation takes.
        if let Some(first) = s
            .get("oneOf")
            .and_then(Json::as_array)
            .and_then(|a| a.first())
        {
            let bounded = first.get("minItems").is_some() || first.get("maxItems").is_some();
            if bounded && first.get("$ref").is_some() {
                let t = self.ty(first, hint, None);
                if t.starts_with("Vec<") {
                    return t;
                }
            }
        }
        if s.get("oneOf").is_some() || s.get("anyOf").is_some() {
            return "Value".into();
        }
        let has_properties = s
            .get("properties")
            .and_then(Json::as_object)
            .is_some_and(|p| !p.is_empty());
        // A list of types (`["object", "string"]`) counts as no single type.
        match s.get("type").and_then(Json::as_str) {
            Some("array") => match s.get("items") {
                Some(items) => {
                    let inner = self.ty(items, hint, None);
                    let inner = match inner.strip_prefix("Box<") {
                        Some(b) => b.strip_suffix('>').unwrap_or(b).to_string(),
                        None => inner,
                    };
                    format!("Vec<{inner}>")
                }
                None => "Vec<Value>".into(),
            },
            Some("object") | None if has_properties => {
                let name = self.unique(pascal(hint));
                let body = self.gen_struct(&name, s, None, None);
                self.items.push((name.clone(), body));
                name
            }
            Some("string") => match string_enum(s) {
                Some(values) => {
                    let name = self.unique(pascal(hint));
                    self.gen_enum(&name, &values, s);
                    name
                }
                None => "Value".into(),
            },
            _ => "Value".into(),
        }
    }

    fn ty_of_def(&mut self, def: &str, s: &'a Json) -> String {
        if let Some(n) = self.names.get(def) {
            return n.clone();
        }
        let is_struct = s
            .get("properties")
            .and_then(Json::as_object)
            .is_some_and(|p| !p.is_empty())
            && s.get("oneOf").is_none()
            && s.get("anyOf").is_none();
        if is_struct {
            let name = self.unique(pascal(def));
            // Named before its fields are typed, so a recursive reference
            // finds it in `names` and is not generated twice.
            self.names.insert(def.to_string(), name.clone());
            let body = self.gen_struct(&name, s, Some(def), None);
            self.items.push((name.clone(), body));
            return name;
        }
        if let Some(values) = string_enum(s) {
            let name = self.unique(pascal(def));
            self.names.insert(def.to_string(), name.clone());
            self.gen_enum(&name, &values, s);
            return name;
        }
        // Arrays and scalars behind a definition: resolved in place.
        let t = self.ty(s, def, Some(def));
        self.names.insert(def.to_string(), t.clone());
        t
    }

    fn gen_enum(&mut self, name: &str, values: &[String], s: &Json) {
        let mut body = String::new();
        let _ = writeln!(
            body,
            "/// {}\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize)]\npub enum {name} {{",
            doc(s.get("description").and_then(Json::as_str), &format!("The values `{name}` takes."))
        );
        let mut seen = BTreeSet::new();
        let mut shape = Vec::new();
        for v in values {
            let mut variant = pascal(v);
            let mut i = 2;
            while !seen.insert(variant.clone()) {
                variant = format!("{}{i}", pascal(v));
                i += 1;
            }
            shape.push((v.clone(), variant.clone()));
            let _ = writeln!(
                body,
                "    /// `{v}`\n    #[serde(rename = {v:?})]\n    {variant},"
            );
        }
        body.push_str("}\n\n");
        self.items.push((name.to_string(), body));
        self.shapes.insert(name.to_string(), ItemShape::Enum(shape));
    }

    /// A struct for an object schema. `resource` is `Some((type name, docs
    /// url))` for the resource's own properties struct.
    fn gen_struct(
        &mut self,
        name: &str,
        s: &'a Json,
        def: Option<&str>,
        resource: Option<(&str, &str, &str)>,
    ) -> String {
        let saved_context = std::mem::replace(&mut self.context, name.to_string());
        let fields = self.struct_fields(s, def, resource);
        self.context = saved_context;
        let shape = fields
            .iter()
            .map(|(json, field, ty, _, required)| FieldShape {
                json: json.clone(),
                field: field.clone(),
                ty: ty.clone(),
                required: *required,
            })
            .collect();
        self.shapes
            .insert(name.to_string(), ItemShape::Struct(shape));
        render_struct(name, s, resource, &fields)
    }

    /// The settable properties (read-only ones left out) as fields, with
    /// unique snake-case names and their types.
    fn struct_fields(
        &mut self,
        s: &'a Json,
        def: Option<&str>,
        resource: Option<(&str, &str, &str)>,
    ) -> Vec<Field> {
        let required: BTreeSet<&str> = s
            .get("required")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let read_only: BTreeSet<String> = match resource {
            Some(_) => self.root["readOnlyProperties"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .filter_map(|p| p.strip_prefix("/properties/"))
                        .filter(|p| !p.contains('/'))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            None => BTreeSet::new(),
        };
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        if let Some(props) = s.get("properties").and_then(Json::as_object) {
            for (pname, pschema) in props {
                if read_only.contains(pname) {
                    continue;
                }
                let mut field = snake(pname);
                let mut i = 2;
                while !used.insert(field.clone()) {
                    field = format!("{}_{i}", snake(pname));
                    i += 1;
                }
                let hint = pname.to_string();
                let t = self.ty(pschema, &hint, def);
                let t = match resource {
                    Some((_, _, sub)) => qualify_type(&t, sub),
                    None => t,
                };
                let desc = pschema
                    .get("description")
                    .and_then(Json::as_str)
                    .or_else(|| {
                        pschema
                            .get("$ref")
                            .and_then(Json::as_str)
                            .and_then(|r| r.strip_prefix("#/definitions/"))
                            .and_then(|r| self.def(r).get("description").and_then(Json::as_str))
                    });
                let req = required.contains(pname.as_str());
                fields.push((
                    pname.clone(),
                    field,
                    t,
                    doc(desc, &format!("`{pname}`.")),
                    req,
                ));
            }
        }
        fields
    }
}

/// (JSON name, field name, type, doc, required).
type Field = (String, String, String, String, bool);

/// The struct, and `new` with its required properties when it has any.
fn render_struct(
    name: &str,
    s: &Json,
    resource: Option<(&str, &str, &str)>,
    fields: &[Field],
) -> String {
    let any_required = fields.iter().any(|f| f.4);
    let mut body = String::new();
    match resource {
        Some((type_name, url, _)) => {
            let _ = writeln!(
                body,
                "/// `{type_name}`: {} ([reference]({url}))",
                doc(
                    s.get("description").and_then(Json::as_str),
                    "a CloudFormation resource."
                )
            );
        }
        None => {
            let _ = writeln!(
                body,
                "/// {}",
                doc(
                    s.get("description").and_then(Json::as_str),
                    &format!("`{name}`.")
                )
            );
        }
    }
    let derives = if any_required {
        "Debug, Clone, ::serde::Serialize"
    } else {
        "Debug, Clone, Default, ::serde::Serialize"
    };
    let _ = writeln!(body, "#[derive({derives})]\npub struct {name} {{");
    for (pname, field, t, d, req) in fields {
        let shown = if *req {
            t.clone()
        } else {
            format!("Option<{t}>")
        };
        let _ = writeln!(
            body,
            "    /// {d}{}\n    #[serde(rename = {pname:?})]\n    pub {field}: {shown},",
            if *req { " Required." } else { "" }
        );
    }
    body.push_str("}\n\n");
    if any_required {
        let args: Vec<String> = fields
            .iter()
            .filter(|f| f.4)
            .map(|(_, field, t, _, _)| {
                if t == "Value" {
                    format!("{field}: impl Into<Value>")
                } else {
                    format!("{field}: {t}")
                }
            })
            .collect();
        let inits: Vec<String> = fields
            .iter()
            .map(|(_, field, t, _, req)| match (req, t.as_str()) {
                (true, "Value") => format!("{field}: {field}.into()"),
                (true, _) => field.clone(),
                (false, _) => format!("{field}: None"),
            })
            .collect();
        let _ = writeln!(
            body,
            "impl {name} {{\n    /// With the required properties; the others unset.\n    #[allow(clippy::too_many_arguments)]\n    pub fn new({}) -> Self {{\n        {name} {{ {} }}\n    }}\n}}\n",
            args.join(", "),
            inits.join(", ")
        );
    }
    body
}

/// `Vec<Box<Name>>` with `Name` a nested type → `Vec<Box<sub::Name>>`.
fn qualify_type(t: &str, sub: &str) -> String {
    for wrapper in ["Vec<", "Box<"] {
        if let Some(inner) = t.strip_prefix(wrapper).and_then(|r| r.strip_suffix('>')) {
            return format!("{wrapper}{}>", qualify_type(inner, sub));
        }
    }
    if t == "Value" {
        t.to_string()
    } else {
        format!("{sub}::{t}")
    }
}

fn string_enum(s: &Json) -> Option<Vec<String>> {
    let values = s.get("enum")?.as_array()?;
    if s.get("enumCaseInsensitive") == Some(&Json::Bool(true)) {
        return None;
    }
    let strings: Vec<String> = values
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    (strings.len() == values.len() && !strings.is_empty()).then_some(strings)
}

fn collect_refs(s: &Json, out: &mut Vec<String>) {
    match s {
        Json::Object(m) => {
            for (k, v) in m {
                if k == "$ref" {
                    if let Some(r) = v.as_str().and_then(|r| r.strip_prefix("#/definitions/")) {
                        out.push(r.to_string());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Json::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// One resource type's generated code: its nested property types (name,
/// text) for its submodule, and its own struct with the `CfnResource` impl
/// (tags come from the registry, not from the struct) and attribute
/// accessors.
pub struct TypeOut {
    /// The submodule name, e.g. `db_instance`.
    pub sub: String,
    /// The resource struct's name, e.g. `CfnDBInstance`.
    pub struct_name: String,
    /// The nested property types, in generation order.
    pub nested: Vec<(String, String)>,
    /// The resource struct, its impls and accessors.
    pub own: String,
}

/// The generated code of one resource type.
pub fn type_items(
    type_name: &str,
    root: &Json,
    docs_url: &str,
    attributes: &[String],
) -> Option<TypeOut> {
    let (_, resource) = split(type_name)?;
    let struct_name = format!("Cfn{}", pascal(&resource));
    let sub = snake(&resource);
    let mut g = TypeGen {
        root,
        names: BTreeMap::new(),
        items: Vec::new(),
        taken: BTreeSet::new(),
        context: String::new(),
        shapes: BTreeMap::new(),
    };
    let mut out = g.gen_struct(&struct_name, root, None, Some((type_name, docs_url, &sub)));
    let _ = writeln!(
        out,
        "impl crate::core::CfnResource for {struct_name} {{\n    const TYPE: &'static str = {type_name:?};\n}}\n"
    );
    if !attributes.is_empty() {
        let _ = writeln!(out, "impl crate::core::ResourceRef<{struct_name}> {{");
        for (a, m) in attr_methods(attributes) {
            let _ = writeln!(
                out,
                "    /// `Fn::GetAtt` `{a}`.\n    pub fn {m}(&self) -> Value {{\n        self.attr({a:?})\n    }}"
            );
        }
        out.push_str("}\n\n");
    }
    Some(TypeOut {
        sub,
        struct_name,
        nested: g.items,
        own: out,
    })
}

/// The accessor of each `Fn::GetAtt` attribute on the type's handle, as
/// (attribute, method): `Arn` → `attr_arn`, `Endpoint.Address` →
/// `attr_endpoint_address`, numbered when two read the same.
pub fn attr_methods(attributes: &[String]) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    attributes
        .iter()
        .map(|a| {
            let base = snake(&a.replace('.', "_"));
            let base = base.trim_start_matches("r#");
            let mut m = format!("attr_{base}");
            let mut i = 2;
            while !seen.insert(m.clone()) {
                m = format!("attr_{base}_{i}");
                i += 1;
            }
            (a.clone(), m)
        })
        .collect()
}

/// The items the generator writes for `type_name`, as data: the resource
/// struct's fields and every property type of its submodule, named exactly
/// as [`type_items`] names them. `root` is the type's schema (the one the
/// generator read, or the registry's validation slice of it with
/// `readOnlyProperties` put back: names depend on properties and
/// definitions only).
pub fn type_shape(type_name: &str, root: &Json) -> Option<TypeShape> {
    let (module, resource) = split(type_name)?;
    let struct_name = format!("Cfn{}", pascal(&resource));
    let sub = snake(&resource);
    let mut g = TypeGen {
        root,
        names: BTreeMap::new(),
        items: Vec::new(),
        taken: BTreeSet::new(),
        context: String::new(),
        shapes: BTreeMap::new(),
    };
    g.gen_struct(&struct_name, root, None, Some((type_name, "", &sub)));
    let fields = match g.shapes.remove(&struct_name) {
        Some(ItemShape::Struct(f)) => f,
        _ => return None,
    };
    Some(TypeShape {
        module,
        sub,
        struct_name,
        fields,
        items: g.shapes,
    })
}

/// A type's schema as [`type_shape`] reads it, rebuilt from the registry's
/// validation slice (`schemas.json`, prose and metadata dropped) and the
/// type's read-only properties (dotted, as the registry lists them): what
/// `meshsynth import` has at run time. `scripts/codegen` checks that it
/// names every item as the full schema does.
pub fn root_from_slice(slice: &Json, read_only: &[&str]) -> Json {
    let mut root = slice.clone();
    if let Json::Object(m) = &mut root {
        let pointers: Vec<Json> = read_only
            .iter()
            .filter(|p| !p.contains('.'))
            .map(|p| Json::String(format!("/properties/{p}")))
            .collect();
        m.insert("readOnlyProperties".into(), Json::Array(pointers));
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("DBInstanceIdentifier"), "db_instance_identifier");
        assert_eq!(snake("Type"), "r#type");
        assert_eq!(snake("KMSMasterKeyId"), "kms_master_key_id");
        assert_eq!(snake("CNAMEs"), "cnames");
        assert_eq!(snake("VPCs"), "vpcs");
        assert_eq!(snake("SecurityGroupIDs"), "security_group_ids");
        assert_eq!(
            snake("OnSourceDDoSProtectionConfig"),
            "on_source_ddos_protection_config"
        );
        assert_eq!(snake("HTTPSettings"), "http_settings");
        assert_eq!(snake("MemoryGiBPerVCpu"), "memory_gib_per_vcpu");
        assert_eq!(snake("OAuth2GrantType"), "oauth2_grant_type");
        assert_eq!(snake("IPv6Address"), "ipv6_address");
        assert_eq!(pascal("aws:kms"), "AwsKms");
        assert_eq!(pascal("PAY_PER_REQUEST"), "PayPerRequest");
        assert_eq!(pascal("x86_64"), "X8664");
        assert_eq!(
            split("AWS::S3::Bucket"),
            Some(("s3".into(), "Bucket".into()))
        );
    }

    #[test]
    fn docs_never_hold_code_or_links() {
        assert_eq!(
            doc(Some("See [x](y) <b>\n```x```"), "f"),
            "See \\[x\\](y) &lt;b&gt;"
        );
    }

    #[test]
    fn the_shape_names_what_the_code_names() {
        let schema: Json = serde_json::json!({
            "properties": {
                "Name": {"type": "string"},
                "Mode": {"type": "string", "enum": ["FAST", "SLOW"]},
                "Rules": {"type": "array", "items": {"$ref": "#/definitions/Rule"}},
                "Arn": {"type": "string"}
            },
            "required": ["Name"],
            "readOnlyProperties": ["/properties/Arn"],
            "definitions": {"Rule": {"type": "object", "properties": {"Id": {"type": "string"}}, "required": ["Id"]}}
        });
        let shape = type_shape("AWS::Demo::Widget", &schema).unwrap();
        assert_eq!(
            (
                shape.module.as_str(),
                shape.sub.as_str(),
                shape.struct_name.as_str()
            ),
            ("demo", "widget", "CfnWidget")
        );
        let fields: Vec<(&str, &str, &str, bool)> = shape
            .fields
            .iter()
            .map(|f| (f.json.as_str(), f.field.as_str(), f.ty.as_str(), f.required))
            .collect();
        // The read-only Arn is not a field; nested types are qualified.
        assert_eq!(
            fields,
            [
                ("Name", "name", "Value", true),
                ("Mode", "mode", "widget::Mode", false),
                ("Rules", "rules", "Vec<widget::Rule>", false)
            ]
        );
        assert_eq!(
            shape.items.get("Mode"),
            Some(&ItemShape::Enum(vec![
                ("FAST".into(), "Fast".into()),
                ("SLOW".into(), "Slow".into())
            ]))
        );
        let out = type_items("AWS::Demo::Widget", &schema, "", &[]).unwrap();
        assert!(
            out.own.contains("pub mode: Option<widget::Mode>,"),
            "{}",
            out.own
        );
        // The slice rebuilt as import reads it names the same.
        let mut slice = schema.clone();
        slice.as_object_mut().unwrap().remove("readOnlyProperties");
        let rebuilt = type_shape("AWS::Demo::Widget", &root_from_slice(&slice, &["Arn"])).unwrap();
        assert_eq!(rebuilt.fields, shape.fields);
    }
}
