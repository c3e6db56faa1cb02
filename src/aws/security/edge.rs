//! Security rules of CloudFront: viewers reach a distribution over modern
//! TLS only, never plain HTTP.

use serde_json::Value as Json;

use super::{lit, obj, objects, report, Props};
use crate::core::Diagnostic;

/// Viewer protocol versions that still accept SSLv3, TLS 1.0 or TLS 1.1.
const OLD_PROTOCOLS: &[&str] = &["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016"];

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    if cfn_type != "AWS::CloudFront::Distribution" {
        return;
    }
    let Some(config) = obj(props, "DistributionConfig") else {
        return;
    };
    let cert = obj(config, "ViewerCertificate");
    let default_cert = cert.is_none_or(|c| {
        super::on(c, "CloudFrontDefaultCertificate")
            || (c.get("AcmCertificateArn").is_none() && c.get("IamCertificateId").is_none())
    });
    let protocol = cert.and_then(|c| lit(c, "MinimumProtocolVersion"));
    let old = match (&protocol, default_cert) {
        // The default certificate always negotiates down to TLS 1.0.
        (_, true) => Some("the CloudFront default certificate (TLSv1)".to_string()),
        (None, false) => {
            Some("no MinimumProtocolVersion (CloudFront then allows TLSv1)".to_string())
        }
        (Some(p), false) if OLD_PROTOCOLS.contains(&p.as_str()) => {
            Some(format!("MinimumProtocolVersion {p}"))
        }
        _ => None,
    };
    if let Some(what) = old {
        report(
            out,
            super::codes::AWS_SOLUTIONS_CFR4,
            path,
            format!("viewers may connect with TLS older than 1.2: {what}"),
            "use an ACM certificate (us-east-1) with ViewerCertificate.MinimumProtocolVersion TLSv1.2_2021 and SslSupportMethod sni-only",
        );
    }
    let behaviors = config
        .get("DefaultCacheBehavior")
        .and_then(Json::as_object)
        .map(|b| ("DefaultCacheBehavior".to_string(), b))
        .into_iter()
        .chain(
            objects(config, "CacheBehaviors")
                .enumerate()
                .map(|(i, b)| (format!("CacheBehaviors[{i}]"), b)),
        );
    for (at, b) in behaviors {
        if lit(b, "ViewerProtocolPolicy").as_deref() == Some("allow-all") {
            report(
                out,
                super::codes::MS_CFR_1,
                path,
                format!("DistributionConfig.{at}.ViewerProtocolPolicy is allow-all: viewers may use plain HTTP"),
                "set ViewerProtocolPolicy to redirect-to-https (or https-only)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn codes(config: serde_json::Value) -> Vec<String> {
        let props = json!({ "DistributionConfig": config });
        let mut out = Vec::new();
        super::check(
            "AWS::CloudFront::Distribution",
            props.as_object().expect("object"),
            "edge/Cdn",
            &mut out,
        );
        out.into_iter().filter_map(|d| d.code).collect()
    }

    #[test]
    fn old_tls_and_plain_http_are_refused_and_the_fix_passes() {
        let acm = |protocol: Option<&str>, policy: &str| {
            let mut cert = json!({"AcmCertificateArn": "arn:aws:acm:us-east-1:1:certificate/x", "SslSupportMethod": "sni-only"});
            if let Some(p) = protocol {
                cert["MinimumProtocolVersion"] = json!(p);
            }
            json!({"ViewerCertificate": cert, "DefaultCacheBehavior": {"ViewerProtocolPolicy": policy},
                   "CacheBehaviors": [{"PathPattern": "/api/*", "ViewerProtocolPolicy": policy}]})
        };
        assert_eq!(
            codes(acm(Some("TLSv1"), "allow-all")),
            ["AwsSolutions-CFR4", "MS-CFR-1", "MS-CFR-1"]
        );
        assert_eq!(codes(acm(None, "https-only")), ["AwsSolutions-CFR4"]);
        assert_eq!(
            codes(json!({"ViewerCertificate": {"CloudFrontDefaultCertificate": true}})),
            ["AwsSolutions-CFR4"]
        );
        assert!(codes(acm(Some("TLSv1.2_2021"), "redirect-to-https")).is_empty());
    }

    #[test]
    fn a_public_bucket_policy_is_refused_and_a_scoped_one_passes() {
        let check = |statement: serde_json::Value| {
            let props = json!({"Bucket": "b", "PolicyDocument": {"Statement": [statement]}});
            let mut out = Vec::new();
            crate::aws::security::check_emitted_for_tests(
                "AWS::S3::BucketPolicy",
                props.as_object().expect("object"),
                &mut out,
            );
            out.into_iter().filter_map(|d| d.code).collect::<Vec<_>>()
        };
        assert_eq!(
            check(
                json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
            ),
            ["MS-S3-1"]
        );
        assert_eq!(
            check(
                json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
            ),
            ["MS-S3-1"]
        );
        // TLS-only denies and CloudFront's origin access control are fine.
        assert!(check(json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}})).is_empty());
        assert!(check(json!({"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::1:distribution/D"}}})).is_empty());
    }
}
