//! The typed view of an included object: its k8s-openapi type for the
//! built-in kinds, meshsynth's model for the mesh kinds the analyzers read,
//! a raw object for everything else (CRD kinds are still checked against
//! their CRD at synth).

use serde_json::Value as Json;

use crate::core::object::deserialize_tracked_ref;
use crate::core::{K8sObject, RawObject};

/// What reading one object gave.
pub(super) struct Typed {
    pub object: Box<dyn K8sObject>,
    /// Fields the type does not know (`spec.volumes[0].scaleIO.protectionDoamin`).
    pub unknown: Vec<String>,
    /// True when the kind has a type here.
    pub typed: bool,
}

fn read<T>(json: &Json) -> Result<Typed, String>
where
    T: K8sObject + serde::de::DeserializeOwned,
{
    let (t, unknown) = deserialize_tracked_ref::<T>(json)?;
    Ok(Typed {
        object: Box::new(t),
        unknown,
        typed: true,
    })
}

/// A narrower model: the analyzers read it, and fields it leaves out are
/// not unknown to the API server (the CRD schema check judges those, at
/// synth). What the model cannot read stays raw, still checked by its CRD.
fn read_model<T>(json: &Json) -> Result<Typed, String>
where
    T: K8sObject + serde::de::DeserializeOwned,
{
    match read::<T>(json) {
        Ok(mut t) => {
            t.unknown.clear();
            Ok(t)
        }
        Err(_) => raw(json),
    }
}

/// The typed view of `json` (an object with apiVersion, kind and metadata).
pub(super) fn typed(api_version: &str, kind: &str, json: &Json) -> Result<Typed, String> {
    use crate::mesh::istio::networking as net;
    use crate::mesh::istio::security as sec;
    use k8s_openapi::api as k;
    match (api_version, kind) {
        ("v1", "Namespace") => read::<k::core::v1::Namespace>(json),
        ("v1", "Service") => read::<k::core::v1::Service>(json),
        ("v1", "Pod") => read::<k::core::v1::Pod>(json),
        ("v1", "Secret") => read::<k::core::v1::Secret>(json),
        ("v1", "ConfigMap") => read::<k::core::v1::ConfigMap>(json),
        ("v1", "ServiceAccount") => read::<k::core::v1::ServiceAccount>(json),
        ("v1", "PersistentVolumeClaim") => read::<k::core::v1::PersistentVolumeClaim>(json),
        ("v1", "PersistentVolume") => read::<k::core::v1::PersistentVolume>(json),
        ("v1", "ReplicationController") => read::<k::core::v1::ReplicationController>(json),
        ("v1", "Endpoints") => read::<k::core::v1::Endpoints>(json),
        ("v1", "LimitRange") => read::<k::core::v1::LimitRange>(json),
        ("v1", "ResourceQuota") => read::<k::core::v1::ResourceQuota>(json),
        ("apps/v1", "Deployment") => read::<k::apps::v1::Deployment>(json),
        ("apps/v1", "StatefulSet") => read::<k::apps::v1::StatefulSet>(json),
        ("apps/v1", "DaemonSet") => read::<k::apps::v1::DaemonSet>(json),
        ("apps/v1", "ReplicaSet") => read::<k::apps::v1::ReplicaSet>(json),
        ("batch/v1", "Job") => read::<k::batch::v1::Job>(json),
        ("batch/v1", "CronJob") => read::<k::batch::v1::CronJob>(json),
        ("networking.k8s.io/v1", "Ingress") => read::<k::networking::v1::Ingress>(json),
        ("networking.k8s.io/v1", "NetworkPolicy") => read::<k::networking::v1::NetworkPolicy>(json),
        ("networking.k8s.io/v1", "IngressClass") => read::<k::networking::v1::IngressClass>(json),
        ("policy/v1", "PodDisruptionBudget") => read::<k::policy::v1::PodDisruptionBudget>(json),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            read::<k::autoscaling::v2::HorizontalPodAutoscaler>(json)
        }
        ("autoscaling/v1", "HorizontalPodAutoscaler") => {
            read::<k::autoscaling::v1::HorizontalPodAutoscaler>(json)
        }
        ("rbac.authorization.k8s.io/v1", "Role") => read::<k::rbac::v1::Role>(json),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => read::<k::rbac::v1::RoleBinding>(json),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => read::<k::rbac::v1::ClusterRole>(json),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            read::<k::rbac::v1::ClusterRoleBinding>(json)
        }
        ("storage.k8s.io/v1", "StorageClass") => read::<k::storage::v1::StorageClass>(json),
        (
            "networking.istio.io/v1"
            | "networking.istio.io/v1beta1"
            | "networking.istio.io/v1alpha3",
            k,
        ) => match k {
            "Gateway" => read_model::<net::Gateway>(json),
            "VirtualService" => read_model::<net::VirtualService>(json),
            "DestinationRule" => read_model::<net::DestinationRule>(json),
            "ServiceEntry" => read_model::<net::ServiceEntry>(json),
            "Sidecar" => read_model::<net::Sidecar>(json),
            "WorkloadEntry" => read_model::<net::WorkloadEntry>(json),
            "WorkloadGroup" => read_model::<net::WorkloadGroup>(json),
            _ => raw(json),
        },
        ("security.istio.io/v1" | "security.istio.io/v1beta1", k) => match k {
            "AuthorizationPolicy" => read_model::<sec::AuthorizationPolicy>(json),
            "PeerAuthentication" => read_model::<sec::PeerAuthentication>(json),
            "RequestAuthentication" => read_model::<sec::RequestAuthentication>(json),
            _ => raw(json),
        },
        ("gateway.networking.k8s.io/v1", "Gateway") => {
            read_model::<crate::mesh::gateway_api::Gateway>(json)
        }
        _ => raw(json),
    }
}

/// The object as it is, for a kind with no type here (the Gateway API's
/// routes, KEDA, cert-manager, a CRD of your own): still checked against
/// its CRD at synth when the CRD is one of the pinned set.
fn raw(json: &Json) -> Result<Typed, String> {
    let kind = json.get("kind").and_then(Json::as_str).unwrap_or_default();
    let namespaced = !CLUSTER_SCOPED.contains(&kind);
    let object =
        RawObject::from_json(json.clone(), namespaced).map_err(|e| format!("metadata: {e}"))?;
    Ok(Typed {
        object: Box::new(object),
        unknown: Vec::new(),
        typed: false,
    })
}

/// Kinds without a type here that live outside namespaces.
const CLUSTER_SCOPED: &[&str] = &[
    "CustomResourceDefinition",
    "GatewayClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
    "RuntimeClass",
    "ClusterIssuer",
    "ClusterSecretStore",
    "Node",
];
