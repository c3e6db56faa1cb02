//! The cluster's managed add-ons, each pinned to an exact version and
//! named `Addon<CamelCaseName>` (`vpc-cni` → `AddonVpcCni`).

use crate::aws::iam::cfn::CfnRole;
use crate::aws::iam::{aws_managed_policy, OidcProviderRef};
use crate::core::{Error, ResourceRef, Scope};

use super::cfn::{addon, CfnAddon, CfnCluster};
use super::Addon;

/// Adds the add-ons (already checked to be listed once each); returns them
/// by name.
pub(super) fn add(
    s: &mut Scope<'_>,
    cluster: &ResourceRef<CfnCluster>,
    addons: Vec<Addon>,
) -> Result<Vec<(String, ResourceRef<CfnAddon>)>, Error> {
    let mut refs = Vec::new();
    for a in addons {
        let id: String = a
            .name
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let name = a.name.clone();
        let addon = s.add_resource(
            &format!("Addon{id}"),
            CfnAddon {
                addon_version: Some(a.version.into()),
                resolve_conflicts: Some(addon::ResolveConflicts::Overwrite),
                service_account_role_arn: a.service_account_role_arn,
                ..CfnAddon::new(a.name, cluster.cluster_name())
            },
        )?;
        refs.push((name, addon));
    }
    Ok(refs)
}

/// The VPC CNI's own IRSA role (`kube-system/aws-node`) with the policy AWS
/// maintains for it, so node roles do without it.
pub(super) fn vpc_cni_role(
    s: &mut Scope<'_>,
    cluster: &str,
    oidc: &OidcProviderRef,
) -> Result<ResourceRef<CfnRole>, Error> {
    let role = s.add_resource(
        "VpcCniRole",
        CfnRole {
            description: Some(
                format!("IRSA role of the VPC CNI (kube-system/aws-node) on cluster {cluster}")
                    .into(),
            ),
            managed_policy_arns: Some(vec![aws_managed_policy("AmazonEKS_CNI_Policy")]),
            ..CfnRole::new(crate::aws::iam::irsa::web_identity_trust(
                oidc,
                "kube-system",
                "aws-node",
            ))
        },
    )?;
    s.suppress_node(
        role.node(),
        crate::aws::security::codes::AWS_SOLUTIONS_IAM4,
        "AmazonEKS_CNI_Policy is the policy AWS maintains for the VPC CNI",
    )?;
    Ok(role)
}
