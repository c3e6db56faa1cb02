//! A StackSet's manifest entry, and what synth refuses of one: references
//! to or from other stacks (its instances live in other accounts and
//! regions, where no export of this app exists) and overrides of
//! parameters its template does not have. An override may name a
//! parameter by its template name or by its construct id (which the
//! template name derives from, with a hash): the manifest holds the
//! template name, which is what CloudFormation's overrides take.

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
    build: &StackBuild,
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
    let mut targets = Vec::new();
    for t in &props.targets {
        let mut overrides = indexmap::IndexMap::new();
        for (k, v) in &t.parameter_overrides {
            match parameter_name(build, k) {
                Ok(name) => {
                    overrides.insert(name, v.clone());
                }
                Err((message, hint)) => diags.push(
                    Diagnostic::error(path.clone(), message)
                        .with_code(crate::core::stack_set::STACKSET_OVERRIDE)
                        .with_hint(&hint),
                ),
            }
        }
        targets.push(StackSetTargetArtifact {
            accounts: t.accounts.clone(),
            organizational_units: t.organizational_units.clone(),
            regions: t.regions.clone(),
            parameter_overrides: overrides,
        });
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
        targets,
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

/// The template name of the parameter an override names: its template
/// name, or the construct id of exactly one parameter of the stack.
fn parameter_name(build: &StackBuild, key: &str) -> Result<String, (String, String)> {
    if build.model.parameters.contains_key(key) {
        return Ok(key.to_string());
    }
    match build.parameter_ids.get(key).map(Vec::as_slice) {
        Some([one]) => Ok(one.clone()),
        Some(many) => Err((
            format!(
                "a StackSet target overrides parameter {key}, and {} parameters of the stack have that construct id ({})",
                many.len(),
                many.join(", ")
            ),
            "name the parameter by its template name".into(),
        )),
        None => Err((
            format!("a StackSet target overrides parameter {key}, which the stack's template does not have"),
            "add a CfnParameter with that id to the stack, or drop the override".into(),
        )),
    }
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

    /// A parameter's template name carries a hash of its path; the override
    /// may use the id the code gave it, and the manifest holds the template
    /// name CloudFormation takes.
    #[test]
    fn an_override_may_name_a_parameter_by_its_construct_id() {
        use crate::core::{CfnParameter, CfnParameterProps};
        let mut app = App::new(Context::new());
        let set = StackSet::new(&mut app.root(), "fleet", props(&[("Tier", "premium")])).unwrap();
        {
            let mut s = app.scope(set.node()).unwrap();
            let tier = CfnParameter::new(
                &mut s,
                "Tier",
                CfnParameterProps {
                    param_type: "String".into(),
                    ..Default::default()
                },
            )
            .unwrap();
            s.add_raw_resource("Marker", raw(tier)).unwrap();
        }
        let synth = crate::synth::synth(app, &Default::default()).unwrap();
        let template = synth
            .assembly
            .files
            .iter()
            .find(|(p, _)| p.starts_with("fleet."))
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .expect("the StackSet's template");
        let name = template
            .split('"')
            .find(|w| w.starts_with("Tier") && w.len() == 12)
            .expect("a hashed parameter name")
            .to_string();
        let manifest = serde_json::to_value(&synth.assembly.manifest).unwrap();
        let overrides = &manifest["stacks"][0]["stackSet"]["targets"][0]["parameterOverrides"];
        assert_eq!(
            overrides,
            &serde_json::json!({ name: "premium" }),
            "{manifest}"
        );
    }
}
