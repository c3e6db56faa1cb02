//! The one YAML reader for untrusted text, with budgets. Every command
//! that reads YAML it did not write (`analyze`, `diff`, `deploy`, the
//! assembly loader) reads it here:
//!
//! - a leading byte-order mark is dropped (editors on Windows write one);
//! - nesting is bounded by a linear pre-scan before libyaml sees the text
//!   ([`check_nesting`], which counts libyaml's line breaks); the block
//!   reader below bounds its own nesting instead, so a document it reads
//!   is not scanned twice;
//! - what the parser *materializes* is counted while it is built: every
//!   node and every byte of scalar text, aliases included. One anchor
//!   aliased many times (a "billion laughs") hits the budget in time and
//!   memory proportional to the budget, never to the expansion;
//! - `<<` merge keys are applied, as the Kubernetes API server's YAML
//!   reader applies them, so what is analyzed is what would be applied;
//! - `analyze`'s documents in plain block style are read by a line reader
//!   (`block.rs`) that counts as libyaml's read counts and leaves anything
//!   it does not fully understand to libyaml, errors included.
//!
//! The budget is per input (a file, or stdin): [`YamlReader::for_input`]
//! scales it with the input's size, so a file without aliases always fits
//! and aliases may expand a text only to a bounded multiple of itself.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};

use super::depth::{check_nesting, TooDeep, MAX_NESTING};

mod block;
mod json;
mod yaml11;
#[cfg(fuzzing)]
pub use json::fuzz_differential;
pub(crate) use json::{Parsed, Yaml11};
pub(crate) use yaml11::yaml11_shape;

/// Nodes every input may materialize beyond one per byte of its text.
pub const BASE_NODES: usize = 250_000;
/// Nodes no input may pass, whatever its size (about 800 MB of values).
pub const MAX_NODES: usize = 8_000_000;
/// Scalar bytes every input may materialize beyond four per byte of its text.
pub const BASE_SCALAR_BYTES: usize = 1 << 20;
/// Scalar bytes no input may pass, whatever its size.
pub const MAX_SCALAR_BYTES: usize = 256 << 20;

/// Why YAML was not read.
#[derive(Debug)]
pub enum YamlError {
    /// Nested deeper than [`MAX_NESTING`] (refused before parsing).
    TooDeep(TooDeep),
    /// The text expands to more than its budget (aliases, or a huge flow collection).
    OverBudget {
        /// What ran out: `nodes` or `bytes of scalar text`.
        what: &'static str,
        /// The budget.
        limit: usize,
    },
    /// The parser's error (with its location).
    Syntax(serde_yaml::Error),
    /// A construct this reader cannot read the way the API server would.
    Ambiguous(&'static str),
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlError::TooDeep(e) => write!(f, "{e}"),
            YamlError::OverBudget { what, limit } => write!(
                f,
                "expands to more than {limit} {what} (YAML aliases repeat one anchor many times, or the input is too large); meshsynth refuses it"
            ),
            YamlError::Syntax(e) => write!(f, "{e}"),
            YamlError::Ambiguous(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for YamlError {}

/// Reads YAML documents of one input within that input's budget.
#[derive(Debug)]
pub struct YamlReader {
    nodes_left: Cell<usize>,
    bytes_left: Cell<usize>,
    max_nodes: usize,
    max_bytes: usize,
    /// Set when a budget ran out (the parser's error then carries our message).
    exceeded: Cell<Option<&'static str>>,
    /// Set when a read straight to JSON met what JSON cannot hold as written.
    not_json: Cell<bool>,
}

impl YamlReader {
    /// A reader for an input of `len` bytes.
    pub fn for_input(len: usize) -> YamlReader {
        let nodes = BASE_NODES.saturating_add(len).min(MAX_NODES);
        let bytes = BASE_SCALAR_BYTES
            .saturating_add(len.saturating_mul(4))
            .min(MAX_SCALAR_BYTES);
        YamlReader::with_budget(nodes, bytes)
    }

    /// A reader with explicit budgets (nodes, bytes of scalar text).
    pub fn with_budget(nodes: usize, bytes: usize) -> YamlReader {
        YamlReader {
            nodes_left: Cell::new(nodes),
            bytes_left: Cell::new(bytes),
            max_nodes: nodes,
            max_bytes: bytes,
            exceeded: Cell::new(None),
            not_json: Cell::new(false),
        }
    }

    /// Every document of the stream `text` (empty documents are `Null`).
    pub fn documents(&self, text: &str) -> Result<Vec<Value>, YamlError> {
        let text = strip_bom(text);
        check_nesting(text, MAX_NESTING).map_err(YamlError::TooDeep)?;
        let mut out = Vec::new();
        for doc in serde_yaml::Deserializer::from_str(text) {
            out.push(self.finish(Counted(self).deserialize(doc), text)?);
        }
        Ok(out)
    }

    /// One document: `text` must hold exactly one (or none: `Null`).
    pub fn document(&self, text: &str) -> Result<Value, YamlError> {
        let text = strip_bom(text);
        check_nesting(text, MAX_NESTING).map_err(YamlError::TooDeep)?;
        let de = serde_yaml::Deserializer::from_str(text);
        self.finish(Counted(self).deserialize(de), text)
    }

    fn finish(&self, r: Result<Value, serde_yaml::Error>, text: &str) -> Result<Value, YamlError> {
        match r {
            Ok(mut v) => {
                match merge_keys(text) {
                    MergeKeys::None => {}
                    MergeKeys::Plain => v.apply_merge().map_err(YamlError::Syntax)?,
                    MergeKeys::Both => {
                        return Err(YamlError::Ambiguous(
                            "the text has both `<<` merge keys and quoted '<<' keys, which this reader cannot tell apart; quote neither or rename the quoted key",
                        ))
                    }
                }
                Ok(v)
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    /// The parser's error, or the budget that ran out.
    fn failed(&self, e: serde_yaml::Error) -> YamlError {
        match self.exceeded.get() {
            Some("nodes") => YamlError::OverBudget {
                what: "nodes",
                limit: self.max_nodes,
            },
            Some(what) => YamlError::OverBudget {
                what,
                limit: self.max_bytes,
            },
            None => YamlError::Syntax(e),
        }
    }

    fn take_node<E: de::Error>(&self) -> Result<(), E> {
        let left = self.nodes_left.get();
        if left == 0 {
            self.exceeded.set(Some("nodes"));
            return Err(E::custom("YAML node budget exceeded"));
        }
        self.nodes_left.set(left - 1);
        Ok(())
    }

    fn take_bytes<E: de::Error>(&self, n: usize) -> Result<(), E> {
        let left = self.bytes_left.get();
        if n > left {
            self.exceeded.set(Some("bytes of scalar text"));
            return Err(E::custom("YAML scalar budget exceeded"));
        }
        self.bytes_left.set(left - n);
        Ok(())
    }
}

/// Which `<<` keys a text holds: only a plain `<<` is a merge key (as in
/// the API server's reader); a quoted `'<<'` is an ordinary key, and the
/// emitter quotes it so a property of that name reads back as written.
#[derive(Debug, PartialEq, Eq)]
enum MergeKeys {
    None,
    Plain,
    Both,
}

fn merge_keys(text: &str) -> MergeKeys {
    let (mut plain, mut quoted) = (false, false);
    let b = text.as_bytes();
    let mut from = 0;
    // `memmem`, not `str::find`: this runs over every document read.
    while let Some(i) = memchr::memmem::find(&b[from..], b"<<").map(|i| i + from) {
        from = i + 2;
        let before = if i == 0 { b'\n' } else { b[i - 1] };
        let after = b[i + 2..].iter().find(|c| **c != b' ' && **c != b'\t');
        match (before, after) {
            (b'\'' | b'"', _) => quoted = true,
            (b'\n' | b'\r' | b' ' | b'\t' | b'{' | b',', Some(b':')) => plain = true,
            _ => {}
        }
    }
    match (plain, quoted) {
        (false, _) => MergeKeys::None,
        (true, false) => MergeKeys::Plain,
        (true, true) => MergeKeys::Both,
    }
}

/// `text` without a leading byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A value, counted against the reader's budget as it is built.
#[derive(Clone, Copy)]
struct Counted<'r>(&'r YamlReader);

impl<'de> DeserializeSeed<'de> for Counted<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counted<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.0.take_node()?;
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        self.0.take_node()?;
        Ok(Value::Number(i.into()))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        self.0.take_node()?;
        Ok(Value::Number(u.into()))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        self.0.take_node()?;
        Ok(Value::Number(f.into()))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.0.take_node()?;
        self.0.take_bytes(s.len())?;
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        self.0.take_node()?;
        self.0.take_bytes(s.len())?;
        Ok(Value::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.0.take_node()?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.0.take_node()?;
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.0.take_node()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Sequence(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.0.take_node()?;
        let mut out = Mapping::new();
        while let Some(k) = map.next_key_seed(self)? {
            if out.contains_key(&k) {
                let shown = match &k {
                    Value::String(s) => super::inert(s).into_owned(),
                    _ => "a repeated key".into(),
                };
                return Err(de::Error::custom(format_args!(
                    "duplicate entry with key {shown:?}"
                )));
            }
            let v = map.next_value_seed(self)?;
            out.insert(k, v);
        }
        Ok(Value::Mapping(out))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        self.0.take_node()?;
        let (tag, contents) = data.variant_seed(TagSeed)?;
        let value = de::VariantAccess::newtype_variant_seed(contents, self)?;
        Ok(Value::Tagged(Box::new(TaggedValue { tag, value })))
    }
}

/// A tag's name (`!Ref` in `!Ref Vpc`).
struct TagSeed;

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = Tag;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tag, D::Error> {
        d.deserialize_string(self)
    }
}

impl Visitor<'_> for TagSeed {
    type Value = Tag;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML tag")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Tag, E> {
        if s.is_empty() {
            return Err(E::custom("empty YAML tag is not allowed"));
        }
        Ok(Tag::new(s))
    }
}

/// YAML → JSON. CloudFormation short-form tags become their long form
/// (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
/// `!Sub s` → `{"Fn::Sub": s}`); scalar mapping keys become strings, as
/// `sigs.k8s.io/yaml` does.
pub fn to_json(v: Value) -> Result<Json, String> {
    use Value as Y;
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
        Y::Sequence(seq) => Json::Array(seq.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Y::Mapping(m) => {
            let mut out = serde_json::Map::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_string(),
                    _ => return Err("not valid YAML: a mapping key must be a scalar".into()),
                };
                out.insert(key, to_json(v)?);
            }
            Json::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let value = match to_json(t.value)? {
                // `!GetAZs` alone is `!GetAZs ""`: the stack's region.
                Json::Null if name == "GetAZs" => Json::String(String::new()),
                v => v,
            };
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
            let mut m = serde_json::Map::new();
            m.insert(key, value);
            Json::Object(m)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block reader bounds its own nesting: a block document of 100
    /// nested collections is read without the pre-scan, one of 101 goes to
    /// libyaml's path, whose pre-scan refuses it at the line past the bound.
    #[test]
    fn the_block_reader_bounds_its_nesting_as_the_pre_scan_does() {
        let nested = |levels: usize| {
            let mut text = String::new();
            for i in 0..levels - 1 {
                text.push_str(&format!("{}k:\n", " ".repeat(i)));
            }
            text.push_str(&format!("{}- [x]\n", " ".repeat(levels - 1)));
            text
        };
        // 98 mappings, a sequence and a flow sequence.
        let r = YamlReader::for_input(0);
        let Ok(Parsed::Json(v, json::Yaml11::Same)) = r.document_json(&nested(99)) else {
            panic!("100 levels were not read by the block reader");
        };
        assert_eq!(block::depth(&v), 100);
        let e = YamlReader::for_input(0)
            .document_json(&nested(100))
            .unwrap_err();
        assert!(
            matches!(&e, YamlError::TooDeep(TooDeep { limit: 100, .. })),
            "{e}"
        );
        // The same bound inside one line's flow collections.
        let flow = format!("a: {}x{}\n", "[".repeat(99), "]".repeat(99));
        assert!(matches!(
            YamlReader::for_input(0).document_json(&flow),
            Ok(Parsed::Json(_, _))
        ));
        let flow = format!("a: {}x{}\n", "[".repeat(100), "]".repeat(100));
        assert!(matches!(
            YamlReader::for_input(0).document_json(&flow),
            Err(YamlError::TooDeep(_))
        ));
    }

    #[test]
    fn an_alias_bomb_is_refused_within_its_budget() {
        // 15 KB: 3,000 aliases of a 2,500-item anchor expand to 7.5 million
        // strings, under serde_yaml's own repetition limit.
        let bomb = format!(
            "a: &a [{}]\nb: [{}]\n",
            vec!["x"; 2_500].join(","),
            vec!["*a"; 3_000].join(",")
        );
        assert!(bomb.len() < 16_000);
        let started = std::time::Instant::now();
        let e = YamlReader::for_input(bomb.len())
            .documents(&bomb)
            .unwrap_err();
        assert!(
            matches!(e, YamlError::OverBudget { what: "nodes", .. }),
            "{e}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // A long string aliased many times runs out of scalar bytes instead.
        let long = format!(
            "s: &s {}\nl: [{}]\n",
            "x".repeat(10_000),
            vec!["*s"; 2_000].join(",")
        );
        let e = YamlReader::for_input(long.len())
            .document(&long)
            .unwrap_err();
        assert!(
            matches!(
                e,
                YamlError::OverBudget {
                    what: "bytes of scalar text",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn the_budget_is_shared_by_the_documents_of_an_input() {
        let doc = "a: &a [1, 2, 3]\nb: [*a, *a]\n";
        let r = YamlReader::with_budget(20, 1000);
        assert!(r.document(doc).is_ok());
        assert!(r.document(doc).is_err());
    }

    #[test]
    fn merge_keys_are_applied_and_a_bom_is_dropped() {
        let v = YamlReader::for_input(100)
            .document("\u{feff}base: &b {a: 1, b: 2}\nthis:\n  <<: *b\n  b: 3\n")
            .unwrap();
        assert_eq!(v["this"]["a"], Value::from(1));
        assert_eq!(v["this"]["b"], Value::from(3));
        assert!(v["this"].get("<<").is_none());
        // A quoted '<<' is a key like any other.
        let v = YamlReader::for_input(100).document("'<<': 1\n").unwrap();
        assert_eq!(v["<<"], Value::from(1));
        assert_eq!(merge_keys("a: 'x << y'\n"), MergeKeys::None);
        assert_eq!(merge_keys("- <<: *a\n"), MergeKeys::Plain);
        assert_eq!(merge_keys("{<<: *a, '<<': 1}"), MergeKeys::Both);
    }

    #[test]
    fn tags_duplicate_keys_and_syntax_errors() {
        let r = YamlReader::for_input(100);
        let v = r.document("x: !Ref Vpc\n").unwrap();
        let Value::Tagged(t) = &v["x"] else {
            panic!("{v:?}")
        };
        assert_eq!(t.tag, Tag::new("Ref"));
        let e = r.document("a: 1\na: 2\n").unwrap_err().to_string();
        assert!(e.contains("duplicate entry with key \"a\""), "{e}");
        assert!(matches!(
            r.document("a: [").unwrap_err(),
            YamlError::Syntax(_)
        ));
        let docs = r.documents("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
    }

    /// The read straight to JSON gives what the YAML read gives once
    /// converted, errs alike, spends the budget alike, and hands back a YAML
    /// tree (its budget returned) for what JSON cannot hold as written.
    #[test]
    fn documents_read_straight_to_json_match_the_yaml_read() {
        let plain = [
            "a: 1\nb: -2\nc: 1.5\nd: .inf\ne: .nan\nf: ~\ng: true\nh: 'x'\n",
            "spec:\n  ports:\n  - {port: 80, name: http}\n  labels: {app: web}\n",
            "a: &x [1, 2]\nb: *x\nbig: 18446744073709551615\nhuge: 1e400\n",
            "k: |\n  line\n  two\n'1': quoted key\n",
            "",
            "- 1\n- two\n",
        ];
        for text in plain {
            let (json_reader, yaml_reader) = (YamlReader::for_input(0), YamlReader::for_input(0));
            let Parsed::Json(got, _) = json_reader.document_json(text).unwrap() else {
                panic!("{text:?} was read as YAML");
            };
            let want = serde_json::to_value(yaml_reader.document(text).unwrap()).unwrap();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(json_reader.nodes_left.get(), yaml_reader.nodes_left.get());
            assert_eq!(json_reader.bytes_left.get(), yaml_reader.bytes_left.get());
        }
        for text in [
            "x: !Ref Vpc\n",
            "80: http\n",
            "true: 1\n",
            "~: 1\n",
            "? [a]\n: 1\n",
            "base: &b {a: 1}\nthis:\n  <<: *b\n",
        ] {
            let (json_reader, yaml_reader) = (YamlReader::for_input(0), YamlReader::for_input(0));
            let Parsed::Yaml(got) = json_reader.document_json(text).unwrap() else {
                panic!("{text:?} was read as JSON");
            };
            assert_eq!(got, yaml_reader.document(text).unwrap(), "{text:?}");
            assert_eq!(json_reader.nodes_left.get(), yaml_reader.nodes_left.get());
            assert_eq!(json_reader.bytes_left.get(), yaml_reader.bytes_left.get());
            assert!(!json_reader.not_json.get());
        }
        let r = YamlReader::for_input(100);
        let e = r.document_json("a: 1\na: 2\n").unwrap_err().to_string();
        assert!(e.contains("duplicate entry with key \"a\""), "{e}");
        assert!(matches!(
            r.document_json("a: [").unwrap_err(),
            YamlError::Syntax(_)
        ));
        let bomb = format!(
            "a: &a [{}]\nb: [{}]\n",
            vec!["x"; 2_500].join(","),
            vec!["*a"; 3_000].join(",")
        );
        let e = YamlReader::for_input(bomb.len())
            .document_json(&bomb)
            .unwrap_err();
        assert!(
            matches!(e, YamlError::OverBudget { what: "nodes", .. }),
            "{e}"
        );
        // A tag past the point where the budget runs out: the budget's error.
        let r = YamlReader::with_budget(3, 1000);
        let e = r.document_json("a: [1, 2, 3]\nb: !Ref x\n").unwrap_err();
        assert!(matches!(e, YamlError::OverBudget { .. }), "{e}");
    }

    /// Fragments that reach every branch of the two reads: scalars of
    /// each type, anchors and aliases, tags, keys that are not strings,
    /// merge keys, duplicates, bad syntax, a second document.
    const FRAGMENTS: &[&str] = &[
        "a: 1\n",
        "a: x\n",
        "b: [1, 2]\n",
        "c: {d: e}\n",
        "- x\n",
        "- - y\n",
        "  ",
        "k: &x v\n",
        "l: *x\n",
        "r: &y [1, *x]\n",
        "s: [*y, *y]\n",
        "m: !t 1\n",
        "1: n\n",
        "true: t\n",
        "~: z\n",
        "<<: {q: 1}\n",
        "'<<': 2\n",
        "? [k]\n: v\n",
        "f: .nan\n",
        "g: -.inf\n",
        "h: 1e400\n",
        "i: 99999999999999999999\n",
        "j: -9223372036854775808\n",
        "n: null\n",
        "o: 'q''t'\n",
        "p: \"\\u00e9\"\n",
        "t: |\n  z\n",
        "---\n",
        "x: 'open\n",
        "u: [\n",
        "#c\n",
        "v: 0400\n",
        "w: !!str 12\n",
        "y: !!binary aGk=\n",
        "z: {1: a}\n",
    ];

    proptest::proptest! {
        /// Whatever the text and the budget, the read straight to JSON
        /// gives what the YAML read gives (converted), or the same error,
        /// and leaves the same budget.
        #[test]
        fn the_json_read_never_differs_from_the_yaml_read(
            picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..12),
            nodes in 1usize..80,
        ) {
            let text: String = picks.iter().map(|i| FRAGMENTS[*i]).collect();
            let (json_reader, yaml_reader) =
                (YamlReader::with_budget(nodes, 200), YamlReader::with_budget(nodes, 200));
            let got = json_reader.document_json(&text);
            let want = yaml_reader.document(&text);
            match (got, want) {
                (Ok(Parsed::Json(j, _)), Ok(v)) => {
                    proptest::prop_assert_eq!(Some(j), serde_json::to_value(v).ok(), "{:?}", text);
                }
                (Ok(Parsed::Yaml(y)), Ok(v)) => proptest::prop_assert_eq!(y, v, "{:?}", text),
                (Err(a), Err(b)) => {
                    proptest::prop_assert_eq!(a.to_string(), b.to_string(), "{:?}", text)
                }
                (a, b) => proptest::prop_assert!(false, "{:?}: {:?} against {:?}", text, a, b),
            }
            proptest::prop_assert_eq!(json_reader.nodes_left.get(), yaml_reader.nodes_left.get());
            proptest::prop_assert_eq!(json_reader.bytes_left.get(), yaml_reader.bytes_left.get());
        }
    }
}
