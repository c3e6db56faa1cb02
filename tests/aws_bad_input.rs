//! Bad input to the AWS constructs: each case fails with a clear error that
//! names the construct path; security-rule violations fail synth unless
//! suppressed with a reason, which then lands in the template's Metadata.

use meshsynth::aws::eks::{EksCluster, EksClusterProps};
use meshsynth::aws::iam::{IrsaRole, IrsaRoleProps, OidcProviderRef};
use meshsynth::aws::msk::{MskCluster, MskClusterProps};
use meshsynth::aws::network::cfn::{CfnSecurityGroup, CfnSecurityGroupIngress};
use meshsynth::aws::network::{
    Port, SecurityGroup, SecurityGroupProps, SubnetGroup, SubnetKind, Vpc, VpcProps, WorldIngress,
};
use meshsynth::aws::rds::{PostgresInstance, PostgresInstanceProps};
use meshsynth::core::{App, Chart, ChartProps, Context, Env, Error, Stack, StackProps, Value};
use meshsynth::synth::{synth, SynthOptions};

fn app_with_stack(env: Env) -> (App, meshsynth::core::StackRef) {
    let mut app = App::new(Context::new());
    let stack = Stack::new(
        &mut app.root(),
        "bad",
        StackProps {
            env,
            ..Default::default()
        },
    )
    .expect("stack");
    (app, stack)
}

fn full_env() -> Env {
    Env::new("123456789012", "ap-northeast-1")
}

fn subnets(n: usize) -> Vec<Value> {
    (0..n).map(|i| Value::Str(format!("subnet-{i}"))).collect()
}

fn err_text(r: Result<impl Sized, Error>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// The construct error a constructor refused its props with: returned, or
/// (for props it can still build from) reported to the app and listed at
/// synth with every other problem. Either way it reads `path: message (hint: …)`.
macro_rules! refused {
    ($scope:expr, $built:expr) => {{
        let built = $built;
        match built {
            Err(e) => e.to_string(),
            Ok(_) => {
                let d = $scope
                    .app()
                    .diagnostics()
                    .iter()
                    .rev()
                    .find(|d| d.is_error())
                    .expect("the construct reports its refusal")
                    .clone();
                assert_eq!(
                    d.code.as_deref().map(|c| c.starts_with("MS-")),
                    Some(true),
                    "{d}"
                );
                match d.hint {
                    Some(h) => format!("{}: {} (hint: {h})", d.path, d.message),
                    None => format!("{}: {}", d.path, d.message),
                }
            }
        }
    }};
}

#[test]
fn overlapping_subnet_cidrs() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let e = err_text(Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            azs: 2,
            subnets: vec![
                SubnetGroup::with_cidrs(
                    "Db",
                    SubnetKind::Isolated,
                    &["10.0.0.0/24", "10.0.1.0/24"],
                ),
                SubnetGroup::with_cidrs(
                    "App",
                    SubnetKind::Private,
                    &["10.0.1.0/24", "10.0.2.0/24"],
                ),
            ],
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/Vpc: subnets 10.0.1.0/24 (Db) and 10.0.1.0/24 (App) overlap"),
        "{e}"
    );
}

#[test]
fn out_of_range_subnet_cidrs() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let e = err_text(Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            azs: 2,
            subnets: vec![SubnetGroup::with_cidrs(
                "Db",
                SubnetKind::Isolated,
                &["10.0.0.0/24", "192.168.0.0/24"],
            )],
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with(
            "bad/Vpc: subnet 192.168.0.0/24 of group Db is outside the VPC CIDR 10.0.0.0/16"
        ),
        "{e}"
    );
    let e = err_text(Vpc::new(
        &mut s,
        "Vpc2",
        VpcProps {
            subnets: vec![SubnetGroup::new("Wide", SubnetKind::Private, 8)],
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/Vpc2: subnet group Wide asks for /8 subnets"),
        "{e}"
    );
}

#[test]
fn more_azs_than_the_cidr_holds() {
    let (mut app, stack) = app_with_stack(Env::new("123456789012", "us-east-1"));
    let mut s = app.scope(stack.node()).unwrap();
    let e = err_text(Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            cidr: "10.0.0.0/20".into(),
            azs: 6,
            subnets: vec![
                SubnetGroup::new("Public", SubnetKind::Public, 24),
                SubnetGroup::new("Private", SubnetKind::Private, 22),
            ],
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/Vpc: 10.0.0.0/20 cannot hold 6 AZs of these subnets"),
        "{e}"
    );
}

#[test]
fn msk_broker_count_not_a_multiple_of_azs() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let e = refused!(
        s,
        MskCluster::new(
            &mut s,
            "Kafka",
            MskClusterProps {
                name: "k".into(),
                broker_count: 4,
                subnet_ids: subnets(3),
                vpc_id: "vpc-1".into(),
                encryption_key: "arn:aws:kms:ap-northeast-1:123456789012:key/x".into(),
                ..Default::default()
            },
        )
    );
    assert!(
        e.starts_with("bad/Kafka: broker count 4 is not a multiple of the AZ count 3"),
        "{e}"
    );
}

#[test]
fn rds_engine_and_instance_class_known_invalid() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let e = err_text(PostgresInstance::new(
        &mut s,
        "Db",
        PostgresInstanceProps {
            instance_class: Some("db.t2.micro".into()),
            vpc_id: "vpc-1".into(),
            subnet_ids: subnets(2),
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/Db: instance class db.t2.micro cannot run postgres 17.6"),
        "{e}"
    );
}

#[test]
fn rds_engine_version_that_does_not_exist() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let e = err_text(PostgresInstance::new(
        &mut s,
        "Db",
        PostgresInstanceProps {
            engine_version: "71.6".into(),
            vpc_id: "vpc-1".into(),
            subnet_ids: subnets(2),
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/Db: postgres 71.6 is not a version RDS offers: the major versions are 13, 14, 15, 16, 17, 18 (as of 2026-11-24)"),
        "{e}"
    );
}

fn oidc() -> OidcProviderRef {
    OidcProviderRef {
        arn: "arn:aws:iam::123456789012:oidc-provider/x".into(),
        issuer_host: "oidc.eks.ap-northeast-1.amazonaws.com/id/X".into(),
    }
}

#[test]
fn irsa_names_must_be_dns1123() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let chart = Chart::new(&mut s, "C", ChartProps::new("main")).unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    let e = err_text(IrsaRole::new(
        &mut c,
        "Irsa",
        IrsaRoleProps {
            oidc: oidc(),
            namespace: "Shop_NS".into(),
            service_account: "sa".into(),
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/C/Irsa: IRSA namespace: \"Shop_NS\" is not a DNS-1123 label"),
        "{e}"
    );
    let e = err_text(IrsaRole::new(
        &mut c,
        "Irsa",
        IrsaRoleProps {
            oidc: oidc(),
            namespace: "shop".into(),
            service_account: "Order SA".into(),
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with(
            "bad/C/Irsa: IRSA service account name: \"Order SA\" is not a DNS-1123 subdomain"
        ),
        "{e}"
    );
}

#[test]
fn irsa_needs_the_account() {
    let (mut app, stack) = app_with_stack(Env::region("ap-northeast-1"));
    let mut s = app.scope(stack.node()).unwrap();
    let chart = Chart::new(&mut s, "C", ChartProps::new("main")).unwrap();
    let mut c = app.scope(chart.node()).unwrap();
    let e = err_text(IrsaRole::new(
        &mut c,
        "Irsa",
        IrsaRoleProps {
            oidc: oidc(),
            namespace: "shop".into(),
            service_account: "order".into(),
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/C/Irsa: IrsaRole needs the stack's account"),
        "{e}"
    );
}

#[test]
fn world_access_needs_explicit_opt_in() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let sg = SecurityGroup::new(
        &mut s,
        "Sg",
        SecurityGroupProps {
            vpc_id: "vpc-1".into(),
            description: "web".into(),
            allow_all_outbound: false,
        },
    )
    .unwrap();
    let e = err_text(sg.allow_from_cidr(&mut s, "0.0.0.0/0", Port::tcp(22), "ssh"));
    assert!(
        e.starts_with("bad/Sg: ingress from 0.0.0.0/0 opens Tcp22 to the whole internet"),
        "{e}"
    );
    let e = err_text(sg.allow_from_anywhere(
        &mut s,
        Port::tcp(22),
        "ssh",
        WorldIngress::InternetFacingLoadBalancer,
    ));
    assert!(
        e.starts_with("bad/Sg: world ingress on Tcp22 is not allowed"),
        "{e}"
    );
    // The opt-in itself synthesizes, with the reason recorded.
    sg.allow_from_anywhere(
        &mut s,
        Port::tcp(443),
        "HTTPS",
        WorldIngress::InternetFacingLoadBalancer,
    )
    .unwrap();
    let out = synth(app, &SynthOptions::default()).expect("opt-in synthesizes");
    let files = out.assembly.all_files();
    let template = String::from_utf8(
        files
            .iter()
            .find(|(f, _)| f == "bad.template.json")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(
        template.contains("\"rule\": \"AwsSolutions-EC23\""),
        "{template}"
    );
}

#[test]
fn raw_world_ingress_fails_synth_unless_suppressed() {
    let build = |suppress: bool| {
        let (mut app, stack) = app_with_stack(full_env());
        let mut s = app.scope(stack.node()).unwrap();
        meshsynth::aws::security::enable(&mut s);
        let sg = s
            .add_resource(
                "Sg",
                CfnSecurityGroup {
                    vpc_id: Some("vpc-1".into()),
                    ..CfnSecurityGroup::new("raw")
                },
            )
            .unwrap();
        let rule = s
            .add_resource(
                "Ssh",
                CfnSecurityGroupIngress {
                    group_id: Some(sg.group_id()),
                    from_port: Some(22u16.into()),
                    to_port: Some(22u16.into()),
                    cidr_ip: Some("0.0.0.0/0".into()),
                    description: Some("ssh from anywhere".into()),
                    ..CfnSecurityGroupIngress::new("tcp")
                },
            )
            .unwrap();
        if suppress {
            s.at(rule.node())
                .unwrap()
                .suppress(
                    "AwsSolutions-EC23",
                    "bastion for a break-glass drill, removed after",
                )
                .unwrap();
        }
        synth(app, &SynthOptions::default())
    };
    let e = build(false).expect_err("world ingress is an error");
    let diags = e.diagnostics();
    assert!(
        diags
            .iter()
            .any(|d| d.code.as_deref() == Some("AwsSolutions-EC23") && d.path == "bad/Ssh"),
        "{diags:#?}"
    );
    let out = build(true).expect("suppressed");
    let files = out.assembly.all_files();
    let template = String::from_utf8(
        files
            .iter()
            .find(|(f, _)| f == "bad.template.json")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(
        template.contains("bastion for a break-glass drill, removed after"),
        "{template}"
    );
}

#[test]
fn eks_public_endpoint_to_the_world_is_refused() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let e = err_text(EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: "c".into(),
            subnet_ids: subnets(2),
            endpoint_access: meshsynth::aws::eks::EndpointAccess::PrivateAndPublic {
                cidrs: vec!["0.0.0.0/0".into()],
            },
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/Cluster: endpoint CIDR 0.0.0.0/0 opens the Kubernetes API to the world"),
        "{e}"
    );
}

#[test]
fn smaller_construct_props_are_checked() {
    use meshsynth::aws::ecr::{Repository, RepositoryProps};
    use meshsynth::aws::elasticache::{CacheReplicationGroup, CacheReplicationGroupProps};
    use meshsynth::aws::kms::{Key, KeyProps};
    use meshsynth::aws::logs::{LogGroup, LogGroupProps};
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let e = refused!(
        s,
        Key::new(
            &mut s,
            "Key",
            KeyProps {
                alias: Some("aws/mine".into()),
                ..Default::default()
            },
        )
    );
    assert!(
        e.starts_with("bad/Key: alias \"aws/mine\" is not a valid KMS alias name"),
        "{e}"
    );
    let e = refused!(
        s,
        LogGroup::new(
            &mut s,
            "Logs",
            LogGroupProps {
                retention_days: 42,
                ..Default::default()
            },
        )
    );
    assert!(e.starts_with("bad/Logs: retention of 42 days"), "{e}");
    let e = refused!(
        s,
        Repository::new(
            &mut s,
            "Repo",
            RepositoryProps {
                name: "Shop/Order".into(),
                ..Default::default()
            },
        )
    );
    assert!(
        e.starts_with("bad/Repo: repository name \"Shop/Order\" is invalid"),
        "{e}"
    );
    let e = refused!(
        s,
        CacheReplicationGroup::new(
            &mut s,
            "Cache",
            CacheReplicationGroupProps {
                id: "cache".into(),
                nodes: 1,
                vpc_id: "vpc-1".into(),
                subnet_ids: subnets(2),
                encryption_key: "arn:aws:kms:ap-northeast-1:123456789012:key/x".into(),
                ..Default::default()
            },
        )
    );
    assert!(
        e.starts_with("bad/Cache: 1 nodes: Multi-AZ with failover needs 2 to 6"),
        "{e}"
    );
    let e = err_text(EksCluster::new(
        &mut s,
        "Old",
        EksClusterProps {
            name: "old".into(),
            version: "1.31".into(),
            subnet_ids: subnets(2),
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with("bad/Old: meshsynth pins no default add-on versions for Kubernetes 1.31 (hint: set EksClusterProps::addons with versions from `aws eks describe-addon-versions --kubernetes-version 1.31`)"),
        "{e}"
    );
    // Versions EKS does not have, or no longer runs, are refused with the
    // supported ones; "1.99" used to pass when add-ons were pinned.
    for (version, expected) in [
        ("1.99", "bad/V199: Kubernetes version \"1.99\" is not a version EKS supports (hint: use one of 1.35, 1.34, 1.33, 1.32, 1.31 (table of 2026-11-22; `aws eks describe-cluster-versions` lists the current ones))"),
        ("1.30", "bad/V130: Kubernetes 1.30 is no longer supported by EKS (extended support ended 2026-07-23) (hint: use one of 1.35, 1.34, 1.33, 1.32, 1.31)"),
    ] {
        let id = format!("V{}", version.replace('.', ""));
        let e = err_text(EksCluster::new(
            &mut s,
            &id,
            EksClusterProps {
                name: id.to_lowercase(),
                version: version.into(),
                subnet_ids: subnets(2),
                addons: Some(vec![]),
                ..Default::default()
            },
        ));
        assert_eq!(e, expected);
    }
}

#[test]
fn node_group_scaling_must_be_ordered() {
    use meshsynth::aws::eks::{NodeGroup, NodeGroupProps};
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    let cluster = EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: "c".into(),
            subnet_ids: subnets(2),
            ..Default::default()
        },
    )
    .unwrap();
    let e = refused!(
        s,
        NodeGroup::new(
            &mut s,
            "Nodes",
            &cluster,
            NodeGroupProps {
                min_size: 3,
                desired_size: 2,
                ..Default::default()
            },
        )
    );
    assert!(
        e.starts_with("bad/Nodes: scaling min 3 / desired 2 / max 3 is not ordered"),
        "{e}"
    );
}

#[test]
fn secret_looking_ssm_parameter_is_reported_until_suppressed() {
    use meshsynth::aws::ssm::{ParameterValue, StringParameter, StringParameterProps};
    let build = |suppress: bool| {
        let (mut app, stack) = app_with_stack(full_env());
        let mut s = app.scope(stack.node()).unwrap();
        if suppress {
            s.suppress("MS-SSM-1", "the value is a public key id, not a secret")
                .unwrap();
        }
        StringParameter::new(
            &mut s,
            "Param",
            StringParameterProps {
                name: "/shop/database/password".into(),
                value: ParameterValue::String("x".into()),
                description: None,
            },
        )
        .unwrap();
        synth(app, &SynthOptions::default())
    };
    let diags = build(false)
        .expect_err("MS-SSM-1 is an error")
        .diagnostics();
    assert!(
        diags
            .iter()
            .any(|d| d.code.as_deref() == Some("MS-SSM-1") && d.path == "bad/Param/Resource"),
        "{diags:#?}"
    );
    assert!(build(true).is_ok());
}

/// Issue layout: node group in the cluster stack, database in the data
/// stack, the cluster also reading the database (an IRSA-style policy on its
/// ARN), and "the database admits the nodes". With the rule in the
/// database's stack the stacks form a cycle whose hint names the fix; with
/// the cluster stack's scope the rule lives there and it synthesizes.
#[test]
fn a_rule_between_stacks_lands_in_the_later_stack_from_either_call_site() {
    use meshsynth::aws::iam::{PolicyStatement, Principal, Role, RoleProps};
    use meshsynth::aws::network::{
        Port, SecurityGroup, SecurityGroupProps, SubnetKind, Vpc, VpcProps,
    };
    use meshsynth::aws::rds::{PostgresInstance, PostgresInstanceProps};
    use meshsynth::core::{App, Context, Env, Stack, StackProps, Value};
    use meshsynth::synth::{synth, SynthOptions};

    let build = |rule_in_cluster: bool| {
        let mut app = App::new(Context::new());
        let env = Env::new("123456789012", "eu-west-1");
        let net = Stack::new(
            &mut app.root(),
            "net",
            StackProps {
                env: env.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        let vpc = Vpc::new(
            &mut app.scope(net.node()).unwrap(),
            "Vpc",
            VpcProps::default(),
        )
        .unwrap();
        let data = Stack::new(
            &mut app.root(),
            "data",
            StackProps {
                env: env.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        let db = PostgresInstance::new(
            &mut app.scope(data.node()).unwrap(),
            "Orders",
            PostgresInstanceProps {
                vpc_id: vpc.vpc_id(),
                subnet_ids: vpc.subnet_ids(SubnetKind::Private),
                port: 5433,
                ..Default::default()
            },
        )
        .unwrap();
        let cluster = Stack::new(
            &mut app.root(),
            "cluster",
            StackProps {
                env,
                ..Default::default()
            },
        )
        .unwrap();
        let mut c = app.scope(cluster.node()).unwrap();
        let nodes = SecurityGroup::new(
            &mut c,
            "Nodes",
            SecurityGroupProps {
                vpc_id: vpc.vpc_id(),
                description: "worker nodes".into(),
                allow_all_outbound: true,
            },
        )
        .unwrap();
        Role::new(
            &mut c,
            "App",
            RoleProps {
                assumed_by: vec![Principal::Service(Value::str("ec2.amazonaws.com"))],
                statements: vec![PolicyStatement::allow(
                    ["rds:DescribeDBInstances"],
                    [db.resource.arn()],
                )],
                ..Default::default()
            },
        )
        .unwrap();
        if rule_in_cluster {
            db.security_group
                .allow_from(&mut c, &nodes, Port::tcp(5433), "PostgreSQL from the nodes")
                .unwrap();
        } else {
            let mut d = app.scope(data.node()).unwrap();
            db.security_group
                .allow_from(&mut d, &nodes, Port::tcp(5433), "PostgreSQL from the nodes")
                .unwrap();
        }
        synth(app, &SynthOptions::default())
    };
    // Called from the data stack (the natural call site, which used to make
    // a cycle) or from the cluster's, the rule lands in the cluster stack:
    // the later of the two, which already depends on the data stack.
    let from_data = build(false).expect("no cycle from the data stack's scope");
    let out = build(true).expect("no cycle from the cluster stack's scope");
    let rule_ids = |o: &meshsynth::synth::Synthesis| -> Vec<String> {
        let (_, t) = o
            .assembly
            .files
            .iter()
            .find(|(f, _)| f == "cluster.template.json")
            .unwrap();
        let t: serde_json::Value = serde_json::from_slice(t).unwrap();
        t["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::EC2::SecurityGroupIngress")
            .map(|(id, _)| id.clone())
            .collect()
    };
    assert_eq!(rule_ids(&from_data).len(), 1);
    assert_eq!(rule_ids(&out).len(), 1);
    let m = &out.assembly.manifest;
    let cluster = m.stacks.iter().find(|s| s.name == "cluster").unwrap();
    assert!(cluster.dependencies.contains(&"data".to_string()));
    let data = m.stacks.iter().find(|s| s.name == "data").unwrap();
    assert!(!data.dependencies.contains(&"cluster".to_string()));
    let (_, t) = out
        .assembly
        .files
        .iter()
        .find(|(f, _)| f == "cluster.template.json")
        .unwrap();
    let t: serde_json::Value = serde_json::from_slice(t).unwrap();
    let rule = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::EC2::SecurityGroupIngress")
        .expect("the rule is in the cluster stack")
        .1;
    assert!(
        rule["Properties"]["GroupId"]
            .get("Fn::ImportValue")
            .is_some(),
        "{rule}"
    );
    assert_eq!(rule["Properties"]["FromPort"], 5433);
}

/// Issue 44, regression 1: the cluster stack made *before* the data stack,
/// the cluster's role reading the database (cluster → data), and the
/// database admitting the nodes from either call site. Placing the rule in
/// "the stack made later" (data) closed a cycle; the placement now comes
/// from the dependency graph, so the rule lands in the cluster stack.
#[test]
fn a_rule_between_stacks_goes_where_the_graph_allows_whatever_the_creation_order() {
    for from_cluster in [true, false] {
        let mut app = App::new(Context::new());
        crate::rule_between_stacks::add(&mut app, from_cluster);
        let out = synth(app, &SynthOptions::default())
            .unwrap_or_else(|e| panic!("from_cluster={from_cluster}: {e}"));
        let m = &out.assembly.manifest;
        let data = m.stacks.iter().find(|s| s.name == "data").unwrap();
        assert!(data.dependencies.is_empty(), "{:?}", data.dependencies);
        let (_, t) = out
            .assembly
            .files
            .iter()
            .find(|(f, _)| f == "cluster.template.json")
            .unwrap();
        let t: serde_json::Value = serde_json::from_slice(t).unwrap();
        let rules = t["Resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|r| r["Type"] == "AWS::EC2::SecurityGroupIngress")
            .count();
        assert_eq!(rules, 1, "the rule is in the cluster stack");
    }
}

/// Two databases admitting the same node group on the same port, each rule
/// in the cluster's stack: both databases' groups are `SecurityGroup`, so the
/// second rule gets the group's qualified id instead of colliding.
#[test]
fn two_databases_admitting_one_peer_get_their_own_rule_ids() {
    let env = Env::new("123456789012", "eu-west-1");
    let mut app = App::new(Context::new());
    let stack = |app: &mut App, name: &str| {
        Stack::new(
            &mut app.root(),
            name,
            StackProps {
                env: env.clone(),
                ..Default::default()
            },
        )
        .unwrap()
    };
    let data = stack(&mut app, "data");
    let cluster = stack(&mut app, "cluster");
    let mut d = app.scope(data.node()).unwrap();
    let dbs: Vec<PostgresInstance> = ["Orders", "Payments"]
        .iter()
        .map(|id| {
            PostgresInstance::new(
                &mut d,
                id,
                PostgresInstanceProps {
                    vpc_id: "vpc-1".into(),
                    subnet_ids: subnets(2),
                    port: 5433,
                    ..Default::default()
                },
            )
            .unwrap()
        })
        .collect();
    let mut c = app.scope(cluster.node()).unwrap();
    let nodes = SecurityGroup::new(
        &mut c,
        "Nodes",
        SecurityGroupProps {
            vpc_id: "vpc-1".into(),
            description: "worker nodes".into(),
            allow_all_outbound: true,
        },
    )
    .unwrap();
    for db in &dbs {
        db.security_group
            .allow_from(&mut c, &nodes, Port::tcp(5433), "PostgreSQL from the nodes")
            .expect("no collision");
    }
    let out = synth(app, &SynthOptions::default()).expect("synthesizes");
    let (_, t) = out
        .assembly
        .files
        .iter()
        .find(|(f, _)| f == "cluster.template.json")
        .unwrap();
    let t: serde_json::Value = serde_json::from_slice(t).unwrap();
    let rules: Vec<&String> = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::EC2::SecurityGroupIngress")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(
        rules[0].starts_with("SecurityGroupFromNodesTcp5433"),
        "{rules:?}"
    );
    assert!(
        rules[1].starts_with("PaymentsSecurityGroupFromNodesTcp5433"),
        "{rules:?}"
    );
}

/// More AZs than the stack's (literal) region has: an error at synth naming
/// the region and its count, instead of a deploy failing on Fn::Select.
#[test]
fn more_azs_than_the_region_has() {
    let (mut app, stack) = app_with_stack(Env::new("123456789012", "eu-west-1"));
    let mut s = app.scope(stack.node()).unwrap();
    let e = err_text(Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            azs: 7,
            ..Default::default()
        },
    ));
    assert!(
        e.starts_with(
            "bad/Vpc: azs is 7, but eu-west-1 has 3 Availability Zones (hint: use azs: 3 or fewer"
        ),
        "{e}"
    );
    // A region the table does not know, or none at all, is not checked.
    let (mut app, stack) = app_with_stack(Env::default());
    let mut s = app.scope(stack.node()).unwrap();
    assert!(Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            azs: 4,
            ..Default::default()
        }
    )
    .is_ok());
}

#[test]
fn eks_versions_in_extended_support_or_newer_than_the_table_are_warnings() {
    let (mut app, stack) = app_with_stack(full_env());
    let mut s = app.scope(stack.node()).unwrap();
    for (id, version) in [("Extended", "1.32"), ("Newer", "1.36")] {
        EksCluster::new(
            &mut s,
            id,
            EksClusterProps {
                name: id.to_lowercase(),
                version: version.into(),
                subnet_ids: subnets(2),
                addons: Some(vec![]),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let shown: Vec<String> = app.diagnostics().iter().map(|d| d.to_string()).collect();
    assert_eq!(
        shown,
        [
            "warning[MS-EKS-2]: bad/Extended: Kubernetes 1.32 is in EKS extended support (standard support ended 2026-03-23; extended ends 2027-03-23), which costs extra per cluster hour (hint: upgrade to 1.35)",
            "warning[MS-EKS-2]: bad/Newer: Kubernetes 1.36 is newer than meshsynth's EKS version table (checked 2026-11-22) (hint: check it with `aws eks describe-cluster-versions` and pin its add-ons from `aws eks describe-addon-versions`)",
        ]
    );
}

/// A subnet mask the VPC cannot hold, or one AWS does not allow, says
/// which of the two it is and what to change.
#[test]
fn subnet_masks_outside_the_vpc_or_below_28_say_which() {
    let vpc = |cidr: &str, mask: u8| {
        let (mut app, stack) = app_with_stack(Env::default());
        let mut s = app.scope(stack.node()).unwrap();
        err_text(Vpc::new(
            &mut s,
            "Vpc",
            VpcProps {
                cidr: cidr.into(),
                subnets: vec![SubnetGroup::new("Public", SubnetKind::Public, mask)],
                ..Default::default()
            },
        ))
    };
    let e = vpc("10.0.0.0/28", 24);
    assert!(
        e.contains("asks for /24 subnets, larger than the whole VPC 10.0.0.0/28")
            && e.contains("give the VPC a larger range, e.g. a /16"),
        "{e}"
    );
    let e = vpc("10.0.0.0/20", 18);
    assert!(
        e.contains("or the group a cidr_mask from /20 to /28"),
        "{e}"
    );
    let e = vpc("10.0.0.0/16", 30);
    assert!(
        e.contains("asks for /30 subnets; the smallest subnet AWS allows is a /28")
            && e.contains("use a cidr_mask from /16 to /28"),
        "{e}"
    );
}
