//! docs/first-day.md, run command by command: every line of its
//! ```` ```sh first-day ```` blocks, in order, in one temporary directory, as a
//! new user types them. Three things differ from a user's terminal, each
//! for a reason: `cargo install` is not run (the `meshsynth` under test is
//! first on PATH instead: installing it would rebuild the toolkit in
//! release), cargo works offline from this workspace's lock file and target
//! directory (the same crates, without downloading them again), and the
//! emulator address `http://127.0.0.1:5000` is the moto server of the test
//! run (`MESHSYNTH_TEST_ENDPOINT`). Without that server the test skips,
//! unless `CI` or `MESHSYNTH_REQUIRE_EMULATOR=1` is set, when it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

const PAGE_ENDPOINT: &str = "http://127.0.0.1:5000";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root")
}

/// The commands of the page's runnable blocks, in order.
fn commands(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == "```sh first-day";
            continue;
        }
        let l = line.trim();
        if inside && !l.is_empty() && !l.starts_with('#') {
            out.push(l.to_string());
        }
    }
    out
}

#[test]
fn the_first_day_page_runs_as_written() {
    let endpoint = match std::env::var("MESHSYNTH_TEST_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => {
            assert!(
                std::env::var_os("CI").is_none()
                    && std::env::var("MESHSYNTH_REQUIRE_EMULATOR").as_deref() != Ok("1"),
                "MESHSYNTH_TEST_ENDPOINT is not set; scripts/test starts moto and sets it"
            );
            eprintln!("skipped: no emulator (MESHSYNTH_TEST_ENDPOINT); scripts/test runs it");
            return;
        }
    };
    let page = std::fs::read_to_string(workspace().join("docs/first-day.md")).unwrap();
    let cmds = commands(&page);
    assert!(cmds.len() >= 11, "the page lost its commands: {cmds:?}");

    // The page builds a crate in the scaffolds' target directory and
    // deploys to the shared emulator: one test at a time on each, taken in
    // that order.
    let _scaffold = crate::locks::scaffold();
    let _emulator = crate::emulator::SERIAL
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let mut cwd = t.path().to_path_buf();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_meshsynth")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Exports of one line carry over to the next, as in a shell session.
    let mut exports: Vec<(String, String)> = Vec::new();
    for cmd in &cmds {
        if cmd.starts_with("cargo install ") {
            continue;
        }
        if let Some(dir) = cmd.strip_prefix("cd ") {
            cwd = cwd.join(dir.trim());
            // The crate resolves offline to the workspace's versions.
            std::fs::copy(workspace().join("Cargo.lock"), cwd.join("Cargo.lock")).unwrap();
            continue;
        }
        if let Some(vars) = cmd.strip_prefix("export ") {
            for kv in vars.split_whitespace() {
                let (k, v) = kv.split_once('=').expect("export K=V");
                exports.push((k.into(), v.into()));
            }
            continue;
        }
        let line = cmd.replace(PAGE_ENDPOINT, &endpoint);
        let out = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(&cwd)
            .env("PATH", &path)
            .env("MESHSYNTH", workspace())
            .env("CARGO_TARGET_DIR", workspace().join("target/init-crate"))
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("INSTA_UPDATE", "no")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", t.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                t.path().join("no-aws-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env_remove("RUSTFLAGS")
            .envs(exports.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let tail = |b: &[u8]| {
            let t = String::from_utf8_lossy(b).into_owned();
            let lines: Vec<&str> = t.lines().collect();
            lines[lines.len().saturating_sub(25)..].join("\n")
        };
        assert!(
            out.status.success(),
            "`{cmd}` failed ({:?}) in {}:\n{}\n{}",
            out.status.code(),
            cwd.display(),
            tail(&out.stdout),
            tail(&out.stderr)
        );
    }
    // What the page promises happened: the plan names the replaced VPC,
    // and the network stage is deployed with the exports of its consumer.
    let plan = std::fs::read_to_string(cwd.join("plan.md")).unwrap();
    assert!(plan.contains("AWS::EC2::VPC"), "{plan}");
    let template =
        std::fs::read_to_string(cwd.join("mesh.out/acme-platform-network.template.json")).unwrap();
    assert!(
        template.contains("\"Export\""),
        "the network stage lacks its exports"
    );
}
