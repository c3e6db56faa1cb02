//! Tests for your own platform, in a few lines: synthesize the app in memory
//! (with context values), find templates and Kubernetes objects by stack,
//! construct path, kind and name, assert with matchers in the style of CDK's
//! `assertions` module, and snapshot the exact bytes synth writes with insta.
//!
//! ```
//! use meshsynth::aws::network::{Vpc, VpcProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//! use serde_json::json;
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let region: String = app.context().get_or("region", "eu-west-1".to_string())?;
//!     let net = Stack::new(&mut app.root(), "acme-network",
//!         StackProps { env: Env::region(region), ..Default::default() })?;
//!     Vpc::new(&mut app.scope(net.node())?, "Vpc",
//!         VpcProps { cidr: "10.20.0.0/16".into(), ..Default::default() })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[("region", "eu-central-1")]).expect("the app synthesizes");
//! let network = synth.template("acme-network");
//! network.resource_count_is("AWS::EC2::VPC", 1);
//! network.has_resource_properties("AWS::EC2::VPC", json!({ "CidrBlock": "10.20.0.0/16" }));
//! assert_eq!(synth.resource_at("acme-network/Vpc/Resource")["Type"], "AWS::EC2::VPC");
//! // In your crate's tests: insta::assert_snapshot!(network.to_json());
//! ```
//!
//! The matchers panic with a message that shows what was found, as test
//! assertions do; `synth_app` itself returns the synthesis error, so a test
//! can also assert that a bad app is rejected.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::core::{App, Context, Diagnostic, Error, ObjectEntry};
use crate::synth::{synth, SynthOptions, Synthesis};

/// Synthesizes `build` in memory with `context` (as `-c key=value` would),
/// exactly as `meshsynth synth` does, without writing files.
pub fn synth_app(
    build: impl Fn(&mut App) -> Result<(), Error>,
    context: &[(&str, &str)],
) -> Result<Synthesized, Error> {
    synth_app_with(build, context, &SynthOptions::default())
}

/// [`synth_app`] with explicit options (stack globs, `strict`, template format).
pub fn synth_app_with(
    build: impl Fn(&mut App) -> Result<(), Error>,
    context: &[(&str, &str)],
    opts: &SynthOptions,
) -> Result<Synthesized, Error> {
    let mut ctx = Context::new();
    for (k, v) in context {
        ctx.set(*k, *v);
    }
    let mut app = App::new(ctx);
    build(&mut app)?;
    crate::mesh::enable_checks(&mut app.root());
    Synthesized::new(synth(app, opts)?)
}

/// A synthesized app: its files, templates and objects, ready to assert on.
pub struct Synthesized {
    synthesis: Synthesis,
    files: BTreeMap<String, String>,
    templates: Vec<Template>,
    objects: Vec<Object>,
}

/// One stack's template.
pub struct Template {
    stack: String,
    file: String,
    text: String,
    json: Json,
}

/// One Kubernetes object as synth emitted it (tags applied, names resolved).
#[derive(Debug, Clone)]
pub struct Object {
    /// The cluster the object is applied to.
    pub cluster: String,
    /// The assembly file that holds it, e.g. `k8s/prod/shop-workloads.yaml`.
    pub file: String,
    /// The object itself.
    pub json: Json,
}

impl Synthesized {
    fn new(synthesis: Synthesis) -> Result<Synthesized, Error> {
        let mut files = BTreeMap::new();
        for (path, bytes) in synthesis.assembly.all_files() {
            files.insert(path, String::from_utf8_lossy(&bytes).into_owned());
        }
        let mut templates = Vec::new();
        for st in &synthesis.assembly.manifest.stacks {
            let text = files.get(&st.template).cloned().unwrap_or_default();
            let json = parse(&st.template, &text)?;
            templates.push(Template {
                stack: st.name.clone(),
                file: st.template.clone(),
                text,
                json,
            });
        }
        let mut objects = Vec::new();
        for c in &synthesis.assembly.manifest.clusters {
            for f in &c.files {
                let path = f.file.clone();
                let text = files.get(&path).map(String::as_str).unwrap_or_default();
                for doc in serde_yaml::Deserializer::from_str(text) {
                    let json: Json =
                        serde::Deserialize::deserialize(doc).map_err(|e| Error::Io {
                            path: path.clone(),
                            message: format!("emitted YAML does not parse: {e}"),
                            source: None,
                        })?;
                    if !json.is_null() {
                        objects.push(Object {
                            cluster: c.name.clone(),
                            file: path.clone(),
                            json,
                        });
                    }
                }
            }
        }
        Ok(Synthesized {
            synthesis,
            files,
            templates,
            objects,
        })
    }

    /// The synthesis itself (assembly, manifest, locked tree).
    pub fn synthesis(&self) -> &Synthesis {
        &self.synthesis
    }

    /// Warnings and other non-fatal diagnostics synth reported.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.synthesis.diagnostics
    }

    /// The stack names, in deployment order.
    pub fn stack_names(&self) -> Vec<&str> {
        self.templates.iter().map(|t| t.stack.as_str()).collect()
    }

    /// The template of `stack`. Panics, naming the stacks there are, when
    /// there is no such stack.
    pub fn template(&self, stack: &str) -> &Template {
        self.templates
            .iter()
            .find(|t| t.stack == stack)
            .unwrap_or_else(|| {
                panic!(
                    "no stack {stack:?}; the stacks are {:?}",
                    self.stack_names()
                )
            })
    }

    /// The emitted resource (`Type`, `Properties`, …) of the construct at
    /// `path`, e.g. `shop-data/Orders/Resource`. Panics when no resource has
    /// that path.
    pub fn resource_at(&self, path: &str) -> &Json {
        let addresses = self.synthesis.app.addresses();
        let Some(address) = addresses.iter().find(|a| a.path == path) else {
            let near: Vec<&str> = addresses
                .iter()
                .map(|a| a.path)
                .filter(|p| p.starts_with(path.split('/').next().unwrap_or("")))
                .take(20)
                .collect();
            panic!("no resource at {path:?}; resources in that stack include {near:?}");
        };
        let (t, id) = (self.template(address.stack), &address.logical_id);
        t.json
            .get("Resources")
            .and_then(|r| r.get(id))
            .unwrap_or_else(|| panic!("{path}: logical ID {id} is not in {}", t.file))
    }

    /// The logical ID synth gave the resource at `path`, when there is one.
    pub fn logical_id_of(&self, path: &str) -> Option<String> {
        self.synthesis
            .app
            .addresses()
            .into_iter()
            .find(|a| a.path == path)
            .map(|a| a.logical_id)
    }

    /// Every Kubernetes object of every cluster, in file order.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// Every object of `kind` (e.g. `VirtualService`).
    pub fn objects_of_kind(&self, kind: &str) -> Vec<&Object> {
        self.objects.iter().filter(|o| o.kind() == kind).collect()
    }

    /// The object of `kind` named `name` (in any namespace). Panics, naming
    /// the objects of that kind, when there is none or more than one.
    pub fn object(&self, kind: &str, name: &str) -> &Object {
        let found: Vec<&Object> = self
            .objects
            .iter()
            .filter(|o| o.kind() == kind && o.name() == name)
            .collect();
        match found.as_slice() {
            [one] => one,
            [] => panic!(
                "no {kind} named {name:?}; the {kind} objects are {:?}",
                self.objects_of_kind(kind)
                    .iter()
                    .map(|o| o.qualified_name())
                    .collect::<Vec<_>>()
            ),
            many => panic!(
                "{} {kind} objects are named {name:?} ({:?}); use object_in",
                many.len(),
                many.iter().map(|o| o.qualified_name()).collect::<Vec<_>>()
            ),
        }
    }

    /// The object of `kind` named `name` in `namespace`. Panics when absent.
    pub fn object_in(&self, kind: &str, namespace: &str, name: &str) -> &Object {
        self.objects
            .iter()
            .find(|o| o.kind() == kind && o.name() == name && o.namespace() == Some(namespace))
            .unwrap_or_else(|| panic!("no {kind} {namespace}/{name}"))
    }

    /// The emitted object of the construct at `path`. Panics when no object
    /// has that path.
    pub fn object_at(&self, path: &str) -> &Object {
        let all = self.synthesis.app.objects();
        let Some(&ObjectEntry {
            cluster,
            object: obj,
            ..
        }) = all.iter().find(|e| e.path == path)
        else {
            panic!("no Kubernetes object at {path:?}");
        };
        let name = obj.metadata().name.as_deref().unwrap_or("");
        let ns = obj.metadata().namespace.as_deref();
        self.objects
            .iter()
            .find(|o| {
                o.cluster == cluster
                    && o.kind() == obj.kind()
                    && o.name() == name
                    && o.namespace() == ns
            })
            .unwrap_or_else(|| panic!("{path}: {} {name} was not emitted", obj.kind()))
    }

    /// Every manifest file of `cluster`, concatenated in order with a
    /// `# file: …` line before each: one string to snapshot. Panics when
    /// there is no such cluster.
    pub fn cluster_manifests(&self, cluster: &str) -> String {
        let Some(c) = self
            .synthesis
            .assembly
            .manifest
            .clusters
            .iter()
            .find(|c| c.name == cluster)
        else {
            let names: Vec<&str> = self
                .synthesis
                .assembly
                .manifest
                .clusters
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            panic!("no cluster {cluster:?}; the clusters are {names:?}");
        };
        let mut out = String::new();
        for f in &c.files {
            out.push_str(&format!("# file: {}\n", f.file));
            out.push_str(self.files.get(&f.file).map(String::as_str).unwrap_or(""));
        }
        out
    }

    /// A file of the assembly by its relative path (e.g. `manifest.json`),
    /// exactly as synth writes it.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// The relative paths of every file of the assembly.
    pub fn file_names(&self) -> Vec<&str> {
        self.files.keys().map(String::as_str).collect()
    }
}

impl Template {
    /// The stack name.
    pub fn stack(&self) -> &str {
        &self.stack
    }

    /// The template as parsed JSON.
    pub fn json(&self) -> &Json {
        &self.json
    }

    /// The exact bytes synth writes for this template: what to snapshot.
    pub fn to_json(&self) -> &str {
        &self.text
    }

    /// Every resource of `resource_type` as (logical ID, resource).
    pub fn resources_of_type(&self, resource_type: &str) -> Vec<(&str, &Json)> {
        self.json
            .get("Resources")
            .and_then(Json::as_object)
            .map(|r| {
                r.iter()
                    .filter(|(_, v)| v.get("Type").and_then(Json::as_str) == Some(resource_type))
                    .map(|(k, v)| (k.as_str(), v))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts that the template has exactly `count` resources of `resource_type`.
    pub fn resource_count_is(&self, resource_type: &str, count: usize) {
        let found = self.resources_of_type(resource_type).len();
        assert_eq!(
            found, count,
            "{}: expected {count} {resource_type} resource(s), found {found}",
            self.stack
        );
    }

    /// Asserts that some resource of `resource_type` has `Properties` that
    /// match `expected` (a partial match: see [`matches()`]).
    pub fn has_resource_properties(&self, resource_type: &str, expected: Json) {
        let candidates = self.resources_of_type(resource_type);
        static NULL: Json = Json::Null;
        let null = &NULL;
        if candidates
            .iter()
            .any(|(_, r)| matches(r.get("Properties").unwrap_or(null), &expected))
        {
            return;
        }
        panic!(
            "{}: no {resource_type} has properties matching {expected}; the {} candidate(s): {}",
            self.stack,
            candidates.len(),
            describe(&candidates, |r| r.get("Properties").unwrap_or(null))
        );
    }

    /// Asserts that some resource of `resource_type` matches `expected` as a
    /// whole (`Properties`, `DependsOn`, `DeletionPolicy`, …; partially).
    pub fn has_resource(&self, resource_type: &str, expected: Json) {
        let candidates = self.resources_of_type(resource_type);
        if candidates.iter().any(|(_, r)| matches(r, &expected)) {
            return;
        }
        panic!(
            "{}: no {resource_type} matches {expected}; the {} candidate(s): {}",
            self.stack,
            candidates.len(),
            describe(&candidates, |r| r)
        );
    }

    /// Asserts that the output `id` exists and matches `expected` (partially).
    pub fn has_output(&self, id: &str, expected: Json) {
        let output = self
            .json
            .get("Outputs")
            .and_then(|o| o.get(id))
            .unwrap_or_else(|| panic!("{}: no output {id:?}", self.stack));
        assert!(
            matches(output, &expected),
            "{}: output {id} is {output}, which does not match {expected}",
            self.stack
        );
    }
}

impl Object {
    /// The whole object as JSON, for assertions `has` cannot express
    /// (a count, an absent key).
    pub fn json(&self) -> &Json {
        &self.json
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.json.get("kind").and_then(Json::as_str).unwrap_or("")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.json
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or("")
    }

    /// `metadata.namespace`, for namespaced objects.
    pub fn namespace(&self) -> Option<&str> {
        self.json
            .pointer("/metadata/namespace")
            .and_then(Json::as_str)
    }

    /// `Kind ns/name`, as findings and errors name objects.
    pub fn qualified_name(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{} {ns}/{}", self.kind(), self.name()),
            None => format!("{} {}", self.kind(), self.name()),
        }
    }

    /// Asserts that the object matches `expected` (partially, see [`matches()`]).
    pub fn has(&self, expected: Json) {
        assert!(
            matches(&self.json, &expected),
            "{} does not match {expected}: it is {}",
            self.qualified_name(),
            self.json
        );
    }

    /// The emitted YAML of this object alone, for a snapshot.
    pub fn to_yaml(&self) -> String {
        crate::emit::yaml::to_yaml(&self.json)
    }
}

/// Whether `actual` matches `expected` the way CDK's `objectLike` does:
/// every key of an expected object must be present and match (other keys
/// are ignored, at any depth); arrays must have the same length and match
/// element by element; anything else must be equal.
pub fn matches(actual: &Json, expected: &Json) -> bool {
    match (actual, expected) {
        (Json::Object(a), Json::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| matches(av, ev))),
        (Json::Array(a), Json::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| matches(av, ev))
        }
        _ => actual == expected,
    }
}

fn describe<'a>(candidates: &[(&str, &'a Json)], part: impl Fn(&'a Json) -> &'a Json) -> String {
    if candidates.is_empty() {
        return "none".into();
    }
    candidates
        .iter()
        .take(5)
        .map(|(id, r)| format!("{id} {}", part(r)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn parse(file: &str, text: &str) -> Result<Json, Error> {
    if file.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| Error::Io {
            path: file.into(),
            message: format!("emitted template does not parse: {e}"),
            source: None,
        })
    } else {
        serde_yaml::from_str(text).map_err(|e| Error::Io {
            path: file.into(),
            message: format!("emitted template does not parse: {e}"),
            source: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matching_is_partial_for_objects_and_exact_for_arrays() {
        let actual = json!({"a": 1, "b": {"c": [1, {"d": 2, "e": 3}]}});
        assert!(matches(&actual, &json!({"b": {"c": [1, {"d": 2}]}})));
        assert!(!matches(&actual, &json!({"b": {"c": [1]}})));
        assert!(!matches(&actual, &json!({"a": 2})));
        assert!(!matches(&actual, &json!({"z": null})));
    }
}
