//! Who administers the cluster: one access entry per admin principal,
//! with the cluster-wide `AmazonEKSClusterAdminPolicy` (the cluster's
//! creator gets nothing implicitly).

use crate::core::value::ArnPart;
use crate::core::{Arn, Error, ResourceRef, Scope, Value};

use super::cfn::{access_entry, CfnAccessEntry, CfnCluster};

/// Adds `AdminAccess<i>` for each principal ARN.
pub(super) fn admin_entries(
    s: &mut Scope<'_>,
    cluster: &ResourceRef<CfnCluster>,
    principals: Vec<Value>,
) -> Result<(), Error> {
    let admin_policy = Arn::new("eks", "cluster-access-policy/AmazonEKSClusterAdminPolicy")
        .region(ArnPart::Empty)
        .account(ArnPart::Empty)
        .value();
    for (i, principal) in principals.into_iter().enumerate() {
        s.add_resource(
            &format!("AdminAccess{}", i + 1),
            CfnAccessEntry {
                r#type: Some("STANDARD".into()),
                access_policies: Some(vec![access_entry::AccessPolicy::new(
                    access_entry::AccessScope::new(access_entry::Type::Cluster),
                    admin_policy.clone(),
                )]),
                ..CfnAccessEntry::new(cluster.cluster_name(), principal)
            },
        )?;
    }
    Ok(())
}
