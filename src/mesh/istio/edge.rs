//! The platform-wide Istio objects every mesh ends up writing by hand
//! otherwise: the ingress `Gateway` the services' routes bind to, and
//! mesh-wide mutual TLS.
//!
//! With `routing: Some(RoutingApi::GatewayApi)` (or the platform's
//! `mesh:routing-api` context) the edge is a Gateway API `Gateway` of class
//! `istio` instead: Istio deploys its pods itself, so put it in a namespace
//! of its own (`namespace: Some("istio-ingress".into())`) where no service
//! routes live, as the HTTPS redirect route is the only one admitted on the
//! HTTP listeners.
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

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::core::{Error, Scope};
use crate::mesh::crd::CustomObject;
use crate::mesh::gateway_api::{
    self, HTTPRoute, HTTPRouteSpec, HTTPRouteSpecParentRefs, HTTPRouteSpecRules,
    HTTPRouteSpecRulesBackendRefsFiltersRequestRedirect,
    HTTPRouteSpecRulesBackendRefsFiltersRequestRedirectScheme, HTTPRouteSpecRulesFilters,
    HTTPRouteSpecRulesFiltersType, RoutingApi,
};
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
    /// Where the TLS Secret comes from when the app does not create it (a
    /// certificate pipeline, an External Secret, `kubectl create secret`):
    /// written as the Gateway's `meshsynth.io/tls-credential-sources`
    /// annotation, so the analyzers know the Secret has a source. Default:
    /// `None` (the app must create the Secret, or a Certificate or
    /// ExternalSecret that does; else `IST0101` at synth).
    pub tls_credential_source: Option<String>,
    /// With a credential, redirect HTTP to HTTPS. Default: true.
    pub https_redirect: bool,
    /// Labels of the gateway pods. Default: `istio: ingressgateway` (the
    /// gateway `IstioInstall` deploys). Istio routing only: with the
    /// Gateway API, Istio deploys the Gateway's own pods.
    pub selector: BTreeMap<String, String>,
    /// The routing API. Default: `None` (the `mesh:routing-api` context,
    /// else Istio's `Gateway`). The services routed through it must use the
    /// same API.
    pub routing: Option<RoutingApi>,
}

impl Default for EdgeGatewayProps {
    fn default() -> Self {
        EdgeGatewayProps {
            name: "public".into(),
            namespace: None,
            hosts: Vec::new(),
            tls_credential: None,
            tls_credential_source: None,
            https_redirect: true,
            selector: BTreeMap::from([("istio".into(), "ingressgateway".into())]),
            routing: None,
        }
    }
}

/// The ingress `Gateway`: HTTP on 80 and, with a credential, HTTPS on 443
/// for its hosts. With Istio routing a `networking.istio.io/v1` Gateway on
/// the ingress gateway pods; with the Gateway API a
/// `gateway.networking.k8s.io/v1` Gateway of class `istio`, one listener
/// per host and port, and the redirect as an HTTPRoute `<name>-https-redirect`.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeGateway {
    /// The Gateway's name.
    pub name: String,
    /// Its namespace (`None`: the chart's).
    pub namespace: Option<String>,
    /// The API it was written with.
    pub routing: RoutingApi,
}

impl EdgeGateway {
    /// Adds the Gateway under `scope`.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: EdgeGatewayProps) -> Result<Self, Error> {
        if props.hosts.is_empty() {
            return Err(Error::construct(
                scope.child_path(id),
                "an edge Gateway needs at least one host",
                "set hosts, e.g. vec![\"shop.example.com\".into()]",
            ));
        }
        let routing = RoutingApi::resolve(scope, props.routing)?;
        if routing.is_gateway_api() {
            gateway_api_edge(scope, id, &props)?;
            return Ok(EdgeGateway {
                name: props.name,
                namespace: props.namespace,
                routing,
            });
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
        gw.metadata.annotations = credential_source(&props);
        gw.add(scope, id)?;
        Ok(EdgeGateway {
            name: props.name,
            namespace: props.namespace,
            routing,
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

/// The Gateway API form of the edge: listeners `http`/`https` (suffixed
/// `-<i>` per host when there are several), and with a credential and the
/// redirect, HTTP admitting only the redirect route of its own namespace.
fn gateway_api_edge(
    scope: &mut Scope<'_>,
    id: &str,
    props: &EdgeGatewayProps,
) -> Result<(), Error> {
    crate::core::names::validate_dns1123_label(&props.name).map_err(|e| {
        Error::construct(
            scope.child_path(id),
            format!("gateway name: {e}"),
            "use a name such as \"public\"",
        )
    })?;
    let redirect = props.tls_credential.is_some() && props.https_redirect;
    let (listeners, http_sections) = listeners(props, redirect);
    let gw = gateway_api::Gateway {
        metadata: edge_meta(props, props.name.clone()),
        spec: gateway_api::GatewaySpec {
            gateway_class_name: gateway_api::ISTIO_CLASS.into(),
            listeners,
            ..Default::default()
        },
        status: None,
    };
    crate::mesh::add_object(scope, id, gw)?;
    if redirect {
        let route = https_redirect(props, http_sections);
        crate::mesh::add_object(scope, &format!("{id}HttpsRedirect"), route)?;
    }
    Ok(())
}

fn edge_meta(props: &EdgeGatewayProps, name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: props.namespace.clone(),
        annotations: credential_source(props),
        ..Default::default()
    }
}

/// The annotation naming where the TLS Secret comes from, when given.
fn credential_source(props: &EdgeGatewayProps) -> Option<BTreeMap<String, String>> {
    let (secret, source) = (
        props.tls_credential.as_ref()?,
        props.tls_credential_source.as_ref()?,
    );
    Some(BTreeMap::from([(
        crate::mesh::analysis::CREDENTIAL_SOURCES_ANNOTATION.to_string(),
        format!("{secret}={source}"),
    )]))
}

/// The Gateway's listeners, and the names of its HTTP ones (the redirect
/// route attaches to them).
fn listeners(
    props: &EdgeGatewayProps,
    redirect: bool,
) -> (Vec<gateway_api::GatewaySpecListeners>, Vec<String>) {
    use gateway_api::{
        GatewaySpecListeners, GatewaySpecListenersAllowedRoutes as AllowedRoutes,
        GatewaySpecListenersAllowedRoutesNamespaces as Namespaces,
        GatewaySpecListenersAllowedRoutesNamespacesFrom as NamespacesFrom,
        GatewaySpecListenersTls as Tls,
        GatewaySpecListenersTlsCertificateRefs as TlsCertificateRefs,
        GatewaySpecListenersTlsMode as TlsMode,
    };
    let from = |f| {
        Some(AllowedRoutes {
            namespaces: Some(Namespaces {
                from: Some(f),
                selector: None,
            }),
            kinds: None,
        })
    };
    let several = props.hosts.len() > 1;
    let mut listeners = Vec::new();
    let mut http_sections = Vec::new();
    for (i, host) in props.hosts.iter().enumerate() {
        let section = |base: &str| {
            if several {
                format!("{base}-{i}")
            } else {
                base.to_string()
            }
        };
        let http = section("http");
        listeners.push(GatewaySpecListeners {
            name: http.clone(),
            hostname: Some(host.clone()),
            port: 80,
            protocol: "HTTP".into(),
            allowed_routes: from(if redirect {
                NamespacesFrom::Same
            } else {
                NamespacesFrom::All
            }),
            tls: None,
        });
        http_sections.push(http);
        if let Some(secret) = &props.tls_credential {
            listeners.push(GatewaySpecListeners {
                name: section("https"),
                hostname: Some(host.clone()),
                port: 443,
                protocol: "HTTPS".into(),
                allowed_routes: from(NamespacesFrom::All),
                tls: Some(Tls {
                    mode: Some(TlsMode::Terminate),
                    certificate_refs: Some(vec![TlsCertificateRefs {
                        kind: Some("Secret".into()),
                        name: secret.clone(),
                        group: None,
                        namespace: None,
                    }]),
                    options: None,
                }),
            });
        }
    }
    (listeners, http_sections)
}

/// The route that answers plain HTTP with a redirect to HTTPS.
fn https_redirect(props: &EdgeGatewayProps, http_sections: Vec<String>) -> HTTPRoute {
    HTTPRoute {
        metadata: ObjectMeta {
            annotations: None,
            ..edge_meta(props, format!("{}-https-redirect", props.name))
        },
        spec: HTTPRouteSpec {
            parent_refs: Some(
                http_sections
                    .into_iter()
                    .map(|section| HTTPRouteSpecParentRefs {
                        name: props.name.clone(),
                        section_name: Some(section),
                        ..Default::default()
                    })
                    .collect(),
            ),
            rules: Some(vec![HTTPRouteSpecRules {
                filters: Some(vec![HTTPRouteSpecRulesFilters {
                    request_redirect: Some(HTTPRouteSpecRulesBackendRefsFiltersRequestRedirect {
                        scheme: Some(
                            HTTPRouteSpecRulesBackendRefsFiltersRequestRedirectScheme::Https,
                        ),
                        status_code: Some(301),
                        ..Default::default()
                    }),
                    ..gateway_api::http_route_filter(HTTPRouteSpecRulesFiltersType::RequestRedirect)
                }]),
                ..Default::default()
            }]),
            ..Default::default()
        },
        status: None,
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
