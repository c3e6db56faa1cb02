//! Synthesis: lock ▸ aspects ▸ validate ▸ name ▸ resolve ▸ order ▸ emit.
//! Every diagnostic is collected before synthesis fails. Files go to the
//! caller's `FileSink` (memory for tests, a staging directory the writer
//! swaps into place for the CLI), so a failed synthesis leaves nothing
//! half-written.

pub(crate) mod graph;
pub(crate) mod resolve;
mod select;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use crate::assembly::{
    Assembly, ClusterArtifact, DeferredInput, Environment, FileSink, InstallInput, K8sFile,
    Manifest, OutputSpec, ParameterSpec, StackArtifact, MANIFEST_VERSION,
};
use crate::core::chart::InstallKind;
use crate::core::diag::{Diagnostic, Severity};
use crate::core::lite;
use crate::core::names;
use crate::core::tree::{App, NodeKind};
use crate::core::value::Value;
use crate::core::{Error, LiteValue};
use crate::emit::cfn::{
    apply_override, merge_tags, OutputEntry, ResourceEntry, TemplateFormat, TemplateModel,
};
use crate::emit::{k8s as k8s_emit, strip_nulls};
use graph::{EdgeReason, StackGraph};
use resolve::{RefInfo, RefKind, Resolver, StackEnv, Tables};

/// CloudFormation's per-template limits.
pub const MAX_RESOURCES: usize = 500;
/// CloudFormation's limit on outputs per template.
pub const MAX_OUTPUTS: usize = 200;
/// CloudFormation's limit on parameters per template.
pub const MAX_PARAMETERS: usize = 200;
/// CloudFormation's limit on a template's size in bytes (through S3).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;
/// Above this a template body must go through S3 at deploy.
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;

/// How to synthesize.
#[derive(Debug, Clone, Default)]
pub struct SynthOptions {
    /// CloudFormation template format. Default: JSON.
    pub format: TemplateFormat,
    /// Warnings are fatal.
    pub strict: bool,
    /// Stack-name globs; empty selects everything.
    pub patterns: Vec<String>,
}

/// A successful synthesis.
#[derive(Debug)]
pub struct Synthesis {
    /// The cloud assembly, ready to write.
    pub assembly: Assembly,
    /// Non-fatal diagnostics, to print.
    pub diagnostics: Vec<Diagnostic>,
    /// Notes for stderr, e.g. stacks pulled in as dependencies.
    pub notes: Vec<String>,
    /// The locked tree, for callers that inspect what was synthesized.
    pub app: App,
}

struct StackBuild {
    model: TemplateModel,
    escape_hatches: Vec<String>,
    /// Export outputs already added: (node, attr) → output id.
    exports: HashMap<(u32, Option<String>), String>,
}

/// Synthesizes `app` into an in-memory assembly.
pub fn synth(app: App, opts: &SynthOptions) -> Result<Synthesis, Error> {
    let mut files = Vec::new();
    let mut synthesis = synth_into(app, opts, &mut files)?;
    synthesis.assembly.files = files;
    Ok(synthesis)
}

/// Synthesizes `app`, handing each file (except `manifest.json`) to `sink`
/// as soon as it is rendered; the returned assembly's `files` is empty.
/// With an [`AssemblyWriter`](crate::assembly::AssemblyWriter) as the sink,
/// writing overlaps rendering and the output is never held whole; on an
/// error, files already handed over are the sink's to discard.
pub fn synth_into(
    mut app: App,
    opts: &SynthOptions,
    sink: &mut dyn FileSink,
) -> Result<Synthesis, Error> {
    app.lock();
    crate::core::aspects::apply(&mut app);
    let mut diags = std::mem::take(&mut app.diagnostics);
    let validations = std::mem::take(&mut app.validations);
    drop_suppressed(&app, &mut diags);
    let run_checks = |app: &App| {
        let mut found = Vec::new();
        for (_, v) in &validations {
            v.validate(app, &mut found);
        }
        drop_suppressed(app, &mut found);
        found
    };
    let parallel = app.nodes.len() >= PARALLEL_CHECKS_MIN
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let (stacks, clusters, notes) = if parallel {
        std::thread::scope(|scope| {
            let app = &app;
            // The validations (mesh analyzers, user checks) only read the
            // locked tree, so they run beside template and chart emission;
            // their findings go where running them first puts them.
            let checks = scope.spawn(|| run_checks(app));
            let before = diags.len();
            let emitted = emit_assembly(app, opts, sink, &mut diags);
            match checks.join() {
                Ok(found) => drop(diags.splice(before..before, found)),
                Err(panic) => std::panic::resume_unwind(panic),
            }
            emitted
        })?
    } else {
        diags.extend(run_checks(&app));
        emit_assembly(&app, opts, sink, &mut diags)?
    };

    let strict = opts.strict;
    let fatal = diags
        .iter()
        .any(|d| d.is_error() || (strict && d.severity == Severity::Warning));
    diags.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
    });
    diags.dedup();
    if fatal {
        if strict {
            for d in diags.iter_mut() {
                if d.severity == Severity::Warning {
                    d.severity = Severity::Error;
                }
            }
        }
        return Err(Error::Diagnostics(diags));
    }
    Ok(Synthesis {
        assembly: Assembly {
            manifest: Manifest {
                version: MANIFEST_VERSION.into(),
                stacks,
                clusters,
            },
            files: Vec::new(),
        },
        diagnostics: diags,
        notes,
        app,
    })
}

/// The manifest's stacks and clusters, and the notes for stderr.
type Emitted = (Vec<StackArtifact>, Vec<ClusterArtifact>, Vec<String>);

/// Everything after the validations: templates (with their schema and
/// security checks) and charts, handed to `sink`; returns the manifest's
/// stacks and clusters, and the notes.
fn emit_assembly(
    app: &App,
    opts: &SynthOptions,
    sink: &mut dyn FileSink,
    diags: &mut Vec<Diagnostic>,
) -> Result<Emitted, Error> {
    let order = app.preorder();
    let suppressed = suppressions(app);
    let tables = Rc::new(build_tables(app, &order, diags));
    check_object_names(app, &order, diags);

    let stack_nodes: Vec<u32> = order
        .iter()
        .copied()
        .filter(|i| matches!(app.node(*i).kind, NodeKind::Stack(_)))
        .collect();
    let mut builds: BTreeMap<u32, StackBuild> = stack_nodes
        .iter()
        .map(|&s| {
            let info = app.stack_info(s);
            let build = StackBuild {
                model: TemplateModel {
                    description: info.description.clone(),
                    ..Default::default()
                },
                escape_hatches: Vec::new(),
                exports: HashMap::new(),
            };
            (s, build)
        })
        .collect();
    let mut graph = StackGraph {
        nodes: stack_nodes.clone(),
        ..Default::default()
    };

    let resolver = Resolver {
        tables: tables.clone(),
        current_stack: 0,
        current_path: Arc::from(""),
        imports: Vec::new(),
        problems: Vec::new(),
    };
    let (deferred_entries, resolver) = crate::core::resolve::with_resolver(resolver, || {
        emit_stack_elements(
            app,
            &order,
            &tables,
            &suppressed,
            &mut builds,
            &mut graph,
            diags,
        );
        resolve_deferred(app, &order, &tables, &mut builds, diags)
    });
    crate::aws::cfn::check::release_schemas();
    diags.extend(resolver.problems);

    // Cross-stack references become exports on the producer and a
    // dependency; cross-region ones an (unexported) output and a dependency.
    let mut imports = resolver.imports;
    imports.sort();
    imports.dedup_by(|a, b| {
        a.node == b.node && a.attr == b.attr && a.consumer_stack == b.consumer_stack
    });
    for imp in &imports {
        let producer_path = tables.nodes[imp.node as usize].path.to_string();
        graph.add_edge(
            imp.consumer_stack,
            imp.producer_stack,
            EdgeReason {
                consumer_path: imp.consumer_path.to_string(),
                producer_path,
            },
        );
        if imp.cross_region {
            add_export_output(
                app,
                &tables,
                &mut builds,
                imp.producer_stack,
                imp.node,
                imp.attr.clone(),
                false,
            );
        } else {
            add_export(
                app,
                &tables,
                &mut builds,
                imp.producer_stack,
                imp.node,
                imp.attr.clone(),
            );
        }
    }

    if let Some(cycle) = graph.find_cycle() {
        let names: Vec<&str> = cycle
            .iter()
            .map(|s| app.stack_info(*s).name.as_str())
            .collect();
        let mut reasons = Vec::new();
        for w in cycle.windows(2) {
            if let Some(r) = graph.edges.get(&w[0]).and_then(|m| m.get(&w[1])) {
                reasons.push(format!("{} uses {}", r.consumer_path, r.producer_path));
            }
        }
        diags.push(
            Diagnostic::error(
                app.node(cycle[0]).path.to_string(),
                format!(
                    "stack dependency cycle: {} ({})",
                    names.join(" → "),
                    reasons.join("; ")
                ),
            )
            .with_hint(
                "move one of these resources so references flow one way, or merge the stacks; a security group rule goes to the stack of the scope you pass to allow_from (pass the connecting peer's stack to keep the group's stack independent)",
            ),
        );
    }

    let (selected_stacks, selected_charts, notes) =
        select::select(app, &order, &graph, &opts.patterns, &deferred_entries)?;

    // Rendering and limits.
    let topo = graph.topo_order();
    let mut stack_artifacts = Vec::new();
    for &s in &topo {
        if !selected_stacks.contains(&s) {
            continue;
        }
        let info = app.stack_info(s);
        // Taken, so each template's JSON tree is freed once it is rendered.
        let Some(build) = builds.remove(&s) else {
            continue;
        };
        let bytes = build.model.render(opts.format);
        check_limits(app, s, &build.model, bytes.len(), diags);
        let file = format!("{}.template.{}", info.name, opts.format.extension());
        stack_artifacts.push(StackArtifact {
            name: info.name.clone(),
            path: app.node(s).path.to_string(),
            environment: Environment {
                account: info.env.account.clone(),
                region: info.env.region.clone(),
            },
            template: file.clone(),
            template_size: bytes.len(),
            template_sha256: Some(crate::assembly::sha256_hex(&bytes)),
            dependencies: graph
                .deps(s)
                .map(|d| app.stack_info(d).name.clone())
                .collect(),
            parameters: build
                .model
                .parameters
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        ParameterSpec {
                            param_type: v["Type"].as_str().unwrap_or("String").to_string(),
                            default: v.get("Default").and_then(Json::as_str).map(str::to_string),
                        },
                    )
                })
                .collect(),
            outputs: build
                .model
                .outputs
                .iter()
                .map(|o| {
                    (
                        o.logical_id.clone(),
                        OutputSpec {
                            description: o.description.clone(),
                            export_name: o.export_name.clone(),
                        },
                    )
                })
                .collect(),
            termination_protection: info.termination_protection,
            resource_count: build.model.resources.len(),
            escape_hatches: build.escape_hatches,
        });
        sink.put(file, bytes);
    }
    let clusters = emit_charts(
        app,
        &order,
        &selected_charts,
        &deferred_entries,
        &suppressed,
        sink,
    )?;

    Ok((stack_artifacts, clusters, notes))
}

/// Names every template element and records where each node lives.
fn build_tables(app: &App, order: &[u32], diags: &mut Vec<Diagnostic>) -> Tables {
    let mut nodes: Vec<RefInfo> = Vec::with_capacity(app.nodes.len());
    let mut stacks: Vec<Option<StackEnv>> = Vec::with_capacity(app.nodes.len());
    for n in &app.nodes {
        let kind = match n.kind {
            NodeKind::Resource(_) => RefKind::Resource,
            NodeKind::Parameter(_) => RefKind::Parameter,
            NodeKind::Condition(_) => RefKind::Condition,
            _ => RefKind::Other,
        };
        nodes.push(RefInfo {
            path: n.path.clone(),
            logical_id: None,
            stack: n.stack,
            kind,
            cfn_type: match &n.kind {
                NodeKind::Resource(r) => Some(Arc::from(r.resource.cfn_type())),
                _ => None,
            },
        });
        stacks.push(match &n.kind {
            NodeKind::Stack(s) => Some(StackEnv {
                name: s.name.clone(),
                env: s.env.clone(),
            }),
            _ => None,
        });
    }
    // Logical ids per stack, with collisions reported by both paths.
    let mut seen: HashMap<(u32, String), Arc<str>> = HashMap::new();
    let mut stack_names: HashMap<String, Arc<str>> = HashMap::new();
    for &i in order {
        let n = app.node(i);
        if let NodeKind::Stack(s) = &n.kind {
            if let Some(other) = stack_names.insert(s.name.clone(), n.path.clone()) {
                diags.push(
                    Diagnostic::error(
                        n.path.to_string(),
                        format!("stack name {:?} is also used by {other}", s.name),
                    )
                    .with_hint("give each stack a unique stack_name"),
                );
            }
        }
        let explicit = match &n.kind {
            NodeKind::Resource(r) => r.options.logical_id.clone(),
            NodeKind::Parameter(_) | NodeKind::Condition(_) | NodeKind::Output(_) => None,
            _ => continue,
        };
        let Some(stack) = n.stack else { continue };
        let id = explicit.unwrap_or_else(|| names::logical_id(&app.components_below(i, stack)));
        if let Some(other) = seen.insert((stack, id.clone()), n.path.clone()) {
            diags.push(
                Diagnostic::error(
                    n.path.to_string(),
                    format!("logical ID {id} collides with {other}"),
                )
                .with_hint("rename one construct or change its logical-ID override"),
            );
        }
        nodes[i as usize].logical_id = Some(Arc::from(id));
    }
    Tables {
        app: app.node_id(0).app,
        nodes,
        stacks,
        export_ids: Default::default(),
    }
}

/// Serializes resources, parameters, conditions and user outputs per stack.
fn emit_stack_elements(
    app: &App,
    order: &[u32],
    tables: &Tables,
    suppressed: &Suppressed,
    builds: &mut BTreeMap<u32, StackBuild>,
    graph: &mut StackGraph,
    diags: &mut Vec<Diagnostic>,
) {
    for &i in order {
        let n = app.node(i);
        let Some(stack) = n.stack else { continue };
        let lid = || {
            tables.nodes[i as usize]
                .logical_id
                .as_deref()
                .unwrap_or("")
                .to_string()
        };
        resolve::set_current(stack, n.path.clone());
        match &n.kind {
            NodeKind::Resource(r) => {
                let props = match r.resource.properties() {
                    Ok(Json::Object(m)) => m,
                    Ok(Json::Null) => Map::new(),
                    Ok(_) => {
                        diags.push(Diagnostic::error(
                            n.path.to_string(),
                            "resource properties must serialize to an object",
                        ));
                        continue;
                    }
                    Err(e) => {
                        diags.push(Diagnostic::error(
                            n.path.to_string(),
                            format!("cannot serialize properties: {e}"),
                        ));
                        continue;
                    }
                };
                let mut entry_map = Map::new();
                entry_map.insert("Properties".into(), Json::Object(props));
                let build = builds.get_mut(&stack).expect("stack build exists");
                if r.resource.is_raw() || !r.options.overrides.is_empty() {
                    build.escape_hatches.push(n.path.to_string());
                }
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
                // Tags go last, into the final properties, where the type's
                // registry schema takes them (`Tags`, `BackupVaultTags`…).
                let (style, tag_property) = match crate::aws::cfn::lookup(r.resource.cfn_type()) {
                    Some(meta) => (meta.tagging.style, meta.tagging.property.unwrap_or("Tags")),
                    None => (r.resource.tag_style(), "Tags"),
                };
                merge_tags(&mut properties, style, tag_property, &r.tags);
                // What is emitted is what gets checked: typed fields, raw
                // resources and overrides alike.
                let mut found = Vec::new();
                let cfn_type = r.resource.cfn_type();
                crate::aws::cfn::check::check_resource(cfn_type, &properties, &n.path, &mut found);
                for check in app.emitted_checks() {
                    check(cfn_type, &properties, &n.path, &mut found);
                }
                if let Some(list) = suppressed.get(&i) {
                    found.retain(|d| {
                        d.code
                            .as_ref()
                            .is_none_or(|c| !list.iter().any(|(rule, _)| rule == c))
                    });
                }
                diags.extend(found);
                let mut depends_on = Vec::new();
                for dep in &r.options.depends_on {
                    match app.index_of(*dep) {
                        Some(d) => {
                            for target in app.subtree(d) {
                                let t = &tables.nodes[target as usize];
                                if t.kind != RefKind::Resource {
                                    continue;
                                }
                                match t.stack {
                                    Some(s) if s == stack => depends_on
                                        .push(t.logical_id.as_deref().unwrap_or("").to_string()),
                                    Some(s) => graph.add_edge(
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
                        None => diags.push(
                            Diagnostic::error(
                                n.path.to_string(),
                                "dangling reference: DependsOn names a node of another app",
                            )
                            .with_hint("depend on handles of this app"),
                        ),
                    }
                }
                let condition = r
                    .options
                    .condition
                    .and_then(|c| crate::core::resolve::condition_id(c).ok());
                let mut metadata = r.options.metadata.clone();
                if let Some(list) = suppressed.get(&i) {
                    suppression_metadata(&mut metadata, list);
                }
                build.model.resources.push(ResourceEntry {
                    logical_id: lid(),
                    cfn_type: r.resource.cfn_type().to_string(),
                    properties,
                    depends_on,
                    condition,
                    deletion_policy: r.options.deletion_policy,
                    update_replace_policy: r.options.update_replace_policy,
                    metadata,
                });
            }
            NodeKind::Parameter(p) => {
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
                let build = builds.get_mut(&stack).expect("stack build exists");
                build.model.parameters.insert(lid(), Json::Object(m));
            }
            NodeKind::Condition(c) => match serde_json::to_value(&c.expr) {
                Ok(v) => {
                    let build = builds.get_mut(&stack).expect("stack build exists");
                    build.model.conditions.insert(lid(), v);
                }
                Err(e) => diags.push(Diagnostic::error(n.path.to_string(), e.to_string())),
            },
            NodeKind::Output(o) => match serde_json::to_value(&o.props.value) {
                Ok(mut v) => {
                    strip_nulls(&mut v);
                    let build = builds.get_mut(&stack).expect("stack build exists");
                    let id = names::logical_id(&app.components_below(i, stack));
                    build.model.outputs.push(OutputEntry {
                        logical_id: id,
                        value: v,
                        description: o.props.description.clone(),
                        export_name: o.props.export_name.clone(),
                    });
                }
                Err(e) => diags.push(Diagnostic::error(n.path.to_string(), e.to_string())),
            },
            _ => {}
        }
    }
}

/// A resolved deferred input of a chart.
#[derive(Debug, Clone)]
pub(crate) struct DeferredEntry {
    pub chart: u32,
    pub placeholder: String,
    pub stack: u32,
    pub output: String,
    pub lookup: Option<crate::core::Lookup>,
}

/// Turns each chart's deferred values into outputs of the producing stacks.
fn resolve_deferred(
    app: &App,
    order: &[u32],
    tables: &Tables,
    builds: &mut BTreeMap<u32, StackBuild>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<DeferredEntry> {
    let mut out = Vec::new();
    for &c in order {
        let NodeKind::Chart(info) = &app.node(c).kind else {
            continue;
        };
        for d in &info.deferred {
            let (node, attr) = match &d.value {
                Value::Ref(n) => (*n, None),
                Value::GetAtt(n, a) => (*n, Some(a.to_string())),
                _ => continue,
            };
            let target = app
                .index_of(node)
                .filter(|t| tables.nodes[*t as usize].kind == RefKind::Resource);
            let Some(target) = target else {
                diags.push(
                    Diagnostic::error(d.consumer.clone(), "dangling reference: the deferred value does not point at a resource of this app")
                        .with_hint("pass an attribute of a resource created in this app"),
                );
                continue;
            };
            let Some(stack) = tables.nodes[target as usize].stack else {
                continue;
            };
            let output = add_export_output(app, tables, builds, stack, target, attr, false);
            out.push(DeferredEntry {
                chart: c,
                placeholder: d.placeholder.clone(),
                stack,
                output,
                lookup: d.lookup.clone(),
            });
        }
    }
    out
}

fn add_export(
    app: &App,
    tables: &Tables,
    builds: &mut BTreeMap<u32, StackBuild>,
    stack: u32,
    node: u32,
    attr: Option<String>,
) {
    add_export_output(app, tables, builds, stack, node, attr, true);
}

/// Adds (once) an output for `node`'s attribute to `stack`; exported when asked.
fn add_export_output(
    app: &App,
    tables: &Tables,
    builds: &mut BTreeMap<u32, StackBuild>,
    stack: u32,
    node: u32,
    attr: Option<String>,
    export: bool,
) -> String {
    let lid = tables.nodes[node as usize]
        .logical_id
        .as_deref()
        .unwrap_or("")
        .to_string();
    let output = tables.export_id(node, attr.as_deref());
    let stack_name = app.stack_info(stack).name.clone();
    let build = builds.get_mut(&stack).expect("stack build exists");
    if let Some(existing) = build.exports.get(&(node, attr.clone())) {
        let existing = existing.clone();
        if export {
            if let Some(o) = build
                .model
                .outputs
                .iter_mut()
                .find(|o| o.logical_id == existing)
            {
                o.export_name
                    .get_or_insert_with(|| format!("{stack_name}:{existing}"));
            }
        }
        return existing;
    }
    let value = match &attr {
        Some(a) => serde_json::json!({"Fn::GetAtt": [lid, a]}),
        None => serde_json::json!({"Ref": lid}),
    };
    build.model.outputs.push(OutputEntry {
        logical_id: output.clone(),
        value,
        description: Some(format!(
            "{} of {}",
            attr.as_deref().unwrap_or("Ref"),
            tables.nodes[node as usize].path
        )),
        export_name: export.then(|| format!("{stack_name}:{output}")),
    });
    build.exports.insert((node, attr), output.clone());
    output
}

fn check_limits(
    app: &App,
    s: u32,
    model: &TemplateModel,
    size: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let path = app.node(s).path.to_string();
    let name = &app.stack_info(s).name;
    let hint = "split the stack: move constructs into another Stack (references across stacks are resolved for you)";
    if model.resources.len() > MAX_RESOURCES {
        diags.push(
            Diagnostic::error(
                path.clone(),
                format!(
                    "stack {name} has {} resources; CloudFormation allows {MAX_RESOURCES}",
                    model.resources.len()
                ),
            )
            .with_hint(hint),
        );
    }
    if model.outputs.len() > MAX_OUTPUTS {
        diags.push(
            Diagnostic::error(
                path.clone(),
                format!(
                    "stack {name} has {} outputs; CloudFormation allows {MAX_OUTPUTS}",
                    model.outputs.len()
                ),
            )
            .with_hint(hint),
        );
    }
    if model.parameters.len() > MAX_PARAMETERS {
        diags.push(
            Diagnostic::error(
                path.clone(),
                format!(
                    "stack {name} has {} parameters; CloudFormation allows {MAX_PARAMETERS}",
                    model.parameters.len()
                ),
            )
            .with_hint(hint),
        );
    }
    if size > MAX_TEMPLATE_BYTES {
        diags.push(Diagnostic::error(path, format!("template of stack {name} is {size} bytes; CloudFormation allows {MAX_TEMPLATE_BYTES}")).with_hint(hint));
    }
}

/// Validates explicit Kubernetes names and reports objects that collide.
fn check_object_names(app: &App, order: &[u32], diags: &mut Vec<Diagnostic>) {
    // Borrowed keys and a fast hasher: one entry per object of the app.
    type Key<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);
    let mut seen: HashMap<Key<'_>, &Arc<str>, foldhash::fast::RandomState> = HashMap::default();
    for &i in order {
        let n = app.node(i);
        let NodeKind::Object(o) = &n.kind else {
            continue;
        };
        let Some(chart) = n.chart else { continue };
        let cluster = app.chart_info(chart).cluster.as_str();
        let meta = o.metadata();
        let name = meta.name.as_deref().unwrap_or_default();
        let check = match o.kind() {
            "Namespace" => names::validate_dns1123_label(name),
            "Service" => names::validate_dns1123_label(name).and_then(|()| {
                if name.starts_with(|c: char| c.is_ascii_digit()) {
                    Err(format!(
                        "{name:?} is not a DNS-1035 label: a Service name must start with a letter"
                    ))
                } else {
                    Ok(())
                }
            }),
            _ => names::validate_dns1123_subdomain(name),
        };
        if let Err(e) = check {
            diags.push(
                Diagnostic::error(n.path.to_string(), format!("{} name: {e}", o.kind()))
                    .with_hint("choose a lower-case DNS-1123 name such as \"order-service\""),
            );
        }
        if let Some(ns) = &meta.namespace {
            if let Err(e) = names::validate_dns1123_label(ns) {
                diags.push(Diagnostic::error(
                    n.path.to_string(),
                    format!("namespace: {e}"),
                ));
            }
        } else if o.namespaced() {
            diags.push(
                Diagnostic::error(
                    n.path.to_string(),
                    format!("{} {name} has no namespace", o.kind()),
                )
                .with_hint("set ChartProps::namespace or the object's metadata.namespace"),
            );
        }
        let group = o
            .api_version()
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("");
        let key = (
            cluster,
            group,
            o.kind(),
            meta.namespace.as_deref().unwrap_or_default(),
            name,
        );
        if let Some(other) = seen.insert(key, &n.path) {
            diags.push(
                Diagnostic::error(
                    n.path.to_string(),
                    format!(
                        "{} {name} collides with {other} in the same cluster and namespace",
                        o.kind()
                    ),
                )
                .with_hint("give one of them another name"),
            );
        }
    }
}

/// Renders the selected charts, grouped per cluster, and their manifests.
fn emit_charts(
    app: &App,
    order: &[u32],
    selected: &BTreeSet<u32>,
    deferred: &[DeferredEntry],
    suppressed: &Suppressed,
    sink: &mut dyn FileSink,
) -> Result<Vec<ClusterArtifact>, Error> {
    let mut clusters: IndexMap<String, ClusterArtifact> = IndexMap::new();
    let mut kustomize: IndexMap<String, Vec<String>> = IndexMap::new();
    // What each selected object needs, per chart, gathered in tree order;
    // rendering (serialize, label, normalize, YAML) is then independent per
    // object.
    let mut jobs_by_chart: IndexMap<u32, Vec<RenderJob<'_>>> = IndexMap::new();
    let mut escapes: IndexMap<u32, Vec<String>> = IndexMap::new();
    for &i in order {
        let n = app.node(i);
        if let NodeKind::Chart(_) = n.kind {
            if selected.contains(&i) {
                jobs_by_chart.entry(i).or_default();
            }
        }
        let NodeKind::Object(o) = &n.kind else {
            continue;
        };
        let Some(chart) = n.chart.filter(|c| selected.contains(c)) else {
            continue;
        };
        if o.is_raw() || o.is_patched() {
            escapes.entry(chart).or_default().push(n.path.to_string());
        }
        jobs_by_chart.entry(chart).or_default().push(RenderJob {
            chart,
            path: &n.path,
            object: o.as_ref(),
            labels: &app.chart_info(chart).labels,
            suppressed: suppressed.get(&i).map(Vec::as_slice),
        });
    }
    let charts: Vec<(u32, Vec<RenderJob<'_>>)> = jobs_by_chart.into_iter().collect();
    let mut used_files: HashMap<String, Arc<str>> = HashMap::new();
    for rendered in render_charts(&charts) {
        let (chart, mut docs) = rendered?;
        let info = app.chart_info(chart);
        let path = app.node(chart).path.clone();
        let stem: String = path
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let rel_name = format!("{}.yaml", crate::core::names::file_stem(&stem));
        let dir = format!("k8s/{}", crate::core::names::file_stem(&info.cluster));
        let file = format!("{dir}/{rel_name}");
        if let Some(other) = used_files.insert(file.clone(), path.clone()) {
            return Err(Error::construct(
                path.to_string(),
                format!("chart file {file} collides with chart {other}"),
                "rename one of the charts",
            ));
        }
        k8s_emit::order_rendered(&mut docs);
        let count = docs.len();
        sink.put(file.clone(), k8s_emit::join_rendered(&docs).into_bytes());
        kustomize
            .entry(info.cluster.clone())
            .or_default()
            .push(rel_name);
        let cluster = clusters
            .entry(info.cluster.clone())
            .or_insert_with(|| ClusterArtifact {
                name: info.cluster.clone(),
                directory: dir.clone(),
                kustomization: format!("{dir}/kustomization.yaml"),
                files: Vec::new(),
                deferred_inputs: Vec::new(),
                install_inputs: Vec::new(),
                escape_hatches: Vec::new(),
            });
        cluster.files.push(K8sFile {
            file: file.clone(),
            chart: path.to_string(),
            objects: count,
        });
        cluster
            .escape_hatches
            .extend(escapes.shift_remove(&chart).unwrap_or_default());
        // Install inputs of this chart that hold a deferred placeholder: the
        // deployer fills them as it fills the manifests.
        let mut input_files: Vec<(String, String)> = Vec::new();
        for input in &info.install_inputs {
            let (suffix, kind, helm_chart) = match &input.kind {
                InstallKind::IstioOperator => ("istiooperator", "istio-operator", None),
                InstallKind::HelmValues { chart } => ("values", "helm-values", Some(chart.clone())),
            };
            let input_file = format!(
                "{dir}/{}.{suffix}.yaml",
                crate::core::names::file_stem(&input.name)
            );
            if let Some(other) =
                used_files.insert(input_file.clone(), Arc::from(input.path.as_str()))
            {
                return Err(Error::construct(
                    input.path.clone(),
                    format!("install input file {input_file} collides with {other}"),
                    "give the install input another name",
                ));
            }
            let content = k8s_emit::normalize_object(LiteValue::from_json(input.content.clone()));
            let text = crate::emit::yaml::to_yaml(&content);
            if text.contains("${meshsynth:") {
                input_files.push((input_file.clone(), text.clone()));
            }
            sink.put(input_file.clone(), text.into_bytes());
            if input.escape_hatch {
                cluster.escape_hatches.push(input.path.clone());
            }
            cluster.install_inputs.push(InstallInput {
                file: input_file,
                kind: kind.into(),
                chart: helm_chart,
            });
        }
        for d in deferred.iter().filter(|d| d.chart == chart) {
            let stack = app.stack_info(d.stack).name.clone();
            let mut holders = vec![file.clone()];
            holders.extend(
                input_files
                    .iter()
                    .filter(|(_, text)| text.contains(&d.placeholder))
                    .map(|(f, _)| f.clone()),
            );
            match cluster
                .deferred_inputs
                .iter_mut()
                .find(|x| x.placeholder == d.placeholder)
            {
                Some(x) => {
                    for f in holders {
                        if !x.files.contains(&f) {
                            x.files.push(f);
                        }
                    }
                }
                None => cluster.deferred_inputs.push(DeferredInput {
                    placeholder: d.placeholder.clone(),
                    stack,
                    output: d.output.clone(),
                    files: holders,
                    lookup: d.lookup.clone(),
                }),
            }
        }
    }
    for (cluster, list) in kustomize {
        let c = &clusters[&cluster];
        sink.put(
            c.kustomization.clone(),
            k8s_emit::kustomization(&list).into_bytes(),
        );
    }
    Ok(clusters.into_values().collect())
}

/// Suppressions that apply to each node: node → [(rule, reason)].
type Suppressed = HashMap<u32, Vec<(String, String)>>;

/// Drops diagnostics whose code is suppressed at their node or an ancestor.
fn drop_suppressed(app: &App, diags: &mut Vec<Diagnostic>) {
    if app.suppressions.is_empty() || diags.is_empty() {
        return;
    }
    let by_path: HashMap<&str, u32> = app
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (&*n.path, i as u32))
        .collect();
    let suppressed_at = |node: u32, code: &str| -> bool {
        let mut cur = Some(node);
        while let Some(c) = cur {
            if app
                .suppressions
                .iter()
                .any(|s| s.node == c && s.rule == code)
            {
                return true;
            }
            cur = app.node(c).parent;
        }
        false
    };
    diags.retain(|d| {
        let Some(code) = &d.code else { return true };
        let Some(&node) = by_path.get(d.path.as_str()) else {
            return true;
        };
        !suppressed_at(node, code)
    });
}

/// Per resource or object, the suppressions to record on it.
fn suppressions(app: &App) -> Suppressed {
    let mut out: Suppressed = HashMap::new();
    for s in &app.suppressions {
        for i in app.subtree(s.node) {
            if matches!(
                app.node(i).kind,
                NodeKind::Resource(_) | NodeKind::Object(_)
            ) {
                let list = out.entry(i).or_default();
                if !list.iter().any(|(r, _)| r == &s.rule) {
                    list.push((s.rule.clone(), s.reason.clone()));
                }
            }
        }
    }
    out
}

/// Records suppressions in resource Metadata: ours, and in the forms checkov
/// (`checkov.skip`) and cfn-lint (`cfn-lint.config.ignore_checks`) read.
fn suppression_metadata(metadata: &mut IndexMap<String, Json>, list: &[(String, String)]) {
    let ours: Vec<Json> = list
        .iter()
        .map(|(r, why)| serde_json::json!({"rule": r, "reason": why}))
        .collect();
    metadata.insert("meshsynth:suppressions".into(), Json::Array(ours));
    let checkov: Vec<Json> = list
        .iter()
        .filter(|(r, _)| r.starts_with("CKV"))
        .map(|(r, why)| serde_json::json!({"id": r, "comment": why}))
        .collect();
    if !checkov.is_empty() {
        metadata.insert("checkov".into(), serde_json::json!({ "skip": checkov }));
    }
    let cfn_lint: Vec<&String> = list
        .iter()
        .map(|(r, _)| r)
        .filter(|r| {
            r.len() == 5
                && r.starts_with(['E', 'W', 'I'])
                && r[1..].chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    if !cfn_lint.is_empty() {
        metadata.insert(
            "cfn-lint".into(),
            serde_json::json!({"config": {"ignore_checks": cfn_lint}}),
        );
    }
}

/// One Kubernetes object to render, with what its chart adds.
#[derive(Clone, Copy)]
struct RenderJob<'a> {
    chart: u32,
    path: &'a str,
    object: &'a dyn crate::core::K8sObject,
    labels: &'a BTreeMap<String, String>,
    suppressed: Option<&'a [(String, String)]>,
}

/// Below this many tree nodes the validations run before emission, on the
/// same thread: a second thread's heap costs more memory (~2 MiB at the
/// size of the reference apps) than the overlap saves time.
const PARALLEL_CHECKS_MIN: usize = 4096;

/// Below this many objects one thread renders them all: a thread's start
/// costs more than it saves.
const PARALLEL_RENDER_MIN: usize = 1024;

/// Objects rendered together before their files go to the sink: enough to
/// keep every core busy, few enough that their YAML stays small (~4 MB).
const RENDER_BATCH: usize = 4 * PARALLEL_RENDER_MIN;

/// Each chart with its rendered documents (in job order), in chart order.
/// Whole charts are rendered a batch of about [`RENDER_BATCH`] objects at a
/// time, when the iterator reaches them: small charts still share the
/// cores, and the caller writes each file before the next batch renders, so
/// the YAML of a whole assembly is never alive at once (at 39k objects it
/// was a sixth of the peak memory). After an error, the iterator ends.
fn render_charts<'a>(
    charts: &'a [(u32, Vec<RenderJob<'a>>)],
) -> impl Iterator<Item = Result<(u32, Vec<k8s_emit::Document>), Error>> + 'a {
    let mut next = 0;
    let mut ready = std::collections::VecDeque::new();
    std::iter::from_fn(move || {
        if ready.is_empty() && next < charts.len() {
            let start = next;
            let mut objects = 0;
            while next < charts.len() && (next == start || objects < RENDER_BATCH) {
                objects += charts[next].1.len();
                next += 1;
            }
            let batch = &charts[start..next];
            let work: Vec<RenderJob<'_>> = batch
                .iter()
                .flat_map(|(_, jobs)| jobs.iter().copied())
                .collect();
            let mut docs = match render_objects(&work) {
                Ok(docs) => docs.into_iter().map(|(_, doc)| doc),
                Err(e) => {
                    next = charts.len();
                    return Some(Err(e));
                }
            };
            for (chart, jobs) in batch {
                ready.push_back((*chart, docs.by_ref().take(jobs.len()).collect()));
            }
        }
        ready.pop_front().map(Ok)
    })
}

/// Renders every job to YAML, in job order. Large apps are split across the
/// machine's cores; each object renders on its own, so the bytes do not
/// depend on the split.
fn render_objects(work: &[RenderJob<'_>]) -> Result<Vec<(u32, k8s_emit::Document)>, Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || work.len() < PARALLEL_RENDER_MIN {
        return work.iter().map(render_one).collect();
    }
    let chunk = work.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(render_one)
                        .collect::<Result<Vec<_>, Error>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(work.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part?),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(out)
    })
}

fn render_one(job: &RenderJob<'_>) -> Result<(u32, k8s_emit::Document), Error> {
    // The hash-free tree; serde_json only to report what it cannot build.
    let mut doc = match job.object.to_lite() {
        Ok(doc) => doc,
        Err(_) => job
            .object
            .to_json()
            .map(LiteValue::from_json)
            .map_err(|e| {
                Error::construct(
                    job.path.to_string(),
                    format!("cannot serialize object: {e}"),
                    "report this as a meshsynth bug",
                )
            })?,
    };
    if !job.labels.is_empty() {
        if let Some(meta) = doc.member_object_mut("metadata") {
            if let Some(l) = lite::entry_object(meta, "labels") {
                for (k, v) in job.labels {
                    if !l.iter().any(|(lk, _)| lk == k) {
                        l.push((k.clone(), LiteValue::String(v.clone())));
                    }
                }
            }
        }
    }
    if let Some(list) = job.suppressed {
        checkov_annotations(&mut doc, list);
    }
    Ok((
        job.chart,
        k8s_emit::Document::new(&k8s_emit::normalize_object(doc)),
    ))
}

/// Records checkov suppressions on a Kubernetes object as the annotations
/// checkov reads (`checkov.io/skipN: RULE=reason`).
fn checkov_annotations(obj: &mut LiteValue, list: &[(String, String)]) {
    let skips: Vec<String> = list
        .iter()
        .filter(|(r, _)| r.starts_with("CKV"))
        .map(|(r, why)| format!("{r}={why}"))
        .collect();
    if skips.is_empty() {
        return;
    }
    let Some(meta) = obj.member_object_mut("metadata") else {
        return;
    };
    if let Some(ann) = lite::entry_object(meta, "annotations") {
        for (n, s) in skips.into_iter().enumerate() {
            lite::insert(
                ann,
                format!("checkov.io/skip{}", n + 1),
                LiteValue::String(s),
            );
        }
    }
    // Keep metadata in k8s-openapi's (alphabetical) field order.
    meta.sort_by(|a, b| a.0.cmp(&b.0));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RawObject;

    /// Above the threshold the objects render on several threads; the
    /// documents must come back in job order with the same bytes as one
    /// thread gives.
    #[test]
    fn parallel_rendering_keeps_job_order_and_bytes() {
        let objects: Vec<RawObject> = (0..PARALLEL_RENDER_MIN + 500)
            .map(|i| RawObject {
                api_version: "v1".into(),
                kind: if i % 7 == 0 { "Namespace" } else { "ConfigMap" }.into(),
                namespaced: i % 7 != 0,
                metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                    name: Some(format!("o{i}")),
                    ..Default::default()
                },
                body: Default::default(),
            })
            .collect();
        let labels = BTreeMap::from([("team".to_string(), "payments".to_string())]);
        let work: Vec<RenderJob<'_>> = objects
            .iter()
            .enumerate()
            .map(|(i, o)| RenderJob {
                chart: (i % 3) as u32,
                path: "App/Chart/Object",
                object: o,
                labels: &labels,
                suppressed: None,
            })
            .collect();
        let join = |docs: Vec<(u32, k8s_emit::Document)>| -> Vec<(u32, String)> {
            (0..3u32)
                .map(|c| {
                    let mut mine: Vec<k8s_emit::Document> = docs
                        .iter()
                        .filter(|(chart, _)| *chart == c)
                        .map(|(_, d)| d.clone())
                        .collect();
                    k8s_emit::order_rendered(&mut mine);
                    (c, k8s_emit::join_rendered(&mine))
                })
                .collect()
        };
        let parallel = render_objects(&work).unwrap();
        let sequential: Vec<_> = work
            .iter()
            .map(render_one)
            .collect::<Result<_, _>>()
            .unwrap();
        let charts: Vec<u32> = parallel.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            charts,
            (0..work.len()).map(|i| (i % 3) as u32).collect::<Vec<_>>()
        );
        assert_eq!(join(parallel), join(sequential));
    }
}
