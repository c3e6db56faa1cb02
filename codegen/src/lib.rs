//! Generates meshsynth's CloudFormation type registry from the resource
//! provider schemas that a pinned cfn-lint release bundles.
//!
//! Two files come out, both committed under `src/aws/cfn/generated/`:
//! - `registry.rs`: one metadata entry per type (create-only, read-only,
//!   write-only, required and deprecated properties, the primary identifier,
//!   `Fn::GetAtt` names, tagging), sorted by type name;
//! - `schemas.json`: each type's validation schema (descriptions, handlers and
//!   other prose dropped) as a table of nodes (see `nodes`), a type's
//!   nodes one run of lines; a registry entry holds the index of its type's
//!   root node, so synthesis parses only the nodes the checks of an app reach.
//!
//! The output is a pure function of the input files: keys are sorted, lists
//! keep schema order, and nothing depends on time or the machine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

pub mod crd;
pub mod crd_types;
pub mod import;
pub mod k8s_shapes;
mod nodes;
pub mod rust;
use serde_json::Value as Json;

/// The schema keywords the synth-time checker reads; everything else
/// (descriptions, examples, handlers, `insertionOrder`…) is dropped.
const KEEP: &[&str] = &[
    "$ref",
    "additionalProperties",
    "allOf",
    "anyOf",
    "definitions",
    "enum",
    "enumCaseInsensitive",
    "items",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "oneOf",
    "pattern",
    "patternProperties",
    "properties",
    "required",
    "type",
];

/// Keywords whose value is a map from names to schemas.
pub(crate) const SCHEMA_MAPS: &[&str] = &["definitions", "patternProperties", "properties"];

/// What the generator read, recorded in the generated files.
pub struct Source {
    /// The cfn-lint version, e.g. `1.58.0`.
    pub cfn_lint_version: String,
    /// The `schema_date` of cfn-lint's `data/schemas/version.json`.
    pub schema_date: String,
    /// type name → schema file.
    pub types: BTreeMap<String, PathBuf>,
    /// type name → create-only properties the schema leaves out
    /// (`codegen/patches/create-only.json`).
    pub create_only_additions: BTreeMap<String, Vec<String>>,
    /// type name → the names `Fn::GetAtt` accepts, as cfn-lint computes
    /// them (its rule E1010): the read-only properties, and for the types
    /// CloudFormation answers every property for, those too (`QueueName`).
    pub get_atts: BTreeMap<String, Vec<String>>,
}

impl Source {
    /// Reads the layout of an installed cfn-lint package: `cfnlint_dir` is
    /// its `cfnlint/` folder.
    pub fn open(cfnlint_dir: &Path, region: &str, get_atts: &Path) -> Result<Source> {
        let schemas = cfnlint_dir.join("data/schemas");
        let version_py = std::fs::read_to_string(cfnlint_dir.join("version.py"))
            .with_context(|| format!("{}: not a cfn-lint package", cfnlint_dir.display()))?;
        let cfn_lint_version = version_py
            .lines()
            .find_map(|l| l.strip_prefix("__version__ = "))
            .map(|v| v.trim().trim_matches('"').to_string())
            .ok_or_else(|| anyhow!("{}/version.py has no __version__", cfnlint_dir.display()))?;
        let version: Json = read_json(&schemas.join("version.json"))?;
        let schema_date = version["schema_date"]
            .as_str()
            .ok_or_else(|| anyhow!("data/schemas/version.json has no schema_date"))?
            .to_string();
        let providers: Json = read_json(&schemas.join(format!("providers/{region}.json")))?;
        let Json::Object(map) = providers else {
            bail!("providers/{region}.json is not an object");
        };
        let mut types = BTreeMap::new();
        for (name, file) in map {
            let file = file
                .as_str()
                .ok_or_else(|| anyhow!("providers/{region}.json: {name} has no file"))?;
            types.insert(name, schemas.join(format!("resources/{file}.json")));
        }
        let patches: Json = serde_json::from_str(include_str!("../patches/create-only.json"))
            .context("codegen/patches/create-only.json")?;
        let mut create_only_additions = BTreeMap::new();
        for (name, patch) in patches.as_object().into_iter().flatten() {
            if name.starts_with('$') {
                continue;
            }
            if !types.contains_key(name) {
                bail!("patches/create-only.json: {name} is not a type of the schema set");
            }
            let add = patch["add"]
                .as_array()
                .ok_or_else(|| anyhow!("patches/create-only.json: {name} has no add list"))?;
            create_only_additions.insert(
                name.clone(),
                add.iter()
                    .filter_map(Json::as_str)
                    .map(String::from)
                    .collect(),
            );
        }
        let get_atts: BTreeMap<String, Vec<String>> = serde_json::from_value(read_json(get_atts)?)
            .with_context(|| {
                format!(
                    "{}: expected {{type: [attribute, ...]}}",
                    get_atts.display()
                )
            })?;
        Ok(Source {
            cfn_lint_version,
            schema_date,
            types,
            create_only_additions,
            get_atts,
        })
    }
}

fn read_json(path: &Path) -> Result<Json> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The generated files: (file name, bytes).
pub fn generate(source: &Source) -> Result<Vec<(String, Vec<u8>)>> {
    let mut nodes = nodes::NodeTable::default();
    let mut rust = String::new();
    writeln!(
        rust,
        "// @generated by meshsynth-codegen from the CloudFormation resource provider\n\
         // schemas of cfn-lint {} (schema date {}). Do not edit: run\n\
         // `scripts/codegen` instead.\n",
        source.cfn_lint_version, source.schema_date
    )?;
    writeln!(
        rust,
        "/// The cfn-lint release whose schemas this registry was generated from.\n\
         pub const CFN_LINT_VERSION: &str = {:?};\n\
         /// The `schema_date` of those schemas.\n\
         pub const SCHEMA_DATE: &str = {:?};\n",
        source.cfn_lint_version, source.schema_date
    )?;
    // One tab-separated line per type (lists space-separated) in a text
    // file, and the lines' byte offsets here: plain data, so the table costs
    // the binary no relocations and a process reads only the lines it uses.
    let mut table = String::new();
    let mut offsets = Vec::new();
    // Each schema is read and summarised once, for the table and the typed layer.
    let mut parsed = Vec::with_capacity(source.types.len());
    for (name, path) in &source.types {
        let schema = read_json(path)?;
        let mut entry = TypeEntry::new(name, &schema)?;
        entry.add_get_atts(source.get_atts.get(name).into_iter().flatten());
        for extra in source.create_only_additions.get(name).into_iter().flatten() {
            if !entry.create_only.contains(extra) {
                entry.create_only.push(extra.clone());
            }
        }
        let compact = compact_schema(&schema);
        let mut text = String::new();
        write_canonical(&mut text, &compact);
        check_slice_names(name, &schema, &text, &entry)?;
        nodes.new_group();
        let root = nodes
            .flatten(&compact)
            .with_context(|| format!("{name}: schema"))?;
        offsets.push(table.len());
        entry.write(&mut table, root)?;
        parsed.push((name.as_str(), schema, entry));
    }
    writeln!(
        rust,
        "/// Every type, one line each, sorted by name (see `TypeMeta::parse`).\n\
         pub(super) static TABLE: &str = include_str!(\"registry.tsv\");\n\n\
         /// The byte offset of each line of `TABLE`.\n\
         pub(super) static LINES: [u32; {}] = [",
        offsets.len()
    )?;
    for chunk in offsets.chunks(12) {
        let items: Vec<String> = chunk.iter().map(|o| o.to_string()).collect();
        writeln!(rust, "    {},", items.join(", "))?;
    }
    writeln!(rust, "];\n")?;
    let (blob, node_starts) = nodes.write()?;
    write!(rust, "{node_starts}")?;
    let mut files = vec![
        ("registry.rs".to_string(), rust.into_bytes()),
        ("registry.tsv".to_string(), table.into_bytes()),
        ("schemas.json".to_string(), blob.into_bytes()),
    ];
    files.extend(typed_layer(source, &parsed)?);
    Ok(files)
}

/// `meshsynth import` writes code against the typed layer from the
/// registry's slice of a schema (all it has at run time): the slice must
/// name every struct, field and enum variant as the full schema does.
fn check_slice_names(name: &str, schema: &Json, slice: &str, entry: &TypeEntry) -> Result<()> {
    let full = rust::type_shape(name, schema);
    let slice: Json = serde_json::from_str(slice).with_context(|| format!("{name}: slice"))?;
    let read_only: Vec<&str> = entry.read_only.iter().map(String::as_str).collect();
    let rebuilt = rust::type_shape(name, &rust::root_from_slice(&slice, &read_only));
    let same = match (&full, &rebuilt) {
        (Some(a), Some(b)) => a.fields == b.fields && a.items == b.items,
        (None, None) => true,
        _ => false,
    };
    if !same {
        bail!("{name}: the registry slice names the typed layer's items differently from the full schema; `meshsynth import` would write code that does not compile");
    }
    Ok(())
}

/// The services the built-in constructs build on: their typed modules are
/// always compiled (no feature gate; the L2 constructs need them), so a
/// platform that adds, say, a VPC endpoint policy or a second RDS parameter
/// group has the typed L1 without a feature flag. Their `aws-*` features
/// remain, empty, so `full` and explicit feature lists keep working.
/// Measured cost: docs/performance.md, "Default features".
pub const BUILTIN_SERVICES: &[&str] = &[
    "ec2",
    "ecr",
    "eks",
    "elasticache",
    "iam",
    "kms",
    "logs",
    "msk",
    "rds",
    "route53",
    "secretsmanager",
    "ssm",
];

/// `services/<service>.rs` for every `AWS::*` service, and `services/mod.rs`.
fn typed_layer(
    source: &Source,
    parsed: &[(&str, Json, TypeEntry)],
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut types: BTreeMap<String, Vec<rust::TypeOut>> = BTreeMap::new();
    let mut service_names: BTreeMap<String, String> = BTreeMap::new();
    for (name, schema, entry) in parsed {
        let Some((module, _)) = rust::split(name) else {
            continue;
        };
        let service = name.split("::").nth(1).unwrap_or_default().to_string();
        service_names.insert(module.clone(), service);
        let url = docs_url(name);
        // One accessor per GetAtt name, but not for every nested leaf of
        // the types that answer every property (a VPC has 40): those are
        // reached with `attr("A.B")`.
        let accessors: Vec<String> = entry
            .attributes
            .iter()
            .filter(|a| !a.contains('*') && (!a.contains('.') || entry.read_only.contains(a)))
            .cloned()
            .collect();
        if let Some(t) = rust::type_items(name, schema, &url, &accessors) {
            types.entry(module).or_default().push(t);
        }
    }
    let modules: BTreeMap<String, String> = types
        .iter()
        .map(|(m, t)| (m.clone(), rust::service_items(t)))
        .collect();
    let header = |service: &str| {
        format!(
            "// @generated by meshsynth-codegen from the CloudFormation resource provider\n\
             // schemas of cfn-lint {} (schema date {}). Do not edit: run\n\
             // `scripts/codegen` instead.\n\n\
             //! `AWS::{service}::*`: the typed L1 structs of the service, generated from\n\
             //! its registry schemas. Scalars are `Value`, so an intrinsic may stand\n\
             //! wherever CloudFormation takes one.\n\n\
             #![allow(clippy::all, clippy::pedantic, non_camel_case_types, non_snake_case, rustdoc::bare_urls, rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]\n\n\
             #[allow(unused_imports)]\n\
             use crate::core::Value;\n\n",
            source.cfn_lint_version, source.schema_date
        )
    };
    let mut files = Vec::new();
    let mut index = format!(
        "// @generated by meshsynth-codegen (cfn-lint {}, schema date {}). Do not edit.\n\n",
        source.cfn_lint_version, source.schema_date
    );
    for (module, items) in &modules {
        let service = &service_names[module];
        let file = module.trim_start_matches("r#");
        if BUILTIN_SERVICES.contains(&file) {
            writeln!(
                index,
                "/// `AWS::{service}::*` (always compiled: the built-in constructs use it).\npub mod {module};"
            )?;
        } else {
            writeln!(
                index,
                "/// `AWS::{service}::*` (feature `{}`).\n#[cfg(feature = {:?})]\npub mod {module};",
                rust::feature(module),
                rust::feature(module)
            )?;
        }
        files.push((
            format!("services/{file}.rs"),
            format!("{}{}", header(service), items.trim_end()).into_bytes(),
        ));
        if let Some(last) = files.last_mut() {
            last.1.push(b'\n');
        }
    }
    files.push(("services/mod.rs".to_string(), index.into_bytes()));
    let mut features = String::from(FEATURES_BEGIN);
    features.push('\n');
    let all: Vec<String> = modules.keys().map(|m| rust::feature(m)).collect();
    // The built-in services need no feature; nothing else is on by default.
    writeln!(features, "default = []")?;
    writeln!(
        features,
        "full = [\n{}]",
        all.iter()
            .map(|f| format!("    {f:?},\n"))
            .collect::<String>()
    )?;
    for f in &all {
        writeln!(features, "{f} = []")?;
    }
    features.push_str(FEATURES_END);
    files.push(("features.toml".to_string(), features.into_bytes()));
    Ok(files)
}

/// Markers of the generated `[features]` entries in the library's Cargo.toml.
pub const FEATURES_BEGIN: &str =
    "# BEGIN generated by scripts/codegen: one feature per AWS service";
/// End marker.
pub const FEATURES_END: &str = "# END generated features\n";

/// The Cargo.toml text with its generated features replaced by `features`.
pub fn splice_features(cargo_toml: &str, features: &str) -> Result<String> {
    splice_features_at(cargo_toml, FEATURES_BEGIN, features)
}

/// The Cargo.toml text with the generated block that starts at the line
/// `begin` (and ends at `FEATURES_END`) replaced by `features`.
pub fn splice_features_at(cargo_toml: &str, begin: &str, features: &str) -> Result<String> {
    let start = cargo_toml
        .find(begin)
        .ok_or_else(|| anyhow!("Cargo.toml has no '{begin}' line under [features]"))?;
    let end = cargo_toml[start..]
        .find(FEATURES_END)
        .map(|i| start + i + FEATURES_END.len())
        .ok_or_else(|| anyhow!("Cargo.toml has no '{}' line", FEATURES_END.trim()))?;
    Ok(format!(
        "{}{}{}",
        &cargo_toml[..start],
        features,
        &cargo_toml[end..]
    ))
}

// The library's own function, so generated links and `TypeMeta::docs_url` agree.
#[path = "../../src/aws/cfn/docs_url.rs"]
mod docs_url;
use docs_url::docs_url;

/// One type's metadata, read off its schema.
struct TypeEntry {
    name: String,
    create_only: Vec<String>,
    read_only: Vec<String>,
    write_only: Vec<String>,
    required: Vec<String>,
    primary_identifier: Vec<String>,
    attributes: Vec<String>,
    deprecated: Vec<String>,
    taggable: bool,
    tag_property: Option<String>,
    tag_style: &'static str,
}

impl TypeEntry {
    fn new(name: &str, s: &Json) -> Result<TypeEntry> {
        let pointers = |key: &str| -> Vec<String> {
            s[key]
                .as_array()
                .map(|a| a.iter().filter_map(Json::as_str).map(dotted).collect())
                .unwrap_or_default()
        };
        let read_only = pointers("readOnlyProperties");
        let attributes = read_only
            .iter()
            .filter(|p| !p.contains('*'))
            .cloned()
            .collect();
        let (taggable, tag_pointer) = match s.get("tagging") {
            Some(t) => (
                t["taggable"].as_bool().unwrap_or(true),
                t["tagProperty"]
                    .as_str()
                    .unwrap_or("/properties/Tags")
                    .to_string(),
            ),
            None => (
                s["taggable"].as_bool().unwrap_or(false),
                "/properties/Tags".to_string(),
            ),
        };
        // Only a top-level tag property is one the Tags aspect can fill.
        let tag_name = tag_pointer
            .strip_prefix("/properties/")
            .filter(|p| !p.contains('/'))
            .map(str::to_string);
        let (tag_property, tag_style) = match (&tag_name, taggable) {
            (Some(p), true) => match tag_shape(s, &s["properties"][p.as_str()]) {
                Some(style) => (Some(p.clone()), style),
                None => (None, "None"),
            },
            _ => (None, "None"),
        };
        let required = s["required"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Json::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if s["properties"].as_object().is_none() {
            bail!("{name}: the schema has no properties");
        }
        Ok(TypeEntry {
            name: name.to_string(),
            create_only: pointers("createOnlyProperties"),
            read_only,
            write_only: pointers("writeOnlyProperties"),
            required,
            primary_identifier: pointers("primaryIdentifier"),
            attributes,
            deprecated: pointers("deprecatedProperties"),
            taggable,
            tag_property,
            tag_style,
        })
    }

    /// Adds the `Fn::GetAtt` names cfn-lint accepts beyond the read-only
    /// properties, after them (so the read-only ones keep their order).
    /// cfn-lint writes them as patterns: `*` steps into a list (GetAtt
    /// cannot, so those are left out), `Outputs\\..*` is any output of a
    /// nested stack (kept as `Outputs.*`) and `.*` is anything (`*`).
    fn add_get_atts<'s>(&mut self, names: impl Iterator<Item = &'s String>) {
        let mut extra: Vec<String> = names
            .filter_map(|n| match n.as_str() {
                ".*" => Some("*".to_string()),
                n if n.ends_with("\\..*") => Some(format!("{}.*", n.trim_end_matches("\\..*"))),
                n if n.contains('*') || n.contains('\\') => None,
                n => Some(n.to_string()),
            })
            .filter(|n| !self.attributes.contains(n))
            .collect();
        extra.sort();
        extra.dedup();
        self.attributes.extend(extra);
    }

    /// One line of the table: name, create-only, read-only, write-only,
    /// required, primary identifier, attributes, deprecated (lists joined by
    /// spaces), taggable (`1`/`0`), tag property, tag style, root schema node.
    fn write(&self, out: &mut String, root: u32) -> Result<()> {
        let lists = [
            &self.create_only,
            &self.read_only,
            &self.write_only,
            &self.required,
            &self.primary_identifier,
            &self.attributes,
            &self.deprecated,
        ];
        for item in lists.iter().flat_map(|l| l.iter()) {
            if item.contains([' ', '\t', '\n']) {
                bail!("{}: property path {item:?} holds whitespace", self.name);
            }
        }
        let mut fields = vec![self.name.clone()];
        fields.extend(lists.iter().map(|l| l.join(" ")));
        fields.push(if self.taggable { "1" } else { "0" }.to_string());
        fields.push(self.tag_property.clone().unwrap_or_default());
        fields.push(self.tag_style.to_string());
        fields.push(root.to_string());
        writeln!(out, "{}", fields.join("\t"))?;
        Ok(())
    }
}

/// `/properties/A/*/B` → `A.*.B`.
fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches("/properties/").replace('/', ".")
}

/// Whether a tag property is a `[{Key, Value}]` list or a `{key: value}` map.
fn tag_shape(root: &Json, prop: &Json) -> Option<&'static str> {
    let resolved = resolve(root, prop);
    match resolved["type"].as_str() {
        Some("array") => Some("List"),
        Some("object") => Some("Map"),
        _ => None,
    }
}

fn resolve<'a>(root: &'a Json, s: &'a Json) -> &'a Json {
    match s["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/definitions/"))
    {
        Some(name) => &root["definitions"][name],
        None => s,
    }
}

/// The schema with only the keywords the checker reads.
fn compact_schema(s: &Json) -> Json {
    match s {
        Json::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                if !KEEP.contains(&k.as_str()) {
                    continue;
                }
                let v = if SCHEMA_MAPS.contains(&k.as_str()) {
                    match v {
                        Json::Object(inner) => Json::Object(
                            inner
                                .iter()
                                .map(|(n, sub)| (n.clone(), compact_schema(sub)))
                                .collect(),
                        ),
                        other => other.clone(),
                    }
                } else if matches!(k.as_str(), "items" | "additionalProperties") {
                    compact_schema(v)
                } else if matches!(k.as_str(), "allOf" | "anyOf" | "oneOf") {
                    match v {
                        Json::Array(a) => Json::Array(a.iter().map(compact_schema).collect()),
                        other => other.clone(),
                    }
                } else {
                    v.clone()
                };
                out.insert(k.clone(), v);
            }
            Json::Object(out)
        }
        other => other.clone(),
    }
}

/// Minified JSON with object keys sorted, whatever map the parser kept.
pub(crate) fn write_canonical(out: &mut String, v: &Json) {
    match v {
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(k.clone()).to_string());
                out.push(':');
                write_canonical(out, &m[k]);
            }
            out.push('}');
        }
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, x);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_dotted_paths() {
        assert_eq!(dotted("/properties/A/*/B"), "A.*.B");
        assert_eq!(dotted("/properties/Name"), "Name");
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_prose() {
        let s: Json = serde_json::json!({
            "description": "x",
            "properties": {"B": {"type": "string", "description": "y"}, "A": {"type": "integer"}},
            "required": ["B"]
        });
        let mut out = String::new();
        write_canonical(&mut out, &compact_schema(&s));
        assert_eq!(
            out,
            r#"{"properties":{"A":{"type":"integer"},"B":{"type":"string"}},"required":["B"]}"#
        );
    }

    #[test]
    fn tag_style_follows_the_tag_property_shape() {
        let s: Json = serde_json::json!({
            "definitions": {"Tags": {"type": "object"}},
            "properties": {"Tags": {"$ref": "#/definitions/Tags"}},
            "tagging": {"taggable": true}
        });
        let e = TypeEntry::new("AWS::X::Y", &s).unwrap();
        assert_eq!(
            (e.tag_property.as_deref(), e.tag_style),
            (Some("Tags"), "Map")
        );
    }
}
