//! `meshsynth analyze` as a process: each YAML fixture's expected findings,
//! the three formats, stdin, exit codes, and bad input (one line, no panic).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/analyze")
}

fn analyze(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshsynth-apps"))
        .arg("analyze")
        .args(args)
        .current_dir(fixtures())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run meshsynth-apps");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(bytes) = stdin {
            // The analyzer may refuse before reading everything.
            let _ = input.write_all(bytes);
        }
    }
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `(level, code, file:line)` of each text finding line.
fn findings(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .filter(|l| {
            l.starts_with("Error [") || l.starts_with("Warning [") || l.starts_with("Info [")
        })
        .map(|l| {
            let level = l.split(' ').next().unwrap_or("").to_string();
            let code = l[l.find('[').unwrap() + 1..l.find(']').unwrap()].to_string();
            let subject = &l[l.find('(').unwrap() + 1..l.find(')').unwrap()];
            let loc = subject.rsplit(' ').next().unwrap_or("").to_string();
            (level, code, loc)
        })
        .collect()
}

fn owned(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    v.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[test]
fn the_seed_complex_routing_virtual_service_alone() {
    let o = analyze(&["complex-routing.yaml"], None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let f = findings(&out);
    // The unknown gateway (and, as istioctl says, its hosts not served
    // there), two unknown hosts (per destination) and four subsets.
    assert_eq!(f.len(), 10, "{out}");
    assert!(f.iter().all(|(l, c, loc)| l == "Error"
        && (c == "IST0101" || c == "IST0132")
        && loc == "complex-routing.yaml:3"));
    assert_eq!(f.iter().filter(|(_, c, _)| c == "IST0132").count(), 1);
    for subset in ["\"v2\"", "\"v3\"", "\"asia-v1\"", "\"default-v1\""] {
        assert!(
            out.contains(&format!("referenced subset {subset}")),
            "{subset}: {out}"
        );
    }
    assert!(
        out.contains("referenced gateway shop/api-gateway not found"),
        "{out}"
    );
    assert!(
        out.starts_with(
            "Error [IST0101] (VirtualService shop/complex-routing complex-routing.yaml:3) "
        ),
        "{out}"
    );
}

#[test]
fn a_helm_rendering_over_several_namespaces() {
    let o = analyze(&["helm-rendering.yaml"], None);
    let (out, err) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "warnings stay under the default threshold: {out}{err}"
    );
    assert_eq!(
        findings(&out),
        owned(&[
            ("Warning", "IST0118", "helm-rendering.yaml:40"),
            ("Warning", "IST0173", "helm-rendering.yaml:114"),
        ])
    );
    assert!(
        err.contains("assumed istioctl's default ingress gateway"),
        "{err}"
    );
    // The ConfigMap is read (the injector's configuration is one); the
    // unknown kind is not.
    assert!(
        !err.contains("ConfigMap (1)") && err.contains("Widget (1)"),
        "{err}"
    );
    assert!(err.contains("1 object(s) in kube-system"), "{err}");
    // Without the assumed gateway, the Gateway selects nothing.
    let o = analyze(&["helm-rendering.yaml", "--no-default-ingress"], None);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(out.contains("[IST0101] (Gateway shop/public"), "{out}");
    // The threshold makes warnings fail.
    let o = analyze(
        &["helm-rendering.yaml", "--failure-threshold", "warning"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    // A suppression drops exactly one finding.
    let o = analyze(
        &[
            "helm-rendering.yaml",
            "--suppress",
            "IST0118=Service/shop/cart",
        ],
        None,
    );
    let (out, _) = text(&o);
    assert_eq!(findings(&out).len(), 1, "{out}");
}

#[test]
fn schema_errors_and_unknown_fields_are_ist0106_and_lenient_objects_are_still_analyzed() {
    let o = analyze(&["schema-errors.yaml"], None);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        findings(&out),
        owned(&[
            // Each at its field's line: `port: eighty`, `trafficPolicyy`.
            ("Error", "IST0106", "schema-errors.yaml:9"),
            ("Warning", "IST0174", "schema-errors.yaml:11"),
            ("Error", "IST0106", "schema-errors.yaml:16"),
        ])
    );
    assert!(
        out.contains("spec.ports[0].port: invalid type: string \"eighty\""),
        "{out}"
    );
    assert!(out.contains("spec.trafficPolicyy: unknown field"), "{out}");
}

#[test]
fn lists_json_bare_pods_directories_and_stdin() {
    let o = analyze(&["list.json"], None);
    let (out, _) = text(&o);
    assert_eq!(findings(&out).len(), 2, "{out}");
    assert!(out.contains("subset \"v9\""), "{out}");

    let o = analyze(&["pod-workload.yaml"], None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("No validation issues found when analyzing 3 object(s)"),
        "{out}"
    );

    let stdin = std::fs::read(fixtures().join("complex-routing.yaml")).unwrap();
    let o = analyze(&["-"], Some(&stdin));
    let (out, _) = text(&o);
    // Nine references not found, and (as istioctl) the gateway's hosts
    // not served there, since it does not exist.
    assert_eq!(findings(&out).len(), 10);
    assert!(out.contains("<stdin>:3"), "{out}");

    // A directory: every fixture, one cluster.
    let o = analyze(&["."], None);
    let (out, _) = text(&o);
    assert!(findings(&out).len() >= 14, "{out}");
}

#[test]
fn json_and_sarif_outputs() {
    let o = analyze(&["complex-routing.yaml", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["objects"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["code"], "IST0101");
    assert_eq!(f["level"], "error");
    assert_eq!(f["file"], "complex-routing.yaml");
    assert_eq!(f["line"], 3);
    assert_eq!(f["kind"], "VirtualService");
    assert_eq!(f["namespace"], "shop");
    assert_eq!(f["name"], "complex-routing");

    let o = analyze(&["complex-routing.yaml", "--format", "sarif"], None);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at its rule");
        assert_eq!(r["level"], "error");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "complex-routing.yaml");
        assert_eq!(loc["region"]["startLine"], 3);
    }
    // A consumer filtering on a 0.1.0 code finds the rule by its old id.
    let mesh7 = rules.iter().find(|r| r["id"] == "MS-MESH-7").unwrap();
    assert_eq!(mesh7["deprecatedIds"], serde_json::json!(["MS-MESH-007"]));
    let ist = rules.iter().find(|r| r["id"] == "IST0101").unwrap();
    assert!(ist.get("deprecatedIds").is_none());
}

#[test]
fn a_suppression_naming_a_renamed_code_still_applies_and_says_what_to_write() {
    let args = ["sidecar-in-ambient.yaml"];
    let (out, _) = text(&analyze(&args, None));
    assert!(out.contains("[IST0167] (Sidecar demo/default"), "{out}");
    // Renamed twice: MS-MESH-009 (0.1.0), MS-MESH-9 (0.2.0), IST0167.
    for (old, note) in [
        (
            "MS-MESH-009=Sidecar/demo/default",
            "deprecated: --suppress names rule MS-MESH-009, renamed MS-MESH-9 in 0.2.0, then IST0167; write IST0167 (the old code stops matching in 0.3.0)",
        ),
        (
            "MS-MESH-9=Sidecar/demo/default",
            "deprecated: --suppress names rule MS-MESH-9, renamed IST0167 after 0.2.0; write IST0167 (the old code stops matching in 0.4.0)",
        ),
    ] {
        let o = analyze(&[args[0], "--suppress", old], None);
        let (out, err) = text(&o);
        assert!(!out.contains("[IST0167]"), "{out}");
        assert!(err.contains(note), "{err}");
    }
}

#[test]
fn list_analyzers_prints_every_code() {
    let o = analyze(&["--list-analyzers"], None);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(out.lines().count(), 84, "{out}");
    assert!(out
        .lines()
        .any(|l| l.starts_with("IST0101") && l.contains("error")));
}

/// Each bad input: exit 1, one `error:` line naming the file (and line), no panic.
fn one_line_error(o: &Output, needle: &str) {
    let (out, err) = text(o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(needle), "{needle}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gets_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();

    std::fs::write(
        p("invalid.yaml"),
        "apiVersion: v1\nkind: Service\n---\nmetadata: {name: [x\n",
    )
    .unwrap();
    one_line_error(
        &analyze(&[&p("invalid.yaml")], None),
        "invalid.yaml:4: invalid YAML",
    );

    std::fs::write(p("scalar.yaml"), "# a comment\njust a string\n").unwrap();
    one_line_error(
        &analyze(&[&p("scalar.yaml")], None),
        "scalar.yaml:2: document 1 is a string, not a Kubernetes object",
    );

    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    std::fs::write(p("bomb.yaml"), bomb).unwrap();
    one_line_error(&analyze(&[&p("bomb.yaml")], None), "bomb.yaml:");

    // Refused from its size alone (a sparse file: nothing is read).
    let big = std::fs::File::create(p("big.yaml")).unwrap();
    big.set_len(100 * 1024 * 1024).unwrap();
    one_line_error(
        &analyze(&[&p("big.yaml")], None),
        "over the 32 MiB input limit",
    );

    let big_stdin = vec![b'#'; 33 * 1024 * 1024];
    one_line_error(
        &analyze(&["-"], Some(&big_stdin)),
        "<stdin>: more than 32 MiB",
    );

    one_line_error(&analyze(&[&p("missing.yaml")], None), "missing.yaml");

    let o = analyze(&["complex-routing.yaml", "--suppress", "IST0101"], None);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: --suppress"), "{err}");

    let o = analyze(&["complex-routing.yaml", "--istio-version", "banana"], None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(err.starts_with("error: --istio-version: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn the_reference_apps_assembly_has_the_same_findings_as_synth() {
    // Synth of the reference apps succeeds with no analyzer finding; their
    // assembly, analyzed from its files, gives none either.
    let o = analyze(&[], None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(
        out.starts_with("\u{2714} No validation issues found when analyzing "),
        "{out}"
    );
    assert!(!err.contains("warning["), "{err}");
}

/// Codes in `--list-analyzers`, with their levels.
fn catalog() -> Vec<(String, String)> {
    let o = analyze(&["--list-analyzers"], None);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let mut w = l.split_whitespace();
            (w.next().unwrap().to_string(), w.next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn every_code_has_a_failing_and_a_passing_yaml_fixture() {
    let dir = fixtures().join("codes");
    for (code, level) in catalog() {
        if code == "MS-MESH-7" {
            // Namespace existence needs a whole cluster: it applies to
            // assemblies and synth only (tests/mesh_analysis.rs covers it).
            continue;
        }
        if code == "MS-CRD-1" {
            // Synth's code for what analyze reports as IST0106 (its
            // fixtures); tests/crd_schema.rs covers it at synth.
            continue;
        }
        let fail = dir.join(format!("{code}.fail.yaml"));
        let pass = dir.join(format!("{code}.pass.yaml"));
        assert!(
            fail.exists() && pass.exists(),
            "{code}: fixtures missing in {}",
            dir.display()
        );

        let o = analyze(&[fail.to_str().unwrap(), "--format", "json"], None);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let hits: Vec<&serde_json::Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code.as_str())
            .collect();
        assert!(!hits.is_empty(), "{code}.fail.yaml: not reported: {v}");
        for h in &hits {
            assert_eq!(
                h["level"],
                level.as_str(),
                "{code}: level differs from the catalog"
            );
            assert!(
                h["line"].as_u64().is_some() && h["kind"].is_string(),
                "{code}: unlocated: {h}"
            );
        }
        let expected_exit = if level == "error" { 1 } else { 0 };
        let others_error = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["level"] == "error");
        if !others_error {
            assert_eq!(
                o.status.code(),
                Some(expected_exit),
                "{code}.fail.yaml exit code"
            );
        }

        let o = analyze(&[pass.to_str().unwrap(), "--format", "json"], None);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_eq!(
            v["findings"],
            serde_json::json!([]),
            "{code}.pass.yaml must be clean"
        );
        assert_eq!(o.status.code(), Some(0), "{code}.pass.yaml exit code");
    }
}

#[test]
fn one_finding_per_problem() {
    // Two badly named ports on one Service are two findings, not one.
    let yaml = b"apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec:\n  selector: {app: s}\n  ports: [{name: web, port: 80}, {name: admin, port: 81}]\n";
    let o = analyze(&["-"], Some(yaml));
    let (out, _) = text(&o);
    assert_eq!(
        findings(&out),
        owned(&[
            ("Warning", "IST0118", "<stdin>:1"),
            ("Warning", "IST0118", "<stdin>:1"),
        ])
    );
    assert!(out.contains("port 80 is named \"web\"") && out.contains("port 81 is named \"admin\""));
}

#[test]
fn a_synthesized_assembly_on_disk_is_analyzed_as_one_with_the_same_findings_as_synth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("mesh.out");
    let synth = Command::new(env!("CARGO_BIN_EXE_meshsynth-apps"))
        .args(["synth", "--output"])
        .arg(&out)
        .output()
        .expect("synth");
    assert!(
        synth.status.success(),
        "{}",
        String::from_utf8_lossy(&synth.stderr)
    );
    // The root, its k8s/ directory, and one cluster directory (Helm values
    // files skipped): no finding, as at synth.
    for path in [out.clone(), out.join("k8s"), out.join("k8s/ecommerce-mesh")] {
        let o = analyze(&[path.to_str().unwrap()], None);
        let (stdout, stderr) = text(&o);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {stdout}{stderr}",
            path.display()
        );
        assert!(findings(&stdout).is_empty(), "{}: {stdout}", path.display());
    }
    let (_, stderr) = text(&analyze(&[out.to_str().unwrap()], None));
    assert!(
        stderr.contains("analyzed as a cloud assembly (6 cluster(s)"),
        "{stderr}"
    );
    let (_, stderr) = text(&analyze(
        &[out.join("k8s/ecommerce-mesh").to_str().unwrap()],
        None,
    ));
    assert!(stderr.contains("Helm values skipped"), "{stderr}");
}

/// One unreadable file of a directory does not hide the others' findings:
/// they are reported, the file is named on an `error:` line, and the run
/// fails at the end (as `kubectl apply -f DIR` does).
#[test]
fn an_unreadable_file_in_a_directory_leaves_the_others_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a-broken.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ClusterIP\n  type: NodePort\n",
    )
    .unwrap();
    std::fs::copy(
        fixtures().join("codes").join("MS-K8S-2.fail.yaml"),
        dir.path().join("b-budgets.yaml"),
    )
    .unwrap();
    let o = analyze(&[dir.path().to_str().unwrap()], None);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("[MS-K8S-2]"), "{out}");
    assert!(
        err.lines().any(|l| l.starts_with("error: ")
            && l.contains("a-broken.yaml:")
            && l.contains("duplicate entry with key \"type\"")
            && l.contains("the rest of this file was not analyzed")),
        "{err}"
    );
    // Alone, the same file is an error of its own, as before.
    let o = analyze(&[dir.path().join("a-broken.yaml").to_str().unwrap()], None);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error: ")).count(),
        1,
        "{err}"
    );
}

/// Field paths read as users write them, not as serde's internals print.
#[test]
fn unknown_fields_are_named_by_their_path() {
    let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  containers: [{name: c, image: example.com/c:1}]\n  volumes:\n  - name: v\n    scaleIO: {gateway: g, system: s, secretRef: {name: x}, protectionDoamin: pd}\n";
    let o = analyze(&["-"], Some(yaml));
    let (out, _) = text(&o);
    assert!(
        out.contains("spec.volumes[0].scaleIO.protectionDoamin: unknown field"),
        "{out}"
    );
}
