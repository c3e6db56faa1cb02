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
        let path = format!("{}/{id}", scope.path());
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
