//! Security rules of KMS: key rotation.

use super::report;
use crate::aws::kms::cfn::CfnKey;
use crate::core::App;
use crate::core::Diagnostic;

pub(super) fn check(app: &App, out: &mut Vec<Diagnostic>) {
    for (path, k) in app.resources_of::<CfnKey>() {
        let symmetric = k
            .key_spec
            .as_deref()
            .is_none_or(|s| s == "SYMMETRIC_DEFAULT");
        if symmetric && k.enable_key_rotation != Some(true) {
            report(
                out,
                "AwsSolutions-KMS5",
                path,
                "key rotation is off".into(),
                "keep KeyProps::rotation on",
            );
        }
    }
}
