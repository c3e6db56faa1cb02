//! SQS family (feature `aws-sqs`): a queue encrypted by default, with its
//! dead-letter queue, grants that carry the key, and one resource policy the
//! integrations add to (an SNS subscription, an EventBridge target).
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::sqs::{DeadLetter, Queue, QueueProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let stack = Stack::new(&mut app.root(), "media-messaging",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(stack.node())?;
//!     let dlq = Queue::new(&mut s, "TranscodeDlq", QueueProps::default())?;
//!     let jobs = Queue::new(&mut s, "Transcode", QueueProps {
//!         visibility_timeout_seconds: 300,
//!         dead_letter: Some(DeadLetter { queue: dlq, max_receive_count: 5 }),
//!         ..Default::default()
//!     })?;
//!     let _send = jobs.grant_send(); // statements for a role: SendMessage on this queue
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("media-messaging").resource_count_is("AWS::SQS::Queue", 2);
//! synth.template("media-messaging").has_resource_properties("AWS::SQS::Queue",
//!     serde_json::json!({ "SqsManagedSseEnabled": true, "VisibilityTimeout": 300 }));
//! ```

/// The generated L1 structs of SQS (`AWS::SQS::*`) the constructs build on.
pub use crate::aws::cfn::sqs as cfn;

use cfn::{CfnQueue, CfnQueuePolicy};

use crate::aws::iam::{grants, PolicyStatement, Principal};
use crate::aws::kms::Key;
use crate::core::{DeletionPolicy, Error, NodeId, ResourceRef, Scope, Value};

/// How a queue's messages are encrypted at rest.
#[derive(Debug, Clone, Copy, Default)]
pub enum QueueEncryption {
    /// SQS-managed keys (SSE-SQS): no key to manage or grant. The default.
    #[default]
    SqsManaged,
    /// A customer KMS key: grants on the queue carry `kms:*` on it, and a
    /// service that delivers to the queue (SNS, EventBridge) is admitted to
    /// the key by the integration.
    Key(Key),
}

/// Where messages go after failing `max_receive_count` times.
#[derive(Debug, Clone, Copy)]
pub struct DeadLetter {
    /// The dead-letter queue (FIFO for a FIFO queue).
    pub queue: Queue,
    /// Receives before a message moves to the dead-letter queue (1..1000).
    pub max_receive_count: u32,
}

/// Props of a [`Queue`].
#[derive(Debug, Clone)]
pub struct QueueProps {
    /// The queue name. Default: none (CloudFormation generates one; a
    /// custom name makes replacement impossible without renaming).
    pub name: Option<String>,
    /// A FIFO queue (exactly-once, ordered). Default: false. A given name
    /// must then end in `.fifo`.
    pub fifo: bool,
    /// FIFO deduplication by a hash of the body. Default: false.
    pub content_based_deduplication: bool,
    /// Encryption at rest. Default: [`QueueEncryption::SqsManaged`].
    pub encryption: QueueEncryption,
    /// Seconds a received message stays hidden (0..43200). Default: 30,
    /// SQS's own; set it above your consumer's processing time.
    pub visibility_timeout_seconds: u32,
    /// Seconds a message is kept (60..1209600). Default: 345600 (4 days).
    pub retention_period_seconds: u32,
    /// Long-polling wait of a receive (0..20 seconds). Default: 20, so
    /// consumers do not pay for empty receives.
    pub receive_wait_seconds: u32,
    /// The dead-letter queue. Default: none.
    pub dead_letter: Option<DeadLetter>,
    /// What CloudFormation does with the queue when it leaves the stack or
    /// is replaced. Default: [`DeletionPolicy::Delete`], as CDK's queue:
    /// messages are work in flight, not records (set `Retain` to keep them).
    pub removal: DeletionPolicy,
}

impl Default for QueueProps {
    fn default() -> Self {
        QueueProps {
            name: None,
            fifo: false,
            content_based_deduplication: false,
            encryption: QueueEncryption::SqsManaged,
            visibility_timeout_seconds: 30,
            retention_period_seconds: 345_600,
            receive_wait_seconds: 20,
            dead_letter: None,
            removal: DeletionPolicy::Delete,
        }
    }
}

/// An SQS queue.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    /// The L1 queue.
    pub resource: ResourceRef<CfnQueue>,
    /// The construct node (its single resource policy lives below it).
    node: NodeId,
    key: Option<Key>,
    fifo: bool,
}

impl Queue {
    /// Adds a queue.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: QueueProps) -> Result<Queue, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        // Refused props are reported and the construct still built: one synth
        // lists every mistake of the platform.
        scope.refuse_all(check(&path, &props).err());
        let key = match props.encryption {
            QueueEncryption::SqsManaged => None,
            QueueEncryption::Key(k) => Some(k),
        };
        let redrive = props.dead_letter.map(|d| cfn::queue::RedrivePolicy {
            dead_letter_target_arn: Some(d.queue.arn()),
            max_receive_count: Some(i64::from(d.max_receive_count).into()),
        });
        let mut s = scope.child(id)?;
        let node = s.id();
        let resource = s.add_resource(
            "Resource",
            CfnQueue {
                queue_name: props.name.map(Value::from),
                fifo_queue: props.fifo.then_some(true.into()),
                content_based_deduplication: (props.fifo && props.content_based_deduplication)
                    .then_some(true.into()),
                sqs_managed_sse_enabled: key.is_none().then_some(true.into()),
                kms_master_key_id: key.map(|k| k.arn()),
                visibility_timeout: Some(i64::from(props.visibility_timeout_seconds).into()),
                message_retention_period: Some(i64::from(props.retention_period_seconds).into()),
                receive_message_wait_time_seconds: Some(
                    i64::from(props.receive_wait_seconds).into(),
                ),
                redrive_policy: redrive,
                ..Default::default()
            },
        )?;
        let o = s.options(resource.node())?;
        o.deletion_policy = Some(props.removal);
        o.update_replace_policy = Some(props.removal);
        if key.is_none() {
            // checkov counts only a KMS key as encryption; the default is
            // encrypted at rest too, with keys SQS manages.
            s.suppress_node(resource.node(), "CKV_AWS_27", SSE_SQS_REASON)?;
        }
        Ok(Queue {
            resource,
            node,
            key,
            fifo: props.fifo,
        })
    }

    /// The queue ARN.
    pub fn arn(&self) -> Value {
        self.resource.attr_arn()
    }

    /// The queue URL (`Ref`), what SDK calls take.
    pub fn url(&self) -> Value {
        self.resource.reference()
    }

    /// The queue name.
    pub fn name(&self) -> Value {
        self.resource.attr_queue_name()
    }

    /// Whether the queue is FIFO.
    pub fn is_fifo(&self) -> bool {
        self.fifo
    }

    /// The customer key that encrypts the queue, if any.
    pub fn key(&self) -> Option<Key> {
        self.key
    }

    /// Statements that let a role send messages (with the key's
    /// `kms:GenerateDataKey` and `kms:Decrypt` through SQS when encrypted
    /// with a customer key: the grant cannot forget it).
    pub fn grant_send(&self) -> Vec<PolicyStatement> {
        grants::send_to_queue(self.arn(), self.key.map(|k| k.arn()))
    }

    /// Statements that let a role receive, delete and extend messages (with
    /// the key's `kms:Decrypt` when encrypted with a customer key).
    pub fn grant_consume(&self) -> Vec<PolicyStatement> {
        grants::consume_queue(self.arn(), self.key.map(|k| k.arn()))
    }

    /// Adds statements to the queue's resource policy (one
    /// `AWS::SQS::QueuePolicy` below the queue, made on first use; a queue
    /// has one policy, so every integration writes into it).
    pub fn add_to_resource_policy(
        &self,
        scope: &mut Scope<'_>,
        statements: Vec<PolicyStatement>,
    ) -> Result<(), Error> {
        let url = self.url();
        crate::aws::iam::policy::add_to_one_policy(
            scope,
            self.node,
            statements,
            |doc| CfnQueuePolicy::new(doc, vec![url]),
            |p: &mut CfnQueuePolicy| &mut p.policy_document,
        )
    }

    /// Lets one AWS service principal (`sns.amazonaws.com`,
    /// `events.amazonaws.com`) send to the queue, only on behalf of
    /// `source_arn`; with a customer key, admits the service to the key.
    pub fn allow_service_to_send(
        &self,
        scope: &mut Scope<'_>,
        service: &str,
        source_arn: Value,
    ) -> Result<(), Error> {
        let statement = PolicyStatement::allow(["sqs:SendMessage"], [self.arn()])
            .with_principal(Principal::Service(Value::str(service)))
            .with_condition("ArnEquals", "aws:SourceArn", vec![source_arn]);
        self.add_to_resource_policy(scope, vec![statement])?;
        if let Some(key) = self.key {
            key.admit(scope, crate::aws::kms::KeyUser::Service(service.into()))?;
        }
        Ok(())
    }
}

/// Everything SQS would refuse, before anything is added.
/// Why a queue encrypted with SQS-managed keys passes checkov's CKV_AWS_27
/// (written into the template beside the skip).
const SSE_SQS_REASON: &str = "encrypted at rest with SQS-managed keys (SSE-SQS, the default); QueueEncryption::Key gives a customer-managed key (key policy, CloudTrail record of each use, KMS request cost)";

fn check(path: &str, p: &QueueProps) -> Result<(), Error> {
    let range = |what: &str, v: u32, lo: u32, hi: u32| {
        if (lo..=hi).contains(&v) {
            Ok(())
        } else {
            Err(Error::construct(
                path.to_string(),
                format!("{what} {v} is outside {lo}..{hi}"),
                format!("SQS accepts {what} from {lo} to {hi}"),
            ))
        }
    };
    range(
        "visibility_timeout_seconds",
        p.visibility_timeout_seconds,
        0,
        43_200,
    )?;
    range(
        "retention_period_seconds",
        p.retention_period_seconds,
        60,
        1_209_600,
    )?;
    range("receive_wait_seconds", p.receive_wait_seconds, 0, 20)?;
    if let Some(name) = &p.name {
        let stem = name.strip_suffix(".fifo").unwrap_or(name);
        let ok = !stem.is_empty()
            && name.len() <= 80
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(Error::construct(
                path.to_string(),
                format!("queue name {name:?} is not valid"),
                "use up to 80 letters, digits, '-' and '_' (and .fifo for a FIFO queue)",
            ));
        }
        if p.fifo != name.ends_with(".fifo") {
            return Err(Error::construct(
                path.to_string(),
                format!("queue name {name:?} and fifo: {} disagree", p.fifo),
                "a FIFO queue's name ends in .fifo, and only a FIFO queue's does",
            ));
        }
    }
    if let Some(d) = &p.dead_letter {
        range(
            "dead_letter.max_receive_count",
            d.max_receive_count,
            1,
            1000,
        )?;
        if d.queue.fifo != p.fifo {
            return Err(Error::construct(
                path.to_string(),
                "the dead-letter queue and the queue must both be FIFO or both standard",
                "make the dead-letter queue the same kind as the queue",
            ));
        }
    }
    Ok(())
}

/// `grant_*` on the generated L1 queue's handle, for queues written with the
/// L1 struct; `key` is the customer KMS key that encrypts it, if any (the
/// [`Queue`] construct takes it from itself).
impl ResourceRef<CfnQueue> {
    /// Send messages (`SendMessage`, `GetQueueAttributes`, `GetQueueUrl`).
    pub fn grant_send(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::send_to_queue(self.attr_arn(), key)
    }

    /// Receive, delete and extend messages.
    pub fn grant_consume(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::consume_queue(self.attr_arn(), key)
    }
}
