//! What a TLS Secret holds, as the proxies that load it read it: a
//! certificate and key under `tls.crt`/`tls.key` (`kubernetes.io/tls`) or
//! Istio's generic `cert`/`key`, the certificate PEM-encoded and valid
//! today. A Secret that fails here makes a gateway listener that never
//! serves TLS.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;

/// The certificate and key names a gateway accepts, in the order Istio
/// tries them.
const KEY_PAIRS: [(&str, &str); 2] = [("cert", "key"), ("tls.crt", "tls.key")];

/// Why `secret` cannot serve as a TLS credential, or `Ok` when it can.
/// The certificate's dates are checked when meshsynth is built with the
/// `x509` feature (the toolkit is); otherwise its PEM armour only. A Secret
/// with no data at all is a name whose content comes from elsewhere (a
/// certificate pipeline fills it), and is not judged.
pub fn check_tls_secret(secret: &Secret) -> Result<(), String> {
    let mut data: BTreeMap<&str, &[u8]> = BTreeMap::new();
    for (k, v) in secret.data.iter().flatten() {
        data.insert(k.as_str(), v.0.as_slice());
    }
    for (k, v) in secret.string_data.iter().flatten() {
        data.insert(k.as_str(), v.as_bytes());
    }
    if data.is_empty() {
        return Ok(());
    }
    for (cert, key) in KEY_PAIRS {
        match (data.get(cert), data.get(key)) {
            (Some(c), Some(k)) if !c.is_empty() && !k.is_empty() => return check_certificate(c),
            (Some(_), Some(_)) => return Err(format!("keys {cert} and {key} are empty")),
            _ => {}
        }
    }
    let mut found: Vec<&str> = data.keys().copied().take(5).collect();
    if data.len() > 5 {
        found.push("…");
    }
    Err(format!(
        "it has neither tls.crt and tls.key nor cert and key (its keys: {})",
        if found.is_empty() {
            "none".to_string()
        } else {
            found.join(", ")
        }
    ))
}

/// Why a PEM certificate (chain) cannot be served: not PEM, not X.509, or
/// outside its validity period now.
pub fn check_certificate(pem: &[u8]) -> Result<(), String> {
    #[cfg(feature = "x509")]
    {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        check_certificate_at(pem, now)
    }
    #[cfg(not(feature = "x509"))]
    {
        let text = String::from_utf8_lossy(pem);
        if text.contains("-----BEGIN CERTIFICATE-----")
            && text.contains("-----END CERTIFICATE-----")
        {
            Ok(())
        } else {
            Err("the certificate is not PEM-encoded".into())
        }
    }
}

/// [`check_certificate`] at `now` (seconds since the epoch).
#[cfg(feature = "x509")]
pub fn check_certificate_at(pem: &[u8], now: i64) -> Result<(), String> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem)
        .map_err(|_| "the certificate is not PEM-encoded".to_string())?;
    let cert = block
        .parse_x509()
        .map_err(|_| "the PEM block is not an X.509 certificate".to_string())?;
    let v = cert.validity();
    if now < v.not_before.timestamp() {
        return Err(format!(
            "the certificate is not valid before {}",
            v.not_before
        ));
    }
    if now > v.not_after.timestamp() {
        return Err(format!("the certificate expired on {}", v.not_after));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;

    fn secret(pairs: &[(&str, &[u8])]) -> Secret {
        Secret {
            data: Some(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn missing_or_empty_keys_are_named() {
        let e = check_tls_secret(&secret(&[("tls.cert", b"x")])).unwrap_err();
        assert!(e.contains("its keys: tls.cert"), "{e}");
        let e = check_tls_secret(&secret(&[("tls.crt", b""), ("tls.key", b"")])).unwrap_err();
        assert!(e.contains("empty"), "{e}");
    }

    #[cfg(feature = "x509")]
    #[test]
    fn a_certificate_is_usable_only_within_its_dates() {
        let fixture = |f: &str| {
            std::fs::read(format!(
                "{}/tests/fixtures/tls/{f}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let at_2026 = 1_795_000_000;
        assert_eq!(
            check_certificate_at(&fixture("valid-until-2125.pem"), at_2026),
            Ok(())
        );
        let e = check_certificate_at(&fixture("expired-2021.pem"), at_2026).unwrap_err();
        assert!(e.contains("expired"), "{e}");
        let e = check_certificate_at(&fixture("valid-from-2120.pem"), at_2026).unwrap_err();
        assert!(e.contains("not valid before"), "{e}");
        let e = check_certificate_at(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            at_2026,
        )
        .unwrap_err();
        assert!(e.contains("not an X.509") || e.contains("not PEM"), "{e}");
    }

    #[test]
    fn text_that_is_not_pem_is_refused() {
        let e = check_tls_secret(&secret(&[("cert", b"hush"), ("key", b"secret")])).unwrap_err();
        assert!(e.contains("not PEM"), "{e}");
    }
}
