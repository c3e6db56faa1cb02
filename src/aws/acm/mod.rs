//! ACM family (feature `aws-certificatemanager`): a public certificate
//! validated through DNS, in the hosted zone when one is given.
//!
//! A certificate for CloudFront must be requested in us-east-1: put it in
//! a stack whose region is us-east-1 and reference it from the
//! distribution's stack (a cross-region reference). The distribution
//! construct refuses one of another region.

/// The generated L1 structs of ACM (`AWS::CertificateManager::*`).
pub use crate::aws::cfn::certificatemanager as cfn;

use cfn::{certificate, CfnCertificate};

use crate::core::{Error, ResourceRef, Scope, Value};

/// Props of a [`Certificate`].
#[derive(Debug, Clone, Default)]
pub struct CertificateProps {
    /// The domain the certificate is for (`media.example.com`, or a
    /// wildcard `*.example.com`). Required.
    pub domain_name: String,
    /// More names on the same certificate. Default: none.
    pub alternative_names: Vec<String>,
    /// The Route 53 hosted zone CloudFormation writes the validation
    /// records into, so the certificate validates by itself. Default: none
    /// (the stack waits until someone adds the records ACM asks for).
    pub hosted_zone_id: Option<Value>,
}

/// A public ACM certificate, validated through DNS.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The L1 certificate.
    pub resource: ResourceRef<CfnCertificate>,
    /// The region of the certificate's stack, when pinned.
    region: Option<String>,
}

impl Certificate {
    /// Adds a certificate.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: CertificateProps,
    ) -> Result<Certificate, Error> {
        crate::aws::security::enable(scope);
        let names: Vec<&String> = std::iter::once(&props.domain_name)
            .chain(&props.alternative_names)
            .collect();
        for name in &names {
            let label_ok = |l: &str| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            };
            let bare = name.strip_prefix("*.").unwrap_or(name);
            if bare.len() > 253 || !bare.contains('.') || !bare.split('.').all(label_ok) {
                return Err(scope.error_at(
                    id,
                    format!("{name:?} is not a domain name a public certificate can be for"),
                    "use a fully qualified name such as media.example.com (a leading *. for a wildcard)",
                ));
            }
        }
        let validation = props.hosted_zone_id.as_ref().map(|zone| {
            names
                .iter()
                .map(|n| certificate::DomainValidationOption {
                    domain_name: Some(Value::str(n.as_str())),
                    hosted_zone_id: Some(zone.clone()),
                    ..Default::default()
                })
                .collect()
        });
        let region = scope.env().and_then(|e| e.region.clone());
        let resource = scope.add_resource(
            id,
            CfnCertificate {
                validation_method: Some("DNS".into()),
                subject_alternative_names: (!props.alternative_names.is_empty()).then(|| {
                    props
                        .alternative_names
                        .iter()
                        .map(|n| Value::str(n.as_str()))
                        .collect()
                }),
                domain_validation_options: validation,
                ..CfnCertificate::new(props.domain_name.clone())
            },
        )?;
        Ok(Certificate { resource, region })
    }

    /// The certificate ARN (`Ref`).
    pub fn arn(&self) -> Value {
        self.resource.reference()
    }

    /// The region the certificate is requested in, when its stack pins one.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
}
