//! The Kubernetes versions EKS supports, and the add-on versions meshsynth
//! pins by default for each. Both tables are data with a source and a date,
//! not something meshsynth can ask AWS at synth (synth is offline and
//! deterministic), so `docs/aws.md` says how to refresh them.

/// The date the tables below were last checked.
pub const TABLE_DATE: &str = "2026-11-22";

/// Where the version lifecycle comes from.
pub const VERSIONS_SOURCE: &str = "Amazon EKS User Guide, 'Understand the Kubernetes version lifecycle on EKS' (release calendar), cross-checked with endoflife.date/amazon-eks";

/// Where the default add-on versions come from.
pub const ADDONS_SOURCE: &str = "add-on builds published for each version (`aws eks describe-addon-versions --kubernetes-version V`), as pinned in public EKS infrastructure code";

/// One Kubernetes minor version on EKS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EksVersion {
    /// The minor version, e.g. `1.34`.
    pub version: &'static str,
    /// The day EKS released it.
    pub released: &'static str,
    /// The last day of standard support; extended support (at extra cost
    /// per cluster hour) follows.
    pub end_of_standard_support: &'static str,
    /// The last day of extended support; after it EKS upgrades the cluster.
    pub end_of_extended_support: &'static str,
    /// Default add-on versions (name, version), when meshsynth pins a set
    /// for this version; otherwise `EksClusterProps::addons` must be given.
    pub addons: &'static [(&'static str, &'static str)],
}

/// Every version EKS offered on [`TABLE_DATE`] or offered until shortly
/// before, newest first.
pub const EKS_VERSIONS: &[EksVersion] = &[
    EksVersion {
        version: "1.35",
        released: "2026-01-28",
        end_of_standard_support: "2027-03-27",
        end_of_extended_support: "2028-03-27",
        addons: &[
            ("vpc-cni", "v1.21.1-eksbuild.3"),
            ("coredns", "v1.13.2-eksbuild.1"),
            ("kube-proxy", "v1.35.0-eksbuild.2"),
            ("eks-pod-identity-agent", "v1.3.10-eksbuild.2"),
        ],
    },
    EksVersion {
        version: "1.34",
        released: "2025-10-06",
        end_of_standard_support: "2026-12-02",
        end_of_extended_support: "2027-12-02",
        addons: &[
            ("vpc-cni", "v1.20.4-eksbuild.2"),
            ("coredns", "v1.12.3-eksbuild.1"),
            ("kube-proxy", "v1.34.0-eksbuild.2"),
            ("eks-pod-identity-agent", "v1.3.10-eksbuild.2"),
        ],
    },
    EksVersion {
        version: "1.33",
        released: "2025-05-28",
        end_of_standard_support: "2026-07-29",
        end_of_extended_support: "2027-07-29",
        addons: &[
            ("vpc-cni", "v1.19.5-eksbuild.1"),
            ("coredns", "v1.12.1-eksbuild.2"),
            ("kube-proxy", "v1.33.0-eksbuild.2"),
            ("eks-pod-identity-agent", "v1.3.7-eksbuild.2"),
        ],
    },
    EksVersion {
        version: "1.32",
        released: "2025-01-25",
        end_of_standard_support: "2026-03-23",
        end_of_extended_support: "2027-03-23",
        addons: &[],
    },
    EksVersion {
        version: "1.31",
        released: "2024-09-26",
        end_of_standard_support: "2025-11-26",
        end_of_extended_support: "2026-11-26",
        addons: &[],
    },
    EksVersion {
        version: "1.30",
        released: "2024-05-23",
        end_of_standard_support: "2025-07-23",
        end_of_extended_support: "2026-07-23",
        addons: &[],
    },
    EksVersion {
        version: "1.29",
        released: "2024-01-23",
        end_of_standard_support: "2025-03-23",
        end_of_extended_support: "2026-03-23",
        addons: &[],
    },
];

/// How a requested version stands against the table, judged on
/// [`TABLE_DATE`] (never the clock, so synth stays deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// In standard support.
    Standard(&'static EksVersion),
    /// In extended support: it works, at extra cost.
    Extended(&'static EksVersion),
    /// Past extended support: EKS no longer creates such clusters.
    Ended(&'static EksVersion),
    /// The minor after the newest in the table: EKS may have released it
    /// since the table was made.
    Newer,
    /// Not a version EKS has or is likely to have.
    Unknown,
}

/// Looks `version` (`1.NN`) up.
pub fn support(version: &str) -> Support {
    if let Some(v) = EKS_VERSIONS.iter().find(|v| v.version == version) {
        return if TABLE_DATE <= v.end_of_standard_support {
            Support::Standard(v)
        } else if TABLE_DATE <= v.end_of_extended_support {
            Support::Extended(v)
        } else {
            Support::Ended(v)
        };
    }
    let minor = |s: &str| {
        s.strip_prefix("1.")
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|_| !s.ends_with('.'))
    };
    match (minor(version), minor(EKS_VERSIONS[0].version)) {
        (Some(m), Some(newest)) if m == newest + 1 => Support::Newer,
        _ => Support::Unknown,
    }
}

/// The versions EKS supports on [`TABLE_DATE`], for messages.
pub fn supported_list() -> String {
    EKS_VERSIONS
        .iter()
        .filter(|v| TABLE_DATE <= v.end_of_extended_support)
        .map(|v| v.version)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_judged_on_the_table_date() {
        assert!(matches!(support("1.35"), Support::Standard(_)));
        assert!(matches!(support("1.34"), Support::Standard(_)));
        assert!(matches!(support("1.32"), Support::Extended(_)));
        assert!(matches!(support("1.31"), Support::Extended(_)));
        assert!(matches!(support("1.30"), Support::Ended(_)));
        assert_eq!(support("1.36"), Support::Newer);
        assert_eq!(support("1.99"), Support::Unknown);
        assert_eq!(support("2.0"), Support::Unknown);
        assert_eq!(support("1.28"), Support::Unknown);
        assert_eq!(supported_list(), "1.35, 1.34, 1.33, 1.32, 1.31");
    }

    #[test]
    fn the_table_is_newest_first_with_ordered_dates() {
        for w in EKS_VERSIONS.windows(2) {
            assert!(
                w[0].released > w[1].released,
                "{} before {}",
                w[0].version,
                w[1].version
            );
        }
        for v in EKS_VERSIONS {
            assert!(v.released < v.end_of_standard_support);
            assert!(v.end_of_standard_support < v.end_of_extended_support);
        }
    }
}
