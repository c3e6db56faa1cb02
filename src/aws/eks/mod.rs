//! EKS family: the cluster (private endpoint, all control-plane logs, KMS
//! envelope encryption of secrets, access entries), its IAM OIDC provider for
//! IRSA, pinned managed add-ons, and managed node groups with a hardened
//! launch template.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::eks::{EksCluster, EksClusterProps, NodeGroup, NodeGroupProps};
//! use meshsynth::aws::network::{SubnetKind, Vpc, VpcProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let st = Stack::new(&mut app.root(), "acme-cluster",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(st.node())?;
//!     let vpc = Vpc::new(&mut s, "Vpc", VpcProps::default())?;
//!     // Private endpoint, every control-plane log, secrets encrypted with a key made for it,
//!     // the OIDC provider for IRSA and pinned add-ons.
//!     let cluster = EksCluster::new(&mut s, "Cluster", EksClusterProps {
//!         name: "acme-prod".into(),
//!         subnet_ids: vpc.subnet_ids(SubnetKind::Private),
//!         ..Default::default()
//!     })?;
//!     // IMDSv2-only, encrypted launch template.
//!     NodeGroup::new(&mut s, "Nodes", &cluster, NodeGroupProps::default())?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! let t = synth.template("acme-cluster");
//! t.resource_count_is("AWS::EKS::Cluster", 1);
//! t.resource_count_is("AWS::EKS::Nodegroup", 1);
//! t.resource_count_is("AWS::IAM::OIDCProvider", 1);
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::eks as cfn;
mod access;
mod addons;
mod checks;
pub use checks::VERSION_SUPPORT;
mod nodegroup;
pub mod versions;

use crate::aws::cfn::ec2::CfnLaunchTemplate;
use cfn::{cluster, CfnAddon, CfnCluster, CfnNodegroup};
pub use nodegroup::{AmiType, Capacity, NodeGroup, NodeGroupProps, Taint, TaintEffect};

use crate::aws::iam::cfn::CfnOIDCProvider;
use crate::aws::iam::{
    aws_managed_policy, OidcProviderRef, PolicyStatement, Principal, Role, RoleProps,
};
use crate::aws::kms::{Key, KeyProps, KeyUser};
use crate::aws::logs::{LogGroup, LogGroupProps};
use crate::core::{Error, ResourceRef, Scope, Value};

pub use crate::aws::security::CONTROL_PLANE_LOG_TYPES;

/// The Kubernetes version used when none is given: the newest in
/// [`versions::EKS_VERSIONS`], in standard support on its table date.
pub const DEFAULT_VERSION: &str = "1.35";

/// Who can reach the Kubernetes API endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointAccess {
    /// From inside the VPC only.
    Private,
    /// From inside the VPC, and from these public CIDRs (never the world).
    PrivateAndPublic {
        /// The allow-list; at least one CIDR, none of them `/0`.
        cidrs: Vec<String>,
    },
}

/// A pinned managed add-on.
#[derive(Debug, Clone, PartialEq)]
pub struct Addon {
    /// The add-on name, e.g. `vpc-cni`.
    pub name: String,
    /// The exact version, e.g. `v1.19.5-eksbuild.1`.
    pub version: String,
    /// The IRSA role the add-on's service account uses. Default: none.
    pub service_account_role_arn: Option<Value>,
}

/// Props of an `EksCluster`.
#[derive(Debug, Clone)]
pub struct EksClusterProps {
    /// The cluster name (1-100 of letters, digits, `-`, `_`). Required (no default).
    pub name: String,
    /// Kubernetes version, checked against [`versions::EKS_VERSIONS`]: a
    /// version past extended support or unknown to EKS is an error, one in
    /// extended support (extra cost) a warning. Default: `DEFAULT_VERSION`.
    pub version: String,
    /// Subnets for the control plane's network interfaces (private ones), in at least 2 AZs.
    /// Required (no default).
    pub subnet_ids: Vec<Value>,
    /// Extra security groups for the control plane. Default: none.
    pub security_group_ids: Vec<Value>,
    /// Endpoint access. Default: `Private`.
    pub endpoint_access: EndpointAccess,
    /// Control-plane log types. Default: all of `CONTROL_PLANE_LOG_TYPES`.
    pub log_types: Vec<String>,
    /// KMS key ARN for envelope encryption of secrets. Default: a key made
    /// for the cluster.
    pub secrets_key: Option<Value>,
    /// Retention of the control-plane log group `/aws/eks/<name>/cluster`,
    /// which the construct creates (encrypted) before EKS would create it
    /// unencrypted and kept forever. Default: 365 days.
    pub log_retention_days: i64,
    /// KMS key ARN of that log group; its policy must allow CloudWatch Logs.
    /// Default: the cluster's own key when `secrets_key` is not given (it
    /// lists `KeyUser::CloudWatchLogs`), else `secrets_key`.
    pub log_key: Option<Value>,
    /// IAM principal ARNs given cluster-admin access entries. Default: none.
    pub admin_principal_arns: Vec<Value>,
    /// Managed add-ons. Default: the set [`versions::EKS_VERSIONS`] pins for
    /// `version` (vpc-cni, coredns, kube-proxy, eks-pod-identity-agent), for
    /// 1.33 to 1.35; for other versions they must be given.
    pub addons: Option<Vec<Addon>>,
    /// Run the VPC CNI (`vpc-cni`, service account `kube-system/aws-node`)
    /// on its own IRSA role with `AmazonEKS_CNI_Policy`, so node groups'
    /// roles need not carry that policy (which lets whoever holds the node
    /// role's credentials change network interfaces account-wide), as the
    /// EKS best practices advise. An add-on given its own
    /// `service_account_role_arn` keeps it. Default: true.
    pub vpc_cni_on_irsa: bool,
}

impl Default for EksClusterProps {
    fn default() -> Self {
        EksClusterProps {
            name: String::new(),
            version: DEFAULT_VERSION.into(),
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            endpoint_access: EndpointAccess::Private,
            log_types: CONTROL_PLANE_LOG_TYPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            secrets_key: None,
            log_retention_days: 365,
            log_key: None,
            admin_principal_arns: Vec::new(),
            addons: None,
            vpc_cni_on_irsa: true,
        }
    }
}

/// An EKS cluster with its role, OIDC provider and add-ons.
#[derive(Debug, Clone)]
pub struct EksCluster {
    /// The L1 cluster.
    pub resource: ResourceRef<CfnCluster>,
    /// The cluster's IAM role.
    pub role: Role,
    /// The IAM OIDC provider for IRSA.
    pub oidc: ResourceRef<CfnOIDCProvider>,
    /// The cluster name, final at synth.
    pub name: String,
    /// The Kubernetes version.
    pub version: String,
    /// The control-plane subnets (node groups default to them).
    pub subnet_ids: Vec<Value>,
    /// The secrets encryption key ARN.
    pub secrets_key_arn: Value,
    /// The managed add-ons by name.
    pub addons: Vec<(String, ResourceRef<CfnAddon>)>,
    /// The VPC CNI's IRSA role, when the construct made it
    /// (`vpc_cni_on_irsa`).
    pub vpc_cni_role: Option<ResourceRef<crate::aws::iam::cfn::CfnRole>>,
    /// Whether the `vpc-cni` add-on has a role of its own (made here or
    /// given): node groups then leave `AmazonEKS_CNI_Policy` off their role.
    pub vpc_cni_uses_irsa: bool,
}

impl EksCluster {
    /// Adds the cluster.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        mut props: EksClusterProps,
    ) -> Result<EksCluster, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        let checked = checks::check(scope, &path, &props)?;
        let mut s = scope.child(id)?;
        let secrets_key_arn = secrets_key(&mut s, &path, props.secrets_key.take())?;
        let logs = LogGroup::new(
            &mut s,
            "ControlPlaneLogs",
            LogGroupProps {
                name: Some(format!("/aws/eks/{}/cluster", props.name)),
                retention_days: props.log_retention_days,
                encryption_key: Some(
                    props
                        .log_key
                        .take()
                        .unwrap_or_else(|| secrets_key_arn.clone()),
                ),
                ..Default::default()
            },
        )?;
        let role = service_role(&mut s, &props.name, &secrets_key_arn)?;
        let resource = control_plane(
            &mut s,
            &props,
            checked.public,
            checked.cidrs,
            &secrets_key_arn,
            &role,
        )?;
        let oidc = s.add_resource(
            "OidcProvider",
            CfnOIDCProvider {
                url: Some(resource.open_id_connect_issuer_url()),
                client_id_list: Some(vec!["sts.amazonaws.com".into()]),
                ..Default::default()
            },
        )?;
        s.suppress_node(
            resource.node(),
            crate::aws::cfn::check::codes::DEPRECATED,
            "EncryptionConfig.Resources is deprecated in the registry schema, but [secrets] is still how the EKS API documents envelope encryption of Secrets",
        )?;
        // EKS would otherwise create the group itself, unencrypted.
        s.options(resource.node())?
            .depends_on
            .push(logs.resource.node());
        access::admin_entries(&mut s, &resource, props.admin_principal_arns)?;
        let mut addon_list = checked.addons;
        let oidc_ref = oidc_provider_of(&resource, &oidc);
        let vpc_cni_role = match addon_list.iter_mut().find(|a| a.name == "vpc-cni") {
            Some(cni) if props.vpc_cni_on_irsa && cni.service_account_role_arn.is_none() => {
                let role = addons::vpc_cni_role(&mut s, &props.name, &oidc_ref)?;
                cni.service_account_role_arn = Some(role.attr("Arn"));
                Some(role)
            }
            _ => None,
        };
        let vpc_cni_uses_irsa = addon_list
            .iter()
            .any(|a| a.name == "vpc-cni" && a.service_account_role_arn.is_some());
        let addon_refs = addons::add(&mut s, &resource, addon_list)?;
        Ok(EksCluster {
            resource,
            role,
            oidc,
            name: props.name,
            version: props.version,
            subnet_ids: props.subnet_ids,
            secrets_key_arn,
            addons: addon_refs,
            vpc_cni_role,
            vpc_cni_uses_irsa,
        })
    }

    /// The cluster's OIDC provider, for `IrsaRole`.
    pub fn oidc_provider(&self) -> OidcProviderRef {
        oidc_provider_of(&self.resource, &self.oidc)
    }

    /// The cluster name (`Ref`, so users depend on the cluster).
    pub fn cluster_name(&self) -> Value {
        self.resource.cluster_name()
    }
}

/// The OIDC provider of a cluster, as IRSA trust policies name it.
fn oidc_provider_of(
    cluster: &ResourceRef<CfnCluster>,
    oidc: &ResourceRef<CfnOIDCProvider>,
) -> OidcProviderRef {
    OidcProviderRef {
        arn: oidc.arn(),
        issuer_host: Value::select(1, Value::split("//", cluster.open_id_connect_issuer_url())),
    }
}

/// The schema's value of a control-plane log type, once validated against
/// [`CONTROL_PLANE_LOG_TYPES`].
fn log_type(t: &str) -> cluster::LoggingTypeConfigType {
    match t {
        "api" => cluster::LoggingTypeConfigType::Api,
        "audit" => cluster::LoggingTypeConfigType::Audit,
        "authenticator" => cluster::LoggingTypeConfigType::Authenticator,
        "controllerManager" => cluster::LoggingTypeConfigType::ControllerManager,
        _ => cluster::LoggingTypeConfigType::Scheduler,
    }
}

impl ResourceRef<CfnCluster> {
    /// `Ref`: the cluster name.
    pub fn cluster_name(&self) -> Value {
        self.reference()
    }
    /// The cluster ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The API server endpoint.
    pub fn endpoint(&self) -> Value {
        self.attr("Endpoint")
    }
    /// The cluster CA certificate (base64).
    pub fn certificate_authority_data(&self) -> Value {
        self.attr("CertificateAuthorityData")
    }
    /// The OIDC issuer URL (`https://oidc.eks…`).
    pub fn open_id_connect_issuer_url(&self) -> Value {
        self.attr("OpenIdConnectIssuerUrl")
    }
    /// The security group EKS made for the control plane and nodes.
    pub fn cluster_security_group_id(&self) -> Value {
        self.attr("ClusterSecurityGroupId")
    }
}

impl ResourceRef<CfnNodegroup> {
    /// The node group ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The node group name.
    pub fn nodegroup_name(&self) -> Value {
        self.attr("NodegroupName")
    }
}

/// Launch templates of node groups.
impl ResourceRef<CfnLaunchTemplate> {
    /// `Ref`: the launch template id.
    pub fn launch_template_id(&self) -> Value {
        self.reference()
    }
    /// The latest version number.
    pub fn latest_version_number(&self) -> Value {
        self.attr("LatestVersionNumber")
    }
}
/// The key for secrets and control-plane logs: the props' own, else a new one.
fn secrets_key(s: &mut Scope<'_>, path: &str, given: Option<Value>) -> Result<Value, Error> {
    Ok(match given {
        Some(k) => k,
        None => Key::new(
            s,
            "SecretsKey",
            KeyProps {
                description: Some(format!(
                    "{path}: envelope encryption of Kubernetes secrets, control-plane logs"
                )),
                users: vec![KeyUser::ViaService("eks".into()), KeyUser::CloudWatchLogs],
                ..Default::default()
            },
        )?
        .arn(),
    })
}

/// The control plane's service role, with use of the secrets key.
fn service_role(s: &mut Scope<'_>, name: &str, secrets_key_arn: &Value) -> Result<Role, Error> {
    let role = Role::new(
        s,
        "Role",
        RoleProps {
            assumed_by: vec![Principal::Service("eks.amazonaws.com".into())],
            description: Some(format!("EKS control plane of {}", name)),
            managed_policy_arns: vec![aws_managed_policy("AmazonEKSClusterPolicy")],
            // The key policy delegates to IAM; EKS uses the key as this role.
            statements: vec![PolicyStatement::allow(
                [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:CreateGrant",
                ],
                [secrets_key_arn.clone()],
            )],
            ..Default::default()
        },
    )?;
    s.at(role.resource.node())?.suppress(
        crate::aws::security::codes::AWS_SOLUTIONS_IAM4,
        "AmazonEKSClusterPolicy is the policy AWS maintains for the EKS service role",
    )?;
    Ok(role)
}

/// The cluster itself: logging, envelope encryption, API access entries
/// only, a private endpoint (public only when checked and allowed).
fn control_plane(
    s: &mut Scope<'_>,
    props: &EksClusterProps,
    public: bool,
    cidrs: Option<Vec<String>>,
    secrets_key_arn: &Value,
    role: &Role,
) -> Result<ResourceRef<CfnCluster>, Error> {
    s.add_resource(
        "Resource",
        CfnCluster {
            name: Some(props.name.clone().into()),
            version: Some(props.version.clone().into()),
            logging: Some(cluster::Logging {
                cluster_logging: Some(cluster::ClusterLogging {
                    enabled_types: Some(
                        props
                            .log_types
                            .iter()
                            .map(|t| cluster::LoggingTypeConfig {
                                r#type: Some(log_type(t)),
                            })
                            .collect(),
                    ),
                }),
            }),
            encryption_config: Some(vec![cluster::EncryptionConfig {
                provider: Some(cluster::Provider {
                    key_arn: Some(secrets_key_arn.clone()),
                }),
                resources: Some(vec!["secrets".into()]),
            }]),
            access_config: Some(cluster::AccessConfig {
                authentication_mode: Some(cluster::AuthenticationMode::Api),
                // Admins come from explicit access entries, not from
                // whoever happened to run the deployment.
                bootstrap_cluster_creator_admin_permissions: Some(false.into()),
            }),
            ..CfnCluster::new(
                cluster::ResourcesVpcConfig {
                    security_group_ids: (!props.security_group_ids.is_empty())
                        .then(|| props.security_group_ids.clone()),
                    endpoint_private_access: Some(true.into()),
                    endpoint_public_access: Some(public.into()),
                    public_access_cidrs: cidrs.map(|c| c.into_iter().map(Value::from).collect()),
                    ..cluster::ResourcesVpcConfig::new(props.subnet_ids.clone())
                },
                role.arn(),
            )
        },
    )
}
