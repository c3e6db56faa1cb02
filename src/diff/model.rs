//! The plan a diff produces: stacks, resources, clusters, objects, security
//! changes and their counts, as the renderers and `--format json` read it.

use serde::Serialize;
use serde_json::Value as Json;

use crate::assembly::ObjectKey;

/// The outcome of a diff: what changes, per stack and per cluster, and how
/// access changes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// [`PLAN_SCHEMA_VERSION`](super::PLAN_SCHEMA_VERSION).
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
    /// The same resource under a new logical id or in another stack of the
    /// same account and region: deploy moves it (a CloudFormation stack
    /// refactor), nothing is replaced.
    Move,
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
    /// Why it is replaced (or may be), moved, or, for an update, what it
    /// interrupts, what refuses it, or what it reads that is replaced.
    pub reason: Option<String>,
    /// The old logical ID when this looks like a renamed construct.
    pub renamed_from: Option<String>,
    /// For a move between stacks: the stack the resource leaves.
    /// Serialized only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from_stack: Option<String>,
    /// Orphan or snapshot, for removed and replaced resources.
    pub retention: Option<Retention>,
    /// A stateful resource (bucket, table, database, queue, key, log
    /// group…) removed or replaced with neither: its data is deleted.
    /// Serialized only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub data_loss: bool,
    /// Property-level changes: empty for added, removed and moved
    /// resources, and for one whose own text is unchanged but which reads
    /// a replaced resource (its `reason` says so).
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
    /// A resource policy (bucket, queue, topic, secret, repository,
    /// function permission, endpoint…): who else may use the resource.
    ResourcePolicy,
    /// A credential of an IAM user: an access key or a console login.
    Credential,
    /// EKS cluster access: an access entry, its access policies and
    /// Kubernetes groups, or a Pod Identity association.
    ClusterAccess,
    /// Kubernetes RBAC: Role and ClusterRole rules, and their bindings.
    Rbac,
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
    /// Resources moved to a new logical id or stack without replacement.
    pub moved: usize,
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
