//! Paths named by untrusted text, made safe by construction. A
//! [`RelPath`] can only be built from checked components (no `..`, no
//! absolute path, no separator or control character inside a component),
//! and a [`ConfinedDir`] only writes at a `RelPath` below its root, creating
//! each file anew and never through a symbolic link. Every place that
//! writes a file named by an assembly (deploy's resolved manifests), by the
//! synthesizer or by `init` goes through these two types, so a name such as
//! `../..` or `/home/me/.ssh` cannot become a write outside the directory,
//! whatever the call site checks.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The longest component accepted: the file-name limit of common file systems.
pub const MAX_COMPONENT_BYTES: usize = 255;

/// The most components a relative path may have.
pub const MAX_COMPONENTS: usize = 32;

/// A path that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafePath {
    /// The path as given, made inert for display.
    pub entry: String,
    /// Why it is refused.
    pub reason: &'static str,
}

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsafe path {:?}: {}", self.entry, self.reason)
    }
}

impl std::error::Error for UnsafePath {}

/// Why `c` cannot be one component of a relative path, if it cannot.
pub fn component_problem(c: &str) -> Option<&'static str> {
    if c.is_empty() || c == "." {
        return Some("empty or `.` path components are not allowed");
    }
    if c == ".." {
        return Some("`..` would leave the directory");
    }
    if c.contains('\0') {
        return Some("the path contains a NUL byte");
    }
    if c.contains('/') || c.contains('\\') {
        return Some("a name may not contain `/` or `\\`");
    }
    if c.len() > MAX_COMPONENT_BYTES {
        return Some("a path component is longer than 255 bytes");
    }
    if c.chars().any(super::text::dangerous) {
        return Some(
            "control characters, line separators and bidirectional marks are not allowed in paths",
        );
    }
    let b = c.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Some("drive-letter paths are not allowed");
    }
    None
}

/// A `/`-separated path relative to some directory, every component
/// checked by [`component_problem`]. The only way to name a file that a
/// [`ConfinedDir`] writes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(String);

impl RelPath {
    /// Parses `s` (as `manifest.json` writes paths: `k8s/main/app.yaml`).
    pub fn parse(s: &str) -> Result<RelPath, UnsafePath> {
        let refuse = |reason| UnsafePath {
            entry: super::inert(s).into_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(refuse("the path is empty"));
        }
        if s.starts_with('/') || s.starts_with('\\') {
            return Err(refuse(
                "absolute paths are not allowed; paths are relative to the directory",
            ));
        }
        if s.contains('\\') {
            return Err(refuse("backslashes are not allowed; use / as separator"));
        }
        let mut n = 0;
        for part in s.split('/') {
            n += 1;
            if let Some(reason) = component_problem(part) {
                return Err(refuse(reason));
            }
        }
        if n > MAX_COMPONENTS {
            return Err(refuse("the path has more than 32 components"));
        }
        Ok(RelPath(s.to_string()))
    }

    /// A path of the given components, each checked.
    pub fn from_components(parts: &[&str]) -> Result<RelPath, UnsafePath> {
        if parts.is_empty() {
            return Err(UnsafePath {
                entry: String::new(),
                reason: "the path is empty",
            });
        }
        for p in parts {
            if let Some(reason) = component_problem(p) {
                return Err(UnsafePath {
                    entry: super::inert(&parts.join("/")).into_owned(),
                    reason,
                });
            }
        }
        RelPath::parse(&parts.join("/"))
    }

    /// `self/other`.
    pub fn join(&self, other: &RelPath) -> RelPath {
        RelPath(format!("{}/{}", self.0, other.0))
    }

    /// The rest of the path below `prefix`, when it is below it.
    pub fn strip_prefix(&self, prefix: &RelPath) -> Option<RelPath> {
        self.0
            .strip_prefix(prefix.0.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .map(|r| RelPath(r.to_string()))
    }

    /// The path as written, `/`-separated.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The components.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A directory that files are written into only at a [`RelPath`]: each
/// directory on the way is created (or found as a real directory, never a
/// link) and each file is created new (`O_EXCL`: an existing file or a
/// symbolic link planted at its name is an error, not a write through it).
#[derive(Debug, Clone)]
pub struct ConfinedDir {
    root: PathBuf,
}

impl ConfinedDir {
    /// Creates `root` (which must not exist: a directory someone else made
    /// could hold links) and returns it.
    pub fn create_new(root: &Path) -> std::io::Result<ConfinedDir> {
        fs::create_dir(root)?;
        Ok(ConfinedDir {
            root: root.to_path_buf(),
        })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `rel` is on disk.
    pub fn path(&self, rel: &RelPath) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(rel.components());
        p
    }

    /// Creates the directories of `rel` below the root, refusing any that
    /// is a symbolic link or not a directory.
    pub fn create_dirs(&self, rel: &RelPath) -> std::io::Result<PathBuf> {
        let mut p = self.root.clone();
        for c in rel.components() {
            p.push(c);
            match fs::create_dir(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let m = fs::symlink_metadata(&p)?;
                    if !m.is_dir() || m.file_type().is_symlink() {
                        return Err(std::io::Error::other(format!(
                            "{} exists and is not a directory",
                            super::inert(&p.display().to_string())
                        )));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(p)
    }

    /// Creates the file `rel` with `bytes`; its directories are created as needed.
    pub fn write(&self, rel: &RelPath, bytes: &[u8]) -> std::io::Result<()> {
        let parts: Vec<&str> = rel.components().collect();
        // Invariant: a RelPath is never empty (parse refuses "").
        let (name, dirs) = parts.split_last().expect("a RelPath has a component");
        let mut dir = self.root.clone();
        if !dirs.is_empty() {
            dir = self.create_dirs(&RelPath(dirs.join("/")))?;
        }
        let path = dir.join(name);
        let mut o = fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.custom_flags(libc::O_NOFOLLOW);
        }
        let mut f = o.open(&path)?;
        f.write_all(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_checked_components_make_a_path() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../b",
            "a//b",
            "./a",
            "a\\b",
            "C:x",
            "a\0b",
            "a\nb",
            "x\u{202e}",
        ] {
            assert!(RelPath::parse(bad).is_err(), "{bad:?}");
        }
        assert!(RelPath::from_components(&["..", "x"]).is_err());
        assert!(RelPath::from_components(&["a/b"]).is_err());
        assert!(RelPath::from_components(&["/abs"]).is_err());
        let p = RelPath::from_components(&["main", "app.yaml"]).unwrap();
        assert_eq!(p.as_str(), "main/app.yaml");
        let k = RelPath::parse("k8s/main/app.yaml").unwrap();
        assert_eq!(
            k.strip_prefix(&RelPath::parse("k8s/main").unwrap())
                .unwrap()
                .as_str(),
            "app.yaml"
        );
        assert!(k
            .strip_prefix(&RelPath::parse("k8s/mai").unwrap())
            .is_none());
    }

    #[cfg(unix)]
    #[test]
    fn writes_stay_below_the_root_and_never_follow_a_link() {
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let d = ConfinedDir::create_new(&t.path().join("root")).unwrap();
        d.write(&RelPath::parse("a/b/c.yaml").unwrap(), b"x")
            .unwrap();
        assert_eq!(fs::read(d.root().join("a/b/c.yaml")).unwrap(), b"x");
        // A link planted at a file's name or on the way is not written through.
        std::os::unix::fs::symlink(outside.join("f"), d.root().join("f.yaml")).unwrap();
        assert!(d.write(&RelPath::parse("f.yaml").unwrap(), b"x").is_err());
        std::os::unix::fs::symlink(&outside, d.root().join("l")).unwrap();
        assert!(d.write(&RelPath::parse("l/g.yaml").unwrap(), b"x").is_err());
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        // An existing root is refused: someone else's directory may hold links.
        assert!(ConfinedDir::create_new(&outside).is_err());
    }
}
