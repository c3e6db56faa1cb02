//! ECR family: repositories with scan on push, immutable tags, KMS
//! encryption and a lifecycle policy.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::ecr::{Repository, RepositoryProps};
//! use meshsynth::aws::kms::{Key, KeyProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let st = Stack::new(&mut app.root(), "acme-images",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(st.node())?;
//!     let key = Key::new(&mut s, "Key", KeyProps::default())?;
//!     Repository::new(&mut s, "Orders", RepositoryProps {
//!         name: "acme/orders".into(),
//!         encryption_key: Some(key.arn()),
//!         ..Default::default()
//!     })?;
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! synth.template("acme-images").has_resource_properties("AWS::ECR::Repository",
//!     serde_json::json!({ "ImageTagMutability": "IMMUTABLE", "ImageScanningConfiguration": { "ScanOnPush": true } }));
//! ```

/// The generated L1 structs (`AWS::*` of this service) the constructs build on.
pub use crate::aws::cfn::ecr as cfn;

use cfn::repository;
use cfn::CfnRepository;

use crate::core::{DeletionPolicy, Error, ImageRef, ResourceRef, Scope, Value};

/// The DNS suffix of a region's endpoints (`amazonaws.com.cn` in China).
fn url_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// Props of a `Repository`.
#[derive(Debug, Clone)]
pub struct RepositoryProps {
    /// The repository name, e.g. `genai-demo/order`. Required (no default).
    pub name: String,
    /// KMS key ARN. Default: none, which uses the AWS-managed ECR key and
    /// fails `MS-ECR-1` unless suppressed.
    pub encryption_key: Option<Value>,
    /// Images kept (older ones expire). Default: 100.
    pub keep_images: i64,
}

impl Default for RepositoryProps {
    fn default() -> Self {
        RepositoryProps {
            name: String::new(),
            encryption_key: None,
            keep_images: 100,
        }
    }
}

/// An ECR repository.
#[derive(Debug, Clone)]
pub struct Repository {
    /// The L1 repository.
    pub resource: ResourceRef<CfnRepository>,
    /// `ACCOUNT.dkr.ecr.REGION.SUFFIX/NAME`, known at synth when the stack
    /// has an account and a region (the URI is a pure function of them).
    registry_uri: Option<String>,
    /// The construct path, for errors.
    path: String,
}

impl Repository {
    /// Adds a repository.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: RepositoryProps,
    ) -> Result<Repository, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        let n = &props.name;
        let ok = (2..=256).contains(&n.len())
            && n.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
            && !n.ends_with(['/', '-', '.', '_']);
        if !ok {
            scope.refuse(Error::construct(
                &path,
                format!("repository name {n:?} is invalid"),
                "use lower-case letters, digits and . _ - /, e.g. genai-demo/order",
            ));
        }
        if !(1..=10000).contains(&props.keep_images) {
            scope.refuse(Error::construct(
                &path,
                format!("keep_images {} is outside 1..10000", props.keep_images),
                "keep e.g. 100 images",
            ));
        }
        let lifecycle = serde_json::json!({
            "rules": [{
                "rulePriority": 1,
                "description": format!("keep the last {} images", props.keep_images),
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": props.keep_images},
                "action": {"type": "expire"}
            }]
        });
        let registry_uri = scope.env().and_then(|e| {
            let account = e.account.as_deref()?;
            let region = e.region.as_deref()?;
            Some(format!(
                "{account}.dkr.ecr.{region}.{}/{}",
                url_suffix(region),
                props.name
            ))
        });
        let mut s = scope.child(id)?;
        let resource = s.add_resource(
            "Resource",
            CfnRepository {
                repository_name: Some(props.name.into()),
                image_tag_mutability: Some(repository::ImageTagMutability::Immutable),
                image_scanning_configuration: Some(repository::ImageScanningConfiguration {
                    scan_on_push: Some(true.into()),
                }),
                encryption_configuration: Some(repository::EncryptionConfiguration {
                    encryption_type: if props.encryption_key.is_some() {
                        repository::EncryptionType::Kms
                    } else {
                        repository::EncryptionType::Aes256
                    },
                    kms_key: props.encryption_key,
                }),
                lifecycle_policy: Some(repository::LifecyclePolicy {
                    lifecycle_policy_text: Some(lifecycle.to_string().into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )?;
        // Images are release artifacts: keep them if the stack goes away.
        let o = s.options(resource.node())?;
        o.deletion_policy = Some(DeletionPolicy::Retain);
        o.update_replace_policy = Some(DeletionPolicy::Retain);
        Ok(Repository {
            resource,
            registry_uri,
            path,
        })
    }

    /// The pinned image reference `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG`,
    /// final at synth (no deferred input): the URI is built from the
    /// repository's name and its stack's environment, never typed by hand.
    pub fn image(&self, tag: &str) -> Result<String, Error> {
        let uri = self.registry_uri()?;
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && !tag.starts_with(['.', '-']);
        if !ok {
            return Err(Error::construct(
                self.path.clone(),
                format!("image tag {tag:?} is invalid"),
                "use letters, digits, . _ - (at most 128), e.g. 1.4.2",
            ));
        }
        Ok(format!("{uri}:{tag}"))
    }

    /// The image reference pinned by digest,
    /// `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME@sha256:…`: what the
    /// runtime pulls is exactly what was built and scanned, and checkov's
    /// digest check (CKV_K8S_43) passes without a recorded exception.
    pub fn image_by_digest(&self, digest: &str) -> Result<String, Error> {
        let uri = self.registry_uri()?;
        ImageRef::parse(&format!("{uri}@{digest}"))
            .map(String::from)
            .map_err(|m| {
                Error::construct(
                    self.path.clone(),
                    m.to_string(),
                    "pass the digest as sha256:<64 hex digits>, e.g. from `crane digest IMAGE`",
                )
            })
    }

    /// The literal registry URI, final at synth, or why it is not known.
    fn registry_uri(&self) -> Result<&str, Error> {
        self.registry_uri.as_deref().ok_or_else(|| {
            Error::construct(
                self.path.clone(),
                "the image URI needs the stack's account and region, but the stack's environment lacks one",
                "set StackProps { env: Env::new(ACCOUNT, REGION) } on the repository's stack",
            )
        })
    }

    /// The repository URI.
    pub fn uri(&self) -> Value {
        self.resource.repository_uri()
    }
}

impl ResourceRef<CfnRepository> {
    /// `Ref`: the repository name.
    pub fn repository_name(&self) -> Value {
        self.reference()
    }
    /// The repository ARN.
    pub fn arn(&self) -> Value {
        self.attr("Arn")
    }
    /// The repository URI (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`).
    pub fn repository_uri(&self) -> Value {
        self.attr("RepositoryUri")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{App, Context, Env, Stack, StackProps};

    fn repo(env: Env) -> Repository {
        let mut app = App::new(Context::new());
        let st = Stack::new(
            &mut app.root(),
            "s",
            StackProps {
                env,
                ..Default::default()
            },
        )
        .unwrap();
        let mut s = app.scope(st.node()).unwrap();
        Repository::new(
            &mut s,
            "Repo",
            RepositoryProps {
                name: "genai-demo/order-service".into(),
                ..Default::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn image_uri_comes_from_the_stack_environment() {
        let r = repo(Env::new("123456789012", "ap-northeast-1"));
        assert_eq!(
            r.image("1.0.0").unwrap(),
            "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/genai-demo/order-service:1.0.0"
        );
        let cn = repo(Env::new("123456789012", "cn-north-1"));
        assert!(cn.image("1.0.0").unwrap().contains(".amazonaws.com.cn/"));
        assert!(r.image("").is_err());
        assert!(r.image("a b").is_err());
        let e = repo(Env::region("ap-northeast-1"))
            .image("1.0.0")
            .unwrap_err();
        assert!(e.to_string().contains("s/Repo"), "{e}");
    }
}
