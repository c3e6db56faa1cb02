//! Names as pure functions of construct paths: CloudFormation logical IDs and
//! Kubernetes object names. A readable part plus a stable 8-hex hash of the
//! full path, as CDK and cdk8s do, so renaming a construct shows as a replace.

use sha2::{Digest, Sha256};

/// An id hidden from names and hashes, so a construct can wrap its main
/// resource without changing the name (`Vpc/Default` names like `Vpc`).
pub const HIDDEN_ID: &str = "Default";
/// An id hidden from the readable part only (`Db/Resource` reads `Db`).
pub const HIDDEN_FROM_HUMAN_ID: &str = "Resource";

const MAX_LOGICAL_ID: usize = 255;
const HASH_LEN: usize = 8;

fn path_hash(components: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, c) in components.iter().enumerate() {
        if i > 0 {
            h.update(b"/");
        }
        h.update(c.as_bytes());
    }
    hex::encode_upper(&h.finalize()[..HASH_LEN / 2])
}

/// Longest file-name stem the assembly uses: file systems cap a name at 255
/// bytes, and `.istiooperator.yaml` or a temporary suffix must still fit.
pub const MAX_FILE_STEM: usize = 200;

/// `stem` as a file name of at most [`MAX_FILE_STEM`] bytes: unchanged when
/// short enough, else cut at a character boundary and suffixed with a hash
/// of the whole, so two long names never collide.
pub fn file_stem(stem: &str) -> String {
    if stem.len() <= MAX_FILE_STEM {
        return stem.to_string();
    }
    let hash = path_hash(&[stem]);
    let mut cut = MAX_FILE_STEM - HASH_LEN - 1;
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{}", &stem[..cut], hash.to_ascii_lowercase())
}

/// The logical ID of the element at `components` (its path below the stack).
pub fn logical_id(components: &[&str]) -> String {
    let kept: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| *c != HIDDEN_ID)
        .collect();
    let hash = path_hash(&kept);
    let mut human = String::new();
    let mut last: Option<String> = None;
    for (i, c) in kept.iter().enumerate() {
        if *c == HIDDEN_FROM_HUMAN_ID && i + 1 == kept.len() {
            continue;
        }
        let clean: String = c.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        // `Foo/Foo` reads `Foo`, not `FooFoo`.
        if last.as_deref() == Some(clean.as_str()) {
            continue;
        }
        human.push_str(&clean);
        last = Some(clean);
    }
    let max_human = MAX_LOGICAL_ID - HASH_LEN;
    if human.len() > max_human {
        human.truncate(max_human);
    }
    // A logical ID must start with a letter; a path like `1st/Db` still must.
    if !human.starts_with(|c: char| c.is_ascii_alphabetic()) {
        human.insert(0, 'X');
    }
    human + &hash
}

/// The logical id of a stack that keeps construct ids
/// ([`LogicalIds::ConstructIds`](crate::core::LogicalIds)): the path below
/// the stack, letters and digits only, no hash. `None` when that is no
/// valid logical id (empty, a leading digit, over 255 characters).
pub fn readable_logical_id(components: &[&str]) -> Option<String> {
    // A lone id is kept whatever it is (a template may name a resource
    // `Default`); below a construct, the hidden ids read as in `logical_id`.
    let last = components.len().saturating_sub(1);
    let id: String = components
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            components.len() == 1
                || (**c != HIDDEN_ID && !(*i == last && **c == HIDDEN_FROM_HUMAN_ID))
        })
        .flat_map(|(_, c)| c.chars().filter(char::is_ascii_alphanumeric))
        .collect();
    validate_logical_id(&id).ok().map(|()| id)
}

/// Why a name is not valid; the message says what to use instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError(String);

impl NameError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        NameError(message.into())
    }

    /// The message, e.g. `"Shop" is not a DNS-1123 label: use lower-case…`.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NameError {}

/// Errors of constructs carry the message as text.
impl From<NameError> for String {
    fn from(e: NameError) -> String {
        e.0
    }
}

/// Validates an explicit logical-ID override.
pub fn validate_logical_id(id: &str) -> Result<(), NameError> {
    if id.is_empty() || id.len() > MAX_LOGICAL_ID {
        return Err(NameError::new(format!(
            "must be 1 to {MAX_LOGICAL_ID} characters"
        )));
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(NameError::new("must match ^[A-Za-z0-9]+$"));
    }
    Ok(())
}

/// The default Kubernetes name of the object at `components` (its path below the
/// chart): lower-case DNS-1123 label text joined by `-`, plus a hash, ≤ 63 chars.
pub fn k8s_name(components: &[&str]) -> String {
    let kept: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| *c != HIDDEN_ID)
        .collect();
    let hash = path_hash(&kept).to_ascii_lowercase();
    let mut parts: Vec<String> = Vec::new();
    for (i, c) in kept.iter().enumerate() {
        if *c == HIDDEN_FROM_HUMAN_ID && i + 1 == kept.len() {
            continue;
        }
        let mut s = String::new();
        for ch in c.chars() {
            if ch.is_ascii_alphanumeric() {
                s.push(ch.to_ascii_lowercase());
            } else if !s.ends_with('-') {
                s.push('-');
            }
        }
        let s = s.trim_matches('-').to_string();
        if !s.is_empty() && parts.last() != Some(&s) {
            parts.push(s);
        }
    }
    let mut human = parts.join("-");
    let max_human = 63 - HASH_LEN - 1;
    if human.len() > max_human {
        human.truncate(max_human);
    }
    let human = human.trim_end_matches('-');
    if human.is_empty() {
        format!("x-{hash}")
    } else {
        format!("{human}-{hash}")
    }
}

/// DNS-1123 label: ≤ 63 lower-case alphanumerics or `-`, alphanumeric at both ends.
pub fn validate_dns1123_label(name: &str) -> Result<(), NameError> {
    if name.is_empty() || name.len() > 63 {
        return Err(NameError::new(format!(
            "{name:?} is not a DNS-1123 label: it must be 1 to 63 characters"
        )));
    }
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let ok_ends = !name.starts_with('-') && !name.ends_with('-');
    if !ok_chars || !ok_ends {
        return Err(NameError::new(format!(
            "{name:?} is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit"
        )));
    }
    Ok(())
}

/// A CloudFormation stack name: a letter, then letters, digits and `-`, at
/// most 128 characters. Synth refuses other names, and an assembly read
/// back is held to the same rule (the name becomes a file name).
pub fn validate_stack_name(name: &str) -> Result<(), NameError> {
    let ok = name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(NameError::new(format!(
            "stack name {name:?} is not a valid CloudFormation stack name"
        )))
    }
}

/// A 12-digit AWS account id.
pub fn validate_account(account: &str) -> Result<(), NameError> {
    if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(NameError::new(format!(
            "account {account:?} is not a 12-digit AWS account id"
        )))
    }
}

/// An AWS region code such as `ap-northeast-1`: lower-case parts joined by
/// `-`, the last one a number.
pub fn validate_region(region: &str) -> Result<(), NameError> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = region.len() <= 64
        && parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(NameError::new(format!(
            "region {region:?} is not an AWS region name"
        )))
    }
}

/// DNS-1123 subdomain: ≤ 253 chars of dot-separated labels.
pub fn validate_dns1123_subdomain(name: &str) -> Result<(), NameError> {
    if name.is_empty() || name.len() > 253 {
        return Err(NameError::new(format!(
            "{name:?} is not a DNS-1123 subdomain: it must be 1 to 253 characters"
        )));
    }
    for label in name.split('.') {
        if validate_dns1123_label(label).is_err() {
            return Err(NameError::new(format!(
                "{name:?} is not a DNS-1123 subdomain: use lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
            )));
        }
    }
    Ok(())
}

/// Why `key` is not a Kubernetes qualified name (a label or annotation
/// key): an optional DNS-1123 subdomain prefix and `/`, then a name of 1
/// to 63 letters, digits, `-`, `_` and `.` that starts and ends with a
/// letter or digit. `None` when it is one. The API server refuses an
/// object with such a key, so synth checks every object's.
pub(crate) fn qualified_name_problem(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if name.contains('/') {
            return Some("it has more than one '/'");
        }
        if p.is_empty() || validate_dns1123_subdomain(p).is_err() {
            return Some("the part before '/' must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')");
        }
    }
    if name.is_empty() {
        return Some("the name part is empty");
    }
    label_value_problem(name)
}

/// Why `value` is not a valid label value (at most 63 letters, digits,
/// `-`, `_` and `.`, starting and ending with a letter or digit; empty is
/// valid), or `None`.
pub(crate) fn label_value_problem(value: &str) -> Option<&'static str> {
    if value.len() > 63 {
        return Some("it is longer than 63 characters");
    }
    if !value
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        return Some("only letters, digits, '-', '_' and '.' are allowed");
    }
    let edge_ok = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    if !edge_ok(value.chars().next()) || !edge_ok(value.chars().last()) {
        return Some("it must start and end with a letter or digit");
    }
    None
}

/// The candidate a misspelt `name` most likely meant, for "did you mean"
/// hints: one that contains it (`Url` → `QueueUrl`), else the nearest by
/// edit distance within a quarter of its length (at least 3).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let candidates: Vec<&str> = candidates.collect();
    // `Url` means `QueueUrl` more often than a near spelling does.
    if let Some(c) = candidates
        .iter()
        .filter(|c| lower.len() >= 3 && c.to_ascii_lowercase().contains(&lower))
        .min_by_key(|c| c.len())
    {
        return Some(c);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

/// A key or value as a message shows it: quoted and escaped, and cut at
/// 64 characters (it may come from an included file).
pub(crate) fn shown(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{:?}…", &s[..at]),
        None => format!("{s:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_are_readable_and_hashed() {
        let id = logical_id(&["Vpc", "PublicSubnet1", "Subnet"]);
        assert!(id.starts_with("VpcPublicSubnet1Subnet"), "{id}");
        assert_eq!(id.len(), "VpcPublicSubnet1Subnet".len() + 8);
        assert_eq!(id, logical_id(&["Vpc", "PublicSubnet1", "Subnet"]));
        assert_ne!(id, logical_id(&["Vpc", "PublicSubnet2", "Subnet"]));
    }

    #[test]
    fn default_is_hidden_and_resource_reads_as_parent() {
        assert_eq!(logical_id(&["Db", "Default"]), logical_id(&["Db"]));
        assert!(logical_id(&["Db", "Resource"]).starts_with("Db"));
        assert_ne!(logical_id(&["Db", "Resource"]), logical_id(&["Db"]));
    }

    #[test]
    fn non_alphanumerics_are_dropped_and_ids_start_with_a_letter() {
        let id = logical_id(&["my-db", "1"]);
        assert!(id.starts_with("mydb1"));
        assert!(logical_id(&["1st"]).starts_with('X'));
        assert!(validate_logical_id(&id).is_ok());
        assert!(validate_logical_id("has-dash").is_err());
        assert!(validate_logical_id(&"A".repeat(256)).is_err());
    }

    #[test]
    fn file_stems_fit_a_file_name() {
        assert_eq!(file_stem("app-chart"), "app-chart");
        let long = "c".repeat(300);
        let a = file_stem(&long);
        assert_eq!(a.len(), MAX_FILE_STEM);
        assert_ne!(a, file_stem(&format!("{long}x")));
        assert!(file_stem(&"é".repeat(150)).len() <= MAX_FILE_STEM);
    }

    #[test]
    fn long_paths_are_truncated_within_limits() {
        let long = "A".repeat(300);
        assert_eq!(logical_id(&[&long]).len(), 255);
        let name = k8s_name(&[&long.to_lowercase(), "x"]);
        assert!(
            name.len() <= 63 && validate_dns1123_label(&name).is_ok(),
            "{name}"
        );
    }

    #[test]
    fn k8s_names_are_dns_labels() {
        let n = k8s_name(&["Orders", "Api_Server"]);
        assert!(n.starts_with("orders-api-server-"), "{n}");
        assert!(validate_dns1123_label(&n).is_ok());
    }

    #[test]
    fn dns_validation() {
        assert!(validate_dns1123_label("order-service").is_ok());
        assert!(validate_dns1123_label("Order").is_err());
        assert!(validate_dns1123_label("-x").is_err());
        assert!(validate_dns1123_subdomain("a.b-c.d").is_ok());
        assert!(validate_dns1123_subdomain("a..b").is_err());
    }
}
