//! Suppressions: rules a user turned off for a subtree, dropped from the
//! findings and recorded on the resources and objects for review.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::core::diag::Diagnostic;
use crate::core::tree::{App, NodeKind};

/// Suppressions that apply to each node: node → [(rule, reason)], borrowed
/// from the tree's (a reason shared by every object below a scope is not
/// copied for each).
pub(super) type Suppressed<'a> = HashMap<u32, Vec<(&'a str, &'a str)>>;

/// Drops diagnostics whose code is suppressed at their node or an ancestor.
pub(super) fn drop_suppressed(app: &App, diags: &mut Vec<Diagnostic>) {
    if app.suppressions.is_empty() || diags.is_empty() {
        return;
    }
    let by_path: HashMap<&str, u32> = app
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (&*n.path, i as u32))
        .collect();
    // Looked up per ancestor of each finding: a scan of every suppression
    // there made many findings times many suppressions.
    let rules: HashSet<(u32, &str)> = app
        .suppressions
        .iter()
        .map(|s| (s.node, s.rule.as_str()))
        .collect();
    let suppressed_at = |node: u32, code: &str| -> bool {
        let mut cur = Some(node);
        while let Some(c) = cur {
            if rules.contains(&(c, code)) {
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
pub(super) fn suppressions(app: &App) -> Suppressed<'_> {
    let mut out: Suppressed = HashMap::new();
    for s in &app.suppressions {
        for i in app.subtree(s.node) {
            if matches!(
                app.node(i).kind,
                NodeKind::Resource(_) | NodeKind::Object(_)
            ) {
                let list = out.entry(i).or_default();
                if !list.iter().any(|(r, _)| *r == s.rule) {
                    list.push((s.rule.as_str(), s.reason.as_str()));
                }
            }
        }
    }
    out
}

/// Records suppressions in resource Metadata: ours, and in the forms checkov
/// (`checkov.skip`) and cfn-lint (`cfn-lint.config.ignore_checks`) read.
pub(super) fn suppression_metadata(metadata: &mut IndexMap<String, Json>, list: &[(&str, &str)]) {
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
    let cfn_lint: Vec<&str> = list
        .iter()
        .map(|(r, _)| *r)
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
