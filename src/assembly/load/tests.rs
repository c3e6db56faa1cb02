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
    // Without a final newline, with CRLF, empty, and a marker last.
    assert_eq!(
        split_documents(b"a: 1\r\n---\r\nb: 2").unwrap(),
        vec![&b"a: 1\r\n"[..], b"b: 2"]
    );
    assert_eq!(split_documents(b"").unwrap(), vec![&b""[..]]);
    assert_eq!(
        split_documents(b"a: 1\n---").unwrap(),
        vec![&b"a: 1\n"[..], b""]
    );
    assert_eq!(split_documents(b"\n-x\n").unwrap(), vec![&b"\n-x\n"[..]]);
}

/// The line-by-line splitter `split_documents` replaced, as the reference.
fn split_by_lines(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let (mut docs, mut start, mut line_start) = (Vec::new(), 0, 0);
    while line_start < bytes.len() {
        let end = bytes[line_start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(bytes.len(), |i| line_start + i + 1);
        let line = &bytes[line_start..end];
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if bare == b"---" {
            docs.push(&bytes[start..line_start]);
            start = end;
        } else if bare.starts_with(b"---") || bare.starts_with(b"...") || bare.starts_with(b"%") {
            return None;
        }
        line_start = end;
    }
    docs.push(&bytes[start..]);
    Some(docs)
}

#[test]
fn documents_split_as_a_line_by_line_reading_splits_them() {
    const PIECES: &[&str] = &[
        "---", "\n", "\r\n", "-x", "- a", "...", "..", "%Y", "a: 1", " ---", "--- !t", ".", "-",
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..5000 {
        let mut text = String::new();
        for _ in 0..(x % 12) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        assert_eq!(
            split_documents(text.as_bytes()),
            split_by_lines(text.as_bytes()),
            "{text:?}"
        );
    }
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
fn a_pair_parses_a_template_both_sides_share_once() {
    let t = |v: &str| {
        format!(r#"{{"Resources": {{"Q": {{"Type": "AWS::SQS::Queue", "Properties": {{"QueueName": "{v}"}}}}}}}}"#)
            .into_bytes()
    };
    let side = |changed: &str| {
        write_dir(&[
            (
                "manifest.json",
                manifest(
                    serde_json::json!([
                        stack("same", "same.template.json"),
                        stack("changed", "changed.template.json")
                    ]),
                    serde_json::json!([]),
                ),
            ),
            ("same.template.json", t("same")),
            ("changed.template.json", t(changed)),
        ])
    };
    let (new, old) = (side("two"), side("one"));
    let (after, before, shared) = load_pair_shared(new.path(), old.path()).unwrap();
    assert_eq!(shared.names().collect::<Vec<_>>(), ["same"]);
    // Placeholders on both sides; the tree is parsed on first use.
    assert_eq!(before.templates["same"], Json::Null);
    assert_eq!(after.templates["same"], Json::Null);
    assert_eq!(
        shared.get("same").unwrap()["Resources"]["Q"]["Properties"]["QueueName"],
        "same"
    );
    assert_eq!(
        before.templates["changed"]["Resources"]["Q"]["Properties"]["QueueName"],
        "one"
    );
    assert_eq!(
        after.templates["changed"]["Resources"]["Q"]["Properties"]["QueueName"],
        "two"
    );
    // The public pair load fills it in: both sides as the plain loader reads them.
    let (after, before) = load_assembly_pair(new.path(), old.path()).unwrap();
    assert_eq!(
        after.templates,
        load_assembly(new.path()).unwrap().templates
    );
    assert_eq!(
        before.templates,
        load_assembly(old.path()).unwrap().templates
    );
}

/// `paired` is the plan two plain loads of `old` and `new` give.
fn assert_plans_as_plain_loads(paired: &crate::diff::Plan, old: &Path, new: &Path) {
    let plain = crate::diff::plan(
        &crate::diff::Snapshot::from_assembly("old".into(), load_assembly(old).unwrap()),
        &load_assembly(new).unwrap(),
        &crate::diff::StackFilter::default(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(paired).unwrap(),
        serde_json::to_value(&plain).unwrap()
    );
}

#[test]
fn diff_reads_a_shared_template_when_a_change_points_at_it() {
    // `app` is the same on both sides and imports what `net` stops
    // exporting: the warning needs app's template, which was not parsed.
    let net = |export: bool| {
        if export {
            r#"{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}}}, "Outputs": {"V": {"Value": {"Ref": "Vpc"}, "Export": {"Name": "net:Vpc"}}}}"#
        } else {
            r#"{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}}}}"#
        }
    };
    let app = r#"{"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"VpcId": {"Fn::ImportValue": "net:Vpc"}}}}}"#;
    let side = |export: bool| {
        write_dir(&[
            (
                "manifest.json",
                manifest(
                    serde_json::json!([
                        stack("net", "net.template.json"),
                        stack("app", "app.template.json")
                    ]),
                    serde_json::json!([]),
                ),
            ),
            ("net.template.json", net(export).as_bytes().to_vec()),
            ("app.template.json", app.as_bytes().to_vec()),
        ])
    };
    let (new, old) = (side(false), side(true));
    let (after, before, shared) = load_pair_shared(new.path(), old.path()).unwrap();
    assert_eq!(shared.names().collect::<Vec<_>>(), ["app"]);
    let before = crate::diff::Snapshot::from_assembly("old".into(), before);
    let filter = crate::diff::StackFilter::default();
    let paired = crate::diff::plan_shared(&before, &shared, &after, &filter).unwrap();
    assert!(
        paired
            .notes
            .iter()
            .any(|n| n.contains("stack net stops exporting net:Vpc, which app imports")),
        "{:?}",
        paired.notes
    );
    // The same plan as from two plain loads.
    assert_plans_as_plain_loads(&paired, old.path(), new.path());
}

#[test]
fn diff_reads_only_the_shared_templates_that_may_import_a_changed_export() {
    // `net` replaces its VPC, whose id it exports. `app` imports it and
    // `web` does not: `web`'s bytes do not hold the name, so only `app`
    // is parsed, and the plan is the one two plain loads give.
    let net = |cidr: &str| {
        format!(
            r#"{{"Resources": {{"Vpc": {{"Type": "AWS::EC2::VPC", "Properties": {{"CidrBlock": "{cidr}"}}}}}}, "Outputs": {{"V": {{"Value": {{"Ref": "Vpc"}}, "Export": {{"Name": "net:Vpc"}}}}}}}}"#
        )
    };
    let app = r#"{"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "a", "VpcId": {"Fn::ImportValue": "net:Vpc"}}}}}"#;
    let web = r#"{"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}}"#;
    let side = |cidr: &str| {
        write_dir(&[
            (
                "manifest.json",
                manifest(
                    serde_json::json!([
                        stack("net", "net.template.json"),
                        stack("app", "app.template.json"),
                        stack("web", "web.template.json")
                    ]),
                    serde_json::json!([]),
                ),
            ),
            ("net.template.json", net(cidr).into_bytes()),
            ("app.template.json", app.as_bytes().to_vec()),
            ("web.template.json", web.as_bytes().to_vec()),
        ])
    };
    let (new, old) = (side("10.1.0.0/16"), side("10.0.0.0/16"));
    let (after, before, shared) = load_pair_shared(new.path(), old.path()).unwrap();
    assert!(shared.may_mention("app", "net:Vpc"));
    assert!(!shared.may_mention("web", "net:Vpc"));
    let before = crate::diff::Snapshot::from_assembly("old".into(), before);
    let filter = crate::diff::StackFilter::default();
    let paired = crate::diff::plan_shared(&before, &shared, &after, &filter).unwrap();
    assert!(
        paired.notes.iter().any(|n| n.starts_with(
            "export in use: stack net's export net:Vpc takes a new value (Vpc is replaced), and app imports it"
        )),
        "{:?}",
        paired.notes
    );
    assert_plans_as_plain_loads(&paired, old.path(), new.path());
}

#[test]
fn a_shared_template_that_is_invalid_is_refused_as_the_plain_loader_refuses_it() {
    let side = || {
        write_dir(&[
            (
                "manifest.json",
                manifest(
                    serde_json::json!([stack("same", "same.template.json")]),
                    serde_json::json!([]),
                ),
            ),
            ("same.template.json", br#"{"Resources": []}"#.to_vec()),
        ])
    };
    let (new, old) = (side(), side());
    let plain = load_assembly(new.path()).unwrap_err();
    assert_eq!(
        load_assembly_pair(new.path(), old.path()).unwrap_err(),
        plain
    );
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
