//! Reading what meshsynth does not trust: assemblies from pull requests,
//! YAML given to `analyze`, and any text that ends up in a terminal or a
//! pull-request comment. Everything here is bounded (size, depth, count) and
//! confined (no special files, no symbolic link out of the directory given),
//! and text for humans is made inert. The threat model is in
//! `docs/security.md`.

pub mod depth;
pub mod fs;
pub mod path;
pub mod text;
pub mod yaml;

pub use depth::{check_nesting, TooDeep, MAX_NESTING};
pub use fs::{read_regular, walk_confined, ReadError, Walked};
pub use path::{ConfinedDir, RelPath, UnsafePath};
pub use text::{elide, inert, inert_keeping_sgr, InertWriter};
pub use yaml::{YamlError, YamlReader};
