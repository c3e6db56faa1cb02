//! Installation of the mesh itself, per cluster (construct layer): one
//! declaration becomes both the `istioctl install -f` IstioOperator file and
//! the equivalent values for the upstream Helm charts (istio/base, istiod,
//! gateway). They are install inputs written beside the manifests, not
//! objects to apply, so they stay out of the kustomization. A multi-network
//! primary also gets its east-west gateway (15443) and the Gateway object
//! that exposes its services to the other networks.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::core::names::validate_dns1123_label;
use crate::core::{Error, InstallKind, ObjectRef, Scope};
use crate::mesh::istio::networking::{
    Gateway, GatewayPort, GatewaySpec, Server, ServerTls, ServerTlsMode,
};
use crate::mesh::istio::prelude::*;

/// The Istio system namespace.
pub const ISTIO_SYSTEM: &str = "istio-system";

/// The role of a cluster's control plane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ControlPlane {
    /// Runs istiod (primary cluster).
    #[default]
    Primary,
    /// Uses the istiod of a primary cluster (`profile: remote`).
    Remote {
        /// The address of the primary's istiod (its east-west gateway).
        remote_pilot_address: Option<String>,
    },
}

/// An ingress gateway of the installation.
#[derive(Debug, Clone, PartialEq)]
pub struct IngressGatewayProps {
    /// Deployment/Service name. Default: `istio-ingressgateway`.
    pub name: String,
    /// Pod labels Gateways select. Default: `istio: ingressgateway`.
    pub labels: BTreeMap<String, String>,
    /// Service annotations (e.g. for an AWS NLB). Default: NLB annotations.
    pub service_annotations: BTreeMap<String, String>,
    /// Service ports as (name, port, targetPort). Default: 15021, 80→8080, 443→8443.
    pub ports: Vec<(String, u16, u16)>,
}

impl Default for IngressGatewayProps {
    fn default() -> Self {
        IngressGatewayProps {
            name: "istio-ingressgateway".into(),
            labels: BTreeMap::from([
                ("app".into(), "istio-ingressgateway".into()),
                ("istio".into(), "ingressgateway".into()),
            ]),
            service_annotations: nlb_annotations(),
            ports: vec![
                ("status-port".into(), 15021, 15021),
                ("http2".into(), 80, 8080),
                ("https".into(), 443, 8443),
            ],
        }
    }
}

/// Annotations that make the AWS Load Balancer Controller provision an
/// internet-facing NLB with IP targets for a Service.
pub fn nlb_annotations() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type".into(),
            "ip".into(),
        ),
        (
            "service.beta.kubernetes.io/aws-load-balancer-scheme".into(),
            "internet-facing".into(),
        ),
        (
            "service.beta.kubernetes.io/aws-load-balancer-type".into(),
            "external".into(),
        ),
    ])
}

/// The east-west gateway Service's annotations: the NLB ones, then the props'.
fn east_west_annotations(props: &IstioInstallProps) -> BTreeMap<String, String> {
    let mut a = nlb_annotations();
    a.extend(props.east_west_service_annotations.clone());
    a
}

/// Props of an `IstioInstall`.
#[derive(Debug, Clone, PartialEq)]
pub struct IstioInstallProps {
    /// Name of the IstioOperator and prefix of the values files; a DNS-1123 label. Default:
    /// `istio-control-plane`.
    pub name: String,
    /// Primary (istiod here) or remote. Default: primary.
    pub control_plane: ControlPlane,
    /// The mesh id shared by every cluster of the mesh. Default: `mesh1`.
    pub mesh_id: String,
    /// This cluster's name in the mesh. Default: `cluster1`.
    pub cluster_name: String,
    /// This cluster's network. Default: `network1`.
    pub network: String,
    /// The ingress gateway. Default: `istio-ingressgateway` behind an NLB.
    pub ingress_gateway: Option<IngressGatewayProps>,
    /// Add the east-west gateway (port 15443) for a multi-network mesh. Default: false.
    pub east_west_gateway: bool,
    /// Extra east-west gateway Service ports as (name, port, targetPort),
    /// e.g. 80 and 443. Default: none (15021, 15443, 15012, 15017 only).
    pub east_west_extra_ports: Vec<(String, u16, u16)>,
    /// Annotations of the east-west gateway Service besides the NLB ones,
    /// e.g. `service.beta.kubernetes.io/aws-load-balancer-eip-allocations`
    /// with deferred allocation IDs, so the gateway's address is fixed in
    /// CloudFormation. Default: none.
    pub east_west_service_annotations: BTreeMap<String, String>,
    /// istiod environment (`values.pilot.env`), e.g.
    /// `PILOT_ENABLE_WORKLOAD_ENTRY_AUTOREGISTRATION`. Default: none.
    pub pilot_env: BTreeMap<String, String>,
    /// Pinned image tag (e.g. `1.28.1`). Default: the istioctl/chart version's own.
    pub tag: Option<String>,
    /// Mesh-wide mTLS and outbound policy: REGISTRY_ONLY when true. Default: false.
    pub registry_only_egress: bool,
    /// Install ambient mode too: the `ambient` profile (istiod, istio-cni
    /// and ztunnel) in the IstioOperator, and Helm values for `istio/cni` and
    /// `istio/ztunnel` beside istiod's. Sidecar namespaces keep working.
    /// Needs a primary control plane. Default: false.
    pub ambient: bool,
}

impl Default for IstioInstallProps {
    fn default() -> Self {
        IstioInstallProps {
            name: "istio-control-plane".into(),
            control_plane: ControlPlane::Primary,
            mesh_id: "mesh1".into(),
            cluster_name: "cluster1".into(),
            network: "network1".into(),
            ingress_gateway: Some(IngressGatewayProps::default()),
            east_west_gateway: false,
            east_west_extra_ports: Vec::new(),
            east_west_service_annotations: BTreeMap::new(),
            pilot_env: BTreeMap::new(),
            tag: None,
            registry_only_egress: false,
            ambient: false,
        }
    }
}

/// What an `IstioInstall` produced.
pub struct IstioInstall {
    /// The cross-network Gateway, when an east-west gateway was asked for.
    pub cross_network_gateway: Option<ObjectRef<Gateway>>,
    /// Labels of the gateway workloads this installation runs.
    pub gateway_labels: Vec<BTreeMap<String, String>>,
}

/// Labels of the east-west gateway pods for a network.
pub fn east_west_labels(network: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app".into(), "istio-eastwestgateway".into()),
        ("istio".into(), "eastwestgateway".into()),
        ("topology.istio.io/network".into(), network.into()),
    ])
}

fn east_west_ports() -> Vec<(String, u16, u16)> {
    vec![
        ("status-port".into(), 15021, 15021),
        ("tls".into(), 15443, 15443),
        ("tls-istiod".into(), 15012, 15012),
        ("tls-webhook".into(), 15017, 15017),
    ]
}

fn ports_json(ports: &[(String, u16, u16)]) -> Json {
    Json::Array(
        ports
            .iter()
            .map(|(name, port, target)| {
                json!({"name": name, "port": port, "targetPort": target, "protocol": "TCP"})
            })
            .collect(),
    )
}

impl IstioInstall {
    /// Adds the install inputs (and the cross-network Gateway) to `scope`'s chart.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: IstioInstallProps,
    ) -> Result<IstioInstall, Error> {
        let path = scope.child_path(id);
        let remote = check(&path, &props)?;
        let profile = match (remote, props.ambient) {
            (true, _) => "remote",
            (false, true) => "ambient",
            (false, false) => "default",
        };
        let mut global = json!({
            "meshID": props.mesh_id,
            "multiCluster": {"clusterName": props.cluster_name},
            "network": props.network,
        });
        if let ControlPlane::Remote {
            remote_pilot_address: Some(addr),
        } = &props.control_plane
        {
            global["remotePilotAddress"] = addr.clone().into();
        }
        let mut ew_ports = east_west_ports();
        for (name, port, target) in &props.east_west_extra_ports {
            crate::k8s::workloads::check_port(&path, "east-west gateway port", *port)?;
            crate::k8s::workloads::check_port(&path, "east-west gateway target port", *target)?;
            ew_ports.push((name.clone(), *port, *target));
        }
        let (operator, gateway_labels) = operator(&props, profile, &global, &ew_ports);
        scope.add_builtin_install_input(&props.name, InstallKind::IstioOperator, &operator)?;
        helm_values(scope, &props, profile, remote, global, &ew_ports)?;
        let cross_network_gateway = if props.east_west_gateway {
            Some(cross_network_gateway(scope, id)?)
        } else {
            None
        };
        Ok(IstioInstall {
            cross_network_gateway,
            gateway_labels,
        })
    }
}

/// Names that must be DNS labels, and what a remote cluster cannot have;
/// returns whether the control plane is remote.
fn check(path: &str, props: &IstioInstallProps) -> Result<bool, Error> {
    for (what, v) in [
        ("name", &props.name),
        ("mesh_id", &props.mesh_id),
        ("cluster_name", &props.cluster_name),
        ("network", &props.network),
    ] {
        validate_dns1123_label(v).map_err(|e| {
            Error::construct(
                path.to_string(),
                format!("{what}: {e}"),
                "use a DNS-1123 label such as \"mesh1\"",
            )
        })?;
    }
    let remote = matches!(props.control_plane, ControlPlane::Remote { .. });
    if remote && props.ambient {
        return Err(Error::construct(
            path,
            "ambient mode is installed with a primary control plane here; a remote cluster's ambient install is not supported",
            "set ambient only on the primary cluster's IstioInstall, or use sidecar mode on the remote",
        ));
    }
    Ok(remote)
}

/// The IstioOperator of the installation, and the labels of its gateways.
fn operator(
    props: &IstioInstallProps,
    profile: &str,
    global: &serde_json::Value,
    ew_ports: &[(String, u16, u16)],
) -> (serde_json::Value, Vec<BTreeMap<String, String>>) {
    let mut ingress = Vec::new();
    let mut gateway_labels = Vec::new();
    if let Some(g) = &props.ingress_gateway {
        gateway_labels.push(g.labels.clone());
        ingress.push(json!({
            "name": g.name,
            "enabled": true,
            "label": g.labels,
            "k8s": {
                "serviceAnnotations": g.service_annotations,
                "service": {"ports": ports_json(&g.ports)},
            },
        }));
    }
    if props.east_west_gateway {
        let labels = east_west_labels(&props.network);
        gateway_labels.push(labels.clone());
        ingress.push(json!({
            "name": "istio-eastwestgateway",
            "enabled": true,
            "label": labels,
            "k8s": {
                "env": [
                    {"name": "ISTIO_META_REQUESTED_NETWORK_VIEW", "value": props.network},
                ],
                "serviceAnnotations": east_west_annotations(props),
                "service": {"ports": ports_json(ew_ports)},
            },
        }));
    }
    let mut values = json!({"global": global.clone()});
    if !props.pilot_env.is_empty() {
        values["pilot"] = json!({"env": props.pilot_env});
    }
    let mut spec = json!({
        "profile": profile,
        "values": values,
        "components": {"ingressGateways": ingress},
    });
    if props.registry_only_egress {
        spec["meshConfig"] = json!({"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}});
    }
    if let Some(tag) = &props.tag {
        spec["tag"] = tag.clone().into();
    }
    let operator = json!({
        "apiVersion": "install.istio.io/v1alpha1",
        "kind": "IstioOperator",
        "metadata": {"name": props.name, "namespace": ISTIO_SYSTEM},
        "spec": spec,
    });
    (operator, gateway_labels)
}

/// The same installation as Helm values, chart by chart: base, istiod,
/// the ambient node agents, and the gateways.
fn helm_values(
    scope: &mut Scope<'_>,
    props: &IstioInstallProps,
    profile: &str,
    remote: bool,
    global: serde_json::Value,
    ew_ports: &[(String, u16, u16)],
) -> Result<(), Error> {
    // The same installation as Helm values, chart by chart.
    let mut base = json!({"defaultRevision": "default"});
    if remote {
        base["profile"] = "remote".into();
    }
    scope.add_builtin_install_input(
        &format!("{}-base", props.name),
        InstallKind::HelmValues {
            chart: "istio/base".into(),
        },
        &base,
    )?;
    let mut istiod = json!({"global": global});
    if !props.pilot_env.is_empty() {
        istiod["pilot"] = json!({"env": props.pilot_env});
    }
    if remote || props.ambient {
        istiod["profile"] = profile.into();
    }
    if let Some(tag) = &props.tag {
        istiod["global"]["tag"] = tag.clone().into();
    }
    if props.registry_only_egress {
        istiod["meshConfig"] = json!({"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}});
    }
    scope.add_builtin_install_input(
        &format!("{}-istiod", props.name),
        InstallKind::HelmValues {
            chart: "istio/istiod".into(),
        },
        &istiod,
    )?;
    if props.ambient {
        // The node agent that redirects pod traffic, and the per-node proxy.
        let mut cni = json!({"profile": "ambient"});
        let mut ztunnel = json!({
            "multiCluster": {"clusterName": props.cluster_name},
            "network": props.network,
        });
        if let Some(tag) = &props.tag {
            cni["global"] = json!({"tag": tag});
            ztunnel["tag"] = tag.clone().into();
        }
        scope.add_builtin_install_input(
            &format!("{}-cni", props.name),
            InstallKind::HelmValues {
                chart: "istio/cni".into(),
            },
            &cni,
        )?;
        scope.add_builtin_install_input(
            &format!("{}-ztunnel", props.name),
            InstallKind::HelmValues {
                chart: "istio/ztunnel".into(),
            },
            &ztunnel,
        )?;
    }
    if let Some(g) = &props.ingress_gateway {
        scope.add_builtin_install_input(
            &format!("{}-ingress", props.name),
            InstallKind::HelmValues {
                chart: "istio/gateway".into(),
            },
            &json!({
                "name": g.name,
                "labels": g.labels,
                "service": {
                    "annotations": g.service_annotations,
                    "ports": ports_json(&g.ports),
                },
            }),
        )?;
    }
    if props.east_west_gateway {
        scope.add_builtin_install_input(
            &format!("{}-eastwest", props.name),
            InstallKind::HelmValues {
                chart: "istio/gateway".into(),
            },
            &json!({
                "name": "istio-eastwestgateway",
                "labels": east_west_labels(&props.network),
                "networkGateway": props.network,
                "env": {"ISTIO_META_REQUESTED_NETWORK_VIEW": props.network},
                "service": {
                    "annotations": east_west_annotations(props),
                    "ports": ports_json(ew_ports),
                },
            }),
        )?;
    }
    Ok(())
}

/// Exposes every service of this network to the others through 15443 with
/// mTLS passthrough (Istio's cross-network-gateway).
fn cross_network_gateway(scope: &mut Scope<'_>, id: &str) -> Result<ObjectRef<Gateway>, Error> {
    let gw = Gateway::named(
        "cross-network-gateway",
        GatewaySpec {
            selector: Some(BTreeMap::from([("istio".into(), "eastwestgateway".into())])),
            servers: Some(vec![Server {
                port: GatewayPort {
                    number: 15443,
                    name: "tls".into(),
                    protocol: "TLS".into(),
                    ..Default::default()
                },
                tls: Some(ServerTls {
                    mode: Some(ServerTlsMode::AutoPassthrough),
                    ..Default::default()
                }),
                hosts: vec!["*.local".into()],
                ..Default::default()
            }]),
        },
    )
    .in_namespace(ISTIO_SYSTEM);
    gw.add(scope, &format!("{id}CrossNetworkGateway"))
}
