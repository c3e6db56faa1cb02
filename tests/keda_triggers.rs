//! KEDA triggers that read AWS: the grant comes from the trigger (added to
//! the service's IRSA role), the queue scaler reads SQS directly, and a
//! trigger that could never read its metric is refused at build time.

use crate::shop;

use meshsynth::aws::iam::PolicyStatement;
use meshsynth::core::{App, Context, Error, Value};
use meshsynth::mesh::keda::{AwsIdentity, Trigger};
use meshsynth::mesh::service::{
    IrsaNeeds, MeshService, MeshServiceProps, Scaling, ServiceIdentity,
};
use meshsynth::synth::{synth, SynthOptions};
use serde_json::Value as Json;
use shop::{oidc, shop_chart};

const QUEUE_URL: &str = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders";
const QUEUE_ARN: &str = "arn:aws:sqs:eu-west-1:123456789012:orders";

fn irsa() -> ServiceIdentity {
    ServiceIdentity::Irsa(IrsaNeeds {
        oidc: oidc(),
        statements: vec![PolicyStatement::allow(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
            [Value::str(QUEUE_ARN)],
        )],
        managed_policy_arns: vec![],
    })
}

fn queue_trigger(region: &str) -> Trigger {
    Trigger::AwsSqsQueue {
        queue_url: Value::str(QUEUE_URL),
        queue_arn: Value::str(QUEUE_ARN),
        queue_length: 5,
        activation_queue_length: None,
        region: region.into(),
    }
}

/// A worker scaled by `trigger`, with `identity`; the synthesized files.
fn worker(identity: ServiceIdentity, trigger: Trigger) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut app = App::new(Context::new());
    let chart = shop_chart(&mut app)?;
    let mut c = app.scope(chart.node())?;
    MeshService::new(
        &mut c,
        "Worker",
        MeshServiceProps {
            name: "worker".into(),
            image: "registry.example.com/shop/worker:1.0.0".into(),
            identity,
            scaling: Scaling::Keda {
                min: 1,
                max: 20,
                triggers: vec![trigger],
                aws_identity: AwsIdentity::Workload,
            },
            ..Default::default()
        },
    )?;
    Ok(synth(app, &SynthOptions::default())?.assembly.files)
}

fn role_statements(files: &[(String, Vec<u8>)]) -> Vec<Json> {
    let (_, tpl) = files
        .iter()
        .find(|(f, _)| f == "apps.template.json")
        .unwrap();
    let tpl: Json = serde_json::from_slice(tpl).unwrap();
    tpl["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::Role")
        .flat_map(|r| {
            r["Properties"]["Policies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|p| {
            p["PolicyDocument"]["Statement"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// Whether a statement allows `action` (alone or in a list).
fn allows(s: &Json, action: &str) -> bool {
    s["Effect"] == "Allow"
        && (s["Action"] == action
            || s["Action"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == action)))
}

fn scaled_object(files: &[(String, Vec<u8>)]) -> Json {
    files
        .iter()
        .filter(|(f, _)| f.starts_with("k8s/prod/"))
        .flat_map(|(_, y)| {
            serde_yaml::Deserializer::from_slice(y)
                .map(|d| serde::Deserialize::deserialize(d).unwrap())
                .collect::<Vec<Json>>()
        })
        .find(|d| d["kind"] == "ScaledObject")
        .expect("a ScaledObject")
}

#[test]
fn the_queue_trigger_reads_sqs_and_its_grant_is_on_the_role() {
    let files = worker(irsa(), queue_trigger("eu-west-1")).unwrap();
    let so = scaled_object(&files);
    let t = &so["spec"]["triggers"][0];
    assert_eq!(t["type"], "aws-sqs-queue");
    assert_eq!(t["metadata"]["queueURL"], QUEUE_URL);
    assert_eq!(t["metadata"]["queueLength"], "5");
    assert_eq!(t["metadata"]["awsRegion"], "eu-west-1");
    let statements = role_statements(&files);
    assert!(
        statements
            .iter()
            .any(|s| allows(s, "sqs:GetQueueAttributes") && s["Resource"] == QUEUE_ARN),
        "{statements:#?}"
    );
}

#[test]
fn the_cloudwatch_trigger_grants_get_metric_data() {
    let files = worker(
        irsa(),
        Trigger::AwsCloudwatch {
            namespace: "AWS/SQS".into(),
            metric_name: "ApproximateNumberOfMessagesVisible".into(),
            dimension_name: "QueueName".into(),
            dimension_value: "orders".into(),
            target_value: "5".into(),
            region: "eu-west-1".into(),
        },
    )
    .unwrap();
    let statements = role_statements(&files);
    assert!(
        statements
            .iter()
            .any(|s| allows(s, "cloudwatch:GetMetricData")),
        "{statements:#?}"
    );
}

/// The synth errors of `files` as `CODE message`.
fn synth_errors(r: Result<Vec<(String, Vec<u8>)>, Error>) -> Vec<String> {
    match r {
        Err(Error::Diagnostics(d)) => d
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                format!(
                    "{} {}: {}",
                    d.code.as_deref().unwrap_or(""),
                    d.path,
                    d.message
                )
            })
            .collect(),
        Err(e) => vec![e.to_string()],
        Ok(_) => Vec::new(),
    }
}

#[test]
fn a_trigger_that_could_never_read_its_metric_is_refused() {
    let e = synth_errors(worker(irsa(), queue_trigger("us-east-1")));
    assert!(
        e.iter().any(
            |e| e.starts_with("MS-KEDA-1 apps/Cluster/Worker/ScaledObject")
                && e.contains("region \"us-east-1\" is not the queue's region \"eu-west-1\"")
        ),
        "{e:?}"
    );
    let e = synth_errors(worker(ServiceIdentity::Plain, queue_trigger("eu-west-1")));
    assert!(
        e.iter()
            .any(|e| e.starts_with("MS-PROPS-1 apps/Cluster/Worker")
                && e.contains("the service has no AWS identity")),
        "{e:?}"
    );
    let bad_url = Trigger::AwsSqsQueue {
        queue_url: Value::str("orders"),
        queue_arn: Value::str(QUEUE_ARN),
        queue_length: 5,
        activation_queue_length: None,
        region: "eu-west-1".into(),
    };
    let e = synth_errors(worker(irsa(), bad_url));
    assert!(
        e.iter().any(|e| e.contains("is not an SQS queue URL")),
        "{e:?}"
    );
}

/// A queue of the app in us-east-1 read by a scaler told eu-west-1: the
/// queue scaler (through `queue.url()`) and the CloudWatch scaler (through
/// the queue's name) both get `MS-KEDA-1`, and, with two more construct
/// mistakes and a service without an AWS identity, one synth reports every
/// one of them (construct errors no longer stop the build at the first).
#[test]
fn every_construct_mistake_of_a_platform_is_reported_in_one_run() {
    use meshsynth::aws::logs::{LogGroup, LogGroupProps};
    use meshsynth::aws::sqs::{Queue, QueueProps};
    use meshsynth::core::{Env, Stack, StackProps};
    let mut app = App::new(Context::new());
    let queues = Stack::new(
        &mut app.root(),
        "queues",
        StackProps {
            env: Env::new("123456789012", "us-east-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let (orders, logs) = {
        let mut q = app.scope(queues.node()).unwrap();
        let orders = Queue::new(
            &mut q,
            "Orders",
            QueueProps {
                name: Some("orders".into()),
                retention_period_seconds: 30, // mistake: SQS keeps 60 s at least
                ..Default::default()
            },
        )
        .expect("refused props are reported, not returned");
        let logs = LogGroup::new(
            &mut q,
            "Logs",
            LogGroupProps {
                retention_days: 42, // mistake: not a retention CloudWatch Logs offers
                ..Default::default()
            },
        );
        (orders, logs.map(|_| ()))
    };
    logs.expect("refused props are reported, not returned");
    let chart = shop_chart(&mut app).unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    let scaled = |name: &str, identity: ServiceIdentity, trigger: Trigger| MeshServiceProps {
        name: name.into(),
        image: "registry.example.com/shop/worker:1.0.0".into(),
        identity,
        scaling: Scaling::Keda {
            min: 1,
            max: 20,
            triggers: vec![trigger],
            aws_identity: AwsIdentity::Workload,
        },
        ..Default::default()
    };
    let by_queue = Trigger::AwsSqsQueue {
        queue_url: orders.url(),
        queue_arn: orders.arn(),
        queue_length: 5,
        activation_queue_length: None,
        region: "eu-west-1".into(), // mistake: the queue is in us-east-1
    };
    let by_metric = Trigger::AwsCloudwatch {
        namespace: "AWS/SQS".into(),
        metric_name: "ApproximateNumberOfMessagesVisible".into(),
        dimension_name: "QueueName".into(),
        dimension_value: "orders".into(),
        target_value: "5".into(),
        region: "eu-west-1".into(), // mistake: the queue is in us-east-1
    };
    MeshService::new(&mut c, "Worker", scaled("worker", irsa(), by_queue)).unwrap();
    MeshService::new(&mut c, "Reporter", scaled("reporter", irsa(), by_metric)).unwrap();
    // Mistake: a KEDA service reading AWS with no AWS identity.
    let plain = queue_trigger("eu-west-1");
    MeshService::new(
        &mut c,
        "Mailer",
        scaled("mailer", ServiceIdentity::Plain, plain),
    )
    .unwrap();
    let Err(Error::Diagnostics(diags)) = synth(app, &SynthOptions::default()) else {
        panic!("the platform must not synthesize");
    };
    let errors: Vec<(String, String)> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.clone().unwrap_or_default(), d.path.clone()))
        .collect();
    let expect = |code: &str, path: &str| (code.to_string(), path.to_string());
    for e in [
        expect("MS-PROPS-1", "queues/Orders"),
        expect("MS-PROPS-1", "queues/Logs"),
        expect("MS-KEDA-1", "apps/Cluster/Worker/ScaledObject"),
        expect("MS-KEDA-1", "apps/Cluster/Reporter/ScaledObject"),
        expect("MS-PROPS-1", "apps/Cluster/Mailer"),
    ] {
        assert!(errors.contains(&e), "{e:?} missing from {errors:#?}");
    }
}
