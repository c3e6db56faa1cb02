use super::*;

fn kind(kind: &str, version: &str, schema: Json) -> KindVersion {
    KindVersion {
        project: "demo-1.0".into(),
        group: "demo.example.com".into(),
        kind: kind.into(),
        plural: format!("{}s", kind.to_ascii_lowercase()),
        namespaced: true,
        version: version.into(),
        schema,
    }
}

/// Each kind compiles under its own feature; a part two kinds share
/// compiles under either; a version that re-exports another's parts
/// turns them on under its kind's feature.
#[test]
fn every_item_is_gated_by_the_kinds_that_use_it() {
    let shared = serde_json::json!({"type": "object", "properties": {"port": {"type": "integer"}}});
    let a = serde_json::json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {"target": shared, "only": {"type": "object", "properties": {"x": {"type": "string"}}}}}}});
    let b = serde_json::json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {"target": shared}}}});
    let kinds = vec![
        kind("Alpha", "v1", a.clone()),
        kind("Beta", "v1", b),
        kind("Alpha", "v2", a),
    ];
    let (module, text, features) = generate_project("demo-1.0", &kinds).unwrap();
    assert_eq!(module, "demo");
    assert_eq!(
        features.into_iter().collect::<Vec<_>>(),
        ["demo-alpha", "demo-beta"]
    );
    let gate_of = |item: &str| {
        let at = text
            .find(item)
            .unwrap_or_else(|| panic!("{item} in\n{text}"));
        let before = &text[..at];
        let line = before
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with("#[cfg("))
            .unwrap();
        line.trim().to_string()
    };
    assert_eq!(
        gate_of("pub struct AlphaSpecOnly "),
        "#[cfg(feature = \"demo-alpha\")]"
    );
    assert_eq!(
        gate_of("pub struct Beta "),
        "#[cfg(feature = \"demo-beta\")]"
    );
    // The shared shape: made for Alpha, aliased for Beta.
    assert_eq!(
        gate_of("pub struct AlphaSpecTarget "),
        "#[cfg(any(feature = \"demo-alpha\", feature = \"demo-beta\"))]"
    );
    // v2 re-exports v1's parts under Alpha's feature.
    assert!(
        text.contains("#[cfg(feature = \"demo-alpha\")]\n    pub use super::demo_v1::{"),
        "{text}"
    );
}

/// A legacy snake_case spelling beside a camelCase field (Istio's
/// `jwks_uri`/`jwksUri`) leaves the plain name to the camelCase one,
/// whichever the CRD lists first.
#[test]
fn the_camel_case_field_keeps_the_plain_name() {
    let schema = serde_json::json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "jwks_uri": {"type": "string"}, "jwksUri": {"type": "string"}}}}});
    let (_, text, _) = generate_project("demo-1.0", &[kind("Alpha", "v1", schema)]).unwrap();
    assert!(
        text.contains("#[serde(rename = \"jwksUri\", default, skip_serializing_if = \"Option::is_none\")]\n        pub jwks_uri: Option<String>,"),
        "{text}"
    );
    assert!(
        text.contains("#[serde(rename = \"jwks_uri\", default, skip_serializing_if = \"Option::is_none\")]\n        pub jwks_uri_: Option<String>,"),
        "{text}"
    );
}

#[test]
fn names() {
    assert_eq!(field_name("consecutive5xxErrors"), "consecutive5xx_errors");
    assert_eq!(field_name("type"), "r#type");
    assert_eq!(field_name("x-forwarded-for"), "x_forwarded_for");
    assert_eq!(field_name("HTTPRoute"), "http_route");
    assert_eq!(field_name("self"), "self_");
    assert_eq!(type_segment("allowedRoutes"), "AllowedRoutes");
    assert_eq!(variant("PathPrefix").as_deref(), Some("PathPrefix"));
    assert_eq!(variant("=~"), None);
    assert_eq!(variant("ISTIO_MUTUAL").as_deref(), Some("IstioMutual"));
    assert_eq!(variant("STRICT").as_deref(), Some("Strict"));
    assert_eq!(variant("TLSV1_2").as_deref(), Some("Tlsv12"));
    assert_eq!(project_module("istio-1.28.10"), "istio");
    assert_eq!(
        project_module("gateway-api-v1.6.1/experimental"),
        "gateway_api"
    );
    assert_eq!(
        project_module("prometheus-operator-v0.93.0"),
        "prometheus_operator"
    );
    assert_eq!(
        version_module("gateway.networking.x-k8s.io", "v1alpha1"),
        "gateway_x_v1alpha1"
    );
}
