//! Raw objects as the analyzers read typed ones. An object added raw
//! (`Scope::add_raw_object`, or read from YAML into the tree) of a kind the
//! index files typed (a Service, a VirtualService, a waypoint Gateway…) is
//! parsed into its typed twin for the analysis, so it counts exactly as the
//! same object built through the DSL's types would. The emitted object is
//! still the raw one.

use std::collections::HashMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret, Service, ServiceAccount};
use serde::de::DeserializeOwned;

use crate::core::{App, K8sObject, RawObject};
use crate::mesh::istio::networking::{
    DestinationRule, EnvoyFilter, Gateway, ServiceEntry, Sidecar, VirtualService, WorkloadEntry,
};
use crate::mesh::istio::security::{
    AuthorizationPolicy, PeerAuthentication, RequestAuthentication,
};
use crate::mesh::istio::telemetry::Telemetry;
use crate::mesh::rollouts::Rollout;

/// Typed twins of the app's raw objects, by construct path.
pub type Twins = HashMap<String, Box<dyn K8sObject>>;

fn parse<T: K8sObject + DeserializeOwned + 'static>(raw: &RawObject) -> Option<Box<dyn K8sObject>> {
    let json = raw.to_json().ok()?;
    // The stack every typed read shares, so these kinds compile once.
    crate::core::object::deserialize_with_path::<T>(&json)
        .ok()
        .map(|t| Box::new(t) as Box<dyn K8sObject>)
}

/// A kind's typed read of a raw object.
type Parse = fn(&RawObject) -> Option<Box<dyn K8sObject>>;

/// The kinds the index reads typed, by API group and kind. The Gateway
/// API's objects are read as JSON by their analyzers whether typed or raw
/// (the index files raw Gateways as Gateways), so they have no twin.
const TWIN_KINDS: &[(&str, &str, Parse)] = &[
    ("", "Namespace", parse::<Namespace>),
    ("", "Service", parse::<Service>),
    ("", "Pod", parse::<Pod>),
    ("", "Secret", parse::<Secret>),
    ("", "ServiceAccount", parse::<ServiceAccount>),
    ("apps", "Deployment", parse::<Deployment>),
    ("apps", "StatefulSet", parse::<StatefulSet>),
    ("apps", "DaemonSet", parse::<DaemonSet>),
    (
        "networking.k8s.io",
        "Ingress",
        parse::<k8s_openapi::api::networking::v1::Ingress>,
    ),
    ("networking.istio.io", "Gateway", parse::<Gateway>),
    (
        "networking.istio.io",
        "VirtualService",
        parse::<VirtualService>,
    ),
    (
        "networking.istio.io",
        "DestinationRule",
        parse::<DestinationRule>,
    ),
    ("networking.istio.io", "ServiceEntry", parse::<ServiceEntry>),
    (
        "networking.istio.io",
        "WorkloadEntry",
        parse::<WorkloadEntry>,
    ),
    ("networking.istio.io", "Sidecar", parse::<Sidecar>),
    ("networking.istio.io", "EnvoyFilter", parse::<EnvoyFilter>),
    (
        "security.istio.io",
        "PeerAuthentication",
        parse::<PeerAuthentication>,
    ),
    (
        "security.istio.io",
        "AuthorizationPolicy",
        parse::<AuthorizationPolicy>,
    ),
    (
        "security.istio.io",
        "RequestAuthentication",
        parse::<RequestAuthentication>,
    ),
    ("telemetry.istio.io", "Telemetry", parse::<Telemetry>),
    ("argoproj.io", "Rollout", parse::<Rollout>),
];

/// The typed twin of `raw`, when its kind is one the index reads typed and
/// it parses as that type (one that does not is left raw: the schema check
/// reports what is wrong with it).
pub fn twin(raw: &RawObject) -> Option<Box<dyn K8sObject>> {
    let group = crate::core::object::api_group(&raw.api_version);
    let (_, _, parse) = TWIN_KINDS
        .iter()
        .find(|(g, k, _)| *g == group && *k == raw.kind)?;
    parse(raw)
}

/// The twins of every raw object of `app` that has one. Only the objects
/// of those kinds are looked at, through the app's index by kind: a walk
/// of the whole tree cost 20 ms at 40,000 objects, on the analysis's
/// critical path, and `analyze` reads these kinds typed anyway.
pub fn of(app: &App) -> Twins {
    let mut kinds: Vec<&str> = TWIN_KINDS.iter().map(|(_, k, _)| *k).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .into_iter()
        .flat_map(|k| app.objects_of_kind(k))
        .filter_map(|e| {
            let raw = e.object.as_any().downcast_ref::<RawObject>()?;
            Some((e.path.to_string(), twin(raw)?))
        })
        .collect()
}
