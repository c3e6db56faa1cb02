//! Checking a JSON template's shape without building its tree: for a
//! template both sides of a diff hold byte for byte, which diff never reads
//! unless another stack's change points at it. `true` promises that
//! [`parse_template`] accepts the bytes; `false` only means "parse it to
//! know" (the check is stricter in corners: a duplicate key is checked in
//! every occurrence, where the tree keeps the last).
//!
//! Every nested object and array goes through `deserialize_any` or
//! `deserialize_map`, so serde_json's nesting limit applies exactly as when
//! the tree is built (its `IgnoredAny` path would skip that limit).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Whether [`super::parse_template`] would accept `bytes` named `path`.
pub(super) fn template_is_valid(path: &str, bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if !(trimmed.starts_with('{') || path.ends_with(".json")) {
        // YAML templates are parsed; synth writes JSON.
        return false;
    }
    serde_json::from_str::<Template>(trimmed).is_ok()
}

/// Any JSON value, read and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Skip;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_unit<E>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Skip)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(Skip)
            }
        }
        d.deserialize_any(V)
    }
}

/// An object whose every value is a `T`.
struct Section<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Section<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Section<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<Skip, T>()?.is_some() {}
                Ok(Section(std::marker::PhantomData))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A string, and nothing else.
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
        }
        d.deserialize_any(V)
    }
}

/// A key, compared with the few names the shape checks.
struct Key(u8);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, k: &str) -> Result<Key, E> {
                Ok(Key(match k {
                    "Resources" => 1,
                    "Outputs" | "Parameters" | "Conditions" => 2,
                    "Type" => 3,
                    "Properties" => 4,
                    _ => 0,
                }))
            }
        }
        d.deserialize_any(V)
    }
}

/// A resource: an object with a string `Type` and, if any, an object
/// `Properties`.
struct Resource;

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Resource;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a resource object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Resource, A::Error> {
                let mut typed = false;
                while let Some(Key(k)) = map.next_key::<Key>()? {
                    match k {
                        3 => {
                            map.next_value::<Text>()?;
                            typed = true;
                        }
                        4 => {
                            map.next_value::<Section<Skip>>()?;
                        }
                        _ => {
                            map.next_value::<Skip>()?;
                        }
                    }
                }
                if typed {
                    Ok(Resource)
                } else {
                    Err(de::Error::missing_field("Type"))
                }
            }
        }
        d.deserialize_map(V)
    }
}

/// The template: an object whose `Resources` are resources and whose
/// `Outputs`, `Parameters` and `Conditions` are objects.
struct Template;

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Template;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a template object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Template, A::Error> {
                while let Some(Key(k)) = map.next_key::<Key>()? {
                    match k {
                        1 => {
                            map.next_value::<Section<Resource>>()?;
                        }
                        2 => {
                            map.next_value::<Section<Skip>>()?;
                        }
                        _ => {
                            map.next_value::<Skip>()?;
                        }
                    }
                }
                Ok(Template)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_template;
    use super::*;

    /// The promise: whatever the check accepts, the parser accepts.
    #[test]
    fn what_the_shape_check_accepts_the_parser_accepts() {
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let cases: Vec<(String, bool)> = vec![
            (r#"{"Resources": {"A": {"Type": "X", "Properties": {"a": [1, 2.5, -3, true, null, "s\u00e9"]}}}}"#.into(), true),
            (r#"  {"AWSTemplateFormatVersion": "2010-09-09", "Outputs": {}, "Parameters": {}, "Conditions": {}}"#.into(), true),
            ("\u{feff}{}".into(), true),
            (r#"{"Resources": []}"#.into(), false),
            (r#"{"Resources": {"A": {"Properties": {}}}}"#.into(), false),
            (r#"{"Resources": {"A": {"Type": 1}}}"#.into(), false),
            (r#"{"Resources": {"A": {"Type": "X", "Properties": null}}}"#.into(), false),
            (r#"{"Resources": {"A": "x"}}"#.into(), false),
            (r#"{"Outputs": []}"#.into(), false),
            (r#"{"Parameters": null}"#.into(), false),
            (r#"[]"#.into(), false),
            (r#"{} x"#.into(), false),
            (r#"{"a": 1e999}"#.into(), false),
            (r#"{"a": "\ud800"}"#.into(), false),
            (r#"{"a": "\q"}"#.into(), false),
            // Nesting below serde_json's limit, and past it (in an
            // unchecked section: the limit must still apply there).
            (format!(r#"{{"Mappings": {}}}"#, deep(100)), true),
            (format!(r#"{{"Mappings": {}}}"#, deep(200)), false),
            (format!(r#"{{"Resources": {{"A": {{"Type": "X", "Metadata": {}}}}}}}"#, deep(200)), false),
        ];
        for (text, valid) in &cases {
            let shape = template_is_valid("t.template.json", text.as_bytes());
            let parsed = parse_template("t.template.json", text.as_bytes()).is_ok();
            assert_eq!(shape, *valid, "shape check of {text:.80}");
            assert_eq!(parsed, *valid, "parser on {text:.80}");
        }
        // A YAML template is left to the parser.
        assert!(!template_is_valid("t.template.yaml", b"Resources: {}\n"));
    }
}
