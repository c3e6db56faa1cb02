//! Stage: charts. Objects grouped per cluster and chart, rendered into
//! manifest files with a kustomization and the install inputs.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use indexmap::IndexMap;

use crate::assembly::{
    ClusterArtifact, DeferredInput, FileSink, InstallInput, InstallInputKind, K8sFile,
};
use crate::core::chart::InstallKind;
use crate::core::tree::{App, NodeKind};
use crate::core::{Error, LiteValue};
use crate::emit::k8s as k8s_emit;

use super::*;

/// One chart's documents, rendered ([`render_charts`]).
pub(super) type RenderedChart = Result<(u32, Vec<k8s_emit::Document>), Error>;

/// Writes the selected charts' manifests, grouped per cluster, from their
/// rendered documents (in chart order) and their escape hatches
/// ([`render_jobs`]).
pub(super) fn emit_charts(
    app: &App,
    rendered: impl Iterator<Item = RenderedChart>,
    mut escapes: IndexMap<u32, Vec<String>>,
    deferred: &[DeferredEntry],
    sink: &mut dyn FileSink,
) -> Result<Vec<ClusterArtifact>, Error> {
    let mut clusters: IndexMap<String, ClusterArtifact> = IndexMap::new();
    let mut used_files: HashMap<String, Arc<str>> = HashMap::new();
    // Each cluster's deferred inputs by placeholder: a cluster of
    // thousands of deferred values found each one by a scan of the others.
    let mut deferred_at: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for rendered in rendered {
        let (chart, mut docs) = rendered?;
        let info = app.chart_info(chart);
        let path = app.node(chart).path.clone();
        let (dir, rel_name) = chart_file(&path, &info.cluster);
        let file = format!("{dir}/{rel_name}");
        if let Some(other) = used_files.insert(file.clone(), path.clone()) {
            return Err(Error::construct(
                path.to_string(),
                format!("chart file {file} collides with chart {other}"),
                "rename one of the charts",
            ));
        }
        k8s_emit::order_rendered(&mut docs);
        let count = docs.len();
        let bytes = k8s_emit::join_rendered(&docs).into_bytes();
        // Freed before the file is queued: a chart is held once, not twice.
        drop(docs);
        let sha256 = Some(crate::assembly::sha256_hex(&bytes));
        sink.put(file.clone(), bytes);
        let cluster = clusters
            .entry(info.cluster.clone())
            .or_insert_with(|| ClusterArtifact {
                name: info.cluster.clone(),
                directory: dir.clone(),
                kustomization: crate::assembly::rules::kustomization_file(&dir),
                files: Vec::new(),
                deferred_inputs: Vec::new(),
                install_inputs: Vec::new(),
                escape_hatches: Vec::new(),
            });
        cluster.files.push(K8sFile {
            file: file.clone(),
            chart: path.to_string(),
            objects: count,
            sha256,
        });
        cluster
            .escape_hatches
            .extend(escapes.shift_remove(&chart).unwrap_or_default());
        let input_files =
            write_install_inputs(&info.install_inputs, &dir, &mut used_files, sink, cluster)?;
        let holders = ChartFiles {
            manifest: &file,
            inputs: &input_files,
        };
        for d in deferred.iter().filter(|d| d.chart == chart) {
            let at = deferred_at.entry(info.cluster.clone()).or_default();
            add_deferred_input(app, d, &holders, cluster, at);
        }
    }
    for c in clusters.values() {
        sink.put(
            c.kustomization.clone(),
            crate::assembly::rules::kustomization_for(c).into_bytes(),
        );
    }
    Ok(clusters.into_values().collect())
}

/// The objects each selected chart renders, and each chart's escape
/// hatches (raw or patched objects).
#[allow(clippy::type_complexity)]
pub(super) fn render_jobs<'a>(
    app: &'a App,
    order: &[u32],
    selected: &BTreeSet<u32>,
    suppressed: &'a Suppressed<'a>,
) -> (Vec<(u32, Vec<RenderJob<'a>>)>, IndexMap<u32, Vec<String>>) {
    // What each selected object needs, per chart, gathered in tree order;
    // rendering (serialize, label, normalize, YAML) is then independent per
    // object.
    let mut jobs_by_chart: IndexMap<u32, Vec<RenderJob<'_>>> = IndexMap::new();
    let mut escapes: IndexMap<u32, Vec<String>> = IndexMap::new();
    for &i in order {
        let n = app.node(i);
        if let NodeKind::Chart(_) = n.kind {
            if selected.contains(&i) {
                jobs_by_chart.entry(i).or_default();
            }
        }
        let NodeKind::Object(o) = &n.kind else {
            continue;
        };
        let Some(chart) = n.chart.filter(|c| selected.contains(c)) else {
            continue;
        };
        if o.is_raw() || o.is_patched() {
            escapes.entry(chart).or_default().push(n.path.to_string());
        }
        jobs_by_chart.entry(chart).or_default().push(RenderJob {
            chart,
            path: &n.path,
            object: o.as_ref(),
            labels: &app.chart_info(chart).labels,
            suppressed: suppressed.get(&i).map(Vec::as_slice),
        });
    }
    (jobs_by_chart.into_iter().collect(), escapes)
}

/// A chart's directory (one per cluster) and file name, from its path.
fn chart_file(path: &str, cluster: &str) -> (String, String) {
    let stem: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let rel_name = format!("{}.yaml", crate::core::names::file_stem(&stem));
    let dir = crate::assembly::rules::cluster_dir(cluster);
    (dir, rel_name)
}

/// Writes a chart's install inputs beside its manifest; returns those that
/// hold a deferred placeholder (file, text): the deployer fills them as it
/// fills the manifests.
fn write_install_inputs(
    inputs: &[crate::core::chart::InstallInputData],
    dir: &str,
    used_files: &mut HashMap<String, Arc<str>>,
    sink: &mut dyn FileSink,
    cluster: &mut ClusterArtifact,
) -> Result<Vec<(String, String)>, Error> {
    let mut input_files: Vec<(String, String)> = Vec::new();
    for input in inputs {
        let (suffix, kind, helm_chart) = match &input.kind {
            InstallKind::IstioOperator => ("istiooperator", InstallInputKind::IstioOperator, None),
            InstallKind::HelmValues { chart } => {
                ("values", InstallInputKind::HelmValues, Some(chart.clone()))
            }
        };
        let input_file = format!(
            "{dir}/{}.{suffix}.yaml",
            crate::core::names::file_stem(&input.name)
        );
        if let Some(other) = used_files.insert(input_file.clone(), Arc::from(input.path.as_str())) {
            return Err(Error::construct(
                input.path.clone(),
                format!("install input file {input_file} collides with {other}"),
                "give the install input another name",
            ));
        }
        let content = k8s_emit::normalize_object(LiteValue::from_json(input.content.clone()));
        let text = crate::emit::yaml::to_yaml(&content);
        if text.contains("${meshsynth:") {
            input_files.push((input_file.clone(), text.clone()));
        }
        let sha256 = Some(crate::assembly::sha256_hex(text.as_bytes()));
        sink.put(input_file.clone(), text.into_bytes());
        if input.escape_hatch {
            cluster.escape_hatches.push(input.path.clone());
        }
        cluster.install_inputs.push(InstallInput {
            file: input_file,
            kind,
            chart: helm_chart,
            sha256,
        });
    }
    Ok(input_files)
}

/// The files a chart wrote: where its deferred placeholders appear.
struct ChartFiles<'a> {
    manifest: &'a str,
    inputs: &'a [(String, String)],
}

/// Records one deferred value of a chart with every file that holds it.
fn add_deferred_input(
    app: &App,
    d: &DeferredEntry,
    files: &ChartFiles<'_>,
    cluster: &mut ClusterArtifact,
    at: &mut HashMap<String, usize>,
) {
    let stack = app.stack_info(d.stack).name.clone();
    let mut holders = vec![files.manifest.to_string()];
    holders.extend(
        files
            .inputs
            .iter()
            .filter(|(_, text)| text.contains(&d.placeholder))
            .map(|(f, _)| f.clone()),
    );
    match at.get(&d.placeholder) {
        Some(&i) => {
            let x = &mut cluster.deferred_inputs[i];
            for f in holders {
                if !x.files.contains(&f) {
                    x.files.push(f);
                }
            }
        }
        None => {
            at.insert(d.placeholder.clone(), cluster.deferred_inputs.len());
            cluster.deferred_inputs.push(DeferredInput {
                placeholder: d.placeholder.clone(),
                stack,
                output: d.output.clone(),
                files: holders,
                lookup: d.lookup.clone(),
            });
        }
    }
}
