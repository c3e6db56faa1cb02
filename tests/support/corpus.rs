//! What the import-corpus round trips share: where the corpus is, and a
//! result cell that stays one line in the fixture.

use std::path::{Path, PathBuf};

/// `../shared/import-corpus/<part>`, when the checkout has it.
pub fn dir(part: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/import-corpus")
        .join(part);
    dir.is_dir().then_some(dir)
}

/// `s` without control characters, at most 160 characters.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(160)
        .collect()
}
