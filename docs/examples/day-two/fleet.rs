//! The shop platform plus a baseline every account gets, as a StackSet
//! (docs/day-two.md, "Fleets"). Copied into a crate made by
//! `meshsynth init shop` as `src/bin/fleet.rs`.

use meshsynth::aws::ssm::{ParameterValue, StringParameter, StringParameterProps};
use meshsynth::core::{
    Amount, App, CfnParameter, CfnParameterProps, Env, Error, StackProps, StackSet,
    StackSetProps, StackSetRollout, StackSetTarget,
};

fn fleet(app: &mut App) -> Result<(), Error> {
    shop::build(app)?;
    let baseline = StackSet::new(
        &mut app.root(),
        "mesh-baseline",
        StackSetProps {
            // Where the StackSet itself lives: the account you deploy with.
            stack: StackProps {
                env: Env::region("eu-west-1"),
                ..Default::default()
            },
            targets: vec![
                StackSetTarget {
                    accounts: vec!["123456789012".into(), "222222222222".into()],
                    regions: vec!["eu-west-1".into(), "us-east-1".into()],
                    ..Default::default()
                },
                StackSetTarget {
                    accounts: vec!["333333333333".into()],
                    regions: vec!["eu-west-1".into()],
                    // This account runs the premium tier.
                    parameter_overrides: [("Tier".to_string(), "premium".to_string())].into(),
                    ..Default::default()
                },
            ],
            rollout: StackSetRollout {
                max_concurrent: Amount::Count(2),
                failure_tolerance: Amount::Count(1),
                regions_in_parallel: false,
            },
            ..Default::default()
        },
    )?;
    let mut s = app.scope(baseline.node())?;
    let tier = CfnParameter::new(
        &mut s,
        "Tier",
        CfnParameterProps {
            param_type: "String".into(),
            default: Some("standard".into()),
            allowed_values: vec!["standard".into(), "premium".into()],
            ..Default::default()
        },
    )?;
    // What the mesh's services read in every account and region.
    StringParameter::new(
        &mut s,
        "MeshTier",
        StringParameterProps {
            name: "/mesh/baseline/tier".into(),
            value: ParameterValue::String(tier),
            description: Some("The platform tier of this account".into()),
        },
    )?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    meshsynth::cli::main(fleet)
}
