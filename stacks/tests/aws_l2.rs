//! The data and messaging L2 constructs: what they refuse (one error
//! naming the construct path, returned or reported for synth to list with
//! every other problem) and the glue their integrations write.

use meshsynth::aws::dynamodb::{Attribute, AttributeType, GlobalIndex, Table, TableProps};
use meshsynth::aws::kms::{Key, KeyProps};
use meshsynth::aws::s3::{Bucket, BucketEncryption, BucketProps};
use meshsynth::aws::sns::{SubscriptionOptions, Topic, TopicProps};
use meshsynth::aws::sqs::{DeadLetter, Queue, QueueEncryption, QueueProps};
use meshsynth::core::{App, Context, Env, Error, Scope, Stack, StackProps};
use meshsynth::testing::synth_app;

/// Runs `f` in a fresh stack `media` and returns its error, displayed.
fn error_of(f: impl FnOnce(&mut Scope<'_>) -> Result<(), Error>) -> String {
    let mut app = App::new(Context::new());
    let stack = Stack::new(
        &mut app.root(),
        "media",
        StackProps {
            env: Env::new("123456789012", "eu-west-1"),
            ..Default::default()
        },
    )
    .expect("stack");
    let mut s = app.scope(stack.node()).expect("scope");
    let r = f(&mut s);
    refused(&s, r)
}

/// A construct's refusal, returned or (for props it can still build from)
/// reported for synth to list with every other problem: the same text
/// either way.
fn refused(s: &Scope<'_>, r: Result<(), Error>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(()) => {
            let d = s
                .app()
                .diagnostics()
                .iter()
                .rev()
                .find(|d| d.is_error())
                .expect("expected an error")
                .clone();
            match d.hint {
                Some(h) => format!("{}: {} (hint: {h})", d.path, d.message),
                None => format!("{}: {}", d.path, d.message),
            }
        }
    }
}

#[test]
fn a_fifo_name_and_the_fifo_flag_must_agree() {
    let e = error_of(|s| {
        Queue::new(
            s,
            "Jobs",
            QueueProps {
                name: Some("jobs".into()),
                fifo: true,
                ..Default::default()
            },
        )
        .map(drop)
    });
    assert!(e.contains("media/Jobs"), "{e}");
    assert!(
        e.contains("queue name \"jobs\" and fifo: true disagree"),
        "{e}"
    );
}

#[test]
fn a_dead_letter_queue_is_the_same_kind_as_its_queue() {
    let e = error_of(|s| {
        let dlq = Queue::new(s, "Dlq", QueueProps::default())?;
        Queue::new(
            s,
            "Jobs",
            QueueProps {
                fifo: true,
                dead_letter: Some(DeadLetter {
                    queue: dlq,
                    max_receive_count: 3,
                }),
                ..Default::default()
            },
        )
        .map(drop)
    });
    assert!(e.contains("media/Jobs"), "{e}");
    assert!(e.contains("both be FIFO or both standard"), "{e}");
}

#[test]
fn a_visibility_timeout_sqs_refuses_is_refused() {
    let e = error_of(|s| {
        Queue::new(
            s,
            "Jobs",
            QueueProps {
                visibility_timeout_seconds: 50_000,
                ..Default::default()
            },
        )
        .map(drop)
    });
    assert!(
        e.contains("visibility_timeout_seconds 50000 is outside 0..43200"),
        "{e}"
    );
}

#[test]
fn a_fifo_queue_cannot_subscribe_to_a_standard_topic() {
    let e = error_of(|s| {
        let topic = Topic::new(s, "Uploads", TopicProps::default())?;
        let queue = Queue::new(
            s,
            "Jobs",
            QueueProps {
                fifo: true,
                ..Default::default()
            },
        )?;
        topic
            .subscribe_queue(
                s,
                "JobsSubscription",
                &queue,
                SubscriptionOptions::default(),
            )
            .map(drop)
    });
    assert!(e.contains("media/JobsSubscription"), "{e}");
    assert!(
        e.contains("a FIFO queue cannot subscribe to a standard topic"),
        "{e}"
    );
}

#[test]
fn a_key_attribute_has_one_type_and_indexes_have_their_own_names() {
    let e = error_of(|s| {
        Table::new(
            s,
            "Assets",
            TableProps {
                partition_key: Attribute::new("ownerId", AttributeType::String),
                global_indexes: vec![GlobalIndex::new(
                    "byOwner",
                    Attribute::new("ownerId", AttributeType::Number),
                )],
                ..Default::default()
            },
        )
        .map(drop)
    });
    assert!(e.contains("media/Assets"), "{e}");
    assert!(
        e.contains("key attribute \"ownerId\" is String in one key and Number in another"),
        "{e}"
    );
    let e = error_of(|s| {
        Table::new(
            s,
            "Assets",
            TableProps {
                global_indexes: vec![
                    GlobalIndex::new("byOwner", Attribute::new("a", AttributeType::String)),
                    GlobalIndex::new("byOwner", Attribute::new("b", AttributeType::String)),
                ],
                ..Default::default()
            },
        )
        .map(drop)
    });
    assert!(
        e.contains("two global indexes are named \"byOwner\""),
        "{e}"
    );
}

#[test]
fn an_invalid_bucket_name_is_refused() {
    let e = error_of(|s| {
        Bucket::new(
            s,
            "Site",
            BucketProps {
                name: Some("Media_Site".into()),
                ..Default::default()
            },
        )
        .map(drop)
    });
    assert!(e.contains("media/Site"), "{e}");
    assert!(e.contains("bucket name \"Media_Site\" is not valid"), "{e}");
}

#[test]
fn grants_carry_the_key_of_the_resource() {
    // The mistake of the first media platform: a grant on an encrypted table
    // without kms:Decrypt. A grant from the handle cannot forget the key.
    let synth = synth_app(
        |app: &mut App| {
            let stack = Stack::new(
                &mut app.root(),
                "media",
                StackProps {
                    env: Env::new("123456789012", "eu-west-1"),
                    ..Default::default()
                },
            )?;
            let mut s = app.scope(stack.node())?;
            let key = Key::new(&mut s, "Key", KeyProps::default())?;
            let table = Table::new(
                &mut s,
                "Assets",
                TableProps {
                    encryption: meshsynth::aws::dynamodb::TableEncryption::Key(key),
                    ..Default::default()
                },
            )?;
            let bucket = Bucket::new(
                &mut s,
                "Uploads",
                BucketProps {
                    encryption: BucketEncryption::Key(key),
                    access_logging: meshsynth::aws::s3::AccessLogging::IsTheLogBucket,
                    ..Default::default()
                },
            )?;
            let queue = Queue::new(
                &mut s,
                "Jobs",
                QueueProps {
                    encryption: QueueEncryption::Key(key),
                    ..Default::default()
                },
            )?;
            let actions = |st: &[meshsynth::aws::iam::PolicyStatement]| {
                st.iter()
                    .flat_map(|s| s.actions.iter().cloned())
                    .collect::<Vec<_>>()
            };
            for (what, statements) in [
                ("table read", table.grant_read()),
                ("table write", table.grant_write()),
                ("bucket read", bucket.grant_read()),
                ("queue consume", queue.grant_consume()),
                ("queue send", queue.grant_send()),
            ] {
                let a = actions(&statements);
                assert!(
                    a.iter().any(|x| x.starts_with("kms:")),
                    "{what} carries the key: {a:?}"
                );
            }
            Ok(())
        },
        &[],
    )
    .expect("synthesizes");
    synth
        .template("media")
        .resource_count_is("AWS::SQS::Queue", 1);
}

mod edge {
    use meshsynth::aws::acm::{Certificate, CertificateProps};
    use meshsynth::aws::cloudfront::{Distribution, DistributionProps, Origin};
    use meshsynth::aws::route53::{AliasRecord, AliasRecordProps, AliasTarget};
    use meshsynth::aws::s3::{AccessLogging, Bucket, BucketProps};
    use meshsynth::aws::waf::{WafScope, WebAcl, WebAclProps};
    use meshsynth::core::{App, Context, Env, Stack, StackProps, Value};

    /// Builds an edge stack in `edge_region` and a site stack in
    /// eu-west-1, runs `f` in the site stack with the edge's certificate
    /// and ACL, and returns its error.
    fn site_error(
        edge_region: &str,
        acl_scope: WafScope,
        f: impl FnOnce(
            &mut meshsynth::core::Scope<'_>,
            Certificate,
            WebAcl,
            Bucket,
        ) -> Result<(), meshsynth::core::Error>,
    ) -> String {
        let mut app = App::new(Context::new());
        let stack = |app: &mut App, name: &str, region: &str| {
            Stack::new(
                &mut app.root(),
                name,
                StackProps {
                    env: Env::new("123456789012", region),
                    ..Default::default()
                },
            )
            .expect("stack")
        };
        let edge = stack(&mut app, "edge", edge_region);
        let site = stack(&mut app, "site", "eu-west-1");
        let mut e = app.scope(edge.node()).expect("scope");
        let cert = Certificate::new(
            &mut e,
            "Cert",
            CertificateProps {
                domain_name: "www.media.example.com".into(),
                ..Default::default()
            },
        )
        .expect("certificate");
        let acl = WebAcl::new(
            &mut e,
            "Acl",
            WebAclProps {
                scope: acl_scope,
                ..Default::default()
            },
        )
        .expect("acl");
        let mut s = app.scope(site.node()).expect("scope");
        let bucket = Bucket::new(
            &mut s,
            "Content",
            BucketProps {
                access_logging: AccessLogging::IsTheLogBucket,
                ..Default::default()
            },
        )
        .expect("bucket");
        let r = f(&mut s, cert, acl, bucket);
        super::refused(&s, r)
    }

    #[test]
    fn a_distribution_refuses_a_certificate_outside_us_east_1() {
        let e = site_error("eu-west-1", WafScope::Regional, |s, cert, _, bucket| {
            Distribution::new(
                s,
                "Cdn",
                DistributionProps {
                    domain_names: vec!["www.media.example.com".into()],
                    certificate: Some(cert),
                    ..DistributionProps::new(Origin::S3(bucket))
                },
            )
            .map(drop)
        });
        assert!(e.contains("site/Cdn"), "{e}");
        assert!(e.contains("the certificate is requested in eu-west-1; CloudFront reads certificates from us-east-1 only"), "{e}");
    }

    #[test]
    fn a_distribution_refuses_a_regional_acl_and_names_without_a_certificate() {
        let e = site_error("us-east-1", WafScope::Regional, |s, cert, acl, bucket| {
            Distribution::new(
                s,
                "Cdn",
                DistributionProps {
                    certificate: Some(cert),
                    web_acl: Some(acl),
                    ..DistributionProps::new(Origin::S3(bucket))
                },
            )
            .map(drop)
        });
        assert!(e.contains("the web ACL has the REGIONAL scope"), "{e}");
        let e = site_error("us-east-1", WafScope::CloudFront, |s, _, _, bucket| {
            Distribution::new(
                s,
                "Cdn",
                DistributionProps {
                    domain_names: vec!["www.media.example.com".into()],
                    ..DistributionProps::new(Origin::S3(bucket))
                },
            )
            .map(drop)
        });
        assert!(e.contains("need a certificate"), "{e}");
    }

    #[test]
    fn a_cloudfront_acl_outside_us_east_1_is_refused() {
        let mut app = App::new(Context::new());
        let stack = Stack::new(
            &mut app.root(),
            "edge",
            StackProps {
                env: Env::new("123456789012", "eu-west-1"),
                ..Default::default()
            },
        )
        .expect("stack");
        let e = WebAcl::new(
            &mut app.scope(stack.node()).expect("scope"),
            "Acl",
            WebAclProps {
                scope: WafScope::CloudFront,
                ..Default::default()
            },
        )
        .expect_err("refused")
        .to_string();
        assert!(e.contains("edge/Acl"), "{e}");
        assert!(
            e.contains("must be created in us-east-1, not eu-west-1"),
            "{e}"
        );
    }

    #[test]
    fn an_alias_outside_its_zone_is_refused() {
        let e = site_error("us-east-1", WafScope::CloudFront, |s, _, _, _| {
            AliasRecord::new(
                s,
                "Www",
                AliasRecordProps {
                    hosted_zone_id: Value::str("Z123"),
                    zone_name: Some("media.example.com".into()),
                    name: "www.example.org".into(),
                    target: AliasTarget::CloudFront(Value::str("d1.cloudfront.net")),
                    ipv6: true,
                },
            )
            .map(drop)
        });
        assert!(e.contains("site/Www"), "{e}");
        assert!(
            e.contains("the record www.example.org is outside its hosted zone media.example.com"),
            "{e}"
        );
    }
}

mod events_and_alarms {
    use super::error_of;
    use meshsynth::aws::cloudwatch::{Alarm, AlarmProps, Metric, Statistic};
    use meshsynth::aws::events::{Rule, RuleProps, Trigger};
    use meshsynth::aws::sqs::{Queue, QueueProps};

    #[test]
    fn a_schedule_must_be_cron_or_rate() {
        let e = error_of(|s| {
            Rule::new(
                s,
                "Nightly",
                RuleProps::new(Trigger::Schedule("every night".into())),
            )
            .map(drop)
        });
        assert!(e.contains("media/Nightly"), "{e}");
        assert!(
            e.contains("\"every night\" is not a cron() or rate() expression"),
            "{e}"
        );
    }

    #[test]
    fn the_default_bus_cannot_be_made() {
        let e = error_of(|s| {
            meshsynth::aws::events::EventBus::new(
                s,
                "Bus",
                meshsynth::aws::events::EventBusProps {
                    name: "default".into(),
                    ..Default::default()
                },
            )
            .map(drop)
        });
        assert!(e.contains("media/Bus"), "{e}");
        assert!(e.contains("event bus name \"default\" is not valid"), "{e}");
    }

    #[test]
    fn a_null_in_an_event_pattern_is_refused_by_path() {
        let e = error_of(|s| {
            Rule::new(
                s,
                "Rerender",
                RuleProps::new(Trigger::Pattern(meshsynth::serde_json::json!({
                    "source": ["media.catalog"],
                    "detail": {"size": [null]}
                }))),
            )
            .map(drop)
        });
        assert!(e.contains("media/Rerender"), "{e}");
        assert!(e.contains("event pattern: $.detail.size[0] is null"), "{e}");
    }

    #[test]
    fn a_rule_takes_at_most_five_targets() {
        let e = error_of(|s| {
            let q = Queue::new(s, "Jobs", QueueProps::default())?;
            let rule = Rule::new(
                s,
                "Nightly",
                RuleProps::new(Trigger::Schedule("rate(1 day)".into())),
            )?;
            for i in 0..6 {
                rule.add_queue_target(s, &format!("t{i}"), &q)?;
            }
            Ok(())
        });
        assert!(e.contains("a rule has at most 5 targets"), "{e}");
    }

    #[test]
    fn an_alarm_period_cloudwatch_cannot_evaluate_is_refused() {
        let e = error_of(|s| {
            let q = Queue::new(s, "Jobs", QueueProps::default())?;
            let mut props = AlarmProps::new(
                Metric::sqs(&q, "ApproximateNumberOfMessagesVisible", Statistic::Maximum),
                0,
            );
            props.period_seconds = 90;
            Alarm::new(s, "Backlog", props).map(drop)
        });
        assert!(e.contains("media/Backlog"), "{e}");
        assert!(
            e.contains("period 90 s is not 10, 30 or a multiple of 60"),
            "{e}"
        );
    }
}
