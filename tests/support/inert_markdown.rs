//! The Markdown plan read as GitHub reads it (CommonMark + GFM tables),
//! shared by `tests/untrusted_input.rs` and the `render_markdown` fuzz
//! target: a value may not add HTML, a link or an image, put banned text
//! (a mention, a bare URL) outside a code span, or leave its table cell.

/// Parses `md` as GitHub does (CommonMark + tables): the only HTML is the
/// template's own tags, nothing links, and plain text mentions no one; every
/// table row has as many cells as its header.
pub fn check(md: &str, banned_in_text: &[&str]) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let own = [
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<b>",
        "</b>",
        "<code>",
        "</code>",
        "<br>",
    ];
    let mut cells = 0usize;
    let mut header_cells = 0usize;
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Html(h) | Event::InlineHtml(h) => {
                let mut rest = h.trim();
                while !rest.is_empty() {
                    let tag = own.iter().find(|t| rest.starts_with(**t));
                    match tag {
                        Some(t) => rest = rest[t.len()..].trim_start(),
                        // Text between the summary's tags is escaped by the renderer.
                        None if !rest.starts_with('<') => {
                            rest = rest.find('<').map_or("", |i| &rest[i..]);
                        }
                        None => panic!("foreign HTML {rest:?} in\n{md}"),
                    }
                }
            }
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => panic!("a link in\n{md}"),
            Event::Text(t) => {
                for b in banned_in_text {
                    assert!(!t.contains(b), "{b:?} in text {t:?} of\n{md}");
                }
            }
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => cells = 0,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead) => header_cells = cells,
            Event::End(TagEnd::TableRow) => {
                assert_eq!(cells, header_cells, "a value left its cell in\n{md}")
            }
            _ => {}
        }
    }
}
