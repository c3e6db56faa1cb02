//! Loading two assemblies at once (diff), which reports only what differs:
//! the Kubernetes documents both sides share byte for byte are dropped
//! before parsing, and a template both sides share byte for byte has its
//! shape checked and is parsed only if diff reads it. Each file is still
//! read once per side, through the same checks and limits as a single load.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use super::*;

/// What reading both sides up front found: per side, the bytes already
/// read (trimmed of shared documents) and the templates not to parse.
pub(super) struct Prepared {
    pub(super) manifests: (Manifest, Manifest),
    pub(super) caches: (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>),
    /// Each side's paths of the shared templates.
    pub(super) skip: (HashSet<String>, HashSet<String>),
    pub(super) shared: SharedTemplates,
}

/// The templates both sides of a pair hold byte for byte, their shape
/// checked ([`super::shape`]) but not parsed: diff reads one only when
/// another stack's change points at it (an export it imports), and parses
/// it then.
#[derive(Debug, Default)]
pub(crate) struct SharedTemplates {
    /// Stack name → (path as shown, bytes, the tree once parsed).
    stacks: HashMap<String, (String, Vec<u8>, OnceLock<Json>)>,
}

impl SharedTemplates {
    /// Stack `name`'s template, parsed on first use.
    pub(crate) fn get(&self, name: &str) -> Option<&Json> {
        let (path, bytes, tree) = self.stacks.get(name)?;
        // The shape check promised the parse succeeds; `null` otherwise,
        // which reads as a template with nothing in it.
        Some(tree.get_or_init(|| parse_template(path, bytes).unwrap_or(Json::Null)))
    }

    /// Whether stack `name`'s template may hold the text `needle`, read
    /// from its bytes without parsing them: false only when it holds
    /// neither the text nor a backslash (an escape could spell it), so a
    /// plan parses a shared template only when it may import an export.
    /// True for a stack that is not shared.
    pub(crate) fn may_mention(&self, name: &str, needle: &str) -> bool {
        self.stacks.get(name).is_none_or(|(_, bytes, _)| {
            memchr::memmem::find(bytes, needle.as_bytes()).is_some()
                || memchr::memchr(b'\\', bytes).is_some()
        })
    }

    /// The shared stacks' names.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.stacks.keys().map(String::as_str)
    }
}

fn read_manifest(src: &mut AssemblyDir) -> Result<Manifest, LoadError> {
    let path = src.display("manifest.json");
    let bytes = src.read("manifest.json")?;
    parse_manifest(&path, &bytes)
}

/// Reads both manifests, the templates and the Kubernetes files, keeping
/// only what the loaders must still parse.
pub(super) fn prepare(a: &mut AssemblyDir, b: &mut AssemblyDir) -> Result<Prepared, LoadError> {
    let (ma, mb) = (read_manifest(a)?, read_manifest(b)?);
    let (pa, pb) = (a.display("manifest.json"), b.display("manifest.json"));
    let (mut ca, mut cb) = (BTreeMap::new(), BTreeMap::new());
    let (mut skip_a, mut skip_b) = (HashSet::new(), HashSet::new());
    let mut shared = SharedTemplates::default();
    // Lookups by name: a manifest is untrusted and may list many stacks
    // and files, so nothing here is quadratic in them.
    let templates = |m: &Manifest| -> HashMap<String, String> {
        m.stacks
            .iter()
            .map(|s| (s.name.clone(), s.template.clone()))
            .collect()
    };
    let (ta, tb) = (templates(&ma), templates(&mb));
    for s in &ma.stacks {
        let Some(o) = tb.get(&s.name) else {
            continue;
        };
        let (ra, rb) = (checked(&pa, &s.template)?, checked(&pb, o)?);
        if ca.contains_key(ra) || cb.contains_key(rb) || skip_a.contains(ra) || skip_b.contains(rb)
        {
            // Two stacks naming one file (a malformed manifest): the
            // loaders read it themselves and say so.
            continue;
        }
        let (x, y) = (a.read(ra)?, b.read(rb)?);
        let shown = a.display(ra);
        if x == y && super::shape::template_is_valid(&shown, &x) {
            skip_a.insert(ra.to_string());
            skip_b.insert(rb.to_string());
            shared
                .stacks
                .insert(s.name.clone(), (shown, x, OnceLock::new()));
        } else {
            ca.insert(ra.to_string(), x);
            cb.insert(rb.to_string(), y);
        }
    }
    let files_b: HashMap<&str, HashSet<&str>> = mb
        .clusters
        .iter()
        .map(|c| {
            let files = c.files.iter().map(|f| f.file.as_str()).collect();
            (c.name.as_str(), files)
        })
        .collect();
    for c in &ma.clusters {
        let Some(other) = files_b.get(c.name.as_str()) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for f in &c.files {
            let rel = checked(&pa, &f.file)?;
            // Documents are matched within one file of one cluster (the
            // file names the chart, which the stack filter reads).
            if !seen.insert(rel) || !other.contains(f.file.as_str()) {
                continue;
            }
            if ca.contains_key(rel) || cb.contains_key(rel) {
                continue;
            }
            checked(&pb, &f.file)?;
            let (x, y) = (a.read(rel)?, b.read(rel)?);
            let (x, y) = drop_common_documents(x, y);
            ca.insert(rel.to_string(), x);
            cb.insert(rel.to_string(), y);
        }
    }
    // A file listed twice (by two clusters, or as a template and a
    // cluster file: a malformed manifest) is read whole for each use, from
    // disk: its trimmed or unparsed form belongs to one use only.
    for (m, p) in [(&ma, &pa), (&mb, &pb)] {
        let mut seen = BTreeSet::new();
        let uses = m
            .stacks
            .iter()
            .map(|s| s.template.as_str())
            .chain(m.clusters.iter().flat_map(|c| {
                let mut files: Vec<&str> = c.files.iter().map(|f| f.file.as_str()).collect();
                files.sort_unstable();
                files.dedup();
                files
            }));
        for rel in uses {
            let rel = checked(p, rel)?;
            if !seen.insert(rel) {
                ca.remove(rel);
                cb.remove(rel);
                skip_a.remove(rel);
                skip_b.remove(rel);
            }
        }
    }
    // A stack is shared only while both its files are still skipped, and
    // a file is skipped only for a shared stack.
    shared.stacks.retain(|name, _| {
        ta.get(name).is_some_and(|f| skip_a.contains(f))
            && tb.get(name).is_some_and(|f| skip_b.contains(f))
    });
    let of_shared = |t: &HashMap<String, String>| -> HashSet<String> {
        shared.names().filter_map(|n| t.get(n).cloned()).collect()
    };
    let (keep_a, keep_b) = (of_shared(&ta), of_shared(&tb));
    skip_a.retain(|rel| keep_a.contains(rel));
    skip_b.retain(|rel| keep_b.contains(rel));
    Ok(Prepared {
        manifests: (ma, mb),
        caches: (ca, cb),
        skip: (skip_a, skip_b),
        shared,
    })
}

/// The documents of a YAML stream as byte ranges, split at `---` lines (a
/// document marker cannot stand at column 0 inside a scalar). `None` when
/// the stream uses anything else between documents (directives, `...`,
/// content after `---`): such a file is parsed whole.
pub(super) fn split_documents(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    // Only a line starting with one of `-`, `.`, `%` can end a document:
    // find those line starts with a substring search instead of visiting
    // every line.
    let mut starts: Vec<usize> = Vec::new();
    if matches!(bytes.first(), Some(b'-' | b'.' | b'%')) {
        starts.push(0);
    }
    for needle in [&b"\n-"[..], b"\n.", b"\n%"] {
        starts.extend(memchr::memmem::find_iter(bytes, needle).map(|i| i + 1));
    }
    starts.sort_unstable();
    let mut docs = Vec::new();
    let mut start = 0;
    for line_start in starts {
        let end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i + 1);
        let line = &bytes[line_start..end];
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if bare == b"---" {
            docs.push(&bytes[start..line_start]);
            start = end;
        } else if bare.starts_with(b"---") || bare.starts_with(b"...") || bare.starts_with(b"%") {
            return None;
        }
    }
    docs.push(&bytes[start..]);
    Some(docs)
}

/// One file of a cluster on both sides, with every document found exactly
/// once on each side removed from both; a file that cannot be split safely
/// is kept whole.
pub(super) fn drop_common_documents(a: Vec<u8>, b: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
    let (Some(da), Some(db)) = (split_documents(&a), split_documents(&b)) else {
        return (a, b);
    };
    fn blank(d: &[u8]) -> bool {
        d.iter().all(u8::is_ascii_whitespace)
    }
    // Document → (times on a, times on b). foldhash: the documents are
    // untrusted, but its seed is random per process and their number is
    // bounded by the loader's size limits.
    let mut count: HashMap<&[u8], (u32, u32), foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(da.len(), Default::default());
    for d in da.iter().filter(|d| !blank(d)) {
        count.entry(d).or_default().0 += 1;
    }
    for d in db.iter().filter(|d| !blank(d)) {
        if let Some(c) = count.get_mut(d) {
            c.1 += 1;
        }
    }
    let common = |d: &[u8]| count.get(d) == Some(&(1, 1));
    if !da.iter().any(|d| common(d)) {
        return (a, b);
    }
    let keep = |docs: &[&[u8]], len: usize| {
        let mut kept = Vec::with_capacity(len / 4);
        for d in docs.iter().filter(|d| !common(d) && !blank(d)) {
            kept.extend_from_slice(b"---\n");
            kept.extend_from_slice(d);
        }
        kept
    };
    (keep(&da, a.len()), keep(&db, b.len()))
}

/// A source that serves some files from memory (each once, as the loader
/// reads each once) and the rest from the directory; the templates in
/// `shared` are not parsed (the other side's are the same bytes).
pub(super) struct CachedSource {
    pub(super) inner: AssemblyDir,
    pub(super) cache: BTreeMap<String, Vec<u8>>,
    pub(super) shared: HashSet<String>,
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

    fn shared(&self, rel: &str) -> bool {
        self.shared.contains(rel)
    }
}
