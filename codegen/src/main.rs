//! `meshsynth-codegen CFNLINT_DIR OUT_DIR CARGO_TOML GETATTS_JSON [--check]`: writes (or,
//! with `--check`, compares) the generated CloudFormation registry;
//! `meshsynth-codegen crds CRDS_DIR OUT_DIR TYPES_CRATE_DIR [--check]` does
//! the same for the Kubernetes CRD registry and the typed CRD crates;
//! `meshsynth-codegen k8s-shapes K8S_OPENAPI_SRC CRDS_DIR OUT_FILE
//! [--check]` the shape table of the typed Kubernetes layers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

/// The region whose provider list decides which types exist; us-east-1 has
/// every type the others have.
const REGION: &str = "us-east-1";

/// Writes `files` under `out` (each beside and renamed, so an interrupted
/// run leaves the old file whole) or, with `check`, reports each that
/// differs. Returns whether all were the same.
fn write_or_check(
    out: &Path,
    files: &[(String, Vec<u8>)],
    check: bool,
    what: &str,
) -> Result<bool> {
    let mut same = true;
    for (name, bytes) in files {
        let path = out.join(name);
        if check {
            let committed = std::fs::read(&path).unwrap_or_default();
            if &committed != bytes {
                eprintln!(
                    "meshsynth-codegen: {} differs from what {what} generates; run scripts/codegen and commit the result",
                    path.display(),
                );
                same = false;
            }
        } else {
            let dir = path.parent().unwrap_or(out).to_path_buf();
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let tmp = dir.join(format!(
                ".{}.tmp",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
            std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("renaming to {}", path.display()))?;
        }
    }
    Ok(same)
}

fn run_crds(paths: &[&String], check: bool) -> Result<bool> {
    let [crds, out, types_crate] = paths else {
        bail!("usage: meshsynth-codegen crds CRDS_DIR REGISTRY_OUT_DIR TYPES_CRATE_DIR [--check]");
    };
    let output = meshsynth_codegen::crd::generate(Path::new(crds))?;
    let out = PathBuf::from(out);
    let mut same = write_or_check(&out, &output.registry, check, crds)?;
    let types_crate = PathBuf::from(types_crate);
    let types_out = types_crate.join("src/generated");
    same &= write_or_check(&types_out, &output.types, check, crds)?;
    // A types file no project generates any more is stale.
    if let Ok(dir) = std::fs::read_dir(&types_out) {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !output.types.iter().any(|(n, _)| *n == name) {
                eprintln!(
                    "meshsynth-codegen: {} is not generated any more; run scripts/codegen and remove it",
                    types_out.join(&name).display()
                );
                same = false;
            }
        }
    }
    for project in &output.projects {
        let dir = types_crate.join(&project.dir);
        let manifest = [("Cargo.toml".to_string(), project.manifest.clone())];
        same &= write_or_check(&dir, &manifest, check, crds)?;
        same &= write_or_check(&dir.join("src"), &project.sources, check, crds)?;
    }
    // A project crate no CRD folder generates any more is stale.
    if let Ok(dir) = std::fs::read_dir(&types_crate) {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if e.path().join("Cargo.toml").is_file()
                && !output.projects.iter().any(|p| p.dir == name)
            {
                eprintln!(
                    "meshsynth-codegen: {} is not generated any more; run scripts/codegen, remove it and its workspace entries",
                    e.path().display()
                );
                same = false;
            }
        }
    }
    let manifest_path = types_crate.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let spliced = meshsynth_codegen::splice_features_at(
        &manifest,
        meshsynth_codegen::crd::FEATURES_BEGIN,
        &output.features,
    )?;
    if spliced != manifest {
        if check {
            eprintln!("meshsynth-codegen: the generated features of {} differ; run scripts/codegen and commit the result", manifest_path.display());
            same = false;
        } else {
            std::fs::write(&manifest_path, spliced)
                .with_context(|| format!("writing {}", manifest_path.display()))?;
        }
    }
    if !check {
        println!(
            "meshsynth-codegen: {} CRD kinds from {crds} → {}, {} and {} project crates beside it",
            output.kinds,
            out.display(),
            types_out.display(),
            output.projects.len()
        );
    }
    Ok(same)
}

/// `k8s-shapes K8S_OPENAPI_VERSION_DIR CRDS_DIR OUT_FILE`: the
/// shape table `import k8s` writes struct literals from.
fn run_k8s_shapes(paths: &[&String], check: bool) -> Result<bool> {
    let [k8s, crds, out] = paths else {
        bail!("usage: meshsynth-codegen k8s-shapes K8S_OPENAPI_SRC_VERSION_DIR CRDS_DIR OUT_FILE [--check]");
    };
    let table = meshsynth_codegen::k8s_shapes::generate(Path::new(k8s), Path::new(crds))?;
    let out = PathBuf::from(out);
    let dir = out.parent().unwrap_or(Path::new(".")).to_path_buf();
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    write_or_check(&dir, &[(name, table.into_bytes())], check, k8s)
}

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if paths.first().is_some_and(|p| *p == "crds") {
        return run_crds(&paths[1..], check);
    }
    if paths.first().is_some_and(|p| *p == "k8s-shapes") {
        return run_k8s_shapes(&paths[1..], check);
    }
    let [cfnlint, out, cargo_toml, getatts] = paths.as_slice() else {
        bail!("usage: meshsynth-codegen CFNLINT_DIR OUT_DIR CARGO_TOML GETATTS_JSON [--check] (CFNLINT_DIR is the installed cfnlint/ package folder; CARGO_TOML gets the generated features; GETATTS_JSON is cfn-lint's Fn::GetAtt names per type, as scripts/codegen dumps them)");
    };
    let source =
        meshsynth_codegen::Source::open(&PathBuf::from(cfnlint), REGION, &PathBuf::from(getatts))?;
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
    let what = format!("cfn-lint {}", source.cfn_lint_version);
    same &= write_or_check(&out, &files, check, &what)?;
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
