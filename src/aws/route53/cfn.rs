//! L1 types of the Route 53 family (`AWS::Route53::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_Route53.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, Value};

/// `AWS::Route53::HealthCheck`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnHealthCheck {
    /// `HealthCheckConfig`: A complex type that contains information about the health check.
    pub health_check_config: Option<CfnHealthCheckConfig>,
    /// `HealthCheckTags`: An array of key-value pairs to apply to this resource.
    pub health_check_tags: Option<Vec<CfnTag>>,
}

/// `HealthCheckConfig`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnHealthCheckConfig {
    /// `Type`: the check type, e.g. `HTTPS`.
    #[serde(rename = "Type")]
    pub check_type: String,
    /// `FullyQualifiedDomainName`: the host to check.
    pub fully_qualified_domain_name: Option<Value>,
    /// `Port`: the port to check.
    pub port: Option<i64>,
    /// `ResourcePath`: the path requested, e.g. `/healthz`.
    pub resource_path: Option<String>,
    /// `RequestInterval`: seconds between checks, 10 or 30.
    pub request_interval: Option<i64>,
    /// `FailureThreshold`: consecutive failures before the endpoint is unhealthy.
    pub failure_threshold: Option<i64>,
    /// `EnableSNI`: whether to send the host name in the TLS handshake.
    #[serde(rename = "EnableSNI")]
    pub enable_sni: Option<bool>,
    /// `Regions`: the regions the checkers run from.
    pub regions: Option<Vec<String>>,
}

impl CfnResource for CfnHealthCheck {
    const TYPE: &'static str = "AWS::Route53::HealthCheck";
    // Tags go in `HealthCheckTags`, which the Tags aspect does not reach.
}

impl ResourceRef<CfnHealthCheck> {
    /// `Ref`: the health check id.
    pub fn health_check_id(&self) -> Value {
        self.reference()
    }
}
