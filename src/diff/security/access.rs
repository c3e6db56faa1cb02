//! Access granted outside a role's own properties: identity policies that
//! are resources of their own (`RolePolicy`, `UserPolicy`, `GroupPolicy`),
//! IAM users and groups (inline and managed policies, memberships, console
//! logins, access keys), resource policies (buckets, queues, topics, keys,
//! secrets, repositories, functions, endpoints…) and EKS access (access
//! entries and their cluster access policies, Pod Identity associations).

use super::*;

/// The resource-policy property of each type that carries one. A document
/// may be JSON or a JSON string; a nested path is `A.B`.
pub(super) const RESOURCE_POLICIES: &[(&str, &str)] = &[
    ("AWS::S3::BucketPolicy", "PolicyDocument"),
    ("AWS::S3::AccessPoint", "Policy"),
    ("AWS::S3::MultiRegionAccessPointPolicy", "Policy"),
    ("AWS::SQS::QueuePolicy", "PolicyDocument"),
    ("AWS::SNS::TopicPolicy", "PolicyDocument"),
    ("AWS::SNS::TopicInlinePolicy", "PolicyDocument"),
    ("AWS::KMS::ReplicaKey", "KeyPolicy"),
    ("AWS::SecretsManager::ResourcePolicy", "ResourcePolicy"),
    ("AWS::ECR::Repository", "RepositoryPolicyText"),
    ("AWS::ECR::RegistryPolicy", "PolicyText"),
    ("AWS::Logs::ResourcePolicy", "PolicyDocument"),
    ("AWS::Logs::Destination", "DestinationPolicy"),
    ("AWS::OpenSearchService::Domain", "AccessPolicies"),
    ("AWS::Elasticsearch::Domain", "AccessPolicies"),
    ("AWS::ApiGateway::RestApi", "Policy"),
    ("AWS::EFS::FileSystem", "FileSystemPolicy"),
    ("AWS::DynamoDB::Table", "ResourcePolicy.PolicyDocument"),
    ("AWS::Backup::BackupVault", "AccessPolicy"),
    ("AWS::EC2::VPCEndpoint", "PolicyDocument"),
    ("AWS::Glue::ResourcePolicy", "PolicyInJson"),
    ("AWS::CodeArtifact::Repository", "PermissionsPolicyDocument"),
    ("AWS::CodeArtifact::Domain", "PermissionsPolicyDocument"),
    ("AWS::Kinesis::ResourcePolicy", "ResourcePolicy"),
    ("AWS::Kinesis::StreamConsumer", "ResourcePolicy"),
    ("AWS::Lambda::Function", "Policy"),
    ("AWS::IoT::Policy", "PolicyDocument"),
    ("AWS::MediaStore::Container", "Policy"),
];

fn at<'v>(p: Option<&'v Json>, path: &str) -> Option<&'v Json> {
    path.split('.').try_fold(p?, |v, k| v.get(k))
}

/// Whether `kind` is handled here, after comparing its access.
pub(super) fn resource_access(
    ctx: &mut Ctx<'_>,
    kind: &str,
    id: &str,
    (old, new): (Option<&Json>, Option<&Json>),
) -> bool {
    let (po, pn) = (
        old.map(|r| r.get("Properties").unwrap_or(&Json::Null)),
        new.map(|r| r.get("Properties").unwrap_or(&Json::Null)),
    );
    if let Some((_, field)) = RESOURCE_POLICIES.iter().find(|(t, _)| *t == kind) {
        let holder = format!("{kind} {id}");
        diff_documents(
            ctx,
            SecurityCategory::ResourcePolicy,
            Some(&holder),
            at(po, field),
            at(pn, field),
        );
        return true;
    }
    match kind {
        "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
            let (field, label) = match kind {
                "AWS::IAM::RolePolicy" => ("RoleName", "role"),
                "AWS::IAM::UserPolicy" => ("UserName", "user"),
                _ => ("GroupName", "group"),
            };
            let holder = pn
                .or(po)
                .and_then(|p| p.get(field))
                .map(|n| format!("{label} {}", show(n)));
            diff_documents(
                ctx,
                SecurityCategory::IamStatement,
                holder.as_deref(),
                at(po, "PolicyDocument"),
                at(pn, "PolicyDocument"),
            );
        }
        "AWS::IAM::User" | "AWS::IAM::Group" => principal(ctx, kind, id, po, pn),
        "AWS::IAM::UserToGroupAddition" => {
            let group = pn.or(po).and_then(|p| p.get("GroupName")).map(show);
            let group = group.unwrap_or_default();
            diff_attachments(
                ctx,
                list(po.and_then(|p| p.get("Users"))),
                list(pn.and_then(|p| p.get("Users"))),
                |u| format!("user {u} is a member of group {group}"),
            );
        }
        "AWS::IAM::AccessKey" => credential(ctx, id, po, pn),
        "AWS::EC2::NetworkAclEntry" => network_acl_entry(ctx, po, pn),
        "AWS::EKS::AccessEntry" => eks_access_entry(ctx, id, po, pn),
        "AWS::EKS::PodIdentityAssociation" => pod_identity(ctx, po, pn),
        "AWS::Lambda::Permission" | "AWS::Lambda::LayerVersionPermission" => {
            lambda_permission(ctx, kind, id, po, pn)
        }
        "AWS::Lambda::Url" => {
            let auth = |p: Option<&Json>| p.and_then(|p| p.get("AuthType")).map(show);
            let (ao, an) = (auth(po), auth(pn));
            if an.as_deref() == Some("NONE") && ao.as_deref() != Some("NONE") {
                ctx.push(
                    SecurityCategory::ResourcePolicy,
                    Direction::Widens,
                    if old.is_some() {
                        ChangeOp::Changed
                    } else {
                        ChangeOp::Added
                    },
                    format!(
                        "function URL {id} without authentication (AuthType NONE) [any principal]"
                    ),
                    json!({"AuthType": "NONE"}),
                );
            }
        }
        _ => return false,
    }
    true
}

/// An IAM user or group: inline and managed policies, memberships, and a
/// user's console login.
fn principal(ctx: &mut Ctx<'_>, kind: &str, id: &str, po: Option<&Json>, pn: Option<&Json>) {
    let label = if kind == "AWS::IAM::User" {
        "user"
    } else {
        "group"
    };
    let holder = format!("{label} {id}");
    diff_documents(
        ctx,
        SecurityCategory::IamStatement,
        Some(&holder),
        inline_policies(po).as_ref(),
        inline_policies(pn).as_ref(),
    );
    diff_attachments(
        ctx,
        list(po.and_then(|p| p.get("ManagedPolicyArns"))),
        list(pn.and_then(|p| p.get("ManagedPolicyArns"))),
        |x| format!("managed policy {x} on {label} {id}{}", admin_marker(x)),
    );
    diff_attachments(
        ctx,
        list(po.and_then(|p| p.get("Groups"))),
        list(pn.and_then(|p| p.get("Groups"))),
        |g| format!("user {id} is a member of group {g}"),
    );
    let login = |p: Option<&Json>| p.and_then(|p| p.get("LoginProfile")).is_some();
    if login(pn) && !login(po) {
        ctx.push(
            SecurityCategory::Credential,
            Direction::Widens,
            ChangeOp::Added,
            format!("console login (password) for user {id}"),
            json!({"LoginProfile": true}),
        );
    } else if login(po) && !login(pn) && pn.is_some() {
        ctx.push(
            SecurityCategory::Credential,
            Direction::Narrows,
            ChangeOp::Removed,
            format!("console login (password) of user {id}"),
            json!({"LoginProfile": false}),
        );
    }
}

/// ` [administrator]` for the managed policies that grant everything.
fn admin_marker(arn: &str) -> &'static str {
    if arn.ends_with(":policy/AdministratorAccess") || arn.ends_with(":policy/IAMFullAccess") {
        " [administrator]"
    } else {
        ""
    }
}

/// A long-term access key: a new credential for a user.
fn credential(ctx: &mut Ctx<'_>, id: &str, po: Option<&Json>, pn: Option<&Json>) {
    let user = pn
        .or(po)
        .and_then(|p| p.get("UserName"))
        .map(show)
        .unwrap_or_default();
    let active = |p: Option<&Json>| {
        p.is_some_and(|p| p.get("Status").map(show).as_deref() != Some("Inactive"))
    };
    let (a, b) = (active(po), active(pn));
    if b && !a {
        ctx.push(
            SecurityCategory::Credential,
            Direction::Widens,
            if po.is_some() {
                ChangeOp::Changed
            } else {
                ChangeOp::Added
            },
            format!("long-term access key {id} for user {user}"),
            json!({"UserName": user}),
        );
    } else if a && !b {
        ctx.push(
            SecurityCategory::Credential,
            Direction::Narrows,
            if pn.is_some() {
                ChangeOp::Changed
            } else {
                ChangeOp::Removed
            },
            format!("access key {id} of user {user} no longer active"),
            json!({"UserName": user}),
        );
    }
}

/// Cluster access policies that make a principal an administrator.
const EKS_ADMIN_POLICIES: &[&str] = &["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy"];

/// An EKS access entry: who may reach the cluster's API, with which access
/// policies (and their scope) and Kubernetes groups.
fn eks_access_entry(ctx: &mut Ctx<'_>, id: &str, po: Option<&Json>, pn: Option<&Json>) {
    let grants = |p: Option<&Json>| -> Vec<String> {
        let Some(p) = p else { return Vec::new() };
        let who = p.get("PrincipalArn").map(show).unwrap_or_default();
        let mut out = Vec::new();
        for ap in p
            .get("AccessPolicies")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let arn = ap.get("PolicyArn").map(show).unwrap_or_default();
            let scope = ap.get("AccessScope");
            let scope = match scope.and_then(|s| s.get("Type")).map(show).as_deref() {
                Some("namespace") => format!(
                    "namespaces {}",
                    list(scope.and_then(|s| s.get("Namespaces"))).join(", ")
                ),
                _ => "the whole cluster".into(),
            };
            let admin = EKS_ADMIN_POLICIES
                .iter()
                .any(|a| arn.ends_with(&format!("/{a}")));
            out.push(format!(
                "{who} gets {arn} on {scope}{}",
                if admin {
                    " [cluster administrator]"
                } else {
                    ""
                }
            ));
        }
        for g in list(p.get("KubernetesGroups")) {
            let admin = g == "system:masters";
            out.push(format!(
                "{who} is in Kubernetes group {g}{}",
                if admin {
                    " [cluster administrator]"
                } else {
                    ""
                }
            ));
        }
        if out.is_empty() {
            out.push(format!(
                "{who} may authenticate to the cluster (entry {id})"
            ));
        }
        out.sort();
        out
    };
    for (op, dir, items) in [
        (
            ChangeOp::Removed,
            Direction::Narrows,
            set_minus(&grants(po), &grants(pn)),
        ),
        (
            ChangeOp::Added,
            Direction::Widens,
            set_minus(&grants(pn), &grants(po)),
        ),
    ] {
        for g in items {
            ctx.push(
                SecurityCategory::ClusterAccess,
                dir,
                op,
                g.clone(),
                json!(g),
            );
        }
    }
}

fn set_minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

/// A Pod Identity association: a service account may assume a role.
fn pod_identity(ctx: &mut Ctx<'_>, po: Option<&Json>, pn: Option<&Json>) {
    let grant = |p: Option<&Json>| -> Vec<String> {
        p.map(|p| {
            vec![format!(
                "service account {}/{} may assume role {}",
                p.get("Namespace").map(show).unwrap_or_default(),
                p.get("ServiceAccount").map(show).unwrap_or_default(),
                p.get("RoleArn").map(show).unwrap_or_default()
            )]
        })
        .unwrap_or_default()
    };
    let (go, gn) = (grant(po), grant(pn));
    for g in set_minus(&go, &gn) {
        ctx.push(
            SecurityCategory::ClusterAccess,
            Direction::Narrows,
            ChangeOp::Removed,
            g.clone(),
            json!(g),
        );
    }
    for g in set_minus(&gn, &go) {
        ctx.push(
            SecurityCategory::ClusterAccess,
            Direction::Widens,
            ChangeOp::Added,
            g.clone(),
            json!(g),
        );
    }
}

/// A Lambda permission: one resource-policy statement, written as properties.
fn lambda_permission(
    ctx: &mut Ctx<'_>,
    kind: &str,
    id: &str,
    po: Option<&Json>,
    pn: Option<&Json>,
) {
    let doc = |p: Option<&Json>| -> Option<Json> {
        let p = p?;
        let mut st = serde_json::Map::new();
        st.insert("Effect".into(), json!("Allow"));
        st.insert(
            "Action".into(),
            p.get("Action").cloned().unwrap_or(json!("lambda:*")),
        );
        let principal = p.get("Principal").cloned().unwrap_or(json!("*"));
        let principal = match principal.as_str() {
            Some("*") => json!("*"),
            Some(s) if s.ends_with(".amazonaws.com") => json!({"Service": s}),
            _ => json!({"AWS": principal}),
        };
        st.insert("Principal".into(), principal);
        let resource = p
            .get("FunctionName")
            .or_else(|| p.get("LayerVersionArn"))
            .cloned()
            .unwrap_or(Json::Null);
        st.insert("Resource".into(), resource);
        let mut cond = serde_json::Map::new();
        for (f, key) in [
            ("SourceArn", "aws:SourceArn"),
            ("SourceAccount", "aws:SourceAccount"),
            ("PrincipalOrgID", "aws:PrincipalOrgID"),
            ("OrganizationId", "aws:PrincipalOrgID"),
        ] {
            if let Some(v) = p.get(f) {
                cond.insert(key.into(), v.clone());
            }
        }
        if !cond.is_empty() {
            st.insert("Condition".into(), json!({"StringEquals": cond}));
        }
        Some(json!({"Statement": [st]}))
    };
    let holder = format!("{kind} {id}");
    diff_documents(
        ctx,
        SecurityCategory::ResourcePolicy,
        Some(&holder),
        doc(po).as_ref(),
        doc(pn).as_ref(),
    );
}

/// A network ACL entry: allow entries widen when added, deny entries narrow.
fn network_acl_entry(ctx: &mut Ctx<'_>, po: Option<&Json>, pn: Option<&Json>) {
    let entry = |p: Option<&Json>| -> BTreeMap<String, (String, Json)> {
        let Some(p) = p else { return BTreeMap::new() };
        let egress = p.get("Egress").map(show).as_deref() == Some("true");
        let action = p.get("RuleAction").map(show).unwrap_or_default();
        let protocol = match p.get("Protocol").map(show).as_deref() {
            Some("-1") | None => "all traffic".to_string(),
            Some("6") => "tcp".into(),
            Some("17") => "udp".into(),
            Some(x) => format!("protocol {x}"),
        };
        let ports = p
            .get("PortRange")
            .map(|r| {
                format!(
                    " ports {}-{}",
                    r.get("From").map(show).unwrap_or_default(),
                    r.get("To").map(show).unwrap_or_default()
                )
            })
            .unwrap_or_default();
        let peer = p
            .get("CidrBlock")
            .or_else(|| p.get("Ipv6CidrBlock"))
            .map(show)
            .unwrap_or_default();
        let anywhere = if peer == "0.0.0.0/0" || peer == "::/0" {
            " (anywhere)"
        } else {
            ""
        };
        let d = format!(
            "network ACL {} {action} {protocol}{ports} {} {peer}{anywhere} (rule {})",
            p.get("NetworkAclId").map(show).unwrap_or_default(),
            if egress { "to" } else { "from" },
            p.get("RuleNumber").map(show).unwrap_or_default(),
        );
        BTreeMap::from([(canonical(p), (d, p.clone()))])
    };
    let deny =
        |p: Option<&Json>| p.and_then(|p| p.get("RuleAction")).map(show).as_deref() == Some("deny");
    let (added, removed) = if deny(pn.or(po)) {
        (Direction::Narrows, Direction::Widens)
    } else {
        (Direction::Widens, Direction::Narrows)
    };
    diff_rule_sets(
        ctx,
        SecurityCategory::SecurityGroupRule,
        &entry(po),
        &entry(pn),
        added,
        removed,
    );
}
