//! The guard for synth's growth (the performance issue's "quadratic"
//! finding): the work tree walks do per node must not grow with the size of
//! the platform. It counts visited nodes, which is deterministic, instead of
//! timing anything; wall time and memory live in the benchmark
//! (`cargo bench -p meshsynth-stacks --bench synth`).

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};

/// (nodes in the tree, nodes visited by tree walks) after a whole synth of
/// the four reference apps at `services`.
fn walk_work(services: u32) -> (u64, u64) {
    let mut app = App::new(Context::from_pairs([format!("services={services}")]).unwrap());
    meshsynth_stacks::build(&mut app).expect("apps build");
    let out = synth(app, &SynthOptions::default()).expect("apps synthesize");
    (out.app.node_count() as u64, out.app.walk_visits())
}

#[test]
fn tree_walks_per_node_stay_flat_as_the_platform_grows() {
    let (small_nodes, small_visits) = walk_work(4);
    let (large_nodes, large_visits) = walk_work(64);
    assert!(
        large_nodes > 5 * small_nodes,
        "the larger platform is much larger: {small_nodes} → {large_nodes} nodes"
    );
    let small = small_visits as f64 / small_nodes as f64;
    let large = large_visits as f64 / large_nodes as f64;
    // A walk per construct would make `large` about 5x `small`; a fixed
    // number of whole-tree walks keeps both near the same small number.
    assert!(
        large <= small * 1.2,
        "tree walks grew faster than the tree: {small:.1} visits a node at {small_nodes} \
         nodes, {large:.1} at {large_nodes}; something walks the whole tree once per \
         construct (use an index such as App::objects_of_kind)"
    );
    eprintln!("{small:.1} visits a node at {small_nodes} nodes, {large:.1} at {large_nodes}");
    assert!(large < 40.0, "{large:.1} visits a node");
}
