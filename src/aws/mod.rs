//! AWS construct library: one folder per family with its L2 constructs,
//! built on the typed L1 structs generated from the CloudFormation registry
//! schemas (module [`cfn`]; each family's `cfn` re-exports its service).

#[cfg(feature = "aws-certificatemanager")]
pub mod acm;
pub mod cfn;
#[cfg(all(
    feature = "aws-cloudfront",
    feature = "aws-s3",
    feature = "aws-certificatemanager",
    feature = "aws-wafv2"
))]
pub mod cloudfront;
#[cfg(feature = "aws-cloudwatch")]
pub mod cloudwatch;
#[cfg(feature = "aws-dynamodb")]
pub mod dynamodb;
pub mod ecr;
pub mod eks;
pub mod elasticache;
#[cfg(feature = "aws-events")]
pub mod events;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod msk;
pub mod network;
pub mod rds;
pub mod regions;
pub mod route53;
#[cfg(feature = "aws-s3")]
pub mod s3;
pub mod secrets;
pub mod security;
#[cfg(feature = "aws-sns")]
pub mod sns;
#[cfg(feature = "aws-sqs")]
pub mod sqs;
pub mod ssm;
#[cfg(feature = "aws-wafv2")]
pub mod waf;
