//! The PostgreSQL major versions RDS and Aurora offer. Data with a source
//! and a date, like the EKS table: synth is offline and deterministic, so it
//! cannot ask AWS; `docs/aws.md` says how to refresh it.

/// The date the table was last checked.
pub const TABLE_DATE: &str = "2026-11-24";

/// Where the table comes from.
pub const SOURCE: &str = "Amazon RDS User Guide, 'Release calendars for Amazon RDS for PostgreSQL' and the Aurora PostgreSQL release calendar (`aws rds describe-db-engine-versions --engine postgres|aurora-postgresql`)";

/// One PostgreSQL major version on RDS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostgresMajor {
    /// The major version.
    pub major: u32,
    /// The last day of RDS standard support (RDS Extended Support, at extra
    /// cost per vCPU hour, follows).
    pub end_of_standard_support: &'static str,
    /// Whether Aurora PostgreSQL offers it too.
    pub aurora: bool,
}

/// The majors RDS offered on [`TABLE_DATE`], oldest first.
pub const POSTGRES_MAJORS: &[PostgresMajor] = &[
    PostgresMajor {
        major: 13,
        end_of_standard_support: "2026-02-28",
        aurora: true,
    },
    PostgresMajor {
        major: 14,
        end_of_standard_support: "2027-02-28",
        aurora: true,
    },
    PostgresMajor {
        major: 15,
        end_of_standard_support: "2028-02-29",
        aurora: true,
    },
    PostgresMajor {
        major: 16,
        end_of_standard_support: "2029-02-28",
        aurora: true,
    },
    PostgresMajor {
        major: 17,
        end_of_standard_support: "2030-02-28",
        aurora: true,
    },
    PostgresMajor {
        major: 18,
        end_of_standard_support: "2031-02-28",
        aurora: false,
    },
];

/// The table's entry for `major` of `engine` (`postgres` or
/// `aurora-postgresql`); `None` when that engine does not offer it.
pub fn lookup(engine: &str, major: u32) -> Option<&'static PostgresMajor> {
    POSTGRES_MAJORS
        .iter()
        .find(|m| m.major == major && (engine != "aurora-postgresql" || m.aurora))
}

/// The majors `engine` offers, for messages (`13, 14, …`).
pub fn offered(engine: &str) -> String {
    POSTGRES_MAJORS
        .iter()
        .filter(|m| engine != "aurora-postgresql" || m.aurora)
        .map(|m| m.major.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_ordered_and_dated() {
        assert!(POSTGRES_MAJORS.windows(2).all(|w| w[0].major < w[1].major
            && w[0].end_of_standard_support < w[1].end_of_standard_support));
        assert!(lookup("postgres", 18).is_some());
        assert!(lookup("aurora-postgresql", 18).is_none());
        assert!(lookup("postgres", 71).is_none());
        assert_eq!(offered("aurora-postgresql"), "13, 14, 15, 16, 17");
    }
}
