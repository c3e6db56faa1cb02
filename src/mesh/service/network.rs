//! The NetworkPolicy of a `MeshService`: the CNI-level twin of its
//! AuthorizationPolicy, so a pod is fenced even where the mesh is bypassed
//! (a pod outside the mesh, a port the proxy does not capture).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::{Error, ObjectRef, Scope};
use crate::k8s::workloads::check_name;
use crate::mesh::add_object;
use crate::mesh::gateway_api::RoutingApi;

use super::MeshServiceProps;

/// Istio's HBONE port: in ambient mode ztunnel delivers every inbound
/// connection to the pod on it, and sidecars accept HBONE on it too.
pub const HBONE_PORT: u16 = 15008;

/// The address ztunnel gives kubelet's health probes in ambient mode
/// (Istio's documented link-local SNAT), so probes pass the policy.
pub const AMBIENT_PROBE_SOURCE: &str = "169.254.7.127/32";

/// The namespace of the ingress gateways `INGRESS_GATEWAY_PRINCIPAL` names.
const GATEWAY_NAMESPACE: &str = "istio-system";

fn namespace_peer(ns: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".to_string(),
                ns.to_string(),
            )])),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn tcp(port: u16) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(i32::from(port))),
        protocol: Some("TCP".into()),
        ..Default::default()
    }
}

/// The namespaces callers may come from, as the AuthorizationPolicy admits
/// them: the callers', the gateways' with routes, and the service's own
/// when neither is given. Istio's ingress gateway runs in `istio-system`;
/// a Gateway API Gateway's pods run in the Gateway's namespace.
pub(super) fn caller_namespaces(
    props: &MeshServiceProps,
    namespace: &str,
    api: RoutingApi,
    waypoint: bool,
) -> Vec<String> {
    let mut out: BTreeSet<String> = props
        .allowed_callers
        .iter()
        .map(|(ns, _)| ns.clone())
        .collect();
    if api.is_gateway_api() {
        out.extend(super::http_route::gateway_namespaces(props, namespace));
    } else if !props.routes.is_empty() {
        out.insert(GATEWAY_NAMESPACE.into());
        for r in &props.routes {
            if let Some((ns, _)) = r.gateway.split_once('/') {
                out.insert(ns.to_string());
            }
        }
    }
    // Behind a waypoint every caller arrives from the waypoint's pods, in
    // the service's own namespace.
    if waypoint || (props.allowed_callers.is_empty() && props.routes.is_empty()) {
        out.insert(namespace.to_string());
    }
    out.into_iter().collect()
}

/// Adds the service's NetworkPolicy (see `MeshServiceProps::network_policy`).
pub(super) fn add(
    s: &mut Scope<'_>,
    props: &MeshServiceProps,
    namespace: &str,
    api: RoutingApi,
    waypoint: bool,
) -> Result<ObjectRef<NetworkPolicy>, Error> {
    for peer in &props.network_peers {
        check_name(s, "NetworkPolicy", "network peer namespace", peer)?;
    }
    let selector = LabelSelector {
        match_labels: Some(BTreeMap::from([("app".to_string(), props.name.clone())])),
        ..Default::default()
    };
    let mut ingress = vec![
        NetworkPolicyIngressRule {
            from: Some(
                caller_namespaces(props, namespace, api, waypoint)
                    .iter()
                    .map(|ns| namespace_peer(ns))
                    .collect(),
            ),
            ports: Some(vec![tcp(props.port), tcp(HBONE_PORT)]),
        },
        NetworkPolicyIngressRule {
            from: Some(vec![NetworkPolicyPeer {
                ip_block: Some(IPBlock {
                    cidr: AMBIENT_PROBE_SOURCE.into(),
                    except: None,
                }),
                ..Default::default()
            }]),
            ports: Some(vec![tcp(props.port)]),
        },
    ];
    let mut peers: Vec<&String> = props.network_peers.iter().collect();
    peers.sort();
    peers.dedup();
    if !peers.is_empty() {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(peers.iter().map(|ns| namespace_peer(ns)).collect()),
            ports: None,
        });
    }
    let np = NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(props.name.clone()),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(selector),
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(ingress),
            ..Default::default()
        }),
    };
    add_object(s, "NetworkPolicy", np)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::service::IngressRoute;

    fn props() -> MeshServiceProps {
        MeshServiceProps {
            name: "orders".into(),
            image: "r/orders:1.0.0".into(),
            ..Default::default()
        }
    }

    #[test]
    fn callers_come_from_the_namespaces_the_authorization_policy_admits() {
        // No callers, no routes: the service's own namespace only.
        assert_eq!(
            caller_namespaces(&props(), "shop", RoutingApi::Istio, false),
            ["shop"]
        );
        // Callers: their namespaces, not the service's own.
        let p = MeshServiceProps {
            allowed_callers: vec![
                ("web".into(), "frontend".into()),
                ("batch".into(), "jobs".into()),
                ("web".into(), "bff".into()),
            ],
            ..props()
        };
        assert_eq!(
            caller_namespaces(&p, "shop", RoutingApi::Istio, false),
            ["batch", "web"]
        );
        // Behind a waypoint, callers arrive from the waypoint's pods.
        assert_eq!(
            caller_namespaces(&p, "shop", RoutingApi::Istio, true),
            ["batch", "shop", "web"]
        );
        // Routes: the ingress gateways' namespace and a gateway's own.
        let p = MeshServiceProps {
            routes: vec![IngressRoute {
                gateway: "edge/public".into(),
                hosts: vec!["shop.example.com".into()],
                prefix: "/".into(),
            }],
            ..props()
        };
        assert_eq!(
            caller_namespaces(&p, "shop", RoutingApi::Istio, false),
            ["edge", "istio-system"]
        );
        // Gateway API routing: the Gateways' namespaces (an unqualified
        // Gateway is in the service's), never istio-system.
        let p = MeshServiceProps {
            routes: vec![
                IngressRoute {
                    gateway: "edge/public".into(),
                    hosts: vec!["shop.example.com".into()],
                    prefix: "/".into(),
                },
                IngressRoute {
                    gateway: "internal".into(),
                    hosts: vec!["shop.internal".into()],
                    prefix: "/".into(),
                },
            ],
            ..props()
        };
        assert_eq!(
            caller_namespaces(&p, "shop", RoutingApi::GatewayApi, false),
            ["edge", "shop"]
        );
    }
}
