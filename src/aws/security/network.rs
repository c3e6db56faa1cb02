//! Security rules of the network family: security groups, launch templates,
//! VPC flow logs.

use super::{blank, lit, obj, objects, on, report, world, Props};
use crate::aws::cfn::ec2::{CfnFlowLog, CfnVpc};
use crate::core::{App, Diagnostic, Value};

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    match cfn_type {
        "AWS::EC2::SecurityGroup" => {
            if blank(props, "GroupDescription") {
                report(
                    out,
                    super::codes::AWS_SOLUTIONS_EC27,
                    path,
                    "security group without a description".into(),
                    "describe what the group protects",
                );
            }
            for r in objects(props, "SecurityGroupIngress") {
                ingress(r, "inline ingress", path, out);
            }
            for r in objects(props, "SecurityGroupEgress") {
                if blank(r, "Description") {
                    report(
                        out,
                        super::codes::AWS_SOLUTIONS_EC27,
                        path,
                        "an egress rule has no description".into(),
                        "say where traffic goes and why",
                    );
                }
            }
        }
        "AWS::EC2::SecurityGroupIngress" => ingress(props, "ingress", path, out),
        "AWS::EC2::LaunchTemplate" => {
            let Some(data) = obj(props, "LaunchTemplateData") else {
                return;
            };
            let imds_v2 = obj(data, "MetadataOptions")
                .and_then(|m| lit(m, "HttpTokens"))
                .as_deref()
                == Some("required");
            if !imds_v2 {
                report(
                    out,
                    super::codes::MS_EC2_1,
                    path,
                    "instances may use IMDSv1 (HttpTokens is not required)".into(),
                    "set MetadataOptions.HttpTokens to required",
                );
            }
            for bd in objects(data, "BlockDeviceMappings") {
                let Some(ebs) = obj(bd, "Ebs") else {
                    continue;
                };
                if !on(ebs, "Encrypted") {
                    let device = lit(bd, "DeviceName").unwrap_or_else(|| "(unnamed)".into());
                    report(
                        out,
                        super::codes::AWS_SOLUTIONS_EC26,
                        path,
                        format!("EBS volume {device} is not encrypted"),
                        "set Encrypted: true",
                    );
                }
            }
        }
        _ => {}
    }
}

/// One ingress rule, inline in a group or its own resource.
fn ingress(r: &Props, what: &str, path: &str, out: &mut Vec<Diagnostic>) {
    if world(r, "CidrIp") || world(r, "CidrIpv6") {
        let protocol = lit(r, "IpProtocol").unwrap_or_else(|| "?".into());
        let ports = match (lit(r, "FromPort"), lit(r, "ToPort")) {
            (Some(from), Some(to)) if from != to => format!("ports {from}-{to}"),
            (Some(from), _) => format!("port {from}"),
            _ => "every port".into(),
        };
        report(
            out,
            super::codes::AWS_SOLUTIONS_EC23,
            path,
            format!("{what} on {protocol} {ports} is open to the world"),
            "restrict the source, or use SecurityGroup::allow_from_anywhere for an internet-facing load balancer",
        );
    }
    if blank(r, "Description") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_EC27,
            path,
            "a security group rule has no description".into(),
            "say who connects and why",
        );
    }
}

/// A VPC needs a flow log that names it: the one rule that relates two
/// resources, so it reads the tree rather than one resource's properties.
pub(super) fn check_app(app: &App, out: &mut Vec<Diagnostic>) {
    let target = |v: Option<&Value>| match v {
        Some(Value::Ref(n)) => app.path_of(*n),
        _ => None,
    };
    let mut logged: Vec<&str> = app
        .resources_of::<CfnFlowLog>()
        .into_iter()
        .filter_map(|(_, f)| target(Some(&f.resource_id)))
        .collect();
    logged.extend(
        app.raw_resources_of("AWS::EC2::FlowLog")
            .into_iter()
            .filter_map(|(_, f)| target(f.properties.get("ResourceId"))),
    );
    let vpcs = app.resources_of::<CfnVpc>().into_iter().map(|(p, _)| p);
    for path in vpcs.chain(
        app.raw_resources_of("AWS::EC2::VPC")
            .into_iter()
            .map(|(p, _)| p),
    ) {
        if !logged.contains(&path) {
            report(
                out,
                super::codes::AWS_SOLUTIONS_VPC7,
                path,
                "the VPC has no flow log".into(),
                "keep VpcProps::flow_logs on",
            );
        }
    }
}
