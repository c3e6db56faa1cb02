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
    /// How the stack's resources, parameters, conditions and outputs are
    /// named in its template. Default: [`LogicalIds::Hashed`].
    pub logical_ids: LogicalIds,
}

/// How a stack names the elements of its template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogicalIds {
    /// The construct path below the stack plus a short hash of it
    /// (`VpcPublicSubnet1A2B3C4D5`): unique however constructs nest, and a
    /// moved construct shows as a replacement in the diff.
    #[default]
    Hashed,
    /// The construct path below the stack, letters and digits only, no
    /// hash (`Logs`, `VpcPublicSubnet1`): the names a template written by
    /// hand uses. For a stack that takes over a deployed template (what
    /// `meshsynth import cfn` writes), so the ids stay as deployed; two
    /// paths that read the same fail synth naming both.
    ConstructIds,
}

pub(crate) struct StackInfo {
    pub name: String,
    pub env: Env,
    pub description: Option<String>,
    pub termination_protection: bool,
    pub logical_ids: LogicalIds,
    /// Template sections of included templates (`aws::cfn::include`), in
    /// the order they were included.
    pub included: Vec<IncludedSections>,
    /// Deployed as a StackSet (`StackSet::new`).
    pub stack_set: Option<Box<super::stack_set::StackSetProps>>,
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

/// Template sections typed code writes as values, for what has no
/// construct of its own: `Transform`, template `Metadata`, `Mappings`
/// (read with [`Value::find_in_map`]), `Rules`, SAM's `Globals`, and the
/// `Fn::ForEach` loops of `Resources` and `Outputs`. `meshsynth import`
/// writes them for a template that has them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateSections {
    /// `Transform`: a macro name, or a list of them. Default: none.
    pub transform: Option<Value>,
    /// Template `Metadata` entries. Default: none.
    pub metadata: IndexMap<String, Value>,
    /// `Mappings`: name → top-level key → second-level key → value.
    /// Default: none.
    pub mappings: IndexMap<String, Value>,
    /// `Rules`. Default: none.
    pub rules: IndexMap<String, Value>,
    /// SAM's `Globals` (for a template with the
    /// `AWS::Serverless-2016-10-31` transform). Default: none.
    pub globals: IndexMap<String, Value>,
    /// `Fn::ForEach::…` entries of `Resources`, which the
    /// `AWS::LanguageExtensions` transform expands at deploy; kept as
    /// written. Default: none.
    pub resource_loops: IndexMap<String, Value>,
    /// `Fn::ForEach::…` entries of `Outputs`, likewise. Default: none.
    pub output_loops: IndexMap<String, Value>,
}

impl TemplateSections {
    /// With `Transform` set (a macro name such as
    /// `AWS::Serverless-2016-10-31`, or a list of them).
    pub fn transform(mut self, transform: Value) -> Self {
        self.transform = Some(transform);
        self
    }

    /// With template `Metadata` entry `key`.
    pub fn metadata(mut self, key: &str, value: Value) -> Self {
        self.metadata.insert(key.to_string(), value);
        self
    }

    /// With mapping `name` (top-level key → second-level key → value, as a
    /// [`Value::map`]).
    pub fn mapping(mut self, name: &str, map: Value) -> Self {
        self.mappings.insert(name.to_string(), map);
        self
    }

    /// With rule `name` (its `RuleCondition` and `Assertions`, as a value).
    pub fn rule(mut self, name: &str, rule: Value) -> Self {
        self.rules.insert(name.to_string(), rule);
        self
    }

    /// With SAM `Globals` entry `name` (`Function`, `Api`…).
    pub fn globals(mut self, name: &str, value: Value) -> Self {
        self.globals.insert(name.to_string(), value);
        self
    }

    /// With the `Resources` loop `key` (`Fn::ForEach::Tables`).
    pub fn resource_loop(mut self, key: &str, body: Value) -> Self {
        self.resource_loops.insert(key.to_string(), body);
        self
    }

    /// With the `Outputs` loop `key` (`Fn::ForEach::BucketArns`).
    pub fn output_loop(mut self, key: &str, body: Value) -> Self {
        self.output_loops.insert(key.to_string(), body);
        self
    }

    /// Adds the sections to the stack `scope` is in. A name another section
    /// of the stack (or an included template) already gives is an error at
    /// synth, naming both.
    pub fn add_to(self, scope: &mut Scope<'_>) -> Result<(), Error> {
        let here = scope.node;
        let Some(stack) = scope.app.node(here).stack else {
            return Err(Error::construct(
                scope.path().to_string(),
                "template sections must be added in a stack",
                "add them under a Stack's scope",
            ));
        };
        let sections = IncludedSections {
            node: here,
            transform: self.transform,
            metadata: self.metadata,
            mappings: self.mappings,
            rules: self.rules,
            globals: self.globals,
            resource_loops: self.resource_loops,
            outputs: self.output_loops,
            ..Default::default()
        };
        if let NodeKind::Stack(info) = &mut scope.app.node_mut(stack).kind {
            info.included.push(sections);
        }
        Ok(())
    }
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
            logical_ids: props.logical_ids,
            included: Vec::new(),
            stack_set: None,
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
    /// `AllowedPattern`, a regular expression a `String` value must match.
    /// Default: none.
    pub allowed_pattern: Option<String>,
    /// `ConstraintDescription`, shown when a value breaks a constraint.
    /// Default: none.
    pub constraint_description: Option<String>,
    /// `MinLength` of a `String` value. Default: none.
    pub min_length: Option<u32>,
    /// `MaxLength` of a `String` value. Default: none.
    pub max_length: Option<u32>,
    /// `MinValue` of a `Number` value. Default: none.
    pub min_value: Option<Value>,
    /// `MaxValue` of a `Number` value. Default: none.
    pub max_value: Option<Value>,
}

impl Default for CfnParameterProps {
    fn default() -> Self {
        CfnParameterProps {
            param_type: "String".into(),
            default: None,
            description: None,
            allowed_values: Vec::new(),
            no_echo: false,
            allowed_pattern: None,
            constraint_description: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
        }
    }
}

pub(crate) struct ParameterInfo {
    pub props: CfnParameterProps,
    /// The name in the template, when pinned (`Scope::override_logical_id`).
    pub logical_id: Option<String>,
}

impl CfnParameter {
    /// Adds a parameter; its value is `Ref` of the returned node.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: CfnParameterProps) -> Result<Value, Error> {
        let info = ParameterInfo {
            props,
            logical_id: None,
        };
        let i = scope.add_kind(id, NodeKind::Parameter(Box::new(info)))?;
        Ok(Value::Ref(scope.app.node_id(i)))
    }
}

/// A template condition.
pub struct CfnCondition;

pub(crate) struct ConditionInfo {
    pub expr: CondExpr,
    /// The name in the template, when pinned (`Scope::override_logical_id`).
    pub logical_id: Option<String>,
}

impl CfnCondition {
    /// Adds a condition; use the node in `Value::If` or as a resource condition.
    pub fn new(scope: &mut Scope<'_>, id: &str, expr: CondExpr) -> Result<NodeId, Error> {
        let info = ConditionInfo {
            expr,
            logical_id: None,
        };
        let i = scope.add_kind(id, NodeKind::Condition(Box::new(info)))?;
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
    /// The name in the template, when pinned (`Scope::override_logical_id`).
    pub logical_id: Option<String>,
    /// The condition that decides whether the output exists
    /// (`Scope::set_condition`).
    pub condition: Option<NodeId>,
    /// An export name that is a value (`CfnOutput::set_export`), over
    /// `props.export_name`.
    pub export: Option<Value>,
}

impl CfnOutput {
    /// Adds an output; its logical id is derived from the path.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: CfnOutputProps) -> Result<NodeId, Error> {
        let info = OutputInfo {
            props,
            logical_id: None,
            condition: None,
            export: None,
        };
        let i = scope.add_kind(id, NodeKind::Output(Box::new(info)))?;
        Ok(scope.app.node_id(i))
    }

    /// Exports `output` under a name computed at deploy, such as
    /// `Value::sub("${AWS::StackName}-VpcId")`, where
    /// [`CfnOutputProps::export_name`] takes a literal. Replaces that name.
    pub fn set_export(scope: &mut Scope<'_>, output: NodeId, name: Value) -> Result<(), Error> {
        let path = scope.app.path_of(output).unwrap_or_default().to_string();
        let i = scope.app.index_of(output);
        match i.map(|i| &mut scope.app.node_mut(i).kind) {
            Some(NodeKind::Output(o)) => {
                o.export = Some(name);
                Ok(())
            }
            _ => Err(Error::construct(
                path,
                "an export name belongs to an output",
                "pass the NodeId CfnOutput::new returned",
            )),
        }
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
