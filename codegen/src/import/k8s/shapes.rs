//! The shape table of the typed Kubernetes layers (written by
//! `scripts/codegen` from k8s-openapi's and meshsynth-crds' sources, see
//! [`crate::k8s_shapes`]), read into what the writer looks up: a kind's
//! type by apiVersion and kind, a struct's fields, an enum's variants.

use std::collections::HashMap;

/// The table as committed.
const TABLE: &str = include_str!("generated/shapes.tsv");

/// A field's type, as the typed layer declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `Option<T>`.
    Option(Box<Ty>),
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// `Box<T>`.
    Boxed(Box<Ty>),
    /// `String`, `bool`, an integer or float type, `Value` (serde_json's)
    /// or `Timestamp` (jiff's).
    Prim(String),
    /// A struct, newtype or enum of the table, by canonical path.
    Named(String),
}

impl Ty {
    /// Parses a type as the table writes it.
    pub fn parse(s: &str) -> Result<Ty, String> {
        let s = s.trim();
        for (prefix, make) in [
            ("Option<", Ty::Option as fn(Box<Ty>) -> Ty),
            ("Vec<", Ty::Vec),
            ("Box<", Ty::Boxed),
        ] {
            if let Some(inner) = s.strip_prefix(prefix).and_then(|r| r.strip_suffix('>')) {
                return Ok(make(Box::new(Ty::parse(inner)?)));
            }
        }
        if let Some(inner) = s
            .strip_prefix("BTreeMap<")
            .and_then(|r| r.strip_suffix('>'))
        {
            let value = inner
                .strip_prefix("String,")
                .ok_or_else(|| format!("a map whose keys are not strings: {s}"))?;
            return Ok(Ty::Map(Box::new(Ty::parse(value)?)));
        }
        if s.contains('<') {
            return Err(format!("an unknown generic type: {s}"));
        }
        Ok(match s {
            "String" | "bool" | "i32" | "i64" | "u32" | "u64" | "f64" | "Value" | "Timestamp" => {
                Ty::Prim(s.to_string())
            }
            _ => Ty::Named(s.to_string()),
        })
    }
}

/// A field of a struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// Its name in JSON (`minReadySeconds`).
    pub json: String,
    /// Its name in Rust (`min_ready_seconds`, `r#type`, `type_`).
    pub rust: String,
    /// Its type.
    pub ty: Ty,
}

/// A struct of the typed layer.
#[derive(Debug, Clone)]
pub struct Struct {
    /// The cargo feature of meshsynth-crds that compiles it, if any.
    pub feature: Option<String>,
    /// Its fields, in declaration order.
    pub fields: Vec<Field>,
}

/// The whole table.
#[derive(Debug, Default)]
pub struct Shapes {
    structs: HashMap<String, Struct>,
    newtypes: HashMap<String, Ty>,
    enums: HashMap<String, Vec<(String, String)>>,
    aliases: HashMap<String, String>,
    kinds: HashMap<(String, String), String>,
}

impl Shapes {
    /// The committed table.
    pub fn embedded() -> Result<Shapes, String> {
        Shapes::parse(TABLE)
    }

    /// A table from its text.
    pub fn parse(text: &str) -> Result<Shapes, String> {
        let mut out = Shapes::default();
        let mut current_struct: Option<String> = None;
        let mut current_enum: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let bad = || format!("shape table line {}: {line:?}", n + 1);
            let opt = |s: &str| (s != "-").then(|| s.to_string());
            match cols.as_slice() {
                ["S", path, api_version, kind, feature] => {
                    out.structs.insert(
                        path.to_string(),
                        Struct {
                            feature: opt(feature),
                            fields: Vec::new(),
                        },
                    );
                    if let (Some(v), Some(k)) = (opt(api_version), opt(kind)) {
                        out.kinds.insert((v, k), path.to_string());
                    }
                    current_struct = Some(path.to_string());
                    current_enum = None;
                }
                ["F", json, rust, ty] => {
                    let s = current_struct
                        .as_ref()
                        .and_then(|p| out.structs.get_mut(p))
                        .ok_or_else(bad)?;
                    s.fields.push(Field {
                        json: json.to_string(),
                        rust: rust.to_string(),
                        ty: Ty::parse(ty)?,
                    });
                }
                ["N", path, ty] => {
                    out.newtypes.insert(path.to_string(), Ty::parse(ty)?);
                    current_struct = None;
                    current_enum = None;
                }
                ["E", path] => {
                    out.enums.insert(path.to_string(), Vec::new());
                    current_enum = Some(path.to_string());
                    current_struct = None;
                }
                ["A", path, target] => {
                    out.aliases.insert(path.to_string(), target.to_string());
                    current_struct = None;
                    current_enum = None;
                }
                ["V", json, variant] => {
                    let e = current_enum
                        .as_ref()
                        .and_then(|p| out.enums.get_mut(p))
                        .ok_or_else(bad)?;
                    e.push((json.to_string(), variant.to_string()));
                }
                _ => return Err(bad()),
            }
        }
        Ok(out)
    }

    /// The canonical path of the type of objects `api_version`/`kind`.
    pub fn kind(&self, api_version: &str, kind: &str) -> Option<&str> {
        self.kinds
            .get(&(api_version.to_string(), kind.to_string()))
            .map(String::as_str)
    }

    /// The type `path` names: itself, or what an alias of it stands for.
    pub fn resolve<'p>(&'p self, mut path: &'p str) -> &'p str {
        // Aliases are a few levels deep at most; the bound keeps a cycle finite.
        for _ in 0..8 {
            match self.aliases.get(path) {
                Some(target) => path = target,
                None => break,
            }
        }
        path
    }

    /// A struct by canonical path (aliases followed).
    pub fn structure(&self, path: &str) -> Option<&Struct> {
        self.structs.get(self.resolve(path))
    }

    /// A newtype's inner type (aliases followed).
    pub fn newtype(&self, path: &str) -> Option<&Ty> {
        self.newtypes.get(self.resolve(path))
    }

    /// A string enum's (json, variant) pairs (aliases followed).
    pub fn enumeration(&self, path: &str) -> Option<&[(String, String)]> {
        self.enums.get(self.resolve(path)).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_table_knows_the_core_and_custom_kinds() {
        let s = Shapes::embedded().unwrap();
        let d = s.kind("apps/v1", "Deployment").unwrap();
        assert_eq!(d, "k8s_openapi::api::apps::v1::Deployment");
        let spec = &s.structure(d).unwrap().fields[1];
        assert_eq!(
            spec.ty,
            Ty::Option(Box::new(Ty::Named(
                "k8s_openapi::api::apps::v1::DeploymentSpec".into()
            )))
        );
        let vs = s.kind("networking.istio.io/v1", "VirtualService").unwrap();
        assert!(vs.starts_with("meshsynth_crds::istio::"), "{vs}");
        assert_eq!(
            s.structure(vs).unwrap().feature.as_deref(),
            Some("istio-virtualservice")
        );
        assert_eq!(
            s.newtype("k8s_openapi::apimachinery::pkg::api::resource::Quantity"),
            Some(&Ty::Prim("String".into()))
        );
    }

    #[test]
    fn types_parse_nested() {
        assert_eq!(
            Ty::parse("Option<BTreeMap<String, Vec<i32>>>").unwrap(),
            Ty::Option(Box::new(Ty::Map(Box::new(Ty::Vec(Box::new(Ty::Prim(
                "i32".into()
            )))))))
        );
        assert!(Ty::parse("HashMap<i32, String>").is_err());
    }
}
