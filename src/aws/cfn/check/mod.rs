//! Synth-time check of a resource's final properties against its type's
//! registry schema. It runs on what is emitted — after typed fields, raw
//! resources, overrides and tags are merged — so every resource is checked
//! the same way, and a user learns at synth (with the construct path) what
//! CloudFormation would reject at deploy.
//!
//! Intrinsics (`Ref`, `Fn::*`) stand for any value, so they are never
//! checked against a type, enum, pattern or range. Scalars are coerced the
//! way CloudFormation coerces them: `"5"` is an integer and `5` a string.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value as Json};

use super::TypeMeta;
use crate::core::names::closest;
use crate::core::pattern::matches;
use crate::core::Diagnostic;
use schema::{find, Node};

mod schema;

/// Codes of the schema checks, for suppressions and docs.
pub(crate) mod codes {
    /// The type is not in the registry.
    pub const UNKNOWN_TYPE: &str = "MS-CFN-1";
    /// A property the type does not have.
    pub const UNKNOWN_PROPERTY: &str = "MS-CFN-2";
    /// A required property is missing.
    pub const MISSING_REQUIRED: &str = "MS-CFN-3";
    /// A value of the wrong JSON type.
    pub const WRONG_TYPE: &str = "MS-CFN-4";
    /// A value outside the schema's enum.
    pub const NOT_IN_ENUM: &str = "MS-CFN-5";
    /// A pattern, length, size or range violated.
    pub const OUT_OF_BOUNDS: &str = "MS-CFN-6";
    /// `Fn::GetAtt` of a name that is not an attribute of the type.
    pub const NOT_AN_ATTRIBUTE: &str = "MS-CFN-7";
    /// A read-only property set in the template.
    pub const READ_ONLY: &str = "MS-CFN-8";
    /// A deprecated property.
    pub const DEPRECATED: &str = "MS-CFN-9";
}

/// The schema checks' catalog entries (every finding is an error).
pub const RULES: &[crate::core::Rule] = {
    use crate::core::{Rule, Severity::Error as E};
    &[
        Rule::new(
            codes::UNKNOWN_TYPE,
            E,
            "resource type not in the CloudFormation registry",
        ),
        Rule::new(
            codes::UNKNOWN_PROPERTY,
            E,
            "property the type does not have",
        ),
        Rule::new(codes::MISSING_REQUIRED, E, "required property missing"),
        Rule::new(codes::WRONG_TYPE, E, "value of the wrong JSON type"),
        Rule::new(codes::NOT_IN_ENUM, E, "value outside the property's enum"),
        Rule::new(
            codes::OUT_OF_BOUNDS,
            E,
            "pattern, length, size or range violated",
        ),
        Rule::new(
            codes::NOT_AN_ATTRIBUTE,
            E,
            "Fn::GetAtt of a name that is not an attribute of the type",
        ),
        Rule::new(
            codes::READ_ONLY,
            E,
            "read-only property set in the template",
        ),
        Rule::new(
            codes::DEPRECATED,
            E,
            "deprecated property (suppress with a reason to keep it)",
        ),
    ]
};

/// Each type's root schema node, on first use, with the nodes checks have
/// reached below it, until [`release_schemas`].
static SCHEMAS: OnceLock<Mutex<HashMap<&'static str, Arc<Node>>>> = OnceLock::new();

/// Frees the parsed schemas once every resource is checked: the rest of
/// synthesis can reuse their memory.
pub(crate) fn release_schemas() {
    if let Some(cache) = SCHEMAS.get() {
        cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

fn schema_of(meta: TypeMeta) -> Arc<Node> {
    let cache = SCHEMAS.get_or_init(Default::default);
    let mut guard = cache.lock().unwrap_or_else(|p| p.into_inner());
    guard
        .entry(meta.type_name)
        .or_insert_with(|| Arc::new(Node::at(meta.schema_root())))
        .clone()
}

/// The schema a `$ref` that leads nowhere stands for: it checks nothing.
fn nothing() -> &'static Node {
    static EMPTY: OnceLock<Node> = OnceLock::new();
    EMPTY.get_or_init(Node::default)
}

/// Whether a value is an intrinsic function (it stands for any value).
pub(crate) fn is_intrinsic(v: &Json) -> bool {
    match v {
        Json::Object(m) if m.len() == 1 => m
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::")),
        _ => false,
    }
}

/// Checks the final properties of the resource at construct `path`.
pub(crate) fn check_resource(
    type_name: &str,
    props: &Map<String, Json>,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(meta) = super::lookup(type_name) else {
        // Custom resources and third-party registry types have no schema here.
        if type_name.starts_with("AWS::") && type_name != "AWS::CloudFormation::CustomResource" {
            let hint = match super::similar_type(type_name) {
                Some(t) => format!("did you mean {t}?"),
                None => format!(
                    "use a type of the CloudFormation registry (cfn-lint {} schemas)",
                    super::CFN_LINT_VERSION
                ),
            };
            out.push(
                Diagnostic::error(path, format!("unknown CloudFormation type {type_name}"))
                    .with_code(codes::UNKNOWN_TYPE)
                    .with_hint(hint),
            );
        }
        return;
    };
    let root = schema_of(meta);
    if !root.object {
        return;
    }
    // A root with composites (`allOf`…) is checked as a whole value; the
    // usual root is walked in place, without copying the properties.
    let whole = if root.composite {
        Json::Object(props.clone())
    } else {
        Json::Null
    };
    let mut walk = Walk {
        root: &root,
        meta,
        path,
        out,
        at: Vec::new(),
    };
    // Read-only names are few and keys many: look each name up once.
    let read_only: Vec<&str> = meta
        .read_only
        .iter()
        .filter(|n| props.contains_key(*n))
        .collect();
    for key in props.keys() {
        if read_only.contains(&key.as_str()) {
            walk.report(
                codes::READ_ONLY,
                format!("{key} is read-only: CloudFormation sets it"),
                Some(format!("remove it; read it with attr(\"{key}\")")),
            );
        }
    }
    if root.composite {
        walk.value(&root, &whole);
    } else {
        walk.object(&root, props);
    }
}

/// Checks `Fn::GetAtt` of `attr` on a resource of `type_name`; `None` when
/// fine or the type is unknown.
pub(crate) fn check_attribute(type_name: &str, attr: &str) -> Option<Diagnostic> {
    let meta = super::lookup(type_name)?;
    // The names are cfn-lint's (rule E1010): `Outputs.*` is any output of a
    // nested stack, `*` anything (custom resources).
    let accepted = meta.attributes.iter().any(|a| {
        a == attr
            || a == "*"
            || a.strip_suffix('*')
                .is_some_and(|p| p.ends_with('.') && attr.starts_with(p) && attr.len() > p.len())
    });
    if accepted {
        return None;
    }
    let names = meta.attributes.to_vec();
    let all = if names.len() > 12 {
        format!("{}, … ({} in all)", names[..12].join(", "), names.len())
    } else {
        names.join(", ")
    };
    let hint = match closest(attr, meta.attributes.iter()) {
        Some(s) => format!("did you mean {s}? ({} has: {all})", meta.type_name),
        None if meta.attributes.is_empty() => {
            format!("{} has no attributes; use Ref", meta.type_name)
        }
        None => format!("{} has: {all}", meta.type_name),
    };
    Some(
        Diagnostic::error(
            "",
            format!(
                "Fn::GetAtt {attr} is not an attribute of {}",
                meta.type_name
            ),
        )
        .with_code(codes::NOT_AN_ATTRIBUTE)
        .with_hint(hint),
    )
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Walk<'a, 'o> {
    root: &'a Node,
    meta: TypeMeta,
    path: &'a str,
    out: &'o mut Vec<Diagnostic>,
    at: Vec<Seg<'a>>,
}

impl<'a> Walk<'a, '_> {
    /// `A.B[0].C`.
    fn shown(&self) -> String {
        let mut s = String::new();
        for seg in &self.at {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }

    /// `A.B.*.C`, as schema pointers name paths.
    fn pattern(&self) -> String {
        let parts: Vec<&str> = self
            .at
            .iter()
            .map(|s| match s {
                Seg::Key(k) => k,
                Seg::Index(_) => "*",
            })
            .collect();
        parts.join(".")
    }

    fn report(&mut self, code: &'static str, what: String, hint: Option<String>) {
        let prop = self.shown();
        let message = if prop.is_empty() {
            format!("{}: {what}", self.meta.type_name)
        } else {
            format!("{} property {prop}: {what}", self.meta.type_name)
        };
        let d = Diagnostic::error(self.path, message)
            .with_code(code)
            .with_hint(hint.unwrap_or_else(|| format!("see {}", self.meta.docs_url())));
        self.out.push(d);
    }

    /// `s` with its `$ref`s followed; a pointer that leads nowhere (or a
    /// loop of them) checks nothing.
    fn resolve(&self, s: &'a Node) -> &'a Node {
        let mut s = s;
        // Definitions may alias each other; a few hops at most in practice.
        for _ in 0..8 {
            match &s.reference {
                Some(r) => s = self.root.pointed(r).unwrap_or_else(|| nothing()),
                None => return s,
            }
        }
        nothing()
    }

    /// Findings of `v` against `s`, without reporting them (for `anyOf`/`oneOf`).
    fn trial(&mut self, s: &'a Node, v: &'a Json) -> Vec<Diagnostic> {
        let mut scratch = Vec::new();
        std::mem::swap(self.out, &mut scratch);
        let depth = self.at.len();
        self.value(s, v);
        self.at.truncate(depth);
        std::mem::swap(self.out, &mut scratch);
        scratch
    }

    fn value(&mut self, s: &'a Node, v: &'a Json) {
        if v.is_null() || is_intrinsic(v) {
            return;
        }
        // `$ref` with siblings (`{"$ref": …, "maxItems": 2}`): both apply.
        if s.reference.is_some() {
            let target = self.resolve(s);
            self.value(target, v);
            if s.entries <= 1 {
                return;
            }
        }
        if !s.object {
            return;
        }
        if !self.type_ok(s, v) {
            return;
        }
        for branches in [&s.any_of, &s.one_of].into_iter().flatten() {
            let mut best: Option<Vec<Diagnostic>> = None;
            for b in branches {
                let found = self.trial(b, v);
                if found.is_empty() {
                    best = None;
                    break;
                }
                if best.as_ref().is_none_or(|x| found.len() < x.len()) {
                    best = Some(found);
                }
            }
            if let Some(found) = best {
                self.out.extend(found);
            }
        }
        for b in s.all_of.iter().flatten() {
            self.value(b, v);
        }
        match v {
            Json::Object(m) => self.object(s, m),
            Json::Array(items) => self.array(s, items),
            Json::String(text) => self.string(s, text),
            Json::Number(n) => self.range(s, n.as_f64().unwrap_or_default(), &n.to_string()),
            _ => {}
        }
        if let Some(allowed) = &s.allowed {
            self.enumeration(s, allowed, v);
        }
    }

    /// The JSON type check, with CloudFormation's scalar coercions.
    fn type_ok(&mut self, s: &Node, v: &Json) -> bool {
        let types: Vec<&str> = match &s.types {
            Some((names, _)) => names.iter().map(String::as_str).collect(),
            None => return true,
        };
        let fits = |t: &str| match (t, v) {
            ("string", Json::String(_) | Json::Number(_) | Json::Bool(_)) => true,
            ("integer", Json::Number(n)) => n.is_i64() || n.is_u64(),
            ("integer", Json::String(x)) => x.trim().parse::<i64>().is_ok(),
            ("number", Json::Number(_)) => true,
            ("number", Json::String(x)) => x.trim().parse::<f64>().is_ok(),
            ("boolean", Json::Bool(_)) => true,
            ("boolean", Json::String(x)) => {
                x.eq_ignore_ascii_case("true") || x.eq_ignore_ascii_case("false")
            }
            ("object", Json::Object(_)) => true,
            ("array", Json::Array(_)) => true,
            _ => false,
        };
        if types.iter().any(|t| fits(t)) {
            return true;
        }
        let got = match v {
            Json::String(x) => format!("the string {x:?}"),
            Json::Number(n) => format!("the number {n}"),
            Json::Bool(b) => format!("{b}"),
            Json::Array(_) => "a list".into(),
            Json::Object(_) => "an object".into(),
            Json::Null => "null".into(),
        };
        let want: Vec<&str> = types
            .iter()
            .map(|t| match *t {
                "string" => "a string",
                "integer" => "an integer",
                "number" => "a number",
                "boolean" => "a boolean",
                "object" => "an object",
                "array" => "a list",
                other => other,
            })
            .collect();
        self.report(
            codes::WRONG_TYPE,
            format!("expected {}, got {got}", want.join(" or ")),
            None,
        );
        false
    }

    /// Property names a schema (and its composite branches) declares.
    fn declared(&self, s: &'a Node, names: &mut Vec<&'a str>) {
        let s = self.resolve(s);
        if let Some(p) = &s.properties {
            names.extend(p.iter().map(|(k, _)| k.as_str()));
        }
        for branches in [&s.all_of, &s.any_of, &s.one_of].into_iter().flatten() {
            for b in branches {
                self.declared(b, names);
            }
        }
    }

    fn object(&mut self, s: &'a Node, m: &'a Map<String, Json>) {
        let props = s.properties.as_deref();
        let patterns = s.pattern_properties.as_deref();
        let closed = s.closed;
        let extra = s.additional.as_ref().map(|a| a.get());
        // Only an unknown key needs the full list (composite branches included).
        let mut declared: Option<Vec<&'a str>> = None;
        for (k, val) in m {
            self.at.push(Seg::Key(k));
            if let Some(sub) = props.and_then(|p| find(p, k)) {
                if !self.meta.deprecated.is_empty()
                    && self.meta.deprecated.contains(&self.pattern())
                {
                    // An error like every schema finding: a deprecated
                    // property may stop working; keeping one is a decision
                    // to record with a suppression and its reason.
                    let mut d = Diagnostic::error(
                        self.path,
                        format!(
                            "{} property {} is deprecated",
                            self.meta.type_name,
                            self.shown()
                        ),
                    )
                    .with_code(codes::DEPRECATED);
                    d.hint = Some(format!(
                        "see {} for its replacement; or suppress(\"{}\", reason) to keep it",
                        self.meta.docs_url(),
                        codes::DEPRECATED
                    ));
                    self.out.push(d);
                }
                self.value(sub, val);
            } else if let Some(sub) = patterns.and_then(|p| {
                p.iter()
                    .find(|(pat, _)| matches(pat, k).unwrap_or(true))
                    .map(|(_, sub)| sub.get())
            }) {
                self.value(sub, val);
            } else if let Some(sub) = extra {
                self.value(sub, val);
            } else if closed && {
                let names = declared.get_or_insert_with(|| {
                    let mut names = Vec::new();
                    self.declared(s, &mut names);
                    names
                });
                !names.contains(&k.as_str())
            } {
                let declared = declared.clone().unwrap_or_default();
                self.at.pop();
                let hint = match closest(k, declared.iter().copied()) {
                    Some(c) => format!("did you mean {c}?"),
                    None if declared.is_empty() => "this object takes no properties".into(),
                    None => format!("valid properties: {}", declared.join(", ")),
                };
                let where_ = if self.at.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", self.shown())
                };
                self.at.push(Seg::Key(k));
                let message = format!("{}: unknown property {}{where_}", self.meta.type_name, k);
                self.out.push(
                    Diagnostic::error(self.path, message)
                        .with_code(codes::UNKNOWN_PROPERTY)
                        .with_hint(hint),
                );
            }
            self.at.pop();
        }
        if let Some(req) = &s.required {
            for r in req {
                if !m.contains_key(r) {
                    let where_ = if self.at.is_empty() {
                        String::new()
                    } else {
                        format!(" in {}", self.shown())
                    };
                    let message = format!(
                        "{}: required property {r} is missing{where_}",
                        self.meta.type_name
                    );
                    self.out.push(
                        Diagnostic::error(self.path, message)
                            .with_code(codes::MISSING_REQUIRED)
                            .with_hint(format!("set {r}; see {}", self.meta.docs_url())),
                    );
                }
            }
        }
        let limits = (s.min_properties, s.max_properties);
        self.bounds(limits, m.len(), "properties");
    }

    fn array(&mut self, s: &'a Node, items: &'a [Json]) {
        if let Some(item) = s.items.as_ref().map(|i| i.get()) {
            for (i, v) in items.iter().enumerate() {
                self.at.push(Seg::Index(i));
                self.value(item, v);
                self.at.pop();
            }
        }
        self.bounds((s.min_items, s.max_items), items.len(), "items");
    }

    fn string(&mut self, s: &Node, text: &str) {
        if s.min_length.is_some() || s.max_length.is_some() {
            let limits = (s.min_length, s.max_length);
            self.bounds(limits, text.chars().count(), "characters");
        }
        if let Some(p) = &s.pattern {
            if matches(p, text) == Some(false) {
                self.report(
                    codes::OUT_OF_BOUNDS,
                    format!("{text:?} does not match the pattern {p}"),
                    None,
                );
            }
        }
        let numeric = matches!(&s.types, Some((names, true)) if names.iter().any(|t| t == "integer" || t == "number"));
        if numeric {
            if let Ok(n) = text.trim().parse::<f64>() {
                self.range(s, n, text);
            }
        }
    }

    fn range(&mut self, s: &Node, n: f64, shown: &str) {
        if let Some(min) = s.minimum {
            if n < min {
                self.report(
                    codes::OUT_OF_BOUNDS,
                    format!("{shown} is below the minimum {}", num(min)),
                    None,
                );
            }
        }
        if let Some(max) = s.maximum {
            if n > max {
                self.report(
                    codes::OUT_OF_BOUNDS,
                    format!("{shown} is above the maximum {}", num(max)),
                    None,
                );
            }
        }
    }

    fn bounds(&mut self, (min, max): (Option<u64>, Option<u64>), len: usize, unit: &str) {
        let len = len as u64;
        if let Some(min) = min {
            if len < min {
                self.report(
                    codes::OUT_OF_BOUNDS,
                    format!("has {len} {unit}, fewer than the minimum {min}"),
                    None,
                );
            }
        }
        if let Some(max) = max {
            if len > max {
                self.report(
                    codes::OUT_OF_BOUNDS,
                    format!("has {len} {unit}, more than the maximum {max}"),
                    None,
                );
            }
        }
    }

    fn enumeration(&mut self, s: &Node, allowed: &[Json], v: &Json) {
        let loose = s.enum_case_insensitive;
        let text = |x: &Json| match x {
            Json::String(t) => t.clone(),
            other => other.to_string(),
        };
        let mine = text(v);
        let ok = allowed.iter().any(|a| {
            let a = text(a);
            if loose {
                a.eq_ignore_ascii_case(&mine)
            } else {
                a == mine
            }
        });
        if !ok {
            let names: Vec<String> = allowed.iter().map(text).collect();
            let hint = match closest(&mine, names.iter().map(String::as_str)) {
                Some(c) => format!("did you mean {c}? (allowed: {})", names.join(", ")),
                None => format!("allowed: {}", names.join(", ")),
            };
            self.report(
                codes::NOT_IN_ENUM,
                format!("{mine:?} is not an allowed value"),
                Some(hint),
            );
        }
    }
}

/// `900` rather than `900.0`.
fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests;
