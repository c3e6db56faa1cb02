//! Rust names for CloudFormation ones: modules, features, fields (snake
//! case, acronyms kept whole) and types (Pascal case).

/// `AWS::S3::Bucket` → (`s3`, `Bucket`).
pub fn split(type_name: &str) -> Option<(String, String)> {
    let mut parts = type_name.split("::");
    let (vendor, service, resource) = (parts.next()?, parts.next()?, parts.next()?);
    (vendor == "AWS").then(|| (module_name(service), resource.to_string()))
}

/// The Cargo feature of a service module.
pub fn feature(module: &str) -> String {
    format!("aws-{}", module.trim_start_matches("r#"))
}

pub(crate) fn module_name(service: &str) -> String {
    let m = service.to_ascii_lowercase();
    if is_keyword(&m) {
        format!("r#{m}")
    } else {
        m
    }
}

pub(crate) const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match",
    "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct",
    "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual",
    "where", "while", "yield", "abstract", "become", "do", "final",
];

pub(crate) fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Acronyms spelled with a lowercase letter inside, read as one word.
pub(crate) const MIXED_ACRONYMS: &[(&str, &str)] = &[
    ("DDoS", "Ddos"),
    ("OAuth", "Oauth"),
    ("VCpu", "Vcpu"),
    ("vCpu", "Vcpu"),
    ("vCPU", "Vcpu"),
    ("GiB", "Gib"),
    ("MiB", "Mib"),
    ("ETag", "Etag"),
    ("FSx", "Fsx"),
    ("IPv", "Ipv"),
    ("RStudio", "Rstudio"),
];

/// `DBInstanceIdentifier` → `db_instance_identifier`; a plural acronym
/// stays one word (`CNAMEs` → `cnames`, `VPCs` → `vpcs`).
pub(crate) fn snake(name: &str) -> String {
    let mut name = name.to_string();
    for (from, to) in MIXED_ACRONYMS {
        name = name.replace(from, to);
    }
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            // The `s` of a plural acronym ends the acronym, not a new word.
            let plural = next == Some(&'s')
                && chars
                    .get(i + 2)
                    .is_none_or(|c| !c.is_ascii_lowercase() && !c.is_ascii_digit());
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase())
                    && !plural);
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    let out = out.trim_matches('_').to_string();
    let out = if out.is_empty() {
        "value".to_string()
    } else {
        out
    };
    let out = if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{out}")
    } else {
        out
    };
    if is_keyword(&out) {
        format!("r#{out}")
    } else {
        out
    }
}

/// `aws:kms` → `AwsKms`; `PAY_PER_REQUEST` → `PayPerRequest`.
pub(crate) fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let all_caps = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut cs = word.chars();
        if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            let rest: String = cs.collect();
            out.push_str(&if all_caps {
                rest.to_ascii_lowercase()
            } else {
                rest
            });
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if matches!(
        out.as_str(),
        "Self" | "Value" | "Option" | "Vec" | "Box" | "String"
    ) {
        out.push_str("Type");
    }
    out
}
