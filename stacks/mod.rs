//! The reference apps compiled into the `meshsynth` binary. Each app is one
//! module; `build` adds them all, and stack-name globs select among them.

pub mod starter;
pub mod testapps;

use crate::core::{App, Error};

/// Adds every built-in app to `app`.
pub fn build(app: &mut App) -> Result<(), Error> {
    starter::build(app)
}
