//! Test apps that exercise every construct of an area; they are not part of
//! `stacks::build`, so `meshsynth synth` does not emit them.

pub mod mesh_all;
