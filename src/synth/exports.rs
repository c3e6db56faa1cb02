//! Stage: exports. A value used across stacks becomes an Output with an
//! Export on the producer (or an unexported output across regions).

use std::collections::BTreeMap;

use super::resolve::Tables;
use crate::core::tree::App;
use crate::emit::cfn::OutputEntry;

use super::*;

pub(super) fn add_export(
    app: &App,
    tables: &Tables,
    builds: &mut BTreeMap<u32, StackBuild>,
    stack: u32,
    node: u32,
    attr: Option<String>,
) {
    add_export_output(app, tables, builds, stack, node, attr, true);
}

/// Adds (once) an output for `node`'s attribute to `stack`; exported when asked.
pub(super) fn add_export_output(
    app: &App,
    tables: &Tables,
    builds: &mut BTreeMap<u32, StackBuild>,
    stack: u32,
    node: u32,
    attr: Option<String>,
    export: bool,
) -> String {
    let lid = tables.nodes[node as usize]
        .logical_id
        .as_deref()
        .unwrap_or("")
        .to_string();
    let output = tables.export_id(node, attr.as_deref());
    let stack_name = app.stack_info(stack).name.clone();
    let build = builds.get_mut(&stack).expect("stack build exists");
    if let Some(existing) = build.exports.get(&(node, attr.clone())) {
        let existing = existing.clone();
        if export {
            if let Some(o) = build
                .model
                .outputs
                .iter_mut()
                .find(|o| o.logical_id == existing)
            {
                o.export_name
                    .get_or_insert_with(|| format!("{stack_name}:{existing}"));
            }
        }
        return existing;
    }
    let value = match &attr {
        Some(a) => serde_json::json!({"Fn::GetAtt": [lid, a]}),
        None => serde_json::json!({"Ref": lid}),
    };
    build.model.outputs.push(OutputEntry {
        logical_id: output.clone(),
        value,
        description: Some(format!(
            "{} of {}",
            attr.as_deref().unwrap_or("Ref"),
            tables.nodes[node as usize].path
        )),
        export_name: export.then(|| format!("{stack_name}:{output}")),
    });
    build.exports.insert((node, attr), output.clone());
    output
}
