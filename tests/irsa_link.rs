//! One `MeshService` call with IRSA needs yields both the IAM role and the
//! ServiceAccount; this test reads them back from the synthesized assembly
//! and checks they agree (trust subject, audience, role ARN annotation).

use crate::shop;

use meshsynth::aws::iam::PolicyStatement;
use meshsynth::core::{App, Context, Value};
use meshsynth::mesh::service::{IrsaNeeds, MeshService, MeshServiceProps, ServiceIdentity};
use meshsynth::synth::{synth, SynthOptions};
use serde_json::Value as Json;
use shop::{oidc, shop_chart};

#[test]
fn irsa_service_account_and_role_trust_agree() {
    let mut app = App::new(Context::new());
    let chart = shop_chart(&mut app).unwrap();
    let oidc = oidc();
    let svc = MeshService::new(
        &mut app.scope(chart.node()).unwrap(),
        "Orders",
        MeshServiceProps {
            name: "order-service".into(),
            image: "registry.example.com/shop/order-service:1.0.0".into(),
            service_account_name: Some("order-service-sa".into()),
            identity: ServiceIdentity::Irsa(IrsaNeeds {
                oidc,
                statements: vec![PolicyStatement::allow(
                    ["ssm:GetParameter"],
                    [Value::str(
                        "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/*",
                    )],
                )],
                managed_policy_arns: vec![],
            }),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(svc.service_account.name(), "order-service-sa");
    let out = synth(app, &SynthOptions::default()).unwrap();

    let (_, tpl) = out
        .assembly
        .files
        .iter()
        .find(|(f, _)| f == "apps.template.json")
        .unwrap();
    let tpl: Json = serde_json::from_slice(tpl).unwrap();
    let roles: Vec<&Json> = tpl["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::Role")
        .collect();
    assert_eq!(roles.len(), 1);
    let role = roles[0];
    let role_name = role["Properties"]["RoleName"].as_str().unwrap();
    // The trust policy is `Fn::Sub` over JSON text (the issuer is a JSON key,
    // and keys cannot be intrinsics); with a literal issuer there are no variables.
    let sub = &role["Properties"]["AssumeRolePolicyDocument"]["Fn::Sub"];
    let text = sub
        .as_str()
        .or_else(|| sub[0].as_str())
        .expect("Fn::Sub text");
    let trust: Json = serde_json::from_str(text).unwrap();
    let stmt = &trust["Statement"][0];
    assert_eq!(stmt["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        stmt["Principal"]["Federated"],
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    );
    let cond = &stmt["Condition"]["StringEquals"];
    assert_eq!(
        cond["oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub"],
        "system:serviceaccount:shop:order-service-sa"
    );
    assert_eq!(
        cond["oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud"],
        "sts.amazonaws.com"
    );

    let (_, yaml) = out
        .assembly
        .files
        .iter()
        .find(|(f, _)| f.starts_with("k8s/prod/"))
        .unwrap();
    let docs: Vec<Json> = serde_yaml::Deserializer::from_slice(yaml)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let sa = docs.iter().find(|d| d["kind"] == "ServiceAccount").unwrap();
    assert_eq!(sa["metadata"]["name"], "order-service-sa");
    assert_eq!(sa["metadata"]["namespace"], "shop");
    assert_eq!(
        sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        format!("arn:aws:iam::123456789012:role/{role_name}")
    );
    let deploy = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    assert_eq!(
        deploy["spec"]["template"]["spec"]["serviceAccountName"],
        "order-service-sa"
    );
}

/// A ServiceAccount written by hand and annotated with a role made for
/// another one: MS-IAM-2 at synth, naming both.
#[test]
fn a_service_account_annotated_with_a_role_made_for_another_is_refused() {
    use meshsynth::aws::iam::{IrsaRole, IrsaRoleProps};
    use meshsynth::k8s::workloads::{AppServiceAccount, AppServiceAccountProps};
    let build = |annotated: Option<&str>| {
        let mut app = App::new(Context::new());
        let chart = shop_chart(&mut app).unwrap();
        let mut c = app.scope(chart.node()).unwrap();
        let irsa = IrsaRole::new(
            &mut c,
            "WorkerRole",
            IrsaRoleProps {
                oidc: oidc(),
                namespace: "shop".into(),
                service_account: "worker-sa".into(),
                ..Default::default()
            },
        )
        .unwrap();
        if let Some(name) = annotated {
            AppServiceAccount::new(
                &mut c,
                "Worker",
                AppServiceAccountProps {
                    name: name.into(),
                    namespace: None,
                    annotations: [(
                        "eks.amazonaws.com/role-arn".to_string(),
                        irsa.role_arn.clone(),
                    )]
                    .into(),
                },
            )
            .unwrap();
        }
        match synth(app, &SynthOptions::default()) {
            Ok(s) => s.diagnostics,
            Err(meshsynth::core::Error::Diagnostics(d)) => d,
            Err(e) => panic!("{e}"),
        }
    };
    let ds = build(Some("worker"));
    let hits: Vec<_> = ds
        .iter()
        .filter(|d| d.code.as_deref() == Some("MS-IAM-2"))
        .collect();
    assert_eq!(hits.len(), 1, "{ds:#?}");
    assert_eq!(hits[0].path, "apps/Cluster/Worker");
    assert!(
        hits[0].message.contains("ServiceAccount shop/worker")
            && hits[0]
                .message
                .contains("admits only system:serviceaccount:shop:worker-sa"),
        "{}",
        hits[0].message
    );
    // IrsaRole's own ServiceAccount is the one its role admits.
    let ds = build(None);
    assert!(ds.is_empty(), "{ds:#?}");
}
