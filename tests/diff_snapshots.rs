//! Snapshot tests of `meshsynth diff`'s three formats over two fixture
//! assemblies that differ in every change class: add, remove, in-place
//! update, replacement, orphan and snapshot, rename, IAM and security-group
//! widening, mesh policy, and a Kubernetes immutable field.

use crate::diff_support;

use meshsynth::assembly::load_assembly;
use meshsynth::diff::render::{json, markdown, text};
use meshsynth::diff::{plan_with, Baseline, Plan, StackFilter};

/// Create-only properties pinned for these tests, so the snapshots do not
/// move as more types are modeled. AWS::SQS::Queue stays unknown on purpose.
fn create_only(type_name: &str) -> Option<Vec<&'static str>> {
    let list: &[&str] = match type_name {
        "AWS::EC2::VPC" => &["CidrBlock", "InstanceTenancy"],
        "AWS::EC2::Subnet" => &["AvailabilityZone", "CidrBlock", "VpcId"],
        "AWS::EC2::SecurityGroup" => &["GroupDescription", "GroupName", "VpcId"],
        "AWS::EC2::SecurityGroupIngress" => &[
            "GroupId",
            "IpProtocol",
            "FromPort",
            "ToPort",
            "CidrIp",
            "CidrIpv6",
        ],
        "AWS::IAM::Role" => &["RoleName", "Path"],
        "AWS::IAM::ManagedPolicy" => &["ManagedPolicyName", "Path"],
        "AWS::KMS::Key" => &[],
        "AWS::SNS::Topic" => &["TopicName", "FifoTopic"],
        "AWS::S3::Bucket" => &["BucketName"],
        "AWS::RDS::DBInstance" => &["DBInstanceIdentifier", "Engine"],
        "AWS::DynamoDB::Table" => &["TableName"],
        _ => return None,
    };
    Some(list.to_vec())
}

fn fixture_plan(patterns: &[&str]) -> Plan {
    let t = tempfile::tempdir().unwrap();
    let (base, head) = diff_support::write_pair(t.path());
    let after = load_assembly(&head).unwrap();
    let before = Baseline::Assembly(base).load(&[]).unwrap();
    let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
    let mut p = plan_with(
        &before,
        &after,
        &StackFilter::new(&patterns).unwrap(),
        create_only,
    )
    .unwrap();
    // The temp dir's name is host data: name the baseline as a user would.
    p.baseline = "assembly base".into();
    p
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "../snapshots/diff", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn every_change_class_as_text() {
    snap!("plan.txt", text(&fixture_plan(&[]), false));
}

#[test]
fn every_change_class_as_colored_text() {
    snap!("plan.color.txt", text(&fixture_plan(&[]), true));
}

#[test]
fn every_change_class_as_markdown() {
    snap!("plan.md", markdown(&fixture_plan(&[])).unwrap());
}

#[test]
fn every_change_class_as_json() {
    let p = fixture_plan(&[]);
    let out = json(&p);
    // The JSON is the documented, versioned schema.
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    snap!("plan.json", out);
}

#[test]
fn stack_globs_filter_both_sides() {
    let p = fixture_plan(&["app-iam", "app-leg*"]);
    let names: Vec<&str> = p.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["app-iam", "app-legacy"]);
    // No cluster object belongs to these stacks.
    assert!(p.clusters.is_empty());
    snap!("filtered.txt", text(&p, false));
}

#[test]
fn no_changes_in_all_formats() {
    let t = tempfile::tempdir().unwrap();
    let (stacks, clusters) = diff_support::after();
    let dir = t.path().join("a");
    diff_support::write(&dir, &stacks, &clusters);
    let after = load_assembly(&dir).unwrap();
    let before = Baseline::Assembly(dir).load(&[]).unwrap();
    let mut p = plan_with(&before, &after, &StackFilter::default(), create_only).unwrap();
    p.baseline = "assembly base".into();
    assert!(!p.has_changes());
    snap!("unchanged.txt", text(&p, false));
    snap!("unchanged.md", markdown(&p).unwrap());
    snap!("unchanged.json", json(&p));
}

#[test]
fn every_change_class_is_present() {
    let p = fixture_plan(&[]);
    let s = &p.summary;
    assert!(s.resources.added > 0 && s.resources.removed > 0 && s.resources.updated > 0);
    assert!(s.resources.replaced >= 2 && s.resources.renamed == 1 && s.resources.may_replace == 1);
    assert_eq!(s.resources.moved, 1);
    assert!(s.resources.orphaned == 2 && s.resources.snapshotted == 1);
    assert!(s.objects.recreated == 1 && s.objects.added == 1 && s.objects.removed == 2);
    use meshsynth::diff::{Direction, SecurityCategory as C};
    for cat in [
        C::IamStatement,
        C::TrustPolicy,
        C::KeyPolicy,
        C::PolicyAttachment,
        C::SecurityGroupRule,
        C::AuthorizationPolicy,
        C::PeerAuthentication,
        C::NetworkPolicy,
    ] {
        assert!(
            p.security
                .iter()
                .any(|x| x.category == cat && x.direction == Direction::Widens),
            "no widening {cat:?}"
        );
    }
}

/// A role moved to another stack, unchanged, grants what it granted: a
/// move, and no security entry (without the filter its statements and
/// trust read as removed from one stack and added to the other).
#[test]
fn a_moved_role_is_no_security_change() {
    let role = serde_json::json!({"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}});
    let topic = serde_json::json!({"Type": "AWS::SNS::Topic"});
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("before"), t.path().join("after"));
    diff_support::write(
        &a,
        &[
            (
                "one",
                serde_json::json!({"Resources": {"Worker": role, "Keep": topic}}),
            ),
            ("two", serde_json::json!({"Resources": {"Other": topic}})),
        ],
        &[],
    );
    diff_support::write(
        &b,
        &[
            ("one", serde_json::json!({"Resources": {"Keep": topic}})),
            (
                "two",
                serde_json::json!({"Resources": {"Other": topic, "Worker": role}}),
            ),
        ],
        &[],
    );
    let after = load_assembly(&b).unwrap();
    let before = Baseline::Assembly(a).load(&[]).unwrap();
    let p = plan_with(&before, &after, &StackFilter::default(), create_only).unwrap();
    assert_eq!(p.summary.resources.moved, 1, "{:?}", p.summary);
    assert!(p.security.is_empty(), "{:?}", p.security);
}

/// A replacement reaches the resources that read it: the subnet of a
/// replaced VPC is replaced (VpcId is create-only) and the subnet group
/// updated; a renamed role replaces the cluster, and the log group named
/// after the cluster is replaced and loses its data. The export of the
/// VPC's id, which another stack imports, takes a new value: a note.
#[test]
fn a_replacement_reaches_its_readers() {
    use serde_json::json;
    let net = |cidr: &str, role: &str| {
        json!({"Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}},
            "Subnet": {"Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"}},
            "DbSubnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
                "DBSubnetGroupDescription": "db", "SubnetIds": [{"Ref": "Subnet"}]}},
            "ClusterRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": role,
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
                     "Action": "sts:AssumeRole"}]}}},
            "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
                "RoleArn": {"Fn::GetAtt": ["ClusterRole", "Arn"]},
                "ResourcesVpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"]}}},
            "ClusterLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/eks/${Cluster}/cluster"}}}
        },
        "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}, "Export": {"Name": "net:VpcId"}}}})
    };
    let app = json!({"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": "app", "VpcId": {"Fn::ImportValue": "net:VpcId"}}}}});
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("before"), t.path().join("after"));
    diff_support::write(
        &a,
        &[("net", net("10.0.0.0/16", "eks")), ("app", app.clone())],
        &[],
    );
    diff_support::write(
        &b,
        &[("net", net("10.1.0.0/16", "eks-2")), ("app", app)],
        &[],
    );
    let after = load_assembly(&b).unwrap();
    let before = Baseline::Assembly(a).load(&[]).unwrap();
    let mut p = meshsynth::diff::plan(&before, &after, &StackFilter::default()).unwrap();
    p.baseline = "assembly base".into();
    assert_eq!(p.data_loss(), ["net/ClusterLogs (AWS::Logs::LogGroup)"]);
    snap!("cascade.txt", text(&p, false));
    snap!("cascade.md", markdown(&p).unwrap());
}
