//! What the mesh adds to the generated CRD kinds (`meshsynth-crds`): the
//! `Kind::named(name, spec).in_namespace(ns).add(scope, id)` shape every
//! kind shares, so an Istio object is written the same way whichever
//! version module its type comes from.

use crate::core::{Error, K8sObject, ObjectRef, Scope};

/// A generated custom resource the mesh constructs and users build by
/// name and spec. Import it (it is in `meshsynth::mesh::istio::*`) to call
/// `named`, `in_namespace` and `add` on a kind.
pub trait CustomObject: K8sObject + Default + Sized {
    /// The kind's spec type.
    type Spec;

    /// Sets the spec (the CRD makes it optional for most kinds; set here,
    /// it is always emitted).
    fn set_spec(&mut self, spec: Self::Spec);

    /// An object with this `metadata.name` and spec.
    fn named(name: impl Into<String>, spec: Self::Spec) -> Self {
        let mut o = Self::default();
        K8sObject::metadata_mut(&mut o).name = Some(name.into());
        o.set_spec(spec);
        o
    }

    /// Sets `metadata.namespace` (default: the chart's namespace).
    fn in_namespace(mut self, namespace: impl Into<String>) -> Self {
        K8sObject::metadata_mut(&mut self).namespace = Some(namespace.into());
        self
    }

    /// Adds it to the tree under `scope` with the mesh analyzers registered.
    fn add(self, scope: &mut Scope<'_>, id: &str) -> Result<ObjectRef<Self>, Error> {
        crate::mesh::add_object(scope, id, self)
    }
}

/// Implements [`CustomObject`] for generated kinds whose `spec` is
/// optional (`opt`) or required (`req`) in their CRD.
macro_rules! custom_object {
    ($($ty:ty : $spec:ty, $how:ident;)+) => {
        $(impl $crate::mesh::crd::CustomObject for $ty {
            type Spec = $spec;
            fn set_spec(&mut self, spec: $spec) {
                custom_object!(@set self, spec, $how);
            }
        })+
    };
    (@set $s:ident, $spec:ident, opt) => { $s.spec = Some($spec) };
    (@set $s:ident, $spec:ident, req) => { $s.spec = $spec };
}

pub(crate) use custom_object;

/// A kind's spec, or the empty spec when the object has none (the CRDs of
/// Istio make `spec` optional; the analyzers read an absent one as empty,
/// as Istio does).
pub trait SpecOf {
    /// The kind's spec type.
    type Spec;
    /// The spec, or an empty one.
    fn spec(&self) -> &Self::Spec;
}

macro_rules! spec_of {
    ($($ty:ty : $spec:ty),+ $(,)?) => {
        $(impl SpecOf for $ty {
            type Spec = $spec;
            fn spec(&self) -> &$spec {
                static EMPTY: std::sync::OnceLock<$spec> = std::sync::OnceLock::new();
                self.spec.as_ref().unwrap_or_else(|| EMPTY.get_or_init(Default::default))
            }
        })+
    };
}

use crate::mesh::istio::{
    AuthorizationPolicy, AuthorizationPolicySpec, DestinationRule, DestinationRuleSpec, Gateway,
    GatewaySpec, PeerAuthentication, PeerAuthenticationSpec, RequestAuthentication,
    RequestAuthenticationSpec, Sidecar, SidecarSpec, Telemetry, TelemetrySpec, VirtualService,
    VirtualServiceSpec,
};

spec_of!(
    AuthorizationPolicy: AuthorizationPolicySpec,
    DestinationRule: DestinationRuleSpec,
    crate::mesh::istio::networking::EnvoyFilter: crate::mesh::istio::networking::EnvoyFilterSpec,
    Gateway: GatewaySpec,
    PeerAuthentication: PeerAuthenticationSpec,
    RequestAuthentication: RequestAuthenticationSpec,
    Sidecar: SidecarSpec,
    Telemetry: TelemetrySpec,
    VirtualService: VirtualServiceSpec,
);
