//! The CloudFormation type registry: what every resource type of the
//! registry accepts, generated from the resource provider schemas.
//!
//! The table and the schemas under `generated/` are written by
//! `scripts/codegen` from the schemas bundled with the pinned cfn-lint
//! (see [`CFN_LINT_VERSION`] and [`SCHEMA_DATE`]); `scripts/test` regenerates them
//! (`scripts/codegen --check`) and fails when the committed bytes differ. Synthesis checks every
//! resource's final properties — typed, raw or overridden — against its
//! type's schema (module `check`), and diff predicts replacements from
//! [`TypeMeta::create_only`] for every type.

pub(crate) mod check;
mod grants;

#[rustfmt::skip]
#[path = "generated/registry.rs"]
mod registry;

#[rustfmt::skip]
#[path = "generated/services/mod.rs"]
mod services;

pub use registry::{CFN_LINT_VERSION, SCHEMA_DATE};
pub use services::*;

use crate::core::TagStyle;

/// How a type takes tags, from its schema's `tagging` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tagging {
    /// Whether the type can be tagged at all.
    pub taggable: bool,
    /// The top-level property that holds tags (`Tags` for most types);
    /// `None` when tags sit deeper or the type takes none.
    pub property: Option<&'static str>,
    /// `[{Key, Value}]` list, `{key: value}` map, or none.
    pub style: TagStyle,
}

/// One CloudFormation resource type, as its registry schema describes it.
/// Property paths are dotted (`VpcConfig.SubnetIds`); `*` stands for every
/// item of a list.
#[derive(Debug)]
pub struct TypeMeta {
    /// The type name, e.g. `AWS::S3::Bucket`.
    pub type_name: &'static str,
    /// Properties whose change replaces the resource.
    pub create_only: &'static [&'static str],
    /// Properties CloudFormation sets; a template cannot.
    pub read_only: &'static [&'static str],
    /// Properties CloudFormation accepts but never returns (passwords…).
    pub write_only: &'static [&'static str],
    /// Top-level properties a template must set.
    pub required: &'static [&'static str],
    /// The properties that identify a resource; `Ref` returns them (joined
    /// with `|` when there are several).
    pub primary_identifier: &'static [&'static str],
    /// The names `Fn::GetAtt` accepts.
    pub attributes: &'static [&'static str],
    /// Properties the schema marks deprecated.
    pub deprecated: &'static [&'static str],
    /// How the type takes tags.
    pub tagging: Tagging,
    /// Byte range of the type's schema in `generated/schemas.json`.
    schema: (u32, u32),
}

impl TypeMeta {
    /// The type's page in the CloudFormation template reference.
    pub fn docs_url(&self) -> String {
        let mut parts = self.type_name.split("::");
        let vendor = parts.next().unwrap_or_default().to_ascii_lowercase();
        let rest: Vec<String> = parts.map(str::to_ascii_lowercase).collect();
        let kind = if vendor == "aws" {
            "aws-resource"
        } else {
            vendor.as_str()
        };
        format!(
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/{kind}-{}.html",
            rest.join("-")
        )
    }

    /// The service namespace, e.g. `S3` for `AWS::S3::Bucket`.
    pub fn service(&self) -> &'static str {
        self.type_name.split("::").nth(1).unwrap_or_default()
    }

    /// What `Ref` returns, from the primary identifier.
    pub fn ref_returns(&self) -> String {
        self.primary_identifier.join("|")
    }

    /// The type's validation schema (JSON text, prose dropped).
    pub(crate) fn schema_text(&self) -> &'static str {
        &SCHEMAS[self.schema.0 as usize..self.schema.1 as usize]
    }
}

static SCHEMAS: &str = include_str!("generated/schemas.json");

/// Every CloudFormation type of the pinned schema set, sorted by name.
pub fn types() -> &'static [TypeMeta] {
    registry::TYPES
}

/// The metadata of one type; `None` for a type the registry does not have
/// (custom resources, third-party types, typos).
pub fn lookup(type_name: &str) -> Option<&'static TypeMeta> {
    registry::TYPES
        .binary_search_by(|t| t.type_name.cmp(type_name))
        .ok()
        .map(|i| &registry::TYPES[i])
}

/// The create-only properties of a type (dotted), for diff's replacement
/// prediction; `None` when the type is unknown.
pub fn create_only_properties(type_name: &str) -> Option<&'static [&'static str]> {
    lookup(type_name).map(|t| t.create_only)
}

/// The registry type names closest to `name`, for "did you mean".
pub(crate) fn similar_type(name: &str) -> Option<&'static str> {
    registry::TYPES
        .iter()
        .map(|t| {
            (
                strsim::levenshtein(
                    &t.type_name.to_ascii_lowercase(),
                    &name.to_ascii_lowercase(),
                ),
                t.type_name,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_sorted_and_complete() {
        let t = types();
        assert!(t.windows(2).all(|w| w[0].type_name < w[1].type_name));
        assert!(t.len() >= 1800, "{} types", t.len());
        let q = lookup("AWS::SQS::Queue").expect("SQS queue");
        assert!(q.create_only.contains(&"FifoQueue"));
        assert!(q.attributes.contains(&"Arn"));
        assert_eq!(q.tagging.style, TagStyle::List);
        assert_eq!(
            lookup("AWS::SSM::Parameter").map(|t| t.tagging.style),
            Some(TagStyle::Map)
        );
        assert!(lookup("AWS::S3::Buckets").is_none());
        assert_eq!(similar_type("AWS::S3::Buckets"), Some("AWS::S3::Bucket"));
    }

    #[test]
    fn every_schema_slice_is_json() {
        for t in types() {
            let v: serde_json::Value = serde_json::from_str(t.schema_text())
                .unwrap_or_else(|e| panic!("{}: {e}", t.type_name));
            assert!(v.get("properties").is_some(), "{}", t.type_name);
        }
    }

    #[test]
    fn docs_urls_follow_the_reference_layout() {
        assert_eq!(
            lookup("AWS::S3::Bucket").map(TypeMeta::docs_url).as_deref(),
            Some("https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html")
        );
    }
}
