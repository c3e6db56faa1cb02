//! Context values (`-c key=value`): typed knobs a stack reads while it builds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::core::error::Error;

/// The context handed to an app: string values parsed on demand into types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, String>,
    /// Keys the app asked for, so unused (likely misspelt) keys can be reported.
    read: ReadKeys,
}

/// The keys read so far. A mutex rather than a `RefCell` so the locked tree
/// (which holds its context) can be shared by synthesis threads; it is only
/// written while the app builds, on one thread.
#[derive(Debug, Default)]
struct ReadKeys(Mutex<BTreeSet<String>>);

impl ReadKeys {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeSet<String>) -> R) -> R {
        // A panic while holding it cannot leave the set half-updated.
        let mut set = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut set)
    }
}

impl Clone for ReadKeys {
    fn clone(&self) -> Self {
        ReadKeys(Mutex::new(self.with(|s| s.clone())))
    }
}

impl PartialEq for ReadKeys {
    fn eq(&self, other: &Self) -> bool {
        self.with(|a| other.with(|b| a == b))
    }
}

impl Eq for ReadKeys {}

/// A type a context value can be parsed into; `EXPECTED` names it in errors.
pub trait ContextValue: Sized {
    /// What a valid value looks like, for error messages (e.g. `an integer`).
    const EXPECTED: &'static str;
    /// Parses a raw `-c` value; `None` when it is not a valid value of this type.
    fn parse(raw: &str) -> Option<Self>;
}

macro_rules! ctx_int {
    ($($t:ty => $what:literal),*) => {$(
        impl ContextValue for $t {
            const EXPECTED: &'static str = $what;
            fn parse(raw: &str) -> Option<Self> { raw.trim().parse().ok() }
        }
    )*};
}
ctx_int!(u8 => "a whole number from 0 to 255", u16 => "a whole number from 0 to 65535",
    u32 => "a non-negative whole number", usize => "a non-negative whole number",
    i64 => "a whole number");

impl ContextValue for bool {
    const EXPECTED: &'static str = "true or false";
    fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

impl ContextValue for String {
    const EXPECTED: &'static str = "a non-empty string";
    fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty()).then(|| raw.to_string())
    }
}

impl ContextValue for Vec<String> {
    const EXPECTED: &'static str = "a comma-separated list of non-empty items";
    fn parse(raw: &str) -> Option<Self> {
        let items: Vec<String> = raw.split(',').map(|s| s.trim().to_string()).collect();
        (!items.iter().any(String::is_empty)).then_some(items)
    }
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `key=value` pairs as given on the command line.
    pub fn from_pairs<I, S>(pairs: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut ctx = Context::new();
        for pair in pairs {
            let pair = pair.as_ref();
            let Some((key, value)) = pair.split_once('=') else {
                return Err(Error::Context {
                    key: crate::untrusted::inert(pair).into_owned(),
                    message: "expected KEY=VALUE (e.g. -c services=6)".into(),
                });
            };
            let key = key.trim();
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
            {
                return Err(Error::Context {
                    key: crate::untrusted::inert(key).into_owned(),
                    message: "a context key uses letters, digits, '-', '_', '.' or ':'".into(),
                });
            }
            ctx.set(key, value);
        }
        Ok(ctx)
    }

    /// Sets `key` to `value` (as `-c key=value` does).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.values.insert(key.into(), value.into());
        self
    }

    /// The raw string, if given.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.read.with(|r| r.insert(key.to_string()));
        self.values.get(key).map(String::as_str)
    }

    /// The value parsed as `T`; `Ok(None)` when absent, an error when malformed.
    pub fn get<T: ContextValue>(&self, key: &str) -> Result<Option<T>, Error> {
        self.read.with(|r| r.insert(key.to_string()));
        match self.values.get(key) {
            None => Ok(None),
            Some(raw) => T::parse(raw).map(Some).ok_or_else(|| Error::Context {
                key: key.to_string(),
                message: format!("{raw:?} is not valid: expected {}", T::EXPECTED),
            }),
        }
    }

    /// The value parsed as `T` and held to `range`; `Ok(None)` when absent.
    /// For scale knobs (`-c services=N`): a value past the range is an
    /// error naming the key, not a synthesis that never ends.
    pub fn get_in<T>(
        &self,
        key: &str,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<Option<T>, Error>
    where
        T: ContextValue + PartialOrd + std::fmt::Display,
    {
        match self.get::<T>(key)? {
            Some(v) if !range.contains(&v) => Err(Error::Context {
                key: key.to_string(),
                message: format!(
                    "{v} is out of range: expected {} to {}",
                    range.start(),
                    range.end()
                ),
            }),
            v => Ok(v),
        }
    }

    /// The value parsed as `T`, or `default` when absent.
    pub fn get_or<T: ContextValue>(&self, key: &str, default: T) -> Result<T, Error> {
        Ok(self.get(key)?.unwrap_or(default))
    }

    /// Every key given, for reporting unused ones.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// The same values, none read yet: the context of one part of an app.
    pub(crate) fn fresh_copy(&self) -> Context {
        Context {
            values: self.values.clone(),
            read: ReadKeys::default(),
        }
    }

    /// Counts the keys `other` (a part's copy) read as read here too.
    pub(crate) fn absorb_reads(&self, other: &Context) {
        let read = other.read.with(|r| r.clone());
        self.read.with(|r| r.extend(read));
    }

    /// Keys given on the command line that the app never read.
    pub fn unused_keys(&self) -> Vec<String> {
        self.read.with(|read| {
            self.values
                .keys()
                .filter(|k| !read.contains(*k))
                .cloned()
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_typed_values() {
        let c = Context::from_pairs(["services=3", "regions=us-east-1,eu-west-1"]).unwrap();
        assert_eq!(c.get::<u32>("services").unwrap(), Some(3));
        assert_eq!(
            c.get::<Vec<String>>("regions").unwrap().unwrap(),
            vec!["us-east-1", "eu-west-1"]
        );
        assert_eq!(c.get::<u32>("missing").unwrap(), None);
    }

    #[test]
    fn reports_keys_never_read() {
        let c = Context::from_pairs(["services=3", "servics=4"]).unwrap();
        let _ = c.get::<u32>("services");
        assert_eq!(c.unused_keys(), vec!["servics".to_string()]);
    }

    #[test]
    fn malformed_values_are_errors() {
        assert!(Context::from_pairs(["services"]).is_err());
        let c = Context::from_pairs(["services=many"]).unwrap();
        let err = c.get::<u32>("services").unwrap_err().to_string();
        assert!(
            err.contains("services") && err.contains("whole number"),
            "{err}"
        );
    }
}
