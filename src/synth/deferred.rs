//! Stage: deferred values. A CloudFormation value a Kubernetes object
//! needs becomes a stack output and a placeholder the deploy fills.

use std::collections::BTreeMap;

use super::resolve::{RefKind, Tables};
use crate::core::diag::Diagnostic;
use crate::core::tree::{App, NodeKind};
use crate::core::value::Value;

use super::*;

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
pub(super) fn resolve_deferred(
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
