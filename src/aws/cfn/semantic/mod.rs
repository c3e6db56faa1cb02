//! Checks of what a resource's schema cannot see: how resources relate to
//! each other and to the region their stack deploys to. They read the
//! emitted templates of the whole app, after references are resolved and
//! cross-stack exports are wired, so a typed L2, a generated L1 struct, a
//! raw resource and an override are judged alike, and a reference that
//! crosses stacks (`Fn::ImportValue`, `Fn::GetStackOutput`) is followed to
//! the resource behind it. Each rule is a mistake CloudFormation (or the
//! service, at run time) would refuse or silently get wrong; every finding
//! names the construct path and the property and says what to do.

mod compute;
mod data;
mod edge;
mod messaging;
mod operations;

use serde_json::{Map, Value as Json};

use crate::core::diag::Diagnostic;
use crate::core::resource::DeletionPolicy;

/// The codes of these rules, one constant each (docs/aws.md lists them).
pub mod codes {
    /// A DynamoDB key attribute without an attribute definition, or a
    /// definition no key uses.
    pub const DYNAMODB_KEY_ATTRIBUTES: &str = "MS-CFN-10";
    /// Two WAF rules of one web ACL or rule group share a priority or a name.
    pub const WAF_RULE_PRIORITY: &str = "MS-CFN-11";
    /// A CLOUDFRONT-scope web ACL in a stack outside us-east-1.
    pub const WAF_CLOUDFRONT_REGION: &str = "MS-CFN-12";
    /// A CloudFront distribution associated with a REGIONAL web ACL.
    pub const DISTRIBUTION_REGIONAL_ACL: &str = "MS-CFN-13";
    /// A CloudFront distribution's ACM certificate outside us-east-1.
    pub const DISTRIBUTION_CERTIFICATE_REGION: &str = "MS-CFN-14";
    /// Two bucket policies on one bucket (the second replaces the first).
    pub const BUCKET_POLICY_TWICE: &str = "MS-CFN-15";
    /// A FIFO queue subscribed to a standard topic, or the other way round.
    pub const FIFO_SUBSCRIPTION: &str = "MS-CFN-16";
    /// A Route 53 record whose name is outside its hosted zone.
    pub const RECORD_OUTSIDE_ZONE: &str = "MS-CFN-17";
    /// A grant on data encrypted with a customer KMS key that cannot use
    /// the key.
    pub const GRANT_WITHOUT_KEY: &str = "MS-CFN-18";
    /// A stateful resource that is deleted with its data when it is
    /// removed or replaced (no `DeletionPolicy` that keeps it).
    pub const STATEFUL_WITHOUT_RETAIN: &str = "MS-CFN-19";
    /// A service delivers to a queue or topic encrypted with a customer key
    /// whose key policy does not let that service use the key.
    pub const SERVICE_NOT_ADMITTED_TO_KEY: &str = "MS-CFN-20";
    /// EKS nodes whose pods can reach instance metadata, while the node
    /// role holds the VPC CNI policy.
    pub const NODE_CREDENTIALS_TO_PODS: &str = "MS-EKS-3";
    /// A dead-letter queue that keeps messages for less time than its
    /// source queue (they expire from it sooner than intended).
    pub const DEAD_LETTER_RETENTION: &str = "MS-CFN-21";
    /// A schedule expression EventBridge refuses (a five-field crontab,
    /// `rate(1 minutes)`).
    pub const SCHEDULE_EXPRESSION: &str = "MS-CFN-22";
    /// An alarm on a metric its AWS namespace does not publish.
    pub const UNPUBLISHED_METRIC: &str = "MS-CFN-23";
    /// A CloudFront origin on a bucket's REST endpoint with neither origin
    /// access control nor an origin access identity.
    pub const ORIGIN_WITHOUT_ACCESS: &str = "MS-CFN-24";
    /// A stack whose region is not one AWS has (a typo deploys nowhere).
    pub const UNKNOWN_REGION: &str = "MS-CFN-25";

    /// Every code of this module, for docs and tests.
    pub const ALL: &[&str] = &[
        DYNAMODB_KEY_ATTRIBUTES,
        WAF_RULE_PRIORITY,
        WAF_CLOUDFRONT_REGION,
        DISTRIBUTION_REGIONAL_ACL,
        DISTRIBUTION_CERTIFICATE_REGION,
        BUCKET_POLICY_TWICE,
        FIFO_SUBSCRIPTION,
        RECORD_OUTSIDE_ZONE,
        GRANT_WITHOUT_KEY,
        STATEFUL_WITHOUT_RETAIN,
        SERVICE_NOT_ADMITTED_TO_KEY,
        NODE_CREDENTIALS_TO_PODS,
        DEAD_LETTER_RETENTION,
        SCHEDULE_EXPRESSION,
        UNPUBLISHED_METRIC,
        ORIGIN_WITHOUT_ACCESS,
        UNKNOWN_REGION,
    ];
}

/// The rules' catalog entries.
pub const RULES: &[crate::core::Rule] = {
    use crate::core::{Rule, Severity::Error as E, Severity::Warning as W};
    &[
        Rule::new(
            codes::DYNAMODB_KEY_ATTRIBUTES,
            E,
            "DynamoDB key attribute without a definition, or a definition no key uses",
        ),
        Rule::new(
            codes::WAF_RULE_PRIORITY,
            E,
            "two WAF rules of one web ACL with one priority or name",
        ),
        Rule::new(
            codes::WAF_CLOUDFRONT_REGION,
            E,
            "CLOUDFRONT-scope web ACL outside us-east-1",
        ),
        Rule::new(
            codes::DISTRIBUTION_REGIONAL_ACL,
            E,
            "REGIONAL web ACL on a CloudFront distribution",
        ),
        Rule::new(
            codes::DISTRIBUTION_CERTIFICATE_REGION,
            E,
            "CloudFront certificate outside us-east-1",
        ),
        Rule::new(
            codes::BUCKET_POLICY_TWICE,
            E,
            "two bucket policies on one bucket",
        ),
        Rule::new(
            codes::FIFO_SUBSCRIPTION,
            E,
            "FIFO queue subscribed to a standard topic, or the other way round",
        ),
        Rule::new(
            codes::RECORD_OUTSIDE_ZONE,
            E,
            "Route 53 record outside its hosted zone",
        ),
        Rule::new(
            codes::GRANT_WITHOUT_KEY,
            E,
            "grant on data encrypted with a customer key, without the key",
        ),
        Rule::new(
            codes::STATEFUL_WITHOUT_RETAIN,
            W,
            "stateful resource without a DeletionPolicy that keeps its data",
        ),
        Rule::new(
            codes::SERVICE_NOT_ADMITTED_TO_KEY,
            E,
            "service delivering to a queue or topic whose key does not admit it",
        ),
        Rule::new(
            codes::NODE_CREDENTIALS_TO_PODS,
            E,
            "EKS node role with the VPC CNI policy, reachable by pods through IMDS",
        ),
        Rule::new(
            codes::DEAD_LETTER_RETENTION,
            W,
            "dead-letter queue keeping messages for less time than its source queue",
        ),
        Rule::new(
            codes::SCHEDULE_EXPRESSION,
            E,
            "EventBridge schedule expression that is not rate(...), a six-field cron(...) or at(...)",
        ),
        Rule::new(
            codes::UNPUBLISHED_METRIC,
            W,
            "CloudWatch alarm on a metric its AWS namespace does not publish",
        ),
        Rule::new(
            codes::ORIGIN_WITHOUT_ACCESS,
            E,
            "CloudFront origin on a private bucket without origin access control",
        ),
        Rule::new(
            codes::UNKNOWN_REGION,
            W,
            "stack region that is not an AWS region",
        ),
    ]
};

/// One emitted resource, as the rules read it.
#[derive(Debug, Clone, Copy)]
pub struct ResourceView<'a> {
    /// The logical id in its template.
    pub logical_id: &'a str,
    /// The CloudFormation type.
    pub cfn_type: &'a str,
    /// The final properties (after overrides, tags and resolution).
    pub properties: &'a Map<String, Json>,
    /// The construct path, for findings.
    pub path: &'a str,
    /// `DeletionPolicy`, when set.
    pub deletion_policy: Option<DeletionPolicy>,
}

/// One emitted output.
#[derive(Debug, Clone, Copy)]
pub struct OutputView<'a> {
    /// The output's logical id (what `Fn::GetStackOutput` names).
    pub logical_id: &'a str,
    /// Its resolved value.
    pub value: &'a Json,
    /// `Export.Name`, when exported (what `Fn::ImportValue` names).
    pub export_name: Option<&'a str>,
}

/// One emitted stack.
#[derive(Debug, Clone, Default)]
pub struct StackView<'a> {
    /// The stack name.
    pub name: &'a str,
    /// The region it deploys to; `None` when environment-agnostic.
    pub region: Option<&'a str>,
    /// Its resources, in template order.
    pub resources: Vec<ResourceView<'a>>,
    /// Its outputs.
    pub outputs: Vec<OutputView<'a>>,
}

/// The resource a value points at, found through `Ref`, `Fn::GetAtt`,
/// `Fn::ImportValue` of an export of the app, or `Fn::GetStackOutput`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The stack the resource is in.
    pub stack: &'a StackView<'a>,
    /// The resource.
    pub resource: &'a ResourceView<'a>,
}

/// The app's emitted stacks, with lookups the rules share.
pub(crate) struct Templates<'a> {
    stacks: &'a [StackView<'a>],
}

impl<'a> Templates<'a> {
    /// Every resource of a type, with its stack.
    pub fn of_type(
        &self,
        cfn_type: &'a str,
    ) -> impl Iterator<Item = (&'a StackView<'a>, &'a ResourceView<'a>)> + 'a + use<'a> {
        self.stacks.iter().flat_map(move |s| {
            s.resources
                .iter()
                .filter(move |r| r.cfn_type == cfn_type)
                .map(move |r| (s, r))
        })
    }

    /// The resource `value` (a property of a resource of `stack`) points at,
    /// whichever attribute it reads.
    pub fn target(&self, stack: &'a StackView<'a>, value: &'a Json) -> Option<Target<'a>> {
        self.target_depth(stack, value, 0)
    }

    fn target_depth(
        &self,
        stack: &'a StackView<'a>,
        value: &'a Json,
        depth: u8,
    ) -> Option<Target<'a>> {
        // Outputs point at resources, never at other outputs; the bound only
        // guards against a hand-edited cycle.
        if depth > 4 {
            return None;
        }
        let m = value.as_object().filter(|m| m.len() == 1)?;
        let (k, v) = m.iter().next()?;
        let local = |lid: &str| {
            stack
                .resources
                .iter()
                .find(|r| r.logical_id == lid)
                .map(|resource| Target { stack, resource })
        };
        match k.as_str() {
            "Ref" => local(v.as_str()?),
            "Fn::GetAtt" => match v {
                Json::Array(a) if a.len() == 2 => local(a[0].as_str()?),
                Json::String(s) => local(s.split_once('.')?.0),
                _ => None,
            },
            "Fn::ImportValue" => {
                let name = v.as_str()?;
                self.stacks.iter().find_map(|s| {
                    let o = s.outputs.iter().find(|o| o.export_name == Some(name))?;
                    self.target_depth(s, o.value, depth + 1)
                })
            }
            "Fn::GetStackOutput" => {
                let stack_name = v.get("StackName")?.as_str()?;
                let output = v.get("OutputName")?.as_str()?;
                let s = self.stacks.iter().find(|s| s.name == stack_name)?;
                let o = s.outputs.iter().find(|o| o.logical_id == output)?;
                self.target_depth(s, o.value, depth + 1)
            }
            _ => None,
        }
    }
}

/// The types whose properties some rule reads. The rules see every other
/// resource without properties (type, id, path and deletion policy only),
/// so a rule reading another type fails its tests until the type is here;
/// synthesis may then write those properties out early (ADR 0006).
const PROPERTIES_READ: &[&str] = &[
    "AWS::CloudFront::Distribution",
    "AWS::CloudWatch::Alarm",
    "AWS::DynamoDB::GlobalTable",
    "AWS::DynamoDB::Table",
    "AWS::EC2::LaunchTemplate",
    "AWS::EKS::Nodegroup",
    "AWS::Events::Rule",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::IAM::RolePolicy",
    "AWS::KMS::Key",
    "AWS::Kinesis::Stream",
    "AWS::Route53::HostedZone",
    "AWS::Route53::RecordSet",
    "AWS::Route53::RecordSetGroup",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::Scheduler::Schedule",
    "AWS::WAFv2::RuleGroup",
    "AWS::WAFv2::WebACL",
];

/// Whether some rule reads the properties of resources of `cfn_type`.
pub(crate) fn reads_properties(cfn_type: &str) -> bool {
    PROPERTIES_READ.binary_search(&cfn_type).is_ok()
}

/// Runs every rule over the app's emitted stacks.
pub fn check_templates(stacks: &[StackView<'_>], out: &mut Vec<Diagnostic>) {
    static NONE: std::sync::LazyLock<Map<String, Json>> = std::sync::LazyLock::new(Map::new);
    let declared: Vec<StackView<'_>> = stacks
        .iter()
        .map(|s| StackView {
            resources: (s.resources.iter())
                .map(|r| ResourceView {
                    properties: if reads_properties(r.cfn_type) {
                        r.properties
                    } else {
                        &NONE
                    },
                    ..*r
                })
                .collect(),
            name: s.name,
            region: s.region,
            outputs: s.outputs.clone(),
        })
        .collect();
    let t = Templates { stacks: &declared };
    compute::check(&t, out);
    data::check(&t, out);
    edge::check(&t, out);
    messaging::check(&t, out);
    operations::check(&t, out);
}

/// Whether a property is literally `true` (or `"true"`).
pub(crate) fn is_true(v: Option<&Json>) -> bool {
    match v {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The region of an ARN written literally (`arn:aws:acm:us-east-1:…`).
pub(crate) fn arn_region(v: &Json) -> Option<&str> {
    let s = v.as_str()?;
    let mut parts = s.split(':');
    (parts.next()? == "arn").then_some(())?;
    parts.nth(2).filter(|r| !r.is_empty())
}

/// The stack a finding's message names, for references across stacks.
pub(crate) fn where_(t: &Target<'_>, from: &StackView<'_>) -> String {
    if std::ptr::eq(t.stack, from) {
        t.resource.path.to_string()
    } else {
        format!("{} (stack {})", t.resource.path, t.stack.name)
    }
}

#[cfg(test)]
mod tests;
