use super::*;

fn manifest(stacks: Json, clusters: Json) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "version": "1", "stacks": stacks, "clusters": clusters
    }))
    .unwrap()
}

fn stack(name: &str, template: &str) -> Json {
    serde_json::json!({
        "name": name, "path": name,
        "environment": {"account": null, "region": null},
        "template": template, "templateSize": 0, "dependencies": [],
        "parameters": {}, "outputs": {}, "terminationProtection": false,
        "resourceCount": 0, "escapeHatches": []
    })
}

fn cluster(files: &[&str]) -> Json {
    let files: Vec<Json> = files
        .iter()
        .map(|f| serde_json::json!({"file": f, "chart": "c", "objects": 1}))
        .collect();
    serde_json::json!([{
        "name": "main", "directory": "k8s/main",
        "kustomization": "k8s/main/kustomization.yaml", "files": files,
        "deferredInputs": [], "installInputs": [], "escapeHatches": []
    }])
}

/// The kustomization synth writes for each cluster `files` lists in its
/// manifest, unless `files` has one already.
fn with_kustomizations(mut files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let manifest = files
        .iter()
        .find(|(k, _)| k == "manifest.json")
        .and_then(|(_, m)| serde_json::from_slice::<Manifest>(m).ok());
    for c in manifest.map(|m| m.clusters).unwrap_or_default() {
        if !files.iter().any(|(k, _)| *k == c.kustomization) {
            let bytes = crate::assembly::rules::kustomization_for(&c).into_bytes();
            files.push((c.kustomization.clone(), bytes));
        }
    }
    files
}

fn parse(files: Vec<(&str, Vec<u8>)>) -> Result<LoadedAssembly, LoadError> {
    let files: Vec<(String, Vec<u8>)> =
        files.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    parse_assembly_files(&with_kustomizations(files), &LoadLimits::default())
}

#[test]
fn loads_json_and_short_form_yaml_templates() {
    let a = parse(vec![
        (
            "manifest.json",
            manifest(
                serde_json::json!([stack("a", "a.template.json"), stack("b", "b.template.yaml")]),
                serde_json::json!([]),
            ),
        ),
        (
            "a.template.json",
            br#"{"Resources": {"X": {"Type": "AWS::SNS::Topic"}}}"#.to_vec(),
        ),
        (
            "b.template.yaml",
            b"Resources:\n  Y:\n    Type: AWS::SNS::Topic\n    Properties:\n      A: !Ref X\n      B: !GetAtt X.Arn\n      C: !Sub '${X}'\n"
                .to_vec(),
        ),
    ])
    .unwrap();
    let y = &a.templates["b"]["Resources"]["Y"]["Properties"];
    assert_eq!(y["A"], serde_json::json!({"Ref": "X"}));
    assert_eq!(y["B"], serde_json::json!({"Fn::GetAtt": ["X", "Arn"]}));
    assert_eq!(y["C"], serde_json::json!({"Fn::Sub": "${X}"}));
}

#[test]
fn rejects_escaping_paths() {
    for bad in [
        "../x.json",
        "/etc/passwd",
        "a/../../x",
        "C:\\x",
        "a\\b",
        "",
        "./a",
    ] {
        let err = parse(vec![(
            "manifest.json",
            manifest(serde_json::json!([stack("a", bad)]), serde_json::json!([])),
        )])
        .unwrap_err();
        assert!(matches!(err, LoadError::Manifest { .. }), "{bad:?}: {err}");
        assert!(
            err.to_string().contains("the only names synth writes"),
            "{err}"
        );
        assert_eq!(err.path(), "manifest.json");
        let err = parse(vec![(
            "manifest.json",
            manifest(serde_json::json!([]), cluster(&[bad])),
        )])
        .unwrap_err();
        assert!(matches!(err, LoadError::Manifest { .. }), "{bad:?}: {err}");
        assert_eq!(err.path(), "manifest.json");
    }
}

#[test]
fn a_kustomization_other_than_synths_is_refused() {
    let doc = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n".to_vec();
    let remote = b"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- a.yaml\n- https://github.com/evil/base\nimages:\n- name: app\n  newName: evil/app\n".to_vec();
    let err = parse(vec![
        (
            "manifest.json",
            manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
        ),
        ("k8s/main/a.yaml", doc.clone()),
        ("k8s/main/kustomization.yaml", remote),
    ])
    .unwrap_err();
    assert_eq!(err.path(), "k8s/main/kustomization.yaml");
    assert!(
        err.to_string()
            .contains("not the kustomization synth writes"),
        "{err}"
    );
    parse(vec![
        (
            "manifest.json",
            manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
        ),
        ("k8s/main/a.yaml", doc),
    ])
    .unwrap();
}

#[test]
fn rejects_other_versions_and_bad_manifests() {
    let err = parse(vec![(
        "manifest.json",
        br#"{"version": "2", "stacks": []}"#.to_vec(),
    )])
    .unwrap_err();
    assert!(err.to_string().contains("schema version \"2\""), "{err}");
    let err = parse(vec![("manifest.json", b"{not json".to_vec())]).unwrap_err();
    assert!(matches!(err, LoadError::Manifest { .. }));
    let err = parse(vec![]).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }));
}

#[test]
fn rejects_duplicate_objects_and_bad_documents() {
    let doc = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n";
    let mut two = doc.to_vec();
    two.extend_from_slice(b"---\n");
    two.extend_from_slice(doc);
    let err = parse(vec![
        (
            "manifest.json",
            manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
        ),
        ("k8s/main/a.yaml", two),
    ])
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("duplicate Kubernetes object Service shop/web"),
        "{err}"
    );
    let err = parse(vec![
        (
            "manifest.json",
            manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
        ),
        (
            "k8s/main/a.yaml",
            b"kind: Service\nmetadata: {name: x}\n".to_vec(),
        ),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("apiVersion"), "{err}");
}

#[test]
fn bounds_file_sizes() {
    let files = vec![
        (
            "manifest.json".to_string(),
            manifest(
                serde_json::json!([stack("a", "a.template.json")]),
                serde_json::json!([]),
            ),
        ),
        ("a.template.json".to_string(), vec![b' '; 2000]),
    ];
    let limits = LoadLimits {
        max_file_bytes: 1000,
        max_total_bytes: 10_000,
    };
    let err = parse_assembly_files(&files, &limits).unwrap_err();
    assert_eq!(
        err,
        LoadError::TooLarge {
            path: "a.template.json".into(),
            limit: 1000
        }
    );
}

#[test]
fn rejects_invalid_templates() {
    for (body, want) in [
        (&b"{\"Resources\": ["[..], "not valid JSON"),
        (b"a: [\n", "not valid YAML"),
        (b"[1]", "must be an object"),
        (b"{\"Resources\": {\"X\": {}}}", "Type must be a string"),
    ] {
        let err = parse(vec![
            (
                "manifest.json",
                manifest(
                    serde_json::json!([stack("a", "a.template.yaml")]),
                    serde_json::json!([]),
                ),
            ),
            ("a.template.yaml", body.to_vec()),
        ])
        .unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
        assert_eq!(err.path(), "a.template.yaml");
    }
}

fn write_dir(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = with_kustomizations(
        files
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    );
    for (rel, bytes) in &files {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
    dir
}

fn cm(name: &str, value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: {value}\n")
}

#[test]
fn documents_split_at_marker_lines_only() {
    let docs = split_documents(b"---\na: 1\n---\nb: |\n  ---x\n").unwrap();
    assert_eq!(docs, vec![&b""[..], b"a: 1\n", b"b: |\n  ---x\n"]);
    assert!(split_documents(b"%YAML 1.2\n---\na: 1\n").is_none());
    assert!(split_documents(b"--- !x\na: 1\n").is_none());
    assert!(split_documents(b"a: 1\n...\n").is_none());
}

#[test]
fn a_pair_leaves_out_only_documents_both_sides_share_in_the_same_file() {
    let side = |docs: &[String], other: &str| {
        let stream: String = docs.iter().map(|d| format!("---\n{d}")).collect();
        write_dir(&[
            (
                "manifest.json",
                manifest(
                    serde_json::json!([]),
                    cluster(&["k8s/main/a.yaml", "k8s/main/b.yaml"]),
                ),
            ),
            ("k8s/main/a.yaml", stream.into_bytes()),
            ("k8s/main/b.yaml", other.as_bytes().to_vec()),
        ])
    };
    // A marker line with a comment: that file is not split, only parsed.
    let whole = format!("--- # one document\n{}", cm("whole", "1"));
    let new = side(
        &[cm("same", "1"), cm("changed", "2"), cm("new-only", "1")],
        &whole,
    );
    let old = side(
        &[cm("same", "1"), cm("changed", "1"), cm("old-only", "1")],
        &whole,
    );
    let (after, before) = load_assembly_pair(new.path(), old.path()).unwrap();
    let names = |a: &LoadedAssembly| -> Vec<String> {
        a.clusters["main"]
            .iter()
            .map(|o| o.key.name.clone())
            .collect()
    };
    assert_eq!(names(&after), ["changed", "new-only", "whole"]);
    assert_eq!(names(&before), ["changed", "old-only", "whole"]);
    assert_eq!(after.clusters["main"][0].body["data"]["v"], 2);
}

#[test]
fn a_pair_side_that_fails_reports_what_the_plain_loader_reports() {
    let files = |bad: &str| {
        vec![
            (
                "manifest.json",
                manifest(serde_json::json!([]), cluster(&["k8s/main/a.yaml"])),
            ),
            (
                "k8s/main/a.yaml",
                format!("---\n{}---\n{bad}", cm("same", "1")).into_bytes(),
            ),
        ]
    };
    let new = write_dir(&files("apiVersion: v1\nkind: [\n"));
    let old = write_dir(&files(&cm("other", "1")));
    let plain = load_assembly(new.path()).unwrap_err();
    let paired = load_assembly_pair(new.path(), old.path()).unwrap_err();
    assert_eq!(paired, plain);
}

#[test]
fn a_file_outside_its_clusters_directory_is_refused() {
    let mut clusters = cluster(&["k8s/shared.yaml"]);
    let mut second = clusters[0].clone();
    second["name"] = "other".into();
    clusters.as_array_mut().unwrap().push(second);
    let err = parse(vec![(
        "manifest.json",
        manifest(serde_json::json!([]), clusters),
    )])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("is not a .yaml file directly in k8s/main"),
        "{err}"
    );
}
