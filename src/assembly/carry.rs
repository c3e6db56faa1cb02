//! Carrying a previous assembly's unchanged files into the one replacing
//! it. Re-synthesizing usually changes few files: a hard link writes no
//! data and allocates no inode, and on ext4 without a journal each new
//! inode costs a scan over every inode freed in the last minutes, which
//! the previous assembly's removal has just freed (docs/performance.md).

use std::fs;
use std::path::{Path, PathBuf};

/// The assembly a writer replaces, and what a file of it must be to be
/// carried over: the mode and group a new file gets here (read from the
/// temporary directory, which got them the same way, so the umask is
/// honoured without changing it).
#[derive(Clone)]
pub(super) struct Previous {
    root: PathBuf,
    mode: u32,
    gid: u32,
}

impl Previous {
    /// The assembly at `root` as replaced by one written into the new,
    /// empty directory `tmp`; `None` where files cannot be carried over.
    pub(super) fn of(root: &Path, tmp: &Path) -> Option<Previous> {
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::fs::MetadataExt;
            // A directory gets 0o777 less the umask, a file 0o666 less it.
            let made = fs::metadata(tmp).ok()?;
            Some(Previous {
                root: root.to_path_buf(),
                mode: made.mode() & 0o666,
                gid: made.gid(),
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (root, tmp);
            None
        }
    }
}

/// Links the previous assembly's `rel` to `to` when it holds exactly
/// `bytes`; false (and nothing done) otherwise, and the caller writes.
///
/// The file is reached without following any symbolic link, read on its
/// open handle, and taken only when it is a regular file of this user with
/// no other link and the mode and group a new file gets: content, owner,
/// group and mode are what writing it gives.
#[cfg(target_os = "linux")]
pub(super) fn carry_over(prev: &Previous, rel: &str, bytes: &[u8], to: &Path) -> bool {
    use std::io::Read;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;

    let Some(file) = open_beneath(&prev.root, rel) else {
        return false;
    };
    let Ok(meta) = file.metadata() else {
        return false;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if !meta.is_file()
        || meta.nlink() != 1
        || meta.uid() != uid
        || meta.mode() & 0o7777 != prev.mode
        || meta.gid() != prev.gid
        || meta.len() != bytes.len() as u64
    {
        return false;
    }
    let mut buf = [0u8; 64 * 1024];
    let mut at = 0;
    let mut reader = &file;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) if at + n <= bytes.len() && buf[..n] == bytes[at..at + n] => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            _ => return false,
        }
    }
    if at != bytes.len() {
        return false;
    }
    // The open handle is linked, not its path: what was compared is what
    // the new assembly gets, whatever happened to the path since.
    let Ok(source) = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd())) else {
        return false;
    };
    let Ok(target) = std::ffi::CString::new(to.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            source.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    rc == 0
}

/// Elsewhere every file is written.
#[cfg(not(target_os = "linux"))]
pub(super) fn carry_over(_prev: &Previous, _rel: &str, _bytes: &[u8], _to: &Path) -> bool {
    false
}

/// Opens `root/rel` for reading, one component at a time relative to the
/// one before, refusing a symbolic link anywhere below `root`, `..`, and
/// anything that would block (a FIFO).
#[cfg(target_os = "linux")]
fn open_beneath(root: &Path, rel: &str) -> Option<fs::File> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::{AsRawFd, FromRawFd, OwnedFd};

    let parts: Vec<&str> = rel.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return None;
    }
    let open_at = |dir: libc::c_int, name: &[u8], flags: libc::c_int| -> Option<OwnedFd> {
        let c = std::ffi::CString::new(name).ok()?;
        let flags = flags | libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: `c` is a valid NUL-terminated name and `dir` an open
        // directory (or AT_FDCWD) for the duration of the call.
        let fd = unsafe { libc::openat(dir, c.as_ptr(), flags) };
        // SAFETY: a non-negative `fd` was just opened and is owned by no one else.
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let mut dir = open_at(
        libc::AT_FDCWD,
        root.as_os_str().as_bytes(),
        libc::O_DIRECTORY,
    )?;
    let (name, dirs) = parts.split_last()?;
    for d in dirs {
        dir = open_at(dir.as_raw_fd(), d.as_bytes(), libc::O_DIRECTORY)?;
    }
    let file = open_at(
        dir.as_raw_fd(),
        name.as_bytes(),
        libc::O_NONBLOCK | libc::O_NOCTTY,
    )?;
    Some(fs::File::from(file))
}
