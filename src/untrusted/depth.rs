//! A nesting bound checked before a YAML or JSON text reaches a parser.
//! libyaml (under serde_yaml) spends time quadratic in the nesting depth
//! (every token rescans the stack of open flow levels and simple keys), so
//! 100,000 `[` in a 200 KB file held `analyze` for 19 s. This one linear
//! pass over-approximates the depth and refuses deep texts first; serde_yaml
//! refuses anything past 128 levels anyway, so nothing it could read is lost.

/// The deepest nesting read from untrusted YAML or JSON. Kubernetes objects
/// and CloudFormation templates stay under 30 levels.
pub const MAX_NESTING: usize = 100;

/// A text nested deeper than the bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// The 1-based line where the bound was crossed.
    pub line: usize,
    /// The bound.
    pub limit: usize,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: nested deeper than {} levels; meshsynth does not read documents this deep",
            self.line, self.limit
        )
    }
}

/// Checks that no point of `text` (YAML, JSON being YAML's flow form) is
/// nested deeper than `limit`: open flow collections, plus block
/// indentation levels, plus compact `- ` / `? ` indicators on one line. It
/// never under-counts (quoted scalars, comments and block scalars are
/// skipped), so a text it passes is no deeper than `limit`.
pub fn check_nesting(text: &str, limit: usize) -> Result<(), TooDeep> {
    let mut s = Scanner::default();
    for (i, line) in yaml_lines(text).enumerate() {
        let depth = s.line(line);
        if depth > limit {
            return Err(TooDeep { line: i + 1, limit });
        }
    }
    Ok(())
}

/// The lines of `text` as libyaml breaks them (YAML 1.1): at LF, CR, CRLF,
/// NEL (U+0085), and the Unicode line and paragraph separators. Splitting
/// only at LF would let `# comment<CR>[[[[…` hide its brackets in a comment.
pub fn yaml_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    // Without NEL's and the separators' first bytes, only CR and LF break
    // lines, found by `memchr` (this runs over every input).
    let only_cr_lf = memchr::memchr2(0xC2, 0xE2, text.as_bytes()).is_none();
    std::iter::from_fn(move || {
        let t = rest?;
        let found = if only_cr_lf {
            memchr::memchr2(b'\n', b'\r', t.as_bytes()).map(|i| (i, 1))
        } else {
            line_break(t.as_bytes())
        };
        match found {
            None => {
                rest = None;
                Some(t)
            }
            Some((i, len)) => {
                let mut next = i + len;
                if t.as_bytes()[i] == b'\r' && t.as_bytes().get(next) == Some(&b'\n') {
                    next += 1;
                }
                rest = Some(&t[next..]);
                Some(&t[..i])
            }
        }
    })
}

/// The first line break of `b` (UTF-8 text): its offset and its length in
/// bytes. Scanned as bytes, not chars (this runs over every input twice):
/// NEL is C2 85 and the separators E2 80 A8/A9, and in valid UTF-8 C2 and
/// E2 only ever start a character.
fn line_break(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' | b'\r' => return Some((i, 1)),
            0xC2 if b.get(i + 1) == Some(&0x85) => return Some((i, 2)),
            0xE2 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)) => {
                return Some((i, 3))
            }
            _ => i += 1,
        }
    }
    None
}

#[derive(Default)]
struct Scanner {
    /// Indentation of the open block collections.
    indents: Vec<usize>,
    /// Open `[` and `{`.
    flow: usize,
    /// Inside a quoted scalar that spans lines: its quote.
    quote: Option<u8>,
    /// Inside a block scalar: lines indented more than this belong to it.
    block_scalar: Option<usize>,
}

impl Scanner {
    /// Scans one line; returns the deepest nesting seen on it.
    fn line(&mut self, line: &str) -> usize {
        let b = line.as_bytes();
        let indent = b.iter().take_while(|c| **c == b' ').count();
        let blank = b[indent..].iter().all(|c| c.is_ascii_whitespace());
        if let Some(parent) = self.block_scalar {
            if blank || indent > parent {
                return self.indents.len();
            }
            self.block_scalar = None;
        }
        if blank && self.quote.is_none() {
            return self.indents.len() + self.flow;
        }
        let mut i = 0;
        if self.quote.is_none() && self.flow == 0 {
            while self.indents.last().is_some_and(|&top| top >= indent) {
                self.indents.pop();
            }
            self.indents.push(indent);
            i = indent;
        }
        let mut max = self.indents.len() + self.flow;
        let mut token_start = true;
        while i < b.len() {
            if let Some(q) = self.quote {
                // Only the closing quote (and, in `"`, an escape) matters.
                let found = if q == b'"' {
                    memchr::memchr2(b'"', b'\\', &b[i..])
                } else {
                    memchr::memchr(q, &b[i..])
                };
                let Some(j) = found.map(|off| i + off) else {
                    break;
                };
                if b[j] == b'\\' || (q == b'\'' && b.get(j + 1) == Some(&b'\'')) {
                    i = j + 2;
                    continue;
                }
                self.quote = None;
                token_start = false;
                i = j + 1;
                continue;
            }
            if self.flow == 0 && !token_start {
                // Inside a plain token of block context only a comment or
                // a `: ` changes anything; the bytes between are skipped.
                let Some(j) = memchr::memchr2(b'#', b':', &b[i..]).map(|off| i + off) else {
                    break;
                };
                if b[j] == b'#' {
                    if j == 0 || b[j - 1] == b' ' || b[j - 1] == b'\t' {
                        break;
                    }
                } else if matches!(b.get(j + 1), None | Some(b' ' | b'\t')) {
                    self.indents.push(indent + j + 1);
                    max = max.max(self.indents.len());
                    token_start = true;
                }
                i = j + 1;
                continue;
            }
            let c = b[i];
            match c {
                b'#' if i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t' => break,
                b'"' | b'\'' if token_start => self.quote = Some(c),
                b'[' | b'{' if token_start || self.flow > 0 => {
                    self.flow += 1;
                    token_start = true;
                    max = max.max(self.indents.len() + self.flow);
                    i += 1;
                    continue;
                }
                b']' | b'}' if self.flow > 0 => self.flow -= 1,
                b',' | b':' if self.flow > 0 => {
                    token_start = true;
                    i += 1;
                    continue;
                }
                // Compact block nesting on one line: `- - a`, `? - b`, `- k: - c`.
                b'-' | b'?' | b':'
                    if self.flow == 0
                        && (token_start || c == b':')
                        && matches!(b.get(i + 1), None | Some(b' ' | b'\t')) =>
                {
                    self.indents.push(indent + i + 1);
                    max = max.max(self.indents.len());
                    token_start = true;
                    i += 1;
                    continue;
                }
                b'|' | b'>' if token_start && self.flow == 0 => {
                    // A block scalar: its content lines are not YAML.
                    self.block_scalar = Some(indent);
                    break;
                }
                b' ' | b'\t' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            token_start = false;
            i += 1;
        }
        // Same-line compact entries close with the line (the next line's
        // indentation reopens what is still open).
        max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_documents_pass() {
        let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x # [[[[\n  labels: {a: '[[[', b: \"{{\"}\ndata:\n  script: |\n    [[[[[[[[[[[[[[[[\n    {{{{{{{{{{{{\n  list:\n  - - a\n    - [b, [c]]\n";
        check_nesting(doc, 10).unwrap();
        check_nesting("{\"a\": [1, {\"b\": [2]}]}", 5).unwrap();
    }

    #[test]
    fn deep_flow_block_and_compact_nesting_are_refused() {
        let flow = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(check_nesting(&flow, MAX_NESTING).unwrap_err().line, 1);
        let compact = "- ".repeat(200) + "x\n";
        assert!(check_nesting(&compact, MAX_NESTING).is_err());
        let mut block = String::new();
        for i in 0..150 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(check_nesting(&block, MAX_NESTING).is_err());
        let json = "{\"a\":".repeat(150) + "1" + &"}".repeat(150);
        assert!(check_nesting(&json, MAX_NESTING).is_err());
    }

    /// The skips over quoted scalars and plain tokens stop at every byte
    /// that changes the count: an escaped or doubled quote does not close
    /// a scalar (the next line is still inside it), an escaped backslash
    /// does; `#` inside a token is not a comment; `:` before a space or tab
    /// is an indicator, inside a token too.
    #[test]
    fn skipped_text_hides_nothing_that_nests() {
        let cases = [
            ("a: \"x\\\" [[[[\nb: [[[[\n", None),
            ("a: \"x\\\\\" \nb: [[[[\n", Some(2)),
            ("a: 'it''s [[[[\nb: [[[[\n", None),
            ("a: 'its' \nb: [[[[\n", Some(2)),
            ("a: b#c - - - x\n", None),
            ("a: b # [[[[\n", None),
            ("a:b: - - - x\n", Some(1)),
            ("a: b:c: - - x\n", Some(1)),
            ("a: b:\t- x\n", Some(1)),
            ("a: \"[[[[\\\"[[[[\"\n", None),
        ];
        for (text, refused_at) in cases {
            let got = check_nesting(text, 3).err().map(|e| e.line);
            assert_eq!(got, refused_at, "{text:?}");
        }
    }

    #[test]
    fn every_line_break_libyaml_knows_ends_a_comment() {
        for brk in ["\r", "\u{85}", "\u{2028}", "\u{2029}", "\r\n"] {
            let text = format!("# note{brk}{}", "[".repeat(500));
            assert!(
                check_nesting(&text, MAX_NESTING).is_err(),
                "{brk:?} hid the brackets"
            );
        }
        let lines: Vec<&str> = yaml_lines("a\r\nb\rc\u{2028}d\n").collect();
        assert_eq!(lines, ["a", "b", "c", "d", ""]);
        // Characters whose UTF-8 shares a first byte with NEL (C2) or the
        // separators (E2 80) are not breaks.
        let text = "\u{a0}x\u{85}é\u{2027}\u{2029}\u{2030}y";
        let lines: Vec<&str> = yaml_lines(text).collect();
        assert_eq!(lines, ["\u{a0}x", "é\u{2027}", "\u{2030}y"]);
        assert_eq!(yaml_lines("").collect::<Vec<_>>(), [""]);
        assert_eq!(yaml_lines("\r").collect::<Vec<_>>(), ["", ""]);
    }

    #[test]
    fn the_count_never_falls_below_what_serde_yaml_nests() {
        // Whatever the scanner passes at a bound, serde_yaml must read
        // without hitting its own recursion limit of 128.
        for text in [
            "- ".repeat(90) + "x",
            "[".repeat(95) + &"]".repeat(95),
            (0..90).map(|i| " ".repeat(i) + "k:\n").collect::<String>(),
        ] {
            if check_nesting(&text, MAX_NESTING).is_ok() {
                serde_yaml::from_str::<serde_yaml::Value>(&text).unwrap();
            }
        }
    }
}
