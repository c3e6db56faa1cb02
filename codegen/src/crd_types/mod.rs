//! Generates the typed Rust layer of the Kubernetes extensions from the
//! same upstream CRDs as the registry (see `crd.rs`): one module per project,
//! one submodule per API group and version, a struct per kind and per object
//! schema, an enum per string enum, as k8s-openapi does for core kinds.
//!
//! - Every field of every served version; a required field is not an
//!   `Option`; `x-kubernetes-int-or-string` is `IntOrString`; a map is a
//!   `BTreeMap`; a schema with no type (or only
//!   `x-kubernetes-preserve-unknown-fields`) is a `serde_json::Value`.
//! - Versions whose schema is identical (Istio serves v1, v1beta1 and
//!   v1alpha3 from one) share the types of the first: the others define the
//!   kind (its `apiVersion` differs) and re-export the rest.
//! - Descriptions become doc comments inside a `text` block, as prose
//!   upstream writes it (no Markdown, links or doctests are implied).
//!
//! The output is a pure function of the CRD files.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::Result;
use serde_json::Value as Json;

mod names;
#[cfg(test)]
mod tests;

use names::*;
pub use names::{project_module, version_module};

/// One CRD version to generate: project module, group, kind, plural, scope,
/// version, the schema.
pub struct KindVersion {
    pub project: String,
    pub group: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
    pub version: String,
    pub schema: Json,
}

fn doc(out: &mut String, indent: &str, text: Option<&str>, fallback: &str) {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    match text {
        None => {
            let _ = writeln!(out, "{indent}/// {fallback}");
        }
        Some(t) => {
            let _ = writeln!(out, "{indent}/// ```text");
            for line in t.lines() {
                let line = line.replace("```", "'''");
                if line.trim().is_empty() {
                    let _ = writeln!(out, "{indent}///");
                } else {
                    let _ = writeln!(out, "{indent}/// {}", line.trim_end());
                }
            }
            let _ = writeln!(out, "{indent}/// ```");
        }
    }
}

/// The k8s-openapi type an embedded object schema copies, recognised by
/// the fields that only that type has together: CRDs such as Rollout,
/// ScaledJob and Prometheus embed whole pod specs, and the core types are
/// what users already build them with. (They are those of the library's
/// Kubernetes version, 1.33: a field newer than that is not in them.)
fn core_type(props: &serde_json::Map<String, Json>) -> Option<&'static str> {
    let has = |names: &[&str]| names.iter().all(|n| props.contains_key(*n));
    let only = |names: &[&str]| props.keys().all(|k| names.contains(&k.as_str()));
    let core = if has(&[
        "containers",
        "volumes",
        "restartPolicy",
        "serviceAccountName",
    ]) {
        "PodSpec"
    } else if has(&[
        "image",
        "name",
        "livenessProbe",
        "readinessProbe",
        "volumeMounts",
    ]) {
        "Container"
    } else if has(&["nodeAffinity", "podAffinity", "podAntiAffinity"]) && props.len() == 3 {
        "Affinity"
    } else if has(&["effect", "key", "operator", "tolerationSeconds", "value"]) && props.len() == 5
    {
        "Toleration"
    } else if has(&["limits", "requests"]) && only(&["claims", "limits", "requests"]) {
        "ResourceRequirements"
    } else if has(&[
        "name",
        "configMap",
        "secret",
        "emptyDir",
        "persistentVolumeClaim",
    ]) {
        "Volume"
    } else if has(&[
        "allowPrivilegeEscalation",
        "capabilities",
        "runAsUser",
        "privileged",
    ]) {
        "SecurityContext"
    } else if has(&["fsGroup", "runAsUser", "supplementalGroups", "sysctls"]) {
        "PodSecurityContext"
    } else if has(&["maxSkew", "topologyKey", "whenUnsatisfiable"]) {
        "TopologySpreadConstraint"
    } else if has(&[
        "exec",
        "httpGet",
        "tcpSocket",
        "initialDelaySeconds",
        "periodSeconds",
    ]) {
        "Probe"
    } else if has(&["matchExpressions", "matchLabels"]) && props.len() == 2 {
        return Some("k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector");
    } else {
        return None;
    };
    Some(match core {
        "PodSpec" => "k8s_openapi::api::core::v1::PodSpec",
        "Container" => "k8s_openapi::api::core::v1::Container",
        "Affinity" => "k8s_openapi::api::core::v1::Affinity",
        "Toleration" => "k8s_openapi::api::core::v1::Toleration",
        "ResourceRequirements" => "k8s_openapi::api::core::v1::ResourceRequirements",
        "Volume" => "k8s_openapi::api::core::v1::Volume",
        "SecurityContext" => "k8s_openapi::api::core::v1::SecurityContext",
        "PodSecurityContext" => "k8s_openapi::api::core::v1::PodSecurityContext",
        "TopologySpreadConstraint" => "k8s_openapi::api::core::v1::TopologySpreadConstraint",
        _ => "k8s_openapi::api::core::v1::Probe",
    })
}

/// The types of one version module, built from its kind's schema.
struct Module {
    /// Type name → its Rust definition.
    items: BTreeMap<String, String>,
    /// Types that implement `Default`.
    defaultable: BTreeSet<String>,
    /// Shape (the schema without prose) → the type already made for it:
    /// prometheus-operator repeats one HTTP client config under every
    /// receiver, and one type serves them all.
    shapes: BTreeMap<String, String>,
    /// Types the current kind uses (made or reused).
    used: BTreeSet<String>,
}

fn new_module() -> Module {
    Module {
        items: BTreeMap::new(),
        defaultable: BTreeSet::new(),
        shapes: BTreeMap::new(),
        used: BTreeSet::new(),
    }
}

/// An object schema's required field names and its properties.
fn required_and_properties(schema: &Json) -> (BTreeSet<&str>, serde_json::Map<String, Json>) {
    let required = schema
        .get("required")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    let props = schema
        .get("properties")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    (required, props)
}

/// The schema without prose, as a dedup key.
fn shape(schema: &Json) -> String {
    fn strip(v: &Json) -> Json {
        match v {
            Json::Object(m) => Json::Object(
                m.iter()
                    .filter(|(k, _)| k.as_str() != "description")
                    .map(|(k, x)| (k.clone(), strip(x)))
                    .collect(),
            ),
            Json::Array(a) => Json::Array(a.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    strip(schema).to_string()
}

impl Module {
    /// `name` for the type made for the same shape elsewhere (`existing`),
    /// so every position has the name its path gives it.
    fn alias(&mut self, name: &str, existing: &str) -> String {
        self.used.insert(existing.to_string());
        if name == existing {
            return name.to_string();
        }
        let n = self.unique(name.to_string());
        self.items.insert(
            n.clone(),
            format!("/// The same shape as [`{existing}`].\npub type {n} = {existing};\n"),
        );
        self.used.insert(n.clone());
        n
    }

    fn unique(&self, name: String) -> String {
        if !self.items.contains_key(&name) {
            return name;
        }
        (2..)
            .map(|i| format!("{name}{i}"))
            .find(|n| !self.items.contains_key(n))
            .unwrap_or(name)
    }

    /// The Rust type of `schema`, defining structs and enums as needed;
    /// `(type, implements Default)`.
    fn type_of(&mut self, name: &str, schema: &Json) -> (String, bool) {
        if schema
            .get("x-kubernetes-int-or-string")
            .and_then(Json::as_bool)
            == Some(true)
        {
            return ("IntOrString".into(), true);
        }
        let ty = schema.get("type").and_then(Json::as_str).unwrap_or("");
        match ty {
            "string" => match schema.get("enum").and_then(Json::as_array) {
                Some(values) if !values.is_empty() => self.string_enum(name, schema, values),
                _ => ("String".into(), true),
            },
            "integer" => (integer_type(schema).into(), true),
            "number" => ("f64".into(), true),
            "boolean" => ("bool".into(), true),
            "array" => {
                let item = schema.get("items").cloned().unwrap_or(Json::Null);
                let (t, _) = self.type_of(name, &item);
                (format!("Vec<{t}>"), true)
            }
            "object" => {
                let props = schema.get("properties").and_then(Json::as_object);
                if let Some(core) = props.and_then(core_type) {
                    return (core.to_string(), true);
                }
                match props {
                    Some(p) if !p.is_empty() => {
                        let key = shape(schema);
                        if let Some(n) = self.shapes.get(&key).cloned() {
                            let d = self.defaultable.contains(&n);
                            return (self.alias(name, &n), d);
                        }
                        let n = self.unique(name.to_string());
                        self.shapes.insert(key, n.clone());
                        self.used.insert(n.clone());
                        let d = self.structure(&n, schema);
                        (n, d)
                    }
                    _ => match schema.get("additionalProperties") {
                        Some(a) if a.is_object() => {
                            let (t, _) = self.type_of(name, a);
                            (format!("BTreeMap<String, {t}>"), true)
                        }
                        _ => ("Value".into(), true),
                    },
                }
            }
            _ => ("Value".into(), true),
        }
    }

    fn string_enum(&mut self, name: &str, schema: &Json, values: &[Json]) -> (String, bool) {
        let strs: Vec<&str> = values.iter().filter_map(Json::as_str).collect();
        let variants = enum_variants(&strs);
        let distinct: BTreeSet<&String> = variants.iter().flatten().collect();
        if strs.len() != values.len()
            || variants.iter().any(Option::is_none)
            || distinct.len() != strs.len()
        {
            return ("String".into(), true);
        }
        let key = shape(schema);
        if let Some(n) = self.shapes.get(&key).cloned() {
            return (self.alias(name, &n), false);
        }
        let n = self.unique(name.to_string());
        self.shapes.insert(key, n.clone());
        self.used.insert(n.clone());
        let mut out = String::new();
        doc(
            &mut out,
            "",
            schema.get("description").and_then(Json::as_str),
            "One of the values the CRD allows.",
        );
        out.push_str(
            "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]\n",
        );
        let _ = writeln!(out, "pub enum {n} {{");
        for (s, v) in strs.iter().zip(variants.iter().flatten()) {
            let _ = writeln!(out, "    /// `{s}`");
            let _ = writeln!(out, "    #[serde(rename = {s:?})]");
            let _ = writeln!(out, "    {v},");
        }
        out.push_str("}\n");
        self.items.insert(n.clone(), out);
        (n, false)
    }

    /// Defines struct `name` for an object schema; whether it is `Default`.
    fn structure(&mut self, name: &str, schema: &Json) -> bool {
        // Reserve the name before the fields define theirs.
        self.items.insert(name.to_string(), String::new());
        let (required, props) = required_and_properties(schema);
        let mut fields = String::new();
        let mut defaultable = true;
        // Where a CRD accepts a legacy snake_case spelling beside the
        // camelCase field (Istio's `jwks_uri`, `mirror_percent`), the
        // camelCase one, which is what users write, gets the plain name.
        let mut used = BTreeSet::new();
        let mut names = BTreeMap::new();
        let mut order: Vec<&String> = props.iter().map(|(n, _)| n).collect();
        order.sort_by_key(|n| n.contains('_'));
        for json_name in order {
            let mut rust = field_name(json_name);
            while !used.insert(rust.clone()) {
                rust.push('_');
            }
            names.insert(json_name.clone(), rust);
        }
        for (json_name, sub) in &props {
            let rust = names[json_name].clone();
            let (t, d) = self.type_of(&format!("{name}{}", type_segment(json_name)), sub);
            doc(
                &mut fields,
                "    ",
                sub.get("description").and_then(Json::as_str),
                &format!("`{json_name}`."),
            );
            let rename = if rust.trim_start_matches("r#") != json_name.as_str() {
                format!("rename = {json_name:?}, ")
            } else {
                String::new()
            };
            if required.contains(json_name.as_str()) {
                defaultable &= d;
                if rename.is_empty() {
                    let _ = writeln!(fields, "    pub {rust}: {t},");
                } else {
                    let _ = writeln!(fields, "    #[serde({})]", rename.trim_end_matches(", "));
                    let _ = writeln!(fields, "    pub {rust}: {t},");
                }
            } else {
                let _ = writeln!(
                    fields,
                    "    #[serde({rename}default, skip_serializing_if = \"Option::is_none\")]"
                );
                let _ = writeln!(fields, "    pub {rust}: Option<{t}>,");
            }
        }
        let preserve = schema
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Json::as_bool)
            == Some(true);
        if preserve {
            fields.push_str(
                "    /// Fields the schema leaves open (`x-kubernetes-preserve-unknown-fields`).\n",
            );
            fields.push_str("    #[serde(flatten)]\n    pub extra: BTreeMap<String, Value>,\n");
        }
        let mut out = String::new();
        doc(
            &mut out,
            "",
            schema.get("description").and_then(Json::as_str),
            "Part of the kind's schema.",
        );
        let derive_default = if defaultable { ", Default" } else { "" };
        let _ = writeln!(
            out,
            "#[derive(Clone, Debug{derive_default}, PartialEq, Serialize, Deserialize)]"
        );
        let _ = writeln!(out, "pub struct {name} {{");
        out.push_str(&fields);
        out.push_str("}\n");
        self.items.insert(name.to_string(), out);
        if defaultable {
            self.defaultable.insert(name.to_string());
        }
        defaultable
    }
}

/// The kind's own struct: `metadata`, then the schema's top-level fields
/// other than `apiVersion`, `kind` and `metadata`; its parts go to `module`.
fn kind_struct(
    out: &mut String,
    kv: &KindVersion,
    resolve: &mut dyn FnMut(&str, &str, &Json) -> (String, bool),
) {
    let kind = &kv.kind;
    let root = &kv.schema;
    let (required, props) = required_and_properties(root);
    let mut fields = String::new();
    let mut serialize = String::new();
    let mut defaultable = true;
    for (json_name, sub) in &props {
        if matches!(json_name.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        let (t, d) = resolve(
            json_name,
            &format!("{kind}{}", type_segment(json_name)),
            sub,
        );
        let rust = field_name(json_name);
        doc(
            &mut fields,
            "    ",
            sub.get("description").and_then(Json::as_str),
            &format!("`{json_name}`."),
        );
        if required.contains(json_name.as_str()) {
            defaultable &= d;
            let _ = writeln!(fields, "    pub {rust}: {t},");
            let _ = writeln!(
                serialize,
                "        m.serialize_entry({json_name:?}, &self.{rust})?;"
            );
        } else {
            fields.push_str("    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n");
            let _ = writeln!(fields, "    pub {rust}: Option<{t}>,");
            let _ = writeln!(
                serialize,
                "        if let Some(v) = &self.{rust} {{\n            m.serialize_entry({json_name:?}, v)?;\n        }}"
            );
        }
    }
    doc(
        out,
        "",
        root.get("description").and_then(Json::as_str),
        &format!("`{}/{}` `{kind}`.", kv.group, kv.version),
    );
    let derive_default = if defaultable { ", Default" } else { "" };
    let _ = writeln!(
        out,
        "#[derive(Clone, Debug{derive_default}, PartialEq, Deserialize)]"
    );
    let _ = writeln!(out, "pub struct {kind} {{");
    out.push_str(
        "    /// Standard object metadata.\n    #[serde(default)]\n    pub metadata: ObjectMeta,\n",
    );
    out.push_str(&fields);
    out.push_str("}\n\n");
    let _ = writeln!(out, "impl Serialize for {kind} {{");
    out.push_str(
        "    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {\n",
    );
    out.push_str(
        "        use serde::ser::SerializeMap;\n        let mut m = s.serialize_map(None)?;\n",
    );
    out.push_str("        m.serialize_entry(\"apiVersion\", <Self as k8s_openapi::Resource>::API_VERSION)?;\n");
    out.push_str("        m.serialize_entry(\"kind\", <Self as k8s_openapi::Resource>::KIND)?;\n");
    out.push_str("        m.serialize_entry(\"metadata\", &self.metadata)?;\n");
    out.push_str(&serialize);
    out.push_str("        m.end()\n    }\n}\n\n");
    let scope = if kv.namespaced {
        "NamespaceResourceScope"
    } else {
        "ClusterResourceScope"
    };
    let _ = writeln!(
        out,
        "crd_resource!({kind}, group: {:?}, version: {:?}, plural: {:?}, scope: {scope});\n",
        kv.group, kv.version, kv.plural
    );
}

/// The cargo feature of a kind in the types crate: `istio` + `VirtualService`
/// → `istio-virtualservice`. One feature serves every version of the kind.
pub fn kind_feature(project_module: &str, kind: &str) -> String {
    format!(
        "{}-{}",
        project_module.replace('_', "-"),
        kind.to_ascii_lowercase()
    )
}

/// The type-like identifiers in Rust source text (doc comments left out),
/// to find the items an item names.
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("///"))
        .flat_map(|l| l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// `#[cfg(...)]` for a set of features.
fn cfg_line(features: &BTreeSet<String>) -> String {
    let list: Vec<String> = features
        .iter()
        .map(|f| format!("feature = {f:?}"))
        .collect();
    match list.as_slice() {
        [one] => format!("#[cfg({one})]"),
        _ => format!("#[cfg(any({}))]", list.join(", ")),
    }
}

/// One API group and version of a project, before it is written.
struct VersionModule {
    name: String,
    doc: String,
    /// Each kind's own code (struct, impls, re-exports) and its feature.
    kinds: Vec<(String, String)>,
    /// The parts: name → definition.
    items: BTreeMap<String, String>,
    /// The features each part is compiled under.
    features: BTreeMap<String, BTreeSet<String>>,
}

impl VersionModule {
    /// Marks `roots` and every part they name, transitively, as needed by `feature`.
    fn need(&mut self, roots: &str, feature: &str) {
        let mut todo: Vec<String> = identifiers(roots).map(String::from).collect();
        while let Some(name) = todo.pop() {
            let Some(text) = self.items.get(&name).filter(|t| !t.is_empty()) else {
                continue;
            };
            if self
                .features
                .entry(name.clone())
                .or_default()
                .insert(feature.to_string())
            {
                todo.extend(identifiers(text).map(String::from));
            }
        }
    }
}

/// One project's file: `(module name, Rust source, kind features)`. Each
/// kind, and each part only its kinds use, is compiled under the kind's
/// feature, so a crate that needs three kinds does not compile forty.
pub fn generate_project(
    project_folder: &str,
    kinds: &[KindVersion],
) -> Result<(String, String, BTreeSet<String>)> {
    let module_name = project_module(project_folder);
    let mut by_module: BTreeMap<String, Vec<&KindVersion>> = BTreeMap::new();
    for kv in kinds {
        by_module
            .entry(version_module(&kv.group, &kv.version))
            .or_default()
            .push(kv);
    }
    // The module that defines a schema's types: the first to use it. Later
    // ones define only the kind and re-export the names recorded here.
    // Per schema: the home module, the types the kind uses, and the type of
    // each top-level field there.
    type Home = (String, Vec<String>, BTreeMap<String, (String, bool)>);
    let mut home: BTreeMap<String, Home> = BTreeMap::new();
    let mut modules: Vec<VersionModule> = Vec::new();
    let mut all_features = BTreeSet::new();
    for (m, kvs) in &by_module {
        let mut module = new_module();
        // Kind names are taken before any part is named.
        for kv in kvs {
            module.items.insert(kv.kind.clone(), String::new());
        }
        let mut kind_code = Vec::new();
        // Re-exports from earlier modules: (home module, names, feature).
        let mut borrowed: Vec<(String, Vec<String>, String)> = Vec::new();
        for kv in kvs {
            let feature = kind_feature(&module_name, &kv.kind);
            all_features.insert(feature.clone());
            let mut body = String::new();
            let key = format!("{}\n{}", kv.kind, kv.schema);
            match home.get(&key) {
                Some((h, names, tops)) => {
                    // The fields' types as `h` named them.
                    let mut resolve = |json: &str, _: &str, _: &Json| {
                        tops.get(json).cloned().unwrap_or(("Value".into(), true))
                    };
                    kind_struct(&mut body, kv, &mut resolve);
                    let fresh: Vec<String> = names
                        .iter()
                        .filter(|n| !module.items.contains_key(*n))
                        .cloned()
                        .collect();
                    if !fresh.is_empty() {
                        let _ = writeln!(body, "pub use super::{h}::{{");
                        for n in &fresh {
                            let _ = writeln!(body, "    {n},");
                            module.items.insert(n.clone(), String::new());
                        }
                        body.push_str("};\n\n");
                    }
                    borrowed.push((h.clone(), names.clone(), feature.clone()));
                }
                None => {
                    module.used.clear();
                    let mut tops = BTreeMap::new();
                    let mut resolve = |json: &str, name: &str, sub: &Json| {
                        let t = module.type_of(name, sub);
                        tops.insert(json.to_string(), t.clone());
                        t
                    };
                    kind_struct(&mut body, kv, &mut resolve);
                    let used: Vec<String> = module.used.iter().cloned().collect();
                    home.insert(key, (m.clone(), used, tops));
                }
            }
            kind_code.push((feature, body));
        }
        let mut vm = VersionModule {
            name: m.clone(),
            doc: format!("/// `{}/{}`.", kvs[0].group, kvs[0].version),
            kinds: kind_code,
            items: module.items,
            features: BTreeMap::new(),
        };
        for (feature, body) in vm.kinds.clone() {
            vm.need(&body, &feature);
        }
        for (h, names, feature) in borrowed {
            if let Some(home) = modules.iter_mut().find(|x| x.name == h) {
                home.need(&names.join(" "), &feature);
            }
        }
        modules.push(vm);
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "// @generated by meshsynth-codegen from the CRDs of ../shared/crds/{project_folder}.\n\
         // Do not edit: run `scripts/codegen` instead.\n"
    );
    out.push_str(CRD_RESOURCE_MACRO);
    for vm in &modules {
        render_module(&mut out, vm);
    }
    Ok((module_name, out, all_features))
}

/// Written at the top of each project crate's `generated.rs`, before the
/// modules that call it: the `k8s_openapi` traits of a generated kind,
/// which (with its generated `Serialize`, `apiVersion` and `kind` first)
/// make it an object meshsynth's `k8s::add_object` takes.
const CRD_RESOURCE_MACRO: &str = "\
#[allow(unused_macros)]
macro_rules! crd_resource {
    ($name:ident, group: $group:literal, version: $version:literal, plural: $plural:literal, scope: $scope:ident) => {
        impl k8s_openapi::Resource for $name {
            const API_VERSION: &'static str = concat!($group, \"/\", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = stringify!($name);
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::$scope;
        }

        impl k8s_openapi::Metadata for $name {
            type Ty = ObjectMeta;
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

";

/// One version module: its doc and cfg, the shared imports, each kind's
/// items under its feature, and the parts under the features that use them.
fn render_module(out: &mut String, vm: &VersionModule) {
    let mut module_features: BTreeSet<String> = vm.kinds.iter().map(|(f, _)| f.clone()).collect();
    for f in vm.features.values() {
        module_features.extend(f.iter().cloned());
    }
    let _ = writeln!(out, "{}", vm.doc);
    let _ = writeln!(out, "{}", cfg_line(&module_features));
    let _ = writeln!(
        out,
        "#[cfg_attr(docsrs, doc(cfg({})))]",
        cfg_line(&module_features)
            .trim_start_matches("#[cfg(")
            .trim_end_matches(")]")
    );
    let _ = writeln!(out, "pub mod {} {{", vm.name);
    out.push_str("    #![allow(rustdoc::all, clippy::all)]\n");
    out.push_str("    #[allow(unused_imports)]\n    use std::collections::BTreeMap;\n\n");
    out.push_str("    #[allow(unused_imports)]\n    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;\n");
    out.push_str("    #[allow(unused_imports)]\n    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;\n");
    out.push_str("    #[allow(unused_imports)]\n    use serde::{Deserialize, Serialize};\n");
    out.push_str("    #[allow(unused_imports)]\n    use serde_json::Value;\n\n");
    let mut body = String::new();
    for (feature, code) in &vm.kinds {
        let cfg = format!("#[cfg(feature = {feature:?})]");
        // Every item of the kind's code (struct, impl, macro call,
        // re-export) starts at column 0 after a blank line or a doc.
        let mut at_item_start = true;
        for line in code.lines() {
            if at_item_start && !line.is_empty() {
                let _ = writeln!(body, "{cfg}");
                at_item_start = false;
            }
            let _ = writeln!(body, "{line}");
            if line.is_empty() {
                at_item_start = true;
            }
        }
    }
    for (name, item) in vm.items.iter().filter(|(_, i)| !i.is_empty()) {
        if let Some(features) = vm.features.get(name) {
            let _ = writeln!(body, "{}", cfg_line(features));
            body.push_str(item);
            body.push('\n');
        }
    }
    for line in body.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push_str("}\n\n");
}

/// The narrowest Rust integer its schema allows: the `format` when it has
/// one (`int32` → `i32`, `int64` → `i64`); else its bounds (`0..=65535` →
/// `u16`, up to `4294967295` → `u32`, within `i32` → `i32`); else `i64`. A
/// port of 70000 then does not compile where the CRD says a port is 16 bits.
fn integer_type(schema: &Json) -> &'static str {
    match schema.get("format").and_then(Json::as_str) {
        Some("int32") => return "i32",
        Some("int64") => return "i64",
        _ => {}
    }
    let bound = |k: &str| schema.get(k).and_then(Json::as_f64);
    match (bound("minimum"), bound("maximum")) {
        (Some(lo), Some(hi)) if lo >= 0.0 && hi <= f64::from(u16::MAX) => "u16",
        (Some(lo), Some(hi)) if lo >= 0.0 && hi <= f64::from(u32::MAX) => "u32",
        (Some(lo), Some(hi)) if lo >= f64::from(i32::MIN) && hi <= f64::from(i32::MAX) => "i32",
        _ => "i64",
    }
}
