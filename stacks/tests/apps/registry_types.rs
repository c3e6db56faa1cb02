//! `registry-types`: 17 CloudFormation types from 11 services that meshsynth
//! has no hand-written L1 struct for, every one written with the generated
//! typed L1 structs (`aws::cfn::<service>`, one Cargo feature per service).
//! Each is checked at synth against its registry schema, wired to the others
//! by typed attribute handles, granted to a role with `grant_*`, and the
//! assembly must pass cfn-lint with warnings fatal and checkov.

use indexmap::IndexMap;
use meshsynth::aws::cfn::{
    backup, certificatemanager, cloudwatch, dynamodb, events, logs, s3, sns, sqs, ssm, wafv2,
};
use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
use meshsynth::core::{
    App, DeletionPolicy, Env, Error, ResourceRef, Scope, Stack, StackProps, Value,
};
use meshsynth::serde_json::{json, Value as Json};

/// A JSON literal as a meshsynth value, through the library's own
/// conversion (the literals here hold no `null`, which it refuses).
fn v(j: Json) -> Value {
    Value::try_from(&j).expect("a JSON literal without null")
}

/// A bucket policy that denies every request not made over TLS.
fn tls_only(bucket_arn: Value) -> Value {
    let objects = Value::Join(String::new(), vec![bucket_arn.clone(), "/*".into()]);
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
                    Value::List(vec![bucket_arn, objects]),
                ),
                (
                    "Condition".to_string(),
                    v(json!({"Bool": {"aws:SecureTransport": "false"}})),
                ),
            ]))]),
        ),
    ]))
}

/// A policy document of one `Allow` statement for a service principal.
fn allow_service(service: &str, action: &str, resource: Value, source: Option<Value>) -> Value {
    let mut statement = IndexMap::from([
        ("Effect".to_string(), Value::from("Allow")),
        ("Principal".to_string(), v(json!({ "Service": service }))),
        ("Action".to_string(), action.into()),
        ("Resource".to_string(), resource),
    ]);
    if let Some(arn) = source {
        statement.insert(
            "Condition".to_string(),
            Value::Map(IndexMap::from([(
                "ArnEquals".to_string(),
                Value::Map(IndexMap::from([("aws:SourceArn".to_string(), arn)])),
            )])),
        );
    }
    Value::Map(IndexMap::from([
        ("Version".to_string(), "2012-10-17".into()),
        (
            "Statement".to_string(),
            Value::List(vec![Value::Map(statement)]),
        ),
    ]))
}

/// Builds the app into `app`.
pub fn build(app: &mut App) -> Result<(), Error> {
    let stack = Stack::new(
        &mut app.root(),
        "registry-types",
        StackProps {
            env: Env::region("eu-west-1"),
            description: Some("Generated L1 structs of 17 registry types, schema-checked".into()),
            ..Default::default()
        },
    )?;
    let mut s = app.scope(stack.node())?;
    // The services that deliver to the queue and topic this key encrypts
    // must be able to use it (MS-CFN-20).
    let key = Key::new(
        &mut s,
        "Key",
        KeyProps {
            users: ["sns", "events", "cloudwatch"]
                .map(|svc| KeyUser::Service(format!("{svc}.amazonaws.com")))
                .into(),
            ..Default::default()
        },
    )?;

    let (logs, bucket) = storage(&mut s)?;
    let (dlq, queue, topic) = messaging(&mut s, &key)?;
    let carts = table(&mut s, &key)?;
    // The order worker's role: least-privilege grants on the typed handles.
    let mut statements = queue.grant_consume(Some(key.arn()));
    statements.extend(carts.grant_read(Some(key.arn())));
    statements.extend(carts.grant_write(Some(key.arn())));
    statements.extend(topic.grant_publish(Some(key.arn())));
    statements.extend(bucket.grant_read(Some(key.arn())));
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

    edge(&mut s)?;
    events_and_monitoring(&mut s, &key, &dlq, &topic)?;
    // What happens to the data of each stateful L1 resource is decided
    // (MS-CFN-19): buckets, the table and the vault are kept, the queues'
    // messages are work in flight.
    for (node, policy) in [
        (logs.node(), DeletionPolicy::Retain),
        (bucket.node(), DeletionPolicy::Retain),
        (carts.node(), DeletionPolicy::Retain),
        (queue.node(), DeletionPolicy::Delete),
        (dlq.node(), DeletionPolicy::Delete),
    ] {
        let o = s.options(node)?;
        o.deletion_policy = Some(policy);
        o.update_replace_policy = Some(policy);
    }

    operations(&mut s, &key)
}

/// S3: a bucket for access logs, the data bucket, and TLS-only policies.
fn storage(
    s: &mut Scope<'_>,
) -> Result<(ResourceRef<s3::CfnBucket>, ResourceRef<s3::CfnBucket>), Error> {
    let private = || s3::bucket::PublicAccessBlockConfiguration {
        block_public_acls: Some(true.into()),
        block_public_policy: Some(true.into()),
        ignore_public_acls: Some(true.into()),
        restrict_public_buckets: Some(true.into()),
    };
    let encrypted = || {
        s3::bucket::BucketEncryption::new(vec![s3::bucket::ServerSideEncryptionRule {
            bucket_key_enabled: Some(true.into()),
            server_side_encryption_by_default: Some(
                s3::bucket::ServerSideEncryptionByDefault::new(s3::bucket::SSEAlgorithm::AwsKms),
            ),
            ..Default::default()
        }])
    };
    let logs = s.add_resource(
        "AccessLogs",
        s3::CfnBucket {
            bucket_encryption: Some(encrypted()),
            public_access_block_configuration: Some(private()),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                s3::bucket::VersioningConfigurationStatus::Enabled,
            )),
            ownership_controls: Some(s3::bucket::OwnershipControls::new(vec![
                s3::bucket::OwnershipControlsRule {
                    object_ownership: Some(s3::bucket::ObjectOwnership::BucketOwnerPreferred),
                },
            ])),
            ..Default::default()
        },
    )?;
    for rule in ["CKV_AWS_18", "AwsSolutions-S1"] {
        s.suppress_node(
            logs.node(),
            rule,
            "the access-log bucket is the log destination; logging it to itself would loop",
        )?;
    }
    let bucket = s.add_resource(
        "Data",
        s3::CfnBucket {
            bucket_encryption: Some(encrypted()),
            public_access_block_configuration: Some(private()),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new(
                s3::bucket::VersioningConfigurationStatus::Enabled,
            )),
            logging_configuration: Some(s3::bucket::LoggingConfiguration {
                destination_bucket_name: Some(logs.reference()),
                log_file_prefix: Some("data/".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;
    for (id, target) in [("DataPolicy", bucket), ("AccessLogsPolicy", logs)] {
        s.add_resource(
            id,
            s3::CfnBucketPolicy::new(target.reference(), tls_only(target.attr_arn())),
        )?;
    }
    Ok((logs, bucket))
}

/// SQS with a dead-letter queue, fed by SNS.
#[allow(clippy::type_complexity)]
fn messaging(
    s: &mut Scope<'_>,
    key: &Key,
) -> Result<
    (
        ResourceRef<sqs::CfnQueue>,
        ResourceRef<sqs::CfnQueue>,
        ResourceRef<sns::CfnTopic>,
    ),
    Error,
> {
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
    s.add_resource(
        "OrderEventsPolicy",
        sns::CfnTopicPolicy::new(
            allow_service(
                "events.amazonaws.com",
                "sns:Publish",
                topic.reference(),
                None,
            ),
            vec![topic.reference()],
        ),
    )?;
    s.add_resource(
        "OrdersPolicy",
        sqs::CfnQueuePolicy::new(
            allow_service(
                "sns.amazonaws.com",
                "sqs:SendMessage",
                queue.attr_arn(),
                Some(topic.reference()),
            ),
            vec![queue.reference()],
        ),
    )?;
    Ok((dlq, queue, topic))
}

/// DynamoDB, on-demand, encrypted with the key, point-in-time recovery on.
fn table(s: &mut Scope<'_>, key: &Key) -> Result<ResourceRef<dynamodb::CfnTable>, Error> {
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
            ..dynamodb::CfnTable::new(vec![dynamodb::table::CfnTableKeySchema::new("pk", "HASH")])
        },
    )?;
    Ok(carts)
}

/// ACM and WAF for the public edge.
fn edge(s: &mut Scope<'_>) -> Result<(), Error> {
    s.add_resource(
        "Certificate",
        certificatemanager::CfnCertificate {
            validation_method: Some("DNS".into()),
            subject_alternative_names: Some(vec!["www.shop.example.com".into()]),
            ..certificatemanager::CfnCertificate::new("shop.example.com")
        },
    )?;
    let metrics = |name: &str| wafv2::web_acl::VisibilityConfig::new(true, name, true);
    s.add_resource(
        "EdgeAcl",
        wafv2::CfnWebACL {
            rules: Some(vec![wafv2::web_acl::Rule {
                override_action: Some(wafv2::web_acl::OverrideAction {
                    none: Some(Value::Map(IndexMap::new())),
                    ..Default::default()
                }),
                ..wafv2::web_acl::Rule::new(
                    "aws-common",
                    Value::Int(0),
                    wafv2::web_acl::Statement {
                        managed_rule_group_statement: Some(Box::new(
                            wafv2::web_acl::ManagedRuleGroupStatement::new(
                                "AWSManagedRulesKnownBadInputsRuleSet",
                                "AWS",
                            ),
                        )),
                        ..Default::default()
                    },
                    metrics("aws-common"),
                )
            }]),
            ..wafv2::CfnWebACL::new(
                wafv2::web_acl::DefaultAction {
                    allow: Some(wafv2::web_acl::AllowAction::default()),
                    ..Default::default()
                },
                wafv2::web_acl::Scope::Regional,
                metrics("edge"),
            )
        },
    )?;
    Ok(())
}

/// EventBridge: a bus and a nightly rule that publishes to the topic.
/// CloudWatch and Logs: a queue-depth alarm and a metric filter.
fn events_and_monitoring(
    s: &mut Scope<'_>,
    key: &Key,
    dlq: &ResourceRef<sqs::CfnQueue>,
    topic: &ResourceRef<sns::CfnTopic>,
) -> Result<(), Error> {
    s.add_resource(
        "Bus",
        events::CfnEventBus::new(Value::Sub("${AWS::StackName}-orders".into(), vec![])),
    )?;
    s.add_resource(
        "Nightly",
        events::CfnRule {
            schedule_expression: Some("cron(0 3 * * ? *)".into()),
            state: Some(events::rule::State::Enabled),
            targets: Some(vec![events::rule::Target::new(topic.reference(), "topic")]),
            ..Default::default()
        },
    )?;

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
                dlq.attr("QueueName"),
            )]),
            alarm_actions: Some(vec![topic.reference()]),
            ..Default::default()
        },
    )?;
    let log_group = meshsynth::aws::logs::LogGroup::new(
        s,
        "AppLogs",
        meshsynth::aws::logs::LogGroupProps {
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    s.add_resource(
        "Errors",
        logs::CfnMetricFilter::new(
            "ERROR",
            log_group.name(),
            vec![logs::metric_filter::MetricTransformation::new(
                "Errors", "Shop", "1",
            )],
        ),
    )?;
    Ok(())
}

/// SSM: a run-command document. Backup: an encrypted vault and a daily plan.
fn operations(s: &mut Scope<'_>, key: &Key) -> Result<(), Error> {
    s.add_resource(
        "RotateLogs",
        ssm::CfnDocument {
            document_type: Some(ssm::document::DocumentType::Command),
            document_format: Some(ssm::document::DocumentFormat::Yaml),
            ..ssm::CfnDocument::new(v(
                json!({"schemaVersion": "2.2", "description": "Rotate logs",
                "mainSteps": [{"action": "aws:runShellScript", "name": "rotate",
                    "inputs": {"runCommand": ["logrotate -f /etc/logrotate.conf"]}}]}),
            ))
        },
    )?;

    let vault = s.add_resource(
        "Vault",
        backup::CfnBackupVault {
            encryption_key_arn: Some(key.arn()),
            ..backup::CfnBackupVault::new(Value::Sub("${AWS::StackName}-vault".into(), vec![]))
        },
    )?;
    let o = s.options(vault.node())?;
    o.deletion_policy = Some(DeletionPolicy::Retain);
    o.update_replace_policy = Some(DeletionPolicy::Retain);
    s.add_resource(
        "DailyBackups",
        backup::CfnBackupPlan::new(backup::backup_plan::BackupPlanResourceType::new(
            "daily",
            vec![backup::backup_plan::BackupRuleResourceType {
                schedule_expression: Some("cron(0 5 * * ? *)".into()),
                lifecycle: Some(backup::backup_plan::LifecycleResourceType {
                    delete_after_days: Some(Value::Int(35)),
                    ..Default::default()
                }),
                ..backup::backup_plan::BackupRuleResourceType::new("daily", vault.reference())
            }],
        )),
    )?;
    Ok(())
}
