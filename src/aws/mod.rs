//! AWS construct library: one folder per family, each with its L1 `Cfn<Type>`
//! structs and its L2 constructs.

pub mod cfn;
pub mod ecr;
pub mod eks;
pub mod elasticache;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod msk;
pub mod network;
pub mod rds;
pub mod regions;
pub mod route53;
pub mod secrets;
pub mod security;
pub mod ssm;

use serde::Serialize;

use crate::core::Value;

/// A `{Key, Value}` tag, as most resource types take them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnTag {
    /// The tag key.
    pub key: String,
    /// The tag value.
    pub value: Value,
}

impl CfnTag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<Value>) -> CfnTag {
        CfnTag {
            key: key.into(),
            value: value.into(),
        }
    }
}
