//! Rendering objects to YAML documents, on several threads for large apps,
//! in a stable order.

use std::collections::BTreeMap;

use crate::core::lite;
use crate::core::{Error, LiteValue};
use crate::emit::k8s as k8s_emit;

/// One Kubernetes object to render, with what its chart adds.
#[derive(Clone, Copy)]
pub(super) struct RenderJob<'a> {
    pub(super) chart: u32,
    pub(super) path: &'a str,
    pub(super) object: &'a dyn crate::core::K8sObject,
    pub(super) labels: &'a BTreeMap<String, String>,
    pub(super) suppressed: Option<&'a [(&'a str, &'a str)]>,
}

/// Below this many objects one thread renders them all: a thread's start
/// costs more than it saves.
pub(super) const PARALLEL_RENDER_MIN: usize = 1024;

/// Objects rendered together before their files go to the sink: enough to
/// keep every core busy, few enough that their YAML stays small (~4 MB).
pub(super) const RENDER_BATCH: usize = 4 * PARALLEL_RENDER_MIN;

/// Each chart with its rendered documents (in job order), in chart order.
/// Whole charts are rendered a batch of about [`RENDER_BATCH`] objects at a
/// time, when the iterator reaches them: small charts still share the
/// cores, and the caller writes each file before the next batch renders, so
/// the YAML of a whole assembly is never alive at once (at 39k objects it
/// was a sixth of the peak memory). After an error, the iterator ends.
pub(super) fn render_charts<'a>(
    charts: &'a [(u32, Vec<RenderJob<'a>>)],
) -> impl Iterator<Item = Result<(u32, Vec<k8s_emit::Document>), Error>> + 'a {
    let mut next = 0;
    let mut ready = std::collections::VecDeque::new();
    std::iter::from_fn(move || {
        if ready.is_empty() && next < charts.len() {
            let start = next;
            let mut objects = 0;
            while next < charts.len() && (next == start || objects < RENDER_BATCH) {
                objects += charts[next].1.len();
                next += 1;
            }
            let batch = &charts[start..next];
            let work: Vec<RenderJob<'_>> = batch
                .iter()
                .flat_map(|(_, jobs)| jobs.iter().copied())
                .collect();
            let mut docs = match render_objects(&work) {
                Ok(docs) => docs.into_iter().map(|(_, doc)| doc),
                Err(e) => {
                    next = charts.len();
                    return Some(Err(e));
                }
            };
            for (chart, jobs) in batch {
                ready.push_back((*chart, docs.by_ref().take(jobs.len()).collect()));
            }
        }
        ready.pop_front().map(Ok)
    })
}

/// Renders every job to YAML, in job order. Large apps are split across the
/// machine's cores; each object renders on its own, so the bytes do not
/// depend on the split.
pub(super) fn render_objects(
    work: &[RenderJob<'_>],
) -> Result<Vec<(u32, k8s_emit::Document)>, Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || work.len() < PARALLEL_RENDER_MIN {
        return work.iter().map(render_one).collect();
    }
    let chunk = work.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(render_one)
                        .collect::<Result<Vec<_>, Error>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(work.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part?),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(out)
    })
}

pub(super) fn render_one(job: &RenderJob<'_>) -> Result<(u32, k8s_emit::Document), Error> {
    // The hash-free tree. Its error is the one `to_json` would give (a
    // typed kind's `to_json` goes through it; the others' `to_lite` wraps
    // `to_json`), so nothing is serialized twice to report it.
    let mut doc = job.object.to_lite().map_err(|e| {
        Error::construct(
            job.path.to_string(),
            format!("cannot serialize object: {e}"),
            "report this as a meshsynth bug",
        )
    })?;
    if !job.labels.is_empty() {
        if let Some(meta) = doc.member_object_mut("metadata") {
            if let Some(l) = lite::entry_object(meta, "labels") {
                for (k, v) in job.labels {
                    if !l.iter().any(|(lk, _)| lk == k) {
                        l.push((k.clone(), LiteValue::String(v.clone())));
                    }
                }
            }
        }
    }
    if let Some(list) = job.suppressed {
        checkov_annotations(&mut doc, list);
    }
    Ok((
        job.chart,
        k8s_emit::Document::new(&k8s_emit::normalize_object(doc)),
    ))
}

/// Records checkov suppressions on a Kubernetes object as the annotations
/// checkov reads (`checkov.io/skipN: RULE=reason`).
pub(super) fn checkov_annotations(obj: &mut LiteValue, list: &[(&str, &str)]) {
    let skips: Vec<String> = list
        .iter()
        .filter(|(r, _)| r.starts_with("CKV"))
        .map(|(r, why)| format!("{r}={why}"))
        .collect();
    if skips.is_empty() {
        return;
    }
    let Some(meta) = obj.member_object_mut("metadata") else {
        return;
    };
    if let Some(ann) = lite::entry_object(meta, "annotations") {
        for (n, s) in skips.into_iter().enumerate() {
            lite::insert(
                ann,
                format!("checkov.io/skip{}", n + 1),
                LiteValue::String(s),
            );
        }
    }
    // Keep metadata in k8s-openapi's (alphabetical) field order.
    meta.sort_by(|a, b| a.0.cmp(&b.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::RawObject;

    /// Above the threshold the objects render on several threads; the
    /// documents must come back in job order with the same bytes as one
    /// thread gives.
    #[test]
    fn parallel_rendering_keeps_job_order_and_bytes() {
        let objects: Vec<RawObject> = (0..PARALLEL_RENDER_MIN + 500)
            .map(|i| RawObject {
                api_version: "v1".into(),
                kind: if i % 7 == 0 { "Namespace" } else { "ConfigMap" }.into(),
                namespaced: i % 7 != 0,
                metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                    name: Some(format!("o{i}")),
                    ..Default::default()
                },
                body: Default::default(),
            })
            .collect();
        let labels = BTreeMap::from([("team".to_string(), "payments".to_string())]);
        let work: Vec<RenderJob<'_>> = objects
            .iter()
            .enumerate()
            .map(|(i, o)| RenderJob {
                chart: (i % 3) as u32,
                path: "App/Chart/Object",
                object: o,
                labels: &labels,
                suppressed: None,
            })
            .collect();
        let join = |docs: Vec<(u32, k8s_emit::Document)>| -> Vec<(u32, String)> {
            (0..3u32)
                .map(|c| {
                    let mut mine: Vec<k8s_emit::Document> = docs
                        .iter()
                        .filter(|(chart, _)| *chart == c)
                        .map(|(_, d)| d.clone())
                        .collect();
                    k8s_emit::order_rendered(&mut mine);
                    (c, k8s_emit::join_rendered(&mine))
                })
                .collect()
        };
        let parallel = render_objects(&work).unwrap();
        let sequential: Vec<_> = work
            .iter()
            .map(render_one)
            .collect::<Result<_, _>>()
            .unwrap();
        let charts: Vec<u32> = parallel.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            charts,
            (0..work.len()).map(|i| (i % 3) as u32).collect::<Vec<_>>()
        );
        assert_eq!(join(parallel), join(sequential));
    }
}
