//! What `EksCluster` checks before it adds anything: the name, the
//! Kubernetes version against the EKS support table (and the add-ons that
//! table pins), subnets, log types, the endpoint allow-list and the add-on
//! list.

use crate::core::{Diagnostic, Error, Scope};

use super::versions::{self, Support};
use super::{Addon, EksClusterProps, EndpointAccess, CONTROL_PLANE_LOG_TYPES, DEFAULT_VERSION};

/// The code of the version-support warning (extended support, or newer
/// than the table).
pub const VERSION_SUPPORT: &str = "MS-EKS-2";

/// The props, checked and completed.
pub(super) struct Checked {
    /// The add-ons to install: the props' own, else the version table's.
    pub(super) addons: Vec<Addon>,
    /// Whether the endpoint is public too.
    pub(super) public: bool,
    /// The public allow-list.
    pub(super) cidrs: Option<Vec<String>>,
}

/// Checks `props` of the cluster at `path`; warnings (extended support, a
/// version newer than the table) are reported on `scope`.
pub(super) fn check(
    scope: &mut Scope<'_>,
    path: &str,
    props: &EksClusterProps,
) -> Result<Checked, Error> {
    let err = |m: String, h: &str| Error::construct(path, m, h);
    let name_ok = !props.name.is_empty()
        && props.name.len() <= 100
        && props.name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && props
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    if !name_ok {
        return Err(err(
            format!("cluster name {:?} is invalid", props.name),
            "use 1-100 letters, digits, '-' and '_', starting with a letter or digit",
        ));
    }
    let table_addons = version(scope, path, props)?;
    if props.subnet_ids.len() < 2 {
        return Err(err(
            format!(
                "EKS needs subnets in at least 2 AZs; {} given",
                props.subnet_ids.len()
            ),
            "pass vpc.subnet_ids(SubnetKind::Private)",
        ));
    }
    for t in &props.log_types {
        if !CONTROL_PLANE_LOG_TYPES.contains(&t.as_str()) {
            return Err(err(
                format!("unknown control-plane log type {t:?}"),
                "use api, audit, authenticator, controllerManager or scheduler",
            ));
        }
    }
    let (public, cidrs) = endpoint(path, &props.endpoint_access)?;
    let addons = match &props.addons {
    Some(a) => a.clone(),
        None if !table_addons.is_empty() => table_addons
            .iter()
            .map(|(n, v)| Addon {
                name: n.to_string(),
                version: v.to_string(),
                service_account_role_arn: None,
            })
            .collect(),
        None => {
            return Err(err(
                format!(
                    "meshsynth pins no default add-on versions for Kubernetes {}",
                    props.version
                ),
                &format!(
                    "set EksClusterProps::addons with versions from `aws eks describe-addon-versions --kubernetes-version {}`",
                    props.version
                ),
            ))
        }
    };
    let mut seen: Vec<&str> = Vec::new();
    for a in &addons {
        if seen.contains(&a.name.as_str()) {
            return Err(err(
                format!("add-on {} is listed twice", a.name),
                "list each add-on once",
            ));
        }
        seen.push(&a.name);
    }
    Ok(Checked {
        addons,
        public,
        cidrs,
    })
}

/// The add-ons the version table pins for `props.version` (none for a
/// version newer than the table); an ended or unknown version is an error.
fn version(
    scope: &mut Scope<'_>,
    path: &str,
    props: &EksClusterProps,
) -> Result<&'static [(&'static str, &'static str)], Error> {
    let err = |m: String, h: &str| Error::construct(path, m, h);
    Ok(match versions::support(&props.version) {
        Support::Standard(v) => v.addons,
        Support::Extended(v) => {
            scope.report(
                Diagnostic::warning(
                    path,
                    format!(
                        "Kubernetes {} is in EKS extended support (standard support ended {}; extended ends {}), which costs extra per cluster hour",
                        v.version, v.end_of_standard_support, v.end_of_extended_support
                    ),
                )
                .with_code(VERSION_SUPPORT)
                .with_hint(format!("upgrade to {DEFAULT_VERSION}")),
            );
            v.addons
        }
        Support::Ended(v) => {
            return Err(err(
                format!(
                    "Kubernetes {} is no longer supported by EKS (extended support ended {})",
                    v.version, v.end_of_extended_support
                ),
                &format!("use one of {}", versions::supported_list()),
            ))
        }
        Support::Newer => {
            scope.report(
                Diagnostic::warning(
                    path,
                    format!(
                        "Kubernetes {} is newer than meshsynth's EKS version table (checked {})",
                        props.version,
                        versions::TABLE_DATE
                    ),
                )
                .with_code(VERSION_SUPPORT)
                .with_hint("check it with `aws eks describe-cluster-versions` and pin its add-ons from `aws eks describe-addon-versions`"),
            );
            &[]
        }
        Support::Unknown => {
            return Err(err(
                format!(
                    "Kubernetes version {:?} is not a version EKS supports",
                    props.version
                ),
                &format!(
                    "use one of {} (table of {}; `aws eks describe-cluster-versions` lists the current ones)",
                    versions::supported_list(),
                    versions::TABLE_DATE
                ),
            ))
        }
    })
}

/// Whether the endpoint is public, and its allow-list (never empty, never
/// `/0`).
fn endpoint(path: &str, access: &EndpointAccess) -> Result<(bool, Option<Vec<String>>), Error> {
    let err = |m: String, h: &str| Error::construct(path, m, h);
    match access {
        EndpointAccess::Private => Ok((false, None)),
        EndpointAccess::PrivateAndPublic { cidrs } => {
            if cidrs.is_empty() {
                return Err(err(
                    "a public endpoint needs a CIDR allow-list".into(),
                    "list the CIDRs that may reach the API (e.g. your VPN egress)",
                ));
            }
            for c in cidrs {
                let net: ipnet::IpNet = c.parse().map_err(|_| {
                    err(
                        format!("endpoint CIDR {c:?} is not a CIDR"),
                        "write e.g. 203.0.113.0/24",
                    )
                })?;
                if net.prefix_len() == 0 {
                    return Err(err(
                        format!("endpoint CIDR {c} opens the Kubernetes API to the world"),
                        "list specific CIDRs, or keep the endpoint private",
                    ));
                }
            }
            Ok((true, Some(cidrs.clone())))
        }
    }
}
