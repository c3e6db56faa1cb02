//! Map keys, read as serde_json's value deserializer reads them: a string,
//! or a number or bool written in one.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, Error as _, IntoDeserializer, Unexpected, Visitor};
use serde_json::Number;

use super::Error;

/// A map key, read as serde_json reads one: a string, or a number or a
/// bool written in one.
pub(super) struct KeyDe<'k, 'de> {
    pub(super) key: &'de str,
    /// Set when the key does not read as the number or bool asked for:
    /// the path then names no key, as before (`?`).
    pub(super) unread: &'k Cell<bool>,
}

impl<'de> KeyDe<'_, 'de> {
    /// A number key must be all of the key: serde_json's rule.
    fn numeric(&self) -> Result<serde_json::Deserializer<serde_json::de::StrRead<'de>>, Error> {
        let starts_number = |b: Option<u8>| b.is_some_and(|b| b == b'-' || b.is_ascii_digit());
        let whole = starts_number(self.key.bytes().next())
            && !self.key.ends_with(|c: char| c.is_ascii_whitespace())
            && serde_json::from_str::<Number>(self.key).is_ok();
        if whole {
            Ok(serde_json::Deserializer::from_str(self.key))
        } else {
            self.unread.set(true);
            Err(Error::custom(
                "invalid value: expected key to be a number in quotes",
            ))
        }
    }
}

macro_rules! numeric_keys {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let visited = Cell::new(false);
            let marked = Marked { visitor, visited: &visited };
            let r = de::Deserializer::$method(&mut self.numeric()?, marked);
            if r.is_err() && !visited.get() {
                self.unread.set(true);
            }
            r
        }
    )*};
}

/// A number key's visitor, noting whether an integer reached it: a key
/// refused before (a float where an integer is wanted) names no key in
/// the path.
struct Marked<'k, V> {
    visitor: V,
    visited: &'k Cell<bool>,
}

macro_rules! marked_integers {
    ($($method:ident $t:ty)*) => {$(
        fn $method<E: de::Error>(self, v: $t) -> Result<V::Value, E> {
            self.visited.set(true);
            self.visitor.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Marked<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    marked_integers! {
        visit_u64 u64 visit_i64 i64 visit_u128 u128 visit_i128 i128
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.visitor.visit_f64(v)
    }
}

impl<'de> de::Deserializer<'de> for KeyDe<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.key)
    }

    numeric_keys! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.key {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            key => {
                self.unread.set(true);
                Err(Error::invalid_type(Unexpected::Str(key), &visitor))
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let key: de::value::CowStrDeserializer<'_, Error> =
            std::borrow::Cow::Borrowed(self.key).into_deserializer();
        de::Deserializer::deserialize_enum(key, name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct
        map struct identifier ignored_any
    }
}
