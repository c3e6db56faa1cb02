//! Stage: templates. Resources, parameters, conditions and user outputs
//! serialized per stack with the resolver active; each emitted resource is
//! checked (schema, registered family checks) as it is written.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde_json::{Map, Value as Json};

use super::graph::{EdgeReason, StackGraph};
use super::resolve::{RefKind, Tables};
use crate::core::diag::Diagnostic;
use crate::core::names;
use crate::core::resource::CfnNode;
use crate::core::stack::{IncludedSections, ParameterInfo};
use crate::core::tree::{App, NodeKind};
use crate::emit::cfn::TemplateModel;
use crate::emit::cfn::{apply_override, merge_tags, OutputEntry, ResourceEntry};
use crate::emit::strip_nulls;
use indexmap::IndexMap;

use super::*;

/// Serializes resources, parameters, conditions and user outputs per stack.
/// Emits every element of every stack but the resources that may live in
/// either of two stacks, which are returned: they are placed once the rest
/// of the graph is known ([`place_and_emit`]).
pub(super) fn emit_stack_elements(mut emit: Elements<'_, '_>, order: &[u32]) -> Vec<u32> {
    let (app, tables) = (emit.app, emit.tables);
    let mut either = Vec::new();
    for &i in order {
        let n = app.node(i);
        let Some(stack) = n.stack else { continue };
        resolve::set_current(stack, n.path.clone());
        match &n.kind {
            NodeKind::Resource(_) if tables.nodes[i as usize].alternate.is_some() => {
                // A placeholder keeps the tree-order place, should it stay.
                let b = emit.build(stack);
                b.slots.insert(i, b.model.resources.len());
                b.model.resources.push(placeholder());
                either.push(i);
            }
            NodeKind::Resource(r) => emit.resource(i, stack, r),
            NodeKind::Parameter(p) => {
                let m = parameter(p);
                let lid = emit.logical_id(i);
                let b = emit.build(stack);
                b.parameter_ids
                    .entry(n.id().to_string())
                    .or_default()
                    .push(lid.clone());
                b.model.parameters.insert(lid, Json::Object(m));
            }
            NodeKind::Condition(c) => match serde_json::to_value(&c.expr) {
                Ok(v) => {
                    let lid = emit.logical_id(i);
                    emit.build(stack).model.conditions.insert(lid, v);
                }
                Err(e) => emit
                    .diags
                    .push(Diagnostic::error(n.path.to_string(), e.to_string())),
            },
            NodeKind::Output(o) => match serde_json::to_value(&o.props.value) {
                Ok(mut v) => {
                    strip_nulls(&mut v);
                    let id = emit.logical_id(i);
                    let condition = o
                        .condition
                        .and_then(|c| crate::core::resolve::condition_id(c).ok());
                    let export = o.export.as_ref().and_then(|x| {
                        serde_json::to_value(x)
                            .map_err(|e| {
                                emit.diags
                                    .push(Diagnostic::error(n.path.to_string(), e.to_string()))
                            })
                            .ok()
                    });
                    match (condition, export) {
                        // A conditional output, or one whose export name is
                        // a value, is written whole (the typed entry has
                        // neither).
                        (condition, export) if condition.is_some() || export.is_some() => {
                            let mut e = Map::new();
                            if let Some(d) = &o.props.description {
                                e.insert("Description".into(), d.clone().into());
                            }
                            e.insert("Value".into(), v);
                            match (export, &o.props.export_name) {
                                (Some(x), _) => {
                                    e.insert("Export".into(), serde_json::json!({ "Name": x }));
                                }
                                (None, Some(x)) => {
                                    e.insert("Export".into(), serde_json::json!({ "Name": x }));
                                }
                                (None, None) => {}
                            }
                            if let Some(condition) = condition {
                                e.insert("Condition".into(), condition.into());
                            }
                            emit.build(stack)
                                .model
                                .included_outputs
                                .insert(id, Json::Object(e));
                        }
                        _ => emit.build(stack).model.outputs.push(OutputEntry {
                            logical_id: id,
                            value: v,
                            description: o.props.description.clone(),
                            export_name: o.props.export_name.clone(),
                        }),
                    }
                }
                Err(e) => emit
                    .diags
                    .push(Diagnostic::error(n.path.to_string(), e.to_string())),
            },
            _ => {}
        }
    }
    for (&stack, build) in emit.builds.iter_mut() {
        if let NodeKind::Stack(info) = &app.node(stack).kind {
            for sections in &info.included {
                included_sections(app, stack, sections, &mut build.model, emit.diags);
            }
        }
    }
    either
}

/// A section of an included template and the model's section it goes to.
type Section<'m> = (
    &'static str,
    &'m IndexMap<String, crate::core::Value>,
    &'m mut IndexMap<String, Json>,
);

/// The sections of an included template, resolved into the stack's model;
/// a name typed code also gave the stack is an error, never a silent overwrite.
fn included_sections(
    app: &App,
    stack: u32,
    s: &IncludedSections,
    model: &mut TemplateModel,
    diags: &mut Vec<Diagnostic>,
) {
    let path = app.node(s.node).path.clone();
    resolve::set_current(stack, path.clone());
    let json = |v: &crate::core::Value, diags: &mut Vec<Diagnostic>| match serde_json::to_value(v) {
        Ok(mut j) => {
            strip_nulls(&mut j);
            Some(j)
        }
        Err(e) => {
            diags.push(Diagnostic::error(path.to_string(), e.to_string()));
            None
        }
    };
    if model.description.is_none() {
        model.description = s.description.clone();
    }
    if let Some(t) = &s.transform {
        model.transform = json(t, diags);
    }
    let typed_outputs: Vec<String> = model.outputs.iter().map(|o| o.logical_id.clone()).collect();
    let sections: [Section<'_>; 8] = [
        ("Metadata", &s.metadata, &mut model.metadata),
        ("Parameters", &s.parameters, &mut model.parameters),
        ("Rules", &s.rules, &mut model.rules),
        ("Mappings", &s.mappings, &mut model.mappings),
        ("Conditions", &s.conditions, &mut model.conditions),
        ("Outputs", &s.outputs, &mut model.included_outputs),
        ("Globals", &s.globals, &mut model.globals),
        ("Resources", &s.resource_loops, &mut model.resource_loops),
    ];
    for (section, from, into) in sections {
        for (name, v) in from {
            let taken = into.contains_key(name)
                || (section == "Outputs" && typed_outputs.iter().any(|o| o == name));
            if taken {
                diags.push(
                    Diagnostic::error(
                        path.to_string(),
                        format!("{section} entry {name} of the included template collides with one the stack already has"),
                    )
                    .with_hint("rename one of them, or include the template into another stack"),
                );
                continue;
            }
            if let Some(j) = json(v, diags) {
                into.insert(name.clone(), j);
            }
        }
    }
}

/// Emits the resources that may live in either of two stacks (in tree
/// order), each in the stack `tables` now names for it, checked in line;
/// the checks `emit` recorded before are moved to where their entries end.
pub(super) fn emit_placed(mut emit: Elements<'_, '_>, placed: &[u32]) {
    let (app, tables) = (emit.app, emit.tables);
    let mut jobs = emit.deferred.take();
    for &i in placed {
        let n = app.node(i);
        let (Some(stack), NodeKind::Resource(r)) = (tables.nodes[i as usize].stack, &n.kind) else {
            continue;
        };
        resolve::set_current(stack, n.path.clone());
        let before = emit.build(stack).model.resources.len();
        emit.resource(i, stack, r);
        let b = emit.build(stack);
        if let (Some(&slot), true) = (b.slots.get(&i), b.model.resources.len() > before) {
            // Stayed where it was added: back into its place.
            if let Some(entry) = b.model.resources.pop() {
                b.model.resources[slot] = entry;
            }
        }
    }
    for (&s, b) in emit.builds.iter_mut() {
        b.slots.clear();
        // The places of the placeholders dropped, so recorded checks still
        // find their entries.
        let dropped: Vec<usize> = (b.model.resources.iter().enumerate())
            .filter(|(_, e)| e.logical_id.is_empty())
            .map(|(k, _)| k)
            .collect();
        if dropped.is_empty() {
            continue;
        }
        b.model.resources.retain(|e| !e.logical_id.is_empty());
        let Some(jobs) = jobs.as_deref_mut() else {
            continue;
        };
        for job in jobs.iter_mut().filter(|j| j.stack == s) {
            job.index -= dropped.partition_point(|&k| k < job.index);
        }
    }
}

/// An entry that holds a place in a stack's resources until it is filled
/// or dropped (an empty logical id marks it).
fn placeholder() -> ResourceEntry {
    ResourceEntry {
        logical_id: String::new(),
        cfn_type: String::new(),
        properties: Map::new(),
        depends_on: Vec::new(),
        condition: None,
        deletion_policy: None,
        update_replace_policy: None,
        metadata: Default::default(),
    }
}

/// Chooses the stack of each resource that may live in either of two:
/// the one that already depends on the other (its references then add no
/// edge back), else the one it was added to. Each choice joins the graph
/// before the next is made.
pub(super) fn place(tables: &mut Tables, graph: &mut StackGraph, either: &[u32]) {
    // Logical ids already taken per stack: a moved resource must not
    // collide with one (two groups of one id admitting one peer).
    let mut taken: std::collections::HashSet<(u32, std::sync::Arc<str>)> = tables
        .nodes
        .iter()
        .filter_map(|n| Some((n.stack?, n.logical_id.clone()?)))
        .collect();
    for &i in either {
        let info = &tables.nodes[i as usize];
        let (Some(here), Some((there, alt_id))) = (info.stack, info.alternate.clone()) else {
            continue;
        };
        let reason = |to: u32| EdgeReason {
            consumer_path: info.path.to_string(),
            producer_path: tables.nodes[to as usize].path.to_string(),
        };
        if !graph.reaches(here, there) && graph.reaches(there, here) {
            let reason = reason(here);
            let info = &mut tables.nodes[i as usize];
            let mut id = alt_id;
            if taken.contains(&(there, id.clone())) {
                id = std::sync::Arc::from(names::logical_id(&[&id, &info.path]));
            }
            taken.insert((there, id.clone()));
            info.stack = Some(there);
            info.logical_id = Some(id);
            graph.add_edge(there, here, reason);
        } else {
            graph.add_edge(here, there, reason(there));
        }
    }
}

/// What the stage writes into, and what it reads.
pub(super) struct Elements<'x, 'a> {
    pub(super) app: &'a App,
    pub(super) tables: &'x Tables,
    pub(super) suppressed: &'x Suppressed<'x>,
    pub(super) builds: &'x mut BTreeMap<u32, StackBuild>,
    pub(super) graph: &'x mut StackGraph,
    pub(super) diags: &'x mut Vec<Diagnostic>,
    /// Where resources' checks are recorded instead of run (see
    /// [`CheckJob`]); `None` checks each resource as it is written.
    pub(super) deferred: Option<&'x mut Vec<CheckJob<'a>>>,
    /// Whether each resource's properties are written out once checked
    /// ([`WrittenProperties`]); only when checks run in line and the
    /// templates are JSON.
    pub(super) write_properties: bool,
}

impl<'a> Elements<'_, 'a> {
    fn logical_id(&self, i: u32) -> String {
        self.tables.nodes[i as usize]
            .logical_id
            .as_deref()
            .unwrap_or("")
            .to_string()
    }

    fn build(&mut self, stack: u32) -> &mut StackBuild {
        self.builds.get_mut(&stack).expect("stack build exists")
    }

    /// One resource: its final properties (overrides, then tags), checked
    /// as emitted, with its DependsOn, condition and metadata.
    fn resource(&mut self, i: u32, stack: u32, r: &'a CfnNode) {
        let n = self.app.node(i);
        let props = match r.resource.properties() {
            Ok(Json::Object(m)) => m,
            Ok(Json::Null) => Map::new(),
            Ok(_) => {
                self.diags.push(Diagnostic::error(
                    n.path.to_string(),
                    "resource properties must serialize to an object",
                ));
                return;
            }
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    n.path.to_string(),
                    format!("cannot serialize properties: {e}"),
                ));
                return;
            }
        };
        if r.resource.is_raw() || !r.options.overrides.is_empty() || !r.property_values.is_empty() {
            self.build(stack).escape_hatches.push(n.path.to_string());
        }
        let mut props = props;
        for overlay in &r.overlays {
            match overlay.properties() {
                Ok(Json::Object(m)) => {
                    props.extend(m.into_iter().filter(|(_, v)| !v.is_null()));
                }
                Ok(_) => {}
                Err(e) => self.diags.push(Diagnostic::error(
                    n.path.to_string(),
                    format!("cannot serialize properties set over the resource: {e}"),
                )),
            }
        }
        for (name, v) in &r.property_values {
            match serde_json::to_value(v) {
                Ok(j) => {
                    props.insert(name.clone(), j);
                }
                Err(e) => self.diags.push(Diagnostic::error(
                    n.path.to_string(),
                    format!("cannot serialize property {name}: {e}"),
                )),
            }
        }
        let properties = final_properties(r, props);
        self.check(
            i,
            stack,
            r.resource.cfn_type(),
            &properties,
            r.origin.as_deref(),
        );
        let depends_on = self.depends_on(i, stack, r);
        let condition = r
            .options
            .condition
            .and_then(|c| crate::core::resolve::condition_id(c).ok());
        let mut metadata = IndexMap::new();
        let mut attributes = Map::new();
        for (k, v) in &r.attributes {
            match serde_json::to_value(v) {
                Ok(Json::Object(m)) if k == "Metadata" => metadata.extend(m),
                Ok(mut j) => {
                    strip_nulls(&mut j);
                    attributes.insert(k.clone(), j);
                }
                Err(e) => self.diags.push(Diagnostic::error(
                    n.path.to_string(),
                    format!("cannot serialize {k}: {e}"),
                )),
            }
        }
        metadata.extend(r.options.metadata.clone());
        if let Some(list) = self.suppressed.get(&i) {
            suppression_metadata(&mut metadata, list);
        }
        let logical_id = self.logical_id(i);
        let properties = self.keep(stack, &logical_id, r.resource.cfn_type(), properties);
        if !attributes.is_empty() {
            self.build(stack)
                .model
                .resource_attributes
                .insert(logical_id.clone(), attributes);
        }
        let entry = ResourceEntry {
            logical_id,
            cfn_type: r.resource.cfn_type().to_string(),
            properties,
            depends_on,
            condition,
            deletion_policy: r.options.deletion_policy,
            update_replace_policy: r.options.update_replace_policy,
            metadata,
        };
        self.build(stack).model.resources.push(entry);
    }

    /// The properties the entry keeps: once checked, written out when the
    /// stage writes them (a large app's JSON templates) and no rule across
    /// stacks reads them, so the template holds bytes, not a tree.
    fn keep(
        &mut self,
        stack: u32,
        logical_id: &str,
        cfn_type: &str,
        properties: Map<String, Json>,
    ) -> Map<String, Json> {
        if !self.write_properties || crate::aws::cfn::semantic::reads_properties(cfn_type) {
            return properties;
        }
        let build = self.build(stack);
        build
            .written
            .write(logical_id, properties)
            .unwrap_or_default()
    }

    /// The resource's checks ([`checked`]), run now or recorded. Called
    /// before the resource's entry is pushed, so the entry's place in its
    /// stack is the stack's resource count now.
    fn check(
        &mut self,
        i: u32,
        stack: u32,
        cfn_type: &'a str,
        properties: &Map<String, Json>,
        origin: Option<&'a str>,
    ) {
        if cfn_type.starts_with("AWS::Serverless::") && self.transformed(i) {
            // The SAM transform's own types: CloudFormation expands them at
            // deploy, and what they become is not known here.
            return;
        }
        if let Some(jobs) = self.deferred.as_deref_mut() {
            jobs.push(CheckJob {
                node: i,
                stack,
                index: self.builds[&stack].model.resources.len(),
                at: self.diags.len(),
                cfn_type,
                origin,
            });
            return;
        }
        let found = checked(self.app, self.suppressed, i, cfn_type, properties, origin);
        self.diags.extend(found);
    }

    /// Whether the stack of node `i` includes a template with a Transform.
    fn transformed(&self, i: u32) -> bool {
        let Some(stack) = self.app.node(i).stack else {
            return false;
        };
        match &self.app.node(stack).kind {
            NodeKind::Stack(info) => info.included.iter().any(|s| s.transform.is_some()),
            _ => false,
        }
    }

    /// The logical ids a resource depends on in its own stack; a dependency
    /// in another stack orders the stacks instead.
    fn depends_on(&mut self, i: u32, stack: u32, r: &CfnNode) -> Vec<String> {
        let n = self.app.node(i);
        let mut depends_on = Vec::new();
        for dep in &r.options.depends_on {
            let Some(d) = self.app.index_of(*dep) else {
                self.diags.push(
                    Diagnostic::error(
                        n.path.to_string(),
                        "dangling reference: DependsOn names a node of another app",
                    )
                    .with_hint("depend on handles of this app"),
                );
                continue;
            };
            for target in self.app.subtree(d) {
                let t = &self.tables.nodes[target as usize];
                if t.kind != RefKind::Resource {
                    continue;
                }
                match t.stack {
                    Some(s) if s == stack => {
                        depends_on.push(t.logical_id.as_deref().unwrap_or("").to_string())
                    }
                    Some(s) => self.graph.add_edge(
                        stack,
                        s,
                        EdgeReason {
                            consumer_path: n.path.to_string(),
                            producer_path: t.path.to_string(),
                        },
                    ),
                    None => {}
                }
            }
        }
        depends_on
    }
}

/// A resource's checks, recorded to run on another thread while the rest
/// of emission goes on (a small app's main thread is its critical path;
/// the checks are a third of its template stage). `at` is where the
/// findings go among the diagnostics, so they read in the order checking in
/// line gives.
pub(super) struct CheckJob<'a> {
    node: u32,
    stack: u32,
    /// The entry's place among its stack's resources.
    index: usize,
    at: usize,
    cfn_type: &'a str,
    origin: Option<&'a str>,
}

/// What is emitted is what gets checked: typed fields, raw resources and
/// overrides alike (the schema, then every registered check), less what
/// the resource suppresses.
fn checked(
    app: &App,
    suppressed: &Suppressed<'_>,
    i: u32,
    cfn_type: &str,
    properties: &Map<String, Json>,
    origin: Option<&str>,
) -> Vec<Diagnostic> {
    let path = &app.node(i).path;
    let mut found = Vec::new();
    crate::aws::cfn::check::check_resource(cfn_type, properties, path, &mut found);
    for check in app.emitted_checks() {
        check(cfn_type, properties, path, &mut found);
    }
    if let Some(list) = suppressed.get(&i) {
        found.retain(|d| {
            d.code
                .as_ref()
                .is_none_or(|c| !list.iter().any(|(rule, _)| rule == c))
        });
    }
    if let Some(origin) = origin {
        for d in &mut found {
            d.message = format!("{} (declared at {origin})", d.message);
        }
    }
    found
}

/// Recorded checks over the emitted entries, shared by the threads that
/// run them: each takes the next few jobs until none is left, so a thread
/// done with its own work early takes more.
pub(super) struct CheckPool<'p, 'a> {
    app: &'p App,
    suppressed: &'p Suppressed<'p>,
    builds: &'p BTreeMap<u32, StackBuild>,
    jobs: &'p [CheckJob<'a>],
    next: AtomicUsize,
    found: Vec<OnceLock<Vec<Diagnostic>>>,
}

/// Jobs a thread takes at a time: a resource's checks are a few
/// microseconds, the shared counter's traffic should not be.
const CHECKS_AT_ONCE: usize = 8;

impl<'p, 'a> CheckPool<'p, 'a> {
    pub(super) fn new(
        app: &'p App,
        suppressed: &'p Suppressed<'p>,
        builds: &'p BTreeMap<u32, StackBuild>,
        jobs: &'p [CheckJob<'a>],
    ) -> Self {
        CheckPool {
            app,
            suppressed,
            builds,
            jobs,
            next: AtomicUsize::new(0),
            found: jobs.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Runs jobs until none is left to take.
    pub(super) fn work(&self) {
        loop {
            let first = self.next.fetch_add(CHECKS_AT_ONCE, Ordering::Relaxed);
            if first >= self.jobs.len() {
                return;
            }
            for k in first..(first + CHECKS_AT_ONCE).min(self.jobs.len()) {
                let job = &self.jobs[k];
                let entry =
                    (self.builds.get(&job.stack)).and_then(|b| b.model.resources.get(job.index));
                debug_assert!(entry.is_some(), "a recorded check lost its entry");
                let found = entry.map_or_else(Vec::new, |e| {
                    let (i, t, o) = (job.node, job.cfn_type, job.origin);
                    checked(self.app, self.suppressed, i, t, &e.properties, o)
                });
                let _ = self.found[k].set(found);
            }
        }
    }

    /// Each job's findings, in job order, once every thread that worked is
    /// joined.
    pub(super) fn into_found(self) -> Vec<Vec<Diagnostic>> {
        let found = self.found.into_iter();
        found.map(|f| f.into_inner().unwrap_or_default()).collect()
    }
}

/// Puts each job's findings where checking in line would have put them.
pub(super) fn merge_findings(
    diags: &mut Vec<Diagnostic>,
    jobs: &[CheckJob<'_>],
    found: Vec<Vec<Diagnostic>>,
) {
    if found.iter().all(Vec::is_empty) {
        return;
    }
    let extra: usize = found.iter().map(Vec::len).sum();
    let mut merged = Vec::with_capacity(diags.len() + extra);
    let mut pending = jobs.iter().map(|j| j.at).zip(found).peekable();
    for (k, d) in std::mem::take(diags).into_iter().enumerate() {
        while let Some((_, f)) = pending.next_if(|(at, _)| *at <= k) {
            merged.extend(f);
        }
        merged.push(d);
    }
    merged.extend(pending.flat_map(|(_, f)| f));
    *diags = merged;
}

/// The properties as written: overrides applied, nulls stripped, then tags
/// last, into the property the type's registry schema takes them in
/// (`Tags`, `BackupVaultTags`…).
fn final_properties(r: &CfnNode, props: Map<String, Json>) -> Map<String, Json> {
    let mut entry_map = Map::new();
    entry_map.insert("Properties".into(), Json::Object(props));
    for (path, v) in &r.options.overrides {
        apply_override(&mut entry_map, path, v.clone());
    }
    let mut props_json = entry_map
        .remove("Properties")
        .unwrap_or(Json::Object(Map::new()));
    strip_nulls(&mut props_json);
    let mut properties = match props_json {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    let (style, tag_property) = match crate::aws::cfn::lookup(r.resource.cfn_type()) {
        Some(meta) => (meta.tagging.style, meta.tagging.property.unwrap_or("Tags")),
        None => (r.resource.tag_style(), "Tags"),
    };
    merge_tags(&mut properties, style, tag_property, &r.tags);
    properties
}

fn parameter(p: &ParameterInfo) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("Type".into(), p.props.param_type.clone().into());
    if let Some(d) = &p.props.description {
        m.insert("Description".into(), d.clone().into());
    }
    if let Some(d) = &p.props.default {
        m.insert("Default".into(), d.clone().into());
    }
    if !p.props.allowed_values.is_empty() {
        m.insert(
            "AllowedValues".into(),
            p.props.allowed_values.clone().into(),
        );
    }
    if p.props.no_echo {
        m.insert("NoEcho".into(), true.into());
    }
    if let Some(x) = &p.props.allowed_pattern {
        m.insert("AllowedPattern".into(), x.clone().into());
    }
    if let Some(x) = &p.props.constraint_description {
        m.insert("ConstraintDescription".into(), x.clone().into());
    }
    if let Some(x) = p.props.min_length {
        m.insert("MinLength".into(), x.into());
    }
    if let Some(x) = p.props.max_length {
        m.insert("MaxLength".into(), x.into());
    }
    for (k, v) in [
        ("MinValue", &p.props.min_value),
        ("MaxValue", &p.props.max_value),
    ] {
        if let Some(j) = v.as_ref().and_then(|v| serde_json::to_value(v).ok()) {
            m.insert(k.into(), j);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings of recorded checks land where checking in line would have
    /// put them: before what was reported after their resource, jobs at one
    /// place in job order, trailing jobs at the end.
    #[test]
    fn recorded_findings_merge_in_place() {
        let job = |at: usize| CheckJob {
            node: 0,
            stack: 0,
            index: 0,
            at,
            cfn_type: "AWS::SQS::Queue",
            origin: None,
        };
        let d = |m: &str| Diagnostic::warning("p", m);
        let mut diags = vec![d("a"), d("b"), d("c")];
        let jobs = [job(0), job(2), job(2), job(3), job(3)];
        let found = vec![
            vec![d("j0")],
            vec![d("j1"), d("j1'")],
            vec![],
            vec![d("j3")],
            vec![d("j4")],
        ];
        merge_findings(&mut diags, &jobs, found);
        let got: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(got, ["j0", "a", "b", "j1", "j1'", "c", "j3", "j4"]);
        // Nothing found: nothing moves.
        let mut same = vec![d("a")];
        merge_findings(&mut same, &[job(0)], vec![vec![]]);
        assert_eq!(same.len(), 1);
    }
}
