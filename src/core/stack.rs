//! Stacks (a CloudFormation template boundary with an environment) and the
//! template-level elements they hold: parameters, conditions and outputs.

use indexmap::IndexMap;

use crate::core::error::Error;
use crate::core::tree::{NodeId, NodeKind, Scope};
use crate::core::value::{CondExpr, Value};

/// Where a stack deploys. Both parts are optional ("environment-agnostic")
/// except where a construct needs them; it then says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Env {
    /// The account id; `None` for any account.
    pub account: Option<String>,
    /// The region; `None` for any region (`--region` at deploy).
    pub region: Option<String>,
}

impl Env {
    /// An environment pinned to one account and region.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Env {
        Env {
            account: Some(account.into()),
            region: Some(region.into()),
        }
    }

    /// An environment pinned to a region, in whatever account deploys it.
    pub fn region(region: impl Into<String>) -> Env {
        Env {
            account: None,
            region: Some(region.into()),
        }
    }

    fn validate(&self, path: &str) -> Result<(), Error> {
        if let Some(a) = &self.account {
            super::names::validate_account(a).map_err(|e| {
                Error::construct(
                    path,
                    e.to_string(),
                    "use the account number, e.g. 123456789012",
                )
            })?;
        }
        if let Some(r) = &self.region {
            super::names::validate_region(r).map_err(|e| {
                Error::construct(
                    path,
                    e.to_string(),
                    "use a region code such as ap-northeast-1",
                )
            })?;
        }
        Ok(())
    }
}

/// Props of a `Stack`.
#[derive(Debug, Clone, Default)]
pub struct StackProps {
    /// Account and region. Default: environment-agnostic.
    pub env: Env,
    /// The template's Description. Default: none.
    pub description: Option<String>,
    /// The CloudFormation stack name. Default: the construct id.
    pub stack_name: Option<String>,
    /// Termination protection. Default: off.
    pub termination_protection: bool,
}

pub(crate) struct StackInfo {
    pub name: String,
    pub env: Env,
    pub description: Option<String>,
    pub termination_protection: bool,
    /// Template sections of included templates (`aws::cfn::include`), in
    /// the order they were included.
    pub included: Vec<IncludedSections>,
}

/// What an included template holds beside its resources, kept as written
/// (references to its own resources are tree references, so they resolve
/// like typed ones).
#[derive(Default)]
pub(crate) struct IncludedSections {
    /// The include's node, for paths in findings.
    pub node: u32,
    pub description: Option<String>,
    pub transform: Option<Value>,
    pub metadata: IndexMap<String, Value>,
    pub parameters: IndexMap<String, Value>,
    pub rules: IndexMap<String, Value>,
    pub mappings: IndexMap<String, Value>,
    pub conditions: IndexMap<String, Value>,
    pub outputs: IndexMap<String, Value>,
    /// SAM's `Globals`.
    pub globals: IndexMap<String, Value>,
    /// `Fn::ForEach` entries of Resources, kept as written.
    pub resource_loops: IndexMap<String, Value>,
}

/// A CloudFormation stack: one template in the assembly.
pub struct Stack;

/// A handle to a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackRef {
    node: NodeId,
}

impl StackRef {
    /// The stack's node in the construct tree: `app.scope(stack.node())` adds resources to it.
    pub fn node(&self) -> NodeId {
        self.node
    }
}

impl Stack {
    /// Adds a stack at the app root.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: StackProps) -> Result<StackRef, Error> {
        let name = props.stack_name.clone().unwrap_or_else(|| id.to_string());
        let path = if scope.path().is_empty() {
            id.to_string()
        } else {
            scope.child_path(id)
        };
        if let Err(e) = super::names::validate_stack_name(&name) {
            return Err(Error::construct(
                path,
                e.to_string(),
                "start with a letter; use letters, digits and '-'; at most 128 characters",
            ));
        }
        props.env.validate(&path)?;
        let info = StackInfo {
            name,
            env: props.env,
            description: props.description,
            termination_protection: props.termination_protection,
            included: Vec::new(),
        };
        let index = scope.add_kind(id, NodeKind::Stack(Box::new(info)))?;
        Ok(StackRef {
            node: scope.app.node_id(index),
        })
    }
}

/// A template parameter.
pub struct CfnParameter;

/// Props of a `CfnParameter`.
#[derive(Debug, Clone)]
pub struct CfnParameterProps {
    /// The parameter type. Default: `String`.
    pub param_type: String,
    /// The value used when a deploy gives none. Default: none (deploy must give one).
    pub default: Option<String>,
    /// Description shown in the console. Default: none.
    pub description: Option<String>,
    /// Allowed values. Default: any.
    pub allowed_values: Vec<String>,
    /// Hide the value in the console and API. Default: false.
    pub no_echo: bool,
}

impl Default for CfnParameterProps {
    fn default() -> Self {
        CfnParameterProps {
            param_type: "String".into(),
            default: None,
            description: None,
            allowed_values: Vec::new(),
            no_echo: false,
        }
    }
}

pub(crate) struct ParameterInfo {
    pub props: CfnParameterProps,
}

impl CfnParameter {
    /// Adds a parameter; its value is `Ref` of the returned node.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: CfnParameterProps) -> Result<Value, Error> {
        let i = scope.add_kind(id, NodeKind::Parameter(Box::new(ParameterInfo { props })))?;
        Ok(Value::Ref(scope.app.node_id(i)))
    }
}

/// A template condition.
pub struct CfnCondition;

pub(crate) struct ConditionInfo {
    pub expr: CondExpr,
}

impl CfnCondition {
    /// Adds a condition; use the node in `Value::If` or as a resource condition.
    pub fn new(scope: &mut Scope<'_>, id: &str, expr: CondExpr) -> Result<NodeId, Error> {
        let i = scope.add_kind(id, NodeKind::Condition(Box::new(ConditionInfo { expr })))?;
        Ok(scope.app.node_id(i))
    }
}

/// A stack output declared by the user.
pub struct CfnOutput;

/// [`CfnOutputProps`] under their 0.1.0 name.
#[deprecated(since = "0.2.0", note = "renamed to CfnOutputProps (same fields)")]
pub type OutputProps = CfnOutputProps;

/// [`CfnParameterProps`] under their 0.1.0 name.
#[deprecated(since = "0.2.0", note = "renamed to CfnParameterProps (same fields)")]
pub type ParameterProps = CfnParameterProps;

/// Props of a `CfnOutput`.
#[derive(Debug, Clone)]
pub struct CfnOutputProps {
    /// The value. Required (no default).
    pub value: Value,
    /// Description. Default: none.
    pub description: Option<String>,
    /// Export name. Default: not exported.
    pub export_name: Option<String>,
}

pub(crate) struct OutputInfo {
    pub props: CfnOutputProps,
}

impl CfnOutput {
    /// Adds an output; its logical id is derived from the path.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: CfnOutputProps) -> Result<NodeId, Error> {
        let i = scope.add_kind(id, NodeKind::Output(Box::new(OutputInfo { props })))?;
        Ok(scope.app.node_id(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{App, Context};

    #[test]
    fn validates_names_and_environments() {
        let mut app = App::new(Context::new());
        let mut root = app.root();
        assert!(Stack::new(&mut root, "ok-stack", StackProps::default()).is_ok());
        assert!(Stack::new(&mut root, "bad_name", StackProps::default()).is_err());
        let bad_acct = StackProps {
            env: Env::new("123", "us-east-1"),
            ..Default::default()
        };
        assert!(Stack::new(&mut root, "a", bad_acct).is_err());
        let bad_region = StackProps {
            env: Env::new("123456789012", "Tokyo"),
            ..Default::default()
        };
        assert!(Stack::new(&mut root, "b", bad_region).is_err());
    }
}
