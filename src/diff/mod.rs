//! Diff: compares a cloud assembly (freshly synthesized or loaded) with a
//! baseline (a saved assembly, or the deployed stacks) and produces a typed
//! [`Plan`]: per stack and per Kubernetes object, what is added, removed,
//! updated or replaced, plus a security section. The renderers in
//! [`render`] turn a plan into text, Markdown or JSON; nothing here prints.

mod cascade;
mod cfn;
mod deferred;
mod exports;
mod k8s;
pub mod live;
mod model;
mod moves;
mod stack_sets;
use stack_sets::stack_set_changes;
pub mod render;
mod secrets;
mod security;
mod updates;
mod value;

pub use model::*;
pub use moves::{find_moves, rename_refs, ResourceMove};

use std::collections::BTreeSet;
use std::path::PathBuf;

use globset::{Glob, GlobMatcher};
use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::assembly::{
    load_assembly, Environment, LoadError, LoadedAssembly, LoadedObject, StackSetArtifact,
};

pub use k8s::{immutable_fields, ImmutableField};
pub use secrets::{is_sensitive, MASK};

/// The version of the JSON plan format (`schemaVersion`); see `docs/diff.md`.
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// Why a diff could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The assembly or the baseline assembly could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Synthesizing the app failed.
    #[error(transparent)]
    Synth(#[from] crate::core::Error),
    /// A stack pattern is invalid or matches nothing.
    #[error("{0}")]
    Selection(String),
    /// The baseline could not be read (e.g. a deployed stack).
    #[error("baseline {baseline}: {message}")]
    Baseline {
        /// The baseline: a directory, or `deployed`.
        baseline: String,
        /// What went wrong.
        message: String,
    },
    /// A renderer failed (a template error: a meshsynth bug).
    #[error("rendering the {format} plan: {message}")]
    Render {
        /// The output format.
        format: String,
        /// What went wrong.
        message: String,
    },
}

/// The deployed side of `--against deployed`: supplied by the deployer,
/// which owns the AWS client (GetTemplate and DescribeStacks).
pub trait DeployedTemplates {
    /// How to name this baseline in the plan, e.g. `deployed (us-east-1)`.
    fn describe(&self) -> String;
    /// The deployed template of `stack`, or `None` when no such stack exists.
    fn template(&self, stack: &str) -> Result<Option<Json>, DiffError>;
}

/// What the assembly is compared against.
pub enum Baseline {
    /// A saved cloud assembly directory.
    Assembly(PathBuf),
    /// The deployed stacks.
    Deployed(Box<dyn DeployedTemplates>),
}

impl Baseline {
    /// Reads the baseline; `stacks` are the stack names of the new assembly,
    /// which is all a deployed baseline can be asked about.
    pub fn load(&self, stacks: &[String]) -> Result<Snapshot, DiffError> {
        match self {
            Baseline::Assembly(dir) => {
                let loaded = load_assembly(dir)?;
                Ok(Snapshot::from_assembly(
                    format!("assembly {}", dir.display()),
                    loaded,
                ))
            }
            Baseline::Deployed(source) => {
                let mut templates = IndexMap::new();
                for s in stacks {
                    if let Some(t) = source.template(s)? {
                        templates.insert(s.clone(), t);
                    }
                }
                Ok(Snapshot {
                    description: source.describe(),
                    templates,
                    clusters: None,
                    environments: IndexMap::new(),
                    stack_sets: None,
                })
            }
        }
    }
}

/// One side of a comparison: templates per stack and, when known, objects
/// per cluster.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// How to name this side in the plan.
    pub description: String,
    /// Stack name → template.
    pub templates: IndexMap<String, Json>,
    /// Cluster name → objects; `None` when this side has no Kubernetes view
    /// (deployed stacks), so clusters are not compared.
    pub clusters: Option<IndexMap<String, Vec<LoadedObject>>>,
    /// Stack name → where it deploys, when known.
    pub environments: IndexMap<String, Environment>,
    /// Stack name → its StackSet settings, for the stacks this side knows
    /// deploy as StackSets; `None` when this side does not know (deployed
    /// stacks are read as templates only), so instances are not compared.
    pub stack_sets: Option<IndexMap<String, StackSetArtifact>>,
}

impl Snapshot {
    /// A side with nothing on it: every stack and object is new.
    pub fn empty(description: impl Into<String>) -> Snapshot {
        Snapshot {
            description: description.into(),
            templates: IndexMap::new(),
            clusters: Some(IndexMap::new()),
            environments: IndexMap::new(),
            stack_sets: Some(IndexMap::new()),
        }
    }

    /// A loaded assembly as one side of a comparison.
    pub fn from_assembly(description: String, a: LoadedAssembly) -> Snapshot {
        Snapshot {
            description,
            environments: environments(&a),
            stack_sets: Some(stack_sets(&a)),
            templates: a.templates,
            clusters: Some(a.clusters),
        }
    }
}

fn stack_sets(a: &LoadedAssembly) -> IndexMap<String, StackSetArtifact> {
    a.manifest
        .stacks
        .iter()
        .filter_map(|s| Some((s.name.clone(), s.stack_set.clone()?)))
        .collect()
}

fn environments(a: &LoadedAssembly) -> IndexMap<String, Environment> {
    a.manifest
        .stacks
        .iter()
        .map(|s| (s.name.clone(), s.environment.clone()))
        .collect()
}

/// Stack-name globs; a cluster object belongs to the stack (or top-level
/// chart) at the root of its chart's construct path.
#[derive(Debug, Clone, Default)]
pub struct StackFilter {
    matchers: Vec<(String, GlobMatcher)>,
}

impl StackFilter {
    /// Compiles `patterns`; no pattern selects everything.
    pub fn new(patterns: &[String]) -> Result<StackFilter, DiffError> {
        let mut matchers = Vec::new();
        for p in patterns {
            let g = Glob::new(p)
                .map_err(|e| DiffError::Selection(format!("invalid stack pattern {p:?}: {e}")))?;
            matchers.push((p.clone(), g.compile_matcher()));
        }
        Ok(StackFilter { matchers })
    }

    fn all(&self) -> bool {
        self.matchers.is_empty()
    }

    fn matches(&self, name: &str) -> bool {
        self.all() || self.matchers.iter().any(|(_, m)| m.is_match(name))
    }

    fn matches_chart(&self, chart: &str) -> bool {
        self.matches(chart.split('/').next().unwrap_or(chart))
    }
}

/// Gives the create-only properties of a CloudFormation type, `None` when
/// the type is unknown.
pub type CreateOnlyLookup = fn(&str) -> Option<Vec<&'static str>>;

/// Compares `after` (the assembly under review) with `before` (the baseline),
/// predicting replacements from the types meshsynth models.
pub fn plan(
    before: &Snapshot,
    after: &LoadedAssembly,
    filter: &StackFilter,
) -> Result<Plan, DiffError> {
    plan_with(
        before,
        after,
        filter,
        crate::aws::cfn::create_only_properties,
    )
}

/// [`plan`] with another create-only lookup (tests pin one, so their
/// snapshots do not move when more types are modeled).
pub fn plan_with(
    before: &Snapshot,
    after: &LoadedAssembly,
    filter: &StackFilter,
    create_only: CreateOnlyLookup,
) -> Result<Plan, DiffError> {
    plan_inner(before, after, &|_| None, &|_, _| true, filter, create_only)
}

/// [`plan`] of a pair loaded with [`crate::assembly::load_pair_shared`]:
/// the stacks in `shared` hold the same bytes on both sides and a `null`
/// placeholder in each; a template is parsed only if another stack's
/// change must read it (an export it imports).
pub(crate) fn plan_shared(
    before: &Snapshot,
    shared: &crate::assembly::SharedTemplates,
    after: &LoadedAssembly,
    filter: &StackFilter,
) -> Result<Plan, DiffError> {
    plan_inner(
        before,
        after,
        &|s| shared.get(s),
        &|s, text| shared.may_mention(s, text),
        filter,
        crate::aws::cfn::create_only_properties,
    )
}

/// The plan; `unparsed` gives the template of a stack both sides share
/// unparsed, for the checks that read other stacks, and `may_mention`
/// whether that template may hold a text (false: no need to parse it).
fn plan_inner<'a>(
    before: &'a Snapshot,
    after: &'a LoadedAssembly,
    unparsed: &dyn Fn(&str) -> Option<&'a Json>,
    may_mention: &dyn Fn(&str, &str) -> bool,
    filter: &StackFilter,
    create_only: CreateOnlyLookup,
) -> Result<Plan, DiffError> {
    check_patterns(before, after, filter)?;
    let mut security = Vec::new();
    let mut stacks = diff_stacks(before, after, filter, create_only, &mut security);
    let moves = apply_moves(before, after, &mut stacks);
    for s in stacks.iter_mut() {
        if let (Some(old), Some(new)) =
            (before.templates.get(&s.name), after.templates.get(&s.name))
        {
            cascade::cascade(s, old, new, create_only);
        }
    }
    // A moved resource grants what it granted: its entries leave with the
    // old id and arrive with the new one, and are no change.
    security.retain(|c| {
        !moves.iter().any(|m| {
            let at = |stack: &str, id: &str| c.stack.as_deref() == Some(stack) && c.subject == id;
            (c.op == ChangeOp::Removed && at(&m.from_stack, &m.from_id))
                || (c.op == ChangeOp::Added && at(&m.to_stack, &m.to_id))
        })
    });
    let mut notes = Vec::new();
    notes.extend(exports::removed_exports_in_use(
        &before.templates,
        &after.templates,
        unparsed,
        |s| filter.matches(s),
    ));
    notes.extend(exports::changed_exports_in_use(
        &stacks,
        &before.templates,
        &after.templates,
        unparsed,
        may_mention,
    ));
    notes.extend(deferred::changed_deferred_values(&stacks, after));
    notes.extend(exports::removed_outputs_read(
        &before.templates,
        &after.templates,
        unparsed,
        |s| filter.matches(s),
    ));
    let mut clusters = diff_clusters(before, after, filter, &mut security, &mut notes);
    secrets::mask(&mut stacks, &mut clusters, before, after);
    let literal = secrets::literal_secrets(&stacks);
    if literal > 0 {
        notes.push(format!(
            "{literal} template change(s) write a secret as a literal value (hidden here); CloudFormation keeps it in the template and the stack's history: use a dynamic reference ({{{{resolve:secretsmanager:…}}}} or {{{{resolve:ssm-secure:…}}}}) instead"
        ));
    }
    // Widening first, then by stack/cluster order of discovery (stable sort).
    security.sort_by_key(|s| s.direction);
    let summary = summarize(&stacks, &clusters, &security);
    Ok(Plan {
        schema_version: PLAN_SCHEMA_VERSION,
        baseline: before.description.clone(),
        summary,
        security,
        stacks,
        clusters,
        notes,
    })
}

/// Marks the resources that move (see [`find_moves`]) as moves: on the
/// stack they join, with where they come from; a move between stacks is
/// one line, so its removal from the stack it leaves is dropped.
fn apply_moves(
    before: &Snapshot,
    after: &LoadedAssembly,
    stacks: &mut [StackDiff],
) -> Vec<ResourceMove> {
    let after_env: IndexMap<&str, &Environment> = after
        .manifest
        .stacks
        .iter()
        .map(|s| (s.name.as_str(), &s.environment))
        .collect();
    let same_env = |a: &str, b: &str| match (before.environments.get(a), after_env.get(b)) {
        (Some(x), Some(y)) => x == *y,
        // A baseline without environments (deployed stacks read in one
        // account and region) is the same environment.
        _ => true,
    };
    let moves = find_moves(&before.templates, &after.templates, same_env);
    for m in &moves {
        let reason = if m.from_stack == m.to_stack {
            format!(
                "logical ID changed from {}, nothing else: deploy moves it (a stack refactor), nothing is replaced",
                m.from_id
            )
        } else {
            format!(
                "moves from stack {} ({}) unchanged: deploy moves it (a stack refactor), nothing is replaced",
                m.from_stack, m.from_id
            )
        };
        if m.from_stack != m.to_stack {
            if let Some(s) = stacks.iter_mut().find(|s| s.name == m.from_stack) {
                s.resources
                    .retain(|r| !(r.logical_id == m.from_id && r.action == ResourceAction::Remove));
            }
        }
        let Some(s) = stacks.iter_mut().find(|s| s.name == m.to_stack) else {
            continue;
        };
        if let Some(r) = s.resources.iter_mut().find(|r| r.logical_id == m.to_id) {
            r.action = ResourceAction::Move;
            r.renamed_from = Some(m.from_id.clone());
            r.moved_from_stack = (m.from_stack != m.to_stack).then(|| m.from_stack.clone());
            r.reason = Some(reason);
            r.retention = None;
            r.data_loss = false;
            r.changes.clear();
        }
    }
    moves
}

/// Every selected stack of either side, compared.
fn diff_stacks(
    before: &Snapshot,
    after: &LoadedAssembly,
    filter: &StackFilter,
    create_only: CreateOnlyLookup,
    security: &mut Vec<SecurityChange>,
) -> Vec<StackDiff> {
    let mut stacks = Vec::new();
    let mut names: Vec<&String> = after.templates.keys().collect();
    names.extend(
        before
            .templates
            .keys()
            .filter(|k| !after.templates.contains_key(*k)),
    );
    for name in names {
        if !filter.matches(name) {
            continue;
        }
        let mut diff = cfn::diff_stack(
            name,
            before.templates.get(name),
            after.templates.get(name),
            create_only,
            security,
        );
        // Moving a stack to another account or region deploys it anew.
        environment_changes(before, after, name, &mut diff);
        stack_set_changes(before, after, name, &mut diff);
        stacks.push(diff);
    }
    stacks
}

/// A stack that moves to another account or region is deployed anew.
fn environment_changes(
    before: &Snapshot,
    after: &LoadedAssembly,
    name: &str,
    diff: &mut StackDiff,
) {
    let after_env = after
        .manifest
        .stacks
        .iter()
        .find(|s| s.name == name)
        .map(|s| &s.environment);
    if let (Some(old), Some(new)) = (before.environments.get(name), after_env) {
        if diff.status != Status::Added && diff.status != Status::Removed {
            for (field, o, n) in [
                ("account", &old.account, &new.account),
                ("region", &old.region, &new.region),
            ] {
                if o != n {
                    diff.template_changes.push(Change {
                        path: format!("environment.{field}"),
                        op: ChangeOp::Changed,
                        old: Some(o.clone().map_or(Json::Null, Json::String)),
                        new: Some(n.clone().map_or(Json::Null, Json::String)),
                        forces_replacement: true,
                    });
                    diff.status = Status::Changed;
                }
            }
        }
    }
}

/// Every selected cluster of either side, compared; a note when the
/// baseline has no cluster view.
fn diff_clusters(
    before: &Snapshot,
    after: &LoadedAssembly,
    filter: &StackFilter,
    security: &mut Vec<SecurityChange>,
    notes: &mut Vec<String>,
) -> Vec<ClusterDiff> {
    let mut clusters = Vec::new();
    match &before.clusters {
        None => {
            if !after.clusters.is_empty() {
                notes.push(format!(
                    "Kubernetes objects were not compared: the baseline ({}) has no cluster view",
                    before.description
                ));
            }
        }
        Some(old) => {
            let mut names: Vec<&String> = after.clusters.keys().collect();
            names.extend(old.keys().filter(|k| !after.clusters.contains_key(*k)));
            for name in names {
                // A cluster's install inputs (empty chart) go with it: they
                // are compared when any chart of the cluster is selected,
                // read from the manifest (the objects both sides share are
                // not loaded) and from the baseline's objects (a cluster
                // the head no longer has).
                let in_manifest = after.manifest.clusters.iter().any(|c| {
                    c.name == **name && c.files.iter().any(|f| filter.matches_chart(&f.chart))
                });
                let in_baseline = old.get(name).is_some_and(|objs| {
                    objs.iter()
                        .any(|o| !o.chart.is_empty() && filter.matches_chart(&o.chart))
                });
                let inputs = filter.all() || in_manifest || in_baseline;
                fn pick<'a>(
                    side: Option<&'a Vec<LoadedObject>>,
                    filter: &StackFilter,
                    inputs: bool,
                ) -> Option<Vec<&'a LoadedObject>> {
                    side.map(|objs| {
                        objs.iter()
                            .filter(|o| {
                                if o.chart.is_empty() {
                                    inputs
                                } else {
                                    filter.matches_chart(&o.chart)
                                }
                            })
                            .collect()
                    })
                }
                let (o, n) = (
                    pick(old.get(name), filter, inputs),
                    pick(after.clusters.get(name), filter, inputs),
                );
                // A cluster none of whose objects is selected is left out.
                if !filter.all()
                    && o.as_ref().is_none_or(Vec::is_empty)
                    && n.as_ref().is_none_or(Vec::is_empty)
                {
                    continue;
                }
                clusters.push(k8s::diff_cluster(name, o, n, security));
            }
        }
    }
    clusters
}

/// Every pattern must select a stack or chart on one side or the other.
fn check_patterns(
    before: &Snapshot,
    after: &LoadedAssembly,
    filter: &StackFilter,
) -> Result<(), DiffError> {
    let mut roots: BTreeSet<&str> = BTreeSet::new();
    roots.extend(before.templates.keys().map(String::as_str));
    roots.extend(after.templates.keys().map(String::as_str));
    let charts = before
        .clusters
        .iter()
        .flat_map(|c| c.values())
        .chain(after.clusters.values())
        .flatten()
        .filter(|o| !o.chart.is_empty())
        .map(|o| o.chart.split('/').next().unwrap_or(&o.chart));
    roots.extend(charts);
    let listed = after.manifest.clusters.iter().flat_map(|c| &c.files);
    roots.extend(listed.map(|f| f.chart.split('/').next().unwrap_or(&f.chart)));
    for (p, m) in &filter.matchers {
        if !roots.iter().any(|r| m.is_match(r)) {
            let known: Vec<&str> = roots.iter().copied().collect();
            return Err(DiffError::Selection(format!(
                "stack pattern {p:?} matches no stack on either side (stacks: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    Ok(())
}

fn summarize(
    stacks: &[StackDiff],
    clusters: &[ClusterDiff],
    security: &[SecurityChange],
) -> Summary {
    let mut s = Summary::default();
    let count = |g: &mut GroupCounts, status: Status| match status {
        Status::Added => g.added += 1,
        Status::Removed => g.removed += 1,
        Status::Changed => g.changed += 1,
        Status::Unchanged => g.unchanged += 1,
    };
    for st in stacks {
        count(&mut s.stacks, st.status);
        for r in &st.resources {
            let c = &mut s.resources;
            match r.action {
                ResourceAction::Add => c.added += 1,
                ResourceAction::Remove => c.removed += 1,
                ResourceAction::Update => c.updated += 1,
                ResourceAction::Replace => c.replaced += 1,
                ResourceAction::MayReplace => c.may_replace += 1,
                ResourceAction::Move => c.moved += 1,
            }
            match r.retention {
                Some(Retention::Orphan) => c.orphaned += 1,
                Some(Retention::Snapshot) => c.snapshotted += 1,
                None => {}
            }
            if r.renamed_from.is_some() && r.action != ResourceAction::Move {
                c.renamed += 1;
            }
        }
    }
    for cl in clusters {
        count(&mut s.clusters, cl.status);
        for o in &cl.objects {
            let c = &mut s.objects;
            match o.action {
                ObjectAction::Add => c.added += 1,
                ObjectAction::Remove => c.removed += 1,
                ObjectAction::Update => c.updated += 1,
                ObjectAction::Recreate => c.recreated += 1,
            }
        }
    }
    for sc in security {
        match sc.direction {
            Direction::Widens => s.security.widens += 1,
            Direction::MayWiden => s.security.may_widen += 1,
            Direction::Narrows => s.security.narrows += 1,
        }
    }
    s.changed = stacks.iter().any(|x| x.status != Status::Unchanged)
        || clusters.iter().any(|x| x.status != Status::Unchanged);
    s
}

/// A JSON value as a compact string with object keys sorted: equal values
/// give equal strings, whatever their key order.
pub(crate) fn canonical(v: &Json) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Json, out: &mut String) {
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
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
