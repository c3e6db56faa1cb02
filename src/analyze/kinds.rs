//! How `analyze` files each kind: read typed (the analyzers read the
//! model's type), kept as raw JSON, read as an install input, or only
//! counted. One table for both sides: a reading thread reads typed
//! objects ahead of the loader through it, and the loader files them.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::Ingress;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::core::object::deserialize_tracked_ref;
use crate::core::K8sObject;
use crate::mesh::istio::networking::{
    DestinationRule, EnvoyFilter, Gateway, ServiceEntry, Sidecar, VirtualService, WorkloadEntry,
    WorkloadGroup,
};
use crate::mesh::istio::security::{
    AuthorizationPolicy, PeerAuthentication, RequestAuthentication,
};
use crate::mesh::istio::telemetry::Telemetry;
use crate::mesh::rollouts::Rollout;

/// A typed object as read, with the paths of the fields its type does not
/// know; or the failing field's path and why.
pub(super) type TypedRead = Result<(Box<dyn K8sObject>, Vec<String>), String>;

/// The readers of one typed kind, as plain functions: a table entry, not a
/// generic call, so each type's deserializer is compiled once.
pub(super) struct Typed {
    /// The strict read ([`deserialize_tracked_ref`]).
    pub(super) read: fn(&Json) -> TypedRead,
    /// What parses of an object the strict read refused (`lenient`).
    pub(super) lenient: fn(Json) -> Option<Box<dyn K8sObject>>,
}

/// How an object of a kind is filed.
pub(super) enum Filing {
    /// Read as the model's type, which an analyzer reads.
    Typed(&'static Typed),
    /// Kept as its JSON as written (the analyzers read it raw); whether
    /// the kind is namespaced.
    Raw(bool),
    /// An IstioOperator: an install input.
    Operator,
    /// No analyzer reads it: counted (checked against its CRD when it has
    /// one) or skipped.
    Unread,
}

/// The table entry of `T`, a constant so `&Of::<T>::TYPED` is `'static`.
struct Of<T>(std::marker::PhantomData<T>);

impl<T: K8sObject + DeserializeOwned> Of<T> {
    const TYPED: Typed = Typed {
        read: read::<T>,
        lenient: lenient::<T>,
    };
}

fn read<T: K8sObject + DeserializeOwned>(json: &Json) -> TypedRead {
    deserialize_tracked_ref::<T>(json).map(|(t, unknown)| (Box::new(t) as Box<_>, unknown))
}

fn lenient<T: K8sObject + DeserializeOwned>(json: Json) -> Option<Box<dyn K8sObject>> {
    super::lenient::parse::<T>(json).map(|t| Box::new(t) as Box<_>)
}

/// How objects of `kind` in API group `group` (`""` for the core group)
/// are filed.
pub(super) fn filing(group: &str, kind: &str) -> Filing {
    use Filing::{Operator, Raw, Typed as T};
    match (group, kind) {
        ("", "Namespace") => T(&Of::<Namespace>::TYPED),
        ("", "Service") => T(&Of::<Service>::TYPED),
        ("", "Pod") => T(&Of::<Pod>::TYPED),
        ("", "Secret") => T(&Of::<Secret>::TYPED),
        ("", "ServiceAccount") => T(&Of::<ServiceAccount>::TYPED),
        ("apps", "Deployment") => T(&Of::<Deployment>::TYPED),
        ("apps", "StatefulSet") => T(&Of::<StatefulSet>::TYPED),
        ("apps", "DaemonSet") => T(&Of::<DaemonSet>::TYPED),
        // Read for the API server's rules of their pod templates (MS-K8S-3).
        // ReplicaSets stay unread: in a cluster's dump each belongs to a
        // Deployment, whose findings it would repeat.
        ("batch", "Job") => T(&Of::<Job>::TYPED),
        ("batch", "CronJob") => T(&Of::<CronJob>::TYPED),
        ("networking.k8s.io", "Ingress") => T(&Of::<Ingress>::TYPED),
        ("networking.istio.io", "Gateway") => T(&Of::<Gateway>::TYPED),
        ("gateway.networking.k8s.io", "Gateway") => {
            T(&Of::<crate::mesh::gateway_api::Gateway>::TYPED)
        }
        ("networking.istio.io", "VirtualService") => T(&Of::<VirtualService>::TYPED),
        ("networking.istio.io", "DestinationRule") => T(&Of::<DestinationRule>::TYPED),
        ("networking.istio.io", "ServiceEntry") => T(&Of::<ServiceEntry>::TYPED),
        ("networking.istio.io", "WorkloadEntry") => T(&Of::<WorkloadEntry>::TYPED),
        ("networking.istio.io", "WorkloadGroup") => T(&Of::<WorkloadGroup>::TYPED),
        ("networking.istio.io", "Sidecar") => T(&Of::<Sidecar>::TYPED),
        ("networking.istio.io", "EnvoyFilter") => T(&Of::<EnvoyFilter>::TYPED),
        ("security.istio.io", "PeerAuthentication") => T(&Of::<PeerAuthentication>::TYPED),
        ("security.istio.io", "AuthorizationPolicy") => T(&Of::<AuthorizationPolicy>::TYPED),
        ("security.istio.io", "RequestAuthentication") => T(&Of::<RequestAuthentication>::TYPED),
        ("telemetry.istio.io", "Telemetry") => T(&Of::<Telemetry>::TYPED),
        ("argoproj.io", "Rollout") => T(&Of::<Rollout>::TYPED),
        ("cert-manager.io", "Certificate") | ("external-secrets.io", "ExternalSecret") => Raw(true),
        // The Gateway API's routes and references, read as their JSON
        // (schema-checked) by the Gateway API analyzers.
        (
            "gateway.networking.k8s.io",
            "HTTPRoute" | "GRPCRoute" | "TCPRoute" | "TLSRoute" | "UDPRoute" | "ReferenceGrant"
            | "BackendTLSPolicy",
        ) => Raw(true),
        ("extensions.istio.io", "WasmPlugin") => Raw(true),
        // Controllers acting on workloads from outside them, read as their
        // JSON by the autoscaler and disruption-budget checks.
        ("autoscaling", "HorizontalPodAutoscaler")
        | ("policy", "PodDisruptionBudget")
        | ("keda.sh", "ScaledObject") => Raw(true),
        ("gateway.networking.k8s.io", "GatewayClass") => Raw(false),
        // The cluster's own configuration, read by the control-plane
        // checks: the injector's ConfigMap, webhooks, CRDs, Nodes.
        ("", "ConfigMap") => Raw(true),
        ("", "Node")
        | (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        )
        | ("apiextensions.k8s.io", "CustomResourceDefinition") => Raw(false),
        ("install.istio.io", "IstioOperator") => Operator,
        _ => Filing::Unread,
    }
}
