//! The CRDs' `x-kubernetes-validations` rules, evaluated offline with the
//! `cel` crate (feature `cel`) the way the API server evaluates them on a
//! create: `self` is the value at the rule's schema node.
//!
//! A rule is reported as violated only when it evaluates to `false`. A rule
//! that does not compile or that fails to evaluate here (a Kubernetes CEL
//! library function the crate lacks, such as `isURL` or `format.dns1123Label`)
//! is not evaluated and is counted, never guessed. Transition rules (those
//! reading `oldSelf`) apply only to updates, so on a create they are not
//! rules at all and are not counted either.

use super::tree::Tree;

/// What evaluating one rule on one value gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "cel"), allow(dead_code))]
pub(super) enum Outcome {
    /// The rule holds.
    Holds,
    /// The rule evaluated to `false`: the API server refuses the object.
    Violated,
    /// A transition rule (`oldSelf`): it does not apply to a create.
    NotApplicable,
    /// Could not be evaluated offline.
    Skipped,
}

/// Evaluates `rule` with `self` bound to `value`.
pub(super) fn evaluate<T: Tree>(rule: &str, value: &T) -> Outcome {
    if rule.contains("oldSelf") {
        return Outcome::NotApplicable;
    }
    imp::evaluate(rule, value)
}

#[cfg(feature = "cel")]
mod imp {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    use cel::common::types::{CelBool, CelInt, CelString};
    use cel::{Context, Env, ExecutionError, Program, Value};

    use super::super::tree::{Tree, View};
    use super::Outcome;

    /// A Go duration (`1h30m`, `500ms`) in nanoseconds. Kubernetes' rules only
    /// compare durations, which integers do as well; this keeps the crate's
    /// `chrono` feature (and its time-zone database) out of the build.
    fn k8s_duration(s: &CelString<'_>) -> Result<CelInt, ExecutionError> {
        let text = s.inner();
        let mut rest = text;
        let mut total: f64 = 0.0;
        let err =
            || ExecutionError::function_error("duration", format!("invalid duration {text:?}"));
        if rest == "0" {
            return Ok(CelInt::from(0));
        }
        if rest.is_empty() {
            return Err(err());
        }
        while !rest.is_empty() {
            let n = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(err)?;
            let value: f64 = rest[..n].parse().map_err(|_| err())?;
            rest = &rest[n..];
            let (unit, len) = [
                ("ns", 1.0),
                ("us", 1e3),
                ("µs", 1e3),
                ("ms", 1e6),
                ("h", 3.6e12),
                ("m", 6e10),
                ("s", 1e9),
            ]
            .into_iter()
            .find(|(u, _)| rest.starts_with(u))
            .map(|(u, f)| (f, u.len()))
            .ok_or_else(err)?;
            total += value * unit;
            rest = &rest[len..];
        }
        Ok(CelInt::from(total as i64))
    }

    fn is_ip(s: &CelString<'_>) -> CelBool {
        CelBool::from(s.inner().parse::<std::net::IpAddr>().is_ok())
    }

    /// The standard library, the strings extension (`substring`, `split`,
    /// `lowerAscii`…) and the Kubernetes functions written here.
    fn env() -> Option<Arc<Env>> {
        static ENV: OnceLock<Option<Arc<Env>>> = OnceLock::new();
        ENV.get_or_init(|| {
            let mut env = Env::stdlib();
            env.add_extension(cel::extensions::strings).ok()?;
            cel::add_overload!(env, fn k8s_duration: (CelString) -> Result<CelInt>, name = "duration").ok()?;
            cel::add_overload!(env, fn is_ip: (CelString) -> CelBool, name = "isIP").ok()?;
            Some(Arc::new(env))
        })
        .clone()
    }

    /// Compiled rules by text: the same few hundred rules are evaluated on
    /// every object of their kind. `None` when the text does not compile.
    fn program(rule: &str) -> Option<Arc<Program>> {
        static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Program>>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let mut guard = cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = guard.get(rule) {
            return p.clone();
        }
        // The parser may panic on inputs it does not expect; a rule is data
        // from a CRD, so a panic is a rule not evaluated, not a crash.
        let compiled = env().and_then(|env| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| env.compile(rule)))
                .ok()
                .and_then(Result::ok)
                .map(Arc::new)
        });
        guard.insert(rule.to_string(), compiled.clone());
        compiled
    }

    /// A property name as Kubernetes' CEL sees it: a CEL reserved word is
    /// `__word__` (`namespace` → `__namespace__`), and `__`, `.`, `-`, `/`
    /// are spelt out.
    fn escape(key: &str) -> String {
        const RESERVED: &[&str] = &[
            "true",
            "false",
            "null",
            "in",
            "as",
            "break",
            "const",
            "continue",
            "else",
            "for",
            "function",
            "if",
            "import",
            "let",
            "loop",
            "package",
            "namespace",
            "return",
            "var",
            "void",
            "while",
        ];
        if RESERVED.contains(&key) {
            return format!("__{key}__");
        }
        key.replace("__", "__underscores__")
            .replace('.', "__dot__")
            .replace('-', "__dash__")
            .replace('/', "__slash__")
    }

    fn to_cel<T: Tree>(v: &T, depth: usize) -> Value {
        if depth > 64 {
            return Value::Null;
        }
        match v.view() {
            View::Null => Value::Null,
            View::Bool(b) => Value::Bool(b),
            View::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Value::Int(i),
                (None, Some(u)) => Value::UInt(u),
                _ => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            View::String(s) => Value::String(Arc::new(s.to_string())),
            View::Array(a) => {
                Value::List(Arc::new(a.iter().map(|x| to_cel(x, depth + 1)).collect()))
            }
            View::Object(_) => {
                let map: HashMap<String, Value> = v
                    .entries()
                    .map(|(k, x)| (escape(k), to_cel(x, depth + 1)))
                    .collect();
                Value::Map(map.into())
            }
        }
    }

    pub(super) fn evaluate<T: Tree>(rule: &str, value: &T) -> Outcome {
        let Some(program) = program(rule) else {
            return Outcome::Skipped;
        };
        let Some(env) = env() else {
            return Outcome::Skipped;
        };
        let mut ctx = Context::with_env(env);
        ctx.add_variable_from_value("self", to_cel(value, 0));
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| program.execute(&ctx)));
        match result {
            Ok(Ok(Value::Bool(true))) => Outcome::Holds,
            Ok(Ok(Value::Bool(false))) => Outcome::Violated,
            _ => Outcome::Skipped,
        }
    }
}

#[cfg(not(feature = "cel"))]
mod imp {
    use super::super::tree::Tree;
    use super::Outcome;

    pub(super) fn evaluate<T: Tree>(_rule: &str, _value: &T) -> Outcome {
        Outcome::Skipped
    }
}

#[cfg(all(test, feature = "cel"))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_hold_fail_or_are_skipped() {
        let l = json!({"protocol": "TCP", "hostname": "x.example.com"});
        assert_eq!(
            evaluate("!(has(self.hostname) && self.protocol == 'TCP')", &l),
            Outcome::Violated
        );
        assert_eq!(evaluate("self.protocol == 'TCP'", &l), Outcome::Holds);
        assert_eq!(evaluate("isURL(self.hostname)", &l), Outcome::Skipped);
        assert_eq!(
            evaluate("self.hostname.substring(2) == 'example.com'", &l),
            Outcome::Holds
        );
        let t = json!({"request": "10s", "backendRequest": "1m30s"});
        assert_eq!(
            evaluate("duration(self.request) < duration(self.backendRequest) && duration('1h') > duration('59m')", &t),
            Outcome::Holds
        );
        assert_eq!(
            evaluate("isIP('10.0.0.1') && !isIP(self.request)", &t),
            Outcome::Holds
        );
        let r = json!({"namespace": "a", "x-y": 1});
        assert_eq!(
            evaluate("self.__namespace__ == 'a' && self.x__dash__y == 1", &r),
            Outcome::Holds
        );
        assert_eq!(evaluate("self == oldSelf", &l), Outcome::NotApplicable);
        assert_eq!(evaluate("self.(", &l), Outcome::Skipped);
    }
}
