//! Rules across resources and stacks, through synth: each mistake a new
//! platform made and synth used to accept is now an error naming the
//! construct path, and the corrected platform synthesizes.

use indexmap::IndexMap;
use meshsynth::core::{
    App, CfnRaw, Context, Diagnostic, Env, NodeId, Stack, StackProps, TagStyle, Value,
};
use meshsynth::synth::{synth, SynthOptions};

fn stack(app: &mut App, name: &str, region: &str) -> meshsynth::core::StackRef {
    Stack::new(
        &mut app.root(),
        name,
        StackProps {
            env: Env::new("123456789012", region),
            ..Default::default()
        },
    )
    .expect("stack")
}

/// A raw resource from JSON-like literals; `refs` fill in references.
fn raw(type_name: &str, props: Vec<(&str, Value)>) -> CfnRaw {
    CfnRaw {
        type_name: type_name.into(),
        properties: props
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<IndexMap<_, _>>(),
        tags: TagStyle::None,
    }
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn codes(app: App) -> Vec<(String, String)> {
    let diags: Vec<Diagnostic> = match synth(app, &SynthOptions::default()) {
        Ok(s) => s.diagnostics,
        Err(e) => e.diagnostics(),
    };
    diags
        .into_iter()
        .filter(|d| d.code.as_deref().is_some_and(|c| c.starts_with("MS-CFN")))
        .map(|d| (d.code.clone().unwrap_or_default(), d.to_string()))
        .collect()
}

/// An edge stack (certificate) in `cert_region` and a site stack in
/// eu-west-1 whose distribution uses the certificate across regions.
fn edge(cert_region: &str) -> App {
    let mut app = App::new(Context::new());
    let edge = stack(&mut app, "media-edge", cert_region);
    let site = stack(&mut app, "media-site", "eu-west-1");
    let cert: NodeId = app
        .scope(edge.node())
        .unwrap()
        .add_raw_resource(
            "Certificate",
            raw(
                "AWS::CertificateManager::Certificate",
                vec![
                    ("DomainName", "media.example.com".into()),
                    ("ValidationMethod", "DNS".into()),
                ],
            ),
        )
        .unwrap();
    app.scope(site.node())
        .unwrap()
        .add_raw_resource(
            "Cdn",
            raw(
                "AWS::CloudFront::Distribution",
                vec![(
                    "DistributionConfig",
                    map(vec![
                        ("Enabled", Value::Bool(true)),
                        (
                            "DefaultCacheBehavior",
                            map(vec![
                                ("TargetOriginId", "site".into()),
                                ("ViewerProtocolPolicy", "redirect-to-https".into()),
                                (
                                    "CachePolicyId",
                                    "658327ea-f89d-4fab-a63d-7e88639e58f6".into(),
                                ),
                            ]),
                        ),
                        (
                            "Origins",
                            Value::List(vec![map(vec![
                                ("Id", "site".into()),
                                ("DomainName", "site.s3.eu-west-1.amazonaws.com".into()),
                                ("S3OriginConfig", map(vec![])),
                            ])]),
                        ),
                        (
                            "ViewerCertificate",
                            map(vec![
                                ("AcmCertificateArn", Value::Ref(cert)),
                                ("MinimumProtocolVersion", "TLSv1.2_2021".into()),
                                ("SslSupportMethod", "sni-only".into()),
                            ]),
                        ),
                    ]),
                )],
            ),
        )
        .unwrap();
    app
}

#[test]
fn a_distribution_with_a_certificate_of_another_region_is_refused_through_the_cross_region_reference(
) {
    let found = codes(edge("eu-west-1"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "MS-CFN-14");
    assert!(
        found[0].1.starts_with("error[MS-CFN-14]: media-site/Cdn: AWS::CloudFront::Distribution: DistributionConfig.ViewerCertificate.AcmCertificateArn is the certificate media-edge/Certificate (stack media-edge) in eu-west-1"),
        "{}",
        found[0].1
    );
    assert!(codes(edge("us-east-1")).is_empty());
}

#[test]
fn a_fifo_queue_on_a_standard_topic_is_refused_and_a_fifo_topic_passes() {
    let build = |fifo_topic: bool| {
        let mut app = App::new(Context::new());
        let msg = stack(&mut app, "media-messaging", "eu-west-1");
        let mut s = app.scope(msg.node()).unwrap();
        let queue = s
            .add_raw_resource(
                "Transcode",
                raw(
                    "AWS::SQS::Queue",
                    vec![
                        ("FifoQueue", Value::Bool(true)),
                        ("SqsManagedSseEnabled", Value::Bool(true)),
                    ],
                ),
            )
            .unwrap();
        s.options(queue).unwrap().deletion_policy = Some(meshsynth::core::DeletionPolicy::Delete);
        let mut topic_props = vec![("KmsMasterKeyId", "alias/aws/sns".into())];
        if fifo_topic {
            topic_props.push(("FifoTopic", Value::Bool(true)));
            topic_props.push(("TopicName", "uploads.fifo".into()));
        }
        let topic = s
            .add_raw_resource("Uploads", raw("AWS::SNS::Topic", topic_props))
            .unwrap();
        s.add_raw_resource(
            "Subscription",
            raw(
                "AWS::SNS::Subscription",
                vec![
                    ("Protocol", "sqs".into()),
                    ("TopicArn", Value::Ref(topic)),
                    ("Endpoint", Value::GetAtt(queue, "Arn".into())),
                ],
            ),
        )
        .unwrap();
        app
    };
    let found = codes(build(false));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].1.starts_with("error[MS-CFN-16]: media-messaging/Subscription: AWS::SNS::Subscription: the FIFO queue media-messaging/Transcode is subscribed to the standard topic media-messaging/Uploads"), "{}", found[0].1);
    assert!(codes(build(true)).is_empty());
}

#[test]
fn get_att_of_a_plain_property_is_refused_and_a_real_attribute_passes() {
    let build = |attr: &'static str| {
        let mut app = App::new(Context::new());
        let data = stack(&mut app, "media-data", "eu-west-1");
        let mut s = app.scope(data.node()).unwrap();
        let queue = s
            .add_raw_resource(
                "Jobs",
                raw(
                    "AWS::SQS::Queue",
                    vec![("SqsManagedSseEnabled", Value::Bool(true))],
                ),
            )
            .unwrap();
        s.options(queue).unwrap().deletion_policy = Some(meshsynth::core::DeletionPolicy::Delete);
        let table = s
            .add_raw_resource(
                "Table",
                raw(
                    "AWS::DynamoDB::Table",
                    vec![
                        ("TableName", "assets".into()),
                        ("BillingMode", "PAY_PER_REQUEST".into()),
                        (
                            "KeySchema",
                            Value::List(vec![map(vec![
                                ("AttributeName", "pk".into()),
                                ("KeyType", "HASH".into()),
                            ])]),
                        ),
                        (
                            "AttributeDefinitions",
                            Value::List(vec![map(vec![
                                ("AttributeName", "pk".into()),
                                ("AttributeType", "S".into()),
                            ])]),
                        ),
                    ],
                ),
            )
            .unwrap();
        s.options(table).unwrap().deletion_policy = Some(meshsynth::core::DeletionPolicy::Retain);
        s.add_raw_resource(
            "Param",
            raw(
                "AWS::SSM::Parameter",
                vec![
                    ("Type", "String".into()),
                    ("Value", Value::GetAtt(table, attr.into())),
                ],
            ),
        )
        .unwrap();
        // QueueName is answered by GetAtt though it is not read-only.
        s.add_raw_resource(
            "QueueParam",
            raw(
                "AWS::SSM::Parameter",
                vec![
                    ("Type", "String".into()),
                    ("Value", Value::GetAtt(queue, "QueueName".into())),
                ],
            ),
        )
        .unwrap();
        app
    };
    let found = codes(build("TableName"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].1,
        "error[MS-CFN-7]: media-data/Param: Fn::GetAtt TableName is not an attribute of AWS::DynamoDB::Table (on media-data/Table) (hint: AWS::DynamoDB::Table has: Arn, StreamArn)"
    );
    assert!(codes(build("Arn")).is_empty());
}

#[test]
fn a_region_aws_does_not_have_is_named_with_the_nearest_one() {
    let build = |region: &str| {
        let mut app = App::new(Context::new());
        let s = stack(&mut app, "site", region);
        app.scope(s.node())
            .unwrap()
            .add_raw_resource("Topic", raw("AWS::SNS::Topic", vec![]))
            .unwrap();
        codes(app)
    };
    let found = build("eu-west-9");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "MS-CFN-25");
    assert!(
        found[0]
            .1
            .contains("site: region \"eu-west-9\" is not an AWS region")
            && found[0].1.contains("did you mean eu-west-1?"),
        "{found:?}"
    );
    // Far from every region: no guess, the form to use.
    let far = build("xx-nowhere-7");
    assert!(
        far[0].1.contains("use a region code such as eu-west-1"),
        "{far:?}"
    );
    assert!(build("eu-west-1").is_empty());
    assert!(build("ap-southeast-7").is_empty());
}
