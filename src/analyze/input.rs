//! Reading analyzer input: files, directories and stdin, split into YAML
//! documents with the line each starts on, so every finding can name
//! `file:line`. Size is checked before anything is read, so a huge file costs
//! nothing but a `stat`.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::core::Error;

/// The largest file (or stdin) `analyze` reads: 32 MiB. A rendered platform
/// of 40,000 objects is about 20 MiB; anything larger is refused rather than
/// held in memory.
pub const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// One input text and the name findings use for it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file as given (or as found under a directory), or `<stdin>`.
    pub name: String,
    /// Its contents.
    pub text: String,
}

/// Reads every PATH: a file, a directory (walked recursively, sorted, over
/// `*.yaml`, `*.yml` and `*.json`), or `-` for `stdin`. `kustomization.yaml`
/// files are skipped with a note.
pub fn read_paths(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    notes: &mut Vec<String>,
) -> Result<Vec<Source>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(read_stdin(stdin)?);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| io_error(p, &e.to_string()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            if files.is_empty() {
                notes.push(format!("{}: no *.yaml, *.yml or *.json files", p.display()));
            }
            for f in files {
                read_file(&f, &mut out, notes)?;
            }
        } else {
            read_file(p, &mut out, notes)?;
        }
    }
    Ok(out)
}

fn io_error(p: &Path, message: &str) -> Error {
    Error::Io {
        path: p.display().to_string(),
        message: format!("{message}; check the PATH given to analyze"),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, &e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        let hidden = e
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if e.is_dir() {
            walk(&e, out)?;
        } else if matches!(
            e.extension().and_then(|x| x.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(e);
        }
    }
    Ok(())
}

fn read_file(p: &Path, out: &mut Vec<Source>, notes: &mut Vec<String>) -> Result<(), Error> {
    let name = p.display().to_string();
    if matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    ) {
        notes.push(format!(
            "{name}: kustomization skipped (pipe `kustomize build` into `meshsynth analyze -` to analyze what it renders)"
        ));
        return Ok(());
    }
    let len = std::fs::metadata(p)
        .map_err(|e| io_error(p, &e.to_string()))?
        .len();
    if len > MAX_INPUT_BYTES {
        return Err(too_large(&name, len));
    }
    let bytes = std::fs::read(p).map_err(|e| io_error(p, &e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| Error::Io {
        path: name.clone(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {}); analyze reads YAML and JSON files",
            e.utf8_error().valid_up_to()
        ),
    })?;
    out.push(Source { name, text });
    Ok(())
}

fn too_large(name: &str, len: u64) -> Error {
    Error::Io {
        path: name.to_string(),
        message: format!(
            "{} MiB is over the {} MiB input limit; split the file (e.g. one file per namespace)",
            len.div_ceil(1024 * 1024),
            MAX_INPUT_BYTES / (1024 * 1024)
        ),
    }
}

fn read_stdin(stdin: &mut dyn Read) -> Result<Source, Error> {
    let mut bytes = Vec::new();
    stdin
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io {
            path: "<stdin>".into(),
            message: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::Io {
            path: "<stdin>".into(),
            message: format!(
                "more than {} MiB; split the input (e.g. one namespace at a time)",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| Error::Io {
        path: "<stdin>".into(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    Ok(Source {
        name: "<stdin>".into(),
        text,
    })
}

/// One YAML document of a source: its text, its index in the stream and the
/// 1-based line its first content line is on.
pub struct Document<'t> {
    /// The document's text (including its `---` line, if any).
    pub text: &'t str,
    /// 0-based index in the stream.
    pub index: usize,
    /// The line of `text`'s first line in the file (1-based).
    pub first_line: usize,
    /// The line of the first line with content (what findings point at).
    pub line: usize,
}

/// Splits a YAML stream at `---` lines (a document marker at column 0 can
/// never be block-scalar content, which is indented). Documents with only
/// comments or blank lines are dropped.
pub fn documents(text: &str) -> Vec<Document<'_>> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1usize;
    let mut offset = 0usize;
    fn push<'t>(
        text: &'t str,
        from: usize,
        to: usize,
        first_line: usize,
        docs: &mut Vec<Document<'t>>,
    ) {
        let t = &text[from..to];
        let content = t.lines().enumerate().find(|(_, l)| {
            let l = l.trim();
            !(l.is_empty() || l.starts_with('#') || l == "---" || l == "...")
        });
        if let Some((i, _)) = content {
            docs.push(Document {
                text: t,
                index: docs.len(),
                first_line,
                line: first_line + i,
            });
        }
    }
    for (line_no, l) in (1usize..).zip(text.split_inclusive('\n')) {
        let marker =
            l.starts_with("---") && l[3..].chars().next().is_none_or(|c| c.is_whitespace());
        if marker && offset > start {
            push(text, start, offset, start_line, &mut docs);
            start = offset;
            start_line = line_no;
        }
        offset += l.len();
    }
    push(text, start, text.len(), start_line, &mut docs);
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_carry_their_first_content_line() {
        let text = "# header\n---\na: 1\n---\n\n# c\nb: |\n  ---\n  x\n---\n";
        let docs = documents(text);
        assert_eq!(docs.len(), 2);
        assert_eq!((docs[0].index, docs[0].line), (0, 3));
        assert_eq!((docs[1].index, docs[1].line), (1, 7));
        assert!(docs[1].text.contains("  ---"));
    }
}
