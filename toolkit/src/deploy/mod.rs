//! Deploy: the last step of the pipeline. It reads a cloud assembly, deploys
//! its stacks through CloudFormation change sets in dependency order
//! (independent stacks concurrently), streams their events, collects their
//! outputs and writes the Kubernetes manifests with deferred inputs filled.
//! `destroy` and `bootstrap` live here too. It never sees the construct tree.
//!
//! The engine is written against the `CfnApi` / `ObjectStore` traits; `aws`
//! implements them with the AWS SDK.

pub mod api;
pub mod approval;
pub mod aws;
mod aws_drift;
mod aws_refactor;
mod aws_stackset;
pub mod bootstrap;
pub mod deployed;
pub mod drift;
pub mod engine;
pub mod events;
pub mod limit;
pub mod manifests;
pub mod orphan;
pub mod plan;
pub mod stackset;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod scenarios;

use std::collections::BTreeMap;

pub use api::{ApiError, CfnApi, LookupApi, MskBrokers, ObjectStore, StackId};
pub use approval::{RequireApproval, SecurityAnalysis, TypeHeuristic};
pub use deployed::DeployedBaseline;
pub use engine::{DeployOptions, Engine, Poll, Report, StackOutcome, StackResult};
pub use events::{AlwaysAnswer, Approver, DeployEvent, Observer, Prompt, PromptKind, Quiet};
pub use plan::{LoadedAssembly, ParameterValue, Plan, PlannedStack};

/// An error of deploy, destroy or bootstrap. Stack errors name the stack.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeployError {
    /// The assembly on disk cannot be read or is inconsistent.
    #[error("{path}: {message}")]
    Assembly {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A stack pattern is invalid or matches nothing.
    #[error("{0}")]
    Selection(String),
    /// A stack has no region and none was given.
    #[error("stack {stack} has no region in its environment; pass --region or set AWS_REGION")]
    NoRegion {
        /// The stack name.
        stack: String,
    },
    /// A CloudFormation or S3 call failed.
    #[error("stack {stack}: {operation} failed: {source}")]
    Api {
        /// The stack.
        stack: StackId,
        /// The API operation, e.g. `CreateChangeSet`.
        operation: &'static str,
        /// The classified error.
        source: ApiError,
    },
    /// The change set could not be created.
    #[error("stack {stack}: the change set failed: {reason}")]
    ChangeSetFailed {
        /// The stack.
        stack: StackId,
        /// CloudFormation's reason.
        reason: String,
    },
    /// ExecuteChangeSet itself returned an error (emulators fail here instead
    /// of rolling back).
    #[error("stack {stack}: executing the change set failed: {message}")]
    ExecuteFailed {
        /// The stack.
        stack: StackId,
        /// The service's error.
        message: String,
    },
    /// The stack operation ended in a failed or rolled-back state.
    #[error("stack {stack} ended in {status}: {}", failure_text(.resource, .reason))]
    StackFailed {
        /// The stack.
        stack: StackId,
        /// The final status, e.g. `ROLLBACK_COMPLETE`.
        status: String,
        /// The first resource that failed, when events name one.
        resource: Option<Box<FailedResource>>,
        /// The stack's status reason.
        reason: Option<String>,
    },
    /// The stack stayed busy with another operation for longer than `--timeout`.
    #[error("stack {stack} is still {status} after {waited_secs} s (another operation is running on it); wait for it to finish or raise --timeout")]
    Busy {
        /// The stack.
        stack: StackId,
        /// The status it was stuck in.
        status: String,
        /// How long deploy waited.
        waited_secs: u64,
    },
    /// The stack's own operation ran past `follow_timeout`.
    #[error("stack {stack} is still {status} after {waited_secs} s; meshsynth stopped following it (the operation goes on in CloudFormation): check its events, then deploy again")]
    StillRunning {
        /// The stack.
        stack: StackId,
        /// The status it was in.
        status: String,
        /// How long deploy followed it.
        waited_secs: u64,
    },
    /// The stack is in a state deploy cannot move on from.
    #[error("stack {stack} is in {status}: {hint}")]
    Unrecoverable {
        /// The stack.
        stack: StackId,
        /// Its status.
        status: String,
        /// What the user can do.
        hint: String,
    },
    /// A resource `--import` was to bring in cannot be imported; nothing
    /// was changed.
    #[error("stack {stack}: cannot import {logical_id} ({resource_type}): {reason}; nothing was changed")]
    ImportRefused {
        /// The stack.
        stack: StackId,
        /// The resource's logical ID.
        logical_id: String,
        /// Its CloudFormation type.
        resource_type: String,
        /// Why, and what to do.
        reason: String,
    },
    /// The stack reports success, but does not hold every resource of its
    /// template (an endpoint that failed mid-operation).
    #[error("stack {stack} reports {status}, but {} of its template's {total} resources are not in it: {}; the endpoint did not create them (an emulator that answered HTTP 5xx during the deploy does this): look at the stack's resources, then deploy again", .missing.len(), list_some(.missing))]
    Incomplete {
        /// The stack.
        stack: StackId,
        /// The status it reports.
        status: String,
        /// Resources of the template not in the stack.
        missing: Vec<String>,
        /// Resources the template holds (without conditions).
        total: usize,
    },
    /// What the stack holds could not be read after it reported success.
    #[error("stack {stack} reports {status}, but listing its resources failed ({message}), so what it created is unknown: look at the stack, then deploy again")]
    Unverified {
        /// The stack.
        stack: StackId,
        /// The status it reports.
        status: String,
        /// The service's error.
        message: String,
    },
    /// The user declined a confirmation.
    #[error("stack {stack}: {what} was not confirmed; nothing was changed")]
    NotConfirmed {
        /// The stack.
        stack: StackId,
        /// What was asked.
        what: String,
    },
    /// A confirmation was needed and nobody could answer it.
    #[error("stack {stack}: confirmation needed, but {reason}")]
    CannotConfirm {
        /// The stack.
        stack: StackId,
        /// Why, and how to proceed.
        reason: String,
    },
    /// The moves before the change sets failed or were refused.
    #[error("{region}: {message}")]
    Refactor {
        /// The region of the stack refactor.
        region: String,
        /// What happened and what to do.
        message: String,
    },
    /// `orphan` cannot take the resource out of its stack as asked.
    #[error("stack {stack}: cannot orphan {logical_id}: {reason}; nothing was changed")]
    OrphanRefused {
        /// The stack.
        stack: StackId,
        /// The resource's logical id.
        logical_id: String,
        /// Why, and what to do.
        reason: String,
    },
    /// A template is too large to pass inline and there is no bucket for it.
    #[error("stack {stack}: the template is {bytes} bytes, over CloudFormation's 51,200-byte limit for inline templates, and no template bucket was found in {region}; run `meshsynth bootstrap --region {region}` once, or pass --bucket")]
    NoBucket {
        /// The stack.
        stack: StackId,
        /// The template size.
        bytes: usize,
        /// The stack's region.
        region: String,
    },
    /// A parameter's value comes from an output that does not exist.
    #[error("stack {stack}: parameter {parameter} needs {input}")]
    MissingInput {
        /// The consuming stack.
        stack: StackId,
        /// The parameter.
        parameter: String,
        /// Which output of which stack, and why it is missing.
        input: String,
    },
    /// The credentials belong to another account than the stack's environment names.
    #[error("stack {stack} belongs to account {expected}, but the credentials in use ({caller}) are for account {actual} (hint: pick credentials of account {expected} with --profile or AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")]
    WrongAccount {
        /// The stack.
        stack: StackId,
        /// The account of its environment.
        expected: String,
        /// The account of the credentials (STS GetCallerIdentity).
        actual: String,
        /// Who the credentials are: the caller's ARN, and the profile when one is named.
        caller: String,
    },
    /// The client could not be set up: the endpoint is unreachable.
    #[error("{source}")]
    Connect {
        /// Why.
        source: ApiError,
    },
    /// The stack exists but is not meshsynth's, or is another app's.
    #[error("stack {stack} {why}; meshsynth changes only stacks it deployed (tag {tag}), so nothing was changed. If it is yours (deployed before the tag existed, or taken over on purpose), run again with --adopt {}", .stack.name, tag = engine::OWNER_TAG)]
    NotOwned {
        /// The stack.
        stack: StackId,
        /// What its tags say.
        why: String,
    },
    /// Destroy refuses a stack with termination protection.
    #[error("stack {stack} has termination protection; disable it first (aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name {} --region {}) if you really mean to delete it", .stack.name, .stack.region)]
    TerminationProtected {
        /// The stack.
        stack: StackId,
    },
    /// A deferred input's lookup failed (e.g. the MSK cluster has no such listener).
    #[error("{placeholder} (cluster {cluster}): {message}")]
    Lookup {
        /// The placeholder.
        placeholder: String,
        /// The cluster whose manifests need it.
        cluster: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// Deferred inputs could not be filled; no manifest was written.
    #[error("resolved manifests were not written: {} deferred input(s) could not be resolved: {}", .0.len(), .0.join("; "))]
    Unresolved(Vec<String>),
    /// A local file could not be written or read.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// The first resource whose operation failed, from the stack events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedResource {
    /// Its logical ID.
    pub logical_id: String,
    /// Its CloudFormation type.
    pub resource_type: String,
    /// Its status, e.g. `CREATE_FAILED`.
    pub status: String,
    /// CloudFormation's reason.
    pub reason: String,
}

fn failure_text(resource: &Option<Box<FailedResource>>, reason: &Option<String>) -> String {
    match (resource, reason) {
        (Some(r), _) => format!(
            "first failure: {} ({}) {}: {}",
            r.logical_id, r.resource_type, r.status, r.reason
        ),
        (None, Some(reason)) => reason.clone(),
        (None, None) => "no failure reason was reported".into(),
    }
}

/// Stack name → output key → value.
pub type OutputsByStack = BTreeMap<String, BTreeMap<String, String>>;

/// The stack outputs of a deploy as the `--outputs-file` JSON bytes:
/// `{ "<stack>": { "<OutputKey>": "<value>" } }`, keys sorted.
pub fn outputs_json(outputs: &OutputsByStack) -> Vec<u8> {
    // Invariant: string maps always serialize.
    let v = serde_json::to_value(outputs).expect("string maps serialize");
    meshsynth::emit::to_json_bytes(&v)
}

/// The deployed template of each stack, as JSON (`None` when the stack does
/// not exist): for `meshsynth diff --against deployed`.
pub async fn fetch_deployed_templates<A: CfnApi>(
    api: &A,
    stacks: &[StackId],
) -> Result<BTreeMap<StackId, Option<serde_json::Value>>, DeployError> {
    let mut out = BTreeMap::new();
    for s in stacks {
        let err = |operation, source| DeployError::Api {
            stack: s.clone(),
            operation,
            source,
        };
        let info = api
            .describe_stack(s)
            .await
            .map_err(|e| err("DescribeStacks", e))?;
        let template = match info {
            // A stack that only holds an unexecuted CREATE change set, or
            // that was rolled back from its first create, deploys nothing.
            Some(i) if i.status != "REVIEW_IN_PROGRESS" && i.status != "ROLLBACK_COMPLETE" => {
                let body = match api.get_template(s).await {
                    Ok(b) => b,
                    Err(ApiError::NotFound(_)) => {
                        out.insert(s.clone(), None);
                        continue;
                    }
                    Err(e) => return Err(err("GetTemplate", e)),
                };
                let path = format!("deployed template of {s}");
                Some(
                    meshsynth::assembly::parse_template(&path, body.as_bytes()).map_err(|e| {
                        DeployError::Api {
                            stack: s.clone(),
                            operation: "GetTemplate",
                            source: ApiError::Transport(e.to_string()),
                        }
                    })?,
                )
            }
            _ => None,
        };
        out.insert(s.clone(), template);
    }
    Ok(out)
}

/// Runs `f` on a fresh single-threaded runtime: the engine polls all its work
/// on one task, and the CLI creates the runtime only for commands that talk
/// to AWS, so `--help` stays instant.
pub fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, DeployError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DeployError::Io {
            path: String::new(),
            message: format!("cannot start the async runtime: {e}"),
        })?;
    let out = rt.block_on(f);
    // Do not wait for blocking work still running (a prompt reading stdin
    // after Ctrl-C): the result is in.
    rt.shutdown_background();
    Ok(out)
}

/// The first names of a list, and how many more.
fn list_some(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    match names.len() {
        n if n > 5 => format!("{} and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}
