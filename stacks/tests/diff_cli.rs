//! `meshsynth diff` run as a process: exit codes, formats, colour rules,
//! stack globs, and every kind of bad assembly (exit 1, the file named, no
//! panic).

#[path = "../../tests/diff_support/mod.rs"]
mod diff_support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn meshsynth(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshsynth-apps"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("runs meshsynth")
}

/// The `broken-apps` fixture binary (a user-style app over the same CLI; its
/// default case is the small starter app), so this test does not move when
/// the built-in reference apps change.
fn starter_app(args: &[&str], cwd: &Path) -> Output {
    let exe = std::env::current_exe().expect("test exe path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("broken-apps{}", std::env::consts::EXE_SUFFIX));
    Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("runs broken-apps")
}

/// `diff PATTERN --assembly head --against base --exit-code` in `dir`.
fn diff_selected(dir: &Path, pattern: &str) -> Output {
    meshsynth(
        &[
            "diff",
            pattern,
            "--assembly",
            "head",
            "--against",
            "base",
            "--exit-code",
        ],
        dir,
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn synthesized_app_against_its_own_assembly_has_no_changes() {
    let t = tempfile::tempdir().unwrap();
    let out = starter_app(&["synth", "-o", "base"], t.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = starter_app(&["diff", "--against", "base", "--exit-code"], t.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("No changes: 2 stack(s) and 1 cluster(s) compared."));
    // -c reaches the in-memory synthesis like it does for `synth`; a stack
    // moved to another region is a change.
    let out = starter_app(
        &[
            "diff",
            "--against",
            "base",
            "--exit-code",
            "-c",
            "starter:region=eu-west-1",
        ],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "environment.region: \"ap-northeast-1\" → \"eu-west-1\" (forces replacement)"
        ),
        "{}",
        stdout(&out)
    );
    let out = starter_app(
        &["diff", "--against", "base", "-c", "no-equals-sign"],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("context"), "{}", stderr(&out));
}

#[test]
fn exit_code_formats_and_color() {
    let t = tempfile::tempdir().unwrap();
    diff_support::write_pair(t.path());
    let args = ["diff", "--assembly", "head", "--against", "base"];
    let out = meshsynth(&args, t.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --exit-code a diff is a success"
    );
    let text = stdout(&out);
    assert!(
        text.contains("[!] AWS::EC2::Subnet SubnetE5F6A7B8"),
        "{text}"
    );
    // stdout is a pipe here, not a terminal: no colour.
    assert!(!text.contains('\x1b'));

    let out = meshsynth(&[&args[..], &["--exit-code"]].concat(), t.path());
    assert_eq!(out.status.code(), Some(2));

    let out = meshsynth(&[&args[..], &["--format", "json"]].concat(), t.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["baseline"], "assembly base");
    assert_eq!(v["summary"]["changed"], true);

    let out = meshsynth(&[&args[..], &["--format", "markdown"]].concat(), t.path());
    let md = stdout(&out);
    assert!(md.starts_with("## meshsynth diff\n"), "{md}");
    assert!(md.contains("<details><summary><b>Stack <code>app-data</code></b>"));
}

#[test]
fn stack_globs_select_and_unknown_patterns_fail() {
    let t = tempfile::tempdir().unwrap();
    diff_support::write_pair(t.path());
    let out = diff_selected(t.path(), "app-net*");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Unchanged stacks (1): app-network"));
    let out = meshsynth(
        &["diff", "nope-*", "--assembly", "head", "--against", "base"],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("stack pattern \"nope-*\" matches no stack"));
}

#[test]
fn deployed_baseline_needs_the_toolkit() {
    // A platform binary has no AWS client: it says where `--against deployed` lives.
    let t = tempfile::tempdir().unwrap();
    diff_support::write_pair(t.path());
    let out = meshsynth(
        &["diff", "--assembly", "head", "--against", "deployed"],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("baseline deployed:") && err.contains("cargo install meshsynth-cli"),
        "{err}"
    );
}

/// Writes the fixture pair, breaks `base` with `f`, and expects exit 1 with
/// a message naming `file` and containing `want`.
fn bad_baseline(f: impl FnOnce(&Path), file: &str, want: &str) {
    let t = tempfile::tempdir().unwrap();
    let (base, _) = diff_support::write_pair(t.path());
    f(&base);
    let out = meshsynth(
        &["diff", "--assembly", "head", "--against", "base"],
        t.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with(&format!("error: {file}")), "{err}");
    assert!(err.contains(want), "{err}");
    assert!(out.stdout.is_empty());
}

fn edit_manifest(base: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let p = base.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
    f(&mut m);
    fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
}

#[test]
fn fail_on_data_loss_gates_a_plan_that_deletes_data() {
    let t = tempfile::tempdir().unwrap();
    let (_, head) = diff_support::write_pair(t.path());
    let args = [
        "diff",
        "--assembly",
        "head",
        "--against",
        "base",
        "--fail-on-data-loss",
    ];
    // The sample plan keeps its data (orphans and snapshots): no failure.
    assert_eq!(meshsynth(&args, t.path()).status.code(), Some(0));
    // Dropping the queue (no policy) from the head deletes its messages.
    let template = fs::read_dir(&head)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| fs::read_to_string(p).is_ok_and(|t| t.contains("JobsQueue5A5A5A5A")))
        .expect("the template with the queue");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&template).unwrap()).unwrap();
    v["Resources"]
        .as_object_mut()
        .unwrap()
        .remove("JobsQueue5A5A5A5A");
    fs::write(&template, serde_json::to_vec(&v).unwrap()).unwrap();
    let out = meshsynth(&args, t.path());
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: the plan deletes the data of 1 resource(s): ")
            && err.contains("JobsQueue5A5A5A5A (AWS::SQS::Queue)"),
        "{err}"
    );
    assert!(stdout(&out).contains("DATA LOSS"), "{}", stdout(&out));
}

#[test]
fn missing_and_corrupt_assemblies() {
    let t = tempfile::tempdir().unwrap();
    let out = meshsynth(&["diff", "--against", "nowhere"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: nowhere: cannot read the assembly directory"));

    bad_baseline(
        |b| fs::remove_file(b.join("manifest.json")).unwrap(),
        "base/manifest.json",
        "not a cloud assembly",
    );
    bad_baseline(
        |b| {
            fs::write(
                b.join("manifest.json"),
                "{\"version\": \"1\", \"stacks\": [",
            )
            .unwrap()
        },
        "base/manifest.json",
        "invalid manifest: not valid JSON",
    );
    bad_baseline(
        |b| edit_manifest(b, |m| m["version"] = "2".into()),
        "base/manifest.json",
        "manifest schema version \"2\"; this meshsynth reads version \"1\"",
    );
    bad_baseline(
        |b| edit_manifest(b, |m| m["stacks"][0]["extra"] = true.into()),
        "base/manifest.json",
        "unknown field `extra`",
    );
    bad_baseline(
        |b| fs::remove_file(b.join("app-iam.template.json")).unwrap(),
        "base/app-iam.template.json",
        "cannot read",
    );
}

#[test]
fn invalid_templates_and_manifests() {
    bad_baseline(
        |b| fs::write(b.join("app-iam.template.json"), "{\"Resources\": {").unwrap(),
        "base/app-iam.template.json",
        "not valid JSON",
    );
    bad_baseline(
        |b| {
            edit_manifest(b, |m| {
                m["stacks"][0]["template"] = "app-network.template.yaml".into()
            });
            fs::write(
                b.join("app-network.template.yaml"),
                "Resources:\n  X: [unclosed\n",
            )
            .unwrap();
        },
        "base/app-network.template.yaml",
        "not valid YAML",
    );
    bad_baseline(
        |b| {
            let f = b.join("k8s/main/app-data.yaml");
            let mut s = fs::read_to_string(&f).unwrap();
            s.push_str("---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: old-worker\n  namespace: shop\n");
            fs::write(&f, s).unwrap();
        },
        "base/k8s/main/app-data.yaml",
        "duplicate Kubernetes object ServiceAccount shop/old-worker in cluster main",
    );
}

#[test]
fn paths_escaping_the_assembly_and_oversized_files() {
    bad_baseline(
        |b| edit_manifest(b, |m| m["stacks"][0]["template"] = "../head/app-network.template.json".into()),
        "base/manifest.json",
        "template \"../head/app-network.template.json\" is not app-network.template.json or app-network.template.yaml, the only names synth writes",
    );
    bad_baseline(
        |b| {
            edit_manifest(b, |m| {
                m["clusters"][0]["files"][0]["file"] = "/etc/hostname".into()
            })
        },
        "base/manifest.json",
        "unsafe path \"/etc/hostname\": absolute paths are not allowed",
    );
    #[cfg(unix)]
    bad_baseline(
        |b| {
            let f = b.join("app-iam.template.json");
            fs::remove_file(&f).unwrap();
            std::os::unix::fs::symlink("../head/app-iam.template.json", &f).unwrap();
        },
        "base/app-iam.template.json",
        "resolves (through a symbolic link) outside the assembly directory",
    );
    bad_baseline(
        |b| {
            // A sparse 129 MiB file: rejected from its size, never read.
            let f = fs::File::create(b.join("app-iam.template.json")).unwrap();
            f.set_len(129 * 1024 * 1024).unwrap();
        },
        "base/app-iam.template.json",
        "file is larger than the limit of 134217728 bytes",
    );
}

/// Install inputs are compared: a changed ztunnel/CNI/istiod setting in a
/// Helm values file or the IstioOperator is a change of its own, not invisible.
#[test]
fn install_inputs_are_compared() {
    let t = tempfile::tempdir().unwrap();
    let out = meshsynth(
        &["synth", "-c", "apps=ecommerce-mesh", "-o", "base"],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let head = t.path().join("head");
    fs::create_dir_all(head.join("k8s/ecommerce-mesh")).unwrap();
    for entry in walk(&t.path().join("base")) {
        let rel = entry.strip_prefix(t.path().join("base")).unwrap();
        let target = head.join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = fs::read_to_string(&entry).unwrap();
        let text = if rel.to_string_lossy().ends_with("istiod.values.yaml") {
            text.replace("tag: '1.28.0'", "tag: '1.28.1'")
        } else {
            text
        };
        fs::write(target, text).unwrap();
    }
    let out = meshsynth(
        &[
            "diff",
            "--assembly",
            "head",
            "--against",
            "base",
            "--exit-code",
        ],
        t.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[~] HelmValues.helm istio-control-plane-istiod.values.yaml")
            && text.contains("global.tag: \"1.28.0\" → \"1.28.1\""),
        "{text}"
    );
    // A pattern selecting the cluster's chart compares its install inputs
    // too (they read "No changes" before: the Helm chart's name, not a
    // construct's, decided whether a pattern selected them).
    let filtered = |pattern: &str| diff_selected(t.path(), pattern);
    let out = filtered("ecommerce-*");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stdout(&out).contains("global.tag: \"1.28.0\" → \"1.28.1\""));
    // A pattern selecting only the network stack leaves the cluster out.
    let out = filtered("ecommerce-mesh-network");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A Helm chart's name is no stack: refused, and the list of what a
    // pattern can select holds no Helm chart and no empty name.
    let out = filtered("istio");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("(stacks: ecommerce-mesh-cluster, ecommerce-mesh-network)"),
        "{err}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
