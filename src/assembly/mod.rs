//! The cloud assembly: what synth writes to disk (`mesh.out/` by default) and
//! what diff and deploy read. `manifest.json` is versioned; see
//! `docs/assembly.md`.

mod carry;
mod load;
pub mod rules;
mod write;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

pub use load::{
    load_assembly, load_assembly_pair, load_assembly_with, parse_assembly_files, parse_manifest,
    parse_template, AssemblyDir, LoadError, LoadLimits, LoadedAssembly, LoadedObject, ObjectKey,
};
pub(crate) use load::{load_pair_shared, SharedTemplates};
pub use write::{write_atomically, AssemblyWriter, FileSink};

/// The manifest schema version this build writes and reads.
pub const MANIFEST_VERSION: &str = "1";

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// The manifest schema version (`MANIFEST_VERSION`).
    pub version: String,
    /// Stacks in deployment order: each after the stacks it depends on.
    pub stacks: Vec<StackArtifact>,
    /// Kubernetes clusters, in a stable order.
    pub clusters: Vec<ClusterArtifact>,
    /// The platform's name (`App::set_name`): deploy tags every stack with
    /// it and refuses a stack another app deployed. Absent when unnamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
}

/// Where a stack deploys; `null` parts are environment-agnostic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Environment {
    /// The account id; `null` for any account.
    pub account: Option<String>,
    /// The region; `null` for any region.
    pub region: Option<String>,
}

/// One stack of the assembly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackArtifact {
    /// The CloudFormation stack name.
    pub name: String,
    /// The construct path of the stack.
    pub path: String,
    /// Where the stack deploys.
    pub environment: Environment,
    /// The template file, relative to the assembly root.
    pub template: String,
    /// Template size in bytes; above 51,200 deploy uploads it to S3.
    pub template_size: usize,
    /// SHA-256 of the template's bytes, lowercase hex: deploy refuses a
    /// template edited after synth. Absent in assemblies of older builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_sha256: Option<String>,
    /// Names of the stacks this one depends on.
    pub dependencies: Vec<String>,
    /// Template parameters by logical id.
    pub parameters: IndexMap<String, ParameterSpec>,
    /// Template outputs by logical id.
    pub outputs: IndexMap<String, OutputSpec>,
    /// Whether the stack has termination protection.
    pub termination_protection: bool,
    /// How many resources the template has.
    pub resource_count: usize,
    /// Construct paths that use escape hatches (raw resources or overrides).
    pub escape_hatches: Vec<String>,
    /// Deployed as a StackSet to these targets, not as one stack. Absent
    /// for a plain stack (and in assemblies of older builds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_set: Option<StackSetArtifact>,
}

/// How a stack deploys as a StackSet (`StackSet::new`), in the words of
/// the CloudFormation API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackSetArtifact {
    /// `SELF_MANAGED` or `SERVICE_MANAGED`.
    pub permission_model: String,
    /// The administration role's ARN; `null` for CloudFormation's default.
    pub administration_role_arn: Option<String>,
    /// The execution role's name; `null` for CloudFormation's default.
    pub execution_role_name: Option<String>,
    /// Service-managed only: deploy to accounts that join a target OU.
    pub auto_deployment: Option<AutoDeploymentArtifact>,
    /// The StackSet's description.
    pub description: Option<String>,
    /// The instance groups.
    pub targets: Vec<StackSetTargetArtifact>,
    /// Operation preferences for every operation deploy starts.
    pub operation: OperationArtifact,
}

impl StackSetArtifact {
    /// The instances the targets name: (account or OU, region) → the
    /// parameter overrides of that instance.
    pub fn instances(
        &self,
    ) -> std::collections::BTreeMap<(String, String), std::collections::BTreeMap<String, String>>
    {
        let mut out = std::collections::BTreeMap::new();
        for t in &self.targets {
            let units = if t.organizational_units.is_empty() {
                &t.accounts
            } else {
                &t.organizational_units
            };
            let overrides: std::collections::BTreeMap<String, String> = t
                .parameter_overrides
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for u in units {
                for r in &t.regions {
                    out.insert((u.clone(), r.clone()), overrides.clone());
                }
            }
        }
        out
    }
}

/// `AutoDeployment` of a service-managed StackSet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoDeploymentArtifact {
    /// Deploy to accounts that join a target OU.
    pub enabled: bool,
    /// Keep the stacks of accounts that leave one.
    pub retain_stacks_on_account_removal: bool,
}

/// One group of StackSet instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StackSetTargetArtifact {
    /// Account ids (self-managed).
    pub accounts: Vec<String>,
    /// OU or root ids (service-managed).
    pub organizational_units: Vec<String>,
    /// Regions, in deploy order.
    pub regions: Vec<String>,
    /// Parameter values of these instances.
    pub parameter_overrides: IndexMap<String, String>,
}

/// `OperationPreferences`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperationArtifact {
    /// `MaxConcurrentCount`, or `null` when a percentage is given.
    pub max_concurrent_count: Option<u32>,
    /// `MaxConcurrentPercentage`.
    pub max_concurrent_percentage: Option<u8>,
    /// `FailureToleranceCount`.
    pub failure_tolerance_count: Option<u32>,
    /// `FailureTolerancePercentage`.
    pub failure_tolerance_percentage: Option<u8>,
    /// `SEQUENTIAL` or `PARALLEL`.
    pub region_concurrency_type: String,
}

/// A template parameter, as listed in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParameterSpec {
    /// The CloudFormation parameter type, e.g. `String`.
    #[serde(rename = "type")]
    pub param_type: String,
    /// The default value, if any.
    pub default: Option<String>,
}

/// A template output, as listed in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutputSpec {
    /// The output's description.
    pub description: Option<String>,
    /// The export name, when the output is exported.
    pub export_name: Option<String>,
}

/// The Kubernetes files for one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterArtifact {
    /// The cluster name (the directory `k8s/<name>/`).
    pub name: String,
    /// `k8s/<cluster>`, relative to the assembly root.
    pub directory: String,
    /// The kustomization file listing the cluster's manifest files.
    pub kustomization: String,
    /// The manifest files, in apply order.
    pub files: Vec<K8sFile>,
    /// Values filled by deploy from stack outputs.
    pub deferred_inputs: Vec<DeferredInput>,
    /// Install inputs (IstioOperator, Helm values) beside the manifests; not
    /// listed in the kustomization.
    pub install_inputs: Vec<InstallInput>,
    /// Construct paths of objects changed through escape hatches (raw objects, patches).
    pub escape_hatches: Vec<String>,
}

/// One manifest file of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct K8sFile {
    /// The file's path, relative to the assembly directory.
    pub file: String,
    /// The construct path of the chart.
    pub chart: String,
    /// How many objects the file holds.
    pub objects: usize,
    /// SHA-256 of the file's bytes, lowercase hex: deploy refuses a file
    /// edited after synth. Absent in assemblies of older builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// A placeholder in the manifests and the stack output that fills it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeferredInput {
    /// The placeholder written in the manifests, replaced at deploy.
    pub placeholder: String,
    /// The stack whose output fills it.
    pub stack: String,
    /// The output's logical id.
    pub output: String,
    /// Files (relative to the assembly root) that contain the placeholder.
    pub files: Vec<String>,
    /// What deploy asks the service with the output's value before filling
    /// the placeholder (absent: the output is the value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<crate::core::Lookup>,
}

/// What an install input file is, as `manifest.json` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstallInputKind {
    /// An `istioctl install -f` IstioOperator file (`istio-operator`).
    IstioOperator,
    /// Values for the Helm chart named by `chart` (`helm-values`).
    HelmValues,
}

/// An install input of a cluster (Helm values, an IstioOperator): applied by the installer, not by `kubectl apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallInput {
    /// The file's path, relative to the assembly directory.
    pub file: String,
    /// `istio-operator` or `helm-values`.
    pub kind: InstallInputKind,
    /// For Helm values: the chart they are for (e.g. `istio/istiod`).
    pub chart: Option<String>,
    /// SHA-256 of the file's bytes, lowercase hex (as [`K8sFile::sha256`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// An assembly in memory: the manifest plus every other file's bytes.
#[derive(Debug, Clone)]
pub struct Assembly {
    /// The manifest.
    pub manifest: Manifest,
    /// Relative path → bytes, in a stable order.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Assembly {
    /// `manifest.json`'s bytes.
    pub fn manifest_bytes(&self) -> Vec<u8> {
        // Invariant: the manifest is plain data and always serializes.
        let v = serde_json::to_value(&self.manifest).expect("manifest serializes");
        crate::emit::to_json_bytes(&v)
    }

    /// Every file including `manifest.json`, sorted by path.
    pub fn all_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut all = self.files.clone();
        all.push(("manifest.json".into(), self.manifest_bytes()));
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

/// The SHA-256 of `bytes` as lowercase hex, as `templateSha256` records it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
