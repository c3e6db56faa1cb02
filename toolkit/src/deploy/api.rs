//! The CloudFormation and S3 calls deploy makes, as traits over plain data:
//! the engine is written against them, `aws.rs` implements them with the AWS
//! SDK, and the unit tests with a fake that follows the AWS documentation.

use std::collections::BTreeMap;
use std::fmt;

/// A stack in a region. `name` may also be a stack ID (ARN), which still
/// finds a deleted stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StackId {
    /// The AWS region the stack lives in.
    pub region: String,
    /// The stack name, or its stack ID.
    pub name: String,
}

impl StackId {
    /// A stack by name in a region.
    pub fn new(region: impl Into<String>, name: impl Into<String>) -> StackId {
        StackId {
            region: region.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for StackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.region)
    }
}

/// A deployed stack, as DescribeStacks reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StackInfo {
    /// The stack ID (ARN): unlike the name, it still resolves after deletion.
    pub stack_id: String,
    /// The stack name.
    pub name: String,
    /// `StackStatus`, e.g. `UPDATE_COMPLETE`.
    pub status: String,
    /// `StackStatusReason`, when CloudFormation gives one.
    pub status_reason: Option<String>,
    /// Output key → value.
    pub outputs: BTreeMap<String, String>,
    /// `EnableTerminationProtection`.
    pub termination_protection: bool,
    /// The stack's tags (meshsynth marks the stacks it creates with
    /// [`OWNER_TAG`](super::engine::OWNER_TAG)).
    pub tags: BTreeMap<String, String>,
}

/// Whether a change set creates the stack or updates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSetKind {
    /// `CREATE`: the stack does not exist yet (or is an empty `REVIEW_IN_PROGRESS` shell).
    Create,
    /// `UPDATE`: the stack exists.
    Update,
    /// `IMPORT`: brings resources that exist outside any stack under the
    /// stack (which it creates when it does not exist yet).
    Import,
}

/// One resource of an `IMPORT` change set: the template's logical id and
/// the values of its type's primary identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceToImport {
    /// The CloudFormation type, e.g. `AWS::S3::Bucket`.
    pub resource_type: String,
    /// The logical ID in the template.
    pub logical_id: String,
    /// Primary identifier property → value (`BucketName` → `acme-logs`).
    pub identifier: BTreeMap<String, String>,
}

/// Where CloudFormation reads the template from.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateSource {
    /// `TemplateBody`: up to 51,200 bytes.
    Body(String),
    /// `TemplateURL`: an S3 URL in the AWS form.
    Url(String),
}

/// A CreateChangeSet request.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeSetRequest {
    /// The target stack.
    pub stack: StackId,
    /// The change set's name, unique within the stack.
    pub change_set_name: String,
    /// CREATE or UPDATE.
    pub kind: ChangeSetKind,
    /// The template.
    pub template: TemplateSource,
    /// Parameter key → value; parameters not listed take their defaults.
    pub parameters: BTreeMap<String, String>,
    /// Capabilities acknowledged, e.g. `CAPABILITY_NAMED_IAM`.
    pub capabilities: Vec<String>,
    /// Stack tags: meshsynth's ownership mark.
    pub tags: Vec<(String, String)>,
    /// The resources an `IMPORT` change set brings in; empty otherwise.
    pub resources_to_import: Vec<ResourceToImport>,
}

/// One resource change of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`, `Import` or `Dynamic`.
    pub action: String,
    /// The resource's logical ID.
    pub logical_id: String,
    /// The CloudFormation type, e.g. `AWS::IAM::Role`.
    pub resource_type: String,
    /// `True`, `False` or `Conditional` for a Modify; `None` otherwise.
    pub replacement: Option<String>,
}

/// A change set, as DescribeChangeSet reports it (all pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetInfo {
    /// The change set ID (ARN).
    pub id: String,
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE` or `FAILED`.
    pub status: String,
    /// Why it failed, when it did.
    pub status_reason: Option<String>,
    /// `AVAILABLE`, `UNAVAILABLE`, `EXECUTE_IN_PROGRESS`…
    pub execution_status: Option<String>,
    /// Resource changes in the order CloudFormation lists them.
    pub changes: Vec<ResourceChange>,
}

/// One stack event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    /// The event ID, unique within the stack.
    pub event_id: String,
    /// The resource's logical ID (the stack name for stack-level events).
    pub logical_id: String,
    /// The resource type (`AWS::CloudFormation::Stack` for the stack itself).
    pub resource_type: String,
    /// `ResourceStatus`, e.g. `CREATE_FAILED`.
    pub status: String,
    /// `ResourceStatusReason`.
    pub reason: Option<String>,
    /// The event time as RFC 3339 text, for display only.
    pub timestamp: Option<String>,
}

impl StackEvent {
    /// True for events about the stack itself rather than one of its resources.
    pub fn is_stack_event(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack"
    }
}

/// An error from a CloudFormation or S3 call, classified by what the engine
/// does about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The stack, change set or resource does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// CreateChangeSet found nothing to change (moto raises this; AWS instead
    /// returns a FAILED change set, which the engine also recognises).
    #[error("no changes: {0}")]
    NoChanges(String),
    /// A change set of that name already exists.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The service kept throttling after the SDK's retries.
    #[error("throttled: {0}")]
    Throttled(String),
    /// Any other error the service returned.
    #[error("{code}: {message}")]
    Service {
        /// The AWS error code, e.g. `ValidationError`.
        code: String,
        /// The service's message.
        message: String,
    },
    /// No credentials anywhere in the chain.
    #[error("no AWS credentials were found (hint: pass --profile or set AWS_PROFILE; for an SSO profile run `aws sso login --profile NAME` first; or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")]
    NoCredentials,
    /// The client has no region to sign for.
    #[error("no region for the AWS client (hint: pass --region or set AWS_REGION)")]
    NoRegion,
    /// The region given (`--region`, `AWS_REGION` or the profile's) is not an AWS region code.
    #[error("region {0} is not an AWS region name (hint: pass --region with a code such as eu-west-1, or fix AWS_REGION or the profile's region)")]
    BadRegion(String),
    /// The endpoint did not answer: refused, unreachable or timed out.
    #[error("cannot reach {endpoint}: {detail} (hint: check --endpoint-url, or the network and proxy settings)")]
    Unreachable {
        /// The endpoint, e.g. `http://127.0.0.1:4566` or `the AWS endpoint`.
        endpoint: String,
        /// What the connection attempt said, e.g. `connection refused`.
        detail: String,
    },
    /// No usable answer: an unparseable response or another client-side failure.
    #[error("{0}")]
    Transport(String),
}

impl ApiError {
    /// Classifies an AWS error code and message.
    pub fn from_code(code: Option<&str>, message: Option<&str>, fallback: String) -> ApiError {
        // What an endpoint says is one line, shown inert: a `\n` in it
        // must not forge a line of deploy's output.
        use meshsynth::untrusted::inert;
        let msg = inert(message.unwrap_or_default()).into_owned();
        let Some(code) = code else {
            return ApiError::Transport(inert(&fallback).into_owned());
        };
        let code = &*inert(code);
        let lower = msg.to_ascii_lowercase();
        match code {
            "Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "SlowDown" => ApiError::Throttled(msg),
            "AlreadyExistsException" => ApiError::AlreadyExists(msg),
            "ChangeSetNotFound"
            | "ChangeSetNotFoundException"
            | "StackNotFoundException"
            | "StackSetNotFoundException"
            | "StackInstanceNotFoundException"
            | "OperationNotFoundException"
            | "NoSuchBucket"
            | "NoSuchKey" => ApiError::NotFound(msg),
            "ValidationError" if lower.contains("does not exist") => ApiError::NotFound(msg),
            "ValidationError" if lower.contains("no updates are to be performed") => {
                ApiError::NoChanges(msg)
            }
            _ => ApiError::Service {
                code: code.to_string(),
                message: msg,
            },
        }
    }
}

/// The broker strings of an MSK cluster, per listener (`GetBootstrapBrokers`);
/// `None` where the cluster has no such listener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MskBrokers {
    /// IAM over TLS, port 9098.
    pub sasl_iam: Option<String>,
    /// TLS, port 9094.
    pub tls: Option<String>,
    /// SASL/SCRAM over TLS, port 9096.
    pub sasl_scram: Option<String>,
    /// Plain text, port 9092.
    pub plaintext: Option<String>,
}

/// The calls that turn a stack output into a deferred input's value when
/// CloudFormation cannot output the value itself.
#[allow(async_fn_in_trait)]
pub trait LookupApi {
    /// Kafka `GetBootstrapBrokers` of the MSK cluster `cluster_arn` in `region`.
    async fn msk_bootstrap_brokers(
        &self,
        region: &str,
        cluster_arn: &str,
    ) -> Result<MskBrokers, ApiError>;
}

/// The CloudFormation calls deploy, destroy and `diff --against deployed` use.
///
/// The engine polls every future on one task (independent stacks run
/// concurrently, not in parallel threads), so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait CfnApi {
    /// DescribeStacks for one stack; `None` when it does not exist.
    async fn describe_stack(&self, stack: &StackId) -> Result<Option<StackInfo>, ApiError>;
    /// CreateChangeSet; returns the change set ID.
    async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<String, ApiError>;
    /// DescribeChangeSet, every page.
    async fn describe_change_set(
        &self,
        stack: &StackId,
        change_set: &str,
    ) -> Result<ChangeSetInfo, ApiError>;
    /// ExecuteChangeSet.
    async fn execute_change_set(&self, stack: &StackId, change_set: &str) -> Result<(), ApiError>;
    /// DeleteChangeSet.
    async fn delete_change_set(&self, stack: &StackId, change_set: &str) -> Result<(), ApiError>;
    /// DescribeStackEvents, newest first: pages until the event `since` (not
    /// included) or, without `since`, the first page only.
    async fn stack_events(
        &self,
        stack: &StackId,
        since: Option<&str>,
    ) -> Result<Vec<StackEvent>, ApiError>;
    /// DeleteStack.
    async fn delete_stack(&self, stack: &StackId) -> Result<(), ApiError>;
    /// CancelUpdateStack.
    async fn cancel_update_stack(&self, stack: &StackId) -> Result<(), ApiError>;
    /// ContinueUpdateRollback of a stack in `UPDATE_ROLLBACK_FAILED`;
    /// `skip` names resources CloudFormation is to mark rolled back
    /// without rolling them back (`ResourcesToSkip`).
    async fn continue_update_rollback(
        &self,
        stack: &StackId,
        skip: &[String],
    ) -> Result<(), ApiError>;
    /// GetTemplate (the original template as submitted).
    async fn get_template(&self, stack: &StackId) -> Result<String, ApiError>;
    /// UpdateTerminationProtection.
    async fn update_termination_protection(
        &self,
        stack: &StackId,
        enabled: bool,
    ) -> Result<(), ApiError>;
    /// DescribeStackResource: the physical ID of one resource, if it exists.
    async fn physical_resource_id(
        &self,
        stack: &StackId,
        logical_id: &str,
    ) -> Result<Option<String>, ApiError>;
    /// ListStackResources (all pages): what the stack holds.
    async fn list_stack_resources(&self, stack: &StackId) -> Result<Vec<StackResource>, ApiError>;
    /// CreateStackRefactor in `region`; returns the refactor's ID.
    async fn create_stack_refactor(
        &self,
        region: &str,
        req: &StackRefactorRequest,
    ) -> Result<String, ApiError>;
    /// DescribeStackRefactor.
    async fn describe_stack_refactor(
        &self,
        region: &str,
        id: &str,
    ) -> Result<StackRefactorInfo, ApiError>;
    /// ExecuteStackRefactor.
    async fn execute_stack_refactor(&self, region: &str, id: &str) -> Result<(), ApiError>;
}

/// A CreateStackRefactor request: resources moved between logical ids or
/// stacks of one region, nothing else changed.
#[derive(Debug, Clone, PartialEq)]
pub struct StackRefactorRequest {
    /// What the refactor is for, shown in the console.
    pub description: String,
    /// Whether a destination stack that does not exist is created.
    pub enable_stack_creation: bool,
    /// Every stack the moves touch: its name and its template after them.
    pub stacks: Vec<(String, String)>,
    /// (source stack, source id) → (destination stack, destination id).
    pub mappings: Vec<((String, String), (String, String))>,
}

/// A stack refactor, as DescribeStackRefactor reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackRefactorInfo {
    /// `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `CREATE_FAILED`…
    pub status: String,
    /// Why it failed, when it did.
    pub status_reason: Option<String>,
    /// `UNAVAILABLE`, `AVAILABLE`, `EXECUTE_IN_PROGRESS`, `EXECUTE_COMPLETE`,
    /// `EXECUTE_FAILED`, `ROLLBACK_*`, `OBSOLETE`.
    pub execution_status: Option<String>,
    /// Why the execution failed, when it did.
    pub execution_status_reason: Option<String>,
}

/// One resource of a stack, as ListStackResources reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackResource {
    /// The logical ID.
    pub logical_id: String,
    /// The CloudFormation type.
    pub resource_type: String,
    /// `ResourceStatus`, e.g. `CREATE_COMPLETE`.
    pub status: String,
    /// The physical ID, once it exists.
    pub physical_id: Option<String>,
}

/// Where large templates are uploaded (S3).
#[allow(async_fn_in_trait)]
pub trait ObjectStore {
    /// PutObject.
    async fn put_object(
        &self,
        region: &str,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
    ) -> Result<(), ApiError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_error_codes() {
        let e = |c: &str, m: &str| ApiError::from_code(Some(c), Some(m), String::new());
        assert!(matches!(
            e("Throttling", "Rate exceeded"),
            ApiError::Throttled(_)
        ));
        assert!(matches!(
            e("ValidationError", "Stack with id x does not exist"),
            ApiError::NotFound(_)
        ));
        assert!(matches!(
            e("ValidationError", "No updates are to be performed."),
            ApiError::NoChanges(_)
        ));
        assert!(matches!(
            e("ValidationError", "Template format error"),
            ApiError::Service { .. }
        ));
        assert!(matches!(
            ApiError::from_code(None, None, "HTTP 500".into()),
            ApiError::Transport(_)
        ));
    }
}
