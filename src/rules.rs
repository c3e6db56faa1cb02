//! Every rule meshsynth reports, from every catalog: the security rules,
//! the mesh analyzers, the CloudFormation schema checks and the rules
//! across resources and stacks. One type ([`Rule`]), one code format
//! (`MS-<AREA>-<n>` for meshsynth's own; upstream's code where the rule is
//! upstream's: `IST0101`, `AwsSolutions-IAM5`).
//!
//! A consumer of the families (like `analyze` and `diff`), so `core` and the
//! synthesizer need not know them.

use crate::core::Rule;

/// Construct checks that are not one of the catalogs below: refusals a
/// construct makes as it is built that carry a code, and synth-time
/// checks of the tree.
pub const CONSTRUCT_RULES: &[Rule] = {
    use crate::core::Severity::{Error as E, Warning as W};
    &[
        Rule::new(
            crate::aws::eks::VERSION_SUPPORT,
            W,
            "EKS version in extended support (extra cost), or newer than the version table",
        ),
        Rule::new(
            crate::mesh::keda::TRIGGER_REGION,
            E,
            "KEDA trigger reading its metric in a region other than its queue's (the scaler never scales)",
        ),
        Rule::new(
            crate::mesh::keda_grants::TRIGGER_GRANT,
            E,
            "KEDA trigger reading AWS with the workload's role, which does not allow what the scaler needs",
        ),
        Rule::new(
            crate::core::stack_set::STACKSET_REFERENCE,
            E,
            "a StackSet references another stack or is referenced by one (its instances live where those exports do not exist)",
        ),
        Rule::new(
            crate::core::stack_set::STACKSET_OVERRIDE,
            E,
            "a StackSet target overrides a parameter its template does not have",
        ),
        Rule::new(
            crate::core::error::PROPS_REFUSED,
            E,
            "construct props refused: a value the service or Kubernetes refuses, or a combination the construct cannot build (the message names it)",
        ),
    ]
};

/// Every rule, catalog by catalog: security, mesh analyzers, schema checks,
/// rules across resources, construct checks.
pub fn rules() -> Vec<Rule> {
    crate::aws::security::RULES
        .iter()
        .chain(crate::mesh::analysis::catalog::ANALYZERS)
        .chain(crate::aws::cfn::check::RULES)
        .chain(crate::aws::cfn::semantic::RULES)
        .chain(CONSTRUCT_RULES)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every hand-written source file of the library with its text.
    fn sources() -> Vec<(std::path::PathBuf, String)> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut dirs = vec![std::path::PathBuf::from(root)];
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src is readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    if !path.ends_with("generated") {
                        dirs.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                    files.push((path, text));
                }
            }
        }
        files
    }

    /// Whether a string literal's text is a code: meshsynth's or istioctl's.
    fn is_code(piece: &str) -> bool {
        let ours = piece.starts_with("MS-")
            && piece.len() < 20
            && piece.matches('-').count() == 2
            && piece.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let istio = piece.len() == 7
            && piece.starts_with("IST")
            && piece[3..].chars().all(|c| c.is_ascii_digit());
        ours || istio
    }

    /// Every code literal of the library's sources (tests included): a code
    /// no catalog lists, or in another format, fails below.
    fn codes_in_sources() -> BTreeSet<String> {
        sources()
            .iter()
            .flat_map(|(_, text)| text.split('"').skip(1).step_by(2))
            .filter(|piece| is_code(piece))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_code_in_the_sources_is_in_a_catalog_in_one_format() {
        let catalog: BTreeSet<&str> = rules().iter().map(|r| r.code).collect();
        let found = codes_in_sources();
        // The scan sees the codes it is meant to see.
        for known in ["MS-CFN-1", "MS-MESH-7", "IST0101", "MS-EKS-2"] {
            assert!(found.contains(known), "the scan missed {known}");
        }
        for code in found {
            let renamed = crate::core::renamed_rule(&code).is_some();
            assert!(
                catalog.contains(code.as_str()) || renamed,
                "{code} is in no catalog"
            );
        }
        // A renamed code leads (through later renames) to a code that exists.
        for (old, _) in crate::core::RENAMED_RULES {
            let new = crate::core::renamed_rule(old).unwrap_or_default();
            assert!(
                catalog.contains(new),
                "{old} is renamed {new}, which no catalog lists"
            );
        }
        for code in &catalog {
            let Some(rest) = code.strip_prefix("MS-") else {
                continue;
            };
            let (area, n) = rest.split_once('-').expect("MS-<AREA>-<n>");
            assert!(
                area.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && !n.starts_with('0')
                    && n.parse::<u32>().is_ok(),
                "{code} is not MS-<AREA>-<n>"
            );
        }
    }

    /// Outside tests, a code is written once, as the value of its constant;
    /// every check names the constant.
    #[test]
    fn checks_name_constants_not_literals() {
        let mut literal = Vec::new();
        for (path, text) in sources() {
            // diag.rs holds the table of renamed codes (old and new spelled out).
            if path
                .file_name()
                .is_some_and(|n| n == "tests.rs" || n == "diag.rs")
            {
                continue;
            }
            let code_part = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in code_part.lines().enumerate() {
                let t = line.trim_start();
                if t.starts_with("//") || t.starts_with("pub const") {
                    continue;
                }
                let pieces = t.split('"').skip(1).step_by(2);
                if pieces
                    .into_iter()
                    .any(|p| is_code(p) || p.starts_with("AwsSolutions-"))
                {
                    literal.push(format!("{}:{}", path.display(), n + 1));
                }
            }
        }
        assert!(
            literal.is_empty(),
            "code literals outside their constants: {literal:?}"
        );
    }

    #[test]
    fn codes_are_unique_across_catalogs() {
        let all = rules();
        let unique: BTreeSet<&str> = all.iter().map(|r| r.code).collect();
        assert_eq!(unique.len(), all.len(), "a code is in two catalogs");
    }

    #[test]
    fn every_catalog_code_is_documented() {
        let docs = [
            include_str!("../docs/aws.md"),
            include_str!("../docs/security.md"),
            include_str!("../docs/mesh-analysis.md"),
        ]
        .concat();
        for r in rules() {
            assert!(docs.contains(r.code), "{} is not in docs/", r.code);
        }
    }
}
