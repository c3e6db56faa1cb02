//! `meshsynth-codegen CFNLINT_DIR OUT_DIR [--check]`: writes (or, with
//! `--check`, compares) the generated CloudFormation registry.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

/// The region whose provider list decides which types exist; us-east-1 has
/// every type the others have.
const REGION: &str = "us-east-1";

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [cfnlint, out] = paths.as_slice() else {
        bail!("usage: meshsynth-codegen CFNLINT_DIR OUT_DIR [--check] (CFNLINT_DIR is the installed cfnlint/ package folder)");
    };
    let source = meshsynth_codegen::Source::open(&PathBuf::from(cfnlint), REGION)?;
    let files = meshsynth_codegen::generate(&source)?;
    let out = PathBuf::from(out);
    let mut same = true;
    for (name, bytes) in &files {
        let path = out.join(name);
        if check {
            let committed = std::fs::read(&path).unwrap_or_default();
            if &committed != bytes {
                eprintln!(
                    "meshsynth-codegen: {} differs from what cfn-lint {} generates; run scripts/codegen and commit the result",
                    path.display(),
                    source.cfn_lint_version
                );
                same = false;
            }
        } else {
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            // Written beside and renamed, so an interrupted run leaves the old file whole.
            let tmp = out.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("renaming to {}", path.display()))?;
        }
    }
    if !check {
        println!(
            "meshsynth-codegen: {} types from cfn-lint {} (schema date {}) → {}",
            source.types.len(),
            source.cfn_lint_version,
            source.schema_date,
            out.display()
        );
    }
    Ok(same)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("meshsynth-codegen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
