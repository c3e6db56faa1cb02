//! `meshsynth import k8s`'s code writer: Kubernetes objects as the Rust a
//! person would keep — one function per input file that builds a chart of
//! typed objects (k8s-openapi's structs for core kinds, meshsynth-crds'
//! for the custom kinds meshsynth pins), each object's name as the file
//! has it, so applying the chart over the cluster changes nothing.
//!
//! Names come from [`shapes`], the table `scripts/codegen` reads out of the
//! typed layers' own Rust, so every struct, field and variant written is
//! one that compiles. An object the types cannot hold (a kind outside the
//! table, a field its kind lacks) is written as a `RawObject` with a note
//! saying why; nothing is dropped.

pub mod shapes;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::Value as Json;

use super::expr::str_lit;
use super::layout;
use shapes::{Shapes, Ty};

/// Where the written chart goes.
#[derive(Debug, Clone)]
pub struct ChartTarget<'a> {
    /// The chart's construct id (unique in the app).
    pub chart_name: &'a str,
    /// The Rust function that builds it.
    pub fn_name: &'a str,
    /// The file it came from, for the doc comment.
    pub origin: &'a str,
    /// The cluster the chart deploys to (`k8s/<cluster>/` of the assembly).
    pub cluster: &'a str,
    /// The namespace a namespaced object without one gets (`kubectl apply
    /// -n`).
    pub namespace: &'a str,
    /// Rule findings to suppress on the chart: what synth finds on the
    /// objects as they run (the toolkit includes them first to know), kept
    /// visible in the code until someone fixes or justifies each.
    pub suppress: &'a [String],
}

/// One chart's code.
#[derive(Debug, Clone)]
pub struct ChartCode {
    /// The module's source.
    pub code: String,
    /// meshsynth features its types need (`crd-istio`…).
    pub features: BTreeSet<String>,
    /// What is not typed, and why: one line each, naming the object.
    pub notes: Vec<String>,
}

/// Why a value cannot be written as its field's type.
type Untyped = String;

const INT_OR_STRING: &str = "k8s_openapi::apimachinery::pkg::util::intstr::IntOrString";
const BYTE_STRING: &str = "k8s_openapi::ByteString";
const OBJECT_META: &str = "k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta";

/// The state of writing one chart.
struct Writer<'a> {
    shapes: &'a Shapes,
    /// Canonical path → the name the code uses (imported, or a full path
    /// when two types share a name).
    imports: BTreeMap<String, String>,
    /// Short names taken, and by which path.
    taken: BTreeMap<String, String>,
    features: BTreeSet<String>,
    uses_btreemap: bool,
    uses_json: bool,
}

impl Writer<'_> {
    /// The name code uses for canonical `path`.
    fn name(&mut self, path: &str) -> String {
        if let Some(n) = self.imports.get(path) {
            return n.clone();
        }
        let short = path.rsplit("::").next().unwrap_or(path).to_string();
        let user = user_path(path);
        let name = match self.taken.get(&short) {
            Some(p) if p != path => user,
            _ => {
                self.taken.insert(short.clone(), path.to_string());
                short
            }
        };
        if let Some(f) = self
            .shapes
            .structure(path)
            .and_then(|s| s.feature.as_deref())
        {
            // The kinds meshsynth always compiles need no feature; naming one
            // would compile every kind of its project (and the library again).
            if !BUILTIN_KINDS.contains(&f) {
                self.features.insert(crd_feature(f));
            }
        }
        self.imports.insert(path.to_string(), name.clone());
        name
    }

    /// `j` as Rust of type `ty`.
    fn value(&mut self, j: &Json, ty: &Ty, at: &str) -> Result<String, Untyped> {
        match ty {
            Ty::Option(inner) => Ok(format!("Some({})", self.value(j, inner, at)?)),
            Ty::Boxed(inner) => Ok(format!("Box::new({})", self.value(j, inner, at)?)),
            Ty::Vec(inner) => {
                let Json::Array(items) = j else {
                    return Err(format!("{at} is {} where a list goes", describe(j)));
                };
                let mut parts = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    parts.push(self.value(x, inner, &format!("{at}[{i}]"))?);
                }
                Ok(format!("vec![{}]", parts.join(", ")))
            }
            Ty::Map(inner) => {
                let Json::Object(m) = j else {
                    return Err(format!("{at} is {} where a map goes", describe(j)));
                };
                self.uses_btreemap = true;
                if m.is_empty() {
                    return Ok("BTreeMap::new()".into());
                }
                let mut parts = Vec::with_capacity(m.len());
                for (k, x) in m {
                    let v = self.value(x, inner, &format!("{at}.{k}"))?;
                    parts.push(format!("({}.into(), {v})", str_lit(k)));
                }
                Ok(format!("BTreeMap::from([{}])", parts.join(", ")))
            }
            Ty::Prim(p) => self.primitive(j, p, at),
            Ty::Named(path) => self.named(j, path, at),
        }
    }

    fn primitive(&mut self, j: &Json, p: &str, at: &str) -> Result<String, Untyped> {
        let wrong = || format!("{at} is {} where {p} goes", describe(j));
        match (p, j) {
            ("String", Json::String(s)) => Ok(format!("{}.into()", str_lit(s))),
            ("bool", Json::Bool(b)) => Ok(b.to_string()),
            ("i32", Json::Number(n)) => n
                .as_i64()
                .and_then(|v| i32::try_from(v).ok())
                .map(|v| v.to_string())
                .ok_or_else(wrong),
            ("i64", Json::Number(n)) => n.as_i64().map(|v| v.to_string()).ok_or_else(wrong),
            ("u32", Json::Number(n)) => n
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .map(|v| v.to_string())
                .ok_or_else(wrong),
            ("u64", Json::Number(n)) => n.as_u64().map(|v| v.to_string()).ok_or_else(wrong),
            ("f64", Json::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(|f| format!("{f:?}"))
                .ok_or_else(wrong),
            ("Value", _) => {
                self.uses_json = true;
                let text = serde_json::to_string(j).map_err(|e| e.to_string())?;
                Ok(format!("json!({text})"))
            }
            _ => Err(wrong()),
        }
    }

    fn named(&mut self, j: &Json, path: &str, at: &str) -> Result<String, Untyped> {
        // An alias keeps its own (more telling) name in the code; its
        // shape is the type's it stands for.
        let resolved = self.shapes.resolve(path).to_string();
        if resolved == INT_OR_STRING {
            let name = self.name(path);
            return match j {
                Json::Number(n) => n
                    .as_i64()
                    .and_then(|v| i32::try_from(v).ok())
                    .map(|v| format!("{name}::Int({v})"))
                    .ok_or_else(|| format!("{at} is a number out of an int32's range")),
                Json::String(s) => Ok(format!("{name}::String({}.into())", str_lit(s))),
                _ => Err(format!(
                    "{at} is {} where a number or string goes",
                    describe(j)
                )),
            };
        }
        if resolved == BYTE_STRING {
            let Json::String(s) = j else {
                return Err(format!("{at} is {} where base64 text goes", describe(j)));
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|_| format!("{at} is not base64"))?;
            let name = self.name(path);
            return Ok(match String::from_utf8(bytes.clone()) {
                Ok(text) if !text.chars().any(|c| c.is_control() && c != '\n') => {
                    format!("{name}({}.as_bytes().to_vec())", str_lit(&text))
                }
                _ => format!(
                    "{name}(vec![{}])",
                    bytes
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        if let Some(inner) = self.shapes.newtype(path).cloned() {
            let name = self.name(path);
            // A quantity may be written as a number (`cpu: 0.5`); the API
            // server reads it as that text.
            let j = match (&inner, j) {
                (Ty::Prim(p), Json::Number(n)) if p == "String" => Json::String(n.to_string()),
                _ => j.clone(),
            };
            return Ok(format!("{name}({})", self.value(&j, &inner, at)?));
        }
        if let Some(variants) = self.shapes.enumeration(path) {
            let Json::String(s) = j else {
                return Err(format!(
                    "{at} is {} where one of a set of strings goes",
                    describe(j)
                ));
            };
            let Some((_, v)) = variants.iter().find(|(json, _)| json == s) else {
                return Err(format!("{at}: {s:?} is none of the values its type allows"));
            };
            let v = v.clone();
            return Ok(format!("{}::{v}", self.name(path)));
        }
        let Some(st) = self.shapes.structure(path) else {
            return Err(format!("{at}: the typed layer has no type {path}"));
        };
        let Json::Object(obj) = j else {
            return Err(format!("{at} is {} where an object goes", describe(j)));
        };
        let fields = st.fields.clone();
        if let Some(k) = obj.keys().find(|k| !fields.iter().any(|f| &f.json == *k)) {
            return Err(format!("{at}.{k} is no field of {}", short(path)));
        }
        let mut set = Vec::new();
        for f in &fields {
            let Some(v) = obj.get(&f.json) else { continue };
            if v.is_null() {
                continue;
            }
            let code = self.value(v, &f.ty, &format!("{at}.{}", f.json))?;
            set.push(format!("{}: {code}", f.rust));
        }
        let name = self.name(path);
        Ok(if set.is_empty() {
            format!("{name}::default()")
        } else if set.len() == fields.len() {
            format!("{name} {{ {} }}", set.join(", "))
        } else {
            format!("{name} {{ {}, ..Default::default() }}", set.join(", "))
        })
    }

    /// One object: typed when its kind and every field fit, raw otherwise.
    fn object(&mut self, j: &Json, id: &str, at: &str) -> Result<(String, Option<String>), String> {
        let Json::Object(o) = j else {
            return Err(format!("{at} is not an object"));
        };
        let (Some(Json::String(api_version)), Some(Json::String(kind))) =
            (o.get("apiVersion"), o.get("kind"))
        else {
            return Err(format!("{at} has no apiVersion or kind"));
        };
        let typed = match self.shapes.kind(api_version, kind) {
            Some(path) => {
                let path = path.to_string();
                let mut body = o.clone();
                body.remove("apiVersion");
                body.remove("kind");
                // Keep the imports of a failed attempt out of the file.
                let saved = (
                    self.imports.clone(),
                    self.taken.clone(),
                    self.features.clone(),
                    self.uses_btreemap,
                    self.uses_json,
                );
                match self.named(&Json::Object(body), &path, "") {
                    Ok(code) => Ok(code),
                    Err(why) => {
                        (
                            self.imports,
                            self.taken,
                            self.features,
                            self.uses_btreemap,
                            self.uses_json,
                        ) = saved;
                        Err(why.trim_start_matches('.').to_string())
                    }
                }
            }
            None => Err(format!("the typed layer has no {api_version} {kind}")),
        };
        let call = |expr: String| format!("s.add_object({}, {expr})?;", str_lit(id));
        match typed {
            Ok(code) => Ok((call(code), None)),
            Err(why) => {
                let raw = self.raw(o, at)?;
                Ok((
                    call(raw),
                    Some(format!("{at} ({api_version} {kind}) is a RawObject: {why}")),
                ))
            }
        }
    }

    fn raw(&mut self, o: &serde_json::Map<String, Json>, at: &str) -> Result<String, String> {
        let meta = o.get("metadata").cloned().unwrap_or(Json::Null);
        let meta_ty = Ty::Named(OBJECT_META.into());
        let metadata = self
            .value(&meta, &meta_ty, &format!("{at}.metadata"))
            .map_err(|why| format!("{at}: metadata does not fit ObjectMeta: {why}"))?;
        self.uses_json = true;
        let mut body = Vec::new();
        for (k, v) in o {
            if matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            let text = serde_json::to_string(v).map_err(|e| e.to_string())?;
            body.push(format!("({}.to_string(), json!({text}))", str_lit(k)));
        }
        let s = |k: &str| {
            o.get(k)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let raw = self.name("meshsynth::core::RawObject");
        Ok(format!(
            "{raw} {{ api_version: {}.into(), kind: {}.into(), namespaced: true, metadata: {metadata}, body: [{}].into_iter().collect() }}",
            str_lit(&s("apiVersion")),
            str_lit(&s("kind")),
            body.join(", ")
        ))
    }
}

/// The meshsynth-crds features meshsynth always enables (its `Cargo.toml`,
/// the `meshsynth-crds` dependency): the kinds its own constructs build on.
/// A test holds this list equal to that file.
pub const BUILTIN_KINDS: &[&str] = &[
    "argo-rollouts-analysistemplate",
    "argo-rollouts-rollout",
    "gateway-api-gateway",
    "gateway-api-httproute",
    "istio-authorizationpolicy",
    "istio-destinationrule",
    "istio-envoyfilter",
    "istio-gateway",
    "istio-peerauthentication",
    "istio-requestauthentication",
    "istio-serviceentry",
    "istio-sidecar",
    "istio-telemetry",
    "istio-virtualservice",
    "istio-workloadentry",
    "istio-workloadgroup",
    "keda-scaledobject",
    "keda-triggerauthentication",
    "prometheus-operator-prometheusrule",
    "prometheus-operator-servicemonitor",
];

/// The meshsynth feature that compiles a meshsynth-crds feature's project
/// (`istio-virtualservice` → `crd-istio`).
fn crd_feature(feature: &str) -> String {
    let project = [
        "istio",
        "gateway-api",
        "keda",
        "argo-rollouts",
        "prometheus-operator",
    ]
    .into_iter()
    .find(|p| feature.starts_with(&format!("{p}-")))
    .unwrap_or(feature);
    format!("crd-{project}")
}

/// The path a platform crate names a canonical path by.
fn user_path(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("meshsynth_crds::") {
        format!("meshsynth::k8s::crd::types::{rest}")
    } else if path.starts_with("k8s_openapi::") {
        format!("meshsynth::{path}")
    } else {
        path.to_string()
    }
}

fn short(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

fn describe(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// Construct ids for `objects`, unique in the chart and readable: the
/// object's name, then with its kind, then with its namespace.
fn ids(objects: &[Json]) -> Vec<String> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::with_capacity(objects.len());
    for o in objects {
        let s = |p: &str| o.pointer(p).and_then(Json::as_str).unwrap_or_default();
        let (name, kind, ns) = (
            s("/metadata/name"),
            s("/kind").to_ascii_lowercase(),
            s("/metadata/namespace"),
        );
        let name = if name.is_empty() { "object" } else { name };
        let mut candidates = vec![name.to_string(), format!("{kind}-{name}")];
        if !ns.is_empty() {
            candidates.push(format!("{kind}-{ns}-{name}"));
        }
        let id = candidates
            .into_iter()
            .find(|c| !taken.contains(c))
            .unwrap_or_else(|| {
                let mut i = 2;
                loop {
                    let c = format!("{kind}-{name}-{i}");
                    if !taken.contains(&c) {
                        break c;
                    }
                    i += 1;
                }
            });
        taken.insert(id.clone());
        out.push(id);
    }
    out
}

/// The code of a chart holding `objects` (each an object as the file has
/// it, `List`s already flattened). `origins` names each for notes
/// (`guestbook.yaml#2`). An error refuses the file.
pub fn k8s_chart(
    objects: &[Json],
    origins: &[String],
    target: &ChartTarget<'_>,
    shapes: &Shapes,
) -> Result<ChartCode, String> {
    if objects.is_empty() {
        return Err("holds no Kubernetes object".into());
    }
    let mut w = Writer {
        shapes,
        imports: BTreeMap::new(),
        taken: BTreeMap::new(),
        features: BTreeSet::new(),
        uses_btreemap: false,
        uses_json: false,
    };
    let mut body = Vec::new();
    let mut notes = Vec::new();
    for ((o, id), at) in objects.iter().zip(ids(objects)).zip(origins) {
        let (stmt, note) = w.object(o, &id, at)?;
        body.push(stmt);
        notes.extend(note);
    }
    Ok(ChartCode {
        code: render(&w, target, &body),
        features: w.features,
        notes,
    })
}

fn render(w: &Writer<'_>, target: &ChartTarget<'_>, body: &[String]) -> String {
    let mut out = format!(
        "//! The chart `{}`, imported from `{}` by `meshsynth import k8s`.\n\n",
        target.chart_name,
        target.origin.replace('`', "'")
    );
    // `use` lines grouped by module, as rustfmt sorts them.
    let mut by_module: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, name) in &w.imports {
        if name.contains("::") {
            continue;
        }
        let user = user_path(path);
        let (module, item) = user.rsplit_once("::").unwrap_or(("", &user));
        by_module
            .entry(module.to_string())
            .or_default()
            .push(item.to_string());
    }
    by_module
        .entry("meshsynth::core".into())
        .or_default()
        .extend(["App", "Chart", "ChartProps", "ChartRef", "Error"].map(String::from));
    if w.uses_json {
        by_module
            .entry("meshsynth::serde_json".into())
            .or_default()
            .push("json".into());
    }
    if w.uses_btreemap {
        by_module
            .entry("std::collections".into())
            .or_default()
            .push("BTreeMap".into());
    }
    for (module, mut items) in by_module {
        items.sort();
        items.dedup();
        if items.len() == 1 {
            out.push_str(&format!("use {module}::{};\n", items[0]));
        } else {
            out.push_str(&format!("use {module}::{{{}}};\n", items.join(", ")));
        }
    }
    out.push_str(&format!(
        "\n/// Object names are the file's, so applying this chart over the cluster\n/// changes nothing.\npub fn {}(app: &mut App) -> Result<ChartRef, Error> {{\n",
        target.fn_name
    ));
    let chart = format!(
        "let chart = Chart::new(&mut app.root(), {}, ChartProps::new({}).namespace({}))?;",
        str_lit(target.chart_name),
        str_lit(target.cluster),
        str_lit(target.namespace)
    );
    out.push_str(&format!("    {}\n", layout::layout(&chart, 4)));
    out.push_str("    let mut s = app.scope(chart.node())?;\n");
    for code in target.suppress {
        let line = format!(
            "s.suppress({}, \"imported as deployed by meshsynth import: fix it, or say here why it stays\")?;",
            str_lit(code)
        );
        out.push_str(&format!("    {}\n", layout::layout(&line, 4)));
    }
    for stmt in body {
        out.push_str("    ");
        out.push_str(&layout::layout(stmt, 4));
        out.push('\n');
    }
    out.push_str("    Ok(chart)\n}\n");
    out
}

#[cfg(test)]
mod tests;
