//! One region of the mesh: its data, image and cluster stacks, the Istio
//! installation and the mesh-wide objects.

use super::*;

#[derive(Clone)]
pub(super) struct RegionProps {
    pub(super) account: String,
    pub(super) local: String,
    pub(super) remote: String,
    /// The other region's east-west gateway address: a deferred input, set
    /// once the cluster's chart exists.
    pub(super) remote_gateway: String,
    pub(super) services: Vec<String>,
    pub(super) chaos: bool,
    pub(super) zone: String,
}

/// Every stack and object of one region but its network.
pub(super) fn region(
    app: &mut App,
    p: &RegionProps,
    net: &Network,
    remote_net: &Network,
) -> Result<(), Error> {
    let env = Env::new(p.account.clone(), p.local.clone());
    let prefix = format!("{APP}-{}", p.local);
    let cluster_name = cluster_name(&p.local);
    let (vpc, nodes_sg) = (&net.vpc, net.nodes_sg);
    let private = vpc.subnet_ids(SubnetKind::Private);

    // Data: the region's key and session cache.
    let data = stack(
        app,
        &env,
        &format!("{prefix}-data"),
        &format!("key and cache in {}", p.local),
    )?;
    let (key, redis) = data_stack(app, &data, net)?;

    // Images: one repository per service (and the load balancer), spread
    // over numbered stacks so large service counts stay under 500 resources.
    let images = image_stacks(app, &env, &prefix, p, &key)?;

    // Cluster.
    let eks = stack(
        app,
        &env,
        &format!("{prefix}-cluster"),
        &format!("EKS cluster and mesh in {}", p.local),
    )?;
    let mut s = app.scope(eks.node())?;
    let cluster = EksCluster::new(
        &mut s,
        "Cluster",
        EksClusterProps {
            name: cluster_name.clone(),
            subnet_ids: private.clone(),
            security_group_ids: vec![nodes_sg.group_id()],
            ..Default::default()
        },
    )?;
    NodeGroup::new(
        &mut s,
        "Nodes",
        &cluster,
        NodeGroupProps {
            name: Some(format!("{cluster_name}-nodes")),
            instance_types: vec!["m5.large".into()],
            min_size: 3,
            desired_size: 3,
            max_size: 12,
            volume_key: Some(key.arn()),
            security_group_ids: vec![
                cluster.resource.cluster_security_group_id(),
                nodes_sg.group_id(),
            ],
            ..Default::default()
        },
    )?;
    // The other region's east-west gateway address, read across regions by
    // CloudFormation (Fn::GetStackOutput of its network stack) into this
    // region's parameter store, where operators and the mesh read it.
    let remote_address = StringParameter::new(
        &mut s,
        "RemoteEastWestAddress",
        StringParameterProps {
            name: format!("/{APP}/{}/remote-east-west-address", p.local),
            value: ParameterValue::String(remote_net.east_west_addresses[0].reference()),
            description: Some(format!(
                "east-west gateway address of {} (its NLB's first Elastic IP)",
                p.remote
            )),
        },
    )?;
    let chart = Chart::new(
        &mut s,
        "Mesh",
        ChartProps::new(cluster_name.clone()).namespace(NAMESPACE),
    )?;
    let mut c = app.scope(chart.node())?;
    let p = &RegionProps {
        remote_gateway: c.deferred(&remote_address.resource.attr("Value"))?,
        ..p.clone()
    };
    mesh_control_plane(&mut c, p, net, &cluster_name)?;

    // The session cache's address exists only after deploy: a deferred input.
    let redis_host = c.deferred(&redis.resource.primary_endpoint_address())?;
    for name in &p.services {
        global_service(&mut c, p, name, &images[name], &redis_host)?;
    }
    load_balancer(
        &mut c,
        p,
        &cluster.oidc_provider(),
        &images["cross-region-lb"],
    )?;
    Ok(())
}

/// The region's key and session cache, admitting the nodes.
fn data_stack(
    app: &mut App,
    data: &StackRef,
    net: &Network,
) -> Result<(Key, CacheReplicationGroup), Error> {
    let (vpc, nodes_sg) = (&net.vpc, net.nodes_sg);
    let private = vpc.subnet_ids(SubnetKind::Private);
    let mut s = app.scope(data.node())?;
    let key = Key::new(
        &mut s,
        "DataKey",
        KeyProps {
            alias: Some(format!("{APP}/data")),
            users: vec![
                KeyUser::CloudWatchLogs,
                KeyUser::ViaService("elasticache".into()),
                KeyUser::ViaService("secretsmanager".into()),
                KeyUser::ViaService("ecr".into()),
                KeyUser::ViaService("ec2".into()),
                KeyUser::Ec2AutoScaling,
            ],
            ..Default::default()
        },
    )?;
    let redis = CacheReplicationGroup::new(
        &mut s,
        "Sessions",
        CacheReplicationGroupProps {
            id: format!("{APP}-sessions"),
            vpc_id: vpc.vpc_id(),
            subnet_ids: private[..2].to_vec(),
            encryption_key: key.arn(),
            ..Default::default()
        },
    )?;
    s.at(redis.resource.node())?.suppress(
        "AwsSolutions-AEC5",
        "clients find the port in config; security groups, TLS and the AUTH token protect the data",
    )?;
    redis.security_group.allow_from(
        &mut s,
        &nodes_sg,
        Port::tcp(6379),
        "Redis (TLS) from the EKS nodes",
    )?;
    Ok((key, redis))
}

/// One repository per service (and the load balancer), spread over
/// numbered stacks so large service counts stay under 500 resources;
/// returns each one's pinned image.
fn image_stacks(
    app: &mut App,
    env: &Env,
    prefix: &str,
    p: &RegionProps,
    key: &Key,
) -> Result<BTreeMap<String, String>, Error> {
    let mut images = BTreeMap::new();
    let mut all: Vec<String> = p.services.clone();
    all.push("cross-region-lb".into());
    for (g, group) in all.chunks(REPOSITORIES_PER_STACK).enumerate() {
        let st = stack(
            app,
            env,
            &format!("{prefix}-images-{}", g + 1),
            &format!("image repositories in {}", p.local),
        )?;
        let mut s = app.scope(st.node())?;
        for name in group {
            let repo = Repository::new(
                &mut s,
                &construct_id(name),
                RepositoryProps {
                    name: format!("{APP}/{name}"),
                    encryption_key: Some(key.arn()),
                    ..Default::default()
                },
            )?;
            images.insert(name.clone(), repo.image(IMAGE_TAG)?);
        }
    }
    Ok(images)
}

/// The mesh namespace, Istio (multi-primary, multi-network, its east-west
/// gateway behind an NLB on the network stack's Elastic IPs), strict mTLS
/// and the default Sidecar.
fn mesh_control_plane(
    c: &mut Scope<'_>,
    p: &RegionProps,
    net: &Network,
    cluster_name: &str,
) -> Result<(), Error> {
    // The NLB of this region's east-west gateway takes the network stack's
    // Elastic IPs, one per public subnet (deferred inputs of the install inputs).
    let mut allocations = Vec::new();
    for eip in &net.east_west_addresses {
        allocations.push(c.deferred(&eip.allocation_id())?);
    }
    let mut public_subnets = Vec::new();
    for subnet in net.vpc.subnet_ids(SubnetKind::Public) {
        public_subnets.push(c.deferred(&subnet)?);
    }
    MeshNamespace::new(
        c,
        "Namespace",
        MeshNamespaceProps {
            name: NAMESPACE.into(),
            mesh: MeshMode::Sidecar,
            labels: labels(&[("topology.istio.io/network", &network_name(&p.local))]),
            waypoint: None,
        },
    )?;
    IstioInstall::new(
        c,
        "Istio",
        IstioInstallProps {
            mesh_id: MESH_ID.into(),
            cluster_name: cluster_name.to_string(),
            network: network_name(&p.local),
            // Multi-primary, multi-network: istiod in each cluster, an
            // east-west gateway behind an NLB on 80, 443 and 15443.
            east_west_gateway: true,
            east_west_extra_ports: vec![("http2".into(), 80, 8080), ("https".into(), 443, 8443)],
            east_west_service_annotations: BTreeMap::from([
                (
                    "service.beta.kubernetes.io/aws-load-balancer-eip-allocations".to_string(),
                    allocations.join(","),
                ),
                (
                    "service.beta.kubernetes.io/aws-load-balancer-subnets".to_string(),
                    public_subnets.join(","),
                ),
            ]),
            pilot_env: BTreeMap::from([
                (
                    "PILOT_ENABLE_WORKLOAD_ENTRY_AUTOREGISTRATION".to_string(),
                    "true".to_string(),
                ),
                (
                    "PILOT_ENABLE_WORKLOAD_ENTRY_HEALTHCHECKS".to_string(),
                    "true".to_string(),
                ),
            ]),
            tag: Some(ISTIO_TAG.into()),
            ..Default::default()
        },
    )?;
    PeerAuthentication::named("default", PeerAuthenticationSpec::mode(MtlsMode::Strict))
        .add(c, "Mtls")?;
    // Egress limited to the namespace, the control plane and the mesh's
    // registry (the *.global ServiceEntries live in this namespace).
    Sidecar::named(
        "default",
        SidecarSpec {
            egress: Some(vec![IstioEgressListener {
                hosts: vec!["./*".into(), "istio-system/*".into()],
                ..Default::default()
            }]),
            outbound_traffic_policy: Some(OutboundTrafficPolicy {
                mode: Some(OutboundMode::RegistryOnly),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .add(c, "Sidecar")?;
    Ok(())
}
