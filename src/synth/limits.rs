//! Stage: limits. CloudFormation's per-template quotas, checked on the
//! finished templates.

use crate::core::diag::Diagnostic;
use crate::core::tree::App;
use crate::emit::cfn::TemplateModel;

use super::*;

pub(super) fn check_limits(
    app: &App,
    s: u32,
    model: &TemplateModel,
    size: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let path = app.node(s).path.to_string();
    let name = &app.stack_info(s).name;
    let hint = "split the stack: move constructs into another Stack (references across stacks are resolved for you)";
    if model.resources.len() > MAX_RESOURCES {
        diags.push(
            Diagnostic::error(
                path.clone(),
                format!(
                    "stack {name} has {} resources; CloudFormation allows {MAX_RESOURCES}",
                    model.resources.len()
                ),
            )
            .with_hint(hint),
        );
    }
    if model.outputs.len() > MAX_OUTPUTS {
        diags.push(
            Diagnostic::error(
                path.clone(),
                format!(
                    "stack {name} has {} outputs; CloudFormation allows {MAX_OUTPUTS}",
                    model.outputs.len()
                ),
            )
            .with_hint(hint),
        );
    }
    if model.parameters.len() > MAX_PARAMETERS {
        diags.push(
            Diagnostic::error(
                path.clone(),
                format!(
                    "stack {name} has {} parameters; CloudFormation allows {MAX_PARAMETERS}",
                    model.parameters.len()
                ),
            )
            .with_hint(hint),
        );
    }
    if size > MAX_TEMPLATE_BYTES {
        diags.push(Diagnostic::error(path, format!("template of stack {name} is {size} bytes; CloudFormation allows {MAX_TEMPLATE_BYTES}")).with_hint(hint));
    }
}
