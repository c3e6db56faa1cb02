//! A marketplace platform of the shape (queues with a dead-letter
//! queue, an alarm, a nightly rule, a CDN over a private bucket, a worker
//! scaled by KEDA on queue depth beside an HPA and two PodDisruptionBudgets,
//! IRSA) written with nine mistakes that each fail only at run time. One
//! synth must report all nine, each under its own code, and nothing else
//! among the errors: construct errors and analyzer findings are collected
//! alike, so no mistake hides another.

use std::collections::BTreeMap;

use meshsynth::aws::cloudwatch::{Alarm, AlarmProps, Metric, Statistic};
use meshsynth::aws::events::{Rule, RuleProps, Trigger as Schedule};
use meshsynth::aws::iam::{IrsaRole, IrsaRoleProps, OidcProviderRef, PolicyStatement};
use meshsynth::aws::s3::{AccessLogging, Bucket, BucketProps};
use meshsynth::aws::sqs::{DeadLetter, Queue, QueueProps};
use meshsynth::core::{
    App, CfnRaw, Chart, ChartProps, Context, Env, Error, Scope, Stack, StackProps, TagStyle, Value,
};
use meshsynth::k8s::workloads::{
    AppDeployment, AppDeploymentProps, AppPodDisruptionBudget, AppPodDisruptionBudgetProps,
    AppServiceAccount, AppServiceAccountProps, ContainerPort, ContainerProps, Disruption, Hpa,
    HpaMetric, HpaProps, PodProps,
};
use meshsynth::mesh::keda::{AwsIdentity, KedaScaler, KedaScalerProps, Trigger};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::synth::{synth, SynthOptions};

fn oidc() -> OidcProviderRef {
    OidcProviderRef {
        arn: Value::str(
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
        ),
        issuer_host: Value::str("oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Queues (us-east-1, where the team thought the cluster was), the alarm,
/// the nightly rule and the CDN: five AWS-side mistakes.
fn aws_side(s: &mut Scope<'_>) -> Result<Queue, Error> {
    let dlq = Queue::new(s, "OrdersDlq", QueueProps::default())?; // 4 days
    let orders = Queue::new(
        s,
        "Orders",
        QueueProps {
            name: Some("orders".into()),
            retention_period_seconds: 1_209_600, // mistake 1: longer than its DLQ keeps them
            dead_letter: Some(DeadLetter {
                queue: dlq,
                max_receive_count: 5,
            }),
            ..Default::default()
        },
    )?;
    // Mistake 2: SQS publishes ApproximateNumberOfMessagesVisible.
    Alarm::new(
        s,
        "Backlog",
        AlarmProps::new(
            Metric::sqs(&orders, "ApproximateNumberOfMessages", Statistic::Maximum),
            1000,
        ),
    )?;
    // Mistake 3: a crontab, not an EventBridge cron (six fields).
    Rule::new(
        s,
        "Nightly",
        RuleProps::new(Schedule::Schedule("cron(0 3 * * *)".into())),
    )?;
    // Mistake 4: a CDN reading a private bucket with no origin access control.
    let assets = Bucket::new(
        s,
        "Assets",
        BucketProps {
            access_logging: AccessLogging::IsTheLogBucket,
            ..Default::default()
        },
    )?;
    let origin =
        serde_json::json!({"Id": "assets", "S3OriginConfig": {"OriginAccessIdentity": ""}});
    let mut origin = Value::try_from(&origin).unwrap();
    if let Value::Map(m) = &mut origin {
        m.insert("DomainName".into(), assets.regional_domain_name());
    }
    let mut config = indexmap::IndexMap::new();
    config.insert("Enabled".into(), Value::Bool(true));
    config.insert("Origins".into(), Value::List(vec![origin]));
    config.insert(
        "DefaultCacheBehavior".into(),
        Value::try_from(&serde_json::json!({
            "TargetOriginId": "assets",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"
        }))
        .unwrap(),
    );
    let mut props = indexmap::IndexMap::new();
    props.insert("DistributionConfig".into(), Value::Map(config));
    let cdn = s.add_raw_resource(
        "Cdn",
        CfnRaw {
            type_name: "AWS::CloudFront::Distribution".into(),
            properties: props,
            tags: TagStyle::List,
        },
    )?;
    // Not one of the nine: this sketch of a CDN has no certificate of its own.
    s.suppress_node(cdn, "AwsSolutions-CFR4", "a test platform without a domain")?;
    Ok(orders)
}

/// The worker, its identity and its autoscalers: four cluster-side mistakes.
fn cluster_side(c: &mut Scope<'_>, orders: &Queue) -> Result<(), Error> {
    MeshNamespace::new(
        c,
        "Namespace",
        MeshNamespaceProps {
            name: "shop".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    // The role trusts `worker-sa`, may receive messages, and no more.
    let role = IrsaRole::new(
        c,
        "WorkerRole",
        IrsaRoleProps {
            oidc: oidc(),
            namespace: "shop".into(),
            service_account: "worker-sa".into(),
            statements: vec![PolicyStatement::allow(
                ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                [orders.arn()],
            )],
            ..Default::default()
        },
    )?;
    // Mistake 5: the pods run as `worker`, annotated with the role made for `worker-sa`.
    AppServiceAccount::new(
        c,
        "WorkerAccount",
        AppServiceAccountProps {
            name: "worker".into(),
            namespace: None,
            annotations: [(
                "eks.amazonaws.com/role-arn".to_string(),
                role.role_arn.clone(),
            )]
            .into(),
        },
    )?;
    AppDeployment::new(
        c,
        "Worker",
        AppDeploymentProps {
            name: "worker".into(),
            replicas: None,
            pod: PodProps {
                selector: labels(&[("app", "worker")]),
                service_account: Some("worker".into()),
                containers: vec![ContainerProps {
                    name: "worker".into(),
                    image: "registry.example.com/shop/worker:1.0.0".into(),
                    ports: vec![ContainerPort {
                        name: "http".into(),
                        port: 8080,
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            },
            labels: BTreeMap::new(),
        },
    )?;
    // Mistakes 6 and 7: the scaler reads the queue from eu-west-1 (it is in
    // us-east-1), with the workload's role, which may not read its depth.
    KedaScaler::new(
        c,
        "WorkerScaler",
        KedaScalerProps {
            name: "worker".into(),
            target: ("apps/v1".into(), "Deployment".into(), "worker".into()),
            min_replicas: 1,
            max_replicas: 20,
            polling_interval: None,
            cooldown_period: None,
            triggers: vec![Trigger::AwsSqsQueue {
                queue_url: orders.url(),
                queue_arn: orders.arn(),
                queue_length: 5,
                activation_queue_length: None,
                region: "eu-west-1".into(),
            }],
            aws_identity: AwsIdentity::Workload,
        },
    )?;
    // Mistake 8: an HPA on the same Deployment.
    Hpa::new(
        c,
        "WorkerHpa",
        HpaProps {
            name: "worker".into(),
            target: ("apps/v1".into(), "Deployment".into(), "worker".into()),
            min_replicas: 2,
            max_replicas: 10,
            metrics: vec![HpaMetric::Cpu(70)],
            scale_up: None,
            scale_down: None,
        },
    )?;
    // Mistake 9: a second PodDisruptionBudget over the same pods.
    for (id, name) in [("WorkerPdb", "worker"), ("WorkerPdbAgain", "worker-pdb")] {
        AppPodDisruptionBudget::new(
            c,
            id,
            AppPodDisruptionBudgetProps {
                name: name.into(),
                selector: labels(&[("app", "worker")]),
                budget: Disruption::MaxUnavailable(1),
            },
        )?;
    }
    Ok(())
}

#[test]
fn nine_run_time_mistakes_are_nine_findings_of_one_synth() {
    let mut app = App::new(Context::new());
    let stack = Stack::new(
        &mut app.root(),
        "marketplace",
        StackProps {
            env: Env::new("123456789012", "us-east-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let orders = aws_side(&mut app.scope(stack.node()).unwrap())
        .expect("built: mistakes are reported, not returned");
    let chart = Chart::new(
        &mut app.scope(stack.node()).unwrap(),
        "Cluster",
        ChartProps::new("prod").namespace("shop"),
    )
    .unwrap();
    cluster_side(&mut app.scope(chart.node()).unwrap(), &orders).expect("built");
    let Err(Error::Diagnostics(diags)) = synth(app, &SynthOptions::default()) else {
        panic!("the platform must not synthesize");
    };
    let found: BTreeMap<String, Vec<String>> = diags.iter().fold(BTreeMap::new(), |mut m, d| {
        m.entry(d.code.clone().unwrap_or_default())
            .or_default()
            .push(d.to_string());
        m
    });
    let expected = [
        ("MS-CFN-21", "warning"), // the dead-letter queue keeps messages for less time
        ("MS-CFN-23", "warning"), // an alarm on a metric SQS does not publish: it never fires
        ("MS-CFN-22", "error"),   // a crontab schedule
        ("MS-CFN-24", "error"),   // a private bucket's origin without access control
        ("MS-IAM-2", "error"),    // the role trusts worker-sa, the pods run as worker
        ("MS-KEDA-1", "error"),   // the scaler reads the queue's depth in another region
        ("MS-KEDA-2", "error"),   // the workload's role may not read the queue's depth
        ("MS-K8S-1", "error"),    // KEDA and an HPA scale one Deployment
        ("MS-K8S-2", "error"),    // two PodDisruptionBudgets over the same pods
    ];
    for (code, level) in expected {
        let hits = found.get(code).cloned().unwrap_or_default();
        assert_eq!(hits.len(), 1, "{code}: {found:#?}");
        assert!(
            hits[0].starts_with(&format!("{level}[{code}]")),
            "{}",
            hits[0]
        );
    }
    let other_errors: Vec<&String> = diags
        .iter()
        .filter(|d| d.is_error())
        .filter(|d| !expected.iter().any(|(c, _)| d.code.as_deref() == Some(*c)))
        .map(|d| &d.message)
        .collect();
    assert!(other_errors.is_empty(), "{other_errors:#?}");
}
