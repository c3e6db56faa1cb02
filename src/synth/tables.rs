//! Stage: naming. Every node's logical id, stack and kind, fixed before
//! resolution starts (the `Tables` the resolver reads).

use std::collections::HashMap;
use std::sync::Arc;

use super::resolve::{RefInfo, RefKind, StackEnv, Tables};
use crate::core::diag::Diagnostic;
use crate::core::names;
use crate::core::tree::{App, NodeKind};
use crate::core::LogicalIds;

/// Names every template element and records where each node lives.
pub(super) fn build_tables(app: &App, order: &[u32], diags: &mut Vec<Diagnostic>) -> Tables {
    let mut nodes: Vec<RefInfo> = Vec::with_capacity(app.nodes.len());
    // Only stack nodes have an environment: an entry for every tree node
    // held an empty one for each of a large app's resources and objects.
    let mut stacks: HashMap<u32, StackEnv> = HashMap::new();
    for (i, n) in app.nodes.iter().enumerate() {
        let kind = match n.kind {
            NodeKind::Resource(_) => RefKind::Resource,
            NodeKind::Parameter(_) => RefKind::Parameter,
            NodeKind::Condition(_) => RefKind::Condition,
            _ => RefKind::Other,
        };
        nodes.push(RefInfo {
            path: n.path.clone(),
            logical_id: None,
            stack: n.stack,
            kind,
            cfn_type: match &n.kind {
                NodeKind::Resource(r) => Some(Arc::from(r.resource.cfn_type())),
                _ => None,
            },
            alternate: None,
        });
        if let NodeKind::Stack(s) = &n.kind {
            stacks.insert(
                i as u32,
                StackEnv {
                    name: s.name.clone(),
                    env: s.env.clone(),
                    transformed: s.included.iter().any(|i| i.transform.is_some()),
                },
            );
        }
    }
    // Logical ids per stack, with collisions reported by both paths.
    // Parameters and resources share a template's `Ref` namespace;
    // conditions and outputs each have their own (an output may be named
    // like the resource it reports).
    let mut seen: HashMap<(u32, u8, String), Arc<str>> = HashMap::new();
    let mut stack_names: HashMap<String, Arc<str>> = HashMap::new();
    for &i in order {
        let n = app.node(i);
        if let NodeKind::Stack(s) = &n.kind {
            if let Some(other) = stack_names.insert(s.name.clone(), n.path.clone()) {
                diags.push(
                    Diagnostic::error(
                        n.path.to_string(),
                        format!("stack name {:?} is also used by {other}", s.name),
                    )
                    .with_hint("give each stack a unique stack_name"),
                );
            }
        }
        if let NodeKind::Stack(s) = &n.kind {
            // An included template's parameters share `Ref`'s namespace
            // with the stack's resources and parameters.
            for sections in &s.included {
                let at = app.node(sections.node).path.clone();
                for name in sections.parameters.keys() {
                    seen.insert((i, 0, name.clone()), at.clone());
                }
            }
        }
        let explicit = match &n.kind {
            NodeKind::Resource(r) => r.options.logical_id.clone(),
            NodeKind::Parameter(p) => p.logical_id.clone(),
            NodeKind::Condition(c) => c.logical_id.clone(),
            NodeKind::Output(o) => o.logical_id.clone(),
            _ => continue,
        };
        let Some(stack) = n.stack else { continue };
        let id = match explicit {
            Some(id) => id,
            None => derived_id(app, i, stack, diags),
        };
        let namespace = match &n.kind {
            NodeKind::Condition(_) => 1,
            NodeKind::Output(_) => 2,
            _ => 0,
        };
        if let Some(other) = seen.insert((stack, namespace, id.clone()), n.path.clone()) {
            diags.push(
                Diagnostic::error(
                    n.path.to_string(),
                    format!("logical ID {id} collides with {other}"),
                )
                .with_hint("rename one construct or change its logical-ID override"),
            );
        }
        nodes[i as usize].logical_id = Some(Arc::from(id));
        if let NodeKind::Resource(r) = &n.kind {
            if let Some(alt) = &r.alternate {
                let alt_stack = app.node(alt.parent).stack;
                if let Some(s) = alt_stack.filter(|s| *s != stack) {
                    let mut parts = app.components_below(alt.parent, s);
                    parts.push(alt.id.as_str());
                    let id = names::logical_id(&parts);
                    nodes[i as usize].alternate = Some((s, Arc::from(id)));
                }
            }
        }
    }
    Tables {
        app: app.node_id(0).app,
        nodes,
        stacks,
        export_ids: Default::default(),
        local_names: Default::default(),
    }
}

/// The logical id a node's path gives it: hashed, or the construct ids
/// themselves in a stack that keeps them (`LogicalIds::ConstructIds`).
fn derived_id(app: &App, i: u32, stack: u32, diags: &mut Vec<Diagnostic>) -> String {
    let parts = app.components_below(i, stack);
    let readable = matches!(
        &app.node(stack).kind,
        NodeKind::Stack(s) if s.logical_ids == LogicalIds::ConstructIds
    );
    if !readable {
        return names::logical_id(&parts);
    }
    names::readable_logical_id(&parts).unwrap_or_else(|| {
        diags.push(
            Diagnostic::error(
                app.node(i).path.to_string(),
                "the stack keeps construct ids (LogicalIds::ConstructIds), and this path reads as no valid logical id",
            )
            .with_hint("give the construct an id that starts with a letter (letters and digits count)"),
        );
        names::logical_id(&parts)
    })
}
