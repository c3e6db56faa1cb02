//! An app in parts (`App::add_part`): each part built and synthesized in
//! turn; the assembly is the one the same constructs give in one tree, and
//! what one tree checks across its constructs (stack names, files) is
//! still checked across parts.

use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::ConfigMap;
use meshsynth::core::{
    App, Chart, ChartProps, Context, Diagnostic, Error, NodeId, Stack, StackProps, Tags,
};
use meshsynth::synth::{synth, SynthOptions};

/// One platform: a stack named `stack` holding a parameter, and a
/// cluster `cluster` holding three tagged ConfigMaps.
fn platform(app: &mut App, prefix: &str, stack: &str, cluster: &str) -> Result<(), Error> {
    let s = Stack::new(
        &mut app.root(),
        &format!("{prefix}Stack"),
        StackProps {
            stack_name: Some(stack.into()),
            ..Default::default()
        },
    )?;
    let mut ss = app.scope(s.node())?;
    meshsynth::core::CfnParameter::new(&mut ss, "Size", Default::default())?;
    let chart = Chart::new(
        &mut app.root(),
        &format!("{prefix}Cluster"),
        ChartProps::new(cluster).namespace("shop"),
    )?;
    let mut cs = app.scope(chart.node())?;
    Tags::add(&mut cs, "team", prefix);
    for i in 0..3 {
        cs.add_object(&format!("config-{i}"), ConfigMap::default())?;
    }
    Ok(())
}

fn files(out: &meshsynth::synth::Synthesis) -> Vec<(String, Vec<u8>)> {
    let mut f = out.assembly.all_files();
    f.sort();
    f
}

#[test]
fn two_parts_give_the_assembly_of_one_tree() {
    let mut one = App::new(Context::new());
    platform(&mut one, "a", "alpha", "east").unwrap();
    platform(&mut one, "b", "beta", "west").unwrap();
    let one = synth(one, &SynthOptions::default()).unwrap();

    let mut parts = App::new(Context::new());
    parts
        .add_part("first", |app| platform(app, "a", "alpha", "east"))
        .unwrap();
    parts
        .add_part("second", |app| platform(app, "b", "beta", "west"))
        .unwrap();
    assert_eq!(parts.part_names(), ["first", "second"]);
    let parts = synth(parts, &SynthOptions::default()).unwrap();

    assert_eq!(files(&one), files(&parts));
    assert_eq!(one.diagnostics, parts.diagnostics);
    assert_eq!(parts.assembly.manifest.stacks.len(), 2);
    assert_eq!(parts.assembly.manifest.clusters.len(), 2);
    // The app itself holds none of its parts' constructs.
    assert!(parts.app.objects().is_empty());
}

#[test]
fn a_stack_name_two_parts_use_is_an_error_naming_both() {
    let mut app = App::new(Context::new());
    app.add_part("one", |app| platform(app, "a", "shared", "east"))
        .unwrap();
    app.add_part("two", |app| platform(app, "b", "shared", "west"))
        .unwrap();
    let Err(Error::Diagnostics(d)) = synth(app, &SynthOptions::default()) else {
        panic!("expected diagnostics");
    };
    let errors: Vec<&Diagnostic> = d.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{d:?}");
    assert_eq!(errors[0].path, "bStack");
    assert!(
        errors[0]
            .message
            .contains(r#"stack name "shared" of part "two" is also used by aStack of part "one""#),
        "{}",
        errors[0].message
    );
}

#[test]
fn a_file_two_parts_write_is_refused() {
    let mut app = App::new(Context::new());
    app.add_part("one", |app| platform(app, "a", "alpha", "same"))
        .unwrap();
    app.add_part("two", |app| platform(app, "b", "beta", "same"))
        .unwrap();
    let err = synth(app, &SynthOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"app: parts "one" and "two" both write k8s/same/"#),
        "{err}"
    );
}

#[test]
fn an_app_with_parts_holds_nothing_of_its_own() {
    // Each thing the app itself may hold, and the refusal naming it.
    type Add = fn(&mut App);
    let cases: [(Add, &str); 4] = [
        (
            |app| platform(app, "a", "alpha", "east").unwrap(),
            r#"construct "aStack" was added to the app itself"#,
        ),
        (
            |app| Tags::add(&mut app.root(), "team", "x"),
            "an aspect was added to the app itself",
        ),
        (
            |app| {
                app.root()
                    .add_validation(|_: &App, _: &mut Vec<Diagnostic>| {})
            },
            "a validation was added to the app itself",
        ),
        (
            |app| app.root().suppress("MS-K8S-1", "reviewed").unwrap(),
            "a rule was suppressed on the app itself",
        ),
    ];
    for (add, what) in cases {
        let mut app = App::new(Context::new());
        add(&mut app);
        app.add_part("more", |app| platform(app, "b", "beta", "west"))
            .unwrap();
        let err = synth(app, &SynthOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("the app has parts, but {what}")),
            "{err}"
        );
    }
}

#[test]
fn every_failing_part_is_reported_not_only_the_first() {
    let failing = |name: &'static str| {
        move |app: &mut App| {
            platform(app, name, name, name)?;
            app.root()
                .add_validation(move |_: &App, out: &mut Vec<Diagnostic>| {
                    out.push(Diagnostic::error(name, "this part is wrong"));
                });
            Ok(())
        }
    };
    let mut app = App::new(Context::new());
    app.add_part("one", failing("one")).unwrap();
    app.add_part("fine", |app| platform(app, "b", "beta", "west"))
        .unwrap();
    app.add_part("three", failing("three")).unwrap();
    let Err(Error::Diagnostics(d)) = synth(app, &SynthOptions::default()) else {
        panic!("expected diagnostics");
    };
    let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["one", "three"], "{d:?}");
}

#[test]
fn part_names_are_labels_unique_and_parts_do_not_nest() {
    let mut app = App::new(Context::new());
    let bad = app.add_part("Not A Label", |_| Ok(())).unwrap_err();
    assert!(bad.to_string().contains("part name"), "{bad}");
    app.add_part("one", |_| Ok(())).unwrap();
    let twice = app.add_part("one", |_| Ok(())).unwrap_err();
    assert!(
        twice.to_string().contains(r#"part "one" was added twice"#),
        "{twice}"
    );

    let mut app = App::new(Context::new());
    app.add_part("outer", |app| {
        assert_eq!(app.part(), Some("outer"));
        app.add_part("inner", |_| Ok(()))
    })
    .unwrap();
    let err = synth(app, &SynthOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("parts do not nest"), "{err}");
}

#[test]
fn a_handle_from_another_part_is_refused() {
    let kept: Arc<Mutex<Option<NodeId>>> = Arc::default();
    let mut app = App::new(Context::new());
    let first = kept.clone();
    app.add_part("one", move |app| {
        platform(app, "a", "alpha", "east")?;
        *first.lock().unwrap() = Some(app.root().id());
        Ok(())
    })
    .unwrap();
    let second = kept.clone();
    app.add_part("two", move |app| {
        let node = second.lock().unwrap().expect("part one ran first");
        app.scope(node).map(|_| ())
    })
    .unwrap();
    let err = synth(app, &SynthOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("the node belongs to another app"), "{err}");
}

#[test]
fn a_stack_pattern_selects_across_parts() {
    let two = || {
        let mut app = App::new(Context::new());
        app.add_part("one", |app| platform(app, "a", "alpha", "east"))
            .unwrap();
        app.add_part("two", |app| platform(app, "b", "beta", "west"))
            .unwrap();
        app
    };
    let opts = |p: &[&str]| SynthOptions {
        patterns: p.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let out = synth(two(), &opts(&["beta"])).unwrap();
    let names: Vec<&str> = out
        .assembly
        .manifest
        .stacks
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["beta"]);
    let err = synth(two(), &opts(&["alpha", "gamma*"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            r#"no stack matches pattern "gamma*"; stacks are: alpha, aCluster, beta, bCluster"#
        ),
        "{err}"
    );
}
