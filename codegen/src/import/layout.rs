//! Line breaking for the written code, so it reads well before rustfmt
//! and stays readable where rustfmt gives up (a statement holding a string
//! literal longer than the line: rustfmt then leaves the whole statement as
//! it found it). Breaks the way rustfmt does: a call's or literal's items
//! one per line with a trailing comma, a lone last argument kept on the
//! line (`Some(Value::map([`), a method chain one call per line.

/// Columns a line may take.
const WIDTH: usize = 100;

#[derive(Debug)]
enum Seg<'a> {
    Text(&'a str),
    Group(char, &'a str, char),
}

/// Splits `s` into top-level text and bracket groups, string literals
/// (plain and raw) skipped whole.
fn segments(s: &str) -> Vec<Seg<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut text_start, mut depth, mut group_start) = (0, 0, 0usize, 0);
    let mut open = '(';
    while i < b.len() {
        match b[i] {
            b'"' => i = skip_string(b, i),
            b'r' if b.get(i + 1) == Some(&b'#') && b.get(i + 2) == Some(&b'"') => {
                i = skip_raw(s, i)
            }
            c @ (b'(' | b'[' | b'{') => {
                if depth == 0 {
                    if text_start < i {
                        out.push(Seg::Text(&s[text_start..i]));
                    }
                    group_start = i + 1;
                    open = c as char;
                }
                depth += 1;
                i += 1;
            }
            c @ (b')' | b']' | b'}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push(Seg::Group(open, &s[group_start..i], c as char));
                    text_start = i + 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if text_start < s.len() && depth == 0 {
        out.push(Seg::Text(&s[text_start..]));
    }
    out
}

/// The index after the plain string literal starting at `i`.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The index after the raw string literal `r#"…"#` starting at `i`.
fn skip_raw(s: &str, i: usize) -> usize {
    match s[i + 3..].find("\"#") {
        Some(end) => i + 3 + end + 2,
        None => s.len(),
    }
}

/// The identifiers of `code` outside string literals: what decides the
/// imports a module needs and the variables a statement reads.
pub(crate) fn identifiers(code: &str) -> std::collections::BTreeSet<&str> {
    let b = code.as_bytes();
    let mut out = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            i = skip_string(b, i);
        } else if c == b'r' && b.get(i + 1) == Some(&b'#') && b.get(i + 2) == Some(&b'"') {
            i = skip_raw(code, i);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.insert(&code[start..i]);
        } else if c.is_ascii_digit() {
            // A literal's suffix (`5i64`) is no identifier.
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The items of a group's inside, split at top-level commas.
fn items(inner: &str) -> Vec<&str> {
    let b = inner.as_bytes();
    let (mut out, mut depth, mut start, mut i) = (Vec::new(), 0usize, 0, 0);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = skip_string(b, i);
                continue;
            }
            b'r' if b.get(i + 1) == Some(&b'#') && b.get(i + 2) == Some(&b'"') => {
                i = skip_raw(inner, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                out.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// `s` (one expression or statement, on one line) laid out from column
/// `indent`: continuation lines carry their own indentation.
pub(crate) fn layout(s: &str, indent: usize) -> String {
    // A multi-line raw string never fits: its call breaks around it.
    if indent + s.len() <= WIDTH && !s.contains('\n') {
        return s.to_string();
    }
    let segs = segments(s);
    let groups = segs.iter().filter(|g| matches!(g, Seg::Group(..))).count();
    let chain = groups >= 2
        && segs
            .iter()
            .skip(2)
            .any(|g| matches!(g, Seg::Text(t) if t.starts_with('.')));
    let pad = " ".repeat(indent + 4);
    let mut out = String::new();
    if chain {
        let mut line = 0;
        for seg in &segs {
            match seg {
                Seg::Text(t) if t.starts_with('.') && !out.is_empty() => {
                    out.push('\n');
                    out.push_str(&pad);
                    out.push_str(t);
                    line = pad.len() + t.len();
                }
                Seg::Text(t) => {
                    out.push_str(t);
                    line += t.len();
                }
                Seg::Group(o, inner, c) => {
                    out.push(*o);
                    if line + inner.len() + 2 <= WIDTH && !inner.contains('\n') {
                        out.push_str(inner);
                    } else {
                        out.push_str(&group(inner, indent + 4));
                    }
                    out.push(*c);
                    line += inner.len() + 2;
                }
            }
        }
        return out;
    }
    // Break the largest group; the rest stays as written.
    let widest = segs
        .iter()
        .enumerate()
        .filter_map(|(i, g)| match g {
            Seg::Group(_, inner, _) => Some((inner.len(), i)),
            Seg::Text(_) => None,
        })
        .max()
        .map(|(_, i)| i);
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            Seg::Text(t) => out.push_str(t),
            Seg::Group(o, inner, c) if Some(i) == widest => {
                out.push(*o);
                out.push_str(&group(inner, indent));
                out.push(*c);
            }
            Seg::Group(o, inner, c) => {
                out.push(*o);
                out.push_str(inner);
                out.push(*c);
            }
        }
    }
    out
}

/// A group's inside broken into lines: a lone item stays on the opening
/// line (its own inside is broken instead); several go one per line.
fn group(inner: &str, indent: usize) -> String {
    let list = items(inner);
    if list.len() <= 1 {
        return layout(inner, indent);
    }
    let pad = " ".repeat(indent + 4);
    let mut out = String::from("\n");
    for item in list {
        out.push_str(&pad);
        out.push_str(&layout(item, indent + 4));
        // `..base` ends a struct literal and takes no comma.
        if !item.starts_with("..") {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&" ".repeat(indent));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_calls_break_one_item_per_line_and_strings_stay_whole() {
        let s = format!(
            "s.add_resource(\"Queue\", sqs::CfnQueue {{ queue_name: Some(\"{}\".into()), ..Default::default() }})?;",
            "q(,)".repeat(20)
        );
        let out = layout(&s, 4);
        assert_eq!(
            out,
            format!(
                "s.add_resource(\n        \"Queue\",\n        sqs::CfnQueue {{\n            queue_name: Some(\"{}\".into()),\n            ..Default::default()\n        }},\n    )?;",
                "q(,)".repeat(20)
            )
        );
        assert_eq!(layout("short(a, b)", 4), "short(a, b)");
        assert_eq!(
            identifiers("Value::sub(\"${Value}\", r#\"Pseudo\"#, 5i64, x_2)"),
            ["Value", "sub", "x_2"].into()
        );
        let chain = format!(
            "T::default().mapping(\"a\", {}).rule(\"b\", x).add_to(&mut s)?;",
            "v".repeat(90)
        );
        assert!(
            layout(&chain, 4).contains("\n        .rule(\"b\", x)\n"),
            "{}",
            layout(&chain, 4)
        );
        let raw = "f(r#\"a\n(b\"#, x)";
        assert_eq!(layout(raw, 0), "f(\n    r#\"a\n(b\"#,\n    x,\n)");
    }
}
