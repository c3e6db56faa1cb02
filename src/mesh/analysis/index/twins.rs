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

/// The typed twin of `raw`, when its kind is one the index reads typed and
/// it parses as that type (one that does not is left raw: the schema check
/// reports what is wrong with it).
pub fn twin(raw: &RawObject) -> Option<Box<dyn K8sObject>> {
    let group = crate::core::object::api_group(&raw.api_version);
    match (group, raw.kind.as_str()) {
        ("", "Namespace") => parse::<Namespace>(raw),
        ("", "Service") => parse::<Service>(raw),
        ("", "Pod") => parse::<Pod>(raw),
        ("", "Secret") => parse::<Secret>(raw),
        ("", "ServiceAccount") => parse::<ServiceAccount>(raw),
        ("apps", "Deployment") => parse::<Deployment>(raw),
        ("apps", "StatefulSet") => parse::<StatefulSet>(raw),
        ("apps", "DaemonSet") => parse::<DaemonSet>(raw),
        ("networking.k8s.io", "Ingress") => parse::<k8s_openapi::api::networking::v1::Ingress>(raw),
        ("networking.istio.io", "Gateway") => parse::<Gateway>(raw),
        ("networking.istio.io", "VirtualService") => parse::<VirtualService>(raw),
        ("networking.istio.io", "DestinationRule") => parse::<DestinationRule>(raw),
        ("networking.istio.io", "ServiceEntry") => parse::<ServiceEntry>(raw),
        ("networking.istio.io", "WorkloadEntry") => parse::<WorkloadEntry>(raw),
        ("networking.istio.io", "Sidecar") => parse::<Sidecar>(raw),
        ("networking.istio.io", "EnvoyFilter") => parse::<EnvoyFilter>(raw),
        ("security.istio.io", "PeerAuthentication") => parse::<PeerAuthentication>(raw),
        ("security.istio.io", "AuthorizationPolicy") => parse::<AuthorizationPolicy>(raw),
        ("security.istio.io", "RequestAuthentication") => parse::<RequestAuthentication>(raw),
        ("telemetry.istio.io", "Telemetry") => parse::<Telemetry>(raw),
        ("argoproj.io", "Rollout") => parse::<Rollout>(raw),
        // The Gateway API's objects are read as JSON by their analyzers
        // whether typed or raw (the index files raw Gateways as Gateways).
        _ => None,
    }
}

/// The twins of every raw object of `app` that has one.
pub fn of(app: &App) -> Twins {
    app.objects()
        .into_iter()
        .filter_map(|e| {
            let raw = e.object.as_any().downcast_ref::<RawObject>()?;
            Some((e.path.to_string(), twin(raw)?))
        })
        .collect()
}
