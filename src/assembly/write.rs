//! Writing an assembly atomically: everything goes to a temp dir beside the
//! target, which is then renamed into place. On error the previous assembly
//! stays untouched and nothing partial is left; stale files vanish with the
//! old directory. Files are written on a background thread as synthesis
//! hands them over, so writing overlaps rendering. A file byte-identical
//! to the previous assembly's is carried over as a hard link of that file
//! instead of written again (`assembly/carry.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use super::carry::{carry_over, Previous};
use crate::core::Error;

/// An I/O error at `path`, kept as the source.
fn io_err(path: &Path, e: std::io::Error) -> Error {
    io_context(path, None, e)
}

/// An I/O error at `path`, said with what was being done.
fn io_context(path: &Path, doing: Option<&str>, e: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: match doing {
            Some(d) => format!("{d}: {e}"),
            None => e.to_string(),
        },
        source: Some(e),
    }
}

/// A refusal at `path` with no I/O error behind it.
fn refused(path: &Path, message: impl Into<String>) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: message.into(),
        source: None,
    }
}

/// Where synthesis hands each file of the assembly as soon as it is
/// rendered, so a large assembly is never held whole in memory when it is
/// going to disk anyway.
pub trait FileSink {
    /// Takes one file: its path relative to the assembly root, and its bytes.
    fn put(&mut self, path: String, bytes: Vec<u8>);
}

/// Keeps the files in memory, in the order they come.
impl FileSink for Vec<(String, Vec<u8>)> {
    fn put(&mut self, path: String, bytes: Vec<u8>) {
        self.push((path, bytes));
    }
}

/// Files queued for the writer thread before `put` waits for it: bounds the
/// rendered output held in memory to a few files.
const QUEUE_FILES: usize = 16;

/// An assembly written while it is synthesized: files go to a temporary
/// directory beside the target on a background thread (so disk writes
/// overlap rendering), and [`finish`](AssemblyWriter::finish) renames it
/// into place. Dropped without `finish` (synthesis failed), it removes the
/// temporary directory: the previous assembly stays untouched and nothing
/// partial is left.
pub struct AssemblyWriter {
    target: PathBuf,
    tmp: PathBuf,
    old: PathBuf,
    /// Directories `begin` created for the target's parent, deepest first:
    /// removed again (if still empty) when synthesis fails.
    made_parents: Vec<PathBuf>,
    queue: Option<std::sync::mpsc::SyncSender<(String, Vec<u8>)>>,
    thread: Option<std::thread::JoinHandle<Result<(), Error>>>,
    /// The assembly being replaced, whose unchanged files are carried over.
    previous: Option<Previous>,
}

impl AssemblyWriter {
    /// Checks that `dir` may be replaced (absent, empty, or an assembly)
    /// and starts writing into a temporary directory beside it.
    pub fn begin(dir: &Path) -> Result<AssemblyWriter, Error> {
        let resolved = through_link(dir)?;
        let dir = resolved.as_path();
        let name = dir
            .file_name()
            .ok_or_else(|| refused(dir, "the output directory needs a name"))?
            .to_string_lossy()
            .to_string();
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let replacing = dir.exists();
        if replacing {
            if !dir.is_dir() {
                return Err(refused(
                    dir,
                    "exists and is not a directory; choose another -o",
                ));
            }
            if let Some(why) = foreign_content(dir)? {
                return Err(refused(
                    dir,
                    format!("{why}; refusing to replace a directory that is not a meshsynth assembly (choose another -o)"),
                ));
            }
        }
        let made_parents: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(&parent).map_err(|e| {
            refused(
                &parent,
                format!("cannot create the output's parent directory: {e}"),
            )
        })?;
        // Unique per writer, not only per process: a writer now lives as
        // long as a synthesis, and two may target one directory at once.
        static WRITERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let serial = WRITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let unique = format!("{}-{serial}", std::process::id());
        // From here on, `drop` undoes what was made if a step fails.
        let mut writer = AssemblyWriter {
            target: dir.to_path_buf(),
            tmp: PathBuf::new(),
            old: parent.join(format!(".{name}.old-{unique}")),
            made_parents,
            queue: None,
            thread: None,
            previous: None,
        };
        let tmp = parent.join(format!(".{name}.tmp-{unique}"));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir(&tmp)
            .map_err(|e| io_context(&tmp, Some("cannot create the output directory"), e))?;
        writer.tmp = tmp.clone();
        writer.previous = replacing.then(|| Previous::of(dir, &tmp)).flatten();
        let previous = writer.previous.clone();
        let (queue, files) = std::sync::mpsc::sync_channel(QUEUE_FILES);
        let thread = std::thread::Builder::new()
            .name("assembly-writer".into())
            .spawn(move || write_files(&tmp, previous.as_ref(), files))
            .map_err(|e| io_context(&writer.tmp, Some("cannot start the writer thread"), e))?;
        writer.queue = Some(queue);
        writer.thread = Some(thread);
        Ok(writer)
    }

    /// Writes `last` (e.g. `manifest.json`, known only at the end), waits
    /// for every file, and moves the new assembly into place.
    pub fn finish(mut self, last: &[(String, Vec<u8>)]) -> Result<(), Error> {
        self.wait()?;
        // Written here, once the thread is done: no copy of borrowed bytes.
        let mut made = std::collections::HashSet::new();
        for (rel, bytes) in last {
            write_file(&self.tmp, self.previous.as_ref(), rel, bytes, &mut made)?;
        }
        swap_into_place(&self.tmp, &self.target, &self.old)?;
        // Moved into place: nothing left for `drop` to remove.
        self.tmp = PathBuf::new();
        self.made_parents.clear();
        Ok(())
    }

    /// Closes the queue and returns the writer thread's result.
    fn wait(&mut self) -> Result<(), Error> {
        drop(self.queue.take());
        match self.thread.take().map(std::thread::JoinHandle::join) {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(e),
            Some(Err(_)) => Err(refused(&self.tmp, "the writer thread stopped unexpectedly")),
        }
    }
}

impl FileSink for AssemblyWriter {
    fn put(&mut self, path: String, bytes: Vec<u8>) {
        // A closed queue means the thread stopped on an error, which
        // `finish` reports; later files have nowhere to go.
        if let Some(q) = &self.queue {
            let _ = q.send((path, bytes));
        }
    }
}

impl Drop for AssemblyWriter {
    fn drop(&mut self) {
        let _ = self.wait();
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_dir_all(&self.tmp);
        }
        for dir in &self.made_parents {
            // Only if empty: another process may have put something there.
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Writes `files` (relative path → bytes) as the directory `dir`.
pub fn write_atomically(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    AssemblyWriter::begin(dir)?.finish(files)
}

/// The writer thread: creates each file (and its directories) as it comes;
/// stops at the first error.
fn write_files(
    root: &Path,
    previous: Option<&Previous>,
    files: std::sync::mpsc::Receiver<(String, Vec<u8>)>,
) -> Result<(), Error> {
    let mut made = std::collections::HashSet::new();
    for (rel, bytes) in files {
        write_file(root, previous, &rel, &bytes, &mut made)?;
    }
    Ok(())
}

/// Writes `root/rel`, creating its directory unless `made` says it exists;
/// the previous assembly's file is carried over instead when it holds
/// exactly `bytes`.
fn write_file(
    root: &Path,
    previous: Option<&Previous>,
    rel: &str,
    bytes: &[u8],
    made: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), Error> {
    let path = root.join(rel);
    if let Some(p) = path.parent() {
        if p != root && !made.contains(p) {
            fs::create_dir_all(p).map_err(|e| io_err(p, e))?;
            made.insert(p.to_path_buf());
        }
    }
    if previous.is_some_and(|prev| carry_over(prev, rel, bytes, &path)) {
        return Ok(());
    }
    fs::write(&path, bytes).map_err(|e| io_err(&path, e))
}

/// `-o` naming a symbolic link writes through it: the assembly replaces
/// the directory the link points to, and the link stays.
fn through_link(dir: &Path) -> Result<PathBuf, Error> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(dir).map_err(|e| {
            refused(
                dir,
                format!("is a symbolic link that cannot be followed ({e}); create its target or choose another -o"),
            )
        }),
        _ => Ok(dir.to_path_buf()),
    }
}

/// Why the existing directory `dir` is not a meshsynth assembly, if it is
/// not. Only an empty directory, or one holding exactly what an assembly
/// holds (a meshsynth `manifest.json`, `*.template.json|yaml` files, `k8s/`,
/// and deploy's `resolved/`), may be replaced: any other file means the
/// directory is someone else's (a web app's `public/` has a
/// `manifest.json` too).
fn foreign_content(dir: &Path) -> Result<Option<String>, Error> {
    let entries: Vec<String> = fs::read_dir(dir)
        .map_err(|e| io_context(dir, Some("cannot read"), e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if entries.is_empty() {
        return Ok(None);
    }
    let manifest_path = dir.join("manifest.json");
    let manifest = fs::symlink_metadata(&manifest_path)
        .ok()
        .filter(|m| m.is_file() && m.len() <= 64 * 1024 * 1024)
        .and_then(|_| fs::read(&manifest_path).ok())
        .and_then(|b| serde_json::from_slice::<super::Manifest>(&b).ok());
    let Some(manifest) = manifest else {
        return Ok(Some(
            "is not empty and holds no meshsynth manifest.json".to_string(),
        ));
    };
    for e in &entries {
        // Finder leaves `.DS_Store` in any folder it shows.
        let ours = e == "manifest.json"
            || e == ".DS_Store"
            || manifest.stacks.iter().any(|s| s.template == *e)
            // A template an earlier synth left (a stack since renamed).
            || (e.ends_with(".template.json") || e.ends_with(".template.yaml"))
                && dir.join(e).is_file()
            || (e == "k8s" || e == "resolved") && dir.join(e).is_dir() && !dir.join(e).is_symlink();
        if !ours {
            return Ok(Some(format!(
                "holds {}, which no meshsynth assembly has",
                crate::untrusted::inert(e)
            )));
        }
    }
    if let Some(why) = foreign_in_k8s(dir, &manifest)? {
        return Ok(Some(why));
    }
    // deploy's resolved manifests carry its marker; anything else is not ours.
    let resolved = dir.join("resolved");
    if resolved.is_dir() && !resolved.join(".meshsynth-resolved").is_file() {
        return Ok(Some(
            "holds resolved/ without deploy's marker (.meshsynth-resolved)".to_string(),
        ));
    }
    Ok(None)
}

/// Why `dir/k8s/` holds something the assembly's manifest does not list,
/// if it does: a user's own file in there would be deleted with the old
/// assembly.
fn foreign_in_k8s(dir: &Path, manifest: &super::Manifest) -> Result<Option<String>, Error> {
    let k8s = dir.join("k8s");
    if !k8s.is_dir() {
        return Ok(None);
    }
    let listed: std::collections::BTreeSet<String> = manifest
        .clusters
        .iter()
        .flat_map(|c| {
            c.files
                .iter()
                .map(|f| f.file.clone())
                .chain(c.install_inputs.iter().map(|i| i.file.clone()))
                .chain(std::iter::once(c.kustomization.clone()))
        })
        .collect();
    let read = |d: &Path| -> Result<Vec<std::fs::DirEntry>, Error> {
        fs::read_dir(d)
            .map_err(|e| io_context(d, Some("cannot read"), e))
            .map(|it| it.filter_map(|e| e.ok()).collect())
    };
    for cluster in read(&k8s)? {
        let name = cluster.file_name().to_string_lossy().into_owned();
        let path = cluster.path();
        let kind =
            fs::symlink_metadata(&path).map_err(|e| io_context(&path, Some("cannot read"), e))?;
        if name == ".DS_Store" {
            continue;
        }
        if !kind.is_dir() {
            return Ok(Some(format!(
                "holds k8s/{}, which no meshsynth assembly has",
                crate::untrusted::inert(&name)
            )));
        }
        for f in read(&path)? {
            let file = f.file_name().to_string_lossy().into_owned();
            let rel = format!("k8s/{name}/{file}");
            if file != ".DS_Store" && !listed.contains(&rel) {
                return Ok(Some(format!(
                    "holds {}, which its manifest.json does not list",
                    crate::untrusted::inert(&rel)
                )));
            }
        }
    }
    Ok(None)
}

/// Puts `tmp` where `dir` is. On Linux an existing `dir` is exchanged with
/// `tmp` in one `renameat2(RENAME_EXCHANGE)`, so a kill at any instant
/// leaves either assembly at the target, never none.
fn swap_into_place(tmp: &Path, dir: &Path, old: &Path) -> Result<(), Error> {
    #[cfg(target_os = "linux")]
    if dir.is_dir() && exchange(tmp, dir).is_ok() {
        // `tmp` now holds the previous assembly.
        let _ = fs::remove_dir_all(tmp);
        return Ok(());
    }
    let had_old = dir.exists();
    if had_old {
        let _ = fs::remove_dir_all(old);
        fs::rename(dir, old)
            .map_err(|e| io_context(dir, Some("cannot move the previous assembly aside"), e))?;
    }
    if let Err(e) = fs::rename(tmp, dir) {
        if had_old {
            let _ = fs::rename(old, dir);
        }
        return Err(refused(
            dir,
            format!("cannot move the new assembly into place: {e}"),
        ));
    }
    if had_old {
        let _ = fs::remove_dir_all(old);
    }
    Ok(())
}

/// Atomically exchanges two paths (Linux 3.15+); an error (an old kernel,
/// a file system without support) falls back to two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[u8] = br#"{"version": "1", "stacks": [], "clusters": []}"#;

    /// A manifest listing one cluster `c` with the file `k8s/c/old.yaml`.
    const WITH_CLUSTER: &[u8] = br#"{"version": "1", "stacks": [], "clusters": [{"name": "c", "directory": "k8s/c", "kustomization": "k8s/c/kustomization.yaml", "files": [{"file": "k8s/c/old.yaml", "chart": "C", "objects": 1}], "deferredInputs": [], "installInputs": [], "escapeHatches": []}]}"#;

    #[test]
    fn replaces_previous_assembly_and_removes_stale_files() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        write_atomically(
            &out,
            &[
                ("manifest.json".into(), WITH_CLUSTER.to_vec()),
                ("k8s/c/old.yaml".into(), b"x".to_vec()),
                ("k8s/c/kustomization.yaml".into(), b"x".to_vec()),
            ],
        )
        .unwrap();
        write_atomically(
            &out,
            &[
                ("manifest.json".into(), M.to_vec()),
                ("k8s/a/b.yaml".into(), b"y".to_vec()),
            ],
        )
        .unwrap();
        assert!(!out.join("k8s/c/old.yaml").exists());
        assert_eq!(fs::read(out.join("k8s/a/b.yaml")).unwrap(), b"y");
        let leftovers: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temp dirs left behind");
    }

    /// The inode of `p`, to tell a carried-over file from a rewritten one.
    #[cfg(target_os = "linux")]
    fn inode(p: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        fs::symlink_metadata(p).unwrap().ino()
    }

    /// The assembly `WITH_CLUSTER` lists, with these two file contents.
    fn cluster_files(old: &[u8], kustomization: &[u8]) -> Vec<(String, Vec<u8>)> {
        vec![
            ("manifest.json".into(), WITH_CLUSTER.to_vec()),
            ("k8s/c/old.yaml".into(), old.to_vec()),
            ("k8s/c/kustomization.yaml".into(), kustomization.to_vec()),
        ]
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn unchanged_files_are_carried_over_and_changed_ones_written() {
        use std::os::unix::fs::MetadataExt;
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        write_atomically(&out, &cluster_files(b"same", b"ab")).unwrap();
        let (old, kust) = (
            out.join("k8s/c/old.yaml"),
            out.join("k8s/c/kustomization.yaml"),
        );
        let before = (inode(&old), inode(&kust), inode(&out.join("manifest.json")));
        // Same length, one byte changed: compared, not only sized.
        write_atomically(&out, &cluster_files(b"same", b"ac")).unwrap();
        assert_eq!(inode(&old), before.0, "an unchanged file is carried over");
        assert_eq!(inode(&out.join("manifest.json")), before.2);
        assert_ne!(inode(&kust), before.1, "a changed file is written anew");
        assert_eq!(fs::read(&kust).unwrap(), b"ac");
        assert_eq!(fs::read(&old).unwrap(), b"same");
        // The previous assembly is gone, so nothing else shares the file.
        assert_eq!(fs::metadata(&old).unwrap().nlink(), 1);
        let leftovers: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temp dirs left behind");
        // A synthesis that fails after carrying files leaves the assembly as it was.
        let mut w = AssemblyWriter::begin(&out).unwrap();
        w.put("k8s/c/old.yaml".into(), b"same".to_vec());
        drop(w);
        assert_eq!(fs::read(&old).unwrap(), b"same");
        assert_eq!(fs::metadata(&old).unwrap().nlink(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_linked_elsewhere_a_symlink_or_another_mode_is_written_anew() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        write_atomically(&out, &cluster_files(b"same", b"k")).unwrap();
        // old.yaml gains a second name outside the assembly.
        let outside = t.path().join("elsewhere.yaml");
        fs::hard_link(out.join("k8s/c/old.yaml"), &outside).unwrap();
        // kustomization.yaml becomes a link to a file outside, same bytes.
        let target = t.path().join("secret.txt");
        fs::write(&target, b"k").unwrap();
        let kust = out.join("k8s/c/kustomization.yaml");
        fs::remove_file(&kust).unwrap();
        std::os::unix::fs::symlink(&target, &kust).unwrap();
        // manifest.json is made private.
        let manifest = out.join("manifest.json");
        fs::set_permissions(&manifest, fs::Permissions::from_mode(0o600)).unwrap();
        let before = inode(&manifest);
        write_atomically(&out, &cluster_files(b"same", b"k")).unwrap();
        assert_ne!(inode(&out.join("k8s/c/old.yaml")), inode(&outside));
        assert_eq!(fs::metadata(&outside).unwrap().nlink(), 1);
        let k = fs::symlink_metadata(&kust).unwrap();
        assert!(k.is_file(), "the new assembly holds a file, not the link");
        assert_ne!(k.ino(), inode(&target));
        assert_eq!(fs::read(&target).unwrap(), b"k");
        assert_ne!(
            inode(&manifest),
            before,
            "a file of another mode is rewritten"
        );
        let fresh = fs::metadata(out.join("k8s/c/old.yaml")).unwrap().mode() & 0o777;
        assert_eq!(fs::metadata(&manifest).unwrap().mode() & 0o777, fresh);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_of_another_group_is_written_anew() {
        use std::os::unix::fs::MetadataExt;
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        let files = vec![
            ("manifest.json".to_string(), M.to_vec()),
            ("a.template.json".to_string(), b"{}".to_vec()),
        ];
        write_atomically(&out, &files).unwrap();
        let template = out.join("a.template.json");
        let own = fs::metadata(&template).unwrap().gid();
        // Root may give any group; others one they belong to, if they have two.
        // SAFETY: geteuid has no preconditions.
        let other = if unsafe { libc::geteuid() } == 0 {
            Some(own + 1)
        } else {
            let mut groups = [0 as libc::gid_t; 64];
            // SAFETY: the buffer holds 64 entries, the size passed.
            let n = unsafe { libc::getgroups(64, groups.as_mut_ptr()) };
            groups[..n.max(0) as usize]
                .iter()
                .copied()
                .find(|g| *g != own)
        };
        let Some(other) = other else {
            eprintln!("skipped: this user belongs to one group only");
            return;
        };
        std::os::unix::fs::chown(&template, None, Some(other)).unwrap();
        let before = inode(&template);
        write_atomically(&out, &files).unwrap();
        assert_ne!(
            inode(&template),
            before,
            "a file of another group is rewritten"
        );
        assert_eq!(fs::metadata(&template).unwrap().gid(), own);
        assert_eq!(
            inode(&out.join("manifest.json")),
            inode(&out.join("manifest.json"))
        );
    }

    #[test]
    fn refuses_to_replace_a_foreign_directory() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("precious.txt"), "keep").unwrap();
        let err =
            write_atomically(t.path(), &[("manifest.json".into(), b"{}".to_vec())]).unwrap_err();
        assert!(err.to_string().contains("not a meshsynth assembly"));
        assert!(t.path().join("precious.txt").exists());
    }

    #[test]
    fn a_directory_with_someone_elses_manifest_json_is_never_replaced() {
        let t = tempfile::tempdir().unwrap();
        // A web app's public/ with a PWA manifest.
        let public = t.path().join("public");
        fs::create_dir(&public).unwrap();
        fs::write(
            public.join("manifest.json"),
            r#"{"name": "app", "icons": []}"#,
        )
        .unwrap();
        fs::write(public.join("index.html"), "<html>").unwrap();
        let err = write_atomically(&public, &[("manifest.json".into(), b"{}".to_vec())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a meshsynth assembly"), "{err}");
        assert!(public.join("index.html").exists());
        // A real assembly with a stranger beside it (.ssh/) is not ours either.
        let out = t.path().join("mesh.out");
        let manifest = M.to_vec();
        write_atomically(&out, &[("manifest.json".into(), manifest.clone())]).unwrap();
        fs::create_dir(out.join(".ssh")).unwrap();
        fs::write(out.join(".ssh/id_ed25519"), "key").unwrap();
        let err = write_atomically(&out, &[("manifest.json".into(), manifest.clone())])
            .unwrap_err()
            .to_string();
        assert!(err.contains(".ssh"), "{err}");
        assert!(out.join(".ssh/id_ed25519").exists());
        // Without the stranger, it is replaced (Finder's .DS_Store is no stranger).
        fs::remove_dir_all(out.join(".ssh")).unwrap();
        fs::write(out.join(".DS_Store"), "finder").unwrap();
        write_atomically(&out, &[("manifest.json".into(), manifest)]).unwrap();
    }

    #[test]
    fn a_users_file_inside_k8s_is_never_deleted() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        write_atomically(
            &out,
            &[
                ("manifest.json".into(), WITH_CLUSTER.to_vec()),
                ("k8s/c/old.yaml".into(), b"x".to_vec()),
            ],
        )
        .unwrap();
        for (rel, what) in [
            ("k8s/c/notes.md", "k8s/c/notes.md"),
            ("k8s/README", "k8s/README"),
        ] {
            fs::write(out.join(rel), "mine").unwrap();
            let err = write_atomically(&out, &[("manifest.json".into(), M.to_vec())])
                .unwrap_err()
                .to_string();
            assert!(err.contains(what), "{err}");
            assert!(out.join(rel).exists());
            fs::remove_file(out.join(rel)).unwrap();
        }
        fs::create_dir(out.join("resolved")).unwrap();
        fs::write(out.join("resolved/mine.yaml"), "mine").unwrap();
        let err = write_atomically(&out, &[("manifest.json".into(), M.to_vec())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("resolved/ without deploy's marker"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn an_output_that_is_a_symbolic_link_is_written_through() {
        let t = tempfile::tempdir().unwrap();
        let real = t.path().join("real-out");
        let link = t.path().join("mesh.out");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let manifest = M.to_vec();
        // The link's target does not exist yet: refused, named.
        assert!(write_atomically(&link, &[("manifest.json".into(), manifest.clone())]).is_err());
        fs::create_dir(&real).unwrap();
        write_atomically(&link, &[("manifest.json".into(), manifest.clone())]).unwrap();
        write_atomically(&link, &[("manifest.json".into(), manifest)]).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(real.join("manifest.json").is_file());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn replacing_exchanges_atomically_and_leaves_nothing_beside() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        let b = t.path().join("b");
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("x"), "a").unwrap();
        exchange(&a, &b).unwrap();
        assert_eq!(fs::read(b.join("x")).unwrap(), b"a");
        assert!(!a.join("x").exists());
    }

    #[test]
    fn a_writer_dropped_unfinished_leaves_nothing_and_keeps_the_old_assembly() {
        let t = tempfile::tempdir().unwrap();
        let old = t.path().join("mesh.out");
        write_atomically(&old, &[("manifest.json".into(), M.to_vec())]).unwrap();
        let mut w = AssemblyWriter::begin(&old).unwrap();
        w.put("a.json".into(), b"new".to_vec());
        drop(w);
        assert_eq!(fs::read(old.join("manifest.json")).unwrap(), M);
        assert!(!old.join("a.json").exists());
        let left: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "temp dir left behind");

        // Parents made for a new target go too (only those begin made).
        let nested = t.path().join("x/y/mesh.out");
        let mut w = AssemblyWriter::begin(&nested).unwrap();
        w.put("k8s/c/a.yaml".into(), b"a".to_vec());
        drop(w);
        assert!(!t.path().join("x").exists());
    }

    #[test]
    fn a_write_error_is_reported_by_finish_and_nothing_moves_into_place() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        let mut w = AssemblyWriter::begin(&out).unwrap();
        // A file where the next one needs a directory.
        w.put("k8s".into(), b"file".to_vec());
        w.put("k8s/c/a.yaml".into(), b"a".to_vec());
        let err = w
            .finish(&[("manifest.json".into(), b"{}".to_vec())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("k8s"), "{err}");
        assert!(!out.exists());
        let left: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert!(left.is_empty(), "temp dir left behind");
    }

    #[test]
    fn two_writers_for_one_target_do_not_share_a_temporary_directory() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        let mut first = AssemblyWriter::begin(&out).unwrap();
        first.put("a.json".into(), b"first".to_vec());
        let second = AssemblyWriter::begin(&out).unwrap();
        drop(second);
        first
            .finish(&[("manifest.json".into(), b"{}".to_vec())])
            .unwrap();
        assert_eq!(fs::read(out.join("a.json")).unwrap(), b"first");
    }
}
