//! Locks over what several test modules share, now that they run in one
//! process, in parallel.

use std::sync::{Mutex, MutexGuard};

/// The scaffolded crates' target directory (`target/init-crate`): crates
/// that share a package name get the same artifact names there, so two
/// builds at once would run each other's tests. Take it before
/// [`crate::emulator::SERIAL`] when a test needs both.
static SCAFFOLD: Mutex<()> = Mutex::new(());

/// Holds [`SCAFFOLD`] until dropped; a test that panicked while holding it
/// does not poison the others.
pub fn scaffold() -> MutexGuard<'static, ()> {
    SCAFFOLD.lock().unwrap_or_else(|p| p.into_inner())
}
