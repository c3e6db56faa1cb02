//! Facts about AWS regions that synth checks against: how many Availability
//! Zones each region has. A VPC asking for more AZs than its (literal)
//! region has would synthesize and then fail at deploy on
//! `Fn::Select [N, Fn::GetAZs]`.
//!
//! Source: the region table of cfn-lint 1.58.0 (`cfnlint.helpers.AVAILABILITY_ZONES`,
//! schemas dated 2026-10-20), the linter the conformance step pins. Regions
//! it does not list are not checked.

/// (region, number of Availability Zones), sorted by region.
const AZ_COUNTS: &[(&str, u8)] = &[
    ("af-south-1", 3),
    ("ap-east-1", 3),
    ("ap-east-2", 3),
    ("ap-northeast-1", 4),
    ("ap-northeast-2", 4),
    ("ap-northeast-3", 3),
    ("ap-south-1", 3),
    ("ap-south-2", 3),
    ("ap-southeast-1", 3),
    ("ap-southeast-2", 3),
    ("ap-southeast-3", 3),
    ("ap-southeast-4", 3),
    ("ap-southeast-5", 3),
    ("ap-southeast-6", 3),
    ("ap-southeast-7", 3),
    ("ca-central-1", 4),
    ("ca-west-1", 3),
    ("cn-north-1", 3),
    ("cn-northwest-1", 3),
    ("eu-central-1", 3),
    ("eu-central-2", 3),
    ("eu-isoe-west-1", 3),
    ("eu-north-1", 3),
    ("eu-south-1", 3),
    ("eu-south-2", 3),
    ("eu-west-1", 3),
    ("eu-west-2", 3),
    ("eu-west-3", 3),
    ("eusc-de-east-1", 3),
    ("il-central-1", 3),
    ("me-central-1", 3),
    ("me-south-1", 3),
    ("mx-central-1", 3),
    ("sa-east-1", 3),
    ("us-east-1", 6),
    ("us-east-2", 3),
    ("us-gov-east-1", 3),
    ("us-gov-west-1", 3),
    ("us-iso-east-1", 3),
    ("us-iso-west-1", 3),
    ("us-isob-east-1", 3),
    ("us-isob-west-1", 3),
    ("us-isof-east-1", 3),
    ("us-isof-south-1", 3),
    ("us-west-1", 2),
    ("us-west-2", 4),
];

/// The number of Availability Zones of `region`, when the table knows it.
pub fn az_count(region: &str) -> Option<u8> {
    AZ_COUNTS
        .binary_search_by(|(r, _)| r.cmp(&region))
        .ok()
        .map(|i| AZ_COUNTS[i].1)
}

/// The known region nearest to `region`, for a "did you mean": the
/// project's one suggestion rule (`core::names::closest`).
pub fn closest(region: &str) -> Option<&'static str> {
    crate::core::names::closest(region, AZ_COUNTS.iter().map(|(r, _)| *r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_known_regions_answer() {
        assert!(AZ_COUNTS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(az_count("eu-west-1"), Some(3));
        assert_eq!(az_count("us-east-1"), Some(6));
        assert_eq!(az_count("mars-north-1"), None);
    }
}
