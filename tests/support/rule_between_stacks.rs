//! Issue 44's layout, shared by the tests of where a rule between two
//! stacks lands and of the checks that run after it moved: a cluster stack
//! (made first) with a node group and a role that reads the database, a
//! data stack with the database, and the database admitting the nodes.

use meshsynth::aws::iam::{PolicyStatement, Principal, Role, RoleProps};
use meshsynth::aws::network::{Port, SecurityGroup, SecurityGroupProps};
use meshsynth::aws::rds::{PostgresInstance, PostgresInstanceProps};
use meshsynth::core::{App, Env, Stack, StackProps, StackRef, Value};

/// Adds the layout to `app`, the rule added from the cluster stack's scope
/// when `from_cluster`, else from the data stack's (the rule lands in the
/// cluster's stack either way, which already depends on the data stack);
/// returns the cluster and data stacks.
pub fn add(app: &mut App, from_cluster: bool) -> (StackRef, StackRef) {
    let env = Env::new("123456789012", "eu-west-1");
    let stack = |app: &mut App, name: &str| {
        let props = StackProps {
            env: env.clone(),
            ..Default::default()
        };
        Stack::new(&mut app.root(), name, props).unwrap()
    };
    let cluster = stack(app, "cluster");
    let data = stack(app, "data");
    let db = PostgresInstance::new(
        &mut app.scope(data.node()).unwrap(),
        "Orders",
        PostgresInstanceProps {
            vpc_id: "vpc-1".into(),
            subnet_ids: vec!["subnet-0".into(), "subnet-1".into()],
            port: 5433,
            ..Default::default()
        },
    )
    .unwrap();
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
    let at = if from_cluster { &cluster } else { &data };
    let mut at = app.scope(at.node()).unwrap();
    let why = "PostgreSQL from the nodes";
    db.security_group
        .allow_from(&mut at, &nodes, Port::tcp(5433), why)
        .unwrap();
    (cluster, data)
}
