//! IST0106 (schema validation): what the typed structs cannot enforce —
//! numeric ranges, required lists, durations, one-of rules — and fields
//! newer than the configured Istio version.

use crate::core::Diagnostic;
use crate::mesh::analysis::codes;
use crate::mesh::crd::SpecOf;
use crate::mesh::istio::networking::{
    ClientTlsSettings, ConnectionPoolSettings, Destination, HttpRoute, LoadBalancerSettings,
    OutlierDetection, Percent, TrafficPolicy,
};
use crate::mesh::istio::version::{IstioVersion, VERSIONED_FIELDS};

use super::index::Index;

const CODE: &str = codes::IST0106;

/// A field's path for a message, written only when there is one: the
/// checks visit every route and policy, and most of them hold.
type Field<'a> = &'a dyn std::fmt::Display;

fn bad(path: &str, msg: String) -> Diagnostic {
    Diagnostic::error(path, msg)
        .with_code(CODE)
        .with_hint("fix the field; Istio's validating webhook would reject this object")
}

/// Whether `s` is a protobuf duration Istio accepts, e.g. `10s`, `1.5s`, `500ms`, `1h30m`.
pub fn valid_duration(s: &str) -> bool {
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 || rest[..num_len].parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[num_len..];
        let unit = ["ms", "us", "ns", "h", "m", "s"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

fn duration(out: &mut Vec<Diagnostic>, path: &str, field: Field<'_>, v: &Option<String>) {
    if let Some(d) = v {
        if !valid_duration(d) {
            out.push(bad(
                path,
                format!("{field}: {d:?} is not a duration such as \"10s\" or \"500ms\""),
            ));
        }
    }
}

fn percent(out: &mut Vec<Diagnostic>, path: &str, field: Field<'_>, p: &Option<Percent>) {
    if let Some(v) = p.as_ref().and_then(|p| p.value) {
        if !(0.0..=100.0).contains(&v) {
            out.push(bad(path, format!("{field}: {v} is outside 0–100")));
        }
    }
}

fn port(out: &mut Vec<Diagnostic>, path: &str, field: Field<'_>, p: impl Into<i64>) {
    let p: i64 = p.into();
    if !(1..=65535).contains(&p) {
        out.push(bad(path, format!("{field}: port {p} is outside 1–65535")));
    }
}

fn destination(out: &mut Vec<Diagnostic>, path: &str, field: Field<'_>, d: &Destination) {
    if d.host.trim().is_empty() {
        out.push(bad(path, format!("{field}.host is empty")));
    }
    if let Some(n) = d.port.as_ref().and_then(|p| p.number) {
        port(out, path, &format_args!("{field}.port.number"), n);
    }
}

fn weight(out: &mut Vec<Diagnostic>, path: &str, field: Field<'_>, w: Option<i32>) {
    if let Some(w) = w {
        if !(0..=100).contains(&w) {
            out.push(bad(path, format!("{field}.weight {w} is outside 0–100")));
        }
    }
}

fn http_route(out: &mut Vec<Diagnostic>, path: &str, i: usize, r: &HttpRoute) {
    let f = format!("spec.http[{i}]");
    if r.route.as_ref().is_none_or(|v| v.is_empty())
        && r.redirect.is_none()
        && r.direct_response.is_none()
    {
        out.push(bad(
            path,
            format!("{f}: a rule needs a route, a redirect or a direct response"),
        ));
    }
    for (j, d) in r.route.iter().flatten().enumerate() {
        destination(
            out,
            path,
            &format_args!("{f}.route[{j}].destination"),
            &d.destination,
        );
        weight(out, path, &format_args!("{f}.route[{j}]"), d.weight);
    }
    duration(out, path, &format_args!("{f}.timeout"), &r.timeout);
    if let Some(rt) = &r.retries {
        if let Some(a) = rt.attempts.filter(|a| *a < 0) {
            out.push(bad(path, format!("{f}.retries.attempts {a} is negative")));
        }
        duration(
            out,
            path,
            &format_args!("{f}.retries.perTryTimeout"),
            &rt.per_try_timeout,
        );
        duration(out, path, &format_args!("{f}.retries.backoff"), &rt.backoff);
    }
    if let Some(fault) = &r.fault {
        if let Some(d) = &fault.delay {
            duration(
                out,
                path,
                &format_args!("{f}.fault.delay.fixedDelay"),
                &d.fixed_delay,
            );
            percent(
                out,
                path,
                &format_args!("{f}.fault.delay.percentage"),
                &d.percentage,
            );
        }
        if let Some(a) = &fault.abort {
            if let Some(s) = a.http_status {
                if !(200..=599).contains(&s) {
                    out.push(bad(
                        path,
                        format!("{f}.fault.abort.httpStatus {s} is not an HTTP status"),
                    ));
                }
            }
            percent(
                out,
                path,
                &format_args!("{f}.fault.abort.percentage"),
                &a.percentage,
            );
        }
    }
    if let Some(m) = &r.mirror {
        destination(out, path, &format_args!("{f}.mirror"), m);
    }
    percent(
        out,
        path,
        &format_args!("{f}.mirrorPercentage"),
        &r.mirror_percentage,
    );
    for (j, m) in r.r#match.iter().flatten().enumerate() {
        if let Some(p) = m.port {
            port(out, path, &format_args!("{f}.match[{j}].port"), p);
        }
    }
    if let Some(c) = &r.cors_policy {
        duration(
            out,
            path,
            &format_args!("{f}.corsPolicy.maxAge"),
            &c.max_age,
        );
    }
}

fn outlier(out: &mut Vec<Diagnostic>, path: &str, f: Field<'_>, o: &Option<OutlierDetection>) {
    if let Some(o) = o {
        duration(out, path, &format_args!("{f}.interval"), &o.interval);
        duration(
            out,
            path,
            &format_args!("{f}.baseEjectionTime"),
            &o.base_ejection_time,
        );
        for (name, v) in [
            ("maxEjectionPercent", o.max_ejection_percent),
            ("minHealthPercent", o.min_health_percent),
        ] {
            if let Some(v) = v {
                if !(0..=100).contains(&v) {
                    out.push(bad(path, format!("{f}.{name} {v} is outside 0–100")));
                }
            }
        }
    }
}

fn tls(out: &mut Vec<Diagnostic>, path: &str, f: Field<'_>, t: &Option<ClientTlsSettings>) {
    if let Some(t) = t {
        if t.credential_name.is_some()
            && (t.client_certificate.is_some() || t.private_key.is_some())
        {
            out.push(bad(
                path,
                format!("{f}: credentialName and file-based certificates are mutually exclusive"),
            ));
        }
    }
}

fn traffic_policy(out: &mut Vec<Diagnostic>, path: &str, f: Field<'_>, tp: &Option<TrafficPolicy>) {
    let Some(tp) = tp else { return };
    if let Some(lb) = &tp.load_balancer {
        load_balancer(out, path, f, lb);
    }
    if let Some(cp) = &tp.connection_pool {
        connection_pool(out, path, f, cp);
    }
    outlier(
        out,
        path,
        &format_args!("{f}.outlierDetection"),
        &tp.outlier_detection,
    );
    tls(out, path, &format_args!("{f}.tls"), &tp.tls);
    for (i, p) in tp.port_level_settings.iter().flatten().enumerate() {
        if let Some(n) = p.port.as_ref().and_then(|p| p.number) {
            port(
                out,
                path,
                &format_args!("{f}.portLevelSettings[{i}].port.number"),
                n,
            );
        }
        outlier(
            out,
            path,
            &format_args!("{f}.portLevelSettings[{i}].outlierDetection"),
            &p.outlier_detection,
        );
        tls(
            out,
            path,
            &format_args!("{f}.portLevelSettings[{i}].tls"),
            &p.tls,
        );
    }
}

fn load_balancer(out: &mut Vec<Diagnostic>, path: &str, f: Field<'_>, lb: &LoadBalancerSettings) {
    if lb.simple.is_some() && lb.consistent_hash.is_some() {
        out.push(bad(
            path,
            format!("{f}.loadBalancer: simple and consistentHash are mutually exclusive"),
        ));
    }
    if let Some(ch) = &lb.consistent_hash {
        let keys = [
            ch.http_header_name.is_some(),
            ch.http_cookie.is_some(),
            ch.use_source_ip.is_some(),
            ch.http_query_parameter_name.is_some(),
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if keys != 1 {
            out.push(bad(
                path,
                format!("{f}.loadBalancer.consistentHash: set exactly one hash key (found {keys})"),
            ));
        }
        if let Some(c) = &ch.http_cookie {
            duration(
                out,
                path,
                &format_args!("{f}.loadBalancer.consistentHash.httpCookie.ttl"),
                &c.ttl,
            );
        }
    }
    if let Some(l) = &lb.locality_lb_setting {
        for (i, d) in l.distribute.iter().flatten().enumerate() {
            let sum: i64 = d.to.iter().flatten().map(|(_, w)| i64::from(*w)).sum();
            if sum != 100 {
                out.push(bad(
                    path,
                    format!("{f}.loadBalancer.localityLbSetting.distribute[{i}]: weights sum to {sum}, not 100"),
                ));
            }
        }
        if l.distribute.is_some() && l.failover.is_some() {
            out.push(bad(
                path,
                format!("{f}.loadBalancer.localityLbSetting: distribute and failover are mutually exclusive"),
            ));
        }
    }
}

fn connection_pool(
    out: &mut Vec<Diagnostic>,
    path: &str,
    f: Field<'_>,
    cp: &ConnectionPoolSettings,
) {
    if let Some(t) = &cp.tcp {
        duration(
            out,
            path,
            &format_args!("{f}.connectionPool.tcp.connectTimeout"),
            &t.connect_timeout,
        );
        if t.max_connections.is_some_and(|v| v < 0) {
            out.push(bad(
                path,
                format!("{f}.connectionPool.tcp.maxConnections is negative"),
            ));
        }
    }
    if let Some(h) = &cp.http {
        duration(
            out,
            path,
            &format_args!("{f}.connectionPool.http.idleTimeout"),
            &h.idle_timeout,
        );
        for (n, v) in [
            ("http1MaxPendingRequests", h.http1_max_pending_requests),
            ("http2MaxRequests", h.http2_max_requests),
            ("maxRequestsPerConnection", h.max_requests_per_connection),
            ("maxRetries", h.max_retries),
        ] {
            if v.is_some_and(|v| v < 0) {
                out.push(bad(
                    path,
                    format!("{f}.connectionPool.http.{n} is negative"),
                ));
            }
        }
    }
}

const GATEWAY_PROTOCOLS: &[&str] = &[
    "HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS",
];

fn newer(out: &mut Vec<Diagnostic>, path: &str, kind: &str, field: &str, target: IstioVersion) {
    if let Some(v) = VERSIONED_FIELDS
        .iter()
        .find(|v| v.kind == kind && v.field == field && v.since > target)
    {
        out.push(
            Diagnostic::error(
                path,
                format!(
                    "{kind} field {} needs Istio {} but the app targets Istio {target}",
                    v.field, v.since
                ),
            )
            .with_code(CODE)
            .with_hint("remove the field, or raise -c istio:version if every cluster runs the newer release"),
        );
    }
}

/// Runs the schema checks.
pub fn check(ix: &Index<'_>, target: IstioVersion, out: &mut Vec<Diagnostic>) {
    virtual_services(ix, target, out);
    destination_rules(ix, out);
    gateways(ix, target, out);
    service_entries(ix, out);
    telemetries(ix, out);
    peer_authentications(ix, out);
}

/// VirtualServices: hosts, routes, destinations, weights, fields newer than the target.
fn virtual_services(ix: &Index<'_>, target: IstioVersion, out: &mut Vec<Diagnostic>) {
    for vs in &ix.virtual_services {
        let s = &vs.obj.spec();
        if s.hosts.as_ref().is_none_or(Vec::is_empty) {
            out.push(bad(vs.path, "spec.hosts is empty".into()));
        }
        for (i, r) in s.http.iter().flatten().enumerate() {
            http_route(out, vs.path, i, r);
            if r.retries.as_ref().is_some_and(|r| r.backoff.is_some()) {
                newer(
                    out,
                    vs.path,
                    "VirtualService",
                    "spec.http[].retries.backoff",
                    target,
                );
            }
            if r.retries
                .as_ref()
                .is_some_and(|r| r.retry_ignore_previous_hosts.is_some())
            {
                newer(
                    out,
                    vs.path,
                    "VirtualService",
                    "spec.http[].retries.retryIgnorePreviousHosts",
                    target,
                );
            }
        }
        for (i, r) in s.tcp.iter().flatten().enumerate() {
            for (j, d) in r.route.iter().flatten().enumerate() {
                destination(
                    out,
                    vs.path,
                    &format_args!("spec.tcp[{i}].route[{j}].destination"),
                    &d.destination,
                );
                weight(
                    out,
                    vs.path,
                    &format_args!("spec.tcp[{i}].route[{j}]"),
                    d.weight,
                );
            }
        }
        for (i, r) in s.tls.iter().flatten().enumerate() {
            if r.r#match.iter().any(|m| m.sni_hosts.is_empty()) || r.r#match.is_empty() {
                out.push(bad(
                    vs.path,
                    format!("spec.tls[{i}]: every match needs sniHosts"),
                ));
            }
            for (j, d) in r.route.iter().flatten().enumerate() {
                destination(
                    out,
                    vs.path,
                    &format_args!("spec.tls[{i}].route[{j}].destination"),
                    &d.destination,
                );
                weight(
                    out,
                    vs.path,
                    &format_args!("spec.tls[{i}].route[{j}]"),
                    d.weight,
                );
            }
        }
    }
}

/// DestinationRules: host, traffic policies, subset names.
fn destination_rules(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for dr in &ix.destination_rules {
        let s = &dr.obj.spec();
        if s.host.trim().is_empty() {
            out.push(bad(dr.path, "spec.host is empty".into()));
        }
        traffic_policy(out, dr.path, &"spec.trafficPolicy", &s.traffic_policy);
        let mut names = std::collections::BTreeSet::new();
        for (i, sub) in s.subsets.iter().flatten().enumerate() {
            if crate::core::names::validate_dns1123_label(&sub.name).is_err() {
                out.push(bad(
                    dr.path,
                    format!(
                        "spec.subsets[{i}].name {:?} is not a DNS-1123 label",
                        sub.name
                    ),
                ));
            }
            if !names.insert(sub.name.as_str()) {
                out.push(bad(
                    dr.path,
                    format!("spec.subsets[{i}]: duplicate subset name {:?}", sub.name),
                ));
            }
            traffic_policy(
                out,
                dr.path,
                &format_args!("spec.subsets[{i}].trafficPolicy"),
                &sub.traffic_policy,
            );
        }
    }
}

/// Gateways: servers, ports, protocols, TLS credentials.
fn gateways(ix: &Index<'_>, target: IstioVersion, out: &mut Vec<Diagnostic>) {
    for gw in &ix.gateways {
        let s = &gw.obj.spec();
        if s.servers.as_ref().is_none_or(Vec::is_empty) {
            out.push(bad(gw.path, "spec.servers is empty".into()));
        }
        for (i, srv) in s.servers.iter().flatten().enumerate() {
            port(
                out,
                gw.path,
                &format_args!("spec.servers[{i}].port.number"),
                srv.port.number,
            );
            if !GATEWAY_PROTOCOLS.contains(&srv.port.protocol.to_ascii_uppercase().as_str()) {
                out.push(bad(
                    gw.path,
                    format!(
                        "spec.servers[{i}].port.protocol {:?} is not one of {GATEWAY_PROTOCOLS:?}",
                        srv.port.protocol
                    ),
                ));
            }
            if srv.hosts.is_empty() {
                out.push(bad(gw.path, format!("spec.servers[{i}].hosts is empty")));
            }
            if let Some(t) = &srv.tls {
                if t.credential_name.is_some() && t.credential_names.is_some() {
                    out.push(bad(
                        gw.path,
                        format!("spec.servers[{i}].tls: credentialName and credentialNames are mutually exclusive"),
                    ));
                }
                if t.credential_names.is_some() {
                    newer(
                        out,
                        gw.path,
                        "Gateway",
                        "spec.servers[].tls.credentialNames",
                        target,
                    );
                }
                if t.ca_cert_credential_name.is_some() {
                    newer(
                        out,
                        gw.path,
                        "Gateway",
                        "spec.servers[].tls.caCertCredentialName",
                        target,
                    );
                }
            }
        }
    }
}

/// ServiceEntries: hosts, ports, endpoints or a selector.
fn service_entries(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for se in &ix.service_entries {
        let s = &se.obj.spec;
        if s.hosts.is_empty() {
            out.push(bad(se.path, "spec.hosts is empty".into()));
        }
        for (i, p) in s.ports.iter().flatten().enumerate() {
            port(
                out,
                se.path,
                &format_args!("spec.ports[{i}].number"),
                p.number,
            );
        }
        if s.endpoints.is_some() && s.workload_selector.is_some() {
            out.push(bad(
                se.path,
                "spec: endpoints and workloadSelector are mutually exclusive".into(),
            ));
        }
    }
}

/// Telemetries: sampling percentages, custom tags.
fn telemetries(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for t in &ix.telemetries {
        for (i, tr) in t.obj.spec().tracing.iter().flatten().enumerate() {
            if let Some(p) = tr.random_sampling_percentage {
                if !(0.0..=100.0).contains(&p) {
                    out.push(bad(
                        t.path,
                        format!("spec.tracing[{i}].randomSamplingPercentage {p} is outside 0–100"),
                    ));
                }
            }
            for (k, tag) in tr.custom_tags.iter().flatten() {
                let n = [
                    tag.literal.is_some(),
                    tag.environment.is_some(),
                    tag.header.is_some(),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                if n != 1 {
                    out.push(bad(t.path, format!("spec.tracing[{i}].customTags.{k}: set exactly one of literal, environment, header")));
                }
            }
        }
    }
}

/// PeerAuthentications: port-level mTLS keys.
fn peer_authentications(ix: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for pa in &ix.peer_authentications {
        for p in pa.obj.spec().port_level_mtls.iter().flat_map(|m| m.keys()) {
            match p.parse::<i64>() {
                Ok(n) => port(out, pa.path, &"spec.portLevelMtls", n),
                Err(_) => out.push(bad(
                    pa.path,
                    format!("spec.portLevelMtls: key {p:?} is not a port number"),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_duration;

    #[test]
    fn durations() {
        for ok in ["10s", "1.5s", "500ms", "1h30m", "3600s"] {
            assert!(valid_duration(ok), "{ok}");
        }
        for bad in ["", "10", "s", "10 s", "1d", "-1s"] {
            assert!(!valid_duration(bad), "{bad}");
        }
    }
}
