//! Route 53 family: health checks of HTTPS endpoints (e.g. one region's
//! ingress in a multi-region mesh).
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::route53::{HealthCheck, HealthCheckProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let st = Stack::new(&mut app.root(), "acme-dns",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     HealthCheck::new(&mut app.scope(st.node())?, "Ingress", HealthCheckProps {
//!         domain_name: "shop.acme.example".into(),
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-dns").resource_count_is("AWS::Route53::HealthCheck", 1);
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::route53 as cfn;

use cfn::health_check::{self, HealthCheckConfig, HealthCheckTag};
use cfn::CfnHealthCheck;

use crate::core::{Error, ResourceRef, Scope, Value};

/// Props of a `HealthCheck`.
#[derive(Debug, Clone)]
pub struct HealthCheckProps {
    /// The host to check. Required (no default).
    pub domain_name: Value,
    /// The path. Default: `/healthz`.
    pub path: String,
    /// The port. Default: 443.
    pub port: i64,
    /// Seconds between checks: 10 or 30. Default: 30.
    pub interval_seconds: i64,
    /// Failures before unhealthy, 1 to 10. Default: 3.
    pub failure_threshold: i64,
}

impl Default for HealthCheckProps {
    fn default() -> Self {
        HealthCheckProps {
            domain_name: Value::str(""),
            path: "/healthz".into(),
            port: 443,
            interval_seconds: 30,
            failure_threshold: 3,
        }
    }
}

/// An HTTPS health check.
#[derive(Debug, Clone, Copy)]
pub struct HealthCheck {
    /// The L1 health check.
    pub resource: ResourceRef<CfnHealthCheck>,
}

impl HealthCheck {
    /// Adds a health check.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: HealthCheckProps,
    ) -> Result<HealthCheck, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        if props.domain_name.as_literal() == Some("") {
            return Err(Error::construct(
                path,
                "a health check needs a domain name",
                "set HealthCheckProps::domain_name",
            ));
        }
        if ![10, 30].contains(&props.interval_seconds) {
            return Err(Error::construct(
                path,
                format!("interval {} s is not 10 or 30", props.interval_seconds),
                "Route 53 checks every 10 or 30 seconds",
            ));
        }
        if !(1..=10).contains(&props.failure_threshold) {
            return Err(Error::construct(
                path,
                format!(
                    "failure threshold {} is outside 1..10",
                    props.failure_threshold
                ),
                "use e.g. 3",
            ));
        }
        if !props.path.starts_with('/') {
            return Err(Error::construct(
                path,
                format!("path {:?} must start with '/'", props.path),
                "write e.g. /healthz",
            ));
        }
        let mut s = scope.child(id)?;
        let resource = s.add_resource(
            "Resource",
            CfnHealthCheck {
                health_check_config: HealthCheckConfig {
                    fully_qualified_domain_name: Some(props.domain_name),
                    port: Some(props.port.into()),
                    resource_path: Some(props.path.into()),
                    request_interval: Some(props.interval_seconds.into()),
                    failure_threshold: Some(props.failure_threshold.into()),
                    enable_sni: Some(true.into()),
                    ..HealthCheckConfig::new(health_check::Type::Https)
                },
                health_check_tags: Some(vec![HealthCheckTag::new("Name", path.clone())]),
            },
        )?;
        Ok(HealthCheck { resource })
    }
}

impl ResourceRef<CfnHealthCheck> {
    /// `Ref`: the health check id.
    pub fn health_check_id(&self) -> Value {
        self.reference()
    }
}

/// The hosted zone id every CloudFront distribution's alias target uses.
pub const CLOUDFRONT_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// What an alias record points at.
#[derive(Debug, Clone)]
pub enum AliasTarget {
    /// A CloudFront distribution, by its `*.cloudfront.net` domain name
    /// (`distribution.domain_name()`).
    CloudFront(Value),
    /// Any other AWS target, by its DNS name and hosted zone id (a load
    /// balancer's `DNSName` and `CanonicalHostedZoneID`).
    Other {
        /// The target's DNS name.
        dns_name: Value,
        /// The target's hosted zone id.
        hosted_zone_id: Value,
    },
}

/// Props of an [`AliasRecord`].
#[derive(Debug, Clone)]
pub struct AliasRecordProps {
    /// The hosted zone the record goes into. Required.
    pub hosted_zone_id: Value,
    /// The zone's domain (`example.com`), to check the record is inside it
    /// before anything is added. Default: none (synth's `MS-CFN-17` checks
    /// a zone of the app).
    pub zone_name: Option<String>,
    /// The record's name (`media.example.com`). Required.
    pub name: String,
    /// The target. Required.
    pub target: AliasTarget,
    /// Also write the AAAA record (IPv6). Default: true.
    pub ipv6: bool,
}

/// An `A` (and `AAAA`) alias record.
#[derive(Debug, Clone, Copy)]
pub struct AliasRecord {
    /// The `A` record.
    pub a: ResourceRef<cfn::CfnRecordSet>,
}

impl AliasRecord {
    /// Adds the alias record(s): `id` for `A`, `<id>Ipv6` for `AAAA`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: AliasRecordProps,
    ) -> Result<AliasRecord, Error> {
        let path = scope.child_path(id);
        if let Some(zone) = &props.zone_name {
            let (n, z) = (
                props.name.trim_end_matches('.').to_ascii_lowercase(),
                zone.trim_end_matches('.').to_ascii_lowercase(),
            );
            if n != z && !n.ends_with(&format!(".{z}")) {
                return Err(Error::construct(
                    path,
                    format!(
                        "the record {} is outside its hosted zone {zone}",
                        props.name
                    ),
                    format!("name a record under {z}, or put it in the zone of its domain"),
                ));
            }
        }
        let target = match &props.target {
            AliasTarget::CloudFront(domain) => {
                cfn::record_set::AliasTarget::new(domain.clone(), CLOUDFRONT_ZONE_ID)
            }
            AliasTarget::Other {
                dns_name,
                hosted_zone_id,
            } => cfn::record_set::AliasTarget::new(dns_name.clone(), hosted_zone_id.clone()),
        };
        let record = |kind: &str| cfn::CfnRecordSet {
            hosted_zone_id: Some(props.hosted_zone_id.clone()),
            alias_target: Some(target.clone()),
            ..cfn::CfnRecordSet::new(props.name.clone(), kind)
        };
        let a = scope.add_resource(id, record("A"))?;
        if props.ipv6 {
            scope.add_resource(&format!("{id}Ipv6"), record("AAAA"))?;
        }
        Ok(AliasRecord { a })
    }
}
