//! A `MeshService` routed with Istio's API: the in-mesh VirtualService and
//! one gateway-bound VirtualService per ingress gateway.

use crate::core::{Error, Scope};
use crate::mesh::istio::networking::{
    Destination, HttpRetry, HttpRoute, HttpRouteDestination, VirtualService, VirtualServiceSpec,
};
use crate::mesh::istio::prelude::*;
use crate::mesh::traffic::{matches_for, Plan};

use super::{IngressRoute, MeshServiceProps};

/// The gateways of the routes, in first-use order, with the name of the
/// ingress route made for each (`<name>-ingress`, `<name>-ingress-1`, ...).
pub(super) fn ingress_routes(name: &str, routes: &[IngressRoute]) -> Vec<(String, String)> {
    let mut gateways: Vec<&str> = Vec::new();
    for r in routes {
        if !gateways.contains(&r.gateway.as_str()) {
            gateways.push(&r.gateway);
        }
    }
    gateways
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let vs = if i == 0 {
                format!("{name}-ingress")
            } else {
                format!("{name}-ingress-{i}")
            };
            (g.to_string(), vs)
        })
        .collect()
}

/// The VirtualServices of the service.
pub(super) fn add(
    s: &mut Scope<'_>,
    props: &MeshServiceProps,
    name: &str,
    host: &str,
    dest: &Destination,
    plan: Option<&Plan<'_>>,
    canary: bool,
) -> Result<(), Error> {
    let res = &props.resilience;
    let retries = HttpRetry {
        attempts: Some(res.retries),
        per_try_timeout: Some(res.per_try_timeout.clone()),
        retry_on: Some(res.retry_on.clone()),
        ..Default::default()
    };
    // In-mesh routing: retries and timeout for every caller.
    let route = if canary {
        vec![
            HttpRouteDestination::weighted(dest.clone().subset("stable"), 100),
            HttpRouteDestination::weighted(dest.clone().subset("canary"), 0),
        ]
    } else {
        vec![HttpRouteDestination::to(dest.clone())]
    };
    let mesh_http = match plan {
        Some(p) => p.routes(dest, &[], &res.timeout, &retries),
        None => vec![HttpRoute {
            name: Some("primary".into()),
            route: Some(route.clone()),
            timeout: Some(res.timeout.clone()),
            retries: Some(retries.clone()),
            ..Default::default()
        }],
    };
    VirtualService::named(
        name.to_string(),
        VirtualServiceSpec {
            hosts: Some(vec![host.to_string()]),
            http: Some(mesh_http),
            ..Default::default()
        },
    )
    .add(s, "VirtualService")?;

    // Ingress routing: one gateway-bound VirtualService per gateway.
    for (gi, (gw, vs_name)) in ingress_routes(name, &props.routes).into_iter().enumerate() {
        let rs: Vec<&IngressRoute> = props.routes.iter().filter(|r| r.gateway == gw).collect();
        let mut hosts: Vec<String> = rs.iter().flat_map(|r| r.hosts.clone()).collect();
        hosts.sort();
        hosts.dedup();
        let prefixes: Vec<String> = rs.iter().map(|r| r.prefix.clone()).collect();
        let id = if gi == 0 {
            "IngressVirtualService".to_string()
        } else {
            format!("IngressVirtualService{gi}")
        };
        let http = match plan {
            Some(p) => p.routes(dest, &prefixes, &res.timeout, &retries),
            None => vec![HttpRoute {
                name: Some("ingress".into()),
                r#match: Some(matches_for(&[], &prefixes)),
                route: Some(route.clone()),
                timeout: Some(res.timeout.clone()),
                retries: Some(retries.clone()),
                ..Default::default()
            }],
        };
        VirtualService::named(
            vs_name,
            VirtualServiceSpec {
                hosts: Some(hosts),
                gateways: Some(vec![gw.clone()]),
                http: Some(http),
                ..Default::default()
            },
        )
        .add(s, &id)?;
    }
    Ok(())
}
