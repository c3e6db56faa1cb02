//! AWS construct library: one folder per family, each with its L1 `Cfn<Type>`
//! structs and its L2 constructs.

pub mod ecr;
pub mod eks;
pub mod elasticache;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod msk;
pub mod network;
pub mod rds;
pub mod regions;
pub mod route53;
pub mod secrets;
pub mod security;
pub mod ssm;

use serde::Serialize;

use crate::core::Value;

/// A `{Key, Value}` tag, as most resource types take them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnTag {
    /// The tag key.
    pub key: String,
    /// The tag value.
    pub value: Value,
}

impl CfnTag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<Value>) -> CfnTag {
        CfnTag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Lists every L1 type once, so diff can look up create-only properties by
/// type name from an assembly alone (it never sees the tree). Each type's
/// `CREATE_ONLY` is its CloudFormation resource schema's
/// `createOnlyProperties` (as bundled with cfn-lint 1.58), dotted.
macro_rules! l1_registry {
    ($($t:ty),* $(,)?) => {
        /// The create-only properties of a CloudFormation type meshsynth models.
        pub fn create_only_properties(type_name: &str) -> Option<&'static [&'static str]> {
            use crate::core::CfnResource;
            $(if type_name == <$t>::TYPE { return Some(<$t>::CREATE_ONLY); })*
            None
        }

        /// Every CloudFormation type meshsynth models.
        pub fn modeled_types() -> Vec<&'static str> {
            use crate::core::CfnResource;
            vec![$(<$t>::TYPE),*]
        }
    };
}

l1_registry!(
    network::cfn::CfnVpc,
    network::cfn::CfnSubnet,
    network::cfn::CfnInternetGateway,
    network::cfn::CfnVpcGatewayAttachment,
    network::cfn::CfnEip,
    network::cfn::CfnNatGateway,
    network::cfn::CfnRouteTable,
    network::cfn::CfnRoute,
    network::cfn::CfnSubnetRouteTableAssociation,
    network::cfn::CfnSecurityGroup,
    network::cfn::CfnSecurityGroupIngress,
    network::cfn::CfnFlowLog,
    network::cfn::CfnVpcEndpoint,
    kms::cfn::CfnKey,
    kms::cfn::CfnAlias,
    logs::cfn::CfnLogGroup,
    iam::cfn::CfnRole,
    iam::cfn::CfnPolicy,
    iam::cfn::CfnManagedPolicy,
    iam::cfn::CfnOidcProvider,
    eks::cfn::CfnCluster,
    eks::cfn::CfnNodegroup,
    eks::cfn::CfnAddon,
    eks::cfn::CfnAccessEntry,
    eks::cfn::CfnLaunchTemplate,
    rds::cfn::CfnDbInstance,
    rds::cfn::CfnDbCluster,
    rds::cfn::CfnDbSubnetGroup,
    rds::cfn::CfnDbParameterGroup,
    rds::cfn::CfnDbClusterParameterGroup,
    msk::cfn::CfnMskCluster,
    msk::cfn::CfnMskConfiguration,
    elasticache::cfn::CfnReplicationGroup,
    elasticache::cfn::CfnCacheSubnetGroup,
    elasticache::cfn::CfnCacheParameterGroup,
    secrets::cfn::CfnSecret,
    ssm::cfn::CfnParameter,
    ecr::cfn::CfnRepository,
    route53::cfn::CfnHealthCheck,
);

#[cfg(test)]
mod tests {
    #[test]
    fn every_modeled_type_is_listed_once() {
        let types = super::modeled_types();
        let unique: std::collections::BTreeSet<_> = types.iter().collect();
        assert_eq!(unique.len(), types.len());
        assert_eq!(
            super::create_only_properties("AWS::EKS::Cluster").map(|c| c.contains(&"Name")),
            Some(true)
        );
    }
}
