//! YAML files to code: each read (bounded) into the objects an include of
//! it would hold; all included in one scratch app first (the include
//! refuses what is not Kubernetes YAML, and its synth names the rule
//! findings the code must suppress to synthesize the objects as they run);
//! then each written by the code writer with the typed layers' shapes.

use std::io::Read as _;
use std::path::Path;

use meshsynth::core::{App, Chart, ChartProps, Context, Severity};
use meshsynth::mesh::include::{read_objects, K8sInclude, K8sIncludeProps, MAX_FILE_BYTES};
use meshsynth::synth::{synth, SynthOptions};
use meshsynth_codegen::import::k8s::{k8s_chart, shapes::Shapes, ChartCode, ChartTarget};
use serde_json::Value as Json;

const SCRATCH_INCLUDE: &str = "Yaml";

/// A file written as code.
#[derive(Debug, Clone)]
pub struct Written {
    /// The file's objects, as the comparison reads them.
    pub objects: Vec<Json>,
    /// The code and what it needs.
    pub code: ChartCode,
    /// Rule findings suppressed on the chart.
    pub suppressed: Vec<String>,
}

/// Reads the file at `path` (`-`: standard input), at most
/// [`MAX_FILE_BYTES`], UTF-8.
pub fn read(path: &Path) -> Result<String, String> {
    let bytes = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(format!(
                "standard input is larger than {MAX_FILE_BYTES} bytes"
            ));
        }
        buf
    } else {
        meshsynth::untrusted::fs::read_regular(path, MAX_FILE_BYTES).map_err(|e| e.to_string())?
    };
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())
}

/// One file to write: its text, and the chart it becomes.
pub struct File<'a> {
    /// The file's text.
    pub text: String,
    /// The file as the report names it.
    pub origin: &'a str,
    /// The chart's name and the function that builds it.
    pub names: (String, String),
    /// The chart's cluster.
    pub cluster: String,
}

/// The rule findings to suppress in each file's chart, found by including
/// every file in one scratch app, each in a chart of its own in its
/// cluster, so the analyzers see the objects of all the files together as
/// the written crate will (a Namespace one file creates, a Service another
/// routes to). A file the include refuses, or whose objects synth refuses
/// for a reason that is no rule finding, gets its reason instead.
pub fn findings(files: &[File<'_>], namespace: &str) -> Vec<Result<Vec<String>, String>> {
    let mut out: Vec<Result<Vec<String>, String>> = vec![Ok(Vec::new()); files.len()];
    let mut app = App::new(Context::new());
    let mut included = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let made = (|| {
            let props = ChartProps::new(f.cluster.as_str()).namespace(namespace);
            let chart = Chart::new(&mut app.root(), &f.names.0, props)?;
            let mut s = app.scope(chart.node())?;
            K8sInclude::from_text(
                &mut s,
                SCRATCH_INCLUDE,
                f.origin,
                &f.text,
                K8sIncludeProps::default(),
            )
        })();
        match made {
            Ok(_) => included.push(i),
            Err(e) => out[i] = Err(strip_scratch(&e.to_string(), &f.names.0)),
        }
    }
    let Err(e) = synth(app, &SynthOptions::default()) else {
        return out;
    };
    for d in e
        .diagnostics()
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        // The chart a finding is on; one on no chart (the cluster) is the
        // first file's of that cluster.
        let owner = included
            .iter()
            .copied()
            .find(|&i| {
                d.path == files[i].names.0 || d.path.starts_with(&format!("{}/", files[i].names.0))
            })
            .or_else(|| included.first().copied());
        let Some(i) = owner else { continue };
        match (&d.code, &mut out[i]) {
            (Some(code), Ok(codes)) => {
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
            (None, slot @ Ok(_)) => {
                *slot = Err(format!(
                    "synth refuses it: {}",
                    strip_scratch(&d.message, &files[i].names.0)
                ));
            }
            (_, Err(_)) => {}
        }
    }
    out
}

/// The file `f` as the code of its chart, with `suppressed` findings
/// written as suppressions; the error is why it cannot be imported.
pub fn write(
    f: &File<'_>,
    namespace: &str,
    suppressed: Vec<String>,
    shapes: &Shapes,
) -> Result<Written, String> {
    let read = read_objects(f.origin, &f.text)?;
    let (objects, origins): (Vec<Json>, Vec<String>) = read.into_iter().unzip();
    let target = ChartTarget {
        chart_name: &f.names.0,
        fn_name: &f.names.1,
        origin: f.origin,
        cluster: &f.cluster,
        namespace,
        suppress: &suppressed,
    };
    let code = k8s_chart(&objects, &origins, &target, shapes)?;
    Ok(Written {
        objects,
        code,
        suppressed,
    })
}

/// A message without the scratch app's construct path.
fn strip_scratch(message: &str, chart: &str) -> String {
    let m = message.lines().next().unwrap_or_default();
    let m = m.strip_prefix("error: ").unwrap_or(m);
    let prefix = format!("{chart}/{SCRATCH_INCLUDE}: ");
    m.strip_prefix(&prefix).unwrap_or(m).to_string()
}
