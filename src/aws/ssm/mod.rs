//! SSM family: Parameter Store parameters for plain configuration only.
//! CloudFormation cannot create `SecureString` parameters, so secrets go to
//! Secrets Manager (`aws::secrets`); a parameter whose name looks like a
//! secret is reported as `MS-SSM-1`.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::ssm::{ParameterValue, StringParameter, StringParameterProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps, Value};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let st = Stack::new(&mut app.root(), "acme-config",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     StringParameter::new(&mut app.scope(st.node())?, "Endpoint", StringParameterProps {
//!         name: "/acme/orders/api-url".into(),
//!         value: ParameterValue::String(Value::str("https://orders.acme.example")),
//!         description: Some("where the orders API listens".into()),
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-config").has_resource_properties("AWS::SSM::Parameter",
//!     serde_json::json!({ "Name": "/acme/orders/api-url", "Type": "String" }));
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::ssm as cfn;

use cfn::CfnParameter;

use crate::core::value::ArnPart;
use crate::core::{Arn, Diagnostic, Error, ResourceRef, Scope, Value};

/// Words that mark a parameter name as holding a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "credential",
    "private-key",
    "apikey",
    "api-key",
];

/// The value of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterValue {
    /// One string.
    String(Value),
    /// A comma-separated list.
    StringList(Vec<String>),
}

/// Props of a `StringParameter`.
#[derive(Debug, Clone)]
pub struct StringParameterProps {
    /// The full name, e.g. `/genai-demo/database/url`, so the parameter can be found by path
    /// and emulators accept it. Required (no default).
    pub name: String,
    /// The value: a literal or a CloudFormation value. Required (no default).
    pub value: ParameterValue,
    /// Description. Default: none.
    pub description: Option<String>,
}

/// A plain configuration parameter.
#[derive(Debug, Clone)]
pub struct StringParameter {
    /// The L1 parameter.
    pub resource: ResourceRef<CfnParameter>,
    /// The parameter name.
    pub name: String,
}

impl StringParameter {
    /// Adds a parameter.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: StringParameterProps,
    ) -> Result<StringParameter, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        let n = &props.name;
        let name_ok = !n.is_empty()
            && n.len() <= 1011
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
            && !n
                .to_ascii_lowercase()
                .trim_start_matches('/')
                .starts_with("aws")
            && !n
                .to_ascii_lowercase()
                .trim_start_matches('/')
                .starts_with("ssm")
            && (!n.contains('/') || n.starts_with('/'));
        if !name_ok {
            return Err(Error::construct(
                path,
                format!("parameter name {n:?} is invalid"),
                "use letters, digits, '_', '.', '-' and '/', a leading '/' for hierarchies, not starting with aws or ssm",
            ));
        }
        let (ptype, value) = match props.value {
            ParameterValue::String(v) => {
                if v.as_literal() == Some("") {
                    return Err(Error::construct(
                        path,
                        "a parameter value cannot be empty",
                        "give a value",
                    ));
                }
                (cfn::parameter::Type::StringType, v)
            }
            ParameterValue::StringList(items) => {
                if items.is_empty() || items.iter().any(|i| i.is_empty() || i.contains(',')) {
                    return Err(Error::construct(
                        path,
                        "a StringList needs non-empty items without commas",
                        "split the values",
                    ));
                }
                (
                    cfn::parameter::Type::StringList,
                    Value::Str(items.join(",")),
                )
            }
        };
        let mut s = scope.child(id)?;
        let resource = s.add_resource(
            "Resource",
            CfnParameter {
                name: Some(props.name.clone().into()),
                description: props.description.map(Value::from),
                tier: Some(cfn::parameter::Tier::Standard),
                ..CfnParameter::new(ptype, value)
            },
        )?;
        let lower = props.name.to_ascii_lowercase();
        if let Some(word) = SECRET_WORDS.iter().find(|w| lower.contains(*w)) {
            s.report(
                Diagnostic::error(
                    format!("{path}/Resource"),
                    format!("parameter {} looks like a secret ({word}); SSM parameters made by CloudFormation are plain text", props.name),
                )
                .with_code(crate::aws::security::codes::MS_SSM_1)
                .with_hint("store secrets in Secrets Manager (aws::secrets::Secret), or suppress MS-SSM-1 with the reason the value is not secret"),
            );
        }
        Ok(StringParameter {
            resource,
            name: props.name,
        })
    }

    /// The parameter ARN (for IAM statements).
    pub fn arn(&self) -> Value {
        Arn::new(
            "ssm",
            format!("parameter/{}", self.name.trim_start_matches('/')),
        )
        .value()
    }

    /// Least-privilege statements to read every parameter under `prefix`
    /// (and the path itself) in this stack's region and account:
    /// `ssm:GetParameter`, `GetParameters` and `GetParametersByPath`.
    pub fn grant_read_path(prefix: &str) -> Vec<crate::aws::iam::PolicyStatement> {
        let p = prefix.trim_matches('/');
        vec![crate::aws::iam::PolicyStatement::allow(
            [
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
            ],
            [
                Arn::new("ssm", format!("parameter/{p}")).value(),
                Arn::new("ssm", format!("parameter/{p}/*")).value(),
            ],
        )]
    }

    /// An ARN pattern for every parameter under `prefix` in any region and
    /// account of the partition, as IRSA policies for config readers use.
    pub fn path_arn_any(prefix: &str) -> Value {
        Arn::new("ssm", format!("parameter/{}/*", prefix.trim_matches('/')))
            .region(ArnPart::Any)
            .account(ArnPart::Any)
            .value()
    }
}

impl ResourceRef<CfnParameter> {
    /// `Ref`: the parameter name.
    pub fn parameter_name(&self) -> Value {
        self.reference()
    }
}
