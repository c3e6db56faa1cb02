//! Locks over what several test modules share, now that they run in one
//! process, in parallel.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, Once};

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

/// Compiles once, before any page test takes the emulator, what every
/// scaffold's first build compiles: the library with the features a new
/// crate asks for, and the test dependencies `init` writes. The page
/// tests then hold the emulator (one test at a time) for their own
/// crate's build and their deploys, not for the library's cold build,
/// while the other emulator tests run. The build runs at the lowest CPU
/// priority (`nice -n 19`), so the moto server those tests talk to is not
/// starved of the CPU (it timed out when scaffold builds ran beside them
/// at normal priority). Call it holding [`scaffold`]. Best effort: a
/// failure here shows again, with its output, in the test's own build.
pub fn warm_scaffold() {
    static WARM: Once = Once::new();
    WARM.call_once(|| {
        let Ok(t) = tempfile::tempdir() else { return };
        let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let quiet = |c: &mut Command| {
            c.stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let made = quiet(
            Command::new(env!("CARGO_BIN_EXE_meshsynth"))
                .args(["init", "scaffold-warm", "--meshsynth-path"])
                .arg(&ws)
                .current_dir(t.path()),
        );
        let dir = t.path().join("scaffold-warm");
        if !made || std::fs::copy(ws.join("Cargo.lock"), dir.join("Cargo.lock")).is_err() {
            return;
        }
        // The environment the page tests' cargo runs with (page.rs, init.rs).
        quiet(
            Command::new("nice")
                .args([
                    "-n",
                    "19",
                    env!("CARGO"),
                    "test",
                    "--no-run",
                    "--offline",
                    "-q",
                ])
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", scaffold_target())
                .env("CARGO_PROFILE_DEV_DEBUG", "0"),
        );
    });
}
