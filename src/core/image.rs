//! Container image references, shared by the families that name images
//! (an ECR repository makes them, a workload runs them): pinned by a version
//! tag or by digest, never floating.

use std::fmt;

use crate::core::Error;

/// Tags that move: an image with one of them is not reproducible.
const FLOATING_TAGS: &[&str] = &["latest", "stable", "main", "master", "edge", "nightly"];

/// Why an image reference is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Neither a tag nor a digest: it floats to `:latest`.
    #[error("image {image:?} has no tag, so it floats to :latest; pin a version tag or a digest")]
    Unpinned {
        /// The reference as given.
        image: String,
    },
    /// A tag that moves (`latest`, `stable`, …) or an empty one.
    #[error("image {image:?} uses the floating tag {tag:?}; pin a version tag or a digest")]
    FloatingTag {
        /// The reference as given.
        image: String,
        /// The tag.
        tag: String,
    },
    /// A tag outside the OCI distribution grammar.
    #[error("image {image:?}: tag {tag:?} is invalid (letters, digits, . _ -, at most 128)")]
    InvalidTag {
        /// The reference as given.
        image: String,
        /// The tag.
        tag: String,
    },
    /// A digest that is not `sha256:` (or `sha512:`) and lower-case hex.
    #[error("image {image:?}: the digest is not sha256:<64 lower-case hex digits>")]
    InvalidDigest {
        /// The reference as given.
        image: String,
    },
    /// A repository name no registry accepts.
    #[error("image {image:?}: the repository {repository:?} is not a valid image name")]
    InvalidRepository {
        /// The reference as given.
        image: String,
        /// The repository part.
        repository: String,
    },
}

/// A container image reference, checked when made: a repository pinned by a
/// version tag, by a digest, or both (`repo:1.4.2@sha256:…`, where the
/// digest is what the runtime pulls).
///
/// Fields that take an image (`ContainerProps::image`,
/// `MeshServiceProps::image`) are strings; `ImageRef` converts into one, so
/// a digest-pinned image is written
/// `ImageRef::by_digest("registry.example.com/acme/orders", DIGEST)?.into()`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parses `repository:tag`, `repository@sha256:…` or both, refusing a
    /// missing or floating tag (`latest`, `stable`, …) and a malformed digest.
    pub fn parse(image: &str) -> Result<ImageRef, ImageError> {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(check_digest(image, d)?)),
            None => (image, None),
        };
        // The tag follows the last ':' after the last '/', so a registry port
        // (`host:5000/img`) is not mistaken for one.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[last_slash..].split_once(':') {
            Some((_, t)) => (
                &rest[..rest.len() - t.len() - 1],
                Some(check_tag(image, t)?),
            ),
            None => (rest, None),
        };
        check_repository(image, repository)?;
        if tag.is_none() && digest.is_none() {
            return Err(ImageError::Unpinned {
                image: image.to_string(),
            });
        }
        Ok(ImageRef {
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    /// `repository:tag`, refusing floating tags.
    pub fn by_tag(repository: &str, tag: &str) -> Result<ImageRef, Error> {
        Self::parse(&format!("{repository}:{tag}")).map_err(|m| {
            Error::construct(
                "ImageRef",
                m.to_string(),
                "e.g. by_tag(\"nginx\", \"1.27.2\")",
            )
        })
    }

    /// `repository@digest`; `digest` is `sha256:` and 64 hex digits, as
    /// `docker buildx imagetools inspect` or `crane digest` prints it.
    pub fn by_digest(repository: &str, digest: &str) -> Result<ImageRef, Error> {
        Self::parse(&format!("{repository}@{digest}")).map_err(|m| {
            Error::construct(
                "ImageRef",
                m.to_string(),
                "pass the digest as sha256:<64 hex digits>, e.g. from `crane digest IMAGE`",
            )
        })
    }

    /// The repository, e.g. `registry.example.com/acme/orders`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The version tag, when there is one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`sha256:…`), when there is one.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl From<ImageRef> for String {
    fn from(i: ImageRef) -> String {
        i.to_string()
    }
}

fn check_digest(image: &str, digest: &str) -> Result<String, ImageError> {
    let lower_hex = |hex: &str, len: usize| {
        hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let ok = match digest.split_once(':') {
        Some(("sha256", hex)) => lower_hex(hex, 64),
        Some(("sha512", hex)) => lower_hex(hex, 128),
        _ => false,
    };
    if ok {
        Ok(digest.to_string())
    } else {
        Err(ImageError::InvalidDigest {
            image: image.to_string(),
        })
    }
}

fn check_tag(image: &str, tag: &str) -> Result<String, ImageError> {
    if tag.is_empty() || FLOATING_TAGS.contains(&tag) {
        return Err(ImageError::FloatingTag {
            image: image.to_string(),
            tag: tag.to_string(),
        });
    }
    // The OCI distribution spec's tag grammar.
    let ok = tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !tag.starts_with(['.', '-']);
    if ok {
        Ok(tag.to_string())
    } else {
        Err(ImageError::InvalidTag {
            image: image.to_string(),
            tag: tag.to_string(),
        })
    }
}

fn check_repository(image: &str, repository: &str) -> Result<(), ImageError> {
    let ok = !repository.is_empty()
        && repository.len() <= 255
        && !repository.starts_with('/')
        && !repository.ends_with('/')
        && !repository.contains("//")
        && repository
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ImageError::InvalidRepository {
            image: image.to_string(),
            repository: repository.to_string(),
        })
    }
}

/// Checks an image reference is pinned: a digest, or a tag that is not a
/// floating one such as `latest` or `stable`.
pub fn check_image_pinned(image: &str) -> Result<(), ImageError> {
    ImageRef::parse(image).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn pinned_images_parse_and_round_trip() {
        for s in [
            "nginx:1.27.2".to_string(),
            "localhost:5000/acme/app:1.0".to_string(),
            format!("r/app@{D}"),
            format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1.4.2@{D}"),
        ] {
            let i = ImageRef::parse(&s).unwrap();
            assert_eq!(i.to_string(), s);
        }
        let i = ImageRef::parse("localhost:5000/app:2").unwrap();
        assert_eq!((i.repository(), i.tag()), ("localhost:5000/app", Some("2")));
        assert_eq!(ImageRef::by_digest("r/app", D).unwrap().digest(), Some(D));
    }

    #[test]
    fn floating_missing_and_malformed_references_are_refused() {
        for bad in [
            "nginx",
            "nginx:latest",
            "amazon/aws-for-fluent-bit:stable",
            "localhost:5000/app",
            "r/app@sha256:abc",
            "r/app@md5:0123",
            "r/app:",
            "r/app:-x",
            "/app:1",
            "a b:1",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
        assert!(ImageRef::by_digest("r/app", "sha256:ABC").is_err());
        assert!(ImageRef::by_tag("r/app", "latest").is_err());
    }
}
