//! `meshsynth-apps`: the built-in reference apps as a platform binary (synth,
//! list and offline diff), built over the library alone.

/// Synthesis allocates and frees millions of small JSON nodes; mimalloc
/// roughly halves that cost against glibc's allocator (docs/performance.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    meshsynth::cli::main(meshsynth_stacks::build)
}
