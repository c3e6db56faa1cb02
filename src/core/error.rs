//! Typed errors of the construct model. Every variant that concerns a construct
//! carries its path, so the user sees where and why.

use crate::core::diag::Diagnostic;

/// `MS-PROPS-1`: the code of a construct error no more specific rule
/// covers (a value the service or Kubernetes refuses, a combination the
/// construct cannot build). Every construct error has a code.
pub const PROPS_REFUSED: &str = "MS-PROPS-1";

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
        /// The catalog code of the rule the props break, when one does
        /// (`meshsynth::rules`), so tests and tools match the code, not
        /// the message.
        code: Option<&'static str>,
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
    #[error("{}", summary(.0))]
    Diagnostics(Vec<Diagnostic>),
    /// A stack selection pattern is invalid or matches nothing.
    #[error("{0}")]
    Selection(String),
    /// Writing or reading a file failed, or its content was refused
    /// (the cloud assembly, YAML given to `analyze`, a scaffold).
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: String,
        /// What went wrong, and what to do.
        message: String,
        /// The I/O error behind it, when there is one.
        #[source]
        source: Option<std::io::Error>,
    },
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!(" (hint: {h})"))
        .unwrap_or_default()
}

/// How many of `diags` are errors.
pub(crate) fn count_errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

/// The findings themselves, not only their count: an `expect` on
/// `synth_app` in a test shows what failed (the first five errors).
fn summary(diags: &[Diagnostic]) -> String {
    const SHOWN: usize = 5;
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    let mut out = format!("synthesis failed with {} error(s)", errors.len());
    if !errors.is_empty() {
        out.push_str(": ");
        out.push_str(&errors[..errors.len().min(SHOWN)].join("; "));
        if errors.len() > SHOWN {
            out.push_str(&format!("; and {} more", errors.len() - SHOWN));
        }
    }
    out
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
            code: None,
        }
    }

    /// The same error carrying the catalog code of the rule it enforces
    /// (construct errors only; other errors are returned as they are).
    pub fn with_code(self, code: &'static str) -> Self {
        match self {
            Error::Construct {
                path,
                message,
                hint,
                ..
            } => Error::Construct {
                path,
                message,
                hint,
                code: Some(code),
            },
            other => other,
        }
    }

    /// The catalog code of a construct error (`MS-PROPS-1` when no more
    /// specific rule applies) or of a single diagnostic.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Construct { code, .. } => Some(code.unwrap_or(PROPS_REFUSED)),
            Error::Diagnostics(d) if d.len() == 1 => d[0].code.as_deref(),
            _ => None,
        }
    }

    /// Every diagnostic carried by this error (one for non-diagnostic errors).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Error::Diagnostics(d) => d.clone(),
            Error::Construct { code, .. } => {
                vec![Diagnostic::error("", self.to_string())
                    .with_code(code.unwrap_or(PROPS_REFUSED))]
            }
            other => vec![Diagnostic::error("", other.to_string())],
        }
    }

    /// This error as the one diagnostic synth reports for it: a construct
    /// error keeps its path, message, hint and code (`MS-PROPS-1` when it
    /// has none), so [`Scope::refuse`](crate::core::Scope::refuse) reports
    /// it exactly as it would have been returned.
    pub fn into_diagnostic(self) -> Diagnostic {
        match self {
            Error::Construct {
                path,
                message,
                hint,
                code,
            } => {
                let d = Diagnostic::error(path, message).with_code(code.unwrap_or(PROPS_REFUSED));
                match hint {
                    Some(h) => d.with_hint(h),
                    None => d,
                }
            }
            Error::Diagnostics(mut d) if d.len() == 1 => d.remove(0),
            other => Diagnostic::error("", other.to_string()).with_code(PROPS_REFUSED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_keeps_its_cause_and_says_it_once() {
        let e = Error::Io {
            path: "cdk.out/manifest.json".into(),
            message: "permission denied".into(),
            source: Some(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        };
        assert_eq!(e.to_string(), "cdk.out/manifest.json: permission denied");
        let cause = std::error::Error::source(&e).expect("the io::Error is the source");
        assert_eq!(
            cause.downcast_ref::<std::io::Error>().map(|e| e.kind()),
            Some(std::io::ErrorKind::PermissionDenied)
        );
    }

    #[test]
    fn a_failed_synthesis_displays_its_errors() {
        let mut diags = vec![Diagnostic::warning("app/A", "only a warning")];
        diags.extend((0..7).map(|i| Diagnostic::error(format!("app/Db{i}"), "no subnets")));
        let shown = Error::Diagnostics(diags).to_string();
        assert!(
            shown.starts_with("synthesis failed with 7 error(s): "),
            "{shown}"
        );
        assert!(
            shown.contains("app/Db0") && shown.contains("app/Db4"),
            "{shown}"
        );
        assert!(
            !shown.contains("app/Db5") && !shown.contains("only a warning"),
            "{shown}"
        );
        assert!(shown.ends_with("; and 2 more"), "{shown}");
    }
}
