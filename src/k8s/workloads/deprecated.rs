//! Names of 0.1.0 kept for one release (removed in 0.3.0; see CHANGELOG.md
//! and docs/api-policy.md). Each forwards to the construct that replaced it,
//! so a platform written for 0.1.0 synthesizes the same objects.

#![allow(deprecated)]

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

use super::{
    AppConfigMap, AppConfigMapProps, AppDeploymentProps, AppNetworkPolicy, AppNetworkPolicyProps,
    AppPodDisruptionBudget, AppPodDisruptionBudgetProps, AppServiceAccount, AppServiceAccountProps,
    AppServiceProps, CidrNetworkPolicy, CidrNetworkPolicyProps, Disruption,
};
use crate::core::{Error, ObjectRef, Scope};

/// The props of [`AppDeployment`](super::AppDeployment) under their 0.1.0 name.
#[deprecated(since = "0.2.0", note = "renamed to AppDeploymentProps (same fields)")]
pub type DeploymentProps = AppDeploymentProps;

/// The props of [`AppService`](super::AppService) under their 0.1.0 name.
#[deprecated(since = "0.2.0", note = "renamed to AppServiceProps (same fields)")]
pub type ServiceProps = AppServiceProps;

/// The props of [`AppNetworkPolicy`] under their 0.1.0 name.
#[deprecated(
    since = "0.2.0",
    note = "renamed to AppNetworkPolicyProps (same fields)"
)]
pub type NetworkPolicyProps = AppNetworkPolicyProps;

/// Adds a ServiceAccount that does not mount its token.
#[deprecated(
    since = "0.2.0",
    note = "use AppServiceAccount::new(scope, id, AppServiceAccountProps { name, namespace, annotations })"
)]
pub fn service_account(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    namespace: Option<&str>,
    annotations: BTreeMap<String, String>,
) -> Result<ObjectRef<ServiceAccount>, Error> {
    let props = AppServiceAccountProps {
        name: name.into(),
        namespace: namespace.map(str::to_string),
        annotations,
    };
    AppServiceAccount::new(scope, id, props)
}

/// Adds a ConfigMap.
#[deprecated(
    since = "0.2.0",
    note = "use AppConfigMap::new(scope, id, AppConfigMapProps { name, data })"
)]
pub fn config_map(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    data: BTreeMap<String, String>,
) -> Result<ObjectRef<ConfigMap>, Error> {
    let props = AppConfigMapProps {
        name: name.into(),
        data,
    };
    AppConfigMap::new(scope, id, props)
}

/// Adds a PodDisruptionBudget.
#[deprecated(
    since = "0.2.0",
    note = "use AppPodDisruptionBudget::new(scope, id, AppPodDisruptionBudgetProps { name, selector, budget })"
)]
pub fn pod_disruption_budget(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    selector: &BTreeMap<String, String>,
    budget: Disruption,
) -> Result<ObjectRef<PodDisruptionBudget>, Error> {
    let props = AppPodDisruptionBudgetProps {
        name: name.into(),
        selector: selector.clone(),
        budget,
    };
    AppPodDisruptionBudget::new(scope, id, props)
}

/// Adds a NetworkPolicy admitting the listed peers.
#[deprecated(since = "0.2.0", note = "use AppNetworkPolicy::new(scope, id, props)")]
pub fn network_policy(
    scope: &mut Scope<'_>,
    id: &str,
    props: NetworkPolicyProps,
) -> Result<ObjectRef<NetworkPolicy>, Error> {
    AppNetworkPolicy::new(scope, id, props)
}

/// Adds a NetworkPolicy admitting the listed address ranges.
#[deprecated(
    since = "0.2.0",
    note = "use CidrNetworkPolicy::new(scope, id, CidrNetworkPolicyProps { name, pod_selector, cidrs, ports })"
)]
pub fn network_policy_from_cidrs(
    scope: &mut Scope<'_>,
    id: &str,
    name: &str,
    pod_selector: &BTreeMap<String, String>,
    cidrs: &[String],
    ports: &[u16],
) -> Result<ObjectRef<NetworkPolicy>, Error> {
    let props = CidrNetworkPolicyProps {
        name: name.into(),
        pod_selector: pod_selector.clone(),
        cidrs: cidrs.to_vec(),
        ports: ports.to_vec(),
    };
    CidrNetworkPolicy::new(scope, id, props)
}
