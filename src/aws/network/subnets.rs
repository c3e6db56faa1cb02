//! Subnet planning: each group's subnets allocated AZ by AZ with real CIDR
//! math (ipnet), around any explicit CIDRs, or an error naming the VPC.

use ipnet::Ipv4Net;

use crate::core::Error;

/// What a subnet group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubnetKind {
    /// Routes to the internet gateway; for load balancers and NAT gateways.
    Public,
    /// Routes out through a NAT gateway; for nodes and workloads.
    Private,
    /// No route out of the VPC; for databases.
    Isolated,
}

/// One subnet per AZ of this kind and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetGroup {
    /// The group name (unique in the VPC).
    pub name: String,
    /// What the subnets are for.
    pub kind: SubnetKind,
    /// Prefix length of each subnet (e.g. 24 for /24).
    pub cidr_mask: u8,
    /// Explicit CIDRs, one per AZ in AZ order. Default: none (allocated from
    /// the VPC CIDR, around any explicit ones).
    pub cidrs: Vec<String>,
}

impl SubnetGroup {
    /// A group whose subnets are allocated automatically.
    pub fn new(name: &str, kind: SubnetKind, cidr_mask: u8) -> SubnetGroup {
        SubnetGroup {
            name: name.into(),
            kind,
            cidr_mask,
            cidrs: Vec::new(),
        }
    }

    /// A group with explicit CIDRs, one per AZ (e.g. to match an existing
    /// address plan). They must lie inside the VPC CIDR and not overlap.
    pub fn with_cidrs(name: &str, kind: SubnetKind, cidrs: &[&str]) -> SubnetGroup {
        SubnetGroup {
            name: name.into(),
            kind,
            cidr_mask: cidrs
                .first()
                .and_then(|c| c.parse::<Ipv4Net>().ok())
                .map_or(0, |n| n.prefix_len()),
            cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct PlannedSubnet {
    pub(super) group: String,
    pub(super) kind: SubnetKind,
    pub(super) az_index: u8,
    pub(super) cidr: Ipv4Net,
}

#[derive(Debug)]
pub(super) struct Plan {
    pub(super) vpc: Ipv4Net,
    pub(super) azs: u8,
    pub(super) subnets: Vec<PlannedSubnet>,
}

/// Allocates each group's subnets, AZ by AZ, from the start of the VPC CIDR,
/// each aligned to its own size; fails with the path when it cannot.
pub(super) fn plan_subnets(
    path: &str,
    cidr: &str,
    azs: u8,
    groups: &[SubnetGroup],
) -> Result<Plan, Error> {
    let vpc = vpc_cidr(path, cidr)?;
    check_groups(path, vpc, azs, groups)?;
    // Explicit CIDRs first: they are fixed, automatic subnets go around them.
    let explicit = explicit_subnets(path, vpc, azs, groups)?;
    let subnets = allocate(path, vpc, azs, groups, &explicit)?;
    check_overlaps(path, &subnets)?;
    Ok(Plan { vpc, azs, subnets })
}

/// The VPC's CIDR, refused unless AWS would take it.
fn vpc_cidr(path: &str, cidr: &str) -> Result<Ipv4Net, Error> {
    let vpc: Ipv4Net = cidr.parse().map_err(|_| {
        Error::construct(
            path,
            format!("invalid CIDR {:?}", cidr),
            "write an IPv4 CIDR such as 10.0.0.0/16",
        )
    })?;
    if vpc.network() != vpc.addr() {
        return Err(Error::construct(
            path,
            format!("CIDR {} has host bits set", cidr),
            format!("did you mean {}?", vpc.trunc()),
        ));
    }
    if !(16..=28).contains(&vpc.prefix_len()) {
        return Err(Error::construct(
            path,
            format!("VPC CIDR {vpc} must have a prefix from /16 to /28"),
            "AWS allows VPC CIDRs between /16 and /28",
        ));
    }
    Ok(vpc)
}

/// AZ count, group names and masks.
fn check_groups(path: &str, vpc: Ipv4Net, azs: u8, groups: &[SubnetGroup]) -> Result<(), Error> {
    if azs == 0 {
        return Err(Error::construct(
            path,
            "azs must be at least 1",
            "use 2 or 3 AZs for high availability",
        ));
    }
    if groups.is_empty() {
        return Err(Error::construct(
            path,
            "a VPC needs at least one subnet group",
            "add SubnetGroup entries",
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for g in groups {
        if !names.insert(g.name.as_str()) {
            return Err(Error::construct(
                path,
                format!("subnet group {:?} is declared twice", g.name),
                "give each subnet group a unique name",
            ));
        }
        if g.cidrs.is_empty() && g.cidr_mask < vpc.prefix_len() {
            return Err(Error::construct(
                path,
                format!(
                    "subnet group {} asks for /{} subnets, larger than the whole VPC {vpc}",
                    g.name, g.cidr_mask
                ),
                if vpc.prefix_len() >= 28 {
                    "give the VPC a larger range, e.g. a /16 (a /28 VPC holds a single /28 subnet)"
                        .to_string()
                } else {
                    format!(
                        "give the VPC a larger range (e.g. a /16), or the group a cidr_mask from /{} to /28",
                        vpc.prefix_len()
                    )
                },
            ));
        }
        if g.cidrs.is_empty() && g.cidr_mask > 28 {
            return Err(Error::construct(
                path,
                format!(
                    "subnet group {} asks for /{} subnets; the smallest subnet AWS allows is a /28",
                    g.name, g.cidr_mask
                ),
                format!("use a cidr_mask from /{} to /28", vpc.prefix_len().min(28)),
            ));
        }
    }
    Ok(())
}

/// (group index, AZ, CIDR) of each subnet given by hand, checked.
fn explicit_subnets(
    path: &str,
    vpc: Ipv4Net,
    azs: u8,
    groups: &[SubnetGroup],
) -> Result<Vec<(usize, u8, Ipv4Net)>, Error> {
    let mut explicit: Vec<(usize, u8, Ipv4Net)> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if g.cidrs.is_empty() {
            continue;
        }
        if g.cidrs.len() != usize::from(azs) {
            return Err(Error::construct(
                path,
                format!(
                    "subnet group {} lists {} CIDRs for {azs} AZs",
                    g.name,
                    g.cidrs.len()
                ),
                "give one CIDR per AZ",
            ));
        }
        for (az, c) in g.cidrs.iter().enumerate() {
            let net: Ipv4Net = c.parse().map_err(|_| {
                Error::construct(
                    path,
                    format!("subnet group {}: {c:?} is not an IPv4 CIDR", g.name),
                    "write e.g. 10.0.1.0/24",
                )
            })?;
            if net.trunc() != net {
                return Err(Error::construct(
                    path,
                    format!("subnet group {}: {c} has host bits set", g.name),
                    format!("did you mean {}?", net.trunc()),
                ));
            }
            if !vpc.contains(&net) {
                return Err(Error::construct(
                    path,
                    format!(
                        "subnet {c} of group {} is outside the VPC CIDR {vpc}",
                        g.name
                    ),
                    format!("pick subnets inside {vpc}"),
                ));
            }
            if net.prefix_len() > 28 {
                return Err(Error::construct(
                    path,
                    format!("subnet {c} of group {} is smaller than /28", g.name),
                    "AWS subnets are /16 to /28",
                ));
            }
            explicit.push((gi, az as u8, net));
        }
    }
    Ok(explicit)
}

/// Every group's subnets in order: the explicit ones as given, the others
/// allocated from the start of the VPC around them.
fn allocate(
    path: &str,
    vpc: Ipv4Net,
    azs: u8,
    groups: &[SubnetGroup],
    explicit: &[(usize, u8, Ipv4Net)],
) -> Result<Vec<PlannedSubnet>, Error> {
    let start = u32::from(vpc.network());
    let end = u64::from(u32::from(vpc.broadcast())) + 1;
    let overlaps = |a: &Ipv4Net, b: &Ipv4Net| a.contains(&b.network()) || b.contains(&a.network());
    let mut cursor = u64::from(start);
    let mut subnets = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if !g.cidrs.is_empty() {
            for (_, az, net) in explicit.iter().filter(|(i, _, _)| *i == gi) {
                subnets.push(PlannedSubnet {
                    group: g.name.clone(),
                    kind: g.kind,
                    az_index: *az,
                    cidr: *net,
                });
            }
            continue;
        }
        let size = 1u64 << (32 - g.cidr_mask);
        for az in 0..azs {
            let net = loop {
                let aligned = cursor.div_ceil(size) * size;
                if aligned + size > end {
                    let needed: u64 = groups
                        .iter()
                        .map(|g| (1u64 << (32 - g.cidr_mask)) * u64::from(azs))
                        .sum();
                    return Err(Error::construct(
                        path,
                        format!(
                            "{vpc} cannot hold {azs} AZs of these subnets: they need {needed} addresses, the CIDR has {}",
                            end - u64::from(start)
                        ),
                        "use a larger VPC CIDR, fewer AZs or smaller subnets",
                    ));
                }
                // Invariant: aligned + size ≤ end ≤ 2^32, and the mask is ≤ 32.
                let net = Ipv4Net::new(std::net::Ipv4Addr::from(aligned as u32), g.cidr_mask)
                    .expect("valid prefix");
                match explicit.iter().find(|(_, _, e)| overlaps(e, &net)) {
                    Some((_, _, e)) => cursor = u64::from(u32::from(e.broadcast())) + 1,
                    None => break net,
                }
            };
            subnets.push(PlannedSubnet {
                group: g.name.clone(),
                kind: g.kind,
                az_index: az,
                cidr: net,
            });
            cursor = u64::from(u32::from(net.broadcast())) + 1;
        }
    }
    Ok(subnets)
}

/// Automatic subnets never overlap; explicit ones may.
fn check_overlaps(path: &str, subnets: &[PlannedSubnet]) -> Result<(), Error> {
    for (i, a) in subnets.iter().enumerate() {
        for b in &subnets[i + 1..] {
            if a.cidr.contains(&b.cidr.network()) || b.cidr.contains(&a.cidr.network()) {
                return Err(Error::construct(
                    path,
                    format!(
                        "subnets {} ({}) and {} ({}) overlap",
                        a.cidr, a.group, b.cidr, b.group
                    ),
                    "give each subnet its own address range",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::network::VpcProps;

    fn plan(cidr: &str, azs: u8) -> Result<Plan, Error> {
        plan_subnets("N/Vpc", cidr, azs, &VpcProps::default().subnets)
    }

    #[test]
    fn allocates_aligned_non_overlapping_subnets() {
        let p = plan("10.0.0.0/16", 3).unwrap();
        let cidrs: Vec<String> = p.subnets.iter().map(|s| s.cidr.to_string()).collect();
        assert_eq!(
            cidrs,
            [
                "10.0.0.0/24",
                "10.0.1.0/24",
                "10.0.2.0/24",
                "10.0.32.0/19",
                "10.0.64.0/19",
                "10.0.96.0/19"
            ]
        );
    }

    #[test]
    fn rejects_bad_cidrs() {
        assert!(plan("10.0.0.0/33", 3)
            .unwrap_err()
            .to_string()
            .contains("invalid CIDR"));
        assert!(plan("banana", 3).is_err());
        assert!(plan("10.0.0.1/16", 3)
            .unwrap_err()
            .to_string()
            .contains("did you mean 10.0.0.0/16"));
        assert!(plan("10.0.0.0/8", 3)
            .unwrap_err()
            .to_string()
            .contains("/16 to /28"));
    }

    #[test]
    fn explicit_cidrs_are_checked_and_avoided() {
        let props = |groups: Vec<SubnetGroup>| groups;
        let p = plan_subnets(
            "N/Vpc",
            "10.0.0.0/16",
            2,
            &props(vec![
                SubnetGroup::with_cidrs(
                    "Db",
                    SubnetKind::Isolated,
                    &["10.0.0.0/24", "10.0.1.0/24"],
                ),
                SubnetGroup::new("Public", SubnetKind::Public, 24),
            ]),
        )
        .unwrap();
        let cidrs: Vec<String> = p.subnets.iter().map(|s| s.cidr.to_string()).collect();
        assert_eq!(
            cidrs,
            ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
        );
        let overlap = plan_subnets(
            "N/Vpc",
            "10.0.0.0/16",
            2,
            &props(vec![
                SubnetGroup::with_cidrs("A", SubnetKind::Isolated, &["10.0.0.0/24", "10.0.1.0/24"]),
                SubnetGroup::with_cidrs("B", SubnetKind::Private, &["10.0.1.0/25", "10.0.2.0/24"]),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            overlap.starts_with("N/Vpc: subnets 10.0.1.0/24 (A) and 10.0.1.0/25 (B) overlap"),
            "{overlap}"
        );
        let outside = plan_subnets(
            "N/Vpc",
            "10.0.0.0/16",
            2,
            &props(vec![SubnetGroup::with_cidrs(
                "A",
                SubnetKind::Isolated,
                &["10.1.0.0/24", "10.0.1.0/24"],
            )]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            outside.contains("outside the VPC CIDR 10.0.0.0/16"),
            "{outside}"
        );
    }

    #[test]
    fn rejects_more_azs_than_the_cidr_holds() {
        let err = plan("10.0.0.0/18", 3).unwrap_err().to_string();
        assert!(err.contains("cannot hold 3 AZs"), "{err}");
    }
}
