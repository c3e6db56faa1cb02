//! "Written back equal" for CloudFormation templates, as the include and
//! `meshsynth import` prove it: both sides read into JSON (short-form tags
//! in long form) and normalized for what only spelling changes: key order
//! (maps compare unordered), `Fn::GetAtt` as a dotted string or a list,
//! `DependsOn` as one name or a sorted list, `Properties: {}` or absent,
//! `AWSTemplateFormatVersion` (meshsynth always writes `2010-09-09`, the
//! only version there is), and a parameter's `Default`, `AllowedValues`,
//! bounds and `NoEcho` as strings (CloudFormation reads parameter values as
//! strings: `Default: 5` and `Default: "5"` are the same parameter).

use serde_json::Value as Json;

/// A template's text (JSON or YAML) as normalized JSON.
pub fn read(text: &str) -> Result<Json, String> {
    super::parse_template(text).map(normalize)
}

/// Normalizes a template already in JSON.
pub fn normalize(mut j: Json) -> Json {
    if let Json::Object(t) = &mut j {
        t.remove("AWSTemplateFormatVersion");
        if let Some(Json::Object(parameters)) = t.get_mut("Parameters") {
            for p in parameters.values_mut().filter_map(Json::as_object_mut) {
                for (k, v) in p.iter_mut() {
                    if matches!(
                        k.as_str(),
                        "Default" | "MinLength" | "MaxLength" | "MinValue" | "MaxValue" | "NoEcho"
                    ) {
                        stringify(v);
                    } else if k == "AllowedValues" {
                        if let Json::Array(a) = v {
                            a.iter_mut().for_each(stringify);
                        }
                    }
                }
            }
        }
        // An empty section is no section.
        t.retain(|_, v| !matches!(v, Json::Object(m) if m.is_empty()));
        if let Some(Json::Object(resources)) = t.get_mut("Resources") {
            for r in resources.values_mut() {
                let Json::Object(r) = r else { continue };
                if matches!(r.get("Properties"), Some(Json::Object(p)) if p.is_empty())
                    || matches!(r.get("Properties"), Some(Json::Null))
                {
                    r.remove("Properties");
                }
                if let Some(d) = r.get_mut("DependsOn") {
                    let mut list: Vec<Json> = match d.take() {
                        Json::Array(a) => a,
                        one => vec![one],
                    };
                    list.sort_by_key(|a| a.to_string());
                    list.dedup();
                    *d = Json::Array(list);
                }
            }
        }
    }
    intrinsics(&mut j);
    j
}

/// A number or boolean as the string CloudFormation reads it as.
fn stringify(v: &mut Json) {
    match v {
        Json::Number(n) => *v = Json::String(n.to_string()),
        Json::Bool(b) => *v = Json::String(b.to_string()),
        _ => {}
    }
}

fn intrinsics(j: &mut Json) {
    match j {
        Json::Object(m) => {
            if m.len() == 1 {
                if let Some(Json::String(s)) = m.get("Fn::GetAtt") {
                    if let Some((a, b)) = s.split_once('.') {
                        let list = Json::Array(vec![a.into(), b.into()]);
                        m.insert("Fn::GetAtt".into(), list);
                    }
                }
            }
            m.values_mut().for_each(intrinsics);
        }
        Json::Array(a) => a.iter_mut().for_each(intrinsics),
        _ => {}
    }
}

/// The first place two normalized templates differ, as `path: a != b`.
pub fn first_difference(a: &Json, b: &Json, path: &str) -> Option<String> {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{path}.{k}: only in the first")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}: only in the second"))
        }
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}

/// Drops the metadata meshsynth writes for suppressions (and a Metadata
/// left empty by that), so a template included with rules suppressed
/// compares with its source.
pub fn without_suppressions(mut j: Json) -> Json {
    if let Some(Json::Object(resources)) = j.get_mut("Resources") {
        for r in resources.values_mut() {
            let Some(Json::Object(m)) = r.get_mut("Metadata") else {
                continue;
            };
            m.remove("meshsynth:suppressions");
            if m.is_empty() {
                r.as_object_mut().map(|o| o.remove("Metadata"));
            }
        }
    }
    j
}
