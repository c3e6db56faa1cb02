//! `registry-types`: 17 CloudFormation types from 11 services that meshsynth
//! has no hand-written L1 struct for. Eight are written with the generated
//! typed L1 structs (`aws::cfn::<service>`, one Cargo feature per service),
//! the rest as raw resources. Every one is checked at synth against its
//! registry schema, wired to the others by `Ref`/`Fn::GetAtt` (attribute
//! names checked too), and the assembly must pass cfn-lint with warnings
//! fatal and checkov.

use indexmap::IndexMap;
use meshsynth::aws::cfn::{backup, certificatemanager, cloudwatch, dynamodb, sns, sqs};
use meshsynth::aws::kms::{Key, KeyProps};
use meshsynth::core::{App, CfnRaw, Env, Error, NodeId, Scope, Stack, StackProps, TagStyle, Value};
use meshsynth::serde_json::{json, Value as Json};

/// A JSON literal as a meshsynth value (integers stay integers).
fn v(j: Json) -> Value {
    match j {
        Json::Null => Value::Str(String::new()),
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Str(n.to_string())),
        Json::String(s) => Value::Str(s),
        Json::Array(a) => Value::List(a.into_iter().map(v).collect()),
        Json::Object(m) => Value::Map(m.into_iter().map(|(k, x)| (k, v(x))).collect()),
    }
}

/// Properties from a JSON literal, plus wired values.
fn props(literal: Json, wired: Vec<(&str, Value)>) -> IndexMap<String, Value> {
    let mut out = IndexMap::new();
    if let Json::Object(m) = literal {
        for (k, x) in m {
            out.insert(k, v(x));
        }
    }
    for (k, x) in wired {
        out.insert(k.to_string(), x);
    }
    out
}

fn add(
    s: &mut Scope<'_>,
    id: &str,
    type_name: &str,
    tags: TagStyle,
    properties: IndexMap<String, Value>,
) -> Result<NodeId, Error> {
    s.add_raw_resource(
        id,
        CfnRaw {
            type_name: type_name.into(),
            properties,
            tags,
        },
    )
}

fn arn(node: NodeId) -> Value {
    Value::GetAtt(node, "Arn".into())
}

/// Builds the app into `app`.
pub fn build(app: &mut App) -> Result<(), Error> {
    let stack = Stack::new(
        &mut app.root(),
        "registry-types",
        StackProps {
            env: Env::region("eu-west-1"),
            description: Some("Raw resources of 17 registry types, schema-checked".into()),
            ..Default::default()
        },
    )?;
    let mut s = app.scope(stack.node())?;
    let key = Key::new(&mut s, "Key", KeyProps::default())?;

    // S3: a bucket for access logs, the data bucket, and a TLS-only policy.
    let encryption = json!({"ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": true}
    ]});
    let private = json!({"BlockPublicAcls": true, "BlockPublicPolicy": true,
        "IgnorePublicAcls": true, "RestrictPublicBuckets": true});
    let logs = add(
        &mut s,
        "AccessLogs",
        "AWS::S3::Bucket",
        TagStyle::List,
        props(
            json!({"BucketEncryption": encryption.clone(),
                "PublicAccessBlockConfiguration": private.clone(),
                "VersioningConfiguration": {"Status": "Enabled"},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}}),
            vec![],
        ),
    )?;
    for rule in ["CKV_AWS_18", "AwsSolutions-S1"] {
        s.suppress_node(
            logs,
            rule,
            "the access-log bucket is the log destination; logging it to itself would loop",
        )?;
    }
    let bucket = add(
        &mut s,
        "Data",
        "AWS::S3::Bucket",
        TagStyle::List,
        props(
            json!({"BucketEncryption": encryption,
                "PublicAccessBlockConfiguration": private,
                "VersioningConfiguration": {"Status": "Enabled"}}),
            vec![(
                "LoggingConfiguration",
                Value::Map(IndexMap::from([
                    ("DestinationBucketName".to_string(), Value::Ref(logs)),
                    ("LogFilePrefix".to_string(), "data/".into()),
                ])),
            )],
        ),
    )?;
    for (id, target) in [("DataPolicy", bucket), ("AccessLogsPolicy", logs)] {
        add(
            &mut s,
            id,
            "AWS::S3::BucketPolicy",
            TagStyle::None,
            props(
                json!({}),
                vec![
                    ("Bucket", Value::Ref(target)),
                    (
                        "PolicyDocument",
                        Value::Map(IndexMap::from([
                            ("Version".to_string(), "2012-10-17".into()),
                            (
                                "Statement".to_string(),
                                Value::List(vec![Value::Map(IndexMap::from([
                                    ("Sid".to_string(), "TlsOnly".into()),
                                    ("Effect".to_string(), "Deny".into()),
                                    ("Principal".to_string(), "*".into()),
                                    ("Action".to_string(), "s3:*".into()),
                                    (
                                        "Resource".to_string(),
                                        Value::List(vec![
                                            arn(target),
                                            Value::Join("".into(), vec![arn(target), "/*".into()]),
                                        ]),
                                    ),
                                    (
                                        "Condition".to_string(),
                                        v(json!({"Bool": {"aws:SecureTransport": "false"}})),
                                    ),
                                ]))]),
                            ),
                        ])),
                    ),
                ],
            ),
        )?;
    }

    // SQS with a dead-letter queue, fed by SNS: typed L1 structs.
    let dlq = s.add_resource(
        "OrdersDlq",
        sqs::CfnQueue {
            message_retention_period: Some(Value::Int(1_209_600)),
            kms_master_key_id: Some(key.arn()),
            ..Default::default()
        },
    )?;
    let queue = s.add_resource(
        "Orders",
        sqs::CfnQueue {
            visibility_timeout: Some(Value::Int(60)),
            kms_master_key_id: Some(key.arn()),
            redrive_policy: Some(sqs::queue::RedrivePolicy {
                dead_letter_target_arn: Some(dlq.attr_arn()),
                max_receive_count: Some(Value::Int(5)),
            }),
            ..Default::default()
        },
    )?;
    let topic = s.add_resource(
        "OrderEvents",
        sns::CfnTopic {
            display_name: Some("order events".into()),
            kms_master_key_id: Some(key.arn()),
            ..Default::default()
        },
    )?;
    s.add_resource(
        "OrderEventsToQueue",
        sns::CfnSubscription {
            raw_message_delivery: Some(true.into()),
            endpoint: Some(queue.attr_arn()),
            ..sns::CfnSubscription::new("sqs", topic.reference())
        },
    )?;
    let (queue_ref, topic_ref) = (queue, topic);
    let (queue, topic, dlq) = (queue.node(), topic.node(), dlq.node());
    add(
        &mut s,
        "OrderEventsPolicy",
        "AWS::SNS::TopicPolicy",
        TagStyle::None,
        props(
            json!({}),
            vec![
                ("Topics", Value::List(vec![Value::Ref(topic)])),
                (
                    "PolicyDocument",
                    Value::Map(IndexMap::from([
                        ("Version".to_string(), "2012-10-17".into()),
                        (
                            "Statement".to_string(),
                            Value::List(vec![Value::Map(IndexMap::from([
                                ("Effect".to_string(), "Allow".into()),
                                (
                                    "Principal".to_string(),
                                    v(json!({"Service": "events.amazonaws.com"})),
                                ),
                                ("Action".to_string(), "sns:Publish".into()),
                                ("Resource".to_string(), Value::Ref(topic)),
                            ]))]),
                        ),
                    ])),
                ),
            ],
        ),
    )?;
    add(
        &mut s,
        "OrdersPolicy",
        "AWS::SQS::QueuePolicy",
        TagStyle::None,
        props(
            json!({}),
            vec![
                ("Queues", Value::List(vec![Value::Ref(queue)])),
                (
                    "PolicyDocument",
                    Value::Map(IndexMap::from([
                        ("Version".to_string(), "2012-10-17".into()),
                        (
                            "Statement".to_string(),
                            Value::List(vec![Value::Map(IndexMap::from([
                                ("Effect".to_string(), "Allow".into()),
                                (
                                    "Principal".to_string(),
                                    v(json!({"Service": "sns.amazonaws.com"})),
                                ),
                                ("Action".to_string(), "sqs:SendMessage".into()),
                                ("Resource".to_string(), arn(queue)),
                                (
                                    "Condition".to_string(),
                                    Value::Map(IndexMap::from([(
                                        "ArnEquals".to_string(),
                                        Value::Map(IndexMap::from([(
                                            "aws:SourceArn".to_string(),
                                            Value::Ref(topic),
                                        )])),
                                    )])),
                                ),
                            ]))]),
                        ),
                    ])),
                ),
            ],
        ),
    )?;

    // DynamoDB, on-demand, encrypted with the key, point-in-time recovery on.
    let carts = s.add_resource(
        "Carts",
        dynamodb::CfnTable {
            billing_mode: Some(dynamodb::table::BillingMode::PayPerRequest),
            attribute_definitions: Some(vec![dynamodb::table::AttributeDefinition::new(
                "pk",
                dynamodb::table::AttributeType::S,
            )]),
            point_in_time_recovery_specification: Some(
                dynamodb::table::PointInTimeRecoverySpecification {
                    point_in_time_recovery_enabled: Some(true.into()),
                    ..Default::default()
                },
            ),
            sse_specification: Some(dynamodb::table::SSESpecification {
                sse_type: Some(dynamodb::table::SSEType::Kms),
                kms_master_key_id: Some(key.arn()),
                ..dynamodb::table::SSESpecification::new(true)
            }),
            ..dynamodb::CfnTable::new(v(json!([{"AttributeName": "pk", "KeyType": "HASH"}])))
        },
    )?;

    // The order worker's role: least-privilege grants on the typed handles.
    let mut statements = queue_ref.grant_consume(Some(key.arn()));
    statements.extend(carts.grant_read(Some(key.arn())));
    statements.extend(carts.grant_write(Some(key.arn())));
    statements.extend(topic_ref.grant_publish(Some(key.arn())));
    meshsynth::aws::iam::Role::new(
        &mut s,
        "OrderWorker",
        meshsynth::aws::iam::RoleProps {
            assumed_by: vec![meshsynth::aws::iam::Principal::Service(
                "ecs-tasks.amazonaws.com".into(),
            )],
            statements,
            ..Default::default()
        },
    )?;

    // ACM and WAF for the public edge.
    s.add_resource(
        "Certificate",
        certificatemanager::CfnCertificate {
            validation_method: Some("DNS".into()),
            subject_alternative_names: Some(vec!["www.shop.example.com".into()]),
            ..certificatemanager::CfnCertificate::new("shop.example.com")
        },
    )?;
    add(
        &mut s,
        "EdgeAcl",
        "AWS::WAFv2::WebACL",
        TagStyle::List,
        props(
            json!({"Scope": "REGIONAL", "DefaultAction": {"Allow": {}},
                "VisibilityConfig": {"SampledRequestsEnabled": true,
                    "CloudWatchMetricsEnabled": true, "MetricName": "edge"},
                "Rules": [{"Name": "aws-common", "Priority": 0,
                    "OverrideAction": {"None": {}},
                    "Statement": {"ManagedRuleGroupStatement": {
                        "VendorName": "AWS", "Name": "AWSManagedRulesKnownBadInputsRuleSet"}},
                    "VisibilityConfig": {"SampledRequestsEnabled": true,
                        "CloudWatchMetricsEnabled": true, "MetricName": "aws-common"}}]}),
            vec![],
        ),
    )?;

    // EventBridge: a bus and a nightly rule that publishes to the topic.
    add(
        &mut s,
        "Bus",
        "AWS::Events::EventBus",
        TagStyle::List,
        props(
            json!({}),
            vec![(
                "Name",
                Value::Sub("${AWS::StackName}-orders".into(), vec![]),
            )],
        ),
    )?;
    add(
        &mut s,
        "Nightly",
        "AWS::Events::Rule",
        TagStyle::None,
        props(
            json!({"ScheduleExpression": "cron(0 3 * * ? *)", "State": "ENABLED"}),
            vec![(
                "Targets",
                Value::List(vec![Value::Map(IndexMap::from([
                    ("Id".to_string(), "topic".into()),
                    ("Arn".to_string(), Value::Ref(topic)),
                ]))]),
            )],
        ),
    )?;

    // CloudWatch and Logs: a queue-depth alarm and a metric filter.
    s.add_resource(
        "DlqNotEmpty",
        cloudwatch::CfnAlarm {
            namespace: Some("AWS/SQS".into()),
            metric_name: Some("ApproximateNumberOfMessagesVisible".into()),
            statistic: Some(cloudwatch::alarm::Statistic::Maximum),
            period: Some(Value::Int(300)),
            evaluation_periods: Some(Value::Int(1)),
            threshold: Some(Value::Int(0)),
            comparison_operator: Some(cloudwatch::alarm::ComparisonOperator::GreaterThanThreshold),
            treat_missing_data: Some(cloudwatch::alarm::TreatMissingData::NotBreaching),
            dimensions: Some(vec![cloudwatch::alarm::Dimension::new(
                "QueueName",
                Value::GetAtt(dlq, "QueueName".into()),
            )]),
            alarm_actions: Some(vec![Value::Ref(topic)]),
            ..Default::default()
        },
    )?;
    let log_group = meshsynth::aws::logs::LogGroup::new(
        &mut s,
        "AppLogs",
        meshsynth::aws::logs::LogGroupProps {
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    add(
        &mut s,
        "Errors",
        "AWS::Logs::MetricFilter",
        TagStyle::None,
        props(
            json!({"FilterPattern": "ERROR",
                "MetricTransformations": [{"MetricNamespace": "Shop", "MetricName": "Errors", "MetricValue": "1"}]}),
            vec![("LogGroupName", log_group.name())],
        ),
    )?;

    // SSM: a run-command document.
    add(
        &mut s,
        "RotateLogs",
        "AWS::SSM::Document",
        TagStyle::List,
        props(
            json!({"DocumentType": "Command", "DocumentFormat": "YAML",
                "Content": {"schemaVersion": "2.2", "description": "Rotate logs",
                    "mainSteps": [{"action": "aws:runShellScript", "name": "rotate",
                        "inputs": {"runCommand": ["logrotate -f /etc/logrotate.conf"]}}]}}),
            vec![],
        ),
    )?;

    // Backup: an encrypted vault and a daily plan.
    let vault = s
        .add_resource(
            "Vault",
            backup::CfnBackupVault {
                encryption_key_arn: Some(key.arn()),
                ..backup::CfnBackupVault::new(Value::Sub("${AWS::StackName}-vault".into(), vec![]))
            },
        )?
        .node();
    add(
        &mut s,
        "DailyBackups",
        "AWS::Backup::BackupPlan",
        TagStyle::None,
        props(
            json!({}),
            vec![(
                "BackupPlan",
                Value::Map(IndexMap::from([
                    ("BackupPlanName".to_string(), "daily".into()),
                    (
                        "BackupPlanRule".to_string(),
                        Value::List(vec![Value::Map(IndexMap::from([
                            ("RuleName".to_string(), "daily".into()),
                            ("TargetBackupVault".to_string(), Value::Ref(vault)),
                            ("ScheduleExpression".to_string(), "cron(0 5 * * ? *)".into()),
                            ("Lifecycle".to_string(), v(json!({"DeleteAfterDays": 35}))),
                        ]))]),
                    ),
                ])),
            )],
        ),
    )?;
    Ok(())
}
