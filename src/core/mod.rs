//! The construct model: the tree, typed references, names, context and
//! diagnostics. It knows nothing of files, the AWS SDK or the CLI.

pub mod aspects;
pub mod chart;
pub mod context;
pub mod diag;
pub mod error;
pub mod image;
pub mod lite;
pub(crate) mod meta_rules;
pub mod names;
pub mod object;
pub mod patch;
pub(crate) mod pattern;
pub(crate) mod removed_apis;
pub mod resolve;
pub mod resource;
pub(crate) mod schema_table;
pub mod stack;
pub mod stack_set;
pub(crate) mod tracked;
pub mod tree;
pub mod value;

pub use aspects::{Aspect, Tags, SELECTOR_LABEL_KEYS};
pub use chart::{Chart, ChartProps, ChartRef, InstallKind};
pub use context::{Context, ContextValue};
pub use diag::{
    former_codes, renamed_rule, renamed_rule_note, Diagnostic, Rule, Severity, RENAMED_RULES,
};
pub use error::Error;
pub use image::{ImageError, ImageRef};
pub use lite::{LiteError, LiteValue};
pub use object::{
    deserialize_tracked, K8sObject, Lookup, LookupValue, MskListener, ObjectRef, RawObject,
};
pub use patch::K8sPatch;
pub use resource::{CfnOptions, CfnRaw, CfnResource, DeletionPolicy, ResourceRef, TagStyle};
pub use stack::{
    CfnCondition, CfnOutput, CfnOutputProps, CfnParameter, CfnParameterProps, Env, LogicalIds,
    Stack, StackProps, StackRef, TemplateSections,
};
#[allow(deprecated)]
pub use stack::{OutputProps, ParameterProps};
pub use stack_set::{
    Amount, StackSet, StackSetPermissions, StackSetProps, StackSetRollout, StackSetTarget,
};
pub use tree::{
    App, EmittedCheck, InstallInputRef, NodeId, ObjectEntry, PartBuild, ResourceAddress, Scope,
    Validation,
};
pub use value::{Arn, CondExpr, JsonValueError, Pseudo, Value};
