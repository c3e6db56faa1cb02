//! Stage: templates. Resources, parameters, conditions and user outputs
//! serialized per stack with the resolver active; each emitted resource is
//! checked (schema, registered family checks) as it is written.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::graph::{EdgeReason, StackGraph};
use super::resolve::{RefKind, Tables};
use crate::core::diag::Diagnostic;
use crate::core::names;
use crate::core::tree::{App, NodeKind};
use crate::emit::cfn::{apply_override, merge_tags, OutputEntry, ResourceEntry};
use crate::emit::strip_nulls;

use super::*;

/// Serializes resources, parameters, conditions and user outputs per stack.
pub(super) fn emit_stack_elements(
    app: &App,
    order: &[u32],
    tables: &Tables,
    suppressed: &Suppressed,
    builds: &mut BTreeMap<u32, StackBuild>,
    graph: &mut StackGraph,
    diags: &mut Vec<Diagnostic>,
) {
    for &i in order {
        let n = app.node(i);
        let Some(stack) = n.stack else { continue };
        let lid = || {
            tables.nodes[i as usize]
                .logical_id
                .as_deref()
                .unwrap_or("")
                .to_string()
        };
        resolve::set_current(stack, n.path.clone());
        match &n.kind {
            NodeKind::Resource(r) => {
                let props = match r.resource.properties() {
                    Ok(Json::Object(m)) => m,
                    Ok(Json::Null) => Map::new(),
                    Ok(_) => {
                        diags.push(Diagnostic::error(
                            n.path.to_string(),
                            "resource properties must serialize to an object",
                        ));
                        continue;
                    }
                    Err(e) => {
                        diags.push(Diagnostic::error(
                            n.path.to_string(),
                            format!("cannot serialize properties: {e}"),
                        ));
                        continue;
                    }
                };
                let mut entry_map = Map::new();
                entry_map.insert("Properties".into(), Json::Object(props));
                let build = builds.get_mut(&stack).expect("stack build exists");
                if r.resource.is_raw() || !r.options.overrides.is_empty() {
                    build.escape_hatches.push(n.path.to_string());
                }
                for (path, v) in &r.options.overrides {
                    apply_override(&mut entry_map, path, v.clone());
                }
                let mut props_json = entry_map
                    .remove("Properties")
                    .unwrap_or(Json::Object(Map::new()));
                strip_nulls(&mut props_json);
                let mut properties = match props_json {
                    Json::Object(m) => m,
                    _ => Map::new(),
                };
                // Tags go last, into the final properties, where the type's
                // registry schema takes them (`Tags`, `BackupVaultTags`…).
                let (style, tag_property) = match crate::aws::cfn::lookup(r.resource.cfn_type()) {
                    Some(meta) => (meta.tagging.style, meta.tagging.property.unwrap_or("Tags")),
                    None => (r.resource.tag_style(), "Tags"),
                };
                merge_tags(&mut properties, style, tag_property, &r.tags);
                // What is emitted is what gets checked: typed fields, raw
                // resources and overrides alike.
                let mut found = Vec::new();
                let cfn_type = r.resource.cfn_type();
                crate::aws::cfn::check::check_resource(cfn_type, &properties, &n.path, &mut found);
                for check in app.emitted_checks() {
                    check(cfn_type, &properties, &n.path, &mut found);
                }
                if let Some(list) = suppressed.get(&i) {
                    found.retain(|d| {
                        d.code
                            .as_ref()
                            .is_none_or(|c| !list.iter().any(|(rule, _)| rule == c))
                    });
                }
                diags.extend(found);
                let mut depends_on = Vec::new();
                for dep in &r.options.depends_on {
                    match app.index_of(*dep) {
                        Some(d) => {
                            for target in app.subtree(d) {
                                let t = &tables.nodes[target as usize];
                                if t.kind != RefKind::Resource {
                                    continue;
                                }
                                match t.stack {
                                    Some(s) if s == stack => depends_on
                                        .push(t.logical_id.as_deref().unwrap_or("").to_string()),
                                    Some(s) => graph.add_edge(
                                        stack,
                                        s,
                                        EdgeReason {
                                            consumer_path: n.path.to_string(),
                                            producer_path: t.path.to_string(),
                                        },
                                    ),
                                    None => {}
                                }
                            }
                        }
                        None => diags.push(
                            Diagnostic::error(
                                n.path.to_string(),
                                "dangling reference: DependsOn names a node of another app",
                            )
                            .with_hint("depend on handles of this app"),
                        ),
                    }
                }
                let condition = r
                    .options
                    .condition
                    .and_then(|c| crate::core::resolve::condition_id(c).ok());
                let mut metadata = r.options.metadata.clone();
                if let Some(list) = suppressed.get(&i) {
                    suppression_metadata(&mut metadata, list);
                }
                build.model.resources.push(ResourceEntry {
                    logical_id: lid(),
                    cfn_type: r.resource.cfn_type().to_string(),
                    properties,
                    depends_on,
                    condition,
                    deletion_policy: r.options.deletion_policy,
                    update_replace_policy: r.options.update_replace_policy,
                    metadata,
                });
            }
            NodeKind::Parameter(p) => {
                let mut m = Map::new();
                m.insert("Type".into(), p.props.param_type.clone().into());
                if let Some(d) = &p.props.description {
                    m.insert("Description".into(), d.clone().into());
                }
                if let Some(d) = &p.props.default {
                    m.insert("Default".into(), d.clone().into());
                }
                if !p.props.allowed_values.is_empty() {
                    m.insert(
                        "AllowedValues".into(),
                        p.props.allowed_values.clone().into(),
                    );
                }
                if p.props.no_echo {
                    m.insert("NoEcho".into(), true.into());
                }
                let build = builds.get_mut(&stack).expect("stack build exists");
                build.model.parameters.insert(lid(), Json::Object(m));
            }
            NodeKind::Condition(c) => match serde_json::to_value(&c.expr) {
                Ok(v) => {
                    let build = builds.get_mut(&stack).expect("stack build exists");
                    build.model.conditions.insert(lid(), v);
                }
                Err(e) => diags.push(Diagnostic::error(n.path.to_string(), e.to_string())),
            },
            NodeKind::Output(o) => match serde_json::to_value(&o.props.value) {
                Ok(mut v) => {
                    strip_nulls(&mut v);
                    let build = builds.get_mut(&stack).expect("stack build exists");
                    let id = names::logical_id(&app.components_below(i, stack));
                    build.model.outputs.push(OutputEntry {
                        logical_id: id,
                        value: v,
                        description: o.props.description.clone(),
                        export_name: o.props.export_name.clone(),
                    });
                }
                Err(e) => diags.push(Diagnostic::error(n.path.to_string(), e.to_string())),
            },
            _ => {}
        }
    }
}
