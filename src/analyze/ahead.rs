//! The reading threads of `analyze`: an assembly's files read on one
//! thread, every input's documents parsed and budgeted on a second, then
//! retyped, checked against their CRDs and read typed on a third, ahead of
//! the loader, which files them in order on the calling thread. Reading
//! was most of `analyze`'s time; the stages overlap on two cores.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use serde_json::Value as Json;

use crate::core::object::api_group;
use crate::core::Error;
use crate::k8s::crd::SchemaCheck;
use crate::untrusted::yaml::{Parsed, Yaml11, YamlError};
use crate::untrusted::YamlReader;

use super::input::{documents, Document, Source};
use super::kinds::{self, Filing, TypedRead};

/// Documents queued ahead of the loader (half after each stage; a batch
/// being filled or taken apart at either end comes on top): enough to
/// keep the reading threads busy, few enough that memory does not grow
/// with the input.
pub(super) const READ_AHEAD: usize = 256;

/// Reads an assembly's file (a path relative to its root) into a buffer,
/// which it is given empty, on the reading thread.
pub(crate) type ReadFile<'r> = &'r (dyn Fn(&str, &mut Vec<u8>) -> Result<(), Error> + Sync);

/// One input of a group, as the reading threads take it.
pub(crate) enum Input<'t> {
    /// Text already in memory (files and stdin named to `analyze`).
    Given(&'t Source),
    /// An assembly's file, read when the file-reading thread reaches it:
    /// reading overlaps parsing instead of coming before it, and a text's
    /// buffer goes back to that thread for a later file once the loader
    /// has filed its documents, so the texts are never all held at once
    /// (29 MB at 10k resources).
    File {
        /// The path relative to the assembly root.
        path: String,
        /// What reads it.
        read: ReadFile<'t>,
    },
}

impl Input<'_> {
    /// The name findings use for the input.
    pub(super) fn name(&self) -> &str {
        match self {
            Input::Given(src) => &src.name,
            Input::File { path, .. } => path,
        }
    }
}

/// What the reading threads hand over, in input order.
// Nearly every item is a document: boxing it would allocate once more for
// each one to save the end markers' bytes.
#[allow(clippy::large_enum_variant)]
pub(super) enum Ahead<'t> {
    /// A document of the current input.
    Doc(ReadDoc<'t>),
    /// The current input has no more documents.
    End,
    /// The current input could not be read; nothing after it is read.
    Failed(Error),
}

/// An input's text, shared by its documents until the last one is filed.
#[derive(Clone)]
enum Text<'t> {
    Given(&'t str),
    Read(Arc<Recycled>),
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Given(t) => t,
            Text::Read(r) => &r.text[r.start..],
        }
    }
}

/// A file's text whose buffer goes back to the reading thread once the
/// loader has filed its last document, to hold the next file: copying a
/// file into fresh pages cost several times the copy (`_copy_to_iter` was
/// 15 % of `analyze`'s samples at 10k resources).
struct Recycled {
    text: String,
    /// Where the text starts (after a byte-order mark).
    start: usize,
    back: std::sync::mpsc::Sender<Vec<u8>>,
}

impl Drop for Recycled {
    fn drop(&mut self) {
        // Once the reading thread is gone, the buffer is just freed.
        let _ = self.back.send(std::mem::take(&mut self.text).into_bytes());
    }
}

/// Where a document is in its input's text.
struct DocAt {
    range: std::ops::Range<usize>,
    index: usize,
    first_line: usize,
    line: usize,
}

impl DocAt {
    fn of(text: &str, doc: &Document<'_>) -> DocAt {
        let start = doc.text.as_ptr() as usize - text.as_ptr() as usize;
        DocAt {
            range: start..start + doc.text.len(),
            index: doc.index,
            first_line: doc.first_line,
            line: doc.line,
        }
    }
}

/// A document as read, with what was worked out ahead for a single object.
pub(super) struct ReadDoc<'t> {
    pub(super) held: HeldDoc<'t>,
    pub(super) parsed: Result<Parsed, YamlError>,
    pub(super) prepared: Option<Prepared>,
}

/// A document's place in its input's text, which it keeps alive.
pub(super) struct HeldDoc<'t> {
    text: Text<'t>,
    at: DocAt,
}

impl HeldDoc<'_> {
    /// The document, borrowed from its input's text.
    pub(super) fn doc(&self) -> Document<'_> {
        Document {
            text: &self.text[self.at.range.clone()],
            index: self.at.index,
            first_line: self.at.first_line,
            line: self.at.line,
            path: String::new(),
        }
    }
}

/// The loader's first steps for a single object read straight to JSON,
/// taken on the second reading thread: the JSON is retyped where YAML 1.1
/// (the API server's reading) differs, the text as written kept when it
/// does, checked against its CRD, and read as its kind's type. Pure
/// functions of the document, so the loader gets what it would have
/// computed itself.
pub(super) struct Prepared {
    /// The JSON before retyping, when retyping may change it.
    pub(super) as_written: Option<Json>,
    /// The retyped JSON's schema check.
    pub(super) schema: SchemaCheck,
    /// The object read as its kind's type, when an analyzer reads it typed.
    pub(super) typed: Option<TypedRead>,
}

/// [`Prepared`] for a document that is one object (not a `List`, whose
/// items the loader takes one by one); `parsed` is retyped in place.
fn prepare(text: &str, parsed: &mut Result<Parsed, YamlError>) -> Option<Prepared> {
    let Ok(Parsed::Json(json, yaml11)) = parsed else {
        return None;
    };
    if !json.is_object() || json.get("kind").and_then(Json::as_str) == Some("List") {
        return None;
    }
    Some(prepare_object(text, json, *yaml11))
}

/// The steps of [`Prepared`] for one object of the document `text`, on
/// whichever thread has it; `json` is retyped in place. The text is
/// scanned for YAML 1.1 candidates only when its reader could not say
/// there are none (`yaml11`).
pub(super) fn prepare_object(text: &str, json: &mut Json, yaml11: Yaml11) -> Prepared {
    let may = yaml11 == Yaml11::Maybe && super::yaml11::may_retype(text);
    let as_written = may.then(|| {
        let written = json.clone();
        super::yaml11::retype(text, json);
        written
    });
    let schema = crate::k8s::crd::check_object(json);
    // The kind as written, as the loader files it.
    let head = as_written.as_ref().unwrap_or(json);
    let field = |key: &str| head.get(key).and_then(Json::as_str).unwrap_or("");
    let typed = match kinds::filing(api_group(field("apiVersion")), field("kind")) {
        Filing::Typed(t) => Some((t.read)(json)),
        _ => None,
    };
    Prepared {
        as_written,
        schema,
        typed,
    }
}

/// The documents of every input, read ahead of the loader in three stages
/// on threads of a scope (reading files; parsing and budgeting; then
/// [`Prepared`]'s steps, whose typed reads cost about what parsing does)
/// and handed over in input order.
pub(super) struct ReadAhead<'t> {
    from: Receiver<Vec<Ahead<'t>>>,
    batch: std::vec::IntoIter<Ahead<'t>>,
}

/// Documents handed from stage to stage at once: one wake-up of the next
/// thread per batch, not per document (waking it was a tenth of the
/// threads' time).
const BATCH: usize = 32;

impl<'t> ReadAhead<'t> {
    /// Starts reading `groups` on threads of `scope`; they stop when this
    /// is dropped.
    pub(super) fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        groups: &'scope [(String, Vec<Input<'t>>)],
    ) -> ReadAhead<'t>
    where
        't: 'scope,
    {
        let window = READ_AHEAD / 2 / BATCH;
        let (texts, to_parse) = sync_channel::<Result<Text<'t>, Error>>(FILES_AHEAD);
        let (parsed, to_prepare) = sync_channel::<Vec<Ahead<'t>>>(window);
        let (prepared, from) = sync_channel(window);
        scope.spawn(move || read_texts(groups, &texts));
        scope.spawn(move || read_documents(&to_parse, &parsed));
        scope.spawn(move || prepare_each(&to_prepare, &prepared));
        ReadAhead {
            from,
            batch: Vec::new().into_iter(),
        }
    }

    /// The next item; `None` once the threads are gone.
    pub(super) fn next(&mut self) -> Option<Ahead<'t>> {
        loop {
            if let Some(item) = self.batch.next() {
                return Some(item);
            }
            self.batch = self.from.recv().ok()?.into_iter();
        }
    }
}

/// The third stage: each document through [`prepare`], in order.
fn prepare_each<'t>(from: &Receiver<Vec<Ahead<'t>>>, to: &SyncSender<Vec<Ahead<'t>>>) {
    while let Ok(mut batch) = from.recv() {
        for item in &mut batch {
            if let Ahead::Doc(read) = item {
                read.prepared = prepare(read.held.doc().text, &mut read.parsed);
            }
        }
        if to.send(batch).is_err() {
            return;
        }
    }
}

/// Inputs' texts read ahead of the parsing thread: a few, so that
/// reading (system time copying the files) overlaps parsing without
/// holding many texts.
const FILES_AHEAD: usize = 4;

/// The first stage: every input's text in order, read on a thread of its
/// own so that copying the files is not on the parsing thread; stops at
/// the first input that cannot be read, or when the next stage hangs up.
fn read_texts<'t>(groups: &[(String, Vec<Input<'t>>)], to: &SyncSender<Result<Text<'t>, Error>>) {
    let (back, buffers) = std::sync::mpsc::channel();
    for input in groups.iter().flat_map(|(_, inputs)| inputs) {
        let text = match input {
            Input::Given(src) => Ok(Text::Given(&src.text)),
            Input::File { path, read } => {
                let mut buf: Vec<u8> = buffers.try_recv().unwrap_or_default();
                buf.clear();
                read(path, &mut buf).and_then(|()| {
                    let (text, start) = super::assembly_text(path, buf)?;
                    Ok(Text::Read(Arc::new(Recycled {
                        text,
                        start,
                        back: back.clone(),
                    })))
                })
            }
        };
        let failed = text.is_err();
        if to.send(text).is_err() || failed {
            return;
        }
    }
}

/// The second stage: every input's documents parsed in order, one budget
/// per input (aliases across its documents share it), an input stopped at
/// its first document that cannot be read, as the loader does, and all
/// reading at an input that cannot be read. Returns when the next stage
/// hangs up.
fn read_documents<'t>(from: &Receiver<Result<Text<'t>, Error>>, to: &SyncSender<Vec<Ahead<'t>>>) {
    let mut batch = Vec::with_capacity(BATCH);
    // Adds to the batch, sending it when full; false once the next stage
    // is gone.
    let add = |item: Ahead<'t>, batch: &mut Vec<Ahead<'t>>| {
        batch.push(item);
        batch.len() < BATCH
            || to
                .send(std::mem::replace(batch, Vec::with_capacity(BATCH)))
                .is_ok()
    };
    while let Ok(text) = from.recv() {
        let text = match text {
            Ok(text) => text,
            Err(e) => {
                add(Ahead::Failed(e), &mut batch);
                break;
            }
        };
        let reader = YamlReader::for_input(text.len());
        for doc in documents(&text) {
            let parsed = reader.document_json(doc.text);
            let failed = parsed.is_err();
            let read = ReadDoc {
                held: HeldDoc {
                    at: DocAt::of(&text, &doc),
                    text: text.clone(),
                },
                parsed,
                prepared: None,
            };
            if !add(Ahead::Doc(read), &mut batch) {
                return;
            }
            if failed {
                break;
            }
        }
        if !add(Ahead::End, &mut batch) {
            return;
        }
    }
    if !batch.is_empty() {
        // Sent or not (the next stage gone), the reading is over.
        let _ = to.send(batch);
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::{analyze_sources, Options, Source};

    fn routes_to_nowhere(name: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {{host: reviews}}\n"
        )
    }

    /// With several inputs read ahead, a document that cannot be read (bad
    /// YAML, or YAML that is not an object) leaves out the rest of its file
    /// only, past the reading threads' window; the other inputs are analyzed.
    #[test]
    fn an_unreadable_document_leaves_out_the_rest_of_its_file_only() {
        let many: Vec<String> = (0..600)
            .map(|i| {
                if i == 300 {
                    "a: [unclosed\n".to_string()
                } else {
                    routes_to_nowhere(&format!("m{i}"))
                }
            })
            .collect();
        let sources = [
            ("many.yaml", many.join("---\n")),
            (
                "list.yaml",
                format!("- not an object\n---\n{}", routes_to_nowhere("after-list")),
            ),
            ("last.yaml", routes_to_nowhere("last")),
        ]
        .map(|(name, text)| Source {
            name: name.into(),
            text,
        });
        let report = analyze_sources(&sources, &Options::default()).unwrap();
        let named: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.code == "IST0101")
            .filter_map(|f| f.name.as_deref())
            .collect();
        let expected: Vec<String> = (0..300)
            .map(|i| format!("m{i}"))
            .chain(["last".to_string()])
            .collect();
        let mut sorted = named.clone();
        sorted.sort_unstable();
        let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
        want.sort_unstable();
        assert_eq!(sorted, want);
        assert_eq!(report.unreadable.len(), 2, "{:?}", report.unreadable);
        assert!(report.unreadable[0].starts_with("many.yaml:"));
        assert!(report.unreadable[1].starts_with("list.yaml:"));
        assert!(report
            .unreadable
            .iter()
            .all(|u| u.ends_with("the rest of this file was not analyzed")));
    }
}
