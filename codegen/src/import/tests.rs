use super::*;
use crate::rust::type_shape;
use serde_json::json;
use std::collections::BTreeMap;

fn types(type_name: &str) -> Option<TypeInfo> {
    let schema = match type_name {
        "AWS::Demo::Queue" => json!({
            "properties": {
                "QueueName": {"type": "string"},
                "Mode": {"type": "string", "enum": ["FAST", "SLOW"]},
                "Subnets": {"type": "array", "items": {"type": "string"}},
                "Arn": {"type": "string"}
            },
            "readOnlyProperties": ["/properties/Arn"]
        }),
        "AWS::Demo::Policy" => json!({
            "properties": {"Queues": {"type": "array", "items": {"type": "string"}}, "Doc": {"type": "object"}},
            "required": ["Queues"]
        }),
        "AWS::Logs::LogGroup" => json!({
            "properties": {"LogGroupName": {"type": "string"}, "Arn": {"type": "string"}},
            "readOnlyProperties": ["/properties/Arn"]
        }),
        _ => return None,
    };
    Some(TypeInfo {
        shape: type_shape(type_name, &schema),
        attributes: vec!["Arn".into()],
    })
}

fn write(t: Json) -> Result<StackCode, String> {
    let target = StackTarget {
        stack_name: "legacy",
        fn_name: "legacy",
        origin: "legacy.yaml",
        suppress: &BTreeMap::new(),
    };
    cfn_stack(&t, &target, &types)
}

#[test]
fn a_template_becomes_typed_code_with_its_names() {
    let code = write(json!({
        "Description": "Orders",
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}, "Subnets": {"Type": "List<String>"}},
        "Conditions": {"Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Resources": {
            "Policy": {"Type": "AWS::Demo::Policy", "Properties": {"Queues": [{"Ref": "Queue"}], "Doc": {"Version": "1"}}},
            "Queue": {"Type": "AWS::Demo::Queue", "DeletionPolicy": "Retain", "Condition": "Prod",
                      "Properties": {"QueueName": {"Fn::Sub": "${Env}-orders"}, "Mode": "FAST", "Subnets": {"Ref": "Subnets"}}},
            "Hook": {"Type": "Custom::Hook", "Properties": {"Target": {"Fn::GetAtt": ["Queue", "Arn"]}}}
        },
        "Outputs": {"QueueArn": {"Value": {"Fn::GetAtt": "Queue.Arn"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-q"}}}}
    }))
    .unwrap();
    // Compared without the line breaks layout adds.
    let flat = |s: &str| {
        s.split_whitespace()
            .collect::<String>()
            .replace(",)", ")")
            .replace(",]", "]")
            .replace(",}", "}")
    };
    let c = &flat(&code.code);
    // Dependencies first, whatever the template's order.
    assert!(
        c.find("\"Queue\"").unwrap() < c.find("\"Policy\"").unwrap(),
        "{c}"
    );
    for want in [
        "let env = CfnParameter::new(&mut s, \"Env\", CfnParameterProps { default: Some(\"dev\".into()), ..Default::default() })?;",
        "let prod = CfnCondition::new(&mut s, \"Prod\", CondExpr::Equals(env.clone(), \"prod\".into()))?;",
        "let queue = s.add_resource(\"Queue\", demo::CfnQueue { queue_name: Some(Value::sub(\"${Env}-orders\")), mode: Some(demo::queue::Mode::Fast), ..Default::default() })?;",
        "s.set_property(queue.node(), \"Subnets\", subnets.clone())?;",
        "s.options(queue.node())?.deletion_policy = Some(DeletionPolicy::Retain);",
        "s.set_condition(queue.node(), prod)?;",
        "s.add_resource(\"Policy\", demo::CfnPolicy { doc: Some(Value::map([(\"Version\", \"1\".into())])), ..demo::CfnPolicy::new(vec![queue.reference()]) })?;",
        "s.add_raw_resource(\"Hook\", CfnRaw::new(\"Custom::Hook\", vec![(\"Target\", queue.attr_arn())]))?;",
        "CfnOutput::set_export(&mut s, queue_arn_output, Value::sub(\"${AWS::StackName}-q\"))?;",
        "logical_ids: LogicalIds::ConstructIds",
        "use meshsynth::aws::cfn::{demo};",
    ] {
        assert!(c.contains(&flat(want)), "missing {want}\n{}", code.code);
    }
    assert_eq!(code.features, ["aws-demo".to_string()].into());
    assert!(
        code.notes
            .iter()
            .any(|n| n.contains("Resources.Queue.Properties.Subnets is set as a value")),
        "{:?}",
        code.notes
    );
    assert!(code
        .notes
        .iter()
        .any(|n| n.contains("Resources.Hook (Custom::Hook) is a CfnRaw")));
}

#[test]
fn what_cannot_be_written_is_refused_with_its_place() {
    for (t, want) in [
        (json!({"Resources": {}}), "Resources is missing or empty"),
        (
            json!({"Resources": {"A": {"Type": "AWS::Demo::Queue", "Properties": {"QueueName": {"Ref": "Nope"}}}}}),
            "Resources.A.Properties.QueueName: Ref Nope names no parameter",
        ),
        (
            json!({"Resources": {"A": {"Type": "AWS::Demo::Queue", "DependsOn": "A"}}}),
            "refers to itself",
        ),
        (
            json!({"Resources": {"A": {"Type": "AWS::Demo::Queue", "Properties": {"QueueName": {"Fn::GetAtt": "B.Arn"}}},
                              "B": {"Type": "AWS::Demo::Queue", "Properties": {"QueueName": {"Fn::GetAtt": "A.Arn"}}}}}),
            "cycle",
        ),
        (
            json!({"Bogus": {}, "Resources": {"A": {"Type": "AWS::Demo::Queue"}}}),
            "unknown section \"Bogus\"",
        ),
        (
            json!({"Resources": {"A": {"Type": "AWS::Demo::Queue", "Properties": {"QueueName": null}}}}),
            "is null",
        ),
        (
            json!({"Resources": {"A": {"Type": "AWS::Demo::Queue", "Version": "1.0", "Bogus": 1}}}),
            "unknown resource attribute \"Bogus\"",
        ),
    ] {
        let e = write(t).unwrap_err();
        assert!(e.contains(want), "{e}");
    }
}

#[test]
fn stack_names_come_from_paths_and_stay_unique() {
    let mut taken = BTreeSet::new();
    assert_eq!(
        names_for("EC2/web_server.yaml", &mut taken),
        ("ec2-web-server".into(), "ec2_web_server".into())
    );
    assert_eq!(
        names_for("EC2/web-server.json", &mut taken),
        ("ec2-web-server-2".into(), "ec2_web_server_2".into())
    );
    assert_eq!(
        names_for("3d.yaml", &mut taken),
        ("stack-3d".into(), "stack_3d".into())
    );
}

#[test]
fn meshsynths_own_suppressions_become_suppressions_in_code() {
    let code = write(json!({
        "Resources": {
            "Queue": {"Type": "AWS::Demo::Queue", "Properties": {"QueueName": "q"},
                      "Metadata": {
                          "meshsynth:suppressions": [
                              {"rule": "CKV_AWS_27", "reason": "AWS-owned key, \"by design\""},
                              {"rule": "", "reason": "an entry without a rule is dropped"}
                          ],
                          "checkov": {"skip": [{"id": "CKV_AWS_27", "comment": "AWS-owned key"}]},
                          "Owner": "team-a"
                      }},
            "Other": {"Type": "AWS::Demo::Queue", "Metadata": {"meshsynth:suppressions": []}}
        }
    }))
    .unwrap();
    let c = &code.code;
    assert!(
        c.contains(
            r#"s.suppress_node(queue.node(), "CKV_AWS_27", "AWS-owned key, \"by design\"")?;"#
        ),
        "{c}"
    );
    assert_eq!(c.matches("suppress_node").count(), 1, "{c}");
    // The rest of the metadata stays; Other's is left empty, so not written.
    assert!(c.contains("\"Owner\""), "{c}");
    assert!(!c.contains("meshsynth:suppressions"), "{c}");
    assert_eq!(c.matches("set_resource_attribute").count(), 1, "{c}");
}

#[test]
fn a_service_meshsynth_always_compiles_names_no_feature() {
    let code = write(json!({"Resources": {
        "Events": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "e"}},
        "Queue": {"Type": "AWS::Demo::Queue"}
    }}))
    .unwrap();
    assert!(code.code.contains("logs::CfnLogGroup"), "{}", code.code);
    assert_eq!(code.features, ["aws-demo".to_string()].into());
}
