//! Security rules of the AWS library, run at synth (validate stage) over the
//! typed L1 resources of the whole app. Every AWS construct enables them; an
//! app that only uses raw L1 structs calls `enable` itself. Codes are the
//! cdk-nag `AwsSolutions-*` ids where cdk-nag has the rule and `MS-*` ids for
//! meshsynth's own, so `scope.suppress(code, reason)` turns one off below a
//! scope, and the reason lands in the template's Metadata.

use crate::aws::ecr::cfn::CfnRepository;
use crate::aws::eks::cfn::{CfnCluster, CfnLaunchTemplate};
use crate::aws::eks::CONTROL_PLANE_LOG_TYPES;
use crate::aws::elasticache::cfn::CfnReplicationGroup;
use crate::aws::iam::cfn::{CfnManagedPolicy, CfnPolicy, CfnRole};
use crate::aws::iam::{Effect, PolicyDocument};
use crate::aws::kms::cfn::CfnKey;
use crate::aws::logs::cfn::CfnLogGroup;
use crate::aws::msk::cfn::CfnMskCluster;
use crate::aws::network::cfn::{
    CfnFlowLog, CfnSecurityGroup, CfnSecurityGroupIngress, CfnSecurityGroupRule, CfnVpc,
};
use crate::aws::rds::cfn::{
    CfnDbCluster, CfnDbClusterParameterGroup, CfnDbInstance, CfnDbParameterGroup,
};
use crate::aws::secrets::cfn::CfnSecret;
use crate::core::{App, Diagnostic, Scope, Severity, Value};

/// IAM actions that have no resource-level permissions, so `Resource: *` is
/// the only possible scope for them. The one list the IAM rule reads.
pub const NO_RESOURCE_LEVEL_ACTIONS: &[&str] = &[
    "acm:ListCertificates",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "cloudwatch:DescribeAlarmsForMetric",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "cloudwatch:PutMetricData",
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeInstances",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeVpcs",
    "ecr:GetAuthorizationToken",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "kms:ListAliases",
    "kms:ListKeys",
    "logs:DescribeLogGroups",
    "route53:GetHostedZoneCount",
    "route53:ListHealthChecks",
    "route53:ListHostedZones",
    "route53:ListHostedZonesByName",
    "secretsmanager:GetRandomPassword",
    "secretsmanager:ListSecrets",
    "ssm:DescribeParameters",
    "sts:GetCallerIdentity",
    "tag:GetResources",
    "xray:GetSamplingRules",
    "xray:GetSamplingStatisticSummaries",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// One rule: its code, severity and what it checks (for docs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The diagnostic code.
    pub code: &'static str,
    /// Error (stops synth) or warning.
    pub severity: Severity,
    /// What a violation means.
    pub summary: &'static str,
}

const fn rule(code: &'static str, severity: Severity, summary: &'static str) -> Rule {
    Rule {
        code,
        severity,
        summary,
    }
}

/// Every rule this module checks.
pub const RULES: &[Rule] = &[
    rule(
        "AwsSolutions-EC23",
        Severity::Error,
        "security group ingress from 0.0.0.0/0 or ::/0",
    ),
    rule(
        "AwsSolutions-EC26",
        Severity::Error,
        "EBS volume of a launch template not encrypted",
    ),
    rule(
        "AwsSolutions-EC27",
        Severity::Error,
        "security group or rule without a description",
    ),
    rule(
        "AwsSolutions-VPC7",
        Severity::Error,
        "VPC without a flow log",
    ),
    rule(
        "MS-EC2-1",
        Severity::Error,
        "launch template does not require IMDSv2",
    ),
    rule(
        "AwsSolutions-IAM4",
        Severity::Error,
        "AWS managed policy attached",
    ),
    rule(
        "AwsSolutions-IAM5",
        Severity::Error,
        "wildcard action, or Resource * for an action that has resource-level permissions",
    ),
    rule(
        "MS-IAM-1",
        Severity::Error,
        "Action * or *:* (full administrator)",
    ),
    rule(
        "AwsSolutions-KMS5",
        Severity::Error,
        "KMS key without rotation",
    ),
    rule(
        "AwsSolutions-EKS1",
        Severity::Error,
        "EKS API endpoint publicly accessible",
    ),
    rule(
        "AwsSolutions-EKS2",
        Severity::Error,
        "EKS control-plane log types not all enabled",
    ),
    rule(
        "MS-EKS-1",
        Severity::Error,
        "EKS secrets not envelope-encrypted with KMS",
    ),
    rule(
        "AwsSolutions-RDS2",
        Severity::Error,
        "RDS storage not encrypted",
    ),
    rule(
        "AwsSolutions-RDS3",
        Severity::Error,
        "RDS instance (non-Aurora) not Multi-AZ",
    ),
    rule(
        "AwsSolutions-RDS6",
        Severity::Error,
        "RDS IAM database authentication off",
    ),
    rule(
        "AwsSolutions-RDS10",
        Severity::Error,
        "RDS deletion protection off",
    ),
    rule(
        "AwsSolutions-RDS11",
        Severity::Warning,
        "RDS on the engine's default port",
    ),
    rule(
        "AwsSolutions-RDS13",
        Severity::Error,
        "RDS automated backups off",
    ),
    rule(
        "MS-RDS-1",
        Severity::Error,
        "RDS instance publicly accessible",
    ),
    rule(
        "MS-RDS-2",
        Severity::Error,
        "RDS master password not managed by Secrets Manager",
    ),
    rule(
        "MS-RDS-3",
        Severity::Error,
        "PostgreSQL parameter group does not force TLS (rds.force_ssl=1)",
    ),
    rule(
        "AwsSolutions-AEC1",
        Severity::Error,
        "ElastiCache replication group outside a VPC subnet group",
    ),
    rule(
        "AwsSolutions-AEC3",
        Severity::Error,
        "ElastiCache encryption at rest or in transit off",
    ),
    rule(
        "AwsSolutions-AEC4",
        Severity::Error,
        "ElastiCache Multi-AZ off",
    ),
    rule(
        "AwsSolutions-AEC5",
        Severity::Warning,
        "ElastiCache on the default port",
    ),
    rule(
        "AwsSolutions-AEC6",
        Severity::Error,
        "Redis/Valkey without an AUTH token",
    ),
    rule(
        "MS-CACHE-1",
        Severity::Error,
        "ElastiCache at rest not encrypted with a customer KMS key",
    ),
    rule(
        "AwsSolutions-MSK2",
        Severity::Error,
        "MSK client-broker traffic not TLS-only",
    ),
    rule(
        "AwsSolutions-MSK3",
        Severity::Error,
        "MSK traffic between brokers not TLS",
    ),
    rule("AwsSolutions-MSK6", Severity::Error, "MSK broker logs off"),
    rule(
        "MS-MSK-1",
        Severity::Error,
        "MSK at rest not encrypted with a customer KMS key",
    ),
    rule(
        "MS-MSK-2",
        Severity::Error,
        "MSK allows unauthenticated clients",
    ),
    rule(
        "AwsSolutions-SMG4",
        Severity::Error,
        "Secrets Manager secret without automatic rotation",
    ),
    rule(
        "MS-SMG-1",
        Severity::Error,
        "secret not encrypted with a customer KMS key",
    ),
    rule(
        "MS-LOGS-1",
        Severity::Error,
        "log group not encrypted with KMS",
    ),
    rule("MS-LOGS-2", Severity::Error, "log group without retention"),
    rule(
        "MS-ECR-1",
        Severity::Error,
        "ECR repository without scan on push, immutable tags or KMS encryption",
    ),
    rule(
        "MS-SSM-1",
        Severity::Error,
        "SSM parameter whose name looks like a secret (reported by the construct)",
    ),
    rule(
        "AwsSolutions-S1",
        Severity::Error,
        "S3 bucket without server access logging",
    ),
    rule(
        "AwsSolutions-S2",
        Severity::Error,
        "S3 bucket without all four public-access blocks on",
    ),
    rule(
        "AwsSolutions-SQS2",
        Severity::Error,
        "SQS queue without server-side encryption",
    ),
    rule(
        "AwsSolutions-SNS2",
        Severity::Error,
        "SNS topic without server-side encryption",
    ),
    rule(
        "AwsSolutions-DDB3",
        Severity::Error,
        "DynamoDB table without point-in-time recovery",
    ),
];

/// The rule behind a code.
pub fn rule_of(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// The key the rules are registered under; synthesis also runs
/// [`check_emitted`] on every resource when it is present.
pub(crate) const VALIDATION_KEY: &str = "meshsynth:aws-security";

/// Enables the rules for the whole app (once, however often it is called).
pub fn enable(scope: &mut Scope<'_>) {
    scope.add_validation_once(VALIDATION_KEY, check);
}

/// Whether an emitted property is literally off: absent, `false` or
/// `"false"`. An intrinsic is not judged (it is decided at deploy).
fn off(props: &serde_json::Map<String, serde_json::Value>, key: &str) -> bool {
    use serde_json::Value as Json;
    match props.get(key) {
        None | Some(Json::Null) => true,
        Some(Json::Bool(b)) => !b,
        Some(Json::String(s)) => !s.eq_ignore_ascii_case("true"),
        Some(_) => false,
    }
}

/// The rules that read a resource's final properties, after overrides and
/// raw resources, so an escape hatch that turns encryption off is caught
/// exactly like the typed field.
pub(crate) fn check_emitted(
    cfn_type: &str,
    props: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    match cfn_type {
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => {
            // An instance of a cluster takes its storage from the cluster.
            if props.contains_key("DBClusterIdentifier") && cfn_type == "AWS::RDS::DBInstance" {
                return;
            }
            if off(props, "StorageEncrypted") {
                report(
                    out,
                    "AwsSolutions-RDS2",
                    path,
                    "storage is not encrypted (StorageEncrypted is not true)".into(),
                    "set StorageEncrypted with a KMS key",
                );
            }
        }
        "AWS::ElastiCache::ReplicationGroup" => {
            let at_rest = off(props, "AtRestEncryptionEnabled");
            let transit = off(props, "TransitEncryptionEnabled");
            if at_rest || transit {
                let which = match (at_rest, transit) {
                    (true, true) => "at rest and in transit",
                    (true, false) => "at rest (AtRestEncryptionEnabled is not true)",
                    _ => "in transit (TransitEncryptionEnabled is not true)",
                };
                report(
                    out,
                    "AwsSolutions-AEC3",
                    path,
                    format!("encryption {which} is off"),
                    "enable both AtRestEncryptionEnabled and TransitEncryptionEnabled",
                );
            }
        }
        // Data services written with the generated L1 structs or raw: the
        // rules read what is emitted, so both are judged alike.
        "AWS::S3::Bucket" => {
            if props.get("LoggingConfiguration").is_none() {
                report(
                    out,
                    "AwsSolutions-S1",
                    path,
                    "the bucket has no server access logging (LoggingConfiguration)".into(),
                    "log to an access-log bucket with LoggingConfiguration.DestinationBucketName",
                );
            }
            let block = props.get("PublicAccessBlockConfiguration");
            let all_on = block.and_then(|b| b.as_object()).is_some_and(|b| {
                [
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                ]
                .iter()
                .all(|k| !off(b, k))
            });
            if !all_on {
                report(
                    out,
                    "AwsSolutions-S2",
                    path,
                    "public access is not fully blocked (PublicAccessBlockConfiguration)".into(),
                    "set BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets to true",
                );
            }
        }
        "AWS::SQS::Queue"
            if props.get("KmsMasterKeyId").is_none() && off(props, "SqsManagedSseEnabled") =>
        {
            report(
                out,
                "AwsSolutions-SQS2",
                path,
                "the queue has no server-side encryption".into(),
                "set KmsMasterKeyId (a customer key) or SqsManagedSseEnabled",
            );
        }
        "AWS::SNS::Topic" if props.get("KmsMasterKeyId").is_none() => {
            report(
                out,
                "AwsSolutions-SNS2",
                path,
                "the topic has no server-side encryption".into(),
                "set KmsMasterKeyId",
            );
        }
        "AWS::DynamoDB::Table" => {
            let pitr = props
                .get("PointInTimeRecoverySpecification")
                .and_then(|p| p.as_object())
                .is_some_and(|p| !off(p, "PointInTimeRecoveryEnabled"));
            if !pitr {
                report(
                    out,
                    "AwsSolutions-DDB3",
                    path,
                    "point-in-time recovery is off".into(),
                    "set PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
                );
            }
        }
        _ => {}
    }
}

/// Runs every rule over the app.
pub fn check(app: &App, out: &mut Vec<Diagnostic>) {
    network(app, out);
    iam(app, out);
    kms(app, out);
    eks(app, out);
    rds(app, out);
    elasticache(app, out);
    msk(app, out);
    supporting(app, out);
}

fn report(out: &mut Vec<Diagnostic>, code: &str, path: &str, message: String, hint: &str) {
    let severity = rule_of(code).map_or(Severity::Error, |r| r.severity);
    out.push(
        Diagnostic::new(severity, path, message)
            .with_code(code)
            .with_hint(format!(
                "{hint}; or suppress(\"{code}\", reason) if this is intended"
            )),
    );
}

/// The text of a value when it is literal, or a join of literals.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Join(sep, parts) => parts
            .iter()
            .map(text)
            .collect::<Option<Vec<_>>>()
            .map(|p| p.join(sep)),
        _ => None,
    }
}

/// Literal fragments of a value (joins flattened), for pattern checks.
fn fragments(v: &Value) -> Vec<String> {
    match v {
        Value::Str(s) => vec![s.clone()],
        Value::Join(_, parts) => parts.iter().flat_map(fragments).collect(),
        _ => Vec::new(),
    }
}

fn world(v: &Option<Value>) -> bool {
    v.as_ref()
        .and_then(text)
        .is_some_and(|c| c == "0.0.0.0/0" || c == "::/0")
}

fn network(app: &App, out: &mut Vec<Diagnostic>) {
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

fn check_document(out: &mut Vec<Diagnostic>, path: &str, doc: &PolicyDocument) {
    for st in &doc.statements {
        if st.effect == Effect::Deny {
            continue;
        }
        for a in &st.actions {
            if a == "*" || a == "*:*" {
                report(
                    out,
                    "MS-IAM-1",
                    path,
                    format!("statement allows Action {a:?}: full administrator"),
                    "list the actions the workload calls",
                );
            } else if a.contains('*') {
                report(
                    out,
                    "AwsSolutions-IAM5",
                    path,
                    format!("wildcard action {a:?}"),
                    "list the actions explicitly",
                );
            }
        }
        if st.resources.iter().any(|r| text(r).as_deref() == Some("*")) {
            let scoped: Vec<&String> = st
                .actions
                .iter()
                .filter(|a| !a.contains('*') && !NO_RESOURCE_LEVEL_ACTIONS.contains(&a.as_str()))
                .collect();
            if !scoped.is_empty() {
                report(out, "AwsSolutions-IAM5", path, format!("Resource * for actions that support resource-level permissions: {scoped:?}"), "scope them to ARNs (security::NO_RESOURCE_LEVEL_ACTIONS lists the exceptions)");
            }
        }
    }
}

fn aws_managed(v: &Value) -> bool {
    fragments(v).iter().any(|f| f.contains(":iam::aws:policy/"))
}

fn iam(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, role) in app.resources_of::<CfnRole>() {
        for p in role.policies.iter().flatten() {
            check_document(out, path, &p.policy_document);
        }
        for arn in role.managed_policy_arns.iter().flatten() {
            if aws_managed(arn) {
                let name = fragments(arn).concat();
                report(
                    out,
                    "AwsSolutions-IAM4",
                    path,
                    format!(
                        "AWS managed policy attached: {}",
                        name.rsplit('/').next().unwrap_or_default()
                    ),
                    "use a customer-managed policy or inline statements",
                );
            }
        }
    }
    for (path, p) in app.resources_of::<CfnPolicy>() {
        if let Some(d) = &p.policy_document {
            check_document(out, path, d);
        }
    }
    for (path, p) in app.resources_of::<CfnManagedPolicy>() {
        if let Some(d) = &p.policy_document {
            check_document(out, path, d);
        }
    }
}

fn kms(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, k) in app.resources_of::<CfnKey>() {
        let symmetric = k
            .key_spec
            .as_deref()
            .is_none_or(|s| s == "SYMMETRIC_DEFAULT");
        if symmetric && k.enable_key_rotation != Some(true) {
            report(
                out,
                "AwsSolutions-KMS5",
                path,
                "key rotation is off".into(),
                "keep KeyProps::rotation on",
            );
        }
    }
}

fn eks(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, c) in app.resources_of::<CfnCluster>() {
        let public = c
            .resources_vpc_config
            .as_ref()
            .is_none_or(|v| v.endpoint_public_access != Some(false));
        if public {
            report(
                out,
                "AwsSolutions-EKS1",
                path,
                "the Kubernetes API endpoint is public".into(),
                "use EndpointAccess::Private",
            );
        }
        let enabled: Vec<&str> = c
            .logging
            .iter()
            .flat_map(|l| {
                l.cluster_logging
                    .enabled_types
                    .iter()
                    .map(|t| t.log_type.as_str())
            })
            .collect();
        let missing: Vec<&&str> = CONTROL_PLANE_LOG_TYPES
            .iter()
            .filter(|t| !enabled.contains(t))
            .collect();
        if !missing.is_empty() {
            report(
                out,
                "AwsSolutions-EKS2",
                path,
                format!("control-plane log types off: {missing:?}"),
                "enable every log type",
            );
        }
        let secrets = c
            .encryption_config
            .iter()
            .flatten()
            .any(|e| e.resources.iter().any(|r| r == "secrets"));
        if !secrets {
            report(
                out,
                "MS-EKS-1",
                path,
                "Kubernetes secrets are not envelope-encrypted with KMS".into(),
                "set EncryptionConfig for secrets",
            );
        }
    }
}

fn rds(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, db) in app.resources_of::<CfnDbInstance>() {
        if db.publicly_accessible == Some(true) {
            report(
                out,
                "MS-RDS-1",
                path,
                "the DB instance is publicly accessible".into(),
                "keep databases in private subnets",
            );
        }
        if db.db_cluster_identifier.is_some() {
            continue; // Storage, backups and protection belong to the cluster.
        }
        let engine = db.engine.as_deref().unwrap_or_default();
        if db.multi_az != Some(true) {
            report(
                out,
                "AwsSolutions-RDS3",
                path,
                "the instance is not Multi-AZ".into(),
                "set multi_az",
            );
        }
        if db.enable_iam_database_authentication != Some(true) {
            report(
                out,
                "AwsSolutions-RDS6",
                path,
                "IAM database authentication is off".into(),
                "enable it",
            );
        }
        if db.deletion_protection != Some(true) {
            report(
                out,
                "AwsSolutions-RDS10",
                path,
                "deletion protection is off".into(),
                "enable it",
            );
        }
        if db.backup_retention_period == Some(0) {
            report(
                out,
                "AwsSolutions-RDS13",
                path,
                "automated backups are off".into(),
                "keep 1 to 35 days",
            );
        }
        if db.manage_master_user_password != Some(true) {
            report(
                out,
                "MS-RDS-2",
                path,
                "the master password is not managed by Secrets Manager".into(),
                "set ManageMasterUserPassword",
            );
        }
        let default_port = db
            .port
            .as_deref()
            .is_none_or(|p| Some(p) == default_port(engine));
        if default_port {
            report(
                out,
                "AwsSolutions-RDS11",
                path,
                "the instance listens on the engine's default port".into(),
                "use a non-default port",
            );
        }
    }
    for (path, c) in app.resources_of::<CfnDbCluster>() {
        if c.enable_iam_database_authentication != Some(true) {
            report(
                out,
                "AwsSolutions-RDS6",
                path,
                "IAM database authentication is off".into(),
                "enable it",
            );
        }
        if c.deletion_protection != Some(true) {
            report(
                out,
                "AwsSolutions-RDS10",
                path,
                "deletion protection is off".into(),
                "enable it",
            );
        }
        if c.backup_retention_period == Some(0) {
            report(
                out,
                "AwsSolutions-RDS13",
                path,
                "automated backups are off".into(),
                "keep 1 to 35 days",
            );
        }
        if c.manage_master_user_password != Some(true) {
            report(
                out,
                "MS-RDS-2",
                path,
                "the master password is not managed by Secrets Manager".into(),
                "set ManageMasterUserPassword",
            );
        }
        let engine = c.engine.as_deref().unwrap_or_default();
        let port = c.port.map(|p| p.to_string());
        if port
            .as_deref()
            .is_none_or(|p| Some(p) == default_port(engine))
        {
            report(
                out,
                "AwsSolutions-RDS11",
                path,
                "the cluster listens on the engine's default port".into(),
                "use a non-default port",
            );
        }
    }
    let force_ssl = |path: &str,
                     family: Option<&str>,
                     params: Option<&std::collections::BTreeMap<String, String>>,
                     out: &mut Vec<Diagnostic>| {
        if family.is_some_and(|f| f.contains("postgres"))
            && params
                .and_then(|p| p.get("rds.force_ssl"))
                .map(String::as_str)
                != Some("1")
        {
            report(
                out,
                "MS-RDS-3",
                path,
                "the parameter group does not force TLS".into(),
                "set rds.force_ssl=1",
            );
        }
    };
    for (path, g) in app.resources_of::<CfnDbParameterGroup>() {
        force_ssl(path, g.family.as_deref(), g.parameters.as_ref(), out);
    }
    for (path, g) in app.resources_of::<CfnDbClusterParameterGroup>() {
        force_ssl(path, g.family.as_deref(), g.parameters.as_ref(), out);
    }
}

fn default_port(engine: &str) -> Option<&'static str> {
    match engine {
        "postgres" | "aurora-postgresql" => Some("5432"),
        "mysql" | "mariadb" | "aurora-mysql" => Some("3306"),
        _ => None,
    }
}

fn elasticache(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, g) in app.resources_of::<CfnReplicationGroup>() {
        if g.cache_subnet_group_name.is_none() {
            report(
                out,
                "AwsSolutions-AEC1",
                path,
                "the replication group has no VPC subnet group".into(),
                "set CacheSubnetGroupName",
            );
        }
        if g.multi_az_enabled != Some(true) || g.automatic_failover_enabled != Some(true) {
            report(
                out,
                "AwsSolutions-AEC4",
                path,
                "Multi-AZ with automatic failover is off".into(),
                "enable both with 2 or more nodes",
            );
        }
        if g.port.is_none_or(|p| p == 6379) {
            report(
                out,
                "AwsSolutions-AEC5",
                path,
                "the replication group listens on the default port 6379".into(),
                "use a non-default port",
            );
        }
        if g.auth_token.is_none() {
            report(
                out,
                "AwsSolutions-AEC6",
                path,
                "no AUTH token".into(),
                "set an AUTH token from Secrets Manager",
            );
        }
        if g.kms_key_id.is_none() {
            report(
                out,
                "MS-CACHE-1",
                path,
                "data at rest uses the AWS-owned key".into(),
                "set KmsKeyId",
            );
        }
    }
}

fn msk(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, c) in app.resources_of::<CfnMskCluster>() {
        let transit = c
            .encryption_info
            .as_ref()
            .and_then(|e| e.encryption_in_transit.as_ref());
        if transit
            .and_then(|t| t.client_broker.as_deref())
            .is_some_and(|cb| cb != "TLS")
        {
            report(
                out,
                "AwsSolutions-MSK2",
                path,
                "clients may connect without TLS".into(),
                "set ClientBroker to TLS",
            );
        }
        if transit.and_then(|t| t.in_cluster) == Some(false) {
            report(
                out,
                "AwsSolutions-MSK3",
                path,
                "traffic between brokers is not encrypted".into(),
                "set InCluster to true",
            );
        }
        let logs = c.logging_info.as_ref().is_some_and(|l| {
            l.broker_logs
                .cloud_watch_logs
                .as_ref()
                .is_some_and(|cw| cw.enabled)
        });
        if !logs {
            report(
                out,
                "AwsSolutions-MSK6",
                path,
                "broker logs are off".into(),
                "send broker logs to CloudWatch Logs",
            );
        }
        if c.encryption_info
            .as_ref()
            .and_then(|e| e.encryption_at_rest.as_ref())
            .is_none()
        {
            report(
                out,
                "MS-MSK-1",
                path,
                "data at rest uses the AWS-owned key".into(),
                "set EncryptionAtRest with a KMS key",
            );
        }
        let auth = c.client_authentication.as_ref();
        let unauthenticated = auth.is_none_or(|a| {
            a.unauthenticated.as_ref().is_some_and(|u| u.enabled)
                || a.sasl
                    .as_ref()
                    .and_then(|s| s.iam.as_ref())
                    .is_none_or(|i| !i.enabled)
        });
        if unauthenticated {
            report(
                out,
                "MS-MSK-2",
                path,
                "clients may connect without IAM authentication".into(),
                "enable SASL/IAM and disable unauthenticated access",
            );
        }
    }
}

fn supporting(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, s) in app.resources_of::<CfnSecret>() {
        report(
            out,
            "AwsSolutions-SMG4",
            path,
            "the secret has no automatic rotation".into(),
            "rotate it with a rotation schedule",
        );
        if s.kms_key_id.is_none() {
            report(
                out,
                "MS-SMG-1",
                path,
                "the secret uses the AWS-managed key".into(),
                "set SecretProps::encryption_key",
            );
        }
    }
    for (path, g) in app.resources_of::<CfnLogGroup>() {
        if g.kms_key_id.is_none() {
            report(
                out,
                "MS-LOGS-1",
                path,
                "the log group is not encrypted with KMS".into(),
                "set LogGroupProps::encryption_key",
            );
        }
        if g.retention_in_days.is_none() {
            report(
                out,
                "MS-LOGS-2",
                path,
                "the log group keeps logs forever".into(),
                "set a retention",
            );
        }
    }
    for (path, r) in app.resources_of::<CfnRepository>() {
        let scan = r
            .image_scanning_configuration
            .as_ref()
            .is_some_and(|c| c.scan_on_push);
        let immutable = r.image_tag_mutability.as_deref() == Some("IMMUTABLE");
        let kms = r
            .encryption_configuration
            .as_ref()
            .is_some_and(|e| e.encryption_type == "KMS");
        if !(scan && immutable && kms) {
            report(
                out,
                "MS-ECR-1",
                path,
                format!("scan on push {scan}, immutable tags {immutable}, KMS encryption {kms}"),
                "keep all three on",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let codes: std::collections::BTreeSet<_> = RULES.iter().map(|r| r.code).collect();
        assert_eq!(codes.len(), RULES.len());
    }

    #[test]
    fn every_rule_is_documented() {
        let doc = include_str!("../../docs/security.md");
        for r in RULES {
            assert!(
                doc.contains(&format!("`{}`", r.code)),
                "{} missing from docs/security.md",
                r.code
            );
        }
    }

    #[test]
    fn iam_wildcards() {
        use crate::aws::iam::PolicyStatement;
        let mut out = Vec::new();
        let doc = PolicyDocument::new(vec![
            PolicyStatement::allow(["*"], [Value::str("*")]),
            PolicyStatement::allow(["s3:Get*"], [Value::str("arn:aws:s3:::b/*")]),
            PolicyStatement::allow(["ecr:GetAuthorizationToken"], [Value::str("*")]),
            PolicyStatement::allow(["ssm:GetParameter"], [Value::str("*")]),
        ]);
        check_document(&mut out, "p", &doc);
        let codes: Vec<_> = out
            .iter()
            .map(|d| d.code.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            codes,
            ["MS-IAM-1", "AwsSolutions-IAM5", "AwsSolutions-IAM5"]
        );
        assert!(out[2].message.contains("ssm:GetParameter"));
    }
}
