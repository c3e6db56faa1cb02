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
    let [cfnlint, out, cargo_toml] = paths.as_slice() else {
        bail!("usage: meshsynth-codegen CFNLINT_DIR OUT_DIR CARGO_TOML [--check] (CFNLINT_DIR is the installed cfnlint/ package folder; CARGO_TOML gets the generated features)");
    };
    let source = meshsynth_codegen::Source::open(&PathBuf::from(cfnlint), REGION)?;
    let mut files = meshsynth_codegen::generate(&source)?;
    let out = PathBuf::from(out);
    let cargo_toml = PathBuf::from(cargo_toml);
    // The features go into the library's manifest, not beside the code.
    if let Some(i) = files.iter().position(|(n, _)| n == "features.toml") {
        let (_, features) = files.remove(i);
        let manifest = std::fs::read_to_string(&cargo_toml)
            .with_context(|| format!("reading {}", cargo_toml.display()))?;
        let spliced = meshsynth_codegen::splice_features(&manifest, &String::from_utf8(features)?)?;
        if check {
            if spliced != manifest {
                eprintln!("meshsynth-codegen: the generated features of {} differ; run scripts/codegen and commit the result", cargo_toml.display());
                return Ok(false);
            }
        } else if spliced != manifest {
            std::fs::write(&cargo_toml, spliced)
                .with_context(|| format!("writing {}", cargo_toml.display()))?;
        }
    }
    let mut same = true;
    if check {
        // A generated file that is no longer generated is stale.
        let services = out.join("services");
        if let Ok(dir) = std::fs::read_dir(&services) {
            for e in dir.flatten() {
                let name = format!("services/{}", e.file_name().to_string_lossy());
                if !files.iter().any(|(n, _)| *n == name) {
                    eprintln!(
                        "meshsynth-codegen: {} is not generated any more; run scripts/codegen",
                        out.join(&name).display()
                    );
                    same = false;
                }
            }
        }
    }
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
            let dir = path.parent().unwrap_or(&out).to_path_buf();
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            // Written beside and renamed, so an interrupted run leaves the old file whole.
            let tmp = dir.join(format!(
                ".{}.tmp",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
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
