//! A docs page run command by command, as a new user types it: every line
//! of its ```` ```sh <tag> ```` blocks, in order, in one directory. What
//! differs from a user's terminal, each for a reason: `cargo install` is
//! not run (the `meshsynth` under test is first on PATH instead), cargo
//! works offline from this workspace's lock file and the test run's target
//! directory (the same crates, without downloading or compiling them
//! again), and the page's emulator address `http://127.0.0.1:5000` is the
//! test run's moto server. A command the page shows failing ends with a
//! comment `# exits N`: it must exit with N.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The address the pages use for the emulator.
pub const PAGE_ENDPOINT: &str = "http://127.0.0.1:5000";

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root")
}

/// The emulator endpoint of the test run, or `None` (the test then skips,
/// unless CI or `MESHSYNTH_REQUIRE_EMULATOR=1` requires it).
pub fn endpoint() -> Option<String> {
    match std::env::var("MESHSYNTH_TEST_ENDPOINT") {
        Ok(e) if !e.is_empty() => Some(e),
        _ => {
            assert!(
                std::env::var_os("CI").is_none()
                    && std::env::var("MESHSYNTH_REQUIRE_EMULATOR").as_deref() != Ok("1"),
                "MESHSYNTH_TEST_ENDPOINT is not set; scripts/test starts moto and sets it"
            );
            eprintln!("skipped: no emulator (MESHSYNTH_TEST_ENDPOINT); scripts/test runs it");
            None
        }
    }
}

/// The commands of the page's ```` ```sh <tag> ```` blocks, in order.
pub fn commands(page: &str, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    let opening = format!("```sh {tag}");
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == opening;
            continue;
        }
        let l = line.trim();
        if inside && !l.is_empty() && !l.starts_with('#') {
            out.push(l.to_string());
        }
    }
    out
}

/// What the commands printed, each (command, stdout, stderr).
pub type Transcript = Vec<(String, String, String)>;

/// Runs `cmds` from `start` against the emulator at `endpoint`; returns the
/// directory the last `cd` left it in and what each command printed. A
/// command that fails fails the test with the end of its output.
pub fn run(cmds: &[String], start: &Path, endpoint: &str) -> (PathBuf, Transcript) {
    let ws = workspace();
    let mut cwd = start.to_path_buf();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_meshsynth")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Exports of one line carry over to the next, as in a shell session.
    let mut exports: Vec<(String, String)> = Vec::new();
    let mut transcript = Vec::new();
    for cmd in cmds {
        if cmd.starts_with("cargo install ") {
            continue;
        }
        if let Some(dir) = cmd.strip_prefix("cd ") {
            cwd = cwd.join(dir.trim());
            // The crate resolves offline to the workspace's versions.
            std::fs::copy(ws.join("Cargo.lock"), cwd.join("Cargo.lock")).unwrap();
            continue;
        }
        if let Some(vars) = cmd.strip_prefix("export ") {
            for kv in vars.split_whitespace() {
                let (k, v) = kv.split_once('=').expect("export K=V");
                exports.push((k.into(), v.into()));
            }
            continue;
        }
        let line = cmd.replace(PAGE_ENDPOINT, endpoint);
        let out = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(&cwd)
            .env("PATH", &path)
            .env("MESHSYNTH", &ws)
            .env("CARGO_TARGET_DIR", crate::locks::scaffold_target())
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("INSTA_UPDATE", "no")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", start.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                start.join("no-aws-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .envs(exports.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let tail = |t: &str| {
            let lines: Vec<&str> = t.lines().collect();
            lines[lines.len().saturating_sub(25)..].join("\n")
        };
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let expected = cmd
            .rsplit_once("# exits ")
            .and_then(|(_, n)| {
                n.split_whitespace()
                    .next()?
                    .trim_end_matches(':')
                    .parse()
                    .ok()
            })
            .unwrap_or(0);
        assert!(
            out.status.code() == Some(expected),
            "`{cmd}` exited {:?}, not {expected}, in {}:\n{}\n{}",
            out.status.code(),
            cwd.display(),
            tail(&stdout),
            tail(&stderr)
        );
        transcript.push((cmd.clone(), stdout, stderr));
    }
    (cwd, transcript)
}
