//! Built-in API versions Kubernetes no longer serves. YAML written for an
//! older cluster (`extensions/v1beta1` Deployments, `policy/v1beta1`
//! budgets) parses, schema-checks against nothing, and is refused by
//! `kubectl apply` with "no matches for kind": every cluster EKS runs is
//! past these removals, so the version is the mistake to name. From
//! Kubernetes' deprecated API migration guide, removals up to 1.33.

/// A kind's API version that clusters stopped serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Removed {
    /// The Kubernetes minor version that stopped serving it, e.g. `"1.16"`.
    pub in_version: &'static str,
    /// What to write instead: the served version, or what replaced the kind.
    pub instead: &'static str,
}

const APPS_V1: &str = "use apiVersion apps/v1 (its spec.selector is required)";
const RBAC_V1: &str = "use apiVersion rbac.authorization.k8s.io/v1";
const STORAGE_V1: &str = "use apiVersion storage.k8s.io/v1";
const FLOWCONTROL_V1: &str = "use apiVersion flowcontrol.apiserver.k8s.io/v1";
const HPA_V2: &str =
    "use apiVersion autoscaling/v2 (metrics[].resource.target replaces targetAverageUtilization)";
const INGRESS_V1: &str = "use apiVersion networking.k8s.io/v1 (backend.service.name and backend.service.port, and a pathType on each path)";
const NO_PSP: &str =
    "PodSecurityPolicy is gone since 1.25: label the namespace for Pod Security Admission (pod-security.kubernetes.io/enforce)";

/// The removal of `kind` at `api_version`, if Kubernetes no longer serves it.
pub(crate) fn removed(api_version: &str, kind: &str) -> Option<Removed> {
    let r = |in_version, instead| {
        Some(Removed {
            in_version,
            instead,
        })
    };
    match (api_version, kind) {
        ("extensions/v1beta1" | "apps/v1beta1" | "apps/v1beta2", "Deployment" | "DaemonSet" | "ReplicaSet") => {
            r("1.16", APPS_V1)
        }
        ("apps/v1beta1" | "apps/v1beta2", "StatefulSet" | "ControllerRevision") => r("1.16", APPS_V1),
        ("extensions/v1beta1", "NetworkPolicy") => {
            r("1.16", "use apiVersion networking.k8s.io/v1")
        }
        ("extensions/v1beta1", "PodSecurityPolicy") => r("1.16", NO_PSP),
        ("extensions/v1beta1" | "networking.k8s.io/v1beta1", "Ingress") => r("1.22", INGRESS_V1),
        ("networking.k8s.io/v1beta1", "IngressClass") => {
            r("1.22", "use apiVersion networking.k8s.io/v1")
        }
        (
            "admissionregistration.k8s.io/v1beta1",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => r(
            "1.22",
            "use apiVersion admissionregistration.k8s.io/v1 (sideEffects and admissionReviewVersions are required)",
        ),
        ("admissionregistration.k8s.io/v1alpha1", "InitializerConfiguration") => {
            r("1.14", "initializers are gone: use a mutating admission webhook")
        }
        ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition") => r(
            "1.22",
            "use apiVersion apiextensions.k8s.io/v1 (a structural schema per version)",
        ),
        ("apiregistration.k8s.io/v1beta1", "APIService") => {
            r("1.22", "use apiVersion apiregistration.k8s.io/v1")
        }
        ("authentication.k8s.io/v1beta1", "TokenReview") => {
            r("1.22", "use apiVersion authentication.k8s.io/v1")
        }
        (
            "authorization.k8s.io/v1beta1",
            "SubjectAccessReview" | "LocalSubjectAccessReview" | "SelfSubjectAccessReview"
            | "SelfSubjectRulesReview",
        ) => r("1.22", "use apiVersion authorization.k8s.io/v1"),
        ("certificates.k8s.io/v1beta1", "CertificateSigningRequest") => {
            r("1.22", "use apiVersion certificates.k8s.io/v1 (signerName is required)")
        }
        ("coordination.k8s.io/v1beta1", "Lease") => {
            r("1.22", "use apiVersion coordination.k8s.io/v1")
        }
        (
            "rbac.authorization.k8s.io/v1beta1",
            "ClusterRole" | "ClusterRoleBinding" | "Role" | "RoleBinding",
        ) => r("1.22", RBAC_V1),
        ("scheduling.k8s.io/v1beta1", "PriorityClass") => {
            r("1.22", "use apiVersion scheduling.k8s.io/v1")
        }
        (
            "storage.k8s.io/v1beta1",
            "CSIDriver" | "CSINode" | "StorageClass" | "VolumeAttachment",
        ) => r("1.22", STORAGE_V1),
        ("batch/v1beta1", "CronJob") => r("1.25", "use apiVersion batch/v1"),
        ("discovery.k8s.io/v1beta1", "EndpointSlice") => {
            r("1.25", "use apiVersion discovery.k8s.io/v1")
        }
        ("events.k8s.io/v1beta1", "Event") => r("1.25", "use apiVersion events.k8s.io/v1"),
        ("autoscaling/v2beta1", "HorizontalPodAutoscaler") => r("1.25", HPA_V2),
        ("policy/v1beta1", "PodDisruptionBudget") => r(
            "1.25",
            "use apiVersion policy/v1 (an empty selector there selects every pod of the namespace)",
        ),
        ("policy/v1beta1", "PodSecurityPolicy") => r("1.25", NO_PSP),
        ("node.k8s.io/v1beta1", "RuntimeClass") => r("1.25", "use apiVersion node.k8s.io/v1"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler") => r("1.26", HPA_V2),
        (
            "flowcontrol.apiserver.k8s.io/v1beta1",
            "FlowSchema" | "PriorityLevelConfiguration",
        ) => r("1.26", FLOWCONTROL_V1),
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity") => r("1.27", STORAGE_V1),
        (
            "flowcontrol.apiserver.k8s.io/v1beta2",
            "FlowSchema" | "PriorityLevelConfiguration",
        ) => r("1.29", FLOWCONTROL_V1),
        (
            "flowcontrol.apiserver.k8s.io/v1beta3",
            "FlowSchema" | "PriorityLevelConfiguration",
        ) => r("1.32", FLOWCONTROL_V1),
        _ => None,
    }
}

/// The one-line message for a removed version: what it is and since when.
pub(crate) fn message(api_version: &str, kind: &str, r: Removed) -> String {
    format!(
        "apiVersion {api_version} of {kind} was removed in Kubernetes {}; no cluster since serves it, and kubectl apply fails with \"no matches for kind\"",
        r.in_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_versions_pass_and_removed_ones_name_their_replacement() {
        assert_eq!(removed("apps/v1", "Deployment"), None);
        assert_eq!(removed("policy/v1", "PodDisruptionBudget"), None);
        assert_eq!(
            removed("networking.istio.io/v1beta1", "VirtualService"),
            None
        );
        // The kind matters: extensions/v1beta1 never served a StatefulSet.
        assert_eq!(removed("extensions/v1beta1", "StatefulSet"), None);
        let d = removed("extensions/v1beta1", "Deployment").unwrap();
        assert_eq!(d.in_version, "1.16");
        assert!(d.instead.contains("apps/v1"));
        assert_eq!(
            removed("autoscaling/v2beta2", "HorizontalPodAutoscaler")
                .unwrap()
                .in_version,
            "1.26"
        );
        assert!(removed("policy/v1beta1", "PodSecurityPolicy")
            .unwrap()
            .instead
            .contains("Pod Security Admission"));
        assert!(message(
            "batch/v1beta1",
            "CronJob",
            removed("batch/v1beta1", "CronJob").unwrap()
        )
        .starts_with("apiVersion batch/v1beta1 of CronJob was removed in Kubernetes 1.25"));
    }
}
