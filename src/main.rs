//! The `meshsynth` binary: the CLI over the built-in reference apps.

/// Synthesis allocates and frees millions of small JSON nodes; mimalloc
/// roughly halves that cost against glibc's allocator (docs/performance.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    meshsynth::cli::main(meshsynth::stacks::build)
}
