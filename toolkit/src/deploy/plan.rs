//! Reading a cloud assembly from disk and turning a stack selection into a
//! deploy or destroy plan: which stacks, in which region, in which order.
//!
//! The assembly is read through the library's hardened reader
//! ([`AssemblyDir`]): an assembly may come from a pull request.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use globset::Glob;

use super::api::StackId;
use super::DeployError;
use meshsynth::assembly::{
    sha256_hex, AssemblyDir, LoadError, LoadLimits, Manifest, StackArtifact,
};

/// A cloud assembly read from disk.
#[derive(Debug, Clone)]
pub struct LoadedAssembly {
    /// The assembly directory.
    pub dir: PathBuf,
    /// Its `manifest.json`.
    pub manifest: Manifest,
    /// The confined, bounded reader of its files.
    files: AssemblyDir,
}

fn assembly_error(e: LoadError) -> DeployError {
    let hint = match e {
        LoadError::NotAnAssembly { .. } | LoadError::Io { .. } => {
            " (run `meshsynth synth` first, or point --assembly at an assembly directory)"
        }
        _ => "",
    };
    DeployError::Assembly {
        path: e.path().to_string(),
        message: format!(
            "{}{hint}",
            e.to_string()
                .trim_start_matches(e.path())
                .trim_start_matches(": ")
        ),
    }
}

impl LoadedAssembly {
    /// Opens `dir`, reads `manifest.json` and checks its version, through
    /// the same confined reader as `diff` (regular files only, no symbolic
    /// link out of the assembly, sizes bounded).
    pub fn load(dir: &Path) -> Result<LoadedAssembly, DeployError> {
        let files = AssemblyDir::open(dir, &LoadLimits::default()).map_err(assembly_error)?;
        let manifest = files.manifest().map_err(assembly_error)?;
        Ok(LoadedAssembly {
            dir: dir.to_path_buf(),
            manifest,
            files,
        })
    }

    /// Writes `manifest` as `dir/manifest.json` and loads the assembly.
    #[cfg(test)]
    pub(crate) fn for_test(dir: &Path, manifest: Manifest) -> LoadedAssembly {
        std::fs::write(
            dir.join("manifest.json"),
            serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
        LoadedAssembly::load(dir).unwrap()
    }

    /// The bytes of a file of the assembly (path relative to its root).
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, DeployError> {
        self.files.read_file(rel).map_err(assembly_error)
    }

    /// The template of `stack`, checked against the `templateSha256` synth
    /// recorded: a template edited after synth is refused, not deployed.
    pub fn template(&self, stack: &StackArtifact) -> Result<Vec<u8>, DeployError> {
        let bytes = self.read(&stack.template)?;
        // Synth always records the hash: a manifest without one was written
        // by hand or edited, and would turn the check off unseen.
        let Some(expected) = &stack.template_sha256 else {
            return Err(DeployError::Assembly {
                path: self.files.display("manifest.json"),
                message: format!(
                    "stack {} has no templateSha256, so its template cannot be checked; run `meshsynth synth` again instead of editing the assembly",
                    stack.name
                ),
            });
        };
        if sha256_hex(&bytes) != *expected {
            return Err(DeployError::Assembly {
                path: self.files.display(&stack.template),
                message: "changed after synth (its SHA-256 differs from manifest.json's templateSha256); run `meshsynth synth` again instead of editing the assembly".into(),
            });
        }
        Ok(bytes)
    }

    /// The bytes of a file of the assembly, checked against the SHA-256
    /// synth recorded for it: a file edited after synth, or one whose hash
    /// was removed from `manifest.json`, is refused.
    pub fn read_verified(&self, rel: &str, sha256: Option<&str>) -> Result<Vec<u8>, DeployError> {
        let bytes = self.read(rel)?;
        match sha256 {
            Some(expected) if sha256_hex(&bytes) == expected => Ok(bytes),
            Some(_) => Err(DeployError::Assembly {
                path: self.files.display(rel),
                message: "changed after synth (its SHA-256 differs from manifest.json's); run `meshsynth synth` again instead of editing the assembly".into(),
            }),
            None => Err(DeployError::Assembly {
                path: self.files.display(rel),
                message: "manifest.json records no SHA-256 for this file, so it cannot be checked; run `meshsynth synth` again instead of editing the assembly".into(),
            }),
        }
    }

    /// The artifact of a stack by name.
    pub fn stack(&self, name: &str) -> Option<&StackArtifact> {
        self.manifest.stacks.iter().find(|s| s.name == name)
    }
}

/// Where a parameter value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// A fixed value.
    Literal(String),
    /// An output of another stack, possibly in another region (cross-region
    /// references): read after that stack deployed, or from its deployed state.
    Output {
        /// The producing stack.
        stack: StackId,
        /// The output key.
        output: String,
    },
}

/// One stack to deploy or destroy.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStack {
    /// Name and region.
    pub id: StackId,
    /// The template bytes (empty in destroy plans).
    pub template: Vec<u8>,
    /// Names of the plan's stacks that must be done first (for destroy: the
    /// stacks that depend on this one).
    pub after: Vec<String>,
    /// Parameters to pass; the others take their template defaults.
    pub parameters: Vec<(String, ParameterValue)>,
    /// Whether the stack should have termination protection.
    pub termination_protection: bool,
    /// The account the stack belongs to, when its environment names one.
    pub account: Option<String>,
}

/// Stacks in the order they are processed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Each stack after the stacks in its `after` list.
    pub stacks: Vec<PlannedStack>,
    /// What the selection pulled in and why, for stderr.
    pub notes: Vec<String>,
}

/// The stacks matched by `patterns` (all when empty); errors on a pattern
/// that matches nothing.
fn matched(manifest: &Manifest, patterns: &[String]) -> Result<BTreeSet<String>, DeployError> {
    if patterns.is_empty() {
        return Ok(manifest.stacks.iter().map(|s| s.name.clone()).collect());
    }
    let mut out = BTreeSet::new();
    for p in patterns {
        let m = Glob::new(p)
            .map_err(|e| DeployError::Selection(format!("invalid stack pattern {p:?}: {e}")))?
            .compile_matcher();
        let before = out.len();
        let mut hit = false;
        for s in &manifest.stacks {
            if m.is_match(&s.name) {
                out.insert(s.name.clone());
                hit = true;
            }
        }
        if !hit && out.len() == before {
            let names: Vec<&str> = manifest.stacks.iter().map(|s| s.name.as_str()).collect();
            return Err(DeployError::Selection(format!(
                "no stack of the assembly matches pattern {p:?}; stacks are: {}",
                names.join(", ")
            )));
        }
    }
    Ok(out)
}

fn region_of(s: &StackArtifact, default_region: Option<&str>) -> Result<String, DeployError> {
    s.environment
        .region
        .clone()
        .or_else(|| default_region.map(str::to_string))
        .ok_or_else(|| DeployError::NoRegion {
            stack: s.name.clone(),
        })
}

impl Plan {
    /// Refuses to work with credentials of another account than the one a
    /// stack's environment names (a deploy to the wrong account is silent
    /// otherwise).
    pub fn check_account(&self, caller_account: &str, caller: &str) -> Result<(), DeployError> {
        for s in &self.stacks {
            if let Some(a) = s.account.as_deref().filter(|a| *a != caller_account) {
                return Err(DeployError::WrongAccount {
                    stack: s.id.clone(),
                    expected: a.to_string(),
                    actual: caller_account.to_string(),
                    caller: caller.to_string(),
                });
            }
        }
        Ok(())
    }

    /// True when some stack names its account.
    pub fn names_accounts(&self) -> bool {
        self.stacks.iter().any(|s| s.account.is_some())
    }

    /// The selected stacks plus everything they depend on, dependencies first.
    pub fn for_deploy(
        asm: &LoadedAssembly,
        patterns: &[String],
        default_region: Option<&str>,
    ) -> Result<Plan, DeployError> {
        let m = &asm.manifest;
        let roots = matched(m, patterns)?;
        let mut selected = roots.clone();
        let mut todo: Vec<String> = roots.iter().cloned().collect();
        let mut notes = Vec::new();
        while let Some(n) = todo.pop() {
            let Some(s) = asm.stack(&n) else { continue };
            for d in &s.dependencies {
                if asm.stack(d).is_none() {
                    return Err(DeployError::Assembly {
                        path: asm.dir.join("manifest.json").display().to_string(),
                        message: format!(
                            "stack {n} depends on {d}, which is not in the assembly; synthesize it too"
                        ),
                    });
                }
                if selected.insert(d.clone()) {
                    notes.push(format!("including stack {d} (a dependency of {n})"));
                    todo.push(d.clone());
                }
            }
        }
        // The manifest lists stacks in deployment order already; keep it.
        let mut stacks = Vec::new();
        for s in m.stacks.iter().filter(|s| selected.contains(&s.name)) {
            let template = asm.template(s)?;
            stacks.push(PlannedStack {
                id: StackId::new(region_of(s, default_region)?, &s.name),
                template,
                after: s.dependencies.clone(),
                parameters: Vec::new(),
                termination_protection: s.termination_protection,
                account: s.environment.account.clone(),
            });
        }
        notes.sort();
        Ok(Plan { stacks, notes })
    }

    /// The selected stacks plus every stack that depends on them (they could
    /// not survive without it), dependents first.
    pub fn for_destroy(
        asm: &LoadedAssembly,
        patterns: &[String],
        default_region: Option<&str>,
    ) -> Result<Plan, DeployError> {
        let m = &asm.manifest;
        let roots = matched(m, patterns)?;
        let mut selected = roots.clone();
        let mut notes = Vec::new();
        let mut changed = true;
        while changed {
            changed = false;
            for s in &m.stacks {
                if selected.contains(&s.name) {
                    continue;
                }
                if let Some(d) = s.dependencies.iter().find(|d| selected.contains(*d)) {
                    selected.insert(s.name.clone());
                    notes.push(format!("including stack {} (it depends on {d})", s.name));
                    changed = true;
                }
            }
        }
        let mut stacks = Vec::new();
        for s in m.stacks.iter().rev().filter(|s| selected.contains(&s.name)) {
            let dependents: Vec<String> = m
                .stacks
                .iter()
                .filter(|o| selected.contains(&o.name) && o.dependencies.contains(&s.name))
                .map(|o| o.name.clone())
                .collect();
            stacks.push(PlannedStack {
                id: StackId::new(region_of(s, default_region)?, &s.name),
                template: Vec::new(),
                after: dependents,
                parameters: Vec::new(),
                termination_protection: s.termination_protection,
                account: s.environment.account.clone(),
            });
        }
        Ok(Plan { stacks, notes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshsynth::assembly::{Environment, StackArtifact};

    fn artifact(name: &str, deps: &[&str], region: Option<&str>) -> StackArtifact {
        StackArtifact {
            name: name.into(),
            path: name.into(),
            environment: Environment {
                account: None,
                region: region.map(str::to_string),
            },
            template: format!("{name}.template.json"),
            template_size: 2,
            template_sha256: Some(sha256_hex(b"{}")),
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
            parameters: Default::default(),
            outputs: Default::default(),
            termination_protection: false,
            resource_count: 0,
            escape_hatches: vec![],
            stack_set: None,
        }
    }

    fn assembly(stacks: Vec<StackArtifact>) -> (tempfile::TempDir, LoadedAssembly) {
        let t = tempfile::tempdir().unwrap();
        for s in &stacks {
            std::fs::write(t.path().join(&s.template), "{}").unwrap();
        }
        let asm = LoadedAssembly::for_test(
            t.path(),
            Manifest {
                version: meshsynth::assembly::MANIFEST_VERSION.into(),
                stacks,
                clusters: vec![],
                app: None,
            },
        );
        (t, asm)
    }

    #[test]
    fn deploy_pulls_in_dependencies_and_destroy_pulls_in_dependents() {
        let (_t, asm) = assembly(vec![
            artifact("net", &[], Some("eu-west-1")),
            artifact("data", &["net"], None),
            artifact("app", &["data"], Some("eu-west-1")),
            artifact("other", &[], Some("eu-west-1")),
        ]);
        let p = Plan::for_deploy(&asm, &["app".into()], Some("us-east-1")).unwrap();
        let names: Vec<&str> = p.stacks.iter().map(|s| s.id.name.as_str()).collect();
        assert_eq!(names, ["net", "data", "app"]);
        assert_eq!(p.stacks[1].id.region, "us-east-1");
        assert_eq!(p.notes.len(), 2);

        let d = Plan::for_destroy(&asm, &["data".into()], Some("us-east-1")).unwrap();
        let names: Vec<&str> = d.stacks.iter().map(|s| s.id.name.as_str()).collect();
        assert_eq!(names, ["app", "data"]);
        assert_eq!(d.stacks[1].after, ["app"]);
    }

    #[test]
    fn unmatched_pattern_and_missing_region_are_errors() {
        let (_t, asm) = assembly(vec![artifact("net", &[], None)]);
        let e = Plan::for_deploy(&asm, &["nope*".into()], None).unwrap_err();
        assert!(e.to_string().contains("stacks are: net"), "{e}");
        let e = Plan::for_deploy(&asm, &[], None).unwrap_err();
        assert!(e.to_string().contains("--region"), "{e}");
    }

    #[test]
    fn stacks_of_another_account_are_refused() {
        let mut a = artifact("net", &[], Some("eu-west-1"));
        a.environment.account = Some("111111111111".into());
        let (_t, asm) = assembly(vec![a, artifact("any", &[], Some("eu-west-1"))]);
        let p = Plan::for_deploy(&asm, &[], None).unwrap();
        assert!(p.names_accounts());
        let caller = "arn:aws:iam::222222222222:user/ci, profile dev";
        assert!(p.check_account("111111111111", caller).is_ok());
        let e = p
            .check_account("222222222222", caller)
            .unwrap_err()
            .to_string();
        assert!(e.contains("stack net (eu-west-1) belongs to account 111111111111, but the credentials in use (arn:aws:iam::222222222222:user/ci, profile dev) are for account 222222222222 (hint: pick credentials of account 111111111111 with --profile or AWS_PROFILE"), "{e}");
    }

    #[test]
    fn a_template_whose_hash_was_removed_is_refused() {
        let mut a = artifact("net", &[], Some("eu-west-1"));
        a.template_sha256 = None;
        let (_t, asm) = assembly(vec![a.clone()]);
        let e = asm.template(&a).unwrap_err().to_string();
        assert!(e.contains("stack net has no templateSha256"), "{e}");
        let e = asm
            .read_verified("net.template.json", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("records no SHA-256"), "{e}");
    }

    #[test]
    fn rejects_other_manifest_versions() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(
            t.path().join("manifest.json"),
            r#"{"version":"9","stacks":[],"clusters":[]}"#,
        )
        .unwrap();
        let e = LoadedAssembly::load(t.path()).unwrap_err();
        assert!(e.to_string().contains("version \"9\""), "{e}");
    }
}
