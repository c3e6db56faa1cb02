//! Every resource is checked at synth against its registry schema, on the
//! properties that are emitted: raw resources and overrides included. Each
//! case fails synth with an error naming the construct and the property.

use indexmap::IndexMap;
use meshsynth::aws::elasticache::{CacheReplicationGroup, CacheReplicationGroupProps};
use meshsynth::aws::rds::{PostgresInstance, PostgresInstanceProps};
use meshsynth::core::{
    App, CfnRaw, Context, Diagnostic, Env, NodeId, Stack, StackProps, TagStyle, Value,
};
use meshsynth::synth::{synth, SynthOptions};

fn app() -> (App, meshsynth::core::StackRef) {
    let mut app = App::new(Context::new());
    let stack = Stack::new(
        &mut app.root(),
        "bad",
        StackProps {
            env: Env::new("123456789012", "eu-west-1"),
            ..Default::default()
        },
    )
    .expect("stack");
    (app, stack)
}

fn raw(type_name: &str, props: &[(&str, Value)]) -> CfnRaw {
    CfnRaw {
        type_name: type_name.into(),
        properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<IndexMap<_, _>>(),
        tags: TagStyle::None,
    }
}

fn errors(app: App) -> Vec<Diagnostic> {
    match synth(app, &SynthOptions::default()) {
        Ok(_) => panic!("expected synth to fail"),
        Err(e) => e
            .diagnostics()
            .into_iter()
            .filter(|d| d.is_error())
            .collect(),
    }
}

fn one(diags: &[Diagnostic], code: &str) -> String {
    let found: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.code.as_deref() == Some(code))
        .collect();
    assert_eq!(found.len(), 1, "{code} in {diags:#?}");
    found[0].to_string()
}

#[test]
fn unknown_property_on_a_raw_resource_suggests_the_right_one() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    s.add_raw_resource(
        "Queue",
        raw("AWS::SQS::Queue", &[("VisibilityTimout", Value::Int(30))]),
    )
    .unwrap();
    let text = one(&errors(app), "MS-CFN-2");
    assert_eq!(
        text,
        "error[MS-CFN-2]: bad/Queue: AWS::SQS::Queue: unknown property VisibilityTimout (hint: did you mean VisibilityTimeout?)"
    );
}

#[test]
fn missing_required_property() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    s.add_raw_resource(
        "Sub",
        raw("AWS::SNS::Subscription", &[("Protocol", "sqs".into())]),
    )
    .unwrap();
    let text = one(&errors(app), "MS-CFN-3");
    assert!(
        text.starts_with(
            "error[MS-CFN-3]: bad/Sub: AWS::SNS::Subscription: required property TopicArn is missing"
        ),
        "{text}"
    );
}

#[test]
fn wrong_enum_value_names_the_nested_property() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    let mut versioning = IndexMap::new();
    versioning.insert("Status".to_string(), Value::from("Enable"));
    s.add_raw_resource(
        "Bucket",
        raw(
            "AWS::S3::Bucket",
            &[("VersioningConfiguration", Value::Map(versioning))],
        ),
    )
    .unwrap();
    let text = one(&errors(app), "MS-CFN-5");
    assert_eq!(
        text,
        "error[MS-CFN-5]: bad/Bucket: AWS::S3::Bucket property VersioningConfiguration.Status: \"Enable\" is not an allowed value (hint: did you mean Enabled? (allowed: Enabled, Suspended))"
    );
}

#[test]
fn get_att_of_something_that_is_not_an_attribute() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    let queue: NodeId = s
        .add_raw_resource("Queue", raw("AWS::SQS::Queue", &[]))
        .unwrap();
    let url = meshsynth::core::Value::GetAtt(queue, "Url".into());
    s.add_raw_resource(
        "Param",
        raw(
            "AWS::SSM::Parameter",
            &[("Type", "String".into()), ("Value", url)],
        ),
    )
    .unwrap();
    let text = one(&errors(app), "MS-CFN-7");
    assert!(
        text.starts_with("error[MS-CFN-7]: bad/Param: Fn::GetAtt Url is not an attribute of AWS::SQS::Queue (on bad/Queue)"),
        "{text}"
    );
    assert!(
        text.contains("did you mean QueueUrl? (AWS::SQS::Queue has: QueueUrl, Arn, ContentBasedDeduplication,"),
        "{text}"
    );
}

/// A plain property is not an attribute: `TableName` of a table has no
/// `Fn::GetAtt` (CloudFormation refuses it), though `QueueName` of a queue
/// has, as CloudFormation answers it.
#[test]
fn get_att_of_a_property_that_is_not_an_attribute() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    let table: NodeId = s
        .add_raw_resource("Table", raw("AWS::DynamoDB::Table", &[]))
        .unwrap();
    let queue: NodeId = s
        .add_raw_resource("Queue", raw("AWS::SQS::Queue", &[]))
        .unwrap();
    for (id, node, attr) in [
        ("ByTable", table, "TableName"),
        ("ByQueue", queue, "QueueName"),
    ] {
        let v = meshsynth::core::Value::GetAtt(node, attr.into());
        s.add_raw_resource(
            id,
            raw(
                "AWS::SSM::Parameter",
                &[("Type", "String".into()), ("Value", v)],
            ),
        )
        .unwrap();
    }
    let all = errors(app);
    let text = one(&all, "MS-CFN-7");
    assert!(
        text.starts_with("error[MS-CFN-7]: bad/ByTable: Fn::GetAtt TableName is not an attribute of AWS::DynamoDB::Table (on bad/Table)"),
        "{text}"
    );
}

#[test]
fn unknown_type_is_caught_with_a_suggestion() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    s.add_raw_resource("Table", raw("AWS::DynamoDB::Tabel", &[]))
        .unwrap();
    let text = one(&errors(app), "MS-CFN-1");
    assert_eq!(
        text,
        "error[MS-CFN-1]: bad/Table: unknown CloudFormation type AWS::DynamoDB::Tabel (hint: did you mean AWS::DynamoDB::Table?)"
    );
}

/// An app with one PostgreSQL instance, with a property override on it
/// when one is given.
fn database_app(property_override: Option<(&str, meshsynth::serde_json::Value)>) -> App {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    let db = PostgresInstance::new(
        &mut s,
        "Db",
        PostgresInstanceProps {
            vpc_id: "vpc-1".into(),
            subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            ..Default::default()
        },
    )
    .unwrap();
    if let Some((path, value)) = property_override {
        s.options(db.resource.node())
            .unwrap()
            .overrides
            .push((path.into(), value));
    }
    app
}

#[test]
fn an_override_turning_rds_storage_encryption_off_is_caught() {
    assert!(
        synth(database_app(None), &SynthOptions::default()).is_ok(),
        "the construct alone is clean"
    );
    let off = database_app(Some(("Properties.StorageEncrypted", false.into())));
    let diags = synth(off, &SynthOptions::default())
        .expect_err("override caught")
        .diagnostics();
    let text = one(&diags, "AwsSolutions-RDS2");
    assert!(
        text.starts_with("error[AwsSolutions-RDS2]: bad/Db/Resource: storage is not encrypted"),
        "{text}"
    );
}

#[test]
fn an_override_turning_elasticache_transit_encryption_off_is_caught() {
    let build = |turn_off: bool| {
        let (mut app, stack) = app();
        let mut s = app.scope(stack.node()).unwrap();
        let redis = CacheReplicationGroup::new(
            &mut s,
            "Cache",
            CacheReplicationGroupProps {
                id: "sessions".into(),
                vpc_id: "vpc-1".into(),
                subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
                encryption_key: "arn:aws:kms:eu-west-1:123456789012:key/1".into(),
                ..Default::default()
            },
        )
        .unwrap();
        if turn_off {
            s.options(redis.resource.node())
                .unwrap()
                .overrides
                .push(("Properties.TransitEncryptionEnabled".into(), "false".into()));
        }
        synth(app, &SynthOptions::default())
    };
    if let Err(e) = build(false) {
        panic!("the construct alone is clean: {e}");
    }
    let diags = build(true).expect_err("override caught").diagnostics();
    let text = one(&diags, "AwsSolutions-AEC3");
    assert!(
        text.contains("encryption in transit (TransitEncryptionEnabled is not true) is off"),
        "{text}"
    );
}

#[test]
fn a_schema_finding_can_be_suppressed_with_a_reason() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    let q = s
        .add_raw_resource(
            "Queue",
            raw("AWS::SQS::Queue", &[("DelaySeconds", Value::Int(901))]),
        )
        .unwrap();
    s.suppress_node(
        q,
        "MS-CFN-6",
        "the service raised this quota for our account",
    )
    .unwrap();
    assert!(synth(app, &SynthOptions::default()).is_ok());
}

#[test]
fn tags_land_in_the_property_the_registry_names_after_overrides() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    meshsynth::core::Tags::add(&mut s, "team", "payments");
    s.add_raw_resource(
        "Vault",
        raw(
            "AWS::Backup::BackupVault",
            &[("BackupVaultName", "orders".into())],
        ),
    )
    .unwrap();
    let queue = s
        .add_raw_resource("Queue", raw("AWS::SQS::Queue", &[]))
        .unwrap();
    s.options(queue).unwrap().overrides.push((
        "Properties.Tags".into(),
        meshsynth::serde_json::json!([{"Key": "owner", "Value": "me"}]),
    ));
    let out = synth(app, &SynthOptions::default()).expect("synthesizes");
    let (_, bytes) = out
        .assembly
        .files
        .iter()
        .find(|(f, _)| f == "bad.template.json")
        .expect("template");
    let t: meshsynth::serde_json::Value = meshsynth::serde_json::from_slice(bytes).unwrap();
    let r = &t["Resources"];
    let vault_id = r
        .as_object()
        .unwrap()
        .keys()
        .find(|k| k.starts_with("Vault"))
        .unwrap();
    let queue_id = r
        .as_object()
        .unwrap()
        .keys()
        .find(|k| k.starts_with("Queue"))
        .unwrap();
    // The vault takes a map under BackupVaultTags, though the raw resource said TagStyle::None.
    assert_eq!(
        r[vault_id]["Properties"]["BackupVaultTags"],
        meshsynth::serde_json::json!({"team": "payments"})
    );
    // The override's tag and the aspect's both survive.
    assert_eq!(
        r[queue_id]["Properties"]["Tags"],
        meshsynth::serde_json::json!([{"Key": "owner", "Value": "me"}, {"Key": "team", "Value": "payments"}])
    );
}

#[test]
fn data_service_rules_read_the_emitted_properties() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    meshsynth::aws::security::enable(&mut s);
    s.add_raw_resource("Bucket", raw("AWS::S3::Bucket", &[]))
        .unwrap();
    s.add_raw_resource("Queue", raw("AWS::SQS::Queue", &[]))
        .unwrap();
    s.add_raw_resource("Topic", raw("AWS::SNS::Topic", &[]))
        .unwrap();
    let table = s
        .add_raw_resource(
            "Table",
            raw(
                "AWS::DynamoDB::Table",
                &[
                    (
                        "KeySchema",
                        Value::List(vec![Value::Map(IndexMap::from([
                            ("AttributeName".to_string(), Value::from("pk")),
                            ("KeyType".to_string(), Value::from("HASH")),
                        ]))]),
                    ),
                    (
                        "AttributeDefinitions",
                        Value::List(vec![Value::Map(IndexMap::from([
                            ("AttributeName".to_string(), Value::from("pk")),
                            ("AttributeType".to_string(), Value::from("S")),
                        ]))]),
                    ),
                ],
            ),
        )
        .unwrap();
    // An override that turns recovery on is judged like a typed field would be.
    s.options(table).unwrap().overrides.push((
        "Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled".into(),
        true.into(),
    ));
    let diags = errors(app);
    let mut codes: Vec<(String, String)> = diags
        .iter()
        .filter_map(|d| Some((d.code.clone()?, d.path.clone())))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            ("AwsSolutions-S1".to_string(), "bad/Bucket".to_string()),
            ("AwsSolutions-S2".into(), "bad/Bucket".into()),
            ("AwsSolutions-SNS2".into(), "bad/Topic".into()),
            ("AwsSolutions-SQS2".into(), "bad/Queue".into()),
        ]
    );
}

#[test]
fn an_override_making_a_database_public_is_caught() {
    let public = database_app(Some(("Properties.PubliclyAccessible", true.into())));
    let text = one(&errors(public), "MS-RDS-1");
    assert!(
        text.starts_with(
            "error[MS-RDS-1]: bad/Db/Resource: the DB instance is publicly accessible"
        ),
        "{text}"
    );
}

#[test]
fn raw_resources_are_judged_by_the_security_rules_like_typed_ones() {
    let (mut app, stack) = app();
    let mut s = app.scope(stack.node()).unwrap();
    meshsynth::aws::security::enable(&mut s);
    s.add_raw_resource("Key", raw("AWS::KMS::Key", &[]))
        .unwrap();
    let mut ingress = IndexMap::new();
    ingress.insert("IpProtocol".to_string(), Value::str("tcp"));
    ingress.insert("FromPort".to_string(), Value::Int(22));
    ingress.insert("ToPort".to_string(), Value::Int(22));
    ingress.insert("CidrIp".to_string(), Value::str("0.0.0.0/0"));
    ingress.insert("Description".to_string(), Value::str("ssh"));
    s.add_raw_resource(
        "Bastion",
        raw(
            "AWS::EC2::SecurityGroup",
            &[
                ("GroupDescription", "bastion".into()),
                ("VpcId", "vpc-1".into()),
                (
                    "SecurityGroupIngress",
                    Value::List(vec![Value::Map(ingress)]),
                ),
            ],
        ),
    )
    .unwrap();
    let diags = errors(app);
    let key = one(&diags, "AwsSolutions-KMS5");
    assert!(
        key.starts_with("error[AwsSolutions-KMS5]: bad/Key: key rotation is off"),
        "{key}"
    );
    let sg = one(&diags, "AwsSolutions-EC23");
    assert!(
        sg.starts_with("error[AwsSolutions-EC23]: bad/Bastion: inline ingress on tcp port 22 is open to the world"),
        "{sg}"
    );
}

#[test]
fn a_raw_vpc_needs_a_flow_log_and_a_raw_flow_log_counts() {
    let build = |with_log: bool| {
        let (mut app, stack) = app();
        let mut s = app.scope(stack.node()).unwrap();
        meshsynth::aws::security::enable(&mut s);
        let vpc = s
            .add_raw_resource(
                "Vpc",
                raw("AWS::EC2::VPC", &[("CidrBlock", "10.0.0.0/16".into())]),
            )
            .unwrap();
        if with_log {
            s.add_raw_resource(
                "VpcLog",
                raw(
                    "AWS::EC2::FlowLog",
                    &[
                        ("ResourceId", Value::Ref(vpc)),
                        ("ResourceType", "VPC".into()),
                        ("TrafficType", "ALL".into()),
                        ("LogDestinationType", "s3".into()),
                        ("LogDestination", "arn:aws:s3:::flow-logs".into()),
                    ],
                ),
            )
            .unwrap();
        }
        synth(app, &SynthOptions::default())
    };
    let diags = build(false).expect_err("no flow log").diagnostics();
    let text = one(&diags, "AwsSolutions-VPC7");
    assert!(
        text.starts_with("error[AwsSolutions-VPC7]: bad/Vpc: the VPC has no flow log"),
        "{text}"
    );
    if let Err(e) = build(true) {
        panic!("a raw flow log naming the raw VPC satisfies the rule: {e}");
    }
}

#[test]
fn a_deprecated_property_is_an_error_until_suppressed_with_a_reason() {
    let build = |suppress: bool| {
        let (mut app, stack) = app();
        let mut s = app.scope(stack.node()).unwrap();
        let map = |k: &str, v: Value| Value::Map(IndexMap::from([(k.to_string(), v)]));
        let cluster = s
            .add_raw_resource(
                "Cluster",
                raw(
                    "AWS::EKS::Cluster",
                    &[
                        ("RoleArn", "arn:aws:iam::123456789012:role/eks".into()),
                        (
                            "ResourcesVpcConfig",
                            map("SubnetIds", Value::List(vec!["subnet-1".into()])),
                        ),
                        (
                            "EncryptionConfig",
                            Value::List(vec![map(
                                "Resources",
                                Value::List(vec!["secrets".into()]),
                            )]),
                        ),
                    ],
                ),
            )
            .unwrap();
        if suppress {
            s.suppress_node(cluster, "MS-CFN-9", "the EKS API still documents it")
                .unwrap();
        }
        synth(app, &SynthOptions::default())
    };
    let diags = build(false).expect_err("deprecated").diagnostics();
    let text = one(&diags, "MS-CFN-9");
    assert!(
        text.starts_with("error[MS-CFN-9]: bad/Cluster: AWS::EKS::Cluster property EncryptionConfig[0].Resources is deprecated"),
        "{text}"
    );
    if let Err(e) = build(true) {
        panic!("suppressed with a reason: {e}");
    }
}
