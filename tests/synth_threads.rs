//! Validations run on threads of their own, beside template and chart
//! emission and beside each other; what synthesis reports must not depend
//! on that: the same findings, in the same order, as on one thread.

use k8s_openapi::api::core::v1::ConfigMap;
use meshsynth::core::{App, Chart, ChartProps, Context, Diagnostic, Scope};
use meshsynth::synth::{synth, SynthOptions};

/// An app of one chart, `Cluster`, filled by `fill`.
fn chart_app(fill: impl FnOnce(&mut Scope<'_>)) -> App {
    let mut app = App::new(Context::new());
    let chart = Chart::new(
        &mut app.root(),
        "Cluster",
        ChartProps::new("main").namespace("shop"),
    )
    .unwrap();
    fill(&mut app.scope(chart.node()).unwrap());
    app
}

/// An app of `objects` ConfigMaps, with a finding made while building and
/// two made by a validation, all at the chart's path.
fn app_with(objects: usize) -> App {
    chart_app(|cs| {
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
    })
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

/// Validations run two at a time, beside emission: a validation that
/// finishes first is still reported in the order they were added.
#[test]
fn validations_run_side_by_side_report_in_the_order_they_were_added() {
    let running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = chart_app(|cs| {
        cs.add_object("config", ConfigMap::default()).unwrap();
        for i in 0..6u64 {
            let (running, most) = (running.clone(), most.clone());
            cs.add_validation(move |_: &App, out: &mut Vec<Diagnostic>| {
                use std::sync::atomic::Ordering::SeqCst;
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                // The first ones take longest.
                std::thread::sleep(std::time::Duration::from_millis(40 - 6 * i));
                running.fetch_sub(1, SeqCst);
                out.push(Diagnostic::warning("Cluster", format!("validation {i}")));
            });
        }
    });
    let out = synth(app, &SynthOptions::default()).unwrap();
    let messages: Vec<&str> = out.diagnostics.iter().map(|d| d.message.as_str()).collect();
    let expected: Vec<String> = (0..6).map(|i| format!("validation {i}")).collect();
    assert_eq!(messages, expected);
    if std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    }
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

/// A small app's resource checks (registry schema, security rules) run on
/// other threads while the rest of emission goes on; a large app's run as
/// each resource is written. Either way the findings must be the same, in
/// the same order, each on its own resource, including resources written
/// after a rule between stacks moved out of their stack (its placeholder
/// dropped from the stack's resources before the checks read them).
#[test]
fn resource_checks_beside_emission_report_as_in_line() {
    use indexmap::IndexMap;
    use meshsynth::core::{CfnRaw, TagStyle, Value};

    let bad_queue = |delay: &str| CfnRaw {
        type_name: "AWS::SQS::Queue".into(),
        properties: IndexMap::from([("DelaySeconds".to_string(), Value::str(delay))]),
        tags: TagStyle::None,
    };
    let build = |objects: usize| {
        let mut app = app_with(objects);
        // The rule is added from the data stack and moves to the cluster's.
        let (cluster, data) = crate::rule_between_stacks::add(&mut app, false);
        let mut c = app.scope(cluster.node()).unwrap();
        c.add_raw_resource("ClusterQueue", bad_queue("later"))
            .unwrap();
        let mut d = app.scope(data.node()).unwrap();
        for id in ["EarlyQueue", "LateQueue", "LastQueue"] {
            d.add_raw_resource(id, bad_queue("soon")).unwrap();
        }
        let diags = match synth(app, &SynthOptions::default()) {
            Ok(s) => s.diagnostics,
            Err(e) => e.diagnostics(),
        };
        let stacks = diags.iter().filter(|d| !d.path.starts_with("Cluster"));
        stacks.map(|d| d.to_string()).collect::<Vec<_>>()
    };
    // 50 objects: checks beside emission; 1,100 (over the 1,024 rendered
    // on one thread): in line.
    let beside = build(50);
    let in_line = build(1_100);
    assert_eq!(beside, in_line);
    for path in [
        "data/EarlyQueue",
        "cluster/ClusterQueue",
        "data/LateQueue",
        "data/LastQueue",
    ] {
        let at = |d: &&String| d.contains(path) && d.contains("DelaySeconds");
        assert_eq!(beside.iter().filter(at).count(), 1, "{path}: {beside:#?}");
    }
}

/// A large app's JSON templates hold each resource's properties as the
/// bytes they render to, written once the resource is checked; a small
/// app's keep them as JSON trees until the end. The templates must be the
/// same bytes, including a rule written after it moved between stacks.
#[test]
fn templates_from_written_properties_are_the_same_bytes() {
    let templates = |objects: usize| {
        let mut app = app_with(objects);
        crate::rule_between_stacks::add(&mut app, false);
        let out = synth(app, &SynthOptions::default()).unwrap();
        let files = out.assembly.files.into_iter();
        files
            .filter(|(name, _)| name.ends_with(".template.json"))
            .collect::<Vec<_>>()
    };
    let (small, large) = (templates(50), templates(1_100));
    assert_eq!(small.len(), 2);
    for ((name, a), (_, b)) in small.iter().zip(&large) {
        assert!(a == b, "{name} differs");
    }
    assert_eq!(small.len(), large.len());
}
