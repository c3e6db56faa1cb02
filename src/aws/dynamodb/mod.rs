//! DynamoDB family (feature `aws-dynamodb`): a table with a typed key
//! schema (the attribute definitions are derived from the keys, so they
//! cannot disagree), on-demand billing, point-in-time recovery, kept when
//! it leaves the stack, and grants that carry its key.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::dynamodb::{Attribute, AttributeType, GlobalIndex, Table, TableProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let stack = Stack::new(&mut app.root(), "media-data",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let assets = Table::new(&mut app.scope(stack.node())?, "Assets", TableProps {
//!         partition_key: Attribute::new("assetId", AttributeType::String),
//!         sort_key: Some(Attribute::new("version", AttributeType::Number)),
//!         global_indexes: vec![GlobalIndex::new("byOwner", Attribute::new("ownerId", AttributeType::String))],
//!         ..Default::default()
//!     })?;
//!     let _read = assets.grant_read(); // GetItem/Query/Scan on the table and its indexes
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("media-data").has_resource_properties("AWS::DynamoDB::Table", serde_json::json!({
//!     "BillingMode": "PAY_PER_REQUEST",
//!     "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": true },
//! }));
//! ```

/// The generated L1 structs of DynamoDB (`AWS::DynamoDB::*`) the
/// constructs build on.
pub use crate::aws::cfn::dynamodb as cfn;

use cfn::table;
use cfn::CfnTable;

use crate::aws::iam::{grants, PolicyStatement};
use crate::aws::kms::Key;
use crate::core::{DeletionPolicy, Error, ResourceRef, Scope, Value};

/// The type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// `S`.
    String,
    /// `N`.
    Number,
    /// `B`.
    Binary,
}

impl AttributeType {
    fn l1(self) -> table::AttributeType {
        match self {
            AttributeType::String => table::AttributeType::S,
            AttributeType::Number => table::AttributeType::N,
            AttributeType::Binary => table::AttributeType::B,
        }
    }
}

/// A key attribute: its name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute name.
    pub name: String,
    /// Its type.
    pub attribute_type: AttributeType,
}

impl Attribute {
    /// A key attribute.
    pub fn new(name: impl Into<String>, attribute_type: AttributeType) -> Attribute {
        Attribute {
            name: name.into(),
            attribute_type,
        }
    }
}

/// A global secondary index, projecting all attributes.
#[derive(Debug, Clone)]
pub struct GlobalIndex {
    /// The index name.
    pub name: String,
    /// Its partition key.
    pub partition_key: Attribute,
    /// Its sort key. Default: none.
    pub sort_key: Option<Attribute>,
}

impl GlobalIndex {
    /// An index on one partition key.
    pub fn new(name: impl Into<String>, partition_key: Attribute) -> GlobalIndex {
        GlobalIndex {
            name: name.into(),
            partition_key,
            sort_key: None,
        }
    }
}

/// How the table is encrypted at rest.
#[derive(Debug, Clone, Copy, Default)]
pub enum TableEncryption {
    /// The AWS-owned key: free, nothing to grant. The default.
    #[default]
    AwsOwned,
    /// A customer KMS key: grants carry `kms:*` on it through DynamoDB.
    Key(Key),
}

/// Props of a [`Table`].
#[derive(Debug, Clone)]
pub struct TableProps {
    /// The table name. Default: none (CloudFormation generates one; a
    /// custom name makes replacement impossible without renaming).
    pub name: Option<String>,
    /// The partition (hash) key. Default: `pk`, a string.
    pub partition_key: Attribute,
    /// The sort (range) key. Default: none.
    pub sort_key: Option<Attribute>,
    /// Global secondary indexes. Default: none.
    pub global_indexes: Vec<GlobalIndex>,
    /// Encryption at rest. Default: [`TableEncryption::AwsOwned`].
    pub encryption: TableEncryption,
    /// A stream of item changes. Default: none.
    pub stream: Option<table::StreamViewType>,
    /// The attribute holding an item's expiry time. Default: none.
    pub time_to_live_attribute: Option<String>,
    /// DynamoDB's own deletion protection. Default: true.
    pub deletion_protection: bool,
    /// What CloudFormation does with the table when it leaves the stack or
    /// is replaced. Default: [`DeletionPolicy::Retain`], as CDK's table.
    pub removal: DeletionPolicy,
}

impl Default for TableProps {
    fn default() -> Self {
        TableProps {
            name: None,
            partition_key: Attribute::new("pk", AttributeType::String),
            sort_key: None,
            global_indexes: Vec::new(),
            encryption: TableEncryption::AwsOwned,
            stream: None,
            time_to_live_attribute: None,
            deletion_protection: true,
            removal: DeletionPolicy::Retain,
        }
    }
}

/// A DynamoDB table (on-demand billing, point-in-time recovery on).
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The L1 table.
    pub resource: ResourceRef<CfnTable>,
    key: Option<Key>,
    streams: bool,
}

impl Table {
    /// Adds a table.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: TableProps) -> Result<Table, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        let definitions = definitions(&path, &props)?;
        let key_schema = |pk: &Attribute, sk: &Option<Attribute>| {
            let mut k = vec![table::KeySchema::new(pk.name.clone(), "HASH")];
            if let Some(sk) = sk {
                k.push(table::KeySchema::new(sk.name.clone(), "RANGE"));
            }
            k
        };
        let table_keys: Vec<table::CfnTableKeySchema> =
            key_schema(&props.partition_key, &props.sort_key)
                .into_iter()
                .map(|k| table::CfnTableKeySchema::new(k.attribute_name, k.key_type))
                .collect();
        let indexes: Vec<table::GlobalSecondaryIndex> = props
            .global_indexes
            .iter()
            .map(|i| {
                table::GlobalSecondaryIndex::new(
                    i.name.clone(),
                    key_schema(&i.partition_key, &i.sort_key),
                    table::Projection {
                        projection_type: Some(table::ProjectionType::All),
                        ..Default::default()
                    },
                )
            })
            .collect();
        let key = match props.encryption {
            TableEncryption::AwsOwned => None,
            TableEncryption::Key(k) => Some(k),
        };
        let mut s = scope.child(id)?;
        let resource = s.add_resource(
            "Resource",
            CfnTable {
                table_name: props.name.map(Value::from),
                attribute_definitions: Some(definitions),
                billing_mode: Some(table::BillingMode::PayPerRequest),
                global_secondary_indexes: (!indexes.is_empty()).then_some(indexes),
                point_in_time_recovery_specification: Some(
                    table::PointInTimeRecoverySpecification {
                        point_in_time_recovery_enabled: Some(true.into()),
                        ..Default::default()
                    },
                ),
                sse_specification: key.map(|k| table::SSESpecification {
                    kms_master_key_id: Some(k.arn()),
                    sse_type: Some(table::SSEType::Kms),
                    ..table::SSESpecification::new(true)
                }),
                stream_specification: props.stream.map(table::StreamSpecification::new),
                time_to_live_specification: props.time_to_live_attribute.map(|a| {
                    table::TimeToLiveSpecification {
                        attribute_name: Some(a.into()),
                        ..table::TimeToLiveSpecification::new(true)
                    }
                }),
                deletion_protection_enabled: Some(props.deletion_protection.into()),
                ..CfnTable::new(table_keys)
            },
        )?;
        let o = s.options(resource.node())?;
        o.deletion_policy = Some(props.removal);
        o.update_replace_policy = Some(props.removal);
        if key.is_none() {
            // checkov counts only a customer key; the default is encrypted
            // at rest too, with a key DynamoDB owns.
            s.suppress_node(
                resource.node(),
                "CKV_AWS_119",
                "encrypted at rest with an AWS-owned key (the default); TableEncryption::Key gives a customer-managed key (key policy, CloudTrail record of each use, KMS request cost)",
            )?;
        }
        Ok(Table {
            resource,
            key,
            streams: props.stream.is_some(),
        })
    }

    /// The table ARN.
    pub fn arn(&self) -> Value {
        self.resource.attr_arn()
    }

    /// The table name (`Ref`).
    pub fn name(&self) -> Value {
        self.resource.reference()
    }

    /// The stream ARN, when the table has a stream.
    pub fn stream_arn(&self) -> Option<Value> {
        self.streams.then(|| self.resource.attr_stream_arn())
    }

    /// Statements that let a role read items of the table and its indexes,
    /// with `kms:Decrypt` on the table's customer key when it has one.
    pub fn grant_read(&self) -> Vec<PolicyStatement> {
        grants::read_table(self.arn(), self.key.map(|k| k.arn()))
    }

    /// Statements that let a role write items, with the key's
    /// `kms:GenerateDataKey`/`kms:Decrypt` when it has a customer key.
    pub fn grant_write(&self) -> Vec<PolicyStatement> {
        grants::write_table(self.arn(), self.key.map(|k| k.arn()))
    }
}

/// One definition per key attribute of the table and its indexes; the same
/// name with two types, or two indexes with one name, is an error.
fn definitions(path: &str, p: &TableProps) -> Result<Vec<table::AttributeDefinition>, Error> {
    let mut seen: Vec<&Attribute> = Vec::new();
    let keys = [Some(&p.partition_key), p.sort_key.as_ref()]
        .into_iter()
        .chain(
            p.global_indexes
                .iter()
                .flat_map(|i| [Some(&i.partition_key), i.sort_key.as_ref()]),
        )
        .flatten();
    for a in keys {
        if a.name.is_empty() {
            return Err(Error::construct(
                path.to_string(),
                "a key attribute has an empty name",
                "name every key attribute",
            ));
        }
        match seen.iter().find(|s| s.name == a.name) {
            Some(s) if s.attribute_type != a.attribute_type => {
                return Err(Error::construct(
                    path.to_string(),
                    format!(
                        "key attribute {:?} is {:?} in one key and {:?} in another",
                        a.name, s.attribute_type, a.attribute_type
                    ),
                    "give an attribute one type everywhere it is a key",
                ))
            }
            Some(_) => {}
            None => seen.push(a),
        }
    }
    let mut names: Vec<&str> = p.global_indexes.iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::construct(
            path.to_string(),
            format!("two global indexes are named {:?}", w[0]),
            "give every index its own name",
        ));
    }
    if p.global_indexes.len() > 20 {
        return Err(Error::construct(
            path.to_string(),
            format!(
                "{} global indexes (DynamoDB allows 20)",
                p.global_indexes.len()
            ),
            "merge indexes or overload their keys",
        ));
    }
    Ok(seen
        .into_iter()
        .map(|a| table::AttributeDefinition::new(a.name.clone(), a.attribute_type.l1()))
        .collect())
}

/// `grant_*` on the generated L1 table's handle, for tables written with the
/// L1 struct; `key` is the customer KMS key that encrypts it, if any (the
/// [`Table`] construct takes it from itself).
impl ResourceRef<CfnTable> {
    /// Read items of the table and its indexes.
    pub fn grant_read(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::read_table(self.attr_arn(), key)
    }

    /// Write items of the table.
    pub fn grant_write(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::write_table(self.attr_arn(), key)
    }
}
