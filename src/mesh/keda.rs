//! KEDA `keda.sh/v1alpha1` (model and construct layers): ScaledObject with
//! typed triggers (prometheus; kafka fed by an MSK cluster's brokers;
//! aws-cloudwatch with pod identity) and TriggerAuthentication. Required
//! trigger fields are checked when the object is built.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::core::{Error, ObjectRef, Scope, Value};
use crate::mesh::crd::crd_kind;

crd_kind!(
    /// A KEDA ScaledObject: event-driven autoscaling of a workload.
    ScaledObject, ScaledObjectSpec, group: "keda.sh", version: "v1alpha1", plural: "scaledobjects"
);

/// `ScaledObject.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    pub scale_target_ref: ScaleTargetRef,
    pub polling_interval: Option<i32>,
    pub cooldown_period: Option<i32>,
    pub min_replica_count: Option<i32>,
    pub max_replica_count: Option<i32>,
    pub fallback: Option<Fallback>,
    pub advanced: Option<serde_json::Value>,
    pub triggers: Vec<ScaleTrigger>,
}

/// What a ScaledObject scales.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTargetRef {
    /// Default: `apps/v1`.
    pub api_version: Option<String>,
    /// Default: `Deployment`.
    pub kind: Option<String>,
    pub name: String,
}

/// Replicas to keep when the scaler fails.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fallback {
    pub failure_threshold: i32,
    pub replicas: i32,
}

/// A trigger as the CRD stores it (`type` + string metadata).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTrigger {
    #[serde(rename = "type")]
    pub trigger_type: String,
    pub name: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub authentication_ref: Option<AuthenticationRef>,
    pub metric_type: Option<String>,
}

/// A reference to a TriggerAuthentication.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AuthenticationRef {
    pub name: String,
    pub kind: Option<String>,
}

crd_kind!(
    /// How KEDA authenticates a trigger.
    TriggerAuthentication, TriggerAuthenticationSpec, group: "keda.sh", version: "v1alpha1", plural: "triggerauthentications"
);

/// `TriggerAuthentication.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerAuthenticationSpec {
    pub pod_identity: Option<PodIdentity>,
    pub secret_target_ref: Option<Vec<SecretTargetRef>>,
}

/// Platform identity of the scaler.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodIdentity {
    /// `aws` for IRSA / EKS Pod Identity.
    pub provider: String,
    /// A role KEDA assumes. Mutually exclusive with `identity_owner`.
    pub role_arn: Option<String>,
    /// `keda` or `workload`.
    pub identity_owner: Option<String>,
}

/// A parameter read from a Secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SecretTargetRef {
    pub parameter: String,
    pub name: String,
    pub key: String,
}

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

/// A typed trigger, checked for its required fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Scale on a PromQL query.
    Prometheus {
        server_address: String,
        query: String,
        /// Target value per replica.
        threshold: String,
        activation_threshold: Option<String>,
    },
    /// Scale on consumer-group lag; `bootstrap_servers` comes from the MSK
    /// construct (a CloudFormation value that deploy fills in).
    Kafka {
        bootstrap_servers: Value,
        consumer_group: String,
        topic: String,
        lag_threshold: u32,
        /// AWS region for MSK IAM auth; `None` means TLS without SASL.
        msk_iam_region: Option<String>,
    },
    /// Scale on a CloudWatch metric, authenticated with pod identity.
    AwsCloudwatch {
        namespace: String,
        metric_name: String,
        dimension_name: String,
        dimension_value: String,
        target_value: String,
        region: String,
    },
}

/// Props of a `KedaScaler`.
#[derive(Debug, Clone)]
pub struct KedaScalerProps {
    /// ScaledObject name.
    pub name: String,
    /// The scaled workload: (apiVersion, kind, name).
    pub target: (String, String, String),
    pub min_replicas: i32,
    pub max_replicas: i32,
    /// Seconds between checks. Default: KEDA's 30.
    pub polling_interval: Option<i32>,
    /// Seconds before scaling to zero/min after the last activity. Default: KEDA's 300.
    pub cooldown_period: Option<i32>,
    pub triggers: Vec<Trigger>,
    /// Identity for AWS triggers. Default: the workload's (`identityOwner: workload`).
    pub aws_identity: AwsIdentity,
}

/// What a `KedaScaler` produced.
pub struct KedaScaler {
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
        let path = format!("{}/{id}", scope.path());
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
        let auth_name = format!("{}-aws", props.name);
        let mut needs_auth = false;
        let mut triggers = Vec::new();
        for t in &props.triggers {
            let trig = match t {
                Trigger::Prometheus {
                    server_address,
                    query,
                    threshold,
                    activation_threshold,
                } => {
                    required(&path, "prometheus", "server_address", server_address)?;
                    required(&path, "prometheus", "query", query)?;
                    required(&path, "prometheus", "threshold", threshold)?;
                    let mut m = BTreeMap::from([
                        ("serverAddress".to_string(), server_address.clone()),
                        ("query".to_string(), query.clone()),
                        ("threshold".to_string(), threshold.clone()),
                    ]);
                    if let Some(a) = activation_threshold {
                        m.insert("activationThreshold".into(), a.clone());
                    }
                    ScaleTrigger {
                        trigger_type: "prometheus".into(),
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
                } => {
                    let servers = scope.deferred(bootstrap_servers)?;
                    required(&path, "kafka", "bootstrap_servers", &servers)?;
                    required(&path, "kafka", "consumer_group", consumer_group)?;
                    required(&path, "kafka", "topic", topic)?;
                    if *lag_threshold == 0 {
                        return Err(Error::construct(
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
                        m.insert("awsRegion".into(), region.clone());
                        needs_auth = true;
                        auth = Some(AuthenticationRef {
                            name: auth_name.clone(),
                            kind: None,
                        });
                    }
                    ScaleTrigger {
                        trigger_type: "kafka".into(),
                        metadata: m,
                        authentication_ref: auth,
                        ..Default::default()
                    }
                }
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
                        required(&path, "aws-cloudwatch", f, v)?;
                    }
                    needs_auth = true;
                    ScaleTrigger {
                        trigger_type: "aws-cloudwatch".into(),
                        metadata: BTreeMap::from([
                            ("namespace".to_string(), namespace.clone()),
                            ("metricName".to_string(), metric_name.clone()),
                            ("dimensionName".to_string(), dimension_name.clone()),
                            ("dimensionValue".to_string(), dimension_value.clone()),
                            ("targetMetricValue".to_string(), target_value.clone()),
                            ("awsRegion".to_string(), region.clone()),
                        ]),
                        authentication_ref: Some(AuthenticationRef {
                            name: auth_name.clone(),
                            kind: None,
                        }),
                        ..Default::default()
                    }
                }
            };
            triggers.push(trig);
        }
        let trigger_authentication = if needs_auth {
            let pod_identity = match &props.aws_identity {
                AwsIdentity::Workload => PodIdentity {
                    provider: "aws".into(),
                    role_arn: None,
                    identity_owner: Some("workload".into()),
                },
                AwsIdentity::Keda => PodIdentity {
                    provider: "aws".into(),
                    role_arn: None,
                    identity_owner: Some("keda".into()),
                },
                AwsIdentity::Role(v) => PodIdentity {
                    provider: "aws".into(),
                    role_arn: Some(scope.deferred(v)?),
                    identity_owner: None,
                },
            };
            let ta = TriggerAuthentication::named(
                auth_name,
                TriggerAuthenticationSpec {
                    pod_identity: Some(pod_identity),
                    secret_target_ref: None,
                },
            );
            Some(ta.add(scope, &format!("{id}Auth"))?)
        } else {
            None
        };
        let (api_version, kind, name) = props.target.clone();
        let so = ScaledObject::named(
            props.name.clone(),
            ScaledObjectSpec {
                scale_target_ref: ScaleTargetRef {
                    api_version: Some(api_version),
                    kind: Some(kind),
                    name,
                },
                polling_interval: props.polling_interval,
                cooldown_period: props.cooldown_period,
                min_replica_count: Some(props.min_replicas),
                max_replica_count: Some(props.max_replicas),
                fallback: None,
                advanced: None,
                triggers,
            },
        );
        let scaled_object = so.add(scope, id)?;
        Ok(KedaScaler {
            scaled_object,
            trigger_authentication,
        })
    }
}
