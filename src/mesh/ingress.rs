//! 0.1.0's `mesh::ingress`: aliases of `addons::ingress`.

#![allow(deprecated)]

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;

use crate::addons::ingress as now;
use crate::core::{Error, ObjectRef, Scope};
use crate::k8s::workloads::AppServiceProps;

/// [`now::AlbIngress`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::ingress::AlbIngress"
)]
pub type AlbIngress = now::AlbIngress;

/// [`now::AlbIngressProps`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::ingress::AlbIngressProps"
)]
pub type AlbIngressProps = now::AlbIngressProps;

/// [`now::AlbPath`] at its 0.1.0 path.
#[deprecated(since = "0.2.0", note = "moved to meshsynth::addons::ingress::AlbPath")]
pub type AlbPath = now::AlbPath;

/// [`now::nlb_annotations`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::ingress::nlb_annotations"
)]
pub fn nlb_annotations() -> BTreeMap<String, String> {
    now::nlb_annotations()
}

/// [`now::nlb_service`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::ingress::nlb_service"
)]
pub fn nlb_service(
    scope: &mut Scope<'_>,
    id: &str,
    props: AppServiceProps,
) -> Result<ObjectRef<Service>, Error> {
    now::nlb_service(scope, id, props)
}
