//! The proof of an import: the crate is compiled with cargo and run, its
//! synth writes each stack's template and each chart's manifest, and each
//! is compared with the file it came from (templates as
//! `meshsynth::aws::cfn::include::compare` normalizes them, objects by
//! kind, namespace and name).

use std::path::{Path, PathBuf};
use std::process::Command;

use meshsynth::aws::cfn::include::compare;
use serde_json::Value as Json;

/// What verification found for one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Synthesized equal to the template after normalization.
    Identical,
    /// Synthesized, and differs first at this place.
    Different(String),
    /// Not verified, and why (the crate did not build or synthesize, or
    /// `--no-verify`).
    Unverified(String),
}

/// What one module must synthesize to.
#[derive(Debug, Clone)]
pub enum Expected {
    /// Stack `stack`'s template.
    Template {
        /// The stack name.
        stack: String,
        /// The template it came from.
        template: Json,
    },
    /// Chart `chart`'s objects, in cluster `cluster`.
    Objects {
        /// The cluster (the assembly's `k8s/<cluster>/`).
        cluster: String,
        /// The chart's namespace, which a namespaced object of the file
        /// without one gets.
        namespace: String,
        /// The chart name (its manifest is `<chart>.yaml`).
        chart: String,
        /// The objects of the file it came from.
        objects: Vec<Json>,
    },
}

impl Expected {
    /// The name an error of synth starts with (`stack/…`).
    fn name(&self) -> &str {
        match self {
            Expected::Template { stack, .. } => stack,
            Expected::Objects { chart, .. } => chart,
        }
    }
}

/// Builds the crate in `dir` (package `name`) and synthesizes it; one
/// verdict per expectation, in order. `progress` gets one line before the
/// build, which can take minutes the first time.
pub fn verify(
    dir: &Path,
    name: &str,
    stacks: &[Expected],
    progress: &mut dyn std::io::Write,
) -> Vec<Verdict> {
    let all = |why: String| vec![Verdict::Unverified(why); stacks.len()];
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let _ = writeln!(
        progress,
        "verifying: cargo build in {} (the first build compiles meshsynth: minutes)",
        dir.display()
    );
    let built = Command::new(&cargo)
        .args(["build", "--quiet", "--bin", name])
        .current_dir(dir)
        .output();
    match built {
        Err(e) => return all(format!("cargo did not start ({e})")),
        Ok(o) if !o.status.success() => {
            return all(format!(
                "the crate does not compile: {}",
                first_error(&String::from_utf8_lossy(&o.stderr))
            ))
        }
        Ok(_) => {}
    }
    let binary = built_binary(dir, name, std::env::var_os("CARGO_TARGET_DIR"));
    let out = match tempfile::Builder::new()
        .prefix("meshsynth-import-")
        .tempdir()
    {
        Ok(t) => t,
        Err(e) => return all(format!("no scratch directory ({e})")),
    };
    let ran = Command::new(&binary)
        .arg("synth")
        .arg("--output")
        .arg(out.path())
        .current_dir(dir)
        .output();
    match ran {
        Err(e) => return all(format!("{} did not start ({e})", binary.display())),
        Ok(o) if !o.status.success() => {
            return blame(stacks, &String::from_utf8_lossy(&o.stderr));
        }
        Ok(_) => {}
    }
    stacks
        .iter()
        .map(|e| match e {
            Expected::Template { stack, template } => compare_one(out.path(), stack, template),
            Expected::Objects {
                cluster,
                namespace,
                chart,
                objects,
            } => compare_chart(out.path(), (cluster, namespace), chart, objects),
        })
        .collect()
}

/// Where `cargo build` in `dir` put binary `name`, as an absolute path:
/// the binary runs with `dir` as its working directory, where a relative
/// path (`--out platform`) would be looked up again and not found.
fn built_binary(dir: &Path, name: &str, target_dir: Option<std::ffi::OsString>) -> PathBuf {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let target = target_dir
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { dir.join(t) })
        .unwrap_or_else(|| dir.join("target"));
    target
        .join("debug")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Verdicts when synth failed: each stack an error names (by its path,
/// `stack/…`) did not synthesize; the others could not be checked.
fn blame(stacks: &[Expected], stderr: &str) -> Vec<Verdict> {
    let errors: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("error: "))
        .collect();
    let failed: Vec<&str> = stacks
        .iter()
        .map(Expected::name)
        .filter(|name| {
            errors
                .iter()
                .any(|e| e.starts_with(&format!("{name}/")) || e.starts_with(&format!("{name}:")))
        })
        .collect();
    stacks
        .iter()
        .map(Expected::name)
        .map(|name| {
            let own = errors
                .iter()
                .find(|e| e.starts_with(&format!("{name}/")) || e.starts_with(&format!("{name}:")));
            Verdict::Unverified(match (own, failed.first()) {
                (Some(e), _) => format!("does not synthesize: {}", clip(e)),
                (None, Some(other)) => format!("not checked: stack {other} does not synthesize"),
                (None, None) => format!("the crate does not synthesize: {}", first_error(stderr)),
            })
        })
        .collect()
}

fn compare_one(assembly: &Path, stack: &str, theirs: &Json) -> Verdict {
    let file = assembly.join(format!("{stack}.template.json"));
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            return Verdict::Unverified(format!("synth wrote no {stack}.template.json ({e})"))
        }
    };
    let ours = match compare::read(&text) {
        Ok(j) => compare::without_suppressions(j),
        Err(e) => return Verdict::Unverified(format!("{stack}.template.json: {e}")),
    };
    // Suppressions are compared as code, not metadata: the source's own
    // (a template meshsynth wrote) became `suppress_node` calls.
    let theirs = compare::without_suppressions(compare::normalize(theirs.clone()));
    match compare::first_difference(&theirs, &ours, "$") {
        None => Verdict::Identical,
        Some(d) => Verdict::Different(d),
    }
}

/// The chart's manifest against the file's objects, each by kind,
/// namespace and name.
fn compare_chart(
    assembly: &Path,
    (cluster, namespace): (&str, &str),
    chart: &str,
    theirs: &[Json],
) -> Verdict {
    let file = assembly
        .join("k8s")
        .join(cluster)
        .join(format!("{chart}.yaml"));
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            return Verdict::Unverified(format!("synth wrote no k8s/{cluster}/{chart}.yaml ({e})"))
        }
    };
    let ours = match meshsynth::mesh::include::read_objects(chart, &text) {
        Ok(objects) => objects.into_iter().map(|(o, _)| o).collect::<Vec<_>>(),
        Err(e) => return Verdict::Unverified(format!("k8s/{cluster}/{chart}.yaml: {e}")),
    };
    let key = |o: &Json| {
        let s = |p: &str| {
            o.pointer(p)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        format!(
            "{} {}/{}",
            s("/kind"),
            s("/metadata/namespace"),
            s("/metadata/name")
        )
    };
    let index = |objects: &[Json]| -> std::collections::BTreeMap<String, Json> {
        objects
            .iter()
            .map(|o| (key(o), k8s_normalize(without_claim_kinds(o.clone()))))
            .collect()
    };
    // A namespaced object the file leaves without a namespace gets the
    // chart's, as `kubectl apply -n` gives it; the library knows which
    // kinds are namespaced, so its output says.
    let theirs: Vec<Json> = theirs
        .iter()
        .map(|t| {
            let mut t = t.clone();
            if t.pointer("/metadata/namespace").is_none() {
                let mut with = t.clone();
                if let Some(m) = with.get_mut("metadata").and_then(Json::as_object_mut) {
                    m.insert("namespace".into(), Json::String(namespace.to_string()));
                }
                if ours.iter().any(|o| key(o) == key(&with)) {
                    t = with;
                }
            }
            t
        })
        .collect();
    let (theirs, ours) = (index(&theirs), index(&ours));
    for (k, t) in &theirs {
        match ours.get(k) {
            None => return Verdict::Different(format!("{k} is missing")),
            Some(o) => {
                if let Some(d) = compare::first_difference(t, o, &format!("{k}: $")) {
                    return Verdict::Different(d);
                }
            }
        }
    }
    match ours.keys().find(|k| !theirs.contains_key(*k)) {
        Some(extra) => Verdict::Different(format!("{extra} is not in the file")),
        None => Verdict::Identical,
    }
}

/// A StatefulSet's claim templates without `apiVersion` and `kind`, which
/// the typed claim always writes and the API server fills in when absent.
fn without_claim_kinds(mut o: Json) -> Json {
    if let Some(Json::Array(claims)) = o.pointer_mut("/spec/volumeClaimTemplates") {
        for c in claims.iter_mut().filter_map(Json::as_object_mut) {
            c.remove("apiVersion");
            c.remove("kind");
        }
    }
    o
}

/// An object as the API server reads it: nulls dropped, numbers compared
/// by value, a number where text goes (`cpu: 0.5`) as its text.
fn k8s_normalize(j: Json) -> Json {
    match j {
        Json::Object(m) => Json::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, k8s_normalize(v)))
                .collect(),
        ),
        Json::Array(a) => Json::Array(a.into_iter().map(k8s_normalize).collect()),
        Json::Number(n) => Json::String(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        other => other,
    }
}

/// The first `error` line of cargo's or the app's output, for the report.
fn first_error(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("error"))
        .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("no output");
    clip(line.trim())
}

/// At most 300 bytes of a message.
fn clip(s: &str) -> String {
    let mut line = s.to_string();
    if line.len() > 300 {
        let mut cut = 300;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_binary_is_found_from_any_working_directory() {
        let exe = format!("acme{}", std::env::consts::EXE_SUFFIX);
        let here = std::env::current_dir().unwrap();
        // `--out acme` without CARGO_TARGET_DIR: the default for a new user.
        assert_eq!(
            built_binary(Path::new("acme"), "acme", None),
            here.join("acme/target/debug").join(&exe)
        );
        assert_eq!(
            built_binary(Path::new("acme"), "acme", Some("t".into())),
            here.join("acme/t/debug").join(&exe)
        );
        assert_eq!(
            built_binary(Path::new("acme"), "acme", Some("/shared/t".into())),
            Path::new("/shared/t/debug").join(&exe)
        );
    }
}
