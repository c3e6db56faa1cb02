//! Every template of the import corpus (`../shared/import-corpus/cfn`,
//! aws-cloudformation-templates) that the pinned cfn-lint accepts is
//! included in a stack and written back equal after normalization
//! (`meshsynth::aws::cfn::include::compare`). The per-file results are a fixture
//! (`tests/fixtures/include/cfn-corpus.tsv`), so a file that regresses
//! shows by name. Skipped, saying so, when `../shared` is absent.

use crate::corpus;

use std::path::Path;

use meshsynth::aws::cfn::include::compare as cfn_normalize;
use meshsynth::aws::cfn::include::{CfnInclude, CfnIncludeProps};
use meshsynth::core::{App, Context, Severity, Stack, StackProps};
use meshsynth::synth::{synth, SynthOptions};

const FIXTURE: &str = "tests/fixtures/include/cfn-corpus.tsv";

/// What including one file gives: `equal`, or why not. A file refused
/// only by rule findings (a security rule on the template as written) is
/// included again with those rules suppressed on the include, as a team
/// adopting it would until it is fixed, and reported as such.
fn round_trip(dir: &Path, rel: &str) -> String {
    match include(dir, rel, &[]) {
        Err(codes) if !codes.is_empty() => match include(dir, rel, &codes) {
            Ok(r) if r == "equal" => format!("equal, with {} suppressed", codes.join(" ")),
            Ok(r) => r,
            Err(_) => "synth error after suppressing its rule findings".into(),
        },
        Err(_) => unreachable!("no codes"),
        Ok(r) => r,
    }
}

/// The result, or the rule codes of the errors that refused it.
fn include(dir: &Path, rel: &str, suppress: &[String]) -> Result<String, Vec<String>> {
    let text = match std::fs::read_to_string(dir.join(rel)) {
        Ok(t) => t,
        Err(e) => return Ok(format!("unreadable: {e}")),
    };
    let mut app = App::new(Context::new());
    let made = (|| {
        let stack = Stack::new(&mut app.root(), "adopted", StackProps::default())?;
        let mut s = app.scope(stack.node())?;
        CfnInclude::from_text(&mut s, "Template", rel, &text, CfnIncludeProps::default())
    })();
    let include = match made {
        Ok(i) => i,
        Err(e) => return Ok(format!("refused: {}", corpus::one_line(&e.to_string()))),
    };
    if !suppress.is_empty() {
        let mut s = app.scope(include.node()).unwrap();
        for code in suppress {
            s.suppress(code, "adopted as deployed; reviewed apart")
                .unwrap();
        }
    }
    let synthesis = match synth(app, &SynthOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            let codes: Vec<String> = e
                .diagnostics()
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.code.clone())
                .collect::<Option<_>>()
                .unwrap_or_default();
            if codes.is_empty() || !suppress.is_empty() {
                return Ok(format!("synth error: {}", corpus::one_line(&e.to_string())));
            }
            let mut codes = codes;
            codes.sort();
            codes.dedup();
            return Err(codes);
        }
    };
    let Some(file) = synthesis
        .assembly
        .files
        .iter()
        .find(|(path, _)| path.ends_with(".template.json"))
    else {
        return Ok("no template written".into());
    };
    let ours = cfn_normalize::read(std::str::from_utf8(&file.1).unwrap()).unwrap();
    let theirs = cfn_normalize::read(&text).unwrap();
    let ours = if suppress.is_empty() {
        ours
    } else {
        cfn_normalize::without_suppressions(ours)
    };
    Ok(match cfn_normalize::first_difference(&theirs, &ours, "$") {
        None => "equal".into(),
        Some(d) => format!("different: {}", corpus::one_line(&d)),
    })
}

fn count_templates(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += count_templates(&p);
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("json" | "yaml" | "yml")
        ) {
            n += 1;
        }
    }
    n
}

#[test]
fn every_template_cfn_lint_accepts_is_written_back_equal() {
    let Some(dir) = corpus::dir("cfn") else {
        eprintln!("skipped: ../shared/import-corpus is absent (the corpus round trip needs it)");
        return;
    };
    let fixture = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE))
        .expect("fixture");
    let mut lines = Vec::new();
    for line in fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut cols = line.split('\t');
        let (Some(rel), Some(lint)) = (cols.next(), cols.next()) else {
            panic!("bad fixture line {line:?}");
        };
        let got = if lint == "accepted" {
            round_trip(&dir, rel)
        } else {
            "-".into()
        };
        lines.push(format!("{rel}\t{lint}\t{got}"));
    }
    let on_disk = count_templates(&dir);
    assert_eq!(
        lines.len(),
        on_disk,
        "{FIXTURE} lists {} files, the corpus holds {on_disk}: run scripts/include-corpus-lint",
        lines.len()
    );
    let accepted = lines.iter().filter(|l| l.contains("\taccepted\t")).count();
    let equal = lines.iter().filter(|l| l.contains("\tequal")).count();
    let suppressed = lines.iter().filter(|l| l.contains("\tequal, with")).count();
    eprintln!(
        "cfn include: {equal} of {accepted} accepted templates written back equal ({suppressed} with a rule suppressed)"
    );
    if std::env::var_os("MESHSYNTH_BLESS").is_some() {
        let header = fixture.lines().take_while(|l| l.starts_with('#'));
        let mut out: Vec<String> = header.map(str::to_string).collect();
        out.extend(lines);
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE),
            out.join("\n") + "\n",
        )
        .unwrap();
        return;
    }
    let expected: Vec<&str> = fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let changed: Vec<String> = lines
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a.as_str() != **b)
        .map(|(a, b)| format!("  now {a}\n  was {b}"))
        .collect();
    assert!(
        changed.is_empty(),
        "{} corpus results changed (MESHSYNTH_BLESS=1 rewrites {FIXTURE} after review):\n{}",
        changed.len(),
        changed.join("\n")
    );
}
