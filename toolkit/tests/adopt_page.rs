//! docs/adopt.md's import path, run command by command (its ```` ```sh
//! adopt ```` blocks, `support/page.rs`): a stack another tool created and a
//! directory of mesh YAML are imported to one typed crate, every file
//! proven identical, and the crate's stack takes over the deployed one
//! without replacing a resource. Skipped without the emulator, unless it
//! is required (CI).

use crate::emulator::{self, create_foreign_stack, physical, REGION};
use crate::page;

#[test]
fn the_adopt_page_imports_and_takes_over_its_stack() {
    // Builds a crate in the scaffolds' target directory, then deploys:
    // the two locks, in that order.
    let _scaffold = crate::locks::scaffold();
    let Some(emu) = emulator::emulator() else {
        return;
    };
    let ws = page::workspace();
    let template = std::fs::read_to_string(ws.join("docs/examples/adopt/orders.yaml")).unwrap();
    // The stack the page adopts, as another tool made it.
    create_foreign_stack(&emu.endpoint, REGION, "orders", &template);
    let before = physical("orders", &emu.endpoint);
    assert_eq!(before.len(), 2, "{before:?}");

    let text = std::fs::read_to_string(ws.join("docs/adopt.md")).unwrap();
    let cmds = page::commands(&text, "adopt");
    assert!(cmds.len() >= 6, "the page lost its commands: {cmds:?}");
    let t = tempfile::tempdir().unwrap();
    let (cwd, transcript) = page::run(&cmds, t.path(), &emu.endpoint);
    let printed = |needle: &str| {
        transcript
            .iter()
            .find(|(cmd, _, _)| cmd.contains(needle))
            .map(|(_, out, err)| (out.clone(), err.clone()))
            .unwrap_or_else(|| panic!("no command with {needle}"))
    };

    // Every file imported, and proven identical.
    let (out, err) = printed("import cfn");
    assert_eq!(
        out.trim(),
        "orders.template -> src/stacks/orders.rs (stack orders): identical",
        "{err}"
    );
    let (out, err) = printed("import k8s");
    assert_eq!(out.lines().count(), 3, "{out}\n{err}");
    assert!(
        out.lines().all(|l| l.ends_with(": identical")),
        "{out}\n{err}"
    );
    let report = std::fs::read_to_string(cwd.join("IMPORT.md")).unwrap();
    assert!(
        report.contains("| `orders.template` | orders | identical |"),
        "{report}"
    );

    // The plan changes no resource; the deploy replaces nothing.
    let (plan, err) = printed("diff --against deployed");
    assert!(!plan.contains("replace"), "{plan}\n{err}");
    let (out, err) = printed("deploy orders");
    // The synthesized template is the one CloudFormation holds: nothing
    // to change (moto), or an update that changes no resource.
    assert!(
        err.contains("orders (us-east-1): no changes")
            || err.contains("update with 0 resource change(s)"),
        "{out}\n{err}"
    );
    assert_eq!(
        physical("orders", &emu.endpoint),
        before,
        "a resource was replaced or lost"
    );
    // The typed crate is what the user keeps: its stack is the L1 structs.
    let code = std::fs::read_to_string(cwd.join("src/stacks/orders.rs")).unwrap();
    assert!(code.contains("logs::CfnLogGroup {"), "{code}");
    assert!(code.contains("events.reference()"), "{code}");
    let chart = std::fs::read_to_string(cwd.join("src/charts/mesh.rs")).unwrap();
    assert!(chart.contains("VirtualService {"), "{chart}");
}
