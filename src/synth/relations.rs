//! Stage: relations between resources. Once every template is emitted and
//! cross-stack exports are wired, the L1 layer's semantic rules
//! (`aws::cfn::semantic`) read all stacks at once: a distribution and the
//! certificate it names in another region, a subscription and its queue.

use std::collections::{BTreeMap, HashMap};

use super::resolve::{RefKind, Tables};
use super::suppress::drop_suppressed;
use super::StackBuild;
use crate::aws::cfn::semantic::{check_templates, OutputView, ResourceView, StackView};
use crate::core::diag::Diagnostic;
use crate::core::tree::App;

/// Runs the semantic rules over the emitted stacks; suppressed findings
/// are dropped like any other.
pub(super) fn check_relations(
    app: &App,
    tables: &Tables,
    builds: &BTreeMap<u32, StackBuild>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut paths: HashMap<(u32, &str), &str> = HashMap::new();
    for n in &tables.nodes {
        if n.kind != RefKind::Resource {
            continue;
        }
        if let (Some(stack), Some(lid)) = (n.stack, n.logical_id.as_deref()) {
            paths.insert((stack, lid), &n.path);
        }
    }
    let views: Vec<StackView<'_>> = builds
        .iter()
        .map(|(&s, build)| {
            let info = app.stack_info(s);
            StackView {
                name: &info.name,
                region: info.env.region.as_deref(),
                resources: build
                    .model
                    .resources
                    .iter()
                    .map(|r| ResourceView {
                        logical_id: &r.logical_id,
                        cfn_type: &r.cfn_type,
                        properties: &r.properties,
                        path: paths
                            .get(&(s, r.logical_id.as_str()))
                            .copied()
                            .unwrap_or(""),
                        deletion_policy: r.deletion_policy,
                    })
                    .collect(),
                outputs: build
                    .model
                    .outputs
                    .iter()
                    .map(|o| OutputView {
                        logical_id: &o.logical_id,
                        value: &o.value,
                        export_name: o.export_name.as_deref(),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut found = Vec::new();
    check_templates(&views, &mut found);
    drop_suppressed(app, &mut found);
    diags.extend(found);
}
