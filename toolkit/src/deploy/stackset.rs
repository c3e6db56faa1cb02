//! StackSets: a stack of the assembly deployed to many accounts and regions
//! (`StackSet::new` in the model, `stackSet` in its manifest entry). deploy
//! creates or updates the StackSet in the stack's region, then brings its
//! instances to the targets: missing ones created, ones whose overrides
//! changed (or whose last operation failed) updated, ones no target names
//! deleted (after confirmation). Every operation is followed to its end and
//! its result reported per account and region.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use meshsynth::assembly::{OperationArtifact, StackSetArtifact};
use meshsynth::untrusted::inert;

use super::api::{ApiError, StackId};
use super::engine::{APP_TAG, CAPABILITIES, OWNER_TAG};
use super::events::{Approver, Prompt, PromptKind};
use super::DeployError;

/// A StackSet as DescribeStackSet reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StackSetInfo {
    /// `ACTIVE` or `DELETED`.
    pub status: String,
    /// The template body.
    pub template: String,
    /// The description.
    pub description: Option<String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// One stack instance (ListStackInstances, with DescribeStackInstance's overrides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The OU it was deployed through (service-managed), if any.
    pub organizational_unit: Option<String>,
    /// `CURRENT`, `OUTDATED` or `INOPERABLE`.
    pub status: String,
    /// Why it is not current, when CloudFormation says.
    pub reason: Option<String>,
}

/// Where one CreateStackInstances / UpdateStackInstances / DeleteStackInstances call goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceTargets {
    /// Accounts (self-managed).
    pub accounts: Vec<String>,
    /// OUs (service-managed).
    pub organizational_units: Vec<String>,
    /// Regions, in order.
    pub regions: Vec<String>,
    /// Parameter overrides for these instances.
    pub overrides: BTreeMap<String, String>,
}

/// What CreateStackSet / UpdateStackSet send.
#[derive(Debug, Clone, PartialEq)]
pub struct StackSetRequest {
    /// The StackSet name.
    pub name: String,
    /// The template body.
    pub template: String,
    /// Capabilities acknowledged.
    pub capabilities: Vec<String>,
    /// Tags (the ownership mark).
    pub tags: Vec<(String, String)>,
    /// The manifest's settings (permissions, roles, auto deployment, description).
    pub spec: StackSetArtifact,
}

/// One account and region's result of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceResult {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// `SUCCEEDED`, `FAILED`, `CANCELLED`…
    pub status: String,
    /// CloudFormation's reason.
    pub reason: Option<String>,
}

/// The StackSet calls, beside [`CfnApi`](super::api::CfnApi).
#[allow(async_fn_in_trait)]
pub trait StackSetApi {
    /// DescribeStackSet; `None` when it does not exist (or was deleted).
    async fn describe_stack_set(&self, set: &StackId) -> Result<Option<StackSetInfo>, ApiError>;
    /// CreateStackSet.
    async fn create_stack_set(&self, region: &str, req: &StackSetRequest) -> Result<(), ApiError>;
    /// UpdateStackSet of the template and settings, on every instance; the operation ID.
    async fn update_stack_set(
        &self,
        region: &str,
        req: &StackSetRequest,
        op: &OperationArtifact,
    ) -> Result<String, ApiError>;
    /// ListStackInstances, every page.
    async fn list_stack_instances(&self, set: &StackId) -> Result<Vec<Instance>, ApiError>;
    /// DescribeStackInstance's parameter overrides.
    async fn instance_overrides(
        &self,
        set: &StackId,
        account: &str,
        region: &str,
    ) -> Result<BTreeMap<String, String>, ApiError>;
    /// CreateStackInstances (`update` false) or UpdateStackInstances; the operation ID.
    async fn put_stack_instances(
        &self,
        set: &StackId,
        targets: &InstanceTargets,
        op: &OperationArtifact,
        update: bool,
    ) -> Result<String, ApiError>;
    /// DeleteStackInstances (the stacks deleted, not retained); the operation ID.
    async fn delete_stack_instances(
        &self,
        set: &StackId,
        targets: &InstanceTargets,
        op: &OperationArtifact,
    ) -> Result<String, ApiError>;
    /// DeleteStackSet (it must have no instances).
    async fn delete_stack_set(&self, set: &StackId) -> Result<(), ApiError>;
    /// DescribeStackSetOperation: status and reason.
    async fn operation_status(
        &self,
        set: &StackId,
        op: &str,
    ) -> Result<(String, Option<String>), ApiError>;
    /// ListStackSetOperationResults, every page.
    async fn operation_results(
        &self,
        set: &StackId,
        op: &str,
    ) -> Result<Vec<InstanceResult>, ApiError>;
}

/// Parameter overrides by key.
pub type Overrides = BTreeMap<String, String>;

/// Instances by (unit, region), where the unit is an account
/// (self-managed) or an OU (service-managed), with their overrides.
pub type Pairs = BTreeMap<(String, String), Overrides>;

/// Groups (unit, region) pairs with the same overrides into calls: units
/// with the same regions share one.
pub fn group(
    pairs: &Pairs,
    service_managed: bool,
    region_order: &[String],
) -> Vec<InstanceTargets> {
    let mut by_unit: BTreeMap<(&str, &Overrides), Vec<&str>> = BTreeMap::new();
    for ((u, r), o) in pairs {
        by_unit.entry((u.as_str(), o)).or_default().push(r.as_str());
    }
    let mut calls: BTreeMap<(Vec<&str>, &Overrides), Vec<String>> = BTreeMap::new();
    for ((u, o), mut regions) in by_unit {
        let pos = |r: &str| {
            region_order
                .iter()
                .position(|x| x == r)
                .unwrap_or(usize::MAX)
        };
        regions.sort_by_key(|r| (pos(r), r.to_string()));
        calls.entry((regions, o)).or_default().push(u.to_string());
    }
    calls
        .into_iter()
        .map(|((regions, o), units)| {
            let regions = regions.into_iter().map(str::to_string).collect();
            if service_managed {
                InstanceTargets {
                    organizational_units: units,
                    regions,
                    overrides: o.clone(),
                    ..Default::default()
                }
            } else {
                InstanceTargets {
                    accounts: units,
                    regions,
                    overrides: o.clone(),
                    ..Default::default()
                }
            }
        })
        .collect()
}

/// What a deploy of one StackSet did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackSetOutcome {
    /// Whether the StackSet was created (else updated or unchanged).
    pub created: bool,
    /// Whether its template or settings were updated.
    pub updated: bool,
    /// Instances created, updated and deleted.
    pub instances_created: usize,
    /// Instances updated.
    pub instances_updated: usize,
    /// Instances deleted.
    pub instances_deleted: usize,
}

/// Where deploy writes its progress lines while it works on a StackSet.
pub trait StackSetUi {
    /// One progress line.
    fn line(&self, text: String);
}

/// Who answers before instances are deleted; `None` deletes without asking (`--force`).
pub type Confirm<'a, P> = Option<&'a P>;

/// Deploys one StackSet: its template, then its instances.
#[allow(clippy::too_many_arguments)]
pub async fn deploy<A: StackSetApi, P: Approver>(
    api: &A,
    set: &StackId,
    template: &[u8],
    spec: &StackSetArtifact,
    app: Option<&str>,
    ui: &dyn StackSetUi,
    confirm: Confirm<'_, P>,
    poll: Duration,
) -> Result<StackSetOutcome, DeployError> {
    let err = |op: &'static str| api_err(set, op);
    let req = request(set, template, spec, app)?;
    let op = &spec.operation;
    let mut outcome = StackSetOutcome::default();
    let existing = api
        .describe_stack_set(set)
        .await
        .map_err(err("DescribeStackSet"))?;
    let mut template_changed = false;
    if let Some(info) = &existing {
        if info.tags.get(OWNER_TAG).map(String::as_str) != Some("true") {
            return Err(DeployError::NotOwned {
                stack: set.clone(),
                why: format!(
                    "is a StackSet in {} that meshsynth did not create (it has no {OWNER_TAG} tag)",
                    set.region
                ),
            });
        }
        let parse = |t: &str| meshsynth::assembly::parse_template("template", t.as_bytes()).ok();
        template_changed = parse(&info.template).is_none()
            || parse(&info.template) != parse(&req.template)
            || info.description != spec.description;
    }
    // Everything is read and decided before anything changes: a refused
    // confirmation leaves the StackSet as it was.
    let service = spec.permission_model == "SERVICE_MANAGED";
    let (create, update, delete) = instance_changes(api, set, spec, existing.is_some()).await?;
    if !delete.is_empty() {
        confirm_delete(confirm, set, &delete).await?;
    }
    let region_order: Vec<String> = spec
        .targets
        .iter()
        .flat_map(|t| t.regions.iter().cloned())
        .collect();
    if existing.is_none() {
        ui.line(format!("{set}: creating the StackSet"));
        api.create_stack_set(&set.region, &req)
            .await
            .map_err(err("CreateStackSet"))?;
        outcome.created = true;
    } else if template_changed {
        ui.line(format!(
            "{set}: updating the StackSet's template on every instance"
        ));
        let id = api
            .update_stack_set(&set.region, &req, op)
            .await
            .map_err(err("UpdateStackSet"))?;
        follow(api, set, &id, "UpdateStackSet", ui, poll).await?;
        outcome.updated = true;
    }
    let steps = [
        (&create, "creating", "CreateStackInstances"),
        (&update, "updating", "UpdateStackInstances"),
        (&delete, "deleting", "DeleteStackInstances"),
    ];
    for (pairs, verb, call) in steps {
        for t in group(pairs, service, &region_order) {
            ui.line(format!(
                "{set}: {verb} instances in {} × {}",
                inert(&units_of(&t).join(", ")),
                inert(&t.regions.join(", "))
            ));
            let id = match verb {
                "deleting" => api.delete_stack_instances(set, &t, op).await,
                _ => {
                    api.put_stack_instances(set, &t, op, verb == "updating")
                        .await
                }
            }
            .map_err(err(call))?;
            follow(api, set, &id, call, ui, poll).await?;
        }
    }
    outcome.instances_created = create.len();
    outcome.instances_updated = update.len();
    outcome.instances_deleted = delete.len();
    Ok(outcome)
}

/// The CreateStackSet / UpdateStackSet request of a StackSet of the assembly.
fn request(
    set: &StackId,
    template: &[u8],
    spec: &StackSetArtifact,
    app: Option<&str>,
) -> Result<StackSetRequest, DeployError> {
    let body = String::from_utf8(template.to_vec()).map_err(|_| DeployError::Assembly {
        path: set.name.clone(),
        message: "the StackSet's template is not UTF-8".into(),
    })?;
    if body.len() > meshsynth::synth::MAX_INLINE_TEMPLATE_BYTES {
        return Err(DeployError::Assembly {
            path: set.name.clone(),
            message: format!(
                "the StackSet's template is {} bytes; StackSets are deployed with an inline template of at most 51,200 bytes (split the stack)",
                body.len()
            ),
        });
    }
    check_targets(set, spec)?;
    let mut tags = vec![(OWNER_TAG.to_string(), "true".to_string())];
    if let Some(a) = app {
        tags.push((APP_TAG.to_string(), a.to_string()));
    }
    Ok(StackSetRequest {
        name: set.name.clone(),
        template: body,
        capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
        tags,
        spec: spec.clone(),
    })
}

/// The instances to create, update and delete (read, nothing changed).
async fn instance_changes<A: StackSetApi>(
    api: &A,
    set: &StackId,
    spec: &StackSetArtifact,
    exists: bool,
) -> Result<(Pairs, Pairs, Pairs), DeployError> {
    let err = |op: &'static str| api_err(set, op);
    let service = spec.permission_model == "SERVICE_MANAGED";
    let want = spec.instances();
    let have = if exists {
        api.list_stack_instances(set)
            .await
            .map_err(err("ListStackInstances"))?
    } else {
        Vec::new()
    };
    let unit = |i: &Instance| {
        if service {
            i.organizational_unit.clone().unwrap_or_default()
        } else {
            i.account.clone()
        }
    };
    let have_keys: BTreeSet<(String, String)> =
        have.iter().map(|i| (unit(i), i.region.clone())).collect();
    let mut create = BTreeMap::new();
    let mut update = BTreeMap::new();
    for (k, o) in &want {
        if !have_keys.contains(k) {
            create.insert(k.clone(), o.clone());
        }
    }
    if !service {
        for i in &have {
            let k = (unit(i), i.region.clone());
            let Some(o) = want.get(&k) else { continue };
            let current = api
                .instance_overrides(set, &i.account, &i.region)
                .await
                .map_err(err("DescribeStackInstance"))?;
            if &current != o || i.status == "OUTDATED" {
                update.insert(k, o.clone());
            }
        }
    }
    let delete: Pairs = have_keys
        .iter()
        .filter(|k| !want.contains_key(*k))
        .map(|k| (k.clone(), BTreeMap::new()))
        .collect();
    Ok((create, update, delete))
}

/// Asks before instances are deleted (`None`: `--force`, no question).
async fn confirm_delete<P: Approver>(
    confirm: Confirm<'_, P>,
    set: &StackId,
    delete: &Pairs,
) -> Result<(), DeployError> {
    let names: Vec<String> = delete.keys().map(|(u, r)| format!("{u} {r}")).collect();
    let answer = match confirm {
        None => Ok(true),
        Some(p) => {
            p.confirm(&Prompt {
                kind: PromptKind::Destroy,
                question: format!(
                    "delete {} instance(s) of StackSet {set} that no target names any more?",
                    names.len()
                ),
                details: names.clone(),
            })
            .await
        }
    };
    match answer {
        Ok(true) => {}
        Ok(false) => {
            return Err(DeployError::NotConfirmed {
                stack: set.clone(),
                what: format!("deleting {} StackSet instance(s)", names.len()),
            })
        }
        Err(reason) => {
            return Err(DeployError::CannotConfirm {
                stack: set.clone(),
                reason,
            })
        }
    }
    Ok(())
}

/// Deletes every instance of a StackSet, then the StackSet.
pub async fn destroy<A: StackSetApi>(
    api: &A,
    set: &StackId,
    spec: &StackSetArtifact,
    ui: &dyn StackSetUi,
    poll: Duration,
) -> Result<bool, DeployError> {
    let err = |op: &'static str| api_err(set, op);
    let Some(info) = api
        .describe_stack_set(set)
        .await
        .map_err(err("DescribeStackSet"))?
    else {
        return Ok(false);
    };
    if info.tags.get(OWNER_TAG).map(String::as_str) != Some("true") {
        return Err(DeployError::NotOwned {
            stack: set.clone(),
            why: format!(
                "is a StackSet in {} that meshsynth did not create (it has no {OWNER_TAG} tag)",
                set.region
            ),
        });
    }
    let have = api
        .list_stack_instances(set)
        .await
        .map_err(err("ListStackInstances"))?;
    let service = spec.permission_model == "SERVICE_MANAGED";
    let pairs: Pairs = have
        .iter()
        .map(|i| {
            let u = if service {
                i.organizational_unit.clone().unwrap_or_default()
            } else {
                i.account.clone()
            };
            ((u, i.region.clone()), BTreeMap::new())
        })
        .collect();
    for t in group(&pairs, service, &[]) {
        ui.line(format!(
            "{}: deleting instances in {} × {}",
            set,
            inert(&units_of(&t).join(", ")),
            inert(&t.regions.join(", "))
        ));
        let id = api
            .delete_stack_instances(set, &t, &spec.operation)
            .await
            .map_err(err("DeleteStackInstances"))?;
        follow(api, set, &id, "DeleteStackInstances", ui, poll).await?;
    }
    api.delete_stack_set(set)
        .await
        .map_err(err("DeleteStackSet"))?;
    Ok(true)
}

/// The manifest may come from a pull request: its targets are checked as
/// `StackSet::new` checks them before any of them reaches a call or a line.
fn check_targets(set: &StackId, spec: &StackSetArtifact) -> Result<(), DeployError> {
    use meshsynth::core::names::{validate_account, validate_region};
    let bad = |what: &str, v: &str| DeployError::Assembly {
        path: set.name.clone(),
        message: format!(
            "the StackSet's {what} {} is not valid; synthesize the assembly again with meshsynth",
            inert(v)
        ),
    };
    let plain = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    for t in &spec.targets {
        if let Some(a) = t.accounts.iter().find(|a| validate_account(a).is_err()) {
            return Err(bad("account", a));
        }
        if let Some(r) = t.regions.iter().find(|r| validate_region(r).is_err()) {
            return Err(bad("region", r));
        }
        if let Some(o) = t.organizational_units.iter().find(|o| !plain(o)) {
            return Err(bad("organizational unit", o));
        }
    }
    Ok(())
}

/// An error of the StackSet call `op`, named after the StackSet.
fn api_err(set: &StackId, op: &'static str) -> impl Fn(ApiError) -> DeployError {
    let set = set.clone();
    move |e| DeployError::Api {
        stack: set.clone(),
        operation: op,
        source: e,
    }
}

fn units_of(t: &InstanceTargets) -> Vec<String> {
    if t.organizational_units.is_empty() {
        t.accounts.clone()
    } else {
        t.organizational_units.clone()
    }
}

/// Longest a StackSet operation is followed (an operation over 40
/// accounts in 3 regions, one at a time, takes hours on AWS).
const MAX_OPERATION: Duration = Duration::from_secs(6 * 3600);

/// Polls an operation to its end; each account and region's result is a
/// line, and a failed one an error naming them.
async fn follow<A: StackSetApi>(
    api: &A,
    set: &StackId,
    op: &str,
    what: &'static str,
    ui: &dyn StackSetUi,
    poll: Duration,
) -> Result<(), DeployError> {
    let start = tokio::time::Instant::now();
    let mut delay = poll;
    let (status, reason) = loop {
        let (status, reason) =
            api.operation_status(set, op)
                .await
                .map_err(|e| DeployError::Api {
                    stack: set.clone(),
                    operation: "DescribeStackSetOperation",
                    source: e,
                })?;
        if !matches!(status.as_str(), "RUNNING" | "QUEUED" | "STOPPING") {
            break (status, reason);
        }
        if start.elapsed() > MAX_OPERATION {
            return Err(DeployError::StillRunning {
                stack: set.clone(),
                status,
                waited_secs: start.elapsed().as_secs(),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    };
    let results = api
        .operation_results(set, op)
        .await
        .map_err(api_err(set, "ListStackSetOperationResults"))?;
    let mut failed = Vec::new();
    for r in &results {
        let why = r
            .reason
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| format!(": {}", inert(s)))
            .unwrap_or_default();
        ui.line(format!(
            "    {} {}: {}{why}",
            inert(&r.account),
            inert(&r.region),
            inert(&r.status)
        ));
        if r.status != "SUCCEEDED" {
            failed.push(format!("{} {}{why}", inert(&r.account), inert(&r.region)));
        }
    }
    if status == "SUCCEEDED" && failed.is_empty() {
        return Ok(());
    }
    let reason = reason
        .map(|r| format!(" ({})", inert(&r)))
        .unwrap_or_default();
    Err(DeployError::StackFailed {
        stack: set.clone(),
        status: format!("{what} {status}"),
        resource: None,
        reason: Some(if failed.is_empty() {
            format!("the operation ended {status}{reason}")
        } else {
            format!("failed in {}{reason}", failed.join("; "))
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshsynth::assembly::StackSetTargetArtifact;

    fn spec(targets: Vec<StackSetTargetArtifact>) -> StackSetArtifact {
        StackSetArtifact {
            permission_model: "SELF_MANAGED".into(),
            administration_role_arn: None,
            execution_role_name: None,
            auto_deployment: None,
            description: None,
            targets,
            operation: OperationArtifact {
                max_concurrent_count: Some(1),
                max_concurrent_percentage: None,
                failure_tolerance_count: Some(0),
                failure_tolerance_percentage: None,
                region_concurrency_type: "SEQUENTIAL".into(),
            },
        }
    }

    fn target(accounts: &[&str], regions: &[&str], o: &[(&str, &str)]) -> StackSetTargetArtifact {
        StackSetTargetArtifact {
            accounts: accounts.iter().map(|s| s.to_string()).collect(),
            organizational_units: vec![],
            regions: regions.iter().map(|s| s.to_string()).collect(),
            parameter_overrides: o
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn instances_group_into_few_calls_in_region_order() {
        let s = spec(vec![
            target(
                &["111111111111", "222222222222"],
                &["us-east-1", "eu-west-1"],
                &[],
            ),
            target(&["333333333333"], &["eu-west-1"], &[("Env", "qa")]),
        ]);
        let want = s.instances();
        assert_eq!(want.len(), 5);
        let order = vec!["us-east-1".to_string(), "eu-west-1".to_string()];
        let calls = group(&want, false, &order);
        assert_eq!(calls.len(), 2, "{calls:?}");
        assert_eq!(calls[0].regions, ["eu-west-1"]);
        assert_eq!(calls[0].accounts, ["333333333333"]);
        assert_eq!(calls[1].accounts, ["111111111111", "222222222222"]);
        assert_eq!(calls[1].regions, ["us-east-1", "eu-west-1"]);
        // An account missing in one region only gets a call of its own.
        let mut partial = want.clone();
        partial.remove(&("222222222222".to_string(), "us-east-1".to_string()));
        partial.retain(|(_, _), o| o.is_empty());
        let calls = group(&partial, false, &order);
        assert_eq!(calls.len(), 2, "{calls:?}");
    }

    #[test]
    fn a_manifest_target_that_is_no_account_or_region_is_refused_inert() {
        let set = StackId::new("us-east-1", "fleet");
        let ok = spec(vec![target(&["111111111111"], &["eu-west-1"], &[])]);
        assert!(check_targets(&set, &ok).is_ok());
        let bad = spec(vec![target(&["1111\u{1b}[31m"], &["eu-west-1"], &[])]);
        let e = check_targets(&set, &bad).unwrap_err().to_string();
        assert!(e.contains("the StackSet's account"), "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
        let bad = spec(vec![target(
            &["111111111111"],
            &["eu-west-1\nerror: forged"],
            &[],
        )]);
        let e = check_targets(&set, &bad).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
    }
}
