//! The edge: WAF web ACLs, CloudFront distributions and their certificate
//! and web ACL (both must live in us-east-1, the ACL with CLOUDFRONT
//! scope), and Route 53 records inside their zone.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::{arn_region, codes, where_, StackView, Templates};
use crate::core::diag::Diagnostic;

/// CloudFront reads its certificate and web ACL from this region only.
const CLOUDFRONT_REGION: &str = "us-east-1";

pub(super) fn check(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for ty in ["AWS::WAFv2::WebACL", "AWS::WAFv2::RuleGroup"] {
        for (stack, r) in t.of_type(ty) {
            rule_priorities(r.cfn_type, r.path, r.properties.get("Rules"), out);
            if ty == "AWS::WAFv2::WebACL" {
                cloudfront_scope_region(stack, r.path, r.properties, out);
            }
        }
    }
    for (stack, r) in t.of_type("AWS::CloudFront::Distribution") {
        let Some(config) = r.properties.get("DistributionConfig") else {
            continue;
        };
        distribution_acl(t, stack, r.path, config, out);
        distribution_certificate(t, stack, r.path, config, out);
        bucket_origins(t, stack, r.path, config, out);
    }
    records_in_zone(t, out);
}

/// Whether a bucket's public access block leaves a public bucket policy
/// effective (both policy switches explicitly off). New buckets block
/// public access unless told otherwise.
fn bucket_may_be_public(bucket: &super::ResourceView<'_>) -> bool {
    let block = bucket.properties.get("PublicAccessBlockConfiguration");
    let off = |k: &str| {
        matches!(block.and_then(|b| b.get(k)), Some(Json::Bool(false)))
            || block
                .and_then(|b| b.get(k))
                .and_then(Json::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("false"))
    };
    off("BlockPublicPolicy") && off("RestrictPublicBuckets")
}

/// An origin on a bucket's REST endpoint (`DomainName` or
/// `RegionalDomainName`) is signed by CloudFront only with origin access
/// control (or the legacy origin access identity); without either, every
/// request reaches the private bucket anonymously and gets 403.
fn bucket_origins(
    t: &Templates<'_>,
    stack: &StackView<'_>,
    path: &str,
    config: &Json,
    out: &mut Vec<Diagnostic>,
) {
    for (i, origin) in config
        .get("Origins")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(domain) = origin.get("DomainName") else {
            continue;
        };
        let rest_endpoint = domain
            .get("Fn::GetAtt")
            .and_then(|g| match g {
                Json::Array(a) => a.get(1).and_then(Json::as_str),
                Json::String(s) => s.split_once('.').map(|(_, a)| a),
                _ => None,
            })
            .is_some_and(|a| a == "DomainName" || a == "RegionalDomainName");
        if !rest_endpoint {
            continue;
        }
        let Some(bucket) = t
            .target(stack, domain)
            .filter(|b| b.resource.cfn_type == "AWS::S3::Bucket")
        else {
            continue;
        };
        let has = |v: Option<&Json>| match v {
            None | Some(Json::Null) => false,
            Some(Json::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        };
        let oac = has(origin.get("OriginAccessControlId"));
        let oai = has(origin
            .get("S3OriginConfig")
            .and_then(|c| c.get("OriginAccessIdentity")));
        if oac || oai || bucket_may_be_public(bucket.resource) {
            continue;
        }
        out.push(
            Diagnostic::error(
                path,
                format!(
                    "AWS::CloudFront::Distribution: DistributionConfig.Origins[{i}] reads the bucket {} through its REST endpoint without origin access control: the bucket blocks public access, so every request gets 403",
                    where_(&bucket, stack)
                ),
            )
            .with_code(codes::ORIGIN_WITHOUT_ACCESS)
            .with_hint("add an AWS::CloudFront::OriginAccessControl (SigningBehavior always, OriginAccessControlOriginType s3), set OriginAccessControlId on the origin, and allow cloudfront.amazonaws.com s3:GetObject in the bucket policy with a condition on the distribution's ARN"),
        );
    }
}

/// WAF evaluates rules by priority; two with the same one are refused
/// (`WAFInvalidParameterException`), as are two with the same name.
fn rule_priorities(ty: &str, path: &str, rules: Option<&Json>, out: &mut Vec<Diagnostic>) {
    let mut priorities: HashMap<String, &str> = HashMap::new();
    let mut names: HashMap<&str, usize> = HashMap::new();
    for (i, rule) in rules
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = rule.get("Name").and_then(Json::as_str).unwrap_or("?");
        let priority = match rule.get("Priority") {
            Some(Json::Number(n)) => Some(n.to_string()),
            Some(Json::String(s)) => Some(s.clone()),
            _ => None,
        };
        if let Some(p) = priority {
            if let Some(first) = priorities.insert(p.clone(), name) {
                out.push(
                    Diagnostic::error(
                        path,
                        format!(
                            "{ty}: rules {first:?} and {name:?} (Rules[{i}]) both have priority {p}"
                        ),
                    )
                    .with_code(codes::WAF_RULE_PRIORITY)
                    .with_hint(
                        "give every rule its own Priority (WAF evaluates them in that order)",
                    ),
                );
            }
        }
        if let Some(first) = names.insert(name, i) {
            out.push(
                Diagnostic::error(
                    path,
                    format!("{ty}: Rules[{first}] and Rules[{i}] are both named {name:?}"),
                )
                .with_code(codes::WAF_RULE_PRIORITY)
                .with_hint("give every rule its own Name"),
            );
        }
    }
}

/// A web ACL for CloudFront must be created in us-east-1.
fn cloudfront_scope_region(
    stack: &StackView<'_>,
    path: &str,
    props: &serde_json::Map<String, Json>,
    out: &mut Vec<Diagnostic>,
) {
    let scope = props.get("Scope").and_then(Json::as_str);
    if scope != Some("CLOUDFRONT") {
        return;
    }
    if let Some(region) = stack.region.filter(|r| *r != CLOUDFRONT_REGION) {
        out.push(
            Diagnostic::error(
                path,
                format!(
                    "AWS::WAFv2::WebACL: Scope CLOUDFRONT in stack {} ({region}); CloudFront web ACLs can only be created in us-east-1",
                    stack.name
                ),
            )
            .with_code(codes::WAF_CLOUDFRONT_REGION)
            .with_hint("put the web ACL in a stack whose env region is us-east-1 (the distribution can reference it across regions), or use Scope REGIONAL for a load balancer or API"),
        );
    }
}

/// `WebACLId` of a distribution takes a CLOUDFRONT-scope WAFv2 ACL.
fn distribution_acl(
    t: &Templates<'_>,
    stack: &StackView<'_>,
    path: &str,
    config: &Json,
    out: &mut Vec<Diagnostic>,
) {
    let Some(acl) = config.get("WebACLId") else {
        return;
    };
    let regional = match t.target(stack, acl) {
        Some(target) if target.resource.cfn_type == "AWS::WAFv2::WebACL" => {
            match target
                .resource
                .properties
                .get("Scope")
                .and_then(Json::as_str)
            {
                Some("REGIONAL") => Some(where_(&target, stack)),
                _ => None,
            }
        }
        _ => acl
            .as_str()
            .filter(|a| a.starts_with("arn:") && a.contains(":regional/webacl/"))
            .map(|a| a.to_string()),
    };
    if let Some(what) = regional {
        out.push(
            Diagnostic::error(
                path,
                format!(
                    "AWS::CloudFront::Distribution: DistributionConfig.WebACLId is the REGIONAL web ACL {what}; a distribution takes only a CLOUDFRONT-scope ACL"
                ),
            )
            .with_code(codes::DISTRIBUTION_REGIONAL_ACL)
            .with_hint("create a web ACL with Scope CLOUDFRONT in us-east-1 for the distribution (a REGIONAL ACL protects load balancers and APIs)"),
        );
    }
}

/// The viewer certificate of a distribution must be an ACM certificate of
/// us-east-1.
fn distribution_certificate(
    t: &Templates<'_>,
    stack: &StackView<'_>,
    path: &str,
    config: &Json,
    out: &mut Vec<Diagnostic>,
) {
    let Some(cert) = config
        .get("ViewerCertificate")
        .and_then(|v| v.get("AcmCertificateArn"))
    else {
        return;
    };
    let elsewhere = match t.target(stack, cert) {
        Some(target) => target
            .stack
            .region
            .filter(|r| *r != CLOUDFRONT_REGION)
            .map(|r| format!("{} in {r}", where_(&target, stack))),
        None => arn_region(cert)
            .filter(|r| *r != CLOUDFRONT_REGION)
            .map(|r| format!("{} in {r}", cert.as_str().unwrap_or_default())),
    };
    if let Some(what) = elsewhere {
        out.push(
            Diagnostic::error(
                path,
                format!(
                    "AWS::CloudFront::Distribution: DistributionConfig.ViewerCertificate.AcmCertificateArn is the certificate {what}; CloudFront reads certificates from us-east-1 only"
                ),
            )
            .with_code(codes::DISTRIBUTION_CERTIFICATE_REGION)
            .with_hint("request the certificate in a stack whose env region is us-east-1 and reference it from there"),
        );
    }
}

/// `a.example.com.` → `a.example.com`, lower case.
fn dns(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// A record must be the zone's apex or a name below it; Route 53 refuses
/// others (`InvalidChangeBatch`), after the rest of the stack was created.
fn records_in_zone(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    let mut check = |stack: &StackView<'_>,
                     path: &str,
                     zone_of: &serde_json::Map<String, Json>,
                     name: Option<&str>,
                     at: &str| {
        let Some(name) = name else { return };
        let zone = match zone_of.get("HostedZoneId").and_then(|z| t.target(stack, z)) {
            Some(target) if target.resource.cfn_type == "AWS::Route53::HostedZone" => {
                let name = target
                    .resource
                    .properties
                    .get("Name")
                    .and_then(Json::as_str);
                name.map(|n| (n, where_(&target, stack)))
            }
            _ => zone_of
                .get("HostedZoneName")
                .and_then(Json::as_str)
                .map(|n| (n, format!("HostedZoneName {n}"))),
        };
        let Some((zone, what)) = zone else { return };
        let (n, z) = (dns(name), dns(zone));
        if n == z || n.ends_with(&format!(".{z}")) {
            return;
        }
        out.push(
            Diagnostic::error(
                path,
                format!("{at}: the record {name} is outside its hosted zone {zone} ({what})"),
            )
            .with_code(codes::RECORD_OUTSIDE_ZONE)
            .with_hint(format!(
                "name a record under {z} (e.g. api.{z}), or put it in the zone of its domain"
            )),
        );
    };
    for stack in t.stacks {
        for r in &stack.resources {
            match r.cfn_type {
                "AWS::Route53::RecordSet" => {
                    check(
                        stack,
                        r.path,
                        r.properties,
                        r.properties.get("Name").and_then(Json::as_str),
                        "AWS::Route53::RecordSet: Name",
                    );
                }
                "AWS::Route53::RecordSetGroup" => {
                    for (i, record) in r
                        .properties
                        .get("RecordSets")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        check(
                            stack,
                            r.path,
                            r.properties,
                            record.get("Name").and_then(Json::as_str),
                            &format!("AWS::Route53::RecordSetGroup: RecordSets[{i}].Name"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}
