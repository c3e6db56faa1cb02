//! Where the loader reads an assembly from: a directory, confined and
//! bounded, or files in memory; and the check of every manifest entry.

use super::*;

/// A directory source, after checking that `dir` is an assembly.
pub(super) fn dir_source(dir: &Path, limits: &LoadLimits) -> Result<AssemblyDir, LoadError> {
    let shown = dir.to_path_buf();
    let meta = fs::metadata(dir).map_err(|e| LoadError::Io {
        path: dir.display().to_string(),
        message: format!(
            "cannot read the assembly directory: {e}; give a directory `meshsynth synth -o DIR` wrote"
        ),
    })?;
    if !meta.is_dir() {
        return Err(LoadError::Io {
            path: dir.display().to_string(),
            message: "is not a directory; give a directory `meshsynth synth -o DIR` wrote".into(),
        });
    }
    let root = fs::canonicalize(dir).map_err(|e| LoadError::Io {
        path: dir.display().to_string(),
        message: format!("cannot resolve the assembly directory: {e}"),
    })?;
    if !root.join("manifest.json").exists() {
        return Err(LoadError::NotAnAssembly {
            path: dir.join("manifest.json").display().to_string(),
        });
    }
    Ok(AssemblyDir {
        root,
        shown,
        limits: *limits,
        total: Default::default(),
    })
}

/// Parses an assembly given as (relative path → bytes), `manifest.json`
/// included: the in-memory twin of [`load_assembly`], used for synthesized
/// assemblies and by the fuzz target.
pub fn parse_assembly_files(
    files: &[(String, Vec<u8>)],
    limits: &LoadLimits,
) -> Result<LoadedAssembly, LoadError> {
    let mut src = MemSource {
        files: files
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect(),
        limits: *limits,
        total: 0,
    };
    load_from(&mut src)
}

/// Where the loader reads files from.
pub(super) trait Source {
    /// The bytes of `rel` (already checked to be a safe relative path).
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError>;
    /// How to name `rel` in errors.
    fn display(&self, rel: &str) -> String;
    /// Whether template `rel` is the other side's byte for byte (a pair
    /// load), so it is not parsed here.
    fn shared(&self, _rel: &str) -> bool {
        false
    }
}

/// The files of an assembly directory, read as untrusted input: every path
/// is checked to stay inside the directory (no `..`, no absolute path, no
/// symbolic link out of it), only regular files are read (never a FIFO or a
/// device), and each file and their sum are bounded by [`LoadLimits`]. The
/// one reader behind `diff`, `deploy` and `destroy`.
#[derive(Debug, Clone)]
pub struct AssemblyDir {
    /// Canonical root, to confine symlinks.
    root: PathBuf,
    /// The root as the user gave it, for messages.
    shown: PathBuf,
    limits: LoadLimits,
    /// Bytes read so far, over every clone of this reader.
    pub(super) total: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl AssemblyDir {
    /// Opens `dir`, which must be a directory holding `manifest.json`.
    pub fn open(dir: &Path, limits: &LoadLimits) -> Result<AssemblyDir, LoadError> {
        dir_source(dir, limits)
    }

    /// The bytes of `rel` (a path relative to the assembly root, as
    /// manifest.json writes it), within the limits.
    pub fn read_file(&self, rel: &str) -> Result<Vec<u8>, LoadError> {
        let mut bytes = Vec::new();
        self.read_file_into(rel, &mut bytes)?;
        Ok(bytes)
    }

    /// [`read_file`](Self::read_file) into `buf` (cleared first), for a
    /// reader that reuses its buffers.
    pub(crate) fn read_file_into(&self, rel: &str, buf: &mut Vec<u8>) -> Result<(), LoadError> {
        let rel = checked(&self.display(rel), rel)?;
        let shown = self.display(rel);
        let io = |message: String| LoadError::Io {
            path: shown.clone(),
            message,
        };
        let joined = self.root.join(rel);
        let real = fs::canonicalize(&joined).map_err(|e| io(format!("cannot read: {e}")))?;
        // A symlink inside the assembly must not lead out of it.
        if !real.starts_with(&self.root) {
            return Err(LoadError::UnsafePath {
                path: shown,
                entry: inert(rel).into_owned(),
                reason: "resolves (through a symbolic link) outside the assembly directory".into(),
            });
        }
        crate::untrusted::fs::read_regular_into(&real, self.limits.max_file_bytes, buf).map_err(
            |e| match e {
                ReadError::TooLarge(limit) => LoadError::TooLarge {
                    path: shown.clone(),
                    limit,
                },
                other => io(other.to_string()),
            },
        )?;
        let total = self
            .total
            .fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed)
            + buf.len() as u64;
        if total > self.limits.max_total_bytes {
            return Err(LoadError::TotalTooLarge {
                path: shown,
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(())
    }

    /// Reads and parses `manifest.json` (version checked first).
    pub fn manifest(&self) -> Result<Manifest, LoadError> {
        let bytes = self.read_file("manifest.json")?;
        parse_manifest(&self.display("manifest.json"), &bytes)
    }

    /// How `rel` is named in messages: under the directory given, inert.
    pub fn display(&self, rel: &str) -> String {
        inert(&self.shown.join(rel).display().to_string()).into_owned()
    }
}

impl Source for AssemblyDir {
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError> {
        self.read_file(rel)
    }

    fn display(&self, rel: &str) -> String {
        AssemblyDir::display(self, rel)
    }
}

pub(super) struct MemSource<'a> {
    files: BTreeMap<&'a str, &'a [u8]>,
    limits: LoadLimits,
    total: u64,
}

impl Source for MemSource<'_> {
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError> {
        let bytes = self.files.get(rel).ok_or_else(|| LoadError::Io {
            path: rel.to_string(),
            message: "cannot read: no such file in the assembly".into(),
        })?;
        let len = bytes.len() as u64;
        if len > self.limits.max_file_bytes {
            return Err(LoadError::TooLarge {
                path: rel.to_string(),
                limit: self.limits.max_file_bytes,
            });
        }
        self.total += len;
        if self.total > self.limits.max_total_bytes {
            return Err(LoadError::TotalTooLarge {
                path: rel.to_string(),
                limit: self.limits.max_total_bytes,
            });
        }
        Ok(bytes.to_vec())
    }

    fn display(&self, rel: &str) -> String {
        rel.to_string()
    }
}

pub(super) fn checked<'e>(manifest_path: &str, entry: &'e str) -> Result<&'e str, LoadError> {
    // The error names manifest.json: that is where the bad entry is.
    match crate::untrusted::RelPath::parse(entry) {
        Ok(_) => Ok(entry),
        Err(e) => Err(LoadError::UnsafePath {
            path: manifest_path.to_string(),
            entry: e.entry,
            reason: e.reason.to_string(),
        }),
    }
}
