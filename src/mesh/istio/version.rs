//! The Istio version an app targets (a setting, read at synth by the IST0106
//! analyzer): fields newer than the target are rejected before any cluster
//! sees them.

use std::fmt;

use crate::core::{Context, Error};

/// The context key that sets the target Istio version (`-c istio:version=1.27`).
pub const CONTEXT_KEY: &str = "istio:version";

/// A `major.minor` Istio release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IstioVersion {
    /// The major version.
    pub major: u32,
    /// The minor version.
    pub minor: u32,
}

impl IstioVersion {
    /// The release the project's schemas and reference apps target.
    pub const DEFAULT: IstioVersion = IstioVersion::new(1, 28);

    /// A version.
    pub const fn new(major: u32, minor: u32) -> Self {
        IstioVersion { major, minor }
    }

    /// Parses `1.28` or `1.28.3` (the patch is ignored).
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let mut it = s.trim().split('.');
        let invalid = || VersionError {
            text: s.to_string(),
        };
        let num = |p: Option<&str>| -> Result<u32, VersionError> {
            p.and_then(|p| p.parse().ok()).ok_or_else(invalid)
        };
        let major = num(it.next())?;
        let minor = num(it.next())?;
        if let Some(patch) = it.next() {
            num(Some(patch))?;
        }
        if it.next().is_some() {
            return Err(invalid());
        }
        Ok(IstioVersion { major, minor })
    }

    /// The version set by `-c istio:version=…`, or `DEFAULT`.
    pub fn from_context(ctx: &Context) -> Result<Self, Error> {
        match ctx.raw(CONTEXT_KEY) {
            None => Ok(Self::DEFAULT),
            Some(raw) => Self::parse(raw).map_err(|e| Error::Context {
                key: CONTEXT_KEY.into(),
                message: e.to_string(),
            }),
        }
    }
}

/// A text that is not an Istio version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an Istio version such as 1.28")]
pub struct VersionError {
    /// The text as given.
    pub text: String,
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A field that only exists from some Istio release on.
#[derive(Debug, Clone, Copy)]
pub struct VersionedField {
    /// The kind the field belongs to.
    pub kind: &'static str,
    /// The field's path in the spec, as it reads in YAML.
    pub field: &'static str,
    /// The first release whose CRD has it.
    pub since: IstioVersion,
}

/// Fields of the modeled kinds added after Istio 1.25. Every field here is
/// present in the Istio 1.28 CRD schemas of `shared/schemas`; each `since`
/// is the release whose change notes announce it (istio.io
/// `news/releases/1.2x.x/announcing-1.2x/change-notes`).
pub const VERSIONED_FIELDS: &[VersionedField] = &[
    // 1.26: "Added support for specifying a backoff interval during retries."
    VersionedField {
        kind: "VirtualService",
        field: "spec.http[].retries.backoff",
        since: IstioVersion::new(1, 26),
    },
    // 1.26: "Added the ability to configure retry host predicates using the
    // Retry API (`retry_ignore_previous_hosts`)."
    VersionedField {
        kind: "VirtualService",
        field: "spec.http[].retries.retryIgnorePreviousHosts",
        since: IstioVersion::new(1, 26),
    },
    // 1.27: "Added support for multiple server certificates in gateway."
    VersionedField {
        kind: "Gateway",
        field: "spec.servers[].tls.credentialNames",
        since: IstioVersion::new(1, 27),
    },
    // 1.28: "Added `caCertCredentialName` field in `ServerTLSSettings`."
    VersionedField {
        kind: "Gateway",
        field: "spec.servers[].tls.caCertCredentialName",
        since: IstioVersion::new(1, 28),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(
            IstioVersion::parse("1.28").unwrap(),
            IstioVersion::new(1, 28)
        );
        assert_eq!(
            IstioVersion::parse("1.27.3").unwrap(),
            IstioVersion::new(1, 27)
        );
        assert!(IstioVersion::parse("1").is_err());
        assert!(IstioVersion::parse("latest").is_err());
        assert!(IstioVersion::new(1, 26) < IstioVersion::new(1, 28));
    }
}
