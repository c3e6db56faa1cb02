//! What typed code needs to write any template: parameters, conditions and
//! outputs under the names the template gives them (`override_logical_id`),
//! a conditional output, parameter constraints, `Mappings` read with
//! `Fn::FindInMap`, `Transform`, `Rules`, template `Metadata`, and the
//! resource attributes with no typed option (`UpdatePolicy`,
//! `CreationPolicy`). `meshsynth import` writes code with them.

use indexmap::IndexMap;
use meshsynth::core::{
    App, CfnCondition, CfnOutput, CfnOutputProps, CfnParameter, CfnParameterProps, CfnRaw,
    CondExpr, Context, Env, Pseudo, Stack, StackProps, TagStyle, TemplateSections, Value,
};
use meshsynth::synth::{synth, SynthOptions};
use serde_json::{json, Value as Json};

#[test]
fn typed_code_writes_every_section_under_the_template_names() {
    let mut app = App::new(Context::new());
    let stack = Stack::new(
        &mut app.root(),
        "legacy",
        StackProps {
            env: Env::new("123456789012", "eu-west-1"),
            ..Default::default()
        },
    )
    .unwrap();
    let mut s = app.scope(stack.node()).unwrap();
    let env = CfnParameter::new(
        &mut s,
        "Env",
        CfnParameterProps {
            default: Some("dev".into()),
            allowed_pattern: Some("[a-z]+".into()),
            constraint_description: Some("lower-case letters".into()),
            min_length: Some(2),
            max_length: Some(8),
            ..Default::default()
        },
    )
    .unwrap();
    let Value::Ref(env_node) = env.clone() else {
        panic!()
    };
    s.override_logical_id(env_node, "EnvName").unwrap();
    let prod =
        CfnCondition::new(&mut s, "Prod", CondExpr::Equals(env.clone(), "prod".into())).unwrap();
    s.override_logical_id(prod, "IsProd").unwrap();
    let mut sizes = IndexMap::new();
    sizes.insert(
        "Sizes".to_string(),
        Value::try_from(&json!({"dev": {"Count": 1}, "prod": {"Count": 3}})).unwrap(),
    );
    TemplateSections {
        transform: Some("AWS::LanguageExtensions".into()),
        mappings: sizes,
        ..Default::default()
    }
    .add_to(&mut s)
    .unwrap();
    let mut props = IndexMap::new();
    props.insert(
        "RetentionInDays".to_string(),
        Value::find_in_map("Sizes", env.clone(), "Count".into()),
    );
    let logs = s
        .add_raw_resource(
            "Logs",
            CfnRaw {
                type_name: "AWS::Logs::LogGroup".into(),
                properties: props,
                tags: TagStyle::List,
            },
        )
        .unwrap();
    s.override_logical_id(logs, "Logs").unwrap();
    s.set_condition(logs, prod).unwrap();
    s.set_resource_attribute(
        logs,
        "UpdatePolicy",
        Value::try_from(&json!({"AutoScalingReplacingUpdate": {"WillReplace": true}})).unwrap(),
    )
    .unwrap();
    assert!(s
        .set_resource_attribute(logs, "DependsOn", Value::Bool(true))
        .is_err());
    let out = CfnOutput::new(
        &mut s,
        "Out",
        CfnOutputProps {
            value: Value::Pseudo(Pseudo::StackName),
            description: Some("the stack".into()),
            export_name: None,
        },
    )
    .unwrap();
    s.override_logical_id(out, "StackNameOut").unwrap();
    s.set_condition(out, prod).unwrap();
    let synth = synth(app, &SynthOptions::default());
    // The log group is unencrypted and unretained: findings, not errors of this test.
    let files = match synth {
        Ok(s) => s.assembly.files,
        Err(e) => panic!("{e}"),
    };
    let (_, t) = files
        .iter()
        .find(|(f, _)| f == "legacy.template.json")
        .unwrap();
    let t: Json = serde_json::from_slice(t).unwrap();
    assert_eq!(t["Transform"], "AWS::LanguageExtensions");
    assert_eq!(t["Mappings"]["Sizes"]["prod"]["Count"], 3);
    assert_eq!(
        t["Parameters"]["EnvName"],
        json!({"Type": "String", "Default": "dev", "AllowedPattern": "[a-z]+",
               "ConstraintDescription": "lower-case letters", "MinLength": 2, "MaxLength": 8})
    );
    assert_eq!(
        t["Conditions"]["IsProd"],
        json!({"Fn::Equals": [{"Ref": "EnvName"}, "prod"]})
    );
    let logs = &t["Resources"]["Logs"];
    assert_eq!(logs["Condition"], "IsProd");
    assert_eq!(
        logs["UpdatePolicy"]["AutoScalingReplacingUpdate"]["WillReplace"],
        true
    );
    assert_eq!(
        logs["Properties"]["RetentionInDays"],
        json!({"Fn::FindInMap": ["Sizes", {"Ref": "EnvName"}, "Count"]})
    );
    assert_eq!(
        t["Outputs"]["StackNameOut"],
        json!({"Description": "the stack", "Value": {"Ref": "AWS::StackName"}, "Condition": "IsProd"})
    );
}
