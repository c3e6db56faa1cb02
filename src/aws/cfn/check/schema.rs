//! A type's registry schema, read into typed nodes as the check reaches
//! them. `scripts/codegen` writes every type's schema into one table of
//! nodes (a property's, a definition's, `items` and other sub-schemas are
//! indices), so checking a resource parses its root and the nodes its
//! properties lead to, not the whole schema (most of a launch template's
//! or a database's schema is settings an app leaves unset), and a node's
//! keywords are fields, not keys hashed at every value checked.

use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::aws::cfn::TABLE;

/// One schema node: the keywords the check reads, as the check reads them
/// (a keyword of the wrong JSON type is as if absent).
#[derive(Default)]
pub(super) struct Node {
    /// A schema that is not a JSON object (`true`) checks nothing.
    pub object: bool,
    /// How many keywords the node has (a lone `$ref` or more).
    pub entries: usize,
    /// `$ref`, when a string.
    pub reference: Option<String>,
    /// `type`: its names, and whether it was one name.
    pub types: Option<(Vec<String>, bool)>,
    /// Whether `allOf`, `anyOf` or `oneOf` is there at all.
    pub composite: bool,
    pub any_of: Option<Vec<Node>>,
    pub one_of: Option<Vec<Node>>,
    pub all_of: Option<Vec<Node>>,
    pub allowed: Option<Vec<Json>>,
    pub enum_case_insensitive: bool,
    /// Sorted by name, as the generator writes them.
    pub properties: Option<Vec<(String, Lazy)>>,
    pub pattern_properties: Option<Vec<(String, Lazy)>>,
    pub definitions: Option<Vec<(String, Lazy)>>,
    /// `additionalProperties: false`.
    pub closed: bool,
    /// An `additionalProperties` schema.
    pub additional: Option<Lazy>,
    pub required: Option<Vec<String>>,
    pub items: Option<Lazy>,
    pub pattern: Option<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
}

/// A sub-schema: a node of the table, parsed on first use; or one written
/// in place (a boolean schema). Each edge keeps its own parsed node, not a
/// slot per node of the table as the CRD reader does: the table has 49,702
/// nodes, a check reaches a few hundred, and a type's nodes are not shared
/// with other types, so a node is reached from one edge in practice; and
/// the nodes go with their root when the check releases its schemas.
pub(super) enum Lazy {
    At(u32, OnceLock<Box<Node>>),
    Here(Box<Node>),
}

impl Lazy {
    fn of(v: Json) -> Lazy {
        match v.as_u64().and_then(|i| u32::try_from(i).ok()) {
            Some(index) => Lazy::At(index, OnceLock::new()),
            None => Lazy::Here(Box::new(Node::of(v))),
        }
    }

    pub fn get(&self) -> &Node {
        match self {
            Lazy::At(index, parsed) => parsed.get_or_init(|| Box::new(Node::at(*index))),
            Lazy::Here(node) => node,
        }
    }
}

/// Entry `key` of a list sorted by name.
pub(super) fn find<'a>(list: &'a [(String, Lazy)], key: &str) -> Option<&'a Node> {
    list.binary_search_by(|(k, _)| k.as_str().cmp(key))
        .ok()
        .map(|i| list[i].1.get())
}

impl Node {
    /// Node `index` of the table. The generator wrote it from parsed JSON;
    /// a failure is a corrupted checkout, and an empty schema checks nothing.
    pub fn at(index: u32) -> Node {
        Node::of(serde_json::from_str(TABLE.text(index)).unwrap_or(Json::Null))
    }

    fn of(v: Json) -> Node {
        let Json::Object(m) = v else {
            return Node::default();
        };
        let mut n = Node {
            object: true,
            entries: m.len(),
            ..Node::default()
        };
        let count = |v: &Json| v.as_u64();
        for (key, v) in m {
            match key.as_str() {
                "$ref" => n.reference = v.as_str().map(str::to_string),
                "type" => {
                    n.types = match v {
                        Json::String(t) => Some((vec![t], true)),
                        Json::Array(a) => Some((strings(a), false)),
                        _ => None,
                    }
                }
                "anyOf" => n.any_of = nodes(v, &mut n.composite),
                "oneOf" => n.one_of = nodes(v, &mut n.composite),
                "allOf" => n.all_of = nodes(v, &mut n.composite),
                "enum" => n.allowed = v.as_array().cloned(),
                "enumCaseInsensitive" => n.enum_case_insensitive = v == Json::Bool(true),
                "properties" => n.properties = named(v),
                "patternProperties" => n.pattern_properties = named(v),
                "definitions" => n.definitions = named(v),
                "additionalProperties" => match v {
                    Json::Bool(b) => n.closed = !b,
                    v if v.is_number() => n.additional = Some(Lazy::of(v)),
                    _ => {}
                },
                "required" => n.required = v.as_array().map(|a| strings(a.clone())),
                "items" => n.items = Some(Lazy::of(v)),
                "pattern" => n.pattern = v.as_str().map(str::to_string),
                "minimum" => n.minimum = v.as_f64(),
                "maximum" => n.maximum = v.as_f64(),
                "minLength" => n.min_length = count(&v),
                "maxLength" => n.max_length = count(&v),
                "minItems" => n.min_items = count(&v),
                "maxItems" => n.max_items = count(&v),
                "minProperties" => n.min_properties = count(&v),
                "maxProperties" => n.max_properties = count(&v),
                _ => {}
            }
        }
        n
    }

    /// The target of a local `$ref` (`#/definitions/X`, `#/properties/X`)
    /// in the type whose root this is.
    pub fn pointed(&self, reference: &str) -> Option<&Node> {
        let rest = reference.strip_prefix("#/")?;
        let (map, name) = rest.split_once('/')?;
        let list = match map {
            "definitions" => self.definitions.as_deref()?,
            "properties" => self.properties.as_deref()?,
            _ => return None,
        };
        find(list, name)
    }
}

fn strings(a: Vec<Json>) -> Vec<String> {
    a.into_iter()
        .filter_map(|x| match x {
            Json::String(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// A combinator's branches, read now (they are read with their node);
/// `present` is set whatever the value.
fn nodes(v: Json, present: &mut bool) -> Option<Vec<Node>> {
    *present = true;
    match v {
        Json::Array(a) => Some(a.into_iter().map(Node::of).collect()),
        _ => None,
    }
}

/// A map of names to sub-schemas, sorted by name.
fn named(v: Json) -> Option<Vec<(String, Lazy)>> {
    let Json::Object(m) = v else {
        return None;
    };
    let mut list: Vec<(String, Lazy)> = m.into_iter().map(|(k, v)| (k, Lazy::of(v))).collect();
    // The generator writes keys sorted; sorting again costs nothing then.
    list.sort_by(|a, b| a.0.cmp(&b.0));
    Some(list)
}
