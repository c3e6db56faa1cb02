//! The reading threads of `analyze`: every input's documents parsed and
//! budgeted on one thread, then retyped, checked against their CRDs and
//! read typed on a second, ahead of the loader, which files them in order
//! on the calling thread. Reading was most of `analyze`'s time; the three
//! stages overlap on two cores.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use serde_json::Value as Json;

use crate::core::object::api_group;
use crate::k8s::crd::SchemaCheck;
use crate::untrusted::yaml::{Parsed, YamlError};
use crate::untrusted::YamlReader;

use super::input::{documents, Document, Source};
use super::kinds::{self, Filing, TypedRead};

/// Documents queued ahead of the loader (half after each stage; a batch
/// being filled or taken apart at either end comes on top): enough to
/// keep the reading threads busy, few enough that memory does not grow
/// with the input.
pub(super) const READ_AHEAD: usize = 256;

/// What the reading threads hand over for each document (`None` ends one
/// input's documents).
pub(super) type Ahead<'t> = Option<ReadDoc<'t>>;

/// A document as read, with what was worked out ahead for a single object.
pub(super) struct ReadDoc<'t> {
    pub(super) doc: Document<'t>,
    pub(super) parsed: Result<Parsed, YamlError>,
    pub(super) prepared: Option<Prepared>,
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
    let Ok(Parsed::Json(json)) = parsed else {
        return None;
    };
    if !json.is_object() || json.get("kind").and_then(Json::as_str) == Some("List") {
        return None;
    }
    Some(prepare_object(text, json))
}

/// The steps of [`Prepared`] for one object of the document `text`, on
/// whichever thread has it; `json` is retyped in place.
pub(super) fn prepare_object(text: &str, json: &mut Json) -> Prepared {
    let as_written = super::yaml11::may_retype(text).then(|| {
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

/// The documents of every input, read ahead of the loader in two stages
/// on threads of a scope (parsing and budgeting; then [`Prepared`]'s
/// steps, whose typed reads cost about what parsing does) and handed over
/// in input order.
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
        groups: &'scope [(String, Vec<&'t Source>)],
    ) -> ReadAhead<'t>
    where
        't: 'scope,
    {
        let window = READ_AHEAD / 2 / BATCH;
        let (parsed, to_prepare) = sync_channel::<Vec<ParsedDoc<'t>>>(window);
        let (prepared, from) = sync_channel(window);
        scope.spawn(move || read_documents(groups, &parsed));
        scope.spawn(move || prepare_each(&to_prepare, &prepared));
        ReadAhead {
            from,
            batch: Vec::new().into_iter(),
        }
    }

    /// The next document (`Some(None)` ends an input); `None` once the
    /// threads are gone.
    pub(super) fn next(&mut self) -> Option<Ahead<'t>> {
        loop {
            if let Some(item) = self.batch.next() {
                return Some(item);
            }
            self.batch = self.from.recv().ok()?.into_iter();
        }
    }
}

/// A document as parsed, before its later steps (`None` ends an input).
type ParsedDoc<'t> = Option<(Document<'t>, Result<Parsed, YamlError>)>;

/// The second stage: each document through [`prepare`], in order.
fn prepare_each<'t>(from: &Receiver<Vec<ParsedDoc<'t>>>, to: &SyncSender<Vec<Ahead<'t>>>) {
    while let Ok(batch) = from.recv() {
        let batch = batch
            .into_iter()
            .map(|item| {
                item.map(|(doc, mut parsed)| {
                    let prepared = prepare(doc.text, &mut parsed);
                    ReadDoc {
                        doc,
                        parsed,
                        prepared,
                    }
                })
            })
            .collect();
        if to.send(batch).is_err() {
            return;
        }
    }
}

/// Reads every input of every group in order, one budget per input
/// (aliases across its documents share it), and stops an input at its
/// first document that cannot be read, as the loader does. Returns when the
/// next stage hangs up.
fn read_documents<'t>(groups: &[(String, Vec<&'t Source>)], to: &SyncSender<Vec<ParsedDoc<'t>>>) {
    let mut batch = Vec::with_capacity(BATCH);
    // Adds to the batch, sending it when full; false once the next stage
    // is gone.
    let add = |item: ParsedDoc<'t>, batch: &mut Vec<ParsedDoc<'t>>| {
        batch.push(item);
        batch.len() < BATCH
            || to
                .send(std::mem::replace(batch, Vec::with_capacity(BATCH)))
                .is_ok()
    };
    for (_, sources) in groups {
        for src in sources {
            let reader = YamlReader::for_input(src.text.len());
            for doc in documents(&src.text) {
                let parsed = reader.document_json(doc.text);
                let failed = parsed.is_err();
                if !add(Some((doc, parsed)), &mut batch) {
                    return;
                }
                if failed {
                    break;
                }
            }
            if !add(None, &mut batch) {
                return;
            }
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
