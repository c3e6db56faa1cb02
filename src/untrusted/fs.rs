//! Confined, bounded file reading. A path handed to meshsynth, or named by
//! an assembly, may be a FIFO (an `open` that never returns), a device
//! (`/dev/zero`: endless bytes), or a symbolic link out of the directory
//! (`~/.aws/credentials`) or back into it (`-> .`: exponential walks).
//! Files are opened without blocking and checked on the open handle, so a
//! file swapped after a `stat` is still caught.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file (a directory, FIFO, socket or device).
    NotRegular(&'static str),
    /// Larger than the limit (in bytes).
    TooLarge(u64),
    /// The operating system's error.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "is {kind}, not a regular file"),
            ReadError::TooLarge(limit) => {
                write!(f, "is larger than the limit of {limit} bytes")
            }
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Opens `path` for reading without blocking on a FIFO or taking a terminal.
fn open(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

/// Reads `path` (symbolic links followed; confine them with
/// [`walk_confined`] or a canonical-path check first) if it is a regular
/// file of at most `limit` bytes. The type is checked on the open handle
/// and at most `limit + 1` bytes are read, so a file that grows is caught.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    read_regular_into(path, limit, &mut bytes)?;
    Ok(bytes)
}

/// [`read_regular`] into `buf` (cleared first), so a caller reading many
/// files can use the same memory for each: copying into fresh pages costs
/// several times the copy itself.
pub(crate) fn read_regular_into(
    path: &Path,
    limit: u64,
    buf: &mut Vec<u8>,
) -> Result<(), ReadError> {
    let file = open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    buf.clear();
    buf.reserve(meta.len() as usize);
    read_to(file, limit, buf)
}

/// Reads the rest of `file` into `buf`, at most `limit` bytes.
fn read_to(file: File, limit: u64, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    file.take(limit + 1)
        .read_to_end(buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(())
}

/// What [`walk_confined`] found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files accepted by the filter, sorted, each once (by its real
    /// path), named as found under the directory given.
    pub files: Vec<PathBuf>,
    /// Entries passed over and why (links out of the directory, special
    /// files, repeats through links), one line each, already inert.
    pub skipped: Vec<String>,
    /// Hidden entries (`.git`, `.env.yaml`) not walked, as found.
    pub hidden: Vec<PathBuf>,
}

/// Walks `root` recursively, sorted, skipping hidden entries. A symbolic
/// link is followed only when its target stays inside `root`; every
/// directory and file is visited once by its real path (so `-> .` loops
/// end); FIFOs, sockets and devices are skipped. At most `max_entries`
/// entries are looked at, so a huge tree is refused instead of walked.
pub fn walk_confined(
    root: &Path,
    accept: &dyn Fn(&Path) -> bool,
    max_entries: usize,
) -> std::io::Result<Walked> {
    let real_root = std::fs::canonicalize(root)?;
    let mut w = Walker {
        real_root,
        accept,
        seen: HashSet::new(),
        out: Walked::default(),
        entries: 0,
        max_entries,
    };
    let real = w.real_root.clone();
    w.seen.insert(real);
    w.dir(root)?;
    Ok(w.out)
}

struct Walker<'a> {
    real_root: PathBuf,
    accept: &'a dyn Fn(&Path) -> bool,
    seen: HashSet<PathBuf>,
    out: Walked,
    entries: usize,
    max_entries: usize,
}

impl Walker<'_> {
    fn skip(&mut self, p: &Path, why: &str) {
        let shown = super::inert(&p.display().to_string()).into_owned();
        self.out.skipped.push(format!("{shown}: {why}"));
    }

    fn dir(&mut self, dir: &Path) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            self.entries += 1;
            if self.entries > self.max_entries {
                return Err(std::io::Error::other(format!(
                    "more than {} entries under the directory; analyze a smaller one",
                    self.max_entries
                )));
            }
            let hidden = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                self.out.hidden.push(e);
                continue;
            }
            let link = std::fs::symlink_metadata(&e)?;
            let Ok(real) = std::fs::canonicalize(&e) else {
                self.skip(&e, "a broken symbolic link, skipped");
                continue;
            };
            if link.file_type().is_symlink() && !real.starts_with(&self.real_root) {
                self.skip(&e, "a symbolic link out of the directory, not followed");
                continue;
            }
            let meta = std::fs::metadata(&real)?;
            if meta.is_dir() {
                if self.seen.insert(real) {
                    self.dir(&e)?;
                } else {
                    self.skip(&e, "a directory already read (through a link), skipped");
                }
            } else if !(self.accept)(&e) {
                continue;
            } else if !meta.is_file() {
                let why = format!("{}, skipped", kind_of(meta.file_type()));
                self.skip(&e, &why);
            } else if self.seen.insert(real) {
                self.out.files.push(e);
            } else {
                self.skip(&e, "a file already read (through a link), skipped");
            }
        }
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn special_files_and_large_files_are_refused() {
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 1 << 20),
            Err(ReadError::NotRegular("a device"))
        ));
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Without O_NONBLOCK this open would wait for a writer forever.
        assert!(matches!(
            read_regular(&fifo, 10),
            Err(ReadError::NotRegular("a FIFO"))
        ));
        std::fs::write(t.path().join("big"), vec![b'x'; 11]).unwrap();
        assert!(matches!(
            read_regular(&t.path().join("big"), 10),
            Err(ReadError::TooLarge(10))
        ));
    }

    #[test]
    fn the_walk_stays_inside_and_visits_each_file_once() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.yaml"), "a: 1").unwrap();
        std::fs::write(t.path().join("secret.yaml"), "k: v").unwrap();
        symlink(t.path().join("secret.yaml"), root.join("out.yaml")).unwrap();
        symlink("/dev/zero", root.join("zero.yaml")).unwrap();
        symlink(".", root.join("loop1")).unwrap();
        symlink("..", root.join("sub/loop2")).unwrap();
        symlink("a.yaml", root.join("again.yaml")).unwrap();
        let c = std::ffi::CString::new(root.join("p.yaml").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let yaml = |p: &Path| p.extension().is_some_and(|x| x == "yaml");
        let w = walk_confined(&root, &yaml, 1000).unwrap();
        assert_eq!(w.files, vec![root.join("a.yaml")], "{:?}", w.skipped);
        let skipped = w.skipped.join("\n");
        for name in [
            "out.yaml",
            "zero.yaml",
            "loop1",
            "loop2",
            "again.yaml",
            "p.yaml",
        ] {
            assert!(skipped.contains(name), "{name} not reported: {skipped}");
        }
        assert!(walk_confined(&root, &yaml, 3).is_err());
    }
}
