//! Diff: compares a cloud assembly (freshly synthesized or loaded) with a
//! baseline (a saved assembly, or the deployed stacks) and produces a typed
//! [`Plan`]: per stack and per Kubernetes object, what is added, removed,
//! updated or replaced, plus a security section. The renderers in
//! [`render`] turn a plan into text, Markdown or JSON; nothing here prints.

mod cfn;
mod exports;
mod k8s;
pub mod render;
mod secrets;
mod security;
mod value;

use std::collections::BTreeSet;
use std::path::PathBuf;

use globset::{Glob, GlobMatcher};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

use crate::assembly::{
    load_assembly, Environment, LoadError, LoadedAssembly, LoadedObject, ObjectKey,
};

pub use k8s::{immutable_fields, ImmutableField};
pub use secrets::MASK;

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
}

impl Snapshot {
    /// A side with nothing on it: every stack and object is new.
    pub fn empty(description: impl Into<String>) -> Snapshot {
        Snapshot {
            description: description.into(),
            templates: IndexMap::new(),
            clusters: Some(IndexMap::new()),
            environments: IndexMap::new(),
        }
    }

    /// A loaded assembly as one side of a comparison.
    pub fn from_assembly(description: String, a: LoadedAssembly) -> Snapshot {
        Snapshot {
            description,
            environments: environments(&a),
            templates: a.templates,
            clusters: Some(a.clusters),
        }
    }
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

/// The outcome of a diff: what changes, per stack and per cluster, and how
/// access changes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// [`PLAN_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What the assembly was compared against.
    pub baseline: String,
    /// Counts of everything that changes.
    pub summary: Summary,
    /// Every access-relevant change, widening first.
    pub security: Vec<SecurityChange>,
    /// Stacks, in deployment order.
    pub stacks: Vec<StackDiff>,
    /// Clusters, by name.
    pub clusters: Vec<ClusterDiff>,
    /// Remarks about what was not compared.
    pub notes: Vec<String>,
}

impl Plan {
    /// True when anything differs.
    pub fn has_changes(&self) -> bool {
        self.summary.changed
    }

    /// The resources whose data the plan deletes, as `stack/LogicalId (Type)`.
    pub fn data_loss(&self) -> Vec<String> {
        self.stacks
            .iter()
            .flat_map(|s| {
                s.resources
                    .iter()
                    .filter(|r| r.data_loss)
                    .map(move |r| format!("{}/{} ({})", s.name, r.logical_id, r.resource_type))
            })
            .collect()
    }
}

/// How a stack or cluster as a whole differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Only in the new assembly.
    Added,
    /// Only in the baseline.
    Removed,
    /// In both, with changes.
    Changed,
    /// In both, unchanged.
    Unchanged,
}

/// The changes of one stack.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackDiff {
    /// The stack name.
    pub name: String,
    /// Whether the stack is added, removed, changed or unchanged.
    pub status: Status,
    /// Changed resources only, in template order (removed ones last).
    pub resources: Vec<ResourceDiff>,
    /// Changes outside `Resources` (outputs, parameters, conditions…), and
    /// of the stack's environment (`environment.account`/`.region`).
    pub template_changes: Vec<Change>,
}

/// What happens to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceAction {
    /// A new resource.
    Add,
    /// A deleted resource.
    Remove,
    /// Updated in place.
    Update,
    /// Deleted and created again (a create-only property changed, the type
    /// changed, or the logical ID changed).
    Replace,
    /// The type is not modeled, so whether the update replaces is unknown.
    MayReplace,
}

/// What a `Retain`/`Snapshot` policy does to a removed or replaced resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Retention {
    /// The physical resource is kept, out of CloudFormation's control.
    Orphan,
    /// A snapshot is taken before deletion.
    Snapshot,
}

/// The changes of one resource.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDiff {
    /// The resource's logical id.
    pub logical_id: String,
    /// The CloudFormation type (the new one when it changed).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// What happens to the resource.
    pub action: ResourceAction,
    /// Why it is replaced (or may be).
    pub reason: Option<String>,
    /// The old logical ID when this looks like a renamed construct.
    pub renamed_from: Option<String>,
    /// Orphan or snapshot, for removed and replaced resources.
    pub retention: Option<Retention>,
    /// A stateful resource (bucket, table, database, queue, key, log
    /// group…) removed or replaced with neither: its data is deleted.
    /// Serialized only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub data_loss: bool,
    /// Property-level changes (empty for added and removed resources).
    pub changes: Vec<Change>,
}

/// A change at one path of a resource or object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// e.g. `Properties.SecurityGroupIngress[0].CidrIp`,
    /// `spec.template.spec.containers[name=app].image`.
    pub path: String,
    /// Whether the value was added, removed or changed.
    pub op: ChangeOp,
    /// The baseline's value.
    pub old: Option<Json>,
    /// The new value.
    pub new: Option<Json>,
    /// A create-only property (CloudFormation) or an immutable field
    /// (Kubernetes).
    pub forces_replacement: bool,
}

/// The kind of change at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeOp {
    /// Only in the new assembly.
    Added,
    /// Only in the baseline.
    Removed,
    /// In both, different.
    Changed,
    /// The same items in another order (`old`/`new` list their identities).
    Reordered,
}

/// The changes of one cluster's objects.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterDiff {
    /// The cluster name.
    pub name: String,
    /// Whether the cluster is added, removed, changed or unchanged.
    pub status: Status,
    /// Changed objects only, in file order (removed ones last).
    pub objects: Vec<ObjectDiff>,
}

/// What happens to a Kubernetes object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ObjectAction {
    /// A new object.
    Add,
    /// A deleted object.
    Remove,
    /// An object updated in place.
    Update,
    /// An immutable field changed: `kubectl apply` is refused; the object
    /// must be deleted and created again.
    Recreate,
}

/// The changes of one Kubernetes object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDiff {
    /// Which object.
    pub object: ObjectKey,
    /// Its `apiVersion` (new side, else the baseline's).
    pub api_version: String,
    /// What happens to it.
    pub action: ObjectAction,
    /// Field-level changes.
    pub changes: Vec<Change>,
}

/// Which kind of access a security change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SecurityCategory {
    /// An IAM identity-policy statement (role inline policy, IAM policy).
    IamStatement,
    /// A role's trust policy (who may assume it), IRSA subjects included.
    TrustPolicy,
    /// A KMS key policy statement.
    KeyPolicy,
    /// A managed policy or policy attachment.
    PolicyAttachment,
    /// A security-group ingress or egress rule.
    SecurityGroupRule,
    /// An Istio AuthorizationPolicy.
    AuthorizationPolicy,
    /// An Istio PeerAuthentication (mTLS mode).
    PeerAuthentication,
    /// A Kubernetes NetworkPolicy.
    NetworkPolicy,
}

/// Whether a change gives more or less access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// More access than before.
    Widens,
    /// Could widen, depending on what else applies (reviewer must judge).
    MayWiden,
    /// Less access than before.
    Narrows,
}

/// One access-relevant change.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityChange {
    /// The stack, for CloudFormation resources.
    pub stack: Option<String>,
    /// The cluster, for Kubernetes objects.
    pub cluster: Option<String>,
    /// The logical ID or the object (`Kind.group ns/name`).
    pub subject: String,
    /// What kind of access it is about.
    pub category: SecurityCategory,
    /// Whether access grows or shrinks.
    pub direction: Direction,
    /// Whether the entry is added, removed or changed.
    pub op: ChangeOp,
    /// One readable line, e.g. `Allow s3:GetObject on arn:… for role X`.
    pub description: String,
    /// The normalized statement, rule or mode, for machines.
    pub detail: Json,
}

impl SecurityChange {
    /// True for widening and possibly widening changes.
    pub fn is_warning(&self) -> bool {
        self.direction != Direction::Narrows
    }
}

/// Counts of stacks or clusters.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCounts {
    /// Present only in the new assembly.
    pub added: usize,
    /// Present only in the baseline.
    pub removed: usize,
    /// Present in both, with changes.
    pub changed: usize,
    /// Present in both, unchanged.
    pub unchanged: usize,
}

/// Counts of resource changes.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceCounts {
    /// Resources created.
    pub added: usize,
    /// Resources deleted.
    pub removed: usize,
    /// Resources updated in place.
    pub updated: usize,
    /// Resources replaced (a create-only property changed).
    pub replaced: usize,
    /// Resources that may be replaced (a changed value is only known at deploy).
    pub may_replace: usize,
    /// Removed or replaced resources kept by a `Retain` policy.
    pub orphaned: usize,
    /// Removed or replaced resources snapshotted first.
    pub snapshotted: usize,
    /// Replacements that look like a renamed construct.
    pub renamed: usize,
}

/// Counts of object changes.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectCounts {
    /// Objects created.
    pub added: usize,
    /// Objects deleted.
    pub removed: usize,
    /// Objects updated in place.
    pub updated: usize,
    /// Objects deleted and created again (an immutable field changed).
    pub recreated: usize,
}

/// Counts of security changes.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityCounts {
    /// Changes that grant more access.
    pub widens: usize,
    /// Changes whose effect on access is known only at deploy.
    pub may_widen: usize,
    /// Changes that grant less access.
    pub narrows: usize,
}

/// Totals over the whole plan.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// True when anything differs (what `--exit-code` reports).
    pub changed: bool,
    /// Stacks by status.
    pub stacks: GroupCounts,
    /// Clusters by status.
    pub clusters: GroupCounts,
    /// Resources by action.
    pub resources: ResourceCounts,
    /// Kubernetes objects by action.
    pub objects: ObjectCounts,
    /// Security-relevant changes by direction.
    pub security: SecurityCounts,
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
    check_patterns(before, after, filter)?;
    let mut security = Vec::new();
    let mut stacks = diff_stacks(before, after, filter, create_only, &mut security);
    let mut notes = Vec::new();
    notes.extend(exports::removed_exports_in_use(
        &before.templates,
        &after.templates,
        |s| filter.matches(s),
    ));
    notes.extend(exports::removed_outputs_read(
        &before.templates,
        &after.templates,
        |s| filter.matches(s),
    ));
    let mut clusters = diff_clusters(before, after, filter, &mut security, &mut notes);
    secrets::mask(&mut stacks, &mut clusters, before, after);
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
                fn pick<'a>(
                    side: Option<&'a Vec<LoadedObject>>,
                    filter: &StackFilter,
                ) -> Option<Vec<&'a LoadedObject>> {
                    side.map(|objs| {
                        objs.iter()
                            .filter(|o| filter.matches_chart(&o.chart))
                            .collect()
                    })
                }
                let (o, n) = (
                    pick(old.get(name), filter),
                    pick(after.clusters.get(name), filter),
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
        .map(|o| o.chart.split('/').next().unwrap_or(&o.chart));
    roots.extend(charts);
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
            }
            match r.retention {
                Some(Retention::Orphan) => c.orphaned += 1,
                Some(Retention::Snapshot) => c.snapshotted += 1,
                None => {}
            }
            if r.renamed_from.is_some() {
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
