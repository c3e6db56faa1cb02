//! Include existing Kubernetes YAML in a chart (incremental adoption, as
//! cdk8s's `Include`, but typed and checked).
//!
//! Every object of the files is added to the chart as written: the
//! manifest holds it field for field, so applying the chart over what is
//! running changes nothing. Each object is also read into its type (the
//! k8s-openapi type of a built-in kind, meshsynth's model of the Istio and
//! Gateway API kinds the analyzers read), so the mesh analyzers, the CRD
//! schema checks and the workload rules run on it as on objects made in
//! Rust; a field the built-in kind does not have is an `IST0106` error at
//! synth. A kind with no type here (a CRD of your own, the Gateway API's
//! routes, KEDA) is kept raw, with one note per kind; one of the pinned
//! CRDs is still checked against its schema.
//!
//! Typed code takes an object by kind and name
//! ([`K8sInclude::object_ref`]) and changes it through its type
//! ([`Scope::edit_object`]) or with a patch ([`Scope::patch_object`]).
//!
//! It lives in `mesh` (not `k8s`) because the typed views of the mesh
//! kinds are the mesh's. Guide: docs/adopt.md.

mod kinds;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as Json;

use crate::core::diag::Diagnostic;
use crate::core::error::Error;
use crate::core::object::ObjectRef;
use crate::core::patch::PatchedObject;
use crate::core::tree::{NodeId, Scope};
use crate::untrusted::yaml::{to_json, YamlReader};

/// Files larger than this are refused.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Files a directory may hold (walked recursively).
pub const MAX_DIR_ENTRIES: usize = 10_000;

/// Props of a [`K8sInclude`]. Nothing to set yet; kept so options can be
/// added without breaking callers (`K8sIncludeProps::default()`).
#[derive(Debug, Clone, Default)]
pub struct K8sIncludeProps {}

/// One object an include added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludedObject {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, as written (the chart's when none and the
    /// chart has one).
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// Its construct path, for `Scope::patch_object` (relative to the include).
    pub id: String,
    /// The file it came from, and the line its document starts on.
    pub origin: String,
    /// Its node in the construct tree (for suppressions, `Scope::options`).
    pub node: NodeId,
}

/// Kubernetes YAML included in a chart; see the module docs.
#[derive(Debug, Clone)]
pub struct K8sInclude {
    node: NodeId,
    /// The include's construct path, for errors.
    path: String,
    objects: Vec<IncludedObject>,
}

impl K8sInclude {
    /// Includes a YAML or JSON file, or every `.yaml`, `.yml` and `.json`
    /// file under a directory (recursively, in sorted order, hidden entries
    /// and links out of it skipped), under `scope`, which must be in a chart.
    pub fn from_path(
        scope: &mut Scope<'_>,
        id: &str,
        path: impl AsRef<Path>,
        props: K8sIncludeProps,
    ) -> Result<K8sInclude, Error> {
        let path = path.as_ref();
        let files = if path.is_dir() {
            let accept = |p: &Path| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            };
            crate::untrusted::fs::walk_confined(path, &accept, MAX_DIR_ENTRIES)
                .map_err(|e| {
                    scope.error_at(
                        id,
                        format!("cannot read directory {}: {e}", path.display()),
                        "pass a directory of YAML files, relative to where synth runs",
                    )
                })?
                .files
        } else {
            vec![path.to_path_buf()]
        };
        let mut texts = Vec::new();
        for file in files {
            let origin = file.display().to_string();
            let bytes = crate::untrusted::fs::read_regular(&file, MAX_FILE_BYTES).map_err(|e| {
                scope.error_at(
                    id,
                    format!("{origin} {e}"),
                    "pass a YAML file or a directory of them, relative to where synth runs",
                )
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                scope.error_at(
                    id,
                    format!("{origin} is not UTF-8 text"),
                    "save it as UTF-8",
                )
            })?;
            texts.push((origin, text));
        }
        Self::from_texts(scope, id, &texts, props)
    }

    /// Includes YAML given as text; `origin` names it in errors.
    pub fn from_text(
        scope: &mut Scope<'_>,
        id: &str,
        origin: &str,
        text: &str,
        props: K8sIncludeProps,
    ) -> Result<K8sInclude, Error> {
        Self::from_texts(scope, id, &[(origin.to_string(), text.to_string())], props)
    }

    fn from_texts(
        scope: &mut Scope<'_>,
        id: &str,
        texts: &[(String, String)],
        _props: K8sIncludeProps,
    ) -> Result<K8sInclude, Error> {
        if scope.app.node(scope.node).chart.is_none() {
            return Err(scope.error_at(
                id,
                "an include of Kubernetes YAML must be added in a chart",
                "include the YAML under a Chart's scope",
            ));
        }
        // Every file is read before anything is added: a file that is not
        // YAML leaves the tree as it was.
        let mut docs = Vec::new();
        for (origin, text) in texts {
            read_file(origin, text, &mut docs).map_err(|e| {
                scope.error_at(
                    id,
                    e,
                    "fix the YAML (kubectl apply --dry-run=client reads it the same way)",
                )
            })?;
        }
        let mut child = scope.child(id)?;
        let node = child.id();
        let mut objects = Vec::new();
        let mut ids = BTreeMap::new();
        let mut raw_kinds: BTreeMap<String, usize> = BTreeMap::new();
        for doc in docs {
            let info = add(&mut child, doc, &mut ids, &mut raw_kinds)?;
            objects.push(info);
        }
        for (kind, n) in raw_kinds {
            child.report(Diagnostic::info(
                "",
                format!("{n} {kind} object(s) kept as written: meshsynth has no type for the kind, so only its CRD's schema (when it is one of the pinned CRDs) checks it"),
            ));
        }
        let path = child.path().to_string();
        Ok(K8sInclude {
            node,
            path,
            objects,
        })
    }

    /// The include's node (objects are its children).
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Every object included, in file and document order.
    pub fn objects(&self) -> &[IncludedObject] {
        &self.objects
    }

    /// The object of `O`'s kind named `name` (in any namespace; the first)
    /// as a typed handle, for [`Scope::edit_object`] and references. An
    /// error names what the include holds instead.
    pub fn object_ref<O: k8s_openapi::Resource>(&self, name: &str) -> Result<ObjectRef<O>, Error> {
        let found = self
            .objects
            .iter()
            .find(|o| o.api_version == O::API_VERSION && o.kind == O::KIND && o.name == name);
        match found {
            Some(o) => Ok(ObjectRef::new(o.node, o.name.clone(), o.namespace.clone())),
            None => {
                let same_kind: Vec<&str> = self
                    .objects
                    .iter()
                    .filter(|o| o.kind == O::KIND)
                    .map(|o| o.name.as_str())
                    .collect();
                Err(Error::construct(
                    self.path.clone(),
                    format!(
                        "the include holds no {} {} named {:?}",
                        O::API_VERSION,
                        O::KIND,
                        crate::untrusted::inert(name)
                    ),
                    if same_kind.is_empty() {
                        format!(
                            "it holds no {} at all (objects() lists what it holds)",
                            O::KIND
                        )
                    } else {
                        format!("its {} objects: {}", O::KIND, same_kind.join(", "))
                    },
                ))
            }
        }
    }

    /// The object of `kind` named `name` (in any namespace; the first).
    pub fn object(&self, kind: &str, name: &str) -> Option<&IncludedObject> {
        self.objects
            .iter()
            .find(|o| o.kind == kind && o.name == name)
    }
}

/// The objects of a YAML or JSON text as an include reads them (a `List`
/// gives its items, empty documents none), each with where it came from
/// (`origin (document 2)`). `meshsynth import k8s` reads files with it, so
/// it sees exactly what an include of them would hold. The error names the
/// document and why, without echoing the text.
pub fn read_objects(origin: &str, text: &str) -> Result<Vec<(Json, String)>, String> {
    let mut docs = Vec::new();
    read_file(origin, text, &mut docs)?;
    Ok(docs.into_iter().map(|d| (d.json, d.origin)).collect())
}

/// One document of a file, as JSON, with where it came from.
struct Doc {
    json: Json,
    origin: String,
}

/// Every object of one file (a `List` gives its items) into `out`.
fn read_file(origin: &str, text: &str, out: &mut Vec<Doc>) -> Result<(), String> {
    let reader = YamlReader::for_input(text.len());
    let values = reader
        .documents(text)
        .map_err(|e| format!("{origin}: not valid YAML: {e}"))?;
    for (i, v) in values.into_iter().enumerate() {
        let at = format!("{origin} (document {})", i + 1);
        let json = to_json(v).map_err(|e| format!("{at}: {e}"))?;
        push_object(json, &at, out)?;
    }
    Ok(())
}

fn push_object(json: Json, at: &str, out: &mut Vec<Doc>) -> Result<(), String> {
    match json {
        Json::Null => Ok(()),
        Json::Object(ref m) if m.get("kind").and_then(Json::as_str) == Some("List") => {
            let items = match m.get("items") {
                Some(Json::Array(items)) => items.clone(),
                None | Some(Json::Null) => Vec::new(),
                Some(_) => return Err(format!("{at}: a List's items is not a list")),
            };
            for item in items {
                push_object(item, at, out)?;
            }
            Ok(())
        }
        Json::Object(_) => {
            out.push(Doc {
                json,
                origin: at.to_string(),
            });
            Ok(())
        }
        _ => Err(format!(
            "{at}: not a Kubernetes object (a mapping with apiVersion and kind)"
        )),
    }
}

/// Adds one object: typed view and JSON as written.
fn add(
    scope: &mut Scope<'_>,
    doc: Doc,
    ids: &mut BTreeMap<String, String>,
    raw_kinds: &mut BTreeMap<String, usize>,
) -> Result<IncludedObject, Error> {
    let field = |k: &str| {
        doc.json
            .get(k)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (api_version, kind) = (field("apiVersion"), field("kind"));
    let meta = |k: &str| {
        doc.json
            .get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    let (name, namespace) = (meta("name"), meta("namespace"));
    let problem = |m: String| {
        Error::construct(
            scope.path().to_string(),
            format!("{}: {m}", doc.origin),
            "fix the object (the API server would refuse it too)",
        )
    };
    if api_version.is_empty() || kind.is_empty() {
        return Err(problem("apiVersion and kind are required".into()));
    }
    if let Some(r) = crate::core::removed_apis::removed(&api_version, &kind) {
        return Err(Error::construct(
            scope.path().to_string(),
            format!(
                "{}: {}",
                doc.origin,
                crate::core::removed_apis::message(&api_version, &kind, r)
            ),
            r.instead,
        ));
    }
    let Some(name) = name else {
        return Err(problem(format!(
            "{kind} has no metadata.name (generateName is not supported: the name must be known to diff and deploy)"
        )));
    };
    let typed = kinds::typed(&api_version, &kind, &doc.json)
        .map_err(|e| problem(format!("{kind} {name} is not a valid {kind}: {e}")))?;
    let id = match &namespace {
        Some(ns) => format!("{kind}-{ns}-{name}"),
        None => format!("{kind}-{name}"),
    };
    if let Some(first) = ids.insert(id.clone(), doc.origin.clone()) {
        return Err(Error::construct(
            scope.path().to_string(),
            format!("{}: {kind} {name} is already included from {first}", doc.origin),
            "include each object once (a directory holding an all-in-one file and its parts has both: include one of them)",
        ));
    }
    if !typed.typed {
        *raw_kinds.entry(kind.clone()).or_default() += 1;
    }
    let unknown = typed.unknown;
    let object = PatchedObject {
        typed: typed.object,
        json: doc.json,
        patched: false,
    };
    let r = crate::mesh::add_object(scope, &id, object)?;
    for field in unknown {
        scope.report(
            Diagnostic::error(
                scope.child_path(&id),
                format!(
                    "{kind} {name}: {field} is not a field of {kind} ({})",
                    doc.origin
                ),
            )
            .with_code(crate::mesh::analysis::codes::IST0106)
            .with_hint(
                "fix the spelling or remove the field; the API server refuses unknown fields",
            ),
        );
    }
    Ok(IncludedObject {
        api_version,
        kind,
        namespace: r.namespace().map(str::to_string).or(namespace),
        name,
        id,
        origin: doc.origin,
        node: r.node(),
    })
}
