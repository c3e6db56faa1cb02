//! What checkov is told when a workload's images are pinned by tag, and why.

use crate::core::image::ImageRef;
use crate::core::{Error, NodeId, Scope};

/// checkov's "image pull policy should be Always" check.
pub(crate) const CKV_PULL_POLICY: &str = "CKV_K8S_15";
/// checkov's "image should use digest" check.
pub(crate) const CKV_DIGEST: &str = "CKV_K8S_43";

/// Why meshsynth writes `imagePullPolicy: IfNotPresent`; recorded on every
/// workload so a checkov report shows the reason rather than a failure.
const PULL_POLICY_REASON: &str = "imagePullPolicy IfNotPresent is right for pinned images (meshsynth refuses floating tags at synth); Always only adds registry round-trips";
/// Why a tag-pinned image is accepted; a digest-pinned workload needs no skip.
const DIGEST_REASON: &str = "image pinned by an immutable version tag (floating tags are refused at synth); pin by digest with ImageRef::by_digest or Repository::image_by_digest to pass this check";

/// Records on the workload at `node` the checkov image checks meshsynth
/// deliberately answers otherwise, with the reason: the pull policy always,
/// the digest check only while some image is pinned by tag alone.
pub(crate) fn record_image_policy<'a>(
    scope: &mut Scope<'_>,
    node: NodeId,
    images: impl IntoIterator<Item = &'a str>,
) -> Result<(), Error> {
    scope.suppress_node(node, CKV_PULL_POLICY, PULL_POLICY_REASON)?;
    let by_tag_only = images
        .into_iter()
        .any(|i| ImageRef::parse(i).map_or(true, |r| r.digest().is_none()));
    if by_tag_only {
        scope.suppress_node(node, CKV_DIGEST, DIGEST_REASON)?;
    }
    Ok(())
}
