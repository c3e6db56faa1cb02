//! S3 family (feature `aws-s3`): a bucket private and encrypted by
//! default, versioned, TLS-only, kept when it leaves the stack, with its
//! one bucket policy that the integrations add to (CloudFront origin
//! access control) and grants that carry its key.
//!
//! # Example
//!
//! ```
//! use meshsynth::aws::s3::{AccessLogging, Bucket, BucketProps};
//! use meshsynth::testing::synth_app;
//! use meshsynth::{App, Env, Error, Stack, StackProps};
//!
//! fn build(app: &mut App) -> Result<(), Error> {
//!     let stack = Stack::new(&mut app.root(), "media-site",
//!         StackProps { env: Env::new("123456789012", "eu-west-1"), ..Default::default() })?;
//!     let mut s = app.scope(stack.node())?;
//!     let logs = Bucket::new(&mut s, "AccessLogs", BucketProps {
//!         access_logging: AccessLogging::IsTheLogBucket,
//!         ..Default::default()
//!     })?;
//!     let site = Bucket::new(&mut s, "Site", BucketProps {
//!         access_logging: AccessLogging::To { bucket: logs, prefix: Some("site/".into()) },
//!         ..Default::default()
//!     })?;
//!     let _read = site.grant_read();
//!     Ok(())
//! }
//!
//! let synth = synth_app(build, &[]).unwrap();
//! let t = synth.template("media-site");
//! t.resource_count_is("AWS::S3::Bucket", 2);
//! t.resource_count_is("AWS::S3::BucketPolicy", 2); // TLS-only, one per bucket
//! ```

/// The generated L1 structs of S3 (`AWS::S3::*`) the constructs build on.
pub use crate::aws::cfn::s3 as cfn;

use cfn::bucket;
use cfn::{CfnBucket, CfnBucketPolicy};

use crate::aws::iam::{grants, PolicyDocument, PolicyStatement, Principal};
use crate::aws::kms::Key;
use crate::core::{DeletionPolicy, Error, NodeId, ResourceRef, Scope, Value};

/// How objects are encrypted at rest.
#[derive(Debug, Clone, Copy, Default)]
pub enum BucketEncryption {
    /// S3-managed keys (SSE-S3): nothing to grant. The default.
    #[default]
    S3Managed,
    /// A customer KMS key (SSE-KMS, with a bucket key to cut KMS calls):
    /// grants carry `kms:*` on it through S3.
    Key(Key),
}

/// Where the bucket's server access logs go (the `AwsSolutions-S1` rule
/// asks every bucket to log).
#[derive(Debug, Clone, Default)]
pub enum AccessLogging {
    /// No access logs: synth reports `AwsSolutions-S1` until you decide.
    /// The default.
    #[default]
    Off,
    /// To another bucket, under a prefix.
    To {
        /// The bucket that receives the logs.
        bucket: Bucket,
        /// The key prefix. Default: none.
        prefix: Option<String>,
    },
    /// This bucket receives the other buckets' access logs (logging it into
    /// itself would loop): `AwsSolutions-S1` and checkov's `CKV_AWS_18` are
    /// suppressed with that reason, recorded in the template.
    IsTheLogBucket,
}

/// Props of a [`Bucket`].
#[derive(Debug, Clone)]
pub struct BucketProps {
    /// The bucket name. Default: none (CloudFormation generates one; a
    /// custom name makes replacement impossible without renaming).
    pub name: Option<String>,
    /// Encryption at rest. Default: [`BucketEncryption::S3Managed`].
    pub encryption: BucketEncryption,
    /// Keep every version of every object. Default: true.
    pub versioned: bool,
    /// Days after which a replaced or deleted version is removed (a
    /// versioned bucket otherwise keeps them forever). Default: 90.
    pub noncurrent_version_expiration_days: Option<u32>,
    /// Server access logs. Default: [`AccessLogging::Off`].
    pub access_logging: AccessLogging,
    /// Let services that deliver logs with ACLs write here (CloudFront's
    /// standard logs): object ownership `BucketOwnerPreferred` instead of
    /// ACLs off. Default: false.
    pub log_delivery_acls: bool,
    /// What CloudFormation does with the bucket when it leaves the stack or
    /// is replaced. Default: [`DeletionPolicy::Retain`], as CDK's bucket.
    pub removal: DeletionPolicy,
}

impl Default for BucketProps {
    fn default() -> Self {
        BucketProps {
            name: None,
            encryption: BucketEncryption::S3Managed,
            versioned: true,
            noncurrent_version_expiration_days: Some(90),
            access_logging: AccessLogging::Off,
            log_delivery_acls: false,
            removal: DeletionPolicy::Retain,
        }
    }
}

/// An S3 bucket: public access blocked, ACLs off (bucket owner enforced),
/// encrypted, and a bucket policy that refuses requests without TLS.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    /// The L1 bucket.
    pub resource: ResourceRef<CfnBucket>,
    /// The construct node (its single bucket policy lives below it).
    node: NodeId,
    key: Option<Key>,
}

impl Bucket {
    /// Adds a bucket and its TLS-only bucket policy.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: BucketProps) -> Result<Bucket, Error> {
        let path = scope.child_path(id);
        crate::aws::security::enable(scope);
        scope.refuse_all(check_name(&path, props.name.as_deref()).err());
        let key = match props.encryption {
            BucketEncryption::S3Managed => None,
            BucketEncryption::Key(k) => Some(k),
        };
        let by_default = match key {
            None => bucket::ServerSideEncryptionByDefault::new(bucket::SSEAlgorithm::Aes256),
            Some(k) => bucket::ServerSideEncryptionByDefault {
                kms_master_key_id: Some(k.arn()),
                ..bucket::ServerSideEncryptionByDefault::new(bucket::SSEAlgorithm::AwsKms)
            },
        };
        let (logging, lifecycle) = (logging(&props.access_logging), lifecycle(&props));
        let mut s = scope.child(id)?;
        let node = s.id();
        let resource = s.add_resource(
            "Resource",
            CfnBucket {
                bucket_name: props.name.map(Value::from),
                bucket_encryption: Some(bucket::BucketEncryption::new(vec![
                    bucket::ServerSideEncryptionRule {
                        server_side_encryption_by_default: Some(by_default),
                        bucket_key_enabled: key.is_some().then_some(true.into()),
                        ..Default::default()
                    },
                ])),
                public_access_block_configuration: Some(bucket::PublicAccessBlockConfiguration {
                    block_public_acls: Some(true.into()),
                    block_public_policy: Some(true.into()),
                    ignore_public_acls: Some(true.into()),
                    restrict_public_buckets: Some(true.into()),
                }),
                ownership_controls: Some(bucket::OwnershipControls::new(vec![
                    bucket::OwnershipControlsRule {
                        object_ownership: Some(if props.log_delivery_acls {
                            bucket::ObjectOwnership::BucketOwnerPreferred
                        } else {
                            bucket::ObjectOwnership::BucketOwnerEnforced
                        }),
                    },
                ])),
                versioning_configuration: props.versioned.then(|| {
                    bucket::VersioningConfiguration::new(
                        bucket::VersioningConfigurationStatus::Enabled,
                    )
                }),
                logging_configuration: logging,
                lifecycle_configuration: lifecycle,
                ..Default::default()
            },
        )?;
        let o = s.options(resource.node())?;
        o.deletion_policy = Some(props.removal);
        o.update_replace_policy = Some(props.removal);
        if matches!(props.access_logging, AccessLogging::IsTheLogBucket) {
            // cdk-nag's and checkov's rule for the same thing.
            for rule in [crate::aws::security::codes::AWS_SOLUTIONS_S1, "CKV_AWS_18"] {
                s.suppress_node(
                    resource.node(),
                    rule,
                    "this bucket receives the server access logs of the others (logging it into itself would loop)",
                )?;
            }
        }
        let tls_only = tls_only(resource.attr_arn());
        s.add_resource(
            "Policy",
            CfnBucketPolicy::new(resource.reference(), PolicyDocument::new(vec![tls_only])),
        )?;
        Ok(Bucket {
            resource,
            node,
            key,
        })
    }

    /// The bucket ARN.
    pub fn arn(&self) -> Value {
        self.resource.attr_arn()
    }

    /// The bucket name (`Ref`).
    pub fn name(&self) -> Value {
        self.resource.reference()
    }

    /// The global domain name (`NAME.s3.amazonaws.com`), what CloudFront's
    /// standard logging names.
    pub fn domain_name(&self) -> Value {
        self.resource.attr_domain_name()
    }

    /// The regional domain name, what a CloudFront S3 origin names.
    pub fn regional_domain_name(&self) -> Value {
        self.resource.attr_regional_domain_name()
    }

    /// The customer key that encrypts the bucket, if any.
    pub fn key(&self) -> Option<Key> {
        self.key
    }

    /// Statements that let a role read objects (with `kms:Decrypt` through
    /// S3 on the bucket's customer key, when it has one).
    pub fn grant_read(&self) -> Vec<PolicyStatement> {
        grants::read_bucket(self.arn(), self.key.map(|k| k.arn()))
    }

    /// Statements that let a role write objects (with the key's
    /// `kms:GenerateDataKey`/`kms:Decrypt` through S3, when it has one).
    pub fn grant_write(&self) -> Vec<PolicyStatement> {
        grants::write_bucket(self.arn(), self.key.map(|k| k.arn()))
    }

    /// Adds statements to the bucket's one policy (a second
    /// `AWS::S3::BucketPolicy` would replace the first: `MS-CFN-15`).
    pub fn add_to_resource_policy(
        &self,
        scope: &mut Scope<'_>,
        statements: Vec<PolicyStatement>,
    ) -> Result<(), Error> {
        let bucket = self.name();
        crate::aws::iam::policy::add_to_one_policy(
            scope,
            self.node,
            statements,
            |doc| CfnBucketPolicy::new(bucket, doc),
            |p: &mut CfnBucketPolicy| &mut p.policy_document,
        )
    }

    /// Lets one CloudFront distribution read objects through origin access
    /// control: `s3:GetObject` for `cloudfront.amazonaws.com` only on behalf
    /// of `distribution_arn`, and, with a customer key, the key admitting
    /// CloudFront.
    pub fn allow_cloudfront_read(
        &self,
        scope: &mut Scope<'_>,
        distribution_arn: Value,
    ) -> Result<(), Error> {
        let objects = Value::Join(String::new(), vec![self.arn(), Value::str("/*")]);
        let statement = PolicyStatement::allow(["s3:GetObject"], [objects])
            .with_sid("CloudFrontReadsThroughOac")
            .with_principal(Principal::Service(Value::str("cloudfront.amazonaws.com")))
            .with_condition("StringEquals", "AWS:SourceArn", vec![distribution_arn]);
        self.add_to_resource_policy(scope, vec![statement])?;
        if let Some(key) = self.key {
            key.admit(
                scope,
                crate::aws::kms::KeyUser::Service("cloudfront.amazonaws.com".into()),
            )?;
        }
        Ok(())
    }
}

/// `grant_*` on the generated L1 bucket's handle, for buckets written with
/// the L1 struct; `key` is the customer KMS key that encrypts it, if any
/// (the [`Bucket`] construct takes it from itself).
impl ResourceRef<CfnBucket> {
    /// Read objects: `GetObject`/`GetObjectVersion` on `arn/*`, `ListBucket`
    /// and `GetBucketLocation` on the bucket, `kms:Decrypt` via S3 with a key.
    pub fn grant_read(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::read_bucket(self.attr_arn(), key)
    }

    /// Write objects: `PutObject`, `DeleteObject`, `AbortMultipartUpload` on
    /// `arn/*`, `kms:GenerateDataKey`/`kms:Decrypt` via S3 with a key.
    pub fn grant_write(&self, key: Option<Value>) -> Vec<PolicyStatement> {
        grants::write_bucket(self.attr_arn(), key)
    }
}
/// S3's naming rules, checked before anything is added.
fn check_name(path: &str, name: Option<&str>) -> Result<(), Error> {
    if let Some(name) = name {
        let ok = (3..=63).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return Err(Error::construct(
                path,
                format!("bucket name {name:?} is not valid"),
                "use 3 to 63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
            ));
        }
    }
    Ok(())
}

/// Where the server access logs go, if anywhere.
fn logging(access_logging: &AccessLogging) -> Option<bucket::LoggingConfiguration> {
    match access_logging {
        AccessLogging::To { bucket, prefix } => Some(bucket::LoggingConfiguration {
            destination_bucket_name: Some(bucket.name()),
            log_file_prefix: prefix.clone().map(Value::from),
            ..Default::default()
        }),
        AccessLogging::Off | AccessLogging::IsTheLogBucket => None,
    }
}

/// Noncurrent versions expire (versioned buckets with a limit only).
fn lifecycle(props: &BucketProps) -> Option<bucket::LifecycleConfiguration> {
    props
        .noncurrent_version_expiration_days
        .filter(|_| props.versioned)
        .map(|days| {
            bucket::LifecycleConfiguration::new(vec![bucket::Rule {
                id: Some("ExpireNoncurrentVersions".into()),
                noncurrent_version_expiration: Some(bucket::NoncurrentVersionExpiration::new(
                    i64::from(days),
                )),
                abort_incomplete_multipart_upload: Some(
                    bucket::AbortIncompleteMultipartUpload::new(7),
                ),
                ..bucket::Rule::new(bucket::RuleStatus::Enabled)
            }])
        })
}

/// Denies every request made without TLS, to the bucket and its objects.
fn tls_only(arn: Value) -> PolicyStatement {
    PolicyStatement {
        sid: Some("DenyWithoutTls".into()),
        effect: crate::aws::iam::Effect::Deny,
        principals: vec![Principal::Aws(Value::str("*"))],
        actions: vec!["s3:*".into()],
        resources: vec![
            arn.clone(),
            Value::Join(String::new(), vec![arn, Value::str("/*")]),
        ],
        conditions: vec![crate::aws::iam::Condition {
            operator: "Bool".into(),
            key: Value::str("aws:SecureTransport"),
            values: vec![Value::str("false")],
        }],
    }
}
