//! Typed errors of the construct model. Every variant that concerns a construct
//! carries its path, so the user sees where and why.

use crate::core::diag::Diagnostic;

/// An error raised while building or synthesizing an app.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Two siblings share an id, so their paths (and names) would collide.
    #[error("{path}: duplicate construct id {id:?}: {parent} already has a child with this id; give each sibling a unique id")]
    DuplicateId {
        /// The new construct's path.
        path: String,
        /// The parent's path.
        parent: String,
        /// The duplicated id.
        id: String,
    },
    /// An id that cannot be part of a path.
    #[error("{parent}: invalid construct id {id:?}: {reason}")]
    InvalidId {
        /// The parent's path.
        parent: String,
        /// The refused id.
        id: String,
        /// Why it is refused.
        reason: String,
    },
    /// A construct was given props it cannot be built from.
    #[error("{path}: {message}{}", hint_suffix(.hint))]
    Construct {
        /// The construct's path.
        path: String,
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// The tree was modified after synthesis started.
    #[error("{path}: the construct tree is locked; constructs cannot be added during synthesis")]
    Locked {
        /// The construct that was being added.
        path: String,
    },
    /// A `-c key=value` context value is missing or malformed.
    #[error("context {key}: {message}")]
    Context {
        /// The context key.
        key: String,
        /// What is wrong with its value.
        message: String,
    },
    /// Synthesis found errors; every diagnostic is listed.
    #[error("synthesis failed with {} error(s)", count_errors(.0))]
    Diagnostics(Vec<Diagnostic>),
    /// A stack selection pattern is invalid or matches nothing.
    #[error("{0}")]
    Selection(String),
    /// Writing or reading the cloud assembly failed.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: String,
        /// What went wrong.
        message: String,
    },
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!(" (hint: {h})"))
        .unwrap_or_default()
}

fn count_errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

impl Error {
    /// A construct error with a hint saying what to do.
    pub fn construct(
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error::Construct {
            path: path.into(),
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// Every diagnostic carried by this error (one for non-diagnostic errors).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Error::Diagnostics(d) => d.clone(),
            other => vec![Diagnostic::error("", other.to_string())],
        }
    }
}
