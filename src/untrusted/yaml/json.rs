//! The read straight to JSON (`YamlReader::document_json`): `analyze`'s
//! reader, with the budgets, errors and checks of the YAML read, minus the
//! YAML tree built and converted for every document.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use serde_yaml::Value;

use super::{
    check_nesting, merge_keys, strip_bom, Counted, MergeKeys, YamlError, YamlReader, MAX_NESTING,
};

/// A document as [`YamlReader::document_json`] read it.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Read straight to JSON: the common case, with no YAML tree built;
    /// and whether YAML 1.1 may read one of its strings differently.
    Json(Json, Yaml11),
    /// Read as YAML: the document has what JSON cannot hold as written (a
    /// tag, a key that is not a string) or `<<` merge keys; the caller
    /// converts it, and reports what does not convert.
    Yaml(Value),
}

/// Whether a YAML 1.1 reader (the API server's) may read a plain scalar of
/// a document differently from how it was read to JSON: the block reader
/// knows as it reads, so `analyze` scans only the documents that may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Yaml11 {
    /// No plain scalar read as a string has a YAML 1.1-only shape
    /// ([`super::yaml11_shape`]).
    Same,
    /// One has, or the document was read by libyaml, which does not say.
    Maybe,
}

impl YamlReader {
    /// One document, read straight to JSON where it can be, with the same
    /// budget, errors and checks as [`document`](YamlReader::document).
    /// Building a YAML tree and converting it was a third of `analyze`'s
    /// time; a document that needs the YAML tree is read again as YAML, its
    /// first attempt's budget given back, so the limits fall exactly where
    /// they do for `document`.
    ///
    /// The nesting pre-scan ([`check_nesting`]) runs before libyaml only:
    /// the block reader bounds its own nesting at [`MAX_NESTING`] and gives
    /// a deeper document to that path, which refuses it. Scanning every
    /// document twice was a tenth of `analyze`'s instructions. The one
    /// difference from `document`: a block document nested 100 levels or
    /// fewer that the scan (which over-counts, never under-counts) would
    /// have refused is read.
    pub(crate) fn document_json(&self, text: &str) -> Result<Parsed, YamlError> {
        let text = strip_bom(text);
        if merge_keys(text) == MergeKeys::None {
            // Most documents are plain block style, read without libyaml;
            // one over the budget is left to libyaml, to fail where it does.
            if let Some(read) = super::block::read(text) {
                let (nodes, bytes) = (self.nodes_left.get(), self.bytes_left.get());
                if read.nodes <= nodes && read.bytes <= bytes {
                    self.nodes_left.set(nodes - read.nodes);
                    self.bytes_left.set(bytes - read.bytes);
                    return Ok(Parsed::Json(read.value, read.yaml11));
                }
            }
        }
        check_nesting(text, MAX_NESTING).map_err(YamlError::TooDeep)?;
        self.events_json(text)
    }

    /// [`document_json`](Self::document_json) through libyaml's events
    /// only (the nesting bound already checked).
    pub(super) fn events_json(&self, text: &str) -> Result<Parsed, YamlError> {
        if merge_keys(text) == MergeKeys::None {
            let (nodes, bytes) = (self.nodes_left.get(), self.bytes_left.get());
            let de = serde_yaml::Deserializer::from_str(text);
            match CountedJson(self).deserialize(de) {
                Ok(v) => return Ok(Parsed::Json(v, Yaml11::Maybe)),
                Err(_) if self.not_json.replace(false) => {
                    self.nodes_left.set(nodes);
                    self.bytes_left.set(bytes);
                }
                Err(e) => return Err(self.failed(e)),
            }
        }
        let de = serde_yaml::Deserializer::from_str(text);
        self.finish(Counted(self).deserialize(de), text)
            .map(Parsed::Yaml)
    }
}

/// A value read straight to JSON, counted against the reader's budget as
/// [`Counted`] counts it. What JSON cannot hold as written stops the read
/// (marked in `not_json`) so the caller reads the document as YAML.
#[derive(Clone, Copy)]
struct CountedJson<'r>(&'r YamlReader);

impl CountedJson<'_> {
    fn not_json<E: de::Error>(self, what: &str) -> E {
        self.0.not_json.set(true);
        E::custom(format_args!("{what}: read as YAML"))
    }
}

impl<'de> DeserializeSeed<'de> for CountedJson<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CountedJson<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json, E> {
        self.0.take_node()?;
        Ok(Json::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Json, E> {
        self.0.take_node()?;
        Ok(Json::from(i))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Json, E> {
        self.0.take_node()?;
        Ok(Json::from(u))
    }

    /// A float JSON cannot hold (`.nan`, `.inf`) is `null`, as serde_json
    /// serializes one.
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Json, E> {
        self.0.take_node()?;
        Ok(Json::from(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json, E> {
        self.0.take_node()?;
        self.0.take_bytes(s.len())?;
        Ok(Json::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Json, E> {
        self.0.take_node()?;
        self.0.take_bytes(s.len())?;
        Ok(Json::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        self.0.take_node()?;
        Ok(Json::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        self.0.take_node()?;
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        self.0.take_node()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        self.0.take_node()?;
        let mut out = serde_json::Map::new();
        while let Some(k) = map.next_key_seed(self)? {
            // Counted as the YAML read counts a key; only a string is kept.
            let Json::String(k) = k else {
                return Err(self.not_json("a key that is not a string"));
            };
            if out.contains_key(&k) {
                return Err(de::Error::custom(format_args!(
                    "duplicate entry with key {:?}",
                    crate::untrusted::inert(&k)
                )));
            }
            let v = map.next_value_seed(self)?;
            out.insert(k, v);
        }
        Ok(Json::Object(out))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<Json, A::Error> {
        Err(self.not_json("a tagged value"))
    }
}

/// The fuzz target `read_yaml`'s differential check, built only under
/// cargo-fuzz (`--cfg fuzzing`): `text` read straight to JSON and read as
/// YAML, each with a fresh reader of the same budget, must give the same
/// value (converted), the same error and the same budget left.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzz_differential(text: &str, nodes: usize, bytes: usize) {
    let (json_reader, yaml_reader) = (
        YamlReader::with_budget(nodes, bytes),
        YamlReader::with_budget(nodes, bytes),
    );
    match (json_reader.document_json(text), yaml_reader.document(text)) {
        (Ok(Parsed::Json(j, _)), Ok(v)) => assert_eq!(Some(j), serde_json::to_value(v).ok()),
        // The block reader bounds the nesting it reads, not the pre-scan's
        // over-count: a document it read within the bound is not too deep.
        (Ok(Parsed::Json(j, _)), Err(super::YamlError::TooDeep(_))) => {
            assert!(super::block::depth(&j) <= MAX_NESTING, "{j:?}");
            return;
        }
        (Ok(Parsed::Yaml(y)), Ok(v)) => assert_eq!(y, v),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("the two reads differ: {a:?} against {b:?}"),
    }
    assert_eq!(json_reader.nodes_left.get(), yaml_reader.nodes_left.get());
    assert_eq!(json_reader.bytes_left.get(), yaml_reader.bytes_left.get());
}
