//! docs/day-two.md, run command by command (its ```` ```sh day-two* ````
//! blocks, `support/page.rs`) on the starter platform against the emulator
//! and the project's fake calls beside it (`scripts/lib/moto_fake.py`:
//! drift, stack refactor, continue-rollback): deploy, drift after a
//! console change, a rename kept without replacement, a stuck stack
//! recovered, a StackSet rolled out, and an orphan. Between sections the
//! test does what the page says someone else did (`support/day_two.py`),
//! and after each it reads the effects from the emulator, not only what
//! the commands printed. Skipped without the emulator, unless it is
//! required (CI).

use std::path::Path;

use crate::emulator;
use crate::page;

/// `support/day_two.py ACTION ENDPOINT ARGS...`, its JSON answer.
pub(crate) fn around(action: &str, endpoint: &str, args: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/day_two.py");
    let mut argv = vec![script.to_str().unwrap(), action, endpoint];
    argv.extend_from_slice(args);
    let out = emulator::python(&argv);
    assert!(
        out.status.success(),
        "day_two.py {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("day_two.py prints JSON")
}

/// The stack's resources as (logical id, physical id), read from the emulator.
fn resources(endpoint: &str, stack: &str) -> Vec<(String, String)> {
    let e = emulator::effects(endpoint, "eu-west-1", &[stack]);
    let mut out: Vec<(String, String)> = e[stack]["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{e}"))
        .iter()
        .map(|r| {
            (
                r["logical"].as_str().unwrap_or_default().to_string(),
                r["physical"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn said<'a>(t: &'a page::Transcript, needle: &str) -> (&'a str, &'a str) {
    t.iter()
        .find(|(cmd, _, _)| cmd.contains(needle))
        .map(|(_, out, err)| (out.as_str(), err.as_str()))
        .unwrap_or_else(|| panic!("no command with {needle}"))
}

#[test]
fn the_day_two_page_runs_as_written() {
    let _scaffold = crate::locks::scaffold();
    let Some(emu) = emulator::emulator() else {
        return;
    };
    let ep = emu.endpoint.clone();
    let text = std::fs::read_to_string(page::workspace().join("docs/day-two.md")).unwrap();
    // Each section runs on from the last: in the crate, with the first
    // section's credentials exported.
    let exports: Vec<String> = page::commands(&text, "day-two")
        .into_iter()
        .filter(|c| c.starts_with("export "))
        .collect();
    let section = |tag: &str| {
        let cmds = page::commands(&text, tag);
        assert!(!cmds.is_empty(), "the page lost its {tag} commands");
        if tag == "day-two" {
            return cmds;
        }
        exports.iter().cloned().chain(cmds).collect::<Vec<_>>()
    };
    // The fleet example the page shows is the file it copies.
    let fleet =
        std::fs::read_to_string(page::workspace().join("docs/examples/day-two/fleet.rs")).unwrap();
    assert!(
        text.contains(fleet.trim()),
        "docs/day-two.md no longer shows docs/examples/day-two/fleet.rs as it is"
    );
    let t = tempfile::tempdir().unwrap();

    // The starter platform, deployed.
    let (cwd, _) = page::run(&section("day-two"), t.path(), &ep);
    let before = resources(&ep, "shop-services");
    assert_eq!(before.len(), 1, "{before:?}");
    let (old_id, group) = before[0].clone();

    // Someone opens SSH in the console; drift shows exactly that.
    around("open-ssh", &ep, &["shop-services"]);
    let (_, drift) = page::run(&section("day-two-drift"), &cwd, &ep);
    let (out, err) = said(&drift, "drift --endpoint-url");
    assert!(
        out.contains(&format!(
            "~ AWS::EC2::SecurityGroup {old_id} ({group}): modified outside CloudFormation"
        )),
        "{out}\n{err}"
    );
    assert!(
        out.contains(r#"/SecurityGroupIngress/0: added {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}"#),
        "{out}"
    );
    assert!(out.contains("= shop-network (eu-west-1): in sync"), "{out}");
    let table = std::fs::read_to_string(cwd.join("drift.md")).unwrap();
    assert!(
        table.contains("| shop-services | `AppSecurityGroup"),
        "{table}"
    );

    // The construct renamed: a move, done by a stack refactor; the same
    // security group, under its new id.
    let (_, rename) = page::run(&section("day-two-rename"), &cwd, &ep);
    let (plan, _) = said(&rename, "diff --against deployed");
    assert!(plan.contains("Resources: 1 to move"), "{plan}");
    assert!(
        plan.contains(&format!("(renamed from {old_id}, moved in place)")),
        "{plan}"
    );
    let (_, err) = said(&rename, "meshsynth deploy");
    assert!(err.contains("resources moved"), "{err}");
    assert!(
        err.contains("shop-services (eu-west-1): no changes"),
        "{err}"
    );
    let after = resources(&ep, "shop-services");
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(after[0].0.starts_with("PodSecurityGroup"), "{after:?}");
    assert_eq!(after[0].1, group, "the security group was replaced");
    let new_id = after[0].0.clone();

    // An update failed and so did its rollback; the page recovers it.
    let stuck = around("strand", &ep, &["shop-services", &new_id]);
    assert_eq!(stuck["status"], "UPDATE_ROLLBACK_FAILED");
    let (_, recovery) = page::run(&section("day-two-stuck"), &cwd, &ep);
    let (_, err) = said(&recovery, "# exits 1");
    assert!(
        err.contains(&format!(
            "is in UPDATE_ROLLBACK_FAILED: failed to roll back: {new_id}; fix their cause, then deploy again with --continue-rollback"
        )),
        "{err}"
    );
    let (_, err) = said(&recovery, "--continue-rollback");
    assert!(err.contains("Resource skipped during rollback"), "{err}");
    let e = emulator::effects(&ep, "eu-west-1", &["shop-services"]);
    assert_eq!(
        e["shop-services"]["status"], "UPDATE_ROLLBACK_COMPLETE",
        "{e}"
    );
    assert_eq!(resources(&ep, "shop-services"), after);

    // The baseline StackSet: an instance per account and region, the
    // override where the page put it.
    let (_, rollout) = page::run(&section("day-two-fleet"), &cwd, &ep);
    let (_, err) = said(&rollout, "deploy mesh-baseline");
    assert!(
        err.contains("(StackSet): created; instances: 5 created, 0 updated, 0 deleted"),
        "{err}"
    );
    let set = around("stack-set", &ep, &["mesh-baseline", "/mesh/baseline/tier"]);
    let instances: Vec<String> = set["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{} {} {}", i["account"], i["region"], i["status"]))
        .collect();
    assert_eq!(
        instances,
        [
            r#""123456789012" "eu-west-1" "CURRENT""#,
            r#""123456789012" "us-east-1" "CURRENT""#,
            r#""222222222222" "eu-west-1" "CURRENT""#,
            r#""222222222222" "us-east-1" "CURRENT""#,
            r#""333333333333" "eu-west-1" "CURRENT""#,
        ],
        "{set}"
    );
    // The default account's instances wrote the parameter with the
    // StackSet's own value (the override is another account's).
    assert_eq!(
        set["values"],
        serde_json::json!({"eu-west-1": "standard", "us-east-1": "standard"}),
        "{set}"
    );

    // The flow log leaves the network stack and keeps running; the log
    // group, whose ARN a role reads, is refused and stays.
    let logs_before = around("flow-logs", &ep, &[]);
    let network_before = resources(&ep, "shop-network");
    let (_, orphan) = page::run(&section("day-two-orphan"), &cwd, &ep);
    let (out, err) = said(&orphan, "orphan shop-network/VpcFlowLogsFlowLog");
    assert!(
        out.contains("it still exists, and no stack manages it"),
        "{out}\n{err}"
    );
    let (_, err) = said(&orphan, "# exits 1");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(
        around("flow-logs", &ep, &[]),
        logs_before,
        "the flow log is gone"
    );
    let network_after = resources(&ep, "shop-network");
    let gone: Vec<_> = network_before
        .iter()
        .filter(|r| !network_after.contains(r))
        .map(|(l, _)| l.as_str())
        .collect();
    assert_eq!(gone, ["VpcFlowLogsFlowLog36CC5CCE"]);
}
