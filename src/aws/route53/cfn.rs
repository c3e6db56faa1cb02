//! L1 types of the Route 53 family (`AWS::Route53::*`).
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_Route53.html>

use serde::Serialize;

use crate::aws::CfnTag;
use crate::core::{CfnResource, ResourceRef, TagStyle, Value};

/// `AWS::Route53::HealthCheck`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnHealthCheck {
    pub health_check_config: Option<CfnHealthCheckConfig>,
    pub health_check_tags: Option<Vec<CfnTag>>,
}

/// `HealthCheckConfig`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnHealthCheckConfig {
    #[serde(rename = "Type")]
    pub check_type: String,
    pub fully_qualified_domain_name: Option<Value>,
    pub port: Option<i64>,
    pub resource_path: Option<String>,
    pub request_interval: Option<i64>,
    pub failure_threshold: Option<i64>,
    #[serde(rename = "EnableSNI")]
    pub enable_sni: Option<bool>,
    pub regions: Option<Vec<String>>,
}

impl CfnResource for CfnHealthCheck {
    const TYPE: &'static str = "AWS::Route53::HealthCheck";
    const CREATE_ONLY: &'static [&'static str] = &[
        "HealthCheckConfig.MeasureLatency",
        "HealthCheckConfig.RequestInterval",
        "HealthCheckConfig.Type",
    ];
    // Tags go in `HealthCheckTags`, which the Tags aspect does not reach.
    const TAGS: TagStyle = TagStyle::None;
}

impl ResourceRef<CfnHealthCheck> {
    /// `Ref`: the health check id.
    pub fn health_check_id(&self) -> Value {
        self.reference()
    }
}
