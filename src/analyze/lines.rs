//! Where each field of a YAML document is, so a finding about
//! `spec.listeners[0].allowedRoutes` points at that line of the file and not
//! at the object's first. serde_yaml keeps no positions; the document is read
//! a second time, as events with their marks (yaml-rust2), and only when a
//! finding names a field.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The file line of every field of one document, by the path the CRD
/// check names fields with (`a.b[0].c`; keys joined with `.` as written).
pub(crate) struct FieldLines {
    lines: HashMap<String, usize>,
}

impl FieldLines {
    /// Reads `text` (one document; `first_line` is its first line in the
    /// file, 1-based). A document that does not parse gives no lines: the
    /// finding then keeps the object's line.
    pub(crate) fn of(text: &str, first_line: usize) -> FieldLines {
        let mut lines = HashMap::new();
        let parsed = walk(text, |path, node, mark| {
            // yaml-rust2 counts lines from 1. A key's line wins over its
            // value's (a nested block starts on the line below).
            let line = first_line + mark.line().saturating_sub(1);
            let name = field_name(path);
            if matches!(node, Node::Key) || !lines.contains_key(&name) {
                lines.insert(name, line);
            }
        });
        if !parsed {
            lines.clear();
        }
        FieldLines { lines }
    }

    /// The lines of the object at `path` in the document (`items[3].`: an
    /// item of a List; empty: the document's object), so `spec.x` is that
    /// object's and `""` the object itself.
    pub(crate) fn under<'l>(&'l self, path: &'l str) -> Under<'l> {
        Under { lines: self, path }
    }
}

/// [`FieldLines`] of the object at a path in the document.
pub(crate) struct Under<'l> {
    lines: &'l FieldLines,
    path: &'l str,
}

impl Under<'_> {
    /// The line of `field`, or of its nearest ancestor that is in the
    /// document (a missing required field points at its parent).
    pub(crate) fn line(&self, field: &str) -> Option<usize> {
        let full;
        let mut path = if self.path.is_empty() {
            field
        } else {
            full = format!("{}{field}", self.path);
            full.trim_end_matches('.')
        };
        let lines = &self.lines.lines;
        loop {
            if let Some(line) = lines.get(path) {
                return Some(*line);
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                // The document itself: its first content line.
                None if !path.is_empty() => path = "",
                None => return None,
            }
        }
    }

    /// The line of a path as a typed read reports it (`a.b[0].c`; also
    /// `a.b.0.c`; `.` for the document).
    pub(crate) fn serde_path_line(&self, path: &str) -> Option<usize> {
        if path == "." {
            return self.line("");
        }
        let mut field = String::with_capacity(path.len());
        for (i, segment) in path.split('.').enumerate() {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) && i > 0 {
                field.push('[');
                field.push_str(segment);
                field.push(']');
            } else {
                if i > 0 {
                    field.push('.');
                }
                field.push_str(segment);
            }
        }
        self.line(&field)
    }
}

/// Deeper than this, nodes are not visited: fields keep their ancestor's
/// line and values stay as read (the CRD check has its own bound).
const MAX_DEPTH: usize = 64;

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// What `walk` visits.
pub(crate) enum Node<'e> {
    /// A mapping key (its path ends with the key).
    Key,
    /// A scalar value, its text and whether it was plain (unquoted).
    Scalar(&'e str, bool),
    /// The start of a mapping or sequence, or an alias.
    Other,
}

/// `a.b[0].c`, as the CRD check names fields.
fn field_name(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Reads the first document of `text` as events and calls `visit` with the
/// path and mark of every key and value (containers included) down to
/// `MAX_DEPTH`; whether the document parsed.
pub(crate) fn walk(text: &str, visit: impl FnMut(&[Seg], Node<'_>, &Marker)) -> bool {
    let mut walker = Walker {
        frames: Vec::new(),
        path: Vec::new(),
        visit,
    };
    Parser::new_from_str(text).load(&mut walker, false).is_ok()
}

enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

struct Walker<F> {
    frames: Vec<Frame>,
    /// The path of the innermost open container.
    path: Vec<Seg>,
    visit: F,
}

impl<F: FnMut(&[Seg], Node<'_>, &Marker)> Walker<F> {
    /// The segment of the value starting now, with its parent moved past it.
    fn next_segment(&mut self) -> Option<Seg> {
        match self.frames.last_mut()? {
            Frame::Map { key } => Some(Seg::Key(key.take().unwrap_or_default())),
            Frame::Seq { next } => {
                *next += 1;
                Some(Seg::Index(*next - 1))
            }
        }
    }

    /// Visits the value starting at `mark`; returns its segment.
    fn value(&mut self, node: Node<'_>, mark: &Marker) -> Option<Seg> {
        let seg = self.next_segment();
        if self.path.len() < MAX_DEPTH {
            let len = self.path.len();
            self.path.extend(seg.clone());
            (self.visit)(&self.path, node, mark);
            self.path.truncate(len);
        }
        seg
    }
}

impl<F: FnMut(&[Seg], Node<'_>, &Marker)> MarkedEventReceiver for Walker<F> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if let Some(seg) = self.value(Node::Other, &mark) {
                    self.path.push(seg);
                }
                self.frames.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { key: None }
                } else {
                    Frame::Seq { next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
                if !self.frames.is_empty() {
                    self.path.pop();
                }
            }
            Event::Scalar(text, style, ..) => {
                if let Some(Frame::Map { key }) = self.frames.last_mut() {
                    if key.is_none() {
                        if self.path.len() < MAX_DEPTH {
                            self.path.push(Seg::Key(text.clone()));
                            (self.visit)(&self.path, Node::Key, &mark);
                            self.path.pop();
                        }
                        if let Some(Frame::Map { key }) = self.frames.last_mut() {
                            *key = Some(text);
                        }
                        return;
                    }
                }
                let plain = style == TScalarStyle::Plain;
                self.value(Node::Scalar(&text, plain), &mark);
            }
            Event::Alias(_) => {
                self.value(Node::Other, &mark);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_map_to_the_lines_of_their_keys() {
        let text = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec:\n  listeners:\n  - name: http\n    port: 80\n  - name: https\n    allowedRoutes:\n      namespaces: {from: All}\n";
        let lines = FieldLines::of(text, 10);
        assert_eq!(lines.under("").line("kind"), Some(12));
        assert_eq!(lines.under("").line("spec.listeners"), Some(14));
        assert_eq!(lines.under("").line("spec.listeners[0].port"), Some(16));
        assert_eq!(lines.under("").line("spec.listeners[1]"), Some(17));
        assert_eq!(
            lines.under("").line("spec.listeners[1].allowedRoutes"),
            Some(18)
        );
        assert_eq!(
            lines
                .under("")
                .line("spec.listeners[1].allowedRoutes.namespaces.from"),
            Some(19)
        );
        // Not in the document: the nearest ancestor that is.
        assert_eq!(lines.under("").line("spec.listeners[1].tls.mode"), Some(17));
        assert_eq!(lines.under("").line("spec.addresses"), Some(13));
        assert_eq!(lines.under("").line("status"), Some(11));
    }

    #[test]
    fn serde_paths_are_read_in_both_spellings() {
        let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        imagePullPolicy: Sometimes\n";
        let lines = FieldLines::of(text, 1);
        assert_eq!(
            lines
                .under("")
                .serde_path_line("spec.template.spec.containers.0.imagePullPolicy"),
            Some(7)
        );
        assert_eq!(
            lines
                .under("")
                .serde_path_line("spec.template.spec.containers[0].imagePullPolicy"),
            Some(7)
        );
        assert_eq!(lines.under("").serde_path_line("."), Some(1));
    }

    #[test]
    fn an_item_of_a_list_has_its_own_lines() {
        let text = "kind: List\nitems:\n- kind: A\n  metadata: {name: a}\n- kind: B\n  spec:\n    x: 1\nmetadata: {}\n";
        let lines = FieldLines::of(text, 1);
        let b = lines.under("items[1].");
        assert_eq!(b.line(""), Some(5));
        assert_eq!(b.line("spec.x"), Some(7));
        // Not the List's own metadata (line 8): the item's nearest line.
        assert_eq!(b.line("metadata.name"), Some(5));
        assert_eq!(b.serde_path_line("."), Some(5));
    }

    #[test]
    fn a_document_that_does_not_parse_has_no_lines() {
        let lines = FieldLines::of("a: [1, 2\n", 1);
        assert_eq!(lines.under("").line("a"), None);
    }
}
