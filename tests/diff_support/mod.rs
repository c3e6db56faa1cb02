//! Fixtures for the diff tests: two small cloud assemblies written by the
//! test into temp dirs with the library's own manifest types and emitters,
//! so nobody hand-edits generated files in the repo. `before()`/`after()`
//! differ in every change class diff knows.
#![allow(dead_code)]

use std::path::Path;

use indexmap::IndexMap;
use meshsynth::assembly::{
    write_atomically, ClusterArtifact, Environment, K8sFile, Manifest, StackArtifact,
    MANIFEST_VERSION,
};
use serde_json::{json, Value as Json};

/// A stack: name and template.
pub type StackSpec = (&'static str, Json);
/// A cluster: name and its files (file stem, documents).
pub type ClusterSpec = (&'static str, Vec<(&'static str, Vec<Json>)>);

/// Writes an assembly made of `stacks` and `clusters` into `dir`.
pub fn write(dir: &Path, stacks: &[StackSpec], clusters: &[ClusterSpec]) {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        stacks: Vec::new(),
        clusters: Vec::new(),
        app: None,
    };
    for (name, template) in stacks {
        let file = format!("{name}.template.json");
        let bytes = meshsynth::emit::to_json_bytes(template);
        manifest.stacks.push(StackArtifact {
            name: name.to_string(),
            path: name.to_string(),
            environment: Environment::default(),
            template: file.clone(),
            template_size: bytes.len(),
            template_sha256: Some(meshsynth::assembly::sha256_hex(&bytes)),
            dependencies: Vec::new(),
            parameters: IndexMap::new(),
            outputs: IndexMap::new(),
            termination_protection: false,
            resource_count: template["Resources"].as_object().map_or(0, |m| m.len()),
            escape_hatches: Vec::new(),
            stack_set: None,
        });
        files.push((file, bytes));
    }
    for (name, cluster_files) in clusters {
        let dir = format!("k8s/{name}");
        let mut artifact = ClusterArtifact {
            name: name.to_string(),
            directory: dir.clone(),
            kustomization: format!("{dir}/kustomization.yaml"),
            files: Vec::new(),
            deferred_inputs: Vec::new(),
            install_inputs: Vec::new(),
            escape_hatches: Vec::new(),
        };
        let mut listed = Vec::new();
        for (stem, docs) in cluster_files {
            let file = format!("{dir}/{stem}.yaml");
            let bytes = meshsynth::emit::yaml::to_yaml_stream(docs.iter()).into_bytes();
            let sha256 = Some(meshsynth::assembly::sha256_hex(&bytes));
            files.push((file.clone(), bytes));
            listed.push(format!("{stem}.yaml"));
            artifact.files.push(K8sFile {
                file,
                // Charts live under the stack of the same prefix.
                chart: format!("{stem}/Chart"),
                objects: docs.len(),
                sha256,
            });
        }
        files.push((
            artifact.kustomization.clone(),
            meshsynth::emit::k8s::kustomization(&listed).into_bytes(),
        ));
        manifest.clusters.push(artifact);
    }
    let m = serde_json::to_value(&manifest).unwrap();
    files.push(("manifest.json".into(), meshsynth::emit::to_json_bytes(&m)));
    write_atomically(dir, &files).unwrap();
}

fn template(resources: Json) -> Json {
    json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
}

fn trust(subject: &str) -> Json {
    // IRSA roles carry the trust policy as an Fn::Sub over a JSON string.
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{{"Federated":"${{OidcProviderArn}}"}},"Condition":{{"StringEquals":{{"${{OidcIssuer}}:aud":"sts.amazonaws.com","${{OidcIssuer}}:sub":"{subject}"}}}}}}]}}"#
    );
    json!({"Fn::Sub": [doc, {
        "OidcProviderArn": {"Fn::ImportValue": "app-network:OidcProviderArn"},
        "OidcIssuer": {"Fn::ImportValue": "app-network:OidcIssuer"}
    }]})
}

fn network() -> StackSpec {
    (
        "app-network",
        template(json!({
            "Vpc8378EB38": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
        })),
    )
}

fn k8s_doc(api: &str, kind: &str, name: &str, rest: Json) -> Json {
    let mut doc =
        json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "shop"}});
    for (k, v) in rest.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc
}

fn deployment(name: &str, selector: &str, image: &str, ports: Json) -> Json {
    k8s_doc(
        "apps/v1",
        "Deployment",
        name,
        json!({"spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": selector}},
            "template": {
                "metadata": {"labels": {"app": selector}},
                "spec": {"containers": [
                    {"name": "app", "image": image, "ports": ports},
                    {"name": "log-shipper", "image": "fluent-bit:3.0"}
                ]}
            }
        }}),
    )
}

fn edge() -> ClusterSpec {
    (
        "edge",
        vec![(
            "app-edge",
            vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "edge"}})],
        )],
    )
}

/// The baseline: what main looks like.
pub fn before() -> (Vec<StackSpec>, Vec<ClusterSpec>) {
    let data = template(json!({
        "VpcA1B2C3D4": {"Type": "AWS::EC2::VPC", "Properties": {
            "CidrBlock": "10.1.0.0/16", "EnableDnsHostnames": false,
            "Tags": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "shop"}]}},
        "SubnetE5F6A7B8": {"Type": "AWS::EC2::Subnet", "UpdateReplacePolicy": "Retain", "Properties": {
            "VpcId": {"Ref": "VpcA1B2C3D4"}, "CidrBlock": "10.1.0.0/24"}},
        "DbSecurityGroup0D0E0F10": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "database", "VpcId": {"Ref": "VpcA1B2C3D4"},
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.1.0.0/16"}],
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.1.0.0/16"}]}},
        "JobsQueue5A5A5A5A": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
        "ServiceTopicA1A1A1A1": {"Type": "AWS::SNS::Topic", "Properties": {
            "DisplayName": "orders", "TopicName": "shop-orders"}},
        "OldTopicAAAA1111": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "old"}},
        "AuditQueueA9A9A9A9": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 5}},
        "LogsBucketB0B0B0B0": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {}},
        "DatabaseC0FFEE00": {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot", "Properties": {
            "Engine": "postgres", "DBInstanceClass": "db.t4g.micro"}}
    }));
    let iam = template(json!({
        "ApiRole1234ABCD": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "shop-api",
            "AssumeRolePolicyDocument": trust("system:serviceaccount:shop:api"),
            "Policies": [{"PolicyName": "read-orders", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::shop-orders/*"}]}}]}},
        "ReportsPolicy77777777": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Roles": [{"Ref": "ApiRole1234ABCD"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}},
                {"Effect": "Allow", "Action": "sqs:DeleteMessage", "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}]}}},
        "DataKey99999999": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}}, "Action": "kms:*", "Resource": "*"}]}}}
    }));
    let legacy = template(json!({
        "LegacyTopic12121212": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "legacy"}}
    }));
    let shop = vec![
        deployment(
            "api",
            "api",
            "shop/api:1.0",
            json!([{"name": "http", "containerPort": 8080}]),
        ),
        deployment(
            "web",
            "web",
            "shop/web:1.0",
            json!([{"name": "http", "containerPort": 80}]),
        ),
        k8s_doc(
            "v1",
            "Service",
            "web",
            json!({"spec": {"selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": 80}]}}),
        ),
        k8s_doc("v1", "ServiceAccount", "old-worker", json!({})),
        k8s_doc(
            "security.istio.io/v1",
            "PeerAuthentication",
            "default",
            json!({"spec": {"mtls": {"mode": "STRICT"}}}),
        ),
        k8s_doc(
            "security.istio.io/v1",
            "AuthorizationPolicy",
            "web-allow",
            json!({"spec": {
            "selector": {"matchLabels": {"app": "web"}}, "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/edge/sa/gateway"]}}],
                       "to": [{"operation": {"methods": ["GET"]}}]}]}}),
        ),
        k8s_doc(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            "deny-all",
            json!({"spec": {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
        ),
        k8s_doc(
            "networking.istio.io/v1",
            "VirtualService",
            "web",
            json!({"spec": {"hosts": ["web"], "http": [
            {"match": [{"uri": {"prefix": "/api"}}], "route": [{"destination": {"host": "api"}}]},
            {"match": [{"uri": {"prefix": "/"}}], "route": [{"destination": {"host": "web"}}]}]}}),
        ),
    ];
    (
        vec![
            network(),
            ("app-data", data),
            ("app-iam", iam),
            ("app-legacy", legacy),
        ],
        vec![("main", vec![("app-data", shop)]), edge()],
    )
}

/// The branch under review.
pub fn after() -> (Vec<StackSpec>, Vec<ClusterSpec>) {
    let data = template(json!({
        // In place: a plain property and a tag matched by Key.
        "VpcA1B2C3D4": {"Type": "AWS::EC2::VPC", "Properties": {
            "CidrBlock": "10.1.0.0/16", "EnableDnsHostnames": true,
            "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "shop"}]}},
        // Replacement (create-only CidrBlock), old subnet retained.
        "SubnetE5F6A7B8": {"Type": "AWS::EC2::Subnet", "UpdateReplacePolicy": "Retain", "Properties": {
            "VpcId": {"Ref": "VpcA1B2C3D4"}, "CidrBlock": "10.1.8.0/24"}},
        // Security-group widening: ingress from anywhere.
        "DbSecurityGroup0D0E0F10": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "database", "VpcId": {"Ref": "VpcA1B2C3D4"},
            "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.1.0.0/16"},
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "0.0.0.0/0", "Description": "temporary"}],
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.1.0.0/16"}]}},
        "BastionIngressFEFEFEFE": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": "DbSecurityGroup0D0E0F10"}, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "CidrIpv6": "::/0"}},
        // Unknown type updated: may replace.
        "JobsQueue5A5A5A5A": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}},
        // Renamed construct with a change: replaced.
        "OrdersTopicB2B2B2B2": {"Type": "AWS::SNS::Topic", "Properties": {
            "DisplayName": "orders", "TopicName": "shop-orders", "KmsMasterKeyId": "alias/aws/sns"}},
        // Renamed construct, nothing else changed: moved without replacement.
        "EventsQueueB9B9B9B9": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 5}},
        // Added.
        "DeadLetterQueue3C3C3C3C": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1209600}}
        // Removed: OldTopic, LogsBucket (Retain → orphan), Database (Snapshot).
    }));
    let iam = template(json!({
        "ApiRole1234ABCD": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "shop-api",
            // Trust widened to every service account of the namespace.
            "AssumeRolePolicyDocument": trust("system:serviceaccount:shop:*"),
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
            "Policies": [{"PolicyName": "read-orders", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::shop-orders/*"},
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}},
        "ReportsPolicy77777777": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Roles": [{"Ref": "ApiRole1234ABCD"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}]}}},
        "DataKey99999999": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "kms:Decrypt", "Resource": "*"}]}}}
    }));
    let jobs = template(json!({
        "JobsTable45454545": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PAY_PER_REQUEST"}}
    }));
    let shop = vec![
        // Immutable: a new selector.
        deployment(
            "api",
            "api-v2",
            "shop/api:1.0",
            json!([{"name": "http", "containerPort": 8080}]),
        ),
        // In place: image and the port found by name.
        deployment(
            "web",
            "web",
            "shop/web:1.1",
            json!([{"name": "http", "containerPort": 8080}]),
        ),
        k8s_doc(
            "v1",
            "Service",
            "web",
            json!({"spec": {"selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080}, {"name": "metrics", "port": 9090, "targetPort": 9090}]}}),
        ),
        k8s_doc(
            "v1",
            "ConfigMap",
            "web-config",
            json!({"data": {"LOG_LEVEL": "info"}}),
        ),
        // Mesh policy: mTLS relaxed, an allow-everything rule, deny-all gone.
        k8s_doc(
            "security.istio.io/v1",
            "PeerAuthentication",
            "default",
            json!({"spec": {"mtls": {"mode": "PERMISSIVE"}}}),
        ),
        k8s_doc(
            "security.istio.io/v1",
            "AuthorizationPolicy",
            "web-allow",
            json!({"spec": {
            "selector": {"matchLabels": {"app": "web"}}, "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/edge/sa/gateway"]}}],
                       "to": [{"operation": {"methods": ["GET"]}}]},
                      {}]}}),
        ),
        // Routes swapped: first match wins, so order is a change.
        k8s_doc(
            "networking.istio.io/v1",
            "VirtualService",
            "web",
            json!({"spec": {"hosts": ["web"], "http": [
            {"match": [{"uri": {"prefix": "/"}}], "route": [{"destination": {"host": "web"}}]},
            {"match": [{"uri": {"prefix": "/api"}}], "route": [{"destination": {"host": "api"}}]}]}}),
        ),
    ];
    (
        vec![
            network(),
            ("app-data", data),
            ("app-iam", iam),
            ("app-jobs", jobs),
        ],
        vec![("main", vec![("app-data", shop)]), edge()],
    )
}

/// Writes `before()` and `after()` under `root` as `base/` and `head/`.
pub fn write_pair(root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (bs, bc) = before();
    let (a_s, ac) = after();
    let (base, head) = (root.join("base"), root.join("head"));
    write(&base, &bs, &bc);
    write(&head, &a_s, &ac);
    (base, head)
}
