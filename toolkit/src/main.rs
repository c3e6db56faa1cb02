//! The `meshsynth` toolkit binary, with the built-in reference apps.

/// Synthesis allocates and frees millions of small JSON nodes; mimalloc
/// roughly halves that cost against glibc's allocator (docs/performance.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    meshsynth_cli::cli::main(meshsynth_stacks::build)
}
