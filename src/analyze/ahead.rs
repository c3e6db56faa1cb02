//! The reading thread of `analyze`: every input's documents parsed and
//! budgeted ahead of the loader, which checks and files them in order on
//! the calling thread. Reading was most of `analyze`'s time, and the two
//! halves overlap on a second core.

use std::sync::mpsc::SyncSender;

use crate::untrusted::yaml::{Parsed, YamlError};
use crate::untrusted::YamlReader;

use super::input::{documents, Document, Source};

/// Documents read ahead of the loader at most: enough to keep the reading
/// thread busy, few enough that memory does not grow with the input.
pub(super) const READ_AHEAD: usize = 256;

/// What the reading thread hands over: a document as read, or the end of
/// one input's documents.
pub(super) enum Ahead<'t> {
    Doc(Document<'t>, Result<Parsed, YamlError>),
    End,
}

/// Reads every input of every group in order, one budget per input
/// (aliases across its documents share it), and stops an input at its
/// first document that cannot be read, as the loader does. Returns when the
/// loader hangs up.
pub(super) fn read_documents<'t>(groups: &[(String, Vec<&'t Source>)], tx: &SyncSender<Ahead<'t>>) {
    for (_, sources) in groups {
        for src in sources {
            let reader = YamlReader::for_input(src.text.len());
            for doc in documents(&src.text) {
                let parsed = reader.document_json(doc.text);
                let failed = parsed.is_err();
                if tx.send(Ahead::Doc(doc, parsed)).is_err() {
                    return;
                }
                if failed {
                    break;
                }
            }
            if tx.send(Ahead::End).is_err() {
                return;
            }
        }
    }
}
