//! Fluent Bit log shipping (construct layer): a DaemonSet in
//! `amazon-cloudwatch` that tails container logs and ships them to one
//! CloudWatch Logs group, through a role whose policy is scoped to that
//! group (`log_group_statements`), behind a NetworkPolicy admitting no
//! ingress (a log shipper takes no connections).
//!
//! # Example
//!
//! ```
//! use meshsynth::addons::fluentbit::{FluentBit, FluentBitProps};
//! use meshsynth::mesh::service::ServiceIdentity;
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Chart, ChartProps, Error, Value};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let chart = Chart::new(&mut app.root(), "Logging", ChartProps::new("acme-prod"))?;
//!     FluentBit::new(&mut app.scope(chart.node())?, "FluentBit", FluentBitProps {
//!         cluster_name: "acme-prod".into(),
//!         region: "eu-west-1".into(),
//!         log_group: "/aws/eks/acme-prod/application".into(),
//!         // A role whose policy is `log_group_statements("/aws/eks/acme-prod/application")`.
//!         identity: ServiceIdentity::RoleArn(Value::str("arn:aws:iam::123456789012:role/acme-fluent-bit")),
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! assert_eq!(synth.objects_of_kind("DaemonSet").len(), 1);
//! assert_eq!(synth.objects_of_kind("NetworkPolicy").len(), 1);
//! ```

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec};
use k8s_openapi::api::core::v1::{ConfigMapVolumeSource, HostPathVolumeSource, Volume};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::aws::iam::PolicyStatement;
use crate::core::Arn;
use crate::core::{Error, ObjectRef, Scope};
use crate::k8s::workloads::{ContainerPort, ContainerProps, PodProps, ProbeProps, Resources};
use crate::mesh::add_object;
use crate::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use crate::mesh::service::{service_account_for, ServiceIdentity};

/// A pinned aws-for-fluent-bit image. The reference documents use the
/// floating `:stable` tag, which meshsynth refuses (an unpinned tag changes
/// what runs without any change in the assembly).
pub const DEFAULT_IMAGE: &str = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2";

/// Props of a `FluentBit`.
#[derive(Debug, Clone, PartialEq)]
pub struct FluentBitProps {
    /// Default: `amazon-cloudwatch`.
    pub namespace: String,
    /// Default: `DEFAULT_IMAGE`; must be pinned.
    pub image: String,
    /// The EKS cluster name, added to every record. Required (no default).
    pub cluster_name: String,
    /// The region of the log group. Required (no default).
    pub region: String,
    /// The CloudWatch log group, e.g. `/aws/eks/genai-demo/application`. Required (no default).
    pub log_group: String,
    /// The role that may write to the log group (see `log_group_statements`). Default:
    /// `ServiceIdentity::Plain` (no AWS identity: writes fail until one is given).
    pub identity: ServiceIdentity,
}

impl Default for FluentBitProps {
    fn default() -> Self {
        FluentBitProps {
            namespace: "amazon-cloudwatch".into(),
            image: DEFAULT_IMAGE.into(),
            cluster_name: String::new(),
            region: String::new(),
            log_group: String::new(),
            identity: ServiceIdentity::Plain,
        }
    }
}

/// IAM statements that allow writing to one log group only.
pub fn log_group_statements(log_group: &str) -> Vec<PolicyStatement> {
    vec![PolicyStatement::allow(
        [
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        ],
        [
            Arn::new("logs", format!("log-group:{log_group}")).value(),
            Arn::new("logs", format!("log-group:{log_group}:log-stream:*")).value(),
        ],
    )]
}

/// What a `FluentBit` produced.
pub struct FluentBit {
    /// The DaemonSet that ships the logs.
    pub daemon_set: ObjectRef<DaemonSet>,
}

fn config(props: &FluentBitProps) -> String {
    format!(
        "[SERVICE]\n    Flush         5\n    Log_Level     info\n    HTTP_Server   On\n    HTTP_Listen   0.0.0.0\n    HTTP_Port     2020\n    Health_Check  On\n\n\
[INPUT]\n    Name              tail\n    Tag               kube.*\n    Path              /var/log/containers/*.log\n    multiline.parser  docker, cri\n    DB                /var/fluent-bit/state/flb_container.db\n    Mem_Buf_Limit     50MB\n    Skip_Long_Lines   On\n\n\
[FILTER]\n    Name       kubernetes\n    Match      kube.*\n    Merge_Log  On\n    Keep_Log   Off\n\n\
[OUTPUT]\n    Name               cloudwatch_logs\n    Match              kube.*\n    region             {}\n    log_group_name     {}\n    log_stream_prefix  {}-\n    auto_create_group  false\n",
        props.region, props.log_group, props.cluster_name
    )
}

/// Read access to namespaces and pods (the kubernetes filter's metadata),
/// bound to the agent's service account.
fn add_rbac(s: &mut Scope<'_>, ns: &str, sa_name: &str) -> Result<(), Error> {
    let role = ClusterRole {
        metadata: ObjectMeta {
            name: Some("fluent-bit-read".into()),
            ..Default::default()
        },
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec!["".into()]),
            resources: Some(vec!["namespaces".into(), "pods".into()]),
            verbs: vec!["get".into(), "list".into(), "watch".into()],
            ..Default::default()
        }]),
        ..Default::default()
    };
    add_object(s, "ClusterRole", role)?;
    let binding = ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some("fluent-bit-read".into()),
            ..Default::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: "fluent-bit-read".into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: sa_name.into(),
            namespace: Some(ns.to_string()),
            ..Default::default()
        }]),
    };
    add_object(s, "ClusterRoleBinding", binding)?;
    Ok(())
}

/// The agent's pod: the container with its probes and limits, root to read
/// the node's log files, and the host and config volumes.
fn pod_props(props: &FluentBitProps, labels: &BTreeMap<String, String>, sa_name: &str) -> PodProps {
    let host = |name: &str, p: &str, t: &str| Volume {
        name: name.into(),
        host_path: Some(HostPathVolumeSource {
            path: p.into(),
            type_: Some(t.into()),
        }),
        ..Default::default()
    };
    PodProps {
        selector: labels.clone(),
        service_account: Some(sa_name.to_string()),
        kubernetes_api_access: true,
        containers: vec![ContainerProps {
            name: "fluent-bit".into(),
            image: props.image.clone(),
            ports: vec![ContainerPort {
                name: "http".into(),
                port: 2020,
            }],
            env: vec![
                ("AWS_REGION".into(), props.region.clone()),
                ("CLUSTER_NAME".into(), props.cluster_name.clone()),
                ("LOG_GROUP_NAME".into(), props.log_group.clone()),
            ],
            resources: Some(Resources {
                cpu_request: "50m".into(),
                memory_request: "100Mi".into(),
                cpu_limit: "500m".into(),
                memory_limit: "250Mi".into(),
            }),
            liveness: Some(ProbeProps::Http {
                path: "/api/v1/health".into(),
                port: 2020,
            }),
            readiness: None,
            // Container log files on the node are readable by root only.
            run_as_user: Some(0),
            allow_root: true,
            mounts: vec![
                ("varlog".into(), "/var/log".into(), true),
                ("state".into(), "/var/fluent-bit/state".into(), false),
                (
                    "config".into(),
                    "/fluent-bit/etc/fluent-bit.conf".into(),
                    true,
                ),
            ],
            ..Default::default()
        }],
        volumes: vec![
            host("varlog", "/var/log", "Directory"),
            host("state", "/var/fluent-bit/state", "DirectoryOrCreate"),
            Volume {
                name: "config".into(),
                config_map: Some(ConfigMapVolumeSource {
                    name: "fluent-bit-config".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

/// The log shipper takes no connections: its pods admit no ingress.
fn add_network_policy(s: &mut Scope<'_>, ns: &str) -> Result<(), Error> {
    let np = NetworkPolicy {
        metadata: ObjectMeta {
            name: Some("fluent-bit".into()),
            namespace: Some(ns.to_string()),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    "app".to_string(),
                    "fluent-bit".to_string(),
                )])),
                ..Default::default()
            }),
            policy_types: Some(vec!["Ingress".into()]),
            ..Default::default()
        }),
    };
    add_object(s, "NetworkPolicy", np).map(drop)
}

impl FluentBit {
    /// Adds the namespace, identity, RBAC, configuration and DaemonSet.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: FluentBitProps) -> Result<FluentBit, Error> {
        let path = scope.child_path(id);
        for (f, v) in [
            ("cluster_name", &props.cluster_name),
            ("region", &props.region),
            ("log_group", &props.log_group),
        ] {
            if v.trim().is_empty() {
                return Err(Error::construct(
                    path.clone(),
                    format!("Fluent Bit: {f} is required"),
                    format!("set {f}"),
                ));
            }
        }
        let mut s = scope.child(id)?;
        let ns = props.namespace.clone();
        MeshNamespace::new(
            &mut s,
            "Namespace",
            MeshNamespaceProps {
                name: ns.clone(),
                mesh: MeshMode::None,
                // A node agent reads host files; it stays out of the mesh on purpose.
                labels: BTreeMap::from([("istio-injection".to_string(), "disabled".to_string())]),
                waypoint: None,
            },
        )?;
        let named = |name: &str| ObjectMeta {
            name: Some(name.into()),
            namespace: Some(ns.clone()),
            ..Default::default()
        };
        let sa = service_account_for(
            &mut s,
            "ServiceAccount",
            "fluent-bit",
            Some(&ns),
            &props.identity,
        )?;
        add_rbac(&mut s, &ns, sa.name())?;
        let cm = k8s_openapi::api::core::v1::ConfigMap {
            metadata: named("fluent-bit-config"),
            data: Some(BTreeMap::from([(
                "fluent-bit.conf".to_string(),
                config(&props),
            )])),
            ..Default::default()
        };
        add_object(&mut s, "Config", cm)?;
        let labels = BTreeMap::from([("app".to_string(), "fluent-bit".to_string())]);
        let pod = pod_props(&props, &labels, sa.name());
        let mut template = pod.template(&path)?;
        // The config file is mounted from the ConfigMap key, not the whole volume.
        if let Some(c) = template
            .spec
            .as_mut()
            .and_then(|s| s.containers.first_mut())
            .and_then(|c| c.volume_mounts.as_mut())
            .and_then(|m| m.iter_mut().find(|m| m.name == "config"))
        {
            c.sub_path = Some("fluent-bit.conf".into());
        }
        let ds = DaemonSet {
            metadata: ObjectMeta {
                name: Some("fluent-bit".into()),
                namespace: Some(ns.clone()),
                labels: Some(labels.clone()),
                ..Default::default()
            },
            spec: Some(DaemonSetSpec {
                selector: LabelSelector {
                    match_labels: Some(labels),
                    ..Default::default()
                },
                template,
                ..Default::default()
            }),
            ..Default::default()
        };
        let daemon_set = add_object(&mut s, "DaemonSet", ds)?;
        // A node log agent runs as root and reads the API server by design;
        // the exceptions are recorded on the DaemonSet for review.
        for (rule, why) in [
            (
                "CKV_K8S_23",
                "Fluent Bit reads root-owned container log files on the node",
            ),
            (
                "CKV_K8S_40",
                "Fluent Bit runs as UID 0 to read node log files",
            ),
            (
                "CKV_K8S_38",
                "Fluent Bit's kubernetes filter reads pod metadata from the API server",
            ),
        ] {
            s.suppress_node(daemon_set.node(), rule, why)?;
        }
        pod.record_checkov_deviations(&mut s, daemon_set.node())?;
        add_network_policy(&mut s, &ns)?;
        Ok(FluentBit { daemon_set })
    }
}
