//! A StackSet's manifest entry, and what synth refuses of one: references
//! to or from other stacks (its instances live in other accounts and
//! regions, where no export of this app exists) and overrides of
//! parameters its template does not have.

use super::*;
use crate::assembly::{
    AutoDeploymentArtifact, OperationArtifact, StackSetArtifact, StackSetTargetArtifact,
};
use crate::core::stack_set::{Amount, StackSetPermissions, StackSetProps};

fn split(a: Amount) -> (Option<u32>, Option<u8>) {
    match a {
        Amount::Count(n) => (Some(n), None),
        Amount::Percent(p) => (None, Some(p)),
    }
}

/// The manifest entry of stack `s`, when it is a StackSet; findings go to `diags`.
pub(super) fn stack_set_artifact(
    app: &App,
    s: u32,
    graph: &StackGraph,
    parameters: &indexmap::IndexMap<String, Json>,
    diags: &mut Vec<Diagnostic>,
) -> Option<StackSetArtifact> {
    let info = app.stack_info(s);
    let props: &StackSetProps = info.stack_set.as_deref()?;
    let path = app.node(s).path.to_string();
    let name = |x: u32| app.stack_info(x).name.clone();
    let mut linked: Vec<String> = graph.deps(s).map(name).collect();
    linked.extend(
        graph
            .edges
            .iter()
            .filter(|(_, to)| to.contains_key(&s))
            .map(|(from, _)| name(*from)),
    );
    if !linked.is_empty() {
        diags.push(
            Diagnostic::error(
                path.clone(),
                format!(
                    "StackSet {} references or is referenced by stack(s) {}; its instances deploy to other accounts and regions, where those stacks' exports do not exist",
                    info.name,
                    linked.join(", ")
                ),
            )
            .with_code(crate::core::stack_set::STACKSET_REFERENCE)
            .with_hint("pass the values as parameters of the StackSet (or overrides per target) instead of references"),
        );
    }
    for t in &props.targets {
        for k in t.parameter_overrides.keys() {
            if !parameters.contains_key(k) {
                diags.push(
                    Diagnostic::error(
                        path.clone(),
                        format!("a StackSet target overrides parameter {k}, which the stack's template does not have"),
                    )
                    .with_code(crate::core::stack_set::STACKSET_OVERRIDE)
                    .with_hint("add a CfnParameter of that name to the stack, or drop the override"),
                );
            }
        }
    }
    let (permission_model, admin, exec, auto) = match &props.permissions {
        StackSetPermissions::SelfManaged => ("SELF_MANAGED", None, None, None),
        StackSetPermissions::SelfManagedWith {
            administration_role_arn,
            execution_role_name,
        } => (
            "SELF_MANAGED",
            administration_role_arn.clone(),
            execution_role_name.clone(),
            None,
        ),
        StackSetPermissions::ServiceManaged {
            auto_deployment,
            retain_stacks_on_account_removal,
        } => (
            "SERVICE_MANAGED",
            None,
            None,
            Some(AutoDeploymentArtifact {
                enabled: *auto_deployment,
                retain_stacks_on_account_removal: *retain_stacks_on_account_removal,
            }),
        ),
    };
    let (mc, mp) = split(props.rollout.max_concurrent);
    let (fc, fp) = split(props.rollout.failure_tolerance);
    Some(StackSetArtifact {
        permission_model: permission_model.into(),
        administration_role_arn: admin,
        execution_role_name: exec,
        auto_deployment: auto,
        description: props
            .description
            .clone()
            .or_else(|| info.description.clone()),
        targets: props
            .targets
            .iter()
            .map(|t| StackSetTargetArtifact {
                accounts: t.accounts.clone(),
                organizational_units: t.organizational_units.clone(),
                regions: t.regions.clone(),
                parameter_overrides: t.parameter_overrides.clone(),
            })
            .collect(),
        operation: OperationArtifact {
            max_concurrent_count: mc,
            max_concurrent_percentage: mp,
            failure_tolerance_count: fc,
            failure_tolerance_percentage: fp,
            region_concurrency_type: if props.rollout.regions_in_parallel {
                "PARALLEL"
            } else {
                "SEQUENTIAL"
            }
            .into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::core::resource::{CfnRaw, TagStyle};
    use crate::core::stack_set::{StackSet, StackSetProps, StackSetTarget};
    use crate::core::{App, Context, Stack, StackProps, Value};

    fn raw(value: Value) -> CfnRaw {
        CfnRaw {
            type_name: "AWS::SSM::Parameter".into(),
            properties: [
                ("Type".to_string(), Value::from("String")),
                ("Value".to_string(), value),
            ]
            .into_iter()
            .collect(),
            tags: TagStyle::Map,
        }
    }

    fn props(overrides: &[(&str, &str)]) -> StackSetProps {
        StackSetProps {
            targets: vec![StackSetTarget {
                accounts: vec!["123456789012".into()],
                regions: vec!["eu-west-1".into()],
                parameter_overrides: overrides
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn findings(app: App) -> Vec<String> {
        match crate::synth::synth(app, &Default::default()) {
            Ok(_) => Vec::new(),
            Err(e) => e.to_string().lines().map(str::to_string).collect(),
        }
    }

    #[test]
    fn a_stack_set_refers_to_no_other_stack() {
        let mut app = App::new(Context::new());
        let net = Stack::new(&mut app.root(), "net", StackProps::default()).unwrap();
        let r = app
            .scope(net.node())
            .unwrap()
            .add_raw_resource("Shared", raw(Value::from("x")))
            .unwrap();
        let set = StackSet::new(&mut app.root(), "fleet", props(&[])).unwrap();
        app.scope(set.node())
            .unwrap()
            .add_raw_resource("Copy", raw(Value::Ref(r)))
            .unwrap();
        let f = findings(app).join("\n");
        assert!(f.contains("MS-STACKSET-1"), "{f}");
        assert!(
            f.contains("references or is referenced by stack(s) net"),
            "{f}"
        );
    }

    #[test]
    fn an_override_names_a_parameter_of_the_template() {
        let mut app = App::new(Context::new());
        let set = StackSet::new(&mut app.root(), "fleet", props(&[("Stage", "qa")])).unwrap();
        app.scope(set.node())
            .unwrap()
            .add_raw_resource("Marker", raw(Value::from("x")))
            .unwrap();
        let f = findings(app).join("\n");
        assert!(f.contains("MS-STACKSET-2"), "{f}");
        assert!(f.contains("overrides parameter Stage"), "{f}");
    }
}
