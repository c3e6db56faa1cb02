//! Where each field of a YAML document is, so a finding about
//! `spec.listeners[0].allowedRoutes` points at that line of the file and not
//! at the object's first. serde_yaml keeps no positions; the document is read
//! a second time, as events with their marks (yaml-rust2), and only when a
//! finding names a field.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

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
        let mut collector = Collector {
            stack: Vec::new(),
            lines: HashMap::new(),
            first_line,
            depth_exceeded: false,
        };
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut collector, false).is_err() {
            collector.lines.clear();
        }
        FieldLines {
            lines: collector.lines,
        }
    }

    /// The line of `field`, or of its nearest ancestor that is in the
    /// document (a missing required field points at its parent).
    pub(crate) fn line(&self, field: &str) -> Option<usize> {
        let mut path = field;
        loop {
            if let Some(line) = self.lines.get(path) {
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

    /// The line of a path as serde reports it (`a.b[0].c` from
    /// serde_path_to_error, `a.b.0.c` from serde_ignored, `.` for the
    /// document).
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

/// Deeper than this, fields keep their ancestor's line (the CRD check has
/// its own bound; this one only keeps the map small).
const MAX_DEPTH: usize = 64;

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

struct Collector {
    stack: Vec<Frame>,
    lines: HashMap<String, usize>,
    first_line: usize,
    depth_exceeded: bool,
}

impl Collector {
    fn file_line(&self, mark: &Marker) -> usize {
        // yaml-rust2 counts lines from 1.
        self.first_line + mark.line().saturating_sub(1)
    }

    /// The path of the value that starts at `mark`, recorded, and the
    /// parent moved past it.
    fn value_path(&mut self, mark: &Marker) -> String {
        let line = self.file_line(mark);
        let path = match self.stack.last_mut() {
            None => String::new(),
            Some(Frame::Map { path, key }) => {
                let key = key.take().unwrap_or_default();
                join(path, &key)
            }
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                p
            }
        };
        self.lines.entry(path.clone()).or_insert(line);
        path
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl MarkedEventReceiver for Collector {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = self.value_path(&mark);
                if self.stack.len() >= MAX_DEPTH {
                    self.depth_exceeded = true;
                }
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { path, key: None }
                } else {
                    Frame::Seq { path, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Scalar(text, ..) => {
                let line = self.file_line(&mark);
                let depth_exceeded = self.depth_exceeded;
                if let Some(Frame::Map { path, key }) = self.stack.last_mut() {
                    if key.is_none() {
                        // A key: the field's line is the key's.
                        if !depth_exceeded {
                            self.lines.entry(join(path, &text)).or_insert(line);
                        }
                        *key = Some(text);
                        return;
                    }
                }
                self.value_path(&mark);
            }
            Event::Alias(_) => {
                self.value_path(&mark);
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
        assert_eq!(lines.line("kind"), Some(12));
        assert_eq!(lines.line("spec.listeners"), Some(14));
        assert_eq!(lines.line("spec.listeners[0].port"), Some(16));
        assert_eq!(lines.line("spec.listeners[1]"), Some(17));
        assert_eq!(lines.line("spec.listeners[1].allowedRoutes"), Some(18));
        assert_eq!(
            lines.line("spec.listeners[1].allowedRoutes.namespaces.from"),
            Some(19)
        );
        // Not in the document: the nearest ancestor that is.
        assert_eq!(lines.line("spec.listeners[1].tls.mode"), Some(17));
        assert_eq!(lines.line("spec.addresses"), Some(13));
        assert_eq!(lines.line("status"), Some(11));
    }

    #[test]
    fn serde_paths_are_read_in_both_spellings() {
        let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        imagePullPolicy: Sometimes\n";
        let lines = FieldLines::of(text, 1);
        assert_eq!(
            lines.serde_path_line("spec.template.spec.containers.0.imagePullPolicy"),
            Some(7)
        );
        assert_eq!(
            lines.serde_path_line("spec.template.spec.containers[0].imagePullPolicy"),
            Some(7)
        );
        assert_eq!(lines.serde_path_line("."), Some(1));
    }

    #[test]
    fn a_document_that_does_not_parse_has_no_lines() {
        let lines = FieldLines::of("a: [1, 2\n", 1);
        assert_eq!(lines.line("a"), None);
    }
}
