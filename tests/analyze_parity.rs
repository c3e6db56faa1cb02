//! `meshsynth analyze` decides what istioctl's analyzers decide, on small
//! inputs written here (the behaviours istioctl's own test suite checks;
//! `scripts/conformance` scores the whole suite when `../shared` is there).

use meshsynth::analyze::{analyze_sources, Options, Report, Source};

fn analyze(text: &str) -> Report {
    let src = Source {
        name: "input.yaml".into(),
        text: text.into(),
    };
    analyze_sources(&[src], &Options::default()).expect("analysis runs")
}

/// `CODE name` of every finding of `code`, in order.
fn found(r: &Report, code: &str) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| format!("{code} {}", f.name.as_deref().unwrap_or("")))
        .collect()
}

const TCP_DUPLICATES: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: same-port, namespace: demo}
spec:
  hosts: ["*"]
  gateways: [demo/tcp]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: echo, port: {number: 9000}, subset: v1}}]
  - match: [{port: 31400}]
    route: [{destination: {host: echo, port: {number: 9000}, subset: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: two-catch-alls, namespace: demo}
spec:
  hosts: ["*"]
  gateways: [demo/tcp]
  tcp:
  - route: [{destination: {host: echo, port: {number: 9000}, subset: v1}}]
  - route: [{destination: {host: echo, port: {number: 9000}, subset: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: one-new-port, namespace: demo}
spec:
  hosts: ["*"]
  gateways: [demo/tcp]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: echo, port: {number: 9000}, subset: v1}}]
  - match: [{port: 31400}, {port: 31401}]
    route: [{destination: {host: echo, port: {number: 9000}, subset: v2}}]
"#;

#[test]
fn tcp_rules_repeating_a_match_are_reported_like_http_rules() {
    let r = analyze(TCP_DUPLICATES);
    assert_eq!(
        found(&r, "IST0130"),
        ["IST0130 same-port", "IST0130 two-catch-alls"]
    );
    assert_eq!(
        found(&r, "IST0131"),
        ["IST0131 same-port", "IST0131 one-new-port"]
    );
}

#[test]
fn tls_rules_repeating_a_match_are_reported() {
    let r = analyze(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: sni, namespace: demo}
spec:
  hosts: [www.example.com]
  tls:
  - match: [{port: 2443, sniHosts: [www.example.com]}]
    route: [{destination: {host: www.example.com}}]
  - match: [{port: 2443, sniHosts: [www.example.com]}, {port: 8443, sniHosts: [www.example.com]}]
    route: [{destination: {host: api.example.com}}]
"#,
    );
    assert_eq!(found(&r, "IST0131"), ["IST0131 sni"]);
    assert!(found(&r, "IST0130").is_empty(), "one match is new");
}

#[test]
fn an_earlier_shorter_prefix_with_the_same_conditions_makes_a_match_ineffective() {
    let r = analyze(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: covered, namespace: demo}
spec:
  hosts: [shop]
  http:
  - match:
    - uri: {prefix: /api/v1/product}
      method: {exact: GET}
    route: [{destination: {host: shop}}]
  - match:
    - uri: {prefix: /api/v1/products}
      method: {exact: GET}
    route: [{destination: {host: shop-v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: other-method, namespace: demo}
spec:
  hosts: [shop]
  http:
  - match:
    - uri: {prefix: /api/v1/product}
      method: {exact: GET}
    route: [{destination: {host: shop}}]
  - match:
    - uri: {prefix: /api/v1/products}
      method: {exact: POST}
    - uri: {exact: /api/v1/product}
    route: [{destination: {host: shop-v2}}]
"#,
    );
    assert_eq!(found(&r, "IST0131"), ["IST0131 covered"]);
    let msg = &r
        .findings
        .iter()
        .find(|f| f.code == "IST0131")
        .unwrap()
        .message;
    assert!(msg.contains("\"/api/v1/products\""), "{msg}");
    assert!(found(&r, "IST0130").is_empty());
}

#[test]
fn a_rule_repeating_every_match_is_both_unreachable_and_ineffective() {
    let r = analyze(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: repeated, namespace: demo}
spec:
  hosts: [shop]
  http:
  - name: first
    match: [{name: products, uri: {prefix: /products}}]
    route: [{destination: {host: shop}}]
  - name: second
    match: [{uri: {prefix: /products}}]
    route: [{destination: {host: shop-v2}}]
"#,
    );
    assert_eq!(found(&r, "IST0130"), ["IST0130 repeated"]);
    assert_eq!(found(&r, "IST0131"), ["IST0131 repeated"]);
}

#[test]
fn a_longer_prefix_behind_a_narrower_condition_is_still_reachable() {
    let r = analyze(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: narrower, namespace: demo}
spec:
  hosts: [shop]
  http:
  - match:
    - uri: {prefix: /api}
      headers: {x-team: {regex: "pay.*"}}
    route: [{destination: {host: shop}}]
  - match:
    - uri: {prefix: /api/v2}
      headers: {x-team: {regex: "search"}}
    route: [{destination: {host: shop-v2}}]
  - match:
    - uri: {prefix: /api/v3}
      headers: {x-team: {prefix: pay}}
      method: {exact: GET}
    route: [{destination: {host: shop-v3}}]
  - match:
    - uri: {prefix: /api/v3/orders}
      headers: {x-team: {exact: payments}, x-canary: {exact: "1"}}
      method: {exact: GET}
    route: [{destination: {host: shop-v3}}]
  - match:
    - uri: {prefix: /api/v3/payments}
      headers: {x-team: {exact: payments}}
    route: [{destination: {host: shop-v3}}]
"#,
    );
    // Only spec.http[3] is covered: /api/v3 for GET with `x-team` starting
    // with "pay" takes every request it would. The last rule also takes
    // other methods, so it stays reachable.
    assert_eq!(found(&r, "IST0131"), ["IST0131 narrower"]);
    let msg = &r
        .findings
        .iter()
        .find(|f| f.code == "IST0131")
        .unwrap()
        .message;
    assert!(
        msg.contains("spec.http[3].match[0]") && msg.contains("spec.http[2].match[0]"),
        "{msg}"
    );
}

const EXPORTS: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: details
  namespace: shop
  annotations: {networking.istio.io/exportTo: "banana"}
spec:
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  ports: [{name: http, port: 80}, {name: https, port: 443}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: other}
spec:
  hosts: [api.partner.example]
  exportTo: ["."]
  ports: [{name: https, number: 443, protocol: TLS}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: eu, namespace: shop}
spec:
  hosts: ["*.eu.example.com"]
  ports: [{name: https, number: 443, protocol: TLS}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: hidden, namespace: istio-system}
spec:
  hosts: [details]
  http:
  - route: [{destination: {host: details.shop.svc.cluster.local}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: seen, namespace: banana}
spec:
  hosts: [details]
  http:
  - route: [{destination: {host: details.shop.svc.cluster.local}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: other-namespace-entry, namespace: shop}
spec:
  hosts: [api.partner.example]
  tls:
  - match: [{port: 443, sniHosts: [api.partner.example]}]
    route: [{destination: {host: api.partner.example}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wildcard, namespace: shop}
spec:
  hosts: [reviews.eu.example.com]
  http:
  - route: [{destination: {host: reviews.eu.example.com}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ports, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews, port: {number: 8080}}}]
  - route: [{destination: {host: reviews, port: {number: 443}}}]
"#;

#[test]
fn destination_hosts_resolve_through_export_to_and_ports() {
    let r = analyze(EXPORTS);
    let hosts: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.code == "IST0101" || f.code == "IST0112")
        .map(|f| {
            format!(
                "{} {}: {}",
                f.code,
                f.name.as_deref().unwrap_or(""),
                f.message
            )
        })
        .collect();
    assert_eq!(hosts.len(), 4, "{hosts:#?}");
    assert!(
        hosts[0].starts_with("IST0101 hidden: ")
            && hosts[0].contains("not exported to namespace \"istio-system\""),
        "{hosts:#?}"
    );
    assert!(
        hosts[1].starts_with("IST0101 other-namespace-entry: ")
            && hosts[1].contains("not exported"),
        "{hosts:#?}"
    );
    // One object's findings are sorted by code.
    assert!(
        hosts[2].starts_with("IST0101 ports: spec.http[1].route[0]")
            && hosts[2].contains("reviews:8080"),
        "{hosts:#?}"
    );
    assert!(
        hosts[3].starts_with("IST0112 ports: spec.http[0].route[0]")
            && hosts[3].contains("80, 443"),
        "{hosts:#?}"
    );
}

#[test]
fn a_route_that_does_not_parse_does_not_hide_the_other_routes() {
    let r = analyze(
        r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: half-broken, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - route:
    - {}
    - destination: {host: reviews-bogus}
    timeout: soon
"#,
    );
    let codes: Vec<&str> = r.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(
        codes.contains(&"IST0106"),
        "the schema error is reported: {codes:?}"
    );
    // As istioctl reads it: the empty route has the empty host (not
    // found), and the next route keeps its index.
    assert_eq!(
        found(&r, "IST0101"),
        ["IST0101 half-broken", "IST0101 half-broken"]
    );
    assert!(r.findings.iter().any(|f| f.code == "IST0101"
        && f.message.starts_with("spec.http[0].route[1]")
        && f.message.contains("reviews-bogus")));
    assert!(r.findings.iter().any(|f| f.code == "IST0101"
        && f.message.starts_with("spec.http[0].route[0]")
        && f.message.contains("host \"\" not found")));
}

#[test]
fn mesh_hosts_conflict_where_both_routes_are_visible() {
    let vs = |name: &str, ns: &str, host: &str, export: &str| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  hosts: [\"{host}\"]\n{export}  http:\n  - route: [{{destination: {{host: web.shop.svc.cluster.local}}}}]\n---\n"
        )
    };
    let only_here = "  exportTo: [\".\"]\n";
    let text = [
        // Both exported everywhere: both reported.
        vs("a", "shop", "web", ""),
        vs("b", "team", "web.shop.svc.cluster.local", ""),
        // Each only in its own namespace: no conflict.
        vs("c", "one", "*.api.example", only_here),
        vs("d", "two", "*.api.example", only_here),
        // A wildcard exported everywhere covers a namespace-local host.
        vs("e", "three", "pay.orders.example", only_here),
        vs("f", "four", "*.orders.example", ""),
    ]
    .concat();
    let r = analyze(&text);
    let mut names = found(&r, "IST0109");
    names.sort();
    assert_eq!(names, ["IST0109 a", "IST0109 b", "IST0109 e", "IST0109 f"]);
}

#[test]
fn injection_labels_are_counted_as_istioctl_counts_them() {
    let ns = |name: &str, labels: &str| {
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {{{labels}}}\n---\n")
    };
    let text = [
        ns("enabled", "istio-injection: enabled"),
        ns(
            "revision-and-legacy",
            "istio-injection: enabled, istio.io/rev: canary",
        ),
        ns(
            "ambient-and-legacy",
            "istio-injection: enabled, istio.io/dataplane-mode: ambient",
        ),
        ns(
            "ambient-and-revision",
            "istio.io/rev: canary, istio.io/dataplane-mode: ambient",
        ),
        ns(
            "opted-out-revision",
            "istio-injection: disabled, istio.io/rev: canary",
        ),
        ns("opted-out", "istio-injection: disabled"),
        ns("unlabelled", ""),
    ]
    .concat();
    let r = analyze(&text);
    assert_eq!(
        found(&r, "IST0123"),
        [
            "IST0123 revision-and-legacy",
            "IST0123 ambient-and-legacy",
            "IST0123 ambient-and-revision"
        ]
    );
    assert_eq!(found(&r, "IST0102"), ["IST0102 unlabelled"]);
    let note = r.findings.iter().find(|f| f.code == "IST0102").unwrap();
    assert_eq!(note.level, meshsynth::core::Severity::Info);
}

#[test]
fn unlabelled_namespaces_are_not_news_where_istio_is_not_in_play() {
    let r = analyze("apiVersion: v1\nkind: Namespace\nmetadata: {name: plain}\n");
    assert!(found(&r, "IST0102").is_empty());
}

#[test]
fn port_names_skip_the_control_plane_and_external_names_have_their_own_code() {
    let r = analyze(
        r#"
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system, labels: {istio: pilot}}
spec:
  ports: [{name: grpc-xds, port: 15010}, {name: webhook, port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: shop}
spec:
  ports: [{port: 53, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: partner, namespace: shop}
spec:
  type: ExternalName
  externalName: api.partner.example
  ports: [{name: tcp, port: 443}, {name: https, port: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports: [{name: web, port: 80}]
"#,
    );
    assert_eq!(found(&r, "IST0118"), ["IST0118 web"]);
    assert_eq!(found(&r, "IST0150"), ["IST0150 partner"]);
}

#[test]
fn image_auto_in_a_namespace_missing_from_the_input_is_not_injected() {
    let r = analyze(
        r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gateway, namespace: edge}
spec:
  selector: {matchLabels: {istio: gateway}}
  template:
    metadata: {labels: {istio: gateway}}
    spec:
      containers: [{name: istio-proxy, image: auto}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: injected-gateway, namespace: shop}
spec:
  selector: {matchLabels: {istio: gateway}}
  template:
    metadata: {labels: {istio: gateway}}
    spec:
      containers: [{name: istio-proxy, image: auto}]
"#,
    );
    assert_eq!(found(&r, "IST0146"), ["IST0146 gateway"]);
}

#[test]
fn authorization_policies_name_namespaces_that_exist_and_protect_workloads() {
    let r = analyze(
        r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop-test, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: web, image: example.com/web:1}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: sources, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  rules:
  - from:
    - source: {namespaces: ["shop", "*-test", "prod-*"], notNamespaces: ["*"]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: mesh-wide-for-web, namespace: istio-system}
spec:
  selector: {matchLabels: {app: web}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: empty-namespace, namespace: shop-test}
spec: {}
"#,
    );
    assert_eq!(found(&r, "IST0101"), ["IST0101 sources"]);
    assert!(r
        .findings
        .iter()
        .any(|f| f.code == "IST0101" && f.message.contains("\"prod-*\"")));
    // The root-namespace policy selects `web` in shop: not reported.
    assert_eq!(found(&r, "IST0127"), ["IST0127 empty-namespace"]);
}

const GATEWAYS: &str = r#"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: wide, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: shared-cert}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: narrow, namespace: edge}
spec:
  selector: {istio: ingressgateway, tier: internal}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, credentialName: shared-cert}
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.example.com"]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: plain, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [c.example.com]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: elsewhere, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [c.example.com]
"#;

#[test]
fn gateways_conflict_and_share_certificates_through_selector_containment() {
    let r = analyze(GATEWAYS);
    let mut conflicts = found(&r, "IST0145");
    conflicts.sort();
    // narrow's *.example.com on 80 overlaps plain's c.example.com, and
    // narrow's selector is within plain's; elsewhere selects other pods.
    assert_eq!(conflicts, ["IST0145 narrow", "IST0145 plain"]);
    // wide's workloads also serve narrow's servers: wide is reported.
    assert_eq!(found(&r, "IST0138"), ["IST0138 wide"]);
}

#[test]
fn envoy_filter_operations_are_checked_once_per_filter_and_code() {
    let r = analyze(
        r#"
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: a-versioned, namespace: shop}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_INBOUND, proxy: {proxyVersion: '^1\.2.*'}}
    patch: {operation: INSERT_AFTER, value: {name: envoy.lua}}
  - applyTo: NETWORK_FILTER
    match: {context: SIDECAR_INBOUND}
    patch: {operation: REPLACE, value: {name: other}}
  - applyTo: CLUSTER
    match: {context: SIDECAR_OUTBOUND}
    patch: {operation: REPLACE, value: {name: c}}
  - applyTo: HTTP_ROUTE
    match: {context: SIDECAR_OUTBOUND}
    patch: {operation: ADD, value: {name: r}}
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: b-merge, namespace: shop}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_INBOUND}
    patch: {operation: MERGE, value: {name: envoy.lua}}
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: c-prioritised, namespace: shop}
spec:
  priority: 20
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_INBOUND}
    patch: {operation: INSERT_BEFORE, value: {name: envoy.lua}}
  - applyTo: FILTER_CHAIN
    match: {context: SIDECAR_INBOUND}
    patch: {operation: MERGE, value: {name: chain}}
"#,
    );
    let codes: Vec<String> = ["IST0151", "IST0152", "IST0153", "IST0154", "IST0155"]
        .iter()
        .flat_map(|c| found(&r, c))
        .collect();
    assert_eq!(
        codes,
        [
            "IST0151 a-versioned",
            "IST0152 a-versioned",
            "IST0153 a-versioned",
            "IST0155 b-merge"
        ]
    );
}

#[test]
fn running_pods_without_the_proxy_and_deprecated_annotations() {
    let r = analyze(
        r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: old, namespace: shop}
spec:
  containers: [{name: web, image: example.com/web:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: native, namespace: shop}
spec:
  initContainers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.28.1, restartPolicy: Always}]
  containers: [{name: web, image: example.com/web:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: opted-out
  namespace: shop
  annotations: {sidecar.istio.io/inject: "false", sidecar.istio.io/statsInclusionRegexps: ".*"}
spec:
  containers: [{name: web, image: example.com/web:1}]
"#,
    );
    assert_eq!(found(&r, "IST0103"), ["IST0103 old"]);
    assert_eq!(found(&r, "IST0135"), ["IST0135 opted-out"]);
}

#[test]
fn jwt_claim_routes_need_a_request_authentication_on_the_gateway() {
    let base = r#"
apiVersion: v1
kind: Pod
metadata: {name: ingress-1, namespace: istio-ingress, labels: {istio: ingress}}
spec:
  containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.28.1}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: shop}
spec:
  selector: {istio: ingress}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: beta, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [public]
  http:
  - match: [{headers: {"@request.auth.claims.group": {exact: beta}}}]
    route: [{destination: {host: shop.example.com}}]
"#;
    assert_eq!(found(&analyze(base), "IST0149"), ["IST0149 beta"]);
    // A RequestAuthentication in the gateway workload's namespace selecting it.
    let fixed = format!(
        "{base}---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: jwt, namespace: istio-ingress}}\nspec:\n  selector: {{matchLabels: {{istio: ingress}}}}\n"
    );
    assert!(found(&analyze(&fixed), "IST0149").is_empty());
}

#[test]
fn gateway_api_routes_attach_only_where_listeners_allow_them() {
    let r = analyze(
        r#"
apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {gateway-access: "yes"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: team-a}
spec: {ports: [{name: http, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: team-b}
spec: {ports: [{name: http, port: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - name: web
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces: {from: Selector, selector: {matchLabels: {gateway-access: "yes"}}}
  - name: tls
    port: 443
    protocol: TLS
    tls: {mode: Passthrough}
    allowedRoutes: {namespaces: {from: All}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: allowed, namespace: team-a}
spec:
  parentRefs: [{name: shared, namespace: infra, sectionName: web}]
  rules: [{backendRefs: [{name: api, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wrong-namespace, namespace: team-b}
spec:
  parentRefs: [{name: shared, namespace: infra, sectionName: web}]
  rules: [{backendRefs: [{name: api, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wrong-kind, namespace: team-a}
spec:
  parentRefs: [{name: shared, namespace: infra, sectionName: tls}]
  rules: [{backendRefs: [{name: api, port: 8080}]}]
"#,
    );
    assert_eq!(
        found(&r, "MS-GW-2"),
        ["MS-GW-2 wrong-namespace", "MS-GW-2 wrong-kind"]
    );
    assert!(found(&r, "MS-GW-1").is_empty() && found(&r, "MS-GW-4").is_empty());
}

#[test]
fn service_entry_protocols_conflict_only_where_both_are_visible() {
    let se = |name: &str, ns: &str, proto: &str, export: &str| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  hosts: [api.example.com]\n  ports: [{{number: 8443, name: p, protocol: {proto}}}]\n  resolution: DNS\n{export}---\n"
        )
    };
    let own = "  exportTo: [\".\"]\n";
    let text = [
        se("tls", "a", "TLS", ""),
        se("https", "b", "HTTPS", ""),
        se("local-http", "c", "HTTP", own),
        se("local-grpc", "d", "GRPC", own),
    ]
    .concat();
    let r = analyze(&text);
    let mut names = found(&r, "IST0177");
    names.sort();
    // tls/https are visible everywhere: each conflicts with every other;
    // the two local ones only with those two, never with each other.
    assert_eq!(
        names,
        [
            "IST0177 https",
            "IST0177 local-grpc",
            "IST0177 local-http",
            "IST0177 tls"
        ]
    );
}

#[test]
fn a_wasm_plugin_selecting_a_gateway_api_gateway_is_ineffective() {
    let r = analyze(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: by-selector, namespace: edge}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: public}}
  url: oci://registry.example.com/filters/auth:1.0
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: by-target, namespace: edge}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: public}]
  url: oci://registry.example.com/filters/auth:1.0
"#,
    );
    assert_eq!(found(&r, "IST0166"), ["IST0166 by-selector"]);
}

const TLS_GATEWAY_API: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: demo ANNOTATIONS}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    hostname: shop.example.com
    tls:
      mode: Terminate
      certificateRefs: [{name: shop-cert}]
"#;

/// A Gateway API listener's certificate Secret is checked as an Istio
/// Gateway's `credentialName` is: something must create it.
#[test]
fn a_gateway_api_certificate_nothing_creates_is_reported() {
    let bare = TLS_GATEWAY_API.replace(" ANNOTATIONS", "");
    let r = analyze(&bare);
    let hits: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code == "IST0101")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        hits,
        ["spec.listeners[0].tls.certificateRefs[0]: referenced secret demo/shop-cert not found: the TLS certificate has no source"],
        "{:?}",
        r.findings
    );
    // The Secret, or a certificate pipeline's Certificate, is a source.
    let secret = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: shop-cert, namespace: demo}\ntype: kubernetes.io/tls\n";
    assert!(found(&analyze(&format!("{bare}{secret}")), "IST0101").is_empty());
    let certificate = "---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: shop, namespace: demo}\nspec: {secretName: shop-cert, dnsNames: [shop.example.com], issuerRef: {name: le}}\n";
    assert!(found(&analyze(&format!("{bare}{certificate}")), "IST0101").is_empty());
    // So is one the Gateway declares.
    let declared = TLS_GATEWAY_API.replace(
        " ANNOTATIONS",
        ", annotations: {meshsynth.io/tls-credential-sources: shop-cert=vault}",
    );
    assert!(found(&analyze(&declared), "IST0101").is_empty());
}

/// `spec.addresses`: a hostname and an IP address of their declared types
/// are valid; a hostname under the default type (IPAddress) is not, as the
/// API server defaults `type` before it validates.
#[test]
fn gateway_addresses_follow_their_type() {
    let gw = |addresses: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: gw, namespace: demo}}\nspec:\n  gatewayClassName: istio\n  addresses: {addresses}\n  listeners: [{{name: http, port: 80, protocol: HTTP}}]\n")
    };
    let valid = gw("[{type: Hostname, value: lb.example.com}, {type: Hostname, value: \"*.example.com\"}, {type: IPAddress, value: 10.0.0.1}, {type: IPAddress, value: \"2001:db8::1\"}, {type: NamedAddress, value: my-ip}]");
    assert!(
        found(&analyze(&valid), "IST0106").is_empty(),
        "{:?}",
        analyze(&valid).findings
    );
    let r = analyze(&gw("[{value: lb.example.com}]"));
    assert_eq!(found(&r, "IST0106"), ["IST0106 gw"], "{:?}", r.findings);
}

#[test]
fn a_document_without_a_kind_or_name_names_only_its_place() {
    // A config file in a walked directory (as `analyze .` meets them in
    // real repositories): no kind and no name to show, so none is shown,
    // neither as blanks in the text line nor as "" in JSON.
    let r = analyze("cluster_name: 'Test Cluster'\nnum_tokens: 256\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n");
    let f = &r.findings[0];
    assert_eq!(f.code, "IST0106");
    assert_eq!((f.kind.as_deref(), f.name.as_deref()), (None, None));
    let mut text = Vec::new();
    meshsynth::analyze::render(&r, meshsynth::analyze::Format::Text, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.starts_with("Error [IST0106] (input.yaml:1) apiVersion and kind are required"),
        "{text}"
    );
    assert!(
        f.hint
            .as_deref()
            .is_some_and(|h| h.contains("leave it out of the paths given")),
        "{f:?}"
    );
    // A kind without a name shows the kind alone.
    assert!(text.contains("(ConfigMap input.yaml:4)"), "{text}");
}
