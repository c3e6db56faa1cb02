//! Synthesis: lock ▸ aspects ▸ validate ▸ name ▸ resolve ▸ order ▸ emit.
//! One file per stage: `validate` (Kubernetes names; tree validations run
//! here), `tables` (naming), `resolve` (references), `template` (resources
//! per stack), `exports`, `deferred` (values for Kubernetes), `limits`,
//! `charts` and `render` (manifests), `suppress` (rules turned off);
//! `relations` (rules across resources and stacks, once exports are
//! wired); `graph` orders stacks and `select` picks stacks for a command;
//! `parts` synthesizes an app declared in parts, one part at a time.
//! Every diagnostic is collected before synthesis fails. Files go to the
//! caller's `FileSink` (memory for tests, a staging directory the writer
//! swaps into place for the CLI), so a failed synthesis leaves nothing
//! half-written.

mod charts;
mod deferred;
mod exports;
pub(crate) mod graph;
mod limits;
mod parts;
mod relations;
mod render;
pub(crate) mod resolve;
mod select;
mod stack_set;
mod suppress;
mod tables;
mod template;
mod validate;

use charts::*;
use deferred::*;
use exports::*;
use limits::*;
use relations::*;
use render::*;
use suppress::*;
use tables::*;
use template::*;
use validate::*;

pub use parts::synth_parts_into;

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;

use crate::assembly::{
    Assembly, ClusterArtifact, Environment, FileSink, Manifest, OutputSpec, ParameterSpec,
    StackArtifact, MANIFEST_VERSION,
};
use crate::core::diag::{Diagnostic, Severity};
use crate::core::tree::{App, NodeKind};
use crate::core::Error;
use crate::emit::cfn::{TemplateFormat, TemplateModel, WrittenProperties};
use graph::{EdgeReason, StackGraph};
use resolve::Resolver;

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
    /// The properties of the model's resources that are already written
    /// (their entries' `properties` left empty).
    written: WrittenProperties,
    escape_hatches: Vec<String>,
    /// Export outputs already added: (node, attr) → output id.
    exports: HashMap<(u32, Option<String>), String>,
    /// Where a resource that may live in either of two stacks sits in this
    /// stack's resources while its place is decided (node → index of a
    /// placeholder entry), so one that stays keeps its tree-order place.
    slots: HashMap<u32, usize>,
    /// The template names of the stack's parameters by construct id, so a
    /// StackSet override may name a parameter the way the code does.
    parameter_ids: HashMap<String, Vec<String>>,
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
    if app.has_parts() {
        return synth_parts_into(app, opts, sink, &mut |_| {});
    }
    app.lock();
    crate::core::aspects::apply(&mut app);
    let mut diags = std::mem::take(&mut app.diagnostics);
    let validations = std::mem::take(&mut app.validations);
    drop_suppressed(&app, &mut diags);
    let before = diags.len();
    let checks = Checks {
        validations: &validations,
        next: AtomicUsize::new(0),
        found: Mutex::new(Vec::new()),
    };
    // Even at the reference apps' size (240 objects) the overlap pays: the
    // CRD check's first touches of its schemas cost about as much as
    // emission, and the second thread's heap adds no measurable peak.
    let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let (stacks, clusters, mut notes) = if parallel {
        std::thread::scope(|scope| {
            let app = &app;
            let checks = &checks;
            // The validations (mesh analyzers, user checks) only read the
            // locked tree, so they run beside template and chart emission,
            // two at a time: a large app's CRD and API checks each take
            // about as long as its emission, and one after the other they
            // left a core idle at the end (docs/performance.md, round 29).
            let workers: Vec<_> = (0..CHECK_THREADS)
                .map(|_| scope.spawn(move || checks.work(app)))
                .collect();
            let emitted = emit_assembly(app, opts, sink, &mut diags);
            // What no worker has started yet, this thread runs.
            checks.work(app);
            for w in workers {
                if let Err(panic) = w.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            emitted
        })?
    } else {
        checks.work(&app);
        emit_assembly(&app, opts, sink, &mut diags)?
    };
    // Their findings go where running them first puts them.
    let found = checks.into_found(&app);
    drop(diags.splice(before..before, found));

    notes.extend(app.deprecations.iter().cloned());
    let strict = opts.strict;
    let fatal = diags
        .iter()
        .any(|d| d.is_error() || (strict && d.severity == Severity::Warning));
    order_diagnostics(&mut diags);
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
                app: app.name().map(str::to_string),
            },
            files: Vec::new(),
        },
        diagnostics: diags,
        notes,
        app,
    })
}

/// Threads that take validations beside emission.
const CHECK_THREADS: usize = 2;

/// The app's validations as a queue that any number of threads work
/// through; the findings are put back in registration order, so what a
/// run reports does not depend on which thread ran which check.
struct Checks<'v> {
    validations: &'v [(u32, Box<dyn crate::core::Validation>)],
    next: AtomicUsize,
    /// (index of the validation, its findings).
    found: Mutex<Vec<(usize, Vec<Diagnostic>)>>,
}

impl Checks<'_> {
    /// Runs validations until none is left.
    fn work(&self, app: &App) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some((_, v)) = self.validations.get(i) else {
                return;
            };
            let mut out = Vec::new();
            v.validate(app, &mut out);
            let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
            found.push((i, out));
        }
    }

    /// Every finding, in the order of the validations, suppressed ones
    /// dropped.
    fn into_found(self, app: &App) -> Vec<Diagnostic> {
        let mut found = self.found.into_inner().unwrap_or_else(|p| p.into_inner());
        found.sort_by_key(|(i, _)| *i);
        let mut all: Vec<Diagnostic> = found.into_iter().flat_map(|(_, d)| d).collect();
        drop_suppressed(app, &mut all);
        all
    }
}

/// The order diagnostics are reported in: errors first, then by path;
/// repeats dropped.
fn order_diagnostics(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
    });
    diags.dedup();
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
    let mut tables = Rc::new(build_tables(app, &order, diags));
    check_object_names(app, &order, diags);

    let (mut builds, mut graph) = new_builds(app, &order);
    // A small app's resource checks run beside the rest of emission (its
    // main thread is the critical path); a large app's in line, so each
    // template is freed as soon as it is rendered.
    let mut jobs = Vec::new();
    let defer = objects_below(app, &order, PARALLEL_RENDER_MIN)
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    // Without recorded checks, nothing reads a resource's properties after
    // its own checks but the rules across stacks (which name the types they
    // read), so a JSON template may hold them written.
    let write_properties = !defer && opts.format == TemplateFormat::Json;
    let resolver = |tables: &Rc<resolve::Tables>| Resolver {
        tables: tables.clone(),
        current_stack: 0,
        current_path: Arc::from(""),
        imports: Vec::new(),
        problems: Vec::new(),
    };
    let ((either, deferred_entries), first) =
        crate::core::resolve::with_resolver(resolver(&tables), || {
            let emit = template::Elements {
                app,
                tables: &tables,
                suppressed: &suppressed,
                builds: &mut builds,
                graph: &mut graph,
                diags,
                deferred: defer.then_some(&mut jobs),
                write_properties,
            };
            let either = emit_stack_elements(emit, &order);
            (
                either,
                resolve_deferred(app, &order, &tables, &mut builds, diags),
            )
        });
    let Resolver {
        imports,
        problems,
        tables: shared,
        ..
    } = first;
    drop(shared);
    diags.extend(problems);
    let mut imports = imports;
    if !either.is_empty() {
        // The edges the rest of the app makes, before placing (exports are
        // added once, for every import together, so their order is one).
        for imp in &imports {
            graph.add_edge(
                imp.consumer_stack,
                imp.producer_stack,
                EdgeReason {
                    consumer_path: imp.consumer_path.to_string(),
                    producer_path: tables.nodes[imp.node as usize].path.to_string(),
                },
            );
        }
        // Resources that may live in either of two stacks go where the
        // graph of everything else says, then are emitted there.
        // Invariant: the first resolver, the tables' only other owner, is gone.
        let t = Rc::get_mut(&mut tables).expect("the tables have one owner");
        template::place(t, &mut graph, &either);
        let ((), second) = crate::core::resolve::with_resolver(resolver(&tables), || {
            let emit = template::Elements {
                app,
                tables: &tables,
                suppressed: &suppressed,
                builds: &mut builds,
                graph: &mut graph,
                diags,
                deferred: Some(&mut jobs),
                write_properties,
            };
            template::emit_placed(emit, &either)
        });
        diags.extend(second.problems);
        imports.extend(second.imports);
    }
    wire_imports(app, &tables, &mut builds, &mut graph, imports);
    let later = Later {
        app,
        opts,
        order: &order,
        tables: &tables,
        graph: &graph,
        suppressed: &suppressed,
        deferred_entries: &deferred_entries,
        small: defer,
    };
    if jobs.is_empty() {
        crate::aws::cfn::check::release_schemas();
        return later.emit(Builds::Owned(builds), None, sink, diags);
    }
    let pool = template::CheckPool::new(app, &suppressed, &builds, &jobs);
    let emitted = std::thread::scope(|scope| {
        let worker = scope.spawn(|| pool.work());
        let emitted = later.emit(Builds::Shared(&builds), Some(&pool), sink, diags);
        pool.work();
        match worker.join() {
            Ok(()) => emitted,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    crate::aws::cfn::check::release_schemas();
    template::merge_findings(diags, &jobs, pool.into_found());
    emitted
}

/// Whether the app has fewer than `n` Kubernetes objects.
fn objects_below(app: &App, order: &[u32], n: usize) -> bool {
    let objects = order
        .iter()
        .filter(|&&i| matches!(app.node(i).kind, NodeKind::Object(_)));
    objects.take(n).count() < n
}

/// The stacks' templates, taken when each is rendered (its JSON tree freed
/// at once), or borrowed while their checks still read them.
enum Builds<'b> {
    Owned(BTreeMap<u32, StackBuild>),
    Shared(&'b BTreeMap<u32, StackBuild>),
}

impl Builds<'_> {
    fn all(&self) -> &BTreeMap<u32, StackBuild> {
        match self {
            Builds::Owned(m) => m,
            Builds::Shared(m) => m,
        }
    }
}

/// What emission reads once every template element is written.
struct Later<'l> {
    app: &'l App,
    opts: &'l SynthOptions,
    order: &'l [u32],
    tables: &'l resolve::Tables,
    graph: &'l StackGraph,
    suppressed: &'l suppress::Suppressed<'l>,
    deferred_entries: &'l [deferred::DeferredEntry],
    /// Whether the app is small enough (and the machine has the cores) to
    /// render its charts beside its templates.
    small: bool,
}

impl Later<'_> {
    /// The selection, the rules across stacks, then the templates and
    /// charts rendered and handed to `sink`.
    /// Threads with nothing else to do take `pool`'s checks.
    fn emit(
        &self,
        builds: Builds<'_>,
        pool: Option<&template::CheckPool<'_, '_>>,
        sink: &mut dyn FileSink,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Emitted, Error> {
        let Later {
            app,
            opts,
            order,
            tables,
            graph,
            suppressed,
            deferred_entries,
            ..
        } = *self;
        let (selected_stacks, selected_charts, notes) =
            select::select(app, order, graph, &opts.patterns, deferred_entries)?;
        let jobs = || render_jobs(app, order, &selected_charts, suppressed);
        // The rules across stacks read every template, then the templates
        // are rendered (each freed once written when owned).
        let templates = |builds: Builds<'_>, sink: &mut dyn FileSink, diags: &mut Vec<_>| {
            check_relations(app, tables, builds.all(), diags);
            report_cycle(app, graph, diags);
            let stacks = render_stacks(app, opts, graph, &selected_stacks, builds, sink, diags);
            pool.inspect(|p| p.work());
            stacks
        };
        // A small app's objects render on one thread (`render_objects`)
        // beside the templates instead of after them (about 1 ms of the
        // reference apps' 13). A large app's are listed only once its
        // templates are freed (the list was 3 MiB of the 10k peak), and
        // render on every core in batches written as they finish.
        let (charts, escapes) = if self.small {
            jobs()
        } else {
            let stacks = templates(builds, sink, diags);
            let (charts, escapes) = jobs();
            let clusters =
                emit_charts(app, render_charts(&charts), escapes, deferred_entries, sink);
            return Ok((stacks, clusters?, notes));
        };
        let objects: usize = charts.iter().map(|(_, jobs)| jobs.len()).sum();
        let beside = objects > 0 && objects < PARALLEL_RENDER_MIN;
        let (stack_artifacts, clusters) = std::thread::scope(|scope| {
            let early = beside.then(|| {
                scope.spawn(|| {
                    let rendered = render_charts(&charts).collect::<Vec<_>>();
                    pool.inspect(|p| p.work());
                    rendered
                })
            });
            // No diagnostic comes between the charts' and the templates':
            // the order is kept.
            let stacks = templates(builds, sink, diags);
            let rendered: Box<dyn Iterator<Item = RenderedChart>> = match early {
                Some(handle) => match handle.join() {
                    Ok(rendered) => Box::new(rendered.into_iter()),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                None => Box::new(render_charts(&charts)),
            };
            let clusters = emit_charts(app, rendered, escapes, deferred_entries, sink);
            (stacks, clusters)
        });
        Ok((stack_artifacts, clusters?, notes))
    }
}

/// One empty template model per stack, and the stack graph's nodes.
fn new_builds(app: &App, order: &[u32]) -> (BTreeMap<u32, StackBuild>, StackGraph) {
    let stack_nodes: Vec<u32> = order
        .iter()
        .copied()
        .filter(|i| matches!(app.node(*i).kind, NodeKind::Stack(_)))
        .collect();
    let builds: BTreeMap<u32, StackBuild> = stack_nodes
        .iter()
        .map(|&s| {
            let info = app.stack_info(s);
            let build = StackBuild {
                model: TemplateModel {
                    description: info.description.clone(),
                    ..Default::default()
                },
                written: WrittenProperties::default(),
                escape_hatches: Vec::new(),
                exports: HashMap::new(),
                slots: HashMap::new(),
                parameter_ids: HashMap::new(),
            };
            (s, build)
        })
        .collect();
    let graph = StackGraph {
        nodes: stack_nodes,
        ..Default::default()
    };
    (builds, graph)
}

/// Cross-stack references become exports on the producer and a
/// dependency; cross-region ones an (unexported) output and a dependency.
fn wire_imports(
    app: &App,
    tables: &Rc<resolve::Tables>,
    builds: &mut BTreeMap<u32, StackBuild>,
    graph: &mut StackGraph,
    mut imports: Vec<resolve::Import>,
) {
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
                tables,
                builds,
                imp.producer_stack,
                imp.node,
                imp.attr.clone(),
                false,
            );
        } else {
            add_export(
                app,
                tables,
                builds,
                imp.producer_stack,
                imp.node,
                imp.attr.clone(),
            );
        }
    }
}

/// A dependency cycle between stacks, as one error naming the references
/// that make it.
fn report_cycle(app: &App, graph: &StackGraph, diags: &mut Vec<Diagnostic>) {
    let Some(cycle) = graph.find_cycle() else {
        return;
    };
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
        .with_hint("move one of these resources so references flow one way, or merge the stacks"),
    );
}

/// Renders the selected stacks' templates in dependency order, checks
/// their limits, hands each file to `sink`, and returns their manifest
/// entries.
fn render_stacks(
    app: &App,
    opts: &SynthOptions,
    graph: &StackGraph,
    selected_stacks: &std::collections::BTreeSet<u32>,
    mut builds: Builds<'_>,
    sink: &mut dyn FileSink,
    diags: &mut Vec<Diagnostic>,
) -> Vec<StackArtifact> {
    let topo = graph.topo_order();
    let mut stack_artifacts = Vec::new();
    for &s in &topo {
        if !selected_stacks.contains(&s) {
            continue;
        }
        let info = app.stack_info(s);
        // Taken when owned, so each template's JSON tree is freed once it
        // is rendered.
        let taken;
        let build = match &mut builds {
            Builds::Owned(all) => {
                taken = all.remove(&s);
                taken.as_ref()
            }
            Builds::Shared(all) => all.get(&s),
        };
        let Some(build) = build else {
            continue;
        };
        let bytes = build.model.render_with(opts.format, Some(&build.written));
        check_limits(app, s, &build.model, bytes.len(), diags);
        let file = crate::assembly::rules::template_file(&info.name, opts.format.extension());
        let stack_set = stack_set::stack_set_artifact(app, s, graph, build, diags);
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
            escape_hatches: build.escape_hatches.clone(),
            stack_set,
        });
        sink.put(file, bytes);
    }
    stack_artifacts
}
