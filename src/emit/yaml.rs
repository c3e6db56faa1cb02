//! A YAML emitter for JSON trees. serde_yaml leaves YAML 1.1 booleans and
//! sexagesimals (`on`, `yes`, `12:30`) unquoted, which Kubernetes tooling
//! misreads; this emitter quotes every string that any YAML 1.1 or 1.2
//! resolver could read as something else, and is byte-stable.

use serde_json::Value;

use crate::core::LiteValue;

/// What the writer reads of a tree: both `serde_json::Value` and the
/// hash-free [`LiteValue`] objects are rendered from, through one writer.
pub trait YamlTree: Sized {
    /// The node, seen as one of the JSON shapes.
    fn view(&self) -> View<'_, Self>;
    /// Calls `f` on each entry of a map, in order (nothing for other shapes).
    fn for_each_entry(&self, f: &mut dyn FnMut(&str, &Self));
}

/// One node of a [`YamlTree`].
pub enum View<'a, T> {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(&'a serde_json::Number),
    /// A string.
    Str(&'a str),
    /// A sequence.
    Seq(&'a [T]),
    /// A map with this many entries.
    Map(usize),
}

impl YamlTree for Value {
    fn view(&self) -> View<'_, Self> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(n),
            Value::String(s) => View::Str(s),
            Value::Array(a) => View::Seq(a),
            Value::Object(m) => View::Map(m.len()),
        }
    }
    fn for_each_entry(&self, f: &mut dyn FnMut(&str, &Self)) {
        if let Value::Object(m) = self {
            m.iter().for_each(|(k, v)| f(k, v));
        }
    }
}

impl YamlTree for LiteValue {
    fn view(&self) -> View<'_, Self> {
        match self {
            LiteValue::Null => View::Null,
            LiteValue::Bool(b) => View::Bool(*b),
            LiteValue::Number(n) => View::Number(n),
            LiteValue::String(s) => View::Str(s),
            LiteValue::Array(a) => View::Seq(a),
            LiteValue::Object(m) => View::Map(m.len()),
        }
    }
    fn for_each_entry(&self, f: &mut dyn FnMut(&str, &Self)) {
        if let LiteValue::Object(m) = self {
            m.iter().for_each(|(k, v)| f(k, v));
        }
    }
}

/// One YAML document (no `---`), block style, two-space indent, final newline.
pub fn to_yaml<T: YamlTree>(v: &T) -> String {
    let mut out = String::with_capacity(256);
    match v.view() {
        View::Map(n) if n > 0 => write_map(&mut out, v, 0),
        View::Seq(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        _ => {
            write_scalar(&mut out, v, 0);
            out.push('\n');
        }
    }
    out
}

/// Several documents separated by `---`.
pub fn to_yaml_stream<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let docs: Vec<String> = docs.into_iter().map(to_yaml).collect();
    join_stream(docs.iter().map(String::as_str))
}

/// Documents already rendered to YAML, separated by `---`.
pub fn join_stream<'a>(docs: impl IntoIterator<Item = &'a str>) -> String {
    // Sized first: a chart of 10,000 objects is 9 MB, and a string grown by
    // doubling would hold up to twice that (three times while it moves).
    let docs: Vec<&str> = docs.into_iter().collect();
    let size = docs.iter().map(|d| d.len() + 4).sum::<usize>();
    let mut out = String::with_capacity(size);
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(d);
    }
    out
}

fn indent(out: &mut String, n: usize) {
    // A slice of spaces at a time: a space at a time was a tenth of a
    // key's cost.
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

fn is_collection<T: YamlTree>(v: &T) -> bool {
    match v.view() {
        View::Map(n) => n > 0,
        View::Seq(a) => !a.is_empty(),
        _ => false,
    }
}

fn write_map<T: YamlTree>(out: &mut String, m: &T, level: usize) {
    let mut first = true;
    m.for_each_entry(&mut |k, v| {
        if !first {
            indent(out, level);
        }
        first = false;
        let start = out.len();
        write_string(out, k, level, true);
        if out.len() - start > MAX_IMPLICIT_KEY_CHARS
            && out[start..].chars().count() > MAX_IMPLICIT_KEY_CHARS
        {
            // YAML caps an implicit key at 1,024 characters; a longer one
            // needs the explicit `? key` / `: value` form.
            out.insert_str(start, "? ");
            out.push('\n');
            indent(out, level);
        }
        out.push(':');
        write_value_after_key(out, v, level);
    });
}

/// Longest key written in implicit (`key: value`) form. YAML 1.1 and 1.2
/// both cap implicit keys at 1,024 characters; the margin covers quotes.
const MAX_IMPLICIT_KEY_CHARS: usize = 1000;

fn write_value_after_key<T: YamlTree>(out: &mut String, v: &T, level: usize) {
    match v.view() {
        View::Map(n) if n > 0 => {
            out.push('\n');
            indent(out, level + 2);
            write_map(out, v, level + 2);
        }
        View::Seq(a) if !a.is_empty() => {
            out.push('\n');
            indent(out, level + 2);
            write_seq(out, a, level + 2);
        }
        _ => {
            out.push(' ');
            write_scalar(out, v, level + 2);
            out.push('\n');
        }
    }
}

fn write_seq<T: YamlTree>(out: &mut String, a: &[T], level: usize) {
    let mut first = true;
    for v in a {
        if !first {
            indent(out, level);
        }
        first = false;
        out.push_str("- ");
        if is_collection(v) {
            match v.view() {
                View::Map(_) => write_map(out, v, level + 2),
                View::Seq(inner) => write_seq(out, inner, level + 2),
                _ => {}
            }
        } else {
            write_scalar(out, v, level + 2);
            out.push('\n');
        }
    }
}

fn write_scalar<T: YamlTree>(out: &mut String, v: &T, level: usize) {
    match v.view() {
        View::Null => out.push_str("null"),
        View::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        View::Number(n) => write_number(out, n),
        View::Str(s) => write_string(out, s, level, false),
        View::Map(_) => out.push_str("{}"),
        View::Seq(_) => out.push_str("[]"),
    }
}

/// A number both YAML 1.1 (`1.0e+300`: a dot and a signed exponent) and
/// YAML 1.2 read as the same float; integers are written as they are.
fn write_number(out: &mut String, n: &serde_json::Number) {
    let text = n.to_string();
    let Some(e) = text.find(['e', 'E']) else {
        out.push_str(&text);
        return;
    };
    let (mantissa, exponent) = (&text[..e], &text[e + 1..]);
    out.push_str(mantissa);
    if !mantissa.contains('.') {
        out.push_str(".0");
    }
    out.push('e');
    if !exponent.starts_with(['+', '-']) {
        out.push('+');
    }
    out.push_str(exponent);
}

fn write_string(out: &mut String, s: &str, level: usize, is_key: bool) {
    // Most strings are plain; one scan settles them. A plain-safe string
    // has no newline, so testing it first keeps the block form's choice.
    if is_plain_safe(s) {
        out.push_str(s);
        return;
    }
    // A literal block at the document's top level would be unindented, and
    // its lines could read as document markers.
    if !is_key && level > 0 && s.contains('\n') && block_safe(s) {
        // Literal block: readable for config files and scripts.
        let chomp = if s.ends_with('\n') { "" } else { "-" };
        out.push('|');
        out.push_str(chomp);
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                indent(out, level);
                out.push_str(line);
            }
        }
        return;
    }
    if !s.chars().any(needs_escape) {
        out.push('\'');
        for (i, part) in s.split('\'').enumerate() {
            if i > 0 {
                out.push_str("''");
            }
            out.push_str(part);
        }
        out.push('\'');
    } else {
        write_double_quoted(out, s);
    }
}

/// A literal block keeps the text exactly only without leading blanks on the
/// first line, trailing blank lines or control characters.
fn block_safe(s: &str) -> bool {
    !s.starts_with([' ', '\t', '\n'])
        && !s.ends_with("\n\n")
        && !s.chars().any(|c| c != '\n' && needs_escape(c))
        && !s.lines().any(|l| l.ends_with(' ') || l.ends_with('\t'))
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Characters written only as a `\\u` escape inside double quotes: control
/// characters (C0, DEL, C1 with NEL among them), the line and paragraph
/// separators U+2028/U+2029 (line breaks to YAML 1.1 readers such as
/// libyaml and PyYAML), the byte-order mark, and the non-characters YAML
/// does not allow raw (U+FFFE, U+FFFF). Written raw, any of them lets one
/// value rewrite the lines after it for some reader.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// Whether `s` is a YAML 1.1 or 1.2 word that resolves to a boolean or null
/// (or the merge key, or `=`). A `match`, not a search of a list: this is
/// asked of every short string written.
fn is_reserved(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "null"
            | "Null"
            | "NULL"
            | "~"
            | "<<"
            | "="
    )
}

/// Whether `s` can be written without quotes and still read back as the same
/// string under YAML 1.1 and 1.2. Deliberately conservative.
fn is_plain_safe(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || is_reserved(s) {
        return false;
    }
    let first = b[0];
    // Anything that starts like a number (1, -1, +1, .5, 0x1F, 1e3, 12:30,
    // 2024-01-01, .inf) is quoted rather than classified exactly.
    if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.') && b.len() > 1 {
        let second = b.get(1).copied().unwrap_or(b' ');
        if first.is_ascii_digit() || second.is_ascii_digit() || matches!(second, b'.' | b'_') {
            return false;
        }
        if [".inf", "-.inf", "+.inf", ".nan"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(s))
        {
            return false;
        }
    }
    if matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b' '
            | b'\t'
    ) {
        return false;
    }
    if matches!(b[b.len() - 1], b' ' | b'\t' | b':') {
        return false;
    }
    // Most strings (names, labels, images) hold none of the bytes the
    // exact pass below looks at: a branch-free pass, which vectorizes,
    // settles them.
    if !has_special_byte(b) {
        return true;
    }
    // One pass for what may not appear anywhere: ": ", " #", flow
    // indicators, tabs and ASCII control characters.
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' | b'}' | b'[' | b']' | b',' | b'\t' => return false,
            b':' if b.get(i + 1) == Some(&b' ') => return false,
            b' ' if b.get(i + 1) == Some(&b'#') => return false,
            c if c < 0x20 || c == 0x7f => return false,
            _ => {}
        }
    }
    // Beyond ASCII: C1 control characters and the byte-order mark.
    s.is_ascii() || !s.chars().any(needs_escape)
}

/// Whether `b` holds a byte [`is_plain_safe`]'s exact pass must look at:
/// a space, tab or control character, `:` or `,`, a flow bracket, DEL, or
/// any byte beyond ASCII. A block of bytes at a time, without a branch per
/// byte: this runs over every string written.
fn has_special_byte(b: &[u8]) -> bool {
    // `[` and `]` are `{` and `}` with bit 0x20 clear.
    let special = |c: u8| {
        (c <= b' ')
            | (c >= 0x7f)
            | (c == b':')
            | (c == b',')
            | ((c | 0x20) == b'{')
            | ((c | 0x20) == b'}')
    };
    b.chunks(32)
        .any(|block| block.iter().fold(false, |seen, &c| seen | special(c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The branch-free pre-check flags every byte the exact pass reacts to
    /// (and the bytes beyond ASCII, which the last check reads), and no
    /// other: a string of letters, digits and `./-_` is settled by it.
    #[test]
    fn the_pre_check_flags_exactly_the_bytes_the_exact_pass_reads() {
        for c in 0..=255u8 {
            let expected =
                c <= b' ' || c >= 0x7f || matches!(c, b':' | b',' | b'{' | b'}' | b'[' | b']');
            assert_eq!(has_special_byte(&[c]), expected, "{c:#x}");
            // In the middle of a long string too (past the first block).
            let mut long = vec![b'a'; 70];
            long[40] = c;
            assert_eq!(has_special_byte(&long), expected, "{c:#x}");
        }
        assert!(is_plain_safe("registry.example.com/team/app_v2-latest"));
        assert!(!is_plain_safe("a,b") && !is_plain_safe("a #b") && !is_plain_safe("a: b"));
        assert!(is_plain_safe("a:b") && is_plain_safe("a b") && is_plain_safe("caf\u{e9}"));
    }

    #[test]
    fn quotes_every_ambiguous_scalar() {
        for s in [
            "on",
            "yes",
            "no",
            "off",
            "y",
            "n",
            "NO",
            "Off",
            "0755",
            "1e3",
            "12:30",
            "~",
            "null",
            "1_000",
            "0x1F",
            ".inf",
            "-.inf",
            "true",
            "-",
            "",
            "2024-01-01",
            "a: b",
            "#x",
            "*",
            "&a",
            "@x",
            "%",
            "0o17",
            "+12",
            ".5",
            "1.",
            "<<",
            "=",
            "1.28",
            "-1",
            "x ",
        ] {
            let y = to_yaml(&json!({ "k": s }));
            assert!(
                y.starts_with("k: '") || y.starts_with("k: \""),
                "{s:?} was not quoted: {y}"
            );
            let back: serde_json::Value = serde_yaml::from_str(&y).unwrap();
            assert_eq!(back["k"], json!(s), "{s:?} did not round-trip");
        }
    }

    #[test]
    fn plain_strings_stay_plain() {
        assert_eq!(
            to_yaml(&json!({"k": "order-service"})),
            "k: order-service\n"
        );
        assert_eq!(
            to_yaml(&json!({"k": "AWS::EC2::VPC"})),
            "k: AWS::EC2::VPC\n"
        );
    }

    #[test]
    fn nested_structures_round_trip() {
        let v = json!({
            "apiVersion": "v1",
            "list": [1, "two", {"a": [], "b": {}}, [3, 4], true, null],
            "map": {"x": {"y": "z"}},
            "multi": "line one\nline two\n",
            "multi2": "a\n\nb",
            "tricky": "  leading\nx",
            "quote": "it's",
            "ctrl": "bell\u{7}"
        });
        let y = to_yaml(&v);
        let back: serde_json::Value = serde_yaml::from_str(&y).unwrap();
        assert_eq!(back, v, "{y}");
    }

    /// Indentation past the 64 spaces written at a time: a tree nested 40
    /// maps and sequences deep (its leaf past column 64) reads back whole.
    #[test]
    fn deep_nesting_is_indented_past_one_run_of_spaces() {
        let mut v = json!({"leaf": "a\nb\n", "n": 1});
        for i in 0..40 {
            v = if i % 2 == 0 {
                json!({ "k": v })
            } else {
                json!([v, "x"])
            };
        }
        let y = to_yaml(&v);
        let line = y.lines().find(|l| l.trim_start().starts_with("leaf:"));
        let column = line.map_or(0, |l| l.len() - l.trim_start().len());
        assert!(column > 64, "{y}");
        let back: serde_json::Value = serde_yaml::from_str(&y).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn streams_separate_documents() {
        let a = json!({"a": 1});
        let b = json!({"b": 2});
        assert_eq!(to_yaml_stream([&a, &b]), "a: 1\n---\nb: 2\n");
    }
}
