//! The data and messaging L2 constructs: what they refuse (one error
//! naming the construct path, before anything is added) and the glue their
//! integrations write.

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
    match f(&mut s) {
        Ok(()) => panic!("expected an error"),
        Err(e) => e.to_string(),
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
    assert!(e.contains("queue name \"jobs\" and fifo: true disagree"), "{e}");
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
    assert!(e.contains("visibility_timeout_seconds 50000 is outside 0..43200"), "{e}");
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
            .subscribe_queue(s, "JobsSubscription", &queue, SubscriptionOptions::default())
            .map(drop)
    });
    assert!(e.contains("media/JobsSubscription"), "{e}");
    assert!(e.contains("a FIFO queue cannot subscribe to a standard topic"), "{e}");
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
    assert!(e.contains("key attribute \"ownerId\" is String in one key and Number in another"), "{e}");
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
    assert!(e.contains("two global indexes are named \"byOwner\""), "{e}");
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
