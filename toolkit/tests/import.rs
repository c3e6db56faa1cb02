//! `meshsynth import` as a user meets it: what cannot be imported is
//! refused with the file and the reason and nothing is written; an
//! existing crate is never overwritten; and, on the corpora (skipped,
//! saying so, without `../shared`), every file is still imported or
//! refused as `scripts/import-corpus` recorded when it compiled and
//! verified them (tests/fixtures/import/). The full path, compiled and
//! deployed, is tests/adopt_page.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace root")
}

fn meshsynth(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(args)
        .current_dir(cwd)
        // The checks below never compile what they write.
        .env("RUSTFMT", "true")
        .output()
        .expect("runs meshsynth")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn what_cannot_be_imported_is_refused_and_nothing_is_written() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("bad.yaml"), "Resources: [1, 2\n").unwrap();
    std::fs::write(
        t.path().join("chart.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("cycle.json"),
        r#"{"Resources": {"A": {"Type": "AWS::SNS::Topic", "DependsOn": "B"}, "B": {"Type": "AWS::SNS::Topic", "DependsOn": "A"}}}"#,
    )
    .unwrap();
    for (kind, file, reason) in [
        ("cfn", "bad.yaml", "not valid YAML"),
        ("k8s", "chart.yaml", "not valid YAML"),
        ("cfn", "cycle.json", "cycle"),
    ] {
        let o = meshsynth(
            t.path(),
            &["import", kind, file, "--out", "out", "--no-verify"],
        );
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: out: nothing to import"), "{err}");
        assert!(err.contains(&format!("the first {file}: ")), "{err}");
        assert!(err.contains(reason), "{err}");
        assert!(
            !t.path().join("out").exists(),
            "{kind} {file} wrote a crate"
        );
    }
}

#[test]
fn a_refused_file_beside_good_ones_is_reported_and_the_rest_imported() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("cfn");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("good.yaml"),
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("bad.yaml"),
        "Resources:\n  Q:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: !Ref Nope}\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a template").unwrap();
    let o = meshsynth(
        t.path(),
        &["import", "cfn", "cfn", "--out", "out", "--no-verify"],
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        out.contains(
            "bad.yaml: refused: line 2: Resources.Q.Properties.TopicName: Ref Nope names no parameter"
        ),
        "{out}"
    );
    assert!(
        out.contains("good.yaml -> src/stacks/good.rs (stack good): not verified: --no-verify"),
        "{out}"
    );
    assert!(err.contains("1 refused"), "{err}");
    let report = std::fs::read_to_string(t.path().join("out/IMPORT.md")).unwrap();
    assert!(report.contains("| `bad.yaml` | - | refused: "), "{report}");
    assert!(t.path().join("out/src/stacks/good.rs").is_file());
}

#[test]
fn an_existing_crate_is_never_overwritten() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("t.yaml"),
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
    )
    .unwrap();
    // A crate `init` wrote: import does not touch it.
    let o = meshsynth(t.path(), &["init", "acme"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lib = std::fs::read(t.path().join("acme/src/lib.rs")).unwrap();
    let o = meshsynth(
        t.path(),
        &["import", "cfn", "t.yaml", "--out", "acme", "--no-verify"],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("did not write"), "{err}");
    assert_eq!(
        std::fs::read(t.path().join("acme/src/lib.rs")).unwrap(),
        lib
    );
    // A crate an earlier import wrote takes the other kind, once.
    let o = meshsynth(
        t.path(),
        &["import", "cfn", "t.yaml", "--out", "p", "--no-verify"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = meshsynth(
        t.path(),
        &["import", "cfn", "t.yaml", "--out", "p", "--no-verify"],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("already holds src/stacks/"), "{err}");
}

/// (file → the verdict recorded) of a fixture.
fn fixture(name: &str) -> Vec<(String, String)> {
    let path = workspace().join(format!("tests/fixtures/import/{name}.tsv"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (f, v) = l.split_once('\t').expect("file<TAB>verdict");
            (f.to_string(), v.to_string())
        })
        .collect()
}

/// Runs the writer (no compile) over a corpus and checks each file against
/// the fixture: imported where it was verified identical, refused with the
/// same reason where it was refused.
fn check_corpus(kind: &str, extra: &[&str]) {
    let corpus = workspace().join("../shared/import-corpus").join(kind);
    if !corpus.is_dir() {
        eprintln!(
            "skipped: {} is absent (a clone without ../shared)",
            corpus.display()
        );
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let mut args = vec![
        "import",
        kind,
        corpus.to_str().unwrap(),
        "--out",
        "out",
        "--no-verify",
    ];
    args.extend_from_slice(extra);
    let o = meshsynth(t.path(), &args);
    let out = text(&o.stdout);
    let now: std::collections::BTreeMap<String, String> = out
        .lines()
        .map(|l| {
            let (head, verdict) = l.split_once(": ").unwrap_or((l, ""));
            (
                head.split(" -> ").next().unwrap().to_string(),
                verdict.to_string(),
            )
        })
        .collect();
    let mut wrong = Vec::new();
    for (file, recorded) in fixture(kind) {
        let got = now.get(&file).map(String::as_str).unwrap_or("(not listed)");
        let ok = if recorded.starts_with("refused") {
            got == recorded
        } else {
            got.starts_with("not verified")
        };
        if !ok {
            wrong.push(format!("{file}: recorded {recorded:?}, now {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} file(s) changed (scripts/import-corpus {kind} re-verifies and rewrites the fixture):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_cfn_corpus_is_imported_as_recorded() {
    check_corpus("cfn", &[]);
}

#[test]
fn the_k8s_corpus_is_imported_as_recorded() {
    check_corpus("k8s", &["--cluster", "{chart}"]);
}
