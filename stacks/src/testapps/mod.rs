//! Test apps that exercise every construct of an area; they are not part of
//! `stacks::build`, so `meshsynth synth` does not emit them. Tests synthesize
//! them for snapshots and the conformance step.

pub mod aws_all;
pub mod mesh_all;
pub mod payments;
pub mod starter;
pub mod storefront;

use meshsynth::core::{App, Env, Error, Stack, StackProps, StackRef, Tags};

/// A stack of test app `app_name` in `env`, described as
/// `meshsynth <app_name>: <what>` and tagged `tag_key: app_name` (the test
/// apps under `stacks/tests/apps/` use it too).
pub fn tagged_stack(
    app: &mut App,
    env: Env,
    (app_name, tag_key): (&str, &str),
    name: &str,
    what: &str,
) -> Result<StackRef, Error> {
    let stack = Stack::new(
        &mut app.root(),
        name,
        StackProps {
            env,
            description: Some(format!("meshsynth {app_name}: {what}")),
            ..Default::default()
        },
    )?;
    Tags::add(&mut app.scope(stack.node())?, tag_key, app_name);
    Ok(stack)
}
