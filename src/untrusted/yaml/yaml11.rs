//! The plain scalars YAML 1.1 (the API server's reading) types differently
//! from YAML 1.2 (serde_yaml's): shared by the block reader, which notes
//! whether a document holds one as it reads it, and `analyze`, which
//! retypes them.

/// Whether the plain scalar `t` has the shape of a YAML 1.1-only boolean
/// (`yes`, `on`, `n`, … in go-yaml v2's table) or integer (octal with a
/// leading zero, digit separators). A superset of what YAML 1.1 reads
/// differently (an integer's overflow is not checked): enough to decide
/// whether to look closer.
pub(crate) fn yaml11_shape(t: &[u8]) -> bool {
    if matches!(
        t,
        b"y" | b"Y"
            | b"yes"
            | b"Yes"
            | b"YES"
            | b"on"
            | b"On"
            | b"ON"
            | b"n"
            | b"N"
            | b"no"
            | b"No"
            | b"NO"
            | b"off"
            | b"Off"
            | b"OFF"
    ) {
        return true;
    }
    let body = match t.first() {
        Some(b'+' | b'-') => &t[1..],
        _ => t,
    };
    (body.len() > 1 && body[0] == b'0' && body.iter().all(|b| (b'0'..=b'7').contains(b)))
        || (body.contains(&b'_')
            && body[0] != b'_'
            && body.iter().all(|b| b.is_ascii_digit() || *b == b'_'))
}
