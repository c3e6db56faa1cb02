//! The stack refactor calls over the AWS SDK: CreateStackRefactor,
//! DescribeStackRefactor and ExecuteStackRefactor.

use aws_sdk_cloudformation::types::{ResourceLocation, ResourceMapping, StackDefinition};

use super::api::{ApiError, StackRefactorInfo, StackRefactorRequest};
use super::aws::{map_err, AwsCloud};

fn location(stack: &str, id: &str) -> ResourceLocation {
    ResourceLocation::builder()
        .stack_name(stack)
        .logical_resource_id(id)
        .build()
}

pub(super) async fn create(
    cloud: &AwsCloud,
    region: &str,
    req: &StackRefactorRequest,
) -> Result<String, ApiError> {
    let mut call = cloud
        .cfn(region)
        .create_stack_refactor()
        .description(&req.description)
        .enable_stack_creation(req.enable_stack_creation);
    for ((fs, fid), (ts, tid)) in &req.mappings {
        call = call.resource_mappings(
            ResourceMapping::builder()
                .source(location(fs, fid))
                .destination(location(ts, tid))
                .build(),
        );
    }
    for (name, body) in &req.stacks {
        call = call.stack_definitions(
            StackDefinition::builder()
                .stack_name(name)
                .template_body(body)
                .build(),
        );
    }
    let out = call.send().await.map_err(map_err)?;
    out.stack_refactor_id()
        .map(str::to_string)
        .ok_or_else(|| ApiError::Transport("CreateStackRefactor returned no refactor ID".into()))
}

pub(super) async fn describe(
    cloud: &AwsCloud,
    region: &str,
    id: &str,
) -> Result<StackRefactorInfo, ApiError> {
    let out = cloud
        .cfn(region)
        .describe_stack_refactor()
        .stack_refactor_id(id)
        .send()
        .await
        .map_err(map_err)?;
    Ok(StackRefactorInfo {
        status: out
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "CREATE_IN_PROGRESS".into()),
        status_reason: out.status_reason().map(str::to_string),
        execution_status: out.execution_status().map(|s| s.as_str().to_string()),
        execution_status_reason: out.execution_status_reason().map(str::to_string),
    })
}

pub(super) async fn execute(cloud: &AwsCloud, region: &str, id: &str) -> Result<(), ApiError> {
    cloud
        .cfn(region)
        .execute_stack_refactor()
        .stack_refactor_id(id)
        .send()
        .await
        .map_err(map_err)?;
    Ok(())
}
