//! Parsing the files an assembly lists: the manifest (version first),
//! templates and Kubernetes YAML streams, bounded in nesting.

use super::*;

/// Parses `manifest.json`: the schema version first, so a manifest of
/// another version gets a version error rather than a confusing field
/// error, then its fields, then every name and path against the rules
/// synth writes by ([`crate::assembly::rules`]). `path` names the file in errors.
pub fn parse_manifest(path: &str, bytes: &[u8]) -> Result<Manifest, LoadError> {
    let json: Json = serde_json::from_slice(bytes).map_err(|e| LoadError::Manifest {
        path: path.to_string(),
        message: format!("not valid JSON: {e}"),
    })?;
    let Some(obj) = json.as_object() else {
        return Err(LoadError::Manifest {
            path: path.to_string(),
            message: "expected a JSON object".into(),
        });
    };
    match obj.get("version") {
        Some(Json::String(v)) if v == MANIFEST_VERSION => {}
        Some(Json::String(v)) => {
            return Err(LoadError::Version {
                path: path.to_string(),
                found: format!("{v:?}"),
                expected: format!("{MANIFEST_VERSION:?}"),
            })
        }
        Some(other) => {
            return Err(LoadError::Version {
                path: path.to_string(),
                found: other.to_string(),
                expected: format!("{MANIFEST_VERSION:?}"),
            })
        }
        None => {
            return Err(LoadError::Manifest {
                path: path.to_string(),
                message: "no \"version\" field; this is not a meshsynth manifest".into(),
            })
        }
    }
    let manifest: Manifest = serde_json::from_value(json).map_err(|e| LoadError::Manifest {
        path: path.to_string(),
        message: inert(&e.to_string()).into_owned(),
    })?;
    // Every name and path is held to the rules synth writes by, before
    // anything uses one as a file name.
    super::super::rules::check_manifest(&manifest).map_err(|message| LoadError::Manifest {
        path: path.to_string(),
        message,
    })?;
    Ok(manifest)
}

/// Parses a CloudFormation template (JSON, or YAML with long- or short-form
/// intrinsics) and checks its `Resources` shape. Shared with deploy, which
/// reads deployed templates from GetTemplate.
pub fn parse_template(path: &str, bytes: &[u8]) -> Result<Json, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| LoadError::Parse {
        path: path.to_string(),
        message: format!("not valid UTF-8: {e}"),
    })?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let value = if trimmed.starts_with('{') || path.ends_with(".json") {
        serde_json::from_str::<Json>(trimmed).map_err(|e| LoadError::Parse {
            path: path.to_string(),
            message: format!("not valid JSON: {e}"),
        })?
    } else {
        let mut docs = yaml_documents(path, trimmed)?;
        match docs.len() {
            1 => docs.remove(0),
            0 => {
                return Err(LoadError::Parse {
                    path: path.to_string(),
                    message: "empty template".into(),
                })
            }
            n => {
                return Err(LoadError::Parse {
                    path: path.to_string(),
                    message: format!("a template is one YAML document, found {n}"),
                })
            }
        }
    };
    let invalid = |message: String| LoadError::Invalid {
        path: path.to_string(),
        message,
    };
    let Some(obj) = value.as_object() else {
        return Err(invalid("a template must be an object".into()));
    };
    if let Some(resources) = obj.get("Resources") {
        let Some(resources) = resources.as_object() else {
            return Err(invalid("Resources must be an object".into()));
        };
        for (id, r) in resources {
            match r.get("Type") {
                Some(Json::String(_)) => {}
                _ => return Err(invalid(format!("Resources.{id}: Type must be a string"))),
            }
            if let Some(p) = r.get("Properties") {
                if !p.is_object() {
                    return Err(invalid(format!(
                        "Resources.{id}: Properties must be an object"
                    )));
                }
            }
        }
    }
    for section in ["Outputs", "Parameters", "Conditions"] {
        if let Some(s) = obj.get(section) {
            if !s.is_object() {
                return Err(invalid(format!("{section} must be an object")));
            }
        }
    }
    Ok(value)
}

/// Parses a multi-document Kubernetes YAML file into keyed objects.
pub(super) fn parse_k8s_documents(
    path: &str,
    bytes: &[u8],
) -> Result<Vec<(ObjectKey, String, Json)>, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| LoadError::Parse {
        path: path.to_string(),
        message: format!("not valid UTF-8: {e}"),
    })?;
    let mut out = Vec::new();
    for (i, doc) in yaml_documents(path, text)?.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let invalid = |message: &str| LoadError::Invalid {
            path: path.to_string(),
            message: format!("document {i}: {message}"),
        };
        let Some(obj) = doc.as_object() else {
            return Err(invalid("a Kubernetes object must be a mapping"));
        };
        let api_version = obj
            .get("apiVersion")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("apiVersion must be a non-empty string"))?
            .to_string();
        let kind = obj
            .get("kind")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("kind must be a non-empty string"))?
            .to_string();
        let meta = obj
            .get("metadata")
            .and_then(Json::as_object)
            .ok_or_else(|| invalid("metadata must be a mapping"))?;
        let name = meta
            .get("name")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("metadata.name must be a non-empty string"))?
            .to_string();
        let namespace = match meta.get("namespace") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(_) => return Err(invalid("metadata.namespace must be a string")),
        };
        let group = api_version
            .rsplit_once('/')
            .map(|(g, _)| g.to_string())
            .unwrap_or_default();
        out.push((
            ObjectKey {
                group,
                kind,
                namespace,
                name,
            },
            api_version,
            doc,
        ));
    }
    Ok(out)
}

/// Every document of a YAML stream, converted to JSON, through the
/// budgeted reader (nesting, aliases, merge keys: [`crate::untrusted::yaml`]).
pub(super) fn yaml_documents(path: &str, text: &str) -> Result<Vec<Json>, LoadError> {
    let docs = crate::untrusted::YamlReader::for_input(text.len())
        .documents(text)
        .map_err(|e| LoadError::Parse {
            path: path.to_string(),
            message: match e {
                crate::untrusted::YamlError::Syntax(e) => format!("not valid YAML: {e}"),
                other => other.to_string(),
            },
        })?;
    docs.into_iter()
        .map(|v| {
            crate::untrusted::yaml::to_json(v).map_err(|message| LoadError::Parse {
                path: path.to_string(),
                message,
            })
        })
        .collect()
}
