//! An object checked against its CRD's structural schema the way the API
//! server checks it on a strict apply (`kubectl apply`'s default field
//! validation): unknown fields, types, enums, patterns, formats, bounds,
//! required fields, list uniqueness and the schema's one-of rules.
//!
//! What the API server would accept is never an error here: `null` on a
//! field that is not nullable is dropped, as the server prunes it; a pattern
//! Rust's regex cannot express is not checked; a string holding a deferred
//! placeholder (`${meshsynth:…}`, filled at deploy) stands for any value.
//! The `x-kubernetes-validations` (CEL) rules are evaluated with feature
//! `cel` (see `cel.rs`); a rule that cannot be evaluated is counted, and the
//! count is reported.

use serde_json::Value as Json;
use std::borrow::Cow;

use super::cel::{evaluate, Outcome};
use super::prune::{changed_by_pruning, prune_and_default};
use super::schema::Node;
use super::tree::{Tree, View};
use super::values::{type_problem, value_problems};
use super::{lookup, node_of, CrdVersion, Lookup};
use crate::core::diag::Severity;
use crate::core::names::closest;

/// The cost budget of one object's CEL rules, in the API server's units
/// (`RuntimeCELCostBudget`: about one unit per value visited). A rule whose
/// estimated cost would pass what is left is not evaluated (and counted),
/// so a hostile list cannot make an O(n²) rule run for minutes.
const CEL_OBJECT_BUDGET: u64 = 10_000_000;

/// The most problems reported for one object; the rest are counted in a last line.
const MAX_ISSUES: usize = 100;

/// The most duplicates reported for one list.
const MAX_DUPLICATES: usize = 10;

/// How large a value is for a CEL rule: its JSON nodes, and its widest
/// list or map (what one comprehension iterates over). Counting stops at
/// the budget.
fn shape<T: Tree>(v: &T, nodes: &mut u64, widest: &mut u64, depth: usize) {
    *nodes += 1;
    if *nodes > CEL_OBJECT_BUDGET || depth > MAX_DEPTH {
        return;
    }
    match v.view() {
        View::Array(a) => {
            *widest = (*widest).max(a.len() as u64);
            a.iter().for_each(|x| shape(x, nodes, widest, depth + 1));
        }
        View::Object(len) => {
            *widest = (*widest).max(len as u64);
            v.entries()
                .for_each(|(_, x)| shape(x, nodes, widest, depth + 1));
        }
        _ => {}
    }
}

/// An upper bound of a rule's cost on a value of `nodes` nodes whose widest
/// collection has `widest` entries: every node once, times the widest
/// collection for each of the rule's `macros` comprehension macros (nested
/// or not, so never an under-estimate).
fn estimated_cost(macros: u32, nodes: u64, widest: u64) -> u64 {
    widest
        .max(1)
        .checked_pow(macros)
        .and_then(|f| f.checked_mul(nodes.max(1)))
        .unwrap_or(u64::MAX)
}

/// The comprehension macros `rule` holds, each occurrence once.
pub(super) fn comprehension_macros(rule: &str) -> u32 {
    [
        ".all(",
        ".exists(",
        ".exists_one(",
        ".existsOne(",
        ".map(",
        ".filter(",
    ]
    .iter()
    .map(|m| rule.matches(m).count() as u32)
    .sum::<u32>()
}

/// Values nested deeper than this are not checked further (the schemas are
/// far shallower; the bound keeps a hostile document from recursing).
pub(super) const MAX_DEPTH: usize = 64;

/// One finding of the schema check.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaIssue {
    /// Error for what the API server refuses; warning for a deprecated
    /// version or field it still serves.
    pub severity: Severity,
    /// The field's path, e.g. `spec.listeners[0].allowedRoutes`; empty for
    /// the object itself.
    pub field: String,
    /// What is wrong, e.g. `unknown field (did you mean "allowedRoutes"?)`.
    pub message: String,
}

/// The outcome of checking one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaCheck {
    /// The kind's version in the registry; `None` when the object is not a
    /// kind of the pinned CRDs (then nothing was checked).
    pub version: Option<&'static CrdVersion>,
    /// What the API server would refuse or warn about.
    pub issues: Vec<SchemaIssue>,
    /// `x-kubernetes-validations` rules evaluated on the object.
    pub cel_rules_evaluated: usize,
    /// `x-kubernetes-validations` rules that applied to the object and could
    /// not be evaluated offline (or the library was built without `cel`).
    pub cel_rules_skipped: usize,
}

/// Checks a whole object (`apiVersion`, `kind`, `metadata`, the rest)
/// against its kind's schema. `metadata` is the API server's own
/// ObjectMeta and is not checked here.
pub fn check_object(object: &Json) -> SchemaCheck {
    check_cow(Cow::Borrowed(object))
}

/// [`check_object`] of an object the caller no longer needs (no copy),
/// in either tree: synthesis checks the lite tree it serialized.
pub(super) fn check_owned<T: Tree>(object: T) -> SchemaCheck {
    check_cow::<T>(Cow::Owned(object))
}

/// The check of an object borrowed or owned: a borrowed one is copied only
/// when the API server's pruning and defaulting would change it (an object
/// `analyze` read is still needed after the check).
fn check_cow<T: Tree>(object: Cow<'_, T>) -> SchemaCheck {
    let api_version = object
        .field("apiVersion")
        .and_then(T::as_str)
        .unwrap_or("")
        .to_string();
    let kind = object
        .field("kind")
        .and_then(T::as_str)
        .unwrap_or("")
        .to_string();
    let mut out = SchemaCheck::default();
    let v = match lookup(&api_version, &kind) {
        Lookup::Found(v) => v,
        Lookup::NotACrd => return out,
        Lookup::UnknownVersion(served) => {
            out.issues.push(SchemaIssue {
                severity: Severity::Error,
                field: "apiVersion".into(),
                message: format!(
                    "{kind} has no version {api_version:?}; the CRD serves {}",
                    served.join(", ")
                ),
            });
            return out;
        }
    };
    out.version = Some(v);
    if !v.served {
        out.issues.push(SchemaIssue {
            severity: Severity::Error,
            field: "apiVersion".into(),
            message: format!("{kind} version {} is not served any more", v.version),
        });
        return out;
    }
    if v.deprecated {
        out.issues.push(SchemaIssue {
            severity: Severity::Warning,
            field: "apiVersion".into(),
            message: v.deprecation_warning.map_or_else(
                || format!("{api_version} {kind} is deprecated"),
                str::to_string,
            ),
        });
    }
    let schema = node_of(v);
    // The API server prunes nulls and defaults before it validates (a
    // defaulted field satisfies `required`; CEL rules read defaulted fields
    // and do not see pruned ones).
    let object = match object {
        Cow::Borrowed(o) if !changed_by_pruning(schema, o, 0) => Cow::Borrowed(o),
        other => {
            let mut o = other.into_owned();
            prune_and_default(schema, &mut o, 0);
            Cow::Owned(o)
        }
    };
    let mut checker = Checker {
        issues: &mut out.issues,
        unreported: 0,
        cel_evaluated: 0,
        cel_skipped: 0,
        cel_budget: CEL_OBJECT_BUDGET,
        group: v.group,
    };
    if !matches!(object.view(), View::Object(_)) {
        return out;
    }
    let mut path = String::new();
    checker.object(schema, &*object, &mut path, 0, true);
    checker.rules(schema, &*object, "");
    if checker.unreported > 0 {
        let n = checker.unreported;
        checker.issues.push(SchemaIssue {
            severity: Severity::Error,
            field: String::new(),
            message: format!("and {n} more problem(s) of this object, not listed"),
        });
    }
    out.cel_rules_evaluated = checker.cel_evaluated;
    out.cel_rules_skipped = checker.cel_skipped;
    out
}

struct Checker<'a> {
    issues: &'a mut Vec<SchemaIssue>,
    /// Problems past [`MAX_ISSUES`], counted only.
    unreported: usize,
    cel_evaluated: usize,
    cel_skipped: usize,
    /// What is left of [`CEL_OBJECT_BUDGET`].
    cel_budget: u64,
    group: &'static str,
}

/// Fields the API server still serves that the project has deprecated
/// without saying so in its CRD (Istio marks them only in its protos):
/// (group, parent field, field, replacement).
const DEPRECATED_FIELDS: &[(&str, &str, &str, &str)] = &[
    (
        "networking.istio.io",
        "outlierDetection",
        "consecutiveErrors",
        "consecutive5xxErrors",
    ),
    (
        "networking.istio.io",
        "http",
        "mirrorPercent",
        "mirrorPercentage",
    ),
];

/// The last field name of `path`, without its index: `spec.http[0]` → `http`.
fn last_field(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

fn is_placeholder<T: Tree>(v: &T) -> bool {
    v.as_str().is_some_and(|s| s.contains("${meshsynth:"))
}

fn has_placeholder<T: Tree>(v: &T, depth: usize) -> bool {
    match v.view() {
        View::String(s) => s.contains("${meshsynth:"),
        View::Array(a) if depth < MAX_DEPTH => a.iter().any(|x| has_placeholder(x, depth + 1)),
        View::Object(_) if depth < MAX_DEPTH => {
            v.entries().any(|(_, x)| has_placeholder(x, depth + 1))
        }
        _ => false,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Checker<'_> {
    fn error(&mut self, field: &str, message: String) {
        if self.issues.len() >= MAX_ISSUES {
            self.unreported += 1;
            return;
        }
        self.issues.push(SchemaIssue {
            severity: Severity::Error,
            field: field.to_string(),
            message,
        });
    }

    /// Checks `value` against `schema` at `path`, reporting what fails.
    fn value<T: Tree>(&mut self, schema: &Node, value: &T, path: &mut String, depth: usize) {
        if depth > MAX_DEPTH || value.is_null() || is_placeholder(value) {
            // A null is pruned by the server unless the field is nullable;
            // either way it is not refused.
            return;
        }
        if let Some(problem) = type_problem(schema, value) {
            self.error(path, problem);
            return;
        }
        let problems = value_problems(schema, value);
        let refused = !problems.is_empty();
        for problem in problems {
            self.error(path, problem);
        }
        let over_max_items = match value.view() {
            View::Array(items) => schema.max_items.is_some_and(|m| items.len() as f64 > m),
            _ => false,
        };
        if over_max_items {
            // Sizes first, as the API server: a list over `maxItems` is
            // refused as it is; its items are not checked one by one, nor
            // checked for duplicates, and no rule (whose cost the server
            // estimates from that bound) runs on it.
            self.cel_skipped += schema.rules.len();
            return;
        }
        self.combinators(schema, value, path);
        if refused {
            // Already refused: what a rule would add says nothing more.
            self.cel_skipped += schema.rules.len();
        } else {
            self.rules(schema, value, path);
        }
        match value.view() {
            View::Object(_) => self.object(schema, value, path, depth, false),
            View::Array(items) => {
                if let Some(item_schema) = &schema.items {
                    let len = path.len();
                    let mut index = itoa::Buffer::new();
                    for (i, item) in items.iter().enumerate() {
                        path.push('[');
                        path.push_str(index.format(i));
                        path.push(']');
                        self.value(item_schema, item, path, depth + 1);
                        path.truncate(len);
                    }
                }
                self.list_uniqueness(schema, items, path);
            }
            _ => {}
        }
    }

    /// The members of map `value`, then its required fields.
    fn object<T: Tree>(
        &mut self,
        schema: &Node,
        value: &T,
        path: &mut String,
        depth: usize,
        root: bool,
    ) {
        let implicit_meta = root || schema.embedded_resource;
        for (key, v) in value.entries() {
            if implicit_meta && matches!(key, "apiVersion" | "kind" | "metadata") {
                continue;
            }
            let len = path.len();
            match schema.property(key) {
                Some((sub, declared)) => {
                    // The field's name first: the parent is worked out of
                    // the path only for the few names that ever were renamed.
                    if let Some((.., new)) = DEPRECATED_FIELDS.iter().find(|(g, p, f, _)| {
                        *f == key && *g == self.group && *p == last_field(path)
                    }) {
                        self.issues.push(SchemaIssue {
                            severity: Severity::Warning,
                            field: join(path, key),
                            message: format!("deprecated; use {new} instead"),
                        });
                    }
                    if declared {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(key);
                    } else {
                        path.push('[');
                        path.push_str(key);
                        path.push(']');
                    }
                    self.value(sub, v, path, depth + 1);
                    path.truncate(len);
                }
                None if schema.open() => {}
                None => {
                    let hint = schema
                        .properties
                        .as_ref()
                        .and_then(|p| closest(key, p.keys().map(String::as_str)))
                        .map(|c| format!(" (did you mean {c:?}?)"))
                        .unwrap_or_default();
                    self.error(&join(path, key), format!("unknown field{hint}"));
                }
            }
        }
        for name in &schema.required {
            if value.field(name).is_none_or(T::is_null) {
                self.error(&join(path, name), "required field is missing".into());
            }
        }
    }

    /// The node's `x-kubernetes-validations` rules, with `self` = `value`.
    fn rules<T: Tree>(&mut self, schema: &Node, value: &T, path: &str) {
        if schema.rules.is_empty() {
            return;
        }
        // A deferred value is filled at deploy; what a rule says of the
        // placeholder would say nothing of the value.
        if has_placeholder(value, 0) {
            self.cel_skipped += schema.rules.len();
            return;
        }
        let (mut nodes, mut widest) = (0, 0);
        shape(value, &mut nodes, &mut widest, 0);
        for r in &schema.rules {
            let cost = estimated_cost(r.macros(), nodes, widest);
            if cost > self.cel_budget {
                self.cel_skipped += 1;
                continue;
            }
            self.cel_budget -= cost;
            match evaluate(&r.rule, value) {
                Outcome::Holds => self.cel_evaluated += 1,
                Outcome::NotApplicable => {}
                Outcome::Skipped => self.cel_skipped += 1,
                Outcome::Violated => {
                    self.cel_evaluated += 1;
                    let field = match &r.field_path {
                        Some(f) if path.is_empty() => f.trim_start_matches('.').to_string(),
                        Some(f) => format!("{path}{f}"),
                        None => path.to_string(),
                    };
                    let message = r
                        .message
                        .clone()
                        .unwrap_or_else(|| format!("failed rule: {}", r.rule));
                    self.error(&field, message);
                }
            }
        }
    }

    /// `allOf`, `anyOf`, `oneOf` and `not`: value validations whose branches
    /// constrain (mostly which fields are set) without declaring fields.
    fn combinators<T: Tree>(&mut self, schema: &Node, value: &T, path: &str) {
        for s in &schema.all_of {
            if !satisfies(s, value, 0) {
                let what =
                    describe_branch(s).unwrap_or_else(|| "a rule of the schema (allOf)".into());
                self.error(path, format!("does not satisfy {what}"));
            }
        }
        let any = &schema.any_of;
        if !any.is_empty() && !any.iter().any(|s| satisfies(s, value, 0)) {
            self.error(path, one_of_message(any, "at least one of"));
        }
        let one = &schema.one_of;
        if !one.is_empty() && one.iter().filter(|s| satisfies(s, value, 0)).count() != 1 {
            self.error(path, one_of_message(one, "exactly one of"));
        }
        if let Some(not) = &schema.not {
            if satisfies(not, value, 0) {
                self.error(path, "matches a shape the schema forbids (not)".into());
            }
        }
    }

    /// `x-kubernetes-list-type: set | map`: the server refuses duplicates.
    /// Linear: each entry's key is looked up once in a map of those seen.
    fn list_uniqueness<T: Tree>(&mut self, schema: &Node, items: &[T], path: &str) {
        let keys = &schema.list_map_keys;
        let key_of: Box<dyn Fn(&T) -> String> = match schema.list_type.as_deref() {
            Some("set") => Box::new(canonical),
            Some("map") if !keys.is_empty() => Box::new(|item: &T| {
                let parts: Vec<String> = keys
                    .iter()
                    .map(|k| item.field(k).map_or_else(|| "null".to_string(), canonical))
                    .collect();
                parts.join("\u{0}")
            }),
            _ => return,
        };
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        let mut duplicates = 0usize;
        for (i, item) in items.iter().enumerate() {
            if seen.insert(key_of(item)) {
                continue;
            }
            duplicates += 1;
            if duplicates > MAX_DUPLICATES {
                continue;
            }
            let message = if keys.is_empty() || schema.list_type.as_deref() == Some("set") {
                format!("duplicate value {}", item.to_json())
            } else {
                let shown: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{k}={}", item.field(k).map_or(Json::Null, T::to_json)))
                    .collect();
                format!("duplicate entry with {}", shown.join(", "))
            };
            self.error(&format!("{path}[{i}]"), message);
        }
        if duplicates > MAX_DUPLICATES {
            self.error(
                path,
                format!(
                    "{} more duplicate entries, not listed",
                    duplicates - MAX_DUPLICATES
                ),
            );
        }
    }
}

/// `v` as text that is equal for equal values (object keys sorted), for
/// hashing list entries.
fn canonical<T: Tree>(v: &T) -> String {
    fn write<T: Tree>(v: &T, out: &mut String) {
        match v.view() {
            View::Object(_) => {
                let mut entries: Vec<(&str, &T)> = v.entries().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (k, x) in entries {
                    out.push_str(&Json::String(k.to_string()).to_string());
                    out.push(':');
                    write(x, out);
                    out.push(',');
                }
                out.push('}');
            }
            View::Array(a) => {
                out.push('[');
                for x in a {
                    write(x, out);
                    out.push(',');
                }
                out.push(']');
            }
            _ => out.push_str(&v.to_json().to_string()),
        }
    }
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// Whether `value` satisfies a branch schema (a value validation: no
/// unknown-field check, nothing reported).
fn satisfies<T: Tree>(schema: &Node, value: &T, depth: usize) -> bool {
    if depth > MAX_DEPTH || value.is_null() || is_placeholder(value) {
        return true;
    }
    if type_problem(schema, value).is_some() || !value_problems(schema, value).is_empty() {
        return false;
    }
    if let View::Object(_) = value.view() {
        let required_ok = schema
            .required
            .iter()
            .all(|r| value.field(r).is_some_and(|v| !v.is_null()));
        if !required_ok {
            return false;
        }
        if let Some(props) = &schema.properties {
            for (k, sub) in props {
                if let Some(v) = value.field(k) {
                    if !satisfies(sub, v, depth + 1) {
                        return false;
                    }
                }
            }
        }
    }
    if let (View::Array(items), Some(item)) = (value.view(), &schema.items) {
        if !items.iter().all(|i| satisfies(item, i, depth + 1)) {
            return false;
        }
    }
    if !schema.all_of.iter().all(|s| satisfies(s, value, depth + 1)) {
        return false;
    }
    let any = &schema.any_of;
    if !any.is_empty() && !any.iter().any(|s| satisfies(s, value, depth + 1)) {
        return false;
    }
    let one = &schema.one_of;
    if !one.is_empty()
        && one
            .iter()
            .filter(|s| satisfies(s, value, depth + 1))
            .count()
            != 1
    {
        return false;
    }
    schema
        .not
        .as_ref()
        .is_none_or(|n| !satisfies(n, value, depth + 1))
}

fn describe_branch(s: &Node) -> Option<String> {
    s.required_only()
        .map(|r| format!("the required fields {}", r.join(", ")))
}

/// Istio writes "at most one of these fields" as `oneOf` over a branch that
/// sets none of them and one branch per field; say so in those words.
fn one_of_message(branches: &[Node], how: &str) -> String {
    let generic = || format!("does not match {how} the schema's alternatives");
    let mut fields: Vec<&str> = Vec::new();
    for b in branches {
        if let Some(r) = b.required_only() {
            fields.extend(r.iter().map(String::as_str));
            continue;
        }
        let none_of = b.not.as_ref().filter(|n| {
            !n.any_of.is_empty() && n.any_of.iter().all(|i| i.required_only().is_some())
        });
        if none_of.is_none() {
            return generic();
        }
    }
    fields.dedup();
    if fields.is_empty() {
        return generic();
    }
    let list = fields.join(", ");
    if how == "at least one of" {
        format!("set at least one of: {list}")
    } else {
        format!("set at most one of: {list}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::values::is_rfc3339;
    use super::*;
    use serde_json::json;

    fn errors(o: Json) -> Vec<String> {
        check_object(&o)
            .issues
            .into_iter()
            .map(|i| format!("{}: {}", i.field, i.message))
            .collect()
    }

    #[test]
    fn a_rules_cost_is_bounded_before_it_runs() {
        let pairwise = "self.all(l1, self.exists_one(l2, l1.name == l2.name))";
        // 64 listeners (the CRD's maxItems) of 5 nodes: within budget.
        let pairwise = comprehension_macros(pairwise);
        assert_eq!(pairwise, 2);
        assert!(estimated_cost(pairwise, 321, 64) <= CEL_OBJECT_BUDGET);
        // 100,000 of them: far past it, so the rule is not run at all.
        assert!(estimated_cost(pairwise, 500_001, 100_000) > CEL_OBJECT_BUDGET);
        assert_eq!(comprehension_macros("self.size() > 0"), 0);
        assert_eq!(estimated_cost(0, 10, 3), 10);
        let many = comprehension_macros(&".all(".repeat(40));
        assert_eq!(many, 40);
        assert_eq!(estimated_cost(many, u64::MAX, 9), u64::MAX);
        let (mut nodes, mut widest) = (0, 0);
        shape(
            &json!({"a": [1, 2, 3], "b": {"c": 1}}),
            &mut nodes,
            &mut widest,
            0,
        );
        assert_eq!((nodes, widest), (7, 3));
    }

    #[test]
    fn a_gateway_api_gateway_with_https_listeners_is_accepted() {
        let gw = json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "web", "namespace": "edge"},
            "spec": {
                "gatewayClassName": "istio",
                "addresses": [{"type": "IPAddress", "value": "10.0.0.1"}],
                "listeners": [{
                    "name": "https",
                    "port": 443,
                    "protocol": "HTTPS",
                    "hostname": "shop.example.com",
                    "tls": {"mode": "Terminate", "certificateRefs": [{"name": "shop-cert"}]},
                    "allowedRoutes": {"namespaces": {"from": "Selector", "selector": {"matchLabels": {"shared-gateway-access": "true"}}}}
                }]
            }
        });
        assert_eq!(errors(gw), Vec::<String>::new());
    }

    #[test]
    fn unknown_fields_wrong_types_and_bounds_name_their_path() {
        let route = json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "r"},
            "spec": {
                "parentRefs": [{"name": "web"}],
                "rules": [{"backendRefs": [{"name": "svc", "port": 70000, "wieght": 1}]}]
            }
        });
        assert_eq!(
            errors(route),
            vec![
                "spec.rules[0].backendRefs[0].port: 70000 is greater than the maximum 65535",
                "spec.rules[0].backendRefs[0].wieght: unknown field (did you mean \"weight\"?)",
            ]
        );
    }

    #[test]
    fn istio_one_of_fields_and_enums() {
        let dr = json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "metadata": {"name": "d"},
            "spec": {
                "host": "reviews",
                "trafficPolicy": {
                    "loadBalancer": {"simple": "ROUND_ROBINN"},
                    "outlierDetection": {"consecutiveErrors": 5}
                }
            }
        });
        let e = errors(dr);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with(
                "spec.trafficPolicy.loadBalancer.simple: unsupported value \"ROUND_ROBINN\""
            ),
            "{e:?}"
        );
        assert_eq!(
            e[1],
            "spec.trafficPolicy.outlierDetection.consecutiveErrors: deprecated; use consecutive5xxErrors instead"
        );
    }

    /// A declared field is named `.field`; a key of a map the schema
    /// types by `additionalProperties` is named `[key]`.
    #[test]
    fn map_keys_are_named_in_brackets() {
        let so = json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "s"},
            "spec": {"scaleTargetRef": {"name": "x"}, "triggers": [{"type": "cpu", "metadata": {"value": 50}}]}});
        assert_eq!(
            errors(so),
            vec!["spec.triggers[0].metadata[value]: must be a string, not integer"]
        );
    }

    #[test]
    fn required_fields_and_versions() {
        let so = json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "s"}, "spec": {"triggers": [{"type": "cpu", "metadata": {"value": "50"}}]}});
        assert_eq!(
            errors(so),
            vec!["spec.scaleTargetRef: required field is missing"]
        );
        let old =
            json!({"apiVersion": "keda.sh/v1", "kind": "ScaledObject", "metadata": {"name": "s"}});
        assert_eq!(
            errors(old),
            vec!["apiVersion: ScaledObject has no version \"keda.sh/v1\"; the CRD serves v1alpha1"]
        );
    }

    #[test]
    fn placeholders_and_nulls_stand_for_any_value() {
        let so = json!({
            "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "s"},
            "spec": {"scaleTargetRef": {"name": "x"}, "minReplicaCount": "${meshsynth:abc}", "cooldownPeriod": null, "triggers": [{"type": "cpu", "metadata": {"value": "50"}}]}
        });
        assert_eq!(errors(so), Vec::<String>::new());
    }

    #[test]
    fn timestamps() {
        assert!(is_rfc3339("2026-11-23T16:00:00Z"));
        assert!(is_rfc3339("2026-11-23T16:00:00.5+01:00"));
        assert!(!is_rfc3339("2026-11-23"));
        assert!(!is_rfc3339("2026-11-23T16:00:00"));
    }
}
