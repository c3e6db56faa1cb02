//! Reading analyzer input: files, directories and stdin, split into YAML
//! documents with the line each starts on, so every finding can name
//! `file:line`. Size is checked before anything is read, so a huge file costs
//! nothing but a `stat`.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::core::Error;
use crate::untrusted::{check_nesting, inert, read_regular, walk_confined, ReadError, MAX_NESTING};

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
/// files and Helm values files are skipped with a note.
pub fn read_paths(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    notes: &mut Vec<String>,
) -> Result<Vec<Source>, Error> {
    let mut out = Vec::new();
    let mut total = 0u64;
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(read_stdin(stdin)?);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| io_error(p, &e.to_string()))?;
        if meta.is_dir() {
            let walked = walk_confined(p, &is_yaml_name, MAX_WALK_ENTRIES)
                .map_err(|e| io_error(p, &e.to_string()))?;
            if walked.files.is_empty() {
                notes.push(format!(
                    "{}: no *.yaml, *.yml or *.json files",
                    inert(&p.display().to_string())
                ));
            }
            notes.extend(walked.skipped);
            if !walked.hidden.is_empty() {
                let shown: Vec<String> = walked
                    .hidden
                    .iter()
                    .take(3)
                    .map(|h| inert(&h.display().to_string()).into_owned())
                    .collect();
                notes.push(format!(
                    "{} hidden file(s) or directory(ies) not read: {}{} (name a hidden file to analyze it)",
                    walked.hidden.len(),
                    shown.join(", "),
                    if walked.hidden.len() > 3 { ", …" } else { "" }
                ));
            }
            for f in walked.files {
                read_file(&f, &mut out, notes, &mut total)?;
            }
        } else {
            read_file(p, &mut out, notes, &mut total)?;
        }
    }
    Ok(out)
}

/// Most directory entries one `analyze` looks at.
const MAX_WALK_ENTRIES: usize = 100_000;

/// Most bytes one `analyze` reads over all its inputs: 256 MiB.
pub const MAX_TOTAL_INPUT_BYTES: u64 = 256 * 1024 * 1024;

fn is_yaml_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|x| x.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn io_error(p: &Path, message: &str) -> Error {
    Error::Io {
        path: inert(&p.display().to_string()).into_owned(),
        message: format!("{message}; check the PATH given to analyze"),
        source: None,
    }
}

fn read_file(
    p: &Path,
    out: &mut Vec<Source>,
    notes: &mut Vec<String>,
    total: &mut u64,
) -> Result<(), Error> {
    let name = inert(&p.display().to_string()).into_owned();
    if matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    ) {
        notes.push(format!(
            "{name}: kustomization skipped (pipe `kustomize build` into `meshsynth analyze -` to analyze what it renders)"
        ));
        return Ok(());
    }
    let bytes = read_regular(p, MAX_INPUT_BYTES).map_err(|e| match e {
        ReadError::TooLarge(_) => too_large(&name),
        other => io_error(p, &other.to_string()),
    })?;
    *total += bytes.len() as u64;
    if *total > MAX_TOTAL_INPUT_BYTES {
        return Err(Error::Io {
            path: name,
            message: format!(
                "the inputs together pass the {} MiB limit; analyze fewer files at a time",
                MAX_TOTAL_INPUT_BYTES / (1024 * 1024)
            ),
            source: None,
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| Error::Io {
        path: name.clone(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {}); analyze reads YAML and JSON files",
            e.utf8_error().valid_up_to()
        ),
        source: None,
    })?;
    strip_bom(&mut text);
    if is_helm_values(p, &text) {
        notes.push(format!(
            "{name}: Helm values skipped (render the chart with `helm template` and pipe it into `meshsynth analyze -`)"
        ));
        return Ok(());
    }
    check_nesting(&text, MAX_NESTING).map_err(|e| Error::Io {
        path: name.clone(),
        message: format!("{e}; analyze refuses it before parsing"),
        source: None,
    })?;
    out.push(Source { name, text });
    Ok(())
}

/// A Helm values file (`values.yaml`, `*.values.yaml`, `*-values.yaml`,
/// or `.yml`/`.json`) none of whose documents is a Kubernetes object (a
/// mapping with `apiVersion` and `kind`, however it is written): input to
/// a chart, not an object. A file that does not parse is not skipped: the
/// analysis reports why.
fn is_helm_values(p: &Path, text: &str) -> bool {
    let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let named = ["values.yaml", "values.yml", "values.json"]
        .iter()
        .any(|v| {
            name == *v || name.ends_with(&format!(".{v}")) || name.ends_with(&format!("-{v}"))
        });
    if !named {
        return false;
    }
    let Ok(docs) = crate::untrusted::YamlReader::for_input(text.len()).documents(text) else {
        return false;
    };
    !docs.iter().any(|d| {
        d.get("kind").is_some_and(serde_yaml::Value::is_string)
            && d.get("apiVersion")
                .is_some_and(serde_yaml::Value::is_string)
    })
}

/// Drops a leading byte-order mark: editors on Windows write one, and it
/// would hide the first line's `---` or key.
fn strip_bom(text: &mut String) {
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
}

fn too_large(name: &str) -> Error {
    Error::Io {
        path: name.to_string(),
        message: format!(
            "over the {} MiB input limit; split the file (e.g. one file per namespace)",
            MAX_INPUT_BYTES / (1024 * 1024)
        ),
        source: None,
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
            source: Some(e),
        })?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::Io {
            path: "<stdin>".into(),
            message: format!(
                "more than {} MiB; split the input (e.g. one namespace at a time)",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
            source: None,
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| Error::Io {
        path: "<stdin>".into(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
        source: None,
    })?;
    strip_bom(&mut text);
    check_nesting(&text, MAX_NESTING).map_err(|e| Error::Io {
        path: "<stdin>".into(),
        message: format!("{e}; analyze refuses it before parsing"),
        source: None,
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
    /// Where the object is inside the document: empty, or `items[3].` for
    /// an item of a `kind: List` (its fields' lines are looked up there).
    pub path: String,
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
                path: String::new(),
            });
        }
    }
    // The lines as `split_inclusive('\n')` gives them, found by `memchr`.
    let ends = memchr::memchr_iter(b'\n', text.as_bytes())
        .map(|i| i + 1)
        .chain((!text.ends_with('\n') && !text.is_empty()).then_some(text.len()));
    for (line_no, end) in (1usize..).zip(ends) {
        let l = &text[offset..end];
        let marker =
            l.starts_with("---") && l[3..].chars().next().is_none_or(|c| c.is_whitespace());
        if marker && offset > start {
            push(text, start, offset, start_line, &mut docs);
            start = offset;
            start_line = line_no;
        }
        offset = end;
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
        // The last line needs no break; a marker needs its own line.
        let docs = documents("a: 1\r\n--- \r\nb: 2\n--x: 3\n---");
        let texts: Vec<&str> = docs.iter().map(|d| d.text).collect();
        assert_eq!(texts, ["a: 1\r\n", "--- \r\nb: 2\n--x: 3\n"]);
        assert_eq!((docs[1].first_line, docs[1].line), (2, 3));
        assert!(documents("").is_empty());
    }
}
