//! The platform-wide Istio objects every mesh ends up writing by hand
//! otherwise: the ingress `Gateway` the services' routes bind to, and
//! mesh-wide mutual TLS.
//!
//! ```rust,ignore
//! use meshsynth::mesh::istio::{EdgeGateway, EdgeGatewayProps, MeshMtls, MeshMtlsProps};
//! let gw = EdgeGateway::new(&mut c, "Public", EdgeGatewayProps {
//!     hosts: vec!["shop.example.com".into()],
//!     tls_credential: Some("shop-tls".into()),
//!     ..Default::default()
//! })?;
//! MeshMtls::new(&mut c, "Mtls", MeshMtlsProps::default())?; // STRICT everywhere
//! // MeshServiceProps { routes: vec![IngressRoute { gateway: gw.reference(), … }], … }
//! ```

use std::collections::BTreeMap;

use crate::core::{Error, Scope};
use crate::mesh::crd::CustomObject;
use crate::mesh::istio::install::ISTIO_SYSTEM;
use crate::mesh::istio::networking::{Gateway, GatewaySpec, GatewaySpecExt};
use crate::mesh::istio::security::{
    MtlsMode, PeerAuthentication, PeerAuthenticationSpec, PeerAuthenticationSpecExt,
};

/// Props of an [`EdgeGateway`].
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeGatewayProps {
    /// `metadata.name`. Default: `"public"`.
    pub name: String,
    /// Namespace of the Gateway object. Default: `None` (the chart's).
    pub namespace: Option<String>,
    /// Hosts served (`shop.example.com`, `*.example.com`). Required: an
    /// empty list is a construct error.
    pub hosts: Vec<String>,
    /// The TLS Secret (in the gateway workload's namespace) for HTTPS on
    /// 443. Default: `None` (HTTP on 80 only).
    pub tls_credential: Option<String>,
    /// With a credential, redirect HTTP to HTTPS. Default: true.
    pub https_redirect: bool,
    /// Labels of the gateway pods. Default: `istio: ingressgateway` (the
    /// gateway `IstioInstall` deploys).
    pub selector: BTreeMap<String, String>,
}

impl Default for EdgeGatewayProps {
    fn default() -> Self {
        EdgeGatewayProps {
            name: "public".into(),
            namespace: None,
            hosts: Vec::new(),
            tls_credential: None,
            https_redirect: true,
            selector: BTreeMap::from([("istio".into(), "ingressgateway".into())]),
        }
    }
}

/// The ingress `Gateway` (`networking.istio.io/v1`): HTTP on 80 and, with
/// a credential, HTTPS on 443 for its hosts, on the ingress gateway pods.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeGateway {
    /// The Gateway's name.
    pub name: String,
    /// Its namespace (`None`: the chart's).
    pub namespace: Option<String>,
}

impl EdgeGateway {
    /// Adds the Gateway under `scope`.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: EdgeGatewayProps) -> Result<Self, Error> {
        if props.hosts.is_empty() {
            return Err(Error::construct(
                format!("{}/{id}", scope.path()),
                "an edge Gateway needs at least one host",
                "set hosts, e.g. vec![\"shop.example.com\".into()]",
            ));
        }
        let hosts: Vec<&str> = props.hosts.iter().map(String::as_str).collect();
        let mut spec = GatewaySpec::ingress(
            &hosts,
            props.tls_credential.as_deref(),
            props.https_redirect,
        );
        spec.selector = Some(props.selector.clone());
        let mut gw = Gateway::named(props.name.clone(), spec);
        if let Some(ns) = &props.namespace {
            gw = gw.in_namespace(ns.clone());
        }
        gw.add(scope, id)?;
        Ok(EdgeGateway {
            name: props.name,
            namespace: props.namespace,
        })
    }

    /// How a VirtualService (or `Route`) names it: `namespace/name`, or
    /// `name` when it is in the chart's namespace.
    pub fn reference(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Props of [`MeshMtls`].
#[derive(Debug, Clone, PartialEq)]
pub struct MeshMtlsProps {
    /// The mesh-wide mode. Default: `STRICT` (plaintext refused between
    /// workloads of the mesh).
    pub mode: MtlsMode,
}

impl Default for MeshMtlsProps {
    fn default() -> Self {
        MeshMtlsProps {
            mode: MtlsMode::Strict,
        }
    }
}

/// Mesh-wide mutual TLS: the PeerAuthentication `default` in
/// `istio-system` (Istio's root namespace), which every workload follows
/// unless a namespace or workload policy says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshMtls;

impl MeshMtls {
    /// Adds the mesh-wide PeerAuthentication under `scope`.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: MeshMtlsProps) -> Result<Self, Error> {
        PeerAuthentication::named("default", PeerAuthenticationSpec::mode(props.mode))
            .in_namespace(ISTIO_SYSTEM)
            .add(scope, id)?;
        Ok(MeshMtls)
    }
}
