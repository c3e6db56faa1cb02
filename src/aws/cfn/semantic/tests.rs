//! Each rule on a minimal pair of templates: one that breaks it, and the
//! corrected one that passes.

use serde_json::{json, Map, Value as Json};

use super::*;

/// A resource of a test stack: logical id, type, properties, policy.
type Resource = (String, String, Map<String, Json>, Option<DeletionPolicy>);

/// A stack from `{logical id: {Type, Properties, DeletionPolicy?}}` and
/// `{output id: (value, export)}`.
struct Stack {
    name: &'static str,
    region: Option<&'static str>,
    resources: Vec<Resource>,
    outputs: Vec<(String, Json, Option<String>)>,
}

fn stack(name: &'static str, region: &'static str, resources: Json) -> Stack {
    let resources = resources
        .as_object()
        .expect("resources")
        .iter()
        .map(|(lid, r)| {
            let policy = match r.get("DeletionPolicy").and_then(Json::as_str) {
                Some("Retain") => Some(DeletionPolicy::Retain),
                Some("Delete") => Some(DeletionPolicy::Delete),
                _ => None,
            };
            (
                lid.clone(),
                r["Type"].as_str().expect("type").to_string(),
                r.get("Properties")
                    .and_then(Json::as_object)
                    .cloned()
                    .unwrap_or_default(),
                policy,
            )
        })
        .collect();
    Stack {
        name,
        region: Some(region),
        resources,
        outputs: Vec::new(),
    }
}

fn run(stacks: &[Stack]) -> Vec<(String, String, String)> {
    let paths: Vec<Vec<String>> = stacks
        .iter()
        .map(|s| {
            s.resources
                .iter()
                .map(|(lid, ..)| format!("{}/{lid}", s.name))
                .collect()
        })
        .collect();
    let views: Vec<StackView<'_>> = stacks
        .iter()
        .zip(&paths)
        .map(|(s, paths)| StackView {
            name: s.name,
            region: s.region,
            resources: s
                .resources
                .iter()
                .zip(paths)
                .map(|((lid, ty, props, policy), path)| ResourceView {
                    logical_id: lid,
                    cfn_type: ty,
                    properties: props,
                    path,
                    deletion_policy: *policy,
                })
                .collect(),
            outputs: s
                .outputs
                .iter()
                .map(|(id, v, export)| OutputView {
                    logical_id: id,
                    value: v,
                    export_name: export.as_deref(),
                })
                .collect(),
        })
        .collect();
    let mut out = Vec::new();
    check_templates(&views, &mut out);
    out.into_iter()
        .filter(|d| d.code.as_deref() != Some(codes::STATEFUL_WITHOUT_RETAIN))
        .map(|d| (d.code.unwrap_or_default(), d.path, d.message))
        .collect()
}

fn codes_of(stacks: &[Stack]) -> Vec<String> {
    run(stacks).into_iter().map(|(c, ..)| c).collect()
}

#[test]
fn dynamodb_key_attributes_must_be_defined_and_used() {
    let table = |defs: Json, gsi_key: &str| {
        stack(
            "data",
            "eu-west-1",
            json!({"Orders": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": {
                "AttributeDefinitions": defs,
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [{"IndexName": "byCustomer", "KeySchema": [{"AttributeName": gsi_key, "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]
            }}}),
        )
    };
    let bad = run(&[table(
        json!([{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "status", "AttributeType": "S"}]),
        "customer",
    )]);
    assert_eq!(bad.len(), 2, "{bad:#?}");
    assert!(bad[0].2.contains(
        "GlobalSecondaryIndexes[0].KeySchema names the attribute \"customer\", which AttributeDefinitions does not define"
    ));
    assert!(bad[1]
        .2
        .contains("defines \"status\", which no key schema uses"));
    assert_eq!(bad[0].1, "data/Orders");
    let good = codes_of(&[table(
        json!([{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "customer", "AttributeType": "S"}]),
        "customer",
    )]);
    assert!(good.is_empty(), "{good:?}");
}

#[test]
fn waf_rules_need_their_own_priority_and_name() {
    let acl = |p2: u32| {
        stack(
            "edge",
            "us-east-1",
            json!({"Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {
                "Scope": "CLOUDFRONT", "DefaultAction": {"Allow": {}},
                "VisibilityConfig": {},
                "Rules": [{"Name": "common", "Priority": 0}, {"Name": "bad-inputs", "Priority": p2}]
            }}}),
        )
    };
    let bad = run(&[acl(0)]);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].0, codes::WAF_RULE_PRIORITY);
    assert!(bad[0]
        .2
        .contains("\"common\" and \"bad-inputs\" (Rules[1]) both have priority 0"));
    assert!(codes_of(&[acl(1)]).is_empty());
}

#[test]
fn a_cloudfront_acl_lives_in_us_east_1() {
    let acl = |region| {
        stack(
            "edge",
            region,
            json!({"Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": "CLOUDFRONT", "Rules": []}}}),
        )
    };
    assert_eq!(
        codes_of(&[acl("eu-west-1")]),
        [codes::WAF_CLOUDFRONT_REGION]
    );
    assert!(codes_of(&[acl("us-east-1")]).is_empty());
}

/// A distribution in eu-west-1 reading an ACL and a certificate of
/// `edge_region` across regions, through outputs.
fn site(edge_region: &'static str, scope: &str) -> Vec<Stack> {
    let mut edge = stack(
        "edge",
        edge_region,
        json!({
            "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": scope, "Rules": []}},
            "Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {"DomainName": "media.example.com"}}
        }),
    );
    edge.outputs = vec![
        (
            "ExportAclArn".into(),
            json!({"Fn::GetAtt": ["Acl", "Arn"]}),
            None,
        ),
        ("ExportCertRef".into(), json!({"Ref": "Cert"}), None),
    ];
    let out = |name: &str| json!({"Fn::GetStackOutput": {"StackName": "edge", "OutputName": name, "Region": edge_region}});
    let site = stack(
        "site",
        "eu-west-1",
        json!({"Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": true,
            "WebACLId": out("ExportAclArn"),
            "ViewerCertificate": {"AcmCertificateArn": out("ExportCertRef"), "MinimumProtocolVersion": "TLSv1.2_2021", "SslSupportMethod": "sni-only"}
        }}}}),
    );
    vec![edge, site]
}

#[test]
fn a_distribution_takes_a_cloudfront_acl_and_a_us_east_1_certificate() {
    let bad = run(&site("eu-west-1", "REGIONAL"));
    let codes: Vec<&str> = bad.iter().map(|(c, ..)| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            codes::DISTRIBUTION_REGIONAL_ACL,
            codes::DISTRIBUTION_CERTIFICATE_REGION
        ],
        "{bad:#?}"
    );
    assert_eq!(bad[0].1, "site/Cdn");
    assert!(bad[0]
        .2
        .contains("the REGIONAL web ACL edge/Acl (stack edge)"));
    assert!(bad[1]
        .2
        .contains("the certificate edge/Cert (stack edge) in eu-west-1"));
    assert!(codes_of(&site("us-east-1", "CLOUDFRONT")).is_empty());
}

#[test]
fn a_literal_certificate_arn_is_judged_by_its_region() {
    let cdn = |arn: &str| {
        stack(
            "site",
            "eu-west-1",
            json!({"Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
                "ViewerCertificate": {"AcmCertificateArn": arn}
            }}}}),
        )
    };
    assert_eq!(
        codes_of(&[cdn("arn:aws:acm:eu-west-1:123456789012:certificate/abc")]),
        [codes::DISTRIBUTION_CERTIFICATE_REGION]
    );
    assert!(codes_of(&[cdn("arn:aws:acm:us-east-1:123456789012:certificate/abc")]).is_empty());
}

#[test]
fn one_policy_per_bucket() {
    let policies = |second: &str| {
        stack(
            "site",
            "eu-west-1",
            json!({
                "Site": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
                "Logs": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
                "SitePolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Site"}, "PolicyDocument": {}}},
                "TlsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": second}, "PolicyDocument": {}}}
            }),
        )
    };
    let bad = run(&[policies("Site")]);
    assert_eq!(bad.len(), 1);
    assert_eq!(
        (bad[0].0.as_str(), bad[0].1.as_str()),
        (codes::BUCKET_POLICY_TWICE, "site/TlsPolicy")
    );
    assert!(bad[0].2.contains("already has the policy site/SitePolicy"));
    assert!(codes_of(&[policies("Logs")]).is_empty());
}

#[test]
fn a_fifo_queue_needs_a_fifo_topic() {
    let msg = |fifo_topic: bool| {
        stack(
            "msg",
            "eu-west-1",
            json!({
                "Jobs": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete", "Properties": {"FifoQueue": true}},
                "Events": {"Type": "AWS::SNS::Topic", "Properties": {"FifoTopic": fifo_topic}},
                "Sub": {"Type": "AWS::SNS::Subscription", "Properties": {
                    "Protocol": "sqs", "TopicArn": {"Ref": "Events"}, "Endpoint": {"Fn::GetAtt": ["Jobs", "Arn"]}
                }}
            }),
        )
    };
    let bad = run(&[msg(false)]);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].0, codes::FIFO_SUBSCRIPTION);
    assert!(bad[0]
        .2
        .contains("the FIFO queue msg/Jobs is subscribed to the standard topic msg/Events"));
    assert!(codes_of(&[msg(true)]).is_empty());
}

#[test]
fn a_record_stays_inside_its_zone() {
    let dns = |name: &str| {
        stack(
            "dns",
            "eu-west-1",
            json!({
                "Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": "example.com."}},
                "Api": {"Type": "AWS::Route53::RecordSet", "Properties": {"HostedZoneId": {"Ref": "Zone"}, "Name": name, "Type": "A"}},
                "Group": {"Type": "AWS::Route53::RecordSetGroup", "Properties": {"HostedZoneName": "example.com.", "RecordSets": [{"Name": "www.example.com", "Type": "CNAME"}]}}
            }),
        )
    };
    let bad = run(&[dns("api.example.org")]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::RECORD_OUTSIDE_ZONE);
    assert!(bad[0]
        .2
        .contains("the record api.example.org is outside its hosted zone example.com."));
    assert!(codes_of(&[dns("api.example.com.")]).is_empty());
    assert!(codes_of(&[dns("Example.COM")]).is_empty());
    // A name that only ends with the zone's text is not inside it.
    assert_eq!(
        codes_of(&[dns("badexample.com")]),
        [codes::RECORD_OUTSIDE_ZONE]
    );
}

#[test]
fn a_grant_on_encrypted_data_needs_the_key() {
    let app = |with_key: bool| {
        let mut statements = vec![
            json!({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": [
                {"Fn::GetAtt": ["Table", "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["Table", "Arn"]}, "/index/*"]]}
            ]}),
        ];
        if with_key {
            statements.push(json!({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": {"Fn::GetAtt": ["Key", "Arn"]}}));
        }
        stack(
            "data",
            "eu-west-1",
            json!({
                "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain"},
                "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": {
                    "SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}
                }},
                "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
                "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": statements}}}
            }),
        )
    };
    let bad = run(&[app(false)]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::GRANT_WITHOUT_KEY);
    assert_eq!(bad[0].1, "data/Role");
    assert!(bad[0].2.contains("grants dynamodb:GetItem on data/Table"));
    assert!(bad[0].2.contains("but not kms:Decrypt"));
    assert!(codes_of(&[app(true)]).is_empty());
}

#[test]
fn stateful_resources_without_a_deletion_policy_are_warned_about() {
    let s = stack(
        "data",
        "eu-west-1",
        json!({
            "Kept": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
            "Lost": {"Type": "AWS::DynamoDB::Table"},
            "Db": {"Type": "AWS::RDS::DBInstance"},
            "Topic": {"Type": "AWS::SNS::Topic"}
        }),
    );
    let paths: Vec<String> = s
        .resources
        .iter()
        .map(|(l, ..)| format!("data/{l}"))
        .collect();
    let views = [StackView {
        name: s.name,
        region: s.region,
        resources: s
            .resources
            .iter()
            .zip(&paths)
            .map(|((lid, ty, props, policy), path)| ResourceView {
                logical_id: lid,
                cfn_type: ty,
                properties: props,
                path,
                deletion_policy: *policy,
            })
            .collect(),
        outputs: Vec::new(),
    }];
    let mut out = Vec::new();
    check_templates(&views, &mut out);
    let found: Vec<(&str, &str)> = out
        .iter()
        .map(|d| (d.code.as_deref().unwrap_or(""), d.path.as_str()))
        .collect();
    assert_eq!(found, [(codes::STATEFUL_WITHOUT_RETAIN, "data/Lost")]);
    assert!(!out[0].is_error());
}

#[test]
fn a_service_delivering_to_an_encrypted_queue_needs_the_key() {
    let msg = |admitted: bool| {
        let mut statements = vec![
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "kms:*", "Resource": "*"}),
        ];
        if admitted {
            statements.push(
                json!({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}),
            );
        }
        stack(
            "msg",
            "eu-west-1",
            json!({
                "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "Properties": {"KeyPolicy": {"Statement": statements}}},
                "Jobs": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
                "Events": {"Type": "AWS::SNS::Topic", "Properties": {}},
                "Sub": {"Type": "AWS::SNS::Subscription", "Properties": {
                    "Protocol": "sqs", "TopicArn": {"Ref": "Events"}, "Endpoint": {"Fn::GetAtt": ["Jobs", "Arn"]}
                }}
            }),
        )
    };
    let bad = run(&[msg(false)]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::SERVICE_NOT_ADMITTED_TO_KEY);
    assert_eq!(bad[0].1, "msg/Sub");
    assert!(bad[0].2.contains(
        "sns.amazonaws.com delivers to msg/Jobs, which is encrypted with the key msg/Key"
    ));
    assert!(codes_of(&[msg(true)]).is_empty());
}

#[test]
fn every_code_is_documented() {
    let doc = include_str!("../../../../docs/aws.md");
    for code in codes::ALL {
        assert!(
            doc.contains(&format!("`{code}`")),
            "{code} missing from docs/aws.md"
        );
    }
}

#[test]
fn pods_may_not_reach_a_node_role_with_the_cni_policy() {
    let nodes = |hop: Option<i64>, tokens: &str, cni: bool, lt: bool| {
        let mut policies = vec![json!("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy")];
        if cni {
            policies.push(
                json!({"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonEKS_CNI_Policy"}),
            );
        }
        let mut options = json!({"HttpEndpoint": "enabled", "HttpTokens": tokens});
        if let Some(h) = hop {
            options["HttpPutResponseHopLimit"] = json!(h);
        }
        let mut ng = json!({"ClusterName": "c", "NodeRole": {"Fn::GetAtt": ["NodeRole", "Arn"]}, "Subnets": ["s"]});
        if lt {
            ng["LaunchTemplate"] = json!({"Id": {"Ref": "Lt"}});
        }
        stack(
            "cluster",
            "eu-west-1",
            json!({
                "NodeRole": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": policies}},
                "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"MetadataOptions": options}}},
                "Nodes": {"Type": "AWS::EKS::Nodegroup", "Properties": ng}
            }),
        )
    };
    let flagged = |s: Stack| codes_of(&[s]).contains(&codes::NODE_CREDENTIALS_TO_PODS.to_string());
    assert!(flagged(nodes(Some(2), "required", true, true)));
    assert!(flagged(nodes(None, "required", true, true)));
    assert!(flagged(nodes(Some(1), "optional", true, true)));
    assert!(flagged(nodes(Some(1), "required", true, false)));
    assert!(!flagged(nodes(Some(1), "required", true, true)));
    assert!(!flagged(nodes(Some(2), "required", false, true)));
}

#[test]
fn a_table_with_keys_and_no_attribute_definitions_is_refused() {
    let bad = run(&[stack(
        "data",
        "eu-west-1",
        json!({"Orders": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        }}}),
    )]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::DYNAMODB_KEY_ATTRIBUTES);
    assert!(bad[0].2.contains("KeySchema names the attribute \"pk\""));
}

#[test]
fn a_dead_letter_queue_keeps_messages_longer_than_its_source() {
    let queues = |dlq_retention: Option<i64>, fifo: bool| {
        let mut dlq =
            json!({"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete", "Properties": {}});
        if let Some(r) = dlq_retention {
            dlq["Properties"]["MessageRetentionPeriod"] = json!(r);
        }
        if fifo {
            dlq["Properties"]["FifoQueue"] = json!(true);
        }
        let mut source = json!({"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete", "Properties": {
            "MessageRetentionPeriod": 1209600,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}, "maxReceiveCount": 5}
        }});
        if fifo {
            source["Properties"]["FifoQueue"] = json!(true);
        }
        stack("msg", "eu-west-1", json!({"Dlq": dlq, "Jobs": source}))
    };
    let bad = run(&[queues(None, false)]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::DEAD_LETTER_RETENTION);
    assert_eq!(bad[0].1, "msg/Jobs");
    assert!(bad[0]
        .2
        .contains("keeps messages 345600 s, less than this queue's 1209600 s"));
    assert!(codes_of(&[queues(Some(1209600), false)]).is_empty());
    // FIFO queues reset the enqueue time when a message moves.
    assert!(codes_of(&[queues(None, true)]).is_empty());
}

#[test]
fn a_schedule_is_an_eventbridge_expression() {
    let rule = |expr: &str| {
        stack(
            "ops",
            "eu-west-1",
            json!({"Nightly": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": expr, "State": "ENABLED"}}}),
        )
    };
    let bad = run(&[rule("cron(0 3 * * *)")]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::SCHEDULE_EXPRESSION);
    assert!(bad[0].2.contains("has 5 fields"), "{}", bad[0].2);
    assert!(codes_of(&[rule("cron(0 3 * * ? *)")]).is_empty());
    assert!(codes_of(&[rule("rate(1 hour)")]).is_empty());
}

#[test]
fn an_alarm_watches_a_metric_its_namespace_publishes() {
    let alarm = |metric: &str| {
        stack(
            "ops",
            "eu-west-1",
            json!({"Backlog": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
                "Namespace": "AWS/SQS", "MetricName": metric, "Statistic": "Maximum",
                "Period": 60, "EvaluationPeriods": 5, "Threshold": 100,
                "ComparisonOperator": "GreaterThanThreshold"
            }}}),
        )
    };
    let bad = run(&[alarm("ApproximateNumberOfMessages")]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::UNPUBLISHED_METRIC);
    assert!(bad[0]
        .2
        .contains("\"ApproximateNumberOfMessages\" is not a metric AWS/SQS publishes"));
    assert!(codes_of(&[alarm("ApproximateNumberOfMessagesVisible")]).is_empty());
    // A namespace without a table is never judged.
    let custom = stack(
        "ops",
        "eu-west-1",
        json!({"Custom": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "Shop/Orders", "MetricName": "Anything", "Statistic": "Sum",
            "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanThreshold"
        }}}),
    );
    assert!(codes_of(&[custom]).is_empty());
}

#[test]
fn a_distribution_reads_a_private_bucket_through_origin_access_control() {
    let site = |origin: Json| {
        stack(
            "edge",
            "us-east-1",
            json!({
                "Assets": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {}},
                "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
                    "Enabled": true,
                    "Origins": [origin],
                    "DefaultCacheBehavior": {"TargetOriginId": "assets", "ViewerProtocolPolicy": "redirect-to-https"}
                }}}
            }),
        )
    };
    let bad = run(&[site(json!({
        "Id": "assets",
        "DomainName": {"Fn::GetAtt": ["Assets", "RegionalDomainName"]},
        "S3OriginConfig": {"OriginAccessIdentity": ""}
    }))]);
    assert_eq!(bad.len(), 1, "{bad:#?}");
    assert_eq!(bad[0].0, codes::ORIGIN_WITHOUT_ACCESS);
    assert!(bad[0].2.contains("Origins[0] reads the bucket edge/Assets"));
    let good = codes_of(&[site(json!({
        "Id": "assets",
        "DomainName": {"Fn::GetAtt": ["Assets", "RegionalDomainName"]},
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": {"Fn::GetAtt": ["Oac", "Id"]}
    }))]);
    assert!(good.is_empty(), "{good:?}");
    // A website endpoint is a custom origin, not judged.
    let website = codes_of(&[site(json!({
        "Id": "assets",
        "DomainName": {"Fn::Select": [1, {"Fn::Split": ["//", {"Fn::GetAtt": ["Assets", "WebsiteURL"]}]}]},
        "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}
    }))]);
    assert!(website.is_empty(), "{website:?}");
}

/// `reads_properties` searches the list, so it must stay sorted.
#[test]
fn the_types_read_are_sorted() {
    let mut sorted = super::PROPERTIES_READ.to_vec();
    sorted.sort_unstable();
    assert_eq!(super::PROPERTIES_READ, sorted.as_slice());
    assert!(super::reads_properties("AWS::IAM::Role"));
    assert!(!super::reads_properties("AWS::ECR::Repository"));
}
