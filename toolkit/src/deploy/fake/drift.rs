//! The fake's drift detection, as the API reference describes it: a
//! detection runs (one DescribeStackDriftDetectionStatus call answers
//! `DETECTION_IN_PROGRESS`), then completes with the stack's drift status;
//! resource drifts are what the test seeded.

use super::*;
use crate::deploy::drift::{Detection, DriftApi, ResourceDrift};

impl DriftApi for FakeCfn {
    async fn detect_stack_drift(&self, stack: &StackId) -> Result<String, ApiError> {
        let mut s = self.state.borrow_mut();
        s.calls.push(format!("DetectStackDrift {}", stack.name));
        let key = (stack.region.clone(), stack.name.clone());
        match s.stacks.get(&key) {
            Some(st) if !st.deleted => {}
            _ => {
                return Err(ApiError::NotFound(format!(
                    "Stack with id {} does not exist",
                    stack.name
                )))
            }
        }
        s.serial += 1;
        let id = format!("drift-{}", s.serial);
        s.detections.insert(id.clone(), (key, 0));
        Ok(id)
    }

    async fn drift_detection_status(
        &self,
        _region: &str,
        detection_id: &str,
    ) -> Result<Detection, ApiError> {
        let mut s = self.state.borrow_mut();
        s.calls
            .push(format!("DescribeStackDriftDetectionStatus {detection_id}"));
        let failure = s.drift_failure.clone();
        let (key, polls) = s
            .detections
            .get_mut(detection_id)
            .ok_or_else(|| ApiError::NotFound(format!("detection {detection_id}")))?;
        *polls += 1;
        if *polls == 1 || s_hangs(failure.as_deref()) {
            return Ok(Detection {
                status: "DETECTION_IN_PROGRESS".into(),
                stack_drift_status: None,
                reason: None,
            });
        }
        let key = key.clone();
        let drifted = s.drifts.get(&key).is_some_and(|d| {
            d.iter()
                .any(|r| matches!(r.status.as_str(), "MODIFIED" | "DELETED"))
        });
        Ok(Detection {
            status: if failure.is_some() {
                "DETECTION_FAILED".into()
            } else {
                "DETECTION_COMPLETE".into()
            },
            stack_drift_status: Some(if drifted { "DRIFTED" } else { "IN_SYNC" }.into()),
            reason: failure,
        })
    }

    async fn stack_resource_drifts(&self, stack: &StackId) -> Result<Vec<ResourceDrift>, ApiError> {
        let mut s = self.state.borrow_mut();
        s.calls
            .push(format!("DescribeStackResourceDrifts {}", stack.name));
        Ok(s.drifts
            .get(&(stack.region.clone(), stack.name.clone()))
            .cloned()
            .unwrap_or_default())
    }
}

/// A failure text of `"hang"` keeps every detection running.
fn s_hangs(failure: Option<&str>) -> bool {
    failure == Some("hang")
}
