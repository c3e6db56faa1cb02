//! The `meshsynth` binary: the CLI over the built-in reference apps.

fn main() -> std::process::ExitCode {
    meshsynth::cli::main(meshsynth::stacks::build)
}
