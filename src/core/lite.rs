//! [`LiteValue`]: an object as it is emitted, built straight from its
//! `Serialize` impl. It is what `serde_json::to_value` gives, with each
//! map kept as a vector in serialization order: no key hashing, which was
//! a fifth of a large synthesis (profile in docs/performance.md).

use serde::ser::{self, Serialize};

/// A JSON-shaped tree whose maps keep their entries in order, in a vector.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteValue {
    /// `null` (a `None`, a unit, a non-finite float).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, formatted as serde_json formats it.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A sequence.
    Array(Vec<LiteValue>),
    /// A map, in serialization order; a repeated key keeps its first place
    /// and its last value, as in `serde_json::Map`.
    Object(Vec<(String, LiteValue)>),
}

/// Why a value cannot become a [`LiteValue`]; the caller falls back to
/// `serde_json` for the exact error.
#[derive(Debug)]
pub struct LiteError(String);

impl std::fmt::Display for LiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LiteError {}

impl ser::Error for LiteError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        LiteError(msg.to_string())
    }
}

impl LiteValue {
    /// The tree of `value`, as `serde_json::to_value` would give it.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Result<LiteValue, LiteError> {
        value.serialize(LiteSerializer)
    }

    /// The same tree from a `serde_json::Value`.
    pub fn from_json(v: serde_json::Value) -> LiteValue {
        use serde_json::Value as J;
        match v {
            J::Null => LiteValue::Null,
            J::Bool(b) => LiteValue::Bool(b),
            J::Number(n) => LiteValue::Number(n),
            J::String(s) => LiteValue::String(s),
            J::Array(a) => LiteValue::Array(a.into_iter().map(LiteValue::from_json).collect()),
            J::Object(m) => LiteValue::Object(
                m.into_iter()
                    .map(|(k, v)| (k, LiteValue::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The same tree as a `serde_json::Value` (maps in their order).
    pub fn into_json(self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            LiteValue::Null => J::Null,
            LiteValue::Bool(b) => J::Bool(b),
            LiteValue::Number(n) => J::Number(n),
            LiteValue::String(s) => J::String(s),
            LiteValue::Array(a) => J::Array(a.into_iter().map(LiteValue::into_json).collect()),
            LiteValue::Object(m) => {
                J::Object(m.into_iter().map(|(k, v)| (k, v.into_json())).collect())
            }
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, LiteValue::Null)
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            LiteValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key`, when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&LiteValue> {
        match self {
            LiteValue::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries, when this is a map.
    pub fn as_object_mut(&mut self) -> Option<&mut Vec<(String, LiteValue)>> {
        match self {
            LiteValue::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The entries of map member `key`, when this is a map and `key` holds one.
    pub fn member_object_mut(&mut self, key: &str) -> Option<&mut Vec<(String, LiteValue)>> {
        self.as_object_mut()?
            .iter_mut()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_object_mut())
    }

    /// Removes `null` members from maps, recursively (not from arrays).
    pub fn strip_nulls(&mut self) {
        match self {
            LiteValue::Object(m) => {
                m.retain(|(_, v)| !v.is_null());
                m.iter_mut().for_each(|(_, v)| v.strip_nulls());
            }
            LiteValue::Array(a) => a.iter_mut().for_each(LiteValue::strip_nulls),
            _ => {}
        }
    }
}

/// Inserts like `serde_json::Map::insert`: a repeated key keeps its place
/// and takes the new value.
pub fn insert(map: &mut Vec<(String, LiteValue)>, key: String, value: LiteValue) {
    match map.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => map.push((key, value)),
    }
}

/// The entries of map `key` in `map`, added empty (last) when absent;
/// `None` when `key` holds something other than a map.
pub fn entry_object<'m>(
    map: &'m mut Vec<(String, LiteValue)>,
    key: &str,
) -> Option<&'m mut Vec<(String, LiteValue)>> {
    let i = match map.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            map.push((key.to_string(), LiteValue::Object(Vec::new())));
            map.len() - 1
        }
    };
    map[i].1.as_object_mut()
}

struct LiteSerializer;

/// Sequences (seq, tuple, tuple struct), with the variant name when it is
/// a tuple variant.
struct SeqBuilder {
    items: Vec<LiteValue>,
    variant: Option<&'static str>,
}

/// Maps and structs, with the variant name when it is a struct variant.
struct MapBuilder {
    entries: Vec<(String, LiteValue)>,
    next_key: Option<String>,
    variant: Option<&'static str>,
}

fn wrap(variant: Option<&'static str>, v: LiteValue) -> LiteValue {
    match variant {
        Some(name) => LiteValue::Object(vec![(name.to_string(), v)]),
        None => v,
    }
}

impl ser::Serializer for LiteSerializer {
    type Ok = LiteValue;
    type Error = LiteError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<LiteValue, LiteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<LiteValue, LiteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<LiteValue, LiteError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::Number(v.into()))
    }
    fn serialize_u8(self, v: u8) -> Result<LiteValue, LiteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<LiteValue, LiteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<LiteValue, LiteError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::Number(v.into()))
    }
    fn serialize_f32(self, v: f32) -> Result<LiteValue, LiteError> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<LiteValue, LiteError> {
        Ok(serde_json::Number::from_f64(v).map_or(LiteValue::Null, LiteValue::Number))
    }
    fn serialize_char(self, v: char) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::Array(
            v.iter().map(|b| LiteValue::Number((*b).into())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<LiteValue, LiteError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<LiteValue, LiteError> {
        Ok(LiteValue::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<LiteValue, LiteError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<LiteValue, LiteError> {
        Ok(wrap(Some(variant), v.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, LiteError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, LiteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder, LiteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, LiteError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, LiteError> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len.unwrap_or(0)),
            next_key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapBuilder, LiteError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapBuilder, LiteError> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len),
            next_key: None,
            variant: Some(variant),
        })
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = LiteValue;
    type Error = LiteError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), LiteError> {
        self.items.push(v.serialize(LiteSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<LiteValue, LiteError> {
        Ok(wrap(self.variant, LiteValue::Array(self.items)))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = LiteValue;
    type Error = LiteError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), LiteError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<LiteValue, LiteError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = LiteValue;
    type Error = LiteError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), LiteError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<LiteValue, LiteError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = LiteValue;
    type Error = LiteError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), LiteError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<LiteValue, LiteError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = LiteValue;
    type Error = LiteError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), LiteError> {
        // Keys become strings as serde_json makes them; anything else is
        // left to serde_json (and its error).
        self.next_key = Some(match key.serialize(LiteSerializer)? {
            LiteValue::String(s) => s,
            LiteValue::Number(n) => n.to_string(),
            LiteValue::Bool(b) => b.to_string(),
            _ => return Err(LiteError("a map key must be a string".into())),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), LiteError> {
        let key = self
            .next_key
            .take()
            .ok_or_else(|| LiteError("a map value came before its key".into()))?;
        insert(&mut self.entries, key, v.serialize(LiteSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<LiteValue, LiteError> {
        Ok(wrap(self.variant, LiteValue::Object(self.entries)))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = LiteValue;
    type Error = LiteError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), LiteError> {
        insert(
            &mut self.entries,
            key.to_string(),
            v.serialize(LiteSerializer)?,
        );
        Ok(())
    }
    fn end(self) -> Result<LiteValue, LiteError> {
        ser::SerializeMap::end(self)
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = LiteValue;
    type Error = LiteError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), LiteError> {
        ser::SerializeStruct::serialize_field(self, key, v)
    }
    fn end(self) -> Result<LiteValue, LiteError> {
        ser::SerializeMap::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever serde_json makes of a value, the lite tree holds the same.
    #[test]
    fn matches_serde_json_to_value() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, String),
            Struct { a: Option<i32> },
        }
        #[derive(serde::Serialize)]
        struct S {
            b: bool,
            f: f64,
            nan: f64,
            e: Vec<E>,
            m: std::collections::BTreeMap<u32, &'static str>,
            none: Option<String>,
            #[serde(flatten)]
            extra: std::collections::BTreeMap<String, i64>,
        }
        let s = S {
            b: true,
            f: 0.25,
            nan: f64::NAN,
            e: vec![
                E::Unit,
                E::New(1),
                E::Tuple(2, "x".into()),
                E::Struct { a: None },
            ],
            m: [(7, "seven")].into_iter().collect(),
            none: None,
            extra: [("z".to_string(), -3)].into_iter().collect(),
        };
        let lite = LiteValue::of(&s).unwrap();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(lite, LiteValue::from_json(json.clone()));
        // And back: the same `Value`, maps in the same order (`to_json` of
        // a typed kind is built this way).
        let back = lite.into_json();
        assert_eq!(back, json);
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&json).unwrap()
        );
    }
}
