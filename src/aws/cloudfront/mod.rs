//! CloudFront family (feature `aws-cloudfront`): a distribution in front
//! of an S3 bucket through origin access control, or of an HTTPS origin.
//! Viewers get TLS 1.2 or later and are redirected from HTTP; the
//! certificate and the web ACL are checked to be CloudFront's (us-east-1,
//! CLOUDFRONT scope) before anything is added; an S3 origin's bucket gets
//! the policy statement for this distribution alone, and its key admits
//! CloudFront.

/// The generated L1 structs of CloudFront (`AWS::CloudFront::*`).
pub use crate::aws::cfn::cloudfront as cfn;

use cfn::{distribution as d, origin_access_control as oac};
use cfn::{CfnDistribution, CfnOriginAccessControl};

use crate::aws::acm::Certificate;
use crate::aws::s3::Bucket;
use crate::aws::waf::{WafScope, WebAcl};
use crate::core::value::ArnPart;
use crate::core::{Arn, Error, ResourceRef, Scope, Value};

/// AWS's managed cache policy `CachingOptimized`.
pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/// Where the distribution fetches content.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A private S3 bucket, read through origin access control (SigV4).
    S3(Bucket),
    /// An HTTPS origin (a load balancer, an API) by domain name.
    Https {
        /// The origin's domain name.
        domain_name: Value,
    },
}

/// Props of a [`Distribution`].
#[derive(Debug, Clone)]
pub struct DistributionProps {
    /// The origin. Required.
    pub origin: Origin,
    /// The names viewers use (`media.example.com`). Default: none (only
    /// the `*.cloudfront.net` name). Needs `certificate`.
    pub domain_names: Vec<String>,
    /// The ACM certificate for `domain_names`, from a us-east-1 stack.
    /// Default: none (the CloudFront default certificate, which allows
    /// TLS 1.0: `AwsSolutions-CFR4` until you give one).
    pub certificate: Option<Certificate>,
    /// A CLOUDFRONT-scope web ACL from a us-east-1 stack. Default: none.
    pub web_acl: Option<WebAcl>,
    /// The bucket that receives standard access logs (it needs ACLs, see
    /// `BucketProps::log_delivery_acls`). Default: none.
    pub access_logs: Option<Bucket>,
    /// The object served for `/`. Default: `index.html` for an S3 origin,
    /// none otherwise.
    pub default_root_object: Option<String>,
    /// Edge locations. Default: `PriceClass100` (North America, Europe).
    pub price_class: d::PriceClass,
    /// A comment shown in the console. Default: the construct path.
    pub comment: Option<String>,
}

impl DistributionProps {
    /// A distribution of `origin`, every other prop at its default.
    pub fn new(origin: Origin) -> DistributionProps {
        DistributionProps {
            origin,
            domain_names: Vec::new(),
            certificate: None,
            web_acl: None,
            access_logs: None,
            default_root_object: None,
            price_class: d::PriceClass::PriceClass100,
            comment: None,
        }
    }
}

/// A CloudFront distribution.
#[derive(Debug, Clone, Copy)]
pub struct Distribution {
    /// The L1 distribution.
    pub resource: ResourceRef<CfnDistribution>,
}

impl Distribution {
    /// Adds a distribution (and, for an S3 origin, its origin access
    /// control and the bucket's policy statement).
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: DistributionProps,
    ) -> Result<Distribution, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        // Refused props are reported and the construct still built: one synth
        // lists every mistake of the platform.
        scope.refuse_all(check(&path, &props).err());
        let mut s = scope.child(id)?;
        let (origin, root) = match &props.origin {
            Origin::S3(bucket) => {
                let control = s.add_resource(
                    "OriginAccessControl",
                    CfnOriginAccessControl::new(oac::OriginAccessControlConfig {
                        description: Some(format!("{path} reads its bucket").into()),
                        ..oac::OriginAccessControlConfig::new(
                            Value::Sub(format!("${{AWS::StackName}}-{id}"), vec![]),
                            "s3",
                            "always",
                            "sigv4",
                        )
                    }),
                )?;
                let origin = d::Origin {
                    origin_access_control_id: Some(control.attr_id()),
                    // OAC still needs the (empty) S3 origin config.
                    s3_origin_config: Some(d::S3OriginConfig {
                        origin_access_identity: Some(Value::str("")),
                        ..Default::default()
                    }),
                    ..d::Origin::new(bucket.regional_domain_name(), "origin")
                };
                (origin, Some("index.html".to_string()))
            }
            Origin::Https { domain_name } => (
                d::Origin {
                    custom_origin_config: Some(d::CustomOriginConfig {
                        origin_ssl_protocols: Some(vec!["TLSv1.2".into()]),
                        ..d::CustomOriginConfig::new("https-only")
                    }),
                    ..d::Origin::new(domain_name.clone(), "origin")
                },
                None,
            ),
        };
        let certificate = match &props.certificate {
            Some(c) => d::ViewerCertificate {
                acm_certificate_arn: Some(c.arn()),
                minimum_protocol_version: Some(d::MinimumProtocolVersion::TLSv122021),
                ssl_support_method: Some(d::SslSupportMethod::SniOnly),
                ..Default::default()
            },
            None => d::ViewerCertificate {
                cloud_front_default_certificate: Some(true.into()),
                ..Default::default()
            },
        };
        let resource = s.add_resource(
            "Resource",
            CfnDistribution::new(d::DistributionConfig {
                aliases: (!props.domain_names.is_empty()).then(|| {
                    props
                        .domain_names
                        .iter()
                        .map(|n| Value::str(n.as_str()))
                        .collect()
                }),
                comment: Some(props.comment.clone().unwrap_or_else(|| path.clone()).into()),
                default_root_object: props.default_root_object.clone().or(root).map(Value::from),
                http_version: Some(d::HttpVersion::Http2and3),
                ipv6_enabled: Some(true.into()),
                origins: Some(vec![origin]),
                price_class: Some(props.price_class),
                viewer_certificate: Some(certificate),
                web_acl_id: props.web_acl.as_ref().map(WebAcl::arn),
                logging: props.access_logs.as_ref().map(|b| d::Logging {
                    bucket: Some(b.domain_name()),
                    prefix: Some(format!("{id}/").into()),
                    ..Default::default()
                }),
                ..d::DistributionConfig::new(
                    d::DefaultCacheBehavior {
                        cache_policy_id: Some(CACHING_OPTIMIZED.into()),
                        compress: Some(true.into()),
                        ..d::DefaultCacheBehavior::new(
                            "origin",
                            d::ViewerProtocolPolicy::RedirectToHttps,
                        )
                    },
                    true,
                )
            }),
        )?;
        let distribution = Distribution { resource };
        if let Origin::S3(bucket) = &props.origin {
            bucket.allow_cloudfront_read(&mut s, distribution.arn())?;
        }
        Ok(distribution)
    }

    /// The distribution id (`Ref`).
    pub fn id(&self) -> Value {
        self.resource.reference()
    }

    /// The `*.cloudfront.net` domain name, what an alias record targets.
    pub fn domain_name(&self) -> Value {
        self.resource.attr_domain_name()
    }

    /// The distribution ARN (`arn:…:cloudfront::ACCOUNT:distribution/ID`).
    pub fn arn(&self) -> Value {
        Arn::new(
            "cloudfront",
            Value::Join(String::new(), vec![Value::str("distribution/"), self.id()]),
        )
        .region(ArnPart::Empty)
        .value()
    }
}

/// What CloudFront would refuse (or silently not use), before anything is
/// added.
fn check(path: &str, p: &DistributionProps) -> Result<(), Error> {
    let err = |what: String, hint: &str| Err(Error::construct(path.to_string(), what, hint));
    if !p.domain_names.is_empty() && p.certificate.is_none() {
        return err(
            format!(
                "domain_names [{}] need a certificate",
                p.domain_names.join(", ")
            ),
            "request an ACM certificate for them in a us-east-1 stack and pass it as certificate",
        );
    }
    if let Some(r) = p.certificate.as_ref().and_then(Certificate::region) {
        if r != "us-east-1" {
            return err(
                format!("the certificate is requested in {r}; CloudFront reads certificates from us-east-1 only"),
                "request it in a stack whose env region is us-east-1 and reference it from here",
            );
        }
    }
    if let Some(acl) = &p.web_acl {
        if acl.scope() != WafScope::CloudFront {
            return err(
                "the web ACL has the REGIONAL scope; a distribution takes only a CLOUDFRONT-scope ACL".into(),
                "create the ACL with WafScope::CloudFront in a us-east-1 stack",
            );
        }
    }
    Ok(())
}
