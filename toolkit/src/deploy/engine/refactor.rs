//! Moves before the change sets: a resource that only changed logical id,
//! or moved to another stack of the same account and region, is moved with
//! CloudFormation's stack refactor (`CreateStackRefactor`, then
//! `ExecuteStackRefactor`), so the change sets that follow find it where
//! the new templates put it and replace nothing. What is a move is what
//! `meshsynth diff` shows as one (`meshsynth::diff::find_moves`).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use meshsynth::diff::{find_moves, rename_refs, ResourceMove};
use serde_json::Value as Json;

use super::*;
use crate::deploy::api::StackRefactorRequest;

/// The templates of a stack refactor: every stack the moves touch, as
/// deployed (empty when it is not deployed yet), with the moves applied and
/// nothing else changed.
pub fn refactor_templates(
    deployed: &IndexMap<String, Json>,
    moves: &[ResourceMove],
) -> Vec<(String, Json)> {
    let mut out: IndexMap<String, Json> = IndexMap::new();
    for m in moves {
        for s in [&m.from_stack, &m.to_stack] {
            out.entry(s.clone()).or_insert_with(|| {
                deployed
                    .get(s)
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({ "Resources": {} }))
            });
        }
    }
    for (name, t) in out.iter_mut() {
        let renames: BTreeMap<String, String> = moves
            .iter()
            .filter(|m| &m.from_stack == name && &m.to_stack == name)
            .map(|m| (m.from_id.clone(), m.to_id.clone()))
            .collect();
        if renames.is_empty() {
            continue;
        }
        rename_refs(t, &renames);
        if let Some(res) = t.get_mut("Resources").and_then(Json::as_object_mut) {
            let old = std::mem::take(res);
            for (k, v) in old {
                let k = renames.get(&k).cloned().unwrap_or(k);
                res.insert(k, v);
            }
        }
    }
    for m in moves.iter().filter(|m| m.from_stack != m.to_stack) {
        let taken = out
            .get_mut(&m.from_stack)
            .and_then(|t| t.get_mut("Resources"))
            .and_then(Json::as_object_mut)
            .and_then(|res| res.shift_remove(&m.from_id));
        let dest = out
            .get_mut(&m.to_stack)
            .and_then(|t| t.get_mut("Resources"))
            .and_then(Json::as_object_mut);
        if let (Some(r), Some(dest)) = (taken, dest) {
            dest.insert(m.to_id.clone(), r);
        }
    }
    out.into_iter().collect()
}

fn is_settled(status: &str) -> bool {
    status.ends_with("_COMPLETE") && !status.starts_with("DELETE") && status != "ROLLBACK_COMPLETE"
}

fn line(m: &ResourceMove) -> String {
    format!(
        "{}/{} → {}/{} ({})",
        m.from_stack, m.from_id, m.to_stack, m.to_id, m.resource_type
    )
}

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    /// Finds the plan's moves against the deployed stacks and performs
    /// them, region by region; `--refactor never` refuses them instead.
    pub(super) async fn refactor(&self, plan: &Plan) -> Result<(), DeployError> {
        type Templates = IndexMap<String, Json>;
        // The deployed templates, read concurrently (reads only).
        let deployed =
            futures_util::future::join_all(plan.stacks.iter().map(|st| self.deployed_template(st)))
                .await;
        let mut regions: BTreeMap<String, (Templates, Templates)> = BTreeMap::new();
        let mut accounts: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        for (st, old) in plan.stacks.iter().zip(deployed) {
            let name = st.id.name.clone();
            accounts.insert(st.id.name.as_str(), st.account.as_deref());
            let Ok(new) = meshsynth::assembly::parse_template(&name, &st.template) else {
                continue;
            };
            let entry = regions.entry(st.id.region.clone()).or_default();
            entry.1.insert(name.clone(), new);
            if let Some(t) = old? {
                entry.0.insert(name, t);
            }
        }
        for (region, (before, after)) in regions {
            // A move into a stack that is not deployed yet is not one: a
            // refactor would create that stack without meshsynth's tags.
            let moves: Vec<ResourceMove> = find_moves(&before, &after, |a, b| {
                accounts.get(a).copied().flatten() == accounts.get(b).copied().flatten()
            })
            .into_iter()
            .filter(|m| before.contains_key(&m.to_stack))
            .collect();
            if moves.is_empty() {
                continue;
            }
            let lines: Vec<String> = moves.iter().map(line).collect();
            if self.opts.refactor == RefactorMode::Never {
                return Err(DeployError::Refactor {
                    region,
                    message: format!(
                        "{} resource(s) moved ({}); with --refactor never deploy refuses to move them, and deploying them as changed would replace them: deploy with --refactor auto, or keep their deployed logical ids (override_logical_id)",
                        moves.len(),
                        lines.join(", ")
                    ),
                });
            }
            self.emit(DeployEvent::Refactoring {
                region: region.clone(),
                moves: lines.clone(),
            });
            if self.opts.require_approval == RequireApproval::Any {
                let at = StackId::new(&region, &moves[0].to_stack);
                let prompt = Prompt {
                    kind: PromptKind::ApproveChangeSet,
                    question: format!("move {} resource(s) in {region}?", moves.len()),
                    details: lines.clone(),
                };
                self.ask(&at, prompt, "moving resources").await?;
            }
            self.run_refactor(&region, &before, &moves).await?;
            self.emit(DeployEvent::Refactored { region });
        }
        Ok(())
    }

    /// The deployed template of a settled stack meshsynth owns; `None`
    /// for any other.
    async fn deployed_template(&self, st: &PlannedStack) -> Result<Option<Json>, DeployError> {
        let Some(info) = self.describe(&st.id).await? else {
            return Ok(None);
        };
        if !is_settled(&info.status) || self.check_owner(&st.id, &info).is_err() {
            return Ok(None);
        }
        let body = self
            .api
            .get_template(&st.id)
            .await
            .map_err(Self::api_err(&st.id, "GetTemplate"))?;
        Ok(meshsynth::assembly::parse_template(&st.id.name, body.as_bytes()).ok())
    }

    /// CreateStackRefactor, checked, executed and followed to its end.
    async fn run_refactor(
        &self,
        region: &str,
        deployed: &IndexMap<String, Json>,
        moves: &[ResourceMove],
    ) -> Result<(), DeployError> {
        let fail = |message: String| DeployError::Refactor {
            region: region.to_string(),
            message,
        };
        let templates = refactor_templates(deployed, moves);
        let mut stacks = Vec::new();
        for (name, t) in &templates {
            let body = serde_json::to_string(t).expect("JSON serializes");
            if body.len() > MAX_INLINE_TEMPLATE_BYTES {
                return Err(fail(format!(
                    "the refactor template of stack {name} is {} bytes, over the 51,200 bytes a stack refactor takes inline; keep the moved resources' deployed logical ids (override_logical_id) and deploy",
                    body.len()
                )));
            }
            stacks.push((name.clone(), body));
        }
        let req = StackRefactorRequest {
            description: format!(
                "meshsynth deploy: {} move(s) without replacement",
                moves.len()
            ),
            enable_stack_creation: false,
            stacks,
            mappings: moves
                .iter()
                .map(|m| {
                    (
                        (m.from_stack.clone(), m.from_id.clone()),
                        (m.to_stack.clone(), m.to_id.clone()),
                    )
                })
                .collect(),
        };
        let api_fail = |op: &str, e: ApiError| fail(format!("{op} failed: {e}"));
        let id = self
            .api
            .create_stack_refactor(region, &req)
            .await
            .map_err(|e| api_fail("CreateStackRefactor", e))?;
        let start = Instant::now();
        let mut delay = self.opts.poll.initial;
        let mut executed = false;
        loop {
            let info = self
                .api
                .describe_stack_refactor(region, &id)
                .await
                .map_err(|e| api_fail("DescribeStackRefactor", e))?;
            let exec = info.execution_status.as_deref().unwrap_or("UNAVAILABLE");
            match (info.status.as_str(), exec) {
                ("CREATE_FAILED", _) => {
                    return Err(fail(format!(
                        "CloudFormation refused the moves: {}; nothing was moved (keep the deployed logical ids with override_logical_id, or deploy with --refactor never to see them refused)",
                        info.status_reason.as_deref().map(meshsynth::untrusted::inert).unwrap_or_default()
                    )))
                }
                ("CREATE_COMPLETE", "AVAILABLE") if !executed => {
                    self.api
                        .execute_stack_refactor(region, &id)
                        .await
                        .map_err(|e| api_fail("ExecuteStackRefactor", e))?;
                    executed = true;
                }
                (_, "EXECUTE_COMPLETE") => return Ok(()),
                (_, s @ ("EXECUTE_FAILED" | "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "OBSOLETE")) => {
                    return Err(fail(format!(
                        "the stack refactor ended {s}: {}; check the stacks' events, then deploy again",
                        info.execution_status_reason.as_deref().map(meshsynth::untrusted::inert).unwrap_or_default()
                    )))
                }
                _ => {}
            }
            if start.elapsed() > self.opts.follow_timeout {
                return Err(fail(format!(
                    "the stack refactor {id} is still running after {} s; check it in CloudFormation, then deploy again",
                    start.elapsed().as_secs()
                )));
            }
            self.sleep(&mut delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_take_the_moves_and_nothing_else() {
        let deployed: IndexMap<String, Json> = [
            (
                "one".to_string(),
                json!({"Resources": {
                    "Old": {"Type": "AWS::SQS::Queue"},
                    "Policy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "Old"}]}},
                    "Logs": {"Type": "AWS::Logs::LogGroup"}
                }, "Outputs": {"Q": {"Value": {"Ref": "Old"}}}}),
            ),
            ("two".to_string(), json!({"Resources": {"Keep": {"Type": "AWS::SNS::Topic"}}})),
        ]
        .into_iter()
        .collect();
        let mv = |fs: &str, fi: &str, ts: &str, ti: &str| ResourceMove {
            from_stack: fs.into(),
            from_id: fi.into(),
            to_stack: ts.into(),
            to_id: ti.into(),
            resource_type: String::new(),
        };
        let t = refactor_templates(
            &deployed,
            &[
                mv("one", "Old", "one", "New"),
                mv("one", "Logs", "two", "Audit"),
            ],
        );
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0].1,
            json!({"Resources": {
                "New": {"Type": "AWS::SQS::Queue"},
                "Policy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "New"}]}}
            }, "Outputs": {"Q": {"Value": {"Ref": "New"}}}})
        );
        assert_eq!(
            t[1].1,
            json!({"Resources": {"Keep": {"Type": "AWS::SNS::Topic"}, "Audit": {"Type": "AWS::Logs::LogGroup"}}})
        );
    }
}
