//! ALB Ingresses (the AWS Load Balancer Controller): an HTTPS listener must
//! not accept TLS older than 1.2. Without `alb.ingress.kubernetes.io/ssl-policy`
//! the controller uses `ELBSecurityPolicy-2016-08`, which allows TLS 1.0
//! and 1.1, the ALB twin of CloudFront's `AwsSolutions-CFR4`.

use super::super::codes;
use super::super::index::Index;
use crate::core::Diagnostic;

/// The annotation naming the listener's security policy.
pub const SSL_POLICY: &str = "alb.ingress.kubernetes.io/ssl-policy";

/// The policy meshsynth's `AlbIngress` sets: TLS 1.3 and 1.2 only.
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Whether an ELB security policy accepts only TLS 1.2 and newer.
pub fn modern_tls_policy(policy: &str) -> bool {
    policy.contains("TLS13") || policy.contains("-1-2-")
}

/// MS-ALB-1 over every ALB Ingress with an HTTPS listener.
pub fn alb_tls_policy(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for ing in &ix.ingresses {
        let get = |k: &str| ing.annotations.and_then(|a| a.get(k)).map(String::as_str);
        let alb = ing.class.as_deref() == Some("alb")
            || get("kubernetes.io/ingress.class") == Some("alb");
        let https = get("alb.ingress.kubernetes.io/certificate-arn").is_some()
            || get("alb.ingress.kubernetes.io/listen-ports").is_some_and(|p| p.contains("HTTPS"));
        if !alb || !https {
            continue;
        }
        let problem = match get(SSL_POLICY) {
            None => "has an HTTPS listener without alb.ingress.kubernetes.io/ssl-policy: the controller's default (ELBSecurityPolicy-2016-08) accepts TLS 1.0 and 1.1".to_string(),
            Some(p) if !modern_tls_policy(p) => format!(
                "has an HTTPS listener with TLS policy {}, which accepts TLS older than 1.2",
                crate::untrusted::inert(p)
            ),
            Some(_) => continue,
        };
        out.push(
            Diagnostic::error(ing.path, format!("ALB Ingress {problem}"))
                .with_code(codes::MS_ALB_1)
                .with_hint(format!("set {SSL_POLICY}: {DEFAULT_SSL_POLICY} (AlbIngressProps::ssl_policy sets it by default)")),
        );
    }
}
