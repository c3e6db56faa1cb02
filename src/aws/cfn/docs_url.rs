//! The address of a resource type's page in the CloudFormation template
//! reference. One source for the library and the generator (which includes
//! this file by path), so the links in generated doc comments and
//! `TypeMeta::docs_url` cannot drift apart.

/// `AWS::S3::Bucket` → `…/TemplateReference/aws-resource-s3-bucket.html`;
/// a non-AWS vendor keeps its own prefix.
pub fn docs_url(type_name: &str) -> String {
    let mut parts = type_name.split("::");
    let vendor = parts.next().unwrap_or_default().to_ascii_lowercase();
    let rest: Vec<String> = parts.map(str::to_ascii_lowercase).collect();
    let kind = if vendor == "aws" {
        "aws-resource"
    } else {
        vendor.as_str()
    };
    format!(
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/{kind}-{}.html",
        rest.join("-")
    )
}
