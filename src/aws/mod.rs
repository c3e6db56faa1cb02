//! AWS construct library: one folder per family, each with its L1 `Cfn<Type>`
//! structs and its L2 constructs.

pub mod network;

use serde::Serialize;

use crate::core::Value;

/// A `{Key, Value}` tag, as most resource types take them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnTag {
    pub key: String,
    pub value: Value,
}

impl CfnTag {
    pub fn new(key: impl Into<String>, value: impl Into<Value>) -> CfnTag {
        CfnTag {
            key: key.into(),
            value: value.into(),
        }
    }
}
