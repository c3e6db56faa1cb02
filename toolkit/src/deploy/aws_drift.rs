//! [`DriftApi`] over the AWS SDK: DetectStackDrift,
//! DescribeStackDriftDetectionStatus and DescribeStackResourceDrifts.

use super::api::{ApiError, StackId};
use super::aws::{map_err, AwsCloud};
use super::drift::{Detection, DriftApi, PropertyDifference, ResourceDrift};

/// Most resource drifts read for one stack (a stack holds at most 500
/// resources; this bounds a misbehaving endpoint's pages).
const MAX_DRIFTS: usize = 10_000;

impl DriftApi for AwsCloud {
    async fn detect_stack_drift(&self, stack: &StackId) -> Result<String, ApiError> {
        let out = self
            .cfn(&stack.region)
            .detect_stack_drift()
            .stack_name(&stack.name)
            .send()
            .await
            .map_err(map_err)?;
        out.stack_drift_detection_id()
            .map(str::to_string)
            .ok_or_else(|| ApiError::Transport("DetectStackDrift returned no detection ID".into()))
    }

    async fn drift_detection_status(
        &self,
        region: &str,
        detection_id: &str,
    ) -> Result<Detection, ApiError> {
        let out = self
            .cfn(region)
            .describe_stack_drift_detection_status()
            .stack_drift_detection_id(detection_id)
            .send()
            .await
            .map_err(map_err)?;
        Ok(Detection {
            status: out
                .detection_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "DETECTION_IN_PROGRESS".into()),
            stack_drift_status: out.stack_drift_status().map(|s| s.as_str().to_string()),
            reason: out.detection_status_reason().map(str::to_string),
        })
    }

    async fn stack_resource_drifts(&self, stack: &StackId) -> Result<Vec<ResourceDrift>, ApiError> {
        let client = self.cfn(&stack.region);
        let mut token: Option<String> = None;
        let mut out = Vec::new();
        loop {
            let page = client
                .describe_stack_resource_drifts()
                .stack_name(&stack.name)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(map_err)?;
            for d in page.stack_resource_drifts() {
                out.push(ResourceDrift {
                    logical_id: d.logical_resource_id().unwrap_or_default().to_string(),
                    resource_type: d.resource_type().unwrap_or_default().to_string(),
                    physical_id: d.physical_resource_id().map(str::to_string),
                    status: d
                        .stack_resource_drift_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "NOT_CHECKED".into()),
                    differences: d
                        .property_differences()
                        .iter()
                        .map(|p| PropertyDifference {
                            path: p.property_path().unwrap_or_default().to_string(),
                            kind: p
                                .difference_type()
                                .map(|t| t.as_str().to_string())
                                .unwrap_or_default(),
                            expected: p.expected_value().map(str::to_string),
                            actual: p.actual_value().map(str::to_string),
                        })
                        .collect(),
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && out.len() < MAX_DRIFTS => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }
}
