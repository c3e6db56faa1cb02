//! The `payments` test app (a platform not derived from the reference
//! apps; see its module docs): it must synthesize with no diagnostics, keep
//! the cross-stack security-group layout free of a cycle, match its reviewed
//! snapshots, and is written to `target/conformance/payments/` for cfn-lint
//! (warnings fatal), the Kubernetes + CRD schema validators and checkov.

use crate::common;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};

const DIR: &str = "snapshots/payments";

#[test]
fn payments_synthesizes_clean_and_is_written_for_conformance() {
    let mut app = App::new(Context::new());
    meshsynth_stacks::testapps::payments::build(&mut app).expect("payments builds");
    let out = match synth(app, &SynthOptions::default()) {
        Ok(out) => out,
        Err(e) => panic!(
            "payments synthesizes: {:#?}",
            e.diagnostics()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        ),
    };
    assert!(
        out.diagnostics.is_empty(),
        "no diagnostics expected: {:#?}",
        out.diagnostics
    );
    let files = out.assembly.all_files();
    let file = |name: &str| -> serde_json::Value {
        let (_, bytes) = files
            .iter()
            .find(|(f, _)| f == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        serde_json::from_slice(bytes).expect("JSON")
    };

    // "Database admits nodes": the rule sits in the cluster stack, which
    // depends on the data stack, never the other way round.
    let manifest = file("manifest.json");
    let deps = |stack: &str| -> Vec<String> {
        manifest["stacks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == stack)
            .unwrap_or_else(|| panic!("{stack} in manifest"))["dependencies"]
            .as_array()
            .map(|a| a.iter().map(|d| d.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    assert!(deps("payments-cluster").contains(&"payments-data".to_string()));
    assert!(!deps("payments-data").contains(&"payments-cluster".to_string()));
    let cluster = file("payments-cluster.template.json");
    let ingress: Vec<&serde_json::Value> = cluster["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::EC2::SecurityGroupIngress")
        .filter(|r| r["Properties"]["FromPort"] == 5432)
        .collect();
    assert_eq!(
        ingress.len(),
        1,
        "the database rule is in the cluster stack"
    );

    // The patch and nothing else is an escape hatch.
    assert_eq!(
        manifest["clusters"][0]["escapeHatches"],
        serde_json::json!(["payments-cluster/Checkout/Checkout/Deployment"])
    );

    common::write_for_conformance("payments", &files);
    common::snapshot_files(DIR, &files);
}
