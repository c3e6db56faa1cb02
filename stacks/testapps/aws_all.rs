//! `aws-all`: one app that uses every AWS construct of the library, with
//! their secure defaults, so the conformance step (cfn-lint, checkov) and the
//! snapshots cover them all.

use std::collections::BTreeMap;

use crate::aws::eks::{
    Capacity, EksCluster, EksClusterProps, NodeGroup, NodeGroupProps, Taint, TaintEffect,
};
use crate::aws::iam::{IrsaRole, IrsaRoleProps, PolicyStatement};
use crate::aws::kms::{Key, KeyProps, KeyUser};
use crate::aws::network::{
    Endpoint, Port, SecurityGroup, SecurityGroupProps, SubnetGroup, SubnetKind, Vpc, VpcProps,
    WorldIngress,
};
use crate::aws::rds::{AuroraPostgresCluster, DatabaseProps, PostgresInstance};
use crate::core::value::ArnPart;
use crate::core::{App, Arn, Chart, ChartProps, Env, Error, Stack, StackProps, Tags, Value};

/// The account and region of the test app (a documentation account).
pub const ACCOUNT: &str = "123456789012";
/// The region of the test app.
pub const REGION: &str = "ap-northeast-1";

/// Adds the `aws-all` app.
pub fn build(app: &mut App) -> Result<(), Error> {
    let env = Env::new(ACCOUNT, REGION);
    let stack = Stack::new(
        &mut app.root(),
        "aws-all",
        StackProps {
            env,
            description: Some("meshsynth aws-all: every AWS construct".into()),
            ..Default::default()
        },
    )?;
    let mut s = app.scope(stack.node())?;
    Tags::add(&mut s, "app", "aws-all");

    let vpc = Vpc::new(
        &mut s,
        "Vpc",
        VpcProps {
            subnets: vec![
                SubnetGroup::new("Public", SubnetKind::Public, 24),
                SubnetGroup::new("Private", SubnetKind::Private, 19),
                SubnetGroup::new("Isolated", SubnetKind::Isolated, 24),
            ],
            endpoints: vec![
                Endpoint::S3Gateway,
                Endpoint::Ecr,
                Endpoint::Sts,
                Endpoint::Logs,
            ],
            ..Default::default()
        },
    )?;
    let private = vpc.subnet_ids(SubnetKind::Private);
    let isolated = vpc.subnet_ids(SubnetKind::Isolated);

    let key = Key::new(
        &mut s,
        "DataKey",
        KeyProps {
            alias: Some("aws-all/data".into()),
            users: vec![
                KeyUser::CloudWatchLogs,
                KeyUser::ViaService("rds".into()),
                KeyUser::ViaService("kafka".into()),
                KeyUser::ViaService("elasticache".into()),
                KeyUser::ViaService("secretsmanager".into()),
                KeyUser::ViaService("ec2".into()),
            ],
            ..Default::default()
        },
    )?;

    let nodes_sg = SecurityGroup::new(
        &mut s,
        "NodesSecurityGroup",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: "EKS worker nodes".into(),
            allow_all_outbound: true,
        },
    )?;
    nodes_sg.allow_from_cidr(
        &mut s,
        &vpc.cidr.to_string(),
        Port::tcp(443),
        "HTTPS from inside the VPC",
    )?;
    let lb_sg = SecurityGroup::new(
        &mut s,
        "LoadBalancerSecurityGroup",
        SecurityGroupProps {
            vpc_id: vpc.vpc_id(),
            description: "internet-facing application load balancer".into(),
            allow_all_outbound: true,
        },
    )?;
    lb_sg.allow_from_anywhere(
        &mut s,
        Port::tcp(443),
        "HTTPS from the internet",
        WorldIngress::InternetFacingLoadBalancer,
    )?;
    lb_sg.allow_from_anywhere(
        &mut s,
        Port::tcp(80),
        "HTTP from the internet, redirected to HTTPS",
        WorldIngress::InternetFacingLoadBalancer,
    )?;
    nodes_sg.allow_from(
        &mut s,
        &lb_sg,
        Port::tcp(8080),
        "service traffic from the load balancer",
    )?;

    let cluster = EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: "aws-all-cluster".into(),
            subnet_ids: private.clone(),
            security_group_ids: vec![nodes_sg.group_id()],
            admin_principal_arns: vec![Arn::new("iam", "role/platform-admin")
                .region(ArnPart::Empty)
                .value()],
            ..Default::default()
        },
    )?;
    let mut labels = BTreeMap::new();
    labels.insert("workload".to_string(), "general".to_string());
    NodeGroup::new(
        &mut s,
        "SpotNodes",
        &cluster,
        NodeGroupProps {
            name: Some("aws-all-spot-nodes".into()),
            capacity: Capacity::Spot,
            instance_types: vec!["t3.medium".into(), "t3.large".into()],
            min_size: 1,
            desired_size: 2,
            max_size: 10,
            labels,
            taints: vec![Taint {
                key: "spot".into(),
                value: Some("true".into()),
                effect: TaintEffect::PreferNoSchedule,
            }],
            volume_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    NodeGroup::new(&mut s, "OnDemandNodes", &cluster, NodeGroupProps::default())?;

    let db = PostgresInstance::new(
        &mut s,
        "OrderDb",
        DatabaseProps {
            identifier: Some("aws-all-order-db".into()),
            database_name: Some("orderdb".into()),
            master_username: "orderuser".into(),
            vpc_id: vpc.vpc_id(),
            subnet_ids: isolated.clone(),
            encryption_key: Some(key.arn()),
            ..Default::default()
        },
    )?;
    db.security_group.allow_from(
        &mut s,
        &nodes_sg,
        Port::tcp(5432),
        "PostgreSQL from the EKS nodes",
    )?;
    let aurora = AuroraPostgresCluster::new(
        &mut s,
        "Aurora",
        DatabaseProps {
            vpc_id: vpc.vpc_id(),
            subnet_ids: isolated.clone(),
            database_name: Some("catalog".into()),
            ..Default::default()
        },
    )?;
    aurora.security_group.allow_from(
        &mut s,
        &nodes_sg,
        Port::tcp(5432),
        "PostgreSQL from the EKS nodes",
    )?;

    let chart = Chart::new(
        &mut s,
        "Workloads",
        ChartProps::new("aws-all").namespace("shop"),
    )?;
    let mut c = app.scope(chart.node())?;
    let irsa = IrsaRole::new(
        &mut c,
        "OrderIrsa",
        IrsaRoleProps {
            oidc: cluster.oidc_provider(),
            namespace: "shop".into(),
            service_account: "order-service-sa".into(),
            statements: vec![
                PolicyStatement::allow(
                    [
                        "ssm:GetParameter",
                        "ssm:GetParameters",
                        "ssm:GetParametersByPath",
                    ],
                    [Arn::new("ssm", "parameter/aws-all/order/*")
                        .region(ArnPart::Any)
                        .account(ArnPart::Any)
                        .value()],
                ),
                PolicyStatement::allow(["rds:DescribeDBInstances"], [db.resource.arn()]),
            ],
            ..Default::default()
        },
    )?;
    let _ = (irsa, Value::str(""));
    Ok(())
}
