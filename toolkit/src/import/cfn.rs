//! One template to code: read (bounded), parsed, included in a scratch
//! app first (the include refuses what is wrong with the template, and its
//! synth names the rule findings the code must suppress to synthesize as
//! the stack runs), then written by the code writer with the registry's
//! shapes of its types.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use meshsynth::aws::cfn::include::{
    parse_template, CfnInclude, CfnIncludeProps, MAX_TEMPLATE_BYTES,
};
use meshsynth::core::{App, Context, Severity, Stack, StackProps};
use meshsynth::synth::{synth, SynthOptions};
use meshsynth_codegen::import::{cfn_stack, StackCode, StackTarget, TypeInfo};
use meshsynth_codegen::rust::{root_from_slice, type_shape};
use serde_json::Value as Json;

/// The stack id the scratch include uses; findings' paths start with it.
const SCRATCH_STACK: &str = "adopted";
const SCRATCH_INCLUDE: &str = "Template";

/// A template written as code.
#[derive(Debug, Clone)]
pub struct Written {
    /// The template, as the comparison reads it.
    pub template: Json,
    /// The code and what it needs.
    pub code: StackCode,
    /// Rule findings suppressed in the code, by logical id.
    pub suppressed: BTreeMap<String, Vec<String>>,
}

/// The registry's shapes, each type's schema read once per run.
#[derive(Default)]
pub struct Shapes {
    cache: RefCell<HashMap<String, Option<TypeInfo>>>,
}

impl Shapes {
    /// The writer's view of `type_name`; `None` outside the registry.
    pub fn get(&self, type_name: &str) -> Option<TypeInfo> {
        if let Some(hit) = self.cache.borrow().get(type_name) {
            return hit.clone();
        }
        let info = meshsynth::aws::cfn::lookup(type_name).map(|meta| {
            let shape = serde_json::from_str::<Json>(meta.schema_text())
                .ok()
                .and_then(|slice| {
                    let root = root_from_slice(&slice, &meta.read_only.to_vec());
                    type_shape(type_name, &root)
                });
            TypeInfo {
                shape,
                attributes: meta.attributes.iter().map(String::from).collect(),
            }
        });
        self.cache
            .borrow_mut()
            .insert(type_name.to_string(), info.clone());
        info
    }
}

/// The templates of deployed stacks `names` (as submitted, before
/// transforms), as inputs named `<stack>.template`. A stack that does not
/// exist, or a failed call, is an error naming the stack.
pub(super) fn deployed(
    names: &[String],
    connect: &crate::deploy::aws::ConnectOptions,
) -> Result<Vec<super::Input>, meshsynth::core::Error> {
    use crate::deploy::aws::AwsCloud;
    use crate::deploy::{CfnApi, StackId};
    let fail = |what: &str, message: String| meshsynth::core::Error::Io {
        path: meshsynth::untrusted::inert(what).into_owned(),
        message,
        source: None,
    };
    let run = async {
        let cloud = AwsCloud::connect(connect)
            .await
            .map_err(|e| fail("--stack", e.to_string()))?;
        let Some(region) = cloud.default_region() else {
            return Err(fail(
                "--stack",
                "no region: pass --region or set AWS_REGION".into(),
            ));
        };
        let mut out = Vec::new();
        for name in names {
            let id = StackId::new(&region, name);
            let at = format!("stack {name} ({region})");
            match cloud.describe_stack(&id).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Err(fail(
                        &at,
                        "does not exist: check the name and --region".into(),
                    ))
                }
                Err(e) => return Err(fail(&at, format!("DescribeStacks failed: {e}"))),
            }
            let body = cloud
                .get_template(&id)
                .await
                .map_err(|e| fail(&at, format!("GetTemplate failed: {e}")))?;
            if body.len() as u64 > MAX_TEMPLATE_BYTES {
                return Err(fail(&at, "its template is larger than import reads".into()));
            }
            out.push(super::Input {
                path: PathBuf::from(name),
                rel: format!("{name}.template"),
                deployed: Some((name.clone(), body)),
            });
        }
        Ok(out)
    };
    crate::deploy::block_on(run).map_err(|e| fail("--stack", e.to_string()))?
}

/// Reads the template at `path` (at most [`MAX_TEMPLATE_BYTES`], UTF-8).
pub fn read(path: &Path) -> Result<String, String> {
    let bytes = meshsynth::untrusted::fs::read_regular(path, MAX_TEMPLATE_BYTES)
        .map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())
}

/// `text` (named `origin`) as the code of stack `stack_name`, built by
/// `fn_name`; the error is why it cannot be imported.
pub fn write(
    text: &str,
    origin: &str,
    stack_name: &str,
    fn_name: &str,
    shapes: &Shapes,
) -> Result<Written, String> {
    let template = parse_template(text)?;
    let suppressed = findings(text, origin)?;
    let target = StackTarget {
        stack_name,
        fn_name,
        origin,
        suppress: &suppressed,
    };
    let code = cfn_stack(&template, &target, &|t| shapes.get(t))?;
    Ok(Written {
        template,
        code,
        suppressed,
    })
}

/// Includes the template in a scratch app and synthesizes it: a refusal
/// of the include, or a synth error that is no rule finding, refuses the
/// import; rule findings come back by logical id.
fn findings(text: &str, origin: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut app = App::new(Context::new());
    let made = (|| {
        let stack = Stack::new(&mut app.root(), SCRATCH_STACK, StackProps::default())?;
        let mut s = app.scope(stack.node())?;
        CfnInclude::from_text(
            &mut s,
            SCRATCH_INCLUDE,
            origin,
            text,
            CfnIncludeProps::default(),
        )
    })();
    if let Err(e) = made {
        return Err(strip_scratch(&e.to_string(), origin));
    }
    let Err(e) = synth(app, &SynthOptions::default()) else {
        return Ok(BTreeMap::new());
    };
    let prefix = format!("{SCRATCH_STACK}/{SCRATCH_INCLUDE}/");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in e
        .diagnostics()
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        let id = d
            .path
            .strip_prefix(&prefix)
            .map(|rest| rest.split('/').next().unwrap_or(rest));
        match (&d.code, id) {
            // A schema error is the template's, not a finding to accept;
            // a deprecated property (MS-CFN-9) is deployed and still works,
            // so it is kept and suppressed like a rule finding.
            (Some(code), Some(id)) if !code.starts_with("MS-CFN") || code == DEPRECATED => {
                let codes = out.entry(id.to_string()).or_default();
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
            _ => {
                return Err(format!(
                    "synth refuses it: {}",
                    strip_scratch(&d.message, origin)
                ))
            }
        }
    }
    Ok(out)
}

/// The schema check's code for a deprecated property.
const DEPRECATED: &str = "MS-CFN-9";

/// An include error without the scratch app's construct path and the
/// file name the report already shows (`line 41: …` where it had one).
fn strip_scratch(message: &str, origin: &str) -> String {
    let prefix = format!("{SCRATCH_STACK}/{SCRATCH_INCLUDE}");
    let m = message.lines().next().unwrap_or_default();
    let m = m.strip_prefix("error: ").unwrap_or(m);
    // `adopted/Template: …` or, for one resource, `adopted/Template/Q: …`.
    let m = match m.strip_prefix(&prefix) {
        Some(rest) => rest.split_once(": ").map_or(rest, |(_, r)| r),
        None => m,
    };
    let m = m.strip_prefix("template ").unwrap_or(m);
    let Some(rest) = m.strip_prefix(origin) else {
        return m.to_string();
    };
    let digits: String = rest
        .strip_prefix(':')
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match rest.strip_prefix(&format!(":{digits}: ")) {
        Some(after) if !digits.is_empty() => format!("line {digits}: {after}"),
        _ => rest.trim_start_matches(": ").to_string(),
    }
}
