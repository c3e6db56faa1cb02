//! `meshsynth-apps`: the built-in reference apps as a platform binary (synth,
//! list and offline diff), built over the library alone.

/// Synthesis allocates and frees millions of small JSON nodes; mimalloc
/// roughly halves that cost against glibc's allocator, and huge pages only
/// once the process is large keep a small run small (docs/performance.md).
#[global_allocator]
static ALLOC: meshsynth_stacks::memory::Allocator = meshsynth_stacks::memory::Allocator;

fn main() -> std::process::ExitCode {
    meshsynth::cli::main(meshsynth_stacks::build_in_parts)
}
