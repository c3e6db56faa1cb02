//! `meshsynth init`: scaffolds a new platform crate, as `cdk init` and
//! `cdk8s init` do: `Cargo.toml`, a small working app, one snapshot test,
//! `meshsynth.json`, `.gitignore` and a README with the three commands.
//! Nothing is written when the directory already holds any of those files.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use meshsynth::core::names::validate_dns1123_label;
use meshsynth::core::Error;

/// The arguments of `init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Directory of the new crate; created if missing. Default: the current directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Crate and platform name (lowercase letters, digits, '-'). Default: the directory's name.
    #[arg(long)]
    pub name: Option<String>,
    /// Depend on the meshsynth library at this path. Default: the library this toolkit was built from, when it is still there; else crates.io.
    #[arg(long, value_name = "DIR", conflicts_with = "meshsynth_git")]
    pub meshsynth_path: Option<PathBuf>,
    /// Depend on the meshsynth library from this git repository.
    #[arg(long, value_name = "URL")]
    pub meshsynth_git: Option<String>,
}

/// Where the new crate's `meshsynth` dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    /// A local checkout.
    Path(PathBuf),
    /// A git repository.
    Git(String),
    /// The version on crates.io.
    Registry,
}

impl Dependency {
    /// The command that installs the toolkit from the same source (the
    /// crates are not published on crates.io yet).
    pub(crate) fn install(&self) -> String {
        match self {
            Dependency::Path(p) => format!(
                "cargo install --locked --path {}",
                p.join("toolkit").display()
            ),
            Dependency::Git(url) => format!("cargo install --locked --git {url} meshsynth-cli"),
            Dependency::Registry => {
                "cargo install --locked --path <a meshsynth checkout>/toolkit   # not on crates.io yet".into()
            }
        }
    }

    fn toml(&self) -> String {
        self.toml_with(&[])
    }

    /// The dependency line, with `features` on (`aws-s3`…) when any.
    pub(crate) fn toml_with(&self, features: &[String]) -> String {
        let features = if features.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = features.iter().map(|f| format!("{f:?}")).collect();
            format!(", features = [{}]", quoted.join(", "))
        };
        match self {
            Dependency::Path(p) => {
                format!(
                    "meshsynth = {{ path = {:?}{features} }}",
                    p.display().to_string()
                )
            }
            Dependency::Git(url) => format!("meshsynth = {{ git = {url:?}{features} }}"),
            Dependency::Registry if features.is_empty() => {
                format!("meshsynth = \"{}\"", env!("CARGO_PKG_VERSION"))
            }
            Dependency::Registry => format!(
                "meshsynth = {{ version = \"{}\"{features} }}",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

/// The library source this toolkit was built from, if it is still on disk.
fn built_from() -> Option<PathBuf> {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = std::fs::read_to_string(lib.join("Cargo.toml")).ok()?;
    manifest
        .contains("name = \"meshsynth\"")
        .then(|| lib.canonicalize().ok())
        .flatten()
}

/// `meshsynth init`.
pub fn run(args: &InitArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let dir = &args.dir;
    let name = platform_name(dir, args.name.as_deref())?;
    let dependency = dependency(
        args.meshsynth_path.as_deref(),
        args.meshsynth_git.as_deref(),
    )?;
    let mut files = scaffold(&name, &dependency);
    // The reviewed snapshots of the starter, so the first `cargo test` passes.
    files.extend(crate::starter::snapshots(&name)?);
    let existing: Vec<&str> = files
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| dir.join(p).exists())
        .collect();
    if !existing.is_empty() {
        return Err(Error::Io {
            path: dir.display().to_string(),
            message: format!(
                "already holds {}; init writes a new crate: choose an empty directory",
                existing.join(", ")
            ),
            source: None,
        });
    }
    if let Err(why) = format_rust(&mut files) {
        let _ = writeln!(
            err,
            "note: the Rust files are written as templated, not formatted ({}); `cargo fmt` formats them",
            meshsynth::untrusted::inert(&why)
        );
    }
    write_all_or_nothing(dir, &files)?;
    let _ = writeln!(
        err,
        "created platform crate {name} in {} ({} files); next: cd {} && cargo test && meshsynth synth",
        dir.display(),
        files.len(),
        dir.display()
    );
    let _ = writeln!(out, "{}", dir.display());
    Ok(0)
}

/// The crate and platform name: `--name`, or the directory's name made a
/// DNS label; refused when Rust or the crate's build cannot use it.
pub(crate) fn platform_name(dir: &Path, name: Option<&str>) -> Result<String, Error> {
    let name = match name {
        Some(n) => n.to_string(),
        None => {
            let abs = std::path::absolute(dir).map_err(|e| Error::Io {
                path: dir.display().to_string(),
                message: e.to_string(),
                source: Some(e),
            })?;
            abs.file_name()
                .map(|n| {
                    n.to_string_lossy()
                        .to_lowercase()
                        .replace(['_', ' ', '.'], "-")
                })
                .unwrap_or_default()
        }
    };
    validate_dns1123_label(&name)
        .map_err(String::from)
        .and_then(|()| crate_name_ok(&name))
        .map_err(|reason| Error::Io {
            path: "--name".into(),
            message: format!(
                "{} cannot name a platform: {reason}; pass --name with another name (lowercase letters, digits and '-')",
                meshsynth::untrusted::inert(&format!("{name:?}"))
            ),
            source: None,
        })?;
    Ok(name)
}

/// Where the new crate's `meshsynth` comes from: `--meshsynth-path`,
/// `--meshsynth-git`, else the checkout this toolkit was built from, else
/// crates.io.
pub(crate) fn dependency(path: Option<&Path>, git: Option<&str>) -> Result<Dependency, Error> {
    Ok(match (path, git) {
        (Some(p), _) => Dependency::Path(p.canonicalize().map_err(|e| Error::Io {
            path: p.display().to_string(),
            message: format!("--meshsynth-path: {e}"),
            source: Some(e),
        })?),
        (None, Some(url)) => Dependency::Git(url.to_string()),
        (None, None) => built_from().map_or(Dependency::Registry, Dependency::Path),
    })
}

/// Names a DNS label allows but a Rust crate (or this crate's build) does
/// not: keywords (the crate is `use`d by its snake-case name), a leading
/// digit, and the names of the crates it depends on or shadows.
fn crate_name_ok(name: &str) -> Result<(), String> {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    ];
    const TAKEN: &[&str] = &[
        "std",
        "core",
        "alloc",
        "test",
        "proc-macro",
        "insta",
        "serde-json",
        "k8s-openapi",
    ];
    let snake = name.replace('-', "_");
    if KEYWORDS.contains(&snake.as_str()) {
        return Err(format!("`{snake}` is a Rust keyword"));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("a Rust crate name cannot start with a digit".into());
    }
    // Every meshsynth crate (the library, its CRD types, the toolkit, the
    // reference apps, the generator) is `meshsynth` or `meshsynth-*`.
    if TAKEN.contains(&name) || name == "meshsynth" || name.starts_with("meshsynth-") {
        return Err(format!(
            "`{name}` is the name of a crate the platform depends on"
        ));
    }
    Ok(())
}

/// Writes every file or none: each goes to a temporary file first, then all
/// are renamed into place; on any error the files and directories this call
/// made are removed again, so a re-run is not blocked by half a crate.
pub(crate) fn write_all_or_nothing(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
    let mut made_dirs: Vec<PathBuf> = Vec::new();
    let mut written: Vec<PathBuf> = Vec::new();
    let result = (|| {
        let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (path, bytes) in files {
            let target = dir.join(path);
            refuse_links(dir, path)?;
            if let Some(parent) = target.parent() {
                let missing: Vec<PathBuf> = parent
                    .ancestors()
                    .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
                    .map(Path::to_path_buf)
                    .collect();
                std::fs::create_dir_all(parent).map_err(|e| Error::Io {
                    path: parent.display().to_string(),
                    message: e.to_string(),
                    source: Some(e),
                })?;
                made_dirs.extend(missing.into_iter().rev());
            }
            // The whole name kept (`Cargo.toml.meshsynth-init.tmp`): files
            // that differ only by extension must not share a temporary file.
            let mut tmp_name = target.file_name().unwrap_or_default().to_os_string();
            tmp_name.push(".meshsynth-init.tmp");
            let tmp = target.with_file_name(tmp_name);
            // Created new, never through a file or link planted at its name.
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.custom_flags(libc::O_NOFOLLOW);
            }
            let created = o.open(&tmp).map_err(|e| Error::Io {
                path: tmp.display().to_string(),
                message: format!(
                    "cannot create the temporary file ({e}); remove it and run init again"
                ),
                source: Some(e),
            })?;
            written.push(tmp.clone());
            std::io::Write::write_all(&mut { created }, bytes).map_err(|e| Error::Io {
                path: target.display().to_string(),
                message: e.to_string(),
                source: Some(e),
            })?;
            staged.push((tmp, target));
        }
        for (tmp, target) in staged {
            std::fs::rename(&tmp, &target).map_err(|e| Error::Io {
                path: target.display().to_string(),
                message: e.to_string(),
                source: Some(e),
            })?;
            written.push(target);
        }
        Ok(())
    })();
    if result.is_err() {
        for f in &written {
            let _ = std::fs::remove_file(f);
        }
        for d in made_dirs.iter().rev() {
            // Only if empty: the user may have put something there meanwhile.
            let _ = std::fs::remove_dir(d);
        }
    }
    result
}

/// Refuses a directory on the way to `rel` (inside `dir`) that is a
/// symbolic link: init writes the crate into plain directories only, so a
/// link planted as `src/` cannot send a file elsewhere.
fn refuse_links(dir: &Path, rel: &str) -> Result<(), Error> {
    let mut p = dir.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        p.push(part);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Io {
                path: meshsynth::untrusted::inert(&p.display().to_string()).into_owned(),
                message: "is a symbolic link; init writes a new crate into plain directories only: choose an empty directory".into(),
                source: None,
            });
        }
    }
    Ok(())
}

/// The files of a new crate named `name`, as (relative path, bytes).
pub fn scaffold(name: &str, dependency: &Dependency) -> Vec<(String, Vec<u8>)> {
    let fill = |t: &str| {
        t.replace("{{name_snake}}", &name.replace('-', "_"))
            .replace("{{name}}", name)
            .replace("{{meshsynth}}", &dependency.toml())
            .replace("{{install}}", &dependency.install())
            .into_bytes()
    };
    vec![
        ("Cargo.toml".into(), fill(CARGO_TOML)),
        ("src/lib.rs".into(), fill(LIB_RS)),
        ("src/main.rs".into(), fill(MAIN_RS)),
        ("tests/snapshot.rs".into(), fill(TEST_RS)),
        ("meshsynth.json".into(), fill(MESHSYNTH_JSON)),
        (".gitignore".into(), fill(GITIGNORE)),
        ("README.md".into(), fill(README)),
        // The versions meshsynth itself is built and tested with: cargo
        // keeps them for the new crate (adding its own entry, dropping what
        // it does not use), so its first build resolves nothing new and a
        // later one is reproducible. Commit it, as for any binary crate.
        ("Cargo.lock".into(), LOCKFILE.as_bytes().to_vec()),
    ]
}

/// Runs the scaffold's Rust files through rustfmt before anything is
/// written, so `cargo fmt --check` in the new crate's CI passes whatever
/// the name's length (the templates are formatted for a name of average
/// length; a longer or shorter one moves line breaks). On failure the
/// files stay as templated, and say why.
fn format_rust(files: &mut [(String, Vec<u8>)]) -> Result<(), String> {
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    format_with(files, &rustfmt)
}

fn format_with(files: &mut [(String, Vec<u8>)], rustfmt: &std::ffi::OsStr) -> Result<(), String> {
    // Every file formatted, or none: a failure part way keeps them all as
    // templated, as the note says.
    let mut formatted = Vec::new();
    for (i, (path, bytes)) in files
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| p.ends_with(".rs"))
    {
        let mut child = std::process::Command::new(rustfmt)
            .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("rustfmt did not start: {e}"))?;
        let mut stdin = child.stdin.take().ok_or("rustfmt has no input")?;
        let input = bytes.clone();
        // Written from a thread: a file larger than the pipe would
        // otherwise wait on rustfmt's output while rustfmt waits on it.
        let feeder = std::thread::spawn(move || stdin.write_all(&input));
        let out = child
            .wait_with_output()
            .map_err(|e| format!("rustfmt failed: {e}"))?;
        let fed = feeder
            .join()
            .map_err(|_| "rustfmt's input thread panicked")?;
        if !out.status.success() || fed.is_err() || out.stdout.is_empty() {
            let why = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "rustfmt refused {path}: {}",
                why.lines().next().unwrap_or("no reason given")
            ));
        }
        formatted.push((i, out.stdout));
    }
    for (i, bytes) in formatted {
        files[i].1 = bytes;
    }
    Ok(())
}

pub(crate) const LOCKFILE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock"));

pub(crate) const CARGO_TOML: &str = include_str!("../templates/init/Cargo.toml.tmpl");
const LIB_RS: &str = include_str!("../templates/init/lib.rs.tmpl");
pub(crate) const MAIN_RS: &str = include_str!("../templates/init/main.rs.tmpl");
const TEST_RS: &str = include_str!("../templates/init/snapshot.rs.tmpl");
pub(crate) const MESHSYNTH_JSON: &str = include_str!("../templates/init/meshsynth.json.tmpl");
pub(crate) const GITIGNORE: &str = include_str!("../templates/init/gitignore.tmpl");
const README: &str = include_str!("../templates/init/README.md.tmpl");

#[cfg(test)]
mod tests {
    #[test]
    fn names_rust_cannot_build_are_refused_and_nothing_is_written() {
        let t = tempfile::tempdir().unwrap();
        for bad in [
            "self",
            "meshsynth",
            "crate",
            "9lives",
            "async",
            "meshsynth-crds",
            "insta",
        ] {
            let args = InitArgs {
                dir: t.path().join(bad),
                name: Some(bad.into()),
                meshsynth_path: None,
                meshsynth_git: None,
            };
            let e = run(&args, &mut Vec::new(), &mut Vec::new())
                .unwrap_err()
                .to_string();
            assert!(e.contains("cannot name a platform"), "{bad}: {e}");
            assert!(!t.path().join(bad).exists(), "{bad}: a directory was made");
        }
    }

    #[test]
    fn a_failed_init_leaves_no_partial_crate_and_can_run_again() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("acme");
        std::fs::create_dir(&dir).unwrap();
        // `tests` is a file: the snapshot test cannot be written.
        std::fs::write(dir.join("tests"), "in the way").unwrap();
        let args = InitArgs {
            dir: dir.clone(),
            name: Some("acme".into()),
            meshsynth_path: None,
            meshsynth_git: Some("https://example.invalid/meshsynth".into()),
        };
        assert!(run(&args, &mut Vec::new(), &mut Vec::new()).is_err());
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("tests")]);
        std::fs::remove_file(dir.join("tests")).unwrap();
        assert_eq!(run(&args, &mut Vec::new(), &mut Vec::new()).unwrap(), 0);
        assert!(dir.join("tests/snapshot.rs").is_file());
    }
    use super::*;

    #[cfg(unix)]
    #[test]
    fn init_never_writes_through_a_planted_link() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("acme");
        std::fs::create_dir(&dir).unwrap();
        let victim = t.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        // A temporary file name, linked to a file outside.
        std::os::unix::fs::symlink(&victim, dir.join("Cargo.toml.meshsynth-init.tmp")).unwrap();
        let args = InitArgs {
            dir: dir.clone(),
            name: Some("acme".into()),
            meshsynth_path: None,
            meshsynth_git: Some("https://example.invalid/meshsynth".into()),
        };
        assert!(run(&args, &mut Vec::new(), &mut Vec::new()).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        std::fs::remove_file(dir.join("Cargo.toml.meshsynth-init.tmp")).unwrap();
        // A directory of the crate, linked elsewhere.
        let elsewhere = t.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("src")).unwrap();
        let e = run(&args, &mut Vec::new(), &mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a symbolic link"), "{e}");
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        assert!(!dir.join("Cargo.toml").exists());
    }

    /// Whether rustfmt leaves one file's bytes as they are.
    fn rustfmt_check(bytes: &[u8]) -> bool {
        let mut child = std::process::Command::new("rustfmt")
            .args(["--edition", "2021", "--check"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("rustfmt runs (the suite formats with cargo fmt)");
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        child.wait().unwrap().success()
    }

    #[test]
    fn the_scaffold_is_formatted_whatever_the_name() {
        // The templates themselves are formatted for an average name.
        let plain = scaffold("acme-platform", &Dependency::Registry);
        for (path, bytes) in plain.iter().filter(|(p, _)| p.ends_with(".rs")) {
            assert!(rustfmt_check(bytes), "template {path} is not rustfmt-clean");
        }
        // A long and a short name move line breaks; init formats them.
        for name in ["p", "payments-platform-of-the-north-american-retail-team"] {
            let mut files = scaffold(name, &Dependency::Registry);
            let before = files.clone();
            format_rust(&mut files).unwrap();
            for ((path, bytes), (_, old)) in files.iter().zip(&before) {
                if path.ends_with(".rs") {
                    assert!(rustfmt_check(bytes), "{name}: {path} is not formatted");
                } else {
                    assert_eq!(bytes, old, "{path} is not Rust and stays as templated");
                }
            }
            let changed = files.iter().zip(&before).any(|((_, b), (_, o))| b != o);
            assert!(changed || name == "p", "{name}: nothing was reformatted");
        }
    }

    #[test]
    fn a_missing_rustfmt_is_said_not_fatal() {
        let mut files = scaffold("acme", &Dependency::Registry);
        let before = files.clone();
        let r = format_with(&mut files, "/nonexistent/rustfmt".as_ref());
        assert!(r.unwrap_err().contains("rustfmt did not start"));
        assert_eq!(files, before, "the files stay as templated");
    }

    #[test]
    fn a_rustfmt_failing_part_way_leaves_every_file_as_templated() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        // Changes lib.rs (the first file), refuses main.rs.
        let fake = t.path().join("rustfmt");
        std::fs::write(
            &fake,
            "#!/bin/sh\ninput=$(cat)\ncase \"$input\" in *\"fn main\"*) echo refused >&2; exit 1;; esac\nprintf '// changed\\n%s\\n' \"$input\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut files = scaffold("acme", &Dependency::Registry);
        let before = files.clone();
        let r = format_with(&mut files, fake.as_os_str());
        assert!(r
            .unwrap_err()
            .contains("rustfmt refused src/main.rs: refused"));
        assert_eq!(files, before, "lib.rs, formatted first, is not kept alone");
    }

    #[test]
    fn scaffold_names_the_crate_and_the_dependency() {
        let files = scaffold("acme", &Dependency::Git("https://example.com/m.git".into()));
        let cargo = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(cargo.contains("name = \"acme\""), "{cargo}");
        assert!(cargo.contains("meshsynth = { git = \"https://example.com/m.git\" }"));
        assert!(files
            .iter()
            .all(|(_, b)| !String::from_utf8_lossy(b).contains("{{")));
        let lock = files
            .iter()
            .find(|(f, _)| f == "Cargo.lock")
            .expect("a Cargo.lock");
        let lock = String::from_utf8_lossy(&lock.1);
        assert!(
            lock.starts_with("# This file is automatically @generated by Cargo."),
            "{lock}"
        );
        assert!(
            lock.contains("name = \"serde\""),
            "the tested versions are pinned"
        );
    }
}
