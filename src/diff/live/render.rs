//! A drift report as text (a terminal), Markdown (a pull request or an
//! issue) or JSON. Every name and value comes from the cluster, so text is
//! made inert and Markdown escaped; Secret values are already masked.

use super::{DriftStatus, LiveDrift, ObjectDrift};
use crate::diff::render::markdown::{code, md};
use crate::diff::render::{change_line, short};
use crate::untrusted::{elide, inert};

/// Widest value shown on one line.
const VALUE_WIDTH: usize = 100;
/// Most field rows the Markdown report shows (a comment has a size limit).
const MARKDOWN_ROWS: usize = 200;

fn word(s: DriftStatus) -> &'static str {
    match s {
        DriftStatus::Missing => "missing from the cluster",
        DriftStatus::Extra => "in the cluster only",
        DriftStatus::Changed => "changed in the cluster",
    }
}

fn summary(d: &LiveDrift) -> String {
    if !d.has_drift() {
        return format!(
            "no drift: {} object(s) of cluster {} match the cluster",
            d.in_sync, d.cluster
        );
    }
    format!(
        "{} object(s) drifted in cluster {} ({} changed, {} missing, {} extra); {} in sync",
        d.objects.len(),
        d.cluster,
        d.count(DriftStatus::Changed),
        d.count(DriftStatus::Missing),
        d.count(DriftStatus::Extra),
        d.in_sync
    )
}

/// Text: one line per object, one indented line per field (`path: the
/// assembly's value → the cluster's`), then the summary and notes.
pub fn text(d: &LiveDrift) -> String {
    let mut out = String::new();
    for o in &d.objects {
        let mark = match o.status {
            DriftStatus::Missing => '-',
            DriftStatus::Extra => '+',
            DriftStatus::Changed => '~',
        };
        out.push_str(&format!(
            "{mark} {}: {}\n",
            elide(&inert(&o.object.to_string())),
            word(o.status)
        ));
        for c in &o.changes {
            out.push_str(&format!("    {}\n", inert(&change_line(c, VALUE_WIDTH))));
        }
    }
    out.push_str(&inert(&summary(d)));
    out.push('\n');
    for n in &d.notes {
        out.push_str(&format!("note: {}\n", elide(&inert(n))));
    }
    out
}

fn rows(o: &ObjectDrift) -> Vec<String> {
    let object = code(&o.object.to_string());
    if o.changes.is_empty() {
        return vec![format!("| {object} | {} | | | |", word(o.status))];
    }
    o.changes
        .iter()
        .map(|c| {
            let v = |x: &Option<serde_json::Value>| {
                x.as_ref()
                    .map(|x| code(&short(x, VALUE_WIDTH)))
                    .unwrap_or_else(|| "(absent)".into())
            };
            format!(
                "| {object} | {} | {} | {} | {} |",
                word(o.status),
                code(&c.path),
                v(&c.old),
                v(&c.new)
            )
        })
        .collect()
}

/// Markdown: a heading, the summary, and a table of every drifted field
/// (cut at 200 rows, saying how many more there are).
pub fn markdown(d: &LiveDrift) -> String {
    let mut out = format!(
        "### meshsynth drift: cluster {}\n\n{}\n",
        code(&d.cluster),
        md(&summary(d))
    );
    if d.has_drift() {
        out.push_str("\n| Object | Drift | Field | Assembly | Cluster |\n|---|---|---|---|---|\n");
        let all: Vec<String> = d.objects.iter().flat_map(rows).collect();
        for r in all.iter().take(MARKDOWN_ROWS) {
            out.push_str(r);
            out.push('\n');
        }
        if all.len() > MARKDOWN_ROWS {
            out.push_str(&format!(
                "\n{} more row(s) not shown; `--format json` lists every one.\n",
                all.len() - MARKDOWN_ROWS
            ));
        }
    }
    for n in &d.notes {
        out.push_str(&format!("\n> {}\n", md(n)));
    }
    out
}

/// JSON: the report as data (schema in docs/drift.md).
pub fn json(d: &LiveDrift) -> String {
    // Invariant: the report is plain data (string keys) and always serializes.
    let v = serde_json::to_value(d).expect("drift report serializes");
    String::from_utf8(crate::emit::to_json_bytes(&v)).expect("JSON is UTF-8")
}
