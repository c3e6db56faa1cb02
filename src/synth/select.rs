//! Stack selection by glob. Selecting a stack pulls in the stacks it depends
//! on (and those a selected chart reads outputs from), and says so.

use std::collections::BTreeSet;

use globset::{Glob, GlobMatcher};

use super::graph::StackGraph;
use super::DeferredEntry;
use crate::core::tree::{App, NodeKind};
use crate::core::Error;

/// Selected stacks, selected charts, and notes for stderr.
pub(crate) type Selection = (BTreeSet<u32>, BTreeSet<u32>, Vec<String>);

/// The matcher of stack pattern `p`, or the error naming it.
pub(crate) fn matcher(p: &str) -> Result<GlobMatcher, Error> {
    Glob::new(p)
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::Selection(format!("invalid stack pattern {p:?}: {e}")))
}

/// The error for a pattern that matches none of `names` (stack names and
/// top-level chart ids).
pub(crate) fn no_match(p: &str, names: &[impl AsRef<str>]) -> Error {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    Error::Selection(format!(
        "no stack matches pattern {p:?}; stacks are: {} (run `meshsynth list`)",
        names.join(", ")
    ))
}

pub(crate) fn select(
    app: &App,
    order: &[u32],
    graph: &StackGraph,
    patterns: &[String],
    deferred: &[DeferredEntry],
) -> Result<Selection, Error> {
    let stacks: Vec<u32> = graph.nodes.clone();
    // Charts directly under the app root are selected by their id.
    let top_charts: Vec<u32> = order
        .iter()
        .copied()
        .filter(|&i| matches!(app.node(i).kind, NodeKind::Chart(_)) && app.node(i).stack.is_none())
        .collect();
    let all_charts: Vec<u32> = order
        .iter()
        .copied()
        .filter(|&i| matches!(app.node(i).kind, NodeKind::Chart(_)))
        .collect();
    if patterns.is_empty() {
        return Ok((
            stacks.into_iter().collect(),
            all_charts.into_iter().collect(),
            Vec::new(),
        ));
    }
    let mut matchers: Vec<(String, GlobMatcher)> = Vec::new();
    for p in patterns {
        matchers.push((p.clone(), matcher(p)?));
    }
    let mut picked: BTreeSet<u32> = BTreeSet::new();
    let mut picked_charts: BTreeSet<u32> = BTreeSet::new();
    for (p, m) in &matchers {
        let mut hit = false;
        for &s in &stacks {
            if m.is_match(&app.stack_info(s).name) {
                picked.insert(s);
                hit = true;
            }
        }
        for &c in &top_charts {
            if m.is_match(app.node(c).id()) {
                picked_charts.insert(c);
                hit = true;
            }
        }
        if !hit {
            let mut names: Vec<&str> = stacks
                .iter()
                .map(|s| app.stack_info(*s).name.as_str())
                .collect();
            names.extend(top_charts.iter().map(|c| app.node(*c).id()));
            return Err(no_match(p, &names));
        }
    }
    // Charts inside selected stacks come with them.
    for &c in &all_charts {
        if app.node(c).stack.is_some_and(|s| picked.contains(&s)) {
            picked_charts.insert(c);
        }
    }
    let mut roots = picked.clone();
    let mut notes = Vec::new();
    for d in deferred.iter().filter(|d| picked_charts.contains(&d.chart)) {
        if roots.insert(d.stack) {
            notes.push(format!(
                "including stack {} (chart {} reads its outputs)",
                app.stack_info(d.stack).name,
                app.node(d.chart).path
            ));
        }
    }
    let closed = graph.closure(&roots);
    for &s in &stacks {
        if closed.contains(&s) && !roots.contains(&s) {
            let dependents: Vec<&str> = stacks
                .iter()
                .filter(|d| {
                    roots.contains(d) && graph.closure(&[**d].into_iter().collect()).contains(&s)
                })
                .map(|d| app.stack_info(*d).name.as_str())
                .collect();
            notes.push(format!(
                "including stack {} (a dependency of {})",
                app.stack_info(s).name,
                dependents.join(", ")
            ));
        }
    }
    for &c in &all_charts {
        if app.node(c).stack.is_some_and(|s| closed.contains(&s)) {
            picked_charts.insert(c);
        }
    }
    Ok((closed, picked_charts, notes))
}
