//! The built-in reference apps: a platform crate over the meshsynth library
//! (its binary is `meshsynth-apps`), also compiled into the toolkit's
//! `meshsynth` binary. Each app is one
//! module with a `build` function; `build` adds them all to one app, and
//! stack-name globs select among them.

// Every public item is documented.
#![warn(missing_docs)]

pub mod advanced_mesh;
pub mod cross_region_mesh;
pub mod ecommerce_mesh;
pub mod genai_demo;
pub mod memory;
pub mod testapps;

use meshsynth::core::{App, Error};

/// The most services `-c services=N` may ask of one app: about 25,000
/// resources over the four apps, past every benchmark, short of a synthesis
/// that runs without end.
pub const MAX_SERVICES: usize = 2_000;

/// A reference app: its name and the function that adds it to an app.
pub type AppFn = fn(&mut App) -> Result<(), Error>;

/// Every built-in app, in the order they are added.
pub const APPS: &[(&str, AppFn)] = &[
    ("genai-demo", genai_demo::build),
    ("ecommerce-mesh", ecommerce_mesh::build),
    ("cross-region-mesh", cross_region_mesh::build),
    ("advanced-mesh", advanced_mesh::build),
];

/// Adds the built-in apps to `app`: all of them, or those named by
/// `-c apps=a,b` (which also saves building apps a stack glob would drop).
pub fn build(app: &mut App) -> Result<(), Error> {
    // One name for the four apps: deploy tags their stacks with it.
    app.set_name("meshsynth-reference")?;
    let wanted: Option<Vec<String>> = app.context().get("apps")?;
    if let Some(names) = &wanted {
        for n in names {
            if !APPS.iter().any(|(a, _)| a == n) {
                let known: Vec<&str> = APPS.iter().map(|(a, _)| *a).collect();
                return Err(Error::Context {
                    key: "apps".into(),
                    message: format!("unknown app {n:?}; the apps are: {}", known.join(", ")),
                });
            }
        }
    }
    for (name, add) in APPS {
        if wanted.as_ref().is_none_or(|w| w.iter().any(|n| n == name)) {
            add(app)?;
        }
    }
    Ok(())
}
