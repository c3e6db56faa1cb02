//! EventBridge family (feature `aws-events`): a rule on a schedule or an
//! event pattern, and targets whose resource policies (and keys) the
//! integration writes, as CDK's `aws-events-targets` do.

/// The generated L1 structs of EventBridge (`AWS::Events::*`).
pub use crate::aws::cfn::events as cfn;

use cfn::{rule, CfnEventBus, CfnRule};

use crate::core::{Error, ResourceRef, Scope, Value};

/// Props of an [`EventBus`].
#[derive(Debug, Clone, Default)]
pub struct EventBusProps {
    /// The bus name (1-256 letters, digits, `.`, `-`, `_`; not `default`).
    /// Required.
    pub name: String,
    /// The customer key that encrypts events at rest (the key is made to
    /// admit EventBridge). Default: none (an AWS-owned key).
    pub key: Option<crate::aws::kms::Key>,
    /// A description. Default: the construct path.
    pub description: Option<String>,
}

/// A custom event bus, for events your services put (the default bus
/// carries AWS's).
#[derive(Debug, Clone, Copy)]
pub struct EventBus {
    /// The L1 bus.
    pub resource: ResourceRef<CfnEventBus>,
}

impl EventBus {
    /// Adds an event bus.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: EventBusProps) -> Result<EventBus, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        let ok = (1..=256).contains(&props.name.len())
            && props.name != "default"
            && props
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c));
        if !ok {
            return Err(scope.error_at(
                id,
                format!("event bus name {:?} is not valid", props.name),
                "use 1 to 256 letters, digits, '.', '-' and '_' (not \"default\", the account's own bus)",
            ));
        }
        if let Some(key) = props.key {
            key.admit(
                scope,
                crate::aws::kms::KeyUser::Service("events.amazonaws.com".into()),
            )?;
        }
        let resource = scope.add_resource(
            id,
            CfnEventBus {
                description: Some(props.description.unwrap_or_else(|| path.clone()).into()),
                kms_key_identifier: props.key.map(|k| k.arn()),
                ..CfnEventBus::new(props.name)
            },
        )?;
        Ok(EventBus { resource })
    }

    /// The bus name (`Ref`), what `RuleProps::event_bus_name` takes.
    pub fn name(&self) -> Value {
        self.resource.reference()
    }

    /// The bus ARN, what a publisher's `events:PutEvents` grant names.
    pub fn arn(&self) -> Value {
        self.resource.attr("Arn")
    }

    /// Statements that let a role put events on this bus.
    pub fn grant_put_events(&self) -> Vec<crate::aws::iam::PolicyStatement> {
        vec![crate::aws::iam::PolicyStatement::allow(
            ["events:PutEvents"],
            [self.arn()],
        )]
    }
}

/// When a rule fires.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A schedule: `cron(0 3 * * ? *)` or `rate(5 minutes)`.
    Schedule(String),
    /// An event pattern, as JSON (`{"source": ["aws.s3"]}`).
    Pattern(serde_json::Value),
}

/// Props of a [`Rule`].
#[derive(Debug, Clone)]
pub struct RuleProps {
    /// When the rule fires. Required.
    pub trigger: Trigger,
    /// The event bus name. Default: none, the account's default bus (a
    /// schedule always runs on it).
    pub event_bus_name: Option<Value>,
    /// A description. Default: the construct path.
    pub description: Option<String>,
    /// Whether the rule is enabled. Default: true.
    pub enabled: bool,
}

impl RuleProps {
    /// A rule firing on `trigger`, the other props at their defaults.
    pub fn new(trigger: Trigger) -> RuleProps {
        RuleProps {
            trigger,
            event_bus_name: None,
            description: None,
            enabled: true,
        }
    }
}

/// An EventBridge rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The L1 rule.
    pub resource: ResourceRef<CfnRule>,
}

impl Rule {
    /// Adds a rule, with no target yet.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: RuleProps) -> Result<Rule, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        let (schedule, pattern) = match &props.trigger {
            Trigger::Schedule(expr) => {
                let ok =
                    (expr.starts_with("cron(") || expr.starts_with("rate(")) && expr.ends_with(')');
                if !ok {
                    return Err(scope.error_at(
                        id,
                        format!("schedule {expr:?} is not a cron() or rate() expression"),
                        "write e.g. cron(0 3 * * ? *) or rate(5 minutes)",
                    ));
                }
                if props.event_bus_name.is_some() {
                    return Err(scope.error_at(
                        id,
                        "a scheduled rule runs on the default event bus only",
                        "leave event_bus_name unset, or use EventBridge Scheduler",
                    ));
                }
                (Some(Value::str(expr.as_str())), None)
            }
            Trigger::Pattern(p) => {
                if p.as_object().is_none_or(|m| m.is_empty()) {
                    return Err(scope.error_at(
                        id,
                        "the event pattern is not a non-empty JSON object",
                        "write e.g. {\"source\": [\"aws.s3\"]}",
                    ));
                }
                let pattern = Value::try_from(p).map_err(|e| {
                    scope.error_at(
                        id,
                        format!("event pattern: {e}"),
                        "match a missing or null field with {\"exists\": false}",
                    )
                })?;
                (None, Some(pattern))
            }
        };
        let resource = scope.add_resource(
            id,
            CfnRule {
                schedule_expression: schedule,
                event_pattern: pattern,
                event_bus_name: props.event_bus_name,
                description: Some(props.description.unwrap_or_else(|| path.clone()).into()),
                state: Some(if props.enabled {
                    rule::State::Enabled
                } else {
                    rule::State::Disabled
                }),
                ..Default::default()
            },
        )?;
        Ok(Rule { resource })
    }

    /// The rule ARN.
    pub fn arn(&self) -> Value {
        self.resource.attr_arn()
    }

    /// Adds a target by ARN to the rule (`id` names it within the rule).
    fn add_target(&self, scope: &mut Scope<'_>, id: &str, arn: Value) -> Result<(), Error> {
        let path = scope
            .app()
            .path_of(self.resource.node())
            .unwrap_or_default()
            .to_string();
        let rule = scope.resource_mut(&self.resource).ok_or_else(|| {
            Error::construct(
                path.clone(),
                "the rule is not a rule of this app",
                "add targets to rules made in this app",
            )
        })?;
        let targets = rule.targets.get_or_insert_with(Vec::new);
        if targets.len() >= 5 {
            return Err(Error::construct(
                path,
                "a rule has at most 5 targets",
                "add a second rule with the same trigger",
            ));
        }
        targets.push(rule::Target::new(arn, id));
        Ok(())
    }

    /// Sends matching events to `queue` (feature `aws-sqs`): the target, a
    /// statement in the queue's policy for this rule alone, and for a queue
    /// encrypted with a customer key, the key admitting EventBridge.
    #[cfg(feature = "aws-sqs")]
    pub fn add_queue_target(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        queue: &crate::aws::sqs::Queue,
    ) -> Result<(), Error> {
        self.add_target(scope, id, queue.arn())?;
        queue.allow_service_to_send(scope, "events.amazonaws.com", self.arn())
    }

    /// Publishes matching events to `topic` (feature `aws-sns`): the
    /// target, a statement in the topic's policy for this rule alone, and
    /// for a topic encrypted with a customer key, the key admitting
    /// EventBridge.
    #[cfg(feature = "aws-sns")]
    pub fn add_topic_target(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        topic: &crate::aws::sns::Topic,
    ) -> Result<(), Error> {
        self.add_target(scope, id, topic.arn())?;
        topic.allow_service_to_publish(scope, "events.amazonaws.com", self.arn())
    }
}
