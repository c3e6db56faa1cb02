//! Text for humans, made inert: a value from an assembly or a YAML file can
//! name an object anything, and a terminal obeys escape sequences (a title
//! change, a cleared line, a forged "No changes."). Control characters,
//! Unicode line separators and bidirectional overrides are written as
//! visible `\u{…}` escapes instead.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal (or a rendered comment) raw:
/// controls, line separators, and the bidirectional marks and overrides
/// that make text read in another order than it is stored.
pub fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every control character (newlines included: one value, one
/// line), line separator and bidirectional override escaped as `\u{…}`.
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push(&mut out, c);
    }
    Cow::Owned(out)
}

fn push(out: &mut String, c: char) {
    shown(c, |e| out.push(e));
}

/// Hands `emit` the characters `c` is shown as: itself, or its `\u{…}`
/// escape when it is [`dangerous`].
fn shown(c: char, mut emit: impl FnMut(char)) {
    if dangerous(c) {
        format!("\\u{{{:x}}}", c as u32).chars().for_each(emit);
    } else {
        emit(c);
    }
}

/// The SGR colour sequences meshsynth's own renderers write.
const OWN_SGR: &[&str] = &[
    "\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[35m",
];

/// Like [`inert`], for a rendered line that may hold the renderer's own
/// colours: the plain SGR colour sequences are kept when `colour` is on, so
/// a value can at most change a colour, never move the cursor, clear a
/// line, set the title or start a new line.
pub fn inert_keeping_sgr(s: &str, colour: bool) -> Cow<'_, str> {
    if !colour || !s.contains('\x1b') {
        return inert(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' {
            if let Some(sgr) = OWN_SGR.iter().find(|q| rest.starts_with(**q)) {
                out.push_str(sgr);
                rest = &rest[sgr.len()..];
                continue;
            }
        }
        push(&mut out, c);
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The longest run of characters without a space that a message shows
/// whole. A name or value from untrusted input can be any length; the
/// longest a valid one gets (a DNS subdomain, 253) fits.
pub const MAX_RUN: usize = 256;

/// Shortens runs of non-space characters to [`MAX_RUN`], streaming: a
/// run's first `MAX_RUN` characters pass, the rest are counted, and the
/// count is written where the run ends (`…(+N characters)`).
#[derive(Debug, Default)]
struct Runs {
    run: usize,
    dropped: usize,
}

impl Runs {
    /// Pushes `c` (already made inert) to `out`, or counts it.
    fn push(&mut self, out: &mut String, c: char) {
        if c.is_whitespace() {
            self.end(out);
            out.push(c);
        } else if self.run < MAX_RUN {
            self.run += 1;
            out.push(c);
        } else {
            self.dropped += 1;
        }
    }

    /// Ends the current run: the count of what was left out, if anything.
    fn end(&mut self, out: &mut String) {
        if self.dropped > 0 {
            out.push_str(&format!("…(+{} characters)", self.dropped));
        }
        self.run = 0;
        self.dropped = 0;
    }
}

/// `s` with every run of more than [`MAX_RUN`] characters without a space
/// cut there and the rest counted (`…(+N characters)`), so that one
/// finding stays one readable line whatever the input named. Raw SGR
/// colour sequences (what [`inert_keeping_sgr`] keeps) pass whole and
/// count for nothing, so a cut never leaves a colour on.
pub fn elide(s: &str) -> Cow<'_, str> {
    let mut run = 0;
    let long = s.chars().any(|c| {
        run = if c.is_whitespace() { 0 } else { run + 1 };
        run > MAX_RUN
    });
    if !long {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(4096));
    let mut runs = Runs::default();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' {
            if let Some(end) = rest.find('m') {
                out.push_str(&rest[..=end]);
                rest = &rest[end + 1..];
                continue;
            }
        }
        runs.push(&mut out, c);
        rest = &rest[c.len_utf8()..];
    }
    runs.end(&mut out);
    Cow::Owned(out)
}

/// A stream for messages (stderr): every write is made inert except its
/// line breaks and tabs, so an error or note that quotes a file name, an
/// object name or an endpoint's answer cannot drive the terminal; and a
/// run of characters without a space is cut at [`MAX_RUN`], as
/// [`elide`] does, across writes.
pub struct InertWriter<W: std::io::Write> {
    inner: W,
    runs: Runs,
}

impl<W: std::io::Write> InertWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        InertWriter {
            inner,
            runs: Runs::default(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for InertWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '\n' | '\t') {
                self.runs.push(&mut out, c);
            } else {
                shown(c, |e| self.runs.push(&mut out, e));
            }
        }
        self.inner.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(inert("web"), "web");
        assert_eq!(
            inert("a\x1b]0;pwned\x07\rNo changes.\n"),
            "a\\u{1b}]0;pwned\\u{7}\\u{d}No changes.\\u{a}"
        );
        assert_eq!(inert("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(
            inert_keeping_sgr("\x1b[32mok\x1b[0m \x1b[2K\x1b[32m", true),
            "\x1b[32mok\x1b[0m \\u{1b}[2K\x1b[32m"
        );
        assert_eq!(inert_keeping_sgr("\x1b[32m", false), "\\u{1b}[32m");
        let mut w = InertWriter::new(Vec::new());
        std::io::Write::write_all(&mut w, "error: x\x1b[2K\ty\n".as_bytes()).unwrap();
        assert_eq!(w.inner, b"error: x\\u{1b}[2K\ty\n");
    }

    #[test]
    fn long_runs_are_cut_and_counted() {
        let name = "a".repeat(100_000);
        let line = format!("error: stack name {name:?} is not valid\n");
        let short = elide(&line);
        let kept = format!("\"{}", "a".repeat(MAX_RUN - 1));
        assert_eq!(
            short,
            format!("error: stack name {kept}…(+99746 characters) is not valid\n")
        );
        // A stream cuts the same way, however the writes split the run.
        let mut w = InertWriter::new(Vec::new());
        for chunk in line.as_bytes().chunks(7) {
            std::io::Write::write_all(&mut w, chunk).unwrap();
        }
        assert_eq!(String::from_utf8(w.inner).unwrap(), short);
        // Escapes count as what is shown; a valid name is never cut.
        let sub = "b".repeat(253);
        assert_eq!(elide(&sub), sub.as_str());
        let mut w = InertWriter::new(Vec::new());
        std::io::Write::write_all(
            &mut w,
            format!("{}\x1b\n", "c".repeat(MAX_RUN - 2)).as_bytes(),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(w.inner).unwrap(),
            format!("{}\\u…(+4 characters)\n", "c".repeat(MAX_RUN - 2))
        );
        // A colour around a cut value is still reset.
        let painted = format!("\x1b[32m{}\x1b[0m next", "d".repeat(MAX_RUN + 5));
        assert_eq!(
            elide(&painted),
            format!(
                "\x1b[32m{}\x1b[0m…(+5 characters) next",
                "d".repeat(MAX_RUN)
            )
        );
    }
}
