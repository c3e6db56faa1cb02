//! KEDA `keda.sh/v1alpha1` (construct layer, on the generated kinds): ScaledObject with
//! typed triggers (prometheus; kafka fed by an MSK cluster's brokers;
//! aws-cloudwatch and aws-sqs-queue with pod identity) and
//! TriggerAuthentication. Each AWS trigger says what it must be granted
//! ([`Trigger::required_statements`]). Required
//! trigger fields are checked when the object is built.
//!
//! # Example
//!
//! ```
//! use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
//! use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Shop", ChartProps::new("acme-prod").namespace("shop"))?;
//!     let mut c = app.scope(chart.node())?;
//!     MeshNamespace::new(&mut c, "Namespace",
//!         MeshNamespaceProps { name: "shop".into(), mesh: MeshMode::Sidecar, ..Default::default() })?;
//!     KedaScaler::new(&mut c, "Worker", KedaScalerProps {
//!         name: "worker".into(),
//!         target: ("apps/v1".into(), "Deployment".into(), "worker".into()),
//!         min_replicas: 1,
//!         max_replicas: 20,
//!         polling_interval: None,
//!         cooldown_period: None,
//!         triggers: vec![Trigger::Prometheus {
//!             server_address: "http://prometheus-operated.monitoring:9090".into(),
//!             query: "sum(rate(istio_requests_total{destination_service_name=\"worker\"}[1m]))".into(),
//!             threshold: "50".into(),
//!             activation_threshold: None,
//!         }],
//!         aws_identity: AwsIdentity::Workload,
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.object("ScaledObject", "worker").has(serde_json::json!({ "spec": { "maxReplicaCount": 20 } }));
//! ```

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::aws::iam::PolicyStatement;
use crate::core::{Error, LookupValue, ObjectRef, Scope, Value};

/// The KEDA kinds the scaler writes, generated from KEDA's CRDs
/// (`k8s::crd::types::keda`): every field, for objects of your own through
/// `mesh::add_object`.
pub use crate::k8s::crd::types::keda::keda_v1alpha1::{
    ClusterTriggerAuthenticationSpecAwsSecretManagerPodIdentityIdentityOwner as IdentityOwner,
    ClusterTriggerAuthenticationSpecAwsSecretManagerPodIdentityProvider as PodIdentityProvider,
    ClusterTriggerAuthenticationSpecPodIdentity as PodIdentity,
    ScaledJobSpecTriggersAuthenticationRef as AuthenticationRef, ScaledObject, ScaledObjectSpec,
    ScaledObjectSpecScaleTargetRef as ScaleTargetRef, ScaledObjectSpecTriggers as ScaleTrigger,
    TriggerAuthentication, TriggerAuthenticationSpec,
};

/// Whose AWS identity the CloudWatch/Kafka scaler uses.
#[derive(Debug, Clone, PartialEq)]
pub enum AwsIdentity {
    /// The scaled workload's IRSA role (`identityOwner: workload`).
    Workload,
    /// KEDA operator's own role.
    Keda,
    /// A role KEDA assumes (ARN, or a deferred CloudFormation value).
    Role(Value),
}

/// The brokers a Kafka trigger reads lag from.
#[derive(Debug, Clone, PartialEq)]
pub enum KafkaBrokers {
    /// A literal list, `host:port,host:port`.
    List(String),
    /// An MSK cluster's brokers, looked up at deploy
    /// (`MskCluster::bootstrap_brokers()`).
    Msk(LookupValue),
}

impl From<LookupValue> for KafkaBrokers {
    fn from(v: LookupValue) -> Self {
        KafkaBrokers::Msk(v)
    }
}

impl From<&str> for KafkaBrokers {
    fn from(v: &str) -> Self {
        KafkaBrokers::List(v.to_string())
    }
}

impl From<String> for KafkaBrokers {
    fn from(v: String) -> Self {
        KafkaBrokers::List(v)
    }
}

/// A typed trigger, checked for its required fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Scale on a PromQL query.
    Prometheus {
        /// Prometheus' address, e.g. `http://prometheus-operated.monitoring:9090`.
        server_address: String,
        /// The PromQL query; its value is compared with `threshold`.
        query: String,
        /// Target value per replica.
        threshold: String,
        /// The value above which the workload scales up from zero. Default: none.
        activation_threshold: Option<String>,
    },
    /// Scale on consumer-group lag; `bootstrap_servers` comes from the MSK
    /// construct (`kafka.bootstrap_brokers().into()`: deploy looks the
    /// brokers up) or is a literal broker list.
    Kafka {
        /// The brokers.
        bootstrap_servers: KafkaBrokers,
        /// The consumer group whose lag is measured.
        consumer_group: String,
        /// The topic.
        topic: String,
        /// Target lag per replica.
        lag_threshold: u32,
        /// AWS region for MSK IAM auth; `None` means TLS without SASL.
        msk_iam_region: Option<String>,
    },
    /// Scale on a CloudWatch metric, authenticated with pod identity.
    AwsCloudwatch {
        /// The CloudWatch namespace, e.g. `AWS/SQS`.
        namespace: String,
        /// The metric name.
        metric_name: String,
        /// The dimension's name, e.g. `QueueName`.
        dimension_name: String,
        /// The dimension's value.
        dimension_value: String,
        /// Target value per replica.
        target_value: String,
        /// The metric's region.
        region: String,
    },
    /// Scale on an SQS queue's depth, read straight from SQS (KEDA's
    /// `aws-sqs-queue` scaler): no CloudWatch delay, and the grant it needs
    /// is on the queue alone. Authenticated with pod identity.
    AwsSqsQueue {
        /// The queue's URL: `queue.url()` of an `aws::sqs::Queue` (deploy
        /// fills it in) or a literal `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`.
        queue_url: Value,
        /// The queue's ARN, for the grant [`Trigger::required_statements`]
        /// writes: `queue.arn()`, or a literal.
        queue_arn: Value,
        /// Target visible messages per replica; above 0.
        queue_length: u32,
        /// Messages above which the workload scales up from zero. Default: KEDA's 0.
        activation_queue_length: Option<u32>,
        /// The queue's region; must be the literal URL's region.
        region: String,
    },
}

impl Trigger {
    /// The IAM statements the identity that reads this trigger needs
    /// (the workload's role with `AwsIdentity::Workload`): `MeshService`
    /// adds them to its IRSA role, so the grant comes from the trigger and
    /// cannot drift from it. Kafka over MSK IAM is not covered (the trigger
    /// does not name the cluster); Prometheus needs none.
    pub fn required_statements(&self) -> Vec<PolicyStatement> {
        match self {
            // GetMetricData has no resource-level permissions.
            Trigger::AwsCloudwatch { .. } => vec![PolicyStatement::allow(
                ["cloudwatch:GetMetricData"],
                [Value::str("*")],
            )],
            Trigger::AwsSqsQueue { queue_arn, .. } => vec![PolicyStatement::allow(
                ["sqs:GetQueueAttributes"],
                [queue_arn.clone()],
            )],
            Trigger::Prometheus { .. } | Trigger::Kafka { .. } => Vec::new(),
        }
    }

    /// KEDA's name of the scaler (`type` of the ScaledObject's trigger).
    pub(crate) fn keda_type(&self) -> &'static str {
        match self {
            Trigger::Prometheus { .. } => "prometheus",
            Trigger::Kafka { .. } => "kafka",
            Trigger::AwsCloudwatch { .. } => "aws-cloudwatch",
            Trigger::AwsSqsQueue { .. } => "aws-sqs-queue",
        }
    }

    /// Whether the trigger reads AWS through a TriggerAuthentication.
    pub fn reads_aws(&self) -> bool {
        match self {
            Trigger::AwsCloudwatch { .. } | Trigger::AwsSqsQueue { .. } => true,
            Trigger::Kafka { msk_iam_region, .. } => msk_iam_region.is_some(),
            Trigger::Prometheus { .. } => false,
        }
    }
}

/// The region of a literal SQS queue URL (`https://sqs.REGION.amazonaws.com/…`).
fn sqs_url_region(url: &str) -> Option<&str> {
    let host = url.strip_prefix("https://")?.split('/').next()?;
    let rest = host.strip_prefix("sqs.")?;
    let (region, _) = rest.split_once('.')?;
    Some(region)
}

/// Props of a `KedaScaler`.
#[derive(Debug, Clone)]
pub struct KedaScalerProps {
    /// ScaledObject name; a DNS-1123 label. Required (no default).
    pub name: String,
    /// The scaled workload: (apiVersion, kind, name). Required (no default).
    pub target: (String, String, String),
    /// Fewest replicas; 0 scales to zero. Required (the props have no `Default`).
    pub min_replicas: i32,
    /// Most replicas, at least `min_replicas` and 1. Required (no default).
    pub max_replicas: i32,
    /// Seconds between checks. Default: KEDA's 30.
    pub polling_interval: Option<i32>,
    /// Seconds before scaling to zero/min after the last activity. Default: KEDA's 300.
    pub cooldown_period: Option<i32>,
    /// What drives the scaling; at least one trigger. Required (no default).
    pub triggers: Vec<Trigger>,
    /// Identity for AWS triggers. Default: the workload's (`identityOwner: workload`).
    pub aws_identity: AwsIdentity,
}

/// What a `KedaScaler` produced.
pub struct KedaScaler {
    /// The ScaledObject.
    pub scaled_object: ObjectRef<ScaledObject>,
    /// Present when a trigger needs AWS credentials.
    pub trigger_authentication: Option<ObjectRef<TriggerAuthentication>>,
}

fn required(path: &str, trigger: &str, field: &str, v: &str) -> Result<(), Error> {
    if v.trim().is_empty() {
        Err(Error::construct(
            path,
            format!("{trigger} trigger: {field} is required"),
            format!("set {field} on the {trigger} trigger"),
        ))
    } else {
        Ok(())
    }
}

impl KedaScaler {
    /// Adds the ScaledObject (and a TriggerAuthentication for AWS triggers).
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: KedaScalerProps,
    ) -> Result<KedaScaler, Error> {
        let path = scope.child_path(id);
        // Refused props are reported, and the scaler still built, so one
        // synth lists every mistake of the platform.
        scope.refuse_all(check(&path, &props).err());
        let auth_name = format!("{}-aws", props.name);
        let triggers = props
            .triggers
            .iter()
            .map(|t| scale_trigger(scope, &path, t, &auth_name))
            .collect::<Result<Vec<_>, _>>()?;
        let trigger_authentication = if triggers.iter().any(|t| t.authentication_ref.is_some()) {
            let ta = trigger_authentication(scope, &props.aws_identity, auth_name)?;
            Some(crate::mesh::add_object(scope, &format!("{id}Auth"), ta)?)
        } else {
            None
        };
        let (api_version, kind, name) = props.target.clone();
        let so = ScaledObject {
            metadata: named(props.name.clone()),
            spec: ScaledObjectSpec {
                scale_target_ref: ScaleTargetRef {
                    api_version: Some(api_version),
                    kind: Some(kind),
                    name,
                    ..Default::default()
                },
                polling_interval: props.polling_interval,
                cooldown_period: props.cooldown_period,
                min_replica_count: Some(props.min_replicas),
                max_replica_count: Some(props.max_replicas),
                triggers,
                ..Default::default()
            },
            status: None,
        };
        let scaled_object = crate::mesh::add_object(scope, id, so)?;
        Ok(KedaScaler {
            scaled_object,
            trigger_authentication,
        })
    }
}

/// Everything refused before an object is added.
fn check(path: &str, props: &KedaScalerProps) -> Result<(), Error> {
    if props.triggers.is_empty() {
        return Err(Error::construct(
            path,
            "a ScaledObject needs at least one trigger",
            "add a Trigger",
        ));
    }
    if props.min_replicas < 0 || props.max_replicas < props.min_replicas.max(1) {
        return Err(Error::construct(
            path,
            format!(
                "replicas {}..{} are not a valid range",
                props.min_replicas, props.max_replicas
            ),
            "use 0 <= min_replicas <= max_replicas, max_replicas >= 1",
        ));
    }
    Ok(())
}

/// One trigger as KEDA reads it; AWS triggers name the TriggerAuthentication.
fn scale_trigger(
    scope: &mut Scope<'_>,
    path: &str,
    t: &Trigger,
    auth_name: &str,
) -> Result<ScaleTrigger, Error> {
    let auth_ref = || AuthenticationRef {
        name: auth_name.to_string(),
        kind: None,
    };
    let mut trigger = match t {
        Trigger::Prometheus {
            server_address,
            query,
            threshold,
            activation_threshold,
        } => {
            scope.refuse_all(required(path, "prometheus", "server_address", server_address).err());
            scope.refuse_all(required(path, "prometheus", "query", query).err());
            scope.refuse_all(required(path, "prometheus", "threshold", threshold).err());
            let mut m = BTreeMap::from([
                ("serverAddress".to_string(), server_address.clone()),
                ("query".to_string(), query.clone()),
                ("threshold".to_string(), threshold.clone()),
            ]);
            if let Some(a) = activation_threshold {
                m.insert("activationThreshold".into(), a.clone());
            }
            ScaleTrigger {
                metadata: m,
                ..Default::default()
            }
        }
        Trigger::Kafka {
            bootstrap_servers,
            consumer_group,
            topic,
            lag_threshold,
            msk_iam_region,
        } => kafka_trigger(
            scope,
            path,
            bootstrap_servers,
            (consumer_group, topic, *lag_threshold),
            msk_iam_region.as_deref(),
            auth_ref(),
        )?,
        Trigger::AwsCloudwatch {
            namespace,
            metric_name,
            dimension_name,
            dimension_value,
            target_value,
            region,
        } => {
            for (f, v) in [
                ("namespace", namespace),
                ("metric_name", metric_name),
                ("dimension_name", dimension_name),
                ("dimension_value", dimension_value),
                ("target_value", target_value),
                ("region", region),
            ] {
                scope.refuse_all(required(path, "aws-cloudwatch", f, v).err());
            }
            // A queue of the app read through CloudWatch: its metrics are
            // in the queue's region.
            if namespace == "AWS/SQS" && dimension_name == "QueueName" {
                let regions = queue_regions_named(scope, dimension_value);
                if !regions.is_empty() && !regions.iter().any(|r| r == region) {
                    scope.refuse(region_mismatch(path, "aws-cloudwatch", region, &regions[0]));
                }
            }
            ScaleTrigger {
                metadata: BTreeMap::from([
                    ("namespace".to_string(), namespace.clone()),
                    ("metricName".to_string(), metric_name.clone()),
                    ("dimensionName".to_string(), dimension_name.clone()),
                    ("dimensionValue".to_string(), dimension_value.clone()),
                    ("targetMetricValue".to_string(), target_value.clone()),
                    ("awsRegion".to_string(), region.clone()),
                ]),
                authentication_ref: Some(auth_ref()),
                ..Default::default()
            }
        }
        Trigger::AwsSqsQueue {
            queue_url,
            queue_length,
            activation_queue_length,
            region,
            ..
        } => sqs_queue_trigger(
            scope,
            path,
            queue_url,
            (*queue_length, *activation_queue_length),
            region,
            auth_ref(),
        )?,
    };
    trigger.r#type = t.keda_type().to_string();
    Ok(trigger)
}

/// KEDA's `kafka` trigger: TLS always, SASL `aws_msk_iam` with a region.
fn kafka_trigger(
    scope: &mut Scope<'_>,
    path: &str,
    bootstrap_servers: &KafkaBrokers,
    (consumer_group, topic, lag_threshold): (&String, &String, u32),
    msk_iam_region: Option<&str>,
    auth_ref: AuthenticationRef,
) -> Result<ScaleTrigger, Error> {
    let servers = match bootstrap_servers {
        KafkaBrokers::List(list) => list.clone(),
        KafkaBrokers::Msk(lookup) => scope.deferred_lookup(lookup)?,
    };
    scope.refuse_all(required(path, "kafka", "bootstrap_servers", &servers).err());
    scope.refuse_all(required(path, "kafka", "consumer_group", consumer_group).err());
    scope.refuse_all(required(path, "kafka", "topic", topic).err());
    if lag_threshold == 0 {
        scope.refuse(Error::construct(
            path,
            "kafka trigger: lag_threshold must be above 0",
            "set the lag per replica, e.g. 50",
        ));
    }
    let mut m = BTreeMap::from([
        ("bootstrapServers".to_string(), servers),
        ("consumerGroup".to_string(), consumer_group.clone()),
        ("topic".to_string(), topic.clone()),
        ("lagThreshold".to_string(), lag_threshold.to_string()),
        // MSK encrypts in transit; the scaler must speak TLS.
        ("tls".to_string(), "enable".to_string()),
    ]);
    let mut auth = None;
    if let Some(region) = msk_iam_region {
        m.insert("sasl".into(), "aws_msk_iam".into());
        m.insert("awsRegion".into(), region.to_string());
        auth = Some(auth_ref);
    }
    Ok(ScaleTrigger {
        metadata: m,
        authentication_ref: auth,
        ..Default::default()
    })
}

/// `MS-KEDA-1`: a trigger reading its metric in a region other than the
/// queue's: the metric is empty there and the workload never scales.
pub const TRIGGER_REGION: &str = "MS-KEDA-1";

fn region_mismatch(path: &str, trigger: &str, region: &str, queue_region: &str) -> Error {
    Error::construct(
        path,
        format!("{trigger} trigger: region {region:?} is not the queue's region {queue_region:?}; the scaler would read an empty metric and never scale"),
        format!("set region to {queue_region:?}"),
    )
    .with_code(TRIGGER_REGION)
}

/// The regions of the app's SQS queues named `name` (typed or included).
fn queue_regions_named(scope: &Scope<'_>, name: &str) -> Vec<String> {
    let app = scope.app();
    #[allow(unused_mut)]
    let mut nodes: Vec<crate::core::NodeId> = app
        .raw_resource_nodes_of("AWS::SQS::Queue")
        .into_iter()
        .filter(|(_, r)| r.properties.get("QueueName").and_then(Value::as_literal) == Some(name))
        .map(|(n, _)| n)
        .collect();
    #[cfg(feature = "aws-sqs")]
    nodes.extend(
        app.resource_nodes_of::<crate::aws::cfn::sqs::CfnQueue>()
            .into_iter()
            .filter(|(_, q)| q.queue_name.as_ref().and_then(Value::as_literal) == Some(name))
            .map(|(n, _)| n),
    );
    nodes
        .into_iter()
        .filter_map(|n| app.region_of(n).map(str::to_string))
        .collect()
}

/// KEDA's `aws-sqs-queue` trigger; the queue (a literal URL, or a queue of
/// the app) must be in `region`.
fn sqs_queue_trigger(
    scope: &mut Scope<'_>,
    path: &str,
    queue_url: &Value,
    (queue_length, activation_queue_length): (u32, Option<u32>),
    region: &str,
    auth: AuthenticationRef,
) -> Result<ScaleTrigger, Error> {
    scope.refuse_all(required(path, "aws-sqs-queue", "region", region).err());
    if queue_length == 0 {
        scope.refuse(Error::construct(
            path,
            "aws-sqs-queue trigger: queue_length must be above 0",
            "set the visible messages per replica, e.g. 5",
        ));
    }
    let queue_region = match queue_url {
        Value::Ref(node) | Value::GetAtt(node, _) => {
            scope.app().region_of(*node).map(str::to_string)
        }
        other => match other.as_literal().map(|url| (url, sqs_url_region(url))) {
            Some((url, None)) => {
                scope.refuse(Error::construct(
                    path,
                    format!("aws-sqs-queue trigger: {url:?} is not an SQS queue URL"),
                    "pass queue.url() of an aws::sqs::Queue, or https://sqs.REGION.amazonaws.com/ACCOUNT/NAME",
                ));
                None
            }
            Some((_, Some(r))) => Some(r.to_string()),
            None => None,
        },
    };
    if let Some(r) = queue_region.filter(|r| r != region) {
        scope.refuse(region_mismatch(path, "aws-sqs-queue", region, &r));
    }
    let mut m = BTreeMap::from([
        ("queueURL".to_string(), scope.deferred(queue_url)?),
        ("queueLength".to_string(), queue_length.to_string()),
        ("awsRegion".to_string(), region.to_string()),
    ]);
    if let Some(a) = activation_queue_length {
        m.insert("activationQueueLength".into(), a.to_string());
    }
    Ok(ScaleTrigger {
        metadata: m,
        authentication_ref: Some(auth),
        ..Default::default()
    })
}

/// The pod identity AWS triggers authenticate with.
fn trigger_authentication(
    scope: &mut Scope<'_>,
    identity: &AwsIdentity,
    auth_name: String,
) -> Result<TriggerAuthentication, Error> {
    let (identity_owner, role_arn) = match identity {
        AwsIdentity::Workload => (Some(IdentityOwner::Workload), None),
        AwsIdentity::Keda => (Some(IdentityOwner::Keda), None),
        AwsIdentity::Role(v) => (None, Some(scope.deferred(v)?)),
    };
    let pod_identity = PodIdentity {
        provider: PodIdentityProvider::Aws,
        identity_owner,
        role_arn,
        external_id: None,
        identity_authority_host: None,
        identity_id: None,
        identity_tenant_id: None,
    };
    Ok(TriggerAuthentication {
        metadata: named(auth_name),
        spec: TriggerAuthenticationSpec {
            pod_identity: Some(pod_identity),
            ..Default::default()
        },
        status: None,
    })
}

/// Metadata with only a name (the chart sets the namespace).
fn named(name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        ..Default::default()
    }
}
