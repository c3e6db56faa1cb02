//! The naming rules of an assembly, one set for both directions: synth
//! names files with them, and every reader (`diff`, `deploy`, `destroy`,
//! `analyze`) holds a `manifest.json` to them before using a name or path
//! in it. An assembly may come from a pull request; a stack name, cluster
//! name or file path that synth could not have written is refused with the
//! entry named, before anything is read or written.

use super::{ClusterArtifact, Manifest, StackArtifact};
use crate::core::names;
use crate::untrusted::{inert, RelPath};

/// The template file of stack `name` in format `extension` (`json` or `yaml`).
pub fn template_file(name: &str, extension: &str) -> String {
    format!("{name}.template.{extension}")
}

/// The directory of cluster `name`, relative to the assembly root.
pub fn cluster_dir(name: &str) -> String {
    format!("k8s/{}", names::file_stem(name))
}

/// The kustomization file of the cluster whose directory is `dir`.
pub fn kustomization_file(dir: &str) -> String {
    format!("{dir}/kustomization.yaml")
}

/// The kustomization synth writes for cluster `c`: its manifest files,
/// in apply order, and nothing else. Readers refuse any other (a remote
/// base, an image swap or a patch would apply what no plan showed).
pub fn kustomization_for(c: &ClusterArtifact) -> String {
    let files: Vec<String> = c
        .files
        .iter()
        .map(|f| {
            f.file
                .strip_prefix(c.directory.as_str())
                .and_then(|r| r.strip_prefix('/'))
                .unwrap_or(&f.file)
                .to_string()
        })
        .collect();
    crate::emit::k8s::kustomization(&files)
}

/// Checks that `bytes` are the kustomization synth writes for `c`.
pub fn check_kustomization(c: &ClusterArtifact, bytes: &[u8]) -> Result<(), String> {
    if bytes == kustomization_for(c).as_bytes() {
        Ok(())
    } else {
        Err(format!(
            "not the kustomization synth writes for cluster {} (exactly its {} manifest file(s), nothing else); \
             a remote base, image swap or patch would be applied without appearing in any plan, so it is refused",
            shown(&c.name),
            c.files.len()
        ))
    }
}

/// The prefix every deferred placeholder starts with.
pub const PLACEHOLDER_PREFIX: &str = "${meshsynth:";

/// Checks every name and path of `m` against the rules synth writes by;
/// the error names the entry and the rule, ready for `path: message`.
pub fn check_manifest(m: &Manifest) -> Result<(), String> {
    if let Some(app) = &m.app {
        names::validate_dns1123_label(app)
            .map_err(|e| format!("app name: {}", inert(e.message())))?;
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &m.stacks {
        check_stack(s)?;
        for d in &s.dependencies {
            if !seen.contains(d.as_str()) {
                return Err(format!(
                    "stack {} depends on {}, which is not listed before it",
                    shown(&s.name),
                    shown(d)
                ));
            }
        }
        if !seen.insert(s.name.as_str()) {
            return Err(format!("stack {} is listed twice", shown(&s.name)));
        }
    }
    let mut clusters = std::collections::BTreeSet::new();
    for c in &m.clusters {
        check_cluster(c)?;
        if !clusters.insert(c.name.as_str()) {
            return Err(format!("cluster {} is listed twice", shown(&c.name)));
        }
    }
    Ok(())
}

fn shown(s: &str) -> String {
    format!("{:?}", inert(s))
}

fn check_stack(s: &StackArtifact) -> Result<(), String> {
    names::validate_stack_name(&s.name).map_err(|e| inert(e.message()).into_owned())?;
    let json = template_file(&s.name, "json");
    let yaml = template_file(&s.name, "yaml");
    if s.template != json && s.template != yaml {
        return Err(format!(
            "stack {}: template {} is not {json} or {yaml}, the only names synth writes",
            shown(&s.name),
            shown(&s.template)
        ));
    }
    for d in &s.dependencies {
        names::validate_stack_name(d).map_err(|e| {
            format!(
                "stack {}: dependency {}",
                shown(&s.name),
                inert(e.message())
            )
        })?;
    }
    if let Some(a) = &s.environment.account {
        names::validate_account(a)
            .map_err(|e| format!("stack {}: {}", shown(&s.name), inert(e.message())))?;
    }
    if let Some(r) = &s.environment.region {
        names::validate_region(r)
            .map_err(|e| format!("stack {}: {}", shown(&s.name), inert(e.message())))?;
    }
    for id in s.parameters.keys().chain(s.outputs.keys()) {
        names::validate_logical_id(id).map_err(|e| {
            format!(
                "stack {}: logical id {} {}",
                shown(&s.name),
                shown(id),
                e.message()
            )
        })?;
    }
    for (id, o) in &s.outputs {
        if let Some(x) = &o.export_name {
            if x.is_empty() || x.len() > 255 || x.chars().any(crate::untrusted::text::dangerous) {
                return Err(format!(
                    "stack {}: output {id} has export name {}, which CloudFormation does not accept",
                    shown(&s.name),
                    shown(x)
                ));
            }
        }
    }
    Ok(())
}

fn check_cluster(c: &ClusterArtifact) -> Result<(), String> {
    let name = shown(&c.name);
    names::validate_dns1123_label(&c.name).map_err(|e| {
        format!(
            "cluster name: {}; a cluster name is a directory of the assembly",
            inert(e.message())
        )
    })?;
    let dir = cluster_dir(&c.name);
    if c.directory != dir {
        return Err(format!(
            "cluster {name}: directory {} is not {dir}",
            shown(&c.directory)
        ));
    }
    let kustomization = kustomization_file(&dir);
    if c.kustomization != kustomization {
        return Err(format!(
            "cluster {name}: kustomization {} is not {kustomization}",
            shown(&c.kustomization)
        ));
    }
    let in_dir = |file: &str| -> Result<(), String> {
        let bad = || {
            format!(
                "cluster {name}: file {} is not a .yaml file directly in {dir}",
                shown(file)
            )
        };
        RelPath::parse(file).map_err(|e| format!("cluster {name}: {e}"))?;
        let rest = file
            .strip_prefix(dir.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(bad)?;
        if rest.contains('/') || !rest.ends_with(".yaml") || rest == "kustomization.yaml" {
            return Err(bad());
        }
        Ok(())
    };
    let mut files = std::collections::BTreeSet::new();
    for f in c
        .files
        .iter()
        .map(|f| &f.file)
        .chain(c.install_inputs.iter().map(|i| &i.file))
    {
        in_dir(f)?;
        if !files.insert(f.as_str()) {
            return Err(format!("cluster {name}: file {} is listed twice", shown(f)));
        }
    }
    for d in &c.deferred_inputs {
        names::validate_stack_name(&d.stack)
            .map_err(|e| format!("cluster {name}: deferred input: {}", inert(e.message())))?;
        names::validate_logical_id(&d.output).map_err(|e| {
            format!(
                "cluster {name}: deferred input output {} {}",
                shown(&d.output),
                e.message()
            )
        })?;
        let placeholder_ok = d.placeholder.starts_with(PLACEHOLDER_PREFIX)
            && d.placeholder.ends_with('}')
            && d.placeholder.len() <= 1024
            && !d.placeholder[PLACEHOLDER_PREFIX.len()..d.placeholder.len() - 1]
                .contains(['{', '}'])
            && !d.placeholder.chars().any(crate::untrusted::text::dangerous);
        if !placeholder_ok {
            return Err(format!(
                "cluster {name}: deferred input {} is not a meshsynth placeholder (${{meshsynth:…}})",
                shown(&d.placeholder)
            ));
        }
        for f in &d.files {
            if !files.contains(f.as_str()) {
                return Err(format!(
                    "cluster {name}: deferred input {} names file {}, which the cluster does not list",
                    shown(&d.placeholder),
                    shown(f)
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::{ClusterArtifact, DeferredInput, K8sFile, MANIFEST_VERSION};

    fn cluster(name: &str) -> ClusterArtifact {
        let dir = cluster_dir(name);
        ClusterArtifact {
            name: name.into(),
            directory: dir.clone(),
            kustomization: kustomization_file(&dir),
            files: vec![K8sFile {
                file: format!("{dir}/app.yaml"),
                chart: "app".into(),
                objects: 1,
                sha256: None,
            }],
            deferred_inputs: vec![DeferredInput {
                placeholder: "${meshsynth:data/Db#Endpoint.Address}".into(),
                stack: "data".into(),
                output: "ExportDb".into(),
                files: vec![format!("{dir}/app.yaml")],
                lookup: None,
            }],
            install_inputs: vec![],
            escape_hatches: vec![],
        }
    }

    fn manifest(c: ClusterArtifact) -> Manifest {
        Manifest {
            version: MANIFEST_VERSION.into(),
            stacks: vec![],
            clusters: vec![c],
            app: None,
        }
    }

    #[test]
    fn what_synth_writes_passes() {
        check_manifest(&manifest(cluster("main"))).unwrap();
    }

    #[test]
    fn names_synth_could_not_have_written_are_refused() {
        for bad in ["../..", "/home/me", "a/b", "..", "UPPER", "x\ny"] {
            let mut c = cluster("main");
            c.name = bad.into();
            let e = check_manifest(&manifest(c)).unwrap_err();
            assert!(e.contains("cluster name"), "{bad}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        let mut c = cluster("main");
        c.files[0].file = "k8s/main/../../x.yaml".into();
        assert!(check_manifest(&manifest(c)).is_err());
        let mut c = cluster("main");
        c.files[0].file = "k8s/other/x.yaml".into();
        assert!(check_manifest(&manifest(c)).is_err());
        let mut c = cluster("main");
        c.directory = "k8s/../..".into();
        assert!(check_manifest(&manifest(c)).is_err());
        let mut c = cluster("main");
        c.deferred_inputs[0].stack = "../x".into();
        assert!(check_manifest(&manifest(c)).is_err());
        let mut c = cluster("main");
        c.deferred_inputs[0].files = vec!["k8s/main/other.yaml".into()];
        assert!(check_manifest(&manifest(c)).is_err());
    }
}
