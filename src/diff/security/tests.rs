use super::*;

fn changes(ty: &str, old: Option<Json>, new: Option<Json>) -> Vec<(Direction, String)> {
    let wrap = |p: Json| json!({"Type": ty, "Properties": p});
    let (o, n) = (old.map(wrap), new.map(wrap));
    let mut out = Vec::new();
    resource("s", "R", o.as_ref(), n.as_ref(), &mut out);
    out.into_iter()
        .map(|c| (c.direction, c.description))
        .collect()
}

#[test]
fn cross_stack_references_read_as_imports_and_outputs() {
    assert_eq!(
        show(&json!({"Fn::ImportValue": "net:ExportVpcRef"})),
        "import(net:ExportVpcRef)"
    );
    assert_eq!(
        show(
            &json!({"Fn::GetStackOutput": {"StackName": "east", "OutputName": "ExportGwIp", "Region": "us-east-1"}})
        ),
        "output(east.ExportGwIp@us-east-1)"
    );
}

#[test]
fn irsa_trust_in_fn_sub_is_parsed_and_subjects_compared() {
    let trust = |sub: &str| {
        json!({"AssumeRolePolicyDocument": {"Fn::Sub": [
            format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{{"Federated":"${{Provider}}"}},"Condition":{{"StringEquals":{{"${{Issuer}}:sub":"{sub}"}}}}}}]}}"#),
            {"Provider": {"Ref": "Oidc"}}
        ]}})
    };
    let c = changes(
        "AWS::IAM::Role",
        Some(trust("system:serviceaccount:shop:api")),
        Some(trust("system:serviceaccount:shop:*")),
    );
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(c[0].0, Direction::Narrows);
    assert_eq!(c[1].0, Direction::Widens);
    assert!(
        c[1].1
            .contains("${Issuer}:sub = system:serviceaccount:shop:*"),
        "{}",
        c[1].1
    );
    assert!(c[1].1.contains("[wildcard service-account subject]"));
}

fn k8s(group: &str, kind: &str, spec: Json) -> LoadedObject {
    LoadedObject {
        key: crate::assembly::ObjectKey {
            group: group.into(),
            kind: kind.into(),
            namespace: Some("shop".into()),
            name: "orders".into(),
        },
        api_version: format!("{group}/v1"),
        file: "k8s/main/x.yaml".into(),
        chart: "C".into(),
        body: json!({ "spec": spec }),
    }
}

fn object_changes(group: &str, kind: &str, old: Json, new: Json) -> Vec<(Direction, String)> {
    let (o, n) = (k8s(group, kind, old), k8s(group, kind, new));
    let mut out = Vec::new();
    object("main", Some(&o), Some(&n), &mut out);
    out.into_iter()
        .map(|c| (c.direction, c.description))
        .collect()
}

#[test]
fn one_more_principal_is_one_widening_line_naming_it() {
    let policy = |principals: &[&str]| {
        json!({
            "selector": {"matchLabels": {"app": "orders"}},
            "action": "ALLOW",
            "rules": [{
                "from": [{"source": {"principals": principals}}],
                "to": [{"operation": {"methods": ["GET"]}}]
            }]
        })
    };
    let pay = "cluster.local/ns/shop/sa/payment";
    let cart = "cluster.local/ns/shop/sa/cart";
    let c = object_changes(
        "security.istio.io",
        "AuthorizationPolicy",
        policy(&[pay]),
        policy(&[pay, cart]),
    );
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, Direction::Widens);
    assert!(c[0].1.contains(&format!("from principal {cart}")), "{c:?}");
    // Removing one is one narrowing line, and never a widening.
    let c = object_changes(
        "security.istio.io",
        "AuthorizationPolicy",
        policy(&[pay, cart]),
        policy(&[pay]),
    );
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, Direction::Narrows);
    assert!(c[0].1.contains(&format!("from principal {cart}")), "{c:?}");
}

/// A policy attached by `targetRefs` applies to what they name, not to
/// the namespace: the plan line says so.
#[test]
fn a_policy_attached_by_target_refs_names_its_targets() {
    let policy = |principals: &[&str]| {
        json!({
            "targetRefs": [{"kind": "Service", "group": "", "name": "orders"}],
            "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": principals}}]}]
        })
    };
    let pay = "cluster.local/ns/shop/sa/payment";
    let cart = "cluster.local/ns/shop/sa/cart";
    let c = object_changes(
        "security.istio.io",
        "AuthorizationPolicy",
        policy(&[pay]),
        policy(&[pay, cart]),
    );
    assert_eq!(c.len(), 1, "{c:?}");
    assert!(
        c[0].1.ends_with("on only Service orders (targetRefs)"),
        "{c:?}"
    );
    assert!(!c[0].1.contains("every workload"), "{c:?}");
}

#[test]
fn one_more_network_policy_peer_or_port_is_one_line() {
    let policy = |peers: Vec<Json>, ports: Vec<u16>| {
        json!({
            "podSelector": {"matchLabels": {"app": "orders"}},
            "ingress": [{
                "from": peers,
                "ports": ports.iter().map(|p| json!({"port": p, "protocol": "TCP"})).collect::<Vec<_>>()
            }]
        })
    };
    let web = json!({"podSelector": {"matchLabels": {"app": "web"}}});
    let api = json!({"podSelector": {"matchLabels": {"app": "api"}}});
    let c = object_changes(
        "networking.k8s.io",
        "NetworkPolicy",
        policy(vec![web.clone()], vec![8080]),
        policy(vec![web.clone(), api.clone()], vec![8080]),
    );
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, Direction::Widens);
    assert!(
        c[0].1
            .starts_with("ingress peer {podSelector: {matchLabels: {app: api}}}"),
        "{c:?}"
    );
    let c = object_changes(
        "networking.k8s.io",
        "NetworkPolicy",
        policy(vec![web.clone()], vec![8080, 9090]),
        policy(vec![web], vec![8080]),
    );
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, Direction::Narrows);
    assert!(
        c[0].1.contains("ingress port {port: 9090, protocol: TCP}"),
        "{c:?}"
    );
}

#[test]
fn the_no_egress_placeholder_reads_as_no_egress() {
    let placeholder = json!({"SecurityGroupEgress": [{"IpProtocol": "icmp", "FromPort": 252, "ToPort": 86, "CidrIp": "255.255.255.255/32", "Description": "no outbound traffic"}]});
    // A new closed group: nothing widens.
    let c = changes("AWS::EC2::SecurityGroup", None, Some(placeholder.clone()));
    assert!(c.iter().all(|(d, _)| *d != Direction::Widens), "{c:?}");
    assert!(
        c.iter()
            .any(|(d, t)| *d == Direction::Narrows && t.starts_with("no egress")),
        "{c:?}"
    );
    // Closing an open group narrows, twice over (allow-all gone, no egress).
    let c = changes(
        "AWS::EC2::SecurityGroup",
        Some(json!({})),
        Some(placeholder.clone()),
    );
    assert!(c.iter().all(|(d, _)| *d == Direction::Narrows), "{c:?}");
    // Opening it again widens.
    let c = changes(
        "AWS::EC2::SecurityGroup",
        Some(placeholder),
        Some(json!({})),
    );
    assert!(c.iter().all(|(d, _)| *d == Direction::Widens), "{c:?}");
}

#[test]
fn removing_all_egress_rules_restores_allow_all() {
    let c = changes(
        "AWS::EC2::SecurityGroup",
        Some(
            json!({"SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16"}]}),
        ),
        Some(json!({})),
    );
    assert_eq!(
        c,
        [
            (
                Direction::Narrows,
                "egress tcp port 443 to 10.0.0.0/16".to_string()
            ),
            (
                Direction::Widens,
                "egress all traffic to 0.0.0.0/0 (anywhere) (default: no egress rule given)"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn unparseable_documents_may_widen() {
    let c = changes(
        "AWS::KMS::Key",
        Some(json!({"KeyPolicy": "not json"})),
        Some(json!({"KeyPolicy": "still not"})),
    );
    assert_eq!(c[0].0, Direction::MayWiden);
}

/// Every principal-bearing type widens when it grants more (issue 41, 8):
/// each counted 0 widenings before, and so passed a `widens == 0` gate.
fn widens(c: &[(Direction, String)], needle: &str) -> bool {
    c.iter()
        .any(|(d, t)| *d == Direction::Widens && t.contains(needle))
}

#[test]
fn inline_policy_resources_users_and_groups_widen() {
    let doc = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    for (ty, holder_field, holder) in [
        ("AWS::IAM::RolePolicy", "RoleName", "role app"),
        ("AWS::IAM::UserPolicy", "UserName", "user app"),
        ("AWS::IAM::GroupPolicy", "GroupName", "group app"),
    ] {
        let c = changes(
            ty,
            None,
            Some(json!({"PolicyName": "p", holder_field: "app", "PolicyDocument": doc})),
        );
        assert!(
            widens(&c, &format!("Allow s3:* on * for {holder}")),
            "{ty}: {c:?}"
        );
    }
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let c = changes(
        "AWS::IAM::User",
        Some(json!({})),
        Some(
            json!({"ManagedPolicyArns": [admin], "LoginProfile": {"Password": "x"}, "Groups": ["ops"], "Policies": [{"PolicyName": "p", "PolicyDocument": doc}]}),
        ),
    );
    assert!(widens(&c, "[administrator]"), "{c:?}");
    assert!(widens(&c, "console login"), "{c:?}");
    assert!(widens(&c, "member of group ops"), "{c:?}");
    assert!(widens(&c, "Allow s3:*"), "{c:?}");
    let c = changes(
        "AWS::IAM::Group",
        None,
        Some(json!({"ManagedPolicyArns": [admin]})),
    );
    assert!(widens(&c, "on group R [administrator]"), "{c:?}");
    let c = changes(
        "AWS::IAM::UserToGroupAddition",
        Some(json!({"GroupName": "admins", "Users": ["a"]})),
        Some(json!({"GroupName": "admins", "Users": ["a", "b"]})),
    );
    assert!(widens(&c, "user b is a member of group admins"), "{c:?}");
    let c = changes("AWS::IAM::AccessKey", None, Some(json!({"UserName": "ci"})));
    assert!(widens(&c, "long-term access key R for user ci"), "{c:?}");
}

#[test]
fn resource_policies_opened_to_anyone_widen() {
    let open = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
    for (ty, field) in access_policy_types() {
        let mut props = json!({});
        let mut cur = &mut props;
        let parts: Vec<&str> = field.split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            cur[*p] = if i + 1 == parts.len() {
                open.clone()
            } else {
                json!({})
            };
            cur = &mut cur[*p];
        }
        let c = changes(ty, Some(json!({})), Some(props));
        assert!(widens(&c, "[any principal]"), "{ty}: {c:?}");
    }
    let c = changes(
        "AWS::Lambda::Permission",
        None,
        Some(json!({"Action": "lambda:InvokeFunction", "FunctionName": "f", "Principal": "*"})),
    );
    assert!(widens(&c, "[any principal]"), "{c:?}");
    let c = changes(
        "AWS::Lambda::Url",
        None,
        Some(json!({"AuthType": "NONE", "TargetFunctionArn": "f"})),
    );
    assert!(widens(&c, "without authentication"), "{c:?}");
}

fn access_policy_types() -> Vec<(&'static str, &'static str)> {
    super::access::RESOURCE_POLICIES.to_vec()
}

#[test]
fn eks_access_pod_identity_and_network_acls_widen() {
    let c = changes(
        "AWS::EKS::AccessEntry",
        None,
        Some(
            json!({"ClusterName": "c", "PrincipalArn": "arn:aws:iam::1:role/dev",
            "AccessPolicies": [{"PolicyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "AccessScope": {"Type": "cluster"}}]}),
        ),
    );
    assert!(widens(&c, "[cluster administrator]"), "{c:?}");
    let c = changes(
        "AWS::EKS::AccessEntry",
        None,
        Some(
            json!({"ClusterName": "c", "PrincipalArn": "arn:aws:iam::1:role/dev", "KubernetesGroups": ["system:masters"]}),
        ),
    );
    assert!(
        widens(&c, "system:masters [cluster administrator]"),
        "{c:?}"
    );
    let c = changes(
        "AWS::EKS::PodIdentityAssociation",
        None,
        Some(
            json!({"ClusterName": "c", "Namespace": "shop", "ServiceAccount": "api", "RoleArn": "arn:aws:iam::1:role/admin"}),
        ),
    );
    assert!(
        widens(&c, "service account shop/api may assume role"),
        "{c:?}"
    );
    let c = changes(
        "AWS::EC2::NetworkAclEntry",
        None,
        Some(
            json!({"NetworkAclId": "acl-1", "RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"}),
        ),
    );
    assert!(widens(&c, "(anywhere)"), "{c:?}");
}

fn rbac_object(kind: &str, body: Json) -> LoadedObject {
    LoadedObject {
        key: crate::assembly::ObjectKey {
            group: "rbac.authorization.k8s.io".into(),
            kind: kind.into(),
            namespace: (!kind.starts_with("Cluster")).then(|| "shop".into()),
            name: "r".into(),
        },
        api_version: "rbac.authorization.k8s.io/v1".into(),
        file: "k8s/main/x.yaml".into(),
        chart: "C".into(),
        body,
    }
}

#[test]
fn rbac_rules_and_bindings_widen() {
    let mut out = Vec::new();
    let crb = rbac_object(
        "ClusterRoleBinding",
        json!({"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]}),
    );
    object("main", None, Some(&crb), &mut out);
    let role = rbac_object(
        "Role",
        json!({"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]}),
    );
    object("main", None, Some(&role), &mut out);
    let star = rbac_object(
        "ClusterRole",
        json!({"rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
    );
    object("main", None, Some(&star), &mut out);
    let c: Vec<(Direction, String)> = out
        .into_iter()
        .map(|c| (c.direction, c.description))
        .collect();
    assert!(
        widens(
            &c,
            "ServiceAccount tools/ci gets ClusterRole cluster-admin cluster-wide [administrator]"
        ),
        "{c:?}"
    );
    assert!(widens(&c, "[reads secrets]"), "{c:?}");
    assert!(widens(&c, "[every verb on everything]"), "{c:?}");
}
