//! Schemas written as a table of nodes, each once, for the library's
//! synth-time checks (CloudFormation types and CRDs alike): a sub-schema
//! the checks read lazily (a property's, a pattern property's, a
//! definition, `items`, an `additionalProperties` schema) is its node's
//! index in the table. The library parses the nodes a check reaches and
//! nothing else, and identical sub-schemas (every Istio version's, every
//! pod template's, the `Tag` of a thousand CloudFormation types) are
//! stored once. `allOf`, `anyOf`, `oneOf` and `not` stay in their node:
//! the checks read them with it.

use std::fmt::Write as _;

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;

use crate::SCHEMA_MAPS;

/// The nodes, in the order first written.
#[derive(Default)]
pub(crate) struct NodeTable {
    pub(crate) nodes: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}

impl NodeTable {
    /// The index of `schema` (an object), its sub-schemas first.
    pub(crate) fn flatten(&mut self, schema: &Json) -> Result<u32> {
        let lifted = self.lift(schema)?;
        let mut text = String::new();
        crate::write_canonical(&mut text, &lifted);
        let next = u32::try_from(self.nodes.len()).context("too many schema nodes")?;
        Ok(*self.index.entry(text).or_insert_with_key(|text| {
            self.nodes.push(text.clone());
            next
        }))
    }

    /// `schema` with its lazily read sub-schemas replaced by their indices;
    /// the combinators' own sub-schemas replaced in place.
    fn lift(&mut self, schema: &Json) -> Result<Json> {
        let Json::Object(m) = schema else {
            return Ok(schema.clone());
        };
        let mut out = serde_json::Map::new();
        for (k, v) in m {
            let v = match (k.as_str(), v) {
                (map, Json::Object(subs)) if SCHEMA_MAPS.contains(&map) => {
                    let mut lifted = serde_json::Map::new();
                    for (name, sub) in subs {
                        lifted.insert(name.clone(), self.reference(sub)?);
                    }
                    Json::Object(lifted)
                }
                ("items" | "additionalProperties", sub) => self.reference(sub)?,
                ("allOf" | "anyOf" | "oneOf", Json::Array(list)) => {
                    Json::Array(list.iter().map(|s| self.lift(s)).collect::<Result<_>>()?)
                }
                ("not", sub @ Json::Object(_)) => self.lift(sub)?,
                _ => v.clone(),
            };
            out.insert(k.clone(), v);
        }
        Ok(Json::Object(out))
    }

    /// Starts a new group: later schemas share no node with earlier ones,
    /// so each group's nodes are one run of lines. A check reads a type's
    /// nodes together, and a run keeps the pages it touches few (the
    /// kernel maps a file's pages around each one read).
    pub(crate) fn new_group(&mut self) {
        self.index.clear();
    }

    /// A lazily read sub-schema: its index when it is an object, else as
    /// written (a boolean). A number there would read as an index, so the
    /// input must not have one.
    fn reference(&mut self, sub: &Json) -> Result<Json> {
        match sub {
            Json::Object(_) => Ok(Json::from(self.flatten(sub)?)),
            Json::Number(n) => bail!("a sub-schema is the number {n}, not a schema"),
            other => Ok(other.clone()),
        }
    }

    /// The table as `schemas.json` (one node per line) and the Rust
    /// `NODES` array of where each line starts, then the blob's end.
    pub(crate) fn write(&self) -> Result<(String, String)> {
        let mut blob = String::new();
        let mut starts = Vec::with_capacity(self.nodes.len() + 1);
        for node in &self.nodes {
            starts.push(blob.len());
            blob.push_str(node);
            blob.push('\n');
        }
        starts.push(blob.len());
        let mut rust = String::new();
        writeln!(
            rust,
            "/// Where each schema node's line starts in `schemas.json`, then the blob's end."
        )?;
        writeln!(rust, "pub(super) static NODES: &[u32] = &[")?;
        for chunk in starts.chunks(12) {
            let line: Vec<String> = chunk.iter().map(|n| n.to_string()).collect();
            writeln!(rust, "    {},", line.join(", "))?;
        }
        writeln!(rust, "];")?;
        Ok((blob, rust))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sub-schemas the library reads lazily become indices of one shared
    /// node each; combinators stay in their node; a number where a schema
    /// belongs would read as an index, so it is refused.
    #[test]
    fn the_node_table_shares_identical_nodes() {
        let port = serde_json::json!({"type": "integer", "maximum": 65535});
        let s = serde_json::json!({
            "type": "object",
            "properties": {"a": port, "b": port, "c": {"type": "array", "items": port}},
            "additionalProperties": false,
            "anyOf": [{"properties": {"a": port}}],
            "not": {"required": ["x"]}
        });
        let mut table = NodeTable::default();
        let root = table.flatten(&s).expect("flattens");
        assert_eq!(table.nodes.len(), 3, "{:?}", table.nodes);
        assert_eq!(table.nodes[0], r#"{"maximum":65535,"type":"integer"}"#);
        assert_eq!(table.nodes[1], r#"{"items":0,"type":"array"}"#);
        assert_eq!(
            table.nodes[root as usize],
            r#"{"additionalProperties":false,"anyOf":[{"properties":{"a":0}}],"not":{"required":["x"]},"properties":{"a":0,"b":0,"c":1},"type":"object"}"#
        );
        // The same schema again is the same root.
        assert_eq!(table.flatten(&s).expect("flattens"), root);
        let numeric = serde_json::json!({"properties": {"a": 3}});
        assert!(NodeTable::default().flatten(&numeric).is_err());
    }

    /// Definitions and pattern properties are lifted like properties; a
    /// `$ref` stays a name, resolved against the type's root at run time.
    #[test]
    fn definitions_and_pattern_properties_are_nodes() {
        let tag = serde_json::json!({"type": "object", "properties": {"Key": {"type": "string"}}});
        let s = serde_json::json!({
            "definitions": {"Tag": tag},
            "patternProperties": {"^x": {"type": "string"}},
            "properties": {"Tags": {"items": {"$ref": "#/definitions/Tag"}, "type": "array"}}
        });
        let mut table = NodeTable::default();
        let root = table.flatten(&s).expect("flattens");
        assert_eq!(
            table.nodes,
            [
                r#"{"type":"string"}"#,
                r#"{"properties":{"Key":0},"type":"object"}"#,
                r##"{"$ref":"#/definitions/Tag"}"##,
                r#"{"items":2,"type":"array"}"#,
                r#"{"definitions":{"Tag":1},"patternProperties":{"^x":0},"properties":{"Tags":3}}"#,
            ]
        );
        assert_eq!(root, 4);
        let (blob, rust) = table.write().expect("writes");
        assert!(blob.starts_with("{\"type\":\"string\"}\n{"));
        assert!(rust.contains("pub(super) static NODES: &[u32] = &[\n    0, 18,"));
    }

    /// After `new_group`, an identical node is written again, so a group's
    /// nodes stay one run of lines.
    #[test]
    fn a_new_group_shares_nothing_with_earlier_ones() {
        let s = serde_json::json!({"properties": {"a": {"type": "string"}}});
        let mut table = NodeTable::default();
        assert_eq!(table.flatten(&s).expect("flattens"), 1);
        assert_eq!(table.flatten(&s).expect("flattens"), 1);
        table.new_group();
        assert_eq!(table.flatten(&s).expect("flattens"), 3);
        assert_eq!(table.nodes.len(), 4);
    }
}
