//! The CI recipe of docs/ci.md, tested: the page holds the files of
//! `docs/ci/` exactly, every action is pinned by commit SHA, and `plan.sh`
//! computes the plan of real assemblies with the trusted binary (and
//! refuses a hostile one). `comment.js` has its own tests
//! (`node --test docs/ci/`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_meshsynth-apps")
}

#[test]
fn the_page_holds_the_recipe_files_exactly() {
    let page = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    for (file, lang) in [
        ("meshsynth-assembly.yml", "yaml"),
        ("meshsynth-plan.yml", "yaml"),
        ("plan.sh", "bash"),
        ("comment.js", "js"),
    ] {
        let text = std::fs::read_to_string(root().join("docs/ci").join(file)).unwrap();
        let block = format!("```{lang}\n{text}```\n");
        assert!(
            page.contains(&block),
            "docs/ci.md does not hold docs/ci/{file} as it is"
        );
    }
}

#[test]
fn every_action_is_pinned_by_commit_sha() {
    for file in ["meshsynth-assembly.yml", "meshsynth-plan.yml"] {
        let text = std::fs::read_to_string(root().join("docs/ci").join(file)).unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        assert!(
            doc.get("permissions").is_some(),
            "{file}: no top-level permissions"
        );
        for line in text.lines().filter(|l| {
            l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:")
        }) {
            let uses = line.split("uses:").nth(1).unwrap().trim();
            let (action, rest) = uses.split_once('@').unwrap();
            let sha: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            assert_eq!(
                sha.len(),
                40,
                "{file}: {action} is not pinned by SHA: {line}"
            );
            assert!(
                rest.contains("# "),
                "{file}: {action} has no version comment"
            );
        }
    }
}

fn run_plan(base_dir: &Path, pr: &Path, out: &Path) -> std::process::Output {
    Command::new("bash")
        .arg(root().join("docs/ci/plan.sh"))
        .args(["--bin", bin(), "--pr"])
        .arg(pr)
        .arg("--base-dir")
        .arg(base_dir)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn plan_sh_plans_with_the_trusted_binary_and_refuses_a_hostile_assembly() {
    let t = tempfile::tempdir().unwrap();
    let base_dir = t.path().join("base");
    std::fs::create_dir(&base_dir).unwrap();
    // The pull request drops three reference apps: stacks removed, data lost.
    let pr = t.path().join("pr.out");
    let s = Command::new(bin())
        .args(["synth", "-c", "apps=ecommerce-mesh", "-o"])
        .arg(&pr)
        .output()
        .unwrap();
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let out = t.path().join("plan");
    let r = run_plan(&base_dir, &pr, &out);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let md = std::fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(md.starts_with("## meshsynth diff"), "{md}");
    assert!(md.chars().count() <= 65_536);
    assert!(out.join("plan-full.md").is_file());
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["summary"]["changed"], true);
    assert_eq!(
        std::fs::read_to_string(out.join("status")).unwrap(),
        "failure\n"
    );
    assert!(!out.join("base.out").exists());

    // The same assembly as the base: no change, success.
    let same = t.path().join("same.out");
    let s = Command::new(bin())
        .args(["synth", "-o"])
        .arg(&same)
        .output()
        .unwrap();
    assert!(s.status.success());
    let out2 = t.path().join("plan2");
    let r = run_plan(&base_dir, &same, &out2);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(
        std::fs::read_to_string(out2.join("status")).unwrap(),
        "success\n"
    );

    // A hostile assembly: a cluster name out of the directory. Refused, exit 1.
    let m = same.join("manifest.json");
    let text = std::fs::read_to_string(&m).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["clusters"][0]["name"] = "../../x".into();
    std::fs::write(&m, serde_json::to_vec(&v).unwrap()).unwrap();
    let out3 = t.path().join("plan3");
    let r = run_plan(&base_dir, &same, &out3);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("cluster name"), "{err}");
    assert!(!out3.join("status").exists());
}
