//! Snapshots of what deploy itself writes, exact bytes: the bootstrap
//! template and the `--outputs-file` JSON.

use meshsynth_cli::deploy::{bootstrap, outputs_json, OutputsByStack};

#[test]
fn bootstrap_template_and_outputs_file() {
    let template = String::from_utf8(bootstrap::template()).unwrap();
    let mut outputs = OutputsByStack::new();
    outputs.insert(
        "shop-data".into(),
        [
            (
                "ExportDbEndpointAddress".to_string(),
                "db.abc.eu-west-1.rds.amazonaws.com".to_string(),
            ),
            ("ExportDbEndpointPort".to_string(), "5432".to_string()),
        ]
        .into(),
    );
    outputs.insert("shop-network".into(), Default::default());
    let outputs = String::from_utf8(outputs_json(&outputs)).unwrap();
    insta::with_settings!({
        snapshot_path => "../../snapshots/deploy",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("bootstrap.template.json", template);
        insta::assert_snapshot!("outputs-file.json", outputs);
    });
}
