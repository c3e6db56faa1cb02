//! The typed reader side by side with the stack it replaced
//! (`serde_path_to_error` over `serde_ignored` over serde_json's value
//! deserializer): on the repository's real objects and thousands of
//! mutations of them, both must agree on the value read, the error and its
//! path, and the unknown fields.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::{read, FieldPath, Segment};

/// serde_ignored's path as `core::object` wrote it before.
fn ignored_path(p: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => {
            let head = ignored_path(parent);
            if head.is_empty() {
                key.clone()
            } else {
                format!("{head}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// What a read came to, in a form both readers give.
#[derive(Debug, PartialEq)]
enum Outcome {
    Read(Value, Vec<String>),
    Failed {
        path: String,
        segments: Vec<Segment>,
        message: String,
        unknown: Vec<String>,
    },
}

fn old<T: DeserializeOwned + Serialize>(json: &Value) -> Outcome {
    let mut unknown = Vec::new();
    let mut note = |p: serde_ignored::Path<'_>| unknown.push(ignored_path(&p));
    let de = serde_ignored::Deserializer::new(json, &mut note);
    let r: Result<T, _> = serde_path_to_error::deserialize(de);
    match r {
        Ok(t) => Outcome::Read(serde_json::to_value(t).unwrap(), unknown),
        Err(e) => Outcome::Failed {
            path: e.path().to_string(),
            segments: e
                .path()
                .iter()
                .map(|s| match s {
                    serde_path_to_error::Segment::Seq { index } => Segment::Index(*index),
                    serde_path_to_error::Segment::Map { key } => Segment::Key(key.clone()),
                    serde_path_to_error::Segment::Enum { variant } => {
                        Segment::Variant(variant.clone())
                    }
                    serde_path_to_error::Segment::Unknown => Segment::Unknown,
                })
                .collect(),
            message: e.inner().to_string(),
            unknown,
        },
    }
}

fn new<T: DeserializeOwned + Serialize>(json: &Value) -> Outcome {
    let mut unknown = Vec::new();
    match read::<T>(json, Some(&mut unknown)) {
        Ok(t) => Outcome::Read(serde_json::to_value(t).unwrap(), unknown),
        Err(e) => Outcome::Failed {
            path: e.path().to_string(),
            segments: e.path().segments().to_vec(),
            message: e.inner().to_string(),
            unknown,
        },
    }
}

/// Both readers on `json` as a `T`; the count of failed reads.
fn same<T: DeserializeOwned + Serialize>(json: &Value, what: &str) -> usize {
    let (a, b) = (old::<T>(json), new::<T>(json));
    assert_eq!(a, b, "{what}: {json}");
    usize::from(matches!(b, Outcome::Failed { .. }))
}

/// Compares the readers for the type of `kind` (`None`: not one tested).
fn compare(kind: &str, json: &Value, what: &str) -> Option<usize> {
    use crate::mesh::istio::networking as net;
    use crate::mesh::istio::security as sec;
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core};
    Some(match kind {
        "Deployment" => same::<apps::Deployment>(json, what),
        "StatefulSet" => same::<apps::StatefulSet>(json, what),
        "DaemonSet" => same::<apps::DaemonSet>(json, what),
        "Service" => same::<core::Service>(json, what),
        "Pod" => same::<core::Pod>(json, what),
        "Namespace" => same::<core::Namespace>(json, what),
        "Secret" => same::<core::Secret>(json, what),
        "ServiceAccount" => same::<core::ServiceAccount>(json, what),
        "ConfigMap" => same::<core::ConfigMap>(json, what),
        "Ingress" => same::<k8s_openapi::api::networking::v1::Ingress>(json, what),
        "HorizontalPodAutoscaler" => {
            same::<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>(json, what)
        }
        "PodDisruptionBudget" => {
            same::<k8s_openapi::api::policy::v1::PodDisruptionBudget>(json, what)
        }
        "Gateway" => same::<net::Gateway>(json, what),
        "VirtualService" => same::<net::VirtualService>(json, what),
        "DestinationRule" => same::<net::DestinationRule>(json, what),
        "ServiceEntry" => same::<net::ServiceEntry>(json, what),
        "WorkloadEntry" => same::<net::WorkloadEntry>(json, what),
        "Sidecar" => same::<net::Sidecar>(json, what),
        "EnvoyFilter" => same::<net::EnvoyFilter>(json, what),
        "PeerAuthentication" => same::<sec::PeerAuthentication>(json, what),
        "AuthorizationPolicy" => same::<sec::AuthorizationPolicy>(json, what),
        "RequestAuthentication" => same::<sec::RequestAuthentication>(json, what),
        "Telemetry" => same::<crate::mesh::istio::telemetry::Telemetry>(json, what),
        "Rollout" => same::<crate::mesh::rollouts::Rollout>(json, what),
        _ => return None,
    })
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// The objects of the repository's YAML fixtures.
fn objects() -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let Ok(v) = <Value as serde::Deserialize>::deserialize(doc) else {
                break;
            };
            if v.get("kind").and_then(Value::as_str).is_some() {
                out.push((f.display().to_string(), v));
            }
        }
    }
    out
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Every place of `v`, as steps from the root (keys and indices).
fn places(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                at.push(json!(k));
                places(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(json!(i));
                places(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'v>(mut v: &'v mut Value, steps: &[Value]) -> &'v mut Value {
    for s in steps {
        v = match s {
            Value::String(k) => &mut v[k.as_str()],
            _ => &mut v[s.as_u64().unwrap() as usize],
        };
    }
    v
}

/// One random change: a value of another type, an unknown field, a field
/// or an element removed.
fn mutate(v: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    places(v, &mut Vec::new(), &mut all);
    let steps = &all[rng.below(all.len())];
    let node = at_mut(v, steps);
    let replacements = [
        json!("x"),
        json!(7),
        json!(-3),
        json!(1.5),
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
        json!([1, "a"]),
        json!({"zz": 1}),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!("TCP"),
    ];
    match rng.below(replacements.len() + 3) {
        i if i < replacements.len() => *node = replacements[i].clone(),
        i if i == replacements.len() => {
            if let Value::Object(m) = node {
                m.insert("extraField".into(), json!({"a": [1]}));
            }
        }
        i if i == replacements.len() + 1 => match node {
            Value::Object(m) if !m.is_empty() => {
                let k = m.keys().nth(rng.below(m.len())).cloned().unwrap();
                m.shift_remove(&k);
            }
            Value::Array(a) if !a.is_empty() => {
                a.remove(rng.below(a.len()));
            }
            _ => {}
        },
        _ => {
            if let Value::Array(a) = node {
                if let Some(first) = a.first().cloned() {
                    a.push(first);
                }
            }
        }
    }
}

#[test]
fn reads_as_the_stack_it_replaced_on_mutated_real_objects() {
    let objects = objects();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut compared, mut failed) = (0usize, 0usize);
    for (file, original) in &objects {
        let kind = original["kind"].as_str().unwrap_or_default().to_string();
        let Some(f) = compare(&kind, original, file) else {
            continue;
        };
        compared += 1;
        failed += f;
        for round in 0..40 {
            let mut v = original.clone();
            for _ in 0..=rng.below(3) {
                mutate(&mut v, &mut rng);
            }
            let what = format!("{file} ({kind}, mutation {round})");
            compared += 1;
            failed += compare(&kind, &v, &what).unwrap_or(0);
        }
    }
    // Enough objects, and enough failing reads, for the comparison to
    // cover both outcomes.
    eprintln!("compared {compared}, failed {failed}");
    assert!(compared > 5_000, "only {compared} reads compared");
    assert!(
        failed > 1_000 && failed < compared - 1_000,
        "{failed} of {compared} failed"
    );
}

#[test]
fn reads_as_the_stack_it_replaced_on_hand_written_shapes() {
    use crate::mesh::istio::networking::{EnvoyFilter, VirtualService};
    use k8s_openapi::api::core::v1::Service;
    let services = [
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"},
               "spec": {"ports": [{"port": "80"}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": [],
               "spec": {"ports": [{"port": 80, "unknownA": 1}], "unknownB": {"c": 2}}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"labels": {"a": 1}}}),
        json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{}]}}),
        json!({"apiVersion": "v2", "kind": "Service"}),
        json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80,
               "targetPort": 1.5}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80,
               "targetPort": -70000}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "spec": null}),
        json!([1, 2]),
        json!("Service"),
    ];
    for s in &services {
        same::<Service>(s, "service");
    }
    let filters = [
        json!({"apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
               "metadata": {"name": "f"}, "spec": {"configPatches": [{"applyTo": "NOPE"}]}}),
        json!({"apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
               "metadata": {"name": "f"}, "spec": {"configPatches": [{"applyTo": {"A": 1, "B": 2}}]}}),
        json!({"apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
               "metadata": {"name": "f"}, "spec": {"configPatches": [{"applyTo": {"LISTENER": 1}}]}}),
        json!({"apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
               "metadata": {"name": "f"}, "spec": {"configPatches": [{"applyTo": 3}]}}),
    ];
    for f in &filters {
        same::<EnvoyFilter>(f, "envoy filter");
    }
    let routes = json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "r"}, "spec": {"http": [{"route": [{"destination":
        {"host": "a", "port": {"number": "x"}}}]}]}});
    same::<VirtualService>(&routes, "virtual service");
}

#[test]
fn paths_are_written_as_users_write_them() {
    let path = FieldPath(vec![
        Segment::Key("spec".into()),
        Segment::Key("ports".into()),
        Segment::Index(0),
        Segment::Variant("Tcp".into()),
        Segment::Key("port".into()),
    ]);
    assert_eq!(path.to_string(), "spec.ports[0].Tcp.port");
    assert_eq!(FieldPath::default().to_string(), ".");
    assert_eq!(FieldPath(vec![Segment::Index(2)]).to_string(), "[2]");

    let svc = json!({"apiVersion": "v1", "kind": "Service",
        "spec": {"ports": [{"port": 80, "bogus": {"x": 1}}], "other": []}});
    let mut unknown = Vec::new();
    read::<k8s_openapi::api::core::v1::Service>(&svc, Some(&mut unknown)).unwrap();
    assert_eq!(unknown, ["spec.ports[0].bogus", "spec.other"]);
    let bad = json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": "80"}]}});
    let e = read::<k8s_openapi::api::core::v1::Service>(&bad, None).unwrap_err();
    assert_eq!(e.path().to_string(), "spec.ports[0].port");
    assert_eq!(
        e.inner().to_string(),
        "invalid type: string \"80\", expected i32"
    );
}

/// Shapes the Kubernetes kinds do not use, which a type of a user's own
/// (a patch read back) may: enums with data, numeric and bool keys,
/// structs written as lists, unknown fields refused.
#[test]
fn reads_as_the_stack_it_replaced_on_other_serde_shapes() {
    use std::collections::BTreeMap;

    #[derive(serde::Deserialize, Serialize)]
    struct Inner {
        a: u8,
        #[serde(default)]
        b: Option<String>,
    }
    #[derive(serde::Deserialize, Serialize)]
    enum Shape {
        Unit,
        Newtype(Inner),
        Tuple(u8, String),
        Struct { x: i16, inner: Inner },
    }
    #[derive(serde::Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        a: u8,
    }
    #[derive(serde::Deserialize, Serialize)]
    #[serde(untagged)]
    enum Either {
        Number(u32),
        Pair { a: u8, b: u8 },
    }
    #[derive(serde::Deserialize, Serialize)]
    struct Doc {
        #[serde(default)]
        shapes: Vec<Shape>,
        #[serde(default)]
        by_number: BTreeMap<u32, String>,
        #[serde(default)]
        by_flag: BTreeMap<bool, u8>,
        #[serde(default)]
        strict: Option<Strict>,
        #[serde(default)]
        either: Vec<Either>,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        pair: Option<(u8, String)>,
        #[serde(default)]
        unit: (),
        #[serde(default)]
        bytes: Option<serde_bytes_like::Bytes>,
    }
    mod serde_bytes_like {
        /// Bytes as serde reads them (`deserialize_bytes`).
        #[derive(serde::Serialize)]
        pub struct Bytes(pub Vec<u8>);
        impl<'de> serde::Deserialize<'de> for Bytes {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = Bytes;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Bytes, E> {
                        Ok(Bytes(v.as_bytes().to_vec()))
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(
                        self,
                        mut a: A,
                    ) -> Result<Bytes, A::Error> {
                        let mut out = Vec::new();
                        while let Some(b) = a.next_element()? {
                            out.push(b);
                        }
                        Ok(Bytes(out))
                    }
                }
                d.deserialize_bytes(V)
            }
        }
    }
    let docs = [
        json!({"shapes": ["Unit", {"Unit": null}, {"Unit": 1}, {"Newtype": {"a": 1, "zz": 2}},
               {"Tuple": [1, "a"]}, {"Struct": {"x": -1, "inner": {"a": 2, "q": [1]}}}]}),
        json!({"shapes": [{"Newtype": {"a": 1, "zz": 2}},
               {"Struct": {"x": -1, "inner": {"a": 2, "q": [1]}}}, {"Tuple": [1, "b"]}]}),
        json!({"shapes": [{"Struct": {"x": 1, "inner": {"a": 300}}}]}),
        json!({"shapes": [{"Tuple": [1, "a", 3]}]}),
        json!({"shapes": [{"Tuple": []}]}),
        json!({"shapes": [{"Tuple": 5}]}),
        json!({"shapes": ["Tuple"]}),
        json!({"shapes": ["Struct"]}),
        json!({"shapes": ["Newtype"]}),
        json!({"shapes": [{"Struct": [1]}]}),
        json!({"shapes": [{"Unit": null, "Newtype": {}}]}),
        json!({"shapes": [{}]}),
        json!({"shapes": ["Nope"]}),
        json!({"shapes": [4]}),
        json!({"by_number": {"1": "a", "20": "b"}}),
        json!({"by_number": {"x": "a"}}),
        json!({"by_number": {"1.5": "a"}}),
        json!({"by_number": {"-1": "a"}}),
        json!({"by_flag": {"true": 1, "false": 2}}),
        json!({"by_flag": {"yes": 1}}),
        json!({"strict": {"a": 1}}),
        json!({"strict": {"a": 1, "b": 2}}),
        json!({"either": [1, {"a": 1, "b": 2}, {"a": 1}]}),
        json!({"inner": [1, "x"]}),
        json!({"inner": [1, "x", 3]}),
        json!({"inner": []}),
        json!({"pair": [1, "x"]}),
        json!({"pair": [1, "x", 2]}),
        json!({"pair": {"a": 1}}),
        json!({"unit": null}),
        json!({"unit": 0}),
        json!({"bytes": "abc"}),
        json!({"bytes": [1, 2]}),
        json!({"bytes": {"a": 1}}),
    ];
    for d in &docs {
        same::<Doc>(d, "serde shapes");
    }
}
