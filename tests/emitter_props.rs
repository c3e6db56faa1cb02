//! The emitter's contract, proved over arbitrary input: every YAML document
//! meshsynth writes parses back, with the YAML 1.1-style parser the project
//! uses (serde_yaml over libyaml, which treats U+2028, U+2029 and NEL as line
//! breaks) and with an independent YAML 1.2 parser (yaml-rust2), to exactly
//! one document holding exactly the input. The same holds for the JSON form
//! and for CloudFormation templates rendered as YAML and read back by the
//! assembly loader.

use meshsynth::emit::cfn::{ResourceEntry, TemplateFormat, TemplateModel};
use meshsynth::emit::yaml::to_yaml;
use proptest::prelude::*;
use serde_json::{Map, Value as Json};
use yaml_rust2::{Yaml, YamlLoader};

/// Characters that have broken YAML emitters: line breaks of either YAML
/// version, indicators, quotes, escapes, the BOM and non-characters.
const TRICKY: &[char] = &[
    '\n',
    '\r',
    '\t',
    '\u{0}',
    '\u{7}',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{10ffff}',
    ':',
    '#',
    '-',
    '?',
    ',',
    '[',
    ']',
    '{',
    '}',
    '&',
    '*',
    '!',
    '|',
    '>',
    '\'',
    '"',
    '%',
    '@',
    '`',
    '\\',
    ' ',
    '.',
    '_',
    '+',
    '~',
    '=',
    '<',
    '0',
    '1',
    'e',
    'E',
    'x',
    'o',
    'y',
    'n',
];

fn tricky_string() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        3 => proptest::sample::select(TRICKY),
        1 => any::<char>(),
        2 => proptest::char::range('a', 'z'),
    ];
    prop_oneof![
        8 => proptest::collection::vec(ch, 0..24).prop_map(|v| v.into_iter().collect()),
        // Words YAML resolvers give a meaning: booleans, nulls, numbers.
        2 => proptest::sample::select(&[
            "yes", "No", "ON", "off", "y", "~", "null", "NULL", "<<", "=", "0755", "0o17", "0x1F",
            "1e3", "1_000", "12:30", "._5", "+_1", "._", ".inf", "-.Inf", ".NaN", "2024-01-01",
            "1.", "-", "---", "...", "- a", "? b", "a: b", "#c", " x", "x ", "",
        ][..]).prop_map(str::to_string),
    ]
}

fn long_key() -> impl Strategy<Value = String> {
    (
        1020usize..1100,
        proptest::sample::select(&['k', '\u{e9}', '\''][..]),
    )
        .prop_map(|(n, c)| std::iter::repeat_n(c, n).collect())
}

fn number() -> impl Strategy<Value = Json> {
    prop_oneof![
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        proptest::sample::select(&[1e300, -1e-300, 1.5e22, 0.1, 5e-324][..]).prop_map(Json::from),
    ]
}

fn tree() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        number(),
        tricky_string().prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            proptest::collection::vec(
                (prop_oneof![8 => tricky_string(), 1 => long_key()], inner),
                0..5
            )
            .prop_map(|kv| Json::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// yaml-rust2's tree as JSON, so both readers are compared with the input.
fn yaml12_to_json(y: &Yaml) -> Json {
    match y {
        Yaml::Null => Json::Null,
        Yaml::Boolean(b) => Json::Bool(*b),
        Yaml::Integer(i) => Json::from(*i),
        Yaml::Real(r) => {
            let f: f64 = r.parse().expect("a real yaml-rust2 accepted parses");
            serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
        }
        Yaml::String(s) => Json::String(s.clone()),
        Yaml::Array(a) => Json::Array(a.iter().map(yaml12_to_json).collect()),
        Yaml::Hash(h) => Json::Object(
            h.iter()
                .map(|(k, v)| {
                    let k = match k {
                        Yaml::String(s) => s.clone(),
                        other => panic!("a key read back as a non-string: {other:?}"),
                    };
                    (k, yaml12_to_json(v))
                })
                .collect(),
        ),
        other => panic!("unexpected node {other:?}"),
    }
}

/// Integers beyond i64 are floats to a YAML 1.2 reader that stores i64;
/// compare them as the f64 they are.
fn comparable(v: &Json) -> Json {
    match v {
        Json::Number(n) if n.is_u64() && n.as_i64().is_none() => {
            serde_json::Number::from_f64(n.as_f64().unwrap()).map_or(Json::Null, Json::Number)
        }
        Json::Array(a) => Json::Array(a.iter().map(comparable).collect()),
        Json::Object(m) => {
            Json::Object(m.iter().map(|(k, v)| (k.clone(), comparable(v))).collect())
        }
        other => other.clone(),
    }
}

fn check_yaml(input: &Json) -> Result<(), TestCaseError> {
    let text = to_yaml(input);
    // YAML 1.1-style reader (the project's own loader reads with it).
    let mut docs = Vec::new();
    for d in serde_yaml::Deserializer::from_str(&text) {
        let v: Json = serde::Deserialize::deserialize(d)
            .map_err(|e| TestCaseError::fail(format!("serde_yaml: {e}\n{text}")))?;
        docs.push(v);
    }
    prop_assert_eq!(docs.len(), 1, "serde_yaml documents in\n{}", text);
    prop_assert_eq!(&docs[0], input, "serde_yaml read back\n{}", text);
    // The budgeted reader every command uses reads it the same.
    let docs = meshsynth::untrusted::YamlReader::for_input(text.len())
        .documents(&text)
        .map_err(|e| TestCaseError::fail(format!("YamlReader: {e}\n{text}")))?;
    prop_assert_eq!(docs.len(), 1, "YamlReader documents in\n{}", text);
    let back = meshsynth::untrusted::yaml::to_json(docs.into_iter().next().unwrap())
        .map_err(|e| TestCaseError::fail(format!("to_json: {e}\n{text}")))?;
    prop_assert!(
        back == *input || back == comparable(input),
        "YamlReader read back {} for\n{}",
        back,
        text
    );
    // Independent YAML 1.2 reader.
    let docs = YamlLoader::load_from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("yaml-rust2: {e}\n{text}")))?;
    prop_assert_eq!(docs.len(), 1, "yaml-rust2 documents in\n{}", text);
    let back = yaml12_to_json(&docs[0]);
    let u64_as_float = comparable(input);
    prop_assert!(
        back == *input || back == u64_as_float,
        "yaml-rust2 read back {} for\n{}",
        back,
        text
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn every_yaml_document_reads_back_as_its_input(input in tree()) {
        check_yaml(&input)?;
    }

    #[test]
    fn every_string_value_and_key_reads_back(key in prop_oneof![4 => tricky_string(), 1 => long_key()], value in tricky_string()) {
        let mut m = Map::new();
        m.insert(key, Json::String(value.clone()));
        check_yaml(&Json::Object(m))?;
        // Inside a sequence and nested, where indentation differs.
        check_yaml(&serde_json::json!({"a": [{"b": value.clone()}], "c": [[value]]}))?;
    }

    #[test]
    fn the_json_form_reads_back(input in tree()) {
        let bytes = meshsynth::emit::to_json_bytes(&input);
        let text = String::from_utf8(bytes).unwrap();
        // serde_json reads floats to within one ulp (without its
        // float_roundtrip feature); the YAML 1.2 reader parses them exactly.
        let docs = YamlLoader::load_from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("yaml-rust2: {e}\n{text}")))?;
        prop_assert_eq!(docs.len(), 1);
        let back = yaml12_to_json(&docs[0]);
        prop_assert!(back == input || back == comparable(&input), "read back {} for\n{}", back, text);
    }

    #[test]
    fn cloudformation_yaml_reads_back_through_the_assembly_loader(props in proptest::collection::vec((tricky_string(), tree()), 0..4), description in tricky_string()) {
        let properties: Map<String, Json> = props.into_iter().collect();
        let model = TemplateModel {
            description: Some(description),
            resources: vec![ResourceEntry {
                logical_id: "Topic".into(),
                cfn_type: "AWS::SNS::Topic".into(),
                properties,
                depends_on: Vec::new(),
                condition: None,
                deletion_policy: None,
                update_replace_policy: None,
                metadata: Default::default(),
            }],
            ..TemplateModel::default()
        };
        let yaml = model.render(TemplateFormat::Yaml);
        let back = meshsynth::assembly::parse_template("t.template.yaml", &yaml)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&yaml))))?;
        prop_assert_eq!(back, model.to_json());
    }
}

#[test]
fn the_reported_injections_stay_inside_their_value() {
    // A certificate ARN with U+2028 once added Ingress annotations.
    let arn = "arn:aws:acm:eu-west-1:1:certificate/x\u{2028}alb.ingress.kubernetes.io/inbound-cidrs: 0.0.0.0/0";
    for v in [
        arn.to_string(),
        arn.replace('\u{2028}', "\u{2029}"),
        arn.replace('\u{2028}', "\u{85}"),
        arn.replace('\u{2028}', "\u{fffe}"),
    ] {
        let input = serde_json::json!({"metadata": {"annotations": {"cert": v}}});
        check_yaml(&input).unwrap();
        let text = to_yaml(&input);
        assert!(
            !text.contains('\u{2028}') && !text.contains('\u{2029}'),
            "{text}"
        );
        assert!(
            !text.contains('\u{85}') && !text.contains('\u{fffe}'),
            "{text}"
        );
    }
    // Keys over 1,024 characters use the explicit form.
    let key = "k".repeat(1500);
    let text = to_yaml(&serde_json::json!({ key.clone(): {"a": 1} }));
    assert!(text.starts_with("? "), "{text}");
    // Floats read the same to YAML 1.1 (PyYAML needs a dot and a signed exponent).
    assert_eq!(to_yaml(&serde_json::json!({"f": 1e300})), "f: 1.0e+300\n");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Whatever the shape of the aliasing (anchor size, aliases per level,
    /// levels), the reader either reads the text or refuses it for its
    /// budget: it never materializes more than the budget allows.
    #[test]
    fn aliases_never_pass_the_budget(width in 1usize..200, fan in 1usize..60, levels in 1usize..6) {
        let mut text = format!("l0: &l0 [{}]\n", vec!["x"; width].join(","));
        for i in 1..levels {
            text.push_str(&format!("l{i}: &l{i} [{}]\n", vec![format!("*l{}", i - 1); fan].join(",")));
        }
        let budget = 10_000;
        match meshsynth::untrusted::YamlReader::with_budget(budget, 1 << 20).document(&text) {
            Ok(v) => prop_assert!(count(&v) <= budget, "{} nodes", count(&v)),
            Err(meshsynth::untrusted::YamlError::OverBudget { .. }) => {}
            Err(meshsynth::untrusted::YamlError::Syntax(e)) => {
                // serde_yaml's own repetition limit may come first.
                prop_assert!(e.to_string().contains("repetition limit"), "{}", e);
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}

fn count(v: &serde_yaml::Value) -> usize {
    use serde_yaml::Value as Y;
    1 + match v {
        Y::Sequence(s) => s.iter().map(count).sum(),
        Y::Mapping(m) => m.iter().map(|(k, v)| count(k) + count(v)).sum(),
        Y::Tagged(t) => count(&t.value),
        _ => 0,
    }
}
