//! The reference apps compiled into the `meshsynth` binary. Each app is one
//! module with a `build` function; `build` adds them all to one app, and
//! stack-name globs select among them.

pub mod advanced_mesh;
pub mod cross_region_mesh;
pub mod ecommerce_mesh;
pub mod genai_demo;
pub mod testapps;

use crate::core::{App, Error};

/// A reference app: its name and the function that adds it to an app.
pub type AppFn = fn(&mut App) -> Result<(), Error>;

/// Every built-in app, in the order they are added.
pub const APPS: &[(&str, AppFn)] = &[
    ("genai-demo", genai_demo::build),
    ("ecommerce-mesh", ecommerce_mesh::build),
    ("cross-region-mesh", cross_region_mesh::build),
    ("advanced-mesh", advanced_mesh::build),
];

/// Adds every built-in app to `app`.
pub fn build(app: &mut App) -> Result<(), Error> {
    for (_, add) in APPS {
        add(app)?;
    }
    Ok(())
}
