//! Large trees run their validations on a thread of their own, beside
//! template and chart emission; what synthesis reports must not depend on
//! that: the same findings, in the same order, as on one thread.

use k8s_openapi::api::core::v1::ConfigMap;
use meshsynth::core::{App, Chart, ChartProps, Context, Diagnostic};
use meshsynth::synth::{synth, SynthOptions};

/// An app of `objects` ConfigMaps, with a finding made while building and
/// two made by a validation, all at the chart's path.
fn app_with(objects: usize) -> App {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "Cluster",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    let mut cs = app.scope(chart.node()).unwrap();
    cs.report(Diagnostic::warning("", "found while building"));
    for i in 0..objects {
        cs.add_object(&format!("config-{i}"), ConfigMap::default())
            .unwrap();
    }
    cs.add_validation(|_: &App, out: &mut Vec<Diagnostic>| {
        out.push(Diagnostic::warning(
            "Cluster",
            "found by the validation, first",
        ));
        out.push(Diagnostic::warning(
            "Cluster",
            "found by the validation, second",
        ));
    });
    app
}

fn findings(objects: usize) -> (Vec<String>, usize) {
    let out = synth(app_with(objects), &SynthOptions::default()).unwrap();
    let messages = out.diagnostics.iter().map(|d| d.message.clone()).collect();
    let written = out.assembly.manifest.clusters[0].files[0].objects;
    (messages, written)
}

#[test]
fn findings_keep_their_order_when_validations_run_on_their_own_thread() {
    // 50 objects stay on one thread; 5,000 (over 4,096 tree nodes) do not.
    let (small, small_written) = findings(50);
    let (large, large_written) = findings(5_000);
    let expected = [
        "found while building",
        "found by the validation, first",
        "found by the validation, second",
    ];
    assert_eq!(small, expected);
    assert_eq!(large, expected);
    assert_eq!((small_written, large_written), (50, 5_000));
}

/// Charts render a batch of about 4,096 objects at a time, on several
/// threads; each chart's file must hold its own objects, in order: the same
/// bytes as when that chart is rendered alone.
#[test]
fn charts_rendered_in_batches_keep_their_own_objects_in_order() {
    let per_chart = 2_100;
    let chart_files = |ids: &[&str]| {
        let mut app = App::new(Context::new());
        for id in ids {
            let chart = Chart::new(
                &mut app.root(),
                id,
                ChartProps::new("main").namespace("shop"),
            )
            .unwrap();
            let mut cs = app.scope(chart.node()).unwrap();
            for i in 0..per_chart {
                cs.add_object(&format!("{id}-{i}"), ConfigMap::default())
                    .unwrap();
            }
        }
        let out = synth(app, &SynthOptions::default()).unwrap();
        let counts: Vec<usize> = out.assembly.manifest.clusters[0]
            .files
            .iter()
            .map(|f| f.objects)
            .collect();
        assert_eq!(counts, vec![per_chart; ids.len()]);
        out.assembly.files
    };
    // 6,300 objects: Alpha and Beta render together, Gamma after them.
    let together = chart_files(&["Alpha", "Beta", "Gamma"]);
    for id in ["Alpha", "Beta", "Gamma"] {
        let alone = chart_files(&[id]);
        let file = format!("k8s/main/{}.yaml", id.to_lowercase());
        let bytes = |files: &[(String, Vec<u8>)]| {
            files
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, b)| b.clone())
                .unwrap()
        };
        assert!(bytes(&together) == bytes(&alone), "{file} differs");
    }
}
