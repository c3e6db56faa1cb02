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
    for &s in builds.keys() {
        if let Some(region) = app.stack_info(s).env.region.as_deref() {
            found.extend(unknown_region(&app.node(s).path, region));
        }
    }
    check_templates(&views, &mut found);
    drop_suppressed(app, &mut found);
    diags.extend(found);
}

/// A region that is well formed but not one AWS has (`eu-west-9`,
/// `eu-wset-1`). Synth cannot see it otherwise, and deploy fails only when
/// it calls the region's endpoint. A warning, as the table (cfn-lint's)
/// trails a region AWS has just opened.
fn unknown_region(path: &str, region: &str) -> Option<Diagnostic> {
    if crate::aws::regions::az_count(region).is_some() {
        return None;
    }
    let near = crate::aws::regions::closest(region);
    Some(
        Diagnostic::warning(
            path,
            format!("region {region:?} is not an AWS region meshsynth knows: deploy would find no endpoint for it"),
        )
        .with_code(crate::aws::cfn::semantic::codes::UNKNOWN_REGION)
        .with_hint(match near {
            Some(r) => format!("did you mean {r}? (a region opened after this release: suppress MS-CFN-25 on the stack)"),
            None => "use a region code such as eu-west-1 (a region opened after this release: suppress MS-CFN-25 on the stack)".to_string(),
        }),
    )
}
