//! `media`: a media platform outside the reference apps, written through
//! the data and messaging L2 constructs (not derived from them): uploads
//! land in a versioned bucket, a topic fans each upload out to an
//! encrypted transcode queue with its dead-letter queue, an EventBridge
//! rule feeds the same queue, an alarm on the dead-letter queue notifies
//! the topic, and the asset catalogue is a DynamoDB table with an index.
//! Every integration's glue (queue policy, key policy, grants with the
//! key) is written by the constructs. The same platform written with the
//! generated L1 structs is the `registry-types` app's messaging and data
//! half; docs/aws.md compares their lengths.

use meshsynth::aws::acm::{Certificate, CertificateProps};
use meshsynth::aws::cfn::route53;
use meshsynth::aws::cloudfront::{Distribution, DistributionProps, Origin};
use meshsynth::aws::cloudwatch::{Alarm, AlarmProps, Metric, Statistic};
use meshsynth::aws::dynamodb::{
    Attribute, AttributeType, GlobalIndex, Table, TableEncryption, TableProps,
};
use meshsynth::aws::events::{EventBus, EventBusProps, Rule, RuleProps, Trigger};
use meshsynth::aws::iam::{Principal, Role, RoleProps};
use meshsynth::aws::kms::{Key, KeyProps, KeyUser};
use meshsynth::aws::route53::{AliasRecord, AliasRecordProps, AliasTarget};
use meshsynth::aws::s3::{AccessLogging, Bucket, BucketEncryption, BucketProps};
use meshsynth::aws::sns::{SubscriptionOptions, Topic, TopicProps};
use meshsynth::aws::sqs::{DeadLetter, Queue, QueueEncryption, QueueProps};
use meshsynth::aws::waf::{WafScope, WebAcl, WebAclProps};
use meshsynth::core::{App, Env, Error, ResourceRef, Scope, StackRef};

use meshsynth_stacks::testapps::tagged_stack;

/// The app's name and the tag it puts on every stack.
const APP: (&str, &str) = ("media", "app");

/// Builds the app into `app`.
pub fn build(app: &mut App) -> Result<(), Error> {
    let env = || Env::new("123456789012", "eu-west-1");
    let data = tagged_stack(
        app,
        env(),
        APP,
        "media-data",
        "keys, buckets and the asset table",
    )?;
    let messaging = tagged_stack(app, env(), APP, "media-messaging", "uploads fan-out")?;
    let edge = tagged_stack(
        app,
        Env::new("123456789012", "us-east-1"),
        APP,
        "media-edge",
        "the certificate and web ACL CloudFront reads from us-east-1",
    )?;
    let site = tagged_stack(
        app,
        env(),
        APP,
        "media-site",
        "the public site behind CloudFront",
    )?;

    let (uploads, assets) = data_stack(app, &data)?;
    let mut s = app.scope(messaging.node())?;
    let (topic, dlq, transcode) = queues(&mut s)?;
    // EventBridge: a nightly re-scan into the same queue; an alarm on the
    // dead-letter queue notifying the topic. The integrations write the
    // queue's and the topic's policy statements and admit the services to
    // the key.
    let bus = events(&mut s, &topic, &dlq, &transcode)?;
    // The transcoder's role: every grant carries the key it needs.
    let mut statements = transcode.grant_consume();
    statements.extend(uploads.grant_read());
    statements.extend(assets.grant_write());
    statements.extend(topic.grant_publish());
    statements.extend(bus.grant_put_events());
    Role::new(
        &mut s,
        "Transcoder",
        RoleProps {
            assumed_by: vec![Principal::Service("ecs-tasks.amazonaws.com".into())],
            statements,
            ..Default::default()
        },
    )?;

    let (zone, certificate, acl) = edge_stack(app, &edge)?;
    site_stack(app, &site, (zone, certificate, acl))
}

/// Keys, the access-log and upload buckets, the asset table.
fn data_stack(app: &mut App, data: &StackRef) -> Result<(Bucket, Table), Error> {
    let mut s = app.scope(data.node())?;
    let key = Key::new(
        &mut s,
        "DataKey",
        KeyProps {
            alias: Some("media/data".into()),
            users: vec![KeyUser::ViaService("s3".into())],
            ..Default::default()
        },
    )?;
    let logs = Bucket::new(
        &mut s,
        "AccessLogs",
        BucketProps {
            access_logging: AccessLogging::IsTheLogBucket,
            ..Default::default()
        },
    )?;
    let uploads = Bucket::new(
        &mut s,
        "Uploads",
        BucketProps {
            encryption: BucketEncryption::Key(key),
            access_logging: AccessLogging::To {
                bucket: logs,
                prefix: Some("uploads/".into()),
            },
            ..Default::default()
        },
    )?;
    let assets = Table::new(
        &mut s,
        "Assets",
        TableProps {
            partition_key: Attribute::new("assetId", AttributeType::String),
            sort_key: Some(Attribute::new("rendition", AttributeType::String)),
            global_indexes: vec![GlobalIndex::new(
                "byOwner",
                Attribute::new("ownerId", AttributeType::String),
            )],
            encryption: TableEncryption::Key(key),
            ..Default::default()
        },
    )?;
    // The defaults as they are, so the conformance step checks them
    // (checkov included): a table and a queue encrypted with the service's
    // own keys.
    Table::new(&mut s, "Sessions", TableProps::default())?;
    Queue::new(&mut s, "Retries", QueueProps::default())?;
    Ok((uploads, assets))
}

/// The upload topic fanning out to the transcode queue and its dead-letter
/// queue, all under the messaging key.
fn queues(s: &mut Scope<'_>) -> Result<(Topic, Queue, Queue), Error> {
    let messaging_key = Key::new(s, "MessagingKey", KeyProps::default())?;
    let topic = Topic::new(
        s,
        "UploadEvents",
        TopicProps {
            key: Some(messaging_key),
            ..Default::default()
        },
    )?;
    let dlq = Queue::new(
        s,
        "TranscodeDlq",
        QueueProps {
            encryption: QueueEncryption::Key(messaging_key),
            retention_period_seconds: 1_209_600,
            ..Default::default()
        },
    )?;
    let transcode = Queue::new(
        s,
        "Transcode",
        QueueProps {
            encryption: QueueEncryption::Key(messaging_key),
            visibility_timeout_seconds: 300,
            dead_letter: Some(DeadLetter {
                queue: dlq,
                max_receive_count: 5,
            }),
            ..Default::default()
        },
    )?;
    topic.subscribe_queue(
        s,
        "TranscodeSubscription",
        &transcode,
        SubscriptionOptions::default(),
    )?;
    Ok((topic, dlq, transcode))
}

/// A nightly re-scan and the services' re-render requests into the queue;
/// an alarm on the dead-letter queue notifying the topic.
fn events(
    s: &mut Scope<'_>,
    topic: &Topic,
    dlq: &Queue,
    transcode: &Queue,
) -> Result<EventBus, Error> {
    let rescan = Rule::new(
        s,
        "NightlyRescan",
        RuleProps::new(Trigger::Schedule("cron(0 3 * * ? *)".into())),
    )?;
    rescan.add_queue_target(s, "transcode", transcode)?;
    // The services' own events: a bus, and a rule sending re-render
    // requests to the queue.
    let bus = EventBus::new(
        s,
        "MediaEvents",
        EventBusProps {
            name: "media-events".into(),
            ..Default::default()
        },
    )?;
    let rerender = Rule::new(
        s,
        "RerenderRequested",
        RuleProps {
            event_bus_name: Some(bus.name()),
            ..RuleProps::new(Trigger::Pattern(meshsynth::serde_json::json!({
                "source": ["media.catalog"],
                "detail-type": ["RerenderRequested"]
            })))
        },
    )?;
    rerender.add_queue_target(s, "transcode", transcode)?;
    let failures = Alarm::new(
        s,
        "TranscodeFailures",
        AlarmProps::new(
            Metric::sqs(
                dlq,
                "ApproximateNumberOfMessagesVisible",
                Statistic::Maximum,
            ),
            0,
        ),
    )?;
    failures.notify(s, topic)?;
    Ok(bus)
}

/// CloudFront's certificate and web ACL live in us-east-1, with the zone the
/// certificate validates in (Route 53 is global).
fn edge_stack(
    app: &mut App,
    edge: &StackRef,
) -> Result<(ResourceRef<route53::CfnHostedZone>, Certificate, WebAcl), Error> {
    let mut e = app.scope(edge.node())?;
    let zone = e.add_resource(
        "Zone",
        route53::CfnHostedZone {
            name: Some("media.example.com".into()),
            ..Default::default()
        },
    )?;
    let certificate = Certificate::new(
        &mut e,
        "SiteCertificate",
        CertificateProps {
            domain_name: "www.media.example.com".into(),
            hosted_zone_id: Some(zone.reference()),
            ..Default::default()
        },
    )?;
    let acl = WebAcl::new(
        &mut e,
        "SiteAcl",
        WebAclProps {
            scope: WafScope::CloudFront,
            ..Default::default()
        },
    )?;
    Ok((zone, certificate, acl))
}

/// The public site in eu-west-1: its buckets, the distribution reading the
/// edge's certificate and ACL across regions, the alias record.
fn site_stack(
    app: &mut App,
    site: &StackRef,
    (zone, certificate, acl): (ResourceRef<route53::CfnHostedZone>, Certificate, WebAcl),
) -> Result<(), Error> {
    let mut s = app.scope(site.node())?;
    let cdn_logs = Bucket::new(
        &mut s,
        "CdnLogs",
        BucketProps {
            access_logging: AccessLogging::IsTheLogBucket,
            log_delivery_acls: true,
            ..Default::default()
        },
    )?;
    let content = Bucket::new(
        &mut s,
        "Content",
        BucketProps {
            access_logging: AccessLogging::To {
                bucket: cdn_logs,
                prefix: Some("content/".into()),
            },
            ..Default::default()
        },
    )?;
    let cdn = Distribution::new(
        &mut s,
        "Cdn",
        DistributionProps {
            domain_names: vec!["www.media.example.com".into()],
            certificate: Some(certificate),
            web_acl: Some(acl),
            access_logs: Some(cdn_logs),
            ..DistributionProps::new(Origin::S3(content))
        },
    )?;
    AliasRecord::new(
        &mut s,
        "WwwRecord",
        AliasRecordProps {
            hosted_zone_id: zone.reference(),
            zone_name: Some("media.example.com".into()),
            name: "www.media.example.com".into(),
            target: AliasTarget::CloudFront(cdn.domain_name()),
            ipv6: true,
        },
    )?;
    Ok(())
}
