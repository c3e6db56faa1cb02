//! docs/first-day.md, run command by command: every line of its
//! ```` ```sh first-day ```` blocks, in order, in one temporary directory, as a
//! new user types them (`support/page.rs` says what differs from a user's
//! terminal, and why). Without the emulator the test skips, unless `CI` or
//! `MESHSYNTH_REQUIRE_EMULATOR=1` is set, when it fails.

use crate::page;

#[test]
fn the_first_day_page_runs_as_written() {
    let Some(endpoint) = page::endpoint() else {
        return;
    };
    let text = std::fs::read_to_string(page::workspace().join("docs/first-day.md")).unwrap();
    let cmds = page::commands(&text, "first-day");
    assert!(cmds.len() >= 11, "the page lost its commands: {cmds:?}");

    // The page builds a crate in the scaffolds' target directory and
    // deploys to the shared emulator: one test at a time on each, taken in
    // that order.
    let _scaffold = crate::locks::scaffold();
    let _emulator = crate::emulator::SERIAL
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let (cwd, _) = page::run(&cmds, t.path(), &endpoint);
    // What the page promises happened: the plan names the replaced VPC,
    // and the network stage is deployed with the exports of its consumer.
    let plan = std::fs::read_to_string(cwd.join("plan.md")).unwrap();
    assert!(plan.contains("AWS::EC2::VPC"), "{plan}");
    let template =
        std::fs::read_to_string(cwd.join("mesh.out/acme-platform-network.template.json")).unwrap();
    assert!(
        template.contains("\"Export\""),
        "the network stage lacks its exports"
    );
}
