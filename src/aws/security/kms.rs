//! Security rules of KMS: key rotation.

use super::{lit, off, report, Props};
use crate::core::Diagnostic;

pub(super) fn check(cfn_type: &str, props: &Props, path: &str, out: &mut Vec<Diagnostic>) {
    if cfn_type != "AWS::KMS::Key" {
        return;
    }
    // Only symmetric keys can rotate.
    let symmetric = lit(props, "KeySpec").is_none_or(|s| s == "SYMMETRIC_DEFAULT");
    if symmetric && off(props, "EnableKeyRotation") {
        report(
            out,
            super::codes::AWS_SOLUTIONS_KMS5,
            path,
            "key rotation is off".into(),
            "keep KeyProps::rotation on",
        );
    }
}
