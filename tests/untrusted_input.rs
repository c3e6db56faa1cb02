//! What a pull request's author, a copied YAML file or an unlucky user can
//! hand meshsynth, through the CLI a platform binary runs: each case once
//! deleted, leaked, injected or hung (the numbers are in the test
//! names' comments) and now ends in a clear error or inert output.

use crate::diff_support;
use crate::inert_markdown;

use k8s_openapi::api::core::v1::ConfigMap;
use meshsynth::cli::run_with_args;
use meshsynth::core::{App, Chart, ChartProps, Error};
use serde_json::json;
use std::time::{Duration, Instant};

/// How long a refusal may take before the test calls it a hang. Not a
/// speed target (those live in the benchmark): the error message proves
/// the input was refused before parsing, and a loaded CI runner running
/// the debug binary beside other tests must not fail this bound.
const HANG_GUARD: Duration = Duration::from_secs(20);

fn no_app(_: &mut App) -> Result<(), Error> {
    Ok(())
}

fn run(args: &[&str], build: &dyn Fn(&mut App) -> Result<(), Error>) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut argv = vec!["meshsynth"];
    argv.extend_from_slice(args);
    let code = run_with_args(argv, &build, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// `diff --assembly after --against before` with `extra` flags.
fn diff(after: &std::path::Path, before: &std::path::Path, extra: &[&str]) -> (u8, String, String) {
    let mut args = vec![
        "diff",
        "--assembly",
        after.to_str().unwrap(),
        "--against",
        before.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args, &no_app)
}

/// 5: deep nesting is refused before the parser's quadratic time.
#[test]
fn deep_nesting_is_refused_quickly_by_analyze_and_diff() {
    let t = tempfile::tempdir().unwrap();
    let deep = t.path().join("deep.yaml");
    std::fs::write(&deep, "[".repeat(100_000) + &"]".repeat(100_000)).unwrap();
    let compact = t.path().join("compact.yaml");
    std::fs::write(&compact, "- ".repeat(100_000) + "x\n").unwrap();
    for f in [&deep, &compact] {
        let started = Instant::now();
        let (code, _, err) = run(&["analyze", f.to_str().unwrap()], &no_app);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("nested deeper than 100 levels"), "{err}");
        assert!(started.elapsed() < HANG_GUARD, "{:?}", started.elapsed());
    }
    // A YAML template in an assembly given to diff.
    let (before, after) = diff_support::write_pair(t.path());
    let nested = "a: ".to_string() + &"[".repeat(100_000) + &"]".repeat(100_000) + "\n";
    let manifest = std::fs::read_to_string(after.join("manifest.json")).unwrap();
    let first_template = serde_json::from_str::<serde_json::Value>(&manifest).unwrap()["stacks"][0]
        ["template"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(
        after.join(&first_template),
        format!("Resources: {{}}\n{nested}"),
    )
    .unwrap();
    let started = Instant::now();
    let (code, _, err) = diff(&after, &before, &[]);
    assert_ne!(code, 0, "{err}");
    assert!(started.elapsed() < HANG_GUARD, "{:?}", started.elapsed());
}

/// 12: a valid 255-character construct id makes a file name that fits.
#[test]
fn a_255_character_construct_id_synthesizes() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("mesh.out");
    let id = "a".repeat(255);
    let build = move |app: &mut App| -> Result<(), Error> {
        // "default", which every cluster has.
        let chart = Chart::new(
            &mut app.root(),
            &id,
            ChartProps::new("main").namespace("default"),
        )?;
        app.scope(chart.node())?
            .add_object("config", ConfigMap::default())?;
        Ok(())
    };
    let (code, _, err) = run(&["synth", "-o", out.to_str().unwrap()], &build);
    assert_eq!(code, 0, "{err}");
    let files: Vec<_> = std::fs::read_dir(out.join("k8s/main"))
        .unwrap()
        .map(|e| e.unwrap().file_name().len())
        .collect();
    assert!(files.iter().all(|n| *n <= 255), "{files:?}");
}

/// 14: a List inside a List is analyzed, not skipped.
#[test]
fn nested_lists_are_analyzed() {
    let report = analyze_json(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: networking.istio.io/v1\n    kind: VirtualService\n    metadata: {name: vs, namespace: shop}\n    spec:\n      hosts: [reviews]\n      http:\n      - route:\n        - destination: {host: reviews, subset: v9}\n",
    );
    assert_eq!(report["objects"], 1, "{report}");
}

/// `analyze --format json` of `yaml`, written to a file of its own.
fn analyze_json(yaml: &str) -> serde_json::Value {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("export.yaml");
    std::fs::write(&f, yaml).unwrap();
    let (_, out, err) = run(
        &["analyze", f.to_str().unwrap(), "--format", "json"],
        &no_app,
    );
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"))
}

/// An export (`kubectl get … -o yaml` writes a List): each item's
/// findings point at the item, and a field's at the field, not all at the
/// List's first line; a List inside a List too.
#[test]
fn list_items_point_at_their_own_lines() {
    let report = analyze_json(
        "apiVersion: v1\nkind: List\nitems:\n\
         - apiVersion: v1\n  kind: Service\n  metadata: {name: web, namespace: shop}\n  spec:\n    ports:\n    - port: 80\n\
         - apiVersion: v1\n  kind: List\n  items:\n\
         \x20 - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web, namespace: shop}\n    spec:\n\
         \x20     selector: {matchLabels: {app: web}}\n      template:\n        metadata: {labels: {app: web}}\n\
         \x20       spec:\n          containers:\n          - name: web\n            image: nginx:1.27\n            bogus: 1\n\
         metadata:\n  resourceVersion: \"\"\n",
    );
    let lines: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    // The Service's item starts on line 4; the nested Deployment's unknown
    // field is on line 24 (the outer List's own `metadata` is on line 25).
    assert_eq!(lines, [("IST0118", 4), ("IST0106", 24)], "{report}");
}

/// A chart's template given to analyze unrendered: `{{ .Values.x }}`
/// unquoted is a mapping, and the finding says to render it first.
#[test]
fn an_unrendered_template_is_named_as_such() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("secret.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Values.name }}\n",
    )
    .unwrap();
    let (code, out, err) = run(&["analyze", f.to_str().unwrap()], &no_app);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("an unrendered template"), "{out}");
    assert!(out.contains("helm template"), "{out}");
}

/// 6 and 9: special files are refused by name; names reach the terminal inert.
#[cfg(unix)]
#[test]
fn special_files_are_refused_and_names_are_inert() {
    let (code, _, err) = run(&["analyze", "/dev/zero"], &no_app);
    assert_eq!(code, 1);
    assert!(
        err.contains("/dev/zero: is a device, not a regular file"),
        "{err}"
    );
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("vs.yaml");
    // An object name with a cursor move, a title change and a forged line.
    std::fs::write(
        &f,
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: \"x\\e[2K\\r\\e]0;pwned\\a\\nNo changes.\"\n  namespace: shop\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v9}\n",
    )
    .unwrap();
    let (_, out, _) = run(&["analyze", f.to_str().unwrap()], &no_app);
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    assert!(out.contains("\\u{1b}[2K"), "{out}");
    // Every line is a finding of its own (the name's forged line is not).
    assert!(
        out.lines().all(|l| ["Error [", "Warning [", "Info ["]
            .iter()
            .any(|s| l.starts_with(s))),
        "{out}"
    );
    assert!(
        out.contains("[MS-K8S-3]") && out.contains("[IST0101]"),
        "{out}"
    );
}

/// 8 and 4: a plan shows that secrets changed, never their values, in
/// every format; Markdown values cannot leave their span or mention anyone.
#[test]
fn plans_mask_secrets_and_keep_markdown_inert() {
    let t = tempfile::tempdir().unwrap();
    let template = |password: &str, token: &str, desc: &str| {
        json!({
            "Parameters": {"AdminPassword": {"Type": "String", "NoEcho": true, "Default": password}},
            "Resources": {
                "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {
                    "MasterUserPassword": password, "DBInstanceClass": desc}},
                "Redis": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {
                    "AuthToken": token, "ReplicationGroupDescription": desc}}
            }
        })
    };
    let secret = |data: &str| {
        vec![json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "shop"},
            "data": {"password": data}, "stringData": {"token": data}})]
    };
    let before = t.path().join("before");
    let after = t.path().join("after");
    diff_support::write(
        &before,
        &[("data", template("hunter2-old", "tok-old", "db.t3"))],
        &[("main", vec![("app", secret("b2xkLXNlY3JldA=="))])],
    );
    let evil = "``<img src=x onerror=alert(1)>`` @octocat https://evil.example";
    diff_support::write(
        &after,
        &[("data", template("hunter2-new", "tok-new", evil))],
        &[("main", vec![("app", secret("bmV3LXNlY3JldA=="))])],
    );
    for format in ["text", "markdown", "json"] {
        let (_, out, err) = diff(&after, &before, &["--format", format]);
        for leaked in [
            "hunter2",
            "tok-old",
            "tok-new",
            "b2xkLXNlY3JldA",
            "bmV3LXNlY3JldA",
        ] {
            assert!(
                !out.contains(leaked),
                "{format} leaks {leaked}:\n{out}{err}"
            );
        }
        assert!(out.contains(meshsynth::diff::MASK), "{format}:\n{out}{err}");
        if format == "markdown" {
            inert_markdown::check(&out, &["@octocat", "https://"]);
        }
    }
}

/// 9: a resource id with escape sequences cannot drive the terminal that
/// shows the plan, coloured or not.
#[test]
fn diff_text_is_inert() {
    let t = tempfile::tempdir().unwrap();
    let before = t.path().join("before");
    let after = t.path().join("after");
    diff_support::write(&before, &[("s", json!({"Resources": {}}))], &[]);
    let id = "Topic\u{1b}[2K\r\u{1b}]0;pwned\u{7}\nNo changes.\u{202e}";
    diff_support::write(
        &after,
        &[("s", json!({"Resources": {id: {"Type": "AWS::SNS::Topic"}}}))],
        &[],
    );
    let (_, out, err) = diff(&after, &before, &[]);
    assert!(
        !out.chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "{out:?}{err}"
    );
    assert!(!out.lines().any(|l| l.starts_with("No changes.")), "{out}");
    let plain = meshsynth::untrusted::inert_keeping_sgr("\u{1b}[32m+\u{1b}[0m", true);
    assert_eq!(plain, "\u{1b}[32m+\u{1b}[0m");
}

/// An assembly whose manifest names an install-input kind meshsynth does not
/// know is refused in one line naming manifest.json, not read as Helm values.
#[test]
fn an_unknown_install_input_kind_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("mesh.out");
    let build = |app: &mut App| -> Result<(), Error> {
        let chart = Chart::new(&mut app.root(), "Mesh", ChartProps::new("main"))?;
        app.scope(chart.node())?.add_install_input(
            "istio",
            meshsynth::core::InstallKind::IstioOperator,
            &json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "metadata": {"name": "istio"}}),
        )
    };
    let (code, _, err) = run(&["synth", "-o", out.to_str().unwrap()], &build);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = diff(&out, &out, &[]);
    assert_eq!(code, 0, "the untouched assembly loads: {err}");

    let manifest = out.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("\"istio-operator\""), "{text}");
    std::fs::write(
        &manifest,
        text.replace("\"istio-operator\"", "\"istio-operater\""),
    )
    .unwrap();
    let (code, _, err) = diff(&out, &out, &[]);
    assert_ne!(code, 0, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("manifest.json"), "{err}");
    assert!(err.contains("istio-operater"), "{err}");
}
