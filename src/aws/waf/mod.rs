//! WAF family (feature `aws-wafv2`): a web ACL of AWS managed rule groups
//! and a per-IP rate limit, with priorities assigned in order (two rules
//! can never share one) and metrics on every rule.

/// The generated L1 structs of WAFv2 (`AWS::WAFv2::*`).
pub use crate::aws::cfn::wafv2 as cfn;

use cfn::{web_acl, CfnWebACL};

use crate::core::{Error, ResourceRef, Scope, Value};

/// What the web ACL protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WafScope {
    /// Load balancers, API Gateway, AppSync in the stack's region. The
    /// default.
    #[default]
    Regional,
    /// CloudFront distributions: the ACL must be created in us-east-1.
    CloudFront,
}

/// Props of a [`WebAcl`].
#[derive(Debug, Clone)]
pub struct WebAclProps {
    /// What the ACL protects. Default: [`WafScope::Regional`].
    pub scope: WafScope,
    /// AWS managed rule groups (vendor `AWS`), evaluated in this order.
    /// Default: `AWSManagedRulesCommonRuleSet`,
    /// `AWSManagedRulesKnownBadInputsRuleSet`,
    /// `AWSManagedRulesAmazonIpReputationList`.
    pub managed_rule_groups: Vec<String>,
    /// Requests per 5 minutes one IP may make before it is blocked,
    /// evaluated first. Default: 2000; `None` for no rate limit.
    pub rate_limit_per_ip: Option<u32>,
    /// The CloudWatch metric name. Default: the construct id.
    pub metric_name: Option<String>,
}

impl Default for WebAclProps {
    fn default() -> Self {
        WebAclProps {
            scope: WafScope::Regional,
            managed_rule_groups: [
                "AWSManagedRulesCommonRuleSet",
                "AWSManagedRulesKnownBadInputsRuleSet",
                "AWSManagedRulesAmazonIpReputationList",
            ]
            .map(String::from)
            .into(),
            rate_limit_per_ip: Some(2000),
            metric_name: None,
        }
    }
}

/// A WAFv2 web ACL that allows by default and blocks what its rules match.
#[derive(Debug, Clone)]
pub struct WebAcl {
    /// The L1 web ACL.
    pub resource: ResourceRef<CfnWebACL>,
    scope: WafScope,
    region: Option<String>,
}

impl WebAcl {
    /// Adds a web ACL.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: WebAclProps) -> Result<WebAcl, Error> {
        crate::aws::security::enable(scope);
        let region = scope.env().and_then(|e| e.region.clone());
        if props.scope == WafScope::CloudFront {
            if let Some(r) = region.as_deref().filter(|r| *r != "us-east-1") {
                return Err(scope.error_at(
                    id,
                    format!("a CloudFront web ACL must be created in us-east-1, not {r}"),
                    "put the web ACL in a stack whose env region is us-east-1 and reference it from the distribution",
                ));
            }
        }
        if let Some(0) = props.rate_limit_per_ip {
            return Err(scope.error_at(
                id,
                "rate_limit_per_ip 0 would block every client",
                "WAF accepts 10 to 2,000,000,000 requests per 5 minutes; None turns the limit off",
            ));
        }
        let metric = props.metric_name.clone().unwrap_or_else(|| id.to_string());
        let visibility = |name: &str| web_acl::VisibilityConfig::new(true, name, true);
        let mut rules = Vec::new();
        if let Some(limit) = props.rate_limit_per_ip {
            rules.push(web_acl::Rule {
                action: Some(web_acl::RuleAction {
                    block: Some(web_acl::BlockAction::default()),
                    ..Default::default()
                }),
                ..web_acl::Rule::new(
                    "rate-limit-per-ip",
                    Value::Int(0),
                    web_acl::Statement {
                        rate_based_statement: Some(Box::new(web_acl::RateBasedStatement::new(
                            web_acl::AggregateKeyType::Ip,
                            Value::Int(i64::from(limit.max(10))),
                        ))),
                        ..Default::default()
                    },
                    visibility(&format!("{metric}-rate-limit")),
                )
            });
        }
        for group in &props.managed_rule_groups {
            let priority = rules.len() as i64;
            rules.push(web_acl::Rule {
                override_action: Some(web_acl::OverrideAction {
                    none: Some(Value::Map(Default::default())),
                    ..Default::default()
                }),
                ..web_acl::Rule::new(
                    group.clone(),
                    Value::Int(priority),
                    web_acl::Statement {
                        managed_rule_group_statement: Some(Box::new(
                            web_acl::ManagedRuleGroupStatement::new(group.clone(), "AWS"),
                        )),
                        ..Default::default()
                    },
                    visibility(&format!("{metric}-{group}")),
                )
            });
        }
        let waf_scope = match props.scope {
            WafScope::Regional => web_acl::Scope::Regional,
            WafScope::CloudFront => web_acl::Scope::Cloudfront,
        };
        let resource = scope.add_resource(
            id,
            CfnWebACL {
                rules: Some(rules),
                ..CfnWebACL::new(
                    web_acl::DefaultAction {
                        allow: Some(web_acl::AllowAction::default()),
                        ..Default::default()
                    },
                    waf_scope,
                    visibility(&metric),
                )
            },
        )?;
        Ok(WebAcl {
            resource,
            scope: props.scope,
            region,
        })
    }

    /// The web ACL ARN (what a distribution's `WebACLId` takes).
    pub fn arn(&self) -> Value {
        self.resource.attr("Arn")
    }

    /// What the ACL protects.
    pub fn scope(&self) -> WafScope {
        self.scope
    }

    /// The region of the ACL's stack, when pinned.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
}
