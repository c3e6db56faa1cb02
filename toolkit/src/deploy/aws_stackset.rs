//! [`StackSetApi`] over the AWS SDK.

use std::collections::BTreeMap;

use aws_sdk_cloudformation as cfn;
use cfn::types::{
    AutoDeployment, Capability, DeploymentTargets, Parameter, PermissionModels,
    RegionConcurrencyType, StackSetOperationPreferences, Tag,
};
use meshsynth::assembly::OperationArtifact;

use super::api::{ApiError, StackId};
use super::aws::{map_err, AwsCloud};
use super::stackset::{
    Instance, InstanceResult, InstanceTargets, StackSetApi, StackSetInfo, StackSetRequest,
};

/// Most instances or results read (bounds a misbehaving endpoint's pages).
const MAX_ITEMS: usize = 100_000;

fn preferences(op: &OperationArtifact, regions: &[String]) -> StackSetOperationPreferences {
    let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    StackSetOperationPreferences::builder()
        .set_max_concurrent_count(op.max_concurrent_count.map(to_i32))
        .set_max_concurrent_percentage(op.max_concurrent_percentage.map(i32::from))
        .set_failure_tolerance_count(op.failure_tolerance_count.map(to_i32))
        .set_failure_tolerance_percentage(op.failure_tolerance_percentage.map(i32::from))
        .region_concurrency_type(RegionConcurrencyType::from(
            op.region_concurrency_type.as_str(),
        ))
        .set_region_order(Some(regions.to_vec()))
        .build()
}

fn overrides(o: &BTreeMap<String, String>) -> Option<Vec<Parameter>> {
    Some(
        o.iter()
            .map(|(k, v)| {
                Parameter::builder()
                    .parameter_key(k)
                    .parameter_value(v)
                    .build()
            })
            .collect(),
    )
}

fn targets_of(t: &InstanceTargets) -> Option<DeploymentTargets> {
    (!t.organizational_units.is_empty()).then(|| {
        DeploymentTargets::builder()
            .set_organizational_unit_ids(Some(t.organizational_units.clone()))
            .build()
    })
}

fn accounts_of(t: &InstanceTargets) -> Option<Vec<String>> {
    (t.organizational_units.is_empty()).then(|| t.accounts.clone())
}

fn missing(op: &str) -> ApiError {
    ApiError::Transport(format!("{op} returned no operation ID"))
}

impl StackSetApi for AwsCloud {
    async fn describe_stack_set(&self, set: &StackId) -> Result<Option<StackSetInfo>, ApiError> {
        let out = match self
            .cfn(&set.region)
            .describe_stack_set()
            .stack_set_name(&set.name)
            .send()
            .await
            .map_err(map_err)
        {
            Err(ApiError::NotFound(_)) => return Ok(None),
            r => r?,
        };
        let Some(s) = out.stack_set() else {
            return Ok(None);
        };
        let status = s
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if status == "DELETED" {
            return Ok(None);
        }
        Ok(Some(StackSetInfo {
            status,
            template: s.template_body().unwrap_or_default().to_string(),
            description: s.description().map(str::to_string),
            tags: s
                .tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        }))
    }

    async fn create_stack_set(&self, region: &str, req: &StackSetRequest) -> Result<(), ApiError> {
        let s = &req.spec;
        self.cfn(region)
            .create_stack_set()
            .stack_set_name(&req.name)
            .template_body(&req.template)
            .set_description(s.description.clone())
            .set_capabilities(Some(
                req.capabilities
                    .iter()
                    .map(|c| Capability::from(c.as_str()))
                    .collect(),
            ))
            .set_tags(Some(
                req.tags
                    .iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .permission_model(PermissionModels::from(s.permission_model.as_str()))
            .set_administration_role_arn(s.administration_role_arn.clone())
            .set_execution_role_name(s.execution_role_name.clone())
            .set_auto_deployment(s.auto_deployment.as_ref().map(|a| {
                AutoDeployment::builder()
                    .enabled(a.enabled)
                    .retain_stacks_on_account_removal(a.retain_stacks_on_account_removal)
                    .build()
            }))
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn update_stack_set(
        &self,
        region: &str,
        req: &StackSetRequest,
        op: &OperationArtifact,
    ) -> Result<String, ApiError> {
        let s = &req.spec;
        let regions: Vec<String> = s.targets.iter().flat_map(|t| t.regions.clone()).collect();
        let out = self
            .cfn(region)
            .update_stack_set()
            .stack_set_name(&req.name)
            .template_body(&req.template)
            .set_description(s.description.clone())
            .set_capabilities(Some(
                req.capabilities
                    .iter()
                    .map(|c| Capability::from(c.as_str()))
                    .collect(),
            ))
            .permission_model(PermissionModels::from(s.permission_model.as_str()))
            .set_administration_role_arn(s.administration_role_arn.clone())
            .set_execution_role_name(s.execution_role_name.clone())
            .operation_preferences(preferences(op, &dedup(regions)))
            .send()
            .await
            .map_err(map_err)?;
        out.operation_id()
            .map(str::to_string)
            .ok_or_else(|| missing("UpdateStackSet"))
    }

    async fn list_stack_instances(&self, set: &StackId) -> Result<Vec<Instance>, ApiError> {
        let client = self.cfn(&set.region);
        let mut token = None;
        let mut out = Vec::new();
        loop {
            let page = client
                .list_stack_instances()
                .stack_set_name(&set.name)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(map_err)?;
            for i in page.summaries() {
                out.push(Instance {
                    account: i.account().unwrap_or_default().to_string(),
                    region: i.region().unwrap_or_default().to_string(),
                    organizational_unit: i.organizational_unit_id().map(str::to_string),
                    status: i
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: i.status_reason().map(str::to_string),
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && out.len() < MAX_ITEMS => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn instance_overrides(
        &self,
        set: &StackId,
        account: &str,
        region: &str,
    ) -> Result<BTreeMap<String, String>, ApiError> {
        let out = self
            .cfn(&set.region)
            .describe_stack_instance()
            .stack_set_name(&set.name)
            .stack_instance_account(account)
            .stack_instance_region(region)
            .send()
            .await
            .map_err(map_err)?;
        Ok(out
            .stack_instance()
            .map(|i| {
                i.parameter_overrides()
                    .iter()
                    .map(|p| {
                        (
                            p.parameter_key().unwrap_or_default().to_string(),
                            p.parameter_value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn put_stack_instances(
        &self,
        set: &StackId,
        t: &InstanceTargets,
        op: &OperationArtifact,
        update: bool,
    ) -> Result<String, ApiError> {
        let client = self.cfn(&set.region);
        let id = if update {
            client
                .update_stack_instances()
                .stack_set_name(&set.name)
                .set_accounts(accounts_of(t))
                .set_deployment_targets(targets_of(t))
                .set_regions(Some(t.regions.clone()))
                .set_parameter_overrides(overrides(&t.overrides))
                .operation_preferences(preferences(op, &t.regions))
                .send()
                .await
                .map_err(map_err)?
                .operation_id()
                .map(str::to_string)
        } else {
            client
                .create_stack_instances()
                .stack_set_name(&set.name)
                .set_accounts(accounts_of(t))
                .set_deployment_targets(targets_of(t))
                .set_regions(Some(t.regions.clone()))
                .set_parameter_overrides(overrides(&t.overrides))
                .operation_preferences(preferences(op, &t.regions))
                .send()
                .await
                .map_err(map_err)?
                .operation_id()
                .map(str::to_string)
        };
        id.ok_or_else(|| missing("CreateStackInstances"))
    }

    async fn delete_stack_instances(
        &self,
        set: &StackId,
        t: &InstanceTargets,
        op: &OperationArtifact,
    ) -> Result<String, ApiError> {
        let out = self
            .cfn(&set.region)
            .delete_stack_instances()
            .stack_set_name(&set.name)
            .set_accounts(accounts_of(t))
            .set_deployment_targets(targets_of(t))
            .set_regions(Some(t.regions.clone()))
            .retain_stacks(false)
            .operation_preferences(preferences(op, &t.regions))
            .send()
            .await
            .map_err(map_err)?;
        out.operation_id()
            .map(str::to_string)
            .ok_or_else(|| missing("DeleteStackInstances"))
    }

    async fn delete_stack_set(&self, set: &StackId) -> Result<(), ApiError> {
        self.cfn(&set.region)
            .delete_stack_set()
            .stack_set_name(&set.name)
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn operation_status(
        &self,
        set: &StackId,
        op: &str,
    ) -> Result<(String, Option<String>), ApiError> {
        let out = self
            .cfn(&set.region)
            .describe_stack_set_operation()
            .stack_set_name(&set.name)
            .operation_id(op)
            .send()
            .await
            .map_err(map_err)?;
        let o = out.stack_set_operation();
        Ok((
            o.and_then(|o| o.status())
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "RUNNING".into()),
            o.and_then(|o| o.status_reason()).map(str::to_string),
        ))
    }

    async fn operation_results(
        &self,
        set: &StackId,
        op: &str,
    ) -> Result<Vec<InstanceResult>, ApiError> {
        let client = self.cfn(&set.region);
        let mut token = None;
        let mut out = Vec::new();
        loop {
            let page = client
                .list_stack_set_operation_results()
                .stack_set_name(&set.name)
                .operation_id(op)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(map_err)?;
            for r in page.summaries() {
                out.push(InstanceResult {
                    account: r.account().unwrap_or_default().to_string(),
                    region: r.region().unwrap_or_default().to_string(),
                    status: r
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: r.status_reason().map(str::to_string),
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && out.len() < MAX_ITEMS => token = Some(t.to_string()),
                _ => break,
            }
        }
        out.sort_by(|a, b| (&a.region, &a.account).cmp(&(&b.region, &b.account)));
        Ok(out)
    }
}

fn dedup(regions: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    regions
        .into_iter()
        .filter(|r| seen.insert(r.clone()))
        .collect()
}
