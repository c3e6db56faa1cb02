//! `cargo run -p meshsynth-compat -- synth -o DIR`: the 0.1.0 platform
//! through the library's CLI, as its team ran it.

fn main() -> std::process::ExitCode {
    meshsynth::cli::main(meshsynth_compat::build)
}
