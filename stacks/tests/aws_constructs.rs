//! The `aws-all` test app: every AWS construct synthesized with its defaults.
//! Each assembly file is a reviewed snapshot under `snapshots/aws/`, and the
//! assembly is written to `target/conformance/aws/` for the project's
//! conformance step (cfn-lint with warnings fatal, checkov, the Kubernetes
//! schema validator).

use std::collections::BTreeSet;
use std::path::Path;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};

const DIR: &str = "snapshots/aws";

fn snapshot_name(file: &str) -> String {
    file.replace('/', "__")
}

#[test]
fn aws_all_matches_snapshots_and_is_written_for_conformance() {
    let mut app = App::new(Context::new());
    meshsynth_stacks::testapps::aws_all::build(&mut app).expect("aws-all builds");
    let out = synth(app, &SynthOptions::default()).expect("aws-all synthesizes");
    assert!(
        out.diagnostics.is_empty(),
        "aws-all must synthesize without diagnostics: {:#?}",
        out.diagnostics
    );
    let files = out.assembly.all_files();
    let target =
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("target/conformance/aws");
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).expect("conformance dir");
    }
    meshsynth::assembly::write_atomically(&target, &files).expect("assembly written");

    let mut names = BTreeSet::new();
    for (file, bytes) in files {
        let text = String::from_utf8(bytes).expect("assembly files are UTF-8");
        let name = snapshot_name(&file);
        insta::with_settings!({
            snapshot_path => format!("../../{DIR}"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => file.clone(),
        }, {
            insta::assert_snapshot!(name.clone(), text);
        });
        names.insert(name);
    }
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(DIR);
    let stale: Vec<String> = std::fs::read_dir(&root)
        .expect("snapshot dir exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|f| f.ends_with(".snap"))
        .filter(|f| !names.contains(f.trim_end_matches(".snap")))
        .collect();
    assert!(
        stale.is_empty(),
        "unreferenced snapshots in {DIR}: {stale:?}"
    );
}

fn synth_files() -> Vec<(String, Vec<u8>)> {
    let mut app = App::new(Context::new());
    meshsynth_stacks::testapps::aws_all::build(&mut app).expect("aws-all builds");
    synth(app, &SynthOptions::default())
        .expect("aws-all synthesizes")
        .assembly
        .all_files()
}

#[test]
fn aws_all_is_deterministic() {
    assert_eq!(synth_files(), synth_files());
}

#[test]
fn irsa_role_and_service_account_agree() {
    let files = synth_files();
    let text = |name: &str| {
        let (_, bytes) = files
            .iter()
            .find(|(f, _)| f == name)
            .unwrap_or_else(|| panic!("{name} is in the assembly"));
        String::from_utf8(bytes.clone()).expect("UTF-8")
    };
    let template: serde_json::Value =
        serde_json::from_str(&text("aws-all-eks.template.json")).expect("JSON template");
    let manifests = text("k8s/aws-all/aws-all-eks-workloads.yaml");
    let roles: Vec<&serde_json::Value> = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .filter(|r| {
            r["Type"] == "AWS::IAM::Role"
                && r["Properties"]["AssumeRolePolicyDocument"]["Fn::Sub"].is_array()
                // The VPC CNI's role serves the add-on's own ServiceAccount.
                && r["Properties"]["RoleName"].is_string()
        })
        .collect();
    assert_eq!(roles.len(), 2, "two IRSA roles");
    for role in roles {
        let name = role["Properties"]["RoleName"].as_str().expect("role name");
        let arn = format!("arn:aws:iam::123456789012:role/{name}");
        assert!(
            manifests.contains(&format!("eks.amazonaws.com/role-arn: {arn}")),
            "no ServiceAccount annotated with {arn}"
        );
        let sub = &role["Properties"]["AssumeRolePolicyDocument"]["Fn::Sub"];
        let policy: serde_json::Value =
            serde_json::from_str(sub[0].as_str().expect("Sub text")).expect("JSON policy text");
        let cond = &policy["Statement"][0]["Condition"]["StringEquals"];
        let subject = cond["${Var2}:sub"].as_str().expect("sub condition");
        let (ns, sa) = subject
            .strip_prefix("system:serviceaccount:")
            .and_then(|r| r.split_once(':'))
            .expect("pinned subject");
        assert!(
            name.ends_with(&format!("-{ns}-{sa}")),
            "{name} vs {subject}"
        );
        assert_eq!(cond["${Var2}:aud"], "sts.amazonaws.com");
        assert!(manifests.contains(&format!("name: {sa}\n  namespace: {ns}")));
    }
}
