//! Markdown rendering for a pull-request comment, from the handlebars
//! template `templates/diff.md.hbs`. The renderer builds an escaped view of
//! the plan and caps it: if the comment would pass GitHub's 65,536-character
//! limit, it renders again with fewer detail lines, so 500 changed resources
//! still give a readable comment.

use std::sync::OnceLock;

use handlebars::Handlebars;
use serde_json::{json, Value as Json};

use super::{
    action_word, category_word, cluster_counts, cut, direction_word, object_word, op_word, short,
    stack_counts, status_word, summary_lines,
};
use crate::diff::{
    Change, ChangeOp, DiffError, Direction, ObjectAction, Plan, ResourceAction, Retention, Status,
};

/// The template, compiled in so the binary needs no files at run time.
const TEMPLATE: &str = include_str!("../../../templates/diff.md.hbs");

/// Longest comment aimed for (GitHub refuses comments over 65,536 characters).
pub const MAX_COMMENT_CHARS: usize = 60_000;

/// How much detail to show; tried from the first level down until the
/// comment fits.
#[derive(Debug, Clone, Copy)]
struct Caps {
    /// Table rows per stack or cluster.
    rows: usize,
    /// Change lines per row.
    paths: usize,
    /// Characters per value.
    value: usize,
    /// Narrowing rows of the security table (widening rows are never cut).
    security: usize,
    /// Names in the unchanged lines.
    names: usize,
    /// Stacks and clusters as tables (else as one line each, at most `rows`).
    tables: bool,
}

/// No cap at all: the full plan written beside a shortened comment.
const FULL: Caps = Caps {
    rows: usize::MAX,
    paths: usize::MAX,
    value: 200,
    security: usize::MAX,
    names: usize::MAX,
    tables: true,
};

const LEVELS: [Caps; 6] = [
    Caps {
        rows: 200,
        paths: 8,
        value: 80,
        security: 100,
        names: 50,
        tables: true,
    },
    Caps {
        rows: 100,
        paths: 3,
        value: 60,
        security: 50,
        names: 30,
        tables: true,
    },
    Caps {
        rows: 40,
        paths: 1,
        value: 40,
        security: 30,
        names: 20,
        tables: true,
    },
    Caps {
        rows: 15,
        paths: 0,
        value: 30,
        security: 15,
        names: 10,
        tables: true,
    },
    // Past here the comment is a summary: the full plan is the artifact.
    Caps {
        rows: 50,
        paths: 0,
        value: 30,
        security: 0,
        names: 10,
        tables: false,
    },
    Caps {
        rows: 0,
        paths: 0,
        value: 20,
        security: 0,
        names: 0,
        tables: false,
    },
];

/// Breaks what GitHub would turn into a mention or a link inside text it
/// renders: `@name` (a notification to whoever it names), bare URLs and
/// `www.` autolinks. A zero-width space keeps the text readable.
fn defang(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let lower = rest.get(..4).map(str::to_ascii_lowercase);
        if c == '@' {
            out.push_str("@\u{200b}");
        } else if rest.starts_with("://") {
            out.push_str(":\u{200b}//");
            rest = &rest[3..];
            continue;
        } else if lower.as_deref() == Some("www.") {
            out.push_str(&rest[..3]);
            out.push_str("\u{200b}.");
            rest = &rest[4..];
            continue;
        } else if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.push(' ');
        } else if crate::untrusted::text::dangerous(c) {
            // A bidirectional override would make a reviewer read the text
            // in another order than it is stored: shown as its escape.
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
}

/// Escapes text for a Markdown table cell or list item: Markdown and HTML
/// are shown, not obeyed, and nothing mentions anyone or links anywhere.
pub(crate) fn md(s: &str) -> String {
    let mut plain = String::with_capacity(s.len());
    defang(&mut plain, s);
    let mut out = String::with_capacity(plain.len());
    for c in plain.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML (the `<summary>` line, where Markdown is not read).
fn html(s: &str) -> String {
    let mut plain = String::with_capacity(s.len());
    defang(&mut plain, s);
    plain
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A code span safe inside a table cell: its fence is longer than any run
/// of backticks in the value, so no value can close it early (GitHub
/// renders neither mentions nor links inside a code span).
pub(crate) fn code(s: &str) -> String {
    let mut flat = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => flat.push_str("\\|"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => flat.push(' '),
            // Inside a code span too: a bidirectional override would make
            // a value, id or name read in another order than it is stored.
            c if crate::untrusted::text::dangerous(c) => {
                flat.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => flat.push(c),
        }
    }
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        return format!("`{flat}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {flat} {fence}")
}

fn change_cell(c: &Change, caps: &Caps, immutable_word: &str) -> String {
    let v = |x: &Option<Json>| code(&x.as_ref().map(|x| short(x, caps.value)).unwrap_or_default());
    let delta = super::list_delta(&c.old, &c.new).filter(|_| c.op == ChangeOp::Changed);
    let mut l = match (c.op, delta) {
        (_, Some((added, removed))) => format!(
            "{}: {}",
            code(&c.path),
            super::delta_text(&added, &removed, caps.value, |s| code(&s))
        ),
        (op, None) => match op {
            ChangeOp::Added => format!("{}: added {}", code(&c.path), v(&c.new)),
            ChangeOp::Removed => format!("{}: removed {}", code(&c.path), v(&c.old)),
            ChangeOp::Changed => format!("{}: {} → {}", code(&c.path), v(&c.old), v(&c.new)),
            ChangeOp::Reordered => format!("{}: reordered", code(&c.path)),
        },
    };
    if c.forces_replacement {
        l.push_str(&format!(" **({immutable_word})**"));
    }
    l
}

fn details(
    reason: Option<String>,
    changes: &[Change],
    caps: &Caps,
    immutable_word: &str,
) -> String {
    let mut parts: Vec<String> = reason.into_iter().collect();
    // Changes that force a replacement are shown before the others.
    let mut ordered: Vec<&Change> = changes.iter().filter(|c| c.forces_replacement).collect();
    ordered.extend(changes.iter().filter(|c| !c.forces_replacement));
    for c in ordered.iter().take(caps.paths) {
        parts.push(change_cell(c, caps, immutable_word));
    }
    let hidden = changes.len().saturating_sub(caps.paths);
    if hidden > 0 {
        parts.push(format!("{hidden} more change(s)"));
    }
    parts.join("<br>")
}

fn resource_action(a: ResourceAction, r: Option<Retention>, data_loss: bool) -> String {
    let icon = match a {
        ResourceAction::Add => "➕",
        ResourceAction::Remove => "➖",
        ResourceAction::Update => "✏️",
        ResourceAction::Replace => "🔁",
        ResourceAction::MayReplace => "❓",
        ResourceAction::Move => "↪️",
    };
    let mut s = format!("{icon} {}", action_word(a));
    match r {
        Some(Retention::Orphan) => s.push_str(" (orphan)"),
        Some(Retention::Snapshot) => s.push_str(" (snapshot)"),
        None if data_loss => s.push_str(" (**data loss**)"),
        None => {}
    }
    s
}

fn object_action(a: ObjectAction) -> String {
    let icon = match a {
        ObjectAction::Add => "➕",
        ObjectAction::Remove => "➖",
        ObjectAction::Update => "✏️",
        ObjectAction::Recreate => "🔁",
    };
    format!("{icon} {}", object_word(a))
}

fn direction_cell(d: Direction) -> String {
    let icon = match d {
        Direction::Widens => "🔴",
        Direction::MayWiden => "🟠",
        Direction::Narrows => "🟢",
    };
    format!("{icon} {}", direction_word(d))
}

fn names_line(names: &[&str], caps: &Caps) -> String {
    let mut s: Vec<String> = names.iter().take(caps.names).map(|n| code(n)).collect();
    if names.len() > caps.names {
        s.push(format!("and {} more", names.len() - caps.names));
    }
    s.join(", ")
}

fn view(plan: &Plan, caps: &Caps, shortened: bool) -> Json {
    let summary = summary_rows(plan);
    // What a reviewer must not miss is never left out, at any level: every
    // replacement, data-loss and widening line (only their width shrinks).
    let warnings = warnings(plan, caps);
    let security = security_rows(plan, caps);
    let security_more = plan.security.len().saturating_sub(security.len());
    let (mut stacks, unchanged_stacks) = stacks(plan, caps);
    let (mut clusters, unchanged_clusters) = clusters(plan, caps);
    let changed_list = if caps.tables {
        Vec::new()
    } else {
        let mut lines: Vec<String> = stacks
            .iter()
            .map(|s| {
                format!(
                    "Stack <code>{}</code> ({}): {}",
                    s["name"].as_str().unwrap_or(""),
                    s["status"].as_str().unwrap_or(""),
                    s["counts"].as_str().unwrap_or("")
                )
            })
            .chain(clusters.iter().map(|c| {
                format!(
                    "Cluster <code>{}</code> ({}): {}",
                    c["name"].as_str().unwrap_or(""),
                    c["status"].as_str().unwrap_or(""),
                    c["counts"].as_str().unwrap_or("")
                )
            }))
            .collect();
        let more = lines.len().saturating_sub(caps.rows);
        lines.truncate(caps.rows);
        if more > 0 {
            lines.push(format!("… and {more} more stack(s) and cluster(s)"));
        }
        stacks.clear();
        clusters.clear();
        lines
    };
    let no_change = summary_lines(&plan.summary)
        .first()
        .map(|l| md(l.trim_start_matches("No changes: ")))
        .unwrap_or_default();
    json!({
        "baseline": md(&plan.baseline),
        "changed": plan.summary.changed,
        "no_change": no_change,
        "summary": summary,
        "notes": plan.notes.iter().map(|n| md(n)).collect::<Vec<_>>(),
        "warnings": warnings,
        "shortened": shortened,
        "changed_list": changed_list,
        "security": security,
        "security_more": security_more,
        "stacks": stacks,
        "clusters": clusters,
        "unchanged_stacks": names_line(&unchanged_stacks, caps),
        "unchanged_stacks_count": unchanged_stacks.len(),
        "unchanged_clusters": names_line(&unchanged_clusters, caps),
        "unchanged_clusters_count": unchanged_clusters.len(),
    })
}

/// The summary lines, split into area and text.
fn summary_rows(plan: &Plan) -> Vec<Json> {
    summary_lines(&plan.summary)
        .into_iter()
        .filter_map(|l| {
            l.split_once(": ")
                .map(|(a, t)| json!({"area": md(a), "text": md(t)}))
        })
        .collect()
}

/// What a reviewer must not miss: replacements, data kept or lost,
/// recreated objects, widened access (all of them; the caller caps).
fn warnings(plan: &Plan, caps: &Caps) -> Vec<String> {
    let mut warnings: Vec<String> = Vec::new();
    for s in &plan.stacks {
        for c in s.template_changes.iter().filter(|c| c.forces_replacement) {
            warnings.push(format!(
                "**deployed anew** {}: {}",
                code(&s.name),
                change_cell(c, caps, "every resource is created again")
            ));
        }
        for r in &s.resources {
            let retention = match r.retention {
                Some(Retention::Orphan) => " — the old resource is **retained (orphan)**",
                Some(Retention::Snapshot) => " — a **snapshot** is taken before deletion",
                None if r.data_loss => {
                    " — **data loss**: the resource and its data are deleted (no Retain or Snapshot policy)"
                }
                None => "",
            };
            match r.action {
                ResourceAction::Replace | ResourceAction::MayReplace => warnings.push(format!(
                    "**{}** {} / {} ({}): {}{retention}",
                    action_word(r.action),
                    code(&s.name),
                    code(&r.logical_id),
                    code(&r.resource_type),
                    md(r.reason.as_deref().unwrap_or("")),
                )),
                ResourceAction::Remove if r.retention.is_some() || r.data_loss => {
                    warnings.push(format!(
                        "**remove** {} / {} ({}){retention}",
                        code(&s.name),
                        code(&r.logical_id),
                        code(&r.resource_type),
                    ))
                }
                _ => {}
            }
        }
    }
    for c in &plan.clusters {
        for o in c
            .objects
            .iter()
            .filter(|o| o.action == ObjectAction::Recreate)
        {
            let fields: Vec<String> = o
                .changes
                .iter()
                .filter(|x| x.forces_replacement)
                .map(|x| code(&x.path))
                .collect();
            warnings.push(format!(
                "**recreate** {} / {}: immutable field(s) {} changed; `kubectl apply` will be refused",
                code(&c.name),
                code(&o.object.to_string()),
                fields.join(", ")
            ));
        }
    }
    for sc in plan.security.iter().filter(|s| s.is_warning()) {
        let place = match (&sc.stack, &sc.cluster) {
            (Some(s), _) => code(s),
            (_, Some(k)) => code(k),
            _ => String::new(),
        };
        warnings.push(format!(
            "**{} access** {place} / {} ({}): {}",
            direction_word(sc.direction),
            code(&sc.subject),
            md(category_word(sc.category)),
            md(&cut(&sc.description, caps.value * 3)),
        ));
    }
    warnings
}

/// The security table's rows, capped.
fn security_rows(plan: &Plan, caps: &Caps) -> Vec<Json> {
    let mut narrowing = 0;
    plan.security
        .iter()
        // Widening rows all stay; narrowing ones are capped.
        .filter(|sc| {
            sc.is_warning() || {
                narrowing += 1;
                narrowing <= caps.security
            }
        })
        .map(|sc| {
            let place = match (&sc.stack, &sc.cluster) {
                (Some(s), _) => format!("stack {}", code(s)),
                (_, Some(k)) => format!("cluster {}", code(k)),
                _ => String::new(),
            };
            json!({
                "direction": direction_cell(sc.direction),
                "op": op_word(sc.op),
                "location": format!("{place} / {}", code(&sc.subject)),
                "description": format!("{}: {}", md(category_word(sc.category)), md(&cut(&sc.description, caps.value * 3))),
            })
        })
        .collect()
}

/// The changed stacks' tables, and the unchanged stacks' names.
fn stacks<'p>(plan: &'p Plan, caps: &Caps) -> (Vec<Json>, Vec<&'p str>) {
    let mut stacks = Vec::new();
    let mut unchanged_stacks = Vec::new();
    for s in &plan.stacks {
        if s.status == Status::Unchanged {
            unchanged_stacks.push(s.name.as_str());
            continue;
        }
        let mut rows: Vec<Json> = s
            .resources
            .iter()
            .take(caps.rows)
            .map(|r| {
                let mut id = code(&r.logical_id);
                match (&r.renamed_from, &r.moved_from_stack, r.action) {
                    (Some(from), Some(stack), ResourceAction::Move) => {
                        id.push_str(&format!(" (moved from {}/{})", code(stack), code(from)))
                    }
                    (Some(from), None, ResourceAction::Move) => {
                        id.push_str(&format!(" (renamed from {}, moved in place)", code(from)))
                    }
                    (Some(from), _, _) => id.push_str(&format!(" (renamed from {}?)", code(from))),
                    _ => {}
                }
                json!({
                    "action": resource_action(r.action, r.retention, r.data_loss),
                    "id": id,
                    "type": code(&r.resource_type),
                    "details": details(r.reason.as_deref().map(md), &r.changes, caps, "forces replacement"),
                })
            })
            .collect();
        if !s.template_changes.is_empty() && rows.len() < caps.rows {
            rows.push(json!({
                "action": "✏️ update",
                "id": "(template)",
                "type": "",
                "details": details(None, &s.template_changes, caps, "forces replacement"),
            }));
        }
        stacks.push(json!({
            "name": html(&s.name),
            "status": status_word(s.status),
            "counts": md(&stack_counts(s)),
            "rows": rows,
            "more": s.resources.len().saturating_sub(caps.rows),
        }));
    }
    (stacks, unchanged_stacks)
}

/// The changed clusters' tables, and the unchanged clusters' names.
fn clusters<'p>(plan: &'p Plan, caps: &Caps) -> (Vec<Json>, Vec<&'p str>) {
    let mut clusters = Vec::new();
    let mut unchanged_clusters = Vec::new();
    for c in &plan.clusters {
        if c.status == Status::Unchanged {
            unchanged_clusters.push(c.name.as_str());
            continue;
        }
        let rows: Vec<Json> = c
            .objects
            .iter()
            .take(caps.rows)
            .map(|o| {
                let reason = (o.action == ObjectAction::Recreate)
                    .then(|| "immutable field changed: delete and create again".to_string());
                json!({
                    "action": object_action(o.action),
                    "id": code(&o.object.to_string()),
                    "type": code(&o.api_version),
                    "details": details(reason, &o.changes, caps, "immutable"),
                })
            })
            .collect();
        clusters.push(json!({
            "name": html(&c.name),
            "status": status_word(c.status),
            "counts": md(&cluster_counts(c)),
            "rows": rows,
            "more": c.objects.len().saturating_sub(caps.rows),
        }));
    }
    (clusters, unchanged_clusters)
}

/// The compiled template, built once per process.
fn registry() -> Result<&'static Handlebars<'static>, DiffError> {
    static REGISTRY: OnceLock<Result<Handlebars<'static>, String>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            let mut hb = Handlebars::new();
            hb.set_strict_mode(true);
            // Values are escaped for Markdown by `view`; HTML escaping would mangle them.
            hb.register_escape_fn(handlebars::no_escape);
            hb.register_template_string("diff", TEMPLATE)
                .map_err(|e| e.to_string())?;
            Ok(hb)
        })
        .as_ref()
        .map_err(|message| DiffError::Render {
            format: "markdown".into(),
            message: message.clone(),
        })
}

fn render(plan: &Plan, caps: &Caps, shortened: bool) -> Result<String, DiffError> {
    registry()?
        .render("diff", &view(plan, caps, shortened))
        .map_err(|e| DiffError::Render {
            format: "markdown".into(),
            message: e.to_string(),
        })
}

/// The plan as a Markdown pull-request comment of at most
/// [`MAX_COMMENT_CHARS`] characters: detail is shed level by level (values,
/// change lines, rows, then the tables become one line per stack), but
/// every replacement, data-loss and widening line stays. A shortened
/// comment says so and points at the full plan ([`markdown_full`]).
pub fn markdown(plan: &Plan) -> Result<String, DiffError> {
    let mut last = String::new();
    for (i, caps) in LEVELS.iter().enumerate() {
        last = render(plan, caps, i > 0)?;
        if last.chars().count() <= MAX_COMMENT_CHARS {
            return Ok(last);
        }
    }
    // Only hundreds of must-review lines get here: they are kept whole up
    // to the limit, and the rest is counted and left to the full plan.
    Ok(fit(&last))
}

/// The whole plan in the comment's format with nothing capped: the file CI
/// keeps beside a shortened comment (`diff --full-plan FILE`).
pub fn markdown_full(plan: &Plan) -> Result<String, DiffError> {
    render(plan, &FULL, false)
}

/// `text` cut at a line boundary to fit the limit, saying how many lines
/// are left out.
fn fit(text: &str) -> String {
    let room = MAX_COMMENT_CHARS - 200;
    let mut out = String::new();
    let mut chars = 0;
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = 0;
    for l in &lines {
        let n = l.chars().count() + 1;
        if chars + n > room {
            break;
        }
        out.push_str(l);
        out.push('\n');
        chars += n;
        kept += 1;
    }
    out.push_str(&format!(
        "\n**… {} more line(s) that need review are not shown: the comment would pass GitHub's limit. Read the full plan (`meshsynth diff --full-plan FILE`; the CI recipe attaches it to the run).**\n",
        lines.len() - kept
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bidirectional_override_is_shown_not_obeyed() {
        // "Out<RLO>X" would render reversed in a pull-request comment; the
        // escape's backslash is itself escaped for Markdown.
        assert_eq!(md("Out\u{202e}X"), r"Out\\u{202e}X");
        assert_eq!(html("a\u{2066}b"), r"a\u{2066}b");
    }

    #[test]
    fn a_bidirectional_override_in_a_code_span_is_shown_not_obeyed() {
        assert_eq!(code("admin\u{202e}txt.exe"), r"`admin\u{202e}txt.exe`");
        assert_eq!(code("a\u{2067}b\u{200f}"), r"`a\u{2067}b\u{200f}`");
    }

    #[test]
    fn escapes_markdown_and_code_spans() {
        assert_eq!(md("a|b <x> *y*"), "a\\|b &lt;x&gt; \\*y\\*");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "`` a`b ``");
        // Two backticks once closed a two-backtick fence.
        assert_eq!(code("x``<img src=y>``z"), "``` x``<img src=y>``z ```");
        assert_eq!(
            md("@octocat see https://evil.example and www.evil.example"),
            "@\u{200b}octocat see https:\u{200b}//evil.example and www\u{200b}.evil.example"
        );
        assert_eq!(html("<b>@team</b>"), "&lt;b&gt;@\u{200b}team&lt;/b&gt;");
    }

    /// A principal added to a list longer than a cell names that principal,
    /// however long the list: the cell shows what changed, not two cut lists.
    #[test]
    fn a_new_principal_in_a_long_list_is_shown_whole() {
        let principals = |n: usize| -> Json {
            Json::Array(
                (0..n)
                    .map(|i| Json::String(format!("cluster.local/ns/shop/sa/service-number-{i}")))
                    .collect(),
            )
        };
        let mut new = principals(6);
        new.as_array_mut()
            .unwrap()
            .push(Json::String("cluster.local/ns/payments/sa/ledger".into()));
        let c = Change {
            path: "spec.rules[0].from[0].source.principals".into(),
            op: ChangeOp::Changed,
            old: Some(principals(6)),
            new: Some(new),
            forces_replacement: false,
        };
        let cell = change_cell(&c, &LEVELS[0], "immutable");
        assert_eq!(
            cell,
            "`spec.rules[0].from[0].source.principals`: added `\"cluster.local/ns/payments/sa/ledger\"`"
        );
        let line = super::super::change_line(&c, 80);
        assert!(
            line.ends_with("added \"cluster.local/ns/payments/sa/ledger\""),
            "{line}"
        );
    }
}
