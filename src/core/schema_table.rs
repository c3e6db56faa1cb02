//! The reader's half of the schema node tables that `scripts/codegen`
//! writes (its `nodes` module): one JSON node per line of a blob, with the
//! lines' starts in a generated `NODES` array. A sub-schema the checks read
//! lazily is the index of its node; the CloudFormation and CRD checks each
//! parse the nodes they reach into their own typed node.

use serde_json::Value as Json;

/// Keywords whose value maps names to sub-schemas held as indices.
const SCHEMA_MAPS: &[&str] = &["definitions", "patternProperties", "properties"];

/// A generated table: the blob and where each line starts (then its end).
#[derive(Clone, Copy)]
pub(crate) struct Table {
    pub blob: &'static str,
    pub starts: &'static [u32],
}

impl Table {
    /// How many nodes the table has.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Node `index`'s line, without its newline; `{}` past the table (only
    /// a corrupted checkout refers past it).
    pub fn text(&self, index: u32) -> &'static str {
        let i = index as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&start), Some(&end)) => self
                .blob
                .get(start as usize..(end as usize).saturating_sub(1))
                .unwrap_or("{}"),
            _ => "{}",
        }
    }

    fn json(&self, index: u32) -> Json {
        serde_json::from_str(self.text(index)).unwrap_or(Json::Null)
    }

    /// Node `index` with its sub-schemas' indices replaced by their nodes:
    /// the schema as the generator read it.
    pub fn inflate(&self, index: u32) -> Json {
        self.inflate_json(self.json(index))
    }

    fn inflate_json(&self, node: Json) -> Json {
        let at = |sub: Json| match sub.as_u64().and_then(|i| u32::try_from(i).ok()) {
            Some(index) => self.inflate(index),
            None => sub,
        };
        let Json::Object(m) = node else {
            return node;
        };
        let mut out = serde_json::Map::with_capacity(m.len());
        for (k, v) in m {
            let v = match (k.as_str(), v) {
                (map, Json::Object(subs)) if SCHEMA_MAPS.contains(&map) => {
                    Json::Object(subs.into_iter().map(|(n, s)| (n, at(s))).collect())
                }
                ("items" | "additionalProperties", sub) => at(sub),
                ("allOf" | "anyOf" | "oneOf", Json::Array(list)) => {
                    Json::Array(list.into_iter().map(|n| self.inflate_json(n)).collect())
                }
                ("not", sub) => self.inflate_json(sub),
                (_, v) => v,
            };
            out.insert(k, v);
        }
        Json::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflating_replaces_every_lifted_index() {
        static BLOB: &str = concat!(
            "{\"type\":\"string\"}\n",
            "{\"$ref\":\"#/definitions/T\"}\n",
            "{\"anyOf\":[{\"items\":0}],\"definitions\":{\"T\":0},\"items\":1,\"patternProperties\":{\"^x\":0},\"properties\":{\"a\":1,\"b\":true}}\n",
        );
        static STARTS: &[u32] = &[0, 18, 45, 160];
        let t = Table {
            blob: BLOB,
            starts: STARTS,
        };
        assert_eq!(t.len(), 3);
        assert_eq!(t.text(9), "{}");
        let s = r##"{"anyOf":[{"items":{"type":"string"}}],"definitions":{"T":{"type":"string"}},"items":{"$ref":"#/definitions/T"},"patternProperties":{"^x":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/T"},"b":true}}"##;
        assert_eq!(t.inflate(2).to_string(), s);
    }
}
