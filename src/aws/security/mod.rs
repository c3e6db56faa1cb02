//! Security rules of the AWS library. They read what synthesis emits — a
//! resource's final properties after overrides, aspects and raw resources —
//! so an escape hatch is judged exactly like a typed field, and a type
//! written raw or with a generated L1 struct is judged like one an L2
//! construct made. One module per service family; none of them imports a
//! family's constructs (the families import this module to `enable` it).
//! Every AWS construct enables the rules; an app that only uses L1 structs
//! calls `enable` itself. Codes are the cdk-nag `AwsSolutions-*` ids where
//! cdk-nag has the rule and `MS-*` ids for meshsynth's own, so
//! `scope.suppress(code, reason)` turns one off below a scope, and the
//! reason lands in the template's Metadata.

pub mod codes;
mod data;
mod edge;
mod eks;
mod elasticache;
mod iam;
mod kms;
mod msk;
mod network;
mod rds;
mod supporting;

pub use eks::CONTROL_PLANE_LOG_TYPES;
pub(crate) use iam::emitted_policy_document;

use serde_json::Value as Json;

use crate::core::{App, Diagnostic, Scope, Severity};

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

pub use crate::core::Rule;

const fn rule(code: &'static str, severity: Severity, summary: &'static str) -> Rule {
    Rule::new(code, severity, summary)
}

/// Every rule this module checks.
pub const RULES: &[Rule] = &[
    rule(
        codes::AWS_SOLUTIONS_EC23,
        Severity::Error,
        "security group ingress from 0.0.0.0/0 or ::/0",
    ),
    rule(
        codes::AWS_SOLUTIONS_EC26,
        Severity::Error,
        "EBS volume of a launch template not encrypted",
    ),
    rule(
        codes::AWS_SOLUTIONS_EC27,
        Severity::Error,
        "security group or rule without a description",
    ),
    rule(
        codes::AWS_SOLUTIONS_VPC7,
        Severity::Error,
        "VPC without a flow log",
    ),
    rule(
        codes::MS_EC2_1,
        Severity::Error,
        "launch template does not require IMDSv2",
    ),
    rule(
        codes::AWS_SOLUTIONS_IAM4,
        Severity::Error,
        "AWS managed policy attached",
    ),
    rule(
        codes::AWS_SOLUTIONS_IAM5,
        Severity::Error,
        "wildcard action, or Resource * for an action that has resource-level permissions",
    ),
    rule(
        codes::MS_IAM_1,
        Severity::Error,
        "Action * or *:* (full administrator)",
    ),
    rule(
        codes::MS_IAM_2,
        Severity::Error,
        "ServiceAccount annotated with an IRSA role whose trust policy does not admit it",
    ),
    rule(
        codes::AWS_SOLUTIONS_KMS5,
        Severity::Error,
        "KMS key without rotation",
    ),
    rule(
        codes::AWS_SOLUTIONS_EKS1,
        Severity::Error,
        "EKS API endpoint publicly accessible",
    ),
    rule(
        codes::AWS_SOLUTIONS_EKS2,
        Severity::Error,
        "EKS control-plane log types not all enabled",
    ),
    rule(
        codes::MS_EKS_1,
        Severity::Error,
        "EKS secrets not envelope-encrypted with KMS",
    ),
    rule(
        codes::AWS_SOLUTIONS_RDS2,
        Severity::Error,
        "RDS storage not encrypted",
    ),
    rule(
        codes::AWS_SOLUTIONS_RDS3,
        Severity::Error,
        "RDS instance (non-Aurora) not Multi-AZ",
    ),
    rule(
        codes::AWS_SOLUTIONS_RDS6,
        Severity::Error,
        "RDS IAM database authentication off",
    ),
    rule(
        codes::AWS_SOLUTIONS_RDS10,
        Severity::Error,
        "RDS deletion protection off",
    ),
    rule(
        codes::AWS_SOLUTIONS_RDS11,
        Severity::Warning,
        "RDS on the engine's default port",
    ),
    rule(
        codes::AWS_SOLUTIONS_RDS13,
        Severity::Error,
        "RDS automated backups off",
    ),
    rule(
        codes::MS_RDS_1,
        Severity::Error,
        "RDS instance publicly accessible",
    ),
    rule(
        codes::MS_RDS_2,
        Severity::Error,
        "RDS master password not managed by Secrets Manager",
    ),
    rule(
        codes::MS_RDS_3,
        Severity::Error,
        "PostgreSQL parameter group does not force TLS (rds.force_ssl=1)",
    ),
    rule(
        codes::AWS_SOLUTIONS_AEC1,
        Severity::Error,
        "ElastiCache replication group outside a VPC subnet group",
    ),
    rule(
        codes::AWS_SOLUTIONS_AEC3,
        Severity::Error,
        "ElastiCache encryption at rest or in transit off",
    ),
    rule(
        codes::AWS_SOLUTIONS_AEC4,
        Severity::Error,
        "ElastiCache Multi-AZ off",
    ),
    rule(
        codes::AWS_SOLUTIONS_AEC5,
        Severity::Warning,
        "ElastiCache on the default port",
    ),
    rule(
        codes::AWS_SOLUTIONS_AEC6,
        Severity::Error,
        "Redis/Valkey without an AUTH token",
    ),
    rule(
        codes::MS_CACHE_1,
        Severity::Error,
        "ElastiCache at rest not encrypted with a customer KMS key",
    ),
    rule(
        codes::AWS_SOLUTIONS_MSK2,
        Severity::Error,
        "MSK client-broker traffic not TLS-only",
    ),
    rule(
        codes::AWS_SOLUTIONS_MSK3,
        Severity::Error,
        "MSK traffic between brokers not TLS",
    ),
    rule(
        codes::AWS_SOLUTIONS_MSK6, Severity::Error, "MSK broker logs off"),
    rule(
        codes::MS_MSK_1,
        Severity::Error,
        "MSK at rest not encrypted with a customer KMS key",
    ),
    rule(
        codes::MS_MSK_2,
        Severity::Error,
        "MSK allows unauthenticated clients",
    ),
    rule(
        codes::AWS_SOLUTIONS_SMG4,
        Severity::Error,
        "Secrets Manager secret without automatic rotation",
    ),
    rule(
        codes::MS_SMG_1,
        Severity::Error,
        "secret not encrypted with a customer KMS key",
    ),
    rule(
        codes::MS_LOGS_1,
        Severity::Error,
        "log group not encrypted with KMS",
    ),
    rule(
        codes::MS_LOGS_2, Severity::Error, "log group without retention"),
    rule(
        codes::MS_ECR_1,
        Severity::Error,
        "ECR repository without scan on push, immutable tags or KMS encryption",
    ),
    rule(
        codes::MS_SSM_1,
        Severity::Error,
        "SSM parameter whose name looks like a secret (reported by the construct)",
    ),
    rule(
        codes::AWS_SOLUTIONS_S1,
        Severity::Error,
        "S3 bucket without server access logging",
    ),
    rule(
        codes::AWS_SOLUTIONS_S2,
        Severity::Error,
        "S3 bucket without all four public-access blocks on",
    ),
    rule(
        codes::AWS_SOLUTIONS_SQS2,
        Severity::Error,
        "SQS queue without server-side encryption",
    ),
    rule(
        codes::AWS_SOLUTIONS_SNS2,
        Severity::Error,
        "SNS topic without server-side encryption",
    ),
    rule(
        codes::AWS_SOLUTIONS_DDB3,
        Severity::Error,
        "DynamoDB table without point-in-time recovery",
    ),
    rule(
        codes::MS_S3_1,
        Severity::Error,
        "bucket policy that allows anyone (Principal *) without a condition",
    ),
    rule(
        codes::AWS_SOLUTIONS_CFR4,
        Severity::Error,
        "CloudFront viewers may use TLS older than 1.2 (default certificate, no or old MinimumProtocolVersion)",
    ),
    rule(
        codes::MS_CFR_1,
        Severity::Error,
        "CloudFront cache behavior that allows plain HTTP (ViewerProtocolPolicy allow-all)",
    ),
];

/// The rule behind a code.
pub fn rule_of(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// The key the rules are registered under: a tree validation, and
/// `check_emitted`, which synthesis runs on every emitted resource.
const VALIDATION_KEY: &str = "meshsynth:aws-security";

/// Enables the rules for the whole app (once, however often it is called).
pub fn enable(scope: &mut Scope<'_>) {
    scope.add_validation_once(VALIDATION_KEY, check);
    scope.add_emitted_check_once(VALIDATION_KEY, check_emitted);
}

/// A resource's emitted properties, as the rules read them.
pub(super) type Props = serde_json::Map<String, Json>;

/// Whether an emitted property is literally off: absent, `false` or
/// `"false"`. An intrinsic is not judged (it is decided at deploy).
pub(super) fn off(props: &Props, key: &str) -> bool {
    match props.get(key) {
        None | Some(Json::Null) => true,
        Some(Json::Bool(b)) => !b,
        Some(Json::String(s)) => !s.eq_ignore_ascii_case("true"),
        Some(_) => false,
    }
}

/// Whether an emitted property is literally `true` or `"true"`.
pub(super) fn on(props: &Props, key: &str) -> bool {
    match props.get(key) {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Whether an emitted property is literally `false` or `"false"`.
pub(super) fn literally_false(props: &Props, key: &str) -> bool {
    match props.get(key) {
        Some(Json::Bool(b)) => !*b,
        Some(Json::String(s)) => s.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

/// A literal scalar (string, number or boolean), or a `Fn::Join` of
/// literals, as text; `None` for an intrinsic decided at deploy.
pub(super) fn text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Object(m) => {
            let join = m.get("Fn::Join")?.as_array()?;
            let sep = join.first()?.as_str()?;
            let parts = join.get(1)?.as_array()?;
            parts
                .iter()
                .map(text)
                .collect::<Option<Vec<_>>>()
                .map(|p| p.join(sep))
        }
        _ => None,
    }
}

/// The literal text of a property, when it has one.
pub(super) fn lit(props: &Props, key: &str) -> Option<String> {
    props.get(key).and_then(text)
}

/// Whether a property is set to a value only known at deploy.
pub(super) fn intrinsic(props: &Props, key: &str) -> bool {
    props.get(key).is_some_and(|v| text(v).is_none())
}

/// Whether a property is absent, or a literal that is blank.
pub(super) fn blank(props: &Props, key: &str) -> bool {
    match props.get(key) {
        None | Some(Json::Null) => true,
        Some(v) => text(v).is_some_and(|t| t.trim().is_empty()),
    }
}

/// A nested object property.
pub(super) fn obj<'a>(props: &'a Props, key: &str) -> Option<&'a Props> {
    props.get(key).and_then(Json::as_object)
}

/// The objects of a list property (none when absent or not a list).
pub(super) fn objects<'a>(
    props: &'a Props,
    key: &str,
) -> impl Iterator<Item = &'a Props> + use<'a> {
    props
        .get(key)
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_object)
}

/// Every literal string inside a value (joins and `Fn::Sub` templates
/// included), for pattern checks on values that are partly intrinsic.
pub(super) fn fragments(v: &Json) -> Vec<String> {
    fn walk(v: &Json, out: &mut Vec<String>) {
        match v {
            Json::String(s) => out.push(s.clone()),
            Json::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Json::Object(m) => m.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

/// Whether a CIDR property is the whole internet.
pub(super) fn world(props: &Props, key: &str) -> bool {
    lit(props, key).is_some_and(|c| c == "0.0.0.0/0" || c == "::/0")
}

/// Runs the app-wide rules: those that relate one resource to another
/// (a VPC and the flow logs that name it).
pub fn check(app: &App, out: &mut Vec<Diagnostic>) {
    network::check_app(app, out);
    crate::aws::iam::irsa::service_accounts_admitted(app, out);
}

/// The rules that read one resource's final properties, after overrides,
/// aspects and raw resources, so an escape hatch is judged exactly like a
/// typed field. Each family module matches the types it knows.
fn check_emitted(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    let service = cfn_type.split("::").nth(1).unwrap_or_default();
    match service {
        "EC2" => network::check(cfn_type, props, path, out),
        "IAM" => iam::check(cfn_type, props, path, out),
        "KMS" => kms::check(cfn_type, props, path, out),
        "EKS" => eks::check(cfn_type, props, path, out),
        "RDS" => rds::check(cfn_type, props, path, out),
        "ElastiCache" => elasticache::check(cfn_type, props, path, out),
        "MSK" => msk::check(cfn_type, props, path, out),
        "SecretsManager" | "Logs" | "ECR" => supporting::check(cfn_type, props, path, out),
        "S3" | "SQS" | "SNS" | "DynamoDB" => data::check(cfn_type, props, path, out),
        "CloudFront" => edge::check(cfn_type, props, path, out),
        _ => {}
    }
}

/// `check_emitted` for the family modules' tests.
#[cfg(test)]
pub(super) fn check_emitted_for_tests(cfn_type: &str, props: &Props, out: &mut Vec<Diagnostic>) {
    check_emitted(cfn_type, props, "test/Resource", out);
}

pub(super) fn report(
    out: &mut Vec<Diagnostic>,
    code: &str,
    path: &str,
    message: String,
    hint: &str,
) {
    let severity = rule_of(code).map_or(Severity::Error, |r| r.severity);
    out.push(
        Diagnostic::new(severity, path, message)
            .with_code(code)
            .with_hint(format!(
                "{hint}; or suppress(\"{code}\", reason) if this is intended"
            )),
    );
}

#[cfg(test)]
mod tests {
    use super::iam::check_document;
    use super::*;
    use crate::aws::iam::policy::PolicyDocument;
    use crate::core::Value;

    /// docs/security.md lists every action allowed on `Resource: *`.
    #[test]
    fn the_docs_list_every_action_without_resource_level_permissions() {
        let docs = include_str!("../../../docs/security.md");
        for a in NO_RESOURCE_LEVEL_ACTIONS {
            let (service, action) = a.split_once(':').expect("service:action");
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| `{service}` |")))
                .unwrap_or_else(|| panic!("docs/security.md has no row for {service}"));
            assert!(
                row.contains(&format!("`{action}`")),
                "{a} is missing from docs/security.md"
            );
        }
    }

    #[test]
    fn codes_are_unique() {
        let codes: std::collections::BTreeSet<_> = RULES.iter().map(|r| r.code).collect();
        assert_eq!(codes.len(), RULES.len());
    }

    #[test]
    fn every_rule_is_documented() {
        let doc = include_str!("../../../docs/security.md");
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
        let json = serde_json::to_value(&doc).expect("a literal document serializes");
        check_document(&mut out, "p", &json);
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

    #[test]
    fn a_policy_document_in_fn_sub_form_is_checked_too() {
        let mut out = Vec::new();
        let doc = serde_json::json!({"Fn::Sub": [
            "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"${Table}\"}]}",
            {"Table": {"Ref": "Table"}}
        ]});
        check_document(&mut out, "p", &doc);
        let codes: Vec<_> = out.iter().filter_map(|d| d.code.clone()).collect();
        assert_eq!(codes, ["MS-IAM-1"]);
    }
}
