//! Typed reads of JSON that keep track of where they are: the path of the
//! field an error is about, and the paths of the fields the type does not
//! know. One deserializer over `&serde_json::Value` does both. It replaced
//! a path tracker and an unknown-field tracker (`serde_path_to_error`,
//! `serde_ignored`) stacked on serde_json's value deserializer: every type
//! a typed read reaches was compiled for three layers, a third of the
//! library's code, and each map key was copied into two `String`s to keep
//! paths that are only read on an error or an unknown field. Here a path
//! is a chain of borrowed keys on the stack, written out only then.
//!
//! What a read accepts, and every message it fails with, is serde_json's
//! value deserializer's: errors are `serde_json::Error` (which words them),
//! and each method takes the same branch serde_json's does. The paths are
//! the two trackers' (`spec.ports[0].port`); a unit test compares both
//! ways on mutated real objects. One shape is not repeated: serde_json's
//! branch for a `Box<RawValue>` field, which no kind read here has (such a
//! field fails to read).

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, Error as _, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Map, Number, Value};

type Error = serde_json::Error;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A list element.
    Index(usize),
    /// A map entry or a struct field.
    Key(String),
    /// An enum's variant (`{"Variant": ...}`).
    Variant(String),
    /// A map key that failed to read as the number or bool it stands for.
    Unknown,
}

/// Where a read failed, from the document's root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The steps, root first.
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.0
    }
}

/// `spec.ports[0].port`; `.` for the root.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        let mut separator = "";
        for segment in &self.0 {
            match segment {
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::Key(k) | Segment::Variant(k) => write!(f, "{separator}{k}")?,
                Segment::Unknown => write!(f, "{separator}?")?,
            }
            separator = ".";
        }
        Ok(())
    }
}

/// A failed read: serde_json's error and the path of what it is about.
#[derive(Debug)]
pub(crate) struct ReadError {
    path: FieldPath,
    inner: Error,
}

impl ReadError {
    /// Where the read failed.
    pub(crate) fn path(&self) -> &FieldPath {
        &self.path
    }

    /// What failed.
    pub(crate) fn inner(&self) -> &Error {
        &self.inner
    }
}

/// Reads a `T` from `json`. With `unknown`, the paths of the fields `T`
/// does not know are pushed on it (`spec.volumes[0].rbd.imagefeatures`:
/// enum variants are not named, as a user writes the path).
pub(crate) fn read<T: de::DeserializeOwned>(
    json: &Value,
    unknown: Option<&mut Vec<String>>,
) -> Result<T, ReadError> {
    let track = Track {
        error_at: RefCell::new(None),
        unknown: unknown.as_ref().map(|_| RefCell::new(Vec::new())),
    };
    let root = Chain::Root;
    let read = T::deserialize(De {
        value: json,
        chain: &root,
        track: &track,
    });
    if let (Some(out), Some(found)) = (unknown, track.unknown) {
        out.extend(found.into_inner());
    }
    read.map_err(|inner| ReadError {
        path: track.error_at.into_inner().unwrap_or_default(),
        inner,
    })
}

/// The path to the value being read, as a chain of borrowed steps on the
/// stack: nothing is allocated unless an error or an unknown field needs
/// it written out.
enum Chain<'c, 'de> {
    Root,
    Key {
        parent: &'c Chain<'c, 'de>,
        key: &'de str,
    },
    Index {
        parent: &'c Chain<'c, 'de>,
        index: usize,
    },
    Variant {
        parent: &'c Chain<'c, 'de>,
        variant: &'de str,
    },
    Unknown {
        parent: &'c Chain<'c, 'de>,
    },
}

impl Chain<'_, '_> {
    fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::new();
        let mut at = self;
        loop {
            at = match at {
                Chain::Root => break,
                Chain::Key { parent, key } => {
                    out.push(Segment::Key((*key).to_string()));
                    parent
                }
                Chain::Index { parent, index } => {
                    out.push(Segment::Index(*index));
                    parent
                }
                Chain::Variant { parent, variant } => {
                    out.push(Segment::Variant((*variant).to_string()));
                    parent
                }
                Chain::Unknown { parent } => {
                    out.push(Segment::Unknown);
                    parent
                }
            };
        }
        out.reverse();
        out
    }

    /// The path of an unknown field as users write it: keys joined by `.`,
    /// list indices in brackets, variants left out.
    fn field_path(&self) -> String {
        let mut out = String::new();
        for segment in self.segments() {
            match segment {
                Segment::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&k);
                }
                Segment::Variant(_) | Segment::Unknown => {}
            }
        }
        out
    }
}

struct Track {
    /// The path of the innermost value an error came out of: the first
    /// place it is seen, as it travels outward.
    error_at: RefCell<Option<FieldPath>>,
    /// The paths of unknown fields, when the caller wants them.
    unknown: Option<RefCell<Vec<String>>>,
}

impl Track {
    /// `error`, its path noted when it is the first seen.
    #[cold]
    fn failed(&self, chain: &Chain<'_, '_>, error: Error) -> Error {
        let mut at = self.error_at.borrow_mut();
        if at.is_none() {
            *at = Some(FieldPath(chain.segments()));
        }
        error
    }
}

/// `$result`, with its error's path noted when it is the first seen. A
/// macro rather than a generic function (or `Result::map`): a function
/// would be compiled again for every type a read reaches.
macro_rules! at {
    ($track:expr, $chain:expr, $result:expr) => {
        match $result {
            Ok(v) => Ok(v),
            Err(e) => Err($track.failed($chain, e)),
        }
    };
}

/// The value a type reads at one place of the document.
struct De<'c, 'de> {
    value: &'de Value,
    chain: &'c Chain<'c, 'de>,
    track: &'c Track,
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => number_unexpected(n),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// A number as serde_json's value deserializer hands it on: unsigned
/// first, then signed, else a float.
enum Num {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

fn num(n: &Number) -> Num {
    match (n.as_u64(), n.as_i64()) {
        (Some(u), _) => Num::Unsigned(u),
        (None, Some(i)) => Num::Signed(i),
        (None, None) => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

fn number_unexpected(n: &Number) -> Unexpected<'static> {
    match num(n) {
        Num::Unsigned(u) => Unexpected::Unsigned(u),
        Num::Signed(i) => Unexpected::Signed(i),
        Num::Float(f) => Unexpected::Float(f),
    }
}

/// serde_json's error when a visitor left part of a list or map unread.
#[cold]
fn not_all_read(len: usize, expected: &'static str) -> Error {
    Error::invalid_length(len, &expected)
}

fn visit_number<'de, V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, Error> {
    match num(n) {
        Num::Unsigned(u) => visitor.visit_u64(u),
        Num::Signed(i) => visitor.visit_i64(i),
        Num::Float(f) => visitor.visit_f64(f),
    }
}

impl<'c, 'de> De<'c, 'de> {
    fn invalid<V: Visitor<'de>>(&self, visitor: &V) -> Error {
        Error::invalid_type(unexpected(self.value), visitor)
    }

    fn seq<V: Visitor<'de>>(&self, items: &'de [Value], visitor: V) -> Result<V::Value, Error> {
        let mut access = SeqAccess {
            items: items.iter(),
            index: 0,
            chain: self.chain,
            track: self.track,
        };
        let out = visitor.visit_seq(&mut access);
        let left = access.items.len();
        match out {
            Ok(out) if left == 0 => Ok(out),
            Ok(_) => Err(not_all_read(items.len(), "fewer elements in array")),
            Err(e) => Err(e),
        }
    }

    fn map<V: Visitor<'de>>(
        &self,
        entries: &'de Map<String, Value>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let mut access = MapAccess {
            entries: entries.iter(),
            value: None,
            chain: self.chain,
            track: self.track,
        };
        let out = visitor.visit_map(&mut access);
        let left = access.entries.len();
        match out {
            Ok(out) if left == 0 => Ok(out),
            Ok(_) => Err(not_all_read(entries.len(), "fewer elements in map")),
            Err(e) => Err(e),
        }
    }

    fn any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => self.seq(items, visitor),
            Value::Object(entries) => self.map(entries, visitor),
        };
        at!(self.track, self.chain, r)
    }

    fn number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::Number(n) => visit_number(n, visitor),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }

    fn string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }

    fn bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => self.seq(items, visitor),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }

    fn unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }

    fn list<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::Array(items) => self.seq(items, visitor),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }
}

/// Deserializer methods that take one of `De`'s readers as they are.
macro_rules! forward {
    ($reader:ident: $($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.$reader(visitor)
        }
    )*};
}

impl<'c, 'de> de::Deserializer<'de> for De<'c, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.any(visitor)
    }

    forward! {
        number: deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }
    forward! {
        string: deserialize_char deserialize_str deserialize_string deserialize_identifier
    }
    forward! { bytes: deserialize_bytes deserialize_byte_buf }
    forward! { unit: deserialize_unit }
    forward! { list: deserialize_seq }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let (chain, track) = (self.chain, self.track);
        let r = match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        at!(track, chain, r)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (chain, track) = (self.chain, self.track);
        let r = visitor.visit_newtype_struct(self);
        at!(track, chain, r)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.list(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.list(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::Object(entries) => self.map(entries, visitor),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let r = match self.value {
            Value::Array(items) => self.seq(items, visitor),
            Value::Object(entries) => self.map(entries, visitor),
            _ => Err(self.invalid(&visitor)),
        };
        at!(self.track, self.chain, r)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let written = match self.value {
            Value::Object(entries) => {
                let mut it = entries.iter();
                match (it.next(), it.next()) {
                    (Some((variant, value)), None) => Ok((variant.as_str(), Some(value))),
                    _ => Err(Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            Value::String(variant) => Ok((variant.as_str(), None)),
            other => Err(Error::invalid_type(unexpected(other), &"string or map")),
        };
        let r = match written {
            Ok((variant, value)) => visitor.visit_enum(EnumAccess {
                variant,
                value,
                chain: self.chain,
                track: self.track,
            }),
            Err(e) => Err(e),
        };
        at!(self.track, self.chain, r)
    }

    /// A field the type skips: an unknown one.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if let Some(unknown) = &self.track.unknown {
            unknown.borrow_mut().push(self.chain.field_path());
        }
        let r = visitor.visit_unit();
        at!(self.track, self.chain, r)
    }
}

struct SeqAccess<'c, 'de> {
    items: std::slice::Iter<'de, Value>,
    index: usize,
    chain: &'c Chain<'c, 'de>,
    track: &'c Track,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(value) = self.items.next() else {
            return Ok(None);
        };
        let chain = Chain::Index {
            parent: self.chain,
            index: self.index,
        };
        self.index += 1;
        let r = seed.deserialize(De {
            value,
            chain: &chain,
            track: self.track,
        });
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) => Err(self.track.failed(&chain, e)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'c, 'de> {
    entries: serde_json::map::Iter<'de>,
    /// The entry whose key was read last, for its value.
    value: Option<(&'de str, &'de Value)>,
    chain: &'c Chain<'c, 'de>,
    track: &'c Track,
}

impl<'de> MapAccess<'_, 'de> {
    #[cold]
    fn key_failed(&self, key: &str, unread: bool, error: Error) -> Error {
        let chain = if unread {
            Chain::Unknown { parent: self.chain }
        } else {
            Chain::Key {
                parent: self.chain,
                key,
            }
        };
        self.track.failed(&chain, error)
    }

    #[cold]
    fn missing_value(&self) -> Error {
        self.track
            .failed(self.chain, Error::custom("value is missing"))
    }

    /// The next entry's key; its value is kept for `next_value_seed`.
    fn advance(&mut self) -> Option<&'de str> {
        let (key, value) = self.entries.next()?;
        self.value = Some((key, value));
        Some(key)
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(key) = self.advance() else {
            return Ok(None);
        };
        let unread = Cell::new(false);
        let r = seed.deserialize(key::KeyDe {
            key,
            unread: &unread,
        });
        match r {
            Ok(k) => Ok(Some(k)),
            Err(e) => Err(self.key_failed(key, unread.get(), e)),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, value)) = self.value.take() else {
            return Err(self.missing_value());
        };
        let chain = Chain::Key {
            parent: self.chain,
            key,
        };
        let r = seed.deserialize(De {
            value,
            chain: &chain,
            track: self.track,
        });
        at!(self.track, &chain, r)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum's variant and its value (`None` when written as a string):
/// first its name is read, then the value as the variant's shape asks.
struct EnumAccess<'c, 'de> {
    variant: &'de str,
    value: Option<&'de Value>,
    chain: &'c Chain<'c, 'de>,
    track: &'c Track,
}

impl<'c, 'de> de::EnumAccess<'de> for EnumAccess<'c, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let name: de::value::StrDeserializer<'_, Error> = self.variant.into_deserializer();
        match seed.deserialize(name) {
            Ok(v) => Ok((v, self)),
            Err(e) => Err(self.track.failed(self.chain, e)),
        }
    }
}

impl<'c, 'de> EnumAccess<'c, 'de> {
    fn here(&self) -> Chain<'c, 'de> {
        Chain::Variant {
            parent: self.chain,
            variant: self.variant,
        }
    }

    /// serde_json's error for a variant whose value has the wrong shape
    /// (`what`: "tuple variant"), or none where one is needed.
    #[cold]
    fn wrong_shape(&self, what: &'static str) -> Error {
        match self.value {
            Some(other) => Error::invalid_type(unexpected(other), &what),
            None => Error::invalid_type(Unexpected::UnitVariant, &what),
        }
    }
}

impl<'de> de::VariantAccess<'de> for EnumAccess<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        let chain = self.here();
        let r = match self.value {
            Some(value) => de::Deserialize::deserialize(De {
                value,
                chain: &chain,
                track: self.track,
            }),
            None => Ok(()),
        };
        at!(self.track, &chain, r)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        let chain = self.here();
        let r = match self.value {
            Some(value) => seed.deserialize(De {
                value,
                chain: &chain,
                track: self.track,
            }),
            None => Err(self.wrong_shape("newtype variant")),
        };
        at!(self.track, &chain, r)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        let chain = self.here();
        let r = match self.value {
            Some(Value::Array(items)) if items.is_empty() => visitor.visit_unit(),
            Some(value @ Value::Array(items)) => {
                let de = De {
                    value,
                    chain: &chain,
                    track: self.track,
                };
                de.seq(items, visitor)
            }
            _ => Err(self.wrong_shape("tuple variant")),
        };
        at!(self.track, &chain, r)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let chain = self.here();
        let r = match self.value {
            Some(value @ Value::Object(entries)) => {
                let de = De {
                    value,
                    chain: &chain,
                    track: self.track,
                };
                de.map(entries, visitor)
            }
            _ => Err(self.wrong_shape("struct variant")),
        };
        at!(self.track, &chain, r)
    }
}

mod key;

#[cfg(test)]
mod tests;
