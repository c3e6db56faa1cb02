//! The fake's stack refactor, as the API reference describes it: a
//! refactor may only move resources (every resource a definition drops
//! must be a mapping's source in that stack, every one it adds a mapping's
//! destination), the stacks must exist unless stack creation is enabled,
//! and a created refactor runs only when executed.

use super::*;
use crate::deploy::api::{StackRefactorInfo, StackRefactorRequest};

/// A refactor the fake holds.
#[derive(Debug, Clone)]
pub struct FakeRefactor {
    pub region: String,
    pub request: StackRefactorRequest,
    pub info: StackRefactorInfo,
}

fn check(s: &State, region: &str, req: &StackRefactorRequest) -> Result<(), String> {
    for (name, body) in &req.stacks {
        let key = (region.to_string(), name.clone());
        let before = match s.stacks.get(&key).filter(|st| !st.deleted) {
            Some(st) => resources(st.template.as_deref().unwrap_or("{}")),
            None if req.enable_stack_creation => BTreeMap::new(),
            None => return Err(format!("Stack [{name}] does not exist")),
        };
        let after = resources(body);
        for id in before.keys().filter(|k| !after.contains_key(*k)) {
            if !req
                .mappings
                .iter()
                .any(|((fs, fid), _)| fs == name && fid == id)
            {
                return Err(format!("Resource {id} is removed from stack {name} but is not the source of a resource mapping"));
            }
        }
        for id in after.keys().filter(|k| !before.contains_key(*k)) {
            if !req
                .mappings
                .iter()
                .any(|(_, (ts, tid))| ts == name && tid == id)
            {
                return Err(format!("Resource {id} is added to stack {name} but is not the destination of a resource mapping"));
            }
        }
    }
    Ok(())
}

pub(super) fn create(
    fake: &FakeCfn,
    region: &str,
    req: &StackRefactorRequest,
) -> Result<String, ApiError> {
    let mut s = fake.state.borrow_mut();
    s.calls.push(format!("CreateStackRefactor {region}"));
    s.serial += 1;
    let id = format!("refactor-{}", s.serial);
    let checked = match &s.refactor_refusal {
        Some(r) => Err(r.clone()),
        None => check(&s, region, req),
    };
    let info = match checked {
        Ok(()) => StackRefactorInfo {
            status: "CREATE_COMPLETE".into(),
            execution_status: Some("AVAILABLE".into()),
            ..Default::default()
        },
        Err(reason) => StackRefactorInfo {
            status: "CREATE_FAILED".into(),
            status_reason: Some(reason),
            execution_status: Some("UNAVAILABLE".into()),
            ..Default::default()
        },
    };
    s.refactors.insert(
        id.clone(),
        FakeRefactor {
            region: region.to_string(),
            request: req.clone(),
            info,
        },
    );
    Ok(id)
}

pub(super) fn describe(
    fake: &FakeCfn,
    region: &str,
    id: &str,
) -> Result<StackRefactorInfo, ApiError> {
    let mut s = fake.state.borrow_mut();
    s.calls.push(format!("DescribeStackRefactor {region}"));
    s.refactors
        .get(id)
        .map(|r| r.info.clone())
        .ok_or_else(|| ApiError::NotFound(format!("Stack refactor {id} does not exist")))
}

pub(super) fn execute(fake: &FakeCfn, region: &str, id: &str) -> Result<(), ApiError> {
    let mut guard = fake.state.borrow_mut();
    let s = &mut *guard;
    s.calls.push(format!("ExecuteStackRefactor {region}"));
    let r = s
        .refactors
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("Stack refactor {id} does not exist")))?;
    if r.info.execution_status.as_deref() != Some("AVAILABLE") {
        return Err(ApiError::Service {
            code: "ValidationError".into(),
            message: format!("Stack refactor {id} is not available for execution"),
        });
    }
    for (name, body) in &r.request.stacks {
        if let Some(st) = s.stacks.get_mut(&(r.region.clone(), name.clone())) {
            st.template = Some(body.clone());
        }
    }
    if let Some(x) = s.refactors.get_mut(id) {
        x.info.execution_status = Some("EXECUTE_COMPLETE".into());
    }
    Ok(())
}
