//! ECR family: repositories with scan on push, immutable tags, KMS
//! encryption and a lifecycle policy.

pub mod cfn;

use cfn::*;

use crate::core::{DeletionPolicy, Error, ResourceRef, Scope, Value};

/// Props of a `Repository`.
#[derive(Debug, Clone)]
pub struct RepositoryProps {
    /// The repository name, e.g. `genai-demo/order` (required).
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
#[derive(Debug, Clone, Copy)]
pub struct Repository {
    /// The L1 repository.
    pub resource: ResourceRef<CfnRepository>,
}

impl Repository {
    /// Adds a repository.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: RepositoryProps,
    ) -> Result<Repository, Error> {
        let path = format!("{}/{id}", scope.path());
        crate::aws::security::enable(scope);
        let n = &props.name;
        let ok = (2..=256).contains(&n.len())
            && n.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c))
            && !n.ends_with(['/', '-', '.', '_']);
        if !ok {
            return Err(Error::construct(
                path,
                format!("repository name {n:?} is invalid"),
                "use lower-case letters, digits and . _ - /, e.g. genai-demo/order",
            ));
        }
        if !(1..=10000).contains(&props.keep_images) {
            return Err(Error::construct(
                path,
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
        let mut s = scope.child(id)?;
        let resource = s.add_resource(
            "Resource",
            CfnRepository {
                repository_name: Some(props.name),
                image_tag_mutability: Some("IMMUTABLE".into()),
                image_scanning_configuration: Some(CfnImageScanning { scan_on_push: true }),
                encryption_configuration: Some(CfnRepositoryEncryption {
                    encryption_type: if props.encryption_key.is_some() {
                        "KMS"
                    } else {
                        "AES256"
                    }
                    .into(),
                    kms_key: props.encryption_key,
                }),
                lifecycle_policy: Some(CfnLifecyclePolicy {
                    lifecycle_policy_text: lifecycle.to_string(),
                }),
                ..Default::default()
            },
        )?;
        // Images are release artifacts: keep them if the stack goes away.
        let o = s.options(resource.node())?;
        o.deletion_policy = Some(DeletionPolicy::Retain);
        o.update_replace_policy = Some(DeletionPolicy::Retain);
        Ok(Repository { resource })
    }

    /// The repository URI.
    pub fn uri(&self) -> Value {
        self.resource.repository_uri()
    }
}
