//! Writing an assembly atomically: everything goes to a temp dir beside the
//! target, which is then renamed into place. On error the previous assembly
//! stays untouched and nothing partial is left; stale files vanish with the
//! old directory.

use std::fs;
use std::path::{Path, PathBuf};

use crate::core::Error;

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes `files` (relative path → bytes) as the directory `dir`.
pub fn write_atomically(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    let name = dir
        .file_name()
        .ok_or_else(|| io_err(dir, "the output directory needs a name"))?
        .to_string_lossy()
        .to_string();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dir.exists() {
        if !dir.is_dir() {
            return Err(io_err(
                dir,
                "exists and is not a directory; choose another -o",
            ));
        }
        let looks_like_assembly = dir.join("manifest.json").is_file();
        let empty = fs::read_dir(dir)
            .map_err(|e| io_err(dir, format!("cannot read: {e}")))?
            .next()
            .is_none();
        if !looks_like_assembly && !empty {
            return Err(io_err(
                dir,
                "is not empty and holds no manifest.json; refusing to replace a directory that is not a meshsynth assembly (choose another -o)",
            ));
        }
    }
    fs::create_dir_all(&parent).map_err(|e| {
        io_err(
            &parent,
            format!("cannot create the output's parent directory: {e}"),
        )
    })?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    let _ = fs::remove_dir_all(&tmp);
    let result = write_tree(&tmp, files).and_then(|()| swap_into_place(&tmp, dir, &old));
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn write_tree(root: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    fs::create_dir(root)
        .map_err(|e| io_err(root, format!("cannot create the output directory: {e}")))?;
    for (rel, bytes) in files {
        let path = root.join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(|e| io_err(p, e))?;
        }
        fs::write(&path, bytes).map_err(|e| io_err(&path, e))?;
    }
    Ok(())
}

fn swap_into_place(tmp: &Path, dir: &Path, old: &Path) -> Result<(), Error> {
    let had_old = dir.exists();
    if had_old {
        let _ = fs::remove_dir_all(old);
        fs::rename(dir, old)
            .map_err(|e| io_err(dir, format!("cannot move the previous assembly aside: {e}")))?;
    }
    if let Err(e) = fs::rename(tmp, dir) {
        if had_old {
            let _ = fs::rename(old, dir);
        }
        return Err(io_err(
            dir,
            format!("cannot move the new assembly into place: {e}"),
        ));
    }
    if had_old {
        let _ = fs::remove_dir_all(old);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_previous_assembly_and_removes_stale_files() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("mesh.out");
        write_atomically(
            &out,
            &[
                ("manifest.json".into(), b"{}".to_vec()),
                ("old.txt".into(), b"x".to_vec()),
            ],
        )
        .unwrap();
        write_atomically(
            &out,
            &[
                ("manifest.json".into(), b"{}".to_vec()),
                ("k8s/a/b.yaml".into(), b"y".to_vec()),
            ],
        )
        .unwrap();
        assert!(!out.join("old.txt").exists());
        assert_eq!(fs::read(out.join("k8s/a/b.yaml")).unwrap(), b"y");
        let leftovers: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temp dirs left behind");
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
}
