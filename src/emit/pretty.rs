//! serde_json's pretty layout (two spaces a level), from a given depth, and
//! with text spliced in: what lets a template hold a resource's properties
//! as bytes once they are checked and write them in place later, without
//! parsing them again (ADR 0006's CloudFormation side).

use std::cell::Cell;
use std::io;

use serde_json::ser::Formatter;

/// Text to write in place of the next `null`: the serializer of a template
/// sets it just before it serializes a `()` where the text goes.
pub(crate) type Splice<'t> = Cell<Option<&'t str>>;

/// The pretty layout starting `depth` levels down, writing a pending
/// [`Splice`] instead of a `null`.
pub(crate) struct Pretty<'s, 't> {
    depth: usize,
    has_value: bool,
    splice: Option<&'s Splice<'t>>,
}

impl<'s, 't> Pretty<'s, 't> {
    /// Values that sit `depth` levels down in the document.
    pub(crate) fn at(depth: usize) -> Self {
        Pretty {
            depth,
            has_value: false,
            splice: None,
        }
    }

    /// A whole document, with `splice`'s text where it is set.
    pub(crate) fn splicing(splice: &'s Splice<'t>) -> Self {
        Pretty {
            depth: 0,
            has_value: false,
            splice: Some(splice),
        }
    }

    fn indent<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        const SPACES: &[u8] = b"                                ";
        let mut n = self.depth * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    /// Opens a map or list.
    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, b: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b)
    }

    /// Closes a map or list: on a line of its own unless it was empty.
    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, b: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(b)
    }

    /// Starts an entry of a map or list on a line of its own.
    fn entry<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl Formatter for Pretty<'_, '_> {
    fn write_null<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self.splice.and_then(Cell::take) {
            Some(text) => w.write_all(text.as_bytes()),
            None => w.write_all(b"null"),
        }
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.entry(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.entry(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    fn write(v: &impl Serialize, f: Pretty<'_, '_>) -> String {
        let mut out = Vec::new();
        v.serialize(&mut serde_json::Serializer::with_formatter(&mut out, f))
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// At depth 0 the layout is serde_json's own, byte for byte; deeper,
    /// every line break carries the extra levels.
    #[test]
    fn the_layout_is_serde_jsons_from_any_depth() {
        let v = json!({
            "s": "a\nb \"q\" \u{e9}", "n": [1, -2.5, null, true],
            "empty": {}, "none": [], "deep": {"l": [{"m": {"x": [[]]}}]},
        });
        let theirs = serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(write(&v, Pretty::at(0)), theirs);
        let deeper = theirs.replace('\n', "\n        ");
        assert_eq!(write(&v, Pretty::at(4)), deeper);
        let deepest = theirs.replace('\n', &format!("\n{}", " ".repeat(40)));
        assert_eq!(write(&v, Pretty::at(20)), deepest);
    }

    /// A pending text replaces the next null only; later nulls are nulls.
    #[test]
    fn a_splice_replaces_one_null() {
        let splice = Splice::new(None);
        let v = json!([null, null]);
        splice.set(Some("{\"x\": 1}"));
        assert_eq!(
            write(&v, Pretty::splicing(&splice)),
            "[\n  {\"x\": 1},\n  null\n]"
        );
        assert_eq!(splice.get(), None);
    }
}
