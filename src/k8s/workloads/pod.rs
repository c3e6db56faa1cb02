//! Pod templates with secure defaults: non-root (never UID 1337, the Istio
//! proxy's), read-only root filesystem, no privilege escalation, all
//! capabilities dropped, seccomp RuntimeDefault, requests and limits,
//! liveness and readiness probes, and pinned image tags.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort as K8sContainerPort, EnvVar, ExecAction, HTTPGetAction,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile,
    SecurityContext, TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::core::names::validate_dns1123_label;
use crate::core::Error;

use super::check_port;
use crate::core::image::check_image_pinned;

/// The UID of Istio's sidecar proxy; an application running as it bypasses
/// the proxy's traffic capture (IST0144).
pub const ISTIO_PROXY_UID: i64 = 1337;

/// The code a container running as [`ISTIO_PROXY_UID`] is refused with:
/// istioctl's analyzer for the same mistake.
pub const PROXY_UID_CODE: &str = "IST0144";

/// The UID application containers run as unless told otherwise.
pub const DEFAULT_UID: i64 = 10001;

/// A named container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPort {
    /// Port name (≤ 15 chars), e.g. `http`.
    pub name: String,
    /// The port number.
    pub port: u16,
}

/// A probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeProps {
    /// HTTP GET on a path and port.
    Http {
        /// The path, e.g. `/healthz`.
        path: String,
        /// The port.
        port: u16,
    },
    /// TCP connect.
    Tcp {
        /// The port.
        port: u16,
    },
    /// A command in the container.
    Exec {
        /// The command and its arguments.
        command: Vec<String>,
    },
}

/// CPU and memory requests and limits (Kubernetes quantities).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    /// CPU request. Default: `100m`.
    pub cpu_request: String,
    /// Memory request. Default: `128Mi`.
    pub memory_request: String,
    /// CPU limit. Default: `500m`.
    pub cpu_limit: String,
    /// Memory limit. Default: `512Mi`.
    pub memory_limit: String,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            cpu_request: "100m".into(),
            memory_request: "128Mi".into(),
            cpu_limit: "500m".into(),
            memory_limit: "512Mi".into(),
        }
    }
}

/// One container.
#[derive(Debug, Clone, Default)]
pub struct ContainerProps {
    /// Container name; a DNS-1123 label. Required (no default).
    pub name: String,
    /// Image reference; must be pinned to a tag or digest (no `latest`). Required (no default).
    pub image: String,
    /// Ports the container listens on; the first one is probed when no probe is given. Default:
    /// none.
    pub ports: Vec<ContainerPort>,
    /// Environment variables, in order. Default: none.
    pub env: Vec<(String, String)>,
    /// The entrypoint (`command`). Default: the image's.
    pub command: Option<Vec<String>>,
    /// Arguments (`args`). Default: the image's.
    pub args: Option<Vec<String>>,
    /// Requests and limits. Default: `None`, read as
    /// `Resources::default()` (100m/128Mi requested, 500m/512Mi limits).
    pub resources: Option<Resources>,
    /// Default: TCP on the first port (an error if there is none).
    pub liveness: Option<ProbeProps>,
    /// Default: the liveness probe.
    pub readiness: Option<ProbeProps>,
    /// UID. Default: 10001. 1337 is refused.
    pub run_as_user: Option<i64>,
    /// Run as root; only for agents that must read host files. Default: false.
    pub allow_root: bool,
    /// Volume mounts as (volume name, mount path, read only). Default: none (`/tmp` is always
    /// mounted).
    pub mounts: Vec<(String, String, bool)>,
}

/// A pod template.
#[derive(Debug, Clone, Default)]
pub struct PodProps {
    /// Labels that select the pods (Deployment selector, Service selector). Required: at least
    /// one label.
    pub selector: BTreeMap<String, String>,
    /// Extra pod labels (e.g. `version: v1`). Default: none.
    pub labels: BTreeMap<String, String>,
    /// Pod annotations. Default: none.
    pub annotations: BTreeMap<String, String>,
    /// The ServiceAccount the pods run as. Default: none (the namespace's `default`).
    pub service_account: Option<String>,
    /// The containers; at least one. Required (no default).
    pub containers: Vec<ContainerProps>,
    /// Volumes. Default: none; an `emptyDir` `tmp` is added for `/tmp`.
    pub volumes: Vec<Volume>,
    /// Mount the ServiceAccount token, for pods that call the Kubernetes API.
    /// Default: false — IRSA and the Istio proxy use their own projected
    /// tokens, so application pods need no API credentials.
    pub kubernetes_api_access: bool,
}

fn probe(path: &str, p: &ProbeProps) -> Result<Probe, Error> {
    let mut out = Probe {
        period_seconds: Some(10),
        timeout_seconds: Some(2),
        failure_threshold: Some(3),
        ..Default::default()
    };
    match p {
        ProbeProps::Http { path: p, port } => {
            out.http_get = Some(HTTPGetAction {
                path: Some(p.clone()),
                port: IntOrString::Int(check_port(path, "probe", *port)?),
                ..Default::default()
            })
        }
        ProbeProps::Tcp { port } => {
            out.tcp_socket = Some(TCPSocketAction {
                port: IntOrString::Int(check_port(path, "probe", *port)?),
                ..Default::default()
            })
        }
        ProbeProps::Exec { command } => {
            out.exec = Some(ExecAction {
                command: Some(command.clone()),
            })
        }
    }
    Ok(out)
}

impl ContainerProps {
    /// The container with its secure defaults, or why it cannot have them.
    pub fn build(&self, path: &str) -> Result<Container, Error> {
        let err = |m: String, hint: &str| Error::construct(path, m, hint);
        validate_dns1123_label(&self.name)
            .map_err(|e| err(format!("container name: {e}"), "use a name such as \"app\""))?;
        check_image_pinned(&self.image).map_err(|m| {
            err(
                format!("container {}: {m}", self.name),
                "e.g. \"nginx:1.27.2\" or \"repo/app@sha256:…\"",
            )
        })?;
        let uid = self.uid(path)?;
        let ports = self.container_ports(path)?;
        let liveness = match (&self.liveness, self.ports.first()) {
            (Some(p), _) => p.clone(),
            (None, Some(first)) => ProbeProps::Tcp { port: first.port },
            (None, None) => {
                return Err(err(
                    format!(
                        "container {} has no port, so it needs an explicit liveness probe",
                        self.name
                    ),
                    "set liveness (e.g. ProbeProps::Exec)",
                ))
            }
        };
        let readiness = self.readiness.clone().unwrap_or_else(|| liveness.clone());
        let mounts = self.volume_mounts();
        Ok(Container {
            name: self.name.clone(),
            image: Some(self.image.clone()),
            image_pull_policy: Some("IfNotPresent".into()),
            command: self.command.clone(),
            args: self.args.clone(),
            ports: (!ports.is_empty()).then_some(ports),
            env: (!self.env.is_empty()).then(|| {
                self.env
                    .iter()
                    .map(|(k, v)| EnvVar {
                        name: k.clone(),
                        value: Some(v.clone()),
                        ..Default::default()
                    })
                    .collect()
            }),
            resources: Some(self.resource_requirements()),
            liveness_probe: Some(probe(path, &liveness)?),
            readiness_probe: Some(probe(path, &readiness)?),
            security_context: Some(restricted_context(uid)),
            volume_mounts: Some(mounts),
            ..Default::default()
        })
    }

    /// The UID the container runs as: never the proxy's, root only when allowed.
    fn uid(&self, path: &str) -> Result<i64, Error> {
        let err = |m: String, hint: &str| Error::construct(path, m, hint);
        let uid = self.run_as_user.unwrap_or(DEFAULT_UID);
        if uid == ISTIO_PROXY_UID {
            return Err(err(
                format!(
                    "container {}: UID 1337 is the Istio proxy's; traffic from it bypasses the sidecar (IST0144)",
                    self.name
                ),
                "run the application as another non-root UID, e.g. 10001",
            )
            .with_code(PROXY_UID_CODE));
        }
        if uid == 0 && !self.allow_root {
            return Err(err(
                format!("container {}: UID 0 is root", self.name),
                "use a non-root UID, or set allow_root for a host agent",
            ));
        }
        Ok(uid)
    }

    /// Named TCP ports, each name used once.
    fn container_ports(&self, path: &str) -> Result<Vec<K8sContainerPort>, Error> {
        let err = |m: String, hint: &str| Error::construct(path, m, hint);
        let mut ports = Vec::with_capacity(self.ports.len());
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.ports {
            if !seen.insert(&p.name) {
                return Err(err(
                    format!(
                        "container {}: port name {:?} is used twice",
                        self.name, p.name
                    ),
                    "give each container port a distinct name",
                ));
            }
            if p.name.is_empty() || p.name.len() > 15 {
                return Err(err(
                    format!(
                        "container port name {:?} must be 1 to 15 characters",
                        p.name
                    ),
                    "use a short name such as \"http\"",
                ));
            }
            ports.push(K8sContainerPort {
                name: Some(p.name.clone()),
                container_port: check_port(path, "container port", p.port)?,
                protocol: Some("TCP".into()),
                ..Default::default()
            });
        }
        Ok(ports)
    }

    /// The mounts asked for; a read-only root filesystem still needs a
    /// writable /tmp.
    fn volume_mounts(&self) -> Vec<VolumeMount> {
        let mut mounts = Vec::with_capacity(self.mounts.len() + 1);
        mounts.extend(
            self.mounts
                .iter()
                .map(|(name, mount_path, ro)| VolumeMount {
                    name: name.clone(),
                    mount_path: mount_path.clone(),
                    read_only: Some(*ro),
                    ..Default::default()
                }),
        );
        if !self.mounts.iter().any(|(_, p, _)| p == "/tmp") {
            mounts.push(VolumeMount {
                name: "tmp".into(),
                mount_path: "/tmp".into(),
                ..Default::default()
            });
        }
        mounts
    }

    fn resource_requirements(&self) -> ResourceRequirements {
        let r = self.resources.clone().unwrap_or_default();
        let q = |s: &str| Quantity(s.to_string());
        ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".into(), q(&r.cpu_request)),
                ("memory".into(), q(&r.memory_request)),
            ])),
            limits: Some(BTreeMap::from([
                ("cpu".into(), q(&r.cpu_limit)),
                ("memory".into(), q(&r.memory_limit)),
            ])),
            ..Default::default()
        }
    }
}

/// The restricted Pod Security Standard's container context.
fn restricted_context(uid: i64) -> SecurityContext {
    SecurityContext {
        run_as_non_root: Some(uid != 0),
        run_as_user: Some(uid),
        read_only_root_filesystem: Some(true),
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl PodProps {
    /// The images of the pod's containers.
    pub fn images(&self) -> impl Iterator<Item = &str> {
        self.containers.iter().map(|c| c.image.as_str())
    }

    /// Records on the workload object at `node` the checkov image checks
    /// meshsynth answers otherwise by design, with the reason (see
    /// `docs/security.md`). Every construct that turns `PodProps` into a
    /// workload calls it, so a user's assembly passes checkov unaided.
    pub fn record_checkov_deviations(
        &self,
        scope: &mut crate::core::Scope<'_>,
        node: crate::core::NodeId,
    ) -> Result<(), Error> {
        super::image::record_image_policy(scope, node, self.images())
    }

    /// The pod template with secure defaults.
    pub fn template(&self, path: &str) -> Result<PodTemplateSpec, Error> {
        if self.selector.is_empty() {
            return Err(Error::construct(
                path,
                "a workload needs selector labels",
                "set selector, e.g. {\"app\": \"order-service\"}",
            ));
        }
        if self.containers.is_empty() {
            return Err(Error::construct(
                path,
                "a pod needs at least one container",
                "add a ContainerProps",
            ));
        }
        let containers = self
            .containers
            .iter()
            .map(|c| c.build(path))
            .collect::<Result<Vec<_>, _>>()?;
        let all_root = self.containers.iter().all(|c| c.allow_root);
        let mut labels = self.selector.clone();
        labels.extend(self.labels.clone());
        // Sized for the `tmp` volume: a `Volume` is 766 bytes, and growing
        // an empty Vec by one push reserves four (docs/performance.md).
        let mut volumes = Vec::with_capacity(self.volumes.len() + 1);
        volumes.extend(self.volumes.iter().cloned());
        if !volumes.iter().any(|v| v.name == "tmp") {
            volumes.push(Volume {
                name: "tmp".into(),
                empty_dir: Some(Default::default()),
                ..Default::default()
            });
        }
        Ok(PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(labels),
                annotations: (!self.annotations.is_empty()).then(|| self.annotations.clone()),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                service_account_name: self.service_account.clone(),
                automount_service_account_token: Some(self.kubernetes_api_access),
                security_context: Some(PodSecurityContext {
                    run_as_non_root: Some(!all_root),
                    fs_group: Some(DEFAULT_UID),
                    seccomp_profile: Some(SeccompProfile {
                        type_: "RuntimeDefault".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                containers,
                volumes: Some(volumes),
                ..Default::default()
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floating_tags_are_refused() {
        assert!(check_image_pinned("nginx").is_err());
        assert!(check_image_pinned("nginx:latest").is_err());
        assert!(check_image_pinned("amazon/aws-for-fluent-bit:stable").is_err());
        assert!(check_image_pinned("localhost:5000/app").is_err());
        assert!(check_image_pinned("nginx:1.27.2").is_ok());
        assert!(check_image_pinned(&format!("r/app@sha256:{}", "0".repeat(64))).is_ok());
    }

    #[test]
    fn uid_1337_is_refused() {
        let c = ContainerProps {
            name: "app".into(),
            image: "app:1.0.0".into(),
            ports: vec![ContainerPort {
                name: "http".into(),
                port: 8080,
            }],
            run_as_user: Some(1337),
            ..Default::default()
        };
        let e = c.build("A/B").unwrap_err().to_string();
        assert!(e.contains("1337") && e.starts_with("A/B"), "{e}");
    }
}
