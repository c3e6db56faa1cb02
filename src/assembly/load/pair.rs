//! Loading two assemblies at once (diff): the documents both sides
//! share byte for byte are dropped before parsing.

use super::*;

/// Cluster name → its Kubernetes files as (relative path, bytes).
pub(super) type ClusterFiles = BTreeMap<String, Vec<(String, Vec<u8>)>>;

/// Every Kubernetes file of each cluster, read through the source's checks
/// and limits.
pub(super) fn cluster_files(src: &mut AssemblyDir) -> Result<ClusterFiles, LoadError> {
    let manifest_path = src.display("manifest.json");
    let manifest_bytes = src.read("manifest.json")?;
    let manifest = parse_manifest(&manifest_path, &manifest_bytes)?;
    let mut out: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for c in &manifest.clusters {
        let files = out.entry(c.name.clone()).or_default();
        for f in &c.files {
            let rel = checked(&manifest_path, &f.file)?;
            if !files.iter().any(|(r, _)| r == rel) {
                files.push((rel.to_string(), src.read(rel)?));
            }
        }
    }
    // The loader reads the manifest again; count it once.
    src.total.fetch_sub(
        manifest_bytes.len() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    Ok(out)
}

/// The documents of a YAML stream as byte ranges, split at `---` lines (a
/// document marker cannot stand at column 0 inside a scalar). `None` when
/// the stream uses anything else between documents (directives, `...`,
/// content after `---`): such a file is parsed whole.
pub(super) fn split_documents(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    while line_start < bytes.len() {
        let end = bytes[line_start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(bytes.len(), |i| line_start + i + 1);
        let line = &bytes[line_start..end];
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if bare == b"---" {
            docs.push(&bytes[start..line_start]);
            start = end;
        } else if bare.starts_with(b"---") || bare.starts_with(b"...") || bare.starts_with(b"%") {
            return None;
        }
        line_start = end;
    }
    docs.push(&bytes[start..]);
    Some(docs)
}

/// The two sides' files with every document found exactly once on each
/// side of a cluster removed from both; files that cannot be split safely
/// are kept whole.
pub(super) fn drop_common_documents(
    a: ClusterFiles,
    b: ClusterFiles,
) -> (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    use std::collections::HashMap;
    let mut out_a = BTreeMap::new();
    let mut out_b = BTreeMap::new();
    for (cluster, files_a) in &a {
        let files_b = b.get(cluster).map(Vec::as_slice).unwrap_or_default();
        // A file that cannot be split safely has no documents to share.
        fn split(files: &[(String, Vec<u8>)]) -> Vec<Option<Vec<&[u8]>>> {
            files
                .iter()
                .map(|(_, bytes)| split_documents(bytes))
                .collect()
        }
        // Keyed by file too: the file names the chart, which the stack
        // filter reads, so a document that moved files is compared.
        fn count<'d>(
            files: &'d [(String, Vec<u8>)],
            docs: &[Option<Vec<&'d [u8]>>],
        ) -> HashMap<(&'d str, &'d [u8]), usize> {
            let mut m = HashMap::new();
            for ((rel, _), docs) in files.iter().zip(docs) {
                for d in docs.iter().flatten() {
                    if !d.iter().all(u8::is_ascii_whitespace) {
                        *m.entry((rel.as_str(), *d)).or_default() += 1;
                    }
                }
            }
            m
        }
        let (docs_a, docs_b) = (split(files_a), split(files_b));
        let (ca, cb) = (count(files_a, &docs_a), count(files_b, &docs_b));
        let common =
            |rel: &str, d: &[u8]| ca.get(&(rel, d)) == Some(&1) && cb.get(&(rel, d)) == Some(&1);
        let keep = |files: &[(String, Vec<u8>)],
                    docs: &[Option<Vec<&[u8]>>],
                    out: &mut BTreeMap<String, Vec<u8>>| {
            for ((rel, bytes), docs) in files.iter().zip(docs) {
                let Some(docs) = docs.as_ref().filter(|d| d.iter().any(|d| common(rel, d))) else {
                    out.insert(rel.clone(), bytes.clone());
                    continue;
                };
                let mut kept = Vec::with_capacity(bytes.len() / 4);
                for d in docs.iter().filter(|d| !common(rel, d)) {
                    if d.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    kept.extend_from_slice(b"---\n");
                    kept.extend_from_slice(d);
                }
                out.insert(rel.clone(), kept);
            }
        };
        keep(files_a, &docs_a, &mut out_a);
        keep(files_b, &docs_b, &mut out_b);
    }
    // A file listed by two clusters (a malformed manifest) is read whole
    // for each, from disk: its trimmed form belongs to one cluster only.
    for side in [&a, &b] {
        let mut seen = std::collections::BTreeSet::new();
        for (rel, _) in side.values().flatten() {
            if !seen.insert(rel.as_str()) {
                out_a.remove(rel);
                out_b.remove(rel);
            }
        }
    }
    (out_a, out_b)
}

/// A source that serves some files from memory (each once, as the loader
/// reads each once) and the rest from the directory.
pub(super) struct CachedSource {
    pub(super) inner: AssemblyDir,
    pub(super) cache: BTreeMap<String, Vec<u8>>,
}

impl Source for CachedSource {
    fn read(&mut self, rel: &str) -> Result<Vec<u8>, LoadError> {
        match self.cache.remove(rel) {
            Some(bytes) => Ok(bytes),
            None => self.inner.read(rel),
        }
    }

    fn display(&self, rel: &str) -> String {
        self.inner.display(rel)
    }
}
