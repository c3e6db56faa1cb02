//! Every file of the Kubernetes import corpus (`../shared/import-corpus/k8s`,
//! kubernetes/examples) is included in a chart and synthesized; the objects
//! written must equal the file's after normalization (nulls dropped, key
//! order). Files that are not Kubernetes YAML (Helm templates, kustomize
//! patches, objects without a name) must be refused with a reason. The
//! per-file results are a fixture (`tests/fixtures/include/k8s-corpus.tsv`),
//! so a file that regresses shows by name. Skipped, saying so, when
//! `../shared` is absent.

use crate::corpus;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meshsynth::core::{App, Chart, ChartProps, Context, Severity};
use meshsynth::mesh::include::{K8sInclude, K8sIncludeProps};
use meshsynth::synth::{synth, SynthOptions};
use meshsynth::untrusted::yaml::{to_json, YamlReader};
use serde_json::Value as Json;

const FIXTURE: &str = "tests/fixtures/include/k8s-corpus.tsv";

fn files(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, base, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
            out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// (kind, namespace, name) → object, nulls dropped.
type Objects = BTreeMap<(String, String, String), Json>;

fn objects_of(text: &str) -> Result<Objects, String> {
    let mut out = Objects::new();
    let docs = YamlReader::for_input(text.len())
        .documents(text)
        .map_err(|e| e.to_string())?;
    for d in docs {
        collect(to_json(d)?, &mut out);
    }
    Ok(out)
}

fn collect(mut j: Json, out: &mut Objects) {
    if j.is_null() {
        return;
    }
    if j["kind"] == "List" {
        if let Some(Json::Array(items)) = j.get_mut("items").map(Json::take) {
            items.into_iter().for_each(|i| collect(i, out));
        }
        return;
    }
    strip_nulls(&mut j);
    let s = |v: &Json| v.as_str().unwrap_or("").to_string();
    let key = (
        s(&j["kind"]),
        s(&j["metadata"]["namespace"]),
        s(&j["metadata"]["name"]),
    );
    out.insert(key, j);
}

fn strip_nulls(j: &mut Json) {
    match j {
        Json::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Json::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// What including one file gives. The chart's namespace is `default`, as
/// `kubectl apply -f` without `-n` would use. A file refused only because
/// a namespace it uses is not created in the same file (`MS-MESH-7`: it
/// is created elsewhere in the example, or is the cluster's) is included
/// again with that rule suppressed, and reported as such.
fn round_trip(dir: &Path, rel: &str) -> String {
    let text = match std::fs::read_to_string(dir.join(rel)) {
        Ok(t) => t,
        Err(e) => return format!("unreadable: {e}"),
    };
    match include(rel, &text, false) {
        Err(first) if first.starts_with("synth error: MS-MESH-7 ") => {
            match include(rel, &text, true) {
                Ok(r) if r == "equal" => "equal, with MS-MESH-7 suppressed".into(),
                Ok(r) => r,
                Err(e) => e,
            }
        }
        Err(e) => e,
        Ok(r) => r,
    }
}

fn include(rel: &str, text: &str, namespaces_exist: bool) -> Result<String, String> {
    let mut app = App::new(Context::new());
    let made = (|| {
        let props = ChartProps::new("corpus").namespace("default");
        let chart = Chart::new(&mut app.root(), "adopted", props)?;
        let mut s = app.scope(chart.node())?;
        let inc = K8sInclude::from_text(&mut s, "Yaml", rel, text, K8sIncludeProps::default())?;
        if namespaces_exist {
            let mut at = s.at(inc.node())?;
            at.suppress("MS-MESH-7", "the namespace exists in the cluster")?;
        }
        Ok::<_, meshsynth::Error>(())
    })();
    if let Err(e) = made {
        return Err(format!("refused: {}", corpus::one_line(&e.to_string())));
    }
    let synthesis = match synth(app, &SynthOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            let d = e.diagnostics();
            let first = d.iter().find(|d| d.severity == Severity::Error);
            let code = first.and_then(|d| d.code.clone()).unwrap_or_default();
            let msg = first
                .map(|d| d.message.clone())
                .unwrap_or_else(|| e.to_string());
            return Err(format!("synth error: {code} {}", corpus::one_line(&msg)));
        }
    };
    let mut ours = Objects::new();
    for (path, bytes) in &synthesis.assembly.files {
        if path.starts_with("k8s/")
            && path.ends_with(".yaml")
            && !path.ends_with("kustomization.yaml")
        {
            match objects_of(std::str::from_utf8(bytes).unwrap()) {
                Ok(o) => ours.extend(o),
                Err(e) => return Err(format!("unreadable output {path}: {e}")),
            }
        }
    }
    let theirs = objects_of(text).unwrap();
    if theirs.is_empty() {
        return Ok("no objects".into());
    }
    Ok(compare(&theirs, &ours))
}

/// `equal`, or the first difference. An object the file left without a
/// namespace is in `default` on our side, as the API server would put it.
fn compare(theirs: &Objects, ours: &Objects) -> String {
    for ((kind, ns, name), obj) in theirs {
        let (key, obj) = match ours.get(&(kind.clone(), ns.clone(), name.clone())) {
            Some(_) => ((kind.clone(), ns.clone(), name.clone()), obj.clone()),
            None if ns.is_empty() => {
                let mut o = obj.clone();
                o["metadata"]["namespace"] = "default".into();
                ((kind.clone(), "default".to_string(), name.clone()), o)
            }
            None => return format!("different: {kind} {name} not written"),
        };
        match ours.get(&key) {
            None => return format!("different: {kind} {name} not written"),
            Some(o) if *o != obj => return format!("different: {kind} {name} changed"),
            Some(_) => {}
        }
    }
    if ours.len() != theirs.len() {
        return format!(
            "different: {} objects written, {} in the file",
            ours.len(),
            theirs.len()
        );
    }
    "equal".into()
}

#[test]
fn every_object_of_the_corpus_is_written_back_equal_or_refused_with_a_reason() {
    let Some(dir) = corpus::dir("k8s") else {
        eprintln!("skipped: ../shared/import-corpus is absent (the corpus round trip needs it)");
        return;
    };
    let mut rels = Vec::new();
    files(&dir, &dir, &mut rels);
    let lines: Vec<String> = rels
        .iter()
        .map(|rel| format!("{rel}\t{}", round_trip(&dir, rel)))
        .collect();
    let equal = lines.iter().filter(|l| l.contains("\tequal")).count();
    eprintln!(
        "k8s include: {equal} of {} files written back equal",
        lines.len()
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("MESHSYNTH_BLESS").is_some() {
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        return;
    }
    let fixture = std::fs::read_to_string(&path).expect("fixture");
    let expected: Vec<&str> = fixture.lines().collect();
    let changed: Vec<String> = lines
        .iter()
        .zip(expected.iter().chain(std::iter::repeat(&"")))
        .filter(|(a, b)| a.as_str() != **b)
        .map(|(a, b)| format!("  now {a}\n  was {b}"))
        .collect();
    assert!(
        changed.is_empty() && lines.len() == expected.len(),
        "{} corpus results changed (MESHSYNTH_BLESS=1 rewrites {FIXTURE} after review):\n{}",
        changed.len(),
        changed.join("\n")
    );
    assert!(
        lines.iter().all(|l| !l.contains("\tdifferent")),
        "an object was written back different"
    );
}
