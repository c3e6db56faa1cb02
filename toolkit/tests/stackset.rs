//! StackSets against the emulator (moto at `MESHSYNTH_TEST_ENDPOINT`, which
//! implements CreateStackSet, the instance calls and operations, and
//! creates each instance's stack): a fleet deployed to three accounts and
//! two regions with an override, changed (an instance dropped, an override
//! changed), refused when the StackSet is not meshsynth's, and destroyed.
//! Effects are read per account and region (the instances' stacks, and in
//! the default account the SSM parameters they created). Skipped without
//! the endpoint unless the emulator is required (CI).

use crate::emulator;

use emulator::*;
use meshsynth::aws::cfn::include::{CfnInclude, CfnIncludeProps};
use meshsynth::core::{StackSet, StackSetProps, StackSetTarget};
use meshsynth::{App, Context, Env, StackProps};

const ME: &str = "123456789012";
const OTHER: &str = "111111111111";
const THIRD: &str = "222222222222";

fn template(set: &str) -> String {
    format!(
        r#"Parameters:
  Env:
    Type: String
    Default: dev
Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/{set}/${{Env}}/${{AWS::Region}}"
      Type: String
      Value: !Ref Env
"#
    )
}

fn target(accounts: &[&str], regions: &[&str], overrides: &[(&str, &str)]) -> StackSetTarget {
    StackSetTarget {
        accounts: accounts.iter().map(|s| s.to_string()).collect(),
        regions: regions.iter().map(|s| s.to_string()).collect(),
        parameter_overrides: overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

fn assembly(dir: &std::path::Path, set: &str, targets: Vec<StackSetTarget>, tag: &str) -> String {
    let mut app = App::new(Context::new());
    let s = StackSet::new(
        &mut app.root(),
        set,
        StackSetProps {
            stack: StackProps {
                env: Env::region(REGION),
                ..Default::default()
            },
            targets,
            ..Default::default()
        },
    )
    .unwrap();
    {
        let mut scope = app.scope(s.node()).unwrap();
        let file = dir.join(format!("{set}.yaml"));
        std::fs::write(&file, template(set)).unwrap();
        CfnInclude::from_file(&mut scope, "Fleet", &file, CfnIncludeProps::default()).unwrap();
    }
    let synth = meshsynth::synth::synth(app, &Default::default()).unwrap();
    let out = dir.join(format!("{set}-{tag}.out"));
    meshsynth::assembly::write_atomically(&out, &synth.assembly.all_files()).unwrap();
    out.to_str().unwrap().to_string()
}

/// The StackSet as the emulator holds it: its instances (account, region,
/// status, overrides, the instance stack's ARN) and the SSM parameters of
/// the default account per region.
fn effects(ep: &str, set: &str) -> serde_json::Value {
    let script = r#"
import sys, json, boto3
ep, name = sys.argv[1:3]
kw = dict(endpoint_url=ep, aws_access_key_id="testing", aws_secret_access_key="testing")
cfn = boto3.client("cloudformation", region_name="us-east-1", **kw)
out = {"exists": True, "instances": [], "parameters": {}}
try:
    cfn.describe_stack_set(StackSetName=name)
except cfn.exceptions.StackSetNotFoundException:
    out["exists"] = False
if out["exists"]:
    for i in cfn.list_stack_instances(StackSetName=name)["Summaries"]:
        d = cfn.describe_stack_instance(StackSetName=name, StackInstanceAccount=i["Account"], StackInstanceRegion=i["Region"])["StackInstance"]
        out["instances"].append({
            "account": i["Account"], "region": i["Region"], "status": i["Status"],
            "overrides": {p["ParameterKey"]: p["ParameterValue"] for p in d.get("ParameterOverrides", [])},
            "stack": i.get("StackId", ""),
        })
for region in ("us-east-1", "eu-west-1"):
    ssm = boto3.client("ssm", region_name=region, **kw)
    params = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/" + name + "/"]}])["Parameters"]
    out["parameters"][region] = sorted(p["Name"] for p in params)
out["instances"].sort(key=lambda i: (i["account"], i["region"]))
print(json.dumps(out))
"#;
    let out = crate::emulator::python(&["-c", script, ep, set]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn instances(e: &serde_json::Value) -> Vec<(String, String, String, String)> {
    e["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["account"].as_str().unwrap().to_string(),
                i["region"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
                i["overrides"]["Env"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn row(a: &str, r: &str, s: &str, env: &str) -> (String, String, String, String) {
    (a.into(), r.into(), s.into(), env.into())
}

#[test]
fn a_fleet_rolls_out_changes_and_goes() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let set = unique("fleet");
    let v1 = assembly(
        t.path(),
        &set,
        vec![
            target(&[ME, OTHER], &["us-east-1", "eu-west-1"], &[]),
            target(&[THIRD], &["eu-west-1"], &[("Env", "qa")]),
        ],
        "v1",
    );
    let manifest = std::fs::read_to_string(format!("{v1}/manifest.json")).unwrap();
    assert!(
        manifest.contains("\"permissionModel\": \"SELF_MANAGED\""),
        "{manifest}"
    );

    let (code, out, err) = meshsynth(&ep, t.path(), &["deploy", "--assembly", &v1]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("(StackSet): created; instances: 5 created, 0 updated, 0 deleted"),
        "{err}"
    );
    // Progress per account and region.
    assert!(
        err.contains(&format!("    {THIRD} eu-west-1: SUCCEEDED")),
        "{err}"
    );
    let e = effects(&ep, &set);
    assert_eq!(
        instances(&e),
        vec![
            row(OTHER, "eu-west-1", "CURRENT", "-"),
            row(OTHER, "us-east-1", "CURRENT", "-"),
            row(ME, "eu-west-1", "CURRENT", "-"),
            row(ME, "us-east-1", "CURRENT", "-"),
            row(THIRD, "eu-west-1", "CURRENT", "qa"),
        ],
        "{e}"
    );
    // Each instance's stack is in its own account and region.
    for i in e["instances"].as_array().unwrap() {
        let arn = i["stack"].as_str().unwrap();
        let (a, r) = (
            i["account"].as_str().unwrap(),
            i["region"].as_str().unwrap(),
        );
        assert!(
            arn.starts_with(&format!("arn:aws:cloudformation:{r}:{a}:stack/")),
            "{arn}"
        );
    }
    // The default account's instances created their parameters, per region.
    assert_eq!(
        e["parameters"]["us-east-1"],
        serde_json::json!([format!("/{set}/dev/us-east-1")])
    );
    assert_eq!(
        e["parameters"]["eu-west-1"],
        serde_json::json!([format!("/{set}/dev/eu-west-1")])
    );

    // Unchanged: nothing to do.
    let (code, _, err) = meshsynth(&ep, t.path(), &["deploy", "--assembly", &v1]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("template unchanged; instances: 0 created, 0 updated, 0 deleted"),
        "{err}"
    );

    // v2: OTHER leaves eu-west-1, THIRD's override changes.
    let v2 = assembly(
        t.path(),
        &set,
        vec![
            target(&[ME], &["us-east-1", "eu-west-1"], &[]),
            target(&[OTHER], &["us-east-1"], &[]),
            target(&[THIRD], &["eu-west-1"], &[("Env", "stage")]),
        ],
        "v2",
    );
    // The plan names each instance group's change.
    let (code, plan, err) = meshsynth(
        &ep,
        t.path(),
        &["diff", "--assembly", &v2, "--against", &v1],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        plan.contains(&format!("stackSet.instances[{OTHER} eu-west-1]: removed")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("stackSet.instances[{THIRD} eu-west-1]")),
        "{plan}"
    );
    assert!(plan.contains("\"stage\""), "{plan}");
    // Deleting an instance needs a confirmation nobody can give here.
    let (code, _, err) = meshsynth(&ep, t.path(), &["deploy", "--assembly", &v2]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("pass --force to delete without confirmation"),
        "{err}"
    );
    let (code, out, err) = meshsynth(&ep, t.path(), &["deploy", "--assembly", &v2, "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("instances: 0 created, 1 updated, 1 deleted"),
        "{err}"
    );
    let e = effects(&ep, &set);
    assert_eq!(
        instances(&e),
        vec![
            row(OTHER, "us-east-1", "CURRENT", "-"),
            row(ME, "eu-west-1", "CURRENT", "-"),
            row(ME, "us-east-1", "CURRENT", "-"),
            row(THIRD, "eu-west-1", "CURRENT", "stage"),
        ],
        "{e}"
    );

    let (code, _, err) = meshsynth(&ep, t.path(), &["destroy", "--assembly", &v2, "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(StackSet): deleted"), "{err}");
    let e = effects(&ep, &set);
    assert_eq!(e["exists"], false, "{e}");
    emu.assert_clean();
}

#[test]
fn a_stack_set_meshsynth_did_not_create_is_refused() {
    let Some(emu) = emulator() else { return };
    let ep = emu.endpoint.clone();
    let t = tempfile::tempdir().unwrap();
    let set = unique("foreign-fleet");
    let script = r#"
import sys, boto3
ep, name, body = sys.argv[1:4]
boto3.client("cloudformation", endpoint_url=ep, region_name="us-east-1", aws_access_key_id="testing",
             aws_secret_access_key="testing").create_stack_set(StackSetName=name, TemplateBody=body)
"#;
    let out = crate::emulator::python(&["-c", script, &ep, &set, &template(&set)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = assembly(
        t.path(),
        &set,
        vec![target(&[ME], &["us-east-1"], &[])],
        "v1",
    );
    let (code, _, err) = meshsynth(&ep, t.path(), &["deploy", "--assembly", &dir, "--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("is a StackSet in us-east-1 that meshsynth did not create"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    let e = effects(&ep, &set);
    assert!(instances(&e).is_empty(), "{e}");
    emu.assert_clean();
}
