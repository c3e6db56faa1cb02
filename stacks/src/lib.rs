//! The built-in reference apps: a platform crate over the meshsynth library
//! (its binary is `meshsynth-apps`), also compiled into the toolkit's
//! `meshsynth` binary. Each app is one
//! module with a `build` function; `build` adds them all to one app,
//! [`build_in_parts`] adds each as a part of it (what both binaries run),
//! and stack-name globs select among them.

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
    for (_, add) in selected(app)? {
        add(app)?;
    }
    Ok(())
}

/// The same apps as [`build`], each an independent part of the app
/// (`App::add_part`): synthesis builds, writes and frees one before it
/// builds the next, so a run at scale holds one app's objects at a time.
/// The assembly is byte for byte the one [`build`] gives
/// (`tests/apps_in_parts.rs`); the `meshsynth-apps` and `meshsynth`
/// binaries use it. `-c one-tree=true` builds them as [`build`] does, for
/// the benchmark's comparison.
pub fn build_in_parts(app: &mut App) -> Result<(), Error> {
    if app.context().get::<bool>("one-tree")? == Some(true) {
        return build(app);
    }
    // Parts free and rebuild within milliseconds: keep the freed pages.
    memory::keep_freed_pages();
    for (name, add) in selected(app)? {
        app.add_part(name, add)?;
    }
    Ok(())
}

/// Names the app and returns the apps `-c apps=a,b` selects (all without it).
fn selected(app: &mut App) -> Result<Vec<(&'static str, AppFn)>, Error> {
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
    Ok(APPS
        .iter()
        .filter(|(name, _)| wanted.as_ref().is_none_or(|w| w.iter().any(|n| n == name)))
        .copied()
        .collect())
}
