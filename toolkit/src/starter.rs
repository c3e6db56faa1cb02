//! The starter platform `meshsynth init` scaffolds, as code the toolkit
//! runs: `init` synthesizes it in-process to write the scaffold's reviewed
//! snapshots, so the new crate's first `cargo test` passes. It must build
//! exactly what `templates/init/lib.rs.tmpl` builds; `toolkit/tests/init.rs`
//! runs the scaffold's own test against these snapshots with
//! `INSTA_UPDATE=no`, so any drift fails there.

use meshsynth::aws::network::cfn::security_group::Egress;
use meshsynth::aws::network::cfn::CfnSecurityGroup;
use meshsynth::aws::network::{Vpc, VpcProps};
use meshsynth::core::{App, Chart, ChartProps, Env, Error, Stack, StackProps, Tags};
use meshsynth::k8s::workloads::ImageRef;
use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{MeshService, MeshServiceProps};

/// The payments image's digest in the starter.
const PAYMENTS_DIGEST: &str =
    "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

/// Adds the starter platform named `name` to `app`.
pub fn build(app: &mut App, name: &str) -> Result<(), Error> {
    app.set_name(name)?;
    let region: String = app.context().get_or("region", "eu-west-1".to_string())?;
    let env = Env::region(region);
    let network = Stack::new(
        &mut app.root(),
        &format!("{name}-network"),
        StackProps {
            env: env.clone(),
            ..Default::default()
        },
    )?;
    let vpc = {
        let mut scope = app.scope(network.node())?;
        Tags::add(&mut scope, "platform", name);
        Vpc::new(
            &mut scope,
            "Vpc",
            VpcProps {
                cidr: "10.20.0.0/16".into(),
                ..Default::default()
            },
        )?
    };
    let services = Stack::new(
        &mut app.root(),
        &format!("{name}-services"),
        StackProps {
            env,
            ..Default::default()
        },
    )?;
    let mut scope = app.scope(services.node())?;
    Tags::add(&mut scope, "platform", name);
    scope.add_resource(
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
            ..CfnSecurityGroup::new(format!("{name} application pods"))
        },
    )?;
    let chart = Chart::new(&mut scope, "Cluster", ChartProps::new(name).namespace(name))?;
    let mut cluster = app.scope(chart.node())?;
    MeshNamespace::new(
        &mut cluster,
        "Namespace",
        MeshNamespaceProps {
            name: name.into(),
            mesh: MeshMode::Sidecar,
            ..Default::default()
        },
    )?;
    let registry = format!("registry.example.com/{name}");
    let services = [
        (
            "Frontend",
            "frontend",
            ImageRef::by_tag(&format!("{registry}/frontend"), "1.0.0")?,
            None,
        ),
        (
            "Orders",
            "orders",
            ImageRef::by_tag(&format!("{registry}/orders"), "1.0.0")?,
            Some("frontend"),
        ),
        (
            "Payments",
            "payments",
            ImageRef::by_digest(&format!("{registry}/payments"), PAYMENTS_DIGEST)?,
            Some("orders"),
        ),
    ];
    for (id, svc, image, caller) in services {
        MeshService::new(
            &mut cluster,
            id,
            MeshServiceProps {
                name: svc.into(),
                image: image.into(),
                allowed_callers: caller
                    .map(|c| (name.to_string(), c.to_string()))
                    .into_iter()
                    .collect(),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

/// The snapshot files the scaffold's `tests/snapshot.rs` asserts, as insta
/// writes them: `(path relative to the crate, bytes)`.
pub fn snapshots(name: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let s = meshsynth::testing::synth_app(
        |app: &mut App| build(app, name),
        &[("region", "eu-west-1")],
    )?;
    let snap = |file: &str, expression: &str, content: &str| {
        (
            format!("tests/snapshots/snapshot__{file}.snap"),
            format!(
                "---\nsource: tests/snapshot.rs\nexpression: {expression}\n---\n{}\n",
                content.trim_end()
            )
            .into_bytes(),
        )
    };
    let services = format!("{name}-services");
    Ok(vec![
        snap(
            "network.template.json",
            "network.to_json()",
            s.template(&format!("{name}-network")).to_json(),
        ),
        snap(
            "services.template.json",
            &format!("synth.template(\"{services}\").to_json()"),
            s.template(&services).to_json(),
        ),
        snap(
            "cluster.yaml",
            &format!("synth.cluster_manifests(\"{name}\")"),
            &s.cluster_manifests(name),
        ),
    ])
}
