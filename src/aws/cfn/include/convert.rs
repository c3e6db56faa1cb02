//! Template JSON to values. A `Ref` or `Fn::GetAtt` of one of the
//! template's own resources becomes a tree reference, so it resolves like
//! a typed one (and across stacks through an export); a replaced parameter
//! becomes its value; everything else is kept as written.

use std::borrow::Cow;
use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::core::tree::NodeId;
use crate::core::value::Value;

/// What names of the template mean.
pub(super) struct Names<'a> {
    /// Resources by logical id.
    pub resources: &'a IndexMap<String, NodeId>,
    /// Parameters the template keeps.
    pub parameters: &'a IndexMap<String, Json>,
    /// Parameters replaced by a value.
    pub replaced: &'a BTreeMap<String, Value>,
    /// The template has a transform, which may make names of its own
    /// (`Fn::ForEach` resources, SAM's generated roles): a `Ref` of an
    /// unknown name is then left to it.
    pub transformed: bool,
}

impl Names<'_> {
    fn knows(&self, name: &str) -> bool {
        self.resources.contains_key(name)
            || self.parameters.contains_key(name)
            || self.replaced.contains_key(name)
            || name.starts_with("AWS::")
            || self.transformed
    }
}

/// `j` as a value; `at` is where it stands (`Resources.Logs.Properties`),
/// for the error.
pub(super) fn to_value(j: &Json, names: &Names<'_>, at: &mut String) -> Result<Value, String> {
    Ok(match j {
        Json::Null => return Err(format!("{at} is null, which a template cannot hold")),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(f)) if n.as_u64().is_none() => Value::Float(f),
            _ => return Err(format!("{at}: {n} has no exact template form")),
        },
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                out.push(to_value(x, names, at)?);
                at.truncate(len);
            }
            Value::List(out)
        }
        Json::Object(m) => {
            if m.len() == 1 {
                if let Some(v) = intrinsic(m, names, at)? {
                    return Ok(v);
                }
            }
            let mut out = IndexMap::with_capacity(m.len());
            for (k, x) in m {
                if k.starts_with("Fn::ForEach::") {
                    // A loop's names are its own: kept as written.
                    out.insert(k.clone(), verbatim(x, at)?);
                    continue;
                }
                let len = at.len();
                at.push('.');
                at.push_str(k);
                out.insert(k.clone(), to_value(x, names, at)?);
                at.truncate(len);
            }
            Value::Map(out)
        }
    })
}

/// The one-key objects that mean something: `Ref`, `Fn::GetAtt`, and an
/// `Fn::Sub` naming a replaced parameter. `None` for every other object.
fn intrinsic(
    m: &serde_json::Map<String, Json>,
    names: &Names<'_>,
    at: &str,
) -> Result<Option<Value>, String> {
    let Some((key, arg)) = m.iter().next() else {
        return Ok(None);
    };
    match (key.as_str(), arg) {
        ("Ref", Json::String(name)) => {
            if let Some(&node) = names.resources.get(name) {
                return Ok(Some(Value::Ref(node)));
            }
            if let Some(v) = names.replaced.get(name) {
                return Ok(Some(v.clone()));
            }
            if !names.knows(name) {
                return Err(format!(
                    "{at}: Ref {name} names no parameter or resource of the template"
                ));
            }
            Ok(None)
        }
        ("Fn::GetAtt", _) => get_att(arg, names, at),
        ("Fn::Sub", _) => sub(arg, names, at),
        _ => Ok(None),
    }
}

fn get_att(arg: &Json, names: &Names<'_>, at: &str) -> Result<Option<Value>, String> {
    let (resource, attr) = match arg {
        Json::String(s) => match s.split_once('.') {
            Some((r, a)) => (r, Some(a)),
            None => (s.as_str(), None),
        },
        Json::Array(parts) => match parts.first() {
            Some(Json::String(r)) => (r.as_str(), parts.get(1).and_then(Json::as_str)),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let Some(&node) = names.resources.get(resource) else {
        if names.transformed {
            return Ok(None);
        }
        return Err(format!(
            "{at}: Fn::GetAtt names {resource}, which is no resource of the template"
        ));
    };
    // An attribute given by an intrinsic (`!Ref AttrName`) stays as written.
    Ok(attr.map(|a| Value::GetAtt(node, Cow::Owned(a.to_string()))))
}

/// `Fn::Sub` naming a replaced parameter (`${Env}`) takes the value as a
/// variable of its own, which CloudFormation reads before parameters; the
/// template text is unchanged.
fn sub(arg: &Json, names: &Names<'_>, at: &str) -> Result<Option<Value>, String> {
    if names.replaced.is_empty() {
        return Ok(None);
    }
    let (text, vars) = match arg {
        Json::String(s) => (s, None),
        Json::Array(parts) if parts.len() == 2 => match (&parts[0], &parts[1]) {
            (Json::String(s), Json::Object(v)) => (s, Some(v)),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let used: Vec<(&String, &Value)> = names
        .replaced
        .iter()
        .filter(|(name, _)| {
            text.contains(&format!("${{{name}}}"))
                && vars.is_none_or(|v| !v.contains_key(name.as_str()))
        })
        .collect();
    if used.is_empty() {
        return Ok(None);
    }
    let mut map = IndexMap::new();
    if let Some(v) = vars {
        let mut here = format!("{at}.Fn::Sub[1]");
        for (k, x) in v {
            let len = here.len();
            here.push('.');
            here.push_str(k);
            map.insert(k.clone(), to_value(x, names, &mut here)?);
            here.truncate(len);
        }
    }
    for (name, v) in used {
        map.insert(name.clone(), v.clone());
    }
    let mut out = IndexMap::new();
    out.insert(
        "Fn::Sub".to_string(),
        Value::List(vec![Value::Str(text.clone()), Value::Map(map)]),
    );
    Ok(Some(Value::Map(out)))
}

/// `j` exactly as written, no name looked up (an `Fn::ForEach` loop, whose
/// identifiers only the transform knows).
pub(super) fn verbatim(j: &Json, at: &str) -> Result<Value, String> {
    Value::try_from(j).map_err(|e| format!("{at}: {e}"))
}
