//! EKS nodes: whether an ordinary pod can take the node role's credentials.
//! A pod reaches the instance metadata service when IMDSv1 is allowed or
//! the IMDSv2 hop limit is 2 or more (EKS's own launch template sets 2); if
//! the node role then holds `AmazonEKS_CNI_Policy`, any pod can change
//! network interfaces account-wide. checkov and cfn-lint judge the launch
//! template and the role apart, so neither sees the combination.

use serde_json::Value as Json;

use super::{codes, Templates};
use crate::core::diag::Diagnostic;

pub(super) fn check(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for (stack, ng) in t.of_type("AWS::EKS::Nodegroup") {
        let Some(role) = ng
            .properties
            .get("NodeRole")
            .and_then(|v| t.target(stack, v))
            .filter(|r| r.resource.cfn_type == "AWS::IAM::Role")
        else {
            continue;
        };
        let cni = role
            .resource
            .properties
            .get("ManagedPolicyArns")
            .is_some_and(|p| p.to_string().contains("AmazonEKS_CNI_Policy"));
        if !cni {
            continue;
        }
        let template = ng
            .properties
            .get("LaunchTemplate")
            .and_then(|l| l.get("Id").or_else(|| l.get("Name")))
            .and_then(|v| t.target(stack, v));
        let reach = match template {
            None => Some("the node group has no launch template, and EKS's default one sets the IMDS hop limit to 2".to_string()),
            Some(lt) => pods_reach_imds(
                lt.resource
                    .properties
                    .get("LaunchTemplateData")
                    .and_then(|d| d.get("MetadataOptions")),
            ),
        };
        if let Some(why) = reach {
            out.push(
                Diagnostic::error(
                    ng.path,
                    format!(
                        "pods can take the node role's credentials ({why}), and the node role {} holds AmazonEKS_CNI_Policy: any pod could change network interfaces account-wide",
                        role.resource.path
                    ),
                )
                .with_code(codes::NODE_CREDENTIALS_TO_PODS)
                .with_hint("set the IMDS hop limit to 1 (NodeGroupProps::imds_hop_limit, the default) and run the VPC CNI on its own IRSA role (EksClusterProps::vpc_cni_on_irsa, the default)"),
            );
        }
    }
}

/// Why a pod (one network hop from the node) reaches IMDS, if it does.
fn pods_reach_imds(options: Option<&Json>) -> Option<String> {
    let get = |k: &str| options.and_then(|o| o.get(k));
    let text = |v: Option<&Json>| v.and_then(Json::as_str).map(str::to_ascii_lowercase);
    if text(get("HttpEndpoint")).as_deref() == Some("disabled") {
        return None;
    }
    if text(get("HttpTokens")).as_deref() != Some("required") {
        return Some("IMDSv1 is allowed, which has no hop limit".into());
    }
    let hops = match get("HttpPutResponseHopLimit") {
        Some(Json::Number(n)) => n.as_i64(),
        Some(Json::String(s)) => s.parse().ok(),
        Some(_) => return None,
        None => Some(2),
    };
    match hops {
        Some(h) if h >= 2 => Some(format!("the IMDS hop limit is {h}")),
        _ => None,
    }
}
