//! The crate `import` writes: `init`'s manifest, main and lockfile, a
//! `src/lib.rs` that builds everything imported, one module per stack
//! under `src/stacks/` and per chart under `src/charts/`, and a test that
//! synthesizes them.

use std::collections::BTreeSet;

use crate::init::{Dependency, CARGO_TOML, GITIGNORE, LOCKFILE, MAIN_RS, MESHSYNTH_JSON};

/// Files to write, as (path relative to the crate, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// What a module builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A CloudFormation stack (`src/stacks/`).
    Stack,
    /// A chart of Kubernetes objects (`src/charts/`).
    Chart,
}

impl Kind {
    fn folder(self) -> &'static str {
        match self {
            Kind::Stack => "stacks",
            Kind::Chart => "charts",
        }
    }
}

/// One module of the crate.
#[derive(Debug, Clone)]
pub struct Module {
    /// Stack or chart.
    pub kind: Kind,
    /// The input file's path as the report shows it.
    pub origin: String,
    /// The stack or chart name.
    pub name: String,
    /// The module and the function that builds it.
    pub fn_name: String,
    /// The module's source.
    pub code: String,
}

/// The crate's files, as (relative path, bytes).
pub fn files(
    name: &str,
    dependency: &Dependency,
    features: &BTreeSet<String>,
    modules: &[Module],
) -> Files {
    let snake = name.replace('-', "_");
    let features: Vec<String> = features.iter().cloned().collect();
    let fill = |t: &str| {
        t.replace("{{name_snake}}", &snake)
            .replace("{{name}}", name)
            .replace("{{meshsynth}}", &dependency.toml_with(&features))
            .into_bytes()
    };
    let mut out = vec![
        ("Cargo.toml".to_string(), fill(CARGO_TOML)),
        ("src/main.rs".to_string(), fill(MAIN_RS)),
        ("src/lib.rs".to_string(), lib_rs(name, modules).into_bytes()),
        (
            "tests/synth.rs".to_string(),
            test_rs(&snake, modules).into_bytes(),
        ),
        ("meshsynth.json".to_string(), fill(MESHSYNTH_JSON)),
        (".gitignore".to_string(), fill(GITIGNORE)),
        (
            "README.md".to_string(),
            readme(name, dependency, modules).into_bytes(),
        ),
        ("Cargo.lock".to_string(), LOCKFILE.as_bytes().to_vec()),
    ];
    for kind in [Kind::Stack, Kind::Chart] {
        let of_kind: Vec<&Module> = modules.iter().filter(|m| m.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        out.push((
            format!("src/{}/mod.rs", kind.folder()),
            folder_mod(kind, &of_kind).into_bytes(),
        ));
        for m in of_kind {
            out.push((
                format!("src/{}/{}.rs", kind.folder(), m.fn_name),
                m.code.clone().into_bytes(),
            ));
        }
    }
    out
}

fn lib_rs(name: &str, modules: &[Module]) -> String {
    let count = |k: Kind| modules.iter().filter(|m| m.kind == k).count();
    let (stacks, charts) = (count(Kind::Stack), count(Kind::Chart));
    let mut mods = String::new();
    let mut calls = String::new();
    for (kind, n) in [(Kind::Chart, charts), (Kind::Stack, stacks)] {
        if n > 0 {
            mods.push_str(&format!("pub mod {};\n", kind.folder()));
        }
    }
    for (kind, n) in [(Kind::Stack, stacks), (Kind::Chart, charts)] {
        if n > 0 {
            calls.push_str(&format!("    {}::build(app)?;\n", kind.folder()));
        }
    }
    let what = match (stacks, charts) {
        (s, 0) => format!("{s} CloudFormation template(s): one module of `stacks/` per template"),
        (0, c) => format!("{c} Kubernetes YAML file(s): one module of `charts/` per file"),
        (s, c) => format!("{s} template(s) and {c} YAML file(s): one module each"),
    };
    format!(
        "//! The {name} platform, imported by `meshsynth import` from\n//! {what}.\n//! `IMPORT.md` lists what each became and how it was verified.\n\n{mods}\nuse meshsynth::core::{{App, Error}};\n\n/// Adds everything imported to `app`.\npub fn build(app: &mut App) -> Result<(), Error> {{\n    app.set_name({name:?})?;\n{calls}    Ok(())\n}}\n"
    )
}

fn folder_mod(kind: Kind, modules: &[&Module]) -> String {
    let what = match kind {
        Kind::Stack => "stacks",
        Kind::Chart => "charts",
    };
    let mut out = format!(
        "//! The imported {what}, one module each.\n\nuse meshsynth::core::{{App, Error}};\n\n"
    );
    // In rustfmt's order, so the file is written formatted.
    let mut sorted: Vec<&&Module> = modules.iter().collect();
    sorted.sort_by(|a, b| a.fn_name.cmp(&b.fn_name));
    for m in sorted {
        out.push_str(&format!(
            "/// From `{}`.\npub mod {};\n",
            m.origin.replace('`', "'"),
            m.fn_name
        ));
    }
    out.push_str(&format!("\n/// Adds every imported {} to `app`.\npub fn build(app: &mut App) -> Result<(), Error> {{\n", &what[..what.len() - 1]));
    for m in modules {
        out.push_str(&call_line(&format!("{0}::{0}", m.fn_name)));
    }
    out.push_str("    Ok(())\n}\n");
    out
}

/// `    path(app)?;` as rustfmt lays it out: on one line when it fits in
/// 100 columns, else the argument on a line of its own when the callee
/// fits, else as it is (rustfmt leaves what it cannot fit).
fn call_line(path: &str) -> String {
    let one = format!("    {path}(app)?;\n");
    if one.len() <= 101 || format!("    {path}(").len() > 100 {
        one
    } else {
        format!("    {path}(\n        app,\n    )?;\n")
    }
}

fn test_rs(snake: &str, modules: &[Module]) -> String {
    let stacks: Vec<String> = modules
        .iter()
        .filter(|m| m.kind == Kind::Stack)
        .map(|m| format!("{:?}", m.name))
        .collect();
    let check = if stacks.is_empty() {
        "    assert!(!synth.assembly.files.is_empty());\n".to_string()
    } else {
        format!(
            "    for stack in [{}] {{\n        synth.template(stack);\n    }}\n",
            stacks.join(", ")
        )
    };
    format!(
        "//! Everything imported synthesizes (`meshsynth import` proved each\n//! file equal to its source when it wrote this crate; IMPORT.md says how).\n\nuse meshsynth::testing::synth_app;\n\n#[test]\nfn everything_imported_synthesizes() {{\n    let synth = synth_app({snake}::build, &[]).expect(\"the app synthesizes\");\n{check}}}\n"
    )
}

fn readme(name: &str, dependency: &Dependency, modules: &[Module]) -> String {
    let stacks = modules.iter().filter(|m| m.kind == Kind::Stack).count();
    let charts = modules.len() - stacks;
    let mut what = Vec::new();
    if stacks > 0 {
        what.push(format!(
            "{stacks} CloudFormation stack(s), one module each under `src/stacks/`,\nlogical ids kept"
        ));
    }
    if charts > 0 {
        what.push(format!(
            "{charts} chart(s) of Kubernetes objects, one module per YAML file under\n`src/charts/`, object names kept"
        ));
    }
    let mut deploy = String::new();
    if stacks > 0 {
        deploy.push_str("\nA stack deploys over the one it came from when it has its name (the\nfirst argument of `Stack::new`): `meshsynth deploy --adopt NAME` takes it\nover (meshsynth's docs/adopt.md).");
    }
    if charts > 0 {
        deploy.push_str("\nThe charts' manifests are in `mesh.out/k8s/<cluster>/` after `synth`, for\n`kubectl apply -k` (or `meshsynth deploy`, which also resolves values from\nthe stacks).");
    }
    format!(
        "# {name}\n\nImported by `meshsynth import` as typed meshsynth code: {}.\n`IMPORT.md` lists each file and what it became.\n\n```sh\nmeshsynth synth     # the cloud assembly -> mesh.out/ (or: cargo run -- synth)\ncargo test          # everything imported synthesizes\nmeshsynth diff --against deployed   # what deploying would change\n```\n{deploy}\n\nInstall the toolkit with:\n\n```sh\n{}\n```\n",
        what.join("; "),
        dependency.install()
    )
}

/// The files that add `modules` (all of one kind) to the crate in `dir`,
/// which an earlier `meshsynth import` wrote: their folder and modules,
/// `src/lib.rs` with the folder's module and build call added, and the
/// meshsynth dependency of `Cargo.toml` with `features` added. The crate's
/// package name comes back too. An error says why the crate cannot take
/// them (not written by import, edited where import would write, or
/// already holding that folder).
pub fn extend(
    dir: &std::path::Path,
    features: &BTreeSet<String>,
    modules: &[Module],
) -> Result<(String, Files), String> {
    let read =
        |p: &str| std::fs::read_to_string(dir.join(p)).map_err(|e| format!("cannot read {p}: {e}"));
    let lib = read("src/lib.rs")?;
    let manifest = read("Cargo.toml")?;
    if !lib.contains("imported by `meshsynth import`") {
        return Err("holds a crate `meshsynth import` did not write: import into an empty directory, then move the modules you want".into());
    }
    let kind = modules.first().map_or(Kind::Stack, |m| m.kind);
    let folder = kind.folder();
    if dir.join("src").join(folder).exists() {
        return Err(format!(
            "already holds src/{folder}/ from an earlier import: import into an empty directory, or import these files together in one run"
        ));
    }
    let (Some(decl_at), Some(call_at)) = (lib.find("\npub mod "), lib.find("    Ok(())\n}")) else {
        return Err("src/lib.rs no longer has the `pub mod` line and `Ok(())` of `build` import wrote: add the modules yourself".into());
    };
    let mut new_lib = lib.clone();
    new_lib.insert_str(call_at, &format!("    {folder}::build(app)?;\n"));
    new_lib.insert_str(decl_at + 1, &format!("pub mod {folder};\n"));
    let package = manifest
        .lines()
        .find_map(|l| {
            l.strip_prefix("name = \"")
                .and_then(|r| r.strip_suffix('"'))
        })
        .ok_or("Cargo.toml has no package name")?
        .to_string();
    let new_manifest = with_features(&manifest, features)?;
    let of_kind: Vec<&Module> = modules.iter().collect();
    let mut out = vec![
        ("src/lib.rs".to_string(), new_lib.into_bytes()),
        ("Cargo.toml".to_string(), new_manifest.into_bytes()),
        (
            format!("src/{folder}/mod.rs"),
            folder_mod(kind, &of_kind).into_bytes(),
        ),
    ];
    for m in modules {
        out.push((
            format!("src/{folder}/{}.rs", m.fn_name),
            m.code.clone().into_bytes(),
        ));
    }
    Ok((package, out))
}

/// `manifest` with `features` added to its `meshsynth = { … }` line.
fn with_features(manifest: &str, features: &BTreeSet<String>) -> Result<String, String> {
    let mut out = String::with_capacity(manifest.len() + 64);
    let mut found = false;
    for line in manifest.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if !found && body.starts_with("meshsynth = {") && body.ends_with('}') {
            found = true;
            let mut have: BTreeSet<String> = BTreeSet::new();
            let rest = match body.find(", features = [") {
                Some(at) => {
                    let list_start = at + ", features = [".len();
                    let list_end = body[list_start..]
                        .find(']')
                        .map(|e| e + list_start)
                        .ok_or("the meshsynth dependency's features list is not closed")?;
                    for f in body[list_start..list_end].split(',') {
                        let f = f.trim().trim_matches('"');
                        if !f.is_empty() {
                            have.insert(f.to_string());
                        }
                    }
                    format!("{}{}", &body[..at], &body[list_end + 1..])
                }
                None => body.to_string(),
            };
            have.extend(features.iter().cloned());
            let head = rest.trim_end_matches('}').trim_end();
            if have.is_empty() {
                out.push_str(&format!("{head} }}\n"));
            } else {
                let quoted: Vec<String> = have.iter().map(|f| format!("{f:?}")).collect();
                out.push_str(&format!("{head}, features = [{}] }}\n", quoted.join(", ")));
            }
        } else {
            out.push_str(line);
        }
    }
    if !found {
        return Err(
            "Cargo.toml has no one-line `meshsynth = { … }` dependency: add the features yourself"
                .into(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_merged_into_the_dependency_line() {
        let m = "[dependencies]\nmeshsynth = { path = \"/x\", features = [\"aws-s3\"] }\nanyhow = \"1\"\n";
        let f: BTreeSet<String> = ["crd-istio".to_string(), "aws-s3".to_string()].into();
        assert_eq!(
            with_features(m, &f).unwrap(),
            "[dependencies]\nmeshsynth = { path = \"/x\", features = [\"aws-s3\", \"crd-istio\"] }\nanyhow = \"1\"\n"
        );
        let m = "meshsynth = { git = \"u\" }\n";
        assert_eq!(
            with_features(m, &f).unwrap(),
            "meshsynth = { git = \"u\", features = [\"aws-s3\", \"crd-istio\"] }\n"
        );
        assert!(with_features("meshsynth = \"0.2\"\n", &f).is_err());
    }
}
