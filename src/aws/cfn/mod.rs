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
mod docs_url;
pub mod include;
pub mod semantic;

#[rustfmt::skip]
#[path = "generated/registry.rs"]
mod registry;

#[rustfmt::skip]
#[path = "generated/services/mod.rs"]
mod services;

pub use registry::{CFN_LINT_VERSION, SCHEMA_DATE};
// Empty when no `aws-*` feature is on.
#[allow(unused_imports)]
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

/// A list of property paths or attribute names from the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names(&'static str);

impl Names {
    /// The names, in schema order.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.0.split(' ').filter(|n| !n.is_empty())
    }

    /// Whether `name` is one of them.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n == name)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names, collected.
    pub fn to_vec(&self) -> Vec<&'static str> {
        self.iter().collect()
    }
}

/// One CloudFormation resource type, as its registry schema describes it.
/// Property paths are dotted (`VpcConfig.SubnetIds`); `*` stands for every
/// item of a list.
#[derive(Debug, Clone, Copy)]
pub struct TypeMeta {
    /// The type name, e.g. `AWS::S3::Bucket`.
    pub type_name: &'static str,
    /// Properties whose change replaces the resource.
    pub create_only: Names,
    /// Properties CloudFormation sets; a template cannot.
    pub read_only: Names,
    /// Properties CloudFormation accepts but never returns (passwords…).
    pub write_only: Names,
    /// Top-level properties a template must set.
    pub required: Names,
    /// The properties that identify a resource; `Ref` returns them (joined
    /// with `|` when there are several).
    pub primary_identifier: Names,
    /// The names `Fn::GetAtt` accepts.
    pub attributes: Names,
    /// Properties the schema marks deprecated.
    pub deprecated: Names,
    /// How the type takes tags.
    pub tagging: Tagging,
    /// The index of the type's root schema node in `generated/schemas.json`.
    schema: u32,
}

impl TypeMeta {
    /// One line of the generated table (its layout is the generator's).
    fn parse(line: &'static str) -> Option<TypeMeta> {
        let mut f = line.split('\t');
        let mut next = || f.next();
        let type_name = next()?;
        let mut names = || next().map(Names);
        let (create_only, read_only, write_only, required) =
            (names()?, names()?, names()?, names()?);
        let (primary_identifier, attributes, deprecated) = (names()?, names()?, names()?);
        let taggable = next()? == "1";
        let property = next().filter(|p| !p.is_empty());
        let style = match next()? {
            "List" => TagStyle::List,
            "Map" => TagStyle::Map,
            _ => TagStyle::None,
        };
        let schema = next()?.parse().ok()?;
        Some(TypeMeta {
            type_name,
            create_only,
            read_only,
            write_only,
            required,
            primary_identifier,
            attributes,
            deprecated,
            tagging: Tagging {
                taggable,
                property,
                style,
            },
            schema,
        })
    }

    /// The type's page in the CloudFormation template reference.
    pub fn docs_url(&self) -> String {
        docs_url::docs_url(self.type_name)
    }

    /// The service namespace, e.g. `S3` for `AWS::S3::Bucket`.
    pub fn service(&self) -> &'static str {
        self.type_name.split("::").nth(1).unwrap_or_default()
    }

    /// What `Ref` returns, from the primary identifier.
    pub fn ref_returns(&self) -> String {
        self.primary_identifier.to_vec().join("|")
    }

    /// The type's validation schema (JSON text, prose dropped), what
    /// `meshsynth import` names the typed layer's items from
    /// (`meshsynth_codegen::rust::root_from_slice`). The synth-time check
    /// reads the same schema node by node instead; this text is put
    /// together on a type's first call and kept for the process.
    pub fn schema_text(&self) -> &'static str {
        static TEXTS: std::sync::OnceLock<
            std::sync::Mutex<std::collections::HashMap<&'static str, &'static str>>,
        > = std::sync::OnceLock::new();
        let texts = TEXTS.get_or_init(Default::default);
        let mut guard = texts.lock().unwrap_or_else(|p| p.into_inner());
        guard.entry(self.type_name).or_insert_with(|| {
            // At most one text per registry type, so the leak is bounded.
            Box::leak(TABLE.inflate(self.schema).to_string().into_boxed_str())
        })
    }

    /// The index of the type's root schema node.
    pub(crate) fn schema_root(&self) -> u32 {
        self.schema
    }
}

/// The schema nodes of every type, one per line (`scripts/codegen`).
pub(crate) static TABLE: crate::core::schema_table::Table = crate::core::schema_table::Table {
    blob: include_str!("generated/schemas.json"),
    starts: registry::NODES,
};

/// The table line at `i`.
fn line(i: usize) -> &'static str {
    let start = registry::LINES[i] as usize;
    let rest = &registry::TABLE[start..];
    rest.split('\n').next().unwrap_or_default()
}

/// Every CloudFormation type of the pinned schema set, sorted by name.
pub fn types() -> impl Iterator<Item = TypeMeta> {
    (0..registry::LINES.len()).filter_map(|i| TypeMeta::parse(line(i)))
}

/// The metadata of one type; `None` for a type the registry does not have
/// (custom resources, third-party types, typos).
pub fn lookup(type_name: &str) -> Option<TypeMeta> {
    // Synthesis asks for the same few dozen types thousands of times (every
    // `Fn::GetAtt` is checked), so answers are kept per process.
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Option<TypeMeta>>>,
    > = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut guard = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(hit) = guard.get(type_name) {
        return *hit;
    }
    let found = search(type_name);
    guard.insert(type_name.to_string(), found);
    found
}

/// Binary search of the table.
fn search(type_name: &str) -> Option<TypeMeta> {
    // Compares the name at the head of each probed line in place: no line
    // is split until the match.
    let name_at = |i: usize| {
        let rest = &registry::TABLE.as_bytes()[registry::LINES[i] as usize..];
        let end = rest.iter().position(|&b| b == b'\t').unwrap_or(rest.len());
        &rest[..end]
    };
    let (mut lo, mut hi) = (0, registry::LINES.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        match name_at(mid).cmp(type_name.as_bytes()) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return TypeMeta::parse(line(mid)),
        }
    }
    None
}

/// Types whose physical resource holds data that deleting it loses: what
/// diff marks as data loss and `semantic` warns about without a
/// `DeletionPolicy`.
pub const STATEFUL_TYPES: &[&str] = &[
    "AWS::Backup::BackupVault",
    "AWS::Cognito::UserPool",
    "AWS::DocDB::DBCluster",
    "AWS::DynamoDB::GlobalTable",
    "AWS::DynamoDB::Table",
    "AWS::EC2::Volume",
    "AWS::ECR::Repository",
    "AWS::EFS::FileSystem",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::Elasticsearch::Domain",
    "AWS::KMS::Key",
    "AWS::Kinesis::Stream",
    "AWS::Logs::LogGroup",
    "AWS::MSK::Cluster",
    "AWS::Neptune::DBCluster",
    "AWS::OpenSearchService::Domain",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::Redshift::Cluster",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
];

/// The create-only properties of a type (dotted), for diff's replacement
/// prediction; `None` when the type is unknown.
pub fn create_only_properties(type_name: &str) -> Option<Vec<&'static str>> {
    lookup(type_name).map(|t| t.create_only.to_vec())
}

/// The registry type names closest to `name`, for "did you mean".
pub(crate) fn similar_type(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    types()
        .map(|t| {
            (
                strsim::levenshtein(&t.type_name.to_ascii_lowercase(), &lower),
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
        let t: Vec<TypeMeta> = types().collect();
        assert!(t.windows(2).all(|w| w[0].type_name < w[1].type_name));
        assert!(t.len() >= 1800, "{} types", t.len());
        let q = lookup("AWS::SQS::Queue").expect("SQS queue");
        assert!(q.create_only.contains("FifoQueue"));
        assert_eq!((q.service(), q.ref_returns().as_str()), ("SQS", "QueueUrl"));
        assert!(q.attributes.contains("Arn"));
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
            lookup("AWS::S3::Bucket").map(|t| t.docs_url()).as_deref(),
            Some("https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html")
        );
    }
}
