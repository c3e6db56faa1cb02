//! The three output formats of `meshsynth analyze`: text like istioctl's,
//! JSON (schema in docs/mesh-analysis.md) and SARIF 2.1.0 for code scanning.

use std::io::Write;

use serde_json::json;

use super::{Finding, Report};
use crate::core::Severity;
use crate::mesh::analysis::catalog::ANALYZERS;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Error [IST0101] (VirtualService shop/complex-routing file.yaml:12) message`.
    Text,
    /// One JSON document: `{"version": 1, "objects", "skipped", "notes", "findings"}`.
    Json,
    /// SARIF 2.1.0, one run, a rule per analyzer code.
    Sarif,
}

fn level_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

/// The `(Kind ns/name file:line)` part of a text line.
fn subject(f: &Finding) -> String {
    let mut parts = Vec::new();
    if let Some(k) = &f.kind {
        parts.push(match (&f.namespace, &f.name) {
            (Some(ns), Some(name)) => format!("{k} {ns}/{name}"),
            (None, Some(name)) => format!("{k} {name}"),
            (_, None) => k.clone(),
        });
    }
    if let Some(file) = &f.file {
        parts.push(match f.line {
            Some(l) => format!("{file}:{l}"),
            None => file.clone(),
        });
    }
    parts.join(" ")
}

/// Writes `report` in `format` to `out` (notes go to the text output only;
/// the other formats carry them as data).
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Text => {
            for f in &report.findings {
                let subj = subject(f);
                let subj = if subj.is_empty() {
                    String::new()
                } else {
                    format!(" ({subj})")
                };
                let mut line = format!("{} [{}]{subj} {}", level_word(f.level), f.code, f.message);
                if let Some(h) = &f.hint {
                    line.push_str(&format!(" (hint: {h})"));
                }
                // Names and values come from the YAML analyzed: one finding,
                // one readable line, no escape sequence reaches the terminal.
                let line = crate::untrusted::inert(&line);
                writeln!(out, "{}", crate::untrusted::elide(&line))?;
            }
            if report.findings.is_empty() {
                writeln!(
                    out,
                    "\u{2714} No validation issues found when analyzing {} object(s).",
                    report.objects
                )?;
            }
            Ok(())
        }
        Format::Json => {
            let v = json!({
                "version": 1,
                "objects": report.objects,
                "skipped": report.skipped,
                "notes": report.notes,
                "findings": report.findings,
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )
        }
        Format::Sarif => {
            let rules: Vec<_> = ANALYZERS
                .iter()
                .map(|a| {
                    let former: Vec<&str> = crate::core::former_codes(a.code).collect();
                    let mut rule = json!({
                        "id": a.code,
                        "shortDescription": {"text": a.summary},
                        "defaultConfiguration": {"level": sarif_level(a.severity)},
                        "help": {"text": format!("{}: see docs/mesh-analysis.md of meshsynth", a.code)},
                    });
                    // A consumer that filters on a 0.1.0 code finds it here.
                    if !former.is_empty() {
                        rule["deprecatedIds"] = json!(former);
                    }
                    rule
                })
                .collect();
            let results: Vec<_> = report
                .findings
                .iter()
                .map(|f| {
                    let mut r = json!({
                        "ruleId": f.code,
                        "level": sarif_level(f.level),
                        "message": {"text": match &f.hint {
                            Some(h) => format!("{} ({})", f.message, h),
                            None => f.message.clone(),
                        }},
                    });
                    if let Some(i) = ANALYZERS.iter().position(|a| a.code == f.code) {
                        r["ruleIndex"] = json!(i);
                    }
                    if let Some(file) = &f.file {
                        let mut loc = json!({
                            "physicalLocation": {
                                "artifactLocation": {"uri": sarif_uri(file)},
                            }
                        });
                        if let Some(l) = f.line {
                            loc["physicalLocation"]["region"] = json!({"startLine": l});
                        }
                        if f.kind.is_some() {
                            loc["logicalLocations"] = json!([{
                                "fullyQualifiedName": subject(&Finding { file: None, ..f.clone() }),
                                "kind": "resource",
                            }]);
                        }
                        r["locations"] = json!([loc]);
                    }
                    r
                })
                .collect();
            let v = json!({
                "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                "version": "2.1.0",
                "runs": [{
                    "tool": {"driver": {
                        "name": "meshsynth",
                        "version": env!("CARGO_PKG_VERSION"),
                        "rules": rules,
                    }},
                    "results": results,
                }],
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )
        }
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A URI for a path, as SARIF wants it: `/` separators, no `./`, every
/// byte outside RFC 3986's unreserved set (and `/`) percent-encoded (a
/// space, `#`, `?` or `%` in a file name would otherwise point elsewhere);
/// an absolute path becomes a `file://` URI.
fn sarif_uri(file: &str) -> String {
    let f = file.replace('\\', "/");
    let f = f.strip_prefix("./").unwrap_or(&f);
    let mut out = String::with_capacity(f.len());
    if f.starts_with('/') {
        out.push_str("file://");
    }
    for b in f.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `--list-analyzers`: code, level and description, one per line.
pub fn list_analyzers(out: &mut dyn Write) -> std::io::Result<()> {
    for a in ANALYZERS {
        writeln!(
            out,
            "{:<12} {:<8} {}",
            a.code,
            level_word(a.severity).to_lowercase(),
            a.summary
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_uris_are_percent_encoded() {
        assert_eq!(sarif_uri("./k8s/app.yaml"), "k8s/app.yaml");
        assert_eq!(sarif_uri("my dir/a#b?.yaml"), "my%20dir/a%23b%3F.yaml");
        assert_eq!(sarif_uri("100%.yaml"), "100%25.yaml");
        assert_eq!(sarif_uri("é.yaml"), "%C3%A9.yaml");
        assert_eq!(sarif_uri("/abs/x y.yaml"), "file:///abs/x%20y.yaml");
    }
}
