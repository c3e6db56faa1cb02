//! Parsing documents into the DSL's typed objects and placing them in an
//! [`App`]: one chart per cluster, one object per document (or `List` item).
//! An object of a kind of the pinned CRDs is first checked against its
//! CRD's schema (`k8s::crd`), as the API server would check it: what fails
//! is an IST0106 finding with the field's path. The typed model then reads
//! what the analyzers need and ignores the rest, so an object the CRD
//! accepts is never refused for a field meshsynth does not model. Core
//! kinds have no CRD: a document that does not fit the k8s-openapi type, or
//! a field it does not know, is the IST0106 finding.

use crate::mesh::analysis::codes;
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

use crate::untrusted::yaml::{Parsed, Yaml11, YamlError};

use super::ahead::{prepare_object, Ahead, Input, Prepared, ReadAhead};
use super::kinds::{self, Filing, Typed, TypedRead};
use super::lines::FieldLines;
use crate::untrusted::YamlReader;

use super::doc::{json_shape, not_an_object, yaml_error, yaml_shape, StrAt};
use super::input::Source;
use super::{Finding, Options, Origin, Report};
use crate::core::object::api_group;
use crate::core::{
    App, Chart, ChartProps, Error, InstallKind, K8sObject, RawObject, Scope, Severity,
};

/// An install input of an assembly cluster (IstioOperator or Helm values).
pub(crate) struct InstallFile {
    pub cluster: String,
    pub source: Source,
    /// `istio-operator` or `helm-values`, as in manifest.json.
    pub kind: String,
    pub chart: Option<String>,
}

/// What the CRD schema check said about an object, and its document (to
/// point a typed-parse finding at its field's line).
#[derive(Clone, Copy)]
struct Checked<'a> {
    /// The object is a kind of the pinned CRDs.
    by_crd: bool,
    /// The check found an error (already reported).
    errors: bool,
    /// The document's text, its first line in the file, and where the
    /// object is in it ([`Document::path`](super::input::Document::path)).
    doc: (&'a str, usize, &'a str),
}

/// Item `i` of the `kind: List` in `doc`, as a document of its own: its
/// findings point at the item's line (`kubectl get … -o yaml` writes a
/// List), and its fields' lines are looked up under `items[i].`.
fn list_item<'t>(
    doc: &super::input::Document<'t>,
    lines: &FieldLines,
    i: usize,
) -> super::input::Document<'t> {
    let path = format!("{}items[{i}].", doc.path);
    super::input::Document {
        text: doc.text,
        index: doc.index,
        first_line: doc.first_line,
        line: lines.under(&path).line("").unwrap_or(doc.line),
        path,
    }
}

/// Namespaces istioctl does not analyze.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

struct Loader<'r> {
    report: &'r mut Report,
    origins: HashMap<String, Origin>,
    next_id: usize,
    system_skipped: usize,
    gateway_wants_default_ingress: bool,
    has_ingress_workload: bool,
    /// CEL rules of the CRDs that applied: evaluated, and not evaluated.
    cel_evaluated: usize,
    cel_skipped: usize,
    /// Objects valid per their CRD that the typed model could not read
    /// (kind/name: why), so they were not analyzed further.
    unread: Vec<String>,
    /// The field lines of the document being loaded, read once: a List's
    /// items share its document, and reading it again for each item was
    /// quadratic (3,000 items: 90 s).
    lines: Option<Rc<FieldLines>>,
}

/// Loads every group (cluster) into `app`; returns construct path → origin.
pub(crate) fn load(
    app: &mut App,
    groups: &[(String, Vec<Input<'_>>)],
    installs: &[InstallFile],
    opts: &Options,
    whole_clusters: bool,
    report: &mut Report,
) -> Result<HashMap<String, Origin>, Error> {
    let mut l = Loader {
        report,
        origins: HashMap::new(),
        next_id: 0,
        system_skipped: 0,
        gateway_wants_default_ingress: false,
        has_ingress_workload: false,
        cel_evaluated: 0,
        cel_skipped: 0,
        unread: Vec::new(),
        lines: None,
    };
    // Documents are read (parsed and budgeted, then retyped, checked and
    // read typed) on other threads, in order, while this one files the
    // ones before them.
    std::thread::scope(|threads| {
        let mut ahead = ReadAhead::start(threads, groups);
        l.groups(app, groups, installs, opts, whole_clusters, &mut ahead)
    })?;
    if l.cel_skipped > 0 {
        let why = if cfg!(feature = "cel") {
            "they use a Kubernetes CEL function meshsynth does not evaluate offline, or their estimated cost passes the API server's budget for one object"
        } else {
            "this build has no CEL evaluator (feature `cel`)"
        };
        l.report.notes.push(format!(
            "{} of {} x-kubernetes-validations (CEL) rule applications were not evaluated: {why}; the API server may still refuse what they check",
            l.cel_skipped,
            l.cel_skipped + l.cel_evaluated
        ));
    }
    if !l.unread.is_empty() {
        let shown: Vec<&str> = l.unread.iter().take(5).map(String::as_str).collect();
        l.report.notes.push(format!(
            "{} object(s) valid per their CRD were not analyzed further (meshsynth's model of the kind is narrower): {}{}",
            l.unread.len(),
            shown.join("; "),
            if l.unread.len() > 5 { "; …" } else { "" }
        ));
    }
    if l.system_skipped > 0 {
        l.report.notes.push(format!(
            "{} object(s) in kube-system, kube-public or kube-node-lease not analyzed (as istioctl)",
            l.system_skipped
        ));
    }
    Ok(l.origins)
}

/// An object's JSON as retyped, with what was read from it ahead.
struct ObjectRead {
    json: Json,
    /// The JSON as written, when retyping may have changed it.
    as_written: Option<Json>,
    /// The typed read, when its kind is read typed and it was read ahead.
    typed: Option<TypedRead>,
}

/// What is known of an object before its JSON is checked.
struct Head {
    origin: Origin,
    api_version: String,
}

impl Loader<'_> {
    /// Files every group's documents as the reading threads hand them over,
    /// then the group's install inputs.
    fn groups<'t>(
        &mut self,
        app: &mut App,
        groups: &[(String, Vec<Input<'t>>)],
        installs: &[InstallFile],
        opts: &Options,
        whole_clusters: bool,
        ahead: &mut ReadAhead<'t>,
    ) -> Result<(), Error> {
        // With several inputs one unreadable file must not hide the findings
        // of the others (kubectl goes on and fails at the end).
        let several = groups.iter().map(|(_, s)| s.len()).sum::<usize>() > 1;
        for (i, (cluster, sources)) in groups.iter().enumerate() {
            let chart = Chart::new(
                &mut app.root(),
                &format!("c{i}"),
                ChartProps::new(cluster.as_str()),
            )?;
            let mut scope = app.scope(chart.node())?;
            for input in sources {
                let file = input.name();
                let mut unreadable = false;
                loop {
                    let read = match ahead.next() {
                        Some(Ahead::Doc(read)) => read,
                        // A file that cannot be read at all fails the
                        // analysis, as it did when read before loading.
                        Some(Ahead::Failed(e)) => return Err(e),
                        Some(Ahead::End) | None => break,
                    };
                    if unreadable {
                        continue;
                    }
                    let doc = read.held.doc();
                    match self.document(&mut scope, file, &doc, read.parsed, read.prepared) {
                        Ok(()) => {}
                        // Reading errors name the file and line; the rest
                        // of the file is left out with the document.
                        Err(e @ Error::Io { .. }) if several => {
                            self.report
                                .unreadable
                                .push(format!("{e}; the rest of this file was not analyzed"));
                            unreadable = true;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            for inst in installs.iter().filter(|f| &f.cluster == cluster) {
                let kind = match (inst.kind.as_str(), &inst.chart) {
                    ("istio-operator", _) => InstallKind::IstioOperator,
                    ("helm-values", Some(chart)) => InstallKind::HelmValues {
                        chart: chart.clone(),
                    },
                    _ => continue,
                };
                let invalid = |message: String| Error::Io {
                    path: inst.source.name.clone(),
                    message: format!("invalid YAML: {message}"),
                    source: None,
                };
                let content = YamlReader::for_input(inst.source.text.len())
                    .document(&inst.source.text)
                    .map_err(|e| invalid(e.to_string()))?;
                let content = crate::untrusted::yaml::to_json(content).map_err(invalid)?;
                self.has_ingress_workload = true;
                let id = self.fresh_id("install");
                scope.add_builtin_install_input(&id, kind, &content)?;
            }
            if !whole_clusters && opts.assume_default_ingress {
                self.assume_default_ingress(&mut scope)?;
            }
        }
        Ok(())
    }

    fn fresh_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{}", self.next_id)
    }

    /// The field lines of the document being loaded (`text`, from line
    /// `first_line`), read on first use.
    fn lines_of(&mut self, text: &str, first_line: usize) -> Rc<FieldLines> {
        self.lines
            .get_or_insert_with(|| Rc::new(FieldLines::of(text, first_line)))
            .clone()
    }

    fn document(
        &mut self,
        scope: &mut Scope<'_>,
        file: &str,
        doc: &super::input::Document<'_>,
        parsed: Result<Parsed, YamlError>,
        prepared: Option<Prepared>,
    ) -> Result<(), Error> {
        self.lines = None;
        let parsed = parsed.map_err(|e| yaml_error(file, doc, &e, "invalid YAML"))?;
        match parsed {
            Parsed::Json(Json::Null, _) | Parsed::Yaml(Yaml::Null) => Ok(()),
            Parsed::Json(json @ Json::Object(_), yaml11) => {
                self.json_object_or_list(scope, file, doc, json, yaml11, prepared)
            }
            Parsed::Json(other, _) => Err(not_an_object(file, doc, json_shape(&other))),
            Parsed::Yaml(value @ Yaml::Mapping(_)) => {
                self.yaml_object_or_list(scope, file, doc, &value)
            }
            Parsed::Yaml(other) => Err(not_an_object(file, doc, yaml_shape(&other))),
        }
    }

    /// An object, or a `List` of them: kubectl reads Lists inside Lists
    /// (`kubectl get -o yaml` of several kinds), so every level is analyzed.
    fn json_object_or_list(
        &mut self,
        scope: &mut Scope<'_>,
        file: &str,
        doc: &super::input::Document<'_>,
        json: Json,
        yaml11: Yaml11,
        prepared: Option<Prepared>,
    ) -> Result<(), Error> {
        // Read as written: a reading thread may have retyped `json`.
        let written = prepared
            .as_ref()
            .and_then(|p| p.as_written.as_ref())
            .unwrap_or(&json);
        if written.get("kind").and_then(Json::as_str) != Some("List") {
            let Some(head) = self.admit(file, doc, written) else {
                return Ok(());
            };
            return self.object(scope, doc, head, (json, yaml11), prepared);
        }
        let Json::Object(mut list) = json else {
            return Ok(());
        };
        if let Some(Json::Array(items)) = list.remove("items") {
            let lines = self.lines_of(doc.text, doc.first_line);
            for (i, item) in items.into_iter().enumerate() {
                if !item.is_object() {
                    return Err(not_an_object(file, doc, json_shape(&item)));
                }
                let item_doc = list_item(doc, &lines, i);
                // Retyping reads paths from the document's root, which are
                // not the item's: it changed nothing, and scanned the whole
                // List once per item. Items are read as YAML 1.2.
                self.json_object_or_list(scope, file, &item_doc, item, Yaml11::Same, None)?;
            }
        }
        Ok(())
    }

    /// [`json_object_or_list`](Self::json_object_or_list) of a document
    /// read as YAML; each object is converted to JSON here, and one that
    /// does not convert is a finding.
    fn yaml_object_or_list(
        &mut self,
        scope: &mut Scope<'_>,
        file: &str,
        doc: &super::input::Document<'_>,
        value: &Yaml,
    ) -> Result<(), Error> {
        if value.get("kind").and_then(Yaml::as_str) != Some("List") {
            let Some(head) = self.admit(file, doc, value) else {
                return Ok(());
            };
            // Through JSON: Kubernetes enums are maps (`exact: x`), which
            // serde_yaml would only read as `!tags`.
            return match serde_json::to_value(value) {
                Ok(json) => self.object(scope, doc, head, (json, Yaml11::Maybe), None),
                Err(e) => {
                    let message = format!("not representable as JSON: {e}");
                    if doc.text.contains("{{") {
                        // `{{ .Values.x }}` unquoted is a mapping in YAML.
                        let hint = "this looks like an unrendered template: analyze what `helm template` (or your templating tool) writes, or quote the value";
                        self.finding(&head.origin, codes::IST0106, Severity::Error, message, hint);
                    } else {
                        self.parse_finding(&head.origin, message);
                    }
                    Ok(())
                }
            };
        }
        let items = value.get("items").and_then(Yaml::as_sequence);
        let lines = self.lines_of(doc.text, doc.first_line);
        for (i, item) in items.into_iter().flatten().enumerate() {
            if !item.is_mapping() {
                return Err(not_an_object(file, doc, yaml_shape(item)));
            }
            self.yaml_object_or_list(scope, file, &list_item(doc, &lines, i), item)?;
        }
        Ok(())
    }

    /// The object's origin, or `None` when it is not analyzed further: a
    /// finding when it lacks apiVersion or kind, counted when it is in a
    /// system namespace.
    fn admit(
        &mut self,
        file: &str,
        doc: &super::input::Document<'_>,
        value: &impl StrAt,
    ) -> Option<Head> {
        let kind = value.str_at(&["kind"]).unwrap_or("");
        let api_version = value.str_at(&["apiVersion"]).unwrap_or("");
        let namespace = value.str_at(&["metadata", "namespace"]);
        let origin = Origin {
            file: file.to_string(),
            line: doc.line,
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: value
                .str_at(&["metadata", "name"])
                .unwrap_or("")
                .to_string(),
        };
        if kind.is_empty() || api_version.is_empty() {
            // Most often not a Kubernetes object at all: a tool's config
            // file in a walked directory.
            self.finding(
                &origin,
                codes::IST0106,
                Severity::Error,
                "apiVersion and kind are required".into(),
                "if this is a Kubernetes object, add its apiVersion and kind; if it is another tool's file, leave it out of the paths given",
            );
            return None;
        }
        if namespace.is_some_and(|ns| SYSTEM_NAMESPACES.contains(&ns)) {
            self.system_skipped += 1;
            *self.report.skipped.entry(kind.to_string()).or_default() += 1;
            return None;
        }
        // A version no cluster serves: named here, and not read as the
        // served one (whose errors would hide the cause).
        if let Some(r) = crate::core::removed_apis::removed(api_version, kind) {
            let message = crate::core::removed_apis::message(api_version, kind, r);
            self.finding(
                &origin,
                crate::k8s::api_rules::API_SERVER_REFUSES,
                Severity::Error,
                message,
                r.instead,
            );
            // Judged, so counted: a run of only such objects analyzed them.
            self.report.objects += 1;
            return None;
        }
        self.note_ingress(kind, value);
        Some(Head {
            origin,
            api_version: api_version.to_string(),
        })
    }

    /// Reads the object's JSON the way Kubernetes does, reports the
    /// conditions the cluster put on it, checks it and files it.
    fn object(
        &mut self,
        scope: &mut Scope<'_>,
        doc: &super::input::Document<'_>,
        head: Head,
        (mut json, yaml11): (Json, Yaml11),
        prepared: Option<Prepared>,
    ) -> Result<(), Error> {
        let Head {
            origin,
            api_version,
        } = head;
        // Kinds read raw keep the values as written (YAML 1.2); a copy is
        // kept only when YAML 1.1 may read a value differently.
        let Prepared {
            as_written,
            schema,
            typed,
        } = prepared.unwrap_or_else(|| prepare_object(doc.text, &mut json, yaml11));
        let group = api_group(&api_version);
        for c in super::conditions::negative(group, &origin.kind, &json) {
            let message = format!(
                "the cluster reports condition {}={} ({}): {}",
                c.kind,
                c.status,
                if c.reason.is_empty() {
                    "no reason"
                } else {
                    &c.reason
                },
                if c.message.is_empty() {
                    "no message"
                } else {
                    &c.message
                }
            );
            let hint = "fix what the condition's message names; the object does not work as written until the cluster reports it True";
            self.finding(&origin, codes::IST0171, Severity::Warning, message, hint);
        }
        let checked = self.check_schema(&origin, doc, schema);
        let read = ObjectRead {
            json,
            as_written,
            typed,
        };
        self.add_kind(scope, origin, &api_version, read, checked)
    }

    /// Checks the object against its schema (built-in kinds and CRDs),
    /// reporting each finding at its field's line.
    fn check_schema<'d>(
        &mut self,
        origin: &Origin,
        doc: &'d super::input::Document<'_>,
        schema: crate::k8s::crd::SchemaCheck,
    ) -> Checked<'d> {
        let crd_kind = schema.version.is_some() || !schema.issues.is_empty();
        let schema_errors = schema.issues.iter().any(|i| i.severity == Severity::Error);
        self.cel_skipped += schema.cel_rules_skipped;
        self.cel_evaluated += schema.cel_rules_evaluated;
        // Each finding at its field's line (the document is read for
        // positions only when a finding names a field).
        let lines = schema
            .issues
            .iter()
            .any(|i| !i.field.is_empty())
            .then(|| self.lines_of(doc.text, doc.first_line));
        for issue in &schema.issues {
            let line = lines
                .as_ref()
                .and_then(|l| l.under(&doc.path).line(&issue.field));
            self.schema_finding(origin, line, issue);
        }
        Checked {
            by_crd: crd_kind,
            errors: schema_errors,
            doc: (doc.text, doc.first_line, &doc.path),
        }
    }

    /// Files the object as its kind ([`kinds::filing`]): typed where an
    /// analyzer reads it (`typed` when a reading thread read it already),
    /// raw JSON as written for the Gateway API's routes and the secret
    /// makers, counted for CRD kinds no analyzer reads, skipped (and
    /// counted) otherwise.
    fn add_kind(
        &mut self,
        scope: &mut Scope<'_>,
        origin: Origin,
        api_version: &str,
        read: ObjectRead,
        checked: Checked<'_>,
    ) -> Result<(), Error> {
        let ObjectRead {
            json,
            as_written,
            typed,
        } = read;
        match kinds::filing(api_group(api_version), &origin.kind) {
            Filing::Typed(t) => self.add(scope, origin, json, t, typed, checked),
            Filing::Raw(namespaced) => self.add_raw(
                scope,
                origin,
                api_version,
                as_written.unwrap_or(json),
                namespaced,
            ),
            Filing::Operator => self.add_operator(scope, origin, as_written.unwrap_or(json)),
            // Checked against its CRD; no analyzer reads the kind yet.
            Filing::Unread if checked.by_crd => {
                self.report.objects += 1;
                Ok(())
            }
            Filing::Unread => {
                *self.report.skipped.entry(origin.kind).or_default() += 1;
                Ok(())
            }
        }
    }

    /// An IstioOperator: the install input the control-plane checks read.
    fn add_operator(
        &mut self,
        scope: &mut Scope<'_>,
        origin: Origin,
        content: Json,
    ) -> Result<(), Error> {
        self.has_ingress_workload = true;
        let id = self.fresh_id("operator");
        scope.add_builtin_install_input(&id, InstallKind::IstioOperator, &content)?;
        self.origins.insert(scope.child_path(&id), origin);
        self.report.objects += 1;
        Ok(())
    }

    fn schema_finding(
        &mut self,
        origin: &Origin,
        line: Option<usize>,
        issue: &crate::k8s::crd::SchemaIssue,
    ) {
        let message = if issue.field.is_empty() {
            issue.message.clone()
        } else {
            format!("{}: {}", issue.field, issue.message)
        };
        let (code, hint) = match issue.severity {
            Severity::Error => (codes::IST0106, "fix the field (see the kind's CRD) or remove it; the API server would refuse this object"),
            _ => (
                crate::k8s::crd::codes::DEPRECATED,
                "move to the replacement the warning names; the API server still accepts this for now",
            ),
        };
        self.finding(origin, code, issue.severity, message, hint);
        self.at_line(line);
    }

    /// Points the finding just made at `line` (its field's), when known.
    fn at_line(&mut self, line: Option<usize>) {
        if let (Some(line), Some(last)) = (line, self.report.findings.last_mut()) {
            last.line = Some(line);
        }
    }

    /// Tracks whether istioctl's default ingress gateway would be assumed.
    fn note_ingress(&mut self, kind: &str, value: &impl StrAt) {
        let label = match kind {
            "Gateway" => {
                if value.str_at(&["spec", "selector", "istio"]) == Some("ingressgateway") {
                    self.gateway_wants_default_ingress = true;
                }
                return;
            }
            "Pod" => value.str_at(&["metadata", "labels", "istio"]),
            _ => value.str_at(&["spec", "template", "metadata", "labels", "istio"]),
        };
        if label == Some("ingressgateway") {
            self.has_ingress_workload = true;
        }
    }

    fn assume_default_ingress(&mut self, scope: &mut Scope<'_>) -> Result<(), Error> {
        if !self.gateway_wants_default_ingress || self.has_ingress_workload {
            return Ok(());
        }
        let operator = serde_json::json!({
            "apiVersion": "install.istio.io/v1alpha1",
            "kind": "IstioOperator",
            "spec": {"components": {"ingressGateways": [
                {"name": "istio-ingressgateway", "namespace": "istio-system", "enabled": true}
            ]}}
        });
        scope.add_builtin_install_input(
            "assumed-default-ingress",
            InstallKind::IstioOperator,
            &operator,
        )?;
        self.report.notes.push(
            "assumed istioctl's default ingress gateway (istio-system/istio-ingressgateway, label istio=ingressgateway, ports 80, 443, 15021) for Gateways that select it; --no-default-ingress turns this off"
                .into(),
        );
        Ok(())
    }

    fn parse_finding(&mut self, origin: &Origin, message: String) {
        let hint = "fix the field (see the kind's reference) or remove it";
        self.finding(origin, codes::IST0106, Severity::Error, message, hint);
    }

    fn finding(
        &mut self,
        origin: &Origin,
        code: &str,
        level: Severity,
        message: String,
        hint: &str,
    ) {
        self.report.findings.push(Finding {
            code: code.into(),
            level,
            message,
            hint: Some(hint.into()),
            file: Some(origin.file.clone()),
            line: Some(origin.line),
            // A document without a kind or name has none (`null` in JSON,
            // left out of the text line), not an empty one.
            kind: Some(origin.kind.clone()).filter(|k| !k.is_empty()),
            namespace: origin.namespace.clone().filter(|n| !n.is_empty()),
            name: Some(origin.name.clone()).filter(|n| !n.is_empty()),
        });
    }

    /// Files an object read as its kind's type `t` (`typed`: read already).
    fn add(
        &mut self,
        scope: &mut Scope<'_>,
        mut origin: Origin,
        json: serde_json::Value,
        t: &Typed,
        typed: Option<TypedRead>,
        checked: Checked<'_>,
    ) -> Result<(), Error> {
        // Read borrowed: a failed read repairs the same JSON.
        let parsed = typed.unwrap_or_else(|| (t.read)(&json));
        let (obj, unknown) = match parsed {
            Ok(o) => o,
            Err(message) => {
                // As istioctl, the rest of the object is still analyzed:
                // without the parts that do not parse.
                let rest = (t.lenient)(json);
                if checked.errors {
                    // The schema check already said what is wrong.
                } else if checked.by_crd {
                    if rest.is_none() {
                        self.unread
                            .push(format!("{} {}: {message}", origin.kind, origin.name));
                    }
                } else {
                    let lines = self.lines_of(checked.doc.0, checked.doc.1);
                    let line = message
                        .split_once(": ")
                        .and_then(|(p, _)| lines.under(checked.doc.2).serde_path_line(p));
                    self.parse_finding(&origin, message);
                    self.at_line(line);
                }
                match rest {
                    Some(obj) => (obj, Vec::new()),
                    None => return Ok(()),
                }
            }
        };
        // A CRD kind's fields are the schema's to judge; the model reads a
        // subset.
        if !checked.by_crd && !unknown.is_empty() {
            let lines = self.lines_of(checked.doc.0, checked.doc.1);
            for field in unknown {
                let line = lines.under(checked.doc.2).serde_path_line(&field);
                self.parse_finding(&origin, format!("{field}: unknown field"));
                self.at_line(line);
            }
        }
        self.check_named(&origin, obj.metadata());
        if obj.namespaced() && origin.namespace.is_none() {
            origin.namespace = Some("default".into());
        }
        self.insert(scope, origin, obj)
    }

    /// `metadata.name` is required (the tree names an object without one;
    /// the API server does not), unless `generateName` stands in for it,
    /// as when `kubectl create` runs a Job.
    fn check_named(&mut self, origin: &Origin, meta: &ObjectMeta) {
        if origin.name.is_empty() && meta.generate_name.as_deref().is_none_or(str::is_empty) {
            self.parse_finding(origin, "metadata.name: required".into());
        }
    }

    fn add_raw(
        &mut self,
        scope: &mut Scope<'_>,
        origin: Origin,
        api_version: &str,
        json: Json,
        namespaced: bool,
    ) -> Result<(), Error> {
        let mut origin = origin;
        if namespaced && origin.namespace.is_none() {
            origin.namespace = Some("default".into());
        }
        let mut metadata = None;
        let mut body = IndexMap::new();
        if let Json::Object(fields) = json {
            for (k, v) in fields {
                match k.as_str() {
                    "metadata" => metadata = serde_json::from_value(v).ok(),
                    "apiVersion" | "kind" => {}
                    _ => {
                        body.insert(k, v);
                    }
                }
            }
        }
        let obj = RawObject {
            api_version: api_version.to_string(),
            kind: origin.kind.clone(),
            namespaced,
            metadata: metadata.unwrap_or_default(),
            body,
        };
        self.check_named(&origin, &obj.metadata);
        self.insert(scope, origin, Box::new(obj))
    }

    fn insert(
        &mut self,
        scope: &mut Scope<'_>,
        origin: Origin,
        obj: Box<dyn K8sObject>,
    ) -> Result<(), Error> {
        let id = self.fresh_id("o");
        let (node, _, _) = scope.add_erased_object(&id, obj)?;
        let path = scope
            .app()
            .path_of(node)
            .map(str::to_string)
            .unwrap_or_default();
        self.origins.insert(path, origin);
        self.report.objects += 1;
        Ok(())
    }
}
