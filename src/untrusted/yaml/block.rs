//! A reader for the plain block style most Kubernetes YAML is written in
//! (what `kubectl get -o yaml`, Helm and meshsynth write): block mappings
//! and sequences, one-line scalars, literal block scalars, one-line flow
//! collections. libyaml's scanner and serde_yaml's events were two thirds
//! of `analyze`'s time; this reads such a document in one pass over its
//! lines.
//!
//! It never decides anything libyaml might decide differently: on the
//! first line it does not fully understand (a tab, an anchor, a flow
//! collection over lines, a scalar over two lines, a key that is not a
//! string, a duplicate key, anything malformed) it gives up, and the
//! document is read by libyaml as before, with libyaml's errors. It bounds
//! its own nesting at [`MAX_NESTING`] collections and leaves a deeper
//! document to libyaml's path, whose nesting pre-scan refuses it. The
//! property tests and the real-YAML test in `tests.rs`, and the
//! `read_yaml` fuzz target, hold its values and counts to libyaml's.

use serde_json::{Map, Value as Json};

use super::yaml11::yaml11_shape;
use crate::untrusted::MAX_NESTING;

/// A document read by the block reader, with what it materialized, counted
/// as [`super::YamlReader`]'s budget counts it (every node, keys included,
/// and every byte of string).
#[derive(Debug, PartialEq)]
pub(super) struct Read {
    pub(super) value: Json,
    pub(super) nodes: usize,
    pub(super) bytes: usize,
    /// Whether a plain scalar read as a string has a YAML 1.1-only shape.
    pub(super) yaml11: super::Yaml11,
}

/// The document `text` (one, with an optional leading `---` line), or
/// `None` when it uses anything beyond the block style this reader knows.
pub(super) fn read(text: &str) -> Option<Read> {
    if !plain_text(text) {
        return None;
    }
    // `split('\n')`, with the breaks found by `memchr`: this runs over
    // every document `analyze` reads.
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..end]);
        start = end + 1;
    }
    lines.push(&text[start..]);
    let mut p = Reader {
        lines,
        i: 0,
        nodes: 0,
        bytes: 0,
        ends_with_break: text.ends_with('\n'),
        entries: Vec::new(),
        items: Vec::new(),
        depth: 0,
        yaml11: false,
    };
    p.skip_blank();
    let first = p.line()?;
    if let Some(rest) = first.strip_prefix("---") {
        if !rest.bytes().all(|b| b == b' ') {
            return None;
        }
        p.i += 1;
        p.skip_blank();
    }
    // Another marker, a directive or an end marker: libyaml's to read.
    if p.lines[p.i..]
        .iter()
        .any(|l| l.starts_with("---") || l.starts_with("..."))
    {
        return None;
    }
    let line = p.line()?;
    let value = p.collection(indent(line))?;
    p.skip_blank();
    if p.i < p.lines.len() {
        return None;
    }
    Some(Read {
        value,
        nodes: p.nodes,
        bytes: p.bytes,
        yaml11: if p.yaml11 {
            super::Yaml11::Maybe
        } else {
            super::Yaml11::Same
        },
    })
}

/// No byte libyaml treats specially outside the block style's grammar:
/// tabs, carriage returns, control characters, and the non-ASCII line
/// breaks and non-printable characters (NEL and the other C1 controls,
/// U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF).
fn plain_text(text: &str) -> bool {
    let b = text.as_bytes();
    // A block of bytes at a time, without a branch per byte, so the test
    // vectorizes: this runs over every document `analyze` reads.
    let control = |block: &[u8]| {
        block.iter().fold(false, |seen, &c| {
            seen | ((c < 0x20) & (c != b'\n')) | (c == 0x7f)
        })
    };
    if b.chunks(64).any(control) {
        return false;
    }
    if b.is_ascii() {
        return true;
    }
    !text.chars().any(|c| {
        matches!(
            c,
            '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
    })
}

fn indent(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// A line with nothing to read: empty, spaces, or a comment.
fn blank(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// `-` as a block sequence entry: followed by a space or the line's end.
fn entry(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

struct Reader<'t> {
    lines: Vec<&'t str>,
    /// The line being read.
    i: usize,
    nodes: usize,
    bytes: usize,
    ends_with_break: bool,
    /// The entries of the mappings being read, innermost last; a mapping
    /// takes its own off the top when it ends. Built at its final size, a
    /// map is allocated once instead of grown (growing every map and list
    /// a document holds was much of `analyze`'s allocation). A `None`
    /// anywhere gives the whole read up, so what it leaves here is dropped.
    entries: Vec<(String, Json)>,
    /// The same for the items of the sequences being read.
    items: Vec<Json>,
    /// The collections open around the one being read.
    depth: usize,
    /// A plain scalar read as a string has a YAML 1.1-only shape.
    yaml11: bool,
}

impl<'t> Reader<'t> {
    fn line(&self) -> Option<&'t str> {
        self.lines.get(self.i).copied()
    }

    /// Opens a collection; `None` past [`MAX_NESTING`], which gives the
    /// document to libyaml's path (and its pre-scan's error).
    fn open(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_NESTING).then_some(())
    }

    /// A plain scalar's string; noted when YAML 1.1 may read it otherwise.
    fn plain_string(&mut self, s: &str) -> Json {
        self.yaml11 |= yaml11_shape(s.as_bytes());
        self.string(s.to_owned())
    }

    fn skip_blank(&mut self) {
        while self.line().is_some_and(blank) {
            self.i += 1;
        }
    }

    /// The indentation of the next line with content, if any.
    fn next_indent(&mut self) -> Option<usize> {
        self.skip_blank();
        self.line().map(indent)
    }

    /// A block collection starting at column `col` of the current line.
    fn collection(&mut self, col: usize) -> Option<Json> {
        let rest = self.line()?.get(col..)?;
        if entry(rest) {
            self.sequence(col)
        } else {
            // Its first key is read by `mapping`; anything else gives up there.
            self.mapping(col)
        }
    }

    /// A block sequence whose entries are at column `n`.
    fn sequence(&mut self, n: usize) -> Option<Json> {
        self.open()?;
        self.nodes += 1;
        let base = self.items.len();
        loop {
            let line = self.line()?;
            let after = &line[n + 1..];
            let content = after.trim_start_matches(' ');
            let col = line.len() - content.len();
            let item = if content.is_empty() || content.starts_with('#') {
                self.i += 1;
                match self.next_indent() {
                    Some(ind) if ind > n => self.collection(ind)?,
                    _ => self.null(),
                }
            } else if entry(content) {
                return None;
            } else if key(content).is_some() {
                self.mapping(col)?
            } else {
                self.inline(content, n as isize)?
            };
            self.items.push(item);
            match self.next_indent() {
                Some(ind) if ind == n && entry(&self.line()?[n..]) => {}
                Some(ind) if ind > n => return None,
                _ => {
                    self.depth -= 1;
                    return Some(Json::Array(self.items.drain(base..).collect()));
                }
            }
        }
    }

    /// A block mapping whose keys are at column `m` (the first may start
    /// mid-line, after a sequence entry's `- `).
    fn mapping(&mut self, m: usize) -> Option<Json> {
        self.open()?;
        self.nodes += 1;
        let base = self.entries.len();
        loop {
            let line = self.line()?;
            let (k, after) = key(line.get(m..)?)?;
            let k = k.into_owned();
            self.nodes += 1;
            self.bytes += k.len();
            let rest = after.trim_start_matches(' ');
            let value = if rest.is_empty() || rest.starts_with('#') {
                self.i += 1;
                match self.next_indent() {
                    Some(ind) if ind > m => self.collection(ind)?,
                    Some(ind) if ind == m && entry(&self.line()?[m..]) => self.sequence(m)?,
                    _ => self.null(),
                }
            } else {
                self.inline(rest, m as isize)?
            };
            self.entries.push((k, value));
            match self.next_indent() {
                Some(ind) if ind == m && !entry(&self.line()?[m..]) => {}
                Some(ind) if ind >= m => return None,
                _ => break,
            }
        }
        let mut map = Map::with_capacity(self.entries.len() - base);
        for (k, v) in self.entries.drain(base..) {
            // A duplicate key is libyaml's to read (and refuse).
            if map.insert(k, v).is_some() {
                return None;
            }
        }
        self.depth -= 1;
        Some(Json::Object(map))
    }

    fn null(&mut self) -> Json {
        self.nodes += 1;
        Json::Null
    }

    fn string(&mut self, s: String) -> Json {
        self.nodes += 1;
        self.bytes += s.len();
        Json::String(s)
    }

    /// A value that starts on the current line after its key or `- `
    /// (`rest`, spaces before it removed); moves past the lines it takes.
    fn inline(&mut self, rest: &str, parent: isize) -> Option<Json> {
        let first = rest.as_bytes()[0];
        let value = match first {
            b'\'' | b'"' => {
                let (s, after) = quoted(rest)?;
                if !comment_or_nothing(after) {
                    return None;
                }
                self.string(s)
            }
            b'|' => return self.literal(rest, parent),
            b'[' | b'{' => {
                let (value, after) = self.flow(rest)?;
                if !comment_or_nothing(after) {
                    return None;
                }
                value
            }
            _ => {
                let s = plain(rest)?;
                // `a: b: c` and `a: b:` are errors for libyaml.
                if key_colon(s.as_bytes()).is_some() {
                    return None;
                }
                match resolve(s)? {
                    Scalar::Str => self.plain_string(s),
                    Scalar::Value(v) => {
                        self.nodes += 1;
                        v
                    }
                }
            }
        };
        self.i += 1;
        Some(value)
    }

    /// A literal block scalar (`|` or `|-`) whose header is `rest`; its
    /// content is more indented than `parent`.
    fn literal(&mut self, header: &str, parent: isize) -> Option<Json> {
        let strip = match header.trim_end_matches(' ') {
            "|" => false,
            "|-" => true,
            _ => return None,
        };
        self.i += 1;
        let first = self.line()?;
        // Leading empty lines set the indentation in ways left to libyaml.
        if first.trim_start_matches(' ').is_empty() {
            return None;
        }
        let k = indent(first);
        if k as isize <= parent {
            return None;
        }
        let mut out = String::new();
        let mut empty = 0usize;
        let mut lines = 0usize;
        while let Some(line) = self.line() {
            if line.bytes().all(|b| b == b' ') {
                // Spaces past the indentation would be content.
                if line.len() > k {
                    return None;
                }
                empty += 1;
                self.i += 1;
                continue;
            }
            if indent(line) < k {
                break;
            }
            if lines > 0 {
                out.extend(std::iter::repeat_n('\n', 1 + empty));
            }
            out.push_str(&line[k..]);
            empty = 0;
            lines += 1;
            self.i += 1;
        }
        // The last line's break, when the text has none, is libyaml's call.
        if self.i >= self.lines.len() && !self.ends_with_break {
            return None;
        }
        if !strip {
            out.push('\n');
        }
        // Trailing empty lines were consumed; a following key or entry is
        // read from the first line with content.
        Some(self.string(out))
    }
}

impl Reader<'_> {
    /// A flow collection that closes on its line (`[a, 'b']`, `{k: v}`,
    /// nested), and what follows it. Its plain scalars hold no `:` or `#`,
    /// and there are no empty or implicit entries: those are libyaml's.
    fn flow<'s>(&mut self, s: &'s str) -> Option<(Json, &'s str)> {
        let seq = s.starts_with('[');
        let close = if seq { ']' } else { '}' };
        self.open()?;
        self.nodes += 1;
        let (mut items, mut map) = (Vec::new(), Map::new());
        let mut rest = s[1..].trim_start_matches(' ');
        loop {
            if let Some(after) = rest.strip_prefix(close) {
                let value = if seq {
                    Json::Array(items)
                } else {
                    Json::Object(map)
                };
                self.depth -= 1;
                return Some((value, after));
            }
            if !(items.is_empty() && map.is_empty()) {
                rest = rest.strip_prefix(',')?.trim_start_matches(' ');
            }
            if seq {
                let (v, after) = self.flow_value(rest)?;
                items.push(v);
                rest = after;
            } else {
                let (k, after) = match rest.as_bytes().first()? {
                    b'\'' | b'"' => quoted(rest)?,
                    _ => {
                        let colon = rest.find(':')?;
                        let k = plain(rest[..colon].trim_end_matches(' '))?;
                        if k.is_empty()
                            || k.contains([',', '[', ']', '{', '}', '#'])
                            || !matches!(resolve(k)?, Scalar::Str)
                        {
                            return None;
                        }
                        (k.to_owned(), &rest[colon..])
                    }
                };
                let after = after.trim_start_matches(' ').strip_prefix(": ")?;
                self.nodes += 1;
                self.bytes += k.len();
                if map.contains_key(&k) {
                    return None;
                }
                let (v, after) = self.flow_value(after.trim_start_matches(' '))?;
                map.insert(k, v);
                rest = after;
            }
            rest = rest.trim_start_matches(' ');
        }
    }

    /// One entry's value in a flow collection, and what follows it.
    fn flow_value<'s>(&mut self, s: &'s str) -> Option<(Json, &'s str)> {
        match s.as_bytes().first()? {
            b'[' | b'{' => self.flow(s),
            b'\'' | b'"' => {
                let (v, after) = quoted(s)?;
                Some((self.string(v), after))
            }
            _ => {
                let end = s.find([',', ']', '}']).unwrap_or(s.len());
                let v = plain(s[..end].trim_end_matches(' '))?;
                if v.is_empty() || v.contains([':', '#', '[', '{']) {
                    return None;
                }
                let value = match resolve(v)? {
                    Scalar::Str => self.plain_string(v),
                    Scalar::Value(v) => {
                        self.nodes += 1;
                        v
                    }
                };
                Some((value, &s[end..]))
            }
        }
    }
}

/// The nesting of `value`: the collections around its deepest point.
#[cfg(any(test, fuzzing))]
pub(super) fn depth(value: &Json) -> usize {
    match value {
        Json::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Json::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A plain scalar's text: up to a comment, trailing spaces removed; `None`
/// when it starts with an indicator (an anchor, a tag, an alias…).
fn plain(rest: &str) -> Option<&str> {
    let end = comment(rest.as_bytes()).unwrap_or(rest.len());
    uncommented_plain(&rest[..end])
}

/// [`plain`] of text known to hold no comment.
fn uncommented_plain(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    match *b.first()? {
        b'-' if b.len() < 2 || b[1] == b' ' => return None,
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => return None,
        _ => {}
    }
    Some(text.trim_end_matches(' '))
}

/// Where a comment starts in a plain scalar's line (` #`).
fn comment(b: &[u8]) -> Option<usize> {
    (1..b.len())
        .find(|&i| b[i] == b'#' && b[i - 1] == b' ')
        .map(|i| i - 1)
}

/// Where `:` ends a plain key: followed by a space or the line's end.
fn key_colon(b: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b':', b).find(|&i| matches!(b.get(i + 1), None | Some(b' ')))
}

/// Where `:` ends a plain key, as [`key_colon`], when no comment (` #`)
/// comes before it: one pass over the bytes instead of two.
fn uncommented_key_colon(b: &[u8]) -> Option<usize> {
    for i in memchr::memchr2_iter(b':', b'#', b) {
        if b[i] == b'#' {
            if i > 0 && b[i - 1] == b' ' {
                return None;
            }
        } else if matches!(b.get(i + 1), None | Some(b' ')) {
            return Some(i);
        }
    }
    None
}

/// A mapping key at the start of `s` and what follows its `:`; `None` when
/// `s` does not start with a key this reader takes (a string, on one line,
/// shorter than libyaml's 1,024-character limit for simple keys). A plain
/// key is borrowed: a sequence entry is asked whether it starts with a key
/// before its mapping reads it.
fn key(s: &str) -> Option<(std::borrow::Cow<'_, str>, &str)> {
    let (k, after) = match s.as_bytes().first()? {
        b'\'' | b'"' => {
            let (k, after) = quoted(s)?;
            (k.into(), after.trim_start_matches(' '))
        }
        _ => {
            // `a #b: c` is a comment, not a key.
            let colon = uncommented_key_colon(s.as_bytes())?;
            let k = uncommented_plain(&s[..colon])?;
            if k.is_empty() || !matches!(resolve(k)?, Scalar::Str) {
                return None;
            }
            (k.into(), &s[colon..])
        }
    };
    if s.len() - after.len() > 1000 {
        return None;
    }
    let after = after.strip_prefix(':')?;
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    Some((k, after))
}

/// Nothing after a value but spaces and a comment.
fn comment_or_nothing(after: &str) -> bool {
    let t = after.trim_start_matches(' ');
    t.is_empty() || (t.starts_with('#') && t.len() < after.len())
}

/// A quoted scalar that closes on its line, and what follows it; `None`
/// for an escape other than the common ones, or a scalar that goes on.
/// The text between quotes and escapes is copied a run at a time.
fn quoted(s: &str) -> Option<(String, &str)> {
    let q = s.as_bytes()[0];
    let body = &s[1..];
    let b = body.as_bytes();
    let mut out = String::new();
    let mut from = 0;
    loop {
        let i = from
            + if q == b'"' {
                memchr::memchr2(b'"', b'\\', &b[from..])
            } else {
                memchr::memchr(b'\'', &b[from..])
            }?;
        out.push_str(&body[from..i]);
        match b[i] {
            b'\'' if b.get(i + 1) == Some(&b'\'') => {
                out.push('\'');
                from = i + 2;
            }
            b'\'' | b'"' => return Some((out, &body[i + 1..])),
            _ => {
                // A backslash in a double-quoted scalar.
                let escaped = match *b.get(i + 1)? {
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    b'0' => '\0',
                    b'\\' => '\\',
                    b'"' => '"',
                    b'/' => '/',
                    b'u' => {
                        let hex = body.get(i + 2..i + 6)?;
                        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return None;
                        }
                        from = i + 6;
                        out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                        continue;
                    }
                    _ => return None,
                };
                out.push(escaped);
                from = i + 2;
            }
        }
    }
}

/// What a plain scalar resolves to, as serde_yaml resolves it.
enum Scalar {
    Str,
    Value(Json),
}

/// serde_yaml's reading of a plain scalar (YAML 1.2's core schema, as
/// serde_yaml implements it): null, booleans, integers, floats, or a
/// string. `None` for the forms left to serde_yaml itself: a sign `+`,
/// radix prefixes, `.inf` and `.nan`, integers past 64 bits.
fn resolve(s: &str) -> Option<Scalar> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Scalar::Value(Json::Null)),
        "true" | "True" | "TRUE" => return Some(Scalar::Value(Json::Bool(true))),
        "false" | "False" | "FALSE" => return Some(Scalar::Value(Json::Bool(false))),
        _ => {}
    }
    let b = s.as_bytes();
    if !(b[0].is_ascii_digit() || b[0] == b'-' || b[0] == b'.' || b[0] == b'+') {
        return Some(Scalar::Str);
    }
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let ub = unsigned.as_bytes();
    if b[0] == b'+'
        || (ub.len() > 1 && ub[0] == b'0' && matches!(ub[1], b'x' | b'o' | b'b'))
        || matches!(
            unsigned,
            ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
        )
    {
        return None;
    }
    if !ub.is_empty() && ub.iter().all(u8::is_ascii_digit) {
        // Leading zeros make a string (YAML 1.2).
        if ub.len() > 1 && ub[0] == b'0' {
            return Some(Scalar::Str);
        }
        return if unsigned.len() == s.len() {
            s.parse::<u64>().ok().map(|u| Scalar::Value(Json::from(u)))
        } else {
            s.parse::<i64>().ok().map(|i| Scalar::Value(Json::from(i)))
        };
    }
    Some(match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Scalar::Value(Json::from(f)),
        _ => Scalar::Str,
    })
}

#[cfg(test)]
mod tests;
