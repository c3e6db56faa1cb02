//! Custom objects checked against the upstream CRDs (issue: the Kubernetes
//! half typed like the AWS half): what the API server accepts is accepted,
//! what it refuses is an IST0106 finding with the field's exact path.

use meshsynth::analyze::{analyze_sources, Options, Report, Source};
use meshsynth::core::Severity;

fn analyze(name: &str, text: &str) -> Report {
    let src = Source {
        name: name.into(),
        text: text.into(),
    };
    analyze_sources(&[src], &Options::default()).expect("analysis runs")
}

fn lines(r: &Report, level: Severity) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.level == level)
        .map(|f| format!("{} {}", f.code, f.message))
        .collect()
}

#[test]
fn real_shapes_of_upstream_configuration_have_no_error() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analyze/real-shapes");
    let mut sources = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names {
        sources.push(Source {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&p).unwrap(),
        });
    }
    assert_eq!(sources.len(), 4);
    let r = analyze_sources(&sources, &Options::default()).unwrap();
    assert_eq!(lines(&r, Severity::Error), Vec::<String>::new());
    assert!(r.objects >= 35, "{} objects", r.objects);
    assert!(r.skipped.is_empty(), "no kind is skipped: {:?}", r.skipped);
    if let Some(note) = r
        .notes
        .iter()
        .find(|n| n.contains("(CEL) rule applications"))
    {
        assert!(note.contains("were not evaluated"), "{note}");
    }
}

#[test]
fn valid_objects_refused_before_are_accepted() {
    let r = analyze(
        "dr.yaml",
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews.shop.svc.cluster.local
  trafficPolicy:
    outlierDetection:
      consecutiveErrors: 5
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews.shop.svc.cluster.local]
  http:
    - route:
        - destination: {host: reviews.shop.svc.cluster.local}
      mirror: {host: reviews-shadow.shop.svc.cluster.local}
      mirrorPercent: 10
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec:
      containers: [{name: app, image: reviews:1}]
      volumes:
        - name: creds
          secret:
            secretName: creds
            defaultMode: 0400
",
    );
    let schema: Vec<String> = lines(&r, Severity::Error)
        .into_iter()
        .filter(|l| l.starts_with("IST0106"))
        .collect();
    assert_eq!(schema, Vec::<String>::new());
    assert_eq!(
        lines(&r, Severity::Warning)
            .into_iter()
            .filter(|l| l.starts_with("MS-CRD-2"))
            .collect::<Vec<_>>(),
        vec![
            "MS-CRD-2 spec.trafficPolicy.outlierDetection.consecutiveErrors: deprecated; use consecutive5xxErrors instead",
            "MS-CRD-2 spec.http[0].mirrorPercent: deprecated; use mirrorPercentage instead",
        ]
    );
}

#[test]
fn invalid_objects_are_errors_with_exact_paths() {
    let r = analyze(
        "bad.yaml",
        "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: edge}
spec:
  gatewayClassName: istio
  listeners:
    - name: http
      port: 80
      protocol: HTTP
      allowedRoute: {namespaces: {from: All}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: edge}
spec:
  parentRefs: [{name: web}]
  rules:
    - backendRefs: [{name: web, port: 70000}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web, namespace: edge}
spec:
  scaleTargetRef: {name: web}
  triggers:
    - type: prometheus
      metadata: {serverAddress: \"http://prometheus:9090\", query: up, threshold: \"1\"}
      authenticationRef: {name: prom, kind: TriggerAuth}
",
    );
    // The route's Service is not in the input either (MS-GW-4): the
    // schema errors are what this test is about.
    let schema: Vec<String> = lines(&r, Severity::Error)
        .into_iter()
        .filter(|l| l.starts_with("IST0106"))
        .collect();
    assert_eq!(
        schema,
        vec![
            "IST0106 spec.listeners[0].allowedRoute: unknown field (did you mean \"allowedRoutes\"?)",
            "IST0106 spec.rules[0].backendRefs[0].port: 70000 is greater than the maximum 65535",
            "IST0106 spec.triggers[0].authenticationRef.kind: unsupported value \"TriggerAuth\"; supported values: \"TriggerAuthentication\", \"ClusterTriggerAuthentication\"",
        ]
    );
    let f = &r.findings[0];
    assert_eq!(
        (
            f.kind.as_deref(),
            f.namespace.as_deref(),
            f.file.as_deref(),
            f.line
        ),
        (Some("Gateway"), Some("edge"), Some("bad.yaml"), Some(10))
    );
    // Every finding points at its field's line, not its object's first.
    let mut at: Vec<(Option<usize>, String)> = r
        .findings
        .iter()
        .filter(|f| f.code == "IST0106")
        .map(|f| (f.line, f.kind.clone().unwrap_or_default()))
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            (Some(10), "Gateway".to_string()),
            (Some(18), "HTTPRoute".to_string()),
            (Some(28), "ScaledObject".to_string())
        ]
    );
}

#[test]
fn an_unknown_version_of_a_known_kind_names_the_served_ones() {
    let r = analyze(
        "v.yaml",
        "apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: {name: x, namespace: a}\nspec: {hosts: [x]}\n",
    );
    assert_eq!(
        lines(&r, Severity::Error),
        vec!["IST0106 apiVersion: VirtualService has no version \"networking.istio.io/v2\"; the CRD serves v1, v1alpha3, v1beta1"]
    );
}

#[cfg(feature = "cel")]
#[test]
fn cel_rules_of_the_gateway_api_are_evaluated() {
    let r = analyze(
        "cel.yaml",
        "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: db, namespace: edge}
spec:
  gatewayClassName: istio
  listeners:
    - name: postgres
      port: 5432
      protocol: TCP
      hostname: db.example.com
",
    );
    let errors = lines(&r, Severity::Error);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("IST0106 spec.listeners: "),
        "{errors:?}"
    );
    assert!(errors[0].contains("hostname"), "{errors:?}");
}

/// Untrusted input is bounded in time: a Gateway with thousands of
/// listeners (the CRD allows 64) is refused for its size, and the CRD's
/// pairwise listener rules are not run over it (they took minutes).
#[test]
fn a_hostile_list_is_refused_without_evaluating_rules_over_it() {
    let mut text = String::from(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: a}\nspec:\n  gatewayClassName: istio\n  listeners:\n",
    );
    for i in 0..3000 {
        text.push_str(&format!(
            "  - {{name: l{i}, port: {}, protocol: HTTP}}\n",
            1000 + i
        ));
    }
    let r = analyze("big.yaml", &text);
    assert_eq!(
        lines(&r, Severity::Error),
        vec!["IST0106 spec.listeners: must have at most 64 items (it has 3000)"]
    );
}

/// A rule the analyzers also check by hand (IST0106's one-of rules) is
/// reported once per object and field, by the CRD check, at the field's
/// line; without the `cel` feature a CEL-only rule still comes from the
/// hand-written check.
#[test]
fn a_rule_both_checks_know_is_reported_once() {
    let r = analyze(
        "dup.yaml",
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      consistentHash: {httpHeaderName: x-user}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [a.example.com]
  endpoints: [{address: 1.2.3.4}]
  workloadSelector: {labels: {app: a}}
  resolution: STATIC
",
    );
    let per_object = |kind: &str| {
        r.findings
            .iter()
            .filter(|f| f.code == "IST0106" && f.kind.as_deref() == Some(kind))
            .map(|f| (f.line, f.message.clone()))
            .collect::<Vec<_>>()
    };
    let dr = per_object("DestinationRule");
    assert_eq!(dr.len(), 1, "{dr:?}");
    assert_eq!(dr[0].0, Some(7), "{dr:?}");
    assert!(
        dr[0].1.starts_with("spec.trafficPolicy.loadBalancer: "),
        "{dr:?}"
    );
    let se = per_object("ServiceEntry");
    assert_eq!(se.len(), 1, "{se:?}");
    assert!(se[0].1.starts_with("spec: "), "{se:?}");
}
