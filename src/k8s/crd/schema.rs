//! A CRD version's structural schema, read into typed nodes once per kind:
//! the checks look up a dozen keywords at every field they visit, and
//! typed fields cost nothing to look up where a JSON map hashes each key.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

/// One schema node: only the keywords the checks read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Node {
    #[serde(rename = "type")]
    pub ty: Option<String>,
    pub properties: Option<BTreeMap<String, Node>>,
    pub items: Option<Box<Node>>,
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
}

/// `additionalProperties`: a boolean or the schema of every value.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Additional {
    Allowed(bool),
    Schema(Box<Node>),
}

/// One `x-kubernetes-validations` rule.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Rule {
    pub rule: String,
    pub message: Option<String>,
    pub field_path: Option<String>,
}

impl Node {
    /// The schema of a property, then of any other key (`additionalProperties`).
    pub fn property(&self, key: &str) -> Option<&Node> {
        self.properties
            .as_ref()
            .and_then(|p| p.get(key))
            .or_else(|| self.additional_schema())
    }

    pub fn declares(&self, key: &str) -> bool {
        self.properties
            .as_ref()
            .is_some_and(|p| p.contains_key(key))
    }

    pub fn additional_schema(&self) -> Option<&Node> {
        match &self.additional_properties {
            Some(Additional::Schema(s)) => Some(s),
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
