//! Services whose port names follow Istio's protocol naming
//! (`<protocol>[-<suffix>]`), so the mesh never guesses a protocol (IST0118).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::Error;

use super::check_port;

/// The application protocol of a port, as Istio reads it from the port name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppProtocol {
    /// `http`.
    #[default]
    Http,
    /// `http2`.
    Http2,
    /// `https`.
    Https,
    /// `grpc`.
    Grpc,
    /// `grpc-web`.
    GrpcWeb,
    /// `tcp`.
    Tcp,
    /// `tls`.
    Tls,
    /// `mongo`.
    Mongo,
    /// `mysql`.
    Mysql,
    /// `redis`.
    Redis,
}

impl AppProtocol {
    /// The port-name prefix Istio recognizes.
    pub fn prefix(self) -> &'static str {
        match self {
            AppProtocol::Http => "http",
            AppProtocol::Http2 => "http2",
            AppProtocol::Https => "https",
            AppProtocol::Grpc => "grpc",
            AppProtocol::GrpcWeb => "grpc-web",
            AppProtocol::Tcp => "tcp",
            AppProtocol::Tls => "tls",
            AppProtocol::Mongo => "mongo",
            AppProtocol::Mysql => "mysql",
            AppProtocol::Redis => "redis",
        }
    }

    /// Every recognized prefix, for the port-name analyzer.
    pub const PREFIXES: &'static [&'static str] = &[
        "http", "http2", "https", "grpc", "grpc-web", "tcp", "tls", "mongo", "mysql", "redis",
        "udp",
    ];
}

/// Service type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceType {
    /// Reachable inside the cluster only.
    #[default]
    ClusterIp,
    /// Behind a cloud load balancer.
    LoadBalancer,
    /// On a port of every node.
    NodePort,
}

/// One Service port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServicePortProps {
    /// The application protocol; it prefixes the port name (`http-…`, `grpc-…`) as Istio's
    /// protocol selection expects. Default: HTTP.
    pub protocol: AppProtocol,
    /// The Service port. Required (no default).
    pub port: u16,
    /// Default: `port`.
    pub target_port: Option<u16>,
    /// Name suffix after the protocol (`http-admin`). Default: none.
    pub suffix: Option<String>,
}

impl ServicePortProps {
    /// An HTTP port forwarding to `target`.
    pub fn http(port: u16, target: u16) -> Self {
        ServicePortProps {
            protocol: AppProtocol::Http,
            port,
            target_port: Some(target),
            suffix: None,
        }
    }

    /// The Istio-conventional port name.
    pub fn name(&self) -> String {
        match &self.suffix {
            Some(s) => format!("{}-{s}", self.protocol.prefix()),
            None => self.protocol.prefix().to_string(),
        }
    }
}

/// Props of an `AppService`.
#[derive(Debug, Clone, Default)]
pub struct AppServiceProps {
    /// `metadata.name`; a DNS-1123 label starting with a letter. Required (no default).
    pub name: String,
    /// Pods the Service selects. Required: at least one label.
    pub selector: BTreeMap<String, String>,
    /// The ports; at least one. Required (no default).
    pub ports: Vec<ServicePortProps>,
    /// Default: ClusterIP.
    pub service_type: ServiceType,
    /// Labels of the Service object. Default: none.
    pub labels: BTreeMap<String, String>,
    /// Annotations of the Service object (e.g. load-balancer settings). Default: none.
    pub annotations: BTreeMap<String, String>,
}

impl AppServiceProps {
    /// The Service object.
    pub fn build(&self, path: &str) -> Result<Service, Error> {
        if !self.name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(Error::construct(
                path,
                format!(
                    "service name {:?} must start with a letter (DNS-1035)",
                    self.name
                ),
                "use a name such as \"order-service\"",
            ));
        }
        if self.ports.is_empty() {
            return Err(Error::construct(
                path,
                "a Service needs at least one port",
                "add a ServicePortProps",
            ));
        }
        let mut ports = Vec::with_capacity(self.ports.len());
        let mut names = std::collections::BTreeSet::new();
        let mut numbers = std::collections::BTreeSet::new();
        for p in &self.ports {
            if !names.insert(p.name()) || !numbers.insert(p.port) {
                return Err(Error::construct(
                    path,
                    format!(
                        "service {}: port {} / name {:?} is used twice",
                        self.name,
                        p.port,
                        p.name()
                    ),
                    "give each port its own number and a distinct suffix (e.g. http-admin)",
                ));
            }
            let port = check_port(path, "service port", p.port)?;
            let target = check_port(path, "service target port", p.target_port.unwrap_or(p.port))?;
            ports.push(ServicePort {
                name: Some(p.name()),
                port,
                target_port: Some(IntOrString::Int(target)),
                protocol: Some("TCP".into()),
                ..Default::default()
            });
        }
        Ok(Service {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                labels: (!self.labels.is_empty()).then(|| self.labels.clone()),
                annotations: (!self.annotations.is_empty()).then(|| self.annotations.clone()),
                ..Default::default()
            },
            spec: Some(ServiceSpec {
                type_: Some(
                    match self.service_type {
                        ServiceType::ClusterIp => "ClusterIP",
                        ServiceType::LoadBalancer => "LoadBalancer",
                        ServiceType::NodePort => "NodePort",
                    }
                    .into(),
                ),
                selector: Some(self.selector.clone()),
                ports: Some(ports),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_port_names_are_refused() {
        let props = AppServiceProps {
            name: "web".into(),
            ports: vec![
                ServicePortProps::http(80, 8080),
                ServicePortProps::http(81, 8081),
            ],
            ..Default::default()
        };
        let e = props.build("C/Web").unwrap_err().to_string();
        assert!(e.starts_with("C/Web") && e.contains("used twice"), "{e}");
    }
}
