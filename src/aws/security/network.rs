//! Security rules of the network family: security groups, flow logs, VPCs.

use super::{report, world};
use crate::aws::eks::cfn::CfnLaunchTemplate;
use crate::aws::network::cfn::CfnFlowLog;
use crate::aws::network::cfn::CfnSecurityGroup;
use crate::aws::network::cfn::CfnSecurityGroupIngress;
use crate::aws::network::cfn::CfnSecurityGroupRule;
use crate::aws::network::cfn::CfnVpc;
use crate::core::App;
use crate::core::Diagnostic;
use crate::core::Value;

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    let check_rule = |out: &mut Vec<Diagnostic>, path: &str, r: &CfnSecurityGroupRule| {
        if world(&r.cidr_ip) || world(&r.cidr_ipv6) {
            report(out, "AwsSolutions-EC23", path, format!("inline ingress on {}/{:?} is open to the world", r.ip_protocol, r.from_port), "restrict the source, or use SecurityGroup::allow_from_anywhere for an internet-facing load balancer");
        }
        if r.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
            report(
                out,
                "AwsSolutions-EC27",
                path,
                "a security group rule has no description".into(),
                "say who connects and why",
            );
        }
    };
    for (path, sg) in app.resources_of::<CfnSecurityGroup>() {
        if sg
            .group_description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            report(
                out,
                "AwsSolutions-EC27",
                path,
                "security group without a description".into(),
                "describe what the group protects",
            );
        }
        for r in sg.security_group_ingress.iter().flatten() {
            check_rule(out, path, r);
        }
        for r in sg.security_group_egress.iter().flatten() {
            if r.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
                report(
                    out,
                    "AwsSolutions-EC27",
                    path,
                    "an egress rule has no description".into(),
                    "say where traffic goes and why",
                );
            }
        }
    }
    for (path, r) in app.resources_of::<CfnSecurityGroupIngress>() {
        if world(&r.cidr_ip) || world(&r.cidr_ipv6) {
            report(out, "AwsSolutions-EC23", path, format!("ingress on {} {:?}-{:?} is open to the world", r.ip_protocol, r.from_port, r.to_port), "restrict the source, or use SecurityGroup::allow_from_anywhere for an internet-facing load balancer");
        }
        if r.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
            report(
                out,
                "AwsSolutions-EC27",
                path,
                "a security group rule has no description".into(),
                "say who connects and why",
            );
        }
    }
    let logged: Vec<String> = app
        .resources_of::<CfnFlowLog>()
        .into_iter()
        .filter_map(|(_, f)| match &f.resource_id {
            Some(Value::Ref(n)) => app.path_of(*n).map(str::to_string),
            _ => None,
        })
        .collect();
    for (path, _) in app.resources_of::<CfnVpc>() {
        if !logged.iter().any(|p| p == path) {
            report(
                out,
                "AwsSolutions-VPC7",
                path,
                "the VPC has no flow log".into(),
                "keep VpcProps::flow_logs on",
            );
        }
    }
    for (path, lt) in app.resources_of::<CfnLaunchTemplate>() {
        let Some(data) = &lt.launch_template_data else {
            continue;
        };
        let imds_v2 = data
            .metadata_options
            .as_ref()
            .and_then(|m| m.http_tokens.as_deref())
            == Some("required");
        if !imds_v2 {
            report(
                out,
                "MS-EC2-1",
                path,
                "instances may use IMDSv1 (HttpTokens is not required)".into(),
                "set MetadataOptions.HttpTokens to required",
            );
        }
        for bd in data.block_device_mappings.iter().flatten() {
            if bd.ebs.encrypted != Some(true) {
                report(
                    out,
                    "AwsSolutions-EC26",
                    path,
                    format!("EBS volume {} is not encrypted", bd.device_name),
                    "set Encrypted: true",
                );
            }
        }
    }
}
