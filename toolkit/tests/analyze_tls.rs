//! The toolkit's `meshsynth analyze` reads a gateway credential's
//! certificate dates (feature `x509`): an expired certificate is IST0161,
//! a valid one is not. The library's own fixture test runs without the
//! feature, so this case lives here.

use std::process::Command;

fn secret_gateway(cert_fixture: &str) -> String {
    let pem = std::fs::read_to_string(format!(
        "{}/../tests/fixtures/tls/{cert_fixture}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let indented: String = pem.lines().map(|l| format!("    {l}\n")).collect();
    // `stringData`: the PEM text as written, which the API server encodes.
    format!(
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: public, namespace: istio-system}}\nspec:\n  selector: {{istio: ingressgateway}}\n  servers:\n  - port: {{number: 443, name: https, protocol: HTTPS}}\n    tls: {{mode: SIMPLE, credentialName: shop-cert}}\n    hosts: [shop.example.com]\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: shop-cert, namespace: istio-system}}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n{indented}  tls.key: placeholder, a test holds no key\n"
    )
}

fn analyze(yaml: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("gw.yaml");
    std::fs::write(&f, yaml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .args(["analyze", f.to_str().unwrap()])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn an_expired_or_not_yet_valid_gateway_certificate_is_ist0161() {
    let (code, out) = analyze(&secret_gateway("expired-2021.pem"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[IST0161]") && out.contains("the certificate expired on"),
        "{out}"
    );
    let (code, out) = analyze(&secret_gateway("valid-from-2120.pem"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not valid before"), "{out}");
    let (code, out) = analyze(&secret_gateway("valid-until-2125.pem"));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("IST0161"), "{out}");
}
