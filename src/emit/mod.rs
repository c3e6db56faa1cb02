//! Emitters: turn resolved JSON trees into the bytes of the assembly. They
//! know nothing of constructs.

pub mod cfn;
pub mod k8s;
pub(crate) mod pretty;
pub mod yaml;

/// Removes `null` members from objects, recursively: L1 and CRD structs use
/// plain `Option` fields, and an absent property is never meant as `null`.
pub(crate) fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// JSON with two-space indentation and a final newline.
pub fn to_json_bytes(v: &serde_json::Value) -> Vec<u8> {
    // Invariant: serializing a serde_json::Value to a Vec cannot fail.
    let mut out = serde_json::to_vec_pretty(v).expect("JSON value serializes");
    out.push(b'\n');
    out
}
