//! What the loader needs to know of a document before it is an object:
//! where a read error points, what a value that is not a mapping is, and
//! the strings (kind, names) read alike from JSON and from YAML.

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

use super::input::Document;
use crate::core::Error;
use crate::untrusted::YamlError;

/// A document's read error as `file:line: what: why`, the line the file's.
pub(super) fn yaml_error(file: &str, doc: &Document<'_>, e: &YamlError, what: &str) -> Error {
    // libyaml may point one past the last line (end of stream): clamp.
    let last = doc.first_line + doc.text.lines().count().max(1) - 1;
    let line = match e {
        YamlError::Syntax(e) => e
            .location()
            .map(|l| (doc.first_line + l.line() - 1).min(last))
            .unwrap_or(doc.line),
        YamlError::TooDeep(d) => (doc.first_line + d.line - 1).min(last),
        YamlError::OverBudget { .. } | YamlError::Ambiguous(_) => doc.line,
    };
    // serde_yaml appends " at line L column C" with document-relative
    // numbers; the file line is given in front instead.
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    Error::Io {
        path: format!("{file}:{line}"),
        message: format!("{what}: {msg}; fix the document or leave the file out"),
        source: None,
    }
}

/// The string at `path` of a document read as JSON or, when it has what
/// JSON cannot hold as written, as YAML (whose accessors see through tags).
pub(super) trait StrAt {
    fn str_at(&self, path: &[&str]) -> Option<&str>;
}

impl StrAt for Yaml {
    fn str_at(&self, path: &[&str]) -> Option<&str> {
        path.iter().try_fold(self, |cur, p| cur.get(*p))?.as_str()
    }
}

impl StrAt for Json {
    fn str_at(&self, path: &[&str]) -> Option<&str> {
        path.iter().try_fold(self, |cur, p| cur.get(*p))?.as_str()
    }
}

/// What a YAML value that is not a mapping is, for the error naming it.
pub(super) fn yaml_shape(v: &Yaml) -> &'static str {
    match v {
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Tagged(_) => "a tagged value",
        Yaml::Null | Yaml::Mapping(_) => "not an object",
    }
}

/// [`yaml_shape`] of a value read as JSON.
pub(super) fn json_shape(v: &Json) -> &'static str {
    match v {
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Null | Json::Object(_) => "not an object",
    }
}

/// The error for a document that is not a Kubernetes object.
pub(super) fn not_an_object(file: &str, doc: &Document<'_>, what: &str) -> Error {
    Error::Io {
        path: format!("{file}:{}", doc.line),
        message: format!(
            "document {} is {what}, not a Kubernetes object; each document must be a mapping with apiVersion and kind",
            doc.index + 1
        ),
        source: None,
    }
}
