//! A CRD version's structural schema, read into typed nodes on demand: the
//! checks look up a dozen keywords at every field they visit, and typed
//! fields cost nothing to look up where a JSON map hashes each key.
//! `scripts/codegen` writes the schemas as a table of nodes (one per line of
//! `generated/schemas.json`, identical nodes once), where a property's,
//! `items` and `additionalProperties` schema is the index of its node. A
//! node is parsed the first time a check reaches it, once per process, and
//! parsing one reads its own line only: checking an object costs what the
//! object touches, not the kind's whole schema (most of a Rollout's schema
//! is a pod template the constructs fill a few fields of).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value as Json;

/// One schema node: only the keywords the checks read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'static"))]
pub(super) struct Node {
    #[serde(rename = "type")]
    pub ty: Option<String>,
    pub properties: Option<BTreeMap<String, Lazy>>,
    pub items: Option<Lazy>,
    pub additional_properties: Option<Additional>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Json>>,
    pub pattern: Option<String>,
    pub format: Option<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    #[serde(default)]
    pub exclusive_minimum: bool,
    #[serde(default)]
    pub exclusive_maximum: bool,
    pub multiple_of: Option<f64>,
    pub min_length: Option<f64>,
    pub max_length: Option<f64>,
    pub min_items: Option<f64>,
    pub max_items: Option<f64>,
    pub min_properties: Option<f64>,
    pub max_properties: Option<f64>,
    #[serde(default)]
    pub all_of: Vec<Node>,
    #[serde(default)]
    pub any_of: Vec<Node>,
    #[serde(default)]
    pub one_of: Vec<Node>,
    pub not: Option<Box<Node>>,
    #[serde(default)]
    pub nullable: bool,
    pub default: Option<Json>,
    #[serde(rename = "x-kubernetes-int-or-string", default)]
    pub int_or_string: bool,
    #[serde(rename = "x-kubernetes-preserve-unknown-fields", default)]
    pub preserve_unknown_fields: bool,
    #[serde(rename = "x-kubernetes-embedded-resource", default)]
    pub embedded_resource: bool,
    #[serde(rename = "x-kubernetes-validations", default)]
    pub rules: Vec<Rule>,
    #[serde(rename = "x-kubernetes-list-type")]
    pub list_type: Option<String>,
    #[serde(rename = "x-kubernetes-list-map-keys", default)]
    pub list_map_keys: Vec<String>,
    /// [`Node::defaults`], worked out on first use.
    #[serde(skip)]
    defaults: OnceLock<Box<[(String, Json)]>>,
}

impl Node {
    /// Reads a node from the generated schema text; its sub-schemas are
    /// read when used. The generator wrote the text from parsed JSON, so a
    /// failure is a corrupted checkout, and an empty schema then checks
    /// nothing.
    pub fn parse(text: &'static str) -> Node {
        serde_json::from_str(text).unwrap_or_default()
    }
}

/// Node `index` of the generated table, parsed on first use.
pub(super) fn node(index: u32) -> &'static Node {
    // Boxed: a `Node` is hundreds of bytes, and a check reaches few of the
    // table's nodes.
    static PARSED: OnceLock<Box<[OnceLock<Box<Node>>]>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| (0..super::TABLE.len()).map(|_| OnceLock::new()).collect());
    match parsed.get(index as usize) {
        Some(slot) => slot.get_or_init(|| Box::new(Node::parse(super::TABLE.text(index)))),
        // Only a corrupted checkout refers past the table.
        None => {
            static EMPTY: OnceLock<Node> = OnceLock::new();
            EMPTY.get_or_init(Node::default)
        }
    }
}

/// A sub-schema: a node of the table, or (a boolean schema) its text.
pub(super) enum Lazy {
    /// The index of its node.
    Node(u32),
    /// Anything but an index, as written, parsed when first read.
    Text(&'static RawValue, OnceLock<Box<Node>>),
}

impl Lazy {
    fn of(text: &'static RawValue) -> Lazy {
        match text.get().parse() {
            Ok(index) => Lazy::Node(index),
            Err(_) => Lazy::Text(text, OnceLock::new()),
        }
    }

    pub fn get(&self) -> &Node {
        match self {
            Lazy::Node(index) => node(*index),
            Lazy::Text(text, parsed) => parsed.get_or_init(|| Box::new(Node::parse(text.get()))),
        }
    }
}

impl std::ops::Deref for Lazy {
    type Target = Node;
    fn deref(&self) -> &Node {
        self.get()
    }
}

impl fmt::Debug for Lazy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lazy::Node(index) => write!(f, "<node {index}>"),
            Lazy::Text(text, _) => f.write_str(text.get()),
        }
    }
}

impl<'de: 'static> Deserialize<'de> for Lazy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lazy::of(<&'de RawValue>::deserialize(d)?))
    }
}

/// `additionalProperties`: a boolean or the schema of every value.
#[derive(Debug)]
pub(super) enum Additional {
    Allowed(bool),
    Schema(Lazy),
}

impl<'de: 'static> Deserialize<'de> for Additional {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <&'de RawValue>::deserialize(d)?;
        Ok(match text.get().trim() {
            "true" => Additional::Allowed(true),
            "false" => Additional::Allowed(false),
            _ => Additional::Schema(Lazy::of(text)),
        })
    }
}

/// One `x-kubernetes-validations` rule.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Rule {
    pub rule: String,
    pub message: Option<String>,
    pub field_path: Option<String>,
    /// The rule's comprehension macros, counted on first use: a rule is
    /// costed on every object it applies to, and counting them each time
    /// (six substring searches) was 4 % of `analyze`'s instructions.
    #[serde(skip)]
    macros: std::sync::OnceLock<u32>,
}

impl Rule {
    /// How many comprehension macros (`.all(`, `.exists(`, …) the rule holds.
    pub fn macros(&self) -> u32 {
        *self
            .macros
            .get_or_init(|| super::check::comprehension_macros(&self.rule))
    }
}

impl Node {
    /// The properties that have a `default`, with it. Pruning asks at every
    /// map it visits; reading each property's node there each time was a
    /// fifth of a synthesis's CRD check.
    pub fn defaults(&self) -> &[(String, Json)] {
        self.defaults.get_or_init(|| {
            self.properties
                .iter()
                .flatten()
                .filter_map(|(k, sub)| sub.get().default.clone().map(|d| (k.clone(), d)))
                .collect()
        })
    }

    /// The schema of a property and `true`, or of any other key
    /// (`additionalProperties`) and `false`: one lookup for both, since a
    /// path names a declared field `.key` and another key `[key]`.
    pub fn property(&self, key: &str) -> Option<(&Node, bool)> {
        match self.properties.as_ref().and_then(|p| p.get(key)) {
            Some(declared) => Some((declared.get(), true)),
            None => self.additional_schema().map(|s| (s, false)),
        }
    }

    pub fn additional_schema(&self) -> Option<&Node> {
        match &self.additional_properties {
            Some(Additional::Schema(s)) => Some(s.get()),
            _ => None,
        }
    }

    /// Whether keys the schema does not declare are kept.
    pub fn open(&self) -> bool {
        self.preserve_unknown_fields
            || matches!(self.additional_properties, Some(Additional::Allowed(true)))
    }

    /// `{required: [a, b]}` and nothing else.
    pub fn required_only(&self) -> Option<&[String]> {
        let bare = Node {
            required: Vec::new(),
            ..Node::default()
        };
        let only = self.ty == bare.ty
            && self.properties.is_none()
            && self.items.is_none()
            && self.additional_properties.is_none()
            && self.enum_values.is_none()
            && self.pattern.is_none()
            && self.all_of.is_empty()
            && self.any_of.is_empty()
            && self.one_of.is_empty()
            && self.not.is_none()
            && self.rules.is_empty()
            && !self.required.is_empty();
        only.then_some(self.required.as_slice())
    }
}

#[cfg(test)]
impl Node {
    /// Parses every sub-schema strictly (a lazy parse would hide a failure
    /// behind an empty schema), returning how many nodes there are.
    pub fn parse_all(text: &'static str) -> Result<usize, String> {
        let node: Node = serde_json::from_str(text).map_err(|e| e.to_string())?;
        node.count_strictly()
    }

    /// [`Self::parse_all`] of node `index` of the table.
    pub fn parse_all_at(index: u32) -> Result<usize, String> {
        if index as usize >= super::TABLE.len() {
            return Err(format!("node {index} is past the table"));
        }
        Node::parse_all(super::TABLE.text(index))
    }

    fn count_strictly(&self) -> Result<usize, String> {
        let mut count = 1;
        let lazies = self
            .properties
            .iter()
            .flat_map(|p| p.values())
            .chain(&self.items)
            .chain(match &self.additional_properties {
                Some(Additional::Schema(s)) => Some(s),
                _ => None,
            });
        for l in lazies {
            count += match l {
                Lazy::Node(index) => Node::parse_all_at(*index)?,
                Lazy::Text(text, _) => Node::parse_all(text.get())?,
            };
        }
        let eager = self
            .all_of
            .iter()
            .chain(&self.any_of)
            .chain(&self.one_of)
            .chain(self.not.as_deref());
        for n in eager {
            count += n.count_strictly()?;
        }
        Ok(count)
    }
}
