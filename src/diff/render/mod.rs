//! Renderers of a [`Plan`]: terminal text, Markdown for a pull
//! request comment (handlebars templates from `templates/`), and JSON. They
//! only read the plan; every decision was made when it was computed.

pub(crate) mod markdown;
mod text;

use serde_json::Value as Json;

use super::{
    ChangeOp, ClusterDiff, DiffError, Direction, ObjectAction, Plan, ResourceAction, Retention,
    SecurityCategory, StackDiff, Status, Summary,
};

pub use markdown::{markdown, markdown_full, MAX_COMMENT_CHARS};
pub use text::text;

/// An output format of `meshsynth diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for a terminal.
    Text,
    /// Markdown for a pull-request comment.
    Markdown,
    /// The versioned JSON plan.
    Json,
}

/// Renders `plan`; `color` applies to text only.
pub fn render(plan: &Plan, format: Format, color: bool) -> Result<String, DiffError> {
    match format {
        Format::Text => Ok(text(plan, color)),
        Format::Markdown => markdown(plan),
        Format::Json => Ok(json(plan)),
    }
}

/// The plan as pretty JSON with a final newline (schema in `docs/diff.md`).
pub fn json(plan: &Plan) -> String {
    // Invariant: the plan is plain data (string keys) and always serializes.
    let v = serde_json::to_value(plan).expect("plan serializes");
    // Invariant: to_json_bytes writes UTF-8 JSON.
    String::from_utf8(crate::emit::to_json_bytes(&v)).expect("JSON is UTF-8")
}

/// A value on one line, cut to `max` characters.
pub(crate) fn short(v: &Json, max: usize) -> String {
    let s = match v {
        Json::String(s) => Json::String(s.clone()).to_string(),
        other => other.to_string(),
    };
    cut(&s, max)
}

/// `s` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut out: String = one_line.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The elements a list change adds and removes (as a multiset), when both
/// sides are lists of scalars: a principal added to a long list reads as
/// that principal, not as two lists cut at the same width.
pub(crate) fn list_delta<'j>(
    old: &'j Option<Json>,
    new: &'j Option<Json>,
) -> Option<(Vec<&'j Json>, Vec<&'j Json>)> {
    let (Some(Json::Array(a)), Some(Json::Array(b))) = (old, new) else {
        return None;
    };
    if a.iter().chain(b).any(|x| x.is_object() || x.is_array()) {
        return None;
    }
    let mut left: Vec<&Json> = a.iter().collect();
    let mut added = Vec::new();
    for x in b {
        match left.iter().position(|y| *y == x) {
            Some(i) => {
                left.remove(i);
            }
            None => added.push(x),
        }
    }
    Some((added, left))
}

/// A list change as `added "x", "y"; removed "z"`, each element cut to `max`.
pub(crate) fn delta_text(
    added: &[&Json],
    removed: &[&Json],
    max: usize,
    show: impl Fn(String) -> String,
) -> String {
    let list = |xs: &[&Json]| {
        xs.iter()
            .map(|x| show(short(x, max)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", list(added)));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", list(removed)));
    }
    parts.join("; ")
}

/// One change as `path: old → new` (or `+`/`-`/order), values cut to `max`.
pub(crate) fn change_line(c: &super::Change, max: usize) -> String {
    let v = |x: &Option<Json>| x.as_ref().map(|x| short(x, max)).unwrap_or_default();
    if let (ChangeOp::Changed, Some((added, removed))) = (c.op, list_delta(&c.old, &c.new)) {
        return format!("{}: {}", c.path, delta_text(&added, &removed, max, |s| s));
    }
    match c.op {
        ChangeOp::Added => format!("{}: added {}", c.path, v(&c.new)),
        ChangeOp::Removed => format!("{}: removed {}", c.path, v(&c.old)),
        ChangeOp::Changed => format!("{}: {} → {}", c.path, v(&c.old), v(&c.new)),
        ChangeOp::Reordered => format!(
            "{}: reordered {} → {}",
            c.path,
            order(&c.old, max),
            order(&c.new, max)
        ),
    }
}

/// The identities of a reordered list, as `a, b, c`.
fn order(v: &Option<Json>, max: usize) -> String {
    match v {
        Some(Json::Array(a)) => cut(
            &a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
            max,
        ),
        Some(other) => short(other, max),
        None => String::new(),
    }
}

pub(crate) fn action_word(a: ResourceAction) -> &'static str {
    match a {
        ResourceAction::Add => "add",
        ResourceAction::Remove => "remove",
        ResourceAction::Update => "update",
        ResourceAction::Replace => "replace",
        ResourceAction::MayReplace => "may replace",
        ResourceAction::Move => "move",
    }
}

pub(crate) fn object_word(a: ObjectAction) -> &'static str {
    match a {
        ObjectAction::Add => "add",
        ObjectAction::Remove => "remove",
        ObjectAction::Update => "update",
        ObjectAction::Recreate => "recreate",
    }
}

pub(crate) fn retention_note(r: Option<Retention>) -> Option<&'static str> {
    match r? {
        Retention::Orphan => Some("orphan: the physical resource is retained"),
        Retention::Snapshot => Some("snapshot: a snapshot is taken before deletion"),
    }
}

/// What becomes of a removed or replaced resource's data, as a note.
pub(crate) const DATA_LOSS_NOTE: &str =
    "DATA LOSS: the resource and its data are deleted (no Retain or Snapshot policy)";

/// The note on what becomes of the old physical resource, if any.
pub(crate) fn fate_note(r: &crate::diff::ResourceDiff) -> Option<&'static str> {
    if r.data_loss {
        Some(DATA_LOSS_NOTE)
    } else {
        retention_note(r.retention)
    }
}

pub(crate) fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::Widens => "widens",
        Direction::MayWiden => "may widen",
        Direction::Narrows => "narrows",
    }
}

pub(crate) fn category_word(c: SecurityCategory) -> &'static str {
    match c {
        SecurityCategory::IamStatement => "IAM statement",
        SecurityCategory::TrustPolicy => "trust policy",
        SecurityCategory::KeyPolicy => "KMS key policy",
        SecurityCategory::PolicyAttachment => "policy attachment",
        SecurityCategory::SecurityGroupRule => "security group",
        SecurityCategory::AuthorizationPolicy => "AuthorizationPolicy",
        SecurityCategory::PeerAuthentication => "PeerAuthentication",
        SecurityCategory::NetworkPolicy => "NetworkPolicy",
        SecurityCategory::ResourcePolicy => "resource policy",
        SecurityCategory::Credential => "credential",
        SecurityCategory::ClusterAccess => "cluster access",
        SecurityCategory::Rbac => "RBAC",
    }
}

pub(crate) fn op_word(o: ChangeOp) -> &'static str {
    match o {
        ChangeOp::Added => "added",
        ChangeOp::Removed => "removed",
        ChangeOp::Changed => "changed",
        ChangeOp::Reordered => "reordered",
    }
}

pub(crate) fn status_word(s: Status) -> &'static str {
    match s {
        Status::Added => "new",
        Status::Removed => "removed",
        Status::Changed => "changed",
        Status::Unchanged => "unchanged",
    }
}

fn push_count(parts: &mut Vec<String>, n: usize, what: &str) {
    if n > 0 {
        parts.push(format!("{n} {what}"));
    }
}

/// Resource counts of one stack, e.g. `1 to add, 2 to replace`.
pub(crate) fn stack_counts(s: &StackDiff) -> String {
    let mut parts = Vec::new();
    for (a, what) in [
        (ResourceAction::Add, "to add"),
        (ResourceAction::Remove, "to remove"),
        (ResourceAction::Update, "to update"),
        (ResourceAction::Replace, "to replace"),
        (ResourceAction::MayReplace, "may replace"),
        (ResourceAction::Move, "to move"),
    ] {
        push_count(
            &mut parts,
            s.resources.iter().filter(|r| r.action == a).count(),
            what,
        );
    }
    if !s.template_changes.is_empty() {
        parts.push(format!("{} template change(s)", s.template_changes.len()));
    }
    parts.join(", ")
}

/// Object counts of one cluster.
pub(crate) fn cluster_counts(c: &ClusterDiff) -> String {
    let mut parts = Vec::new();
    for (a, what) in [
        (ObjectAction::Add, "to add"),
        (ObjectAction::Remove, "to remove"),
        (ObjectAction::Update, "to update"),
        (ObjectAction::Recreate, "to recreate"),
    ] {
        push_count(
            &mut parts,
            c.objects.iter().filter(|o| o.action == a).count(),
            what,
        );
    }
    parts.join(", ")
}

/// The whole plan in one sentence per area.
pub(crate) fn summary_lines(s: &Summary) -> Vec<String> {
    if !s.changed {
        return vec![format!(
            "No changes: {} stack(s) and {} cluster(s) compared.",
            s.stacks.unchanged, s.clusters.unchanged
        )];
    }
    let mut lines = Vec::new();
    let mut parts = Vec::new();
    push_count(&mut parts, s.stacks.added, "new");
    push_count(&mut parts, s.stacks.removed, "removed");
    push_count(&mut parts, s.stacks.changed, "changed");
    push_count(&mut parts, s.stacks.unchanged, "unchanged");
    if !parts.is_empty() {
        lines.push(format!("Stacks: {}", parts.join(", ")));
    }
    let r = &s.resources;
    let mut parts = Vec::new();
    push_count(&mut parts, r.added, "to add");
    push_count(&mut parts, r.removed, "to remove");
    push_count(&mut parts, r.updated, "to update");
    if r.replaced > 0 {
        parts.push(if r.renamed > 0 {
            format!("{} to replace ({} renamed)", r.replaced, r.renamed)
        } else {
            format!("{} to replace", r.replaced)
        });
    }
    push_count(&mut parts, r.may_replace, "may replace");
    push_count(&mut parts, r.moved, "to move");
    push_count(&mut parts, r.orphaned, "orphaned");
    push_count(&mut parts, r.snapshotted, "snapshotted");
    if !parts.is_empty() {
        lines.push(format!("Resources: {}", parts.join(", ")));
    }
    let mut parts = Vec::new();
    push_count(&mut parts, s.clusters.added, "new");
    push_count(&mut parts, s.clusters.removed, "removed");
    push_count(&mut parts, s.clusters.changed, "changed");
    push_count(&mut parts, s.clusters.unchanged, "unchanged");
    if !parts.is_empty() {
        lines.push(format!("Clusters: {}", parts.join(", ")));
    }
    let o = &s.objects;
    let mut parts = Vec::new();
    push_count(&mut parts, o.added, "to add");
    push_count(&mut parts, o.removed, "to remove");
    push_count(&mut parts, o.updated, "to update");
    push_count(&mut parts, o.recreated, "to recreate");
    if !parts.is_empty() {
        lines.push(format!("Objects: {}", parts.join(", ")));
    }
    let x = &s.security;
    let mut parts = Vec::new();
    push_count(&mut parts, x.widens, "widen access");
    push_count(&mut parts, x.may_widen, "may widen access");
    push_count(&mut parts, x.narrows, "narrow access");
    if !parts.is_empty() {
        lines.push(format!("Security: {}", parts.join(", ")));
    }
    lines
}

/// Where a security change is: `stack app / Role` or `cluster main / Kind ns/name`.
pub(crate) fn location(c: &super::SecurityChange) -> String {
    match (&c.stack, &c.cluster) {
        (Some(s), _) => format!("stack {s} / {}", c.subject),
        (_, Some(k)) => format!("cluster {k} / {}", c.subject),
        _ => c.subject.clone(),
    }
}
