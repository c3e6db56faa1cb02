//! CloudWatch family (feature `aws-cloudwatch`): an alarm on one metric,
//! whose SNS actions the integration admits (topic policy and key).

/// The generated L1 structs of CloudWatch (`AWS::CloudWatch::*`).
pub use crate::aws::cfn::cloudwatch as cfn;

use cfn::{alarm, CfnAlarm};

pub use cfn::alarm::{ComparisonOperator, Statistic, TreatMissingData};

use crate::core::{Error, ResourceRef, Scope, Value};

/// One metric: namespace, name, dimensions and how it is aggregated.
#[derive(Debug, Clone)]
pub struct Metric {
    /// `AWS/SQS`, `AWS/ApplicationELB`, or your own.
    pub namespace: String,
    /// `ApproximateNumberOfMessagesVisible`, …
    pub name: String,
    /// Dimensions, e.g. `("QueueName", queue.name())`.
    pub dimensions: Vec<(String, Value)>,
    /// How data points are aggregated per period.
    pub statistic: Statistic,
}

/// Props of an [`Alarm`].
#[derive(Debug, Clone)]
pub struct AlarmProps {
    /// The metric. Required.
    pub metric: Metric,
    /// The threshold the statistic is compared with. Required.
    pub threshold: i64,
    /// How it is compared. Default: `GreaterThanThreshold`.
    pub comparison: ComparisonOperator,
    /// Seconds per period (10, 30, or a multiple of 60). Default: 300.
    pub period_seconds: u32,
    /// Periods that must breach. Default: 1.
    pub evaluation_periods: u32,
    /// Missing data. Default: `NotBreaching`.
    pub treat_missing_data: TreatMissingData,
    /// A description. Default: the construct path.
    pub description: Option<String>,
}

impl AlarmProps {
    /// An alarm when `metric` is above `threshold`, the rest at defaults.
    pub fn new(metric: Metric, threshold: i64) -> AlarmProps {
        AlarmProps {
            metric,
            threshold,
            comparison: ComparisonOperator::GreaterThanThreshold,
            period_seconds: 300,
            evaluation_periods: 1,
            treat_missing_data: TreatMissingData::NotBreaching,
            description: None,
        }
    }
}

/// A CloudWatch alarm.
#[derive(Debug, Clone, Copy)]
pub struct Alarm {
    /// The L1 alarm.
    pub resource: ResourceRef<CfnAlarm>,
}

impl Alarm {
    /// Adds an alarm, with no action yet.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: AlarmProps) -> Result<Alarm, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        let p = props.period_seconds;
        if !(p == 10 || p == 30 || (p >= 60 && p % 60 == 0)) {
            scope.refuse(Error::construct(
                &path,
                format!("period {p} s is not 10, 30 or a multiple of 60"),
                "CloudWatch evaluates alarms every 10, 30 or 60·n seconds",
            ));
        }
        if props.evaluation_periods == 0 {
            scope.refuse(Error::construct(
                &path,
                "evaluation_periods is 0",
                "an alarm evaluates at least one period",
            ));
        }
        let resource = scope.add_resource(
            id,
            CfnAlarm {
                alarm_description: Some(props.description.unwrap_or_else(|| path.clone()).into()),
                namespace: Some(props.metric.namespace.into()),
                metric_name: Some(props.metric.name.into()),
                dimensions: (!props.metric.dimensions.is_empty()).then(|| {
                    props
                        .metric
                        .dimensions
                        .into_iter()
                        .map(|(n, v)| alarm::Dimension::new(n, v))
                        .collect()
                }),
                statistic: Some(props.metric.statistic),
                period: Some(i64::from(p).into()),
                evaluation_periods: Some(i64::from(props.evaluation_periods).into()),
                threshold: Some(props.threshold.into()),
                comparison_operator: Some(props.comparison),
                treat_missing_data: Some(props.treat_missing_data),
                ..Default::default()
            },
        )?;
        Ok(Alarm { resource })
    }

    /// The alarm ARN.
    pub fn arn(&self) -> Value {
        self.resource.attr_arn()
    }

    /// Notifies `topic` when the alarm fires and when it recovers (feature
    /// `aws-sns`): the actions, and the topic's policy and key admitting
    /// CloudWatch for this alarm.
    #[cfg(feature = "aws-sns")]
    pub fn notify(
        &self,
        scope: &mut Scope<'_>,
        topic: &crate::aws::sns::Topic,
    ) -> Result<(), Error> {
        let path = scope
            .app()
            .path_of(self.resource.node())
            .unwrap_or_default()
            .to_string();
        let alarm = scope.resource_mut(&self.resource).ok_or_else(|| {
            Error::construct(
                path,
                "the alarm is not an alarm of this app",
                "notify from alarms made in this app",
            )
        })?;
        alarm
            .alarm_actions
            .get_or_insert_with(Vec::new)
            .push(topic.arn());
        alarm
            .ok_actions
            .get_or_insert_with(Vec::new)
            .push(topic.arn());
        topic.allow_service_to_publish(scope, "cloudwatch.amazonaws.com", self.arn())
    }
}

impl Metric {
    /// A metric of an SQS queue (feature `aws-sqs`), e.g.
    /// `ApproximateNumberOfMessagesVisible` with `Maximum`.
    #[cfg(feature = "aws-sqs")]
    pub fn sqs(queue: &crate::aws::sqs::Queue, name: &str, statistic: Statistic) -> Metric {
        Metric {
            namespace: "AWS/SQS".into(),
            name: name.into(),
            dimensions: vec![("QueueName".into(), queue.name())],
            statistic,
        }
    }
}
