//! SNS family (feature `aws-sns`): an encrypted topic and its
//! subscriptions. Subscribing a queue writes what CDK's `SqsSubscription`
//! writes: the subscription, the queue's policy statement that lets this
//! topic (and only it) send, and, when the queue is encrypted with a
//! customer key, the key-policy statement that lets SNS use the key.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::kms::{Key, KeyProps};
//! use meshsynth::aws::sns::{SubscriptionOptions, Topic, TopicProps};
//! use meshsynth::aws::sqs::{Queue, QueueEncryption, QueueProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let stack = Stack::new(&mut app.root(), "media-messaging",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(stack.node())?;
//!     let key = Key::new(&mut s, "MessagingKey", KeyProps::default())?;
//!     let uploads = Topic::new(&mut s, "Uploads", TopicProps { key: Some(key), ..Default::default() })?;
//!     let transcode = Queue::new(&mut s, "Transcode",
//!         QueueProps { encryption: QueueEncryption::Key(key), ..Default::default() })?;
//!     uploads.subscribe_queue(&mut s, "TranscodeSubscription", &transcode, SubscriptionOptions::default())?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! let t = synth.template("media-messaging");
//! t.resource_count_is("AWS::SNS::Subscription", 1);
//! t.resource_count_is("AWS::SQS::QueuePolicy", 1);
//! t.has_resource_properties("AWS::SNS::Subscription",
//!     serde_json::json!({ "Protocol": "sqs", "RawMessageDelivery": true }));
//! ```

/// The generated L1 structs of SNS (`AWS::SNS::*`) the constructs build on.
pub use crate::aws::cfn::sns as cfn;

#[cfg(feature = "aws-sqs")]
use cfn::CfnSubscription;
use cfn::{CfnTopic, CfnTopicPolicy};

use crate::aws::iam::{grants, PolicyStatement, Principal};
use crate::aws::kms::Key;
#[cfg(feature = "aws-sqs")]
use crate::aws::sqs::Queue;
use crate::core::{Error, NodeId, ResourceRef, Scope, Value};

/// Props of a [`Topic`].
#[derive(Debug, Clone, Default)]
pub struct TopicProps {
    /// The topic name. Default: none (CloudFormation generates one).
    pub name: Option<String>,
    /// A FIFO topic (ordered, deduplicated; the only kind a FIFO queue can
    /// subscribe to). Default: false. A given name must end in `.fifo`.
    pub fifo: bool,
    /// The customer key that encrypts messages at rest. Default: none, the
    /// AWS-managed key `alias/aws/sns` (which no other service can be
    /// granted: a CloudWatch alarm or EventBridge cannot publish to such a
    /// topic; give a customer key for those).
    pub key: Option<Key>,
    /// The display name (SMS and email subscriptions). Default: none.
    pub display_name: Option<String>,
}

/// How a subscription delivers.
#[derive(Debug, Clone)]
pub struct SubscriptionOptions {
    /// Deliver the message body only, without SNS's JSON envelope.
    /// Default: true (what a queue consumer expects).
    pub raw_message_delivery: bool,
    /// A filter policy on message attributes, as JSON. Default: none
    /// (every message).
    pub filter_policy: Option<serde_json::Value>,
}

impl Default for SubscriptionOptions {
    fn default() -> Self {
        SubscriptionOptions {
            raw_message_delivery: true,
            filter_policy: None,
        }
    }
}

/// An SNS topic.
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    /// The L1 topic.
    pub resource: ResourceRef<CfnTopic>,
    /// The construct node (its single topic policy lives below it).
    node: NodeId,
    key: Option<Key>,
    fifo: bool,
}

impl Topic {
    /// Adds a topic.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: TopicProps) -> Result<Topic, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        if let Some(name) = &props.name {
            if props.fifo != name.ends_with(".fifo") {
                scope.refuse(Error::construct(
                    &path,
                    format!("topic name {name:?} and fifo: {} disagree", props.fifo),
                    "a FIFO topic's name ends in .fifo, and only a FIFO topic's does",
                ));
            }
        }
        let mut s = scope.child(id)?;
        let node = s.id();
        let resource = s.add_resource(
            "Resource",
            CfnTopic {
                topic_name: props.name.map(Value::from),
                fifo_topic: props.fifo.then_some(true.into()),
                display_name: props.display_name.map(Value::from),
                kms_master_key_id: Some(
                    props
                        .key
                        .map_or_else(|| Value::str("alias/aws/sns"), |k| k.arn()),
                ),
                ..Default::default()
            },
        )?;
        Ok(Topic {
            resource,
            node,
            key: props.key,
            fifo: props.fifo,
        })
    }

    /// The topic ARN (`Ref`).
    pub fn arn(&self) -> Value {
        self.resource.reference()
    }

    /// The topic name (`Fn::GetAtt TopicName`), e.g. for a CloudWatch
    /// dimension.
    pub fn name(&self) -> Value {
        self.resource.attr_topic_name()
    }

    /// Whether the topic is FIFO.
    pub fn is_fifo(&self) -> bool {
        self.fifo
    }

    /// Statements that let a role publish (with `kms:GenerateDataKey` and
    /// `kms:Decrypt` on a customer key, taken from the topic).
    pub fn grant_publish(&self) -> Vec<PolicyStatement> {
        grants::publish_to_topic(self.arn(), self.key.map(|k| k.arn()))
    }

    /// Lets a service principal publish on behalf of `source_arn` (an
    /// EventBridge rule, an alarm): a statement in the topic's one policy
    /// (`AWS::SNS::TopicPolicy` below the topic, made on first use) and,
    /// with a customer key, the key admitting the service (the topic's
    /// default key cannot be shared).
    pub fn allow_service_to_publish(
        &self,
        scope: &mut Scope<'_>,
        service: &str,
        source_arn: Value,
    ) -> Result<(), Error> {
        let statement = PolicyStatement::allow(["sns:Publish"], [self.arn()])
            .with_principal(Principal::Service(Value::str(service)))
            .with_condition("ArnEquals", "aws:SourceArn", vec![source_arn]);
        let arn = self.arn();
        crate::aws::iam::policy::add_to_one_policy(
            scope,
            self.node,
            vec![statement],
            |doc| CfnTopicPolicy::new(doc, vec![arn]),
            |p: &mut CfnTopicPolicy| &mut p.policy_document,
        )?;
        if let Some(key) = self.key {
            key.admit(scope, crate::aws::kms::KeyUser::Service(service.into()))?;
        }
        Ok(())
    }

    /// Subscribes `queue` (with feature `aws-sqs`): the subscription (`id`, beside the topic), a
    /// statement in the queue's policy that lets this topic send, and, for
    /// a queue encrypted with a customer key, that key admitting SNS. A FIFO
    /// queue needs a FIFO topic.
    #[cfg(feature = "aws-sqs")]
    pub fn subscribe_queue(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        queue: &Queue,
        options: SubscriptionOptions,
    ) -> Result<ResourceRef<CfnSubscription>, Error> {
        let path = scope.child_path(id);
        if queue.is_fifo() && !self.fifo {
            scope.refuse(Error::construct(
                &path,
                "a FIFO queue cannot subscribe to a standard topic",
                "make the topic FIFO (TopicProps::fifo), or subscribe a standard queue",
            ));
        }
        queue.allow_service_to_send(scope, "sns.amazonaws.com", self.arn())?;
        let filter = options
            .filter_policy
            .map(|f| Value::try_from(&f))
            .transpose()
            .map_err(|e| {
                Error::construct(
                    path.clone(),
                    format!("filter policy: {e}"),
                    "match a missing attribute with {\"exists\": false} instead of null",
                )
            })?;
        scope.add_resource(
            id,
            CfnSubscription {
                endpoint: Some(queue.arn()),
                raw_message_delivery: options.raw_message_delivery.then_some(true.into()),
                filter_policy: filter,
                ..CfnSubscription::new("sqs", self.arn())
            },
        )
    }
}

/// `grant_*` on the generated L1 topic's handle, for topics written with the
/// L1 struct; `key` is the customer KMS key that encrypts it, if any (the
/// [`Topic`] construct takes it from itself).
impl ResourceRef<CfnTopic> {
    /// `sns:Publish` on the topic.
    pub fn grant_publish(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::publish_to_topic(self.attr_topic_arn(), key)
    }
}
