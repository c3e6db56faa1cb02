//! The policy objects of a `MeshService`, whichever API routes it: the
//! DestinationRule (connection pool, ejection, mutual TLS) and the
//! AuthorizationPolicies (who may call it).

use std::collections::BTreeMap;

use crate::core::{Error, Scope};
use crate::mesh::istio::networking::{
    ClientTlsMode, ClientTlsSettings, ConnectionPoolSettings, DestinationRule, DestinationRuleSpec,
    HttpSettings, LoadBalancerSettings, OutlierDetection, Subset, TcpSettings, TrafficPolicy,
};
use crate::mesh::istio::prelude::*;
use crate::mesh::istio::security::{
    principal, AuthorizationAction, AuthorizationPolicy, AuthorizationPolicySpec, PolicyTargetRef,
    Rule, RuleFrom, Source, WorkloadSelector,
};

use super::{MeshServiceProps, TRUST_DOMAIN};

/// The DestinationRule `host` (named after it) under construct id `id`:
/// the service's `Resilience` as traffic policy, with `subsets`.
pub(super) fn destination_rule(
    s: &mut Scope<'_>,
    id: &str,
    props: &MeshServiceProps,
    (name, host): (&str, &str),
    subsets: Option<Vec<Subset>>,
) -> Result<(), Error> {
    let res = &props.resilience;
    // DestinationRule: pool limits, ejection, mTLS, and canary subsets.
    let dr = DestinationRule::named(
        name.to_string(),
        DestinationRuleSpec {
            host: host.to_string(),
            traffic_policy: Some(TrafficPolicy {
                load_balancer: Some(LoadBalancerSettings {
                    simple: Some(res.load_balancer),
                    ..Default::default()
                }),
                connection_pool: Some(ConnectionPoolSettings {
                    tcp: Some(TcpSettings {
                        max_connections: Some(res.max_connections),
                        ..Default::default()
                    }),
                    http: Some(HttpSettings {
                        http2_max_requests: Some(res.http2_max_requests),
                        http1_max_pending_requests: Some(res.http1_max_pending_requests),
                        ..Default::default()
                    }),
                }),
                outlier_detection: Some(OutlierDetection {
                    consecutive5xx_errors: Some(res.consecutive_5xx_errors),
                    interval: Some(res.ejection_interval.clone()),
                    base_ejection_time: Some(res.base_ejection_time.clone()),
                    max_ejection_percent: Some(50),
                    ..Default::default()
                }),
                tls: Some(ClientTlsSettings {
                    mode: Some(ClientTlsMode::IstioMutual),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            // Argo Rollouts adds the pod-template hash to these at runtime.
            subsets,
            ..Default::default()
        },
    );
    dr.add(s, id)?;
    Ok(())
}

/// The canary subsets Argo Rollouts shifts weight between.
pub(super) fn canary_subsets(name: &str) -> Vec<Subset> {
    let app_labels = BTreeMap::from([("app".to_string(), name.to_string())]);
    ["stable", "canary"]
        .into_iter()
        .map(|subset| Subset {
            name: subset.into(),
            labels: Some(app_labels.clone()),
            traffic_policy: None,
        })
        .collect()
}

/// The AuthorizationPolicies: `gateways` are the principals of the ingress
/// gateways the routes go through, `waypoint` the one the service's
/// traffic goes through (its own or its namespace's), `services` the
/// Services a waypoint checks the callers on.
pub(super) fn authorization_policies(
    s: &mut Scope<'_>,
    props: &MeshServiceProps,
    (name, namespace): (&str, &str),
    waypoint: Option<&str>,
    gateways: Vec<String>,
    services: Vec<String>,
) -> Result<(), Error> {
    let app_labels = BTreeMap::from([("app".to_string(), name.to_string())]);
    let mut principals: Vec<String> = props
        .allowed_callers
        .iter()
        .map(|(ns, sa)| principal(TRUST_DOMAIN, ns, sa))
        .collect();
    principals.extend(gateways.iter().cloned());
    let callers = if principals.is_empty() {
        Source {
            namespaces: Some(vec![namespace.to_string()]),
            ..Default::default()
        }
    } else {
        Source {
            principals: Some(principals),
            ..Default::default()
        }
    };
    let allow = |source: Source| {
        Some(vec![Rule {
            from: Some(vec![RuleFrom {
                source: Some(source),
            }]),
            to: None,
            when: None,
        }])
    };
    // Behind a waypoint, ztunnel sees the waypoint's identity, not the
    // callers' (Istio's ambient docs): the workload policy admits the
    // waypoint (and the ingress gateway, which reaches pods directly),
    // and the callers are checked by the waypoint, through a policy
    // attached to the Service.
    let workload_source = match waypoint {
        Some(w) => {
            let mut admitted = vec![principal(TRUST_DOMAIN, namespace, w)];
            admitted.extend(gateways);
            Source {
                principals: Some(admitted),
                ..Default::default()
            }
        }
        None => callers.clone(),
    };
    AuthorizationPolicy::named(
        name.to_string(),
        AuthorizationPolicySpec {
            selector: Some(WorkloadSelector {
                match_labels: Some(app_labels.clone()),
            }),
            action: Some(AuthorizationAction::Allow),
            rules: allow(workload_source),
            ..Default::default()
        },
    )
    .add(s, "AuthorizationPolicy")?;
    if waypoint.is_some() {
        AuthorizationPolicy::named(
            format!("{name}-callers"),
            AuthorizationPolicySpec {
                target_refs: Some(services.into_iter().map(PolicyTargetRef::service).collect()),
                action: Some(AuthorizationAction::Allow),
                rules: allow(callers),
                ..Default::default()
            },
        )
        .add(s, "CallersPolicy")?;
    }
    Ok(())
}
