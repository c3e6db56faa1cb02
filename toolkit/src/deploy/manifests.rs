//! After deploy: the Kubernetes manifests of the assembly with every
//! deferred input replaced by the producing stack's output, written as one
//! directory per cluster (`<dir>/<cluster>/`, with its kustomization), ready
//! for `kubectl apply -k` or a GitOps controller. A cluster's manifests are
//! written only when every one of its placeholders is filled; a cluster
//! whose producing stacks are not deployed yet (a staged rollout: network,
//! then data, then the cluster) is reported as pending, not as an error.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::api::{CfnApi, LookupApi, StackId};
use super::plan::LoadedAssembly;
use super::{DeployError, OutputsByStack};
use meshsynth::core::{Lookup, MskListener};
use meshsynth::untrusted::{ConfinedDir, RelPath, YamlReader};

/// The marker file that identifies a directory of resolved manifests, so a
/// re-deploy may replace it and nothing else.
pub const MARKER: &str = ".meshsynth-resolved";

/// The default directory for resolved manifests: `<assembly>/resolved`.
pub fn default_dir(assembly: &Path) -> PathBuf {
    assembly.join("resolved")
}

/// Adds to `known` the outputs of stacks that deferred inputs read and that
/// this run did not deploy, from their deployed state. Stacks that do not
/// exist are left out (and reported by `resolve`).
pub async fn outputs_for_deferred<A: CfnApi>(
    api: &A,
    asm: &LoadedAssembly,
    known: &OutputsByStack,
    default_region: Option<&str>,
) -> Result<OutputsByStack, DeployError> {
    let mut out = known.clone();
    for c in &asm.manifest.clusters {
        for d in &c.deferred_inputs {
            if out.contains_key(&d.stack) {
                continue;
            }
            let region = asm
                .stack(&d.stack)
                .and_then(|s| s.environment.region.clone())
                .or_else(|| default_region.map(str::to_string));
            let Some(region) = region else { continue };
            let id = StackId::new(region, &d.stack);
            match api.describe_stack(&id).await {
                Ok(Some(info)) => {
                    out.insert(d.stack.clone(), info.outputs);
                }
                Ok(None) => {}
                Err(source) => {
                    return Err(DeployError::Api {
                        stack: id,
                        operation: "DescribeStacks",
                        source,
                    })
                }
            }
        }
    }
    Ok(out)
}

/// Performs the lookup of every deferred input that has one and whose
/// producing stack's output is known: placeholder → value. Inputs whose
/// stack is not deployed are left out (their cluster waits).
pub async fn lookups<L: LookupApi>(
    api: &L,
    asm: &LoadedAssembly,
    outputs: &OutputsByStack,
    default_region: Option<&str>,
) -> Result<BTreeMap<String, String>, DeployError> {
    let mut out = BTreeMap::new();
    for c in &asm.manifest.clusters {
        for d in &c.deferred_inputs {
            let Some(lookup) = &d.lookup else { continue };
            if out.contains_key(&d.placeholder) {
                continue;
            }
            let Some(value) = outputs.get(&d.stack).and_then(|o| o.get(&d.output)) else {
                continue;
            };
            let region = asm
                .stack(&d.stack)
                .and_then(|s| s.environment.region.clone())
                .or_else(|| default_region.map(str::to_string))
                .ok_or_else(|| DeployError::NoRegion {
                    stack: d.stack.clone(),
                })?;
            let fail = |message: String| DeployError::Lookup {
                placeholder: d.placeholder.clone(),
                cluster: c.name.clone(),
                message,
            };
            match lookup {
                Lookup::MskBootstrapBrokers { listener } => {
                    let brokers = api
                        .msk_bootstrap_brokers(&region, value)
                        .await
                        .map_err(|e| {
                            fail(format!("Kafka GetBootstrapBrokers of {value} failed: {e}"))
                        })?;
                    let (field, found) = match listener {
                        MskListener::SaslIam => ("BootstrapBrokerStringSaslIam", brokers.sasl_iam),
                        MskListener::Tls => ("BootstrapBrokerStringTls", brokers.tls),
                        MskListener::SaslScram => {
                            ("BootstrapBrokerStringSaslScram", brokers.sasl_scram)
                        }
                        MskListener::Plaintext => ("BootstrapBrokerString", brokers.plaintext),
                    };
                    let found = found.filter(|s| !s.is_empty()).ok_or_else(|| {
                        fail(format!(
                            "the MSK cluster {value} reports no {field}; enable that listener's authentication on the cluster"
                        ))
                    })?;
                    out.insert(d.placeholder.clone(), found);
                }
            }
        }
    }
    Ok(out)
}

/// A cluster whose manifests cannot be written yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The cluster.
    pub cluster: String,
    /// Stacks that deferred inputs read and that are not deployed.
    pub waiting_on: std::collections::BTreeSet<String>,
    /// (stack, output) pairs of deployed stacks that lack the output (deployed
    /// from an older assembly).
    pub missing_outputs: Vec<(String, String)>,
}

/// The longest headline a waiting cluster gets; what does not fit is
/// listed below it, one line each.
pub const HEADLINE_CHARS: usize = 200;

impl Pending {
    fn full(&self) -> String {
        let mut line = format!("cluster {}: manifests not written", self.cluster);
        if !self.waiting_on.is_empty() {
            let stacks: Vec<&str> = self.waiting_on.iter().map(String::as_str).collect();
            line.push_str(&format!(", waiting on stacks {}", stacks.join(", ")));
        }
        if !self.missing_outputs.is_empty() {
            let list: Vec<String> = self
                .missing_outputs
                .iter()
                .map(|(s, o)| format!("{s} (output {o})"))
                .collect();
            line.push_str(&format!(
                "; deployed without the outputs it needs: {} (deploy them from this assembly)",
                list.join(", ")
            ));
        }
        line
    }

    /// One line of at most [`HEADLINE_CHARS`] characters: everything when it
    /// fits, else counts (the stacks and outputs are in [`Pending::details`]).
    pub fn headline(&self) -> String {
        let full = self.full();
        if full.chars().count() <= HEADLINE_CHARS {
            return full;
        }
        let mut line = format!("cluster {}: manifests not written", self.cluster);
        if !self.waiting_on.is_empty() {
            line.push_str(&format!(", waiting on {} stack(s)", self.waiting_on.len()));
        }
        if !self.missing_outputs.is_empty() {
            line.push_str(&format!(
                "; {} output(s) it needs are missing from deployed stacks",
                self.missing_outputs.len()
            ));
        }
        line.push_str(" (listed below)");
        if line.chars().count() > HEADLINE_CHARS {
            // Only a very long cluster name gets here.
            line = line.chars().take(HEADLINE_CHARS - 1).collect::<String>() + "…";
        }
        line
    }

    /// The lines below a shortened headline (none when it says everything).
    pub fn details(&self) -> Vec<String> {
        if self.full().chars().count() <= HEADLINE_CHARS {
            return Vec::new();
        }
        let mut out: Vec<String> = self
            .waiting_on
            .iter()
            .map(|s| format!("  waiting on stack {s}"))
            .collect();
        out.extend(self.missing_outputs.iter().map(|(s, o)| {
            format!("  stack {s} is deployed without output {o} (deploy it from this assembly)")
        }));
        out
    }
}

impl std::fmt::Display for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.headline())
    }
}

/// What can be written: the resolved files of every cluster whose inputs
/// are all available, and the clusters still waiting.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Path relative to the manifests directory → bytes, sorted. A
    /// [`RelPath`] is made only of checked components, so nothing an
    /// assembly names can place a file outside the directory.
    pub files: Vec<(RelPath, Vec<u8>)>,
    /// Clusters whose manifests are in `files`.
    pub ready: Vec<String>,
    /// Clusters left out, with what they wait for.
    pub pending: Vec<Pending>,
}

/// Resolves every cluster that can be resolved. An error only for an
/// inconsistent assembly (a placeholder no deferred input lists).
/// `looked_up` holds the values of inputs with a lookup (see [`lookups`]).
pub fn resolve(
    asm: &LoadedAssembly,
    outputs: &OutputsByStack,
    looked_up: &BTreeMap<String, String>,
) -> Result<Resolution, DeployError> {
    let mut out = Resolution::default();
    let mut unlisted = Vec::new();
    for c in &asm.manifest.clusters {
        let mut values: BTreeMap<&str, &str> = BTreeMap::new();
        let mut pending = Pending {
            cluster: c.name.clone(),
            waiting_on: Default::default(),
            missing_outputs: Vec::new(),
        };
        for d in &c.deferred_inputs {
            match outputs.get(&d.stack).map(|o| o.get(&d.output)) {
                Some(Some(v)) => {
                    let v = match &d.lookup {
                        None => v.as_str(),
                        Some(_) => match looked_up.get(&d.placeholder) {
                            Some(found) => found.as_str(),
                            None => {
                                return Err(DeployError::Lookup {
                                    placeholder: d.placeholder.clone(),
                                    cluster: c.name.clone(),
                                    message: "the lookup was not performed".into(),
                                })
                            }
                        },
                    };
                    values.insert(&d.placeholder, v);
                }
                Some(None) => pending
                    .missing_outputs
                    .push((d.stack.clone(), d.output.clone())),
                None => {
                    pending.waiting_on.insert(d.stack.clone());
                }
            }
        }
        if !pending.waiting_on.is_empty() || !pending.missing_outputs.is_empty() {
            out.pending.push(pending);
            continue;
        }
        let kustomization = asm.read(&c.kustomization)?;
        meshsynth::assembly::rules::check_kustomization(c, &kustomization).map_err(|message| {
            DeployError::Assembly {
                path: c.kustomization.clone(),
                message,
            }
        })?;
        out.files.push((
            resolved_path(&c.name, &c.directory, &c.kustomization)?,
            kustomization,
        ));
        let rels = c
            .files
            .iter()
            .map(|f| (f.file.as_str(), f.sha256.as_deref()))
            .chain(
                c.install_inputs
                    .iter()
                    .map(|i| (i.file.as_str(), i.sha256.as_deref())),
            );
        for (rel, sha256) in rels {
            let bytes = asm.read_verified(rel, sha256)?;
            let has_input = c
                .deferred_inputs
                .iter()
                .any(|d| d.files.iter().any(|f| f == rel));
            let bytes = if has_input {
                substitute(rel, &bytes, &values)?
            } else {
                bytes
            };
            if let Some(pos) = find_placeholder(&bytes) {
                let end = bytes[pos..]
                    .iter()
                    .position(|b| *b == b'}')
                    .map_or(bytes.len(), |e| pos + e + 1);
                let ph = String::from_utf8_lossy(&bytes[pos..end]).to_string();
                unlisted.push(format!(
                    "{ph} in {rel}: not listed as a deferred input of cluster {}",
                    c.name
                ));
            }
            out.files
                .push((resolved_path(&c.name, &c.directory, rel)?, bytes));
        }
        out.ready.push(c.name.clone());
    }
    if !unlisted.is_empty() {
        return Err(DeployError::Unresolved(unlisted));
    }
    out.files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Where file `rel` of the cluster `cluster` (directory `dir`) goes under
/// the resolved directory: `<cluster>/<file>`, from checked components only.
fn resolved_path(cluster: &str, dir: &str, rel: &str) -> Result<RelPath, DeployError> {
    let unsafe_path = |e: meshsynth::untrusted::UnsafePath| DeployError::Assembly {
        path: "manifest.json".into(),
        message: format!("cluster {:?}: {e}", meshsynth::untrusted::inert(cluster)),
    };
    let rel = RelPath::parse(rel).map_err(unsafe_path)?;
    let dir = RelPath::parse(dir).map_err(unsafe_path)?;
    let inner = rel.strip_prefix(&dir).unwrap_or(rel);
    Ok(RelPath::from_components(&[cluster])
        .map_err(unsafe_path)?
        .join(&inner))
}

fn find_placeholder(bytes: &[u8]) -> Option<usize> {
    let needle = b"${meshsynth:";
    bytes.windows(needle.len()).position(|w| w == needle)
}

/// Replaces placeholders inside the YAML documents' strings and renders them
/// again with the assembly's emitter, so a value is quoted as its content
/// needs (an endpoint that looks like a number stays a string).
fn substitute(
    rel: &str,
    bytes: &[u8],
    values: &BTreeMap<&str, &str>,
) -> Result<Vec<u8>, DeployError> {
    let text = std::str::from_utf8(bytes).map_err(|_| DeployError::Assembly {
        path: rel.to_string(),
        message: "not UTF-8".into(),
    })?;
    let unreadable = |message: String| DeployError::Assembly {
        path: rel.to_string(),
        message: format!("cannot read the YAML to fill deferred inputs: {message}"),
    };
    // The assembly's one budgeted YAML reader (nesting, aliases, merge keys).
    let mut docs = Vec::new();
    for doc in YamlReader::for_input(text.len())
        .documents(text)
        .map_err(|e| unreadable(e.to_string()))?
    {
        docs.push(meshsynth::untrusted::yaml::to_json(doc).map_err(unreadable)?);
    }
    for d in &mut docs {
        replace_in(d, values);
    }
    Ok(meshsynth::emit::yaml::to_yaml_stream(docs.iter()).into_bytes())
}

fn replace_in(v: &mut Json, values: &BTreeMap<&str, &str>) {
    match v {
        Json::String(s) if s.contains("${meshsynth:") => {
            for (ph, val) in values {
                if s.contains(ph) {
                    *s = s.replace(ph, val);
                }
            }
        }
        Json::Array(a) => a.iter_mut().for_each(|x| replace_in(x, values)),
        Json::Object(m) => m.values_mut().for_each(|x| replace_in(x, values)),
        _ => {}
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> DeployError {
    DeployError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes the resolved files as `dir`, replacing a previous resolved
/// directory atomically; refuses to replace any other non-empty directory.
pub fn write(dir: &Path, files: &[(RelPath, Vec<u8>)]) -> Result<(), DeployError> {
    if dir.exists() {
        let marked = dir.join(MARKER).is_file();
        let empty = fs::read_dir(dir).map_err(|e| io(dir, e))?.next().is_none();
        if !marked && !empty {
            return Err(io(
                dir,
                "exists, is not empty and was not written by meshsynth deploy; choose another --manifests-dir",
            ));
        }
    }
    let name = dir
        .file_name()
        .ok_or_else(|| io(dir, "the manifests directory needs a name"))?
        .to_string_lossy()
        .to_string();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    let _ = fs::remove_dir_all(&tmp);
    let written = (|| {
        let out = ConfinedDir::create_new(&tmp).map_err(|e| io(&tmp, e))?;
        let marker = RelPath::parse(MARKER).map_err(|e| io(&tmp, e))?;
        out.write(
            &marker,
            b"written by `meshsynth deploy`; replaced on every deploy\n",
        )
        .map_err(|e| io(&tmp, e))?;
        for (rel, bytes) in files {
            out.write(rel, bytes).map_err(|e| io(&out.path(rel), e))?;
        }
        let had_old = dir.exists();
        if had_old {
            let _ = fs::remove_dir_all(&old);
            fs::rename(dir, &old).map_err(|e| io(dir, e))?;
        }
        if let Err(e) = fs::rename(&tmp, dir) {
            if had_old {
                let _ = fs::rename(&old, dir);
            }
            return Err(io(dir, e));
        }
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_waiting_on_many_outputs_gets_a_short_headline_and_details() {
        let p = Pending {
            cluster: "genai-demo-cluster".into(),
            waiting_on: ["genai-demo-data-1", "genai-demo-messaging"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            missing_outputs: (0..12)
                .map(|i| {
                    (
                        "genai-demo-network".to_string(),
                        format!("ExportSubnet{i}Id0123456789"),
                    )
                })
                .collect(),
        };
        let line = p.to_string();
        assert!(line.chars().count() <= HEADLINE_CHARS, "{line}");
        assert_eq!(
            line,
            "cluster genai-demo-cluster: manifests not written, waiting on 2 stack(s); 12 output(s) it needs are missing from deployed stacks (listed below)"
        );
        assert_eq!(p.details().len(), 14);
        assert_eq!(p.details()[0], "  waiting on stack genai-demo-data-1");
    }
    use meshsynth::assembly::{
        ClusterArtifact, DeferredInput, K8sFile, Manifest, MANIFEST_VERSION,
    };

    const PH: &str = "${meshsynth:data/Db/Resource#Endpoint.Address}";

    fn asm_with_input() -> (tempfile::TempDir, LoadedAssembly) {
        let t = tempfile::tempdir().unwrap();
        let k = t.path().join("k8s/main");
        fs::create_dir_all(&k).unwrap();
        fs::write(
            k.join("app.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n  namespace: app\ndata:\n  host: '{PH}'\n  url: 'postgres://{PH}:5432/app'\n"),
        )
        .unwrap();
        let app = fs::read(k.join("app.yaml")).unwrap();
        let cluster = ClusterArtifact {
            name: "main".into(),
            directory: "k8s/main".into(),
            kustomization: "k8s/main/kustomization.yaml".into(),
            files: vec![K8sFile {
                file: "k8s/main/app.yaml".into(),
                chart: "app/Chart".into(),
                objects: 1,
                sha256: Some(meshsynth::assembly::sha256_hex(&app)),
            }],
            deferred_inputs: vec![DeferredInput {
                placeholder: PH.into(),
                stack: "data".into(),
                output: "ExportDbAddress".into(),
                files: vec!["k8s/main/app.yaml".into()],
                lookup: None,
            }],
            install_inputs: vec![],
            escape_hatches: vec![],
        };
        fs::write(
            k.join("kustomization.yaml"),
            meshsynth::assembly::rules::kustomization_for(&cluster),
        )
        .unwrap();
        let asm = LoadedAssembly::for_test(
            t.path(),
            Manifest {
                version: MANIFEST_VERSION.into(),
                stacks: vec![],
                clusters: vec![cluster],
                app: None,
            },
        );
        (t, asm)
    }

    #[test]
    fn fills_placeholders_and_keeps_values_strings() {
        let (_t, asm) = asm_with_input();
        let mut outputs = OutputsByStack::new();
        outputs.insert(
            "data".into(),
            [("ExportDbAddress".to_string(), "12345".to_string())].into(),
        );
        let files = resolve(&asm, &outputs, &BTreeMap::new()).unwrap().files;
        let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["main/app.yaml", "main/kustomization.yaml"]);
        let app = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(app.contains("host: '12345'"), "{app}");
        assert!(app.contains("url: postgres://12345:5432/app"), "{app}");
    }

    #[test]
    fn a_cluster_waiting_on_stacks_is_pending_not_an_error() {
        let (_t, asm) = asm_with_input();
        let r = resolve(&asm, &OutputsByStack::new(), &BTreeMap::new()).unwrap();
        assert!(r.files.is_empty() && r.ready.is_empty());
        assert_eq!(
            r.pending[0].to_string(),
            "cluster main: manifests not written, waiting on stacks data"
        );
        let mut outputs = OutputsByStack::new();
        outputs.insert("data".into(), BTreeMap::new());
        let r = resolve(&asm, &outputs, &BTreeMap::new()).unwrap();
        assert_eq!(
            r.pending[0].to_string(),
            "cluster main: manifests not written; deployed without the outputs it needs: data (output ExportDbAddress) (deploy them from this assembly)"
        );
    }

    #[test]
    fn install_inputs_are_filled_too() {
        let (t, mut asm) = asm_with_input();
        let values = "k8s/main/istio-eastwest.values.yaml";
        fs::write(
            t.path().join(values),
            format!("service:\n  annotations:\n    eips: '{PH},{PH}'\n"),
        )
        .unwrap();
        let c = &mut asm.manifest.clusters[0];
        let bytes = fs::read(t.path().join(values)).unwrap();
        c.install_inputs.push(meshsynth::assembly::InstallInput {
            file: values.into(),
            kind: meshsynth::assembly::InstallInputKind::HelmValues,
            chart: Some("istio/gateway".into()),
            sha256: Some(meshsynth::assembly::sha256_hex(&bytes)),
        });
        c.deferred_inputs[0].files.push(values.into());
        let mut outputs = OutputsByStack::new();
        outputs.insert(
            "data".into(),
            [("ExportDbAddress".to_string(), "eipalloc-1".to_string())].into(),
        );
        let r = resolve(&asm, &outputs, &BTreeMap::new()).unwrap();
        let (_, bytes) = r
            .files
            .iter()
            .find(|(f, _)| f.as_str() == "main/istio-eastwest.values.yaml")
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(bytes),
            "service:\n  annotations:\n    eips: 'eipalloc-1,eipalloc-1'\n"
        );
    }

    #[test]
    fn a_placeholder_no_input_lists_is_an_error() {
        let (t, mut asm) = asm_with_input();
        asm.manifest.clusters[0].deferred_inputs[0].files.clear();
        let mut outputs = OutputsByStack::new();
        outputs.insert(
            "data".into(),
            [("ExportDbAddress".to_string(), "h".to_string())].into(),
        );
        let e = resolve(&asm, &outputs, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not listed as a deferred input of cluster main"),
            "{e}"
        );
        drop(t);
    }

    #[test]
    fn writes_and_replaces_only_its_own_directory() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("resolved");
        let rel = |s: &str| RelPath::parse(s).unwrap();
        write(&dir, &[(rel("main/a.yaml"), b"a: 1\n".to_vec())]).unwrap();
        write(&dir, &[(rel("main/b.yaml"), b"b: 1\n".to_vec())]).unwrap();
        assert!(!dir.join("main/a.yaml").exists());
        assert!(dir.join("main/b.yaml").exists());
        let foreign = t.path().join("foreign");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("x"), "keep").unwrap();
        assert!(write(&foreign, &[]).is_err());
        assert!(foreign.join("x").exists());
    }
}
