//! Parsing the files an assembly lists: the manifest (version first),
//! templates and Kubernetes YAML streams, bounded in nesting.

use super::*;

/// Checks the schema version first, so a manifest of another version gets a
/// version error rather than a confusing field error.
pub(super) fn parse_manifest(path: &str, bytes: &[u8]) -> Result<Manifest, LoadError> {
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
    serde_json::from_value(json).map_err(|e| LoadError::Manifest {
        path: path.to_string(),
        message: e.to_string(),
    })
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

/// Every document of a YAML stream, converted to JSON.
pub(super) fn yaml_documents(path: &str, text: &str) -> Result<Vec<Json>, LoadError> {
    use serde::Deserialize;
    // libyaml is quadratic in nesting depth: bound it before parsing.
    check_nesting(text, MAX_NESTING).map_err(|e| LoadError::Parse {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v = serde_yaml::Value::deserialize(doc).map_err(|e| LoadError::Parse {
            path: path.to_string(),
            message: format!("not valid YAML: {e}"),
        })?;
        out.push(yaml_to_json(v).map_err(|message| LoadError::Parse {
            path: path.to_string(),
            message,
        })?);
    }
    Ok(out)
}

/// YAML → JSON. CloudFormation short-form tags become their long form
/// (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
/// `!Sub s` → `{"Fn::Sub": s}`); scalar mapping keys become strings, as
/// `sigs.k8s.io/yaml` does.
pub(super) fn yaml_to_json(v: serde_yaml::Value) -> Result<Json, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Json::Number)
                    .unwrap_or_else(|| Json::String(n.to_string()))
            }
        }
        Y::String(s) => Json::String(s),
        Y::Sequence(seq) => Json::Array(
            seq.into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_string(),
                    _ => return Err("not valid YAML: a mapping key must be a scalar".into()),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Json::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let value = yaml_to_json(t.value)?;
            let (key, value) = match name.as_str() {
                "Ref" | "Condition" => (name.clone(), value),
                "GetAtt" => match value {
                    Json::String(s) => match s.split_once('.') {
                        Some((a, b)) => ("Fn::GetAtt".to_string(), serde_json::json!([a, b])),
                        None => ("Fn::GetAtt".to_string(), Json::String(s)),
                    },
                    other => ("Fn::GetAtt".to_string(), other),
                },
                _ => (format!("Fn::{name}"), value),
            };
            let mut m = Map::new();
            m.insert(key, value);
            Json::Object(m)
        }
    })
}
