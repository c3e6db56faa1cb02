//! Diagnostics: what validation reports. Synthesis collects them all before it
//! fails, so a user fixes every problem in one round.

use std::fmt;

/// How serious a diagnostic is. `--strict` turns warnings into errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information only.
    Info,
    /// Printed; fails synthesis with `--strict`.
    Warning,
    /// Fails synthesis.
    Error,
}

/// One entry of a rule catalog: the security rules
/// (`aws::security::RULES`), the mesh analyzers (`mesh::analysis::ANALYZERS`),
/// the CloudFormation schema checks (`aws::cfn::check::RULES`) and the
/// rules across resources (`aws::cfn::semantic::RULES`) are all lists of
/// these, so a code is looked up, listed and documented the same way
/// wherever it comes from. `meshsynth::rules()` lists them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable code: `MS-<AREA>-<n>` for meshsynth's own rules,
    /// upstream's code where the rule is upstream's (`IST0101`,
    /// `AwsSolutions-IAM5`).
    pub code: &'static str,
    /// The level its findings have by default.
    pub severity: Severity,
    /// What a finding means, in one line.
    pub summary: &'static str,
}

impl Rule {
    /// A catalog entry.
    pub const fn new(code: &'static str, severity: Severity, summary: &'static str) -> Rule {
        Rule {
            code,
            severity,
            summary,
        }
    }
}

/// Rule codes renamed, as (old, new): in 0.2.0, one code format,
/// `MS-<AREA>-<n>` without leading zeros; since then, meshsynth's own code
/// of a rule istioctl has a code for (`MS-MESH-9` → `IST0167`). A suppression (`Scope::suppress`, `analyze
/// --suppress`) that names an old code applies to the new one and prints a
/// deprecation note; SARIF lists the old codes as the rule's `deprecatedIds`.
/// Each is kept for one minor release after its rename (docs/api-policy.md).
pub const RENAMED_RULES: &[(&str, &str)] = &[
    ("MS-MESH-001", "MS-MESH-1"),
    ("MS-MESH-002", "MS-MESH-2"),
    ("MS-MESH-003", "MS-MESH-3"),
    ("MS-MESH-004", "MS-MESH-4"),
    ("MS-MESH-005", "MS-MESH-5"),
    ("MS-MESH-006", "MS-MESH-6"),
    ("MS-MESH-007", "MS-MESH-7"),
    ("MS-MESH-008", "MS-MESH-8"),
    ("MS-MESH-009", "MS-MESH-9"),
    ("MS-MESH-010", "MS-MESH-10"),
    ("MS-MESH-011", "MS-MESH-11"),
    ("MS-MESH-012", "MS-MESH-12"),
    ("MS-GW-001", "MS-GW-1"),
    ("MS-GW-002", "MS-GW-2"),
    ("MS-GW-003", "MS-GW-3"),
    ("MS-GW-004", "MS-GW-4"),
    ("MS-GW-005", "MS-GW-5"),
    ("MS-GW-006", "MS-GW-6"),
    ("MS-GW-007", "MS-GW-7"),
    ("MS-GW-008", "MS-GW-8"),
    ("MS-GW-009", "MS-GW-9"),
    ("MS-EKS-VERSION", "MS-EKS-2"),
    // After 0.2.0: a Sidecar in an ambient namespace is istioctl's
    // IneffectivePolicy.
    ("MS-MESH-9", "IST0167"),
];

/// Codes of [`RENAMED_RULES`] renamed after 0.2.0 (they keep matching until 0.4.0).
const RENAMED_AFTER_0_2: &[&str] = &["MS-MESH-9"];

/// The current code of a renamed rule (`MS-MESH-001` → `MS-MESH-1`), or
/// `None` when `code` was not renamed.
pub fn renamed_rule(code: &str) -> Option<&'static str> {
    let step = |c: &str| {
        RENAMED_RULES
            .iter()
            .find(|(old, _)| old.eq_ignore_ascii_case(c.trim()))
            .map(|(_, new)| *new)
    };
    // A code renamed twice (`MS-MESH-009` → `MS-MESH-9` → `IST0167`)
    // names the rule's code today.
    let mut current = step(code)?;
    for _ in 0..RENAMED_RULES.len() {
        match step(current) {
            Some(next) => current = next,
            None => break,
        }
    }
    Some(current)
}

/// The old codes of a rule (for SARIF's `deprecatedIds`).
pub fn former_codes(code: &str) -> impl Iterator<Item = &'static str> + '_ {
    RENAMED_RULES
        .iter()
        .filter(move |(old, _)| renamed_rule(old) == Some(code))
        .map(|(old, _)| *old)
}

/// The one-line deprecation note for a renamed code found at `place`.
pub fn renamed_rule_note(place: &str, old: &str, new: &str) -> String {
    let (since, until) = if RENAMED_AFTER_0_2
        .iter()
        .any(|c| c.eq_ignore_ascii_case(old.trim()))
    {
        ("after 0.2.0", "0.4.0")
    } else {
        ("in 0.2.0", "0.3.0")
    };
    // A code renamed twice names both steps.
    let first = RENAMED_RULES
        .iter()
        .find(|(o, _)| o.eq_ignore_ascii_case(old.trim()))
        .map(|(_, n)| *n)
        .filter(|n| *n != new);
    let renamed = match first {
        Some(step) => format!("renamed {step} {since}, then {new}"),
        None => format!("renamed {new} {since}"),
    };
    format!("deprecated: {place} names rule {old}, {renamed}; write {new} (the old code stops matching in {until})")
}

/// One finding about one construct.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// A stable code such as `IST0101` or `MS-RDS-1`, when the check has one.
    pub code: Option<String>,
    /// The construct path the finding is about; empty for app-wide findings.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `severity` about the construct at `path`.
    pub fn new(severity: Severity, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: None,
            path: path.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// An error about the construct at `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path, message)
    }

    /// A warning about the construct at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, path, message)
    }

    /// An informational note about the construct at `path`.
    pub fn info(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, path, message)
    }

    /// Sets the rule code (e.g. `IST0101`, `AwsSolutions-RDS3`), which suppressions name.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the hint: what to do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `error[CODE] path: message (hint: …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        f.write_str(sev)?;
        if let Some(code) = &self.code {
            write!(f, "[{code}]")?;
        }
        if self.path.is_empty() {
            write!(f, ": {}", self.message)?;
        } else {
            write!(f, ": {}: {}", self.path, self.message)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_line_with_code_and_hint() {
        let d = Diagnostic::error("App/Net/Vpc", "CIDR overlaps")
            .with_code("MS001")
            .with_hint("pick another range");
        assert_eq!(
            d.to_string(),
            "error[MS001]: App/Net/Vpc: CIDR overlaps (hint: pick another range)"
        );
    }
}
