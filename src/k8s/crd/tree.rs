//! The two value trees the schema check reads: `serde_json`'s, for the
//! YAML `analyze` reads, and the lite tree, for the objects synthesis
//! serializes. Reading the lite tree in place spares synthesis a copy of
//! every custom resource into `serde_json` maps, whose hashed keys made
//! that copy cost more than serializing the object (docs/performance.md).

use serde_json::{Number, Value as Json};

use crate::core::LiteValue;

/// What a value is, borrowed from its tree.
pub(super) enum View<'a, T> {
    Null,
    /// Read by the CEL rules (feature `cel`).
    #[cfg_attr(not(feature = "cel"), allow(dead_code))]
    Bool(bool),
    Number(&'a Number),
    String(&'a str),
    Array(&'a [T]),
    /// A map of this many entries; read them with [`Tree::entries`].
    Object(usize),
}

/// A JSON-shaped value the check reads and the pruning edits.
pub(super) trait Tree: Clone + Sized {
    /// A map's entries in order.
    type Entries<'a>: Iterator<Item = (&'a str, &'a Self)>
    where
        Self: 'a;

    fn view(&self) -> View<'_, Self>;
    /// A map's entries; none for anything else.
    fn entries(&self) -> Self::Entries<'_>;
    /// The value of map member `key`.
    fn field(&self, key: &str) -> Option<&Self>;
    /// The value as `serde_json`'s, for messages and the rare reads that
    /// need one.
    fn to_json(&self) -> Json;
    /// `serde_json`'s equality (maps equal whatever their order).
    fn eq_json(&self, other: &Json) -> bool;
    fn from_json(v: Json) -> Self;
    /// Keeps the map members `keep` says; nothing for anything else.
    fn retain_fields(&mut self, keep: &mut dyn FnMut(&str, &Self) -> bool);
    /// Adds member `key` last to a map that does not have it.
    fn push_field(&mut self, key: String, value: Self);
    /// Each map member (with its key) or list item (without), to edit.
    fn each_child_mut(&mut self, f: &mut dyn FnMut(Option<&str>, &mut Self));

    fn is_null(&self) -> bool {
        matches!(self.view(), View::Null)
    }
    fn as_str(&self) -> Option<&str> {
        match self.view() {
            View::String(s) => Some(s),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self.view() {
            View::Number(n) => n.as_f64(),
            _ => None,
        }
    }
}

type JsonEntry<'a> = (&'a String, &'a Json);
type JsonEntries<'a> = std::iter::Map<
    std::iter::Flatten<std::option::IntoIter<&'a serde_json::Map<String, Json>>>,
    fn(JsonEntry<'a>) -> (&'a str, &'a Json),
>;

impl Tree for Json {
    type Entries<'a> = JsonEntries<'a>;

    fn view(&self) -> View<'_, Self> {
        match self {
            Json::Null => View::Null,
            Json::Bool(b) => View::Bool(*b),
            Json::Number(n) => View::Number(n),
            Json::String(s) => View::String(s),
            Json::Array(a) => View::Array(a),
            Json::Object(m) => View::Object(m.len()),
        }
    }
    fn entries(&self) -> JsonEntries<'_> {
        let pair: fn(JsonEntry<'_>) -> (&str, &Json) = |(k, v)| (k.as_str(), v);
        self.as_object().into_iter().flatten().map(pair)
    }
    fn field(&self, key: &str) -> Option<&Self> {
        self.as_object()?.get(key)
    }
    fn to_json(&self) -> Json {
        self.clone()
    }
    fn eq_json(&self, other: &Json) -> bool {
        self == other
    }
    fn from_json(v: Json) -> Self {
        v
    }
    fn retain_fields(&mut self, keep: &mut dyn FnMut(&str, &Self) -> bool) {
        if let Json::Object(m) = self {
            m.retain(|k, v| keep(k, v));
        }
    }
    fn push_field(&mut self, key: String, value: Self) {
        if let Json::Object(m) = self {
            m.entry(key).or_insert(value);
        }
    }
    fn each_child_mut(&mut self, f: &mut dyn FnMut(Option<&str>, &mut Self)) {
        match self {
            Json::Object(m) => m.iter_mut().for_each(|(k, v)| f(Some(k), v)),
            Json::Array(a) => a.iter_mut().for_each(|v| f(None, v)),
            _ => {}
        }
    }
}

type LiteEntries<'a> = std::iter::Map<
    std::slice::Iter<'a, (String, LiteValue)>,
    fn(&'a (String, LiteValue)) -> (&'a str, &'a LiteValue),
>;

impl Tree for LiteValue {
    type Entries<'a> = LiteEntries<'a>;

    fn view(&self) -> View<'_, Self> {
        match self {
            LiteValue::Null => View::Null,
            LiteValue::Bool(b) => View::Bool(*b),
            LiteValue::Number(n) => View::Number(n),
            LiteValue::String(s) => View::String(s),
            LiteValue::Array(a) => View::Array(a),
            LiteValue::Object(m) => View::Object(m.len()),
        }
    }
    fn entries(&self) -> LiteEntries<'_> {
        let pair: fn(&(String, LiteValue)) -> (&str, &LiteValue) = |(k, v)| (k.as_str(), v);
        let m: &[(String, LiteValue)] = match self {
            LiteValue::Object(m) => m,
            _ => &[],
        };
        m.iter().map(pair)
    }
    fn field(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }
    fn to_json(&self) -> Json {
        self.clone().into_json()
    }
    fn eq_json(&self, other: &Json) -> bool {
        match (self, other) {
            (LiteValue::Null, Json::Null) => true,
            (LiteValue::Bool(a), Json::Bool(b)) => a == b,
            (LiteValue::Number(a), Json::Number(b)) => a == b,
            (LiteValue::String(a), Json::String(b)) => a == b,
            (LiteValue::Array(a), Json::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_json(y))
            }
            (LiteValue::Object(a), Json::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.eq_json(w)))
            }
            _ => false,
        }
    }
    fn from_json(v: Json) -> Self {
        LiteValue::from_json(v)
    }
    fn retain_fields(&mut self, keep: &mut dyn FnMut(&str, &Self) -> bool) {
        if let LiteValue::Object(m) = self {
            m.retain(|(k, v)| keep(k, v));
        }
    }
    fn push_field(&mut self, key: String, value: Self) {
        if let LiteValue::Object(m) = self {
            if !m.iter().any(|(k, _)| *k == key) {
                m.push((key, value));
            }
        }
    }
    fn each_child_mut(&mut self, f: &mut dyn FnMut(Option<&str>, &mut Self)) {
        match self {
            LiteValue::Object(m) => m.iter_mut().for_each(|(k, v)| f(Some(k), v)),
            LiteValue::Array(a) => a.iter_mut().for_each(|v| f(None, v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The lite tree reads, compares and edits as `serde_json`'s does.
    #[test]
    fn both_trees_read_and_edit_alike() {
        let j = json!({"b": [1, 2.5, "x", null, true], "a": {"c": {}}});
        let l = LiteValue::from_json(j.clone());
        let jk: Vec<&str> = j.entries().map(|(k, _)| k).collect();
        let lk: Vec<&str> = l.entries().map(|(k, _)| k).collect();
        assert_eq!(jk, lk);
        assert!(l.eq_json(&j));
        assert!(l.eq_json(&json!({"a": {"c": {}}, "b": [1, 2.5, "x", null, true]})));
        assert!(!l.eq_json(&json!({"a": {"c": {}}, "b": [1, 2.5, "x", null, false]})));
        assert!(!l.eq_json(&json!({"a": {"c": {}}})));
        assert_eq!(l.to_json(), j);
        let (mut j2, mut l2) = (j.clone(), l.clone());
        j2.retain_fields(&mut |k, _| k != "b");
        l2.retain_fields(&mut |k, _| k != "b");
        j2.push_field("d".into(), json!(1));
        l2.push_field("d".into(), LiteValue::from_json(json!(1)));
        l2.push_field("a".into(), LiteValue::Null);
        assert_eq!(l2.to_json(), j2);
        assert_eq!(j2, json!({"a": {"c": {}}, "d": 1}));
        assert!(l
            .field("b")
            .is_some_and(|b| matches!(b.view(), View::Array(a) if a.len() == 5)));
        assert_eq!(
            j.field("a").and_then(|a| a.field("c")).map(Tree::is_null),
            Some(false)
        );
        assert_eq!(l.field("missing").map(Tree::is_null), None);
    }

    /// Synthesis checks the lite tree, `analyze` serde_json's: the same
    /// object gives the same findings and counts either way, errors,
    /// defaults, duplicates and rules included.
    #[test]
    fn the_lite_tree_is_checked_as_serde_json_is() {
        let objects = [
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r"},
                "spec": {"parentRefs": [{"name": "web"}, {"name": "web"}],
                    "rules": [{"backendRefs": [{"name": "svc", "port": 70000, "wieght": 1}]}]}}),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "g"},
                "spec": {"gatewayClassName": "istio", "listeners": [
                    {"name": "a", "port": 80, "protocol": "TCP", "hostname": "x.example.com"},
                    {"name": "a", "port": 80, "protocol": "HTTP"}]}}),
            json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "d"},
                "spec": {"host": "reviews", "trafficPolicy": {"loadBalancer": {"simple": "ROUND_ROBINN"},
                    "outlierDetection": {"consecutiveErrors": 5}}, "subsets": null}}),
            json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "s"},
                "spec": {"minReplicaCount": "${meshsynth:abc}", "cooldownPeriod": null,
                    "triggers": [{"type": "cpu", "metadata": {"value": "50"}}]}}),
            json!({"apiVersion": "keda.sh/v1", "kind": "ScaledObject", "metadata": {"name": "s"}}),
            json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "v"},
                "spec": {"hosts": ["a", 3], "http": [{"route": [{"destination": {"host": "a"}, "weight": -1}]}]}}),
        ];
        let (mut issues, mut rules) = (0, 0);
        for o in objects {
            let lite = crate::core::LiteValue::from_json(o.clone());
            let c = super::super::check_object(&o);
            issues += c.issues.len();
            rules += c.cel_rules_evaluated + c.cel_rules_skipped;
            assert_eq!(super::super::check::check_owned(lite), c, "{o}");
        }
        assert!(issues >= 8 && rules > 0, "{issues} issues, {rules} rules");
    }
}
