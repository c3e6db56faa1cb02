//! The upgrade contract: the 0.1.0 platform of `src/lib.rs` compiles (the
//! build of this test is the first check), synthesizes, and differs from
//! what 0.1.0 wrote (`v0.1.0/`, made by running this crate against
//! d08ad80) only by the output changes CHANGELOG.md announces. The plan
//! snapshot is that list; a change to it is a change users see on upgrade.

use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshsynth-compat"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the compat binary runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn the_0_1_platform_differs_from_its_0_1_output_only_as_the_changelog_says() {
    let (plan, err, code) = run(&["diff", "--against", "v0.1.0"]);
    assert_eq!(code, 0, "diff failed: {err}");
    insta::with_settings!({snapshot_path => "../../snapshots/compat", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("upgrade_plan_from_0_1_0", plan);
    });
    let changelog =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../CHANGELOG.md"))
            .unwrap();
    // Every kind of change the plan shows is announced, by what changes.
    for announced in [
        "ClusterVpcCniRole",
        "ServiceAccountRoleArn",
        "DeletionPolicy: Retain",
        "ElastiCache",
        "meshsynth:suppressions",
        "checkov.io/skip",
        "NetworkPolicy",
    ] {
        assert!(
            changelog.contains(announced),
            "CHANGELOG.md does not announce {announced:?}, which the upgrade plan shows"
        );
    }
}

#[test]
fn a_renamed_rule_code_still_suppresses_and_says_what_to_write() {
    let dir = tempfile_dir();
    let (_, err, code) = run(&["synth", "-o", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("names rule MS-MESH-007, renamed MS-MESH-7 in 0.2.0; write MS-MESH-7"),
        "{err}"
    );
    // The suppression still applies: no MS-MESH-7 finding for `logging`.
    assert!(!err.contains("MS-MESH-7]"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_0_1_accessors_still_return_tuples() {
    let mut app = meshsynth::App::new(meshsynth::Context::new());
    meshsynth_compat::build(&mut app).unwrap();
    let objects = meshsynth_compat::object_list(&app);
    assert!(
        objects
            .iter()
            .any(|o| o == "compat compat-services/Shop/Worker Deployment"),
        "{objects:?}"
    );
    // The accessor still answers; which code comes first follows the
    // catalog's code order (IST0002 since it was added).
    let first = meshsynth_compat::first_analyzer().unwrap();
    assert!(first.code.starts_with("IST"), "{}", first.code);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("meshsynth-compat-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}
