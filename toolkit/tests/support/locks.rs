//! Locks over what several test modules share, now that they run in one
//! process, in parallel.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The scaffolded crates' target directory ([`scaffold_target`]): crates
/// that share a package name get the same artifact names there, so two
/// builds at once would run each other's tests. Take it before
/// [`crate::emulator::SERIAL`] when a test needs both.
static SCAFFOLD: Mutex<()> = Mutex::new(());

/// Holds [`SCAFFOLD`] until dropped; a test that panicked while holding it
/// does not poison the others.
pub fn scaffold() -> MutexGuard<'static, ()> {
    SCAFFOLD.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where the scaffolded crates build: the target directory this test run's
/// `meshsynth` was built in. The scaffolds resolve to the workspace's lock
/// file, so every dependency the workspace's test build compiled with the
/// same features is reused, not compiled again (a separate directory cost
/// ~110 CPU-seconds more per cold run). Cargo locks the directory only while
/// it compiles, not while the tests it built run.
pub fn scaffold_target() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_meshsynth"))
        .parent()
        .and_then(Path::parent)
        .expect("the meshsynth binary sits in <target>/<profile>/")
        .to_path_buf()
}
