//! 0.1.0's `mesh::fluentbit`: aliases of `addons::fluentbit`.

#![allow(deprecated)]

use crate::addons::fluentbit as now;
use crate::aws::iam::PolicyStatement;

/// [`now::FluentBit`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::fluentbit::FluentBit"
)]
pub type FluentBit = now::FluentBit;

/// [`now::FluentBitProps`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::fluentbit::FluentBitProps"
)]
pub type FluentBitProps = now::FluentBitProps;

/// [`now::DEFAULT_IMAGE`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::fluentbit::DEFAULT_IMAGE"
)]
pub const DEFAULT_IMAGE: &str = now::DEFAULT_IMAGE;

/// [`now::log_group_statements`] at its 0.1.0 path.
#[deprecated(
    since = "0.2.0",
    note = "moved to meshsynth::addons::fluentbit::log_group_statements"
)]
pub fn log_group_statements(log_group: &str) -> Vec<PolicyStatement> {
    now::log_group_statements(log_group)
}
