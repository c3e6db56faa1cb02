//! The generated CRD types (`meshsynth::k8s::crd::types`, features `crd-*`)
//! read and write every kind: an object built from each schema's required
//! fields, and the custom objects of the real-shape fixtures, come back as
//! the same JSON.

use meshsynth::k8s::crd::{types, versions};
use serde_json::{json, Map, Value};

/// The smallest value a schema accepts structurally: required fields only.
fn minimal(schema: &Value, depth: usize) -> Value {
    if depth > 32 {
        return json!({});
    }
    if schema.get("x-kubernetes-int-or-string") == Some(&json!(true)) {
        return json!(1);
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => json!("x"),
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([minimal(
            schema.get("items").unwrap_or(&json!({})),
            depth + 1
        )]),
        Some("object") => {
            let mut out = Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = r.as_str().unwrap();
                if let Some(sub) = props.and_then(|p| p.get(name)) {
                    out.insert(name.to_string(), minimal(sub, depth + 1));
                }
            }
            Value::Object(out)
        }
        _ => json!({}),
    }
}

/// JSON equality with numbers compared by value (`10` and `10.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn every_served_version_of_every_kind_round_trips() {
    let mut kinds = 0;
    for v in versions().iter().filter(|v| v.served) {
        let mut object = minimal(&v.schema(), 0);
        let map = object.as_object_mut().unwrap();
        map.remove("apiVersion");
        map.remove("kind");
        map.remove("metadata");
        let mut full = Map::new();
        full.insert("apiVersion".into(), json!(v.api_version()));
        full.insert("kind".into(), json!(v.kind));
        full.insert("metadata".into(), json!({"name": "x"}));
        full.extend(map.clone());
        let object = Value::Object(full);
        let back = types::round_trip(&object)
            .unwrap_or_else(|| panic!("{} {} is not generated", v.api_version(), v.kind))
            .unwrap_or_else(|e| panic!("{} {}: {e}\n{object}", v.api_version(), v.kind));
        assert!(
            same(&back, &object),
            "{} {}:\n{object}\n{back}",
            v.api_version(),
            v.kind
        );
        kinds += 1;
    }
    assert_eq!(kinds, 75, "every served version");
}

#[test]
fn the_real_shape_fixtures_round_trip() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/analyze/real-shapes");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let object: Value = serde::Deserialize::deserialize(doc).unwrap();
            let Some(back) = types::round_trip(&object) else {
                continue;
            };
            let back = back.unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            assert!(
                same(&back, &object),
                "{}:\n{object}\n{back}",
                entry.path().display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} custom objects");
}

/// A kind no construct models, written with the generated types and added
/// like any object: it is emitted as typed, and checked against its CRD.
#[test]
fn a_generated_kind_is_written_typed_and_checked_at_synth() {
    use meshsynth::k8s::crd::types::gateway_api::gateway_v1::{
        HTTPRoute, HTTPRouteSpec, HTTPRouteSpecParentRefs, HTTPRouteSpecRules,
        HTTPRouteSpecRulesBackendRefs,
    };
    use meshsynth::testing::synth_app;
    use meshsynth::{App, Chart, ChartProps, Error};

    let build = |port: i32| {
        move |app: &mut App| -> Result<(), Error> {
            let chart = Chart::new(
                &mut app.root(),
                "Edge",
                ChartProps::new("prod").namespace("default"),
            )?;
            let mut c = app.scope(chart.node())?;
            // The Gateway and the Service the route names are another
            // app's; the analyzers would say they are missing.
            c.suppress("MS-GW-1", "the Gateway is the edge team's")?;
            c.suppress("MS-GW-4", "the shop Service is deployed apart")?;
            let route = HTTPRoute {
                metadata: meshsynth::k8s::crd::types::ObjectMeta {
                    name: Some("shop".into()),
                    ..Default::default()
                },
                spec: HTTPRouteSpec {
                    parent_refs: Some(vec![HTTPRouteSpecParentRefs {
                        name: "public".into(),
                        ..Default::default()
                    }]),
                    rules: Some(vec![HTTPRouteSpecRules {
                        backend_refs: Some(vec![HTTPRouteSpecRulesBackendRefs {
                            name: "shop".into(),
                            port: Some(port),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }]),
                    ..Default::default()
                },
                status: None,
            };
            meshsynth::k8s::add_object(&mut c, "Route", route)?;
            Ok(())
        }
    };
    let out = synth_app(build(8080), &[]).expect("a valid route synthesizes");
    out.object_in("HTTPRoute", "default", "shop").has(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "spec": {"parentRefs": [{"name": "public"}], "rules": [{"backendRefs": [{"name": "shop", "port": 8080}]}]}
    }));
    let err = synth_app(build(70000), &[])
        .err()
        .expect("the CRD refuses port 70000");
    let text = err.to_string();
    assert!(
        text.contains("MS-CRD-1") || text.contains("error(s)"),
        "{text}"
    );
    let Error::Diagnostics(found) = err else {
        panic!("{text}")
    };
    assert!(
        found.iter().any(|d| d.path == "Edge/Route"
            && d.message.contains(
                "spec.rules[0].backendRefs[0].port: 70000 is greater than the maximum 65535"
            )),
        "{found:?}"
    );
}
