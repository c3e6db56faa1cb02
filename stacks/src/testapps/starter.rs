//! `starter`: the smallest app that exercises the whole spine — a VPC in one
//! stack, a security group in another that references it across stacks, and
//! a namespace on a cluster.

use meshsynth::aws::network::cfn::security_group::Egress;
use meshsynth::aws::network::cfn::CfnSecurityGroup;
use meshsynth::aws::network::{Vpc, VpcProps};
use meshsynth::core::{App, Chart, ChartProps, Env, Error, Stack, StackProps, Tags};
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};

/// Adds the starter app.
pub fn build(app: &mut App) -> Result<(), Error> {
    let region = app
        .context()
        .get_or("starter:region", "ap-northeast-1".to_string())?;
    let env = Env::region(region);
    let net = Stack::new(
        &mut app.root(),
        "starter-network",
        StackProps {
            env: env.clone(),
            description: Some("meshsynth starter: network".into()),
            ..Default::default()
        },
    )?;
    let vpc = {
        let mut s = app.scope(net.node())?;
        Tags::add(&mut s, "app", "starter");
        Vpc::new(&mut s, "Vpc", VpcProps::default())?
    };
    let svc = Stack::new(
        &mut app.root(),
        "starter-services",
        StackProps {
            env,
            description: Some("meshsynth starter: services".into()),
            ..Default::default()
        },
    )?;
    let mut s = app.scope(svc.node())?;
    Tags::add(&mut s, "app", "starter");
    s.add_resource(
        "AppSecurityGroup",
        CfnSecurityGroup {
            vpc_id: Some(vpc.vpc_id()),
            security_group_egress: Some(vec![Egress {
                from_port: Some(443u16.into()),
                to_port: Some(443u16.into()),
                cidr_ip: Some(vpc.cidr.to_string().into()),
                description: Some("HTTPS inside the VPC only".into()),
                ..Egress::new("tcp")
            }]),
            ..CfnSecurityGroup::new("starter application pods")
        },
    )?;
    let chart = Chart::new(&mut s, "Cluster", ChartProps::new("starter"))?;
    let mut c = app.scope(chart.node())?;
    MeshNamespace::new(
        &mut c,
        "Namespace",
        MeshNamespaceProps {
            name: "starter".into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    Ok(())
}
